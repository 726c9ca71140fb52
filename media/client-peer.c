/* One webrtcbin peer connection; see client-peer.h.
 *
 * Every webrtcbin callback (promise replies, on-ice-candidate, property
 * notifications) only packs what happened into an Event and posts it to the
 * owner's main context; dispatch() then acts on the owner's thread. Events
 * and signal handlers hold a reference on the peer, so a late callback never
 * touches freed memory, and dispatch() drops everything once the peer is
 * closed. */
#define GST_USE_UNSTABLE_API
#include "media/client-peer.h"

#include "media/client-ice.h"

#include <gio/gio.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <nice/agent.h>

#define STATS_TIMEOUT_US (1 * G_USEC_PER_SEC)

struct _VtClientPeer {
  gatomicrefcount ref;
  char *pc;
  GstElement *webrtc;
  GMainContext *context;
  const VtClientPeerEvents *events;
  gpointer user;
  /* Owner's thread only. */
  gboolean closed;
  gboolean busy;
  gboolean gathered; /* end of candidates reported for this gathering */
  char **mids;       /* a=mid of each m-line of the last local description */
  char **local_addresses;
  VtClientIceSeen seen; /* remote candidates, for explaining a failure */
};

typedef enum {
  EV_DESCRIPTION, /* desc: a local offer or answer was created */
  EV_LOCAL_SET,   /* it is now the local description */
  EV_REMOTE_SET,  /* flag: the remote description was an offer */
  EV_CANDIDATE,   /* mline, text */
  EV_GATHERED,    /* gathering complete */
  EV_FAILED,      /* text: the reason; flag: ICE or DTLS failed */
} EventKind;

typedef struct {
  VtClientPeer *peer;
  EventKind kind;
  guint mline;
  gboolean flag;
  char *text;
  GstWebRTCSessionDescription *desc;
} Event;

static VtClientPeer *peer_ref(VtClientPeer *peer)
{
  g_atomic_ref_count_inc(&peer->ref);
  return peer;
}

static void peer_unref(gpointer data)
{
  VtClientPeer *peer = data;
  if (!g_atomic_ref_count_dec(&peer->ref))
    return;
  g_free(peer->pc);
  g_strfreev(peer->mids);
  g_strfreev(peer->local_addresses);
  gst_clear_object(&peer->webrtc);
  g_main_context_unref(peer->context);
  g_free(peer);
}

static void event_free(gpointer data)
{
  Event *ev = data;
  peer_unref(ev->peer);
  g_free(ev->text);
  if (ev->desc)
    gst_webrtc_session_description_free(ev->desc);
  g_free(ev);
}

static gboolean dispatch(gpointer data);

/* Posts an event to the owner's context. Always through a new idle source,
 * never run in place, so that events keep their order whatever thread posts
 * them. Takes ownership of desc. */
static void post(VtClientPeer *peer, EventKind kind, guint mline, gboolean flag, const char *text,
                 GstWebRTCSessionDescription *desc)
{
  Event *ev = g_new0(Event, 1);
  ev->peer = peer_ref(peer);
  ev->kind = kind;
  ev->mline = mline;
  ev->flag = flag;
  ev->text = g_strdup(text);
  ev->desc = desc;
  g_autoptr(GSource) source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, dispatch, ev, event_free);
  g_source_attach(source, peer->context);
}

static void post_failure(VtClientPeer *peer, const char *what, const GError *error)
{
  g_autofree char *reason = g_strdup_printf("%s connection: %s%s%s", peer->pc, what,
                                            error ? ": " : "", error ? error->message : "");
  post(peer, EV_FAILED, 0, FALSE, reason, NULL);
}

/* The reply of a finished promise; FALSE with *error set (or NULL when the
 * promise was interrupted) when webrtcbin refused. */
static gboolean promise_ok(GstPromise *promise, const GstStructure **reply, GError **error)
{
  *reply = NULL;
  if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED)
    return FALSE;
  *reply = gst_promise_get_reply(promise);
  if (*reply && gst_structure_has_field(*reply, "error")) {
    gst_structure_get(*reply, "error", G_TYPE_ERROR, error, NULL);
    return FALSE;
  }
  return TRUE;
}

/* ---- promise replies (webrtcbin's threads) ---- */

typedef struct {
  VtClientPeer *peer;
  gboolean offer; /* what the promise is about: an offer (else an answer) */
} PromiseData;

static void promise_data_free(gpointer data)
{
  PromiseData *pd = data;
  peer_unref(pd->peer);
  g_free(pd);
}

/* The caller emits the action with the promise and then unrefs it:
 * webrtcbin keeps its own reference until it replies, and the peer's
 * reference goes with the promise, whether it was answered or not. */
