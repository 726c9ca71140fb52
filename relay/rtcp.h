/* RTCP for the relay: parsing compound packets, building the packets the
 * relay sends, NTP time helpers and per-source receive statistics.
 *
 * The relay terminates RTCP (docs: "The media path"): it parses what peers
 * send, acts on it (keyframe requests, NACKs, REMB) and sends its own reports.
 * Everything here is pure: bytes and timestamps in, results out, no sockets,
 * no clocks, no allocation. Formats: RFC 3550 §6 (SR, RR, SDES, BYE, APP),
 * RFC 4585 (generic NACK, PLI), RFC 5104 (FIR), RFC 5506 (reduced-size RTCP)
 * and draft-alvestrand-rmcat-remb (REMB).
 *
 * Errors on the packet path are negative errno values:
 *   -EBADMSG  a length or count does not add up (truncated, lying, bad padding)
 *   -EPROTO   well-formed but against a rule: version is not 2, padding bit on
 *             a packet that is not the last, packet type outside 192..223, a
 *             first packet that is not SR/RR without VT_RTCP_PARSE_RSIZE
 *   -ENOBUFS  (builders) the caller's buffer is too small
 *   -EINVAL   (builders) a value outside what the format can carry
 *
 * Parsing contract: vt_rtcp_iter_init() validates the whole compound packet
 * before anything is yielded. If it fails, the iterator yields nothing; if it
 * succeeds, every packet and every item inside can be read without further
 * error checks. A bad tail therefore never leads to partial processing. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/* Packet types (RFC 3550, RFC 4585). */
enum {
  VT_RTCP_PT_SR = 200,
  VT_RTCP_PT_RR = 201,
  VT_RTCP_PT_SDES = 202,
  VT_RTCP_PT_BYE = 203,
  VT_RTCP_PT_APP = 204,
  VT_RTCP_PT_RTPFB = 205,
  VT_RTCP_PT_PSFB = 206,
};

#define VT_RTCP_MAX_REPORT_BLOCKS 31 /* the 5-bit RC field */
#define VT_RTCP_MAX_BYE_SSRCS 31     /* the 5-bit SC field */
#define VT_RTCP_MAX_REMB_SSRCS 255   /* the 8-bit num SSRC field */
#define VT_RTCP_SDES_CNAME 1
#define VT_RTCP_NACK_MAX_PER_PAIR 17 /* PID plus 16 BLP bits */

/* Flags for vt_rtcp_iter_init(). */
typedef enum {
  /* Accept compound packets whose first packet is not SR or RR (reduced-size
   * RTCP, RFC 5506: browsers negotiate a=rtcp-rsize and send e.g. a lone PLI). */
  VT_RTCP_PARSE_RSIZE = 1 << 0,
} VtRtcpParseFlags;

typedef enum {
  VT_RTCP_KIND_SR,
  VT_RTCP_KIND_RR,
  VT_RTCP_KIND_SDES,
  VT_RTCP_KIND_BYE,
  VT_RTCP_KIND_APP,
  VT_RTCP_KIND_NACK,       /* RTPFB FMT 1 */
  VT_RTCP_KIND_PLI,        /* PSFB FMT 1 */
  VT_RTCP_KIND_FIR,        /* PSFB FMT 4 */
  VT_RTCP_KIND_REMB,       /* PSFB FMT 15 starting with "REMB" */
  VT_RTCP_KIND_UNKNOWN_FB, /* other RTPFB/PSFB (transport-cc, SLI, other AFB ...) */
  VT_RTCP_KIND_UNKNOWN,    /* other packet types in 192..223 (XR ...) */
} VtRtcpKind;

/* One report block (RFC 3550 §6.4.1). cumulative_lost is the 24-bit signed
 * field widened; builders clamp it to -0x800000..0x7fffff. */
