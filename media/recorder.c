/* See recorder.h. */
#include "media/recorder.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

/* How long the jitter buffers wait for a late or resent packet. */
#define JITTER_MS 300

struct _VtRecorder {
  GstElement *pipeline;
  GstAppSrc *src[2]; /* by VtRecorderTrack; NULL when the track is not recorded */
  gint dropped;      /* atomic */
  gboolean finished;
};

static const char *video_chain(VtRecorderVideo video)
{
  switch (video) {
  case VT_RECORDER_VP8:
    return "appsrc name=video ! rtpjitterbuffer name=vjb ! rtpvp8depay wait-for-keyframe=true"
           " ! queue ! mux. ";
  case VT_RECORDER_H264:
    return "appsrc name=video ! rtpjitterbuffer name=vjb ! rtph264depay wait-for-keyframe=true"
           " ! h264parse ! queue ! mux. ";
  case VT_RECORDER_NO_VIDEO:
    break;
  }
  return "";
}

static char *describe(VtRecorderVideo video, gboolean audio)
{
  return g_strconcat(video_chain(video),
                     audio ? "appsrc name=audio ! rtpjitterbuffer name=ajb ! rtpopusdepay"
                             " ! opusparse ! queue ! mux. "
                           : "",
                     video == VT_RECORDER_H264 ? "matroskamux" : "webmmux",
                     " name=mux ! filesink name=sink sync=false async=false", NULL);
}

static GstAppSrc *setup_src(GstElement *pipeline, const char *name, const char *caps_text,
                            guint8 pt)
{
  GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), name);
  if (!src)
    return NULL;
  g_autoptr(GstCaps) caps = gst_caps_from_string(caps_text);
  gst_caps_set_simple(caps, "payload", G_TYPE_INT, (int)pt, NULL);
  g_object_set(src, "caps", caps, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp",
               TRUE, "block", FALSE, "max-bytes", (guint64)VT_RECORDER_QUEUE_BYTES, NULL);
  gst_object_unref(src); /* the pipeline keeps it */
  return GST_APP_SRC(src);
}

static void set_latency(GstElement *pipeline, const char *name)
{
  g_autoptr(GstElement) jb = gst_bin_get_by_name(GST_BIN(pipeline), name);
  if (jb)
    g_object_set(jb, "latency", (guint)JITTER_MS, NULL);
}

/* The file is complete up to the last cluster at any moment: clusters are
 * closed often and nothing waits in stdio's buffer. */
static void setup_file(GstElement *pipeline, const char *path)
{
  g_autoptr(GstElement) mux = gst_bin_get_by_name(GST_BIN(pipeline), "mux");
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(mux), "max-cluster-duration"))
    g_object_set(mux, "max-cluster-duration", (gint64)VT_RECORDER_CLUSTER_MS * GST_MSECOND,
                 NULL);
  g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  gst_util_set_object_arg(G_OBJECT(sink), "buffer-mode", "unbuffered");
  g_object_set(sink, "location", path, NULL);
}

/* Nothing reads the bus while the recording runs: only what ends it is
 * kept, so that messages do not pile up for hours. */
static GstBusSyncReply only_endings(GstBus *bus, GstMessage *msg, gpointer data)
{
  GstMessageType type = GST_MESSAGE_TYPE(msg);
  return type == GST_MESSAGE_ERROR || type == GST_MESSAGE_EOS ? GST_BUS_PASS : GST_BUS_DROP;
}

static void keep_only_endings(GstElement *pipeline)
{
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  gst_bus_set_sync_handler(bus, only_endings, NULL, NULL);
}

/* The first error on the bus, if any, as a GError. */
static gboolean bus_error(GstElement *pipeline, GstClockTime wait, GError **error)
{
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  g_autoptr(GstMessage) msg = gst_bus_timed_pop_filtered(bus, wait, GST_MESSAGE_ERROR);
  if (!msg)
    return FALSE;
  gst_message_parse_error(msg, error, NULL);
  return TRUE;
}

VtRecorder *vt_recorder_new(const char *path, const VtRecorderTracks *tracks, GError **error)
{
  VtRecorderVideo video = tracks->video;
  g_return_val_if_fail(path != NULL && (tracks->audio || video != VT_RECORDER_NO_VIDEO), NULL);
  g_autofree char *text = describe(video, tracks->audio);
  GError *parse_error = NULL;
  GstElement *pipeline = gst_parse_launch(text, &parse_error);
  if (parse_error) { /* also a pipeline that is there but could not be linked */
    g_propagate_error(error, parse_error);
    g_clear_pointer(&pipeline, gst_object_unref);
    return NULL;
  }
  keep_only_endings(pipeline);
  VtRecorder *rec = g_new0(VtRecorder, 1);
  rec->pipeline = pipeline;
  rec->src[VT_RECORDER_VIDEO] = setup_src(
      pipeline, "video",
      video == VT_RECORDER_H264
          ? "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264"
          : "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8",
      tracks->video_pt);
  rec->src[VT_RECORDER_AUDIO] =
      setup_src(pipeline, "audio", "application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS",
                tracks->audio_pt);
  set_latency(pipeline, "vjb");
  set_latency(pipeline, "ajb");
  setup_file(pipeline, path);
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    if (!bus_error(pipeline, 0, error))
      g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
                  "the recording of %s could not start", path);
    rec->finished = TRUE;
    vt_recorder_free(rec);
    return NULL;
  }
  return rec;
}

void vt_recorder_push(VtRecorder *rec, VtRecorderTrack track, const guint8 *rtp, gsize len)
{
  GstAppSrc *src = rec->src[track];
  if (!src)
    return;
  if (gst_app_src_get_current_level_bytes(src) + len > VT_RECORDER_QUEUE_BYTES) {
    g_atomic_int_inc(&rec->dropped);
    return;
  }
  gst_app_src_push_buffer(src, gst_buffer_new_memdup(rtp, len));
}

guint64 vt_recorder_dropped(VtRecorder *rec)
{
  return (guint64)(guint)g_atomic_int_get(&rec->dropped);
}

gboolean vt_recorder_finish(VtRecorder *rec, guint timeout_ms, GError **error)
{
  g_return_val_if_fail(!rec->finished, FALSE);
  rec->finished = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS(rec->src); i++)
    if (rec->src[i])
      gst_app_src_end_of_stream(rec->src[i]);
  g_autoptr(GstBus) bus = gst_element_get_bus(rec->pipeline);
  g_autoptr(GstMessage) msg = gst_bus_timed_pop_filtered(
      bus, (GstClockTime)timeout_ms * GST_MSECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gboolean ok = msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS;
  if (msg && !ok)
    gst_message_parse_error(msg, error, NULL);
  else if (!msg)
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
                "the recording did not end within %u ms", timeout_ms);
  gst_element_set_state(rec->pipeline, GST_STATE_NULL);
  return ok;
}

void vt_recorder_free(VtRecorder *rec)
{
  if (!rec)
    return;
  gst_element_set_state(rec->pipeline, GST_STATE_NULL);
  gst_object_unref(rec->pipeline);
  g_free(rec);
}
