/* The subscribe side of a peer: the relay offers every track of the other
 * participants on one connection and renegotiates as tracks come and go.
 *
 * Layout rules: an m-line (slot) keeps its mid and kind for the life of the
 * connection; a track that goes away leaves its slot free (offered inactive)
 * and the next track of that kind takes the first free slot. Every binding
 * gets fresh relay-side SSRCs, so an answer can be matched to the offer it
 * answers by SSRC. One offer is outstanding at a time. */
#include "relay/media-priv.h"

#include <string.h>

static guint32 new_ssrc(const VtMediaPeer *p)
{
  for (;;) {
    guint32 v = g_random_int();
    gboolean used = v == 0 || v == p->rtcp_ssrc;
    for (guint i = 0; i < p->n_slots && !used; i++)
      used = v == p->slots[i]->ssrc || v == p->slots[i]->rtx_ssrc;
    if (!used)
      return v;
  }
}

static gboolean slot_has(const VtMediaPeer *p, const VtPubTrack *t)
{
  for (guint i = 0; i < p->n_slots; i++)
    if (p->slots[i]->track == t)
      return TRUE;
  return FALSE;
}

static void unbind(VtSubSlot *slot)
{
  if (slot->track)
    g_ptr_array_remove_fast(slot->track->slots, slot);
  slot->track = NULL;
  slot->accepted = FALSE;
}

static gboolean slot_fits(const VtSubSlot *slot, const VtPubTrack *t, gboolean same_codec)
{
  if (slot->track || slot->kind != t->kind)
    return FALSE;
  return !same_codec || (slot->codec == t->codec.id &&
                         slot->h264_profile_level_id == t->codec.h264_profile_level_id);
}

/* Where a track goes: a free slot that had the same codec, else a new slot,
 * else any free slot of its kind (a receiver that cannot switch the codec of
 * an m-line, as webrtcbin cannot, only meets that when all 16 are used). */
static gint pick_slot(VtMediaPeer *p, const VtPubTrack *t)
{
  for (guint i = 0; i < p->n_slots; i++)
    if (slot_fits(p->slots[i], t, TRUE))
      return (gint)i;
  if (p->n_slots < VT_SDP_MAX_MEDIA) {
    p->slots[p->n_slots] = g_new0(VtSubSlot, 1);
    return (gint)p->n_slots++;
  }
  for (guint i = 0; i < p->n_slots; i++)
    if (slot_fits(p->slots[i], t, FALSE))
      return (gint)i;
  return -1;
}

/* Binds the track to a slot; FALSE when there is none left. */
static gboolean bind(VtMediaPeer *p, VtPubTrack *t)
{
  gint i = pick_slot(p, t);
  if (i < 0)
    return FALSE;
  VtSubSlot *slot = p->slots[i];
  memset(slot, 0, sizeof *slot);
  slot->subscriber = p;
  slot->track = t;
  slot->kind = t->kind;
  slot->codec = t->codec.id;
  slot->h264_profile_level_id = t->codec.h264_profile_level_id;
  slot->ssrc = new_ssrc(p);
  slot->rtx_ssrc = t->kind == VT_SDP_KIND_VIDEO ? new_ssrc(p) : 0;
  slot->rtx_seq = (guint16)g_random_int();
  slot->need_keyframe = t->kind == VT_SDP_KIND_VIDEO;
  g_ptr_array_add(t->slots, slot);
  return TRUE;
}

/* Binds every track of the others not yet bound; TRUE if something changed. */
static gboolean add_new_tracks(VtMediaPeer *p)
{
  gboolean changed = FALSE;
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, p->room->peers);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    VtMediaPeer *other = value;
    if (other == p)
      continue;
    for (guint i = 0; i < other->n_tracks; i++) {
      if (slot_has(p, other->tracks[i]))
        continue;
      if (bind(p, other->tracks[i]))
        changed = TRUE;
      else
        g_message("room %s: %s: no m-line left for track %s of %s", p->room->id, p->id,
                  other->tracks[i]->track_id, other->id);
    }
  }
  return changed;
}

