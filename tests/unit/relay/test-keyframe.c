/* Keyframe request pacing with fake time: subscribers' requests merged to
 * one per 500 ms, a joiner's sent at once unless one is being answered, a
 * waiting subscriber's repeated until its keyframe comes. */
#include "relay/keyframe.h"

#define MS 1000                    /* microseconds */
#define T0 (1000 * G_USEC_PER_SEC) /* any monotonic time */

/* The pacer as forward.c drives it: a request that should go out goes out. */
static gboolean request(VtKeyframePacer *k, gint64 now, gboolean joining)
{
  if (!vt_keyframe_pacer_request(k, now, joining))
    return FALSE;
  vt_keyframe_pacer_sent(k, now);
  return TRUE;
}

static gboolean tick(VtKeyframePacer *k, gint64 now, gboolean waiting)
{
  if (!vt_keyframe_pacer_due(k, now, waiting))
    return FALSE;
  vt_keyframe_pacer_sent(k, now);
  return TRUE;
}

/* Runs the room's 20 ms tick from `from` to `to` (exclusive) and records
 * when requests went out (ms after T0) in `sent`. */
static void ticks(VtKeyframePacer *k, gint64 from, gint64 to, gboolean waiting, GArray *sent)
{
  for (gint64 now = from; now < to; now += 20 * MS)
    if (tick(k, now, waiting)) {
      gint64 ms = (now - T0) / MS;
      g_array_append_val(sent, ms);
    }
}

static void test_first_request_at_once(void)
{
  VtKeyframePacer k;
  vt_keyframe_pacer_init(&k);
  g_assert_true(request(&k, T0, FALSE));
  vt_keyframe_pacer_init(&k);
  g_assert_true(request(&k, T0, TRUE));
  g_assert_false(k.pending);
}

/* PLIs from subscribers: the second within 500 ms waits for the 500 ms to
 * be up; a keyframe that comes meanwhile answers it. */
static void test_merged(void)
{
  VtKeyframePacer k;
  g_autoptr(GArray) sent = g_array_new(FALSE, FALSE, sizeof(gint64));
  vt_keyframe_pacer_init(&k);

  g_assert_true(request(&k, T0, FALSE));
  g_assert_false(request(&k, T0 + 100 * MS, FALSE));
  g_assert_false(request(&k, T0 + 200 * MS, FALSE));
  g_assert_true(k.pending);
  ticks(&k, T0 + 120 * MS, T0 + 1000 * MS, FALSE, sent);
  g_assert_cmpuint(sent->len, ==, 1);
  g_assert_cmpint(g_array_index(sent, gint64, 0), ==, 500);

  /* Pending again, but the keyframe comes first: nothing more goes out. */
  g_array_set_size(sent, 0);
  g_assert_false(request(&k, T0 + 700 * MS, FALSE));
  vt_keyframe_pacer_keyframe(&k, T0 + 750 * MS);
  g_assert_false(k.pending);
  ticks(&k, T0 + 760 * MS, T0 + 3000 * MS, FALSE, sent);
  g_assert_cmpuint(sent->len, ==, 0);
}

/* A joiner: at once after a request that was answered, even a recent one;
 * not while one is being answered (sent after the last keyframe, under
 * 300 ms ago), whose keyframe serves it too. */
static void test_joining(void)
{
  VtKeyframePacer k;
  vt_keyframe_pacer_init(&k);

  g_assert_true(request(&k, T0, FALSE));
  g_assert_false(request(&k, T0 + 100 * MS, TRUE)); /* outstanding */
  g_assert_true(k.pending);
  vt_keyframe_pacer_keyframe(&k, T0 + 150 * MS);
  g_assert_false(k.pending);
  g_assert_true(request(&k, T0 + 200 * MS, TRUE)); /* answered: at once */
  /* Unanswered but 300 ms old: no longer counted on. */
  g_assert_true(request(&k, T0 + 500 * MS, TRUE));
}

/* A request that could not go out stays pending and goes out later. */
static void test_deferred(void)
{
  VtKeyframePacer k;
  vt_keyframe_pacer_init(&k);
  g_assert_true(vt_keyframe_pacer_request(&k, T0, TRUE));
  vt_keyframe_pacer_defer(&k, T0); /* the publisher's transport was not up */
  g_assert_true(k.pending);
  g_assert_true(tick(&k, T0 + 20 * MS, FALSE));
  g_assert_false(k.pending);
}

/* Nobody waits and nothing is pending: no request, however long. */
static void test_idle(void)
{
  VtKeyframePacer k;
  g_autoptr(GArray) sent = g_array_new(FALSE, FALSE, sizeof(gint64));
  vt_keyframe_pacer_init(&k);
  ticks(&k, T0, T0 + 10 * G_USEC_PER_SEC, FALSE, sent);
  g_assert_cmpuint(sent->len, ==, 0);
}

