/* Transport-wide congestion control feedback with fake time: what the relay
 * reports must be what arrived, read back by a decoder written from the
 * draft (support/twcc-decode.h), since a browser's bandwidth estimate is
 * built on it. */
#include "relay/twcc.h"
#include "tests/support/twcc-decode.h"

#define MS 1000
#define T0 (1000 * G_USEC_PER_SEC)
#define SENDER 0x11111111u
#define MEDIA 0x22222222u

static TwccFeedback fb;

/* Builds one feedback into a 1200-byte packet and decodes it. */
static void build_one(VtTwcc *t, gint64 now, size_t cap)
{
  uint8_t buf[1200];
  int len = vt_twcc_build(t, buf, MIN(cap, sizeof buf), SENDER, MEDIA, now);
  g_assert_cmpint(len, >, 0);
  g_assert_cmpint(len % 4, ==, 0);
  g_assert_cmpint(len, <=, (int)cap);
  g_assert_true(twcc_decode(buf, (size_t)len, &fb));
  g_assert_cmphex(fb.sender_ssrc, ==, SENDER);
  g_assert_cmphex(fb.media_ssrc, ==, MEDIA);
}

/* What a receiver can know of an arrival time: 250 us steps. */
static gint64 quantised(gint64 us)
{
  return us / 250 * 250;
}

static void test_in_order(void)
{
  VtTwcc t;
  vt_twcc_init(&t);
  g_assert_false(vt_twcc_due(&t, T0));
  for (guint i = 0; i < 10; i++)
    g_assert_false(vt_twcc_on_packet(&t, (guint16)(100 + i), T0 + 7 * MS + i * 1100));
  g_assert_true(vt_twcc_due(&t, T0 + 10 * MS));
  build_one(&t, T0 + 10 * MS, 1200);
  g_assert_cmpuint(fb.base, ==, 100);
  g_assert_cmpuint(fb.count, ==, 10);
  g_assert_cmpuint(fb.feedback_count, ==, 0);
  for (guint i = 0; i < 10; i++) {
    g_assert_true(fb.received[i]);
    g_assert_cmpint(fb.arrival_us[i], ==, quantised(T0 + 7 * MS + i * 1100));
  }
  /* Everything was reported: nothing more to send until packets come. */
  g_assert_false(vt_twcc_due(&t, T0 + 200 * MS));
  uint8_t buf[64];
  g_assert_cmpint(vt_twcc_build(&t, buf, sizeof buf, SENDER, MEDIA, T0), ==, 0);
}

static void test_losses_reported_as_not_received(void)
{
  VtTwcc t;
  vt_twcc_init(&t);
  for (guint i = 0; i < 40; i++)
    if (i != 3 && i != 4 && (i < 20 || i > 35))
      vt_twcc_on_packet(&t, (guint16)i, T0 + i * MS);
  build_one(&t, T0 + 50 * MS, 1200);
  g_assert_cmpuint(fb.base, ==, 0);
  g_assert_cmpuint(fb.count, ==, 40);
  for (guint i = 0; i < 40; i++) {
    gboolean lost = i == 3 || i == 4 || (i >= 20 && i <= 35);
    g_assert_cmpint(fb.received[i], ==, !lost);
    if (!lost)
      g_assert_cmpint(fb.arrival_us[i], ==, quantised(T0 + i * MS));
  }
}

/* A packet that arrives before an earlier-numbered one needs a negative
 * delta; one that follows a long pause a large one. */
static void test_reordered_and_late(void)
{
  VtTwcc t;
  vt_twcc_init(&t);
  vt_twcc_on_packet(&t, 65534, T0);
  vt_twcc_on_packet(&t, 0, T0 + 2 * MS); /* across the wrap */
  vt_twcc_on_packet(&t, 65535, T0 + 3 * MS);
  vt_twcc_on_packet(&t, 1, T0 + 900 * MS);
  vt_twcc_on_packet(&t, 1, T0 + 901 * MS); /* a duplicate */
  build_one(&t, T0 + 950 * MS, 1200);
  g_assert_cmpuint(fb.base, ==, 65534);
  g_assert_cmpuint(fb.count, ==, 4);
  g_assert_cmpint(fb.arrival_us[0], ==, quantised(T0));
  g_assert_cmpint(fb.arrival_us[1], ==, quantised(T0 + 3 * MS));
  g_assert_cmpint(fb.arrival_us[2], ==, quantised(T0 + 2 * MS));
  g_assert_cmpint(fb.arrival_us[3], ==, quantised(T0 + 900 * MS));
}

/* Before the first feedback a packet older than the first one seen is still
 * reported; after it, a packet behind what was reported is dropped. */
static void test_late_packets(void)
{
  VtTwcc t;
  vt_twcc_init(&t);
  vt_twcc_on_packet(&t, 10, T0);
  vt_twcc_on_packet(&t, 8, T0 + MS);
  build_one(&t, T0 + 60 * MS, 1200);
  g_assert_cmpuint(fb.base, ==, 8);
  g_assert_cmpuint(fb.count, ==, 3);
  g_assert_true(fb.received[0]);
  g_assert_false(fb.received[1]);
  g_assert_true(fb.received[2]);
  vt_twcc_on_packet(&t, 9, T0 + 70 * MS);
  g_assert_false(vt_twcc_due(&t, T0 + 200 * MS));
  vt_twcc_on_packet(&t, 11, T0 + 80 * MS);
  g_assert_false(vt_twcc_due(&t, T0 + 100 * MS)); /* 50 ms after the last */
  g_assert_true(vt_twcc_due(&t, T0 + 110 * MS));
  build_one(&t, T0 + 110 * MS, 1200);
  g_assert_cmpuint(fb.base, ==, 11);
  g_assert_cmpuint(fb.count, ==, 1);
  g_assert_cmpuint(fb.feedback_count, ==, 1);
}

