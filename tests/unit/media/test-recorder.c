/* The clip recorder (media/recorder.c) fed as the relay's taps feed it:
 * live RTP from GStreamer's own encoders and payloaders (VP8 or H.264 with
 * Opus), pushed packet by packet from the source's streaming threads. The
 * files are judged by GstDiscoverer, as a player would: they play, with
 * both streams, for as long as was recorded; and a copy taken while the
 * recording is still going (what a killed server leaves) plays too. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

#include "media/recorder.h"

#define RECORD_MS 5000

typedef struct {
  VtRecorder *rec;
  VtRecorderTrack track;
} Feed;

static GstFlowReturn on_sample(GstAppSink *sink, gpointer data)
{
  Feed *feed = data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
  GstBuffer *buffer = gst_sample_get_buffer(sample);
  GstMapInfo map;
  if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    vt_recorder_push(feed->rec, feed->track, map.data, map.size);
    gst_buffer_unmap(buffer, &map);
  }
  return GST_FLOW_OK;
}

static GstElement *source(VtRecorderVideo video, Feed feeds[2])
{
  const char *encoder = video == VT_RECORDER_H264
                            ? "openh264enc ! video/x-h264,profile=constrained-baseline"
                              " ! rtph264pay pt=102 mtu=1200 config-interval=-1"
                            : "vp8enc deadline=1 keyframe-max-dist=3000 ! rtpvp8pay pt=96 mtu=1200";
  g_autofree char *text = g_strdup_printf(
      "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1"
      " ! %s ! appsink name=v emit-signals=true sync=false"
      " audiotestsrc is-live=true wave=ticks ! opusenc ! rtpopuspay pt=111"
      " ! appsink name=a emit-signals=true sync=false",
      encoder);
  g_autoptr(GError) error = NULL;
  GstElement *pipeline = gst_parse_launch(text, &error);
  g_assert_no_error(error);
  const char *names[2] = {[VT_RECORDER_AUDIO] = "a", [VT_RECORDER_VIDEO] = "v"};
  for (int i = 0; i < 2; i++) {
    g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline), names[i]);
    g_signal_connect(sink, "new-sample", G_CALLBACK(on_sample), &feeds[i]);
  }
  return pipeline;
}

/* What a player sees in the file: its duration, and how many audio and
 * video streams. */
static GstClockTime discover(const char *path, guint *audio, guint *video)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstDiscoverer) d = gst_discoverer_new(10 * GST_SECOND, &error);
  g_assert_no_error(error);
  g_autofree char *uri = g_filename_to_uri(path, NULL, &error);
  g_autoptr(GstDiscovererInfo) info = gst_discoverer_discover_uri(d, uri, &error);
  g_assert_no_error(error);
  g_assert_cmpint(gst_discoverer_info_get_result(info), ==, GST_DISCOVERER_OK);
  GList *a = gst_discoverer_info_get_audio_streams(info);
  GList *v = gst_discoverer_info_get_video_streams(info);
  *audio = g_list_length(a);
  *video = g_list_length(v);
  gst_discoverer_stream_info_list_free(a);
  gst_discoverer_stream_info_list_free(v);
  return gst_discoverer_info_get_duration(info);
}

/* The span of one decoded stream. */
typedef struct {
  GstClockTime start, end;
} Span;

static void on_handoff(GstElement *sink, GstBuffer *buffer, GstPad *pad, gpointer data)
{
  Span *span = data;
  GstClockTime pts = GST_BUFFER_PTS(buffer);
  if (!GST_CLOCK_TIME_IS_VALID(pts))
    return;
  GstClockTime dur = GST_BUFFER_DURATION(buffer);
  span->start = MIN(span->start, pts);
  span->end = MAX(span->end, pts + (GST_CLOCK_TIME_IS_VALID(dur) ? dur : 0));
}

/* How far the file decodes, video and audio, read to its end as a player
 * would read it (whatever its header says about its length). */
static void played(const char *path, Span *video, Span *audio)
{
  g_autofree char *uri = g_filename_to_uri(path, NULL, NULL);
  g_autofree char *text = g_strdup_printf(
      "uridecodebin uri=%s name=d d. ! video/x-raw ! fakesink name=v sync=false"
      " signal-handoffs=true d. ! audio/x-raw ! fakesink name=a sync=false signal-handoffs=true",
      uri);
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = gst_parse_launch(text, &error);
  g_assert_no_error(error);
  *video = *audio = (Span){GST_CLOCK_TIME_NONE, 0};
  g_autoptr(GstElement) vs = gst_bin_get_by_name(GST_BIN(pipeline), "v");
  g_autoptr(GstElement) as = gst_bin_get_by_name(GST_BIN(pipeline), "a");
  g_signal_connect(vs, "handoff", G_CALLBACK(on_handoff), video);
  g_signal_connect(as, "handoff", G_CALLBACK(on_handoff), audio);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  g_autoptr(GstMessage) msg =
      gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull(msg);
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    gst_message_parse_error(msg, &error, NULL);
    g_test_message("%s stops with an error: %s", path, error->message);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
}

static void copy_file(const char *from, const char *to)
{
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(from, &bytes, &len, NULL));
  g_assert_true(g_file_set_contents(to, bytes, (gssize)len, NULL));
}

