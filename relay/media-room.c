/* The worker-side room: peers, their publish connections and tracks, and
 * the room's timers (see media-room.h). The subscribe side is in
 * media-subscribe.c, the per-packet path in forward.c, RTCP in feedback.c. */
#include "relay/media-priv.h"

#include <string.h>

#include "relay/sdp-priv.h"

#define TICK_MS 20 /* NACK retries and pending keyframe requests */

/* What the relay negotiates: REMB (it tells publishers a bitrate), the audio
 * level extension. */
#define RELAY_FEATURES (VT_SDP_FEATURE_REMB | VT_SDP_FEATURE_AUDIO_LEVEL)
/* Publish connections also take transport-cc: the relay reports arrivals
 * (twcc.c) so that the publisher's congestion control can ramp up. Subscribe
 * connections do not: the relay does not estimate bandwidth towards them. */
#define PUBLISH_FEATURES (RELAY_FEATURES | VT_SDP_FEATURE_TWCC)

guint vt_media_features(void)
{
  return RELAY_FEATURES;
}

/* ---- tracks ---------------------------------------------------------------- */

static void tap_clear(gpointer p)
{
  VtTap *tap = p;
  if (tap->destroy)
    tap->destroy(tap->data);
}

static VtPubTrack *track_new(VtMediaPeer *owner, const VtPublishMedia *m)
{
  VtPubTrack *t = g_new0(VtPubTrack, 1);
  t->owner = owner;
  g_strlcpy(t->mid, m->mid, sizeof t->mid);
  if (m->track_id)
    g_strlcpy(t->track_id, m->track_id, sizeof t->track_id);
  else
    g_snprintf(t->track_id, sizeof t->track_id, "%s-%s", owner->id, m->mid);
  t->kind = m->kind;
  t->codec = m->codec;
  for (guint e = 0; e < VT_SDP_EXT_COUNT; e++)
    t->ext_ids[e] = vt_sdp_ext_supported(e, m->kind, PUBLISH_FEATURES) ? m->ext_ids[e] : 0;
  t->ssrc = m->ssrc;
  t->rtx_ssrc = t->codec.rtx_pt ? m->rtx_ssrc : 0;
  vt_seq_unwrapper_init(&t->seq);
  vt_rtcp_recv_stats_init(&t->stats, t->ssrc, t->codec.clock_rate);
  if (t->kind == VT_SDP_KIND_VIDEO) {
    t->loss = vt_loss_tracker_new();
    t->cache = vt_rtx_cache_new(VT_RTX_DEFAULT_CAPACITY);
    /* Several subscribers may ask for the same packet in the same moment. */
    vt_rtx_cache_set_resend_interval(t->cache, 0);
  }
  vt_keyframe_pacer_init(&t->keyframes);
  t->slots = g_ptr_array_new();
  t->taps = g_array_new(FALSE, FALSE, sizeof(VtTap));
  g_array_set_clear_func(t->taps, tap_clear);
  return t;
}

/* Cuts every subscriber's link to the track and asks them to renegotiate. */
static void track_free(VtPubTrack *t)
{
  for (guint i = 0; i < t->slots->len; i++) {
    VtSubSlot *slot = g_ptr_array_index(t->slots, i);
    slot->track = NULL;
    slot->accepted = FALSE;
    slot->subscriber->dirty = TRUE;
  }
  g_ptr_array_unref(t->slots);
  g_array_unref(t->taps);
  vt_loss_tracker_free(t->loss);
  vt_rtx_cache_free(t->cache);
  g_free(t);
}

/* ---- peers ----------------------------------------------------------------- */

static guint32 random_ssrc(void)
{
  guint32 v;
  do
    v = g_random_int();
  while (v == 0);
  return v;
}

static VtMediaPeer *peer_new(VtMediaRoom *room, const char *id)
{
  VtMediaPeer *p = g_new0(VtMediaPeer, 1);
  p->room = room;
  p->id = g_strdup(id);
  p->rtcp_ssrc = random_ssrc();
  p->session_id = ((guint64)g_random_int() << 31) ^ g_random_int();
  return p;
}

static void drop_publish(VtMediaPeer *p)
{
  for (guint i = 0; i < p->n_tracks; i++)
    track_free(p->tracks[i]);
  p->n_tracks = 0;
  g_clear_pointer(&p->pub, vt_transport_free);
  g_clear_pointer(&p->pub_offer, vt_publish_offer_free);
  g_clear_pointer(&p->pub_candidates, g_ptr_array_unref);
  g_clear_pointer(&p->twcc, g_free);
  p->pub_answered = FALSE;
  p->pub_failed = FALSE;
}

