/* Bad media input: each is refused with a reason or dropped, the call of
 * everyone else goes on, and the server exits cleanly afterwards (under
 * ASan that includes LeakSanitizer). */
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "relay/rtcp.h"
#include "support/vt-peer.h"
#include "support/vt-test.h"

#define WAIT_MS 10000

typedef struct {
  VtTestServer *server;
  VtTestClient *pub_ws, *sub_ws;
  VtTestPeer *pub, *sub;
  char *pub_id;
} Call;

static VtTestClient *join(VtTestServer *server, const char *name, char **id)
{
  g_autofree char *token = vt_test_token(server, "shop-a", "staff", name, name, "r1");
  VtTestClient *c = vt_test_client_new(server, NULL);
  g_autoptr(JsonObject) joined = vt_test_client_join(c, token);
  if (id)
    *id = g_strdup(json_object_get_string_member(
        json_object_get_object_member(joined, "participant"), "id"));
  return c;
}

/* A running call: one publisher, one subscriber. */
static void call_start(Call *call)
{
  call->server = vt_test_server_start(NULL, NULL);
  call->pub_ws = join(call->server, "pub", &call->pub_id);
  call->sub_ws = join(call->server, "sub", NULL);
  call->pub = vt_test_peer_new(call->pub_ws);
  call->sub = vt_test_peer_new(call->sub_ws);
  g_assert_true(vt_test_peer_publish(call->pub, NULL, WAIT_MS));
  g_assert_true(vt_test_peer_subscribe(call->sub, WAIT_MS));
  vt_test_run_for(500);
}

static guint64 video_received(Call *call)
{
  VtPeerTrack *t = vt_test_peer_track(call->sub, call->pub_id, VT_SDP_KIND_VIDEO);
  return t ? t->packets : 0;
}

/* The call still carries video: more arrives within a second. */
static void assert_call_goes_on(Call *call)
{
  guint64 before = video_received(call);
  vt_test_run_for(1000);
  g_assert_cmpuint(video_received(call), >, before + 20);
}

static void call_end(Call *call)
{
  vt_test_peer_free(call->pub);
  vt_test_peer_free(call->sub);
  vt_test_client_free(call->pub_ws);
  vt_test_client_free(call->sub_ws);
  g_assert_cmpint(vt_test_server_stop(call->server), ==, 0);
  vt_test_server_free(call->server);
  g_free(call->pub_id);
}

static void send_garbage_on_pair(Call *call)
{
  guint8 rtp[200] = {0x80, 96, 0x12, 0x34, 0, 0, 0, 1};
  memset(rtp + 12, 0x55, sizeof rtp - 12);
  memcpy(rtp + 8, &call->pub->video_ssrc, 4);
  /* Plain RTP on the ICE-checked pair: SRTP authentication fails. */
  for (int i = 0; i < 50; i++)
    vt_test_peer_send_raw(call->pub, rtp, sizeof rtp, FALSE, FALSE);
  /* Truncated RTP, protected: too short for a header after unprotect. */
  guint8 tiny[12] = {0x80, 96, 0, 1};
  vt_test_peer_send_raw(call->pub, tiny, 12, FALSE, TRUE);
  /* An unnegotiated SSRC and an unnegotiated payload type, protected. */
  guint8 stray[100] = {0x80, 96, 0, 2, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef};
  vt_test_peer_send_raw(call->pub, stray, sizeof stray, FALSE, TRUE);
  guint8 bad_pt[100] = {0x80, 50, 0, 3};
  memcpy(bad_pt + 8, &call->pub->video_ssrc, 4);
  vt_test_peer_send_raw(call->pub, bad_pt, sizeof bad_pt, FALSE, TRUE);
  /* Oversized: over 1,500 bytes, dropped before anything looks at it. */
  guint8 big[1600];
  memset(big, 0x80, sizeof big);
  vt_test_peer_send_raw(call->pub, big, sizeof big, FALSE, FALSE);
}

static void send_lying_rtcp(Call *call)
{
  /* An RR claiming 31 report blocks in 8 bytes; an SR whose length field
   * points past the end; a NACK with a length of zero items. */
  guint8 rr[8] = {0x9f, 201, 0x00, 0x01, 1, 2, 3, 4};
  guint8 sr[28] = {0x80, 200, 0x00, 0x40};
  guint8 nack[12] = {0x81, 205, 0x00, 0x02, 1, 2, 3, 4, 5, 6, 7, 8};
  vt_test_peer_send_raw(call->pub, rr, sizeof rr, TRUE, TRUE);
  vt_test_peer_send_raw(call->pub, sr, sizeof sr, TRUE, TRUE);
  vt_test_peer_send_raw(call->pub, nack, sizeof nack, TRUE, TRUE);
}

static void test_bad_packets(void)
{
  Call call = {0};
  call_start(&call);
  send_garbage_on_pair(&call);
  send_lying_rtcp(&call);
  assert_call_goes_on(&call);
  g_assert_null(call.pub->failure);
  call_end(&call);
}

