/* libFuzzer target for relay/sdp*.c: arbitrary bytes as the SDP a client
 * sends.
 *
 * Each input is parsed as a publish offer, once with the default codecs and
 * once with H.264 only (video-codecs = h264), where no accepted video m-line
 * may carry another codec. An offer that is accepted must keep the promises
 * of sdp.h (codecs chosen for accepted m-lines, mids, limits),
 * and the relay's answer to it must be CRLF text that GstSDP parses back
 * into the same m-lines: same count and mids, port 0 exactly for rejected
 * ones, the chosen payload type first, rtcp-mux and a direction on the
 * others, all of them in the BUNDLE group. The same bytes are then checked
 * as the client's answer to a fixed three-track subscribe offer. A broken
 * promise is an abort() the fuzzer reports. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gst/sdp/sdp.h>

#include "relay/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      abort();                                                                                     \
  } while (0)

static const char *const CANDIDATES[] = {
    "candidate:1 1 udp 2130706431 198.51.100.10 40000 typ host", NULL};

/* The offer the subscribe-answer check runs against: the one the unit
 * test's ANSWER3 (in the seed corpus) answers. */
static const VtSubscribeTrack TRACKS[] = {
    {.active = TRUE,
     .kind = VT_SDP_KIND_AUDIO,
     .codec = VT_SDP_CODEC_OPUS,
     .ssrc = 1001,
     .participant_id = "p-anna",
     .track_id = "mic"},
    {.active = TRUE,
     .kind = VT_SDP_KIND_VIDEO,
     .codec = VT_SDP_CODEC_VP8,
     .ssrc = 2001,
     .rtx_ssrc = 2002,
     .participant_id = "p-anna",
     .track_id = "cam"},
    {.active = TRUE,
     .kind = VT_SDP_KIND_VIDEO,
     .codec = VT_SDP_CODEC_H264,
     .h264_profile_level_id = 0x640c1f,
     .ssrc = 3001,
     .rtx_ssrc = 3002,
     .participant_id = "p-bo",
     .track_id = "cam",
     .cname = "bo-cname"},
};

static VtLocalDescription local_description(guint features)
{
  VtLocalDescription l = {0};

  l.ice_ufrag = "RlyA";
  l.ice_pwd = "r3layPassw0rd+For/Tests1";
  memset(l.fingerprint, 0xAB, sizeof l.fingerprint);
  l.trickle = TRUE;
  l.candidates = CANDIDATES;
  l.end_of_candidates = TRUE;
  l.features = features;
  l.session_id = 1234567890;
  l.session_version = 2;
  return l;
}

static void check_offer(const VtPublishOffer *offer)
{
  CHECK(offer->n_media >= 1 && offer->n_media <= VT_SDP_MAX_MEDIA);
  CHECK(offer->transport.ice_ufrag != NULL && offer->transport.ice_pwd != NULL);
  CHECK(offer->transport.candidates != NULL);
  for (guint i = 0; i < offer->n_media; i++) {
    const VtPublishMedia *pm = &offer->media[i];

    CHECK(pm->media_name != NULL && pm->proto != NULL && pm->first_format != NULL);
    if (pm->state == VT_SDP_MEDIA_REJECTED)
      continue;
    CHECK(pm->mid != NULL && strlen(pm->mid) <= VT_SDP_MAX_MID_LEN);
    CHECK(pm->kind == VT_SDP_KIND_AUDIO || pm->kind == VT_SDP_KIND_VIDEO);
    CHECK(pm->codec.id != VT_SDP_CODEC_NONE && pm->codec.pt < 128 && pm->codec.rtx_pt < 128);
    CHECK(pm->codec.rtx_pt != pm->codec.pt);
    CHECK((pm->state == VT_SDP_MEDIA_ACCEPTED) ==
          (pm->direction == VT_SDP_SENDONLY || pm->direction == VT_SDP_SENDRECV));
    for (guint j = 0; j < i; j++)
      CHECK(g_strcmp0(offer->media[j].mid, pm->mid) != 0);
  }
}