typedef struct {
  uint32_t ssrc;
  uint8_t fraction_lost; /* lost / expected since the last report, times 256 */
  int32_t cumulative_lost;
  uint32_t highest_seq; /* extended highest sequence number received */
  uint32_t jitter;      /* interarrival jitter in RTP timestamp units */
  uint32_t lsr;         /* middle 32 bits of the last SR's NTP time, 0 if none */
  uint32_t dlsr;        /* delay since that SR in 1/65536 s */
} VtRtcpReportBlock;

/* The sender info of an SR (its SSRC is VtRtcpPacket.ssrc). */
typedef struct {
  uint64_t ntp; /* 32.32 fixed point seconds since 1900 */
  uint32_t rtp_ts;
  uint32_t packet_count;
  uint32_t octet_count;
} VtRtcpSenderInfo;

/* One packet of a compound, as a view into the caller's buffer: the pointers
 * are valid as long as that buffer is. Fields not listed for a kind are 0. */
typedef struct {
  VtRtcpKind kind;
  uint8_t pt;          /* header packet type */
  uint8_t count;       /* header RC / SC / FMT / APP subtype field */
  const uint8_t *data; /* the whole packet, header and padding included */
  size_t len;
  const uint8_t *body; /* after the 4-byte header, padding removed */
  size_t body_len;

  uint32_t ssrc;       /* SR, RR, APP: the sender; RTPFB/PSFB: the packet sender */
  uint32_t media_ssrc; /* RTPFB/PSFB: the media source (0 for FIR and REMB by spec) */
  /* Number of items: report blocks (SR, RR), chunks (SDES), SSRCs (BYE, REMB),
   * PID+BLP pairs (NACK), entries (FIR). */
  unsigned n_items;
  VtRtcpSenderInfo sender; /* SR */
  const char *reason;      /* BYE: optional reason, not NUL-terminated; NULL if absent */
  size_t reason_len;
  uint64_t remb_bitrate; /* REMB: bits per second, saturated at UINT64_MAX */
  char app_name[4];      /* APP: the four ASCII name bytes, not NUL-terminated */

  const uint8_t *items; /* private: start of the item list n_items counts */
  size_t items_len;     /* private */
} VtRtcpPacket;

typedef struct {
  const uint8_t *buf;
  size_t len;
  size_t off;
} VtRtcpIter;

/* Validates the whole compound packet in buf (len bytes, e.g. after SRTCP
 * unprotect) and sets it up for iteration. Returns 0, or a negative errno
 * (see above) after which vt_rtcp_iter_next() yields nothing. flags is a
 * combination of VtRtcpParseFlags. */
int vt_rtcp_iter_init(VtRtcpIter *it, const uint8_t *buf, size_t len, unsigned flags);

/* Fills *pkt with the next packet; FALSE at the end. */
gboolean vt_rtcp_iter_next(VtRtcpIter *it, VtRtcpPacket *pkt);

/* Item accessors on a packet from vt_rtcp_iter_next(). index must be below
 * pkt->n_items and the kind must match; anything else is a programming error. */
void vt_rtcp_packet_report_block(const VtRtcpPacket *pkt, unsigned index, VtRtcpReportBlock *out);
/* BYE and REMB: the index-th SSRC of the list. */
uint32_t vt_rtcp_packet_ssrc_at(const VtRtcpPacket *pkt, unsigned index);
void vt_rtcp_packet_nack(const VtRtcpPacket *pkt, unsigned index, uint16_t *pid, uint16_t *blp);
void vt_rtcp_packet_fir(const VtRtcpPacket *pkt, unsigned index, uint32_t *ssrc, uint8_t *seq_nr);

/* SDES items, chunk by chunk. Items of every type are yielded (the caller
 * picks CNAME = VT_RTCP_SDES_CNAME); chunks without items yield nothing. */
typedef struct {
  uint32_t ssrc; /* the chunk's SSRC/CSRC */
  uint8_t type;
  const char *value; /* not NUL-terminated */
  uint8_t len;
} VtRtcpSdesItem;

typedef struct {
  const uint8_t *p;
  size_t len;
  size_t off;
  unsigned chunks_left;
  gboolean in_chunk;
  uint32_t ssrc;
} VtRtcpSdesIter;

