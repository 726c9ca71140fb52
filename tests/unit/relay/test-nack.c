/* The retransmission cache and the uplink loss tracker, driven with made-up
 * packets and a clock that the tests move by hand. */
#include <errno.h>
#include <string.h>

#include "relay/nack.h"

#define MS 1000

/* ---- Retransmission cache ------------------------------------------------ */

/* Fills `buf` with a recognisable packet for `seq` and returns its length. */
static size_t make_packet(uint8_t *buf, guint16 seq)
{
  size_t len = 100 + seq % 700;
  for (size_t i = 0; i < len; i++)
    buf[i] = (uint8_t)(seq * 31 + i);
  return len;
}

static void put_seq(VtRtxCache *cache, guint16 seq, gint64 now)
{
  uint8_t buf[VT_RTX_MAX_PACKET];
  size_t len = make_packet(buf, seq);
  g_assert_cmpint(vt_rtx_cache_put(cache, buf, len, seq, now), ==, 0);
}

/* Gets `seq` and checks that it is the packet put_seq stored. */
static int get_seq(VtRtxCache *cache, guint16 seq, gint64 now)
{
  const uint8_t *pkt = NULL;
  size_t len = 0;
  int r = vt_rtx_cache_get(cache, seq, now, VT_RTX_DEFAULT_MAX_AGE_US, &pkt, &len);
  if (r == 0) {
    uint8_t want[VT_RTX_MAX_PACKET];
    size_t want_len = make_packet(want, seq);
    g_assert_cmpmem(pkt, len, want, want_len);
  }
  return r;
}

static void test_cache_put_get(void)
{
  g_autoptr(VtRtxCache) cache = vt_rtx_cache_new(0);
  const uint8_t *pkt;
  size_t len;

  g_assert_cmpint(vt_rtx_cache_get(cache, 1, 0, G_USEC_PER_SEC, &pkt, &len), ==, -ENOENT);
  for (guint16 seq = 1000; seq < 1010; seq++)
    put_seq(cache, seq, seq);
  for (guint16 seq = 1000; seq < 1010; seq++)
    g_assert_cmpint(get_seq(cache, seq, 100 * MS), ==, 0);
  g_assert_cmpint(get_seq(cache, 999, 100 * MS), ==, -ENOENT);  /* never received */
  g_assert_cmpint(get_seq(cache, 1010, 100 * MS), ==, -ENOENT); /* ahead of the newest */
  /* The default capacity keeps 1024 seqs. */
  for (guint seq = 1010; seq < 1000 + 1024; seq++)
    put_seq(cache, (guint16)seq, 150 * MS);
  g_assert_cmpint(get_seq(cache, 1001, 200 * MS), ==, 0);
  put_seq(cache, 1000 + 1024, 200 * MS);
  g_assert_cmpint(get_seq(cache, 1000, 300 * MS), ==, -ENOENT);
}

static void test_cache_overwrite(void)
{
  g_autoptr(VtRtxCache) cache = vt_rtx_cache_new(16);
  uint8_t buf[VT_RTX_MAX_PACKET];
  size_t len = make_packet(buf, 10);

  put_seq(cache, 10, 0);
  put_seq(cache, 26, 0); /* same slot */
  g_assert_cmpint(get_seq(cache, 10, 0), ==, -ENOENT);
  g_assert_cmpint(get_seq(cache, 26, 0), ==, 0);
  /* A very late 10 must not take the slot back from 26. */
  g_assert_cmpint(vt_rtx_cache_put(cache, buf, len, 10, 1 * MS), ==, -ESTALE);
  g_assert_cmpint(get_seq(cache, 10, 20 * MS), ==, -ENOENT);
  g_assert_cmpint(get_seq(cache, 26, 20 * MS), ==, 0);
  /* A late packet inside the window is stored. */
  put_seq(cache, 20, 21 * MS);
  g_assert_cmpint(get_seq(cache, 20, 21 * MS), ==, 0);
  /* A newer seq two laps ahead replaces 26's slot too. */
  put_seq(cache, 42, 22 * MS);
  g_assert_cmpint(get_seq(cache, 26, 40 * MS), ==, -ENOENT);
  g_assert_cmpint(get_seq(cache, 20, 40 * MS), ==, -ENOENT); /* now 22 behind */
}

