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

/* Stops the server, which must exit cleanly, and frees it. */
static void stop_server(VtTestServer *server)
{
  g_assert_cmpint(vt_test_server_stop(server), ==, 0);
  vt_test_server_free(server);
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

/* A subscriber's sender report must tie the RTP timestamps it receives to
 * the publisher's wall clock (that is what lip sync is computed from): at the
 * report's NTP time, the publisher's video clock was at about its RTP time. */
static void assert_sr_maps_publisher_clock(VtTestPeer *pub, VtPeerTrack *video, gint64 now)
{
  gint64 sr_unix = vt_rtcp_ntp_to_unix_us(video->sr_ntp);
  g_assert_cmpint(now - sr_unix, >=, 0);
  g_assert_cmpint(now - sr_unix, <, 2 * G_USEC_PER_SEC);
  /* The publisher's RTP clock when it stopped, taken back to the report's time. */
  gint64 expected = (gint64)pub->frame * 3000 - (now - sr_unix) * 90 / 1000;
  gint64 off = (gint64)(gint32)(video->sr_rtp - (guint32)expected);
  g_test_message("SR mapping off by %" G_GINT64_FORMAT " ms", off / 90);
  g_assert_cmpint(ABS(off), <, 90 * 150); /* 150 ms: timer drift of the synthetic source */
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
  gint64 stopped = g_get_real_time();
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
    assert_sr_maps_publisher_clock(pub->peer, video, stopped);
  }
  g_assert_cmpuint(pub->peer->rrs_received, >=, 1);
  g_assert_cmpuint(pub->peer->rembs_received, >=, 1);
  g_assert_cmpuint(pub->peer->twcc_feedbacks, ==, 0); /* not offered, not sent */
  for (int i = 0; i < 3; i++)
    member_free(subs[i]);
  member_free(pub);
  stop_server(server);
}

/* A publisher that numbers its packets transport-wide gets feedback that
 * reports them as they arrived, which is what a browser's congestion
 * control ramps up on; subscribers get the media without the numbers. */
static void test_transport_cc(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  Member *pub = member_join(server, "pub", "r1");
  Member *sub = member_join(server, "sub", "r1");
  VtPeerMedia media = {.audio = TRUE, .rtx = TRUE, .twcc = TRUE};
  if (!vt_test_peer_publish(pub->peer, &media, WAIT_MS))
    g_error("could not publish: %s", pub->peer->failure);
  g_assert_nonnull(strstr(pub->peer->remote_pub_sdp, "transport-cc"));
  subscribe(sub);
  vt_test_run_for(2000);
  VtTestPeer *p = pub->peer;
  g_test_message("%" G_GUINT64_FORMAT " numbered, %" G_GUINT64_FORMAT " reported in %" G_GUINT64_FORMAT
                 " feedbacks", p->twcc_sent, p->twcc_reported_received, p->twcc_feedbacks);
  g_assert_cmpuint(p->twcc_bad_feedbacks, ==, 0);
  g_assert_cmpuint(p->twcc_feedbacks, >=, 10); /* every 50 ms */
  g_assert_cmpuint(p->twcc_reported_received, >=, p->twcc_sent * 9 / 10);
  g_assert_cmpuint(p->twcc_reported_received, <=, p->twcc_sent);
  g_assert_null(strstr(sub->peer->last_offer, "transport-cc"));
  VtPeerTrack *video = vt_test_peer_track(sub->peer, pub->id, VT_SDP_KIND_VIDEO);
  g_assert_nonnull(video);
  g_assert_cmpuint(video->packets, >, p->video_packets_sent / 2);
  member_free(sub);
  member_free(pub);
  stop_server(server);
}

/* A subscriber's REMB lowers what the publisher is asked for only while it
 * is below what the relay delivers to it (its link is congested); an
 * estimate above that leaves the configured cap. */
static void test_remb_from_congested_subscriber(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  Member *pub = member_join(server, "pub", "r1");
  Member *sub = member_join(server, "sub", "r1");
  publish(pub);
  subscribe(sub);
  vt_test_run_for(1000);
  VtPeerTrack *video = vt_test_peer_track(sub->peer, pub->id, VT_SDP_KIND_VIDEO);
  g_assert_nonnull(video);
  const guint64 cap = 2500000; /* relay-max-bitrate's default */
  /* About 960 kbit/s of video is delivered. 1.5 Mbit/s, below the cap, is
   * what a browser reports when it is not congested (1.5 times what it
   * gets): it must not hold the publisher down. */
  vt_test_peer_send_remb(sub->peer, video, 1500000);
  vt_test_run_for(300);
  vt_test_peer_send_remb(sub->peer, video, 1500000);
  vt_test_run_for(1200);
  g_assert_cmpuint(pub->peer->last_remb_bps, ==, cap);
  vt_test_peer_send_remb(sub->peer, video, 200000);
  vt_test_run_for(1200);
  g_assert_cmpuint(pub->peer->last_remb_bps, ==, 200000);
  vt_test_peer_send_remb(sub->peer, video, 1500000);
  vt_test_run_for(1200);
  g_assert_cmpuint(pub->peer->last_remb_bps, ==, cap);
  member_free(sub);
  member_free(pub);
  stop_server(server);
}

