/* The per-packet path: a publisher's clear RTP to every subscriber of the
 * track, retransmissions from the cache, keyframe requests upstream.
 *
 * Per packet: parse, find the track by SSRC (or its RTX SSRC, unwrapping RFC
 * 4588), check the payload type, note sequence and loss, cache video, then
 * for each subscriber slot copy into the room's scratch buffer, rewrite SSRC,
 * payload type and extension ids, protect and send. No allocation, no lock:
 * the room lives on one thread. */
#include "relay/media-priv.h"

#include <string.h>

#include "relay/rtcp.h"

#define RTX_OSN_LEN 2 /* RFC 4588: the original sequence number */
/* A keyframe replayed to a new subscriber: at most this old, and at most
 * this many packets from its start to the newest (a burst the subscriber's
 * link takes at once). The age covers Chromium's 300 ms after a keyframe it
 * made on request, in which it ignores new requests: asking then would cost
 * the 200 ms until the relay's repeat. Measured in Chromium receiving such a
 * burst: its jitter buffer held frames no longer than without (under 50 ms,
 * settling within half a second), so the replay adds no lasting delay. */
#define REPLAY_MAX_AGE_US (350 * 1000)
#define REPLAY_MAX_PACKETS 128

static VtPubTrack *track_by_mid(VtMediaPeer *p, const uint8_t *buf, size_t len,
                                const VtRtpHeader *h)
{
  for (guint i = 0; i < p->n_tracks; i++) {
    VtPubTrack *t = p->tracks[i];
    guint8 id = t->ext_ids[VT_SDP_EXT_MID];
    VtRtpExtElement el;
    if (t->ssrc != 0 || id == 0 || vt_rtp_ext_find(buf, len, h, id, &el) < 0)
      continue;
    if (el.len == strlen(t->mid) && memcmp(buf + el.offset, t->mid, el.len) == 0)
      return t;
  }
  return NULL;
}

/* The track a packet belongs to; *rtx is set for its retransmission stream.
 * A track announced without a=ssrc learns its SSRC from the MID extension. */
static VtPubTrack *find_track(VtMediaPeer *p, const uint8_t *buf, size_t len,
                              const VtRtpHeader *h, gboolean *rtx)
{
  for (guint i = 0; i < p->n_tracks; i++) {
    VtPubTrack *t = p->tracks[i];
    if (t->ssrc == h->ssrc) {
      *rtx = FALSE;
      return t;
    }
    if (t->rtx_ssrc != 0 && t->rtx_ssrc == h->ssrc) {
      *rtx = TRUE;
      return t;
    }
  }
  VtPubTrack *t = track_by_mid(p, buf, len, h);
  if (t && h->payload_type == t->codec.pt) {
    t->ssrc = h->ssrc;
    t->stats.ssrc = h->ssrc;
    *rtx = FALSE;
    return t;
  }
  return NULL;
}

/* Turns an RTX packet back into the original in place (payload moves left
 * over the OSN). Returns the new length, 0 if it is not a valid RTX packet. */
static size_t unwrap_rtx(VtPubTrack *t, uint8_t *buf, size_t len, VtRtpHeader *h)
{
  if (h->payload_type != t->codec.rtx_pt || h->payload_len < RTX_OSN_LEN || h->padding)
    return 0;
  size_t off = h->payload_offset;
  guint16 osn = (guint16)(buf[off] << 8 | buf[off + 1]);
  memmove(buf + off, buf + off + RTX_OSN_LEN, h->payload_len - RTX_OSN_LEN);
  len -= RTX_OSN_LEN;
  vt_rtp_set_seq(buf, len, osn);
  vt_rtp_set_ssrc(buf, len, t->ssrc);
  vt_rtp_set_payload_type(buf, len, t->codec.pt);
  return vt_rtp_parse(buf, len, h) == 0 ? len : 0;
}

static gboolean starts_keyframe(const VtPubTrack *t, const uint8_t *buf, const VtRtpHeader *h)
{
  const uint8_t *payload = buf + h->payload_offset;
  if (t->codec.id == VT_SDP_CODEC_VP8)
    return vt_rtp_vp8_is_keyframe(payload, h->payload_len);
  if (t->codec.id == VT_SDP_CODEC_H264)
    return vt_rtp_h264_is_keyframe(payload, h->payload_len);
  return TRUE;
}

/* Copies the packet into the scratch buffer rewritten for the slot. Returns
 * the length, 0 if the packet cannot be rewritten. */
static size_t rewrite(VtSubSlot *slot, uint8_t *out, const uint8_t *buf, size_t len,
                      const VtRtpHeader *h)
{
  memcpy(out, buf, len);
  vt_rtp_set_ssrc(out, len, slot->ssrc);
  vt_rtp_set_payload_type(out, len, slot->pt);
  if (h->extension && vt_rtp_ext_remap(out, len, h, &slot->ext) < 0)
    return 0;
  return len;
}

