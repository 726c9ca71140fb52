/* Unit tests for relay/rtp.c: demultiplexing, header parsing and every way a
 * packet is refused, RFC 8285 extensions (lookup, remap, drop), in-place
 * rewriting, sequence/timestamp unwrapping and keyframe detection.
 *
 * Packets are written out byte by byte as a browser would send them (Opus on
 * PT 111, VP8 on 96, H.264 on 102, MID / abs-send-time / transport-wide cc
 * extensions), so that each test reads like a capture and does not rely on
 * the code under test to build its input. */
#include "relay/rtp.h"

#include <errno.h>
#include <string.h>

/* A byte string literal and its length, as two arguments. */
#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

/* A packet under construction; the spare room lets tests build oversize
 * packets too. */
typedef struct {
  uint8_t b[VT_RTP_MAX_PACKET + 64];
  size_t len;
} Pkt;

static void putn(Pkt *p, const uint8_t *bytes, size_t n)
{
  g_assert_cmpuint(n, <=, sizeof p->b - p->len);
  memcpy(p->b + p->len, bytes, n);
  p->len += n;
}

static void put16(Pkt *p, uint16_t v)
{
  putn(p, BYTES((uint8_t)(v >> 8), (uint8_t)v));
}

static void put32(Pkt *p, uint32_t v)
{
  put16(p, (uint16_t)(v >> 16));
  put16(p, (uint16_t)v);
}

/* Starts p with a fixed header: V=2 and the P, X, CC bits in b0; M and PT
 * in b1. */
static void put_fixed(Pkt *p, uint8_t b0, uint8_t b1, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
  p->len = 0;
  putn(p, BYTES(b0, b1));
  put16(p, seq);
  put32(p, ts);
  put32(p, ssrc);
}

/* An extension block: profile, length in words, elements (a multiple of 4). */
static void put_ext(Pkt *p, uint16_t profile, const uint8_t *body, size_t len)
{
  g_assert_cmpuint(len % 4, ==, 0);
  put16(p, profile);
  put16(p, (uint16_t)(len / 4));
  putn(p, body, len);
}

static const uint8_t OPUS_PAYLOAD[] = {0xFC, 0xFF, 0xFE, 0x12, 0x34, 0x56, 0x78, 0x9A};
/* VP8 descriptor (S=1, PID 0), frame tag with P clear, start code, 640x480. */
static const uint8_t VP8_KEY_PAYLOAD[] = {0x10, 0x50, 0x2D, 0x01, 0x9D, 0x01,
                                          0x2A, 0x80, 0x02, 0xE0, 0x01, 0x00};

/* Opus, PT 111, no marker, no extension. */
static void build_opus(Pkt *p)
{
  put_fixed(p, 0x80, 111, 0x1234, 0x00010000, 0xDEADBEEF);
  putn(p, OPUS_PAYLOAD, sizeof OPUS_PAYLOAD);
}

/* VP8 keyframe, PT 96 with marker, one-byte extension block of 3 words at
 * 16: MID "0" (id 1), abs-send-time (id 2), transport-wide cc (id 3), pad. */
static void build_vp8_one_byte(Pkt *p)
{
  put_fixed(p, 0x90, 0x80 | 96, 65535, 90000, 0x11223344);
  put_ext(p, 0xBEDE, BYTES(0x10, '0', 0x22, 0xAA, 0xBB, 0xCC, 0x31, 0x01, 0x02, 0, 0, 0));
  putn(p, VP8_KEY_PAYLOAD, sizeof VP8_KEY_PAYLOAD);
}

/* H.264 IDR slice, PT 102, two-byte extension of 7 words: MID "1" (id 1), a
 * padding byte, an empty element id 200, 17 bytes under id 3 (too long for
 * the one-byte form), 3 bytes of padding. */
static void build_two_byte(Pkt *p, uint16_t profile)
{
  uint8_t body[28] = {0x01, 0x01, '1', 0x00, 0xC8, 0x00, 0x03, 17};

  for (uint8_t i = 0; i < 17; i++)
    body[8 + i] = (uint8_t)(0xA0 + i);
  put_fixed(p, 0x90, 102, 7, 3000, 0x55667788);
  put_ext(p, profile, body, sizeof body);
  putn(p, BYTES(0x65, 0x88, 0x84));
}

/* g_assert_cmpmem for a BYTES() expectation (a macro cannot take one). */
static void assert_bytes(const uint8_t *got, const uint8_t *want, size_t len)
{
  g_assert_cmpmem(got, len, want, len);
}

static VtRtpHeader parse_ok(const Pkt *p)
{
  VtRtpHeader hdr;

  g_assert_cmpint(vt_rtp_parse(p->b, p->len, &hdr), ==, 0);
  g_assert_cmpuint(hdr.payload_offset + hdr.payload_len + hdr.padding_len, ==, p->len);
  return hdr;
}

static void assert_parse(const Pkt *p, int expected)
{
  VtRtpHeader hdr;

  g_assert_cmpint(vt_rtp_parse(p->b, p->len, &hdr), ==, expected);
}

static void assert_layout(const VtRtpHeader *hdr, size_t ext_offset, size_t ext_len,
                          size_t payload_offset, size_t payload_len, size_t padding_len)
{
  g_assert_cmpuint(hdr->ext_offset, ==, ext_offset);
  g_assert_cmpuint(hdr->ext_len, ==, ext_len);
  g_assert_cmpuint(hdr->payload_offset, ==, payload_offset);
  g_assert_cmpuint(hdr->payload_len, ==, payload_len);
  g_assert_cmpuint(hdr->padding_len, ==, padding_len);
}

/* The next element is id with this data. */
static void assert_next(VtRtpExtIter *it, const uint8_t *buf, uint8_t id, const uint8_t *data,
                        size_t len)
{
  VtRtpExtElement el;

  g_assert_true(vt_rtp_ext_iter_next(it, &el));
  g_assert_cmpuint(el.id, ==, id);
  g_assert_cmpmem(buf + el.offset, el.len, data, len);
}