static void peer_free(VtMediaPeer *p)
{
  drop_publish(p);
  vt_media_sub_drop(p);
  g_free(p->id);
  g_free(p);
}

/* Everyone else offers what changed (a track came or went). */
static void renegotiate_others(VtMediaRoom *room, VtMediaPeer *except)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, room->peers);
  while (g_hash_table_iter_next(&it, NULL, &value))
    if (value != except)
      vt_media_sub_renegotiate(value);
}

static VtMediaPeer *peer_lookup(VtMediaRoom *room, const char *id)
{
  return g_hash_table_lookup(room->peers, id);
}

/* ---- timers ------------------------------------------------------------------ */

static gboolean on_tick(gpointer data)
{
  vt_feedback_tick(data, g_get_monotonic_time());
  return G_SOURCE_CONTINUE;
}

/* Frees connections that failed, outside the callbacks that reported it. */
static gboolean on_reap(gpointer data)
{
  VtMediaRoom *room = data;
  g_clear_pointer(&room->reaper, g_source_unref);
  GHashTableIter it;
  gpointer value;
  gboolean tracks_gone = FALSE;
  g_hash_table_iter_init(&it, room->peers);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    VtMediaPeer *p = value;
    if (p->pub_failed) {
      tracks_gone |= p->n_tracks > 0;
      drop_publish(p);
    }
    if (p->sub_failed)
      vt_media_sub_drop(p);
  }
  if (tracks_gone)
    renegotiate_others(room, NULL);
  return G_SOURCE_REMOVE;
}

void vt_media_room_schedule_reap(VtMediaRoom *room)
{
  if (room->reaper)
    return;
  room->reaper = g_idle_source_new();
  g_source_set_callback(room->reaper, on_reap, room, NULL);
  g_source_attach(room->reaper, room->ctx);
}

static void ensure_timer(VtMediaRoom *room)
{
  if (room->timer)
    return;
  room->timer = g_timeout_source_new(TICK_MS);
  g_source_set_callback(room->timer, on_tick, room, NULL);
  g_source_attach(room->timer, room->ctx);
}

static void destroy_source(GSource **source)
{
  if (*source) {
    g_source_destroy(*source);
    g_clear_pointer(source, g_source_unref);
  }
}

/* ---- the room ---------------------------------------------------------------- */

VtMediaRoom *vt_media_room_new(const char *id, GMainContext *ctx, const VtMediaRoomConfig *config,
                               const VtMediaRoomEvents *events, gpointer data)
{
  VtMediaRoom *room = g_new0(VtMediaRoom, 1);
  room->id = g_strdup(id);
  room->ctx = g_main_context_ref(ctx);
  room->config = config;
  room->events = *events;
  room->data = data;
  room->peers = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)peer_free);
  return room;
}

void vt_media_room_free(VtMediaRoom *room)
{
  if (!room)
    return;
  destroy_source(&room->timer);
  destroy_source(&room->reaper);
  /* Peers go one by one: cut every link first so no free sees a dead peer. */
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, room->peers);
  while (g_hash_table_iter_next(&it, NULL, &value))
    vt_media_sub_drop(value);
  g_hash_table_unref(room->peers);
  g_main_context_unref(room->ctx);
  g_free(room->id);
  g_free(room);
}

const char *vt_media_room_id(const VtMediaRoom *room)
{
  return room->id;
}

guint vt_media_room_count(const VtMediaRoom *room)
{
  return g_hash_table_size(room->peers);
}

void vt_media_room_join(VtMediaRoom *room, const char *participant)
{
  VT_ON_ROOM_THREAD(room);
  VtMediaPeer *old = peer_lookup(room, participant);
  gboolean had_tracks = old && old->n_tracks > 0;
  VtMediaPeer *p = peer_new(room, participant);
  g_hash_table_replace(room->peers, p->id, p); /* frees old */
  if (had_tracks)
    renegotiate_others(room, p);
  vt_media_sub_renegotiate(p);
}

void vt_media_room_leave(VtMediaRoom *room, const char *participant)
{
  VT_ON_ROOM_THREAD(room);
  VtMediaPeer *p = peer_lookup(room, participant);
  if (!p)
    return;
  gboolean had_tracks = p->n_tracks > 0;
  g_hash_table_remove(room->peers, participant);
  if (had_tracks)
    renegotiate_others(room, NULL);
}

