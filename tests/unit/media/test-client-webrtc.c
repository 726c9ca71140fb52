/* Tests of the client's webrtcbin sides without a server: the publisher's
 * offer as the relay's own parser sees it (VP8, H.264, a file) and the
 * relay's answer to it taken by webrtcbin, the subscriber's
 * answers to the relay's offers including a renegotiation, and a publisher
 * and a subscriber of this process connected to each other over loopback,
 * media decoded and counted.
 *
 * ICE gathers on 127.0.0.1 only (--local-address), and the relay offers
 * carry no candidates, so nothing is ever sent off loopback. */
#include <glib/gstdio.h>
#include <string.h>

#include "media/client-publish.h"
#include "media/client-sdp.h"
#include "media/client-stats.h"
#include "media/client-subscribe.h"
#include "relay/sdp.h"

static char *loopback[] = {"127.0.0.1", NULL};

/* What one side reported, and where its messages go in the loopback test. */
typedef struct Side Side;
struct Side {
  GPtrArray *descriptions; /* char* */
  GPtrArray *candidates;   /* char* "candidate:..." */
  guint end_of_candidates;
  guint negotiated;
  char *failure;
  /* Loopback wiring (NULL otherwise). */
  Side *other;
  VtClientPeer *peer;
  VtClientSubscriber *sub; /* the other side's descriptions are offers for it */
  GPtrArray *pending;      /* candidates for peer before it negotiated: "mline\tcand" */
};

static void side_init(Side *s)
{
  memset(s, 0, sizeof *s);
  s->descriptions = g_ptr_array_new_with_free_func(g_free);
  s->candidates = g_ptr_array_new_with_free_func(g_free);
  s->pending = g_ptr_array_new_with_free_func(g_free);
}

static void side_clear(Side *s)
{
  g_ptr_array_unref(s->descriptions);
  g_ptr_array_unref(s->candidates);
  g_ptr_array_unref(s->pending);
  g_free(s->failure);
}

static void deliver_candidate(Side *to, guint mline, const char *candidate)
{
  if (to->negotiated)
    vt_client_peer_add_candidate(to->peer, mline, candidate);
  else
    g_ptr_array_add(to->pending, g_strdup_printf("%u\t%s", mline, candidate));
}

static void on_description(gpointer user, VtClientPeer *peer, const char *sdp)
{
  Side *s = user;
  g_ptr_array_add(s->descriptions, g_strdup(sdp));
  if (s->other && s->other->sub)
    vt_client_subscriber_handle_offer(s->other->sub, sdp);
  else if (s->other)
    vt_client_peer_set_remote(s->other->peer, "answer", sdp);
}

static void on_candidate(gpointer user, VtClientPeer *peer, guint mline, const char *mid,
                         const char *candidate)
{
  Side *s = user;
  if (!*candidate) {
    s->end_of_candidates++;
    return;
  }
  g_ptr_array_add(s->candidates, g_strdup(candidate));
  if (s->other)
    deliver_candidate(s->other, mline, candidate);
}

static void on_failed(gpointer user, VtClientPeer *peer, const char *reason)
{
  Side *s = user;
  g_test_message("failed: %s", reason);
  if (!s->failure)
    s->failure = g_strdup(reason);
}

static void on_negotiated(gpointer user, VtClientPeer *peer)
{
  Side *s = user;
  s->negotiated++;
  for (guint i = 0; s->peer && i < s->pending->len; i++) {
    const char *entry = g_ptr_array_index(s->pending, i);
    vt_client_peer_add_candidate(s->peer, (guint)g_ascii_strtoull(entry, NULL, 10),
                                 strchr(entry, '\t') + 1);
  }
  g_ptr_array_set_size(s->pending, 0);
}

static const VtClientPeerEvents events = {on_description, on_candidate, on_failed, on_negotiated};

/* Runs the default main context until *count >= want or timeout_ms pass. */
static gboolean wait_count(const guint *count, guint want, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  while (*count < want && g_get_monotonic_time() < end)
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(1000);
  return *count >= want;
}

static void run_for(guint ms)
{
  guint never = 0;
  wait_count(&never, 1, ms);
}

static VtClientPublisher *start_publisher_from(VtClientSource source, char *path,
                                               VtClientCodec codec, Side *side)
{
  VtClientOptions o = {.source = source,
                       .source_arg = path,
                       .codec = codec,
                       .width = 320,
                       .height = 240,
                       .fps = 15,
                       .local_addresses = loopback};
  g_autoptr(GError) error = NULL;
  VtClientPublisher *pub = vt_client_publisher_new(&o, &events, side, &error);
  g_assert_no_error(error);
  g_assert_true(vt_client_publisher_start(pub, &error));
  g_assert_no_error(error);
  side->peer = vt_client_publisher_peer(pub);
  return pub;
}

