/* RTP on the relay's packet path: demultiplexing, header parsing, in-place
 * rewriting for forwarding, sequence and timestamp unwrapping, and keyframe
 * detection for VP8 and H.264.
 *
 * Everything here is pure and allocation-free: bytes in, a result or a
 * negative errno out (0 on success). Parsers take `const uint8_t *buf,
 * size_t len` and never read outside it, whatever the bytes say. Rewriters
 * take a mutable copy that the caller already made (the relay copies each
 * packet into every subscriber's buffer) together with the VtRtpHeader parsed
 * from the original, and either rewrite it completely or leave it untouched.
 *
 * References: RFC 3550 (RTP), RFC 5761 (rtcp-mux), RFC 7983 (demux),
 * RFC 8285 (header extensions), RFC 7741 (VP8), RFC 6184 (H.264). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

/* The relay forwards nothing larger: it is the path MTU budget that every
 * subscriber's buffer is sized for, and the parser refuses bigger packets. */
#define VT_RTP_MAX_PACKET 1500
#define VT_RTP_HEADER_LEN 12 /* the fixed part, without CSRCs or extension */
#define VT_RTP_MAX_CSRC 15

/* ---- demultiplexing (RFC 7983, RFC 5761) ---- */

typedef enum {
  VT_RTP_DEMUX_OTHER, /* nothing we speak: drop */
  VT_RTP_DEMUX_STUN,  /* first byte 0..3 */
  VT_RTP_DEMUX_DTLS,  /* first byte 20..63 */
  VT_RTP_DEMUX_MEDIA, /* first byte 128..191: RTP or RTCP, see vt_rtp_is_rtcp() */
} VtRtpDemux;

/* Classifies a datagram by its first byte. */
VtRtpDemux vt_rtp_demux(uint8_t first_byte);

/* For a datagram classified VT_RTP_DEMUX_MEDIA: true if it is RTCP, i.e. its
 * second byte without the marker bit is 64..95 (RTCP packet types 192..223).
 * False for anything shorter than two bytes, which the RTP parser refuses. */
bool vt_rtp_is_rtcp(const uint8_t *buf, size_t len);

/* ---- header parsing (RFC 3550 section 5.1, RFC 8285) ---- */

typedef enum {
  VT_RTP_EXT_NONE,     /* X bit clear */
  VT_RTP_EXT_ONE_BYTE, /* profile 0xBEDE */
  VT_RTP_EXT_TWO_BYTE, /* profile 0x100X, X being the "appbits" */
  VT_RTP_EXT_OTHER,    /* some other profile: carried, not interpreted */
} VtRtpExtForm;

typedef struct {
  bool padding;   /* P bit */
  bool extension; /* X bit */
  bool marker;    /* M bit */
  uint8_t csrc_count;
  uint8_t payload_type; /* 0..127, never 64..95 (that would be RTCP) */
  uint16_t seq;
  uint32_t timestamp;
  uint32_t ssrc;
  uint32_t csrc[VT_RTP_MAX_CSRC]; /* the first csrc_count are set */

  /* The header extension. ext_offset and ext_len delimit the elements, i.e.
   * the block after its 4-byte profile/length word; both are 0 without an
   * extension. For RFC 8285 forms, every element was checked to lie inside. */
  VtRtpExtForm ext_form;
  uint16_t ext_profile; /* the 16-bit "defined by profile" value as sent */
  size_t ext_offset;
  size_t ext_len; /* a multiple of 4 */

  size_t payload_offset; /* = length of the whole header */
  size_t payload_len;    /* may be 0 (padding-only probe packets) */
  uint8_t padding_len;   /* trailing padding, count byte included; 0 if none */
} VtRtpHeader;

/* Parses and validates the RTP header of buf. Returns 0 and fills *hdr, or:
 *   -EMSGSIZE  len > VT_RTP_MAX_PACKET;
 *   -EINVAL    len < 12, version not 2, an RTCP payload type (64..95), CSRCs,
 *              extension or padding running past the end, a padding count of
 *              0, or an RFC 8285 element running past its block.
 * On error *hdr is unspecified. payload_offset + payload_len + padding_len
 * == len on success. */
