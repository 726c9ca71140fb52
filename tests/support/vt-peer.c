/* The test peer: transports, synthetic media out, counters in (vt-peer.h). */
#include "support/vt-peer-priv.h"

#include <string.h>

#include "relay/rtcp.h"
#include "relay/rtp.h"
#include "tests/support/twcc-decode.h"

#define VIDEO_PT 96
#define OPUS_PT 111
#define TIME_OFFSET 16 /* payload offset of the send time */
#define OPUS_PAYLOAD 80

static const char *const loopback[] = {"127.0.0.1", NULL};

static guint32 nonzero_random(void)
{
  guint32 v;
  do
    v = g_random_int();
  while (v == 0);
  return v;
}

VtTestPeer *vt_test_peer_new(VtTestClient *client)
{
  VtTestPeer *p = g_new0(VtTestPeer, 1);
  p->client = client;
  g_autoptr(GError) error = NULL;
  g_assert_true(vt_srtp_init(&error));
  p->cert = vt_dtls_cert_new(&error);
  g_assert_no_error(error);
  p->audio_ssrc = nonzero_random();
  p->video_ssrc = nonzero_random();
  p->video_rtx_ssrc = nonzero_random();
  p->video_seq = (guint16)g_random_int();
  p->audio_seq = (guint16)g_random_int();
  p->tracks = g_ptr_array_new_with_free_func(vt_peer_track_free);
  p->nacked_seqs = g_array_new(FALSE, FALSE, sizeof(guint16));
  p->candidates = g_ptr_array_new_with_free_func(g_free);
  return p;
}

static void clear_source(guint *id)
{
  if (*id)
    g_source_remove(*id);
  *id = 0;
}

void vt_test_peer_stop_media(VtTestPeer *p)
{
  clear_source(&p->video_timer);
  clear_source(&p->audio_timer);
  clear_source(&p->sr_timer);
  clear_source(&p->rr_timer);
}

void vt_test_peer_free(VtTestPeer *p)
{
  if (!p)
    return;
  vt_test_peer_stop_media(p);
  vt_transport_free(p->pub);
  vt_transport_free(p->sub);
  vt_dtls_cert_unref(p->cert);
  g_ptr_array_unref(p->tracks);
  g_array_unref(p->nacked_seqs);
  g_ptr_array_unref(p->candidates);
  g_free(p->failure);
  g_free(p->remote_pub_sdp);
  g_free(p->last_offer);
  g_free(p);
}

/* ---- transport callbacks ---------------------------------------------------- */

/* "candidate:<foundation> <component> <transport> ...": is it TCP? */
static gboolean is_tcp_candidate(const char *line)
{
  g_auto(GStrv) fields = g_strsplit(line, " ", 4);
  return g_strv_length(fields) >= 3 && g_ascii_strcasecmp(fields[2], "tcp") == 0;
}

static void on_candidate(gpointer data, const char *line)
{
  VtTestPeer *p = data;
  if (!p->tcp_only || is_tcp_candidate(line))
    g_ptr_array_add(p->candidates, g_strdup(line));
}

/* Behind a firewall that blocks UDP the relay's UDP candidates never answer:
 * as good as not there. */
static void keep_tcp_candidates(char **candidates)
{
  char **out = candidates;
  for (char **c = candidates; *c; c++) {
    if (is_tcp_candidate(*c))
      *out++ = *c;
    else
      g_free(*c);
  }
  *out = NULL;
}

static void on_gathered(gpointer data)
{
  ((VtTestPeer *)data)->gathered = TRUE;
}

static void on_failed(gpointer data, VtPcFailure failure, const char *detail)
{
  VtTestPeer *p = data;
  if (!p->failure)
    p->failure = g_strdup_printf("%s: %s", vt_pc_failure_code(failure), detail);
}

static void on_pub_up(gpointer data)
{
  ((VtTestPeer *)data)->pub_up = TRUE;
}

/* Receiver reports once a second, as a browser sends them for video: one
 * block per track that has delivered packets. */
