/* Unit tests for media/client-sdp.c: the relay's own subscribe offers (made
 * with relay/sdp.h, so the two sides are checked against each other) read
 * into the client's track table, then hand-written offers for the other
 * spellings of msid and SSRC, and the refusals. */
#include "media/client-sdp.h"

#include <string.h>

#include "relay/sdp.h"

static VtLocalDescription relay_local(void)
{
  VtLocalDescription l = {0};
  l.ice_ufrag = "RlyA";
  l.ice_pwd = "r3layPassw0rd+For/Tests1";
  for (guint i = 0; i < VT_SDP_FINGERPRINT_LEN; i++)
    l.fingerprint[i] = (guint8)(0xA0 + i);
  l.trickle = TRUE;
  l.session_id = 42;
  return l;
}

static VtClientRemoteOffer *read_offer(const char *text)
{
  VtClientRemoteOffer *offer = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(vt_client_sdp_remote_tracks(text, strlen(text), &offer, &error));
  g_assert_no_error(error);
  return offer;
}

static void test_relay_offer(void)
{
  const VtSubscribeTrack tracks[] = {
      {.active = TRUE,
       .kind = VT_SDP_KIND_AUDIO,
       .codec = VT_SDP_CODEC_OPUS,
       .ssrc = 1001,
       .participant_id = "p45a3184340149f9f",
       .track_id = "mic"},
      {.active = TRUE,
       .kind = VT_SDP_KIND_VIDEO,
       .codec = VT_SDP_CODEC_VP8,
       .ssrc = 2001,
       .rtx_ssrc = 2002,
       .participant_id = "p45a3184340149f9f",
       .track_id = "cam"},
      {.active = FALSE, .kind = VT_SDP_KIND_VIDEO},
      {.active = TRUE,
       .kind = VT_SDP_KIND_VIDEO,
       .codec = VT_SDP_CODEC_H264,
       .h264_profile_level_id = 0x42e01f,
       .ssrc = 3001,
       .rtx_ssrc = 3002,
       .participant_id = "pcdb471e00f9c2b00",
       .track_id = "cam"},
  };
  VtLocalDescription local = relay_local();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = vt_sdp_build_subscribe_offer(tracks, 4, &local, 3, &error);
  g_assert_no_error(error);
  g_autoptr(VtClientRemoteOffer) offer = read_offer(text);
  g_assert_cmpuint(offer->n_tracks, ==, 4);

  const VtClientRemoteTrack *t = &offer->tracks[0];
  g_assert_cmpuint(t->mline, ==, 0);
  g_assert_cmpstr(t->mid, ==, "0");
  g_assert_cmpstr(t->kind, ==, "audio");
  g_assert_cmpstr(t->codec, ==, "opus");
  g_assert_cmpstr(t->participant, ==, "p45a3184340149f9f");
  g_assert_cmpstr(t->track_id, ==, "mic");
  g_assert_cmpuint(t->ssrc, ==, 1001);
  g_assert_true(t->active);

  t = &offer->tracks[1];
  g_assert_cmpstr(t->kind, ==, "video");
  g_assert_cmpstr(t->codec, ==, "vp8");
  g_assert_cmpuint(t->ssrc, ==, 2001); /* the media SSRC, not its RTX */

  t = &offer->tracks[2]; /* a free slot */
  g_assert_cmpstr(t->mid, ==, "2");
  g_assert_false(t->active);
  g_assert_null(t->participant);
  g_assert_cmpuint(t->ssrc, ==, 0);

  t = &offer->tracks[3];
  g_assert_cmpstr(t->codec, ==, "h264");
  g_assert_cmpstr(t->participant, ==, "pcdb471e00f9c2b00");
  g_assert_cmpuint(t->ssrc, ==, 3001);

  g_assert_true(vt_client_remote_offer_find(offer, "3") == &offer->tracks[3]);
  g_assert_null(vt_client_remote_offer_find(offer, "9"));
  g_assert_true(vt_client_remote_offer_find_ssrc(offer, 2001) == &offer->tracks[1]);
  g_assert_null(vt_client_remote_offer_find_ssrc(offer, 2002));
  g_assert_null(vt_client_remote_offer_find_ssrc(offer, 0));
}