static void record(VtRecorderVideo video)
{
  g_autofree char *dir = g_dir_make_tmp("vt-recorder-XXXXXX", NULL);
  const char *ext = video == VT_RECORDER_H264 ? "mkv" : "webm";
  g_autofree char *path = g_strdup_printf("%s/clip.%s", dir, ext);
  g_autofree char *cut = g_strdup_printf("%s/cut.%s", dir, ext);
  g_autoptr(GError) error = NULL;
  VtRecorderTracks tracks = {.video = video,
                             .video_pt = video == VT_RECORDER_H264 ? 102 : 96,
                             .audio = TRUE,
                             .audio_pt = 111};
  VtRecorder *rec = vt_recorder_new(path, &tracks, &error);
  g_assert_no_error(error);
  Feed feeds[2] = {[VT_RECORDER_AUDIO] = {rec, VT_RECORDER_AUDIO},
                   [VT_RECORDER_VIDEO] = {rec, VT_RECORDER_VIDEO}};
  GstElement *src = source(video, feeds);
  gst_element_set_state(src, GST_STATE_PLAYING);

  /* Three seconds in, the file as a killed server would leave it. */
  g_usleep(3000 * 1000);
  copy_file(path, cut);
  g_usleep((RECORD_MS - 3000) * 1000);
  gst_element_set_state(src, GST_STATE_NULL);
  gst_object_unref(src);
  gboolean finished = vt_recorder_finish(rec, 5000, &error);
  g_assert_no_error(error);
  g_assert_true(finished);
  g_assert_cmpuint(vt_recorder_dropped(rec), ==, 0);
  vt_recorder_free(rec);

  guint audio = 0, video_streams = 0;
  GstClockTime duration = discover(path, &audio, &video_streams);
  g_test_message("recorded %.2f s", (double)duration / GST_SECOND);
  g_assert_cmpuint(audio, ==, 1);
  g_assert_cmpuint(video_streams, ==, 1);
  /* Within 5% of the time recorded (the first keyframe may come a frame late). */
  g_assert_cmpuint(duration, >=, (RECORD_MS - RECORD_MS / 20) * GST_MSECOND);
  g_assert_cmpuint(duration, <=, (RECORD_MS + RECORD_MS / 20) * GST_MSECOND);

  Span v, a;
  played(path, &v, &a);
  g_test_message("it decodes %.2f s of video, %.2f s of audio; they start %.0f ms apart",
                 (double)v.end / GST_SECOND, (double)a.end / GST_SECOND,
                 ((double)v.start - (double)a.start) / GST_MSECOND);
  g_assert_cmpuint(v.end, >=, (RECORD_MS - RECORD_MS / 20) * GST_MSECOND);
  g_assert_cmpuint(a.end, >=, (RECORD_MS - RECORD_MS / 20) * GST_MSECOND);
  g_assert_cmpint(ABS(GST_CLOCK_DIFF(v.start, a.start)), <, 100 * GST_MSECOND);

  /* What a server killed 3 s in leaves plays to within 2 s of the kill. */
  played(cut, &v, &a);
  g_test_message("the copy taken 3 s in decodes %.2f s of video, %.2f s of audio",
                 (double)v.end / GST_SECOND, (double)a.end / GST_SECOND);
  g_assert_cmpuint(v.end, >=, 1000 * GST_MSECOND);
  g_assert_cmpuint(a.end, >=, 1000 * GST_MSECOND);

  g_unlink(path);
  g_unlink(cut);
  g_rmdir(dir);
}

static void test_vp8(void)
{
  record(VT_RECORDER_VP8);
}

/* A publisher that drops out and comes back (a new connection: new SSRCs,
 * sequence numbers and timestamps) continues in the same clip, which plays
 * across the gap. */
static void test_publisher_returns(void)
{
  g_autofree char *dir = g_dir_make_tmp("vt-recorder-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "clip.webm", NULL);
  g_autoptr(GError) error = NULL;
  VtRecorderTracks tracks = {.video = VT_RECORDER_VP8, .video_pt = 96, .audio = TRUE,
                             .audio_pt = 111};
  VtRecorder *rec = vt_recorder_new(path, &tracks, &error);
  g_assert_no_error(error);
  Feed feeds[2] = {[VT_RECORDER_AUDIO] = {rec, VT_RECORDER_AUDIO},
                   [VT_RECORDER_VIDEO] = {rec, VT_RECORDER_VIDEO}};
  for (int run = 0; run < 2; run++) {
    GstElement *src = source(VT_RECORDER_VP8, feeds); /* payloaders pick new SSRCs */
    gst_element_set_state(src, GST_STATE_PLAYING);
    g_usleep(2000 * 1000);
    gst_element_set_state(src, GST_STATE_NULL);
    gst_object_unref(src);
    if (run == 0)
      g_usleep(1000 * 1000); /* the gap */
  }
  gboolean finished = vt_recorder_finish(rec, 5000, &error);
  g_assert_no_error(error);
  g_assert_true(finished);
  vt_recorder_free(rec);
  Span v, a;
  played(path, &v, &a);
  g_test_message("across a 1 s gap: %.2f s of video, %.2f s of audio", (double)v.end / GST_SECOND,
                 (double)a.end / GST_SECOND);
  g_assert_cmpuint(v.end, >=, 4500 * GST_MSECOND); /* 2 s, the gap, 2 s */
  g_assert_cmpuint(a.end, >=, 4500 * GST_MSECOND);
  g_unlink(path);
  g_rmdir(dir);
}

static void test_h264(void)
{
  record(VT_RECORDER_H264);
}

int main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/recorder/vp8-opus", test_vp8);
  g_test_add_func("/recorder/h264-opus", test_h264);
  g_test_add_func("/recorder/publisher-returns", test_publisher_returns);
  return g_test_run();
}