static gboolean send_rr(gpointer data)
{
  VtTestPeer *p = data;
  VtRtcpReportBlock blocks[31];
  unsigned n = 0;
  for (guint i = 0; i < p->tracks->len && n < G_N_ELEMENTS(blocks); i++) {
    VtPeerTrack *t = g_ptr_array_index(p->tracks, i);
    if (t->packets > 0)
      blocks[n++] = (VtRtcpReportBlock){.ssrc = t->ssrc, .highest_seq = t->max_seq};
  }
  uint8_t buf[VT_TRANSPORT_BUF_SIZE];
  int len = vt_rtcp_build_rr_sdes(buf, 1200, p->video_ssrc, blocks, n, "peer", 4);
  if (len > 0 && p->sub)
    vt_transport_send_rtcp(p->sub, buf, (size_t)len, sizeof buf);
  return G_SOURCE_CONTINUE;
}

static void on_sub_up(gpointer data)
{
  VtTestPeer *p = data;
  p->sub_up = TRUE;
  p->sub_up_us = g_get_monotonic_time();
  if (!p->rr_timer)
    p->rr_timer = g_timeout_add(1000, send_rr, p);
}

static void count_twcc_feedback(VtTestPeer *p, const VtRtcpPacket *pkt)
{
  static TwccFeedback fb; /* large: not on the stack */
  if (!twcc_decode(pkt->data, pkt->len, &fb)) {
    p->twcc_bad_feedbacks++;
    return;
  }
  p->twcc_feedbacks++;
  for (guint i = 0; i < fb.count; i++)
    p->twcc_reported_received += fb.received[i];
}

static void on_pub_rtcp(gpointer data, uint8_t *buf, size_t len, gint64 now)
{
  VtTestPeer *p = data;
  VtRtcpIter it;
  VtRtcpPacket pkt;
  if (vt_rtcp_iter_init(&it, buf, len, VT_RTCP_PARSE_RSIZE) < 0)
    return;
  while (vt_rtcp_iter_next(&it, &pkt)) {
    if (pkt.kind == VT_RTCP_KIND_PLI || pkt.kind == VT_RTCP_KIND_FIR) {
      pkt.kind == VT_RTCP_KIND_PLI ? p->plis_received++ : p->firs_received++;
      p->send_keyframe = !p->media.ignore_keyframe_requests;
    } else if (pkt.kind == VT_RTCP_KIND_NACK) {
      p->nacks_received++;
      for (unsigned i = 0; i < pkt.n_items; i++) {
        guint16 pid, blp, seqs[VT_RTCP_NACK_MAX_PER_PAIR];
        vt_rtcp_packet_nack(&pkt, i, &pid, &blp);
        unsigned n = vt_rtcp_nack_expand(pid, blp, seqs);
        g_array_append_vals(p->nacked_seqs, seqs, n);
      }
    } else if (pkt.kind == VT_RTCP_KIND_REMB) {
      p->rembs_received++;
      p->last_remb_bps = pkt.remb_bitrate;
    } else if (pkt.kind == VT_RTCP_KIND_UNKNOWN_FB && pkt.pt == VT_RTCP_PT_RTPFB &&
               pkt.count == 15) {
      count_twcc_feedback(p, &pkt);
    } else if (pkt.kind == VT_RTCP_KIND_RR) {
      p->rrs_received++;
    }
  }
}

static VtPeerTrack *track_for(VtTestPeer *p, guint32 ssrc, gboolean *rtx)
{
  for (guint i = 0; i < p->tracks->len; i++) {
    VtPeerTrack *t = g_ptr_array_index(p->tracks, i);
    if (t->ssrc == ssrc || (t->rtx_ssrc && t->rtx_ssrc == ssrc)) {
      *rtx = t->ssrc != ssrc;
      return t;
    }
  }
  return NULL;
}

