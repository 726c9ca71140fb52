/* Unit tests for relay/sdp*.c, the subscribe side: the relay's subscribe
 * offers (0, 1, 3 tracks, renegotiation with stable mids, read back by the
 * publish parser) and the check of the client's answer. */
#include "sdp-samples.h"

/* ---- subscribe offers ---- */

#define ANNA_MIC                                                                                   \
  {                                                                                                \
    .active = TRUE, .kind = VT_SDP_KIND_AUDIO, .codec = VT_SDP_CODEC_OPUS, .ssrc = 1001,           \
    .participant_id = "p-anna", .track_id = "mic"                                                  \
  }
#define ANNA_CAM                                                                                   \
  {                                                                                                \
    .active = TRUE, .kind = VT_SDP_KIND_VIDEO, .codec = VT_SDP_CODEC_VP8, .ssrc = 2001,            \
    .rtx_ssrc = 2002, .participant_id = "p-anna", .track_id = "cam"                                \
  }
#define BO_CAM                                                                                     \
  {                                                                                                \
    .active = TRUE, .kind = VT_SDP_KIND_VIDEO, .codec = VT_SDP_CODEC_H264,                         \
    .h264_profile_level_id = 0x640c1f, .ssrc = 3001, .rtx_ssrc = 3002, .participant_id = "p-bo",   \
    .track_id = "cam", .cname = "bo-cname"                                                         \
  }

static char *build_offer(const VtSubscribeTrack *tracks, guint n, guint features, guint version)
{
  VtLocalDescription local = relay_local(features);
  g_autoptr(GError) error = NULL;
  char *text = vt_sdp_build_subscribe_offer(tracks, n, &local, version, &error);

  g_assert_no_error(error);
  assert_crlf(text);
  return text;
}

static void test_subscribe_none(void)
{
  g_autofree char *text = build_offer(NULL, 0, 0, 1);
  g_autoptr(GstSDPMessage) msg = reparse(text);

  g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 0);
  g_assert_null(gst_sdp_message_get_attribute_val(msg, "group"));
  g_assert_cmpstr(gst_sdp_message_get_origin(msg)->sess_version, ==, "1");
}

static void test_subscribe_one(void)
{
  static const VtSubscribeTrack tracks[] = {ANNA_CAM};
  g_autofree char *text = build_offer(tracks, 1, VT_SDP_FEATURE_TWCC, 4);
  g_autoptr(GstSDPMessage) msg = reparse(text);
  VtLocalDescription local = relay_local(0);
  g_autofree char *fp = vt_sdp_fingerprint_format(local.fingerprint);
  const GstSDPMedia *v;

  g_assert_cmpstr(gst_sdp_message_get_origin(msg)->sess_version, ==, "4");
  g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE 0");
  g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 1);
  v = gst_sdp_message_get_media(msg, 0);
  g_assert_cmpstr(gst_sdp_media_get_media(v), ==, "video");
  g_assert_cmpuint(gst_sdp_media_get_port(v), ==, 9);
  g_assert_cmpstr(gst_sdp_media_get_proto(v), ==, "UDP/TLS/RTP/SAVPF");
  assert_formats(v, "96 97");
  assert_attrs(v, "mid", "0");
  assert_attrs(v, "setup", "actpass");
  assert_attrs(v, "fingerprint", fp);
  assert_attrs(v, "ice-ufrag", "RlyA");
  g_assert_true(has(v, "sendonly") && has(v, "rtcp-mux") && has(v, "rtcp-rsize"));
  assert_attrs(v, "msid", "p-anna cam");
  assert_attrs(v, "rtpmap", "96 VP8/90000|97 rtx/90000");
  assert_attrs(v, "fmtp", "97 apt=96");
  assert_attrs(v, "rtcp-fb", "96 transport-cc|96 ccm fir|96 nack|96 nack pli");
  assert_attrs(v, "extmap", "4 " URI_MID "|2 " URI_ABS "|3 " URI_TWCC);
  assert_attrs(v, "ssrc-group", "FID 2001 2002");
  assert_attrs(v, "ssrc",
               "2001 cname:p-anna|2001 msid:p-anna cam|2002 cname:p-anna|"
               "2002 msid:p-anna cam");
  assert_attrs(v, "candidate", "1 1 udp 2130706431 198.51.100.10 40000 typ host");
  g_assert_true(has(v, "end-of-candidates"));
}

