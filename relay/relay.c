/* The relay's main-thread side: rooms placed on workers, calls carried there
 * as messages, events carried back (see relay.h). */
#include "relay/relay.h"

#include <string.h>

#include "relay/media-room.h"
#include "relay/srtp.h"
#include "relay/worker.h"

G_DEFINE_QUARK(vt-relay-error-quark, vt_relay_error)

/* Events from workers hold the link, not the relay: a relay freed while
 * events are still queued on the main context leaves them a NULL. */
typedef struct {
  VtRelay *relay;       /* main thread only */
  GMainContext *main;   /* where events go; fixed at creation */
} Link;

typedef struct {
  VtWorker *worker;
  VtMediaRoom *media;   /* owned by the worker from now on */
  GHashTable *members;  /* participant ids: the room goes with the last one */
} Room;

struct _VtRelay {
  VtRelayEvents events;
  gpointer data;
  GThread *thread; /* the main thread: the one that made the relay */
  gboolean enabled;
  char *disabled_reason;
  char **local_addresses;
  char *public_ipv4;
  VtMediaRoomConfig media_config;
  VtSdpCodecPrefs codecs;
  VtWorkers *workers;
  GHashTable *rooms; /* id -> Room */
  Link *link;
};

/* Every call comes from the thread that made the relay. */
#define ON_MAIN(relay) g_assert((relay)->thread == g_thread_self())

const char *vt_pc_failure_code(VtPcFailure failure)
{
  static const char *const codes[] = {
      [VT_PC_FAILURE_ICE] = "ice_failed",
      [VT_PC_FAILURE_CONSENT_LOST] = "consent_lost",
      [VT_PC_FAILURE_DTLS_FINGERPRINT] = "dtls_fingerprint",
      [VT_PC_FAILURE_DTLS] = "dtls_failed",
      [VT_PC_FAILURE_SRTP] = "srtp_failed",
      [VT_PC_FAILURE_CLOSED] = "closed",
  };
  g_return_val_if_fail((guint)failure < G_N_ELEMENTS(codes), "failed");
  return codes[failure];
}

const char *vt_negotiation_code(VtNegotiationError error)
{
  return error == VT_NEGOTIATION_BAD_SDP ? "bad_sdp" : "relay_error";
}

/* ---- events: worker -> main ------------------------------------------------ */

typedef enum { EV_SDP, EV_STATE, EV_REFUSED } EventKind;

/* A copy of one event, carried to the main context. */
typedef struct {
  Link *link;
  EventKind kind;
  char *room;
  char *participant;
  VtPcKind pc;
  char *text; /* the SDP, the failure's detail, or the refusal's message */
  gboolean connected;
  VtPcFailure failure;
  VtNegotiationError error;
} Event;

static void link_clear(gpointer p)
{
  g_main_context_unref(((Link *)p)->main);
}

static void link_release(Link *link)
{
  g_atomic_rc_box_release_full(link, link_clear);
}

static void event_free(gpointer p)
{
  Event *ev = p;
  link_release(ev->link);
  g_free(ev->room);
  g_free(ev->participant);
  g_free(ev->text);
  g_free(ev);
}

static gboolean event_deliver(gpointer p)
{
  Event *ev = p;
  VtRelay *relay = ev->link->relay;
  if (!relay)
    return G_SOURCE_REMOVE;
  ON_MAIN(relay);
  const VtRelayEvents *e = &relay->events;
  VtRelayWho who = {.room = ev->room, .participant = ev->participant, .pc = ev->pc};
  if (ev->kind == EV_SDP && e->sdp) {
    e->sdp(relay->data, &(VtRelaySdpEvent){.who = who, .sdp = ev->text});
  } else if (ev->kind == EV_STATE && e->state) {
    e->state(relay->data, &(VtRelayStateEvent){.who = who,
                                               .connected = ev->connected,
                                               .failure = ev->failure,
                                               .detail = ev->text});
  } else if (ev->kind == EV_REFUSED && e->refused) {
    e->refused(relay->data,
               &(VtRelayRefusalEvent){.who = who, .error = ev->error, .message = ev->text});
  }
  return G_SOURCE_REMOVE;
}