static void count_packet(VtTestPeer *p, VtPeerTrack *t, const uint8_t *buf, const VtRtpHeader *h,
                         gint64 now)
{
  const uint8_t *payload = buf + h->payload_offset;
  gboolean key = t->kind == VT_SDP_KIND_VIDEO && vt_rtp_vp8_is_keyframe(payload, h->payload_len);
  if (t->packets == 0) {
    t->first_us = now;
    t->first_was_keyframe = key;
    t->first_seq = h->seq;
    if (h->payload_len >= TIME_OFFSET + 8)
      memcpy(&t->first_sent_us, payload + TIME_OFFSET, sizeof t->first_sent_us);
  }
  t->packets++;
  t->last_pt = h->payload_type;
  if (key && t->keyframes++ == 0)
    t->first_keyframe_us = now;
  if (h->marker && t->kind == VT_SDP_KIND_VIDEO)
    t->frames++;
  if (t->packets == 1 || vt_seq_newer(h->seq, (guint16)t->max_seq))
    t->max_seq = h->seq;
  if (p->record_delays && h->payload_len >= TIME_OFFSET + 8) {
    gint64 sent;
    memcpy(&sent, payload + TIME_OFFSET, sizeof sent);
    gint64 delay = now - sent;
    g_array_append_val(t->delays_us, delay);
  }
}

static void on_sub_rtp(gpointer data, uint8_t *buf, size_t len, gint64 now)
{
  VtTestPeer *p = data;
  VtRtpHeader h;
  gboolean rtx = FALSE;
  if (vt_rtp_parse(buf, len, &h) < 0)
    return;
  VtPeerTrack *t = track_for(p, h.ssrc, &rtx);
  if (!t)
    return;
  if (rtx)
    t->rtx_packets++;
  else
    count_packet(p, t, buf, &h, now);
}

static void on_sub_rtcp(gpointer data, uint8_t *buf, size_t len, gint64 now)
{
  VtTestPeer *p = data;
  VtRtcpIter it;
  VtRtcpPacket pkt;
  gboolean rtx;
  if (vt_rtcp_iter_init(&it, buf, len, VT_RTCP_PARSE_RSIZE) < 0)
    return;
  while (vt_rtcp_iter_next(&it, &pkt)) {
    VtPeerTrack *t = pkt.kind == VT_RTCP_KIND_SR ? track_for(p, pkt.ssrc, &rtx) : NULL;
    if (t) {
      t->srs++;
      t->sr_ntp = pkt.sender.ntp;
      t->sr_rtp = pkt.sender.rtp_ts;
    }
  }
}

static const VtMediaTransportCallbacks pub_cb = {
    .local_candidate = on_candidate,
    .gathering_done = on_gathered,
    .up = on_pub_up,
    .failed = on_failed,
    .rtcp = on_pub_rtcp,
};

static const VtMediaTransportCallbacks sub_cb = {
    .local_candidate = on_candidate,
    .gathering_done = on_gathered,
    .up = on_sub_up,
    .failed = on_failed,
    .rtp = on_sub_rtp,
    .rtcp = on_sub_rtcp,
};

static gboolean gathered_check(gpointer data)
{
  return ((VtTestPeer *)data)->gathered;
}

static VtMediaTransport *make_transport(VtTestPeer *p, gboolean controlling,
                                        const VtMediaTransportCallbacks *cb)
{
  VtIceConfig ice = {.local_addresses = loopback, .ice_tcp = p->tcp_only};
  g_autoptr(GError) error = NULL;
  VtMediaTransport *t =
      vt_transport_new(g_main_context_default(), p->cert, &ice, controlling, cb, p, &error);
  g_assert_no_error(error);
  g_ptr_array_set_size(p->candidates, 0);
  p->gathered = FALSE;
  g_assert_true(vt_transport_gather(t, &error));
  g_assert_true(vt_test_run_until(gathered_check, p, 5000));
  return t;
}

/* ---- media out ------------------------------------------------------------------ */