static GstPromise *promise_new(VtClientPeer *peer, gboolean offer, GstPromiseChangeFunc func)
{
  PromiseData *pd = g_new0(PromiseData, 1);
  pd->peer = peer_ref(peer);
  pd->offer = offer;
  return gst_promise_new_with_change_func(func, pd, promise_data_free);
}

static VtClientPeer *promise_peer(gpointer data, gboolean *offer)
{
  PromiseData *pd = data;
  *offer = pd->offer;
  return pd->peer;
}

static void on_created(GstPromise *promise, gpointer data)
{
  gboolean offer;
  VtClientPeer *peer = promise_peer(data, &offer);
  const GstStructure *reply;
  g_autoptr(GError) error = NULL;
  GstWebRTCSessionDescription *desc = NULL;
  if (!promise_ok(promise, &reply, &error) || !reply ||
      !gst_structure_get(reply, offer ? "offer" : "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
                         &desc, NULL))
    post_failure(peer, offer ? "cannot create the offer" : "cannot create the answer", error);
  else
    post(peer, EV_DESCRIPTION, 0, offer, NULL, desc);
}

static void on_local_set(GstPromise *promise, gpointer data)
{
  gboolean offer;
  VtClientPeer *peer = promise_peer(data, &offer);
  const GstStructure *reply;
  g_autoptr(GError) error = NULL;
  if (!promise_ok(promise, &reply, &error))
    post_failure(peer, "cannot set the local description", error);
  else
    post(peer, EV_LOCAL_SET, 0, offer, NULL, NULL);
}

static void on_remote_set(GstPromise *promise, gpointer data)
{
  gboolean offer;
  VtClientPeer *peer = promise_peer(data, &offer);
  const GstStructure *reply;
  g_autoptr(GError) error = NULL;
  if (!promise_ok(promise, &reply, &error))
    post_failure(peer, offer ? "the remote offer was refused" : "the remote answer was refused",
                 error);
  else
    post(peer, EV_REMOTE_SET, 0, offer, NULL, NULL);
}

/* ---- webrtcbin signals (its threads) ---- */

static void on_ice_candidate(GstElement *webrtc, guint mline, const char *candidate, gpointer data)
{
  post(data, EV_CANDIDATE, mline, FALSE, candidate, NULL);
}

static void on_gathering_state(GObject *webrtc, GParamSpec *pspec, gpointer data)
{
  GstWebRTCICEGatheringState state;
  g_object_get(webrtc, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    post(data, EV_GATHERED, 0, FALSE, NULL, NULL);
}

static void on_connection_state(GObject *webrtc, GParamSpec *pspec, gpointer data)
{
  GstWebRTCPeerConnectionState state;
  g_object_get(webrtc, "connection-state", &state, NULL);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
    post(data, EV_FAILED, 0, TRUE, "ICE or DTLS failed", NULL);
}

/* ---- the owner's thread ---- */

static void remember_mids(VtClientPeer *peer, const GstSDPMessage *sdp)
{
  guint n = gst_sdp_message_medias_len(sdp);
  g_strfreev(peer->mids);
  peer->mids = g_new0(char *, n + 1);
  for (guint i = 0; i < n; i++)
    peer->mids[i] =
        g_strdup(gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(sdp, i), "mid"));
}

static const char *mid_of(VtClientPeer *peer, guint mline)
{
  if (!peer->mids || mline >= g_strv_length(peer->mids))
    return NULL;
  return peer->mids[mline];
}

static void handle_description(VtClientPeer *peer, Event *ev)
{
  g_autofree char *text = gst_sdp_message_as_text(ev->desc->sdp);
  remember_mids(peer, ev->desc->sdp);
  peer->gathered = FALSE;
  peer->events->description(peer->user, peer, text);
  if (peer->closed)
    return; /* the owner gave up while handling it */
  GstPromise *promise = promise_new(peer, ev->flag, on_local_set);
  g_signal_emit_by_name(peer->webrtc, "set-local-description", ev->desc, promise);
  gst_promise_unref(promise);
}

static void finish_negotiation(VtClientPeer *peer)
{
  peer->busy = FALSE;
  if (peer->events->negotiated)
    peer->events->negotiated(peer->user, peer);
}

static void handle_remote_set(VtClientPeer *peer, gboolean offer)
{
  if (!offer) {
    finish_negotiation(peer); /* the remote answer to our offer */
    return;
  }
  GstPromise *promise = promise_new(peer, FALSE, on_created);
  g_signal_emit_by_name(peer->webrtc, "create-answer", NULL, promise);
  gst_promise_unref(promise);
}

