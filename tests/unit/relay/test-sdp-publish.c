/* Unit tests for relay/sdp*.c, the publish side: fingerprints and the SDP
 * vocabulary, the publish offers of Chrome and Safari, the relay's answer
 * re-parsed with GstSDP field by field, and every refusal with its error code
 * (made by editing the offers line by line). */
#include "sdp-samples.h"

/* ---- fingerprints and vocabulary ---- */

static void test_fingerprint(void)
{
  static const char *const bad[] = {
      "sha-1 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64",
      "sha-256 7B:8B:F0",
      "sha-256 7B8BF0655F78E2513BAC6FF33F461B35DCB85F641A24C243F0A158D0A12C1908",
      "sha-256 " CHROME_FP_TEXT ":00",
      "sha-256" CHROME_FP_TEXT,
      "sha-256 7G:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:"
      "D0:A1:2C:19:08",
      "sha-256 " CHROME_FP_TEXT " x",
      "",
  };
  guint8 fp[VT_SDP_FINGERPRINT_LEN];
  g_autofree char *text = NULL;
  g_autofree char *lower = g_ascii_strdown("SHA-256 " CHROME_FP_TEXT "  ", -1);

  g_assert_true(vt_sdp_fingerprint_parse("sha-256 " CHROME_FP_TEXT, fp, NULL));
  g_assert_cmpmem(fp, sizeof fp, CHROME_FP, sizeof CHROME_FP);
  text = vt_sdp_fingerprint_format(fp);
  g_assert_cmpstr(text, ==, "sha-256 " CHROME_FP_TEXT);
  memset(fp, 0, sizeof fp);
  g_assert_true(vt_sdp_fingerprint_parse(lower, fp, NULL));
  g_assert_cmpmem(fp, sizeof fp, CHROME_FP, sizeof CHROME_FP);
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;

    g_assert_false(vt_sdp_fingerprint_parse(bad[i], fp, &error));
    g_assert_error(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_FINGERPRINT);
  }
}

static void test_vocabulary(void)
{
  VtSdpCodecId id;
  guint8 pt, rtx;

  g_assert_cmpint(vt_sdp_h264_profile(0x42e01f), ==, VT_SDP_H264_CONSTRAINED_BASELINE);
  g_assert_cmpint(vt_sdp_h264_profile(0x42c01f), ==, VT_SDP_H264_CONSTRAINED_BASELINE);
  g_assert_cmpint(vt_sdp_h264_profile(0x4d801f), ==, VT_SDP_H264_CONSTRAINED_BASELINE);
  g_assert_cmpint(vt_sdp_h264_profile(0x42001f), ==, VT_SDP_H264_BASELINE);
  g_assert_cmpint(vt_sdp_h264_profile(0x4d001f), ==, VT_SDP_H264_MAIN);
  g_assert_cmpint(vt_sdp_h264_profile(0x640c1f), ==, VT_SDP_H264_CONSTRAINED_HIGH);
  g_assert_cmpint(vt_sdp_h264_profile(0x64001f), ==, VT_SDP_H264_HIGH);
  g_assert_cmpint(vt_sdp_h264_profile(0x6e001f), ==, VT_SDP_H264_UNKNOWN); /* High 10 */
  g_assert_cmpint(vt_sdp_h264_profile(0x42e11f), ==, VT_SDP_H264_UNKNOWN); /* reserved bit */
  g_assert_true(vt_sdp_codec_from_string("vp8", &id) && id == VT_SDP_CODEC_VP8);
  g_assert_true(vt_sdp_codec_from_string("H264", &id) && id == VT_SDP_CODEC_H264);
  g_assert_true(vt_sdp_codec_from_string("Opus", &id) && id == VT_SDP_CODEC_OPUS);
  g_assert_false(vt_sdp_codec_from_string("vp9", &id));
  g_assert_true(vt_sdp_relay_payload_types(VT_SDP_CODEC_H264, 0x42e01f, &pt, &rtx));
  g_assert_cmpuint(pt, ==, 102);
  g_assert_cmpuint(rtx, ==, 103);
  g_assert_false(vt_sdp_relay_payload_types(VT_SDP_CODEC_H264, 0x6e001f, &pt, &rtx));
  g_assert_cmpint(vt_sdp_answer_setup(VT_SDP_SETUP_ACTPASS), ==, VT_SDP_SETUP_PASSIVE);
  g_assert_cmpint(vt_sdp_answer_setup(VT_SDP_SETUP_ACTIVE), ==, VT_SDP_SETUP_PASSIVE);
  g_assert_cmpint(vt_sdp_answer_setup(VT_SDP_SETUP_PASSIVE), ==, VT_SDP_SETUP_ACTIVE);
  g_assert_cmpstr(vt_sdp_error_code(VT_SDP_ERROR_NO_BUNDLE), ==, "sdp_no_bundle");
}

/* ---- publish offers ---- */