/* The first element with id has this data; data NULL: there is none. */
static void assert_find(const Pkt *p, const VtRtpHeader *hdr, uint8_t id, const uint8_t *data,
                        size_t len)
{
  VtRtpExtElement el;
  int err = vt_rtp_ext_find(p->b, p->len, hdr, id, &el);

  g_assert_cmpint(err, ==, data == NULL ? -ENOENT : 0);
  if (data != NULL)
    g_assert_cmpmem(p->b + el.offset, el.len, data, len);
}

/* ---- demux ---- */

static void test_demux_first_byte(void)
{
  static const struct {
    uint8_t byte;
    VtRtpDemux want;
  } cases[] = {
      {0, VT_RTP_DEMUX_STUN},    {1, VT_RTP_DEMUX_STUN},    {3, VT_RTP_DEMUX_STUN},
      {4, VT_RTP_DEMUX_OTHER},   {19, VT_RTP_DEMUX_OTHER},  {20, VT_RTP_DEMUX_DTLS},
      {22, VT_RTP_DEMUX_DTLS},   {63, VT_RTP_DEMUX_DTLS},   {64, VT_RTP_DEMUX_OTHER},
      {127, VT_RTP_DEMUX_OTHER}, {128, VT_RTP_DEMUX_MEDIA}, {0x90, VT_RTP_DEMUX_MEDIA},
      {191, VT_RTP_DEMUX_MEDIA}, {192, VT_RTP_DEMUX_OTHER}, {255, VT_RTP_DEMUX_OTHER},
  };

  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
    g_assert_cmpint(vt_rtp_demux(cases[i].byte), ==, cases[i].want);
}

static void test_demux_rtcp(void)
{
  /* Second bytes: SR, RR, PSFB, the range's ends, 64 without the marker;
   * then Opus, VP8 with marker and the values just outside the range. */
  static const uint8_t rtcp[] = {200, 201, 206, 192, 223, 64};
  static const uint8_t rtp[] = {111, 0xE0, 63, 224, 0};

  for (size_t i = 0; i < sizeof rtcp; i++)
    g_assert_true(vt_rtp_is_rtcp(BYTES(0x80, rtcp[i])));
  for (size_t i = 0; i < sizeof rtp; i++)
    g_assert_false(vt_rtp_is_rtcp(BYTES(0x90, rtp[i])));
  g_assert_false(vt_rtp_is_rtcp(BYTES(0x80)));
  g_assert_false(vt_rtp_is_rtcp(NULL, 0));
}

/* ---- parsing ---- */

static void test_parse_opus(void)
{
  VtRtpHeader hdr;
  Pkt p;

  build_opus(&p);
  hdr = parse_ok(&p);
  g_assert_false(hdr.padding || hdr.extension || hdr.marker);
  g_assert_cmpuint(hdr.csrc_count, ==, 0);
  g_assert_cmpuint(hdr.payload_type, ==, 111);
  g_assert_cmpuint(hdr.seq, ==, 0x1234);
  g_assert_cmpuint(hdr.timestamp, ==, 0x00010000);
  g_assert_cmpuint(hdr.ssrc, ==, 0xDEADBEEF);
  g_assert_cmpint(hdr.ext_form, ==, VT_RTP_EXT_NONE);
  assert_layout(&hdr, 0, 0, 12, sizeof OPUS_PAYLOAD, 0);
  g_assert_cmpmem(p.b + hdr.payload_offset, hdr.payload_len, OPUS_PAYLOAD, sizeof OPUS_PAYLOAD);
}

/* Two CSRCs (an audio mixer upstream), a one-byte extension and 4 bytes of
 * padding all at once: every offset has to add up. */
static void test_parse_csrc_ext_padding(void)
{
  VtRtpHeader hdr;
  Pkt p;

  put_fixed(&p, 0x80 | 0x20 | 0x10 | 2, 0x80 | 111, 1, 2, 3);
  put32(&p, 0xCAFEBABE);
  put32(&p, 0x0BADF00D);
  put_ext(&p, 0xBEDE, BYTES(0x10, 0x7F, 0x00, 0x00)); /* ssrc-audio-level */
  putn(&p, OPUS_PAYLOAD, sizeof OPUS_PAYLOAD);
  putn(&p, BYTES(0, 0, 0, 4));

  hdr = parse_ok(&p);
  g_assert_true(hdr.padding && hdr.extension && hdr.marker);
  g_assert_cmpuint(hdr.csrc_count, ==, 2);
  g_assert_cmpuint(hdr.csrc[0], ==, 0xCAFEBABE);
  g_assert_cmpuint(hdr.csrc[1], ==, 0x0BADF00D);
  g_assert_cmpint(hdr.ext_form, ==, VT_RTP_EXT_ONE_BYTE);
  assert_layout(&hdr, 24, 4, 28, sizeof OPUS_PAYLOAD, 4);
}

/* Bandwidth probes are all padding: an empty payload is fine. */
static void test_parse_padding_only(void)
{
  uint8_t padding[255] = {0};
  VtRtpHeader hdr;
  Pkt p;

  padding[254] = 255;
  put_fixed(&p, 0xA0, 96, 9, 9, 9);
  putn(&p, padding, sizeof padding);
  hdr = parse_ok(&p);
  assert_layout(&hdr, 0, 0, 12, 0, 255);
}