static void test_subscribe_three(void)
{
  static const VtSubscribeTrack tracks[] = {ANNA_MIC, ANNA_CAM, BO_CAM};
  g_autofree char *text = build_offer(tracks, 3, VT_SDP_FEATURE_AUDIO_LEVEL, 2);
  g_autoptr(GstSDPMessage) msg = reparse(text);
  const GstSDPMedia *a = gst_sdp_message_get_media(msg, 0);
  const GstSDPMedia *h = gst_sdp_message_get_media(msg, 2);

  g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE 0 1 2");
  assert_formats(a, "111");
  assert_attrs(a, "rtpmap", "111 opus/48000/2");
  assert_attrs(a, "fmtp", "111 minptime=10;useinbandfec=1");
  assert_attrs(a, "rtcp-fb", "");
  assert_attrs(a, "extmap", "4 " URI_MID "|2 " URI_ABS "|1 " URI_LEVEL);
  assert_attrs(a, "ssrc", "1001 cname:p-anna|1001 msid:p-anna mic");
  g_assert_false(has(a, "ssrc-group"));
  assert_attrs(gst_sdp_message_get_media(msg, 1), "mid", "1");
  assert_attrs(gst_sdp_message_get_media(msg, 1), "candidate", "");
  assert_attrs(h, "mid", "2");
  assert_formats(h, "108 109");
  assert_attrs(h, "rtpmap", "108 H264/90000|109 rtx/90000");
  assert_attrs(h, "fmtp",
               "108 level-asymmetry-allowed=1;packetization-mode=1;"
               "profile-level-id=640c1f|109 apt=108");
  assert_attrs(h, "msid", "p-bo cam");
  assert_attrs(h, "ssrc",
               "3001 cname:bo-cname|3001 msid:p-bo cam|3002 cname:bo-cname|"
               "3002 msid:p-bo cam");
}

/* The relay's offer is itself a valid publish offer: read back with the
 * publish parser it yields the same codecs, SSRCs and msids. */
static void test_subscribe_reads_back(void)
{
  static const VtSubscribeTrack tracks[] = {ANNA_MIC, ANNA_CAM, BO_CAM};
  g_autofree char *text = build_offer(tracks, 3, VT_SDP_FEATURE_REMB, 1);
  g_autoptr(VtPublishOffer) offer = parse_ok(text, NULL);

  g_assert_cmpuint(offer->n_media, ==, 3);
  g_assert_cmpint(offer->transport.setup, ==, VT_SDP_SETUP_ACTPASS);
  g_assert_cmpstr(offer->transport.ice_ufrag, ==, "RlyA");
  g_assert_true(offer->transport.end_of_candidates);
  g_assert_cmpuint(g_strv_length(offer->transport.candidates), ==, 1);
  g_assert_cmpstr(offer->transport.candidates[0], ==, RELAY_CANDIDATES[0]);
  g_assert_cmpuint(offer->media[0].codec.pt, ==, VT_SDP_RELAY_PT_OPUS);
  g_assert_cmpuint(offer->media[1].codec.pt, ==, VT_SDP_RELAY_PT_VP8);
  g_assert_cmpuint(offer->media[1].codec.rtx_pt, ==, VT_SDP_RELAY_PT_VP8_RTX);
  g_assert_cmpuint(offer->media[1].codec.feedback, ==,
                   VT_SDP_FB_NACK | VT_SDP_FB_NACK_PLI | VT_SDP_FB_CCM_FIR | VT_SDP_FB_GOOG_REMB);
  g_assert_cmpuint(offer->media[2].codec.pt, ==, VT_SDP_RELAY_PT_H264_CH);
  g_assert_cmpuint(offer->media[2].codec.h264_profile_level_id, ==, 0x640c1f);
  g_assert_cmpuint(offer->media[2].ssrc, ==, 3001);
  g_assert_cmpuint(offer->media[2].rtx_ssrc, ==, 3002);
  g_assert_cmpstr(offer->media[2].cname, ==, "bo-cname");
  g_assert_cmpstr(offer->media[2].stream_id, ==, "p-bo");
  g_assert_cmpstr(offer->media[2].track_id, ==, "cam");
  g_assert_cmpuint(offer->media[1].ext_ids[VT_SDP_EXT_MID], ==, VT_SDP_RELAY_EXT_MID);
}

static char *media_text(const GstSDPMessage *msg, guint i)
{
  return gst_sdp_media_as_text(gst_sdp_message_get_media(msg, i));
}

