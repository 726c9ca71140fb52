/* Keyframe request pacing for one published video track (see keyframe.h).
 *
 * Why a waiting subscriber's request is repeated: a subscriber waiting for
 * its first keyframe sees nothing of the track, so it cannot ask again
 * itself; a request the encoder dropped (browsers ignore requests that come
 * too soon after another) would leave it waiting until the next periodic
 * keyframe, so the relay asks again meanwhile.
 *
 * Why after 200 ms at first: a request that was honoured shows as the first
 * packet of a keyframe about one round trip plus the encoder's latency (a
 * frame interval and the encoding, ~50 ms) after it went out, well under
 * 200 ms on the networks the service is for; waiting 500 ms, as the merge
 * rule does, added up to 300 ms to a joiner's first frame whenever the
 * first request was dropped. Why twice: Chromium drops a request that comes
 * within 300 ms of the last one it honoured (the usual reason a joiner's
 * request goes unanswered is another joiner's, or a PLI, just before), so
 * of two repeats 200 ms apart one is past that window, whatever its phase.
 * Why not more: a publisher that answers nothing (a muted camera, a lossy
 * uplink) should not get five requests a second for as long as a
 * subscriber waits, so after those two the repeats fall back to
 * every 500 ms, until a keyframe comes and the count starts over. */
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
  k->unanswered = 0;
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
  /* The first request is one of the unanswered ones: the first
   * VT_KEYFRAME_FAST_RETRIES repeats after it are the fast ones. */
  gint64 retry =
      k->unanswered <= VT_KEYFRAME_FAST_RETRIES ? VT_KEYFRAME_FAST_RETRY_US : VT_KEYFRAME_RETRY_US;
  return waiting && since >= retry;
}

void vt_keyframe_pacer_sent(VtKeyframePacer *k, gint64 now_us)
{
  g_return_if_fail(k != NULL);
  k->last_request_us = now_us;
  k->pending = FALSE;
  if (k->unanswered < G_MAXUINT)
    k->unanswered++;
}

void vt_keyframe_pacer_keyframe(VtKeyframePacer *k, gint64 now_us)
{
  g_return_if_fail(k != NULL);
  k->last_keyframe_us = now_us;
  k->unanswered = 0;
  if (k->pending && k->pending_since_us < now_us)
    k->pending = FALSE; /* what was asked for has come */
}
