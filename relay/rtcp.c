/* RTCP compound packet parsing (see rtcp.h for the contract).
 *
 * One function, decode_packet(), checks and decodes a single packet. The
 * iterator runs it over the whole compound once in vt_rtcp_iter_init() to
 * validate, and again for each packet it yields; so validation and decoding
 * cannot disagree, and nothing is allocated or stored between the passes.
 * Every read is preceded by a check against the bytes that remain. */
#include "relay/rtcp.h"

#include <errno.h>
#include <string.h>

#include "relay/rtcp-priv.h"

/* Frames the packet at buf + off: checks the version and that the length
 * field fits in what remains. Sets *plen to the packet's size in bytes. */
static int frame_packet(const uint8_t *buf, size_t len, size_t off, size_t *plen)
{
  size_t avail = len - off;

  if (G_UNLIKELY(avail < RTCP_HEADER_LEN))
    return -EBADMSG;
  if (G_UNLIKELY(buf[off] >> 6 != 2))
    return -EPROTO;
  size_t n = ((size_t)rtcp_rd16(buf + off + 2) + 1) * 4;
  if (G_UNLIKELY(n > avail))
    return -EBADMSG;
  *plen = n;
  return 0;
}

static int decode_sr(VtRtcpPacket *pkt)
{
  const uint8_t *b = pkt->body;
  size_t blocks = (size_t)pkt->count * RTCP_REPORT_BLOCK_LEN;

  /* Bytes after the report blocks are a profile-specific extension: ignored. */
  if (G_UNLIKELY(pkt->body_len < 4 + RTCP_SENDER_INFO_LEN + blocks))
    return -EBADMSG;
  pkt->kind = VT_RTCP_KIND_SR;
  pkt->ssrc = rtcp_rd32(b);
  pkt->sender.ntp = (uint64_t)rtcp_rd32(b + 4) << 32 | rtcp_rd32(b + 8);
  pkt->sender.rtp_ts = rtcp_rd32(b + 12);
  pkt->sender.packet_count = rtcp_rd32(b + 16);
  pkt->sender.octet_count = rtcp_rd32(b + 20);
  pkt->n_items = pkt->count;
  pkt->items = b + 4 + RTCP_SENDER_INFO_LEN;
  pkt->items_len = blocks;
  return 0;
}

static int decode_rr(VtRtcpPacket *pkt)
{
  size_t blocks = (size_t)pkt->count * RTCP_REPORT_BLOCK_LEN;

  if (G_UNLIKELY(pkt->body_len < 4 + blocks))
    return -EBADMSG;
  pkt->kind = VT_RTCP_KIND_RR;
  pkt->ssrc = rtcp_rd32(pkt->body);
  pkt->n_items = pkt->count;
  pkt->items = pkt->body + 4;
  pkt->items_len = blocks;
  return 0;
}

/* One step through SDES chunks: returns 1 with the next item, 0 after the
 * last chunk, -EBADMSG if a chunk or item runs past the end. A chunk is an
 * SSRC, items (type, length, value) and a null type octet, then null octets
 * up to the next 32-bit boundary (RFC 3550 §6.5). Offsets are relative to the
 * packet body, which starts 32-bit aligned. */
static int sdes_step(VtRtcpSdesIter *it, VtRtcpSdesItem *item)
{
  for (;;) {
    if (!it->in_chunk) {
      if (it->chunks_left == 0)
        return 0;
      if (G_UNLIKELY(it->len - it->off < 4))
        return -EBADMSG;
      it->ssrc = rtcp_rd32(it->p + it->off);
      it->off += 4;
      it->in_chunk = TRUE;
      continue;
    }
    if (G_UNLIKELY(it->off >= it->len))
      return -EBADMSG;
    uint8_t type = it->p[it->off];
    if (type == 0) {
      size_t end = (it->off + 4) & ~(size_t)3;
      if (G_UNLIKELY(end > it->len))
        return -EBADMSG;
      it->off = end;
      it->in_chunk = FALSE;
      it->chunks_left--;
      continue;
    }
    if (G_UNLIKELY(it->len - it->off < 2 || it->len - it->off - 2 < it->p[it->off + 1]))
      return -EBADMSG;
    item->ssrc = it->ssrc;
    item->type = type;
    item->len = it->p[it->off + 1];
    item->value = (const char *)it->p + it->off + 2;
    it->off += 2 + (size_t)item->len;
    return 1;
  }
}