void vt_rtcp_sdes_iter_init(VtRtcpSdesIter *it, const VtRtcpPacket *pkt);
gboolean vt_rtcp_sdes_iter_next(VtRtcpSdesIter *it, VtRtcpSdesItem *item);

/* Expands one generic NACK pair into the lost sequence numbers it names, in
 * order (pid first). out must hold VT_RTCP_NACK_MAX_PER_PAIR; returns the
 * count (1..17). */
unsigned vt_rtcp_nack_expand(uint16_t pid, uint16_t blp, uint16_t *out);

typedef struct {
  uint16_t pid;
  uint16_t blp;
} VtRtcpNackPair;

/* Packs n sequence numbers (any order, duplicates allowed, across the 16-bit
 * wrap) into the fewest PID+BLP pairs covering exactly that set. The packing
 * is minimal whenever the numbers leave a gap of 17 or more somewhere on the
 * 16-bit circle, i.e. always for fewer than 4096 distinct numbers. Returns the
 * number of pairs written to out (cap entries), -ENOBUFS if cap is too small,
 * -EINVAL if n is 0. With out NULL it only counts. */
int vt_rtcp_nack_pack(const uint16_t *seqs, size_t n, VtRtcpNackPair *out, size_t cap);

/* Builders. Each writes one packet at buf (cap bytes) and returns the bytes
 * written, or -ENOBUFS if it does not fit, -EINVAL for a value the format
 * cannot carry. Nothing is padded with the P bit. */
int vt_rtcp_build_sr(uint8_t *buf, size_t cap, uint32_t ssrc, const VtRtcpSenderInfo *info,
                     const VtRtcpReportBlock *blocks, unsigned n_blocks);
int vt_rtcp_build_rr(uint8_t *buf, size_t cap, uint32_t ssrc, const VtRtcpReportBlock *blocks,
                     unsigned n_blocks);
/* One chunk with one CNAME item of cname_len (at most 255) bytes. */
int vt_rtcp_build_sdes_cname(uint8_t *buf, size_t cap, uint32_t ssrc, const char *cname,
                             size_t cname_len);
/* n_ssrcs at most 31; reason may be NULL (no reason) or up to 255 bytes. */
int vt_rtcp_build_bye(uint8_t *buf, size_t cap, const uint32_t *ssrcs, unsigned n_ssrcs,
                      const char *reason, size_t reason_len);
int vt_rtcp_build_pli(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc);
/* One FIR entry for media_ssrc with its command sequence number. */
int vt_rtcp_build_fir(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                      uint8_t seq_nr);
/* Generic NACK for the lost sequence numbers seqs (packed as by
 * vt_rtcp_nack_pack()); n must be at least 1. */
int vt_rtcp_build_nack(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                       const uint16_t *seqs, size_t n);
/* REMB for n_ssrcs (at most 255) media sources. The bitrate is rounded down
 * to what an 18-bit mantissa and 6-bit exponent can say. */
int vt_rtcp_build_remb(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint64_t bitrate_bps,
                       const uint32_t *ssrcs, unsigned n_ssrcs);

/* Builds a compound packet by appending builders' output with a sticky error:
 *
 *   VtRtcpCompound c;
 *   vt_rtcp_compound_init(&c, buf, sizeof buf);
 *   vt_rtcp_compound_add(&c, vt_rtcp_build_rr(vt_rtcp_compound_tail(&c),
 *                                             vt_rtcp_compound_room(&c), ...));
 *   vt_rtcp_compound_add(&c, vt_rtcp_build_sdes_cname(vt_rtcp_compound_tail(&c), ...));
 *   int len = vt_rtcp_compound_finish(&c);
 *
 * finish() returns the total length, or the first builder's error. */
typedef struct {
  uint8_t *buf;
  size_t cap;
  size_t len;
  int error;
} VtRtcpCompound;

