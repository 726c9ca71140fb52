/* libFuzzer target for vt_hours_parse: arbitrary bytes as a store's
 * opening-hours value (operator-written, but easy to get wrong).
 *
 * Invariants checked on every input:
 *   - exactly one of hours or an error comes back;
 *   - parsed hours are open at least one minute a week, and the readable form
 *     is valid UTF-8 and parses back to exactly the same minutes;
 *   - vt_hours_next_open agrees with vt_hours_is_open at a few points.
 * Inputs are passed with their length and no terminator. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signaling/hours.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const VtHours *a, const VtHours *b)
{
  for (guint d = 0; d < 7; d++)
    for (guint m = 0; m < VT_MINUTES_PER_DAY; m++)
      if (vt_hours_is_open(a, d, m) != vt_hours_is_open(b, d, m))
        abort();
}

static void check_next_open(const VtHours *hours)
{
  static const guint probes[][2] = {{0, 0}, {2, 720}, {6, 1439}, {4, 1080}};
  for (gsize i = 0; i < G_N_ELEMENTS(probes); i++) {
    guint ahead, day, minute;
    if (!vt_hours_next_open(hours, probes[i][0], probes[i][1], &ahead, &day, &minute))
      abort();
    if (!vt_hours_is_open(hours, day, minute) || ahead > 7 || day != (probes[i][0] + ahead) % 7)
      abort();
    if (vt_hours_is_open(hours, probes[i][0], probes[i][1]) !=
        (ahead == 0 && minute == probes[i][1]))
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VtHours) hours = vt_hours_parse((const char *)data, size, &error);
  if ((hours == NULL) == (error == NULL))
    abort();
  if (!hours)
    return 0;
  check_next_open(hours);
  g_autofree char *text = vt_hours_describe(hours);
  if (!g_utf8_validate(text, -1, NULL) || !*text)
    abort();
  g_autoptr(GError) again_error = NULL;
  g_autoptr(VtHours) again = vt_hours_parse(text, strlen(text), &again_error);
  if (!again)
    abort();
  check_same(hours, again);
  return 0;
}