static void send_to_slot(VtSubSlot *slot, uint8_t *scratch, const uint8_t *buf, size_t len,
                         const VtRtpHeader *h, gboolean keyframe)
{
  VtMediaTransport *sub = slot->subscriber->sub;
  if (!slot->accepted || !sub || !vt_transport_is_up(sub))
    return;
  if (slot->need_keyframe) {
    if (!keyframe)
      return; /* a decoder cannot start on a delta frame */
    slot->need_keyframe = FALSE;
  }
  size_t n = rewrite(slot, scratch, buf, len, h);
  if (n == 0 || vt_transport_send_rtp(sub, scratch, n, VT_TRANSPORT_BUF_SIZE) < 0)
    return;
  slot->packets++;
  slot->octets += (guint32)h->payload_len;
}

static void deliver(VtPubTrack *t, uint8_t *buf, size_t len, const VtRtpHeader *h, gint64 now)
{
  gboolean keyframe = t->kind == VT_SDP_KIND_VIDEO && starts_keyframe(t, buf, h);
  if (keyframe) {
    vt_keyframe_pacer_keyframe(&t->keyframes, now);
    t->keyframe_seen = TRUE;
    t->keyframe_seq = h->seq;
  }
  uint8_t *scratch = t->owner->room->scratch;
  for (guint i = 0; i < t->slots->len; i++)
    send_to_slot(g_ptr_array_index(t->slots, i), scratch, buf, len, h, keyframe);
  for (guint i = 0; i < t->taps->len; i++) {
    VtTap *tap = &g_array_index(t->taps, VtTap, i);
    tap->fn(tap->data, buf, len);
  }
}

/* For transport-wide feedback: every packet that carries the number counts,
 * retransmissions and the publisher's padding-only probes too. */
static void note_arrival(VtMediaPeer *p, const VtPubTrack *t, const uint8_t *buf, size_t len,
                         const VtRtpHeader *h, gint64 now_us)
{
  guint8 id = t->ext_ids[VT_SDP_EXT_TWCC];
  VtRtpExtElement el;
  if (!p->twcc || id == 0 || vt_rtp_ext_find(buf, len, h, id, &el) < 0 || el.len != 2)
    return;
  guint16 seq = (guint16)(buf[el.offset] << 8 | buf[el.offset + 1]);
  if (vt_twcc_on_packet(p->twcc, seq, now_us))
    vt_feedback_send_twcc(p, now_us);
}

void vt_forward_publisher_rtp(VtMediaPeer *p, uint8_t *buf, size_t len, gint64 now_us)
{
  VtRtpHeader h;
  gboolean rtx = FALSE;
  if (G_UNLIKELY(vt_rtp_parse(buf, len, &h) < 0))
    return;
  VtPubTrack *t = find_track(p, buf, len, &h, &rtx);
  if (G_UNLIKELY(t == NULL))
    return; /* an SSRC the offer did not announce */
  note_arrival(p, t, buf, len, &h, now_us);
  if (rtx) {
    len = unwrap_rtx(t, buf, len, &h);
    if (len == 0 || h.payload_len == 0) {
      t->dropped++; /* padding-only RTX is bandwidth probing */
      return;
    }
  } else if (G_UNLIKELY(h.payload_type != t->codec.pt)) {
    t->dropped++;
    return;
  }
  int64_t ext;
  if (vt_seq_unwrap(&t->seq, h.seq, &ext) < 0) {
    t->dropped++;
    return;
  }
  t->packets++;
  if (!rtx)
    vt_rtcp_recv_stats_update(&t->stats, (uint32_t)ext, h.timestamp, now_us);
  if (t->kind == VT_SDP_KIND_VIDEO) {
    vt_loss_tracker_on_packet(t->loss, h.seq, now_us);
    vt_rtx_cache_put(t->cache, buf, len, h.seq, now_us);
  }
  if (h.payload_len == 0)
    return; /* padding only: nothing for subscribers */
  deliver(t, buf, len, &h, now_us);
}

/* ---- retransmission ----------------------------------------------------------- */

/* RFC 4588: the RTX packet is the original header (new SSRC, payload type and
 * sequence number) followed by the original sequence number and payload. */
static size_t build_rtx(VtSubSlot *slot, uint8_t *out, const uint8_t *pkt, size_t len,
                        const VtRtpHeader *h)
{
  size_t n = rewrite(slot, out, pkt, len, h);
  if (n == 0 || n + RTX_OSN_LEN > VT_RTP_MAX_PACKET)
    return 0;
  size_t off = h->payload_offset;
  size_t payload = h->payload_len;
  memmove(out + off + RTX_OSN_LEN, out + off, payload);
  out[off] = (uint8_t)(h->seq >> 8);
  out[off + 1] = (uint8_t)h->seq;
  n = off + RTX_OSN_LEN + payload;
  out[0] &= (uint8_t)~0x20; /* padding was not copied */
  vt_rtp_set_ssrc(out, n, slot->rtx_ssrc);
  vt_rtp_set_payload_type(out, n, slot->rtx_pt);
  vt_rtp_set_seq(out, n, slot->rtx_seq++);
  return n;
}