/* Bo's camera leaves (slot 2 goes inactive, mids unchanged); Carl's camera
 * takes the free video slot under the same mid; Carl's microphone finds no
 * free audio slot and is appended. Slots that did not change are written
 * exactly as before. */
static void test_subscribe_renegotiation(void)
{
  VtSubscribeTrack layout[4] = {ANNA_MIC, ANNA_CAM, BO_CAM};
  const VtSubscribeTrack carl_cam = {.active = TRUE,
                                     .kind = VT_SDP_KIND_VIDEO,
                                     .codec = VT_SDP_CODEC_VP8,
                                     .ssrc = 4001,
                                     .rtx_ssrc = 4002,
                                     .participant_id = "p-carl",
                                     .track_id = "cam"};
  const VtSubscribeTrack carl_mic = {.active = TRUE,
                                     .kind = VT_SDP_KIND_AUDIO,
                                     .codec = VT_SDP_CODEC_OPUS,
                                     .ssrc = 5001,
                                     .participant_id = "p-carl",
                                     .track_id = "mic"};
  g_autofree char *v1 = build_offer(layout, 3, 0, 1);
  g_autoptr(GstSDPMessage) m1 = reparse(v1);
  g_autofree char *v2 = NULL;
  g_autofree char *v3 = NULL;
  g_autoptr(GstSDPMessage) m2 = NULL;
  g_autoptr(GstSDPMessage) m3 = NULL;
  const GstSDPMedia *gone, *reused;
  guint slot;

  g_assert_cmpuint(vt_sdp_subscribe_slot(layout, 3, VT_SDP_KIND_VIDEO), ==, 3);
  layout[2].active = FALSE;
  v2 = build_offer(layout, 3, 0, 2);
  m2 = reparse(v2);
  g_assert_cmpstr(gst_sdp_message_get_origin(m2)->sess_version, ==, "2");
  g_assert_cmpstr(gst_sdp_message_get_attribute_val(m2, "group"), ==, "BUNDLE 0 1 2");
  gone = gst_sdp_message_get_media(m2, 2);
  g_assert_cmpuint(gst_sdp_media_get_port(gone), ==, 9);
  assert_attrs(gone, "mid", "2");
  g_assert_true(has(gone, "inactive") && !has(gone, "sendonly"));
  g_assert_false(has(gone, "msid") || has(gone, "ssrc") || has(gone, "ssrc-group"));
  assert_formats(gone, "108"); /* same codec, no RTX without a track */

  slot = vt_sdp_subscribe_slot(layout, 3, VT_SDP_KIND_VIDEO);
  g_assert_cmpuint(slot, ==, 2);
  layout[slot] = carl_cam;
  slot = vt_sdp_subscribe_slot(layout, 3, VT_SDP_KIND_AUDIO);
  g_assert_cmpuint(slot, ==, 3);
  layout[slot] = carl_mic;
  v3 = build_offer(layout, 4, 0, 3);
  m3 = reparse(v3);
  g_assert_cmpstr(gst_sdp_message_get_origin(m3)->sess_version, ==, "3");
  g_assert_cmpstr(gst_sdp_message_get_attribute_val(m3, "group"), ==, "BUNDLE 0 1 2 3");
  reused = gst_sdp_message_get_media(m3, 2);
  assert_attrs(reused, "mid", "2");
  g_assert_true(has(reused, "sendonly"));
  assert_attrs(reused, "msid", "p-carl cam");
  assert_formats(reused, "96 97");
  assert_attrs(reused, "ssrc-group", "FID 4001 4002");
  assert_attrs(gst_sdp_message_get_media(m3, 3), "mid", "3");
  g_assert_cmpstr(gst_sdp_media_get_media(gst_sdp_message_get_media(m3, 3)), ==, "audio");
  for (guint i = 0; i < 2; i++) {
    g_autofree char *before = media_text(m1, i);
    g_autofree char *after = media_text(m3, i);

    g_assert_cmpstr(before, ==, after);
  }
}