static void rtp_header(uint8_t *b, guint8 pt, gboolean marker, guint16 seq, guint32 ts,
                       guint32 ssrc)
{
  b[0] = 0x80;
  b[1] = (uint8_t)(pt | (marker ? 0x80 : 0));
  b[2] = (uint8_t)(seq >> 8);
  b[3] = (uint8_t)seq;
  for (int i = 0; i < 4; i++) {
    b[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
    b[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
  }
}

/* A VP8 payload: descriptor (S bit on the first packet), then on the first
 * packet the frame tag (keyframe or not) and the keyframe start code. */
static size_t vp8_payload(uint8_t *b, guint size, gboolean first, gboolean key)
{
  static const uint8_t key_tag[] = {0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01};
  memset(b, 0xab, size);
  b[0] = first ? 0x10 : 0x00;
  if (first && key)
    memcpy(b + 1, key_tag, sizeof key_tag);
  else if (first)
    b[1] = 0x11;
  gint64 now = g_get_monotonic_time();
  memcpy(b + TIME_OFFSET, &now, sizeof now);
  return size;
}

/* With media.twcc, a one-byte-header extension (RFC 8285) with the next
 * transport-wide number goes between the header and the payload. */
static void send_rtp(VtTestPeer *p, uint8_t *buf, size_t len)
{
  enum { EXT_LEN = 8 };
  if (p->media.twcc && len + EXT_LEN <= VT_RTP_MAX_PACKET) {
    memmove(buf + 12 + EXT_LEN, buf + 12, len - 12);
    const uint8_t ext[EXT_LEN] = {0xBE, 0xDE, 0, 1, VT_PEER_TWCC_EXT_ID << 4 | 1,
                                  (uint8_t)(p->twcc_seq >> 8), (uint8_t)p->twcc_seq, 0};
    memcpy(buf + 12, ext, EXT_LEN);
    buf[0] |= 0x10;
    len += EXT_LEN;
    p->twcc_seq++;
    p->twcc_sent++;
  }
  vt_transport_send_rtp(p->pub, buf, len, VT_TRANSPORT_BUF_SIZE);
}

static gboolean send_frame(gpointer data)
{
  VtTestPeer *p = data;
  gboolean key = p->frame % p->media.keyframe_interval == 0 || p->send_keyframe;
  p->send_keyframe = FALSE;
  guint32 ts = p->frame * 3000;
  for (guint k = 0; k < p->media.packets_per_frame; k++) {
    uint8_t buf[VT_TRANSPORT_BUF_SIZE];
    guint16 seq = p->video_seq++;
    gboolean last = k + 1 == p->media.packets_per_frame;
    rtp_header(buf, VIDEO_PT, last, seq, ts, p->video_ssrc);
    size_t len = 12 + vp8_payload(buf + 12, p->media.payload, k == 0, key);
    if (p->skip_seq_once && seq == (guint16)p->skip_seq_once) {
      p->skip_seq_once = 0;
      continue; /* lost on the way up */
    }
    send_rtp(p, buf, len);
    p->video_packets_sent++;
  }
  p->frame++;
  p->frames_sent++;
  return G_SOURCE_CONTINUE;
}

static gboolean send_audio(gpointer data)
{
  VtTestPeer *p = data;
  uint8_t buf[VT_TRANSPORT_BUF_SIZE];
  rtp_header(buf, OPUS_PT, FALSE, p->audio_seq, p->audio_seq * 960u, p->audio_ssrc);
  p->audio_seq++;
  memset(buf + 12, 0x5a, OPUS_PAYLOAD);
  gint64 now = g_get_monotonic_time();
  memcpy(buf + 12 + TIME_OFFSET, &now, sizeof now);
  send_rtp(p, buf, 12 + OPUS_PAYLOAD);
  p->audio_packets_sent++;
  return G_SOURCE_CONTINUE;
}

/* Sender reports tie both streams to one wall clock, as a browser's do. */
static gboolean send_sr(gpointer data)
{
  VtTestPeer *p = data;
  guint64 ntp = vt_rtcp_ntp_from_unix_us(g_get_real_time());
  VtRtcpSenderInfo video = {ntp, p->frame * 3000, (guint32)p->video_packets_sent, 0};
  VtRtcpSenderInfo audio = {ntp, p->audio_seq * 960u, (guint32)p->audio_packets_sent, 0};
  uint8_t buf[VT_TRANSPORT_BUF_SIZE];
  int n = vt_rtcp_build_sr_sdes(buf, 1200, p->video_ssrc, &video, NULL, 0, "peer", 4);
  if (n > 0)
    vt_transport_send_rtcp(p->pub, buf, (size_t)n, sizeof buf);
  n = vt_rtcp_build_sr_sdes(buf, 1200, p->audio_ssrc, &audio, NULL, 0, "peer", 4);
  if (n > 0 && p->media.audio)
    vt_transport_send_rtcp(p->pub, buf, (size_t)n, sizeof buf);
  return G_SOURCE_CONTINUE;
}

/* ---- publish ----------------------------------------------------------------------- */

static void defaults(VtPeerMedia *m, const VtPeerMedia *given)
{
  if (given)
    *m = *given;
  else
    *m = (VtPeerMedia){.audio = TRUE, .rtx = TRUE};
  if (!m->packets_per_frame)
    m->packets_per_frame = 4;
  if (!m->payload)
    m->payload = 1000;
  if (!m->keyframe_interval)
    m->keyframe_interval = 60;
}

char *vt_test_peer_publish_offer(VtTestPeer *p, const VtPeerMedia *media)
{
  VtPeerMedia m;
  defaults(&m, media);
  if (!p->pub)
    p->pub = make_transport(p, TRUE, &pub_cb);
  return vt_peer_publish_offer(p, &m);
}

static void send_json_sdp(VtTestPeer *p, const char *type, const char *sdp, const char *ref)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "type");
  json_builder_add_string_value(b, type);
  json_builder_set_member_name(b, "sdp");
  json_builder_add_string_value(b, sdp);
  if (ref) {
    json_builder_set_member_name(b, "ref");
    json_builder_add_string_value(b, ref);
  }
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree char *text = json_to_string(root, FALSE);
  vt_test_client_send(p->client, text);
}