static void test_chrome_offer(void)
{
  g_autoptr(VtPublishOffer) offer = parse_ok(CHROME_OFFER, NULL);
  const VtPublishMedia *a, *v;

  g_assert_cmpstr(offer->transport.ice_ufrag, ==, "Xk3q");
  g_assert_cmpstr(offer->transport.ice_pwd, ==, "9mFz2Yb7Lq4rT8vW1nC6pD0s");
  g_assert_cmpmem(offer->transport.fingerprint, 32, CHROME_FP, 32);
  g_assert_cmpint(offer->transport.setup, ==, VT_SDP_SETUP_ACTPASS);
  g_assert_true(offer->transport.trickle);
  g_assert_false(offer->transport.ice_lite);
  g_assert_false(offer->transport.end_of_candidates);
  g_assert_cmpuint(g_strv_length(offer->transport.candidates), ==, 2);
  g_assert_true(g_str_has_prefix(offer->transport.candidates[0],
                                 "candidate:1467250027 1 udp 2122260223 192.168.1.20 54763"));
  g_assert_cmpuint(offer->n_media, ==, 2);

  a = &offer->media[0];
  g_assert_cmpstr(a->mid, ==, "0");
  g_assert_cmpint(a->kind, ==, VT_SDP_KIND_AUDIO);
  g_assert_cmpint(a->state, ==, VT_SDP_MEDIA_ACCEPTED);
  g_assert_cmpint(a->direction, ==, VT_SDP_SENDONLY);
  g_assert_cmpint(a->codec.id, ==, VT_SDP_CODEC_OPUS);
  g_assert_cmpuint(a->codec.pt, ==, 111);
  g_assert_cmpuint(a->codec.rtx_pt, ==, 0);
  g_assert_cmpuint(a->codec.clock_rate, ==, 48000);
  g_assert_cmpuint(a->codec.channels, ==, 2);
  g_assert_cmpuint(a->codec.feedback, ==, VT_SDP_FB_TRANSPORT_CC);
  g_assert_cmpuint(a->ext_ids[VT_SDP_EXT_AUDIO_LEVEL], ==, 1);
  g_assert_cmpuint(a->ext_ids[VT_SDP_EXT_ABS_SEND_TIME], ==, 2);
  g_assert_cmpuint(a->ext_ids[VT_SDP_EXT_TWCC], ==, 3);
  g_assert_cmpuint(a->ext_ids[VT_SDP_EXT_MID], ==, 4);
  g_assert_true(a->rtcp_rsize);
  g_assert_cmpuint(a->ssrc, ==, 3735928559u);
  g_assert_cmpuint(a->rtx_ssrc, ==, 0);
  g_assert_cmpstr(a->cname, ==, "Yq9eXb2Lk+7rT4w/");
  g_assert_cmpstr(a->stream_id, ==, "f4d1a2b3-0c9e-4e7a-9b1d-6a5c3e2f1d0a");
  g_assert_cmpstr(a->track_id, ==, "8c3b2a19-7d6e-4f5a-b4c3-2d1e0f9a8b7c");

  v = &offer->media[1];
  g_assert_cmpstr(v->mid, ==, "1");
  g_assert_cmpint(v->kind, ==, VT_SDP_KIND_VIDEO);
  g_assert_cmpint(v->state, ==, VT_SDP_MEDIA_ACCEPTED);
  g_assert_cmpint(v->codec.id, ==, VT_SDP_CODEC_VP8); /* default preference */
  g_assert_cmpuint(v->codec.pt, ==, 96);
  g_assert_cmpuint(v->codec.rtx_pt, ==, 97);
  g_assert_cmpuint(v->codec.clock_rate, ==, 90000);
  g_assert_cmpuint(v->codec.feedback, ==,
                   VT_SDP_FB_NACK | VT_SDP_FB_NACK_PLI | VT_SDP_FB_CCM_FIR | VT_SDP_FB_GOOG_REMB |
                       VT_SDP_FB_TRANSPORT_CC);
  g_assert_cmpuint(v->ext_ids[VT_SDP_EXT_MID], ==, 4);
  g_assert_cmpuint(v->ext_ids[VT_SDP_EXT_ABS_SEND_TIME], ==, 2);
  g_assert_cmpuint(v->ext_ids[VT_SDP_EXT_TWCC], ==, 3);
  g_assert_cmpuint(v->ext_ids[VT_SDP_EXT_AUDIO_LEVEL], ==, 0);
  g_assert_cmpuint(v->ssrc, ==, 1122334455u);
  g_assert_cmpuint(v->rtx_ssrc, ==, 2233445566u);
  g_assert_cmpstr(v->track_id, ==, "1e2d3c4b-5a69-4788-9766-a5b4c3d2e1f0");
}

