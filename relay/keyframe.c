/* Keyframe request pacing for one published video track (see keyframe.h).
 *
 * Why a waiting subscriber's request is repeated: a subscriber waiting for
 * its first keyframe sees nothing of the track, so it cannot ask again
 * itself; a request the encoder dropped (browsers ignore requests that come
 * too soon after another) would leave it waiting until the next periodic
 * keyframe, so the relay asks again meanwhile. */
#include "relay/keyframe.h"

void vt_keyframe_pacer_init(VtKeyframePacer *k)
{
  g_return_if_fail(k != NULL);
  /* Far enough in the past that the first request goes out at once, and
   * that subtracting it from any monotonic time cannot overflow. */
  k->last_request_us = G_MININT64 / 2;
  k->last_keyframe_us = G_MININT64 / 2;
  k->pending = FALSE;
  k->pending_since_us = 0;
}

void vt_keyframe_pacer_defer(VtKeyframePacer *k, gint64 now_us)
{
  g_return_if_fail(k != NULL);
  if (!k->pending)
    k->pending_since_us = now_us;
  k->pending = TRUE;
}

/* A joiner's request waits only for one still being answered, which makes
 * the publisher send at most one keyframe per request while a joiner waits
 * about one round trip; other requests are merged into one per interval. */
gboolean vt_keyframe_pacer_request(VtKeyframePacer *k, gint64 now_us, gboolean joining)
{
  g_return_val_if_fail(k != NULL, FALSE);
  gint64 since = now_us - k->last_request_us;
  gboolean outstanding =
      k->last_request_us > k->last_keyframe_us && since < VT_KEYFRAME_OUTSTANDING_US;
  if (joining ? outstanding : since < VT_KEYFRAME_INTERVAL_US) {
    vt_keyframe_pacer_defer(k, now_us);
    return FALSE;
  }
  return TRUE;
}

gboolean vt_keyframe_pacer_due(const VtKeyframePacer *k, gint64 now_us, gboolean waiting)
{
  g_return_val_if_fail(k != NULL, FALSE);
  gint64 since = now_us - k->last_request_us;
  if (k->pending && since >= VT_KEYFRAME_INTERVAL_US)
    return TRUE;
  return waiting && since >= VT_KEYFRAME_RETRY_US;
}

void vt_keyframe_pacer_sent(VtKeyframePacer *k, gint64 now_us)
{
  g_return_if_fail(k != NULL);
  k->last_request_us = now_us;
  k->pending = FALSE;
}

void vt_keyframe_pacer_keyframe(VtKeyframePacer *k, gint64 now_us)
{
  g_return_if_fail(k != NULL);
  k->last_keyframe_us = now_us;
  if (k->pending && k->pending_since_us < now_us)
    k->pending = FALSE; /* what was asked for has come */
}