typedef struct {
  VtTestPeer *peer;
  gboolean sub;
} UpWait;

static gboolean up_check(gpointer data)
{
  UpWait *w = data;
  return w->peer->failure || (w->sub ? w->peer->sub_up : w->peer->pub_up);
}

static gboolean set_remote(VtTestPeer *p, VtMediaTransport *t, const char *sdp)
{
  VtSdpRemoteTransport remote;
  g_autoptr(GError) error = NULL;
  gboolean ok = vt_peer_read_transport(sdp, &remote, &error);
  if (ok && p->tcp_only)
    keep_tcp_candidates(remote.candidates);
  ok = ok && vt_transport_set_remote(t, &remote, VT_SDP_SETUP_ACTIVE, &error);
  vt_peer_transport_clear(&remote);
  if (!ok && !p->failure)
    p->failure = g_strdup(error->message);
  return ok;
}

typedef struct {
  VtTestPeer *peer;
  guint timeout_ms;
} WsExchange;

static char *exchange_over_ws(gpointer data, const char *offer)
{
  WsExchange *x = data;
  send_json_sdp(x->peer, "publish_offer", offer, "po");
  g_autoptr(JsonObject) answer = vt_test_client_take(x->peer->client, "publish_answer",
                                                     x->timeout_ms);
  return answer ? g_strdup(json_object_get_string_member(answer, "sdp")) : NULL;
}

gboolean vt_test_peer_publish(VtTestPeer *p, const VtPeerMedia *media, guint timeout_ms)
{
  WsExchange x = {p, timeout_ms};
  return vt_test_peer_publish_with(p, media, exchange_over_ws, &x, timeout_ms);
}

gboolean vt_test_peer_publish_with(VtTestPeer *p, const VtPeerMedia *media,
                                   VtPeerExchange exchange, gpointer data, guint timeout_ms)
{
  defaults(&p->media, media);
  g_autofree char *offer = vt_test_peer_publish_offer(p, &p->media);
  g_free(p->remote_pub_sdp);
  p->remote_pub_sdp = exchange(data, offer);
  if (!p->remote_pub_sdp) {
    p->failure = g_strdup("no publish answer");
    return FALSE;
  }
  if (!set_remote(p, p->pub, p->remote_pub_sdp))
    return FALSE;
  UpWait w = {p, FALSE};
  if (!vt_test_run_until(up_check, &w, timeout_ms) || p->failure)
    return FALSE;
  p->video_timer = g_timeout_add(33, send_frame, p);
  if (p->media.audio)
    p->audio_timer = g_timeout_add(20, send_audio, p);
  p->sr_timer = g_timeout_add(1000, send_sr, p);
  send_frame(p);
  return TRUE;
}