static void test_parse_reject_basic(void)
{
  VtRtpHeader hdr;
  Pkt p;

  g_assert_cmpint(vt_rtp_parse(NULL, 0, &hdr), ==, -EINVAL);
  build_opus(&p);
  for (size_t len = 0; len < 12; len++)
    g_assert_cmpint(vt_rtp_parse(p.b, len, &hdr), ==, -EINVAL);
  g_assert_cmpint(vt_rtp_parse(p.b, 12, &hdr), ==, 0); /* header only: empty payload */

  for (uint8_t v = 0; v < 4; v++) {
    p.b[0] = (uint8_t)(v << 6);
    assert_parse(&p, v == 2 ? 0 : -EINVAL);
  }
  p.b[0] = 0x80;
  for (unsigned pt = 64; pt <= 95; pt++) { /* RTCP on a muxed transport */
    p.b[1] = (uint8_t)(0x80 | pt);
    assert_parse(&p, -EINVAL);
  }
}

static void test_parse_reject_size(void)
{
  uint8_t filler[VT_RTP_MAX_PACKET] = {0};
  Pkt p;

  build_opus(&p);
  putn(&p, filler, VT_RTP_MAX_PACKET - p.len);
  assert_parse(&p, 0);
  putn(&p, BYTES(0x55));
  assert_parse(&p, -EMSGSIZE);
}

static void test_parse_reject_overruns(void)
{
  Pkt p;

  /* 15 CSRCs announced, 14 present (and nothing else). */
  put_fixed(&p, 0x8F, 111, 1, 1, 1);
  for (uint32_t i = 0; i < 14; i++)
    put32(&p, i);
  assert_parse(&p, -EINVAL);
  put32(&p, 14); /* all 15, empty payload */
  assert_parse(&p, 0);

  /* X set but the 4-byte extension header is cut short, then a block of 2
   * words with 1 present. */
  put_fixed(&p, 0x90, 96, 1, 1, 1);
  put16(&p, 0xBEDE);
  assert_parse(&p, -EINVAL);
  put16(&p, 2);
  put32(&p, 0x10AA0000);
  assert_parse(&p, -EINVAL);
  put32(&p, 0);
  assert_parse(&p, 0);

  /* Padding: bit set with no byte after the header, count 0, count beyond
   * the payload, count reaching back into the header. */
  put_fixed(&p, 0xA0, 96, 1, 1, 1);
  assert_parse(&p, -EINVAL);
  putn(&p, BYTES(0xAB, 0xCD, 0x00));
  assert_parse(&p, -EINVAL);
  p.b[p.len - 1] = 4;
  assert_parse(&p, -EINVAL);
  p.b[p.len - 1] = 3;
  assert_parse(&p, 0);
  p.b[p.len - 1] = 0xFF;
  assert_parse(&p, -EINVAL);
}

/* Every prefix of a valid packet either fails or parses to a header whose
 * regions lie inside the prefix. */
static void test_parse_truncations(void)
{
  Pkt p, prefix;

  build_vp8_one_byte(&p);
  for (prefix = p; prefix.len > 0; prefix.len--) {
    VtRtpHeader hdr;
    int err = vt_rtp_parse(prefix.b, prefix.len, &hdr);

    g_assert_cmpint(err, ==, prefix.len >= 28 ? 0 : -EINVAL);
    if (err == 0)
      parse_ok(&prefix);
  }
}

/* ---- extensions ---- */

static void test_ext_one_byte(void)
{
  VtRtpExtElement el;
  VtRtpExtIter it;
  VtRtpHeader hdr;
  Pkt p;

  build_vp8_one_byte(&p);
  hdr = parse_ok(&p);
  g_assert_cmpint(hdr.ext_form, ==, VT_RTP_EXT_ONE_BYTE);
  g_assert_cmpuint(hdr.ext_profile, ==, 0xBEDE);
  g_assert_true(hdr.marker && hdr.seq == 65535);
  assert_layout(&hdr, 16, 12, 28, sizeof VP8_KEY_PAYLOAD, 0);

  vt_rtp_ext_iter_init(&it, p.b, p.len, &hdr);
  assert_next(&it, p.b, 1, BYTES('0'));
  assert_next(&it, p.b, 2, BYTES(0xAA, 0xBB, 0xCC));
  assert_next(&it, p.b, 3, BYTES(0x01, 0x02));
  g_assert_false(vt_rtp_ext_iter_next(&it, &el));
  g_assert_false(vt_rtp_ext_iter_next(&it, &el)); /* stays ended */

  g_assert_cmpint(vt_rtp_ext_find(p.b, p.len, &hdr, 3, &el), ==, 0);
  g_assert_cmpuint(el.offset, ==, 23);
  g_assert_cmpuint(el.len, ==, 2);
  assert_find(&p, &hdr, 4, NULL, 0);
  assert_find(&p, &hdr, 0, NULL, 0);
}

/* Id 15 ends processing: what follows it is ignored, even if malformed. A
 * byte with id 0 and a nonzero length is skipped like padding. */
static void test_ext_one_byte_id15_and_id0(void)
{
  VtRtpHeader hdr;
  Pkt p;

  put_fixed(&p, 0x90, 96, 1, 1, 1);
  put_ext(&p, 0xBEDE, BYTES(0x05, 0x10, 'a', 0xF0, 0x00, 0x2F, 0x00, 0x00));
  hdr = parse_ok(&p);
  assert_find(&p, &hdr, 1, BYTES('a'));
  assert_find(&p, &hdr, 2, NULL, 0);
}

static void test_ext_one_byte_overrun(void)
{
  Pkt p;

  /* id 1 claims 16 bytes in a 4-byte block; the payload after it must not
   * count as extension data. */
  put_fixed(&p, 0x90, 96, 1, 1, 1);
  put_ext(&p, 0xBEDE, BYTES(0x1F, 1, 2, 3));
  putn(&p, OPUS_PAYLOAD, sizeof OPUS_PAYLOAD);
  assert_parse(&p, -EINVAL);
  /* The last element's data one byte short, then just right. */
  p.b[16] = 0x00;
  p.b[17] = 0x22;
  assert_parse(&p, -EINVAL);
  p.b[17] = 0x21;
  assert_parse(&p, 0);
}

