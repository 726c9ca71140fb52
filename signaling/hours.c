/* Opening hours: parser, queries and the readable form; see hours.h.
 *
 * The week is kept as one bit per minute (7 × 1440 bits, 1,260 bytes): every
 * question ("open now?", "when next?", "which ranges on Tuesday?") is then a
 * plain scan, with no interval arithmetic to get wrong at midnight or where
 * rules overlap. */
#include "signaling/hours.h"

#include <string.h>

#define MINUTES_PER_WEEK (7 * VT_MINUTES_PER_DAY)

struct _VtHours {
  guint8 bits[MINUTES_PER_WEEK / 8];
};

static const char *const day_abbrev[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const day_short[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const day_long[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                        "Friday", "Saturday", "Sunday"};

G_DEFINE_QUARK(vt - hours - error - quark, vt_hours_error)

/* The text being parsed: bytes from p to end, not NUL-terminated. */
typedef struct {
  const char *start, *p, *end;
} Cursor;

static gboolean G_GNUC_PRINTF(3, 4) fail(const Cursor *c, GError **error, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *what = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error(error, VT_HOURS_ERROR, VT_HOURS_ERROR_INVALID, "%s at character %d", what,
              (int)(c->p - c->start) + 1);
  return FALSE;
}

static void skip_spaces(Cursor *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
    c->p++;
}

static gboolean at_end(Cursor *c)
{
  skip_spaces(c);
  return c->p == c->end;
}

/* Takes one byte ch if it comes next (after spaces). */
static gboolean take_char(Cursor *c, char ch)
{
  skip_spaces(c);
  if (c->p < c->end && *c->p == ch) {
    c->p++;
    return TRUE;
  }
  return FALSE;
}

/* "-", or the en dash U+2013 (E2 80 93) that the readable form uses. */
static gboolean take_dash(Cursor *c)
{
  if (take_char(c, '-'))
    return TRUE;
  if (c->end - c->p >= 3 && memcmp(c->p, "\xe2\x80\x93", 3) == 0) {
    c->p += 3;
    return TRUE;
  }
  return FALSE;
}

static gboolean next_is_letter(Cursor *c)
{
  skip_spaces(c);
  return c->p < c->end && g_ascii_isalpha(*c->p);
}

static gboolean next_is_digit(Cursor *c)
{
  skip_spaces(c);
  return c->p < c->end && g_ascii_isdigit(*c->p);
}

static gboolean parse_day(Cursor *c, guint *day, GError **error)
{
  skip_spaces(c);
  const char *word = c->p;
  while (c->p < c->end && g_ascii_isalpha(*c->p))
    c->p++;
  gsize n = (gsize)(c->p - word);
  for (guint i = 0; n == 3 && i < 7; i++) {
    if (g_ascii_strncasecmp(word, day_abbrev[i], 3) == 0) {
      *day = i;
      return TRUE;
    }
  }
  c->p = word;
  return fail(c, error, "expected a day (mon, tue, wed, thu, fri, sat or sun)");
}

/* Adds one day or a span of days, which may wrap past Sunday. */
static gboolean parse_span(Cursor *c, guint8 days[7], GError **error)
{
  guint first, last;
  if (!parse_day(c, &first, error))
    return FALSE;
  last = first;
  if (take_dash(c) && !parse_day(c, &last, error))
    return FALSE;
  for (guint d = first;; d = (d + 1) % 7) {
    days[d] = 1;
    if (d == last)
      break;
  }
  return TRUE;
}

/* One or two digits of hour, a colon, two digits of minute; 24:00 allowed. */
static gboolean parse_time(Cursor *c, guint *minute, GError **error)
{
  skip_spaces(c);
  guint h = 0, digits = 0;
  while (c->p < c->end && g_ascii_isdigit(*c->p) && digits < 3) {
    h = h * 10 + (guint)(*c->p++ - '0');
    digits++;
  }
  if (digits == 0 || digits > 2 || c->end - c->p < 3 || c->p[0] != ':' ||
      !g_ascii_isdigit(c->p[1]) || !g_ascii_isdigit(c->p[2]))
    return fail(c, error, "expected a time such as 09:00");
  guint m = (guint)(c->p[1] - '0') * 10 + (guint)(c->p[2] - '0');
  if (h > 24 || m > 59 || (h == 24 && m != 0))
    return fail(c, error, "%02u:%02u is not a time of day", h, m);
  c->p += 3;
  *minute = h * 60 + m;
  return TRUE;
}

static void set_open(VtHours *hours, guint day, guint from, guint to)
{
  for (guint m = day * VT_MINUTES_PER_DAY + from; m < day * VT_MINUTES_PER_DAY + to; m++)
    hours->bits[m / 8] |= (guint8)(1u << (m % 8));
}

static gboolean parse_range(Cursor *c, VtHours *hours, const guint8 days[7], GError **error)
{
  guint from, to;
  if (!parse_time(c, &from, error))
    return FALSE;
  if (!take_dash(c))
    return fail(c, error, "expected '-' between opening and closing time");
  if (!parse_time(c, &to, error))
    return FALSE;
  if (from == VT_MINUTES_PER_DAY || to <= from)
    return fail(c, error,
                "the store must close after it opens on the same day "
                "(for hours past midnight, write the next day separately)");
  for (guint d = 0; d < 7; d++)
    if (days[d])
      set_open(hours, d, from, to);
  return TRUE;
}

/* days ranges. A "," after a range starts another range when a time follows,
 * and is left for the caller (a new rule) when a day follows. */
static gboolean parse_rule(Cursor *c, VtHours *hours, GError **error)
{
  guint8 days[7] = {0};
  do {
    if (!parse_span(c, days, error))
      return FALSE;
  } while (take_char(c, ','));
  do {
    if (!parse_range(c, hours, days, error))
      return FALSE;
    const char *before = c->p;
    if (!take_char(c, ','))
      break;
    if (!next_is_digit(c)) {
      c->p = before;
      break;
    }
  } while (TRUE);
  return TRUE;
}

VtHours *vt_hours_parse(const char *text, gsize len, GError **error)
{
  g_return_val_if_fail(text != NULL || len == 0, NULL);
  Cursor c = {text, text, text + len};
  if (len > VT_HOURS_MAX_TEXT) {
    g_set_error(error, VT_HOURS_ERROR, VT_HOURS_ERROR_INVALID, "longer than %d characters",
                VT_HOURS_MAX_TEXT);
    return NULL;
  }
  if (at_end(&c)) {
    g_set_error_literal(error, VT_HOURS_ERROR, VT_HOURS_ERROR_INVALID, "no hours given");
    return NULL;
  }
  g_autoptr(VtHours) hours = g_new0(VtHours, 1);
  while (TRUE) {
    if (!parse_rule(&c, hours, error))
      return NULL;
    gboolean semicolon = take_char(&c, ';');
    if (at_end(&c))
      break;
    if (!semicolon && !(take_char(&c, ',') && next_is_letter(&c))) {
      fail(&c, error, "expected ';' before the next days");
      return NULL;
    }
  }
  return g_steal_pointer(&hours);
}

void vt_hours_free(VtHours *hours)
{
  g_free(hours);
}

static gboolean bit(const VtHours *hours, guint week_minute)
{
  return (hours->bits[week_minute / 8] >> (week_minute % 8)) & 1;
}

gboolean vt_hours_is_open(const VtHours *hours, guint weekday, guint minute)
{
  g_return_val_if_fail(weekday < 7 && minute < VT_MINUTES_PER_DAY, FALSE);
  return bit(hours, weekday * VT_MINUTES_PER_DAY + minute);
}

gboolean vt_hours_next_open(const VtHours *hours, guint weekday, guint minute, guint *days_ahead,
                            guint *open_weekday, guint *open_minute)
{
  g_return_val_if_fail(weekday < 7 && minute < VT_MINUTES_PER_DAY, FALSE);
  guint now = weekday * VT_MINUTES_PER_DAY + minute;
  for (guint i = 0; i <= MINUTES_PER_WEEK; i++) {
    guint m = (now + i) % MINUTES_PER_WEEK;
    if (bit(hours, m)) {
      *days_ahead = (minute + i) / VT_MINUTES_PER_DAY;
      *open_weekday = m / VT_MINUTES_PER_DAY;
      *open_minute = m % VT_MINUTES_PER_DAY;
      return TRUE;
    }
  }
  return FALSE;
}

/* One day's open ranges as text ("09:00–12:00, 13:00–18:00"); "" when closed. */
static char *describe_day(const VtHours *hours, guint day)
{
  GString *out = g_string_new(NULL);
  guint base = day * VT_MINUTES_PER_DAY;
  for (guint m = 0; m < VT_MINUTES_PER_DAY;) {
    if (!bit(hours, base + m)) {
      m++;
      continue;
    }
    guint from = m;
    while (m < VT_MINUTES_PER_DAY && bit(hours, base + m))
      m++;
    g_string_append_printf(out, "%s%02u:%02u\xe2\x80\x93%02u:%02u", out->len ? ", " : "", from / 60,
                           from % 60, m / 60, m % 60);
  }
  return g_string_free(out, FALSE);
}

char *vt_hours_describe(const VtHours *hours)
{
  char *ranges[7];
  for (guint d = 0; d < 7; d++)
    ranges[d] = describe_day(hours, d);
  GString *out = g_string_new(NULL);
  for (guint d = 0; d < 7;) {
    guint last = d;
    while (last + 1 < 7 && g_str_equal(ranges[last + 1], ranges[d]))
      last++;
    if (*ranges[d]) {
      g_string_append_printf(out, "%s%s", out->len ? ", " : "", day_short[d]);
      if (last > d)
        g_string_append_printf(out, "\xe2\x80\x93%s", day_short[last]);
      g_string_append_printf(out, " %s", ranges[d]);
    }
    d = last + 1;
  }
  for (guint d = 0; d < 7; d++)
    g_free(ranges[d]);
  return g_string_free(out, FALSE);
}

const char *vt_hours_weekday_name(guint weekday)
{
  g_return_val_if_fail(weekday < 7, NULL);
  return day_long[weekday];
}
