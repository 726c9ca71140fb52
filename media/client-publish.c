/* The publish side of `vitrine client`; see client-publish.h.
 *
 * One branch per published track, each a chain of elements ending in a
 * webrtcbin sink pad:
 *   video: [source] ! videoconvert ! videoscale ! videorate ! capsfilter(size, rate)
 *          ! queue(leaky) ! vp8enc | openh264enc ! [capsfilter(constrained-baseline)]
 *          ! rtpvp8pay | rtph264pay ! capsfilter(application/x-rtp) ! webrtcbin
 *   audio: [source] ! audioconvert ! audioresample ! queue ! opusenc ! rtpopuspay
 *          ! capsfilter(application/x-rtp) ! webrtcbin
 * A file's branches are made when decodebin finds its streams (on a
 * streaming thread, hence the lock); test and V4L2 branches are made up
 * front. */
#define GST_USE_UNSTABLE_API
#include "media/client-publish.h"

#include <gio/gio.h>
#include <gst/webrtc/webrtc.h>

#include "media/client-stats.h"

#define READY_POLL_MS 20
#define READY_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define VIDEO_BITRATE 1000000

typedef struct {
  char *kind;        /* "video" or "audio" */
  const char *codec; /* "vp8", "h264", "opus" */
  GstElement *encoder;
  GstPad *webrtc_pad; /* the requested webrtcbin sink pad */
  gint frames;        /* atomic: buffers out of the encoder */
  gint frames_before; /* atomic: of those, made before the connection was up */
  gint ready;         /* atomic: an RTP packet reached webrtcbin */
} Branch;

struct _VtClientPublisher {
  VtClientSource source;
  char *source_arg;
  VtClientCodec codec;
  guint width, height, fps;
  guint keyframe_interval_s;

  GstElement *pipeline;
  VtClientPeer *peer;
  const VtClientPeerEvents *events;
  gpointer user;

  GMutex lock;           /* branches and the decodebin flags below */
  GPtrArray *branches;   /* Branch* */
  gboolean no_more_pads; /* a file: decodebin has shown every stream */
  gboolean have_video, have_audio;

  guint bus_watch;
  guint ready_source;
  gint64 started_us;
  gboolean offered;
  gboolean stopped;
};

static void branch_free(gpointer data)
{
  Branch *b = data;
  g_free(b->kind);
  gst_clear_object(&b->encoder);
  gst_clear_object(&b->webrtc_pad);
  g_free(b);
}

static void fail(VtClientPublisher *pub, const char *reason)
{
  pub->events->failed(pub->user, pub->peer, reason);
}

/* ---- elements ---- */

static GstElement *make(const char *factory, GError **error)
{
  GstElement *e = gst_element_factory_make(factory, NULL);
  if (!e)
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "GStreamer element %s is missing",
                factory);
  return e;
}

static GstElement *make_capsfilter(const char *caps_text)
{
  GstElement *filter = gst_element_factory_make("capsfilter", NULL);
  g_autoptr(GstCaps) caps = gst_caps_from_string(caps_text);
  g_object_set(filter, "caps", caps, NULL);
  return filter;
}

/* Appends factory's element to chain; FALSE (with error) if it is missing. */
static gboolean append(GPtrArray *chain, const char *factory, GError **error)
{
  GstElement *e = make(factory, error);
  if (e)
    g_ptr_array_add(chain, gst_object_ref_sink(e));
  return e != NULL;
}

static GstElement *last(GPtrArray *chain)
{
  return g_ptr_array_index(chain, chain->len - 1);
}

static gboolean append_video_encoder(VtClientPublisher *pub, GPtrArray *chain, GError **error)
{
  /* A lost keyframe costs at most this long (a joiner asks for one at once). */
  guint keyframe_interval = pub->fps * pub->keyframe_interval_s;
  if (pub->codec == VT_CLIENT_CODEC_VP8) {
    if (!append(chain, "vp8enc", error))
      return FALSE;
    g_object_set(last(chain), "deadline", (gint64)1, "keyframe-max-dist", (int)keyframe_interval,
                 "target-bitrate", VIDEO_BITRATE, "cpu-used", 4, "lag-in-frames", 0, "threads", 2,
                 NULL);
    gst_util_set_object_arg(G_OBJECT(last(chain)), "error-resilient", "default");
    gst_util_set_object_arg(G_OBJECT(last(chain)), "end-usage", "cbr");
    return append(chain, "rtpvp8pay", error);
  }
  if (!append(chain, "openh264enc", error))
    return FALSE;
  g_object_set(last(chain), "bitrate", (guint)VIDEO_BITRATE, "gop-size", keyframe_interval, NULL);
  gst_util_set_object_arg(G_OBJECT(last(chain)), "rate-control", "bitrate");
  gst_util_set_object_arg(G_OBJECT(last(chain)), "complexity", "low");
  /* What every browser decodes; the relay prefers it too. */
  g_ptr_array_add(
      chain, gst_object_ref_sink(make_capsfilter("video/x-h264,profile=constrained-baseline")));
  if (!append(chain, "rtph264pay", error))
    return FALSE;
  g_object_set(last(chain), "config-interval", -1, NULL);
  gst_util_set_object_arg(G_OBJECT(last(chain)), "aggregate-mode", "zero-latency");
  return TRUE;
}

