/* RTCP builders (see rtcp.h): each writes one packet into the caller's
 * buffer after checking that it fits, so a short buffer is an error code and
 * never an overrun. Also the generic NACK packing and compound assembly. */
#include "relay/rtcp.h"

#include <errno.h>
#include <string.h>

#include "relay/rtcp-priv.h"

#define SEQ_WORDS (65536 / 64)

/* Writes the common header for a packet of len bytes (a multiple of 4). */
static void put_header(uint8_t *p, unsigned count, uint8_t pt, size_t len)
{
  p[0] = (uint8_t)(0x80 | (count & 0x1f));
  p[1] = pt;
  rtcp_wr16(p + 2, (uint16_t)(len / 4 - 1));
}

static void put_report_block(uint8_t *p, const VtRtcpReportBlock *rb)
{
  int32_t lost = CLAMP(rb->cumulative_lost, -0x800000, 0x7fffff);

  rtcp_wr32(p, rb->ssrc);
  p[4] = rb->fraction_lost;
  rtcp_wr24(p + 5, (uint32_t)lost & 0xffffffu);
  rtcp_wr32(p + 8, rb->highest_seq);
  rtcp_wr32(p + 12, rb->jitter);
  rtcp_wr32(p + 16, rb->lsr);
  rtcp_wr32(p + 20, rb->dlsr);
}

static void put_report_blocks(uint8_t *p, const VtRtcpReportBlock *blocks, unsigned n)
{
  for (unsigned i = 0; i < n; i++)
    put_report_block(p + (size_t)i * RTCP_REPORT_BLOCK_LEN, &blocks[i]);
}

int vt_rtcp_build_sr(uint8_t *buf, size_t cap, uint32_t ssrc, const VtRtcpSenderInfo *info,
                     const VtRtcpReportBlock *blocks, unsigned n_blocks)
{
  g_return_val_if_fail(info != NULL && (blocks != NULL || n_blocks == 0), -EINVAL);
  if (n_blocks > VT_RTCP_MAX_REPORT_BLOCKS)
    return -EINVAL;
  size_t len =
      RTCP_HEADER_LEN + 4 + RTCP_SENDER_INFO_LEN + (size_t)n_blocks * RTCP_REPORT_BLOCK_LEN;
  if (buf == NULL || cap < len)
    return -ENOBUFS;
  put_header(buf, n_blocks, VT_RTCP_PT_SR, len);
  rtcp_wr32(buf + 4, ssrc);
  rtcp_wr32(buf + 8, (uint32_t)(info->ntp >> 32));
  rtcp_wr32(buf + 12, (uint32_t)info->ntp);
  rtcp_wr32(buf + 16, info->rtp_ts);
  rtcp_wr32(buf + 20, info->packet_count);
  rtcp_wr32(buf + 24, info->octet_count);
  put_report_blocks(buf + 28, blocks, n_blocks);
  return (int)len;
}

int vt_rtcp_build_rr(uint8_t *buf, size_t cap, uint32_t ssrc, const VtRtcpReportBlock *blocks,
                     unsigned n_blocks)
{
  g_return_val_if_fail(blocks != NULL || n_blocks == 0, -EINVAL);
  if (n_blocks > VT_RTCP_MAX_REPORT_BLOCKS)
    return -EINVAL;
  size_t len = RTCP_HEADER_LEN + 4 + (size_t)n_blocks * RTCP_REPORT_BLOCK_LEN;
  if (buf == NULL || cap < len)
    return -ENOBUFS;
  put_header(buf, n_blocks, VT_RTCP_PT_RR, len);
  rtcp_wr32(buf + 4, ssrc);
  put_report_blocks(buf + 8, blocks, n_blocks);
  return (int)len;
}