int vt_rtp_parse(const uint8_t *buf, size_t len, VtRtpHeader *hdr);

/* ---- header extension elements (RFC 8285) ---- */

typedef struct {
  uint8_t id;    /* 1..14 (one-byte form) or 1..255 (two-byte form) */
  size_t offset; /* of the element's data, from the start of the packet */
  size_t len;    /* of the data: 1..16 (one-byte form) or 0..255 */
} VtRtpExtElement;

/* Walks the elements of one packet in order, skipping padding. Treat the
 * fields as private. */
typedef struct {
  const uint8_t *buf;
  size_t pos;
  size_t end;
  bool two_byte;
} VtRtpExtIter;

/* Starts a walk over buf's elements as described by hdr (from vt_rtp_parse
 * of buf or of the packet buf is a copy of). A packet without an RFC 8285
 * extension gives an empty walk. */
void vt_rtp_ext_iter_init(VtRtpExtIter *it, const uint8_t *buf, size_t len, const VtRtpHeader *hdr);

/* Fills *el with the next element and returns true, or returns false at the
 * end of the block, at an id 15 in the one-byte form (RFC 8285 4.2: it ends
 * processing) and at an element that would run past the block. */
bool vt_rtp_ext_iter_next(VtRtpExtIter *it, VtRtpExtElement *el);

/* Finds the first element with this id. Returns 0 and fills *el, or -ENOENT. */
int vt_rtp_ext_find(const uint8_t *buf, size_t len, const VtRtpHeader *hdr, uint8_t id,
                    VtRtpExtElement *el);

/* ---- in-place rewriting for forwarding ---- */

/* Each returns 0, or -EINVAL if buf is not at least a fixed RTP header of
 * version 2 (and leaves it untouched). */
int vt_rtp_set_ssrc(uint8_t *buf, size_t len, uint32_t ssrc);
int vt_rtp_set_seq(uint8_t *buf, size_t len, uint16_t seq);
int vt_rtp_set_timestamp(uint8_t *buf, size_t len, uint32_t timestamp);
/* Keeps the marker bit. payload_type must be 0..127 and not 64..95, which on
 * an rtcp-mux transport would make the packet look like RTCP (RFC 5761 4). */
int vt_rtp_set_payload_type(uint8_t *buf, size_t len, uint8_t payload_type);

/* How a publisher's extension ids become a subscriber's: to[old] is the new
 * id, 0 meaning "drop the element". A zeroed map drops everything, which is
 * what the relay wants for extensions the subscriber did not negotiate. */
typedef struct {
  uint8_t to[256];
} VtRtpExtMap;

/* Rewrites the id of every element of buf through map; dropped elements
 * become padding (zero bytes), so the block keeps its length and the packet
 * its size. Elements after a one-byte id 15 are left alone, as receivers
 * ignore them. Returns 0 (also with no extension), or leaves buf untouched
 * and returns:
 *   -ERANGE      a new id does not fit the packet's form (15+ in one-byte);
 *   -EOPNOTSUPP  the extension is not in an RFC 8285 form;
 *   -EINVAL      hdr does not describe buf. */
int vt_rtp_ext_remap(uint8_t *buf, size_t len, const VtRtpHeader *hdr, const VtRtpExtMap *map);

/* ---- sequence numbers and timestamps across wrap-around ---- */

/* True if a comes after b in 16-bit serial arithmetic. Exactly half-way
 * (a - b == 0x8000) the larger value is newer, so that vt_seq_newer(a, b)
 * and vt_seq_newer(b, a) are never both true. */