/* The video elements after the source; *encoder is set (transfer none). */
static gboolean video_chain(VtClientPublisher *pub, GPtrArray *chain, GstElement **encoder,
                            GError **error)
{
  if (!append(chain, "videoconvert", error) || !append(chain, "videoscale", error) ||
      !append(chain, "videorate", error))
    return FALSE;
  g_autofree char *raw = g_strdup_printf("video/x-raw,width=%u,height=%u,framerate=%u/1",
                                         pub->width, pub->height, pub->fps);
  g_ptr_array_add(chain, gst_object_ref_sink(make_capsfilter(raw)));
  if (!append(chain, "queue", error))
    return FALSE;
  /* A slow encoder drops frames instead of building up delay. */
  g_object_set(last(chain), "max-size-buffers", 3, "max-size-bytes", 0, "max-size-time", (guint64)0,
               NULL);
  gst_util_set_object_arg(G_OBJECT(last(chain)), "leaky", "downstream");
  guint at = chain->len;
  if (!append_video_encoder(pub, chain, error))
    return FALSE;
  *encoder = g_ptr_array_index(chain, at);
  const char *rtp = pub->codec == VT_CLIENT_CODEC_VP8
                        ? "application/x-rtp,media=video,encoding-name=VP8,payload=96"
                        : "application/x-rtp,media=video,encoding-name=H264,payload=102,"
                          "profile-level-id=(string)42e01f";
  g_ptr_array_add(chain, gst_object_ref_sink(make_capsfilter(rtp)));
  return TRUE;
}

static gboolean audio_chain(GPtrArray *chain, GstElement **encoder, GError **error)
{
  if (!append(chain, "audioconvert", error) || !append(chain, "audioresample", error) ||
      !append(chain, "queue", error) || !append(chain, "opusenc", error))
    return FALSE;
  *encoder = last(chain);
  if (!append(chain, "rtpopuspay", error))
    return FALSE;
  g_ptr_array_add(chain, gst_object_ref_sink(make_capsfilter(
                             "application/x-rtp,media=audio,encoding-name=OPUS,payload=111")));
  return TRUE;
}

/* ---- branches ---- */

static GstPadProbeReturn count_frame(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Branch *b = data;
  g_atomic_int_inc(&b->frames);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn mark_ready(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Branch *b = data;
  g_atomic_int_set(&b->ready, 1);
  return GST_PAD_PROBE_REMOVE;
}

/* Adds chain to the pipeline, links it in order, from from_pad when given,
 * into a new webrtcbin sink pad, and records the branch. Call with the lock
 * held. live: the pipeline is already running (decodebin's pads). */
static gboolean attach_branch(VtClientPublisher *pub, const char *kind, const char *codec,
                              GPtrArray *chain, GstElement *encoder, GstPad *from_pad,
                              GError **error)
{
  for (guint i = 0; i < chain->len; i++)
    gst_bin_add(GST_BIN(pub->pipeline), g_ptr_array_index(chain, i));
  for (guint i = 0; i + 1 < chain->len; i++)
    if (!gst_element_link(g_ptr_array_index(chain, i), g_ptr_array_index(chain, i + 1))) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot link the %s %s chain", kind, codec);
      return FALSE;
    }
  GstElement *webrtc = vt_client_peer_element(pub->peer);
  g_autoptr(GstPad) src = gst_element_get_static_pad(last(chain), "src");
  GstPad *sink = gst_element_request_pad_simple(webrtc, "sink_%u");
  g_autoptr(GstPad) first = gst_element_get_static_pad(g_ptr_array_index(chain, 0), "sink");
  if (!sink || gst_pad_link(src, sink) != GST_PAD_LINK_OK ||
      (from_pad && gst_pad_link(from_pad, first) != GST_PAD_LINK_OK)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot link the %s branch to webrtcbin",
                kind);
    gst_clear_object(&sink);
    return FALSE;
  }
  Branch *b = g_new0(Branch, 1);
  b->kind = g_strdup(kind);
  b->codec = codec;
  b->encoder = gst_object_ref(encoder);
  b->webrtc_pad = sink;
  g_ptr_array_add(pub->branches, b);
  g_autoptr(GstPad) encoded = gst_element_get_static_pad(encoder, "src");
  gst_pad_add_probe(encoded, GST_PAD_PROBE_TYPE_BUFFER, count_frame, b, NULL);
  gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, mark_ready, b,
                    NULL);
  if (from_pad)
    for (guint i = 0; i < chain->len; i++)
      gst_element_sync_state_with_parent(g_ptr_array_index(chain, i));
  return TRUE;
}

