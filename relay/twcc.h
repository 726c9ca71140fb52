/* Transport-wide congestion control feedback for one publish connection
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01): the relay notes when
 * each packet carrying a transport-wide sequence number arrived and reports
 * it back, so that the publisher's congestion controller (GoogCC in every
 * browser) can measure delay and probe for bandwidth. Without it a browser
 * grows its bitrate only by its loss-based rule, about 8% a second: a phone
 * publishing to the relay sent 640x360 for 15 s and 960x540 after 25 s.
 *
 * Pure: no clock, no I/O; arrival times are monotonic microseconds passed in.
 * The caller records packets with vt_twcc_on_packet() and, when that says so
 * or when vt_twcc_due() does, builds feedback with vt_twcc_build() until it
 * returns 0. Touched on the room's thread only. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define VT_TWCC_WINDOW 1024                /* packets held between two feedbacks */
#define VT_TWCC_INTERVAL_US (50 * 1000)    /* how often feedback goes out */
#define VT_TWCC_MAX_PER_FEEDBACK 512       /* packets one feedback covers */

typedef struct {
  gint64 arrival_us[VT_TWCC_WINDOW]; /* by extended number % window; -1: none */
  gint64 base;                       /* first extended number not yet reported */
  gint64 end;                        /* one past the highest received */
  gint64 last_ext;                   /* of the latest packet, for unwrapping */
  gint64 last_feedback_us;
  gboolean started;
  gboolean reported; /* a feedback went out: base only moves forward now */
  guint8 feedback_count;
} VtTwcc;

void vt_twcc_init(VtTwcc *t);

/* Notes that the packet with transport-wide number seq arrived. Returns TRUE
 * when so many wait to be reported that feedback should go out now. A packet
 * older than what was already reported, or a duplicate, is ignored. */
gboolean vt_twcc_on_packet(VtTwcc *t, guint16 seq, gint64 arrival_us);

/* Whether feedback is waiting and VT_TWCC_INTERVAL_US has passed since the
 * last. */
gboolean vt_twcc_due(const VtTwcc *t, gint64 now_us);

/* Writes one feedback packet (RTPFB, FMT 15) covering what waits, oldest
 * first, as much as fits in cap and VT_TWCC_MAX_PER_FEEDBACK, and forgets
 * what it covered. Returns its length, 0 when nothing waits, or -ENOBUFS
 * when cap cannot hold even one packet's report. */
int vt_twcc_build(VtTwcc *t, uint8_t *buf, size_t cap, guint32 sender_ssrc, guint32 media_ssrc,
                  gint64 now_us);

G_END_DECLS