/* A relay configured to take H.264 only (video-codecs = h264). */
static VtSdpCodecPrefs h264_only(void)
{
  VtSdpCodecPrefs prefs;

  vt_sdp_codec_prefs_init_default(&prefs);
  prefs.video[0] = VT_SDP_CODEC_H264;
  prefs.n_video = 1;
  return prefs;
}

/* Among Chrome's H.264 variants the relay takes constrained baseline with
 * packetization-mode=1 (106), not the first listed (102, baseline); without
 * it, baseline before main and high; mode 0 is never taken. */
static void test_chrome_h264(void)
{
  VtSdpCodecPrefs prefs = h264_only();
  g_autoptr(VtPublishOffer) offer = parse_ok(CHROME_OFFER, &prefs);
  g_autofree char *no_cb =
      replace(CHROME_OFFER, "profile-level-id=42e01f", "profile-level-id=f4001f");
  g_autoptr(VtPublishOffer) offer2 = parse_ok(no_cb, &prefs);
  const VtSdpCodec *c = &offer->media[1].codec;

  g_assert_cmpint(c->id, ==, VT_SDP_CODEC_H264);
  g_assert_cmpuint(c->pt, ==, 106);
  g_assert_cmpuint(c->rtx_pt, ==, 107);
  g_assert_cmpuint(c->h264_profile_level_id, ==, 0x42e01f);
  g_assert_cmpint(c->h264_profile, ==, VT_SDP_H264_CONSTRAINED_BASELINE);
  c = &offer2->media[1].codec;
  g_assert_cmpuint(c->pt, ==, 102);
  g_assert_cmpuint(c->rtx_pt, ==, 103);
  g_assert_cmpint(c->h264_profile, ==, VT_SDP_H264_BASELINE);
}

static void test_safari_offer(void)
{
  VtSdpCodecPrefs prefs = h264_only();
  g_autoptr(VtPublishOffer) offer = parse_ok(SAFARI_OFFER, NULL);
  g_autoptr(VtPublishOffer) h264 = parse_ok(SAFARI_OFFER, &prefs);
  g_autofree char *vp8_first =
      replace(SAFARI_OFFER, "SAVPF 96 97 98 99 100 101 127 125 104 105 106 107",
              "SAVPF 127 125 96 97 98 99 100 101 104 105 106 107");
  g_autoptr(VtPublishOffer) vp8 = parse_ok(vp8_first, NULL);
  g_autofree char *high_only =
      replace(SAFARI_OFFER, "profile-level-id=42e01f", "profile-level-id=6e001f");
  g_autoptr(VtPublishOffer) high = parse_ok(high_only, &prefs);

  g_assert_cmpuint(offer->n_media, ==, 2);
  g_assert_cmpstr(offer->transport.ice_ufrag, ==, "pQ7n");
  g_assert_cmpuint(g_strv_length(offer->transport.candidates), ==, 0);
  g_assert_cmpint(offer->media[0].codec.id, ==, VT_SDP_CODEC_OPUS);
  g_assert_false(offer->media[0].rtcp_rsize);
  g_assert_cmpuint(offer->media[0].ssrc, ==, 1470586470u);
  g_assert_cmpstr(offer->media[0].cname, ==, "kT8s2Pq+Vw5mXz3R");
  /* H.264 is listed first (iPhones encode it in hardware): the relay takes
   * it, and among the H.264 variants constrained baseline (98) over
   * constrained high (96) */
  g_assert_cmpint(offer->media[1].codec.id, ==, VT_SDP_CODEC_H264);
  g_assert_cmpuint(offer->media[1].codec.pt, ==, 98);
  g_assert_cmpuint(offer->media[1].codec.rtx_pt, ==, 99);
  g_assert_cmpuint(offer->media[1].ssrc, ==, 2595844441u);
  g_assert_cmpuint(offer->media[1].rtx_ssrc, ==, 3032152318u);
  g_assert_cmpstr(offer->media[1].stream_id, ==, "0C1F7E2A-9B3D-4C5E-8F60-7A1B2C3D4E5F");
  /* The same browser listing VP8 first gets VP8; a relay that takes H.264
   * only takes H.264 whatever the order. */
  g_assert_cmpint(vp8->media[1].codec.id, ==, VT_SDP_CODEC_VP8);
  g_assert_cmpuint(vp8->media[1].codec.pt, ==, 127);
  g_assert_cmpuint(vp8->media[1].codec.rtx_pt, ==, 125);
  g_assert_cmpuint(h264->media[1].codec.pt, ==, 98);
  g_assert_cmpuint(h264->media[1].codec.rtx_pt, ==, 99);
  g_assert_cmpuint(high->media[1].codec.pt, ==, 96);
  g_assert_cmpuint(high->media[1].codec.rtx_pt, ==, 97);
  g_assert_cmpint(high->media[1].codec.h264_profile, ==, VT_SDP_H264_CONSTRAINED_HIGH);
}