/* Builds and attaches the branch of kind ("video" or "audio") behind
 * source (may be NULL) or from_pad (may be NULL). */
static gboolean add_branch(VtClientPublisher *pub, const char *kind, GstElement *source,
                           GstPad *from_pad, GError **error)
{
  g_autoptr(GPtrArray) chain = g_ptr_array_new_with_free_func(gst_object_unref);
  if (source)
    g_ptr_array_add(chain, gst_object_ref_sink(source));
  GstElement *encoder = NULL;
  gboolean video = g_str_equal(kind, "video");
  gboolean ok =
      video ? video_chain(pub, chain, &encoder, error) : audio_chain(chain, &encoder, error);
  const char *codec = video ? vt_client_codec_name(pub->codec) : "opus";
  return ok && attach_branch(pub, kind, codec, chain, encoder, from_pad, error);
}

/* ---- sources ---- */

static GstElement *make_test_video(GError **error)
{
  GstElement *src = make("videotestsrc", error);
  if (src) {
    g_object_set(src, "is-live", TRUE, NULL);
    /* Moving content, so that every frame costs the encoder something. */
    gst_util_set_object_arg(G_OBJECT(src), "pattern", "ball");
  }
  return src;
}

static GstElement *make_test_audio(GError **error)
{
  GstElement *src = make("audiotestsrc", error);
  if (src)
    g_object_set(src, "is-live", TRUE, "volume", 0.1, NULL);
  return src;
}

/* decodebin found a stream (streaming thread): the first video and the
 * first audio stream are published, anything else is dropped. */
static void on_decoded_pad(GstElement *decodebin, GstPad *pad, gpointer data)
{
  VtClientPublisher *pub = data;
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  const char *name = caps ? gst_structure_get_name(gst_caps_get_structure(caps, 0)) : "";
  gboolean video = g_str_has_prefix(name, "video/x-raw");
  gboolean audio = g_str_has_prefix(name, "audio/x-raw");
  g_autoptr(GError) error = NULL;
  g_mutex_lock(&pub->lock);
  gboolean *have = video ? &pub->have_video : audio ? &pub->have_audio : NULL;
  if (have && !*have) {
    *have = TRUE;
    /* A file is not live: clocksync paces it at its own rate. */
    GstElement *pace = make("clocksync", &error);
    if (!pace || !add_branch(pub, video ? "video" : "audio", pace, pad, &error))
      g_warning("publish: cannot use the file's %s stream: %s", name, error->message);
  } else {
    GstElement *sink = gst_element_factory_make("fakesink", NULL);
    gst_bin_add(GST_BIN(pub->pipeline), sink);
    g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(sink, "sink");
    gst_pad_link(pad, sinkpad);
    gst_element_sync_state_with_parent(sink);
  }
  g_mutex_unlock(&pub->lock);
}

static void on_no_more_pads(GstElement *decodebin, gpointer data)
{
  VtClientPublisher *pub = data;
  g_mutex_lock(&pub->lock);
  pub->no_more_pads = TRUE;
  g_mutex_unlock(&pub->lock);
}