static VtClientPublisher *start_publisher(VtClientCodec codec, Side *side)
{
  return start_publisher_from(VT_CLIENT_SOURCE_TEST, NULL, codec, side);
}

/* Every local candidate is on loopback. */
static void assert_loopback_only(const Side *s)
{
  g_assert_cmpuint(s->candidates->len, >, 0);
  for (guint i = 0; i < s->candidates->len; i++) {
    const char *c = g_ptr_array_index(s->candidates, i);
    g_assert_true(g_str_has_prefix(c, "candidate:"));
    g_auto(GStrv) fields = g_strsplit(c, " ", -1);
    g_assert_cmpuint(g_strv_length(fields), >=, 8);
    g_assert_cmpstr(fields[4], ==, "127.0.0.1");
    g_assert_cmpstr(fields[7], ==, "host");
  }
}

/* ---- the publisher's offer ---- */

static VtLocalDescription relay_local(void)
{
  VtLocalDescription l = {0};
  l.ice_ufrag = "RlyA";
  l.ice_pwd = "r3layPassw0rd+For/Tests1";
  for (guint i = 0; i < VT_SDP_FINGERPRINT_LEN; i++)
    l.fingerprint[i] = (guint8)(0xA0 + i);
  l.trickle = TRUE;
  l.session_id = 99;
  return l; /* no candidates: the subscriber has nowhere to send */
}

/* Starts a publisher, waits for its offer and for gathering to end, and
 * returns the offer as the relay parses it. path: publish that file, else
 * the test source. */
static VtPublishOffer *publish_offer(VtClientCodec codec, char *path, char **text)
{
  Side side;
  side_init(&side);
  VtClientPublisher *pub = start_publisher_from(
      path ? VT_CLIENT_SOURCE_FILE : VT_CLIENT_SOURCE_TEST, path, codec, &side);
  g_assert_true(wait_count(&side.descriptions->len, 1, 15000));
  g_assert_true(wait_count(&side.end_of_candidates, 1, 10000));
  g_assert_null(side.failure);
  assert_loopback_only(&side);
  *text = g_strdup(g_ptr_array_index(side.descriptions, 0));
  g_test_message("offer:\n%s", *text);

  VtPublishOffer *offer = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(vt_sdp_parse_publish_offer(*text, strlen(*text), &offer, &error));
  g_assert_no_error(error);

  /* webrtcbin takes the relay's answer to it. */
  VtLocalDescription local = relay_local();
  g_autofree char *answer = vt_sdp_build_publish_answer(offer, &local, &error);
  g_assert_no_error(error);
  vt_client_peer_set_remote(side.peer, "answer", answer);
  g_assert_true(wait_count(&side.negotiated, 1, 10000));
  g_assert_null(side.failure);
  vt_client_publisher_stop(pub);
  vt_client_publisher_free(pub);
  side_clear(&side);
  return offer;
}

static void assert_transport(const char *text, const VtPublishOffer *offer)
{
  g_assert_nonnull(strstr(text, "a=group:BUNDLE "));
  g_assert_nonnull(strstr(text, "a=rtcp-mux"));
  g_assert_nonnull(strstr(text, "a=fingerprint:sha-256 "));
  g_assert_nonnull(offer->transport.ice_ufrag);
  g_assert_nonnull(offer->transport.ice_pwd);
  g_assert_cmpint(offer->transport.setup, ==, VT_SDP_SETUP_ACTPASS);
  g_assert_null(strstr(text, "sendrecv"));
}

static void assert_media(const VtPublishMedia *m, VtSdpKind kind, VtSdpCodecId codec)
{
  g_assert_cmpint(m->kind, ==, kind);
  g_assert_cmpint(m->state, ==, VT_SDP_MEDIA_ACCEPTED);
  g_assert_cmpint(m->direction, ==, VT_SDP_SENDONLY);
  g_assert_cmpint(m->codec.id, ==, codec);
  g_assert_cmpuint(m->ssrc, !=, 0);
  g_assert_nonnull(m->stream_id);
}

