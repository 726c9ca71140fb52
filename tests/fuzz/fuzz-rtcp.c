/* libFuzzer target for relay/rtcp.h: one compound RTCP packet per input.
 *
 * Besides crashes, it checks the module's contracts: a refused compound
 * yields nothing and fails with -EBADMSG or -EPROTO; an accepted one yields
 * packets that tile the input exactly, whatever reduced-size allows is a
 * superset of what the default allows, and every item fed back into the
 * builders comes out as a packet that parses to the same values. The input
 * bytes are also packed as a list of NACK sequence numbers. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "relay/rtcp.h"

static uint8_t out[1 << 18];
static uint8_t want_set[65536], got_set[65536];

/* Parses out[0..len) as a single packet of the given kind and returns it. */
static VtRtcpPacket reparse(int len, VtRtcpKind kind, unsigned flags)
{
  VtRtcpIter it;
  VtRtcpPacket pkt, extra;

  g_assert_cmpint(len, >, 0);
  g_assert_cmpint(vt_rtcp_iter_init(&it, out, (size_t)len, flags), ==, 0);
  g_assert_true(vt_rtcp_iter_next(&it, &pkt));
  g_assert_false(vt_rtcp_iter_next(&it, &extra));
  g_assert_cmpint(pkt.kind, ==, kind);
  return pkt;
}

static void assert_block_eq(const VtRtcpReportBlock *a, const VtRtcpReportBlock *b)
{
  g_assert_cmphex(a->ssrc, ==, b->ssrc);
  g_assert_cmpuint(a->fraction_lost, ==, b->fraction_lost);
  g_assert_cmpint(a->cumulative_lost, ==, b->cumulative_lost);
  g_assert_cmpuint(a->highest_seq, ==, b->highest_seq);
  g_assert_cmpuint(a->jitter, ==, b->jitter);
  g_assert_cmphex(a->lsr, ==, b->lsr);
  g_assert_cmphex(a->dlsr, ==, b->dlsr);
}

static void check_report(const VtRtcpPacket *pkt)
{
  VtRtcpReportBlock blocks[VT_RTCP_MAX_REPORT_BLOCKS], b;
  int len;

  g_assert_cmpuint(pkt->n_items, <=, VT_RTCP_MAX_REPORT_BLOCKS);
  for (unsigned i = 0; i < pkt->n_items; i++)
    vt_rtcp_packet_report_block(pkt, i, &blocks[i]);
  if (pkt->kind == VT_RTCP_KIND_SR)
    len = vt_rtcp_build_sr(out, sizeof out, pkt->ssrc, &pkt->sender, blocks, pkt->n_items);
  else
    len = vt_rtcp_build_rr(out, sizeof out, pkt->ssrc, blocks, pkt->n_items);
  VtRtcpPacket again = reparse(len, pkt->kind, 0);
  g_assert_cmphex(again.ssrc, ==, pkt->ssrc);
  g_assert_cmphex(again.sender.ntp, ==, pkt->sender.ntp);
  g_assert_cmpuint(again.n_items, ==, pkt->n_items);
  for (unsigned i = 0; i < pkt->n_items; i++) {
    vt_rtcp_packet_report_block(&again, i, &b);
    assert_block_eq(&b, &blocks[i]);
  }
  /* The usual compound: the same report plus an SDES CNAME. */
  len = vt_rtcp_build_rr_sdes(out, sizeof out, pkt->ssrc, blocks, pkt->n_items, "fuzz", 4);
  VtRtcpIter it;
  g_assert_cmpint(vt_rtcp_iter_init(&it, out, (size_t)len, 0), ==, 0);
}

