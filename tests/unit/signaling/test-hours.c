/* Opening hours: the parser, open/closed at the edges, the next opening and
 * the readable form (which must read back to the same hours). */
#include <string.h>

#include "signaling/hours.h"

#define MON 0
#define TUE 1
#define FRI 4
#define SAT 5
#define SUN 6
#define HM(h, m) ((h)*60 + (m))

static VtHours *parse_ok(const char *text)
{
  g_autoptr(GError) error = NULL;
  VtHours *hours = vt_hours_parse(text, strlen(text), &error);
  g_assert_no_error(error);
  g_assert_nonnull(hours);
  return hours;
}

static void test_weekdays_and_saturday(void)
{
  g_autoptr(VtHours) h = parse_ok("mon-fri 09:00-18:00; sat 10:00-16:00");
  g_assert_false(vt_hours_is_open(h, MON, HM(8, 59)));
  g_assert_true(vt_hours_is_open(h, MON, HM(9, 0)));
  g_assert_true(vt_hours_is_open(h, FRI, HM(17, 59)));
  g_assert_false(vt_hours_is_open(h, FRI, HM(18, 0))); /* closing time is closed */
  g_assert_true(vt_hours_is_open(h, SAT, HM(10, 0)));
  g_assert_false(vt_hours_is_open(h, SAT, HM(16, 0)));
  g_assert_false(vt_hours_is_open(h, SUN, HM(12, 0)));
  g_autofree char *text = vt_hours_describe(h);
  g_assert_cmpstr(text, ==, "Mon–Fri 09:00–18:00, Sat 10:00–16:00");
}

static void test_forms(void)
{
  /* Case, spaces, single-digit hours, day lists, a lunch break, a trailing ';'. */
  g_autoptr(VtHours) h = parse_ok("  MON , Wed-Thu 9:00 - 12:00,13:00-18:30 ;sun 00:00-24:00;");
  g_assert_true(vt_hours_is_open(h, MON, HM(11, 59)));
  g_assert_false(vt_hours_is_open(h, MON, HM(12, 30)));
  g_assert_true(vt_hours_is_open(h, 3, HM(18, 29)));
  g_assert_false(vt_hours_is_open(h, TUE, HM(10, 0)));
  g_assert_true(vt_hours_is_open(h, SUN, 0));
  g_assert_true(vt_hours_is_open(h, SUN, HM(23, 59)));
  g_autofree char *text = vt_hours_describe(h);
  g_assert_cmpstr(text, ==,
                  "Mon 09:00–12:00, 13:00–18:30, Wed–Thu 09:00–12:00, 13:00–18:30, "
                  "Sun 00:00–24:00");

  /* A span that wraps past Sunday; overlapping rules add up. */
  g_autoptr(VtHours) w = parse_ok("fri-mon 10:00-12:00; sat 11:00-14:00");
  g_assert_true(vt_hours_is_open(w, SUN, HM(10, 0)));
  g_assert_true(vt_hours_is_open(w, MON, HM(10, 0)));
  g_assert_false(vt_hours_is_open(w, TUE, HM(10, 0)));
  g_assert_true(vt_hours_is_open(w, SAT, HM(13, 0)));
  g_autofree char *wt = vt_hours_describe(w);
  g_assert_cmpstr(wt, ==, "Mon 10:00–12:00, Fri 10:00–12:00, Sat 10:00–14:00, Sun 10:00–12:00");
}

static void test_round_trip(void)
{
  const char *cases[] = {"mon-fri 09:00-18:00; sat 10:00-16:00",
                         "mon,wed,fri 08:00-08:01, 23:59-24:00", "fri-tue 00:00-24:00",
                         "sun 12:00-13:00; mon 12:00-13:00"};
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(VtHours) a = parse_ok(cases[i]);
    g_autofree char *text = vt_hours_describe(a);
    g_autoptr(VtHours) b = parse_ok(text);
    for (guint d = 0; d < 7; d++)
      for (guint m = 0; m < VT_MINUTES_PER_DAY; m++)
        g_assert_cmpint(vt_hours_is_open(a, d, m), ==, vt_hours_is_open(b, d, m));
  }
}