static gboolean build_file_source(VtClientPublisher *pub, GError **error)
{
  GstElement *src = make("filesrc", error);
  GstElement *decode = src ? make("decodebin", error) : NULL;
  if (!decode) {
    g_clear_pointer(&src, gst_object_unref);
    return FALSE;
  }
  g_object_set(src, "location", pub->source_arg, NULL);
  gst_bin_add_many(GST_BIN(pub->pipeline), src, decode, NULL);
  g_signal_connect(decode, "pad-added", G_CALLBACK(on_decoded_pad), pub);
  g_signal_connect(decode, "no-more-pads", G_CALLBACK(on_no_more_pads), pub);
  return gst_element_link(src, decode);
}

static gboolean build_sources(VtClientPublisher *pub, GError **error)
{
  GstElement *video = NULL, *audio = NULL;
  switch (pub->source) {
  case VT_CLIENT_SOURCE_TEST:
    /* Each source goes into its branch as soon as it is made, so that a
     * failure leaves nothing unowned behind. */
    video = make_test_video(error);
    if (!video || !add_branch(pub, "video", video, NULL, error))
      return FALSE;
    audio = make_test_audio(error);
    return audio && add_branch(pub, "audio", audio, NULL, error);
  case VT_CLIENT_SOURCE_V4L2:
    video = make("v4l2src", error);
    if (video)
      g_object_set(video, "device", pub->source_arg, NULL);
    return video && add_branch(pub, "video", video, NULL, error);
  case VT_CLIENT_SOURCE_FILE:
    return build_file_source(pub, error);
  case VT_CLIENT_SOURCE_NONE:
    break;
  }
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "nothing to publish");
  return FALSE;
}

/* ---- the offer ---- */

/* Every transceiver sends only; video ones also answer NACKs (webrtcbin then
 * offers RTX), which the relay sends upstream for packets lost on the way
 * to it. Each branch's transceiver is the one of its webrtcbin pad; the
 * transceiver's own "kind" is not known before the offer. */
static void prepare_transceivers(VtClientPublisher *pub)
{
  g_mutex_lock(&pub->lock);
  for (guint i = 0; i < pub->branches->len; i++) {
    Branch *b = g_ptr_array_index(pub->branches, i);
    g_autoptr(GstWebRTCRTPTransceiver) t = NULL;
    g_object_get(b->webrtc_pad, "transceiver", &t, NULL);
    if (!t)
      continue;
    g_object_set(t, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, NULL);
    if (g_str_equal(b->kind, "video"))
      g_object_set(t, "do-nack", TRUE, NULL);
  }
  g_mutex_unlock(&pub->lock);
}

static gboolean all_ready(VtClientPublisher *pub)
{
  g_mutex_lock(&pub->lock);
  gboolean ready =
      pub->branches->len > 0 && (pub->source != VT_CLIENT_SOURCE_FILE || pub->no_more_pads);
  for (guint i = 0; ready && i < pub->branches->len; i++)
    ready = g_atomic_int_get(&((Branch *)g_ptr_array_index(pub->branches, i))->ready);
  g_mutex_unlock(&pub->lock);
  return ready;
}

/* Polled on the owner's thread until every branch has sent a packet into
 * webrtcbin; simpler than posting from the streaming threads, and it
 * notices a source that never starts. */
