/* When the relay asks a publisher for a keyframe: the pure pacing of one
 * published video track's requests (PLI or FIR; which one, and sending it,
 * is forward.c's business).
 *
 * The rules (design.md, "The media path"):
 *  - subscribers' PLI/FIR are merged: one request goes out at once if the
 *    last is VT_KEYFRAME_INTERVAL_US old, else one when that time is up,
 *    unless a keyframe came meanwhile;
 *  - a joining subscriber does not wait that long: its request goes out at
 *    once, unless one is still being answered (sent after the last keyframe,
 *    less than VT_KEYFRAME_OUTSTANDING_US ago), whose keyframe serves it too;
 *  - while a subscriber has no picture yet, the request is repeated until a
 *    keyframe comes: VT_KEYFRAME_FAST_RETRIES times after
 *    VT_KEYFRAME_FAST_RETRY_US, then every VT_KEYFRAME_RETRY_US (see
 *    keyframe.c for why). So a track gets at most four requests in any
 *    second from this rule, two a second after the first, and only while
 *    someone waits.
 *
 * Pure: no clock, no I/O. Time is monotonic microseconds passed in. The
 * caller asks vt_keyframe_pacer_request() or vt_keyframe_pacer_due()
 * whether to send, and reports what it did: vt_keyframe_pacer_sent() after
 * a request went out, vt_keyframe_pacer_defer() when one could not, and
 * vt_keyframe_pacer_keyframe() when a keyframe starts arriving. A pacer is
 * a plain struct inside its track, touched on the room's thread only. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VT_KEYFRAME_INTERVAL_US (500 * 1000)    /* subscribers' PLI/FIR: one per 500 ms */
#define VT_KEYFRAME_OUTSTANDING_US (300 * 1000) /* a request still being answered */
#define VT_KEYFRAME_FAST_RETRY_US (200 * 1000)  /* a waiting subscriber's first repeats */
#define VT_KEYFRAME_FAST_RETRIES 2              /* how many, per keyframe */
#define VT_KEYFRAME_RETRY_US (500 * 1000)       /* asked again while a subscriber waits */

typedef struct {
  gint64 last_request_us;  /* when the last request went out */
  gint64 last_keyframe_us; /* when the last keyframe started arriving */
  gboolean pending;        /* a merged request waits for its interval */
  gint64 pending_since_us; /* a keyframe starting after this satisfies it */
  guint unanswered;        /* requests sent since the last keyframe */
} VtKeyframePacer;

/* No request sent and no keyframe seen yet, nothing pending. */
void vt_keyframe_pacer_init(VtKeyframePacer *k);

/* A subscriber asked for a keyframe (PLI/FIR), or, with `joining`, has
 * nothing to show yet (it just joined, or its slot was rebound). Returns
 * TRUE if a request should go out now; FALSE if it waits (it is then
 * pending, and vt_keyframe_pacer_due() says when). */
gboolean vt_keyframe_pacer_request(VtKeyframePacer *k, gint64 now_us, gboolean joining);

/* Called on the room's tick: TRUE if a request should go out now, because a
 * pending one has waited out its interval, or because `waiting` (some
 * subscriber has had no keyframe yet) and the last request is old enough to
 * be repeated. */
gboolean vt_keyframe_pacer_due(const VtKeyframePacer *k, gint64 now_us, gboolean waiting);

/* A request went out at now_us: nothing is pending any more, and one more
 * request waits for its keyframe. */
void vt_keyframe_pacer_sent(VtKeyframePacer *k, gint64 now_us);

/* A request that should have gone out could not (the publisher's transport
 * is not up): it stays pending. */
void vt_keyframe_pacer_defer(VtKeyframePacer *k, gint64 now_us);

/* A keyframe started arriving at now_us: a request made before is answered. */
void vt_keyframe_pacer_keyframe(VtKeyframePacer *k, gint64 now_us);

G_END_DECLS