typedef struct {
  VtTestPeer *peer;
  const char *participant;
} TrackWait;

static gboolean has_keyframe(gpointer data)
{
  TrackWait *w = data;
  VtPeerTrack *t = vt_test_peer_track(w->peer, w->participant, VT_SDP_KIND_VIDEO);
  return t && t->keyframes > 0;
}

/* A subscriber that joins mid-stream (keyframes only every 10 s) gets one at
 * once: the relay asks the publisher for it. PLIs of many subscribers are
 * merged into at most one request per 500 ms. */
static void test_keyframes(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  Member *pub = member_join(server, "pub", "r1");
  VtPeerMedia media = {.audio = TRUE, .rtx = TRUE, .keyframe_interval = 300};
  if (!vt_test_peer_publish(pub->peer, &media, WAIT_MS))
    g_error("publish: %s", pub->peer->failure);
  vt_test_run_for(1500);

  Member *late = member_join(server, "late", "r1");
  gint64 start = g_get_monotonic_time();
  subscribe(late);
  TrackWait w = {late->peer, pub->id};
  g_assert_true(vt_test_run_until(has_keyframe, &w, 3000));
  VtPeerTrack *video = vt_test_peer_track(late->peer, pub->id, VT_SDP_KIND_VIDEO);
  g_assert_true(video->first_was_keyframe);
  g_test_message("late joiner: first keyframe after %" G_GINT64_FORMAT " ms",
                 (video->first_keyframe_us - start) / 1000);
  g_assert_cmpint(video->first_keyframe_us - start, <, 1000 * 1000);
  g_assert_cmpuint(pub->peer->plis_received, >=, 1);

  /* Three subscribers' worth of PLIs every 20 ms for 2 s. */
  Member *more[2];
  for (int i = 0; i < 2; i++) {
    g_autofree char *name = g_strdup_printf("more%d", i);
    more[i] = member_join(server, name, "r1");
    subscribe(more[i]);
  }
  vt_test_run_for(600);
  guint64 before = pub->peer->plis_received + pub->peer->firs_received;
  gint64 started = g_get_monotonic_time();
  for (int round = 0; round < 100; round++) {
    vt_test_peer_send_pli(late->peer, video);
    for (int i = 0; i < 2; i++)
      vt_test_peer_send_pli(more[i]->peer,
                            vt_test_peer_track(more[i]->peer, pub->id, VT_SDP_KIND_VIDEO));
    vt_test_run_for(20);
  }
  vt_test_run_for(100);
  gint64 elapsed = g_get_monotonic_time() - started;
  guint64 requests = pub->peer->plis_received + pub->peer->firs_received - before;
  g_test_message("300 PLIs in %" G_GINT64_FORMAT " ms became %" G_GUINT64_FORMAT " requests",
                 elapsed / 1000, requests);
  /* One at once, then at most one per 500 ms (a slow machine takes longer
   * than 2 s for the loop, and may then see one more). */
  g_assert_cmpuint(requests, >=, 3);
  g_assert_cmpuint(requests, <=, (guint64)(elapsed / 500000) + 1);
  for (int i = 0; i < 2; i++)
    member_free(more[i]);
  member_free(late);
  member_free(pub);
  vt_test_server_free(server);
}

static gboolean rtx_arrived(gpointer data)
{
  return ((VtPeerTrack *)data)->rtx_packets > 0;
}

typedef struct {
  VtTestPeer *peer;
  guint16 seq;
} NackWait;

static gboolean nacked(gpointer data)
{
  NackWait *w = data;
  for (guint i = 0; i < w->peer->nacked_seqs->len; i++)
    if (g_array_index(w->peer->nacked_seqs, guint16, i) == w->seq)
      return TRUE;
  return FALSE;
}

/* A subscriber's NACK is answered from the relay's cache as RTX; a packet
 * lost on the publisher's uplink is NACKed upstream. */
