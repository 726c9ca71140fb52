/* libFuzzer target for relay/rtp.c: arbitrary bytes as a received datagram.
 *
 * Each input goes down the relay's packet path as far as it gets: demux,
 * parse, and for a packet that parses, a copy into a VT_RTP_MAX_PACKET buffer
 * (as the relay copies into a subscriber's buffer) that is rewritten field by
 * field and through two extension maps derived from the input, then parsed
 * again. Keyframe detection runs on the raw input and on the parsed payload,
 * and the input's bytes, read as 16-bit sequence numbers and 32-bit
 * timestamps, drive the unwrappers. Every invariant the header promises is
 * checked with abort(), so a broken promise is a crash the fuzzer reports. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      abort();                                                                                     \
  } while (0)

/* Everything vt_rtp_parse promises about a header it accepted. */
static void check_header(const VtRtpHeader *hdr, size_t len)
{
  size_t fixed = VT_RTP_HEADER_LEN + 4 * (size_t)hdr->csrc_count;

  CHECK(len <= VT_RTP_MAX_PACKET);
  CHECK(hdr->payload_offset + hdr->payload_len + hdr->padding_len == len);
  CHECK(hdr->payload_offset >= fixed);
  CHECK(hdr->payload_type < 128 && (hdr->payload_type < 64 || hdr->payload_type > 95));
  CHECK(hdr->csrc_count <= VT_RTP_MAX_CSRC);
  CHECK(hdr->padding || hdr->padding_len == 0);
  CHECK(!hdr->padding || hdr->padding_len > 0);
  if (!hdr->extension) {
    CHECK(hdr->ext_form == VT_RTP_EXT_NONE && hdr->ext_len == 0);
    CHECK(hdr->payload_offset == fixed);
    return;
  }
  CHECK(hdr->ext_form != VT_RTP_EXT_NONE);
  CHECK(hdr->ext_offset == fixed + 4);
  CHECK(hdr->ext_len % 4 == 0);
  CHECK(hdr->ext_offset + hdr->ext_len == hdr->payload_offset);
}

/* Walks the elements, checking each lies in the block and has a legal id;
 * returns how many there are. */
static size_t check_elements(const uint8_t *buf, size_t len, const VtRtpHeader *hdr)
{
  VtRtpExtElement el, found;
  VtRtpExtIter it;
  size_t n = 0;

  vt_rtp_ext_iter_init(&it, buf, len, hdr);
  while (vt_rtp_ext_iter_next(&it, &el)) {
    CHECK(el.offset >= hdr->ext_offset);
    CHECK(el.offset + el.len <= hdr->ext_offset + hdr->ext_len);
    CHECK(el.id != 0);
    if (hdr->ext_form == VT_RTP_EXT_ONE_BYTE)
      CHECK(el.id <= 14 && el.len >= 1 && el.len <= 16);
    else
      CHECK(hdr->ext_form == VT_RTP_EXT_TWO_BYTE);
    /* The first element with an id is the one find returns. */
    CHECK(vt_rtp_ext_find(buf, len, hdr, el.id, &found) == 0);
    CHECK(found.offset <= el.offset);
    n++;
  }
  CHECK(n <= hdr->ext_len);
  return n;
}

/* Remaps through map: either the whole packet is rewritten and still parses
 * to the same layout, or (-ERANGE) nothing changed. */
static void check_remap(uint8_t *pkt, size_t len, const VtRtpHeader *hdr, const VtRtpExtMap *map)
{
  static uint8_t before[VT_RTP_MAX_PACKET];
  VtRtpHeader again;
  size_t n_before = check_elements(pkt, len, hdr);
  int err;

  memcpy(before, pkt, len);
  err = vt_rtp_ext_remap(pkt, len, hdr, map);
  if (err != 0) {
    CHECK(err == -ERANGE || (err == -EOPNOTSUPP && hdr->ext_form == VT_RTP_EXT_OTHER));
    CHECK(memcmp(before, pkt, len) == 0);
    return;
  }
  CHECK(vt_rtp_parse(pkt, len, &again) == 0);
  check_header(&again, len);
  CHECK(again.ext_offset == hdr->ext_offset && again.ext_len == hdr->ext_len);
  CHECK(again.payload_offset == hdr->payload_offset);
  /* Only the extension block may change. */
  CHECK(memcmp(before, pkt, hdr->ext_offset) == 0);
  CHECK(memcmp(before + hdr->payload_offset, pkt + hdr->payload_offset,
               len - hdr->payload_offset) == 0);
  CHECK(check_elements(pkt, len, &again) <= n_before);
}