static int decode_sdes(VtRtcpPacket *pkt)
{
  VtRtcpSdesIter it;
  VtRtcpSdesItem item;
  int r;

  pkt->kind = VT_RTCP_KIND_SDES;
  pkt->n_items = pkt->count;
  pkt->items = pkt->body;
  pkt->items_len = pkt->body_len;
  vt_rtcp_sdes_iter_init(&it, pkt);
  while ((r = sdes_step(&it, &item)) > 0)
    ;
  if (r < 0)
    return r;
  /* The SC chunks must account for the whole body. */
  return it.off == it.len ? 0 : -EBADMSG;
}

static int decode_bye(VtRtcpPacket *pkt)
{
  size_t list = (size_t)pkt->count * 4;

  if (G_UNLIKELY(pkt->body_len < list))
    return -EBADMSG;
  pkt->kind = VT_RTCP_KIND_BYE;
  pkt->n_items = pkt->count;
  pkt->items = pkt->body;
  pkt->items_len = list;

  size_t rest = pkt->body_len - list;
  if (rest == 0)
    return 0;
  /* Optional reason: a length octet, the text, null octets to the boundary. */
  size_t rlen = pkt->body[list];
  if (G_UNLIKELY(rest < 1 + rlen || rest - 1 - rlen > 3))
    return -EBADMSG;
  pkt->reason = (const char *)pkt->body + list + 1;
  pkt->reason_len = rlen;
  return 0;
}

static int decode_app(VtRtcpPacket *pkt)
{
  if (G_UNLIKELY(pkt->body_len < 8))
    return -EBADMSG;
  pkt->kind = VT_RTCP_KIND_APP;
  pkt->ssrc = rtcp_rd32(pkt->body);
  memcpy(pkt->app_name, pkt->body + 4, 4);
  pkt->items = pkt->body + 8;
  pkt->items_len = pkt->body_len - 8;
  return 0;
}

/* REMB (draft-alvestrand-rmcat-remb §2.2): "REMB", num SSRC (8 bits),
 * BR Exp (6 bits), BR Mantissa (18 bits), then num SSRC media SSRCs. */
static int decode_remb(VtRtcpPacket *pkt, const uint8_t *fci, size_t fci_len)
{
  if (G_UNLIKELY(fci_len < RTCP_REMB_FIXED_LEN))
    return -EBADMSG;
  unsigned num = fci[4];
  unsigned exp = fci[5] >> 2;
  uint64_t mantissa = (uint64_t)(fci[5] & 3) << 16 | rtcp_rd16(fci + 6);
  if (G_UNLIKELY(fci_len != RTCP_REMB_FIXED_LEN + (size_t)num * 4))
    return -EBADMSG;
  pkt->kind = VT_RTCP_KIND_REMB;
  /* 18 + 46 bits fit in 64; beyond that, saturate rather than lose bits. */
  if (exp > 46 && (mantissa >> (64 - exp)) != 0)
    pkt->remb_bitrate = UINT64_MAX;
  else
    pkt->remb_bitrate = mantissa << exp;
  pkt->n_items = num;
  pkt->items = fci + RTCP_REMB_FIXED_LEN;
  pkt->items_len = (size_t)num * 4;
  return 0;
}

static int decode_fci(VtRtcpPacket *pkt, const uint8_t *fci, size_t fci_len)
{
  gboolean psfb = pkt->pt == VT_RTCP_PT_PSFB;

  if (!psfb && pkt->count == RTCP_FMT_NACK) {
    if (G_UNLIKELY(fci_len == 0 || fci_len % 4 != 0))
      return -EBADMSG;
    pkt->kind = VT_RTCP_KIND_NACK;
    pkt->n_items = (unsigned)(fci_len / 4);
  } else if (psfb && pkt->count == RTCP_FMT_PLI) {
    if (G_UNLIKELY(fci_len != 0)) /* RFC 4585 §6.3.1: length MUST be 2 */
      return -EBADMSG;
    pkt->kind = VT_RTCP_KIND_PLI;
  } else if (psfb && pkt->count == RTCP_FMT_FIR) {
    if (G_UNLIKELY(fci_len == 0 || fci_len % RTCP_FIR_ENTRY_LEN != 0))
      return -EBADMSG;
    pkt->kind = VT_RTCP_KIND_FIR;
    pkt->n_items = (unsigned)(fci_len / RTCP_FIR_ENTRY_LEN);
  } else if (psfb && pkt->count == RTCP_FMT_AFB && fci_len >= 4 && memcmp(fci, "REMB", 4) == 0) {
    return decode_remb(pkt, fci, fci_len);
  } else {
    pkt->kind = VT_RTCP_KIND_UNKNOWN_FB;
  }
  pkt->items = fci;
  pkt->items_len = fci_len;
  return 0;
}