static void test_ext_two_byte(void)
{
  static const uint16_t profiles[] = {0x1000, 0x100F};
  VtRtpExtElement el;
  VtRtpExtIter it;
  VtRtpHeader hdr;
  Pkt p;

  for (size_t i = 0; i < G_N_ELEMENTS(profiles); i++) {
    build_two_byte(&p, profiles[i]);
    hdr = parse_ok(&p);
    g_assert_cmpint(hdr.ext_form, ==, VT_RTP_EXT_TWO_BYTE);
    g_assert_cmpuint(hdr.ext_profile, ==, profiles[i]);
    assert_layout(&hdr, 16, 28, 44, 3, 0);

    vt_rtp_ext_iter_init(&it, p.b, p.len, &hdr);
    assert_next(&it, p.b, 1, BYTES('1'));
    assert_next(&it, p.b, 200, (const uint8_t *)"", 0);
    g_assert_true(vt_rtp_ext_iter_next(&it, &el));
    g_assert_true(el.id == 3 && el.len == 17 && p.b[el.offset + 16] == 0xB0);
    g_assert_false(vt_rtp_ext_iter_next(&it, &el));
    assert_find(&p, &hdr, 200, (const uint8_t *)"", 0);
    assert_find(&p, &hdr, 2, NULL, 0);
  }
}

static void test_ext_two_byte_overrun(void)
{
  Pkt p;

  /* The last element's length byte is missing. */
  put_fixed(&p, 0x90, 102, 1, 1, 1);
  put_ext(&p, 0x1000, BYTES(0x01, 0x01, 'x', 0x05));
  assert_parse(&p, -EINVAL);
  /* Data past the block, though still inside the packet; then just right. */
  memcpy(p.b + 16, BYTES(0x01, 0x03, 'x', 0x00));
  putn(&p, OPUS_PAYLOAD, sizeof OPUS_PAYLOAD);
  assert_parse(&p, -EINVAL);
  p.b[17] = 0x02;
  assert_parse(&p, 0);
}

/* A profile that is not RFC 8285 is carried opaquely. */
static void test_ext_other_profile(void)
{
  VtRtpExtMap map = {{0}};
  VtRtpHeader hdr;
  Pkt p, orig;

  put_fixed(&p, 0x90, 96, 1, 1, 1);
  put_ext(&p, 0xABAC, BYTES(0xFF, 0xFF, 0xFF, 0xFF));
  putn(&p, OPUS_PAYLOAD, sizeof OPUS_PAYLOAD);
  orig = p;
  hdr = parse_ok(&p);
  g_assert_cmpint(hdr.ext_form, ==, VT_RTP_EXT_OTHER);
  assert_layout(&hdr, 16, 4, 20, sizeof OPUS_PAYLOAD, 0);
  assert_find(&p, &hdr, 15, NULL, 0);
  g_assert_cmpint(vt_rtp_ext_remap(p.b, p.len, &hdr, &map), ==, -EOPNOTSUPP);
  g_assert_cmpmem(p.b, p.len, orig.b, orig.len);
}

/* ---- rewriting ---- */

static void test_rewrite_fields(void)
{
  VtRtpHeader before, after;
  Pkt p;

  build_vp8_one_byte(&p);
  before = parse_ok(&p);
  g_assert_cmpint(vt_rtp_set_ssrc(p.b, p.len, 0xA1B2C3D4), ==, 0);
  g_assert_cmpint(vt_rtp_set_seq(p.b, p.len, 0), ==, 0);
  g_assert_cmpint(vt_rtp_set_timestamp(p.b, p.len, 0xFFFFFFFF), ==, 0);
  g_assert_cmpint(vt_rtp_set_payload_type(p.b, p.len, 100), ==, 0);
  after = parse_ok(&p);
  g_assert_true(after.ssrc == 0xA1B2C3D4 && after.seq == 0 && after.timestamp == 0xFFFFFFFF);
  g_assert_true(after.payload_type == 100 && after.marker);
  g_assert_cmpuint(after.payload_offset, ==, before.payload_offset);
  g_assert_cmpmem(p.b + after.payload_offset, after.payload_len, VP8_KEY_PAYLOAD,
                  sizeof VP8_KEY_PAYLOAD);

  /* The marker stays clear when it was clear. */
  build_opus(&p);
  g_assert_cmpint(vt_rtp_set_payload_type(p.b, p.len, 0), ==, 0);
  g_assert_cmpuint(p.b[1], ==, 0);
  g_assert_cmpint(vt_rtp_set_payload_type(p.b, p.len, 127), ==, 0);
  g_assert_cmpuint(p.b[1], ==, 127);
}

static void test_rewrite_reject(void)
{
  Pkt p, orig;

  build_opus(&p);
  orig = p;
  g_assert_cmpint(vt_rtp_set_payload_type(p.b, p.len, 128), ==, -EINVAL);
  g_assert_cmpint(vt_rtp_set_payload_type(p.b, p.len, 64), ==, -EINVAL);
  g_assert_cmpint(vt_rtp_set_payload_type(p.b, p.len, 95), ==, -EINVAL);
  g_assert_cmpint(vt_rtp_set_ssrc(p.b, 11, 1), ==, -EINVAL);
  g_assert_cmpint(vt_rtp_set_seq(p.b, 11, 1), ==, -EINVAL);
  g_assert_cmpint(vt_rtp_set_timestamp(p.b, 11, 1), ==, -EINVAL);
  g_assert_cmpint(vt_rtp_set_ssrc(NULL, 0, 1), ==, -EINVAL);
  g_assert_cmpmem(p.b, p.len, orig.b, orig.len);
  p.b[0] = 0x40; /* version 1 */
  g_assert_cmpint(vt_rtp_set_seq(p.b, p.len, 1), ==, -EINVAL);
  g_assert_cmpuint(p.b[2], ==, orig.b[2]);
}