static void test_subscribe_invalid(void)
{
  VtSubscribeTrack many[VT_SDP_MAX_MEDIA + 1];
  VtSubscribeTrack t[1] = {ANNA_CAM};
  VtLocalDescription local = relay_local(0);
  static const char *const bad_candidate[] = {"candidate:1 1 udp 1 1.2.3.4 5 typ host\r\na=x",
                                              NULL};

  for (guint i = 0; i < G_N_ELEMENTS(many); i++)
    many[i] = t[0];
  for (guint c = 0; c < 8; c++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    VtSubscribeTrack one = {.active = TRUE,
                            .kind = VT_SDP_KIND_VIDEO,
                            .codec = VT_SDP_CODEC_VP8,
                            .ssrc = 1,
                            .participant_id = "p",
                            .track_id = "t"};
    const VtSubscribeTrack *tracks = &one;
    guint n = 1;
    VtLocalDescription l = local;

    switch (c) {
    case 0:
      tracks = many;
      n = G_N_ELEMENTS(many);
      break;
    case 1:
      one.ssrc = 0;
      break;
    case 2:
      one.codec = VT_SDP_CODEC_OPUS;
      break;
    case 3:
      one.participant_id = "has space";
      break;
    case 4:
      one.codec = VT_SDP_CODEC_H264;
      one.h264_profile_level_id = 0x6e001f;
      break;
    case 5:
      one.kind = VT_SDP_KIND_OTHER;
      break;
    case 6:
      l.ice_pwd = "short";
      break;
    default:
      l.candidates = bad_candidate;
      break;
    }
    text = vt_sdp_build_subscribe_offer(tracks, n, &l, 1, &error);
    g_assert_null(text);
    g_assert_error(error, VT_SDP_ERROR, VT_SDP_ERROR_INVALID);
  }
}

/* ---- subscribe answers ---- */

/* Chrome's answer to the three-track offer built with features 0. */
#define ANSWER_TRANSPORT(mid)                                                                      \
  "c=IN IP4 0.0.0.0\r\n"                                                                           \
  "a=rtcp:9 IN IP4 0.0.0.0\r\n"                                                                    \
  "a=ice-ufrag:cL1e\r\n"                                                                           \
  "a=ice-pwd:Zx8vB3nM6qW9eR2tY5uI7oP0\r\n"                                                         \
  "a=ice-options:trickle\r\n"                                                                      \
  "a=fingerprint:sha-256 " CHROME_FP_TEXT "\r\n"                                                   \
  "a=setup:active\r\n"                                                                             \
  "a=mid:" mid "\r\n"                                                                              \
  "a=extmap:2 " URI_ABS "\r\n"                                                                     \
  "a=extmap:4 " URI_MID "\r\n"                                                                     \
  "a=recvonly\r\n"                                                                                 \
  "a=rtcp-mux\r\n"                                                                                 \
  "a=rtcp-rsize\r\n"
#define VIDEO_FB(pt)                                                                               \
  "a=rtcp-fb:" pt " ccm fir\r\na=rtcp-fb:" pt " nack\r\na=rtcp-fb:" pt " nack pli\r\n"

// clang-format off
static const char ANSWER3[] =
  "v=0\r\n"
  "o=- 5521790163418526210 2 IN IP4 127.0.0.1\r\n"
  "s=-\r\n"
  "t=0 0\r\n"
  "a=group:BUNDLE 0 1 2\r\n"
  "a=extmap-allow-mixed\r\n"
  "a=msid-semantic: WMS\r\n"
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
  ANSWER_TRANSPORT("0")
  "a=rtpmap:111 opus/48000/2\r\n"
  "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
  "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
  ANSWER_TRANSPORT("1")
  "a=rtpmap:96 VP8/90000\r\n"
  VIDEO_FB("96")
  "a=rtpmap:97 rtx/90000\r\n"
  "a=fmtp:97 apt=96\r\n"
  "m=video 9 UDP/TLS/RTP/SAVPF 108 109\r\n"
  ANSWER_TRANSPORT("2")
  "a=rtpmap:108 H264/90000\r\n"
  VIDEO_FB("108")
  "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640c1f\r\n"
  "a=rtpmap:109 rtx/90000\r\n"
  "a=fmtp:109 apt=108\r\n";
// clang-format on

static const VtSubscribeTrack THREE[] = {ANNA_MIC, ANNA_CAM, BO_CAM};

static VtSubscribeAnswer *answer_ok(const char *text, const VtSubscribeTrack *tracks, guint n)
{
  VtLocalDescription local = relay_local(0);
  g_autoptr(GError) error = NULL;
  VtSubscribeAnswer *answer = NULL;

  g_assert_true(
      vt_sdp_parse_subscribe_answer(text, strlen(text), tracks, n, &local, &answer, &error));
  g_assert_no_error(error);
  return answer;
}