static void test_nack(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  Member *pub = member_join(server, "pub", "r1");
  Member *sub = member_join(server, "sub", "r1");
  publish(pub);
  subscribe(sub);
  vt_test_run_for(1000);
  VtPeerTrack *video = vt_test_peer_track(sub->peer, pub->id, VT_SDP_KIND_VIDEO);
  g_assert_nonnull(video);
  g_assert_cmpuint(video->rtx_ssrc, !=, 0);
  vt_test_peer_send_nack(sub->peer, video, (guint16)(video->max_seq - 5));
  g_assert_true(vt_test_run_until(rtx_arrived, video, 2000));
  g_assert_cmpuint(video->rtx_packets, ==, 1);

  NackWait w = {pub->peer, (guint16)(pub->peer->video_seq + 10)};
  pub->peer->skip_seq_once = w.seq;
  g_assert_true(vt_test_run_until(nacked, &w, 2000));
  member_free(sub);
  member_free(pub);
  vt_test_server_free(server);
}

static gboolean offer_arrived(gpointer data)
{
  VtTestClient *c = data;
  for (GList *l = c->messages.head; l; l = l->next)
    if (g_str_equal(json_object_get_string_member(l->data, "type"), "subscribe_offer"))
      return TRUE;
  return FALSE;
}

/* A publisher who leaves disappears from the subscribers' next offer, and
 * one who comes back appears again. */
static void test_publisher_leaves(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  Member *pub = member_join(server, "pub", "r1");
  Member *sub = member_join(server, "sub", "r1");
  publish(pub);
  subscribe(sub);
  vt_test_run_for(500);
  g_autofree char *pub_id = g_strdup(pub->id);
  g_assert_true(vt_test_peer_track(sub->peer, pub_id, VT_SDP_KIND_VIDEO)->active);
  vt_test_client_send(pub->ws, "{\"type\":\"leave\"}");
  g_assert_true(vt_test_run_until(offer_arrived, sub->ws, WAIT_MS));
  subscribe(sub);
  g_assert_false(vt_test_peer_track(sub->peer, pub_id, VT_SDP_KIND_VIDEO)->active);
  g_assert_false(vt_test_peer_track(sub->peer, pub_id, VT_SDP_KIND_AUDIO)->active);
  member_free(pub);

  /* Back with a new client: a new track in the same m-lines. */
  Member *again = member_join(server, "pub", "r1");
  publish(again);
  subscribe(sub);
  vt_test_run_for(1000);
  VtPeerTrack *video = vt_test_peer_track(sub->peer, again->id, VT_SDP_KIND_VIDEO);
  g_assert_true(video->active);
  g_assert_cmpuint(video->keyframes, >=, 1);
  g_assert_cmpuint(video->packets, >, 10);
  member_free(again);
  member_free(sub);
  vt_test_server_free(server);
}

static gboolean peer_failed(gpointer data)
{
  return ((VtTestPeer *)data)->failure != NULL;
}

/* A subscriber who leaves is told at once on its receive connection (DTLS
 * close_notify), also after the relay has let that connection's DTLS state
 * go, which it does as soon as the handshake is done. */
static void test_subscriber_leaves(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  Member *pub = member_join(server, "pub", "r1");
  Member *sub = member_join(server, "sub", "r1");
  publish(pub);
  subscribe(sub);
  vt_test_run_for(2500); /* a call under way, long retired */
  VtPeerTrack *video = vt_test_peer_track(sub->peer, pub->id, VT_SDP_KIND_VIDEO);
  g_assert_cmpuint(video->packets, >, 10);
  g_assert_null(sub->peer->failure);
  vt_test_client_send(sub->ws, "{\"type\":\"leave\"}");
  g_assert_true(vt_test_run_until(peer_failed, sub->peer, 2000));
  g_assert_cmpstr(sub->peer->failure, ==, "closed: the peer closed DTLS");
  member_free(sub);
  member_free(pub);
  stop_server(server);
}

static char *offer_ufrag(const char *sdp)
{
  const char *at = strstr(sdp, "a=ice-ufrag:");
  g_assert_nonnull(at);
  at += strlen("a=ice-ufrag:");
  return g_strndup(at, strcspn(at, "\r\n"));
}

/* A subscriber whose receive connection failed on its side (a phone that
 * changed networks while its socket lived) asks for a new one: the relay
 * offers it with new ICE credentials and video flows again from a keyframe,
 * without the publisher doing anything. */
