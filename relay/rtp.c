/* RTP header parsing, rewriting and sequence arithmetic for the relay's
 * packet path (see rtp.h for the contracts).
 *
 * Every read is preceded by a check that the bytes are there, written as
 * "wanted > len - pos" with pos <= len known, so that no addition can wrap.
 * Fields are taken apart with shifts and masks; nothing is cast onto the
 * buffer. The one-byte and two-byte extension forms share a single element
 * walker (ext_next) so that the parser, the iterator and the remapper can
 * never disagree about where elements are. */
#include "relay/rtp.h"

#include <errno.h>
#include <string.h>

#define RTP_VERSION 2
#define EXT_PROFILE_ONE_BYTE 0xBEDE
#define EXT_PROFILE_TWO_BYTE 0x1000 /* the low 4 bits are "appbits" */
#define EXT_ONE_BYTE_MAX_ID 14
#define EXT_ONE_BYTE_STOP_ID 15 /* RFC 8285 4.2: reserved, ends processing */

static uint16_t rd16(const uint8_t *p)
{
  return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* RTCP packet types 192..223 seen through an RTP header's marker/PT byte. */
static bool is_rtcp_payload_type(uint8_t pt)
{
  return pt >= 64 && pt <= 95;
}

/* ---- demultiplexing ---- */

VtRtpDemux vt_rtp_demux(uint8_t first_byte)
{
  if (first_byte <= 3)
    return VT_RTP_DEMUX_STUN;
  if (first_byte >= 20 && first_byte <= 63)
    return VT_RTP_DEMUX_DTLS;
  if (first_byte >= 128 && first_byte <= 191)
    return VT_RTP_DEMUX_MEDIA;
  return VT_RTP_DEMUX_OTHER;
}

bool vt_rtp_is_rtcp(const uint8_t *buf, size_t len)
{
  if (buf == NULL || len < 2)
    return false;
  return is_rtcp_payload_type(buf[1] & 0x7F);
}

/* ---- extension elements ---- */

/* Reads the element at *pos in a block ending at end, after skipping padding.
 * Padding is a zero byte in the two-byte form; in the one-byte form any byte
 * with id 0, as id 0 may not name an element and libwebrtc skips such bytes
 * the same way. Returns 1 with *el filled and *pos moved past the element;
 * 0 at the end of the block or at a one-byte id 15 (*pos is then end, so the
 * walk stays ended); -EINVAL if the element runs past end. */
static int ext_next(const uint8_t *buf, size_t *pos, size_t end, bool two_byte, VtRtpExtElement *el)
{
  size_t p = *pos;
  size_t head, data;
  uint8_t id;

  while (p < end && (two_byte ? buf[p] : buf[p] >> 4) == 0)
    p++;
  if (p >= end) {
    *pos = end;
    return 0;
  }
  if (two_byte) {
    if (G_UNLIKELY(end - p < 2))
      return -EINVAL;
    id = buf[p];
    head = 2;
    data = buf[p + 1];
  } else {
    id = buf[p] >> 4;
    if (id == EXT_ONE_BYTE_STOP_ID) {
      *pos = end;
      return 0;
    }
    head = 1;
    data = (size_t)(buf[p] & 0x0F) + 1;
  }
  if (G_UNLIKELY(data > end - p - head))
    return -EINVAL;
  el->id = id;
  el->offset = p + head;
  el->len = data;
  *pos = p + head + data;
  return 1;
}

/* True if hdr's RFC 8285 block lies inside buf and buf still carries the
 * profile hdr was parsed with: the rewriters take both from the caller and
 * trust neither to match the other. */
static bool ext_block_matches(const uint8_t *buf, size_t len, const VtRtpHeader *hdr)
{
  if (hdr->ext_form != VT_RTP_EXT_ONE_BYTE && hdr->ext_form != VT_RTP_EXT_TWO_BYTE)
    return false;
  if (hdr->ext_offset < VT_RTP_HEADER_LEN + 4 || hdr->ext_offset > len ||
      hdr->ext_len > len - hdr->ext_offset)
    return false;
  return rd16(buf + hdr->ext_offset - 4) == hdr->ext_profile;
}

static VtRtpExtForm ext_form_of(uint16_t profile)
{
  if (profile == EXT_PROFILE_ONE_BYTE)
    return VT_RTP_EXT_ONE_BYTE;
  if ((profile & 0xFFF0) == EXT_PROFILE_TWO_BYTE)
    return VT_RTP_EXT_TWO_BYTE;
  return VT_RTP_EXT_OTHER;
}

void vt_rtp_ext_iter_init(VtRtpExtIter *it, const uint8_t *buf, size_t len, const VtRtpHeader *hdr)
{
  g_return_if_fail(it != NULL && hdr != NULL);

  it->buf = buf;
  it->pos = 0;
  it->end = 0;
  it->two_byte = hdr->ext_form == VT_RTP_EXT_TWO_BYTE;
  if (buf != NULL && ext_block_matches(buf, len, hdr)) {
    it->pos = hdr->ext_offset;
    it->end = hdr->ext_offset + hdr->ext_len;
  }
}

bool vt_rtp_ext_iter_next(VtRtpExtIter *it, VtRtpExtElement *el)
{
  g_return_val_if_fail(it != NULL && el != NULL, false);

  if (ext_next(it->buf, &it->pos, it->end, it->two_byte, el) > 0)
    return true;
  it->pos = it->end;
  return false;
}

int vt_rtp_ext_find(const uint8_t *buf, size_t len, const VtRtpHeader *hdr, uint8_t id,
                    VtRtpExtElement *el)
{
  VtRtpExtIter it;

  g_return_val_if_fail(el != NULL, -EINVAL);

  vt_rtp_ext_iter_init(&it, buf, len, hdr);
  while (vt_rtp_ext_iter_next(&it, el)) {
    if (el->id == id)
      return 0;
  }
  return -ENOENT;
}

/* ---- parsing ---- */

/* Reads the extension block at *pos (the X bit is set) and moves *pos past
 * it. RFC 8285 blocks are walked to the end so that a packet with an element
 * overrunning its block is refused here, not discovered by a later reader. */
static int parse_extension(const uint8_t *buf, size_t len, size_t *pos, VtRtpHeader *hdr)
{
  VtRtpExtElement el;
  size_t words, walk, end;
  int r;

  if (G_UNLIKELY(len - *pos < 4))
    return -EINVAL;
  hdr->ext_profile = rd16(buf + *pos);
  words = rd16(buf + *pos + 2);
  *pos += 4;
  if (G_UNLIKELY(words * 4 > len - *pos))
    return -EINVAL;
  hdr->ext_form = ext_form_of(hdr->ext_profile);
  hdr->ext_offset = *pos;
  hdr->ext_len = words * 4;
  *pos += hdr->ext_len;
  if (hdr->ext_form == VT_RTP_EXT_OTHER)
    return 0;

  walk = hdr->ext_offset;
  end = hdr->ext_offset + hdr->ext_len;
  while ((r = ext_next(buf, &walk, end, hdr->ext_form == VT_RTP_EXT_TWO_BYTE, &el)) > 0)
    ;
  return r;
}

/* Sets the payload and padding from the end of the header at pos. The count
 * byte counts itself (RFC 3550 5.1), so 0 is malformed, and the padding may
 * take the whole payload (padding-only probes) but no header byte. */
static int parse_padding(const uint8_t *buf, size_t len, size_t pos, VtRtpHeader *hdr)
{
  size_t rest = len - pos;

  hdr->payload_offset = pos;
  hdr->padding_len = 0;
  if (hdr->padding) {
    if (G_UNLIKELY(rest == 0))
      return -EINVAL;
    hdr->padding_len = buf[len - 1];
    if (G_UNLIKELY(hdr->padding_len == 0 || hdr->padding_len > rest))
      return -EINVAL;
  }
  hdr->payload_len = rest - hdr->padding_len;
  return 0;
}

int vt_rtp_parse(const uint8_t *buf, size_t len, VtRtpHeader *hdr)
{
  size_t pos = VT_RTP_HEADER_LEN;
  int err;

  g_return_val_if_fail(hdr != NULL, -EINVAL);
  g_return_val_if_fail(buf != NULL || len == 0, -EINVAL);

  if (G_UNLIKELY(len > VT_RTP_MAX_PACKET))
    return -EMSGSIZE;
  if (G_UNLIKELY(len < VT_RTP_HEADER_LEN || buf[0] >> 6 != RTP_VERSION))
    return -EINVAL;
  hdr->padding = (buf[0] & 0x20) != 0;
  hdr->extension = (buf[0] & 0x10) != 0;
  hdr->csrc_count = buf[0] & 0x0F;
  hdr->marker = (buf[1] & 0x80) != 0;
  hdr->payload_type = buf[1] & 0x7F;
  /* On an rtcp-mux transport this is RTCP; read as RTP it would be garbage. */
  if (G_UNLIKELY(is_rtcp_payload_type(hdr->payload_type)))
    return -EINVAL;
  hdr->seq = rd16(buf + 2);
  hdr->timestamp = rd32(buf + 4);
  hdr->ssrc = rd32(buf + 8);

  if (G_UNLIKELY((size_t)hdr->csrc_count * 4 > len - pos))
    return -EINVAL;
  for (unsigned i = 0; i < hdr->csrc_count; i++, pos += 4)
    hdr->csrc[i] = rd32(buf + pos);

  hdr->ext_form = VT_RTP_EXT_NONE;
  hdr->ext_profile = 0;
  hdr->ext_offset = 0;
  hdr->ext_len = 0;
  if (hdr->extension && (err = parse_extension(buf, len, &pos, hdr)) < 0)
    return err;
  return parse_padding(buf, len, pos, hdr);
}

/* ---- rewriting ---- */

static bool is_rtp_header(const uint8_t *buf, size_t len)
{
  return buf != NULL && len >= VT_RTP_HEADER_LEN && buf[0] >> 6 == RTP_VERSION;
}

int vt_rtp_set_ssrc(uint8_t *buf, size_t len, uint32_t ssrc)
{
  if (G_UNLIKELY(!is_rtp_header(buf, len)))
    return -EINVAL;
  wr32(buf + 8, ssrc);
  return 0;
}

int vt_rtp_set_seq(uint8_t *buf, size_t len, uint16_t seq)
{
  if (G_UNLIKELY(!is_rtp_header(buf, len)))
    return -EINVAL;
  wr16(buf + 2, seq);
  return 0;
}

int vt_rtp_set_timestamp(uint8_t *buf, size_t len, uint32_t timestamp)
{
  if (G_UNLIKELY(!is_rtp_header(buf, len)))
    return -EINVAL;
  wr32(buf + 4, timestamp);
  return 0;
}

int vt_rtp_set_payload_type(uint8_t *buf, size_t len, uint8_t payload_type)
{
  if (G_UNLIKELY(!is_rtp_header(buf, len)))
    return -EINVAL;
  if (G_UNLIKELY(payload_type > 127 || is_rtcp_payload_type(payload_type)))
    return -EINVAL;
  buf[1] = (uint8_t)((buf[1] & 0x80) | payload_type);
  return 0;
}

/* One walk of vt_rtp_ext_remap: checks every element (write false) or
 * rewrites it (write true). The walker only reads ahead of the element it
 * returned, so rewriting behind it cannot change what comes next, and the
 * second walk sees the elements the first one approved. */
static int remap_walk(uint8_t *buf, const VtRtpHeader *hdr, const VtRtpExtMap *map, bool write)
{
  bool two_byte = hdr->ext_form == VT_RTP_EXT_TWO_BYTE;
  size_t head = two_byte ? 2 : 1;
  size_t pos = hdr->ext_offset;
  size_t end = hdr->ext_offset + hdr->ext_len;
  VtRtpExtElement el;
  int r;

  while ((r = ext_next(buf, &pos, end, two_byte, &el)) > 0) {
    uint8_t to = map->to[el.id];
    size_t start = el.offset - head;

    if (!two_byte && to > EXT_ONE_BYTE_MAX_ID)
      return -ERANGE;
    if (!write)
      continue;
    if (to == 0)
      memset(buf + start, 0, head + el.len);
    else if (two_byte)
      buf[start] = to;
    else
      buf[start] = (uint8_t)(to << 4 | (buf[start] & 0x0F));
  }
  return r;
}

int vt_rtp_ext_remap(uint8_t *buf, size_t len, const VtRtpHeader *hdr, const VtRtpExtMap *map)
{
  int err;

  g_return_val_if_fail(hdr != NULL && map != NULL, -EINVAL);

  if (hdr->ext_form == VT_RTP_EXT_NONE)
    return 0;
  if (hdr->ext_form == VT_RTP_EXT_OTHER)
    return -EOPNOTSUPP;
  if (G_UNLIKELY(buf == NULL || !ext_block_matches(buf, len, hdr)))
    return -EINVAL;
  /* Check everything first so that a failure leaves the packet as it was. */
  err = remap_walk(buf, hdr, map, false);
  if (err < 0)
    return err;
  return remap_walk(buf, hdr, map, true);
}

/* ---- sequence numbers and timestamps ---- */

int32_t vt_seq_delta(uint16_t a, uint16_t b)
{
  uint16_t d = (uint16_t)(a - b);

  /* Spelled out: converting an out-of-range value to int16_t is
   * implementation-defined. */
  return d < 0x8000 ? (int32_t)d : (int32_t)d - 0x10000;
}

bool vt_seq_newer(uint16_t a, uint16_t b)
{
  uint16_t d = (uint16_t)(a - b);

  if (d == 0x8000)
    return a > b;
  return d != 0 && d < 0x8000;
}

int64_t vt_ts_delta(uint32_t a, uint32_t b)
{
  uint32_t d = a - b;

  return d < 0x80000000u ? (int64_t)d : (int64_t)d - INT64_C(0x100000000);
}

bool vt_ts_newer(uint32_t a, uint32_t b)
{
  uint32_t d = a - b;

  if (d == 0x80000000u)
    return a > b;
  return d != 0 && d < 0x80000000u;
}

void vt_seq_unwrapper_init(VtSeqUnwrapper *u)
{
  g_return_if_fail(u != NULL);
  memset(u, 0, sizeof *u);
}

int vt_seq_unwrap(VtSeqUnwrapper *u, uint16_t seq, int64_t *ext)
{
  int32_t d;

  g_return_val_if_fail(u != NULL && ext != NULL, -EINVAL);

  if (!u->started) {
    u->started = true;
    u->probation = false;
    u->max_seq = seq;
    u->max_ext = seq;
    *ext = seq;
    return 0;
  }
  d = vt_seq_delta(seq, u->max_seq);
  if (d >= -VT_SEQ_MAX_MISORDER && d <= VT_SEQ_MAX_DROPOUT) {
    /* In the window: any suspected restart was a stray packet. */
    u->probation = false;
    *ext = u->max_ext + d;
    if (d > 0) {
      u->max_ext = *ext;
      u->max_seq = seq;
    }
    return 0;
  }
  if (u->probation) {
    d = vt_seq_delta(seq, u->probation_seq);
    if (d > 0 && d <= VT_SEQ_MAX_DROPOUT) {
      u->probation = false;
      u->max_ext = u->probation_ext + d;
      u->max_seq = seq;
      *ext = u->max_ext;
      return 0;
    }
  }
  u->probation = true;
  u->probation_seq = seq;
  u->probation_ext = u->max_ext + 1;
  *ext = u->probation_ext;
  return -ERANGE;
}

void vt_ts_unwrapper_init(VtTsUnwrapper *u)
{
  g_return_if_fail(u != NULL);
  memset(u, 0, sizeof *u);
}

int64_t vt_ts_unwrap(VtTsUnwrapper *u, uint32_t ts)
{
  int64_t ext;

  g_return_val_if_fail(u != NULL, 0);

  if (!u->started) {
    u->started = true;
    u->max_ts = ts;
    u->max_ext = ts;
    return ts;
  }
  ext = u->max_ext + vt_ts_delta(ts, u->max_ts);
  if (ext > u->max_ext) {
    u->max_ext = ext;
    u->max_ts = ts;
  }
  return ext;
}

/* ---- keyframes ---- */

/* The VP8 payload descriptor (RFC 7741 4.2): X|R|N|S|R|PID, then with X an
 * I|L|T|K byte announcing a 7- or 15-bit PictureID, a TL0PICIDX byte and a
 * TID/Y/KEYIDX byte. */
#define VP8_X 0x80
#define VP8_S 0x10
#define VP8_PID 0x07
#define VP8_I 0x80
#define VP8_L 0x40
#define VP8_TK 0x30
#define VP8_PICTURE_ID_LONG 0x80
/* The VP8 frame tag (RFC 6386 9.1) is 3 bytes; a key frame follows it with
 * the start code 9d 01 2a, which makes a false positive on a corrupt or
 * misclassified payload much less likely than the P bit alone. */
#define VP8_KEYFRAME_MIN 6

bool vt_rtp_vp8_is_keyframe(const uint8_t *payload, size_t len)
{
  size_t pos = 1;

  if (payload == NULL || len < 1)
    return false;
  if ((payload[0] & VP8_S) == 0 || (payload[0] & VP8_PID) != 0)
    return false;
  if (payload[0] & VP8_X) {
    uint8_t x;

    if (len < 2)
      return false;
    x = payload[1];
    pos = 2;
    if (x & VP8_I) {
      if (pos >= len)
        return false;
      pos += (payload[pos] & VP8_PICTURE_ID_LONG) ? 2 : 1;
    }
    if (x & VP8_L)
      pos++;
    if (x & VP8_TK)
      pos++;
  }
  if (pos > len || len - pos < VP8_KEYFRAME_MIN)
    return false;
  if (payload[pos] & 0x01) /* P: 1 = interframe */
    return false;
  return payload[pos + 3] == 0x9d && payload[pos + 4] == 0x01 && payload[pos + 5] == 0x2a;
}

#define H264_STAP_A 24
#define H264_FU_A 28
#define H264_FU_START 0x80
#define H264_TYPE(b) ((b)&0x1F)

/* Aggregation packet: the STAP-A NAL header, then units each preceded by a
 * 16-bit size (RFC 6184 5.7.1). Sizes must tile the payload exactly. */
static int stap_a_types(const uint8_t *payload, size_t len, uint32_t *types)
{
  uint32_t mask = 0;
  size_t pos = 1;

  if (len < 2)
    return -EINVAL;
  while (pos < len) {
    size_t size;

    if (len - pos < 2)
      return -EINVAL;
    size = rd16(payload + pos);
    pos += 2;
    if (size == 0 || size > len - pos)
      return -EINVAL;
    mask |= UINT32_C(1) << H264_TYPE(payload[pos]);
    pos += size;
  }
  *types = mask;
  return 0;
}

int vt_rtp_h264_nal_types(const uint8_t *payload, size_t len, uint32_t *types)
{
  uint8_t type;

  g_return_val_if_fail(types != NULL, -EINVAL);

  *types = 0;
  if (payload == NULL || len < 1)
    return -EINVAL;
  type = H264_TYPE(payload[0]);
  if (type >= 1 && type <= 23) {
    *types = UINT32_C(1) << type;
    return 0;
  }
  if (type == H264_STAP_A)
    return stap_a_types(payload, len, types);
  if (type == H264_FU_A) {
    if (len < 2)
      return -EINVAL;
    if (payload[1] & H264_FU_START)
      *types = UINT32_C(1) << H264_TYPE(payload[1]);
    return 0;
  }
  return 0;
}

bool vt_rtp_h264_is_keyframe(const uint8_t *payload, size_t len)
{
  uint32_t types;

  if (vt_rtp_h264_nal_types(payload, len, &types) < 0)
    return false;
  return (types & (UINT32_C(1) << VT_H264_NAL_IDR | UINT32_C(1) << VT_H264_NAL_SPS)) != 0;
}
