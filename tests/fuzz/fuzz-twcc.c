/* libFuzzer target for the transport-wide feedback recorder (relay/twcc.c):
 * the sequence numbers are a publisher's, so any order, gap, duplicate or
 * jump must give well-formed feedback that tells the truth.
 *
 * The input is a list of 4-byte steps: a transport-wide sequence number (16
 * bits), a clock step in 250 us units (8 bits, times 16 when its top bit is
 * set, so that pauses of seconds occur), and an action byte: packet only, or
 * also feedback into a buffer of 24..1200 bytes.
 *
 * Invariants checked:
 *   - every feedback decodes with support/twcc-decode.h, fills its length,
 *     fits the buffer, and covers at least one packet;
 *   - a packet reported as received did arrive, at the reported time (to
 *     250 us), and no more packets are reported received than arrived;
 *   - building until nothing waits terminates. */
#include <stdint.h>
#include <stdlib.h>

#include "relay/twcc.h"
#include "tests/support/twcc-decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_STEPS 65536

/* Every arrival of the input, in order. */
static guint16 log_seq[MAX_STEPS];
static gint64 log_at[MAX_STEPS];
static size_t n_log;
static TwccFeedback fb;

static gboolean did_arrive(guint16 seq, gint64 reported_us)
{
  for (size_t k = 0; k < n_log; k++)
    if (log_seq[k] == seq && log_at[k] / 250 * 250 == reported_us)
      return TRUE;
  return FALSE;
}

static guint64 check_feedback(VtTwcc *t, size_t cap, gint64 now)
{
  uint8_t buf[1200];
  int len = vt_twcc_build(t, buf, cap, 1, 2, now);
  if (len <= 0)
    return 0;
  if ((size_t)len > cap || !twcc_decode(buf, (size_t)len, &fb) || fb.count == 0)
    abort();
  guint64 received = 0;
  for (guint i = 0; i < fb.count; i++) {
    if (!fb.received[i])
      continue;
    received++;
    if (!did_arrive((guint16)(fb.base + i), fb.arrival_us[i]))
      abort();
  }
  return received;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  VtTwcc t;
  vt_twcc_init(&t);
  n_log = 0;
  /* Small enough that the 24-bit reference time does not wrap. */
  gint64 now = 1000 * G_USEC_PER_SEC;
  guint64 arrivals = 0, reported = 0;
  for (size_t i = 0; i + 4 <= size && n_log < MAX_STEPS; i += 4) {
    guint16 seq = (guint16)(data[i] << 8 | data[i + 1]);
    guint step = data[i + 2];
    now += (gint64)(step & 0x7F) * 250 * (step & 0x80 ? 16 : 1);
    log_seq[n_log] = seq;
    log_at[n_log++] = now;
    arrivals++;
    gboolean urgent = vt_twcc_on_packet(&t, seq, now);
    guint8 action = data[i + 3];
    if (urgent || (action & 1))
      reported += check_feedback(&t, 24 + (size_t)action * 1176 / 255, now);
  }
  for (guint rounds = 0; vt_twcc_due(&t, now + VT_TWCC_INTERVAL_US); rounds++) {
    if (rounds > VT_TWCC_WINDOW)
      abort();
    reported += check_feedback(&t, 1200, now);
  }
  if (reported > arrivals)
    abort();
  return 0;
}