static void test_relay_offer_without_tracks(void)
{
  VtLocalDescription local = relay_local();
  g_autofree char *text = vt_sdp_build_subscribe_offer(NULL, 0, &local, 1, NULL);
  g_autoptr(VtClientRemoteOffer) offer = read_offer(text);
  g_assert_cmpuint(offer->n_tracks, ==, 0);
}

#define HEAD "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"

static void test_other_spellings(void)
{
  const char *text =
      HEAD "m=video 9 UDP/TLS/RTP/SAVPF 100\r\n"
           "a=mid:v\r\na=sendrecv\r\na=rtpmap:100 VP8/90000\r\n"
           "a=ssrc:77 cname:x\r\na=ssrc:77 msid:pX trackX\r\n"
           "m=audio 9 UDP/TLS/RTP/SAVPF 0 111\r\n" /* codec: the first format's */
           "a=mid:a\r\na=sendonly\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n"
           "a=msid:- t\r\na=ssrc:88 msid:pIgnored t\r\n" /* "-": no stream */
           "m=video 0 UDP/TLS/RTP/SAVPF 100\r\n"         /* port 0: rejected */
           "a=mid:z\r\na=sendonly\r\na=msid:pZ\r\n"
           "m=video 9 UDP/TLS/RTP/SAVPF 100\r\n"
           "a=mid:r\r\na=recvonly\r\na=msid:bad\x7fid t\r\n"
           "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\n" /* port 0, but bundled: live */
           "a=mid:b\r\na=bundle-only\r\na=sendonly\r\na=rtpmap:111 opus/48000/2\r\n";
  g_autoptr(VtClientRemoteOffer) offer = read_offer(text);
  g_assert_cmpuint(offer->n_tracks, ==, 5);
  g_assert_cmpstr(offer->tracks[0].participant, ==, "pX");
  g_assert_cmpstr(offer->tracks[0].track_id, ==, "trackX");
  g_assert_cmpuint(offer->tracks[0].ssrc, ==, 77);
  g_assert_true(offer->tracks[0].active);
  g_assert_cmpstr(offer->tracks[1].codec, ==, "pcmu");
  g_assert_null(offer->tracks[1].participant);
  g_assert_cmpstr(offer->tracks[1].track_id, ==, "t");
  g_assert_false(offer->tracks[2].active);
  g_assert_cmpstr(offer->tracks[2].participant, ==, "pZ");
  g_assert_null(offer->tracks[2].codec);
  g_assert_false(offer->tracks[3].active);
  g_assert_null(offer->tracks[3].participant); /* malformed msid: absent */
  g_assert_true(offer->tracks[4].active);
  g_assert_cmpstr(offer->tracks[4].codec, ==, "opus");
}

static void test_refusals(void)
{
  g_autofree char *huge = g_strnfill(VT_CLIENT_SDP_MAX_LEN + 1, 'a');
  memcpy(huge, "v=0\r\n", 5);
  const char *no_mid = HEAD "m=video 9 UDP/TLS/RTP/SAVPF 100\r\na=sendonly\r\n";
  const char nul[] = HEAD "\0m=video 9 UDP/TLS/RTP/SAVPF 100\r\n";
  struct {
    const char *text;
    gsize len;
  } cases[] = {
      {"", 0}, {"hello", 5}, {huge, strlen(huge)}, {no_mid, strlen(no_mid)}, {nul, sizeof nul - 1}};
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    VtClientRemoteOffer *offer = NULL;
    g_autoptr(GError) error = NULL;
    g_assert_false(vt_client_sdp_remote_tracks(cases[i].text, cases[i].len, &offer, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_assert_null(offer);
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/client-sdp/relay-offer", test_relay_offer);
  g_test_add_func("/client-sdp/relay-offer-without-tracks", test_relay_offer_without_tracks);
  g_test_add_func("/client-sdp/other-spellings", test_other_spellings);
  g_test_add_func("/client-sdp/refusals", test_refusals);
  return g_test_run();
}