static int decode_feedback(VtRtcpPacket *pkt)
{
  if (G_UNLIKELY(pkt->body_len < RTCP_FB_COMMON_LEN))
    return -EBADMSG;
  pkt->ssrc = rtcp_rd32(pkt->body);
  pkt->media_ssrc = rtcp_rd32(pkt->body + 4);
  return decode_fci(pkt, pkt->body + RTCP_FB_COMMON_LEN, pkt->body_len - RTCP_FB_COMMON_LEN);
}

/* Checks and decodes one framed packet of plen bytes (a multiple of 4, at
 * least the header). Only the last packet of a compound may be padded, and
 * its padding count must be a non-zero multiple of 4 within the packet. */
static int decode_packet(const uint8_t *p, size_t plen, gboolean last, VtRtcpPacket *pkt)
{
  size_t pad = 0;

  memset(pkt, 0, sizeof *pkt);
  pkt->data = p;
  pkt->len = plen;
  pkt->pt = p[1];
  pkt->count = p[0] & 0x1f;
  if (p[0] & 0x20) {
    if (G_UNLIKELY(!last))
      return -EPROTO;
    pad = p[plen - 1];
    if (G_UNLIKELY(pad == 0 || pad % 4 != 0 || pad > plen - RTCP_HEADER_LEN))
      return -EBADMSG;
  }
  pkt->body = p + RTCP_HEADER_LEN;
  pkt->body_len = plen - RTCP_HEADER_LEN - pad;

  switch (pkt->pt) {
  case VT_RTCP_PT_SR:
    return decode_sr(pkt);
  case VT_RTCP_PT_RR:
    return decode_rr(pkt);
  case VT_RTCP_PT_SDES:
    return decode_sdes(pkt);
  case VT_RTCP_PT_BYE:
    return decode_bye(pkt);
  case VT_RTCP_PT_APP:
    return decode_app(pkt);
  case VT_RTCP_PT_RTPFB:
  case VT_RTCP_PT_PSFB:
    return decode_feedback(pkt);
  default:
    /* 192..223 is RTCP's range under RFC 5761 muxing; outside it the bytes
     * are not RTCP at all. */
    if (G_UNLIKELY(pkt->pt < 192 || pkt->pt > 223))
      return -EPROTO;
    pkt->kind = VT_RTCP_KIND_UNKNOWN;
    return 0;
  }
}

int vt_rtcp_iter_init(VtRtcpIter *it, const uint8_t *buf, size_t len, unsigned flags)
{
  VtRtcpPacket pkt;
  size_t off = 0, plen = 0;
  int r;

  g_return_val_if_fail(it != NULL, -EINVAL);
  g_return_val_if_fail(buf != NULL || len == 0, -EINVAL);
  it->buf = buf;
  it->len = 0; /* yields nothing until the whole compound is validated */
  it->off = 0;
  if (G_UNLIKELY(len == 0))
    return -EBADMSG;
  while (off < len) {
    if ((r = frame_packet(buf, len, off, &plen)) < 0)
      return r;
    if (off == 0 && !(flags & VT_RTCP_PARSE_RSIZE) && buf[1] != VT_RTCP_PT_SR &&
        buf[1] != VT_RTCP_PT_RR)
      return -EPROTO;
    if ((r = decode_packet(buf + off, plen, off + plen == len, &pkt)) < 0)
      return r;
    off += plen;
  }
  it->len = len;
  return 0;
}

