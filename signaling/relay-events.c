/* What the relay says back, turned into messages to the participant's socket
 * (docs/protocol.md, section 8). Events for someone who has left, or whose
 * socket is away, are dropped: a client that comes back starts its media
 * afresh (vt_relay_participant_joined). */
#include "signaling/hub-priv.h"

static const char *pc_name(VtPcKind pc)
{
  return pc == VT_PC_PUBLISH ? "publish" : "subscribe";
}

static VtParticipant *find(VtHub *hub, const char *room_id, const char *participant)
{
  VtRoom *room = g_hash_table_lookup(hub->rooms, room_id);
  VtParticipant *p = room ? vt_room_find(room, participant) : NULL;
  return p && p->peer ? p : NULL;
}

static void add_string(VtJsonOut *b, const char *name, const char *value)
{
  if (!value)
    return;
  vt_json_out_name(b, name);
  vt_json_out_string(b, value);
}

static void on_sdp(gpointer data, const VtRelaySdpEvent *ev)
{
  VtHub *hub = data;
  VtParticipant *p = find(hub, ev->who.room, ev->who.participant);
  if (!p)
    return;
  gboolean answer = ev->who.pc == VT_PC_PUBLISH;
  VtJsonOut *b =
      vt_msg_begin(answer ? "publish_answer" : "subscribe_offer", answer ? p->publish_ref : NULL);
  add_string(b, "sdp", ev->sdp);
  g_autoptr(GBytes) msg = vt_msg_finish(b);
  vt_hub_send(hub, p->peer, msg);
}

static void on_state(gpointer data, const VtRelayStateEvent *ev)
{
  VtHub *hub = data;
  const char *state = ev->connected ? "connected" : "failed";
  const char *reason = ev->connected ? NULL : vt_pc_failure_code(ev->failure);
  /* Interned: the metrics table keeps its keys for the life of the process,
   * and the set of pc/state/reason words is small and fixed. */
  g_autofree char *event = g_strdup_printf("%s_%s%s%s", pc_name(ev->who.pc), state,
                                           reason ? "_" : "", reason ? reason : "");
  vt_metrics_count(hub->metrics->media, g_intern_string(event));
  VtParticipant *p = find(hub, ev->who.room, ev->who.participant);
  if (!p)
    return;
  VtJsonOut *b = vt_msg_begin("media_state", NULL);
  add_string(b, "pc", pc_name(ev->who.pc));
  add_string(b, "state", state);
  add_string(b, "reason", reason);
  add_string(b, "message", ev->connected ? NULL : ev->detail);
  g_autoptr(GBytes) msg = vt_msg_finish(b);
  vt_hub_send(hub, p->peer, msg);
}

static void on_refused(gpointer data, const VtRelayRefusalEvent *ev)
{
  VtHub *hub = data;
  VtParticipant *p = find(hub, ev->who.room, ev->who.participant);
  if (!p)
    return;
  const char *code = vt_negotiation_code(ev->error);
  vt_metrics_count(hub->metrics->errors, code);
  VtJsonOut *b = vt_msg_begin("error", ev->who.pc == VT_PC_PUBLISH ? p->publish_ref : NULL);
  add_string(b, "code", code);
  add_string(b, "field", "sdp");
  add_string(b, "pc", pc_name(ev->who.pc));
  add_string(b, "message", ev->message);
  g_autoptr(GBytes) msg = vt_msg_finish(b);
  vt_hub_send(hub, p->peer, msg);
}

const VtRelayEvents vt_hub_relay_events = {
    .sdp = on_sdp,
    .state = on_state,
    .refused = on_refused,
};
