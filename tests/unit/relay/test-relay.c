/* The relay through its in-process interface (relay.h), as signaling uses
 * it, with a loopback test peer publishing: the answer comes back as an
 * event on the main context, refused offers fail at once with the reason,
 * and the recorder hook gets the clear RTP of a track until it goes. */
#include <string.h>

#include "relay/relay.h"
#include "relay/rtp.h"
#include "support/vt-peer.h"

#define WAIT_MS 10000

typedef struct {
  VtRelay *relay;
  GQueue answers; /* char* */
  GQueue states;  /* char* "pc:state:reason" */
} Fixture;

static void on_sdp(gpointer data, const VtRelaySdpEvent *ev)
{
  Fixture *f = data;
  if (ev->who.pc == VT_PC_PUBLISH)
    g_queue_push_tail(&f->answers, g_strdup(ev->sdp));
}

static void on_state(gpointer data, const VtRelayStateEvent *ev)
{
  Fixture *f = data;
  g_queue_push_tail(&f->states,
                    g_strdup_printf("%s:%s:%s", ev->who.pc == VT_PC_PUBLISH ? "publish" : "subscribe",
                                    ev->connected ? "connected" : "failed",
                                    ev->connected ? "" : vt_pc_failure_code(ev->failure)));
}

static const VtRelayEvents events = {.sdp = on_sdp, .state = on_state};

static void setup(Fixture *f, gconstpointer unused)
{
  char *loopback[] = {"127.0.0.1", NULL};
  VtRelayConfig config = {.enabled = TRUE, .workers = 1, .local_addresses = loopback,
                          .max_bitrate_bps = 1000000};
  f->relay = vt_relay_new(&config, &events, f);
  g_queue_init(&f->answers);
  g_queue_init(&f->states);
}

static void teardown(Fixture *f, gconstpointer unused)
{
  vt_relay_free(f->relay);
  g_queue_clear_full(&f->answers, g_free);
  g_queue_clear_full(&f->states, g_free);
}

static gboolean has_answer(gpointer data)
{
  return !g_queue_is_empty(&((Fixture *)data)->answers);
}

static char *exchange(gpointer data, const char *offer)
{
  Fixture *f = data;
  g_autoptr(GError) error = NULL;
  g_assert_true(vt_relay_publish_offer(f->relay, "r1", "pa", offer, 1, 1, &error));
  g_assert_no_error(error);
  if (!vt_test_run_until(has_answer, f, WAIT_MS))
    return NULL;
  return g_queue_pop_head(&f->answers);
}

static gboolean has_state(gpointer data)
{
  return !g_queue_is_empty(&((Fixture *)data)->states);
}

typedef struct {
  gint packets; /* atomic: the tap runs on the worker thread */
  guint32 ssrc;
  gint bad;
  gint destroyed;
} Tap;

static void on_tap(gpointer data, const guint8 *rtp, gsize len)
{
  Tap *tap = data;
  VtRtpHeader h;
  if (vt_rtp_parse(rtp, len, &h) < 0 || h.ssrc != tap->ssrc)
    g_atomic_int_inc(&tap->bad);
  g_atomic_int_inc(&tap->packets);
}

static void on_tap_gone(gpointer data)
{
  g_atomic_int_inc(&((Tap *)data)->destroyed);
}

static gboolean tapped(gpointer data)
{
  return g_atomic_int_get(&((Tap *)data)->packets) > 30;
}

static gboolean tap_gone(gpointer data)
{
  return g_atomic_int_get(&((Tap *)data)->destroyed) > 0;
}

static void test_tap(Fixture *f, gconstpointer unused)
{
  vt_relay_participant_joined(f->relay, "r1", "pa");
  VtTestPeer *peer = vt_test_peer_new(NULL);
  g_assert_true(vt_test_peer_publish_with(peer, NULL, exchange, f, WAIT_MS));
  g_assert_true(vt_test_run_until(has_state, f, WAIT_MS));
  g_assert_cmpstr(g_queue_peek_tail(&f->states), ==, "publish:connected:");

  Tap tap = {.ssrc = peer->video_ssrc};
  g_assert_true(vt_relay_add_tap(f->relay, "r1", "pa", "video", on_tap, &tap, on_tap_gone));
  g_assert_true(vt_test_run_until(tapped, &tap, WAIT_MS));
  g_assert_cmpint(g_atomic_int_get(&tap.bad), ==, 0);

  /* The participant goes: so does the track, and the tap is released. */
  vt_relay_participant_left(f->relay, "r1", "pa");
  g_assert_true(vt_test_run_until(tap_gone, &tap, WAIT_MS));
  g_assert_cmpint(g_atomic_int_get(&tap.destroyed), ==, 1);
  vt_test_peer_free(peer);
}

/* A tap for a participant with nothing published is released at once. */
static void test_tap_without_track(Fixture *f, gconstpointer unused)
{
  Tap tap = {0};
  vt_relay_participant_joined(f->relay, "r1", "pb");
  g_assert_true(vt_relay_add_tap(f->relay, "r1", "pb", "audio", on_tap, &tap, on_tap_gone));
  g_assert_true(vt_test_run_until(tap_gone, &tap, WAIT_MS));
  g_assert_cmpint(g_atomic_int_get(&tap.packets), ==, 0);
}

/* An offer the relay cannot take fails in the call, with the reason. */
static void test_refused_offer(Fixture *f, gconstpointer unused)
{
  g_autoptr(GError) error = NULL;
  g_assert_false(vt_relay_publish_offer(f->relay, "r1", "pa", "v=0\r\n", 1, 1, &error));
  g_assert_error(error, VT_RELAY_ERROR, VT_RELAY_ERROR_BAD_SDP);
  g_assert_true(g_str_has_prefix(error->message, "sdp_malformed: "));
}

/* Media off: every call says so. */
static void test_disabled(void)
{
  VtRelayConfig config = {.enabled = FALSE};
  g_autoptr(VtRelay) relay = vt_relay_new(&config, &events, NULL);
  g_autoptr(GError) error = NULL;
  g_assert_false(vt_relay_publish_offer(relay, "r1", "pa", "v=0\r\n", 1, 1, &error));
  g_assert_error(error, VT_RELAY_ERROR, VT_RELAY_ERROR_NOT_AVAILABLE);
  g_assert_false(vt_relay_add_tap(relay, "r1", "pa", "video", on_tap, NULL, NULL));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/relay/relay/tap", Fixture, NULL, setup, test_tap, teardown);
  g_test_add("/relay/relay/tap-without-track", Fixture, NULL, setup, test_tap_without_track,
             teardown);
  g_test_add("/relay/relay/refused-offer", Fixture, NULL, setup, test_refused_offer, teardown);
  g_test_add_func("/relay/relay/disabled", test_disabled);
  return g_test_run();
}