bool vt_seq_newer(uint16_t a, uint16_t b);
/* a - b as a signed distance in -32768..32767. */
int32_t vt_seq_delta(uint16_t a, uint16_t b);
/* The same for 32-bit RTP timestamps. */
bool vt_ts_newer(uint32_t a, uint32_t b);
int64_t vt_ts_delta(uint32_t a, uint32_t b);

/* Turns 16-bit sequence numbers into a 64-bit count that keeps growing
 * across wraps (RFC 3550 A.1). Zero-initialise or call _init. */
typedef struct {
  int64_t max_ext;       /* highest extended number accepted */
  int64_t probation_ext; /* extended number of the suspected restart */
  uint16_t max_seq;      /* max_ext's 16 bits */
  uint16_t probation_seq;
  bool started;
  bool probation;
} VtSeqUnwrapper;

#define VT_SEQ_MAX_DROPOUT 3000 /* a forward gap up to this is loss */
#define VT_SEQ_MAX_MISORDER 100 /* a step back up to this is reordering */

void vt_seq_unwrapper_init(VtSeqUnwrapper *u);

/* Unwraps seq into *ext. Returns 0 for the first packet, for packets up to
 * VT_SEQ_MAX_DROPOUT ahead of the highest so far (the highest moves) and for
 * packets up to VT_SEQ_MAX_MISORDER behind it (late or duplicate: *ext is at
 * most the highest). *ext may be negative for a packet that was sent before
 * the first one seen.
 *
 * Anything further away is either a stray packet or the sender restarting
 * its numbering. Such a packet returns -ERANGE and is put on probation with
 * *ext = highest + 1; if the next out-of-window packet follows it (up to
 * VT_SEQ_MAX_DROPOUT ahead of it), the restart is believed and numbering
 * continues from the probation packet's *ext, so that the extended numbers
 * stay increasing and the first packet of the restart keeps its slot. */
int vt_seq_unwrap(VtSeqUnwrapper *u, uint16_t seq, int64_t *ext);

/* Turns 32-bit RTP timestamps into a 64-bit continuous clock. Zero-initialise
 * or call _init. */
typedef struct {
  int64_t max_ext;
  uint32_t max_ts;
  bool started;
} VtTsUnwrapper;

void vt_ts_unwrapper_init(VtTsUnwrapper *u);

/* Returns ts extended relative to the highest timestamp seen: any step of
 * less than 2^31 either way is taken at face value. Unlike sequence numbers,
 * timestamps legitimately jump (pauses, DTX) and go back (B-frames are sent
 * in decoding order), so there is no window and no restart detection; the
 * first timestamp is returned as is. */
int64_t vt_ts_unwrap(VtTsUnwrapper *u, uint32_t ts);

/* ---- keyframes ---- */

/* True if a VP8 RTP payload (RFC 7741) starts a key frame: the descriptor's
 * S bit is set and its partition index is 0, and the VP8 frame tag that
 * follows has P (inverse key frame flag) clear and the key frame start code
 * 9d 01 2a. False for anything else, including truncated payloads. */
bool vt_rtp_vp8_is_keyframe(const uint8_t *payload, size_t len);

/* Sets *types to a bit mask, bit n for NAL unit type n, of the NAL units
 * that start in an H.264 RTP payload (RFC 6184): the single NAL unit, every
 * unit of a STAP-A, or the unit a FU-A starts (S bit). Other packetizations
 * (STAP-B, MTAP, FU-B, which WebRTC does not use) give 0. Returns 0, or
 * -EINVAL for an empty payload, a truncated FU-A or a STAP-A whose sizes do
 * not add up exactly. */
int vt_rtp_h264_nal_types(const uint8_t *payload, size_t len, uint32_t *types);

#define VT_H264_NAL_IDR 5
#define VT_H264_NAL_SPS 7
#define VT_H264_NAL_PPS 8

/* True if the payload holds the start of an IDR slice or an SPS: a decoder
 * can start there. False for malformed payloads. */
bool vt_rtp_h264_is_keyframe(const uint8_t *payload, size_t len);

G_END_DECLS