/* Two arrivals more than 8 s apart cannot share a feedback. */
static void test_long_pause_splits(void)
{
  VtTwcc t;
  vt_twcc_init(&t);
  vt_twcc_on_packet(&t, 1, T0);
  vt_twcc_on_packet(&t, 2, T0 + 9 * G_USEC_PER_SEC);
  build_one(&t, T0 + 9 * G_USEC_PER_SEC, 1200);
  g_assert_cmpuint(fb.count, ==, 1);
  g_assert_cmpint(fb.arrival_us[0], ==, quantised(T0));
  build_one(&t, T0 + 9 * G_USEC_PER_SEC, 1200);
  g_assert_cmpuint(fb.base, ==, 2);
  g_assert_cmpint(fb.arrival_us[0], ==, quantised(T0 + 9 * G_USEC_PER_SEC));
}

/* Nobody sent feedback for a while: the recorder asks for it when half its
 * window waits, and keeps the newest when the window overflows. */
static void test_window(void)
{
  VtTwcc t;
  vt_twcc_init(&t);
  guint asked_at = 0;
  for (guint i = 0; i < VT_TWCC_WINDOW + 100; i++)
    if (vt_twcc_on_packet(&t, (guint16)i, T0 + i * 100) && !asked_at)
      asked_at = i + 1;
  g_assert_cmpuint(asked_at, ==, VT_TWCC_WINDOW / 2);
  guint reported = 0;
  guint16 first = 0;
  for (gboolean start = TRUE; vt_twcc_due(&t, T0 + G_USEC_PER_SEC); start = FALSE) {
    build_one(&t, T0 + G_USEC_PER_SEC - VT_TWCC_INTERVAL_US, 1200);
    if (start)
      first = fb.base;
    reported += fb.count;
  }
  g_assert_cmpuint(first, ==, 100);
  g_assert_cmpuint(reported, ==, VT_TWCC_WINDOW);
}

/* Random loss, reordering, duplicates and feedback sizes: every packet is
 * reported once, as received with its time if it came before its report,
 * and nothing that never came is reported as received. */
static void test_random(void)
{
  GRand *rand = g_rand_new_with_seed(42);
  for (guint round = 0; round < 50; round++) {
    VtTwcc t;
    vt_twcc_init(&t);
    guint16 start = (guint16)g_rand_int(rand);
    guint n = 1 + g_rand_int_range(rand, 0, 3000);
    gint64 *sent_at = g_new0(gint64, n);
    gint64 *reported_at = g_new0(gint64, n); /* 0: not yet, -1: as lost */
    gint64 now = T0;
    guint16 expect_base = start;
    gboolean any_report = FALSE;
    for (guint i = 0; i < n || vt_twcc_due(&t, now + VT_TWCC_INTERVAL_US); i++) {
      now += g_rand_int_range(rand, 0, 3 * MS);
      if (i < n && g_rand_int_range(rand, 0, 10) > 0) {
        /* mostly in order, sometimes a few back */
        guint k = i >= 3 && g_rand_int_range(rand, 0, 8) == 0 ? i - g_rand_int_range(rand, 1, 4) : i;
        if (!sent_at[k])
          sent_at[k] = now;
        vt_twcc_on_packet(&t, (guint16)(start + k), now);
      }
      if (vt_twcc_due(&t, now) && g_rand_int_range(rand, 0, 3) == 0) {
        build_one(&t, now, g_rand_int_range(rand, 40, 1200));
        if (any_report)
          g_assert_cmpuint(fb.base, ==, expect_base);
        any_report = TRUE;
        for (guint j = 0; j < fb.count; j++) {
          guint k = (guint16)(fb.base + j - start);
          g_assert_cmpuint(k, <, n);
          g_assert_cmpint(reported_at[k], ==, 0);
          g_assert_true(!fb.received[j] || sent_at[k]);
          reported_at[k] = fb.received[j] ? fb.arrival_us[j] : -1;
          if (fb.received[j])
            g_assert_cmpint(fb.arrival_us[j] % (64 * MS * (gint64)1 << 24), ==,
                            quantised(sent_at[k]) % (64 * MS * (gint64)1 << 24));
        }
        expect_base = (guint16)(fb.base + fb.count);
      }
    }
    g_free(sent_at);
    g_free(reported_at);
  }
  g_rand_free(rand);
}

int main(int argc, char *argv[])
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/twcc/in-order", test_in_order);
  g_test_add_func("/twcc/losses-reported-as-not-received", test_losses_reported_as_not_received);
  g_test_add_func("/twcc/reordered-and-late", test_reordered_and_late);
  g_test_add_func("/twcc/late-packets", test_late_packets);
  g_test_add_func("/twcc/long-pause-splits", test_long_pause_splits);
  g_test_add_func("/twcc/window", test_window);
  g_test_add_func("/twcc/random", test_random);
  return g_test_run();
}