int vt_rtcp_build_sdes_cname(uint8_t *buf, size_t cap, uint32_t ssrc, const char *cname,
                             size_t cname_len)
{
  g_return_val_if_fail(cname != NULL || cname_len == 0, -EINVAL);
  if (cname_len > 255)
    return -EINVAL;
  /* SSRC, type, length, value, then at least one null octet up to 32 bits. */
  size_t chunk = (4 + 2 + cname_len + 1 + 3) & ~(size_t)3;
  size_t len = RTCP_HEADER_LEN + chunk;
  if (buf == NULL || cap < len)
    return -ENOBUFS;
  memset(buf, 0, len);
  put_header(buf, 1, VT_RTCP_PT_SDES, len);
  rtcp_wr32(buf + 4, ssrc);
  buf[8] = VT_RTCP_SDES_CNAME;
  buf[9] = (uint8_t)cname_len;
  if (cname_len > 0)
    memcpy(buf + 10, cname, cname_len);
  return (int)len;
}

int vt_rtcp_build_bye(uint8_t *buf, size_t cap, const uint32_t *ssrcs, unsigned n_ssrcs,
                      const char *reason, size_t reason_len)
{
  g_return_val_if_fail(ssrcs != NULL || n_ssrcs == 0, -EINVAL);
  g_return_val_if_fail(reason != NULL || reason_len == 0, -EINVAL);
  if (n_ssrcs > VT_RTCP_MAX_BYE_SSRCS || reason_len > 255)
    return -EINVAL;
  size_t list = (size_t)n_ssrcs * 4;
  size_t len = RTCP_HEADER_LEN + list + (reason ? (1 + reason_len + 3) & ~(size_t)3 : 0);
  if (buf == NULL || cap < len)
    return -ENOBUFS;
  memset(buf, 0, len);
  put_header(buf, n_ssrcs, VT_RTCP_PT_BYE, len);
  for (unsigned i = 0; i < n_ssrcs; i++)
    rtcp_wr32(buf + 4 + (size_t)i * 4, ssrcs[i]);
  if (reason) {
    buf[4 + list] = (uint8_t)reason_len;
    if (reason_len > 0)
      memcpy(buf + 5 + list, reason, reason_len);
  }
  return (int)len;
}

/* Writes a feedback packet's header and two SSRCs; len covers the FCI. */
static void put_feedback(uint8_t *p, uint8_t pt, unsigned fmt, size_t len, uint32_t sender,
                         uint32_t media)
{
  put_header(p, fmt, pt, len);
  rtcp_wr32(p + 4, sender);
  rtcp_wr32(p + 8, media);
}

int vt_rtcp_build_pli(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc)
{
  size_t len = RTCP_HEADER_LEN + RTCP_FB_COMMON_LEN;

  if (buf == NULL || cap < len)
    return -ENOBUFS;
  put_feedback(buf, VT_RTCP_PT_PSFB, RTCP_FMT_PLI, len, sender_ssrc, media_ssrc);
  return (int)len;
}

int vt_rtcp_build_fir(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                      uint8_t seq_nr)
{
  size_t len = RTCP_HEADER_LEN + RTCP_FB_COMMON_LEN + RTCP_FIR_ENTRY_LEN;

  if (buf == NULL || cap < len)
    return -ENOBUFS;
  /* RFC 5104 §4.3.1.2: the media source field is unused and set to 0; the
   * target is named in the FCI entry. */
  put_feedback(buf, VT_RTCP_PT_PSFB, RTCP_FMT_FIR, len, sender_ssrc, 0);
  rtcp_wr32(buf + 12, media_ssrc);
  buf[16] = seq_nr;
  buf[17] = buf[18] = buf[19] = 0;
  return (int)len;
}

static gboolean seq_test(const uint64_t *set, uint32_t s)
{
  return (set[s >> 6] >> (s & 63)) & 1;
}

/* The first member of the non-empty set at or after from, going round the
 * 16-bit circle. */
static uint32_t seq_next(const uint64_t *set, uint32_t from)
{
  uint32_t i = (from & 0xffff) >> 6;
  uint64_t word = set[i] & (~(uint64_t)0 << (from & 63));

  for (unsigned step = 0; step <= SEQ_WORDS; step++) {
    if (word != 0)
      return i << 6 | (uint32_t)__builtin_ctzll(word);
    i = (i + 1) % SEQ_WORDS;
    word = set[i];
  }
  g_assert_not_reached();
}