static void snapshot(VtMediaPeer *p)
{
  p->offered = g_renew(VtOfferedSlot, p->offered, MAX(p->n_slots, 1));
  for (guint i = 0; i < p->n_slots; i++) {
    const VtSubSlot *slot = p->slots[i];
    VtOfferedSlot *o = &p->offered[i];
    memset(o, 0, sizeof *o);
    o->t.active = slot->track != NULL;
    o->t.kind = slot->kind;
    o->t.codec = slot->codec;
    o->t.h264_profile_level_id = slot->h264_profile_level_id;
    if (slot->track) {
      o->t.ssrc = slot->ssrc;
      o->t.rtx_ssrc = slot->rtx_ssrc;
      g_strlcpy(o->participant_id, slot->track->owner->id, sizeof o->participant_id);
      g_strlcpy(o->track_id, slot->track->track_id, sizeof o->track_id);
    }
  }
  p->n_offered = p->n_slots;
}

/* The offered layout as the SDP module wants it (pointing into p->offered). */
static void offered_tracks(VtMediaPeer *p, VtSubscribeTrack *out)
{
  for (guint i = 0; i < p->n_offered; i++) {
    out[i] = p->offered[i].t;
    out[i].participant_id = out[i].active ? p->offered[i].participant_id : NULL;
    out[i].track_id = out[i].active ? p->offered[i].track_id : NULL;
  }
}

static void local_description(VtMediaPeer *p, VtLocalDescription *local)
{
  memset(local, 0, sizeof *local);
  local->ice_ufrag = vt_transport_local_ufrag(p->sub);
  local->ice_pwd = vt_transport_local_pwd(p->sub);
  memcpy(local->fingerprint, vt_dtls_cert_get_fingerprint(p->room->config->cert),
         sizeof local->fingerprint);
  local->trickle = TRUE;
  local->candidates = (const char *const *)p->sub_candidates->pdata;
  local->end_of_candidates = TRUE;
  local->features = vt_media_features();
  local->session_id = p->session_id;
}

static void send_offer(VtMediaPeer *p)
{
  snapshot(p);
  VtSubscribeTrack tracks[VT_SDP_MAX_MEDIA];
  offered_tracks(p, tracks);
  VtLocalDescription local;
  g_ptr_array_add(p->sub_candidates, NULL);
  local_description(p, &local);
  g_autoptr(GError) error = NULL;
  g_autofree char *offer =
      vt_sdp_build_subscribe_offer(tracks, p->n_offered, &local, ++p->offer_version, &error);
  g_ptr_array_remove_index(p->sub_candidates, p->sub_candidates->len - 1);
  if (!offer) {
    g_warning("room %s: %s: cannot write the subscribe offer: %s", p->room->id, p->id,
              error->message);
    return;
  }
  p->awaiting_answer = TRUE;
  p->dirty = FALSE;
  vt_media_room_emit_sdp(p, VT_PC_SUBSCRIBE, offer);
}

/* ---- transport callbacks ---------------------------------------------------- */

static void sub_candidate(gpointer data, const char *line)
{
  VtMediaPeer *p = data;
  if (p->sub_candidates->len < VT_SDP_MAX_CANDIDATES)
    g_ptr_array_add(p->sub_candidates, g_strdup(line));
}

static void sub_gathering_done(gpointer data)
{
  VtMediaPeer *p = data;
  if (p->sub_gathered)
    return;
  p->sub_gathered = TRUE;
  vt_media_sub_renegotiate(p);
}

/* A subscriber whose connection (re)starts needs a keyframe of every video
 * track it receives, and gets none of their packets before it: a recent one
 * from the cache, or else the publisher is asked. */