/* RTP from a socket that never did ICE, sent to the relay's media port. */
static void test_unchecked_address(void)
{
  Call call = {0};
  call_start(&call);
  /* The relay's host candidate for this publish connection. */
  const char *cand = strstr(call.pub->remote_pub_sdp, "a=candidate:");
  g_assert_nonnull(cand);
  guint port = 0;
  g_assert_cmpint(sscanf(cand, "a=candidate:%*s %*d %*s %*u 127.0.0.1 %u", &port), ==, 1);
  g_autoptr(GSocket) sock =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_assert_nonnull(sock);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new(lo, (guint16)port);
  /* Plain RTP, something shaped like SRTP, and a DTLS ClientHello-ish record. */
  guint8 rtp[300] = {0x80, 96, 0x00, 0x01};
  memcpy(rtp + 8, &call.pub->video_ssrc, 4);
  guint8 dtls[100] = {22, 0xfe, 0xfd};
  for (int k = 0; k < 50; k++) {
    rtp[3] = (guint8)k;
    g_socket_send_to(sock, to, (const char *)rtp, sizeof rtp, NULL, NULL);
    g_socket_send_to(sock, to, (const char *)dtls, sizeof dtls, NULL, NULL);
  }
  assert_call_goes_on(&call);
  call_end(&call);
}

/* A publisher whose DTLS certificate is not the one in its SDP is refused,
 * with a reason, and nobody else notices. */
static void test_wrong_fingerprint(void)
{
  Call call = {0};
  call_start(&call);
  VtTestClient *ws = join(call.server, "mallory", NULL);
  VtTestPeer *bad = vt_test_peer_new(ws);
  VtPeerMedia media = {.audio = TRUE, .rtx = TRUE, .wrong_fingerprint = TRUE};
  g_assert_false(vt_test_peer_publish(bad, &media, WAIT_MS));
  g_autoptr(JsonObject) state = vt_test_client_take(ws, "media_state", WAIT_MS);
  g_assert_nonnull(state);
  g_assert_cmpstr(json_object_get_string_member(state, "state"), ==, "failed");
  g_assert_cmpstr(json_object_get_string_member(state, "reason"), ==, "dtls_fingerprint");
  assert_call_goes_on(&call);
  /* Operators see it too. */
  guint status = 0;
  g_autofree char *metrics = vt_test_http_get(call.server, "/metrics", &status);
  g_assert_cmpuint(status, ==, 200);
  g_assert_nonnull(strstr(metrics, "vitrine_media_connections_total{event=\"publish_failed_"
                                   "dtls_fingerprint\"} 1\n"));
  g_assert_nonnull(strstr(metrics, "vitrine_media_connections_total{event=\"publish_connected\"}"));
  vt_test_peer_free(bad);
  vt_test_client_free(ws);
  call_end(&call);
}

static void expect_bad_sdp(VtTestClient *ws, const char *sdp, const char *reason)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "type");
  json_builder_add_string_value(b, "publish_offer");
  json_builder_set_member_name(b, "sdp");
  json_builder_add_string_value(b, sdp);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree char *text = json_to_string(root, FALSE);
  vt_test_client_send(ws, text);
  g_autoptr(JsonObject) e = vt_test_client_wait_error(ws, "bad_sdp", WAIT_MS);
  g_assert_nonnull(e);
  const char *message = json_object_get_string_member(e, "message");
  if (!strstr(message, reason))
    g_error("expected '%s' in: %s", reason, message);
}

static char *replace(const char *text, const char *from, const char *to)
{
  g_auto(GStrv) parts = g_strsplit(text, from, -1);
  return g_strjoinv(to, parts);
}

/* Offers the relay cannot take: each refused with the reason, the socket and
 * the call of the others go on. */
static void test_bad_offers(void)
{
  Call call = {0};
  call_start(&call);
  VtTestClient *ws = join(call.server, "mallory", NULL);
  VtTestPeer *bad = vt_test_peer_new(ws);
  g_autofree char *offer = vt_test_peer_publish_offer(bad, NULL);

  GString *no_fp = g_string_new(NULL);
  g_auto(GStrv) lines = g_strsplit(offer, "\r\n", -1);
  for (char **l = lines; *l; l++)
    if (**l && !g_str_has_prefix(*l, "a=fingerprint"))
      g_string_append_printf(no_fp, "%s\r\n", *l);
  expect_bad_sdp(ws, no_fp->str, "fingerprint");
  g_string_free(no_fp, TRUE);

  g_autofree char *avp = replace(offer, "UDP/TLS/RTP/SAVPF", "RTP/AVP");
  expect_bad_sdp(ws, avp, "bad_profile");
  g_autofree char *no_codec = replace(offer, "VP8/90000", "AV1X/90000");
  g_autofree char *no_codec2 = replace(no_codec, "opus/48000/2", "speex/8000");
  expect_bad_sdp(ws, no_codec2, "no_common_codec");

  GString *many = g_string_new("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n");
  for (int i = 0; i < 1000; i++)
    g_string_append_printf(many, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:%d\r\n", i);
  expect_bad_sdp(ws, many->str, "too_many_media");
  g_string_free(many, TRUE);

  vt_test_client_send(ws, "{\"type\":\"ping\"}");
  g_autoptr(JsonObject) pong = vt_test_client_take(ws, "pong", WAIT_MS);
  g_assert_nonnull(pong);
  assert_call_goes_on(&call);
  vt_test_peer_free(bad);
  vt_test_client_free(ws);
  call_end(&call);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/relay-bad-input/packets", test_bad_packets);
  g_test_add_func("/relay-bad-input/unchecked-address", test_unchecked_address);
  g_test_add_func("/relay-bad-input/wrong-fingerprint", test_wrong_fingerprint);
  g_test_add_func("/relay-bad-input/offers", test_bad_offers);
  return g_test_run();
}