/* Where greedy packing should start: just after the largest gap between
 * consecutive members, so that no pair would have to span that gap. */
static uint32_t pack_start(const uint64_t *set, size_t distinct)
{
  uint32_t first = seq_next(set, 0), prev = first, start = first, best = 0;

  for (size_t k = 1; k < distinct; k++) {
    uint32_t s = seq_next(set, prev + 1);
    if (s - prev > best) {
      best = s - prev;
      start = s;
    }
    prev = s;
  }
  if (first + 65536 - prev > best)
    start = first;
  return start;
}

/* Greedy cover of the set from pack_start(): the first uncovered member
 * becomes a PID and the 16 numbers after it its BLP. Writes pairs to out
 * and/or wire (big-endian FCI); returns the count or -ENOBUFS. */
static int pack(const uint16_t *seqs, size_t n, VtRtcpNackPair *out, uint8_t *wire, size_t cap)
{
  uint64_t set[SEQ_WORDS];
  size_t distinct = 0, pairs = 0;

  memset(set, 0, sizeof set);
  for (size_t i = 0; i < n; i++) {
    distinct += !seq_test(set, seqs[i]);
    set[seqs[i] >> 6] |= (uint64_t)1 << (seqs[i] & 63);
  }
  for (uint32_t pos = pack_start(set, distinct); distinct > 0; pairs++) {
    uint32_t pid = seq_next(set, pos);
    uint16_t blp = 0;
    for (uint32_t k = 0; k <= 16; k++) {
      uint32_t s = (pid + k) & 0xffff;
      if (seq_test(set, s)) {
        blp |= k > 0 ? (uint16_t)(1u << (k - 1)) : 0;
        set[s >> 6] &= ~((uint64_t)1 << (s & 63));
        distinct--;
      }
    }
    if (pairs == cap)
      return -ENOBUFS;
    if (out)
      out[pairs] = (VtRtcpNackPair){(uint16_t)pid, blp};
    if (wire) {
      rtcp_wr16(wire + pairs * 4, (uint16_t)pid);
      rtcp_wr16(wire + pairs * 4 + 2, blp);
    }
    pos = (pid + 17) & 0xffff;
  }
  return (int)pairs;
}

int vt_rtcp_nack_pack(const uint16_t *seqs, size_t n, VtRtcpNackPair *out, size_t cap)
{
  g_return_val_if_fail(seqs != NULL || n == 0, -EINVAL);
  if (n == 0)
    return -EINVAL;
  return pack(seqs, n, out, NULL, out ? cap : SIZE_MAX);
}

int vt_rtcp_build_nack(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                       const uint16_t *seqs, size_t n)
{
  size_t fixed = RTCP_HEADER_LEN + RTCP_FB_COMMON_LEN;

  g_return_val_if_fail(seqs != NULL || n == 0, -EINVAL);
  if (n == 0)
    return -EINVAL;
  if (buf == NULL || cap < fixed + 4)
    return -ENOBUFS;
  /* At most 3856 pairs cover all 65536 numbers, so the length field (up to
   * 65535 words) never overflows. */
  int pairs = pack(seqs, n, NULL, buf + fixed, (cap - fixed) / 4);
  if (pairs < 0)
    return pairs;
  size_t len = fixed + (size_t)pairs * 4;
  put_feedback(buf, VT_RTCP_PT_RTPFB, RTCP_FMT_NACK, len, sender_ssrc, media_ssrc);
  return (int)len;
}