static void sub_up(gpointer data)
{
  VtMediaPeer *p = data;
  vt_media_room_emit_up(p, VT_PC_SUBSCRIBE);
  gint64 now = g_get_monotonic_time();
  for (guint i = 0; i < p->n_slots; i++) {
    VtSubSlot *slot = p->slots[i];
    if (slot->track && slot->accepted && slot->kind == VT_SDP_KIND_VIDEO) {
      slot->need_keyframe = TRUE;
      if (!vt_forward_replay_keyframe(slot, now))
        vt_forward_request_keyframe(slot->track, now, TRUE);
    }
  }
}

static void sub_failed(gpointer data, VtPcFailure failure, const char *detail)
{
  VtMediaPeer *p = data;
  p->sub_failed = TRUE;
  g_message("room %s: %s: subscribe connection failed: %s (%s)", p->room->id, p->id,
            vt_pc_failure_code(failure), detail);
  vt_media_room_emit_failure(p, VT_PC_SUBSCRIBE, failure, detail);
  vt_media_room_schedule_reap(p->room);
}

static void sub_rtp(gpointer data, uint8_t *buf, size_t len, gint64 now_us)
{
  /* A subscribe connection is receive-only for the client: drop. */
}

static void sub_rtcp(gpointer data, uint8_t *buf, size_t len, gint64 now_us)
{
  vt_feedback_subscriber_rtcp(data, buf, len, now_us);
}

static const VtMediaTransportCallbacks sub_callbacks = {
    .local_candidate = sub_candidate,
    .gathering_done = sub_gathering_done,
    .up = sub_up,
    .failed = sub_failed,
    .rtp = sub_rtp,
    .rtcp = sub_rtcp,
};

static gboolean start_transport(VtMediaPeer *p)
{
  g_autoptr(GError) error = NULL;
  VtMediaRoom *room = p->room;
  p->sub = vt_transport_new(room->ctx, room->config->cert, &room->config->ice, TRUE,
                            &sub_callbacks, p, &error);
  p->sub_candidates = g_ptr_array_new_with_free_func(g_free);
  if (!p->sub || !vt_transport_gather(p->sub, &error)) {
    g_warning("room %s: %s: cannot start the subscribe connection: %s", room->id, p->id,
              error->message);
    p->sub_failed = TRUE;
    vt_media_room_schedule_reap(room);
    return FALSE;
  }
  /* The memory per subscriber is mostly per connection; a subscriber that
   * closes its receive connection leaves the room through signaling too, or
   * is dropped when it stops answering consent checks. */
  vt_transport_retire_dtls(p->sub);
  return TRUE;
}

/* ---- public (inside the relay) ------------------------------------------------ */

void vt_media_sub_renegotiate(VtMediaPeer *p)
{
  if (p->sub_failed)
    return;
  if (add_new_tracks(p))
    p->dirty = TRUE;
  if (!p->dirty || p->awaiting_answer)
    return;
  if (!p->sub) {
    start_transport(p); /* the offer goes out once candidates are gathered */
    return;
  }
  if (p->sub_gathered)
    send_offer(p);
}

void vt_media_sub_drop(VtMediaPeer *p)
{
  for (guint i = 0; i < p->n_slots; i++) {
    unbind(p->slots[i]);
    g_clear_pointer(&p->slots[i], g_free);
  }
  p->n_slots = 0;
  g_clear_pointer(&p->offered, g_free);
  p->n_offered = 0;
  g_clear_pointer(&p->sub, vt_transport_free);
  g_clear_pointer(&p->sub_candidates, g_ptr_array_unref);
  p->sub_gathered = FALSE;
  p->sub_remote_set = FALSE;
  p->awaiting_answer = FALSE;
  p->dirty = FALSE;
  p->sub_failed = FALSE;
}