/* ---- subscribe ----------------------------------------------------------------------- */

gboolean vt_test_peer_subscribe(VtTestPeer *p, guint timeout_ms)
{
  g_autoptr(JsonObject) offer = vt_test_client_take(p->client, "subscribe_offer", timeout_ms);
  if (!offer)
    return FALSE;
  const char *sdp = json_object_get_string_member(offer, "sdp");
  g_free(p->last_offer);
  p->last_offer = g_strdup(sdp);
  gboolean first = p->sub == NULL;
  if (first)
    p->sub = make_transport(p, FALSE, &sub_cb);
  g_autofree char *answer = vt_peer_answer_offer(p, sdp);
  if (first) {
    GString *with = g_string_new(answer);
    for (guint i = 0; i < p->candidates->len; i++)
      g_string_append_printf(with, "a=%s\r\n", (char *)g_ptr_array_index(p->candidates, i));
    g_free(answer);
    answer = g_string_free(with, FALSE);
  }
  send_json_sdp(p, "subscribe_answer", answer, NULL);
  p->offers++;
  if (!first)
    return TRUE;
  if (!set_remote(p, p->sub, sdp))
    return FALSE;
  UpWait w = {p, TRUE};
  return vt_test_run_until(up_check, &w, timeout_ms) && !p->failure;
}

void vt_test_peer_subscribe_restart(VtTestPeer *p)
{
  g_clear_pointer(&p->sub, vt_transport_free);
  g_ptr_array_set_size(p->tracks, 0);
  p->sub_up = FALSE;
  vt_test_client_send(p->client, "{\"type\":\"subscribe_restart\"}");
}

VtPeerTrack *vt_test_peer_track(VtTestPeer *p, const char *participant, VtSdpKind kind)
{
  VtPeerTrack *found = NULL;
  for (guint i = 0; i < p->tracks->len; i++) {
    VtPeerTrack *t = g_ptr_array_index(p->tracks, i);
    if (t->kind == kind && g_strcmp0(t->participant, participant) == 0 &&
        (!found || t->active || !found->active))
      found = t;
  }
  return found;
}

void vt_test_peer_send_pli(VtTestPeer *p, VtPeerTrack *t)
{
  uint8_t buf[VT_TRANSPORT_BUF_SIZE];
  int n = vt_rtcp_build_pli(buf, 1200, p->video_ssrc, t->ssrc);
  if (n > 0)
    vt_transport_send_rtcp(p->sub, buf, (size_t)n, sizeof buf);
}

void vt_test_peer_send_nack(VtTestPeer *p, VtPeerTrack *t, guint16 seq)
{
  uint8_t buf[VT_TRANSPORT_BUF_SIZE];
  int n = vt_rtcp_build_nack(buf, 1200, p->video_ssrc, t->ssrc, &seq, 1);
  if (n > 0)
    vt_transport_send_rtcp(p->sub, buf, (size_t)n, sizeof buf);
}

void vt_test_peer_send_remb(VtTestPeer *p, VtPeerTrack *t, guint64 bps)
{
  uint8_t buf[VT_TRANSPORT_BUF_SIZE];
  guint32 ssrc = t->ssrc;
  int n = vt_rtcp_build_remb(buf, 1200, p->video_ssrc, bps, &ssrc, 1);
  if (n > 0)
    vt_transport_send_rtcp(p->sub, buf, (size_t)n, sizeof buf);
}

int vt_test_peer_send_raw(VtTestPeer *p, const guint8 *buf, gsize len, gboolean rtcp,
                          gboolean protect)
{
  uint8_t copy[VT_TRANSPORT_BUF_SIZE + 64];
  if (!protect)
    return vt_transport_send_datagram(p->pub, buf, len);
  memcpy(copy, buf, len);
  return rtcp ? vt_transport_send_rtcp(p->pub, copy, len, sizeof copy)
              : vt_transport_send_rtp(p->pub, copy, len, sizeof copy);
}