static void test_remap_one_byte(void)
{
  VtRtpExtMap map = {{0}};
  VtRtpHeader hdr, again;
  Pkt p;

  build_vp8_one_byte(&p);
  hdr = parse_ok(&p);
  map.to[1] = 4; /* MID moves, abs-send-time (2) is dropped, twcc (3) stays */
  map.to[3] = 3;
  g_assert_cmpint(vt_rtp_ext_remap(p.b, p.len, &hdr, &map), ==, 0);
  /* Same block length, the dropped element now padding. */
  assert_bytes(p.b + 12, BYTES(0xBE, 0xDE, 0x00, 0x03, 0x40, '0', 0x00, 0x00, 0x00, 0x00, 0x31,
                               0x01, 0x02, 0x00, 0x00, 0x00));
  again = parse_ok(&p);
  assert_layout(&again, 16, 12, 28, sizeof VP8_KEY_PAYLOAD, 0);
  assert_find(&p, &again, 4, BYTES('0'));
  assert_find(&p, &again, 3, BYTES(0x01, 0x02));
  assert_find(&p, &again, 1, NULL, 0);
  assert_find(&p, &again, 2, NULL, 0);

  /* A zeroed map drops everything: the block becomes all padding. */
  memset(&map, 0, sizeof map);
  g_assert_cmpint(vt_rtp_ext_remap(p.b, p.len, &again, &map), ==, 0);
  assert_bytes(p.b + 16, BYTES(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  again = parse_ok(&p);
  g_assert_cmpmem(p.b + again.payload_offset, again.payload_len, VP8_KEY_PAYLOAD,
                  sizeof VP8_KEY_PAYLOAD);
}

static void test_remap_two_byte(void)
{
  VtRtpExtMap map = {{0}};
  VtRtpHeader hdr;
  VtRtpExtElement el;
  Pkt p;

  build_two_byte(&p, 0x1000);
  hdr = parse_ok(&p);
  map.to[1] = 255;
  map.to[3] = 15; /* fine in this form; 200 is dropped */
  g_assert_cmpint(vt_rtp_ext_remap(p.b, p.len, &hdr, &map), ==, 0);
  assert_bytes(p.b + 16, BYTES(0xFF, 0x01, '1', 0, 0, 0, 0x0F, 17));
  hdr = parse_ok(&p);
  assert_find(&p, &hdr, 200, NULL, 0);
  assert_find(&p, &hdr, 255, BYTES('1'));
  g_assert_cmpint(vt_rtp_ext_find(p.b, p.len, &hdr, 15, &el), ==, 0);
  g_assert_true(el.len == 17 && p.b[el.offset] == 0xA0);
}

/* A map that cannot be applied, or a header from another packet, leaves the
 * packet exactly as it was. */
static void test_remap_reject(void)
{
  VtRtpExtMap map = {{0}};
  VtRtpHeader hdr, opus_hdr;
  Pkt p, orig, opus;

  build_vp8_one_byte(&p);
  orig = p;
  hdr = parse_ok(&p);
  map.to[1] = 1;
  map.to[3] = 15;
  g_assert_cmpint(vt_rtp_ext_remap(p.b, p.len, &hdr, &map), ==, -ERANGE);
  g_assert_cmpmem(p.b, p.len, orig.b, orig.len);

  build_opus(&opus);
  opus_hdr = parse_ok(&opus);
  g_assert_cmpint(vt_rtp_ext_remap(opus.b, opus.len, &opus_hdr, &map), ==, 0);
  g_assert_cmpint(vt_rtp_ext_remap(opus.b, opus.len, &hdr, &map), ==, -EINVAL);
  g_assert_cmpint(vt_rtp_ext_remap(p.b, 20, &hdr, &map), ==, -EINVAL);
  g_assert_cmpmem(p.b, p.len, orig.b, orig.len);

  /* Same offsets, other form: the profile word tells them apart. */
  build_two_byte(&p, 0x1000);
  orig = p;
  g_assert_cmpint(vt_rtp_ext_remap(p.b, p.len, &hdr, &map), ==, -EINVAL);
  g_assert_cmpmem(p.b, p.len, orig.b, orig.len);
}

/* ---- sequence numbers and timestamps ---- */

static void test_seq_compare(void)
{
  g_assert_true(vt_seq_newer(1, 0) && vt_seq_newer(0, 65535) && vt_seq_newer(5, 65530));
  g_assert_false(vt_seq_newer(65535, 0) || vt_seq_newer(7, 7) || vt_seq_newer(0x8001, 0));
  g_assert_true(vt_seq_newer(0x7FFF, 0));
  g_assert_true(vt_seq_newer(0x8000, 0) && !vt_seq_newer(0, 0x8000));
  g_assert_cmpint(vt_seq_delta(0, 65535), ==, 1);
  g_assert_cmpint(vt_seq_delta(65535, 0), ==, -1);
  g_assert_cmpint(vt_seq_delta(0x8000, 0), ==, -32768);
  g_assert_cmpint(vt_seq_delta(0x7FFF, 0), ==, 32767);

  g_assert_true(vt_ts_newer(0, 0xFFFFFFFF) && vt_ts_newer(3000, 0xFFFFF000));
  g_assert_false(vt_ts_newer(0xFFFFF000, 3000) || vt_ts_newer(9, 9));
  g_assert_true(vt_ts_newer(0x80000000u, 0) && !vt_ts_newer(0, 0x80000000u));
  g_assert_cmpint(vt_ts_delta(0, 0xFFFFFFFF), ==, 1);
  g_assert_cmpint(vt_ts_delta(0x80000000u, 0), ==, -G_GINT64_CONSTANT(0x80000000));
}

/* One packet fed to a VtSeqUnwrapper and what must come out. */
typedef struct {
  uint16_t seq;
  int err;
  int64_t ext;
} SeqStep;

static void run_seq(const SeqStep *steps, size_t n)
{
  VtSeqUnwrapper u;

  vt_seq_unwrapper_init(&u);
  for (size_t i = 0; i < n; i++) {
    int64_t ext = G_MININT64;

    g_assert_cmpint(vt_seq_unwrap(&u, steps[i].seq, &ext), ==, steps[i].err);
    g_assert_cmpint(ext, ==, steps[i].ext);
  }
}

static void test_seq_unwrap_wrap(void)
{
  static const SeqStep wrap[] = {
      {65534, 0, 65534}, {65535, 0, 65535}, {0, 0, 65536}, {1, 0, 65537}};
  VtSeqUnwrapper u;
  uint16_t seq = 60000;
  int64_t ext;

  run_seq(wrap, G_N_ELEMENTS(wrap));
  /* Several wraps in a row, with a gap of lost packets now and then. */
  vt_seq_unwrapper_init(&u);
  for (int64_t i = 0; i < 300000; i++, seq++) {
    if (i % 1000 == 999)
      seq += 50, i += 50;
    g_assert_cmpint(vt_seq_unwrap(&u, seq, &ext), ==, 0);
    g_assert_cmpint(ext, ==, 60000 + i);
  }
}

static void test_seq_unwrap_reorder(void)
{
  /* Late across the wrap, a duplicate, late again. */
  static const SeqStep reorder[] = {{65534, 0, 65534}, {0, 0, 65536}, {65535, 0, 65535},
                                    {1, 0, 65537},     {1, 0, 65537}, {65534, 0, 65534},
                                    {2, 0, 65538}};
  /* Sent before the first packet seen, across the wrap: negative. */
  static const SeqStep before_first[] = {{1, 0, 1}, {65535, 0, -1}, {2, 0, 2}};

  run_seq(reorder, G_N_ELEMENTS(reorder));
  run_seq(before_first, G_N_ELEMENTS(before_first));
}

static void test_seq_unwrap_window_edges(void)
{
  static const SeqStep edges[] = {
      {65000, 0, 65000},
      {(uint16_t)(65000 + VT_SEQ_MAX_DROPOUT), 0, 68000},
      {(uint16_t)(68000 - VT_SEQ_MAX_MISORDER), 0, 67900},
      {(uint16_t)(68000 - VT_SEQ_MAX_MISORDER - 1), -ERANGE, 68001},
      {(uint16_t)(68000 + VT_SEQ_MAX_DROPOUT + 1), -ERANGE, 68001},
      {(uint16_t)68001, 0, 68001},
  };

  run_seq(edges, G_N_ELEMENTS(edges));
}

static void test_seq_unwrap_restart(void)
{
  /* The sender restarts at 40000: the first packet is held on probation,
   * the second confirms, and numbering continues without a hole. */
  static const SeqStep restart[] = {{1000, 0, 1000},  {1005, 0, 1005},  {40000, -ERANGE, 1006},
                                    {40001, 0, 1007}, {40003, 0, 1009}, {40002, 0, 1008},
                                    {40004, 0, 1010}};
  /* The restart's second packet may itself arrive out of order. */
  static const SeqStep reordered[] = {
      {50000, 0, 50000}, {100, -ERANGE, 50001}, {102, 0, 50003}, {101, 0, 50002}};
  /* A stray far packet between normal ones is not a restart. */
  static const SeqStep stray[] = {{1000, 0, 1000},
                                  {30000, -ERANGE, 1001},
                                  {1001, 0, 1001},
                                  {30001, -ERANGE, 1002},
                                  {1002, 0, 1002}};
  /* Nor is the probation packet sent twice. */
  static const SeqStep twice[] = {
      {1000, 0, 1000}, {30000, -ERANGE, 1001}, {30000, -ERANGE, 1001}, {30001, 0, 1002}};
  /* A long outage (more than VT_SEQ_MAX_DROPOUT lost) resynchronises the
   * same way, so that downstream sees a continuous count. */
  static const SeqStep outage[] = {{10, 0, 10}, {5000, -ERANGE, 11}, {5001, 0, 12}};

  run_seq(restart, G_N_ELEMENTS(restart));
  run_seq(reordered, G_N_ELEMENTS(reordered));
  run_seq(stray, G_N_ELEMENTS(stray));
  run_seq(twice, G_N_ELEMENTS(twice));
  run_seq(outage, G_N_ELEMENTS(outage));
}

static void test_ts_unwrap(void)
{
  VtTsUnwrapper u;

  vt_ts_unwrapper_init(&u);
  g_assert_cmpint(vt_ts_unwrap(&u, 0xFFFFE890), ==, 0xFFFFE890); /* 90 kHz, 3000/frame */
  g_assert_cmpint(vt_ts_unwrap(&u, 0xFFFFF448), ==, 0xFFFFF448);
  g_assert_cmpint(vt_ts_unwrap(&u, 0x00000000), ==, G_GINT64_CONSTANT(0x100000000));
  g_assert_cmpint(vt_ts_unwrap(&u, 0xFFFFF448), ==, 0xFFFFF448); /* B-frame / late */
  g_assert_cmpint(vt_ts_unwrap(&u, 0x00000BB8), ==, G_GINT64_CONSTANT(0x100000BB8));
  /* A pause of almost 2^31 ticks still counts forward; more reads as back. */
  g_assert_cmpint(vt_ts_unwrap(&u, 0x80000BB7), ==, G_GINT64_CONSTANT(0x180000BB7));
  /* Far back does not move the reference the next one is measured from. */
  g_assert_cmpint(vt_ts_unwrap(&u, 0x00000BB8), ==, G_GINT64_CONSTANT(0x100000BB8));
  g_assert_cmpint(vt_ts_unwrap(&u, 0xFFFFFFFF), ==, G_GINT64_CONSTANT(0x1FFFFFFFF));
  g_assert_cmpint(vt_ts_unwrap(&u, 0x00000BB8), ==, G_GINT64_CONSTANT(0x200000BB8));
  g_assert_cmpint(vt_ts_unwrap(&u, 0x80000BB9), ==, G_GINT64_CONSTANT(0x180000BB9));

  /* Older than the first timestamp: negative. */
  vt_ts_unwrapper_init(&u);
  g_assert_cmpint(vt_ts_unwrap(&u, 10), ==, 10);
  g_assert_cmpint(vt_ts_unwrap(&u, 0xFFFFFFF6), ==, -10);

  /* Many wraps, 300 Opus frames (48 kHz, 960 each) at a time. */
  vt_ts_unwrapper_init(&u);
  for (int64_t i = 0; i < 20000; i++)
    g_assert_cmpint(vt_ts_unwrap(&u, (uint32_t)(i * 960 * 300)), ==, i * 960 * 300);
}

/* ---- keyframes ---- */

static void test_vp8_keyframe(void)
{
  /* X with I (15-bit PictureID), L, T and K: 5 descriptor bytes. */
  static const uint8_t ext_key[] = {0x90, 0xF0, 0x80 | 0x12, 0x34, 0x05, 0x40, 0x50,
                                    0x2D, 0x01, 0x9D,        0x01, 0x2A, 0x80, 0x02};
  /* X with I only (7-bit PictureID). */
  static const uint8_t short_id_key[] = {0x90, 0x80, 0x12, 0x50, 0x2D, 0x01, 0x9D, 0x01, 0x2A};
  /* X with K only (a KEYIDX byte). */
  static const uint8_t k_key[] = {0x90, 0x10, 0x20, 0x50, 0x2D, 0x01, 0x9D, 0x01, 0x2A};
  uint8_t buf[sizeof ext_key];

  g_assert_true(vt_rtp_vp8_is_keyframe(VP8_KEY_PAYLOAD, sizeof VP8_KEY_PAYLOAD));
  g_assert_true(vt_rtp_vp8_is_keyframe(ext_key, sizeof ext_key));
  g_assert_true(vt_rtp_vp8_is_keyframe(short_id_key, sizeof short_id_key));
  g_assert_true(vt_rtp_vp8_is_keyframe(k_key, sizeof k_key));
  for (size_t len = 0; len < 7; len++)
    g_assert_false(vt_rtp_vp8_is_keyframe(VP8_KEY_PAYLOAD, len));
  for (size_t len = 0; len < 12; len++)
    g_assert_false(vt_rtp_vp8_is_keyframe(ext_key, len));
  g_assert_false(vt_rtp_vp8_is_keyframe(NULL, 0));

  memcpy(buf, VP8_KEY_PAYLOAD, sizeof VP8_KEY_PAYLOAD);
  buf[1] |= 0x01; /* P: interframe */
  g_assert_false(vt_rtp_vp8_is_keyframe(buf, sizeof VP8_KEY_PAYLOAD));
  memcpy(buf, VP8_KEY_PAYLOAD, sizeof VP8_KEY_PAYLOAD);
  buf[0] = 0x00; /* not the start of a partition */
  g_assert_false(vt_rtp_vp8_is_keyframe(buf, sizeof VP8_KEY_PAYLOAD));
  buf[0] = 0x11; /* start of partition 1 */
  g_assert_false(vt_rtp_vp8_is_keyframe(buf, sizeof VP8_KEY_PAYLOAD));
  memcpy(buf, VP8_KEY_PAYLOAD, sizeof VP8_KEY_PAYLOAD);
  buf[5] = 0x02; /* broken start code */
  g_assert_false(vt_rtp_vp8_is_keyframe(buf, sizeof VP8_KEY_PAYLOAD));
  memcpy(buf, ext_key, sizeof ext_key);
  buf[1] = 0x40; /* descriptor now L only: the frame tag is read elsewhere */
  g_assert_false(vt_rtp_vp8_is_keyframe(buf, sizeof ext_key));
}

static void test_h264_single_and_fu(void)
{
  static const struct {
    uint8_t bytes[3];
    bool keyframe;
  } cases[] = {
      {{0x65, 0x88}, true},        /* IDR slice */
      {{0x67, 0x42}, true},        /* SPS */
      {{0x68, 0xCE}, false},       /* PPS */
      {{0x41, 0x9A}, false},       /* P slice */
      {{0x06, 0x05}, false},       /* SEI */
      {{0x7C, 0x85, 0xB8}, true},  /* FU-A (NRI 3) starting an IDR slice */
      {{0x7C, 0x05, 0xB8}, false}, /* ... its middle */
      {{0x7C, 0x45, 0xB8}, false}, /* ... its end */
      {{0x5C, 0x81, 0x9A}, false}, /* FU-A starting a P slice */
  };
  uint32_t types = 0;

  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
    g_assert_true(vt_rtp_h264_is_keyframe(cases[i].bytes, 3) == cases[i].keyframe);
  g_assert_false(vt_rtp_h264_is_keyframe(NULL, 0));
  g_assert_cmpint(vt_rtp_h264_nal_types(BYTES(0x65), &types), ==, 0);
  g_assert_cmphex(types, ==, 1u << 5);
  g_assert_cmpint(vt_rtp_h264_nal_types(BYTES(0x7C), &types), ==, -EINVAL);
  g_assert_cmpint(vt_rtp_h264_nal_types(NULL, 0, &types), ==, -EINVAL);

  /* STAP-B (25), FU-B (29) and the reserved type 0 are not looked into. */
  g_assert_cmpint(vt_rtp_h264_nal_types(BYTES(0x19, 0, 0, 0, 1, 0x65), &types), ==, 0);
  g_assert_cmphex(types, ==, 0);
  g_assert_cmpint(vt_rtp_h264_nal_types(BYTES(0x7D, 0x85, 0, 0), &types), ==, 0);
  g_assert_cmphex(types, ==, 0);
  g_assert_cmpint(vt_rtp_h264_nal_types(BYTES(0x00, 0x65), &types), ==, 0);
  g_assert_cmphex(types, ==, 0);
}

static void test_h264_stap_a(void)
{
  /* SPS (4 bytes), PPS (2 bytes), IDR slice (3 bytes), as Chrome sends. */
  static const uint8_t stap[] = {0x78, 0x00, 0x04, 0x67, 0x42, 0xC0, 0x1F, 0x00,
                                 0x02, 0x68, 0xCE, 0x00, 0x03, 0x65, 0x88, 0x84};
  static const uint8_t sei_only[] = {0x78, 0x00, 0x02, 0x06, 0x05, 0x00, 0x01, 0x09};
  uint8_t buf[sizeof stap + 1];
  uint32_t types = 0;

  g_assert_cmpint(vt_rtp_h264_nal_types(stap, sizeof stap, &types), ==, 0);
  g_assert_cmphex(types, ==, 1u << 7 | 1u << 8 | 1u << 5);
  g_assert_true(vt_rtp_h264_is_keyframe(stap, sizeof stap));
  g_assert_false(vt_rtp_h264_is_keyframe(sei_only, sizeof sei_only));

  /* Every truncation is malformed except where the cut falls between units
   * (after the SPS, or after the PPS) and the rest still tiles exactly. */
  for (size_t len = 0; len < sizeof stap; len++) {
    int err = vt_rtp_h264_nal_types(stap, len, &types);

    if (len == 7 || len == 11) {
      g_assert_cmpint(err, ==, 0);
      g_assert_true(vt_rtp_h264_is_keyframe(stap, len)); /* the SPS */
    } else {
      g_assert_cmpint(err, ==, -EINVAL);
      g_assert_cmphex(types, ==, 0);
      g_assert_false(vt_rtp_h264_is_keyframe(stap, len));
    }
  }
  /* A stray byte after the last unit, a zero size, a size past the end. */
  memcpy(buf, stap, sizeof stap);
  buf[sizeof stap] = 0x00;
  g_assert_cmpint(vt_rtp_h264_nal_types(buf, sizeof buf, &types), ==, -EINVAL);
  memcpy(buf, stap, sizeof stap);
  buf[8] = 0x00;
  g_assert_cmpint(vt_rtp_h264_nal_types(buf, sizeof stap, &types), ==, -EINVAL);
  buf[8] = 0x09;
  g_assert_cmpint(vt_rtp_h264_nal_types(buf, sizeof stap, &types), ==, -EINVAL);
}

/* The parsed payload of a whole packet feeds the keyframe check. */
static void test_keyframe_from_packet(void)
{
  VtRtpHeader hdr;
  Pkt p;

  build_vp8_one_byte(&p);
  g_assert_cmpint(vt_rtp_parse(p.b, p.len, &hdr), ==, 0);
  g_assert_true(vt_rtp_vp8_is_keyframe(p.b + hdr.payload_offset, hdr.payload_len));
  build_two_byte(&p, 0x1000);
  g_assert_cmpint(vt_rtp_parse(p.b, p.len, &hdr), ==, 0);
  g_assert_true(vt_rtp_h264_is_keyframe(p.b + hdr.payload_offset, hdr.payload_len));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/rtp/demux/first-byte", test_demux_first_byte);
  g_test_add_func("/rtp/demux/rtcp", test_demux_rtcp);
  g_test_add_func("/rtp/parse/opus", test_parse_opus);
  g_test_add_func("/rtp/parse/csrc-ext-padding", test_parse_csrc_ext_padding);
  g_test_add_func("/rtp/parse/padding-only", test_parse_padding_only);
  g_test_add_func("/rtp/parse/reject-basic", test_parse_reject_basic);
  g_test_add_func("/rtp/parse/reject-size", test_parse_reject_size);
  g_test_add_func("/rtp/parse/reject-overruns", test_parse_reject_overruns);
  g_test_add_func("/rtp/parse/truncations", test_parse_truncations);
  g_test_add_func("/rtp/ext/one-byte", test_ext_one_byte);
  g_test_add_func("/rtp/ext/one-byte-id15-id0", test_ext_one_byte_id15_and_id0);
  g_test_add_func("/rtp/ext/one-byte-overrun", test_ext_one_byte_overrun);
  g_test_add_func("/rtp/ext/two-byte", test_ext_two_byte);
  g_test_add_func("/rtp/ext/two-byte-overrun", test_ext_two_byte_overrun);
  g_test_add_func("/rtp/ext/other-profile", test_ext_other_profile);
  g_test_add_func("/rtp/rewrite/fields", test_rewrite_fields);
  g_test_add_func("/rtp/rewrite/reject", test_rewrite_reject);
  g_test_add_func("/rtp/rewrite/remap-one-byte", test_remap_one_byte);
  g_test_add_func("/rtp/rewrite/remap-two-byte", test_remap_two_byte);
  g_test_add_func("/rtp/rewrite/remap-reject", test_remap_reject);
  g_test_add_func("/rtp/seq/compare", test_seq_compare);
  g_test_add_func("/rtp/seq/unwrap-wrap", test_seq_unwrap_wrap);
  g_test_add_func("/rtp/seq/unwrap-reorder", test_seq_unwrap_reorder);
  g_test_add_func("/rtp/seq/unwrap-window-edges", test_seq_unwrap_window_edges);
  g_test_add_func("/rtp/seq/unwrap-restart", test_seq_unwrap_restart);
  g_test_add_func("/rtp/ts/unwrap", test_ts_unwrap);
  g_test_add_func("/rtp/keyframe/vp8", test_vp8_keyframe);
  g_test_add_func("/rtp/keyframe/h264-single-fu", test_h264_single_and_fu);
  g_test_add_func("/rtp/keyframe/h264-stap-a", test_h264_stap_a);
  g_test_add_func("/rtp/keyframe/from-packet", test_keyframe_from_packet);

  return g_test_run();
}