static void ext_map(VtSubSlot *slot, const VtSubscribeAnswerMedia *m)
{
  memset(&slot->ext, 0, sizeof slot->ext);
  for (guint e = 0; e < VT_SDP_EXT_COUNT; e++) {
    /* The publisher's mid means nothing on this connection: dropped, the
     * subscriber demuxes by the SSRCs of the offer. */
    if (e == VT_SDP_EXT_MID)
      continue;
    guint8 from = slot->track->ext_ids[e];
    if (from)
      slot->ext.to[from] = m->ext_ids[e];
  }
}

static void apply_answer(VtMediaPeer *p, const VtSubscribeAnswer *answer)
{
  gint64 now = g_get_monotonic_time();
  for (guint i = 0; i < p->n_offered && i < answer->n_media; i++) {
    VtSubSlot *slot = p->slots[i];
    const VtSubscribeAnswerMedia *m = &answer->media[i];
    if (!slot->track || slot->ssrc != p->offered[i].t.ssrc)
      continue; /* rebound or freed since this offer: the next offer covers it */
    gboolean was = slot->accepted;
    slot->accepted = m->accepted;
    slot->pt = m->codec.pt;
    slot->rtx_pt = m->codec.rtx_pt;
    ext_map(slot, m);
    /* Asked for at once, even before the connection is up: by the time it
     * is, the keyframe may be in the cache (sub_up replays it). A connection
     * that came up before its answer was applied gets the replay now. */
    if (slot->accepted && !was && slot->kind == VT_SDP_KIND_VIDEO) {
      slot->need_keyframe = TRUE;
      if (!vt_transport_is_up(p->sub) || !vt_forward_replay_keyframe(slot, now))
        vt_forward_request_keyframe(slot->track, now, TRUE);
    }
  }
}

void vt_media_sub_answer(VtMediaPeer *p, const char *sdp)
{
  if (!p->awaiting_answer || !p->sub) {
    vt_media_room_emit_refusal(p, VT_PC_SUBSCRIBE, VT_NEGOTIATION_BAD_SDP,
                             "no subscribe offer is waiting for an answer");
    return;
  }
  VtSubscribeTrack tracks[VT_SDP_MAX_MEDIA];
  offered_tracks(p, tracks);
  VtLocalDescription local;
  g_ptr_array_add(p->sub_candidates, NULL);
  local_description(p, &local);
  g_autoptr(GError) error = NULL;
  g_autoptr(VtSubscribeAnswer) answer = NULL;
  gboolean ok = vt_sdp_parse_subscribe_answer(sdp, strlen(sdp), tracks, p->n_offered, &local,
                                              &answer, &error);
  g_ptr_array_remove_index(p->sub_candidates, p->sub_candidates->len - 1);
  if (ok && !p->sub_remote_set) {
    VtSdpSetup mine = answer->transport.setup == VT_SDP_SETUP_ACTIVE ? VT_SDP_SETUP_PASSIVE
                                                                     : VT_SDP_SETUP_ACTIVE;
    ok = vt_transport_set_remote(p->sub, &answer->transport, mine, &error);
    p->sub_remote_set = ok;
  }
  if (!ok) {
    /* The offer stays open: the client may answer it again correctly. */
    vt_media_room_emit_refusal(p, VT_PC_SUBSCRIBE, VT_NEGOTIATION_BAD_SDP, error->message);
    return;
  }
  apply_answer(p, answer);
  p->awaiting_answer = FALSE;
  vt_media_sub_renegotiate(p);
}

void vt_media_room_subscribe_restart(VtMediaRoom *room, const char *participant)
{
  VT_ON_ROOM_THREAD(room);
  VtMediaPeer *p = g_hash_table_lookup(room->peers, participant);
  if (!p)
    return;
  vt_media_sub_drop(p);
  vt_media_sub_renegotiate(p);
}

void vt_media_room_subscribe_answer(VtMediaRoom *room, const char *participant, const char *sdp)
{
  VT_ON_ROOM_THREAD(room);
  VtMediaPeer *p = g_hash_table_lookup(room->peers, participant);
  if (p)
    vt_media_sub_answer(p, sdp);
}