static void test_answer_ok(void)
{
  g_autoptr(VtSubscribeAnswer) answer = answer_ok(ANSWER3, THREE, 3);
  const VtSubscribeAnswerMedia *v;

  g_assert_cmpstr(answer->transport.ice_ufrag, ==, "cL1e");
  g_assert_cmpstr(answer->transport.ice_pwd, ==, "Zx8vB3nM6qW9eR2tY5uI7oP0");
  g_assert_cmpmem(answer->transport.fingerprint, 32, CHROME_FP, 32);
  g_assert_cmpint(answer->transport.setup, ==, VT_SDP_SETUP_ACTIVE);
  g_assert_true(answer->transport.trickle);
  g_assert_cmpuint(answer->n_media, ==, 3);
  for (guint i = 0; i < 3; i++) {
    g_autofree char *mid = g_strdup_printf("%u", i);

    g_assert_cmpstr(answer->media[i].mid, ==, mid);
    g_assert_true(answer->media[i].accepted);
    g_assert_cmpint(answer->media[i].direction, ==, VT_SDP_RECVONLY);
    g_assert_true(answer->media[i].rtcp_rsize);
    g_assert_cmpuint(answer->media[i].ext_ids[VT_SDP_EXT_MID], ==, 4);
    g_assert_cmpuint(answer->media[i].ext_ids[VT_SDP_EXT_ABS_SEND_TIME], ==, 2);
    g_assert_cmpuint(answer->media[i].ext_ids[VT_SDP_EXT_TWCC], ==, 0);
  }
  g_assert_cmpint(answer->media[0].codec.id, ==, VT_SDP_CODEC_OPUS);
  g_assert_cmpuint(answer->media[0].codec.feedback, ==, 0);
  v = &answer->media[1];
  g_assert_cmpuint(v->codec.pt, ==, 96);
  g_assert_cmpuint(v->codec.rtx_pt, ==, 97);
  g_assert_cmpuint(v->codec.feedback, ==, VT_SDP_FB_NACK | VT_SDP_FB_NACK_PLI | VT_SDP_FB_CCM_FIR);
  v = &answer->media[2];
  g_assert_cmpuint(v->codec.pt, ==, 108);
  g_assert_cmpuint(v->codec.rtx_pt, ==, 109);
  g_assert_cmpuint(v->codec.h264_profile_level_id, ==, 0x640c1f);
}

/* Answers the relay takes that are not all "yes": an m-line rejected with
 * port 0 (and left out of the BUNDLE), everything inactive, RTX dropped. */
static void test_answer_partial(void)
{
  g_autofree char *t1 = replace(ANSWER3, "m=video 9 UDP/TLS/RTP/SAVPF 108 109",
                                "m=video 0 UDP/TLS/RTP/SAVPF 108 109");
  g_autofree char *rejected = replace(t1, "BUNDLE 0 1 2", "BUNDLE 0 1");
  g_autofree char *inactive = replace(ANSWER3, "a=recvonly", "a=inactive");
  g_autofree char *no_rtx = replace(ANSWER3, "SAVPF 96 97", "SAVPF 96");
  g_autoptr(VtSubscribeAnswer) a1 = answer_ok(rejected, THREE, 3);
  g_autoptr(VtSubscribeAnswer) a2 = answer_ok(inactive, THREE, 3);
  g_autoptr(VtSubscribeAnswer) a3 = answer_ok(no_rtx, THREE, 3);

  g_assert_true(a1->media[0].accepted && a1->media[1].accepted);
  g_assert_false(a1->media[2].accepted);
  g_assert_cmpint(a1->media[2].codec.id, ==, VT_SDP_CODEC_NONE);
  for (guint i = 0; i < 3; i++) {
    g_assert_false(a2->media[i].accepted);
    g_assert_cmpint(a2->media[i].direction, ==, VT_SDP_INACTIVE);
  }
  g_assert_true(a3->media[1].accepted);
  g_assert_cmpuint(a3->media[1].codec.rtx_pt, ==, 0);
}

/* The offer without m-lines is answered by a session without m-lines. */
static void test_answer_empty(void)
{
  g_autoptr(VtSubscribeAnswer) answer = answer_ok(SESSION_ONLY, NULL, 0);

  g_assert_cmpuint(answer->n_media, ==, 0);
  g_assert_null(answer->transport.ice_ufrag);
  g_assert_nonnull(answer->transport.candidates);
}

static void expect_answer_refused(const char *text, const VtSubscribeTrack *tracks, guint n,
                                  VtSdpError code)
{
  VtLocalDescription local = relay_local(0);
  g_autoptr(GError) error = NULL;
  VtSubscribeAnswer *answer = NULL;

  g_assert_false(
      vt_sdp_parse_subscribe_answer(text, strlen(text), tracks, n, &local, &answer, &error));
  g_assert_error(error, VT_SDP_ERROR, (gint)code);
  g_assert_null(answer);
  g_test_message("refused: %s", error->message);
}