/* A connection that failed in ICE says why when the addresses tell. */
static void report_failure(VtClientPeer *peer, Event *ev)
{
  if (!ev->flag) {
    peer->events->failed(peer->user, peer, ev->text);
    return;
  }
  const char *hint =
      vt_client_ice_failure_hint(&peer->seen, (const char *const *)peer->local_addresses);
  g_autofree char *reason = g_strdup_printf("%s connection: %s%s%s", peer->pc, ev->text,
                                            hint ? ": " : "", hint ? hint : "");
  peer->events->failed(peer->user, peer, reason);
}

static gboolean dispatch(gpointer data)
{
  Event *ev = data;
  VtClientPeer *peer = ev->peer;
  if (peer->closed)
    return G_SOURCE_REMOVE;
  switch (ev->kind) {
  case EV_DESCRIPTION:
    handle_description(peer, ev);
    break;
  case EV_LOCAL_SET:
    if (!ev->flag)
      finish_negotiation(peer); /* our answer is in place */
    break;
  case EV_REMOTE_SET:
    handle_remote_set(peer, ev->flag);
    break;
  case EV_CANDIDATE:
    peer->events->candidate(peer->user, peer, ev->mline, mid_of(peer, ev->mline), ev->text);
    break;
  case EV_GATHERED:
    if (!peer->gathered)
      peer->events->candidate(peer->user, peer, 0, mid_of(peer, 0), "");
    peer->gathered = TRUE;
    break;
  case EV_FAILED:
    report_failure(peer, ev);
    break;
  }
  return G_SOURCE_REMOVE;
}

/* ---- setup ---- */

static gpointer warm_up(gpointer data)
{
  GstElement *dtls = gst_element_factory_make("dtlsdec", NULL);
  if (dtls)
    gst_object_unref(gst_object_ref_sink(dtls));
  return NULL;
}

GThread *vt_client_peer_warm_up(void)
{
  return g_thread_new("dtls-warm-up", warm_up, NULL);
}

void vt_client_peer_warm_up_wait(GThread *thread)
{
  if (thread)
    g_thread_join(thread);
}

/* The libnice agent behind webrtcbin (transfer full), or NULL if webrtcbin
 * uses another ICE implementation. */
static NiceAgent *nice_agent_of(GstElement *webrtc)
{
  g_autoptr(GObject) ice = NULL;
  g_object_get(webrtc, "ice-agent", &ice, NULL);
  NiceAgent *agent = NULL;
  if (ice && g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent"))
    g_object_get(ice, "agent", &agent, NULL);
  return agent;
}

/* No UPnP: libnice would otherwise multicast SSDP searches on every
 * interface to ask routers for port mappings, which a client talking to its
 * own relay (or to TURN) never needs, and which must not leave a test's
 * loopback. With addresses, only those are gathered on. */
static gboolean configure_ice(GstElement *webrtc, const char *const *addresses, GError **error)
{
  NiceAgent *agent = nice_agent_of(webrtc);
  if (!agent) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                "webrtcbin's ICE agent is not libnice; cannot configure it");
    return FALSE;
  }
  g_object_set(agent, "upnp", FALSE, NULL);
  gboolean ok = TRUE;
  for (const char *const *a = addresses; ok && a && *a; a++) {
    NiceAddress address;
    nice_address_init(&address);
    ok =
        nice_address_set_from_string(&address, *a) && nice_agent_add_local_address(agent, &address);
    if (!ok)
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                  "cannot gather on local address %s", *a);
  }
  g_object_unref(agent);
  return ok;
}

static void connect_signal(VtClientPeer *peer, const char *name, GCallback callback)
{
  g_signal_connect_data(peer->webrtc, name, callback, peer_ref(peer),
                        (GClosureNotify)(void (*)(void))peer_unref, 0);
}

VtClientPeer *vt_client_peer_new(const char *pc, const char *const *local_addresses,
                                 const VtClientPeerEvents *events, gpointer user, GError **error)
{
  g_autofree char *name = g_strdup_printf("webrtc-%s", pc);
  GstElement *webrtc = gst_element_factory_make("webrtcbin", name);
  if (!webrtc) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                "GStreamer element webrtcbin is missing (gstreamer1.0-plugins-bad)");
    return NULL;
  }
  gst_object_ref_sink(webrtc);
  g_object_set(webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "ice-transport-policy",
               GST_WEBRTC_ICE_TRANSPORT_POLICY_ALL, "stun-server", NULL, NULL);
  if (!configure_ice(webrtc, local_addresses, error)) {
    gst_object_unref(webrtc);
    return NULL;
  }
  VtClientPeer *peer = g_new0(VtClientPeer, 1);
  g_atomic_ref_count_init(&peer->ref);
  peer->pc = g_strdup(pc);
  peer->local_addresses = g_strdupv((char **)local_addresses);
  peer->webrtc = webrtc;
  peer->context = g_main_context_ref_thread_default();
  peer->events = events;
  peer->user = user;
  connect_signal(peer, "on-ice-candidate", G_CALLBACK(on_ice_candidate));
  connect_signal(peer, "notify::ice-gathering-state", G_CALLBACK(on_gathering_state));
  connect_signal(peer, "notify::connection-state", G_CALLBACK(on_connection_state));
  return peer;
}