void vt_forward_resend(VtSubSlot *slot, guint16 seq, gint64 now_us)
{
  VtPubTrack *t = slot->track;
  VtMediaTransport *sub = slot->subscriber->sub;
  const uint8_t *pkt;
  size_t len;
  VtRtpHeader h;
  if (!t || !t->cache || !slot->accepted || slot->need_keyframe || !sub)
    return;
  if (vt_rtx_cache_get(t->cache, seq, now_us, VT_RTX_DEFAULT_MAX_AGE_US, &pkt, &len) < 0)
    return;
  if (vt_rtp_parse(pkt, len, &h) < 0)
    return;
  uint8_t *out = t->owner->room->scratch;
  size_t n = slot->rtx_pt ? build_rtx(slot, out, pkt, len, &h) : rewrite(slot, out, pkt, len, &h);
  if (n > 0)
    vt_transport_send_rtp(sub, out, n, VT_TRANSPORT_BUF_SIZE);
}

/* ---- keyframes ----------------------------------------------------------------- */

/* Why: a subscriber's connection comes up some 20-80 ms after its answer,
 * and the keyframe the relay asked for at the answer may have come before
 * that. Asking again would cost a round trip and the encoder's latency
 * (100-200 ms in Chromium); the packets are in the cache already. */
gboolean vt_forward_replay_keyframe(VtSubSlot *slot, gint64 now_us)
{
  VtPubTrack *t = slot->track;
  if (!t || !t->cache || !t->keyframe_seen || !slot->accepted || !slot->need_keyframe ||
      now_us - t->keyframes.last_keyframe_us > REPLAY_MAX_AGE_US)
    return FALSE;
  guint16 from = t->keyframe_seq;
  guint count = (guint16)(t->seq.max_seq - from) + 1u;
  if (count > REPLAY_MAX_PACKETS)
    return FALSE;
  /* All or nothing: a gap would leave the decoder with a broken frame. The
   * cache's buffers stay put until the next packet is stored, after this. */
  const uint8_t *pkts[REPLAY_MAX_PACKETS];
  size_t lens[REPLAY_MAX_PACKETS];
  for (guint i = 0; i < count; i++)
    if (vt_rtx_cache_get(t->cache, (guint16)(from + i), now_us, REPLAY_MAX_AGE_US * 2, &pkts[i],
                         &lens[i]) < 0)
      return FALSE;
  for (guint i = 0; i < count; i++) {
    VtRtpHeader h;
    if (vt_rtp_parse(pkts[i], lens[i], &h) == 0)
      send_to_slot(slot, t->owner->room->scratch, pkts[i], lens[i], &h, i == 0);
  }
  return !slot->need_keyframe;
}

/* Sends a PLI, or a FIR if that is what the publisher takes. Returns FALSE if
 * it could not go out (the publish connection is not up). */
static gboolean send_keyframe_request(VtPubTrack *t, gint64 now_us)
{
  VtMediaPeer *p = t->owner;
  uint8_t buf[VT_TRANSPORT_BUF_SIZE];
  int n;
  if (t->ssrc == 0 || !p->pub || !vt_transport_is_up(p->pub))
    return FALSE;
  if (t->codec.feedback & VT_SDP_FB_NACK_PLI)
    n = vt_rtcp_build_pli(buf, sizeof buf, p->rtcp_ssrc, t->ssrc);
  else if (t->codec.feedback & VT_SDP_FB_CCM_FIR)
    n = vt_rtcp_build_fir(buf, sizeof buf, p->rtcp_ssrc, t->ssrc, ++t->fir_seq);
  else
    return TRUE; /* the publisher takes no requests: wait for its periodic keyframe */
  if (n <= 0 || vt_transport_send_rtcp(p->pub, buf, (size_t)n, sizeof buf) < 0)
    return FALSE;
  vt_keyframe_pacer_sent(&t->keyframes, now_us);
  return TRUE;
}

/* When to ask is keyframe.c's decision; a request that cannot go out yet
 * stays pending there. */
void vt_forward_request_keyframe(VtPubTrack *t, gint64 now_us, gboolean joining)
{
  if (t->kind != VT_SDP_KIND_VIDEO)
    return;
  if (vt_keyframe_pacer_request(&t->keyframes, now_us, joining) &&
      !send_keyframe_request(t, now_us))
    vt_keyframe_pacer_defer(&t->keyframes, now_us);
}

/* Some subscriber of the track is connected and waits for its first
 * keyframe: it sees nothing, so it cannot ask again itself. */
static gboolean someone_waits(const VtPubTrack *t)
{
  for (guint i = 0; i < t->slots->len; i++) {
    const VtSubSlot *slot = g_ptr_array_index(t->slots, i);
    if (slot->need_keyframe && slot->accepted && slot->subscriber->sub &&
        vt_transport_is_up(slot->subscriber->sub))
      return TRUE;
  }
  return FALSE;
}

void vt_forward_keyframe_due(VtPubTrack *t, gint64 now_us)
{
  if (t->kind != VT_SDP_KIND_VIDEO)
    return;
  if (vt_keyframe_pacer_due(&t->keyframes, now_us, someone_waits(t)))
    send_keyframe_request(t, now_us);
}
