/* The relay with the real server and real (cheap) peers over loopback:
 * forwarding to several subscribers, keyframes for joiners, PLI merging,
 * NACK served from the cache and upstream, sender reports, renegotiation
 * when a publisher leaves. The peers are tests/support/vt-peer.c: the
 * relay's own ICE/DTLS/SRTP stack on the client side, synthetic VP8/Opus. */
#include <string.h>

#include "relay/rtcp.h"
#include "support/vt-peer.h"
#include "support/vt-test.h"

#define WAIT_MS 10000

typedef struct {
  VtTestClient *ws;
  VtTestPeer *peer;
  char *id; /* participant id */
} Member;

static Member *member_join(VtTestServer *server, const char *name, const char *room)
{
  Member *m = g_new0(Member, 1);
  g_autofree char *token = vt_test_token(server, "shop-a", "staff", name, name, room);
  m->ws = vt_test_client_new(server, NULL);
  g_autoptr(JsonObject) joined = vt_test_client_join(m->ws, token);
  JsonObject *participant = json_object_get_object_member(joined, "participant");
  m->id = g_strdup(json_object_get_string_member(participant, "id"));
  m->peer = vt_test_peer_new(m->ws);
  return m;
}

static void member_free(Member *m)
{
  vt_test_peer_free(m->peer);
  vt_test_client_free(m->ws);
  g_free(m->id);
  g_free(m);
}

static void publish(Member *m)
{
  if (!vt_test_peer_publish(m->peer, NULL, WAIT_MS))
    g_error("%s could not publish: %s", m->id, m->peer->failure);
}

static void subscribe(Member *m)
{
  if (!vt_test_peer_subscribe(m->peer, WAIT_MS))
    g_error("%s could not subscribe: %s", m->id,
            m->peer->failure ? m->peer->failure : "no offer");
}

/* One publisher, three subscribers: every subscriber gets the video from a
 * keyframe on, nearly every packet, with the SSRC and payload type of its
 * own offer, and audio; sender reports carry the publisher's clock. */
static void test_forward(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  Member *pub = member_join(server, "pub", "r1");
  Member *subs[3];
  for (int i = 0; i < 3; i++) {
    g_autofree char *name = g_strdup_printf("sub%d", i);
    subs[i] = member_join(server, name, "r1");
  }
  publish(pub);
  for (int i = 0; i < 3; i++)
    subscribe(subs[i]);
  vt_test_run_for(3000);
  vt_test_peer_stop_media(pub->peer);
  vt_test_run_for(300);

  for (int i = 0; i < 3; i++) {
    VtTestPeer *p = subs[i]->peer;
    VtPeerTrack *video = vt_test_peer_track(p, pub->id, VT_SDP_KIND_VIDEO);
    VtPeerTrack *audio = vt_test_peer_track(p, pub->id, VT_SDP_KIND_AUDIO);
    g_assert_nonnull(video);
    g_assert_nonnull(audio);
    g_assert_true(video->first_was_keyframe);
    g_assert_cmpuint(video->last_pt, ==, video->pt);
    /* From its first keyframe on, a subscriber misses nothing on loopback. */
    guint64 sent = pub->peer->video_packets_sent;
    g_assert_cmpuint(video->packets, >, sent * 8 / 10);
    g_assert_cmpuint(video->packets, <=, sent);
    g_assert_cmpuint(audio->packets, >, pub->peer->audio_packets_sent * 8 / 10);
    g_assert_cmpuint(video->srs, >=, 1);
    g_assert_cmpuint(audio->srs, >=, 1);
  }
  g_assert_cmpuint(pub->peer->rrs_received, >=, 1);
  g_assert_cmpuint(pub->peer->rembs_received, >=, 1);
  for (int i = 0; i < 3; i++)
    member_free(subs[i]);
  member_free(pub);
  g_assert_cmpint(vt_test_server_stop(server), ==, 0);
  vt_test_server_free(server);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/relay/forward", test_forward);
  return g_test_run();
}