static void test_offer_vp8(void)
{
  g_autofree char *text = NULL;
  g_autoptr(VtPublishOffer) offer = publish_offer(VT_CLIENT_CODEC_VP8, NULL, &text);
  assert_transport(text, offer);
  g_assert_cmpuint(offer->n_media, ==, 2); /* video first, then audio */
  assert_media(&offer->media[0], VT_SDP_KIND_VIDEO, VT_SDP_CODEC_VP8);
  g_assert_cmpuint(offer->media[0].codec.pt, ==, VT_CLIENT_PT_VP8);
  g_assert_true(offer->media[0].codec.feedback & VT_SDP_FB_NACK);
  g_assert_true(offer->media[0].codec.feedback & VT_SDP_FB_NACK_PLI);
  assert_media(&offer->media[1], VT_SDP_KIND_AUDIO, VT_SDP_CODEC_OPUS);
  /* Both tracks belong to one stream. */
  g_assert_cmpstr(offer->media[0].stream_id, ==, offer->media[1].stream_id);
}

static void test_offer_h264(void)
{
  g_autofree char *text = NULL;
  g_autoptr(VtPublishOffer) offer = publish_offer(VT_CLIENT_CODEC_H264, NULL, &text);
  assert_transport(text, offer);
  g_assert_nonnull(strstr(text, "packetization-mode=1"));
  g_assert_nonnull(strstr(text, "profile-level-id=42e01f"));
  assert_media(&offer->media[0], VT_SDP_KIND_VIDEO, VT_SDP_CODEC_H264);
  g_assert_cmpint(offer->media[0].codec.h264_profile, ==, VT_SDP_H264_CONSTRAINED_BASELINE);
  assert_media(&offer->media[1], VT_SDP_KIND_AUDIO, VT_SDP_CODEC_OPUS);
}