static void test_cache_max_age(void)
{
  g_autoptr(VtRtxCache) cache = vt_rtx_cache_new(64);
  const uint8_t *pkt;
  size_t len;

  vt_rtx_cache_set_resend_interval(cache, 0);
  put_seq(cache, 5, 1000);
  g_assert_cmpint(vt_rtx_cache_get(cache, 5, 1000 + 300 * MS, 300 * MS, &pkt, &len), ==, 0);
  g_assert_cmpint(vt_rtx_cache_get(cache, 5, 1001 + 300 * MS, 300 * MS, &pkt, &len), ==, -ENOENT);
  g_assert_cmpint(get_seq(cache, 5, 1000 + G_USEC_PER_SEC), ==, 0);
  g_assert_cmpint(get_seq(cache, 5, 1001 + G_USEC_PER_SEC), ==, -ENOENT);
}

static void test_cache_wrap(void)
{
  g_autoptr(VtRtxCache) cache = vt_rtx_cache_new(16);

  for (guint i = 0; i < 12; i++)
    put_seq(cache, (guint16)(65530 + i), i); /* 65530 .. 65535, 0 .. 5 */
  for (guint i = 0; i < 12; i++)
    g_assert_cmpint(get_seq(cache, (guint16)(65530 + i), 100 * MS), ==, 0);
  g_assert_cmpint(get_seq(cache, 6, 100 * MS), ==, -ENOENT);
  /* 6 .. 13 take the slots of 65530 .. 65533: the window is 65534 .. 13. */
  for (guint16 seq = 6; seq < 14; seq++)
    put_seq(cache, seq, 200 * MS);
  g_assert_cmpint(get_seq(cache, 65533, 300 * MS), ==, -ENOENT);
  g_assert_cmpint(get_seq(cache, 65534, 300 * MS), ==, 0);
  g_assert_cmpint(get_seq(cache, 0, 300 * MS), ==, 0);
  g_assert_cmpint(get_seq(cache, 13, 300 * MS), ==, 0);
  /* A late copy of 65535 is still inside the window and is accepted. */
  put_seq(cache, 65535, 400 * MS);
  g_assert_cmpint(get_seq(cache, 65535, 400 * MS), ==, 0);
}

static void test_cache_oversize(void)
{
  g_autoptr(VtRtxCache) cache = vt_rtx_cache_new(16);
  static uint8_t big[VT_RTX_MAX_PACKET + 1];
  const uint8_t *pkt;
  size_t len;

  g_assert_cmpint(vt_rtx_cache_put(cache, big, sizeof big, 1, 0), ==, -EMSGSIZE);
  g_assert_cmpint(vt_rtx_cache_get(cache, 1, 0, G_USEC_PER_SEC, &pkt, &len), ==, -ENOENT);
  g_assert_cmpint(vt_rtx_cache_put(cache, big, 0, 1, 0), ==, -EINVAL);
  big[VT_RTX_MAX_PACKET - 1] = 0xab;
  g_assert_cmpint(vt_rtx_cache_put(cache, big, VT_RTX_MAX_PACKET, 1, 0), ==, 0);
  g_assert_cmpint(vt_rtx_cache_get(cache, 1, 0, G_USEC_PER_SEC, &pkt, &len), ==, 0);
  g_assert_cmpuint(len, ==, VT_RTX_MAX_PACKET);
  g_assert_cmpuint(pkt[VT_RTX_MAX_PACKET - 1], ==, 0xab);
}

