/* RTCP parsing, building, NTP time and receive statistics (relay/rtcp.h).
 *
 * Packets are either built with the module's builders and parsed back, or
 * written out in hex here, byte by byte, from RFC 3550, RFC 4585, RFC 5104
 * and the REMB draft, for the shapes browsers send and for every lie a
 * length or count can tell. */
#include <errno.h>
#include <string.h>

#include "relay/rtcp.h"

#define MAX_PACKETS 16

/* Decodes hex digits, ignoring spaces, into out; returns the byte count. */
static size_t hex(const char *text, uint8_t *out, size_t cap)
{
  size_t n = 0;
  int hi = -1;

  for (const char *p = text; *p; p++) {
    if (*p == ' ')
      continue;
    int v = g_ascii_xdigit_value(*p);
    g_assert_cmpint(v, >=, 0);
    if (hi < 0) {
      hi = v;
      continue;
    }
    g_assert_cmpuint(n, <, cap);
    out[n++] = (uint8_t)(hi << 4 | v);
    hi = -1;
  }
  g_assert_cmpint(hi, ==, -1);
  return n;
}

/* Parses a compound packet into pkts; returns the packet count or the error. */
static int parse(const uint8_t *buf, size_t len, unsigned flags, VtRtcpPacket *pkts)
{
  VtRtcpIter it;
  int n = 0;
  int r = vt_rtcp_iter_init(&it, buf, len, flags);

  if (r < 0) {
    VtRtcpPacket dummy;
    g_assert_false(vt_rtcp_iter_next(&it, &dummy)); /* nothing after a failure */
    return r;
  }
  while (n < MAX_PACKETS && vt_rtcp_iter_next(&it, &pkts[n]))
    n++;
  g_assert_cmpint(n, <, MAX_PACKETS);
  return n;
}

static int parse_hex(const char *text, unsigned flags, VtRtcpPacket *pkts)
{
  static uint8_t buf[512];
  size_t len = hex(text, buf, sizeof buf);
  return parse(buf, len, flags, pkts);
}