static void check_rewrite(uint8_t *pkt, size_t len, const VtRtpHeader *hdr)
{
  VtRtpHeader again;
  uint8_t pt = (uint8_t)(hdr->payload_type ^ 0x01); /* stays outside 64..95 */

  CHECK(vt_rtp_set_ssrc(pkt, len, ~hdr->ssrc) == 0);
  CHECK(vt_rtp_set_seq(pkt, len, (uint16_t)(hdr->seq + 1)) == 0);
  CHECK(vt_rtp_set_timestamp(pkt, len, hdr->timestamp + 90000) == 0);
  CHECK(vt_rtp_set_payload_type(pkt, len, pt) == 0);
  CHECK(vt_rtp_set_payload_type(pkt, len, 64) == -EINVAL);
  CHECK(vt_rtp_parse(pkt, len, &again) == 0);
  check_header(&again, len);
  CHECK(again.ssrc == ~hdr->ssrc && again.seq == (uint16_t)(hdr->seq + 1));
  CHECK(again.timestamp == hdr->timestamp + 90000 && again.payload_type == pt);
  CHECK(again.marker == hdr->marker && again.payload_offset == hdr->payload_offset);
}

static void check_keyframes(const uint8_t *payload, size_t len)
{
  uint32_t types = 0xFFFFFFFF;
  int err = vt_rtp_h264_nal_types(payload, len, &types);

  CHECK(err == 0 || (err == -EINVAL && types == 0));
  CHECK(vt_rtp_h264_is_keyframe(payload, len) == (err == 0 && (types & (1u << 5 | 1u << 7))));
  (void)vt_rtp_vp8_is_keyframe(payload, len);
}

/* The input as a stream of sequence numbers and timestamps. */
static void check_unwrappers(const uint8_t *data, size_t size)
{
  VtSeqUnwrapper seq;
  VtTsUnwrapper ts;

  vt_seq_unwrapper_init(&seq);
  vt_ts_unwrapper_init(&ts);
  for (size_t i = 0; i + 4 <= size; i += 4) {
    uint16_t s = (uint16_t)(data[i] << 8 | data[i + 1]);
    uint32_t t = (uint32_t)data[i] << 24 | (uint32_t)data[i + 1] << 16 |
                 (uint32_t)data[i + 2] << 8 | data[i + 3];
    int64_t max_before = seq.max_ext, ts_before = ts.max_ext, ext = 0, ts_ext;
    int err = vt_seq_unwrap(&seq, s, &ext);

    CHECK(i == 0 || seq.max_ext >= max_before);
    if (err == 0)
      CHECK(ext <= seq.max_ext && ext >= seq.max_ext - VT_SEQ_MAX_MISORDER);
    else
      CHECK(err == -ERANGE && ext == seq.max_ext + 1 && seq.max_ext == max_before);
    ts_ext = vt_ts_unwrap(&ts, t);
    CHECK((uint32_t)ts_ext == t && ts.max_ext >= (i == 0 ? ts_ext : ts_before));
    CHECK(i == 0 || (ts_ext - ts_before <= INT32_MAX && ts_before - ts_ext <= INT32_MAX + 1LL));
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static uint8_t pkt[VT_RTP_MAX_PACKET];
  VtRtpExtMap map;
  VtRtpHeader hdr;
  int err;

  (void)vt_rtp_demux(size > 0 ? data[0] : 0);
  (void)vt_rtp_is_rtcp(data, size);
  check_keyframes(data, size);
  check_unwrappers(data, size);

  err = vt_rtp_parse(data, size, &hdr);
  if (err != 0) {
    CHECK(err == -EINVAL || (err == -EMSGSIZE && size > VT_RTP_MAX_PACKET));
    return 0;
  }
  check_header(&hdr, size);
  CHECK(!vt_rtp_is_rtcp(data, size));
  check_keyframes(data + hdr.payload_offset, hdr.payload_len);

  /* First a map straight from the input (ids of any size, so one-byte
   * packets often get -ERANGE), then one that always fits the form. */
  memcpy(pkt, data, size);
  for (size_t i = 0; i < sizeof map.to; i++)
    map.to[i] = data[(i * 7 + 3) % size];
  check_remap(pkt, size, &hdr, &map);
  for (size_t i = 0; i < sizeof map.to; i++)
    map.to[i] = (uint8_t)(map.to[i] % 15);
  check_remap(pkt, size, &hdr, &map);
  check_rewrite(pkt, size, &hdr);
  return 0;
}