static VtRelayWho who(VtMediaPeer *p, VtPcKind pc)
{
  return (VtRelayWho){.room = p->room->id, .participant = p->id, .pc = pc};
}

void vt_media_room_emit_refusal(VtMediaPeer *p, VtPcKind pc, VtNegotiationError error,
                                const char *message)
{
  VtMediaRoom *room = p->room;
  VtRelayRefusalEvent ev = {.who = who(p, pc), .error = error, .message = message};
  if (room->events.refused)
    room->events.refused(room->data, &ev);
}

void vt_media_room_emit_sdp(VtMediaPeer *p, VtPcKind pc, const char *sdp)
{
  VtMediaRoom *room = p->room;
  VtRelaySdpEvent ev = {.who = who(p, pc), .sdp = sdp};
  if (room->events.sdp)
    room->events.sdp(room->data, &ev);
}

void vt_media_room_emit_up(VtMediaPeer *p, VtPcKind pc)
{
  VtMediaRoom *room = p->room;
  VtRelayStateEvent ev = {.who = who(p, pc), .connected = TRUE};
  if (room->events.state)
    room->events.state(room->data, &ev);
}

void vt_media_room_emit_failure(VtMediaPeer *p, VtPcKind pc, VtPcFailure failure,
                                const char *detail)
{
  VtMediaRoom *room = p->room;
  VtRelayStateEvent ev = {.who = who(p, pc), .failure = failure, .detail = detail};
  if (room->events.state)
    room->events.state(room->data, &ev);
}

/* ---- publish ------------------------------------------------------------------- */

static void pub_candidate(gpointer data, const char *line)
{
  VtMediaPeer *p = data;
  if (p->pub_candidates && p->pub_candidates->len < VT_SDP_MAX_CANDIDATES)
    g_ptr_array_add(p->pub_candidates, g_strdup(line));
}

/* Host candidates are known at once; the answer waits for them so that it
 * carries them (no trickle towards the client needed). */
static void pub_gathering_done(gpointer data)
{
  VtMediaPeer *p = data;
  if (p->pub_answered || !p->pub_offer)
    return;
  g_ptr_array_add(p->pub_candidates, NULL);
  VtLocalDescription local = {
      .ice_ufrag = vt_transport_local_ufrag(p->pub),
      .ice_pwd = vt_transport_local_pwd(p->pub),
      .trickle = TRUE,
      .candidates = (const char *const *)p->pub_candidates->pdata,
      .end_of_candidates = TRUE,
      .features = PUBLISH_FEATURES,
      .session_id = p->session_id,
      .session_version = 1,
  };
  memcpy(local.fingerprint, vt_dtls_cert_get_fingerprint(p->room->config->cert),
         sizeof local.fingerprint);
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = vt_sdp_build_publish_answer(p->pub_offer, &local, &error);
  g_ptr_array_remove_index(p->pub_candidates, p->pub_candidates->len - 1);
  if (!answer) {
    vt_media_room_emit_refusal(p, VT_PC_PUBLISH, VT_NEGOTIATION_RELAY_ERROR, error->message);
    return;
  }
  p->pub_answered = TRUE;
  g_clear_pointer(&p->pub_offer, vt_publish_offer_free);
  vt_media_room_emit_sdp(p, VT_PC_PUBLISH, answer);
}

static void pub_up(gpointer data)
{
  VtMediaPeer *p = data;
  vt_media_room_emit_up(p, VT_PC_PUBLISH);
  /* Subscribers that were waiting want a keyframe from the start. */
  gint64 now = g_get_monotonic_time();
  for (guint i = 0; i < p->n_tracks; i++)
    if (p->tracks[i]->kind == VT_SDP_KIND_VIDEO)
      vt_forward_request_keyframe(p->tracks[i], now, TRUE);
}

static void pub_failed(gpointer data, VtPcFailure failure, const char *detail)
{
  VtMediaPeer *p = data;
  p->pub_failed = TRUE;
  g_message("room %s: %s: publish connection failed: %s (%s)", p->room->id, p->id,
            vt_pc_failure_code(failure), detail);
  vt_media_room_emit_failure(p, VT_PC_PUBLISH, failure, detail);
  vt_media_room_schedule_reap(p->room);
}

static void pub_rtp(gpointer data, uint8_t *buf, size_t len, gint64 now_us)
{
  vt_forward_publisher_rtp(data, buf, len, now_us);
}