static void test_subscribe_restart(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  Member *pub = member_join(server, "pub", "r1");
  Member *sub = member_join(server, "sub", "r1");
  publish(pub);
  subscribe(sub);
  TrackWait w = {sub->peer, pub->id};
  g_assert_true(vt_test_run_until(has_keyframe, &w, WAIT_MS));
  g_autofree char *before = offer_ufrag(sub->peer->last_offer);

  for (int round = 0; round < 2; round++) {
    vt_test_peer_subscribe_restart(sub->peer);
    subscribe(sub);
    g_autofree char *after = offer_ufrag(sub->peer->last_offer);
    g_assert_cmpstr(after, !=, before);
    g_assert_true(vt_test_run_until(has_keyframe, &w, WAIT_MS));
    VtPeerTrack *video = vt_test_peer_track(sub->peer, pub->id, VT_SDP_KIND_VIDEO);
    g_assert_true(video->first_was_keyframe);
    vt_test_run_for(500);
    g_assert_cmpuint(video->frames, >, 5);
    g_free(before);
    before = g_steal_pointer(&after);
  }
  g_assert_null(sub->peer->failure);
  member_free(sub);
  member_free(pub);
  stop_server(server);
}

/* Clients whose network blocks UDP reach a relay with ICE-TCP on: only TCP
 * candidates on either side, and the call works. */
static void test_ice_tcp(void)
{
  const char *const flags[] = {"--relay-ice-tcp=on", NULL};
  VtTestServer *server = vt_test_server_start(NULL, flags);
  Member *pub = member_join(server, "pub", "r1");
  Member *sub = member_join(server, "sub", "r1");
  pub->peer->tcp_only = sub->peer->tcp_only = TRUE;
  publish(pub);
  subscribe(sub);
  g_assert_cmpuint(pub->peer->candidates->len, >=, 1); /* only TCP ones are kept */
  vt_test_run_for(2000);
  VtPeerTrack *video = vt_test_peer_track(sub->peer, pub->id, VT_SDP_KIND_VIDEO);
  VtPeerTrack *audio = vt_test_peer_track(sub->peer, pub->id, VT_SDP_KIND_AUDIO);
  g_assert_true(video->first_was_keyframe);
  g_assert_cmpuint(video->packets, >, pub->peer->video_packets_sent * 8 / 10);
  g_assert_cmpuint(audio->packets, >, pub->peer->audio_packets_sent * 8 / 10);
  member_free(sub);
  member_free(pub);
  stop_server(server);
}

/* A subscriber whose connection comes up just after the publisher sent a
 * keyframe gets that keyframe from the relay's cache at once, instead of
 * waiting a round trip for a new one. The publisher here ignores requests
 * and sends a keyframe every 200 ms, so the subscriber's first packet is
 * either that replay (sent before its connection was up) or, without it,
 * the next keyframe (sent after). */
static void test_keyframe_replayed_from_cache(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  Member *pub = member_join(server, "pub", "r1");
  VtPeerMedia media = {.audio = TRUE, .rtx = TRUE, .keyframe_interval = 6,
                       .ignore_keyframe_requests = TRUE};
  if (!vt_test_peer_publish(pub->peer, &media, WAIT_MS))
    g_error("publish: %s", pub->peer->failure);
  vt_test_run_for(500);
  for (int i = 0; i < 3; i++) {
    g_autofree char *name = g_strdup_printf("sub%d", i);
    Member *sub = member_join(server, name, "r1");
    subscribe(sub);
    TrackWait w = {sub->peer, pub->id};
    g_assert_true(vt_test_run_until(has_keyframe, &w, 3000));
    VtPeerTrack *video = vt_test_peer_track(sub->peer, pub->id, VT_SDP_KIND_VIDEO);
    g_assert_true(video->first_was_keyframe);
    g_test_message("%s: first packet sent %" G_GINT64_FORMAT " ms before the connection was up",
                   name, (sub->peer->sub_up_us - video->first_sent_us) / 1000);
    g_assert_cmpint(video->first_sent_us, <, sub->peer->sub_up_us);
    /* What followed the keyframe came too, in order: nothing is missing. */
    vt_test_run_for(300);
    g_assert_cmpuint(video->packets, >=, (guint64)(guint16)(video->max_seq - video->first_seq) * 9 / 10);
    member_free(sub);
  }
  member_free(pub);
  stop_server(server);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/relay/forward", test_forward);
  g_test_add_func("/relay/keyframes", test_keyframes);
  g_test_add_func("/relay/nack", test_nack);
  g_test_add_func("/relay/publisher-leaves", test_publisher_leaves);
  g_test_add_func("/relay/subscriber-leaves", test_subscriber_leaves);
  g_test_add_func("/relay/ice-tcp", test_ice_tcp);
  g_test_add_func("/relay/subscribe-restart", test_subscribe_restart);
  g_test_add_func("/relay/transport-cc", test_transport_cc);
  g_test_add_func("/relay/keyframe-replayed-from-cache", test_keyframe_replayed_from_cache);
  g_test_add_func("/relay/remb-from-congested-subscriber", test_remb_from_congested_subscriber);
  return g_test_run();
}