static Event *event_new(Link *link, EventKind kind, const VtRelayWho *who, const char *text)
{
  Event *ev = g_new0(Event, 1);
  ev->link = g_atomic_rc_box_acquire(link);
  ev->kind = kind;
  ev->room = g_strdup(who->room);
  ev->participant = g_strdup(who->participant);
  ev->pc = who->pc;
  ev->text = g_strdup(text);
  return ev;
}

static void post_event(Event *ev)
{
  vt_main_invoke(ev->link->main, event_deliver, ev, event_free);
}

static void on_sdp(gpointer data, const VtRelaySdpEvent *e)
{
  post_event(event_new(data, EV_SDP, &e->who, e->sdp));
}

static void on_state(gpointer data, const VtRelayStateEvent *e)
{
  Event *ev = event_new(data, EV_STATE, &e->who, e->detail);
  ev->connected = e->connected;
  ev->failure = e->failure;
  post_event(ev);
}

static void on_refused(gpointer data, const VtRelayRefusalEvent *e)
{
  Event *ev = event_new(data, EV_REFUSED, &e->who, e->message);
  ev->error = e->error;
  post_event(ev);
}

static const VtMediaRoomEvents media_events = {on_sdp, on_state, on_refused};

/* ---- calls: main -> worker ----------------------------------------------------- */

typedef enum { OP_JOIN, OP_LEAVE, OP_PUBLISH, OP_ANSWER, OP_RESTART, OP_CANDIDATE, OP_TAP, OP_FREE } OpKind;

typedef struct {
  OpKind kind;
  VtMediaRoom *room;
  char *participant;
  VtPcKind pc;
  char *text;
  VtPublishOffer *offer;
  VtSdpKind media_kind;
  VtRelayTapFunc tap;
  gpointer tap_data;
  GDestroyNotify tap_destroy;
} Op;

static gboolean op_run(gpointer p)
{
  Op *op = p;
  switch (op->kind) {
  case OP_JOIN:
    vt_media_room_join(op->room, op->participant);
    break;
  case OP_LEAVE:
    vt_media_room_leave(op->room, op->participant);
    break;
  case OP_PUBLISH:
    vt_media_room_publish(op->room, op->participant, g_steal_pointer(&op->offer));
    break;
  case OP_ANSWER:
    vt_media_room_subscribe_answer(op->room, op->participant, op->text);
    break;
  case OP_RESTART:
    vt_media_room_subscribe_restart(op->room, op->participant);
    break;
  case OP_CANDIDATE:
    vt_media_room_add_candidate(op->room, op->participant, op->pc, op->text);
    break;
  case OP_TAP:
    if (vt_media_room_add_tap(op->room, op->participant, op->media_kind,
                              (VtMediaTapFunc)op->tap, op->tap_data, op->tap_destroy))
      op->tap_destroy = NULL; /* the track owns it now */
    break;
  case OP_FREE:
    break; /* in op_free, which also runs when the worker stopped first */
  }
  return G_SOURCE_REMOVE;
}

static void op_free(gpointer p)
{
  Op *op = p;
  if (op->kind == OP_FREE)
    vt_media_room_free(op->room);
  if (op->tap_destroy)
    op->tap_destroy(op->tap_data);
  vt_publish_offer_free(op->offer);
  g_free(op->participant);
  g_free(op->text);
  g_free(op);
}

static Op *op_new(OpKind kind, const char *participant)
{
  Op *op = g_new0(Op, 1);
  op->kind = kind;
  op->participant = g_strdup(participant);
  return op;
}

static void post(Room *room, Op *op)
{
  if (op->participant)
    g_hash_table_add(room->members, g_strdup(op->participant));
  op->room = room->media;
  vt_worker_post(room->worker, op_run, op, op_free);
}

static void room_free(gpointer p)
{
  Room *room = p;
  post(room, op_new(OP_FREE, NULL));
  g_hash_table_unref(room->members);
  g_free(room);
}