/* The answer to Chrome's offer, re-parsed with GstSDP, field by field. */
/* Tracks over a publisher's limit are rejected in m-line order; what was not
 * accepted anyway (inactive) does not count. */
static void test_limit_tracks(void)
{
  VtPublishMedia media[5] = {
      {.kind = VT_SDP_KIND_AUDIO, .state = VT_SDP_MEDIA_ACCEPTED},
      {.kind = VT_SDP_KIND_VIDEO, .state = VT_SDP_MEDIA_INACTIVE},
      {.kind = VT_SDP_KIND_VIDEO, .state = VT_SDP_MEDIA_ACCEPTED},
      {.kind = VT_SDP_KIND_VIDEO, .state = VT_SDP_MEDIA_ACCEPTED},
      {.kind = VT_SDP_KIND_AUDIO, .state = VT_SDP_MEDIA_ACCEPTED},
  };
  VtPublishOffer offer = {.media = media, .n_media = G_N_ELEMENTS(media)};
  g_assert_cmpuint(vt_publish_offer_limit_tracks(&offer, 1, 1), ==, 2);
  g_assert_cmpint(media[0].state, ==, VT_SDP_MEDIA_ACCEPTED);
  g_assert_cmpint(media[1].state, ==, VT_SDP_MEDIA_INACTIVE);
  g_assert_cmpint(media[2].state, ==, VT_SDP_MEDIA_ACCEPTED);
  g_assert_cmpint(media[3].state, ==, VT_SDP_MEDIA_REJECTED);
  g_assert_cmpint(media[4].state, ==, VT_SDP_MEDIA_REJECTED);
  g_assert_cmpuint(vt_publish_offer_limit_tracks(&offer, 1, 1), ==, 0);
}

/* A rejected track is answered with port 0, and the rest still carries the
 * candidates and the bundle. */
static void test_limit_tracks_answer(void)
{
  g_autoptr(VtPublishOffer) offer = parse_ok(CHROME_OFFER, NULL);
  g_assert_cmpuint(vt_publish_offer_limit_tracks(offer, 0, 1), ==, 1);
  VtLocalDescription local = relay_local(VT_SDP_FEATURE_REMB);
  g_autofree char *text = vt_sdp_build_publish_answer(offer, &local, NULL);
  g_assert_nonnull(text);
  g_autoptr(GstSDPMessage) msg = reparse(text);
  g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 2);
  g_assert_cmpuint(gst_sdp_media_get_port(gst_sdp_message_get_media(msg, 0)), ==, 0);
  const GstSDPMedia *v = gst_sdp_message_get_media(msg, 1);
  g_assert_cmpuint(gst_sdp_media_get_port(v), !=, 0);
  g_assert_nonnull(gst_sdp_media_get_attribute_val(v, "candidate"));
}

static void test_publish_answer(void)
{
  g_autoptr(VtPublishOffer) offer = parse_ok(CHROME_OFFER, NULL);
  VtLocalDescription local = relay_local(VT_SDP_FEATURE_REMB | VT_SDP_FEATURE_TWCC);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = vt_sdp_build_publish_answer(offer, &local, &error);
  g_autoptr(GstSDPMessage) msg = NULL;
  g_autofree char *fp = vt_sdp_fingerprint_format(local.fingerprint);
  const GstSDPOrigin *o;
  const GstSDPMedia *a, *v;

  g_assert_no_error(error);
  assert_crlf(text);
  msg = reparse(text);
  o = gst_sdp_message_get_origin(msg);
  g_assert_cmpstr(gst_sdp_message_get_version(msg), ==, "0");
  g_assert_cmpstr(o->sess_id, ==, "7312895021845530571");
  g_assert_cmpstr(o->sess_version, ==, "1");
  g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE 0 1");
  g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "ice-options"), ==, "trickle");
  g_assert_null(gst_sdp_message_get_attribute_val(msg, "ice-lite"));
  g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 2);

  a = gst_sdp_message_get_media(msg, 0);
  g_assert_cmpstr(gst_sdp_media_get_media(a), ==, "audio");
  g_assert_cmpuint(gst_sdp_media_get_port(a), ==, 9);
  g_assert_cmpstr(gst_sdp_media_get_proto(a), ==, "UDP/TLS/RTP/SAVPF");
  assert_formats(a, "111");
  assert_attrs(a, "mid", "0");
  assert_attrs(a, "ice-ufrag", "RlyA");
  assert_attrs(a, "ice-pwd", "r3layPassw0rd+For/Tests1");
  assert_attrs(a, "fingerprint", fp);
  assert_attrs(a, "setup", "passive");
  g_assert_true(has(a, "recvonly") && has(a, "rtcp-mux") && has(a, "rtcp-rsize"));
  g_assert_false(has(a, "sendonly") || has(a, "sendrecv") || has(a, "ssrc") || has(a, "msid"));
  assert_attrs(a, "rtpmap", "111 opus/48000/2");
  assert_attrs(a, "fmtp", "111 minptime=10;useinbandfec=1");
  assert_attrs(a, "rtcp-fb", "111 transport-cc");
  assert_attrs(a, "extmap", "4 " URI_MID "|2 " URI_ABS "|3 " URI_TWCC);
  assert_attrs(a, "candidate", "1 1 udp 2130706431 198.51.100.10 40000 typ host");
  g_assert_true(has(a, "end-of-candidates"));

  v = gst_sdp_message_get_media(msg, 1);
  g_assert_cmpstr(gst_sdp_media_get_media(v), ==, "video");
  assert_formats(v, "96 97");
  assert_attrs(v, "mid", "1");
  assert_attrs(v, "setup", "passive");
  g_assert_true(has(v, "recvonly") && has(v, "rtcp-mux"));
  assert_attrs(v, "rtpmap", "96 VP8/90000|97 rtx/90000");
  assert_attrs(v, "fmtp", "97 apt=96");
  assert_attrs(v, "rtcp-fb", "96 goog-remb|96 transport-cc|96 ccm fir|96 nack|96 nack pli");
  assert_attrs(v, "extmap", "4 " URI_MID "|2 " URI_ABS "|3 " URI_TWCC);
  g_assert_false(has(v, "candidate") || has(v, "end-of-candidates"));
}