static const Edit answer_refusals[] = {
    {"actpass", "a=setup:active", "a=setup:actpass", NULL, NULL, VT_SDP_ERROR_BAD_SETUP},
    {"no-fingerprint", "a=fingerprint:", NULL, NULL, NULL, VT_SDP_ERROR_NO_FINGERPRINT},
    {"no-ice", "a=ice-ufrag:", NULL, NULL, NULL, VT_SDP_ERROR_NO_ICE_CREDENTIALS},
    {"sendrecv", "a=recvonly", "a=sendrecv", NULL, NULL, VT_SDP_ERROR_MISMATCH},
    {"foreign-pt", "SAVPF 96 97", "SAVPF 96 98", NULL, NULL, VT_SDP_ERROR_MISMATCH},
    {"dropped-pt", "SAVPF 96 97", "SAVPF 97", NULL, NULL, VT_SDP_ERROR_MISMATCH},
    {"wrong-mid", "a=mid:2", "a=mid:5", NULL, NULL, VT_SDP_ERROR_MISMATCH},
    {"wrong-kind", "m=audio 9", "m=video 9", NULL, NULL, VT_SDP_ERROR_MISMATCH},
    {"other-ext-id", "a=extmap:4 ", "a=extmap:5 ", NULL, NULL, VT_SDP_ERROR_MISMATCH},
    {"added-ext", "a=extmap:2 ", "a=extmap:3 " URI_TWCC "\r\na=extmap:2 ", NULL, NULL,
     VT_SDP_ERROR_MISMATCH},
    {"no-rtcp-mux", "a=rtcp-mux", NULL, NULL, NULL, VT_SDP_ERROR_NO_RTCP_MUX},
    {"no-bundle", "a=group:BUNDLE", NULL, NULL, NULL, VT_SDP_ERROR_NO_BUNDLE},
    {"bundle-partial", "BUNDLE 0 1 2", "BUNDLE 0 1", NULL, NULL, VT_SDP_ERROR_NO_BUNDLE},
    {"rtp-avp", "UDP/TLS/RTP/SAVPF", "RTP/AVP", NULL, NULL, VT_SDP_ERROR_BAD_PROFILE},
    {"garbage", "v=0", "x=0", NULL, NULL, VT_SDP_ERROR_MALFORMED},
};

static void test_answer_refusal(gconstpointer data)
{
  const Edit *e = data;
  g_autofree char *text = apply(ANSWER3, e);

  expect_answer_refused(text, THREE, 3, e->code);
}

/* Answers that do not fit the layout they are checked against. */
static void test_answer_layout(void)
{
  VtSubscribeTrack freed[3] = {ANNA_MIC, ANNA_CAM, BO_CAM};

  expect_answer_refused(ANSWER3, THREE, 2, VT_SDP_ERROR_MISMATCH);
  expect_answer_refused(SESSION_ONLY, THREE, 3, VT_SDP_ERROR_NO_MEDIA);
  /* slot 2 was offered inactive: answering recvonly is a mismatch */
  freed[2].active = FALSE;
  expect_answer_refused(ANSWER3, freed, 3, VT_SDP_ERROR_MISMATCH);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sdp/subscribe/none", test_subscribe_none);
  g_test_add_func("/sdp/subscribe/one", test_subscribe_one);
  g_test_add_func("/sdp/subscribe/three", test_subscribe_three);
  g_test_add_func("/sdp/subscribe/reads-back", test_subscribe_reads_back);
  g_test_add_func("/sdp/subscribe/renegotiation", test_subscribe_renegotiation);
  g_test_add_func("/sdp/subscribe/invalid", test_subscribe_invalid);
  g_test_add_func("/sdp/answer/ok", test_answer_ok);
  g_test_add_func("/sdp/answer/partial", test_answer_partial);
  g_test_add_func("/sdp/answer/empty", test_answer_empty);
  for (guint i = 0; i < G_N_ELEMENTS(answer_refusals); i++) {
    g_autofree char *path = g_strdup_printf("/sdp/answer/refuse/%s", answer_refusals[i].name);

    g_test_add_data_func(path, &answer_refusals[i], test_answer_refusal);
  }
  g_test_add_func("/sdp/answer/layout", test_answer_layout);
  return g_test_run();
}