static Room *room_get(VtRelay *relay, const char *id, gboolean create)
{
  Room *room = g_hash_table_lookup(relay->rooms, id);
  if (room || !create)
    return room;
  room = g_new0(Room, 1);
  room->members = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  room->worker = vt_workers_place(relay->workers, id);
  /* Made here, touched only on the worker from now on: creating attaches
   * nothing to any context. */
  room->media = vt_media_room_new(id, vt_worker_context(room->worker), &relay->media_config,
                                  &media_events, relay->link);
  g_hash_table_insert(relay->rooms, g_strdup(id), room);
  return room;
}

static void room_remove(VtRelay *relay, const char *id)
{
  Room *room = g_hash_table_lookup(relay->rooms, id);
  if (!room)
    return;
  vt_workers_release(relay->workers, room->worker);
  g_hash_table_remove(relay->rooms, id); /* posts the free */
}

/* ---- public ------------------------------------------------------------------------ */

static gboolean setup_media(VtRelay *relay, const VtRelayConfig *config, GError **error)
{
  if (!vt_srtp_init(error))
    return FALSE;
  relay->media_config.cert = vt_dtls_cert_new(error);
  if (!relay->media_config.cert)
    return FALSE;
  relay->local_addresses = g_strdupv(config->local_addresses);
  relay->public_ipv4 = g_strdup(config->public_ipv4);
  VtIceConfig *ice = &relay->media_config.ice;
  ice->local_addresses = (const char *const *)relay->local_addresses;
  ice->min_port = config->min_port;
  ice->max_port = config->max_port;
  ice->public_ipv4 = relay->public_ipv4;
  ice->ice_tcp = config->ice_tcp;
  relay->media_config.max_bitrate_bps = config->max_bitrate_bps;
  relay->codecs = config->codecs;
  if (relay->codecs.n_video == 0 && relay->codecs.n_audio == 0)
    vt_sdp_codec_prefs_init_default(&relay->codecs);
  relay->workers = vt_workers_new(config->workers);
  return TRUE;
}

VtRelay *vt_relay_new(const VtRelayConfig *config, const VtRelayEvents *events, gpointer data)
{
  VtRelay *relay = g_new0(VtRelay, 1);
  relay->thread = g_thread_self();
  if (events)
    vt_relay_set_events(relay, events, data);
  relay->link = g_atomic_rc_box_new0(Link);
  relay->link->main = g_main_context_ref_thread_default();
  relay->link->relay = relay;
  relay->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, room_free);
  g_autoptr(GError) error = NULL;
  if (!config || !config->enabled) {
    relay->disabled_reason = g_strdup("media is turned off on this server");
  } else if (!setup_media(relay, config, &error)) {
    g_warning("relay: media is off: %s", error->message);
    relay->disabled_reason = g_strdup_printf("media is off on this server: %s", error->message);
  } else {
    relay->enabled = TRUE;
  }
  return relay;
}

void vt_relay_set_events(VtRelay *relay, const VtRelayEvents *events, gpointer data)
{
  ON_MAIN(relay);
  relay->events = events ? *events : (VtRelayEvents){0};
  relay->data = data;
}

void vt_relay_free(VtRelay *relay)
{
  if (!relay)
    return;
  ON_MAIN(relay);
  relay->link->relay = NULL;
  link_release(relay->link);
  g_hash_table_unref(relay->rooms); /* posts a free per room */
  vt_workers_free(relay->workers);  /* runs or releases every posted message */
  vt_dtls_cert_unref(relay->media_config.cert);
  g_strfreev(relay->local_addresses);
  g_free(relay->public_ipv4);
  g_free(relay->disabled_reason);
  g_free(relay);
}

static gboolean not_available(VtRelay *relay, GError **error)
{
  g_set_error_literal(error, VT_RELAY_ERROR, VT_RELAY_ERROR_NOT_AVAILABLE,
                      relay->disabled_reason);
  return FALSE;
}

void vt_relay_wake_workers(VtRelay *relay)
{
  ON_MAIN(relay);
  if (relay->workers)
    vt_workers_wake(relay->workers);
}