static void test_cache_rate_limit(void)
{
  g_autoptr(VtRtxCache) cache = vt_rtx_cache_new(16);

  put_seq(cache, 1, 0);
  put_seq(cache, 2, 0);
  g_assert_cmpint(get_seq(cache, 1, 100 * MS), ==, 0);
  g_assert_cmpint(get_seq(cache, 1, 105 * MS), ==, -EAGAIN);
  g_assert_cmpint(get_seq(cache, 2, 105 * MS), ==, 0); /* per seq */
  g_assert_cmpint(get_seq(cache, 1, 110 * MS - 1), ==, -EAGAIN);
  g_assert_cmpint(get_seq(cache, 1, 110 * MS), ==, 0);
  g_assert_cmpint(get_seq(cache, 1, 111 * MS), ==, -EAGAIN);

  vt_rtx_cache_set_resend_interval(cache, 50 * MS);
  g_assert_cmpint(get_seq(cache, 1, 150 * MS), ==, -EAGAIN);
  g_assert_cmpint(get_seq(cache, 1, 160 * MS), ==, 0);
  vt_rtx_cache_set_resend_interval(cache, 0);
  g_assert_cmpint(get_seq(cache, 1, 160 * MS), ==, 0);
  g_assert_cmpint(get_seq(cache, 1, 160 * MS), ==, 0);
}

static void test_cache_restart(void)
{
  g_autoptr(VtRtxCache) cache = vt_rtx_cache_new(16);
  uint8_t buf[VT_RTX_MAX_PACKET];
  size_t len = make_packet(buf, 39000);

  put_seq(cache, 40000, 0);
  /* Far behind while the stream is live: refused. */
  g_assert_cmpint(vt_rtx_cache_put(cache, buf, len, 39000, 500 * MS), ==, -ESTALE);
  /* The same after a pause of a second: a restarted numbering. */
  g_assert_cmpint(vt_rtx_cache_put(cache, buf, len, 39000, G_USEC_PER_SEC), ==, 0);
  put_seq(cache, 39001, G_USEC_PER_SEC);
  g_assert_cmpint(get_seq(cache, 39000, G_USEC_PER_SEC), ==, 0);
  g_assert_cmpint(get_seq(cache, 39001, G_USEC_PER_SEC), ==, 0);
  g_assert_cmpint(get_seq(cache, 40000, G_USEC_PER_SEC), ==, -ENOENT);
}

/* ---- Loss tracker -------------------------------------------------------- */

static VtLossStats stats_of(VtLossTracker *t)
{
  VtLossStats s;
  vt_loss_tracker_get_stats(t, &s);
  return s;
}

/* Polls at `now` and checks that exactly `n` seqs, the `want` ones, come out. */
static void assert_poll(VtLossTracker *t, gint64 now, const guint16 *want, guint n)
{
  guint16 out[64];
  guint got = vt_loss_tracker_poll(t, now, out, G_N_ELEMENTS(out));
  g_assert_cmpuint(got, ==, n);
  if (n > 0)
    g_assert_cmpmem(out, got * sizeof out[0], want, n * sizeof want[0]);
}

static void test_loss_in_order(void)
{
  g_autoptr(VtLossTracker) t = vt_loss_tracker_new();

  for (guint i = 0; i < 70000; i++)
    g_assert_false(vt_loss_tracker_on_packet(t, (guint16)(60000 + i), i * MS));
  assert_poll(t, 70000 * MS, NULL, 0);
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, G_MAXINT64);
  VtLossStats s = stats_of(t);
  g_assert_cmpuint(s.received, ==, 70000);
  g_assert_cmpuint(s.lost + s.recovered + s.reordered + s.nacks_sent + s.resets, ==, 0);
}