/* The mids of the answer's BUNDLE group hold every non-rejected m-line. */
static void check_bundle(const GstSDPMessage *msg, const VtPublishOffer *offer)
{
  const char *group = gst_sdp_message_get_attribute_val(msg, "group");
  g_auto(GStrv) mids = group ? g_strsplit(group, " ", -1) : NULL;
  guint k = 1;

  for (guint i = 0; i < offer->n_media; i++) {
    if (offer->media[i].state == VT_SDP_MEDIA_REJECTED)
      continue;
    CHECK(mids != NULL && g_strcmp0(mids[0], "BUNDLE") == 0);
    CHECK(mids[k] != NULL && strcmp(mids[k], offer->media[i].mid) == 0);
    k++;
  }
  CHECK(mids == NULL || mids[k] == NULL);
}

static void check_answer(const VtPublishOffer *offer, const char *text)
{
  g_autoptr(GstSDPMessage) msg = NULL;

  CHECK(text != NULL && g_str_has_suffix(text, "\r\n"));
  for (const char *p = text; *p != '\0'; p++) {
    CHECK(*p != '\n' || (p > text && p[-1] == '\r'));
    CHECK(*p != '\r' || p[1] == '\n');
  }
  CHECK(gst_sdp_message_new_from_text(text, &msg) == GST_SDP_OK);
  CHECK(gst_sdp_message_medias_len(msg) == offer->n_media);
  for (guint i = 0; i < offer->n_media; i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
    const VtPublishMedia *pm = &offer->media[i];
    g_autofree char *pt = g_strdup_printf("%u", pm->codec.pt);
    gboolean rejected = pm->state == VT_SDP_MEDIA_REJECTED;

    CHECK((gst_sdp_media_get_port(m) == 0) == rejected);
    CHECK(g_strcmp0(gst_sdp_media_get_attribute_val(m, "mid"), pm->mid) == 0);
    if (rejected)
      continue;
    CHECK(g_strcmp0(gst_sdp_media_get_format(m, 0), pt) == 0);
    CHECK(gst_sdp_media_get_attribute_val(m, "rtcp-mux") != NULL);
    CHECK(gst_sdp_media_get_attribute_val(m, pm->state == VT_SDP_MEDIA_ACCEPTED ? "recvonly"
                                                                                : "inactive"));
  }
  check_bundle(msg, offer);
}

static void fuzz_publish(const char *text, gsize len, gboolean h264_only)
{
  VtLocalDescription local = local_description(h264_only ? VT_SDP_FEATURE_TWCC : 0);
  VtPublishOffer *offer = NULL;
  GError *error = NULL;
  VtSdpCodecPrefs prefs;
  char *answer;

  vt_sdp_codec_prefs_init_default(&prefs);
  if (h264_only) {
    prefs.video[0] = VT_SDP_CODEC_H264;
    prefs.n_video = 1;
  }
  if (!vt_sdp_parse_publish_offer_with_prefs(text, len, &prefs, &offer, &error)) {
    CHECK(offer == NULL && error != NULL && error->domain == VT_SDP_ERROR);
    g_error_free(error);
    return;
  }
  CHECK(error == NULL);
  check_offer(offer);
  for (guint i = 0; h264_only && i < offer->n_media; i++)
    CHECK(offer->media[i].kind != VT_SDP_KIND_VIDEO ||
          offer->media[i].state != VT_SDP_MEDIA_ACCEPTED ||
          offer->media[i].codec.id == VT_SDP_CODEC_H264);
  answer = vt_sdp_build_publish_answer(offer, &local, NULL);
  check_answer(offer, answer);
  g_free(answer);
  vt_publish_offer_free(offer);
}

static void fuzz_subscribe_answer(const char *text, gsize len)
{
  VtLocalDescription local = local_description(0);
  VtSubscribeAnswer *answer = NULL;
  GError *error = NULL;

  if (!vt_sdp_parse_subscribe_answer(text, len, TRACKS, G_N_ELEMENTS(TRACKS), &local, &answer,
                                     &error)) {
    CHECK(answer == NULL && error != NULL && error->domain == VT_SDP_ERROR);
    g_error_free(error);
    return;
  }
  CHECK(answer->n_media == G_N_ELEMENTS(TRACKS));
  for (guint i = 0; i < answer->n_media; i++) {
    const VtSubscribeAnswerMedia *am = &answer->media[i];

    CHECK(am->mid != NULL);
    CHECK(!am->accepted || am->codec.id != VT_SDP_CODEC_NONE);
  }
  vt_subscribe_answer_free(answer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *text = (const char *)data;

  fuzz_publish(text, size, FALSE);
  fuzz_publish(text, size, TRUE);
  fuzz_subscribe_answer(text, size);
  return 0;
}