static VtRtcpReportBlock block(uint32_t ssrc, uint8_t fraction, int32_t lost, uint32_t seq)
{
  /* ssrc, fraction, cumulative lost, highest seq, jitter, LSR, DLSR */
  return (VtRtcpReportBlock){ssrc, fraction, lost, seq, seq / 7, seq * 3, seq ^ 0x5a5a};
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

static void test_sr_round_trip(void)
{
  uint8_t buf[1024];
  VtRtcpPacket pkts[MAX_PACKETS];
  VtRtcpReportBlock blocks[VT_RTCP_MAX_REPORT_BLOCKS], got;
  VtRtcpSenderInfo info = {UINT64_C(0xe8f1a2b3c4d5e6f7), 0xfedcba98, 12345, 0x89abcdef};

  for (unsigned i = 0; i < VT_RTCP_MAX_REPORT_BLOCKS; i++)
    blocks[i] = block(0x1000 + i, (uint8_t)(i * 8), (int32_t)i - 15, 70000 + i);
  for (unsigned n = 0; n <= VT_RTCP_MAX_REPORT_BLOCKS; n += 1 + n) {
    int len = vt_rtcp_build_sr(buf, sizeof buf, 0xcafe0001, &info, blocks, n);
    g_assert_cmpint(len, ==, 28 + 24 * (int)n);
    g_assert_cmpint(parse(buf, (size_t)len, 0, pkts), ==, 1);
    g_assert_cmpint(pkts[0].kind, ==, VT_RTCP_KIND_SR);
    g_assert_cmphex(pkts[0].ssrc, ==, 0xcafe0001);
    g_assert_cmphex(pkts[0].sender.ntp, ==, info.ntp);
    g_assert_cmphex(pkts[0].sender.rtp_ts, ==, info.rtp_ts);
    g_assert_cmpuint(pkts[0].sender.packet_count, ==, info.packet_count);
    g_assert_cmpuint(pkts[0].sender.octet_count, ==, info.octet_count);
    g_assert_cmpuint(pkts[0].n_items, ==, n);
    for (unsigned i = 0; i < n; i++) {
      vt_rtcp_packet_report_block(&pkts[0], i, &got);
      assert_block_eq(&got, &blocks[i]);
    }
  }
  g_assert_cmpint(vt_rtcp_build_sr(buf, sizeof buf, 1, &info, blocks, 31), ==, 772);
}

static void test_sr_limits(void)
{
  uint8_t buf[1024];
  VtRtcpReportBlock blocks[32] = {0};
  VtRtcpSenderInfo info = {0};

  g_assert_cmpint(vt_rtcp_build_sr(buf, sizeof buf, 1, &info, blocks, 32), ==, -EINVAL);
  g_assert_cmpint(vt_rtcp_build_rr(buf, sizeof buf, 1, blocks, 32), ==, -EINVAL);
  /* Every buffer one byte short fails without writing past its end. */
  for (size_t cap = 0; cap < 52; cap++) {
    memset(buf, 0xee, sizeof buf);
    g_assert_cmpint(vt_rtcp_build_sr(buf, cap, 1, &info, blocks, 1), ==, -ENOBUFS);
    g_assert_cmpint(buf[cap], ==, 0xee);
  }
  g_assert_cmpint(vt_rtcp_build_sr(buf, 52, 1, &info, blocks, 1), ==, 52);
  g_assert_cmpint(vt_rtcp_build_rr(buf, 31, 1, blocks, 1), ==, -ENOBUFS);
  g_assert_cmpint(vt_rtcp_build_rr(buf, 32, 1, blocks, 1), ==, 32);
}

static void test_rr_round_trip(void)
{
  uint8_t buf[256];
  VtRtcpPacket pkts[MAX_PACKETS];
  VtRtcpReportBlock got, blocks[3] = {block(0xa, 0, 0, 0), block(0xb, 255, -1, 0xffffffff),
                                      block(0xc, 7, 0x7fffff, 65536)};

  g_assert_cmpint(vt_rtcp_build_rr(buf, sizeof buf, 0x77, NULL, 0), ==, 8);
  g_assert_cmpint(parse(buf, 8, 0, pkts), ==, 1);
  g_assert_cmpint(pkts[0].kind, ==, VT_RTCP_KIND_RR);
  g_assert_cmpuint(pkts[0].n_items, ==, 0);
  g_assert_cmphex(pkts[0].ssrc, ==, 0x77);

  int len = vt_rtcp_build_rr(buf, sizeof buf, 0x78, blocks, 3);
  g_assert_cmpint(len, ==, 80);
  g_assert_cmpint(parse(buf, (size_t)len, 0, pkts), ==, 1);
  g_assert_cmpuint(pkts[0].n_items, ==, 3);
  for (unsigned i = 0; i < 3; i++) {
    vt_rtcp_packet_report_block(&pkts[0], i, &got);
    assert_block_eq(&got, &blocks[i]);
  }
}

/* The 24-bit signed cumulative loss: sign extension on parse, clamping on build. */
static void test_cumulative_lost(void)
{
  static const int32_t in[] = {0,        1,         -1,        0x7fffff, -0x800000,
                               0x800000, 0x1000000, -0x900000, INT32_MIN};
  static const int32_t out[] = {0,        1,        -1,        0x7fffff, -0x800000,
                                0x7fffff, 0x7fffff, -0x800000, -0x800000};
  uint8_t buf[64];
  VtRtcpPacket pkts[MAX_PACKETS];
  VtRtcpReportBlock got;

  for (size_t i = 0; i < G_N_ELEMENTS(in); i++) {
    VtRtcpReportBlock b = block(5, 0, in[i], 9);
    g_assert_cmpint(vt_rtcp_build_rr(buf, sizeof buf, 1, &b, 1), ==, 32);
    g_assert_cmpint(parse(buf, 32, 0, pkts), ==, 1);
    vt_rtcp_packet_report_block(&pkts[0], 0, &got);
    g_assert_cmpint(got.cumulative_lost, ==, out[i]);
  }
  /* On the wire: -1 is ff ff ff. */
  VtRtcpReportBlock b = block(5, 0, -1, 9);
  vt_rtcp_build_rr(buf, sizeof buf, 1, &b, 1);
  g_assert_cmphex(buf[13], ==, 0xff);
  g_assert_cmphex(buf[14], ==, 0xff);
  g_assert_cmphex(buf[15], ==, 0xff);
}

static void assert_one_cname(const VtRtcpPacket *pkt, uint32_t ssrc, const char *cname, size_t len)
{
  VtRtcpSdesIter it;
  VtRtcpSdesItem item;

  g_assert_cmpint(pkt->kind, ==, VT_RTCP_KIND_SDES);
  g_assert_cmpuint(pkt->n_items, ==, 1);
  vt_rtcp_sdes_iter_init(&it, pkt);
  g_assert_true(vt_rtcp_sdes_iter_next(&it, &item));
  g_assert_cmphex(item.ssrc, ==, ssrc);
  g_assert_cmpuint(item.type, ==, VT_RTCP_SDES_CNAME);
  g_assert_cmpuint(item.len, ==, len);
  g_assert_true(len == 0 || memcmp(item.value, cname, len) == 0);
  g_assert_false(vt_rtcp_sdes_iter_next(&it, &item));
}

static void test_sdes_round_trip(void)
{
  uint8_t buf[512];
  char cname[256];
  VtRtcpPacket pkts[MAX_PACKETS];

  for (size_t i = 0; i < sizeof cname; i++)
    cname[i] = (char)('a' + i % 26);
  for (size_t n = 0; n <= 255; n += (n < 8 ? 1 : 31)) {
    int len = vt_rtcp_build_sdes_cname(buf, sizeof buf, 0x5d, cname, n);
    /* header, SSRC, type, length, value, one to four null octets */
    g_assert_cmpint(len, ==, 4 + (int)((4 + 2 + n + 1 + 3) / 4 * 4));
    g_assert_cmpint(parse(buf, (size_t)len, VT_RTCP_PARSE_RSIZE, pkts), ==, 1);
    assert_one_cname(&pkts[0], 0x5d, cname, n);
  }
  g_assert_cmpint(vt_rtcp_build_sdes_cname(buf, sizeof buf, 1, cname, 256), ==, -EINVAL);
  g_assert_cmpint(vt_rtcp_build_sdes_cname(buf, 15, 1, "abcd", 4), ==, -ENOBUFS);
  g_assert_cmpint(vt_rtcp_build_sdes_cname(buf, 16, 1, "abcd", 4), ==, 16);
}

/* Two chunks: NAME, CNAME and PRIV items in the first (others are yielded
 * and the caller skips them), none in the second. */
static void test_sdes_items(void)
{
  VtRtcpPacket pkts[MAX_PACKETS];
  VtRtcpSdesIter it;
  VtRtcpSdesItem item;
  static const uint8_t want_types[] = {2, 1, 8};
  static const char *want_values[] = {"Ann", "x@y", "pq"};

  g_assert_cmpint(
      parse_hex("80c90001 00000001"
                "82ca0007 00000001 0203416e6e 0103784079 08027071 0000 00000002 00000000",
                0, pkts),
      ==, 2);
  g_assert_cmpuint(pkts[1].n_items, ==, 2);
  vt_rtcp_sdes_iter_init(&it, &pkts[1]);
  for (size_t i = 0; i < G_N_ELEMENTS(want_types); i++) {
    g_assert_true(vt_rtcp_sdes_iter_next(&it, &item));
    g_assert_cmphex(item.ssrc, ==, 1);
    g_assert_cmpuint(item.type, ==, want_types[i]);
    g_assert_cmpuint(item.len, ==, strlen(want_values[i]));
    g_assert_true(memcmp(item.value, want_values[i], item.len) == 0);
  }
  g_assert_false(vt_rtcp_sdes_iter_next(&it, &item));
  g_assert_false(vt_rtcp_sdes_iter_next(&it, &item));
}

static void test_bye_round_trip(void)
{
  uint8_t buf[256];
  VtRtcpPacket pkts[MAX_PACKETS];
  uint32_t ssrcs[31];

  for (unsigned i = 0; i < 31; i++)
    ssrcs[i] = 0xb0000000 + i;
  for (unsigned n = 0; n <= 31; n += 3) {
    for (int r = -1; r <= 6; r++) {
      const char *reason = r < 0 ? NULL : "closed";
      int len = vt_rtcp_build_bye(buf, sizeof buf, ssrcs, n, reason, r < 0 ? 0 : (size_t)r);
      g_assert_cmpint(len, >, 0);
      g_assert_cmpint(len % 4, ==, 0);
      g_assert_cmpint(parse(buf, (size_t)len, VT_RTCP_PARSE_RSIZE, pkts), ==, 1);
      g_assert_cmpint(pkts[0].kind, ==, VT_RTCP_KIND_BYE);
      g_assert_cmpuint(pkts[0].n_items, ==, n);
      for (unsigned i = 0; i < n; i++)
        g_assert_cmphex(vt_rtcp_packet_ssrc_at(&pkts[0], i), ==, ssrcs[i]);
      if (r < 0) {
        g_assert_null(pkts[0].reason);
      } else {
        g_assert_nonnull(pkts[0].reason);
        g_assert_cmpuint(pkts[0].reason_len, ==, (size_t)r);
        g_assert_true(memcmp(pkts[0].reason, "closed", (size_t)r) == 0);
      }
    }
  }
  g_assert_cmpint(vt_rtcp_build_bye(buf, sizeof buf, ssrcs, 32, NULL, 0), ==, -EINVAL);
  g_assert_cmpint(vt_rtcp_build_bye(buf, 11, ssrcs, 1, "ab", 2), ==, -ENOBUFS);
  g_assert_cmpint(vt_rtcp_build_bye(buf, 12, ssrcs, 1, "ab", 2), ==, 12);
}

static void test_pli_fir_round_trip(void)
{
  uint8_t buf[64];
  VtRtcpPacket pkts[MAX_PACKETS];
  uint32_t ssrc = 0;
  uint8_t seq = 0;

  g_assert_cmpint(vt_rtcp_build_pli(buf, sizeof buf, 0x11, 0x22), ==, 12);
  g_assert_cmpint(parse(buf, 12, VT_RTCP_PARSE_RSIZE, pkts), ==, 1);
  g_assert_cmpint(pkts[0].kind, ==, VT_RTCP_KIND_PLI);
  g_assert_cmphex(pkts[0].ssrc, ==, 0x11);
  g_assert_cmphex(pkts[0].media_ssrc, ==, 0x22);
  g_assert_cmpint(vt_rtcp_build_pli(buf, 11, 0x11, 0x22), ==, -ENOBUFS);

  g_assert_cmpint(vt_rtcp_build_fir(buf, sizeof buf, 0x11, 0x33, 200), ==, 20);
  g_assert_cmpint(parse(buf, 20, VT_RTCP_PARSE_RSIZE, pkts), ==, 1);
  g_assert_cmpint(pkts[0].kind, ==, VT_RTCP_KIND_FIR);
  g_assert_cmphex(pkts[0].media_ssrc, ==, 0);
  g_assert_cmpuint(pkts[0].n_items, ==, 1);
  vt_rtcp_packet_fir(&pkts[0], 0, &ssrc, &seq);
  g_assert_cmphex(ssrc, ==, 0x33);
  g_assert_cmpuint(seq, ==, 200);
  g_assert_cmpint(vt_rtcp_build_fir(buf, 19, 0x11, 0x33, 200), ==, -ENOBUFS);

  /* Two FIR entries written by hand. */
  g_assert_cmpint(
      parse_hex("84ce0006 00000011 00000000 00000044 07000000 00000055 08000000", 1, pkts), ==, 1);
  g_assert_cmpuint(pkts[0].n_items, ==, 2);
  vt_rtcp_packet_fir(&pkts[0], 1, &ssrc, &seq);
  g_assert_cmphex(ssrc, ==, 0x55);
  g_assert_cmpuint(seq, ==, 8);
}

static void test_remb_round_trip(void)
{
  static const uint64_t rates[] = {0,       1,       0x3ffff,     0x40000,
                                   0x40001, 1500000, 2500000000u, UINT64_C(1) << 60};
  uint8_t buf[2048];
  uint32_t ssrcs[256];
  VtRtcpPacket pkts[MAX_PACKETS];

  static const unsigned counts[] = {0, 1, 5, 255};

  for (unsigned i = 0; i < 256; i++)
    ssrcs[i] = 0x4000 + i;
  for (size_t r = 0; r < G_N_ELEMENTS(rates); r++) {
    for (size_t c = 0; c < G_N_ELEMENTS(counts); c++) {
      unsigned n = counts[c];
      int len = vt_rtcp_build_remb(buf, sizeof buf, 0x99, rates[r], ssrcs, n);
      g_assert_cmpint(len, ==, 20 + 4 * (int)n);
      g_assert_cmpint(parse(buf, (size_t)len, VT_RTCP_PARSE_RSIZE, pkts), ==, 1);
      g_assert_cmpint(pkts[0].kind, ==, VT_RTCP_KIND_REMB);
      g_assert_cmpuint(pkts[0].n_items, ==, n);
      /* Rounded down to 18 significant bits. */
      g_assert_cmpuint(pkts[0].remb_bitrate, <=, rates[r]);
      g_assert_cmpuint(pkts[0].remb_bitrate, >=, rates[r] - rates[r] / 0x20000);
      for (unsigned i = 0; i < n; i++)
        g_assert_cmphex(vt_rtcp_packet_ssrc_at(&pkts[0], i), ==, ssrcs[i]);
    }
  }
  g_assert_cmpint(vt_rtcp_build_remb(buf, sizeof buf, 1, 0, ssrcs, 256), ==, -EINVAL);
  g_assert_cmpint(vt_rtcp_build_remb(buf, 23, 1, 0, ssrcs, 1), ==, -ENOBUFS);
  /* 1.5 Mbit/s exactly: 1500000 = 375000 << 2, 375000 > 2^18 so 187500 << 3. */
  vt_rtcp_build_remb(buf, sizeof buf, 1, 1500000, ssrcs, 1);
  g_assert_cmphex(buf[17], ==, 3 << 2 | (187500 >> 16));
  g_assert_cmphex(buf[18] << 8 | buf[19], ==, 187500 & 0xffff);
  /* The largest exponent and mantissa saturate instead of wrapping. */
  g_assert_cmpint(parse_hex("8fce0004 00000001 00000000 52454d42 00ffffff", 1, pkts), ==, 1);
  g_assert_cmpuint(pkts[0].remb_bitrate, ==, UINT64_MAX);
  g_assert_cmpint(parse_hex("8fce0004 00000001 00000000 52454d42 00bbffff", 1, pkts), ==, 1);
  g_assert_cmpuint(pkts[0].remb_bitrate, ==, UINT64_C(0x3ffff) << 46);
}

static void test_unknown_kinds(void)
{
  VtRtcpPacket pkts[MAX_PACKETS];

  /* RR, transport-cc (RTPFB 15), AFB that is not REMB, SLI (PSFB 2), XR, APP. */
  g_assert_cmpint(parse_hex("80c90001 00000001"
                            "8fcd0004 00000001 00000002 00010002 00000000"
                            "8fce0003 00000001 00000000 41424344"
                            "82ce0003 00000001 00000002 00000000"
                            "80cf0002 00000001 04000001"
                            "83cc0003 00000001 71727374 00000000",
                            0, pkts),
                  ==, 6);
  g_assert_cmpint(pkts[1].kind, ==, VT_RTCP_KIND_UNKNOWN_FB);
  g_assert_cmpuint(pkts[1].count, ==, 15);
  g_assert_cmphex(pkts[1].media_ssrc, ==, 2);
  g_assert_cmpint(pkts[2].kind, ==, VT_RTCP_KIND_UNKNOWN_FB);
  g_assert_cmpint(pkts[3].kind, ==, VT_RTCP_KIND_UNKNOWN_FB);
  g_assert_cmpint(pkts[4].kind, ==, VT_RTCP_KIND_UNKNOWN);
  g_assert_cmpuint(pkts[4].pt, ==, 207);
  g_assert_cmpint(pkts[5].kind, ==, VT_RTCP_KIND_APP);
  g_assert_cmpuint(pkts[5].count, ==, 3);
  g_assert_true(memcmp(pkts[5].app_name, "qrst", 4) == 0);
  g_assert_cmpuint(pkts[5].len, ==, 16);
}

/* An SR with a profile-specific extension after its report blocks, and an
 * RR carrying valid padding on the last packet. */
static void test_extension_and_padding(void)
{
  VtRtcpPacket pkts[MAX_PACKETS];
  VtRtcpReportBlock b;

  g_assert_cmpint(parse_hex("80c80007 00000001 00000002 00000003 00000004 00000005 00000006"
                            "deadbeef",
                            0, pkts),
                  ==, 1);
  g_assert_cmpuint(pkts[0].n_items, ==, 0);
  g_assert_cmpuint(pkts[0].body_len, ==, 28);
  g_assert_cmpint(parse_hex("a1c90009 00000001 00000002 01000003 00000004 00000005 00000006"
                            "00000007 00000000 00000008",
                            0, pkts),
                  ==, 1);
  g_assert_cmpuint(pkts[0].body_len, ==, 28);
  g_assert_cmpuint(pkts[0].len, ==, 40);
  vt_rtcp_packet_report_block(&pkts[0], 0, &b);
  g_assert_cmpint(b.cumulative_lost, ==, 3);
  g_assert_cmpuint(b.fraction_lost, ==, 1);
}

/* Expands pairs and asserts they name exactly the set seqs (with duplicates). */
static void assert_pairs_cover(const VtRtcpNackPair *pairs, int n_pairs, const uint16_t *seqs,
                               size_t n)
{
  g_autofree uint8_t *want = g_malloc0(65536);
  g_autofree uint8_t *got = g_malloc0(65536);
  uint16_t lost[VT_RTCP_NACK_MAX_PER_PAIR];

  for (size_t i = 0; i < n; i++)
    want[seqs[i]] = 1;
  for (int p = 0; p < n_pairs; p++) {
    unsigned k = vt_rtcp_nack_expand(pairs[p].pid, pairs[p].blp, lost);
    for (unsigned i = 0; i < k; i++) {
      g_assert_cmpuint(got[lost[i]], ==, 0); /* no number named twice */
      got[lost[i]] = 1;
    }
  }
  g_assert_true(memcmp(want, got, 65536) == 0);
}

static void test_nack_expand(void)
{
  uint16_t out[VT_RTCP_NACK_MAX_PER_PAIR];

  g_assert_cmpuint(vt_rtcp_nack_expand(100, 0, out), ==, 1);
  g_assert_cmpuint(out[0], ==, 100);
  g_assert_cmpuint(vt_rtcp_nack_expand(100, 0x8001, out), ==, 3);
  g_assert_cmpuint(out[1], ==, 101);
  g_assert_cmpuint(out[2], ==, 116);
  g_assert_cmpuint(vt_rtcp_nack_expand(65530, 0xffff, out), ==, 17);
  g_assert_cmpuint(out[5], ==, 65535);
  g_assert_cmpuint(out[6], ==, 0);
  g_assert_cmpuint(out[16], ==, 10);
}

typedef struct {
  const char *name;
  uint16_t seqs[24];
  size_t n;
  int pairs;
  uint16_t first_pid, first_blp;
} PackCase;

static const PackCase pack_cases[] = {
    {"single", {7}, 1, 1, 7, 0},
    {"window-of-17", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, 17, 1, 1, 0xffff},
    {"window-of-18",
     {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18},
     18,
     2,
     1,
     0xffff},
    {"ends-of-window", {0, 16}, 2, 1, 0, 0x8000},
    {"just-outside", {0, 17}, 2, 2, 0, 0},
    {"unsorted-duplicates", {40, 30, 40, 31, 46, 30}, 6, 1, 30, 0x0001 | 1u << 9 | 1u << 15},
    {"wrap", {65530, 65535, 0, 10}, 4, 1, 65530, 1u << 4 | 1u << 5 | 1u << 15},
    {"wrap-unsorted", {3, 65534, 65535, 1, 100}, 5, 2, 65534, 0x0001 | 1u << 2 | 1u << 4},
    {"start-after-largest-gap", {0, 1, 2, 65530}, 4, 1, 65530, 0x00e0},
    {"two-windows", {5, 20, 22, 38}, 4, 2, 5, 1u << 14},
};

static void test_nack_pack_case(gconstpointer data)
{
  const PackCase *c = data;
  VtRtcpNackPair pairs[32];
  int n = vt_rtcp_nack_pack(c->seqs, c->n, pairs, G_N_ELEMENTS(pairs));

  g_assert_cmpint(n, ==, c->pairs);
  g_assert_cmpint(vt_rtcp_nack_pack(c->seqs, c->n, NULL, 0), ==, c->pairs);
  g_assert_cmpuint(pairs[0].pid, ==, c->first_pid);
  g_assert_cmphex(pairs[0].blp, ==, c->first_blp);
  assert_pairs_cover(pairs, n, c->seqs, c->n);
  if (n > 1)
    g_assert_cmpint(vt_rtcp_nack_pack(c->seqs, c->n, pairs, (size_t)n - 1), ==, -ENOBUFS);
}

/* Runs of losses placed across the wrap-around, packed, built, parsed back. */
static void test_nack_wrap_round_trip(void)
{
  uint16_t seqs[600];
  uint8_t buf[4096];
  VtRtcpPacket pkts[MAX_PACKETS];
  VtRtcpNackPair pairs[600];
  size_t n = 0;

  for (uint32_t s = 65000; s < 65536 + 300; s += 1 + (s % 5 == 0 ? 7 : 0))
    seqs[n++] = (uint16_t)s;
  g_assert_cmpuint(n, <=, G_N_ELEMENTS(seqs));
  int len = vt_rtcp_build_nack(buf, sizeof buf, 0xaa, 0xbb, seqs, n);
  g_assert_cmpint(len, >, 12);
  g_assert_cmpint(parse(buf, (size_t)len, VT_RTCP_PARSE_RSIZE, pkts), ==, 1);
  g_assert_cmpint(pkts[0].kind, ==, VT_RTCP_KIND_NACK);
  g_assert_cmphex(pkts[0].ssrc, ==, 0xaa);
  g_assert_cmphex(pkts[0].media_ssrc, ==, 0xbb);
  g_assert_cmpint(pkts[0].n_items, ==, (len - 12) / 4);
  for (unsigned i = 0; i < pkts[0].n_items; i++)
    vt_rtcp_packet_nack(&pkts[0], i, &pairs[i].pid, &pairs[i].blp);
  assert_pairs_cover(pairs, (int)pkts[0].n_items, seqs, n);
  /* Packing starts at 65000, not at 0 in the middle of the run. */
  g_assert_cmpuint(pairs[0].pid, ==, 65000);
  /* No pair could have been saved: each PID is the first loss after the last window. */
  for (unsigned i = 1; i < pkts[0].n_items; i++)
    g_assert_cmpuint((uint16_t)(pairs[i].pid - pairs[i - 1].pid), >, 16);

  g_assert_cmpint(vt_rtcp_build_nack(buf, sizeof buf, 1, 2, seqs, 0), ==, -EINVAL);
  g_assert_cmpint(vt_rtcp_build_nack(buf, 15, 1, 2, seqs, 1), ==, -ENOBUFS);
  g_assert_cmpint(vt_rtcp_build_nack(buf, 16, 1, 2, seqs, 1), ==, 16);
  g_assert_cmpint(vt_rtcp_build_nack(buf, 16, 1, 2, (uint16_t[]){1, 30}, 2), ==, -ENOBUFS);
}

/* All 65536 numbers: 3856 pairs, the last one partly empty. */
static void test_nack_everything(void)
{
  g_autofree uint16_t *seqs = g_new(uint16_t, 65536);
  g_autofree VtRtcpNackPair *pairs = g_new(VtRtcpNackPair, 4000);

  for (uint32_t i = 0; i < 65536; i++)
    seqs[i] = (uint16_t)(i * 7919); /* a permutation: 7919 is odd */
  int n = vt_rtcp_nack_pack(seqs, 65536, pairs, 4000);
  g_assert_cmpint(n, ==, (65536 + 16) / 17);
  assert_pairs_cover(pairs, n, seqs, 65536);
}

/* A sender's SR + SDES, as the relay sends to subscribers. */
static void test_compound_sr_sdes(void)
{
  uint8_t buf[256];
  VtRtcpPacket pkts[MAX_PACKETS];
  VtRtcpSenderInfo info = {vt_rtcp_ntp_from_unix_us(G_GINT64_CONSTANT(1700000000123456)), 90000, 10,
                           12000};
  VtRtcpReportBlock b = block(0x42, 3, 4, 5);

  int len = vt_rtcp_build_sr_sdes(buf, sizeof buf, 0xabc, &info, &b, 1, "relay", 5);
  g_assert_cmpint(len, ==, 52 + 16);
  g_assert_cmpint(parse(buf, (size_t)len, 0, pkts), ==, 2);
  g_assert_cmpint(pkts[0].kind, ==, VT_RTCP_KIND_SR);
  g_assert_cmpuint(pkts[0].n_items, ==, 1);
  assert_one_cname(&pkts[1], 0xabc, "relay", 5);
  for (int cap = 0; cap < len; cap++)
    g_assert_cmpint(vt_rtcp_build_sr_sdes(buf, (size_t)cap, 0xabc, &info, &b, 1, "relay", 5), ==,
                    -ENOBUFS);
  g_assert_cmpint(vt_rtcp_build_rr_sdes(buf, sizeof buf, 0xabc, NULL, 0, "x", 1), ==, 8 + 12);

  /* The same shape written by hand, as a browser sends it. */
  g_assert_cmpint(parse_hex("80c80006 1a2b3c4d e8f1a2b3 c4d5e6f7 0001e240 0000000a 00002ee0"
                            "81ca0006 1a2b3c4d 0110 6162636465666768696a6b6c6d6e6f70 0000",
                            0, pkts),
                  ==, 2);
  g_assert_cmphex(pkts[0].sender.ntp, ==, G_GUINT64_CONSTANT(0xe8f1a2b3c4d5e6f7));
  g_assert_cmpuint(pkts[0].sender.rtp_ts, ==, 123456);
  g_assert_cmpuint(pkts[0].sender.octet_count, ==, 12000);
  assert_one_cname(&pkts[1], 0x1a2b3c4d, "abcdefghijklmnop", 16);
}

/* A receiver's RR + SDES + PLI, assembled with VtRtcpCompound. */
#define TAIL(c) vt_rtcp_compound_tail(c), vt_rtcp_compound_room(c)

static void test_compound_rr_sdes_pli(void)
{
  uint8_t buf[128];
  VtRtcpPacket pkts[MAX_PACKETS];
  VtRtcpReportBlock b = block(0x11223344, 10, 5, 0x12345), got;
  VtRtcpCompound c;

  vt_rtcp_compound_init(&c, buf, sizeof buf);
  vt_rtcp_compound_add(&c, vt_rtcp_build_rr(TAIL(&c), 0x1a2b3c4d, &b, 1));
  vt_rtcp_compound_add(&c, vt_rtcp_build_sdes_cname(TAIL(&c), 0x1a2b3c4d, "abcdefghijklmnop", 16));
  vt_rtcp_compound_add(&c, vt_rtcp_build_pli(TAIL(&c), 0x1a2b3c4d, 0x11223344));
  int len = vt_rtcp_compound_finish(&c);
  g_assert_cmpint(len, ==, 32 + 28 + 12);
  g_assert_cmpint(parse(buf, (size_t)len, 0, pkts), ==, 3);
  vt_rtcp_packet_report_block(&pkts[0], 0, &got);
  assert_block_eq(&got, &b);
  assert_one_cname(&pkts[1], 0x1a2b3c4d, "abcdefghijklmnop", 16);
  g_assert_cmpint(pkts[2].kind, ==, VT_RTCP_KIND_PLI);
  g_assert_cmphex(pkts[2].media_ssrc, ==, 0x11223344);

  /* The first error sticks; later builders cannot hide it. */
  vt_rtcp_compound_init(&c, buf, 40);
  vt_rtcp_compound_add(&c, vt_rtcp_build_rr(TAIL(&c), 1, &b, 1));
  vt_rtcp_compound_add(&c, vt_rtcp_build_sdes_cname(TAIL(&c), 1, "long-name", 9));
  vt_rtcp_compound_add(&c, vt_rtcp_build_pli(TAIL(&c), 1, 2));
  g_assert_cmpint(vt_rtcp_compound_finish(&c), ==, -ENOBUFS);
}

/* Reduced-size RTCP: a PLI or NACK alone is refused unless rsize was negotiated. */
static void test_rsize(void)
{
  VtRtcpPacket pkts[MAX_PACKETS];
  static const char *pli = "81ce0002 1a2b3c4d 11223344";

  g_assert_cmpint(parse_hex(pli, 0, pkts), ==, -EPROTO);
  g_assert_cmpint(parse_hex(pli, VT_RTCP_PARSE_RSIZE, pkts), ==, 1);
  g_assert_cmpint(pkts[0].kind, ==, VT_RTCP_KIND_PLI);
  g_assert_cmphex(pkts[0].ssrc, ==, 0x1a2b3c4d);
  g_assert_cmphex(pkts[0].media_ssrc, ==, 0x11223344);
  g_assert_cmpint(parse_hex("81cd0003 1a2b3c4d 11223344 00640003", VT_RTCP_PARSE_RSIZE, pkts), ==,
                  1);
  g_assert_cmpint(pkts[0].kind, ==, VT_RTCP_KIND_NACK);
  /* A compound that starts with SR/RR is fine with or without the flag. */
  g_assert_cmpint(parse_hex("80c90001 00000001 81ce0002 1a2b3c4d 11223344", 0, pkts), ==, 2);
  g_assert_cmpint(parse_hex("80c90001 00000001 81ce0002 1a2b3c4d 11223344", 1, pkts), ==, 2);
}

typedef struct {
  const char *name;
  const char *hex;
  unsigned flags;
  int error;
} RejectCase;

#define RR0 "80c90001 00000001 " /* an empty RR to start a compound */

static const RejectCase reject_cases[] = {
    {"empty", "", 0, -EBADMSG},
    {"short-header", "80c9", 0, -EBADMSG},
    {"bad-version", "40c90001 00000001", 0, -EPROTO},
    {"bad-version-second", RR0 "00ca0000", 0, -EPROTO},
    {"lying-length", "80c90002 00000001", 0, -EBADMSG},
    {"lying-length-second", RR0 "81ce0003 00000001 00000002", 0, -EBADMSG},
    {"trailing-bytes", RR0 "0000", 0, -EBADMSG},
    {"rr-lying-count", "82c90007 00000001 00000002 00000000 00000000 00000000 00000000 00000000", 0,
     -EBADMSG},
    {"rr-no-ssrc", "80c90000", 0, -EBADMSG},
    {"sr-truncated-block",
     "81c8000b 00000001 00000000 00000000 00000000 00000000 00000000"
     "00000002 00000000 00000000 00000000 00000000",
     0, -EBADMSG},
    {"sr-no-sender-info", "80c80001 00000001", 0, -EBADMSG},
    {"sdes-item-past-end", RR0 "81ca0003 00000001 010a6162 63640000", 0, -EBADMSG},
    {"sdes-no-terminator", RR0 "81ca0002 00000001 01026162", 0, -EBADMSG},
    {"sdes-lying-count", RR0 "82ca0002 00000001 01000000", 0, -EBADMSG},
    {"sdes-trailing-word", RR0 "81ca0003 00000001 01000000 00000000", 0, -EBADMSG},
    {"sdes-ssrc-only", RR0 "81ca0001 00000001", 0, -EBADMSG},
    {"bye-lying-count", RR0 "82cb0001 00000001", 0, -EBADMSG},
    {"bye-reason-past-end", RR0 "81cb0002 00000001 08616263", 0, -EBADMSG},
    {"bye-reason-overlong-tail", RR0 "81cb0003 00000001 01610000 00000000", 0, -EBADMSG},
    {"app-too-short", RR0 "80cc0001 00000001", 0, -EBADMSG},
    {"fb-too-short", RR0 "81cd0001 00000001", 0, -EBADMSG},
    {"nack-zero-fci", RR0 "81cd0002 00000001 00000002", 0, -EBADMSG},
    {"nack-zero-fci-rsize", "81cd0002 00000001 00000002", VT_RTCP_PARSE_RSIZE, -EBADMSG},
    {"pli-with-fci", RR0 "81ce0003 00000001 00000002 00000000", 0, -EBADMSG},
    {"fir-zero-fci", RR0 "84ce0002 00000001 00000000", 0, -EBADMSG},
    {"fir-fci-4", RR0 "84ce0003 00000001 00000000 00000002", 0, -EBADMSG},
    {"fir-fci-12", RR0 "84ce0005 00000001 00000000 00000002 01000000 00000003", 0, -EBADMSG},
    {"remb-lying-num-ssrc", RR0 "8fce0005 00000001 00000000 52454d42 030a1234 00000002", 0,
     -EBADMSG},
    {"remb-extra-ssrc", RR0 "8fce0006 00000001 00000000 52454d42 010a1234 00000002 00000003", 0,
     -EBADMSG},
    {"remb-too-short", RR0 "8fce0003 00000001 00000000 52454d42", 0, -EBADMSG},
    {"padding-in-middle", "a0c90002 00000001 00000004 80c90001 00000002", 0, -EPROTO},
    {"padding-zero", "a0c90002 00000001 00000000", 0, -EBADMSG},
    {"padding-not-multiple-of-4", "a0c90002 00000001 00000003", 0, -EBADMSG},
    {"padding-past-start", "a0c90002 00000001 0000000c", 0, -EBADMSG},
    {"padding-eats-ssrc", "a0c90002 00000001 00000008", 0, -EBADMSG},
    {"padding-eats-report-block",
     "a1c90008 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000008", 0,
     -EBADMSG},
    {"type-out-of-range", RR0 "80640001 00000001", 0, -EPROTO},
    {"first-is-sdes", "81ca0002 00000001 01000000", 0, -EPROTO},
    {"first-is-pli", "81ce0002 00000001 00000002", 0, -EPROTO},
    {"first-is-bye", "81cb0001 00000001", 0, -EPROTO},
    {"rtp-not-rtcp", "80600001 00000001", VT_RTCP_PARSE_RSIZE, -EPROTO},
    /* Good packets and then a lie at the very end: nothing is yielded. */
    {"bad-tail",
     "81c90007 00000001 00000002 00000000 00000000 00000000 00000000 00000000"
     "81ca0003 00000001 01036162 63000000 81ce0002 00000001 00000002"
     "81cd0002 00000001 00000002",
     0, -EBADMSG},
};

static void test_reject_case(gconstpointer data)
{
  const RejectCase *c = data;
  VtRtcpPacket pkts[MAX_PACKETS];

  g_assert_cmpint(parse_hex(c->hex, c->flags, pkts), ==, c->error);
}

#define UNIX_2036 G_GINT64_CONSTANT(2085978496) /* NTP seconds wrap to 0 here */

static void test_ntp(void)
{
  /* The Unix epoch is 2208988800 s after the NTP epoch. */
  g_assert_cmphex(vt_rtcp_ntp_from_unix_us(0), ==, G_GUINT64_CONSTANT(2208988800) << 32);
  /* Half a second is 0x80000000 in the fraction. */
  g_assert_cmphex(vt_rtcp_ntp_from_unix_us(G_GINT64_CONSTANT(1700000000500000)), ==,
                  G_GUINT64_CONSTANT(3908988800) << 32 | 0x80000000u);
  g_assert_cmphex(vt_rtcp_ntp_from_unix_us(1), ==,
                  G_GUINT64_CONSTANT(2208988800) << 32 | 4295); /* 2^32 / 10^6, rounded */
  g_assert_cmphex(vt_rtcp_ntp_from_unix_us(-1), ==,
                  (G_GUINT64_CONSTANT(2208988799) << 32) | (0x100000000u - 4295));
  /* After the 2036 wrap, seconds restart at 0 (era 1). */
  g_assert_cmphex(vt_rtcp_ntp_from_unix_us(UNIX_2036 * 1000000 + 250000), ==, 0x40000000u);

  const gint64 e = UNIX_2036 * 1000000, now = G_GINT64_CONSTANT(1700000000123456);
  const gint64 times[] = {0, 1, 999999, now, e - 1, e, e + 123, 3 * e / 2, -now / 30};
  for (size_t i = 0; i < G_N_ELEMENTS(times); i++)
    g_assert_cmpint(vt_rtcp_ntp_to_unix_us(vt_rtcp_ntp_from_unix_us(times[i])), ==, times[i]);
  for (gint64 us = 1700000000000000; us < 1700000000000000 + 2000000; us += 997)
    g_assert_cmpint(vt_rtcp_ntp_to_unix_us(vt_rtcp_ntp_from_unix_us(us)), ==, us);

  g_assert_cmphex(vt_rtcp_ntp_compact(G_GUINT64_CONSTANT(0x0123456789abcdef)), ==, 0x456789ab);
}

static void test_compact_time(void)
{
  g_assert_cmpuint(vt_rtcp_compact_from_us(1000000), ==, 65536);
  g_assert_cmpuint(vt_rtcp_compact_from_us(500000), ==, 32768);
  g_assert_cmpuint(vt_rtcp_compact_from_us(15), ==, 1); /* 0.98 units, rounded */
  g_assert_cmpuint(vt_rtcp_compact_from_us(7), ==, 0);
  g_assert_cmpuint(vt_rtcp_compact_from_us(0), ==, 0);
  g_assert_cmpuint(vt_rtcp_compact_from_us(-5000), ==, 0);
  g_assert_cmpuint(vt_rtcp_compact_from_us(G_GINT64_CONSTANT(65535999999)), ==, UINT32_MAX);
  g_assert_cmpuint(vt_rtcp_compact_from_us(G_GINT64_CONSTANT(1) << 62), ==, UINT32_MAX);
  g_assert_cmpint(vt_rtcp_compact_to_us(65536), ==, 1000000);
  g_assert_cmpint(vt_rtcp_compact_to_us(1), ==, 15);
  g_assert_cmpint(vt_rtcp_compact_to_us(UINT32_MAX), ==, G_GINT64_CONSTANT(65535999985));
}

/* RFC 3550 §6.4.1: the relay sent an SR at T; the peer held it 250 ms; the
 * report comes back at T + 350 ms, so the round trip took 100 ms. */
static void test_rtt(void)
{
  gint64 t = G_GINT64_CONSTANT(1700000000123456);
  uint32_t lsr = vt_rtcp_ntp_compact(vt_rtcp_ntp_from_unix_us(t));
  uint32_t dlsr = vt_rtcp_compact_from_us(250000);

  g_assert_cmpint(vt_rtcp_rtt_us(t + 350000, lsr, dlsr), >=, 100000 - 31);
  g_assert_cmpint(vt_rtcp_rtt_us(t + 350000, lsr, dlsr), <=, 100000 + 31);
  g_assert_cmpint(vt_rtcp_rtt_us(t + 250000, lsr, dlsr), <=, 31);
  g_assert_cmpint(vt_rtcp_rtt_us(t + 350000, 0, dlsr), ==, -ENODATA);
  g_assert_cmpint(vt_rtcp_rtt_us(t + 200000, lsr, dlsr), ==, -ERANGE);
}

/* Ten packets 100..109 with 103 and 107 lost, then ten with none lost, then
 * five with a duplicate: A.3's numbers by hand. */
static void test_stats_loss(void)
{
  VtRtcpRecvStats s;
  VtRtcpReportBlock rb;

  vt_rtcp_recv_stats_init(&s, 0x5eed, 90000);
  g_assert_cmpint(vt_rtcp_recv_stats_report(&s, 0, &rb), ==, -ENODATA);
  for (uint32_t seq = 100; seq < 110; seq++)
    if (seq != 103 && seq != 107)
      vt_rtcp_recv_stats_update(&s, seq, seq * 3000, seq * 33000);
  g_assert_cmpint(vt_rtcp_recv_stats_report(&s, 0, &rb), ==, 0);
  g_assert_cmphex(rb.ssrc, ==, 0x5eed);
  g_assert_cmpuint(rb.highest_seq, ==, 109);
  g_assert_cmpint(rb.cumulative_lost, ==, 2);
  g_assert_cmpuint(rb.fraction_lost, ==, (2 << 8) / 10); /* 51 */
  g_assert_cmpuint(rb.lsr, ==, 0);
  g_assert_cmpuint(rb.dlsr, ==, 0);

  for (uint32_t seq = 110; seq < 120; seq++)
    vt_rtcp_recv_stats_update(&s, seq, seq * 3000, seq * 33000);
  vt_rtcp_recv_stats_report(&s, 0, &rb);
  g_assert_cmpuint(rb.fraction_lost, ==, 0);
  g_assert_cmpint(rb.cumulative_lost, ==, 2);

  /* 120..124 and 124 again: six received, five expected. */
  for (uint32_t seq = 120; seq < 125; seq++)
    vt_rtcp_recv_stats_update(&s, seq, seq * 3000, seq * 33000);
  vt_rtcp_recv_stats_update(&s, 124, 124 * 3000, 125 * 33000);
  vt_rtcp_recv_stats_report(&s, 0, &rb);
  g_assert_cmpuint(rb.fraction_lost, ==, 0);
  g_assert_cmpint(rb.cumulative_lost, ==, 1);

  /* 130 after 124: 125..129 lost, a late 127 arrives: 4 of 6 lost. */
  vt_rtcp_recv_stats_update(&s, 130, 130 * 3000, 130 * 33000);
  vt_rtcp_recv_stats_update(&s, 127, 127 * 3000, 131 * 33000);
  vt_rtcp_recv_stats_report(&s, 0, &rb);
  g_assert_cmpuint(rb.highest_seq, ==, 130);
  g_assert_cmpuint(rb.fraction_lost, ==, (4 << 8) / 6); /* 170 */
  g_assert_cmpint(rb.cumulative_lost, ==, 5);
}

static void test_stats_extremes(void)
{
  VtRtcpRecvStats s;
  VtRtcpReportBlock rb;

  /* A packet reordered ahead of the first one seen lowers the base. */
  vt_rtcp_recv_stats_init(&s, 1, 48000);
  vt_rtcp_recv_stats_update(&s, 70001, 960, 20000);
  vt_rtcp_recv_stats_update(&s, 70000, 0, 21000);
  vt_rtcp_recv_stats_update(&s, 70002, 1920, 40000);
  vt_rtcp_recv_stats_report(&s, 0, &rb);
  g_assert_cmpint(rb.cumulative_lost, ==, 0);
  g_assert_cmpuint(rb.fraction_lost, ==, 0);
  g_assert_cmpuint(rb.highest_seq, ==, 70002);

  /* A loss too large for 24 bits is clamped; fraction saturates below 256. */
  vt_rtcp_recv_stats_init(&s, 1, 48000);
  vt_rtcp_recv_stats_update(&s, 0, 0, 0);
  vt_rtcp_recv_stats_report(&s, 0, &rb);
  vt_rtcp_recv_stats_update(&s, 0x2000000, 960, 20000);
  vt_rtcp_recv_stats_report(&s, 0, &rb);
  g_assert_cmpint(rb.cumulative_lost, ==, 0x7fffff);
  g_assert_cmpuint(rb.fraction_lost, ==, 255);
}

/* RFC 3550 A.8 at 8 kHz (125 us per unit), one packet every 20 ms (160
 * units). Arrival offsets in units: 0, 160, 360 (5 ms late), 480, 640.
 * Transit differences D: 0, 40, 40, 0. Jitter times 16 (J16):
 * 0; 0 + 40 - 0 = 40; 40 + 40 - 3 = 77; 77 + 0 - 5 = 72. Reported J16 >> 4. */
static void test_stats_jitter(void)
{
  static const gint64 arrival_ms[] = {0, 20, 45, 60, 80};
  static const uint32_t want[] = {0, 0, 2, 4, 4};
  VtRtcpRecvStats s;
  VtRtcpReportBlock rb;
  gint64 base = G_GINT64_CONSTANT(1700000000000000);

  vt_rtcp_recv_stats_init(&s, 9, 8000);
  for (size_t i = 0; i < G_N_ELEMENTS(arrival_ms); i++) {
    vt_rtcp_recv_stats_update(&s, 1000 + (uint32_t)i, 0xfffffe00u + 160 * (uint32_t)i,
                              base + arrival_ms[i] * 1000);
    vt_rtcp_recv_stats_report(&s, 0, &rb);
    g_assert_cmpuint(rb.jitter, ==, want[i]);
  }
  g_assert_cmpuint(s.jitter_q4, ==, 72);
  /* More packets of the last frame (same timestamp), late: no change. A
   * reordered old packet: no change either. */
  vt_rtcp_recv_stats_update(&s, 1005, 0xfffffe00u + 640, base + 95000);
  vt_rtcp_recv_stats_update(&s, 1001, 0xfffffe00u + 160, base + 99000);
  g_assert_cmpuint(s.jitter_q4, ==, 72);
  /* Steady arrivals decay it: 72 - ((72 + 8) >> 4) = 67. */
  vt_rtcp_recv_stats_update(&s, 1006, 0xfffffe00u + 800, base + 100000);
  g_assert_cmpuint(s.jitter_q4, ==, 67);
}

/* LSR and DLSR from the last SR the source sent. */
static void test_stats_lsr(void)
{
  VtRtcpRecvStats s;
  VtRtcpReportBlock rb;
  uint64_t ntp = G_GUINT64_CONSTANT(0xe8f1a2b3c4d5e6f7);

  vt_rtcp_recv_stats_init(&s, 9, 90000);
  vt_rtcp_recv_stats_update(&s, 1, 1, 900000);
  vt_rtcp_recv_stats_sr(&s, ntp, 1000000);
  vt_rtcp_recv_stats_report(&s, 1500000, &rb);
  g_assert_cmphex(rb.lsr, ==, 0xa2b3c4d5);
  g_assert_cmpuint(rb.dlsr, ==, 32768);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/rtcp/sr/round-trip", test_sr_round_trip);
  g_test_add_func("/rtcp/sr/limits", test_sr_limits);
  g_test_add_func("/rtcp/rr/round-trip", test_rr_round_trip);
  g_test_add_func("/rtcp/rr/cumulative-lost", test_cumulative_lost);
  g_test_add_func("/rtcp/sdes/round-trip", test_sdes_round_trip);
  g_test_add_func("/rtcp/sdes/items", test_sdes_items);
  g_test_add_func("/rtcp/bye/round-trip", test_bye_round_trip);
  g_test_add_func("/rtcp/psfb/pli-fir", test_pli_fir_round_trip);
  g_test_add_func("/rtcp/psfb/remb", test_remb_round_trip);
  g_test_add_func("/rtcp/unknown-kinds", test_unknown_kinds);
  g_test_add_func("/rtcp/extension-and-padding", test_extension_and_padding);
  g_test_add_func("/rtcp/nack/expand", test_nack_expand);
  for (size_t i = 0; i < G_N_ELEMENTS(pack_cases); i++) {
    g_autofree char *path = g_strdup_printf("/rtcp/nack/pack/%s", pack_cases[i].name);
    g_test_add_data_func(path, &pack_cases[i], test_nack_pack_case);
  }
  g_test_add_func("/rtcp/nack/wrap-round-trip", test_nack_wrap_round_trip);
  g_test_add_func("/rtcp/nack/everything", test_nack_everything);
  g_test_add_func("/rtcp/compound/sr-sdes", test_compound_sr_sdes);
  g_test_add_func("/rtcp/compound/rr-sdes-pli", test_compound_rr_sdes_pli);
  g_test_add_func("/rtcp/compound/rsize", test_rsize);
  for (size_t i = 0; i < G_N_ELEMENTS(reject_cases); i++) {
    g_autofree char *path = g_strdup_printf("/rtcp/reject/%s", reject_cases[i].name);
    g_test_add_data_func(path, &reject_cases[i], test_reject_case);
  }
  g_test_add_func("/rtcp/time/ntp", test_ntp);
  g_test_add_func("/rtcp/time/compact", test_compact_time);
  g_test_add_func("/rtcp/time/rtt", test_rtt);
  g_test_add_func("/rtcp/stats/loss", test_stats_loss);
  g_test_add_func("/rtcp/stats/extremes", test_stats_extremes);
  g_test_add_func("/rtcp/stats/jitter", test_stats_jitter);
  g_test_add_func("/rtcp/stats/lsr", test_stats_lsr);
  return g_test_run();
}