/* Writes a short WebM file (VP8 160x120 + Opus) to publish. */
static char *make_clip(const char *dir)
{
  char *path = g_build_filename(dir, "clip.webm", NULL);
  g_autofree char *description = g_strdup_printf(
      "videotestsrc num-buffers=45 ! video/x-raw,width=160,height=120,framerate=15/1 "
      "! vp8enc deadline=1 ! webmmux name=mux ! filesink location=\"%s\" "
      "audiotestsrc num-buffers=60 ! opusenc ! mux.",
      path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = gst_parse_launch(description, &error);
  g_assert_no_error(error);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  g_autoptr(GstMessage) msg =
      gst_bus_timed_pop_filtered(bus, 20 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull(msg);
  g_assert_cmpint(GST_MESSAGE_TYPE(msg), ==, GST_MESSAGE_EOS);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  return path;
}

/* A file's streams are found by decodebin and published like the test
 * source's, re-encoded with the chosen codec. */
static void test_offer_file(void)
{
  g_autofree char *dir = g_dir_make_tmp("vitrine-client-XXXXXX", NULL);
  g_autofree char *path = make_clip(dir);
  g_autofree char *text = NULL;
  g_autoptr(VtPublishOffer) offer = publish_offer(VT_CLIENT_CODEC_H264, path, &text);
  assert_transport(text, offer);
  g_assert_cmpuint(offer->n_media, ==, 2);
  VtSdpKind kinds[2] = {offer->media[0].kind, offer->media[1].kind};
  guint video = kinds[0] == VT_SDP_KIND_VIDEO ? 0 : 1; /* decodebin's order */
  assert_media(&offer->media[video], VT_SDP_KIND_VIDEO, VT_SDP_CODEC_H264);
  assert_media(&offer->media[1 - video], VT_SDP_KIND_AUDIO, VT_SDP_CODEC_OPUS);
  g_remove(path);
  g_rmdir(dir);
}

/* ---- the subscriber's answers ---- */

/* Hands the relay's offer for tracks to the subscriber and checks its answer
 * with the relay's parser. */
static VtSubscribeAnswer *answer_for(VtClientSubscriber *sub, Side *side,
                                     const VtSubscribeTrack *tracks, guint n, guint version)
{
  VtLocalDescription local = relay_local();
  g_autoptr(GError) error = NULL;
  g_autofree char *offer = vt_sdp_build_subscribe_offer(tracks, n, &local, version, &error);
  g_assert_no_error(error);
  guint before = side->descriptions->len;
  vt_client_subscriber_handle_offer(sub, offer);
  g_assert_true(wait_count(&side->descriptions->len, before + 1, 10000));
  g_assert_null(side->failure);
  const char *text = g_ptr_array_index(side->descriptions, before);
  VtSubscribeAnswer *answer = NULL;
  g_assert_true(
      vt_sdp_parse_subscribe_answer(text, strlen(text), tracks, n, &local, &answer, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(answer->n_media, ==, n);
  return answer;
}

#define TRACK(kind_, codec_, ssrc_, who, what)                                                     \
  {                                                                                                \
    .active = TRUE, .kind = kind_, .codec = codec_, .ssrc = ssrc_, .participant_id = who,          \
    .track_id = what                                                                               \
  }

static void test_subscribe_answers(void)
{
  Side side;
  side_init(&side);
  g_autoptr(GError) error = NULL;
  VtClientSubscriber *sub =
      vt_client_subscriber_new((const char *const *)loopback, &events, &side, &error);
  g_assert_no_error(error);
  g_assert_true(vt_client_subscriber_start(sub, &error));

  VtSubscribeTrack tracks[3] = {TRACK(VT_SDP_KIND_AUDIO, VT_SDP_CODEC_OPUS, 11, "pAnn", "mic"),
                                TRACK(VT_SDP_KIND_VIDEO, VT_SDP_CODEC_VP8, 12, "pAnn", "cam")};
  g_autoptr(VtSubscribeAnswer) first = answer_for(sub, &side, tracks, 2, 1);
  g_assert_true(first->media[0].accepted && first->media[1].accepted);
  g_assert_cmpint(first->media[1].direction, ==, VT_SDP_RECVONLY);
  g_assert_cmpint(first->media[1].codec.id, ==, VT_SDP_CODEC_VP8);

  /* Ann's camera goes; Bo's H.264 camera arrives on a new m-line. */
  tracks[1] = (VtSubscribeTrack){.active = FALSE, .kind = VT_SDP_KIND_VIDEO};
  tracks[2] = (VtSubscribeTrack)TRACK(VT_SDP_KIND_VIDEO, VT_SDP_CODEC_H264, 21, "pBo", "cam");
  tracks[2].h264_profile_level_id = 0x42e01f;
  g_autoptr(VtSubscribeAnswer) second = answer_for(sub, &side, tracks, 3, 2);
  g_assert_true(second->media[0].accepted);
  g_assert_true(second->media[2].accepted);
  g_assert_cmpint(second->media[2].codec.id, ==, VT_SDP_CODEC_H264);

  /* Bo's camera takes the free slot back on the next change. */
  tracks[1] = (VtSubscribeTrack)TRACK(VT_SDP_KIND_VIDEO, VT_SDP_CODEC_VP8, 31, "pCid", "cam");
  g_autoptr(VtSubscribeAnswer) third = answer_for(sub, &side, tracks, 3, 3);
  g_assert_true(third->media[1].accepted);

  g_autoptr(VtClientReport) report = vt_client_report_new();
  vt_client_subscriber_report(sub, NULL, report);
  /* Every (slot, participant) seen is a track, none decoded: nothing was sent. */
  g_assert_cmpuint(report->tracks->len, ==, 4);
  VtReportTrack *cid = g_ptr_array_index(report->tracks, 3);
  g_assert_cmpstr(cid->participant, ==, "pCid");
  g_assert_cmpstr(cid->mid, ==, "1");
  g_assert_cmpuint(cid->frames_decoded, ==, 0);
  g_assert_cmpint(vt_client_subscriber_first_frame_us(sub), ==, 0);
  vt_client_subscriber_free(sub);
  side_clear(&side);
}

/* ---- publisher to subscriber over loopback ---- */

static gboolean frames_at_least(VtClientSubscriber *sub, guint64 want)
{
  g_autoptr(VtClientReport) report = vt_client_report_new();
  vt_client_subscriber_report(sub, NULL, report);
  for (guint i = 0; i < report->tracks->len; i++) {
    VtReportTrack *t = g_ptr_array_index(report->tracks, i);
    if (g_str_equal(t->kind, "video") && t->frames_decoded >= want)
      return TRUE;
  }
  return FALSE;
}

static void check_received(VtClientSubscriber *sub, const char *offer, const char *codec)
{
  g_autoptr(VtClientRemoteOffer) tracks = NULL;
  g_assert_true(vt_client_sdp_remote_tracks(offer, strlen(offer), &tracks, NULL));
  g_autoptr(GstStructure) stats = vt_client_peer_get_stats(vt_client_subscriber_peer(sub));
  g_assert_nonnull(stats);
  g_autofree char *dump = gst_structure_to_string(stats);
  g_test_message("subscriber stats: %s", dump);
  g_autoptr(VtClientReport) report = vt_client_report_new();
  vt_client_subscriber_report(sub, stats, report);
  g_assert_cmpuint(report->tracks->len, ==, 2);
  VtReportTrack *video = g_ptr_array_index(report->tracks, 0);
  VtReportTrack *audio = g_ptr_array_index(report->tracks, 1);
  g_assert_cmpstr(video->kind, ==, "video");
  g_assert_cmpstr(video->codec, ==, codec);
  g_assert_cmpstr(video->participant, ==, tracks->tracks[0].participant);
  g_assert_nonnull(video->participant);
  g_assert_cmpuint(video->frames_decoded, >=, 10);
  g_assert_cmpuint(video->width, ==, 320);
  g_assert_cmpuint(video->height, ==, 240);
  g_assert_cmpint(video->packets_lost, >=, 0);
  g_assert_cmpstr(audio->kind, ==, "audio");
  g_assert_cmpstr(audio->codec, ==, "opus");
  g_assert_cmpuint(audio->frames_decoded, >, 0);
  g_assert_cmpuint(audio->width, ==, 0);
  VtInboundStats in;
  g_assert_true(vt_client_stats_inbound(stats, tracks->tracks[0].ssrc, &in));
  g_assert_cmpuint(in.packets_received, >, 0);
  g_assert_cmpint(vt_client_subscriber_first_frame_us(sub), >, 0);
}

static void check_sent(VtClientPublisher *pub)
{
  g_autoptr(GstStructure) stats = vt_client_peer_get_stats(vt_client_publisher_peer(pub));
  g_autoptr(VtClientReport) report = vt_client_report_new();
  vt_client_publisher_report(pub, stats, report);
  g_assert_cmpuint(report->published->len, ==, 2);
  VtReportPublished *video = g_ptr_array_index(report->published, 0);
  g_assert_cmpstr(video->kind, ==, "video");
  g_assert_cmpuint(video->frames_sent, >=, 10);
  g_assert_cmpuint(video->packets_sent, >=, 10);
  g_assert_cmpuint(video->width, ==, 320);
  g_assert_cmpuint(video->height, ==, 240);
  VtReportPublished *audio = g_ptr_array_index(report->published, 1);
  g_assert_cmpstr(audio->codec, ==, "opus");
  g_assert_cmpuint(audio->packets_sent, >, 0);
}

static void loopback_call(VtClientCodec codec)
{
  Side pub_side, sub_side;
  side_init(&pub_side);
  side_init(&sub_side);
  g_autoptr(GError) error = NULL;
  VtClientSubscriber *sub =
      vt_client_subscriber_new((const char *const *)loopback, &events, &sub_side, &error);
  g_assert_no_error(error);
  g_assert_true(vt_client_subscriber_start(sub, &error));
  sub_side.peer = vt_client_subscriber_peer(sub);
  sub_side.sub = sub;
  pub_side.other = &sub_side;
  sub_side.other = &pub_side;
  VtClientPublisher *pub = start_publisher(codec, &pub_side);

  gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
  while (!frames_at_least(sub, 20) && g_get_monotonic_time() < end && !pub_side.failure &&
         !sub_side.failure)
    run_for(100);
  g_assert_null(pub_side.failure);
  g_assert_null(sub_side.failure);
  assert_loopback_only(&pub_side);
  assert_loopback_only(&sub_side);
  check_received(sub, g_ptr_array_index(pub_side.descriptions, 0), vt_client_codec_name(codec));
  check_sent(pub);

  vt_client_publisher_free(pub);
  vt_client_subscriber_free(sub);
  run_for(50); /* events of the closed peers are dropped */
  side_clear(&pub_side);
  side_clear(&sub_side);
}

static void test_loopback_vp8(void)
{
  loopback_call(VT_CLIENT_CODEC_VP8);
}

static void test_loopback_h264(void)
{
  loopback_call(VT_CLIENT_CODEC_H264);
}

int main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/client-webrtc/offer-vp8", test_offer_vp8);
  g_test_add_func("/client-webrtc/offer-h264", test_offer_h264);
  g_test_add_func("/client-webrtc/offer-file", test_offer_file);
  g_test_add_func("/client-webrtc/subscribe-answers", test_subscribe_answers);
  g_test_add_func("/client-webrtc/loopback-vp8", test_loopback_vp8);
  g_test_add_func("/client-webrtc/loopback-h264", test_loopback_h264);
  return g_test_run();
}
