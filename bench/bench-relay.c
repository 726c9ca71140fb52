/* Relay benchmark: prints figures, asserts nothing about speed.
 *
 * One publisher sends synthetic VP8 (30 fps, 6 packets of 1,100 bytes a
 * frame: about 1.6 Mbit/s, keyframe every 2 s) and Opus (50 packets/s)
 * through a real `vitrine serve` to N subscribers, for N in --subscribers.
 * The peers are tests/support/vt-peer.c: the relay's own ICE/DTLS/SRTP, no
 * encoder, no decoder, so the load stays on the server. Per N:
 *
 *  - server CPU per forwarded packet (user+system time of the server over
 *    a steady window, divided by the packets the subscribers received);
 *  - forwarding delay: send time stamped in each payload by the publisher
 *    to arrival at a subscriber, same process and clock (p50/p99), which
 *    includes both peers' SRTP work and loopback, so it bounds what the
 *    relay adds from above;
 *  - memory per subscriber: server RSS growth per subscriber (its
 *    WebSocket included), over all N and over the second half of them
 *    (what one more subscriber costs, without the one-time growth the
 *    first ones cause);
 *  - first frame: a subscriber's `join` sent to the first keyframe packet
 *    received, subscribers joining one after another while media flows.
 *
 * Usage: bench-relay [--subscribers 1,10,20,50] [--seconds 10]
 * Needs VT_BINARY; scripts/bench sets it. Loopback only. */
#include <stdio.h>
#include <stdlib.h>

#include "support/vt-peer.h"
#include "support/vt-test.h"

typedef struct {
  VtTestClient *ws;
  VtTestPeer *peer;
  char *id;
  gint64 join_sent_us;
} Member;

