/* The receive side of `vitrine client`; see client-subscribe.h.
 *
 * Data structures: a Slot per m-line of the subscribe connection (made on the
 * owner's thread when an offer is applied, never freed before the
 * subscriber) points at the Received record of the track it currently
 * carries, or at none while it is inactive. The decoding branch behind an
 * m-line's webrtcbin pad is made on a streaming thread and its probe counts
 * into whatever record the slot points at, read atomically per buffer. */
#define GST_USE_UNSTABLE_API
#include "media/client-subscribe.h"

#include <gio/gio.h>
#include <gst/webrtc/webrtc.h>
#include <string.h>

#include "media/client-sdp.h"
#include "media/client-stats.h"

typedef struct {
  char *participant;
  char *mid;
  char *kind;
  char *codec;
  guint32 ssrc;
  gint frames; /* atomic */
  gint width;  /* atomic, 0 until a frame was seen */
  gint height; /* atomic */
} Received;

typedef struct {
  guint mline;
  char *mid;
  Received *current; /* atomic pointer; NULL while inactive */
} Slot;

struct _VtClientSubscriber {
  GstElement *pipeline;
  VtClientPeer *peer;
  const VtClientPeerEvents *events;
  gpointer user;
  GQueue offers; /* char* SDP waiting for the peer to be idle */

  GMutex lock;           /* slots (read by streaming threads) */
  GPtrArray *slots;      /* Slot* by m-line */
  GPtrArray *records;    /* Received*: every track seen, owner's thread only */
  gint64 first_frame_us; /* set once, under first_frame_set */
  gint first_frame_set;  /* atomic */

  guint bus_watch;
  gboolean stopped;
};

static void received_free(gpointer data)
{
  Received *r = data;
  g_free(r->participant);
  g_free(r->mid);
  g_free(r->kind);
  g_free(r->codec);
  g_free(r);
}

static void slot_free(gpointer data)
{
  Slot *s = data;
  g_free(s->mid);
  g_free(s);
}

/* ---- the track table (owner's thread) ---- */

static Slot *slot_at(VtClientSubscriber *sub, guint mline, const char *mid)
{
  while (sub->slots->len <= mline) {
    Slot *s = g_new0(Slot, 1);
    s->mline = sub->slots->len;
    g_ptr_array_add(sub->slots, s);
  }
  Slot *s = g_ptr_array_index(sub->slots, mline);
  if (!s->mid || !g_str_equal(s->mid, mid)) {
    g_free(s->mid);
    s->mid = g_strdup(mid);
  }
  return s;
}

static gboolean same_track(const Received *r, const VtClientRemoteTrack *t)
{
  return r && r->ssrc == t->ssrc && g_strcmp0(r->participant, t->participant) == 0;
}

/* Points every slot at the record of the track the offer puts there, making
 * a record for each track not seen before. */
static void apply_offer(VtClientSubscriber *sub, const VtClientRemoteOffer *offer)
{
  g_mutex_lock(&sub->lock);
  for (guint i = 0; i < offer->n_tracks; i++) {
    const VtClientRemoteTrack *t = &offer->tracks[i];
    Slot *slot = slot_at(sub, t->mline, t->mid);
    Received *now = g_atomic_pointer_get(&slot->current);
    if (!t->active) {
      g_atomic_pointer_set(&slot->current, NULL);
      continue;
    }
    if (same_track(now, t))
      continue;
    Received *r = g_new0(Received, 1);
    r->participant = g_strdup(t->participant);
    r->mid = g_strdup(t->mid);
    r->kind = g_strdup(t->kind);
    r->codec = g_strdup(t->codec);
    r->ssrc = t->ssrc;
    g_ptr_array_add(sub->records, r);
    g_atomic_pointer_set(&slot->current, r);
    g_message("subscribe: %s track from %s on mid %s", r->kind,
              r->participant ? r->participant : "?", r->mid);
  }
  g_mutex_unlock(&sub->lock);
}

/* Hands the oldest waiting offer to webrtcbin if it is idle. */
static void next_offer(VtClientSubscriber *sub)
{
  if (sub->stopped || vt_client_peer_busy(sub->peer) || g_queue_is_empty(&sub->offers))
    return;
  g_autofree char *sdp = g_queue_pop_head(&sub->offers);
  g_autoptr(VtClientRemoteOffer) offer = NULL;
  g_autoptr(GError) error = NULL;
  if (!vt_client_sdp_remote_tracks(sdp, strlen(sdp), &offer, &error)) {
    g_autofree char *reason = g_strdup_printf("subscribe: bad offer: %s", error->message);
    sub->events->failed(sub->user, sub->peer, reason);
    return;
  }
  apply_offer(sub, offer);
  vt_client_peer_set_remote(sub->peer, "offer", sdp);
}