void vt_relay_participant_joined(VtRelay *relay, const char *room, const char *participant)
{
  ON_MAIN(relay);
  if (relay->enabled)
    post(room_get(relay, room, TRUE), op_new(OP_JOIN, participant));
}

void vt_relay_participant_left(VtRelay *relay, const char *room_id, const char *participant)
{
  ON_MAIN(relay);
  Room *room = relay->enabled ? room_get(relay, room_id, FALSE) : NULL;
  if (!room)
    return;
  post(room, op_new(OP_LEAVE, participant));
  g_hash_table_remove(room->members, participant);
  if (g_hash_table_size(room->members) == 0)
    room_remove(relay, room_id);
}

gboolean vt_relay_publish_offer(VtRelay *relay, const char *room, const char *participant,
                                const char *sdp, guint max_audio, guint max_video,
                                GError **error)
{
  ON_MAIN(relay);
  if (!relay->enabled)
    return not_available(relay, error);
  g_autoptr(GError) sdp_error = NULL;
  VtPublishOffer *offer = NULL;
  if (!vt_sdp_parse_publish_offer_with_prefs(sdp, strlen(sdp), &relay->codecs, &offer,
                                             &sdp_error)) {
    g_set_error(error, VT_RELAY_ERROR, VT_RELAY_ERROR_BAD_SDP, "%s: %s",
                vt_sdp_error_code(sdp_error->code), sdp_error->message);
    return FALSE;
  }
  guint dropped = vt_publish_offer_limit_tracks(offer, max_audio, max_video);
  if (dropped)
    g_message("room %s: %s offered %u tracks over its limit; rejected", room, participant,
              dropped);
  Op *op = op_new(OP_PUBLISH, participant);
  op->offer = offer;
  post(room_get(relay, room, TRUE), op);
  return TRUE;
}

gboolean vt_relay_subscribe_answer(VtRelay *relay, const char *room, const char *participant,
                                   const char *sdp, GError **error)
{
  ON_MAIN(relay);
  if (!relay->enabled)
    return not_available(relay, error);
  Op *op = op_new(OP_ANSWER, participant);
  op->text = g_strdup(sdp);
  post(room_get(relay, room, TRUE), op);
  return TRUE;
}

gboolean vt_relay_subscribe_restart(VtRelay *relay, const char *room, const char *participant,
                                    GError **error)
{
  ON_MAIN(relay);
  if (!relay->enabled)
    return not_available(relay, error);
  post(room_get(relay, room, TRUE), op_new(OP_RESTART, participant));
  return TRUE;
}

gboolean vt_relay_add_candidate(VtRelay *relay, const char *room, const char *participant,
                                VtPcKind pc, const char *candidate, const char *sdp_mid,
                                int mline_index, GError **error)
{
  ON_MAIN(relay);
  if (!relay->enabled)
    return not_available(relay, error);
  Op *op = op_new(OP_CANDIDATE, participant);
  op->pc = pc;
  op->text = g_strdup(candidate);
  post(room_get(relay, room, TRUE), op);
  return TRUE;
}

gboolean vt_relay_add_tap(VtRelay *relay, const char *room, const char *participant,
                          const char *kind, VtRelayTapFunc fn, gpointer data,
                          GDestroyNotify destroy)
{
  ON_MAIN(relay);
  if (!relay->enabled)
    return FALSE;
  Op *op = op_new(OP_TAP, participant);
  op->media_kind = g_strcmp0(kind, "audio") == 0 ? VT_SDP_KIND_AUDIO : VT_SDP_KIND_VIDEO;
  op->tap = fn;
  op->tap_data = data;
  op->tap_destroy = destroy;
  post(room_get(relay, room, TRUE), op);
  return TRUE;
}

guint vt_relay_room_count(VtRelay *relay)
{
  ON_MAIN(relay);
  return g_hash_table_size(relay->rooms);
}

gboolean vt_relay_media_on(VtRelay *relay)
{
  ON_MAIN(relay);
  return relay->enabled;
}
