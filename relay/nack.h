/* NACK handling for one video track: the two pure pieces of it.
 *
 * VtRtxCache keeps the latest packets of one published track so that the
 * relay can answer a subscriber's NACK (RFC 4585 generic NACK) without going
 * back to the publisher. VtLossTracker watches the sequence numbers arriving
 * on a publisher's uplink and decides which ones to NACK upstream, and when.
 *
 * Both are pure: no sockets, no main loop, no clock. Time is passed in as
 * monotonic microseconds (g_get_monotonic_time()). Each object belongs to the
 * worker thread of its room and takes no lock. All memory is allocated in
 * `_new`; nothing on the packet path allocates. Packet-path calls return 0 or
 * a negative errno; misuse (NULL objects, bad capacities) is a critical. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/* ---- Retransmission cache ------------------------------------------------ */

#define VT_RTX_MAX_PACKET 1500 /* bytes of one cached packet, RTP header included */
#define VT_RTX_DEFAULT_CAPACITY 1024
#define VT_RTX_DEFAULT_MAX_AGE_US G_USEC_PER_SEC
#define VT_RTX_DEFAULT_RESEND_INTERVAL_US (10 * 1000)

typedef struct _VtRtxCache VtRtxCache;

/* Creates a cache of `capacity` slots (a power of two up to 32768; 0 means
 * VT_RTX_DEFAULT_CAPACITY), each a fixed VT_RTX_MAX_PACKET buffer. A
 * slot is chosen by sequence number modulo capacity, so the cache holds the
 * last `capacity` sequence numbers; size it for the wanted duration at the
 * track's peak packet rate (1024 packets cover one second of ~10 Mbit/s).
 * The resend interval starts at VT_RTX_DEFAULT_RESEND_INTERVAL_US. */
VtRtxCache *vt_rtx_cache_new(guint capacity);
void vt_rtx_cache_free(VtRtxCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtRtxCache, vt_rtx_cache_free)

/* The shortest time between two retransmissions of one sequence number; 0
 * turns the limit off. The limit is kept per slot, so it is shared by every
 * subscriber served from this cache: a relay that wants a per-subscriber
 * limit turns it off here and keeps its own. */
void vt_rtx_cache_set_resend_interval(VtRtxCache *cache, gint64 interval_us);

/* Copies the packet `pkt` of `len` bytes, sequence number `seq`, received at
 * `now_us` into its slot, replacing whatever older packet was there (a
 * duplicate of a cached seq replaces it too). Returns 0; -EMSGSIZE if len is
 * over VT_RTX_MAX_PACKET; -EINVAL if len is 0; -ESTALE, storing nothing, if
 * seq is `capacity` or more behind the newest cached seq while that newest
 * one is younger than VT_RTX_DEFAULT_MAX_AGE_US (a very late packet; after
 * such a pause the stream is taken to have restarted at seq instead). */
int vt_rtx_cache_put(VtRtxCache *cache, const uint8_t *pkt, size_t len, guint16 seq, gint64 now_us);

/* Looks up `seq` for a retransmission at `now_us`. Returns 0 and sets *pkt
 * and *len (transfer none: valid until the next put into this cache) and
 * notes the retransmission; -ENOENT if the packet is not cached (never
 * received, replaced by a newer seq of the same slot, further back than the
 * capacity, or older than `max_age_us`); -EAGAIN if the same seq was handed
 * out less than the resend interval ago. */
int vt_rtx_cache_get(VtRtxCache *cache, guint16 seq, gint64 now_us, gint64 max_age_us,
                     const uint8_t **pkt, size_t *len);

/* ---- Loss tracker for a publisher's uplink ------------------------------- */

/* A missing seq is forgotten (and counted lost) once it is more than
 * VT_LOSS_WINDOW behind the newest seq or VT_LOSS_MAX_AGE_US after its gap was
 * seen. A jump of more than VT_LOSS_RESET_JUMP either way resets the tracker:
 * the stream is taken to have restarted, and nothing in the jump is NACKed. */