gboolean vt_rtcp_iter_next(VtRtcpIter *it, VtRtcpPacket *pkt)
{
  size_t plen = 0;

  g_return_val_if_fail(it != NULL && pkt != NULL, FALSE);
  if (it->off >= it->len)
    return FALSE;
  /* Cannot fail after vt_rtcp_iter_init() succeeded; stop if it does anyway. */
  if (G_UNLIKELY(frame_packet(it->buf, it->len, it->off, &plen) < 0 ||
                 decode_packet(it->buf + it->off, plen, it->off + plen == it->len, pkt) < 0)) {
    it->off = it->len;
    return FALSE;
  }
  it->off += plen;
  return TRUE;
}

void vt_rtcp_packet_report_block(const VtRtcpPacket *pkt, unsigned index, VtRtcpReportBlock *out)
{
  g_return_if_fail(pkt != NULL && out != NULL);
  g_return_if_fail(pkt->kind == VT_RTCP_KIND_SR || pkt->kind == VT_RTCP_KIND_RR);
  g_return_if_fail(index < pkt->n_items);

  const uint8_t *b = pkt->items + (size_t)index * RTCP_REPORT_BLOCK_LEN;
  out->ssrc = rtcp_rd32(b);
  out->fraction_lost = b[4];
  out->cumulative_lost = rtcp_sext24(rtcp_rd24(b + 5));
  out->highest_seq = rtcp_rd32(b + 8);
  out->jitter = rtcp_rd32(b + 12);
  out->lsr = rtcp_rd32(b + 16);
  out->dlsr = rtcp_rd32(b + 20);
}

uint32_t vt_rtcp_packet_ssrc_at(const VtRtcpPacket *pkt, unsigned index)
{
  g_return_val_if_fail(pkt != NULL, 0);
  g_return_val_if_fail(pkt->kind == VT_RTCP_KIND_BYE || pkt->kind == VT_RTCP_KIND_REMB, 0);
  g_return_val_if_fail(index < pkt->n_items, 0);
  return rtcp_rd32(pkt->items + (size_t)index * 4);
}

void vt_rtcp_packet_nack(const VtRtcpPacket *pkt, unsigned index, uint16_t *pid, uint16_t *blp)
{
  g_return_if_fail(pkt != NULL && pid != NULL && blp != NULL);
  g_return_if_fail(pkt->kind == VT_RTCP_KIND_NACK && index < pkt->n_items);
  *pid = rtcp_rd16(pkt->items + (size_t)index * 4);
  *blp = rtcp_rd16(pkt->items + (size_t)index * 4 + 2);
}

void vt_rtcp_packet_fir(const VtRtcpPacket *pkt, unsigned index, uint32_t *ssrc, uint8_t *seq_nr)
{
  g_return_if_fail(pkt != NULL && ssrc != NULL && seq_nr != NULL);
  g_return_if_fail(pkt->kind == VT_RTCP_KIND_FIR && index < pkt->n_items);
  *ssrc = rtcp_rd32(pkt->items + (size_t)index * RTCP_FIR_ENTRY_LEN);
  *seq_nr = pkt->items[(size_t)index * RTCP_FIR_ENTRY_LEN + 4];
}

void vt_rtcp_sdes_iter_init(VtRtcpSdesIter *it, const VtRtcpPacket *pkt)
{
  g_return_if_fail(it != NULL && pkt != NULL);
  memset(it, 0, sizeof *it);
  g_return_if_fail(pkt->kind == VT_RTCP_KIND_SDES);
  it->p = pkt->items;
  it->len = pkt->items_len;
  it->chunks_left = pkt->n_items;
}

gboolean vt_rtcp_sdes_iter_next(VtRtcpSdesIter *it, VtRtcpSdesItem *item)
{
  g_return_val_if_fail(it != NULL && item != NULL, FALSE);
  return sdes_step(it, item) > 0;
}

unsigned vt_rtcp_nack_expand(uint16_t pid, uint16_t blp, uint16_t *out)
{
  unsigned n = 0;

  g_return_val_if_fail(out != NULL, 0);
  out[n++] = pid;
  for (unsigned bit = 0; bit < 16; bit++) {
    if (blp & (1u << bit))
      out[n++] = (uint16_t)(pid + bit + 1);
  }
  return n;
}