void vt_client_peer_close(VtClientPeer *peer)
{
  if (peer->closed)
    return;
  peer->closed = TRUE;
  g_signal_handlers_disconnect_by_data(peer->webrtc, peer);
}

void vt_client_peer_free(VtClientPeer *peer)
{
  if (!peer)
    return;
  vt_client_peer_close(peer);
  peer_unref(peer);
}

GstElement *vt_client_peer_element(VtClientPeer *peer)
{
  return peer->webrtc;
}

const char *vt_client_peer_name(VtClientPeer *peer)
{
  return peer->pc;
}

gboolean vt_client_peer_busy(VtClientPeer *peer)
{
  return peer->busy;
}

void vt_client_peer_create_offer(VtClientPeer *peer)
{
  peer->busy = TRUE;
  GstPromise *promise = promise_new(peer, TRUE, on_created);
  g_signal_emit_by_name(peer->webrtc, "create-offer", NULL, promise);
  gst_promise_unref(promise);
}

/* Remote candidates may come inside the description too. */
static void note_candidates(VtClientPeer *peer, const GstSDPMessage *msg)
{
  for (guint i = 0; i < gst_sdp_message_medias_len(msg); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
    for (guint j = 0; j < gst_sdp_media_attributes_len(m); j++) {
      const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, j);
      if (g_strcmp0(a->key, "candidate") == 0 && a->value)
        vt_client_ice_seen_add(&peer->seen, a->value);
    }
  }
}

void vt_client_peer_set_remote(VtClientPeer *peer, const char *type, const char *sdp)
{
  gboolean offer = g_str_equal(type, "offer");
  g_autoptr(GstSDPMessage) msg = NULL;
  if (gst_sdp_message_new_from_text(sdp, &msg) != GST_SDP_OK) {
    post_failure(peer, offer ? "the remote offer is not SDP" : "the remote answer is not SDP",
                 NULL);
    return;
  }
  if (offer)
    peer->busy = TRUE;
  note_candidates(peer, msg);
  GstWebRTCSessionDescription *desc = gst_webrtc_session_description_new(
      offer ? GST_WEBRTC_SDP_TYPE_OFFER : GST_WEBRTC_SDP_TYPE_ANSWER, g_steal_pointer(&msg));
  GstPromise *promise = promise_new(peer, offer, on_remote_set);
  g_signal_emit_by_name(peer->webrtc, "set-remote-description", desc, promise);
  gst_promise_unref(promise);
  gst_webrtc_session_description_free(desc);
}

void vt_client_peer_add_candidate(VtClientPeer *peer, guint mline, const char *candidate)
{
  if (!candidate || !*candidate)
    return;
  vt_client_ice_seen_add(&peer->seen, candidate);
  g_signal_emit_by_name(peer->webrtc, "add-ice-candidate", mline, candidate);
}

/* get-stats with a deadline: gst_promise_wait() has none. */
typedef struct {
  GMutex lock;
  GCond cond;
  gboolean done;
} StatsWait;

static void on_stats(GstPromise *promise, gpointer data)
{
  StatsWait *w = data;
  g_mutex_lock(&w->lock);
  w->done = TRUE;
  g_cond_signal(&w->cond);
  g_mutex_unlock(&w->lock);
}

GstStructure *vt_client_peer_get_stats(VtClientPeer *peer)
{
  StatsWait w = {0};
  g_mutex_init(&w.lock);
  g_cond_init(&w.cond);
  GstPromise *promise = gst_promise_new_with_change_func(on_stats, &w, NULL);
  g_signal_emit_by_name(peer->webrtc, "get-stats", NULL, promise);
  gint64 deadline = g_get_monotonic_time() + STATS_TIMEOUT_US;
  g_mutex_lock(&w.lock);
  while (!w.done && g_cond_wait_until(&w.cond, &w.lock, deadline))
    ;
  gboolean late = !w.done;
  g_mutex_unlock(&w.lock);
  if (late) {
    /* The change function runs exactly once, for the reply or for this
     * interrupt; wait for it so that it never sees a dead stack frame. */
    gst_promise_interrupt(promise);
    g_mutex_lock(&w.lock);
    while (!w.done)
      g_cond_wait(&w.cond, &w.lock);
    g_mutex_unlock(&w.lock);
  }
  GstStructure *stats = NULL;
  if (gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED && gst_promise_get_reply(promise))
    stats = gst_structure_copy(gst_promise_get_reply(promise));
  gst_promise_unref(promise);
  g_mutex_clear(&w.lock);
  g_cond_clear(&w.cond);
  return stats;
}