static void check_sdes(const VtRtcpPacket *pkt)
{
  VtRtcpSdesIter it;
  VtRtcpSdesItem item, again_item;

  vt_rtcp_sdes_iter_init(&it, pkt);
  while (vt_rtcp_sdes_iter_next(&it, &item)) {
    g_assert_cmpuint(item.type, !=, 0);
    g_assert_true((const uint8_t *)item.value + item.len <= pkt->body + pkt->body_len);
    if (item.type != VT_RTCP_SDES_CNAME)
      continue;
    int len = vt_rtcp_build_sdes_cname(out, sizeof out, item.ssrc, item.value, item.len);
    VtRtcpPacket again = reparse(len, VT_RTCP_KIND_SDES, VT_RTCP_PARSE_RSIZE);
    VtRtcpSdesIter it2;
    vt_rtcp_sdes_iter_init(&it2, &again);
    g_assert_true(vt_rtcp_sdes_iter_next(&it2, &again_item));
    g_assert_cmphex(again_item.ssrc, ==, item.ssrc);
    g_assert_cmpuint(again_item.len, ==, item.len);
    g_assert_true(memcmp(again_item.value, item.value, item.len) == 0);
    g_assert_false(vt_rtcp_sdes_iter_next(&it2, &again_item));
  }
}

/* BYE and REMB carry SSRC lists; rebuild and compare. */
static void check_ssrc_list(const VtRtcpPacket *pkt)
{
  uint32_t ssrcs[VT_RTCP_MAX_REMB_SSRCS];
  int len;

  g_assert_cmpuint(pkt->n_items, <=, VT_RTCP_MAX_REMB_SSRCS);
  for (unsigned i = 0; i < pkt->n_items; i++)
    ssrcs[i] = vt_rtcp_packet_ssrc_at(pkt, i);
  if (pkt->kind == VT_RTCP_KIND_BYE)
    len = vt_rtcp_build_bye(out, sizeof out, ssrcs, pkt->n_items, pkt->reason, pkt->reason_len);
  else
    len = vt_rtcp_build_remb(out, sizeof out, pkt->ssrc, pkt->remb_bitrate, ssrcs, pkt->n_items);
  VtRtcpPacket again = reparse(len, pkt->kind, VT_RTCP_PARSE_RSIZE);
  g_assert_cmpuint(again.n_items, ==, pkt->n_items);
  for (unsigned i = 0; i < pkt->n_items; i++)
    g_assert_cmphex(vt_rtcp_packet_ssrc_at(&again, i), ==, ssrcs[i]);
  if (pkt->kind == VT_RTCP_KIND_BYE) {
    g_assert_cmpuint(again.reason_len, ==, pkt->reason_len);
    g_assert_true((again.reason == NULL) == (pkt->reason == NULL));
    g_assert_true(pkt->reason_len == 0 || memcmp(again.reason, pkt->reason, pkt->reason_len) == 0);
  } else if (pkt->remb_bitrate != UINT64_MAX) {
    g_assert_cmpuint(again.remb_bitrate, ==, pkt->remb_bitrate);
  }
}

/* Marks the numbers the NACK pairs of pkt name in set; returns how many. */
static size_t nack_to_set(const VtRtcpPacket *pkt, uint8_t *set, uint16_t *list)
{
  uint16_t lost[VT_RTCP_NACK_MAX_PER_PAIR], pid, blp;
  size_t n = 0;

  memset(set, 0, 65536);
  for (unsigned i = 0; i < pkt->n_items; i++) {
    vt_rtcp_packet_nack(pkt, i, &pid, &blp);
    unsigned k = vt_rtcp_nack_expand(pid, blp, lost);
    for (unsigned j = 0; j < k; j++) {
      if (list)
        list[n] = lost[j];
      n++;
      set[lost[j]] = 1;
    }
  }
  return n;
}

static size_t count_set(const uint8_t *set)
{
  size_t n = 0;
  for (size_t i = 0; i < 65536; i++)
    n += set[i];
  return n;
}

/* Repacking a NACK names the same numbers, in no more pairs than before
 * (when packing is guaranteed minimal, below 4096 distinct numbers). */