#define VT_LOSS_WINDOW 1000
#define VT_LOSS_MAX_AGE_US G_USEC_PER_SEC
#define VT_LOSS_RESET_JUMP 3000
#define VT_LOSS_DEFAULT_MAX_RETRIES 3
#define VT_LOSS_DEFAULT_RETRY_INTERVAL_US (20 * 1000)
#define VT_LOSS_DEFAULT_REORDER_PACKETS 2
#define VT_LOSS_DEFAULT_REORDER_DELAY_US (5 * 1000)
#define VT_LOSS_MIN_RETRY_INTERVAL_US (5 * 1000) /* floor for an RTT-based spacing */

typedef struct _VtLossTracker VtLossTracker;

typedef struct {
  guint64 received;   /* every packet passed to on_packet, duplicates included */
  guint64 lost;       /* missing seqs that left the window without arriving */
  guint64 recovered;  /* missing seqs that arrived after being NACKed */
  guint64 reordered;  /* missing seqs that arrived before any NACK went out */
  guint64 nacks_sent; /* seqs handed out by poll, first NACKs and retries alike */
  guint64 resets;     /* jumps that reset the tracker */
} VtLossStats;

/* A tracker for one SSRC, with the default policy:
 *
 * - A gap makes every seq in it missing. The whole gap is NACKed together once
 *   VT_LOSS_DEFAULT_REORDER_PACKETS newer packets have arrived after the one
 *   that revealed it, or VT_LOSS_DEFAULT_REORDER_DELAY_US after it was seen,
 *   whichever comes first. A reordered packet arriving before that simply
 *   fills its gap and is never NACKed. Setting both to 0 NACKs at once.
 * - After the first NACK a missing seq is NACKed again up to
 *   VT_LOSS_DEFAULT_MAX_RETRIES times (so 1 + 3 NACKs in all), spaced by the
 *   retry interval, or by the RTT when one is set. Then it is given up: no more
 *   NACKs, but it stays in the window so that a late arrival still counts as
 *   recovered rather than lost.
 * - A missing seq that arrives is dropped at once, whatever its state. */
VtLossTracker *vt_loss_tracker_new(void);
void vt_loss_tracker_free(VtLossTracker *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtLossTracker, vt_loss_tracker_free)

/* Retries after the first NACK (at most 255). */
void vt_loss_tracker_set_max_retries(VtLossTracker *t, guint max_retries);
/* Spacing of retries while no RTT estimate is set. */
void vt_loss_tracker_set_retry_interval(VtLossTracker *t, gint64 interval_us);
/* The current RTT estimate (0: none). When set, retries are spaced by it, but
 * never closer than VT_LOSS_MIN_RETRY_INTERVAL_US. */
void vt_loss_tracker_set_rtt(VtLossTracker *t, gint64 rtt_us);
/* How long a gap may wait for reordered packets before its first NACK. */
void vt_loss_tracker_set_reorder_allowance(VtLossTracker *t, guint packets, gint64 delay_us);

/* Notes the arrival of `seq` at `now_us` (the original seq: an RFC 4588
 * retransmission is unwrapped by the caller first). Returns TRUE when the
 * packet is a NACKed loss arriving, late or retransmitted. */
gboolean vt_loss_tracker_on_packet(VtLossTracker *t, guint16 seq, gint64 now_us);

/* Writes up to `max` seqs that are due for a NACK at `now_us` into `out`,
 * oldest first, and marks them as sent; also forgets missing seqs that have
 * grown too old. Returns how many were written. Seqs that did not fit stay
 * due: vt_loss_tracker_next_deadline() then returns a time not after now_us. */
guint vt_loss_tracker_poll(VtLossTracker *t, gint64 now_us, guint16 *out, guint max);

/* When poll next has something to send: a monotonic time in microseconds, or
 * G_MAXINT64 when nothing is waiting. */
gint64 vt_loss_tracker_next_deadline(const VtLossTracker *t);

void vt_loss_tracker_get_stats(const VtLossTracker *t, VtLossStats *stats);

G_END_DECLS