/* Without optional features the answer drops REMB, transport-cc and their
 * extension; with audio levels it keeps that one; ice-lite is a flag. */
static void test_publish_answer_features(void)
{
  g_autoptr(VtPublishOffer) offer = parse_ok(CHROME_OFFER, NULL);
  VtLocalDescription local = relay_local(VT_SDP_FEATURE_AUDIO_LEVEL);
  g_autofree char *text = NULL;
  g_autoptr(GstSDPMessage) msg = NULL;

  local.ice_lite = TRUE;
  local.trickle = FALSE;
  local.candidates = NULL;
  local.end_of_candidates = FALSE;
  text = vt_sdp_build_publish_answer(offer, &local, NULL);
  msg = reparse(text);
  g_assert_nonnull(gst_sdp_message_get_attribute_val(msg, "ice-lite"));
  g_assert_null(gst_sdp_message_get_attribute_val(msg, "ice-options"));
  assert_attrs(gst_sdp_message_get_media(msg, 0), "rtcp-fb", "");
  assert_attrs(gst_sdp_message_get_media(msg, 0), "extmap",
               "4 " URI_MID "|2 " URI_ABS "|1 " URI_LEVEL);
  assert_attrs(gst_sdp_message_get_media(msg, 0), "candidate", "");
  assert_attrs(gst_sdp_message_get_media(msg, 1), "rtcp-fb", "96 ccm fir|96 nack|96 nack pli");
  assert_attrs(gst_sdp_message_get_media(msg, 1), "extmap", "4 " URI_MID "|2 " URI_ABS);
}

static void test_publish_answer_h264(void)
{
  VtSdpCodecPrefs prefs = h264_only();
  g_autoptr(VtPublishOffer) offer = parse_ok(CHROME_OFFER, &prefs);
  VtLocalDescription local = relay_local(0);
  g_autofree char *text = vt_sdp_build_publish_answer(offer, &local, NULL);
  g_autoptr(GstSDPMessage) msg = reparse(text);
  const GstSDPMedia *v = gst_sdp_message_get_media(msg, 1);

  assert_formats(v, "106 107");
  assert_attrs(v, "rtpmap", "106 H264/90000|107 rtx/90000");
  assert_attrs(v, "fmtp",
               "106 level-asymmetry-allowed=1;packetization-mode=1;"
               "profile-level-id=42e01f|107 apt=106");
}

/* The relay is the DTLS server unless the client insists on it. */
static void test_publish_setup(void)
{
  static const char *const offered[] = {"passive", "active"};
  static const char *const answered[] = {"active", "passive"};

  for (guint i = 0; i < G_N_ELEMENTS(offered); i++) {
    g_autofree char *setup = g_strdup_printf("a=setup:%s", offered[i]);
    g_autofree char *text = replace(CHROME_OFFER, "a=setup:actpass", setup);
    g_autoptr(VtPublishOffer) offer = parse_ok(text, NULL);
    VtLocalDescription local = relay_local(0);
    g_autofree char *answer = vt_sdp_build_publish_answer(offer, &local, NULL);
    g_autoptr(GstSDPMessage) msg = reparse(answer);

    assert_attrs(gst_sdp_message_get_media(msg, 0), "setup", answered[i]);
    assert_attrs(gst_sdp_message_get_media(msg, 1), "setup", answered[i]);
  }
}

/* Firefox-style session-level fingerprint, a data channel the relay rejects,
 * a video m-line the client only wants to receive (answered inactive). */