static void test_loss_single_retries(void)
{
  g_autoptr(VtLossTracker) t = vt_loss_tracker_new();
  const guint16 want[] = {101};

  vt_loss_tracker_on_packet(t, 100, 0);
  vt_loss_tracker_on_packet(t, 102, 0);
  /* Within the reorder allowance: nothing yet. */
  assert_poll(t, 0, NULL, 0);
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, 5 * MS);
  assert_poll(t, 5 * MS, want, 1);
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, 25 * MS);
  assert_poll(t, 25 * MS - 1, NULL, 0);
  assert_poll(t, 25 * MS, want, 1);
  assert_poll(t, 45 * MS, want, 1);
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, 65 * MS);
  assert_poll(t, 65 * MS, want, 1);
  /* 1 + 3 NACKs: given up. */
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, G_MAXINT64);
  assert_poll(t, 200 * MS, NULL, 0);
  g_assert_cmpuint(stats_of(t).nacks_sent, ==, 4);
  g_assert_cmpuint(stats_of(t).lost, ==, 0); /* lost once it leaves the window */
  assert_poll(t, G_USEC_PER_SEC + 1, NULL, 0);
  g_assert_cmpuint(stats_of(t).lost, ==, 1);
  g_assert_false(vt_loss_tracker_on_packet(t, 101, G_USEC_PER_SEC + 2));
  g_assert_cmpuint(stats_of(t).recovered, ==, 0);
}

static void test_loss_retry_settings(void)
{
  g_autoptr(VtLossTracker) t = vt_loss_tracker_new();
  const guint16 want[] = {11};

  vt_loss_tracker_set_reorder_allowance(t, 0, 0);
  vt_loss_tracker_set_max_retries(t, 1);
  vt_loss_tracker_set_rtt(t, 80 * MS);
  vt_loss_tracker_on_packet(t, 10, 0);
  vt_loss_tracker_on_packet(t, 12, 0);
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, 0); /* at once */
  assert_poll(t, 0, want, 1);
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, 80 * MS); /* spaced by the RTT */
  vt_loss_tracker_set_rtt(t, 1 * MS);
  assert_poll(t, 80 * MS, want, 1);
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, G_MAXINT64);

  /* A tiny RTT is floored; without one the retry interval applies. */
  vt_loss_tracker_set_max_retries(t, 3);
  vt_loss_tracker_on_packet(t, 14, 100 * MS);
  assert_poll(t, 100 * MS, (const guint16[]){13}, 1);
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, 100 * MS + VT_LOSS_MIN_RETRY_INTERVAL_US);
  vt_loss_tracker_set_rtt(t, 0);
  vt_loss_tracker_set_retry_interval(t, 30 * MS);
  assert_poll(t, 105 * MS, (const guint16[]){13}, 1);
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, 135 * MS);
}

static void test_loss_late_fill(void)
{
  g_autoptr(VtLossTracker) t = vt_loss_tracker_new();
  const guint16 want[] = {101};

  vt_loss_tracker_on_packet(t, 100, 0);
  vt_loss_tracker_on_packet(t, 102, 1 * MS);
  assert_poll(t, 6 * MS, want, 1);
  g_assert_true(vt_loss_tracker_on_packet(t, 101, 15 * MS));
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, G_MAXINT64);
  assert_poll(t, 100 * MS, NULL, 0);
  g_assert_false(vt_loss_tracker_on_packet(t, 101, 101 * MS)); /* a duplicate */
  VtLossStats s = stats_of(t);
  g_assert_cmpuint(s.received, ==, 4);
  g_assert_cmpuint(s.recovered, ==, 1);
  g_assert_cmpuint(s.nacks_sent, ==, 1);
  g_assert_cmpuint(s.lost, ==, 0);
}

static void test_loss_given_up_then_arrives(void)
{
  g_autoptr(VtLossTracker) t = vt_loss_tracker_new();
  guint16 out[4];

  vt_loss_tracker_on_packet(t, 1, 0);
  vt_loss_tracker_on_packet(t, 3, 0);
  for (gint64 now = 0; now < 200 * MS; now += MS)
    vt_loss_tracker_poll(t, now, out, G_N_ELEMENTS(out));
  g_assert_cmpuint(stats_of(t).nacks_sent, ==, 4);
  g_assert_true(vt_loss_tracker_on_packet(t, 2, 300 * MS));
  g_assert_cmpuint(stats_of(t).recovered, ==, 1);
  assert_poll(t, 2 * G_USEC_PER_SEC, NULL, 0);
  g_assert_cmpuint(stats_of(t).lost, ==, 0);
}

