/* A store's opening hours, as the operator writes them in vitrine.conf
 * ("mon-fri 09:00-18:00; sat 10:00-16:00"), in the server's local wall-clock
 * time.
 *
 * Pure: text in, a week of open minutes out; the caller passes the weekday and
 * minute it means by "now", so that tests and the fuzz target need no clock.
 * Grammar (case-insensitive, spaces anywhere between tokens):
 *
 *   hours  = rule *( (";" / ",") rule ) [";"]     a "," must be followed by a day
 *   rule   = days ranges
 *   days   = span *( "," span )                    span = day [ "-" day ]
 *   ranges = range *( "," range )                  range = time "-" time
 *   day    = mon / tue / wed / thu / fri / sat / sun
 *   time   = 1*2DIGIT ":" 2DIGIT                   00:00 to 24:00 (24:00 only as an end)
 *
 * A day span may wrap ("fri-mon"); a range must end after it starts (split
 * hours past midnight across two days). "-" may also be written "–" (U+2013),
 * so that the described form below reads back. Rules that overlap add up. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Longer text is refused before parsing. */
#define VT_HOURS_MAX_TEXT 1024
#define VT_MINUTES_PER_DAY 1440

typedef struct _VtHours VtHours;

#define VT_HOURS_ERROR (vt_hours_error_quark())
GQuark vt_hours_error_quark(void);
typedef enum {
  VT_HOURS_ERROR_INVALID, /* the message says what and where, in a plain sentence */
} VtHoursError;

/* Parses len bytes (no terminator needed). Returns (transfer full) the hours,
 * or NULL with error set. Text that is empty or only spaces is an error: the
 * caller decides what an unset value means. */
VtHours *vt_hours_parse(const char *text, gsize len, GError **error);
void vt_hours_free(VtHours *hours);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtHours, vt_hours_free)

/* weekday: 0 = Monday ... 6 = Sunday; minute: 0 ... 1439 of that day. */
gboolean vt_hours_is_open(const VtHours *hours, guint weekday, guint minute);

/* The first open minute at or after (weekday, minute), looking one week
 * ahead: *days_ahead (0 = the same day, up to 7 = the same weekday next
 * week), *open_weekday and *open_minute. FALSE when the store never opens
 * (not possible for parsed hours, which always have a range). */
gboolean vt_hours_next_open(const VtHours *hours, guint weekday, guint minute, guint *days_ahead,
                            guint *open_weekday, guint *open_minute);

/* A readable form, with consecutive days of equal hours grouped:
 * "Mon–Fri 09:00–18:00, Sat 10:00–16:00". (transfer full). It parses back to
 * the same hours. */
char *vt_hours_describe(const VtHours *hours);

/* "Monday" ... "Sunday" for weekday 0 ... 6. */
const char *vt_hours_weekday_name(guint weekday);

G_END_DECLS