static void test_publish_rejected_and_inactive(void)
{
  g_autofree char *t1 = drop_lines(CHROME_OFFER, "a=fingerprint:");
  g_autofree char *t2 =
      replace(t1, "a=extmap-allow-mixed\r\n", "a=fingerprint:sha-256 " CHROME_FP_TEXT "\r\n");
  g_autofree char *t3 = replace(t2, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 2");
  g_autofree char *t4 =
      replace(t3, "a=sendonly\r\na=msid:f4d1a2b3-0c9e-4e7a-9b1d-6a5c3e2f1d0a 1e2d",
              "a=recvonly\r\na=msid:f4d1a2b3-0c9e-4e7a-9b1d-6a5c3e2f1d0a 1e2d");
  g_autofree char *text = g_strconcat(t4, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n",
                                      "c=IN IP4 0.0.0.0\r\na=mid:2\r\na=sctp-port:5000\r\n", NULL);
  g_autoptr(VtPublishOffer) offer = parse_ok(text, NULL);
  VtLocalDescription local = relay_local(0);
  g_autofree char *answer = NULL;
  g_autoptr(GstSDPMessage) msg = NULL;
  const GstSDPMedia *d;

  g_assert_cmpmem(offer->transport.fingerprint, 32, CHROME_FP, 32);
  g_assert_cmpuint(offer->n_media, ==, 3);
  g_assert_cmpint(offer->media[0].state, ==, VT_SDP_MEDIA_ACCEPTED);
  g_assert_cmpint(offer->media[1].state, ==, VT_SDP_MEDIA_INACTIVE);
  g_assert_cmpint(offer->media[1].direction, ==, VT_SDP_RECVONLY);
  g_assert_cmpint(offer->media[1].codec.id, ==, VT_SDP_CODEC_VP8);
  g_assert_cmpint(offer->media[2].state, ==, VT_SDP_MEDIA_REJECTED);
  g_assert_cmpint(offer->media[2].kind, ==, VT_SDP_KIND_OTHER);
  g_assert_cmpstr(offer->media[2].mid, ==, "2");

  answer = vt_sdp_build_publish_answer(offer, &local, NULL);
  msg = reparse(answer);
  g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 3);
  g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE 0 1");
  g_assert_true(has(gst_sdp_message_get_media(msg, 1), "inactive"));
  g_assert_false(has(gst_sdp_message_get_media(msg, 1), "recvonly"));
  assert_formats(gst_sdp_message_get_media(msg, 1), "96 97");
  d = gst_sdp_message_get_media(msg, 2);
  g_assert_cmpstr(gst_sdp_media_get_media(d), ==, "application");
  g_assert_cmpuint(gst_sdp_media_get_port(d), ==, 0);
  g_assert_cmpstr(gst_sdp_media_get_proto(d), ==, "UDP/DTLS/SCTP");
  assert_formats(d, "webrtc-datachannel");
  assert_attrs(d, "mid", "2");
  g_assert_false(has(d, "ice-ufrag") || has(d, "fingerprint"));
}