static void test_next_open(void)
{
  g_autoptr(VtHours) h = parse_ok("mon-fri 09:00-18:00; sat 10:00-16:00");
  guint ahead, day, minute;
  /* Open now: now. */
  g_assert_true(vt_hours_next_open(h, TUE, HM(12, 0), &ahead, &day, &minute));
  g_assert_cmpuint(ahead, ==, 0);
  g_assert_cmpuint(minute, ==, HM(12, 0));
  /* Early morning: today. */
  g_assert_true(vt_hours_next_open(h, TUE, HM(7, 0), &ahead, &day, &minute));
  g_assert_cmpuint(ahead, ==, 0);
  g_assert_cmpuint(day, ==, TUE);
  g_assert_cmpuint(minute, ==, HM(9, 0));
  /* Friday evening: Saturday. */
  g_assert_true(vt_hours_next_open(h, FRI, HM(19, 0), &ahead, &day, &minute));
  g_assert_cmpuint(ahead, ==, 1);
  g_assert_cmpuint(day, ==, SAT);
  g_assert_cmpuint(minute, ==, HM(10, 0));
  /* Saturday evening: Monday. */
  g_assert_true(vt_hours_next_open(h, SAT, HM(16, 0), &ahead, &day, &minute));
  g_assert_cmpuint(ahead, ==, 2);
  g_assert_cmpuint(day, ==, MON);
  g_assert_cmpuint(minute, ==, HM(9, 0));
  /* Open one hour a week, just gone: the same weekday next week. */
  g_autoptr(VtHours) once = parse_ok("wed 10:00-11:00");
  g_assert_true(vt_hours_next_open(once, 2, HM(11, 0), &ahead, &day, &minute));
  g_assert_cmpuint(ahead, ==, 7);
  g_assert_cmpuint(day, ==, 2);
  g_assert_cmpuint(minute, ==, HM(10, 0));
}

static void test_errors(void)
{
  struct {
    const char *text;
    const char *says;
  } cases[] = {
      {"", "no hours"},
      {"   ", "no hours"},
      {"mon", "expected a time"},
      {"monday 09:00-10:00", "expected a day"},
      {"mon-xyz 09:00-10:00", "expected a day"},
      {"mon 9-10", "expected a time"},
      {"mon 09:00", "expected '-'"},
      {"mon 09:00-25:00", "not a time of day"},
      {"mon 09:60-10:00", "not a time of day"},
      {"mon 24:00-24:00", "close after it opens"},
      {"mon 18:00-09:00", "close after it opens"},
      {"mon 10:00-10:00", "close after it opens"},
      {"mon 009:00-10:00", "expected a time"},
      {"mon 09:00-10:00 tue 10:00-11:00", "expected ';'"},
      {"mon 09:00-10:00;;", "expected a day"},
      {"mon 09:00-10:00,", "expected ';'"},
      {"09:00-10:00", "expected a day"},
      {"mon 09:00-10:00 x", "expected ';'"},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(VtHours) h = vt_hours_parse(cases[i].text, strlen(cases[i].text), &error);
    g_assert_null(h);
    g_assert_error(error, VT_HOURS_ERROR, VT_HOURS_ERROR_INVALID);
    if (!strstr(error->message, cases[i].says))
      g_error("'%s': '%s' does not say '%s'", cases[i].text, error->message, cases[i].says);
  }
  /* Not NUL-terminated: only len bytes count. */
  g_autoptr(GError) error = NULL;
  g_autoptr(VtHours) h = vt_hours_parse("mon 09:00-10:00garbage", 15, &error);
  g_assert_no_error(error);
  g_assert_nonnull(h);
  /* Too long. */
  g_autofree char *big = g_strnfill(VT_HOURS_MAX_TEXT + 1, ' ');
  g_autoptr(VtHours) none = vt_hours_parse(big, strlen(big), &error);
  g_assert_null(none);
  g_assert_nonnull(strstr(error->message, "longer than"));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/hours/weekdays-and-saturday", test_weekdays_and_saturday);
  g_test_add_func("/hours/forms", test_forms);
  g_test_add_func("/hours/round-trip", test_round_trip);
  g_test_add_func("/hours/next-open", test_next_open);
  g_test_add_func("/hours/errors", test_errors);
  return g_test_run();
}