static void pub_rtcp(gpointer data, uint8_t *buf, size_t len, gint64 now_us)
{
  vt_feedback_publisher_rtcp(data, buf, len, now_us);
}

static const VtMediaTransportCallbacks pub_callbacks = {
    .local_candidate = pub_candidate,
    .gathering_done = pub_gathering_done,
    .up = pub_up,
    .failed = pub_failed,
    .rtp = pub_rtp,
    .rtcp = pub_rtcp,
};

static void add_tracks(VtMediaPeer *p, const VtPublishOffer *offer)
{
  for (guint i = 0; i < offer->n_media; i++) {
    const VtPublishMedia *m = &offer->media[i];
    if (m->state == VT_SDP_MEDIA_ACCEPTED && p->n_tracks < VT_SDP_MAX_MEDIA)
      p->tracks[p->n_tracks++] = track_new(p, m);
  }
  p->pub_remb = FALSE;
  gboolean twcc = FALSE;
  for (guint i = 0; i < p->n_tracks; i++) {
    p->pub_remb |= (p->tracks[i]->codec.feedback & VT_SDP_FB_GOOG_REMB) != 0;
    twcc |= p->tracks[i]->ext_ids[VT_SDP_EXT_TWCC] != 0;
  }
  if (twcc) {
    p->twcc = g_new(VtTwcc, 1);
    vt_twcc_init(p->twcc);
  }
}

void vt_media_room_publish(VtMediaRoom *room, const char *participant, VtPublishOffer *offer)
{
  VT_ON_ROOM_THREAD(room);
  VtMediaPeer *p = peer_lookup(room, participant);
  if (!p) {
    p = peer_new(room, participant);
    g_hash_table_replace(room->peers, p->id, p);
  }
  gboolean had_tracks = p->n_tracks > 0;
  drop_publish(p);
  g_autoptr(GError) error = NULL;
  p->pub = vt_transport_new(room->ctx, room->config->cert, &room->config->ice, FALSE,
                            &pub_callbacks, p, &error);
  VtSdpSetup setup = vt_sdp_answer_setup(offer->transport.setup);
  if (!p->pub || !vt_transport_set_remote(p->pub, &offer->transport, setup, &error)) {
    vt_media_room_emit_refusal(p, VT_PC_PUBLISH, VT_NEGOTIATION_BAD_SDP, error->message);
    vt_publish_offer_free(offer);
    drop_publish(p);
    if (had_tracks)
      renegotiate_others(room, p);
    return;
  }
  p->pub_offer = offer;
  p->pub_candidates = g_ptr_array_new_with_free_func(g_free);
  add_tracks(p, offer);
  ensure_timer(room);
  if (!vt_transport_gather(p->pub, &error)) {
    vt_media_room_emit_refusal(p, VT_PC_PUBLISH, VT_NEGOTIATION_RELAY_ERROR, error->message);
    drop_publish(p);
  }
  renegotiate_others(room, p);
}

void vt_media_room_add_candidate(VtMediaRoom *room, const char *participant, VtPcKind pc,
                                 const char *candidate)
{
  VT_ON_ROOM_THREAD(room);
  VtMediaPeer *p = peer_lookup(room, participant);
  VtMediaTransport *t = !p ? NULL : pc == VT_PC_PUBLISH ? p->pub : p->sub;
  if (!t)
    return; /* a late candidate for a connection that is gone: harmless */
  g_autoptr(GError) error = NULL;
  /* Browsers trickle IPv6, TCP and other candidates this relay does not
   * use: those are skipped quietly; only garbage is an error. */
  if (!vt_transport_add_candidate(t, candidate, &error) &&
      g_error_matches(error, VT_ICE_ERROR, VT_ICE_ERROR_INVALID))
    vt_media_room_emit_refusal(p, pc, VT_NEGOTIATION_BAD_SDP, error->message);
}

gboolean vt_media_room_add_tap(VtMediaRoom *room, const char *participant, VtSdpKind kind,
                               VtMediaTapFunc fn, gpointer data, GDestroyNotify destroy)
{
  VT_ON_ROOM_THREAD(room);
  VtMediaPeer *p = peer_lookup(room, participant);
  for (guint i = 0; p && i < p->n_tracks; i++) {
    if (p->tracks[i]->kind == kind) {
      VtTap tap = {fn, data, destroy};
      g_array_append_val(p->tracks[i]->taps, tap);
      return TRUE;
    }
  }
  return FALSE;
}