static void assert_sent(GArray *sent, const gint64 *expect, guint n)
{
  for (guint i = 0; i < sent->len; i++)
    g_test_message("request at %" G_GINT64_FORMAT " ms", g_array_index(sent, gint64, i));
  g_assert_cmpuint(sent->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint(g_array_index(sent, gint64, i), ==, expect[i]);
}

/* A joiner whose request the publisher ignores (Chromium drops one within
 * 300 ms of the last it honoured): asked again after 200 ms, and again,
 * not after 500; then, while nothing comes, every 500 ms. A keyframe ends
 * the repeats, and the next joiner gets the quick ones again. */
static void test_waiting_repeated_sooner(void)
{
  static const gint64 first[] = {200, 400, 900, 1400, 1900};
  static const gint64 second[] = {3300, 3500};
  VtKeyframePacer k;
  g_autoptr(GArray) sent = g_array_new(FALSE, FALSE, sizeof(gint64));
  vt_keyframe_pacer_init(&k);

  g_assert_true(request(&k, T0, TRUE));
  ticks(&k, T0 + 20 * MS, T0 + 2000 * MS, TRUE, sent);
  assert_sent(sent, first, G_N_ELEMENTS(first));

  vt_keyframe_pacer_keyframe(&k, T0 + 2000 * MS);
  g_array_set_size(sent, 0);
  ticks(&k, T0 + 2020 * MS, T0 + 3000 * MS, FALSE, sent);
  g_assert_cmpuint(sent->len, ==, 0);

  g_assert_true(request(&k, T0 + 3100 * MS, TRUE)); /* the last request was answered */
  ticks(&k, T0 + 3120 * MS, T0 + 3600 * MS, TRUE, sent);
  vt_keyframe_pacer_keyframe(&k, T0 + 3600 * MS);
  ticks(&k, T0 + 3620 * MS, T0 + 5000 * MS, FALSE, sent);
  assert_sent(sent, second, G_N_ELEMENTS(second));
}

/* The bound: a subscriber that waits for good (the publisher answers
 * nothing) brings at most four requests in any second and two a second
 * after the first, however long it waits; subscribers' PLIs meanwhile are
 * still merged to one per 500 ms. */
static void test_waiting_bounded(void)
{
  VtKeyframePacer k;
  g_autoptr(GArray) sent = g_array_new(FALSE, FALSE, sizeof(gint64));
  vt_keyframe_pacer_init(&k);

  g_assert_true(request(&k, T0, TRUE));
  gint64 at = 0;
  g_array_append_val(sent, at);
  ticks(&k, T0 + 20 * MS, T0 + 60 * G_USEC_PER_SEC, TRUE, sent);
  for (guint i = 0; i < sent->len; i++) {
    gint64 from = g_array_index(sent, gint64, i);
    guint in_second = 0;
    for (guint j = i; j < sent->len && g_array_index(sent, gint64, j) < from + 1000; j++)
      in_second++;
    g_assert_cmpuint(in_second, <=, 4);
    if (i > 0)
      g_assert_cmpint(from - g_array_index(sent, gint64, i - 1), >=, 200);
    if (from >= 1000)
      g_assert_cmpuint(in_second, <=, 2);
  }
  g_assert_cmpuint(sent->len, <=, 4 + 2 * 59);

  /* PLIs every 20 ms on top of the repeats. */
  g_array_set_size(sent, 0);
  for (gint64 now = T0 + 60 * G_USEC_PER_SEC; now < T0 + 62 * G_USEC_PER_SEC; now += 20 * MS) {
    if (request(&k, now, FALSE) || tick(&k, now, TRUE)) {
      gint64 ms = (now - T0) / MS;
      g_array_append_val(sent, ms);
    }
  }
  for (guint i = 1; i < sent->len; i++)
    g_assert_cmpint(g_array_index(sent, gint64, i) - g_array_index(sent, gint64, i - 1), >=, 500);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/relay/keyframe/first-request-at-once", test_first_request_at_once);
  g_test_add_func("/relay/keyframe/merged", test_merged);
  g_test_add_func("/relay/keyframe/joining", test_joining);
  g_test_add_func("/relay/keyframe/deferred", test_deferred);
  g_test_add_func("/relay/keyframe/idle", test_idle);
  g_test_add_func("/relay/keyframe/waiting-repeated-sooner", test_waiting_repeated_sooner);
  g_test_add_func("/relay/keyframe/waiting-bounded", test_waiting_bounded);
  return g_test_run();
}