static Member *member_join(VtTestServer *server, const char *name)
{
  Member *m = g_new0(Member, 1);
  g_autofree char *token = vt_test_token(server, "bench", "staff", name, name, "r1");
  m->ws = vt_test_client_new(server, NULL);
  m->join_sent_us = g_get_monotonic_time();
  g_autoptr(JsonObject) joined = vt_test_client_join(m->ws, token);
  m->id = g_strdup(json_object_get_string_member(
      json_object_get_object_member(joined, "participant"), "id"));
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

static int cmp_i64(const void *a, const void *b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
  return x < y ? -1 : x > y;
}

static gint64 percentile(GArray *v, double p)
{
  if (v->len == 0)
    return -1;
  g_array_sort(v, cmp_i64);
  guint i = (guint)(p * (v->len - 1) + 0.5);
  return g_array_index(v, gint64, i);
}

static guint64 received(Member **subs, guint n, const char *pub_id)
{
  guint64 total = 0;
  for (guint i = 0; i < n; i++) {
    for (int k = 0; k < 2; k++) {
      VtPeerTrack *t = vt_test_peer_track(subs[i]->peer, pub_id, k ? VT_SDP_KIND_AUDIO
                                                                   : VT_SDP_KIND_VIDEO);
      if (t)
        total += t->packets + t->rtx_packets;
    }
  }
  return total;
}

typedef struct {
  VtTestPeer *peer;
  const char *pub_id;
} KeyWait;

static gboolean got_keyframe(gpointer data)
{
  KeyWait *w = data;
  VtPeerTrack *t = vt_test_peer_track(w->peer, w->pub_id, VT_SDP_KIND_VIDEO);
  return t && t->keyframes > 0;
}

/* RSS growth per joined WebSocket without media, to tell the two apart. */
static double websocket_cost(VtTestServer *server, guint n)
{
  guint64 before = vt_test_server_rss_kib(server);
  VtTestClient **ws = g_new0(VtTestClient *, n);
  for (guint i = 0; i < n; i++) {
    g_autofree char *name = g_strdup_printf("idle%u", i);
    g_autofree char *token = vt_test_token(server, "bench", "staff", name, name, "idle-room");
    ws[i] = vt_test_client_new(server, NULL);
    json_object_unref(vt_test_client_join(ws[i], token));
  }
  vt_test_run_for(500);
  double per = (double)(vt_test_server_rss_kib(server) - before) / n;
  for (guint i = 0; i < n; i++)
    vt_test_client_free(ws[i]);
  g_free(ws);
  vt_test_run_for(500);
  return per;
}

/* Subscribers join one after another while media flows; `first` gets each
 * one's join-to-first-keyframe time, *rss_half the RSS after half of them. */
static Member **join_subscribers(VtTestServer *server, Member *pub, guint n, GArray *first,
                                 guint64 *rss_half)
{
  Member **subs = g_new0(Member *, n);
  *rss_half = vt_test_server_rss_kib(server);
  for (guint i = 0; i < n; i++) {
    g_autofree char *name = g_strdup_printf("sub%u", i);
    subs[i] = member_join(server, name);
    subs[i]->peer->record_delays = TRUE;
    if (!vt_test_peer_subscribe(subs[i]->peer, 10000))
      g_error("subscriber %u: %s", i, subs[i]->peer->failure);
    KeyWait w = {subs[i]->peer, pub->id};
    if (vt_test_run_until(got_keyframe, &w, 5000)) {
      VtPeerTrack *t = vt_test_peer_track(subs[i]->peer, pub->id, VT_SDP_KIND_VIDEO);
      gint64 ms = (t->first_keyframe_us - subs[i]->join_sent_us);
      g_array_append_val(first, ms);
    }
    /* Read once the subscribers' first receiver reports (after 1 s) have
     * let the relay drop their DTLS state, as it would in any real call. */
    if (i + 1 == n / 2) {
      vt_test_run_for(1500);
      *rss_half = vt_test_server_rss_kib(server);
    }
  }
  return subs;
}

static void run(guint n, guint seconds)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  Member *pub = member_join(server, "pub");
  VtPeerMedia media = {.audio = TRUE, .rtx = TRUE, .packets_per_frame = 6, .payload = 1100};
  if (!vt_test_peer_publish(pub->peer, &media, 10000))
    g_error("publish failed: %s", pub->peer->failure);
  /* The publisher's retransmission cache fills in its first ~6 s; RSS is
   * read after that, so that its growth is not counted as subscribers'. */
  vt_test_run_for(7000);
  guint64 rss0 = vt_test_server_rss_kib(server);

  guint64 rss_half = 0;
  GArray *first = g_array_new(FALSE, FALSE, sizeof(gint64));
  Member **subs = join_subscribers(server, pub, n, first, &rss_half);
  vt_test_run_for(1500);
  guint64 rss1 = vt_test_server_rss_kib(server);
  /* Measured after the subscribers, so that they cannot reuse the heap
   * that these WebSockets leave behind and look cheaper than they are. */
  double ws_kib = websocket_cost(server, n);
  for (guint i = 0; i < n; i++)
    for (int k = 0; k < 2; k++)
      g_array_set_size(vt_test_peer_track(subs[i]->peer, pub->id,
                                          k ? VT_SDP_KIND_AUDIO : VT_SDP_KIND_VIDEO)
                           ->delays_us,
                       0);

  guint64 pkts0 = received(subs, n, pub->id);
  gint64 cpu0 = vt_test_server_cpu_us(server);
  gint64 t0 = g_get_monotonic_time();
  vt_test_run_for(seconds * 1000);
  gint64 cpu1 = vt_test_server_cpu_us(server);
  gint64 t1 = g_get_monotonic_time();
  guint64 pkts = received(subs, n, pub->id) - pkts0;

  GArray *delays = g_array_new(FALSE, FALSE, sizeof(gint64));
  guint64 sent_video = pub->peer->video_packets_sent;
  guint64 got_video_min = G_MAXUINT64;
  for (guint i = 0; i < n; i++) {
    VtPeerTrack *v = vt_test_peer_track(subs[i]->peer, pub->id, VT_SDP_KIND_VIDEO);
    VtPeerTrack *a = vt_test_peer_track(subs[i]->peer, pub->id, VT_SDP_KIND_AUDIO);
    g_array_append_vals(delays, v->delays_us->data, v->delays_us->len);
    g_array_append_vals(delays, a->delays_us->data, a->delays_us->len);
    got_video_min = MIN(got_video_min, v->packets);
  }
  double secs = (t1 - t0) / 1e6;
  double us_per_pkt = pkts ? (double)(cpu1 - cpu0) / (double)pkts : 0;
  printf("%3u subscribers | %7.0f pkt/s forwarded | CPU %5.2f us/pkt (%.1f%% of a core) | "
         "delay p50 %5.2f ms p99 %5.2f ms | %6.1f KB/subscriber | first frame p50 %3" G_GINT64_FORMAT
         " ms p95 %3" G_GINT64_FORMAT " ms\n",
         n, pkts / secs, us_per_pkt, 100.0 * (cpu1 - cpu0) / (t1 - t0),
         percentile(delays, 0.50) / 1000.0, percentile(delays, 0.99) / 1000.0,
         (double)(rss1 - rss0) / n, percentile(first, 0.50) / 1000,
         percentile(first, 0.95) / 1000);
  if (n >= 4)
    printf("    (one more subscriber: %.1f KB, over the second half of them)\n",
           (double)(rss1 - rss_half) / (n - n / 2));
  printf("    (of the memory, %.1f KB is the WebSocket of a joined participant; video packets "
         "sent %" G_GUINT64_FORMAT ", fewest received by one subscriber %" G_GUINT64_FORMAT ")\n",
         ws_kib, sent_video, got_video_min);
  fflush(stdout);
  g_array_unref(delays);
  g_array_unref(first);
  for (guint i = 0; i < n; i++)
    member_free(subs[i]);
  g_free(subs);
  member_free(pub);
  vt_test_server_stop(server);
  vt_test_server_free(server);
}

int main(int argc, char **argv)
{
  g_autofree char *list = g_strdup("1,10,20,50");
  int seconds = 10;
  GOptionEntry entries[] = {
      {"subscribers", 0, 0, G_OPTION_ARG_STRING, &list, "Comma-separated subscriber counts", "N,N"},
      {"seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Steady-state seconds measured", "S"},
      {NULL}};
  g_autoptr(GOptionContext) ctx = g_option_context_new("- relay benchmark");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error) || seconds <= 0) {
    fprintf(stderr, "bench-relay: %s\n", error ? error->message : "bad --seconds");
    return 2;
  }
  printf("Relay: 1 publisher (VP8 ~1.6 Mbit/s, 180 pkt/s + Opus 50 pkt/s) to N subscribers, "
         "%d s steady state, %u cores\n",
         seconds, g_get_num_processors());
  g_auto(GStrv) counts = g_strsplit(list, ",", -1);
  for (char **c = counts; *c; c++) {
    guint64 n;
    if (!g_ascii_string_to_unsigned(*c, 10, 1, 1000, &n, NULL)) {
      fprintf(stderr, "bench-relay: bad subscriber count '%s'\n", *c);
      return 2;
    }
    run((guint)n, (guint)seconds);
  }
  return 0;
}