static void check_nack(const VtRtcpPacket *pkt)
{
  g_autofree uint16_t *list = g_new(uint16_t, (size_t)pkt->n_items * VT_RTCP_NACK_MAX_PER_PAIR);
  size_t n = nack_to_set(pkt, want_set, list);
  int len = vt_rtcp_build_nack(out, sizeof out, pkt->ssrc, pkt->media_ssrc, list, n);
  VtRtcpPacket again = reparse(len, VT_RTCP_KIND_NACK, VT_RTCP_PARSE_RSIZE);

  g_assert_cmphex(again.media_ssrc, ==, pkt->media_ssrc);
  nack_to_set(&again, got_set, NULL);
  g_assert_true(memcmp(want_set, got_set, sizeof want_set) == 0);
  if (count_set(want_set) < 4096)
    g_assert_cmpuint(again.n_items, <=, pkt->n_items);
}

static void check_fir(const VtRtcpPacket *pkt)
{
  uint32_t ssrc, ssrc2;
  uint8_t seq, seq2;

  for (unsigned i = 0; i < pkt->n_items; i++) {
    vt_rtcp_packet_fir(pkt, i, &ssrc, &seq);
    VtRtcpPacket again = reparse(vt_rtcp_build_fir(out, sizeof out, pkt->ssrc, ssrc, seq),
                                 VT_RTCP_KIND_FIR, VT_RTCP_PARSE_RSIZE);
    vt_rtcp_packet_fir(&again, 0, &ssrc2, &seq2);
    g_assert_cmphex(ssrc2, ==, ssrc);
    g_assert_cmpuint(seq2, ==, seq);
  }
}

static void check_packet(const VtRtcpPacket *pkt)
{
  g_assert_true(pkt->body == pkt->data + 4);
  g_assert_cmpuint(pkt->body_len + 4, <=, pkt->len);
  switch (pkt->kind) {
  case VT_RTCP_KIND_SR:
  case VT_RTCP_KIND_RR:
    check_report(pkt);
    break;
  case VT_RTCP_KIND_SDES:
    check_sdes(pkt);
    break;
  case VT_RTCP_KIND_BYE:
  case VT_RTCP_KIND_REMB:
    check_ssrc_list(pkt);
    break;
  case VT_RTCP_KIND_NACK:
    check_nack(pkt);
    break;
  case VT_RTCP_KIND_PLI:
    reparse(vt_rtcp_build_pli(out, sizeof out, pkt->ssrc, pkt->media_ssrc), VT_RTCP_KIND_PLI,
            VT_RTCP_PARSE_RSIZE);
    break;
  case VT_RTCP_KIND_FIR:
    check_fir(pkt);
    break;
  default:
    break;
  }
}

static int check_compound(const uint8_t *data, size_t size, unsigned flags)
{
  VtRtcpIter it;
  VtRtcpPacket pkt;
  size_t total = 0;
  int r = vt_rtcp_iter_init(&it, data, size, flags);

  if (r < 0) {
    g_assert_true(r == -EBADMSG || r == -EPROTO);
    g_assert_false(vt_rtcp_iter_next(&it, &pkt));
    return r;
  }
  while (vt_rtcp_iter_next(&it, &pkt)) {
    g_assert_true(pkt.data == data + total);
    total += pkt.len;
    check_packet(&pkt);
  }
  g_assert_cmpuint(total, ==, size);
  return 0;
}

/* The input as big-endian 16-bit sequence numbers, packed and checked. */
static void check_pack(const uint8_t *data, size_t size)
{
  size_t n = size / 2;

  if (n == 0)
    return;
  g_autofree uint16_t *seqs = g_new(uint16_t, n);
  memset(want_set, 0, sizeof want_set);
  for (size_t i = 0; i < n; i++) {
    seqs[i] = (uint16_t)(data[2 * i] << 8 | data[2 * i + 1]);
    want_set[seqs[i]] = 1;
  }
  int len = vt_rtcp_build_nack(out, sizeof out, 1, 2, seqs, n);
  VtRtcpPacket again = reparse(len, VT_RTCP_KIND_NACK, VT_RTCP_PARSE_RSIZE);
  nack_to_set(&again, got_set, NULL);
  g_assert_true(memcmp(want_set, got_set, sizeof want_set) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  int plain = check_compound(data, size, 0);
  int rsize = check_compound(data, size, VT_RTCP_PARSE_RSIZE);

  if (plain == 0)
    g_assert_cmpint(rsize, ==, 0);
  check_pack(data, size);
  return 0;
}