void vt_client_subscriber_handle_offer(VtClientSubscriber *sub, const char *sdp)
{
  g_queue_push_tail(&sub->offers, g_strdup(sdp));
  next_offer(sub);
}

/* ---- peer events: forwarded, with the queue moved on ---- */

static void fwd_description(gpointer user, VtClientPeer *peer, const char *sdp)
{
  VtClientSubscriber *sub = user;
  sub->events->description(sub->user, peer, sdp);
}

static void fwd_candidate(gpointer user, VtClientPeer *peer, guint mline, const char *mid,
                          const char *candidate)
{
  VtClientSubscriber *sub = user;
  sub->events->candidate(sub->user, peer, mline, mid, candidate);
}

static void fwd_failed(gpointer user, VtClientPeer *peer, const char *reason)
{
  VtClientSubscriber *sub = user;
  sub->events->failed(sub->user, peer, reason);
}

static void on_negotiated(gpointer user, VtClientPeer *peer)
{
  VtClientSubscriber *sub = user;
  if (sub->events->negotiated)
    sub->events->negotiated(sub->user, peer);
  next_offer(sub);
}

static const VtClientPeerEvents peer_events = {fwd_description, fwd_candidate, fwd_failed,
                                               on_negotiated};

/* ---- decoding (streaming threads) ---- */

typedef struct {
  VtClientSubscriber *sub;
  Slot *slot;
  gboolean video;
} Tap;

static Tap *tap_new(VtClientSubscriber *sub, Slot *slot, gboolean video)
{
  Tap *tap = g_new0(Tap, 1);
  tap->sub = sub;
  tap->slot = slot;
  tap->video = video;
  return tap;
}

static void note_size(GstPad *pad, Received *r)
{
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  int w = 0, h = 0;
  if (!caps || !gst_structure_get_int(gst_caps_get_structure(caps, 0), "width", &w) ||
      !gst_structure_get_int(gst_caps_get_structure(caps, 0), "height", &h))
    return;
  g_atomic_int_set(&r->height, h);
  g_atomic_int_set(&r->width, w);
}

static void note_first_frame(VtClientSubscriber *sub)
{
  if (g_atomic_int_get(&sub->first_frame_set))
    return;
  g_mutex_lock(&sub->lock);
  if (!sub->first_frame_us)
    sub->first_frame_us = g_get_monotonic_time();
  g_mutex_unlock(&sub->lock);
  g_atomic_int_set(&sub->first_frame_set, 1);
}

static GstPadProbeReturn count_decoded(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Tap *tap = data;
  Received *r = g_atomic_pointer_get(&tap->slot->current);
  if (!r)
    return GST_PAD_PROBE_OK; /* the slot went inactive; stragglers count for nobody */
  g_atomic_int_inc(&r->frames);
  if (tap->video) {
    /* Read per record: a recycled slot's decoder may not renegotiate caps. */
    if (!g_atomic_int_get(&r->width))
      note_size(pad, r);
    note_first_frame(tap->sub);
  }
  return GST_PAD_PROBE_OK;
}

static void on_decoded_pad(GstElement *decodebin, GstPad *pad, gpointer data)
{
  Tap *tap = data;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  const char *name = caps ? gst_structure_get_name(gst_caps_get_structure(caps, 0)) : "";
  gboolean video = g_str_has_prefix(name, "video/");
  gboolean counted = video || g_str_has_prefix(name, "audio/");
  GstElement *sink = gst_element_factory_make("fakesink", NULL);
  g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add(GST_BIN(tap->sub->pipeline), sink);
  g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(sink, "sink");
  if (gst_pad_link(pad, sinkpad) != GST_PAD_LINK_OK)
    g_warning("subscribe: cannot link the decoded %s stream", name);
  gst_element_sync_state_with_parent(sink);
  if (counted)
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_decoded,
                      tap_new(tap->sub, tap->slot, video), g_free);
}

static guint pad_mline(GstPad *pad)
{
  g_autoptr(GstWebRTCRTPTransceiver) transceiver = NULL;
  guint mline = G_MAXUINT;
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(pad), "transceiver"))
    g_object_get(pad, "transceiver", &transceiver, NULL);
  if (transceiver)
    g_object_get(transceiver, "mlineindex", &mline, NULL);
  return mline;
}

/* webrtcbin has a new stream to decode (streaming thread). */
static void on_webrtc_pad(GstElement *webrtc, GstPad *pad, gpointer data)
{
  VtClientSubscriber *sub = data;
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
    return;
  guint mline = pad_mline(pad);
  g_mutex_lock(&sub->lock);
  Slot *slot = mline < sub->slots->len ? g_ptr_array_index(sub->slots, mline) : NULL;
  g_mutex_unlock(&sub->lock);
  if (!slot) {
    g_warning("subscribe: a stream on an m-line the offers did not have (%u)", mline);
    return;
  }
  GstElement *decode = gst_element_factory_make("decodebin", NULL);
  g_signal_connect_data(decode, "pad-added", G_CALLBACK(on_decoded_pad), tap_new(sub, slot, FALSE),
                        (GClosureNotify)(void (*)(void))g_free, 0);
  gst_bin_add(GST_BIN(sub->pipeline), decode);
  g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(decode, "sink");
  if (gst_pad_link(pad, sinkpad) != GST_PAD_LINK_OK)
    g_warning("subscribe: cannot decode the stream of m-line %u", mline);
  gst_element_sync_state_with_parent(decode);
}