static gboolean check_ready(gpointer data)
{
  VtClientPublisher *pub = data;
  if (all_ready(pub)) {
    pub->ready_source = 0;
    pub->offered = TRUE;
    prepare_transceivers(pub);
    vt_client_peer_create_offer(pub->peer);
    return G_SOURCE_REMOVE;
  }
  if (g_get_monotonic_time() - pub->started_us > READY_TIMEOUT_US) {
    pub->ready_source = 0;
    fail(pub, "publish: the source produced no media within 10 s");
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean on_bus_message(GstBus *bus, GstMessage *msg, gpointer data)
{
  VtClientPublisher *pub = data;
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    g_autoptr(GError) error = NULL;
    gst_message_parse_error(msg, &error, NULL);
    g_autofree char *reason = g_strdup_printf(
        "publish pipeline: %s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), error->message);
    fail(pub, reason);
  } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
    g_message("publish: the source ended");
  }
  return G_SOURCE_CONTINUE;
}

/* ---- lifetime ---- */

VtClientPublisher *vt_client_publisher_new(const VtClientOptions *options,
                                           const VtClientPeerEvents *events, gpointer user,
                                           GError **error)
{
  g_autoptr(VtClientPublisher) pub = g_new0(VtClientPublisher, 1);
  pub->source = options->source;
  pub->source_arg = g_strdup(options->source_arg);
  pub->codec = options->codec;
  pub->width = options->width;
  pub->height = options->height;
  pub->fps = options->fps;
  pub->keyframe_interval_s = options->keyframe_interval_s;
  pub->events = events;
  pub->user = user;
  g_mutex_init(&pub->lock);
  pub->branches = g_ptr_array_new_with_free_func(branch_free);
  pub->pipeline = gst_object_ref_sink(gst_pipeline_new("publish"));
  pub->peer = vt_client_peer_new("publish", (const char *const *)options->local_addresses, events,
                                 user, error);
  if (!pub->peer)
    return NULL;
  gst_bin_add(GST_BIN(pub->pipeline), vt_client_peer_element(pub->peer));
  if (!build_sources(pub, error))
    return NULL;
  g_autoptr(GstBus) bus = gst_pipeline_get_bus(GST_PIPELINE(pub->pipeline));
  pub->bus_watch = gst_bus_add_watch(bus, on_bus_message, pub);
  return g_steal_pointer(&pub);
}

gboolean vt_client_publisher_start(VtClientPublisher *pub, GError **error)
{
  pub->started_us = g_get_monotonic_time();
  if (gst_element_set_state(pub->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "publish: the pipeline did not start (is the source available?)");
    return FALSE;
  }
  pub->ready_source = g_timeout_add(READY_POLL_MS, check_ready, pub);
  return TRUE;
}

VtClientPeer *vt_client_publisher_peer(VtClientPublisher *pub)
{
  return pub->peer;
}

static void caps_size(GstPad *pad, guint *width, guint *height)
{
  g_autoptr(GstCaps) caps = pad ? gst_pad_get_current_caps(pad) : NULL;
  int w = 0, h = 0;
  if (caps && gst_structure_get_int(gst_caps_get_structure(caps, 0), "width", &w) &&
      gst_structure_get_int(gst_caps_get_structure(caps, 0), "height", &h) && w > 0 && h > 0) {
    *width = (guint)w;
    *height = (guint)h;
  }
}

static guint32 caps_ssrc(GstPad *pad)
{
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
  guint ssrc = 0;
  if (caps)
    gst_structure_get_uint(gst_caps_get_structure(caps, 0), "ssrc", &ssrc);
  return ssrc;
}

void vt_client_publisher_report(VtClientPublisher *pub, const GstStructure *stats,
                                VtClientReport *report)
{
  g_mutex_lock(&pub->lock);
  for (guint i = 0; i < pub->branches->len; i++) {
    Branch *b = g_ptr_array_index(pub->branches, i);
    VtReportPublished *p = vt_client_report_add_published(report, b->kind, b->codec);
    p->frames_sent =
        (guint64)(g_atomic_int_get(&b->frames) - g_atomic_int_get(&b->frames_before));
    if (g_str_equal(b->kind, "video")) {
      g_autoptr(GstPad) raw = gst_element_get_static_pad(b->encoder, "sink");
      caps_size(raw, &p->width, &p->height);
    }
    VtOutboundStats out;
    if (vt_client_stats_outbound(stats, caps_ssrc(b->webrtc_pad), &out))
      p->packets_sent = out.packets_sent;
  }
  g_mutex_unlock(&pub->lock);
}

void vt_client_publisher_connected(VtClientPublisher *pub)
{
  g_mutex_lock(&pub->lock);
  for (guint i = 0; i < pub->branches->len; i++) {
    Branch *b = g_ptr_array_index(pub->branches, i);
    if (g_atomic_int_get(&b->frames_before) == 0)
      g_atomic_int_set(&b->frames_before, g_atomic_int_get(&b->frames));
  }
  g_mutex_unlock(&pub->lock);
}

void vt_client_publisher_stop(VtClientPublisher *pub)
{
  if (pub->stopped)
    return;
  pub->stopped = TRUE;
  if (pub->peer)
    vt_client_peer_close(pub->peer);
  g_clear_handle_id(&pub->ready_source, g_source_remove);
  g_clear_handle_id(&pub->bus_watch, g_source_remove);
  gst_element_set_state(pub->pipeline, GST_STATE_NULL);
}

void vt_client_publisher_free(VtClientPublisher *pub)
{
  if (!pub)
    return;
  vt_client_publisher_stop(pub);
  g_ptr_array_unref(pub->branches);
  gst_clear_object(&pub->pipeline);
  g_clear_pointer(&pub->peer, vt_client_peer_free);
  g_mutex_clear(&pub->lock);
  g_free(pub->source_arg);
  g_free(pub);
}