static void test_loss_burst(void)
{
  g_autoptr(VtLossTracker) t = vt_loss_tracker_new();
  guint16 want[10], out[4];

  for (guint i = 0; i < 10; i++)
    want[i] = (guint16)(101 + i);
  vt_loss_tracker_on_packet(t, 100, 0);
  vt_loss_tracker_on_packet(t, 111, 0);
  assert_poll(t, 5 * MS, want, 10); /* one batch, oldest first */
  /* A small output buffer: the rest stays due. */
  g_assert_cmpuint(vt_loss_tracker_poll(t, 25 * MS, out, 4), ==, 4);
  g_assert_cmpmem(out, sizeof out, want, sizeof out);
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), <=, 25 * MS);
  assert_poll(t, 26 * MS, want + 4, 6);
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, 45 * MS);
  for (guint16 seq = 101; seq <= 105; seq++)
    g_assert_true(vt_loss_tracker_on_packet(t, seq, 30 * MS));
  assert_poll(t, 46 * MS, want + 5, 5);
  g_assert_cmpuint(stats_of(t).recovered, ==, 5);
  g_assert_cmpuint(stats_of(t).nacks_sent, ==, 25);
}

static void test_loss_reorder(void)
{
  g_autoptr(VtLossTracker) t = vt_loss_tracker_new();

  /* An adjacent swap within the allowance: never NACKed. */
  vt_loss_tracker_on_packet(t, 100, 0);
  vt_loss_tracker_on_packet(t, 102, 0);
  assert_poll(t, 1 * MS, NULL, 0);
  g_assert_false(vt_loss_tracker_on_packet(t, 101, 2 * MS));
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, G_MAXINT64);
  assert_poll(t, 50 * MS, NULL, 0);
  g_assert_cmpuint(stats_of(t).reordered, ==, 1);
  g_assert_cmpuint(stats_of(t).nacks_sent, ==, 0);

  /* Two more packets after the revealing one end the allowance early. */
  vt_loss_tracker_on_packet(t, 104, 100 * MS);
  vt_loss_tracker_on_packet(t, 105, 100 * MS);
  assert_poll(t, 100 * MS, NULL, 0);
  vt_loss_tracker_on_packet(t, 106, 100 * MS);
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, 100 * MS);
  assert_poll(t, 100 * MS, (const guint16[]){103}, 1);
}

static void test_loss_wrap(void)
{
  g_autoptr(VtLossTracker) t = vt_loss_tracker_new();
  const guint16 want[] = {65534, 65535};

  vt_loss_tracker_on_packet(t, 65533, 0);
  vt_loss_tracker_on_packet(t, 0, 0);
  assert_poll(t, 5 * MS, want, 2);
  g_assert_true(vt_loss_tracker_on_packet(t, 65535, 10 * MS));
  vt_loss_tracker_on_packet(t, 1, 10 * MS);
  assert_poll(t, 25 * MS, want, 1);
  /* A gap that straddles the wrap, seen from above it. */
  vt_loss_tracker_on_packet(t, 3, 30 * MS);
  g_assert_true(vt_loss_tracker_on_packet(t, 65534, 31 * MS));
  assert_poll(t, 40 * MS, (const guint16[]){2}, 1);
  g_assert_cmpuint(stats_of(t).recovered, ==, 2);
  g_assert_cmpuint(stats_of(t).resets, ==, 0);
}