/* A stopped transceiver (port 0, outside the BUNDLE) is answered port 0. */
static void test_publish_stopped(void)
{
  g_autofree char *t1 = replace(CHROME_OFFER, "m=video 9 ", "m=video 0 ");
  g_autofree char *text = replace(t1, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0");
  g_autoptr(VtPublishOffer) offer = parse_ok(text, NULL);
  VtLocalDescription local = relay_local(0);
  g_autofree char *answer = vt_sdp_build_publish_answer(offer, &local, NULL);
  g_autoptr(GstSDPMessage) msg = reparse(answer);
  const GstSDPMedia *v = gst_sdp_message_get_media(msg, 1);

  g_assert_cmpint(offer->media[1].state, ==, VT_SDP_MEDIA_REJECTED);
  g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE 0");
  g_assert_cmpuint(gst_sdp_media_get_port(v), ==, 0);
  g_assert_cmpstr(gst_sdp_media_get_media(v), ==, "video");
  assert_formats(v, "96");
}

static const Edit offer_refusals[] = {
    {"no-fingerprint", "a=fingerprint:", NULL, NULL, NULL, VT_SDP_ERROR_NO_FINGERPRINT},
    {"sha1-fingerprint", "a=fingerprint:sha-256", "a=fingerprint:sha-1", NULL, NULL,
     VT_SDP_ERROR_NO_FINGERPRINT},
    {"short-fingerprint", ":19:08\r\n", ":19\r\n", NULL, NULL, VT_SDP_ERROR_NO_FINGERPRINT},
    {"rtp-avp", "UDP/TLS/RTP/SAVPF", "RTP/AVP", NULL, NULL, VT_SDP_ERROR_BAD_PROFILE},
    {"rtp-savpf", "UDP/TLS/RTP/SAVPF", "RTP/SAVPF", NULL, NULL, VT_SDP_ERROR_BAD_PROFILE},
    {"no-rtcp-mux", "a=rtcp-mux", NULL, NULL, NULL, VT_SDP_ERROR_NO_RTCP_MUX},
    {"no-bundle", "a=group:BUNDLE", NULL, NULL, NULL, VT_SDP_ERROR_NO_BUNDLE},
    {"bundle-partial", "a=group:BUNDLE 0 1", "a=group:BUNDLE 0", NULL, NULL,
     VT_SDP_ERROR_NO_BUNDLE},
    {"bundle-unknown-mid", "a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 7", NULL, NULL,
     VT_SDP_ERROR_NO_BUNDLE},
    {"two-bundles", "a=group:BUNDLE 0 1", "a=group:BUNDLE 0\r\na=group:BUNDLE 1", NULL, NULL,
     VT_SDP_ERROR_NO_BUNDLE},
    {"no-ice-pwd", "a=ice-pwd:", NULL, NULL, NULL, VT_SDP_ERROR_NO_ICE_CREDENTIALS},
    {"short-ufrag", "a=ice-ufrag:Xk3q", "a=ice-ufrag:Xk3", NULL, NULL,
     VT_SDP_ERROR_NO_ICE_CREDENTIALS},
    {"ufrag-mismatch", "a=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:Xk3q",
     "a=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:Other", NULL, NULL, VT_SDP_ERROR_NO_ICE_CREDENTIALS},
    {"no-setup", "a=setup:", NULL, NULL, NULL, VT_SDP_ERROR_BAD_SETUP},
    {"holdconn", "a=setup:actpass", "a=setup:holdconn", NULL, NULL, VT_SDP_ERROR_BAD_SETUP},
    {"no-common-video", "VP8/90000", "VP7/90000", "packetization-mode=1", "packetization-mode=0",
     VT_SDP_ERROR_NO_COMMON_CODEC},
    {"no-common-audio", "opus/48000/2", "opus/48000/1", NULL, NULL, VT_SDP_ERROR_NO_COMMON_CODEC},
    {"duplicate-mid", "a=mid:1", "a=mid:0", NULL, NULL, VT_SDP_ERROR_BAD_MEDIA},
    {"no-mid", "a=mid:", NULL, NULL, NULL, VT_SDP_ERROR_BAD_MEDIA},
    {"long-mid", "a=mid:1\r\n", "a=mid:12345678901234567\r\n", NULL, NULL, VT_SDP_ERROR_BAD_MEDIA},
    {"two-directions", "a=sendonly", "a=sendonly\r\na=recvonly", NULL, NULL,
     VT_SDP_ERROR_BAD_MEDIA},
    {"duplicate-extmap-id", "a=extmap:14 ", "a=extmap:2 ", NULL, NULL, VT_SDP_ERROR_BAD_MEDIA},
    {"bad-rtpmap", "a=rtpmap:96 VP8/90000", "a=rtpmap:96 VP8", NULL, NULL, VT_SDP_ERROR_MALFORMED},
    {"bad-format", "SAVPF 111 63", "SAVPF 111x 63", NULL, NULL, VT_SDP_ERROR_MALFORMED},
    {"bad-rtcp-fb", "a=rtcp-fb:96 nack pli", "a=rtcp-fb:96", NULL, NULL, VT_SDP_ERROR_MALFORMED},
    {"bad-extmap", "a=extmap:4 ", "a=extmap:0 ", NULL, NULL, VT_SDP_ERROR_MALFORMED},
    {"bad-fid", "a=ssrc-group:FID 1122334455 2233445566", "a=ssrc-group:FID 1122334455", NULL, NULL,
     VT_SDP_ERROR_MALFORMED},
    {"ssrc-zero", "a=ssrc:3735928559 cname", "a=ssrc:0 cname", NULL, NULL, VT_SDP_ERROR_MALFORMED},
    {"bad-msid", "a=msid:f4d1a2b3-0c9e-4e7a-9b1d-6a5c3e2f1d0a 8c3b", "a=msid:a b 8c3b", NULL, NULL,
     VT_SDP_ERROR_MALFORMED},
    {"not-v0", "v=0", "v=1", NULL, NULL, VT_SDP_ERROR_MALFORMED},
    {"no-origin", "o=", NULL, NULL, NULL, VT_SDP_ERROR_MALFORMED},
};

static void test_offer_refusal(gconstpointer data)
{
  const Edit *e = data;
  g_autofree char *text = apply(CHROME_OFFER, e);

  expect_refused(text, strlen(text), e->code);
}

#define DATA_ONLY SESSION_ONLY "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n"

static void test_offer_garbage(void)
{
  static const char nul[] = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\0\r\nt=0 0\r\n";
  g_autofree char *big = g_strnfill(VT_SDP_MAX_LEN + 1, 'a');
  g_autofree char *oversized = g_strconcat(CHROME_OFFER, big, NULL);

  expect_refused("", 0, VT_SDP_ERROR_MALFORMED);
  expect_refused("hello, relay", 12, VT_SDP_ERROR_MALFORMED);
  expect_refused("v=0", 3, VT_SDP_ERROR_MALFORMED);
  expect_refused("v=0\r\n", 5, VT_SDP_ERROR_MALFORMED); /* no o= */
  expect_refused("\x80\xff\xfe v=0\r\n", 9, VT_SDP_ERROR_MALFORMED);
  expect_refused(nul, sizeof nul - 1, VT_SDP_ERROR_MALFORMED);
  expect_refused(oversized, strlen(oversized), VT_SDP_ERROR_MALFORMED);
  expect_refused(SESSION_ONLY, strlen(SESSION_ONLY), VT_SDP_ERROR_NO_MEDIA);
  /* only a data channel: nothing for the relay to receive */
  expect_refused(DATA_ONLY, strlen(DATA_ONLY), VT_SDP_ERROR_NO_MEDIA);
  /* len is honoured: the offer cut before its first m-line */
  expect_refused(CHROME_OFFER, (gsize)(strstr(CHROME_OFFER, "m=audio") - CHROME_OFFER),
                 VT_SDP_ERROR_NO_MEDIA);
}

static char *many_mlines(guint n)
{
  GString *s = g_string_new("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n");

  for (guint i = 0; i < n; i++)
    g_string_append_printf(s, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:%u\r\n", i);
  return g_string_free(s, FALSE);
}

/* 1,000 m-lines are refused by the byte scan, before GstSDP builds any. */
static void test_offer_too_many_media(void)
{
  g_autofree char *thousand = many_mlines(1000);
  g_autofree char *seventeen = many_mlines(VT_SDP_MAX_MEDIA + 1);
  g_autofree char *indented = replace(seventeen, "\r\nm=", "\r\n \tm=");
  gint64 start = g_get_monotonic_time();

  expect_refused(thousand, strlen(thousand), VT_SDP_ERROR_TOO_MANY_MEDIA);
  g_assert_cmpint(g_get_monotonic_time() - start, <, 50 * 1000);
  expect_refused(seventeen, strlen(seventeen), VT_SDP_ERROR_TOO_MANY_MEDIA);
  expect_refused(indented, strlen(indented), VT_SDP_ERROR_TOO_MANY_MEDIA);
}

/* An offer padded to the size limit with attributes stays linear. */
static void test_offer_many_attributes(void)
{
  GString *pad = g_string_new(NULL);
  g_autofree char *padded = NULL;
  g_autofree char *text = NULL;
  g_autoptr(VtPublishOffer) offer = NULL;
  gint64 start;

  while (pad->len + strlen(CHROME_OFFER) < VT_SDP_MAX_LEN - 64)
    g_string_append(pad, "a=rtcp-fb:96 nack\r\na=ssrc:1122334455 label:x\r\n");
  g_string_append(pad, "a=ssrc-group:FID");
  padded = g_string_free(pad, FALSE);
  text = replace(CHROME_OFFER, "a=ssrc-group:FID", padded);
  start = g_get_monotonic_time();
  offer = parse_ok(text, NULL);
  g_assert_cmpint(g_get_monotonic_time() - start, <, 500 * 1000);
  g_assert_cmpuint(offer->media[1].codec.pt, ==, 96);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sdp/fingerprint", test_fingerprint);
  g_test_add_func("/sdp/vocabulary", test_vocabulary);
  g_test_add_func("/sdp/publish/chrome", test_chrome_offer);
  g_test_add_func("/sdp/publish/limit-tracks", test_limit_tracks);
  g_test_add_func("/sdp/publish/limit-tracks-answer", test_limit_tracks_answer);
  g_test_add_func("/sdp/publish/chrome-h264", test_chrome_h264);
  g_test_add_func("/sdp/publish/safari", test_safari_offer);
  g_test_add_func("/sdp/publish/answer", test_publish_answer);
  g_test_add_func("/sdp/publish/answer-features", test_publish_answer_features);
  g_test_add_func("/sdp/publish/answer-h264", test_publish_answer_h264);
  g_test_add_func("/sdp/publish/setup", test_publish_setup);
  g_test_add_func("/sdp/publish/rejected-and-inactive", test_publish_rejected_and_inactive);
  g_test_add_func("/sdp/publish/stopped", test_publish_stopped);
  for (guint i = 0; i < G_N_ELEMENTS(offer_refusals); i++) {
    g_autofree char *path = g_strdup_printf("/sdp/publish/refuse/%s", offer_refusals[i].name);

    g_test_add_data_func(path, &offer_refusals[i], test_offer_refusal);
  }
  g_test_add_func("/sdp/publish/refuse/garbage", test_offer_garbage);
  g_test_add_func("/sdp/publish/refuse/too-many-media", test_offer_too_many_media);
  g_test_add_func("/sdp/publish/many-attributes", test_offer_many_attributes);
  return g_test_run();
}