int vt_rtcp_build_remb(uint8_t *buf, size_t cap, uint32_t sender_ssrc, uint64_t bitrate_bps,
                       const uint32_t *ssrcs, unsigned n_ssrcs)
{
  unsigned exp = 0;

  g_return_val_if_fail(ssrcs != NULL || n_ssrcs == 0, -EINVAL);
  if (n_ssrcs > VT_RTCP_MAX_REMB_SSRCS)
    return -EINVAL;
  size_t len = RTCP_HEADER_LEN + RTCP_FB_COMMON_LEN + RTCP_REMB_FIXED_LEN + (size_t)n_ssrcs * 4;
  if (buf == NULL || cap < len)
    return -ENOBUFS;
  while ((bitrate_bps >> exp) > 0x3ffff)
    exp++;
  uint32_t mantissa = (uint32_t)(bitrate_bps >> exp);
  put_feedback(buf, VT_RTCP_PT_PSFB, RTCP_FMT_AFB, len, sender_ssrc, 0);
  memcpy(buf + 12, "REMB", 4);
  buf[16] = (uint8_t)n_ssrcs;
  buf[17] = (uint8_t)(exp << 2 | mantissa >> 16);
  rtcp_wr16(buf + 18, (uint16_t)mantissa);
  for (unsigned i = 0; i < n_ssrcs; i++)
    rtcp_wr32(buf + 20 + (size_t)i * 4, ssrcs[i]);
  return (int)len;
}

void vt_rtcp_compound_init(VtRtcpCompound *c, uint8_t *buf, size_t cap)
{
  g_return_if_fail(c != NULL);
  c->buf = buf;
  c->cap = buf ? cap : 0;
  c->len = 0;
  c->error = 0;
}

uint8_t *vt_rtcp_compound_tail(const VtRtcpCompound *c)
{
  g_return_val_if_fail(c != NULL, NULL);
  return c->buf ? c->buf + c->len : NULL;
}

size_t vt_rtcp_compound_room(const VtRtcpCompound *c)
{
  g_return_val_if_fail(c != NULL, 0);
  return c->error ? 0 : c->cap - c->len;
}

void vt_rtcp_compound_add(VtRtcpCompound *c, int built)
{
  g_return_if_fail(c != NULL);
  if (c->error)
    return;
  if (built < 0) {
    c->error = built;
    return;
  }
  g_return_if_fail((size_t)built <= c->cap - c->len);
  c->len += (size_t)built;
}

int vt_rtcp_compound_finish(const VtRtcpCompound *c)
{
  g_return_val_if_fail(c != NULL, -EINVAL);
  return c->error ? c->error : (int)c->len;
}

int vt_rtcp_build_sr_sdes(uint8_t *buf, size_t cap, uint32_t ssrc, const VtRtcpSenderInfo *info,
                          const VtRtcpReportBlock *blocks, unsigned n_blocks, const char *cname,
                          size_t cname_len)
{
  VtRtcpCompound c;

  vt_rtcp_compound_init(&c, buf, cap);
  vt_rtcp_compound_add(&c, vt_rtcp_build_sr(vt_rtcp_compound_tail(&c), vt_rtcp_compound_room(&c),
                                            ssrc, info, blocks, n_blocks));
  vt_rtcp_compound_add(&c,
                       vt_rtcp_build_sdes_cname(vt_rtcp_compound_tail(&c),
                                                vt_rtcp_compound_room(&c), ssrc, cname, cname_len));
  return vt_rtcp_compound_finish(&c);
}

int vt_rtcp_build_rr_sdes(uint8_t *buf, size_t cap, uint32_t ssrc, const VtRtcpReportBlock *blocks,
                          unsigned n_blocks, const char *cname, size_t cname_len)
{
  VtRtcpCompound c;

  vt_rtcp_compound_init(&c, buf, cap);
  vt_rtcp_compound_add(&c, vt_rtcp_build_rr(vt_rtcp_compound_tail(&c), vt_rtcp_compound_room(&c),
                                            ssrc, blocks, n_blocks));
  vt_rtcp_compound_add(&c,
                       vt_rtcp_build_sdes_cname(vt_rtcp_compound_tail(&c),
                                                vt_rtcp_compound_room(&c), ssrc, cname, cname_len));
  return vt_rtcp_compound_finish(&c);
}