static gboolean on_bus_message(GstBus *bus, GstMessage *msg, gpointer data)
{
  VtClientSubscriber *sub = data;
  if (GST_MESSAGE_TYPE(msg) != GST_MESSAGE_ERROR)
    return G_SOURCE_CONTINUE;
  g_autoptr(GError) error = NULL;
  gst_message_parse_error(msg, &error, NULL);
  g_autofree char *reason = g_strdup_printf("subscribe pipeline: %s: %s",
                                            GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), error->message);
  sub->events->failed(sub->user, sub->peer, reason);
  return G_SOURCE_CONTINUE;
}

/* ---- lifetime ---- */

VtClientSubscriber *vt_client_subscriber_new(const char *const *local_addresses,
                                             const VtClientPeerEvents *events, gpointer user,
                                             GError **error)
{
  g_autoptr(VtClientSubscriber) sub = g_new0(VtClientSubscriber, 1);
  sub->events = events;
  sub->user = user;
  g_queue_init(&sub->offers);
  g_mutex_init(&sub->lock);
  sub->slots = g_ptr_array_new_with_free_func(slot_free);
  sub->records = g_ptr_array_new_with_free_func(received_free);
  sub->pipeline = gst_object_ref_sink(gst_pipeline_new("subscribe"));
  sub->peer = vt_client_peer_new("subscribe", local_addresses, &peer_events, sub, error);
  if (!sub->peer)
    return NULL;
  GstElement *webrtc = vt_client_peer_element(sub->peer);
  gst_bin_add(GST_BIN(sub->pipeline), webrtc);
  g_signal_connect(webrtc, "pad-added", G_CALLBACK(on_webrtc_pad), sub);
  g_autoptr(GstBus) bus = gst_pipeline_get_bus(GST_PIPELINE(sub->pipeline));
  sub->bus_watch = gst_bus_add_watch(bus, on_bus_message, sub);
  return g_steal_pointer(&sub);
}

gboolean vt_client_subscriber_start(VtClientSubscriber *sub, GError **error)
{
  if (gst_element_set_state(sub->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "subscribe: the pipeline did not start");
    return FALSE;
  }
  return TRUE;
}

VtClientPeer *vt_client_subscriber_peer(VtClientSubscriber *sub)
{
  return sub->peer;
}

gint64 vt_client_subscriber_first_frame_us(VtClientSubscriber *sub)
{
  g_mutex_lock(&sub->lock);
  gint64 t = sub->first_frame_us;
  g_mutex_unlock(&sub->lock);
  return t;
}

void vt_client_subscriber_report(VtClientSubscriber *sub, const GstStructure *stats,
                                 VtClientReport *report)
{
  for (guint i = 0; i < sub->records->len; i++) {
    Received *r = g_ptr_array_index(sub->records, i);
    VtReportTrack *t =
        vt_client_report_add_track(report, r->participant, r->mid, r->kind, r->codec);
    t->frames_decoded = (guint64)g_atomic_int_get(&r->frames);
    t->width = (guint)g_atomic_int_get(&r->width);
    t->height = (guint)g_atomic_int_get(&r->height);
    VtInboundStats in;
    if (vt_client_stats_inbound(stats, r->ssrc, &in)) {
      t->packets_lost = in.packets_lost;
      t->nack_count = in.nack_count;
      t->pli_count = in.pli_count;
    }
  }
}

void vt_client_subscriber_stop(VtClientSubscriber *sub)
{
  if (sub->stopped)
    return;
  sub->stopped = TRUE;
  if (sub->peer) {
    vt_client_peer_close(sub->peer);
    g_signal_handlers_disconnect_by_data(vt_client_peer_element(sub->peer), sub);
  }
  g_clear_handle_id(&sub->bus_watch, g_source_remove);
  gst_element_set_state(sub->pipeline, GST_STATE_NULL);
}

void vt_client_subscriber_free(VtClientSubscriber *sub)
{
  if (!sub)
    return;
  vt_client_subscriber_stop(sub);
  gst_clear_object(&sub->pipeline);
  g_clear_pointer(&sub->peer, vt_client_peer_free);
  g_queue_clear_full(&sub->offers, g_free);
  g_ptr_array_unref(sub->slots);
  g_ptr_array_unref(sub->records);
  g_mutex_clear(&sub->lock);
  g_free(sub);
}