static void test_loss_huge_jump(void)
{
  g_autoptr(VtLossTracker) t = vt_loss_tracker_new();

  vt_loss_tracker_on_packet(t, 100, 0);
  vt_loss_tracker_on_packet(t, 102, 0);
  vt_loss_tracker_on_packet(t, 100 + 5000, 1 * MS);
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, G_MAXINT64);
  assert_poll(t, 10 * MS, NULL, 0);
  VtLossStats s = stats_of(t);
  g_assert_cmpuint(s.resets, ==, 1);
  g_assert_cmpuint(s.lost, ==, 1); /* 101; nothing in the jump counts */
  g_assert_cmpuint(s.nacks_sent, ==, 0);
  /* Tracking goes on from the new position... */
  vt_loss_tracker_on_packet(t, 5102, 20 * MS);
  assert_poll(t, 25 * MS, (const guint16[]){5101}, 1);
  /* ...and a jump far back resets too. */
  vt_loss_tracker_on_packet(t, 10, 30 * MS);
  vt_loss_tracker_on_packet(t, 11, 30 * MS);
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, G_MAXINT64);
  g_assert_cmpuint(stats_of(t).resets, ==, 2);
  g_assert_cmpuint(stats_of(t).lost, ==, 2);
}

static void test_loss_window(void)
{
  g_autoptr(VtLossTracker) t = vt_loss_tracker_new();
  guint16 out[1100];

  /* A jump of 1500: only the newest VT_LOSS_WINDOW seqs are NACKed. */
  vt_loss_tracker_on_packet(t, 100, 0);
  vt_loss_tracker_on_packet(t, 1600, 0);
  g_assert_cmpuint(stats_of(t).lost, ==, 499);
  g_assert_cmpuint(vt_loss_tracker_poll(t, 5 * MS, out, G_N_ELEMENTS(out)), ==, VT_LOSS_WINDOW);
  g_assert_cmpuint(out[0], ==, 600);
  g_assert_cmpuint(out[VT_LOSS_WINDOW - 1], ==, 1599);
  /* Moving on by 500 pushes 600 .. 1099 out of the window. */
  vt_loss_tracker_on_packet(t, 2100, 10 * MS);
  g_assert_cmpuint(stats_of(t).lost, ==, 499 + 500);
  g_assert_false(vt_loss_tracker_on_packet(t, 1000, 11 * MS)); /* too late to count */
  g_assert_true(vt_loss_tracker_on_packet(t, 1100, 11 * MS));
  /* Age: a second after it was seen, a missing seq is forgotten. */
  assert_poll(t, 10 * MS + G_USEC_PER_SEC + 1, NULL, 0);
  g_assert_cmpint(vt_loss_tracker_next_deadline(t), ==, G_MAXINT64);
  VtLossStats s = stats_of(t);
  g_assert_cmpuint(s.lost, ==, 499 + 500 + 499 + 499); /* 1101 .. 1599, 1601 .. 2099 */
  g_assert_cmpuint(s.recovered, ==, 1);
  g_assert_cmpuint(s.received, ==, 5);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/nack/cache/put-get", test_cache_put_get);
  g_test_add_func("/nack/cache/overwrite", test_cache_overwrite);
  g_test_add_func("/nack/cache/max-age", test_cache_max_age);
  g_test_add_func("/nack/cache/wrap", test_cache_wrap);
  g_test_add_func("/nack/cache/oversize", test_cache_oversize);
  g_test_add_func("/nack/cache/rate-limit", test_cache_rate_limit);
  g_test_add_func("/nack/cache/restart", test_cache_restart);
  g_test_add_func("/nack/loss/in-order", test_loss_in_order);
  g_test_add_func("/nack/loss/single-retries", test_loss_single_retries);
  g_test_add_func("/nack/loss/retry-settings", test_loss_retry_settings);
  g_test_add_func("/nack/loss/late-fill", test_loss_late_fill);
  g_test_add_func("/nack/loss/given-up-then-arrives", test_loss_given_up_then_arrives);
  g_test_add_func("/nack/loss/burst", test_loss_burst);
  g_test_add_func("/nack/loss/reorder", test_loss_reorder);
  g_test_add_func("/nack/loss/wrap", test_loss_wrap);
  g_test_add_func("/nack/loss/huge-jump", test_loss_huge_jump);
  g_test_add_func("/nack/loss/window", test_loss_window);
  return g_test_run();
}