void vt_rtcp_compound_init(VtRtcpCompound *c, uint8_t *buf, size_t cap);
uint8_t *vt_rtcp_compound_tail(const VtRtcpCompound *c);
size_t vt_rtcp_compound_room(const VtRtcpCompound *c);
void vt_rtcp_compound_add(VtRtcpCompound *c, int built);
int vt_rtcp_compound_finish(const VtRtcpCompound *c);

/* The usual compound packets: a report followed by an SDES CNAME chunk for
 * the same SSRC. */
int vt_rtcp_build_sr_sdes(uint8_t *buf, size_t cap, uint32_t ssrc, const VtRtcpSenderInfo *info,
                          const VtRtcpReportBlock *blocks, unsigned n_blocks, const char *cname,
                          size_t cname_len);
int vt_rtcp_build_rr_sdes(uint8_t *buf, size_t cap, uint32_t ssrc, const VtRtcpReportBlock *blocks,
                          unsigned n_blocks, const char *cname, size_t cname_len);

/* NTP time. unix_us is GLib wall-clock time (g_get_real_time()). NTP seconds
 * wrap in 2036; ntp_to_unix_us() reads seconds with the top bit clear as era 1
 * (2036-2104), as RFC 4330 §3 suggests. */
uint64_t vt_rtcp_ntp_from_unix_us(int64_t unix_us);
int64_t vt_rtcp_ntp_to_unix_us(uint64_t ntp);
/* The middle 32 bits of an NTP time (16.16 seconds), as in LSR. */
uint32_t vt_rtcp_ntp_compact(uint64_t ntp);
/* A duration in microseconds to and from 1/65536 s units (DLSR), saturated
 * at 0 and UINT32_MAX. */
uint32_t vt_rtcp_compact_from_us(int64_t us);
int64_t vt_rtcp_compact_to_us(uint32_t compact);
/* Round-trip time from a report block received at arrival_unix_us (RFC 3550
 * §6.4.1: arrival - LSR - DLSR). Returns microseconds, or -ENODATA when lsr
 * is 0 (no SR received yet) and -ERANGE when the result is negative. */
int64_t vt_rtcp_rtt_us(int64_t arrival_unix_us, uint32_t lsr, uint32_t dlsr);

/* Receive statistics for one incoming SSRC (RFC 3550 A.3 and A.8). The
 * caller extends sequence numbers (A.1) and passes the extended number, the
 * packet's RTP timestamp and its arrival time in microseconds (any clock that
 * does not jump). Plain struct: embed it; no _free needed. */
typedef struct {
  uint32_t ssrc;
  uint32_t clock_rate;
  gboolean started;
  uint32_t base_seq; /* lowest extended sequence number seen */
  uint32_t max_seq;  /* highest extended sequence number seen */
  uint64_t received;
  uint32_t expected_prior;
  uint64_t received_prior;
  int64_t first_arrival_us;
  uint32_t last_rtp_ts;
  uint32_t transit;
  uint64_t jitter_q4; /* jitter times 16, as in A.8 */
  gboolean have_sr;
  uint32_t sr_compact; /* LSR: compact NTP time of the last SR */
  int64_t sr_arrival_us;
} VtRtcpRecvStats;

void vt_rtcp_recv_stats_init(VtRtcpRecvStats *s, uint32_t ssrc, uint32_t clock_rate);
void vt_rtcp_recv_stats_update(VtRtcpRecvStats *s, uint32_t ext_seq, uint32_t rtp_ts,
                               int64_t arrival_us);
/* The source sent an SR with this NTP time; it arrived at arrival_us (same
 * clock as update()). */
void vt_rtcp_recv_stats_sr(VtRtcpRecvStats *s, uint64_t ntp, int64_t arrival_us);
/* Fills a report block as of now_us and starts a new interval for the
 * fraction lost. Returns 0, or -ENODATA if no packet was ever received. */
int vt_rtcp_recv_stats_report(VtRtcpRecvStats *s, int64_t now_us, VtRtcpReportBlock *out);

G_END_DECLS
