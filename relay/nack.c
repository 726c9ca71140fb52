/* NACK handling for one video track: the retransmission cache that answers
 * subscribers' NACKs, and the loss tracker that decides what to NACK on a
 * publisher's uplink. See nack.h for the contracts and the policy.
 *
 * Both index fixed rings by sequence number. Every ring size is a power of two
 * no larger than 32768, so it divides 65536 and `seq & mask` stays the same
 * slot across the 16-bit wrap. Serial-number comparisons take the 16-bit
 * difference as a signed value (RFC 1982 style), never the raw numbers. */
#include "relay/nack.h"

#include <errno.h>
#include <string.h>

/* The signed distance from `from` to `to` in 16-bit serial arithmetic. */
static inline gint seq_delta(guint16 to, guint16 from)
{
  return (gint16)(guint16)(to - from);
}

/* ---- Retransmission cache ------------------------------------------------ */

typedef struct {
  gint64 arrival_us;
  gint64 resent_us; /* when it was last handed out, if `resent` */
  gboolean resent;
  guint16 seq;
  guint16 len; /* 0: the slot is empty */
  guint8 data[VT_RTX_MAX_PACKET];
} RtxSlot;

struct _VtRtxCache {
  RtxSlot *slots;
  guint capacity;
  guint mask;
  gboolean have_newest;
  guint16 newest;
  gint64 resend_interval_us;
};

VtRtxCache *vt_rtx_cache_new(guint capacity)
{
  if (capacity == 0)
    capacity = VT_RTX_DEFAULT_CAPACITY;
  g_return_val_if_fail(capacity <= 32768 && (capacity & (capacity - 1)) == 0, NULL);

  VtRtxCache *cache = g_new0(VtRtxCache, 1);
  cache->slots = g_new0(RtxSlot, capacity);
  cache->capacity = capacity;
  cache->mask = capacity - 1;
  cache->resend_interval_us = VT_RTX_DEFAULT_RESEND_INTERVAL_US;
  return cache;
}

void vt_rtx_cache_free(VtRtxCache *cache)
{
  if (cache == NULL)
    return;
  g_free(cache->slots);
  g_free(cache);
}

void vt_rtx_cache_set_resend_interval(VtRtxCache *cache, gint64 interval_us)
{
  g_return_if_fail(cache != NULL);
  g_return_if_fail(interval_us >= 0);
  cache->resend_interval_us = interval_us;
}

/* Decides whether `seq`, arriving at now_us, may be stored, and moves the
 * newest seq forward when seq is ahead of it. A seq within `capacity` behind
 * the newest is a late packet with a slot of its own in the window. One
 * further behind is refused while the stream is live (the newest packet is
 * younger than the default max age), since its slot now belongs to a newer
 * packet; after such a pause it is taken as a restart of the numbering. */
static gboolean accept_seq(VtRtxCache *cache, guint16 seq, gint64 now_us)
{
  if (G_UNLIKELY(!cache->have_newest)) {
    cache->have_newest = TRUE;
    cache->newest = seq;
    return TRUE;
  }
  gint behind = seq_delta(cache->newest, seq);
  if (behind < 0) {
    cache->newest = seq;
    return TRUE;
  }
  if (G_LIKELY(behind < (gint)cache->capacity))
    return TRUE;
  const RtxSlot *head = &cache->slots[cache->newest & cache->mask];
  if (now_us - head->arrival_us < VT_RTX_DEFAULT_MAX_AGE_US)
    return FALSE;
  cache->newest = seq;
  return TRUE;
}

int vt_rtx_cache_put(VtRtxCache *cache, const uint8_t *pkt, size_t len, guint16 seq, gint64 now_us)
{
  g_return_val_if_fail(cache != NULL, -EINVAL);
  g_return_val_if_fail(pkt != NULL || len == 0, -EINVAL);

  if (G_UNLIKELY(len > VT_RTX_MAX_PACKET))
    return -EMSGSIZE;
  if (G_UNLIKELY(len == 0))
    return -EINVAL;
  if (G_UNLIKELY(!accept_seq(cache, seq, now_us)))
    return -ESTALE;

  RtxSlot *slot = &cache->slots[seq & cache->mask];
  memcpy(slot->data, pkt, len);
  slot->len = (guint16)len;
  slot->seq = seq;
  slot->arrival_us = now_us;
  slot->resent = FALSE;
  return 0;
}

int vt_rtx_cache_get(VtRtxCache *cache, guint16 seq, gint64 now_us, gint64 max_age_us,
                     const uint8_t **pkt, size_t *len)
{
  g_return_val_if_fail(cache != NULL && pkt != NULL && len != NULL, -EINVAL);
  g_return_val_if_fail(max_age_us >= 0, -EINVAL);

  if (G_UNLIKELY(!cache->have_newest))
    return -ENOENT;
  /* Outside the window the slot belongs to another seq, whatever it holds. */
  gint behind = seq_delta(cache->newest, seq);
  if (behind < 0 || behind >= (gint)cache->capacity)
    return -ENOENT;
  RtxSlot *slot = &cache->slots[seq & cache->mask];
  if (slot->len == 0 || slot->seq != seq || now_us - slot->arrival_us > max_age_us)
    return -ENOENT;
  if (slot->resent && cache->resend_interval_us > 0 &&
      now_us - slot->resent_us < cache->resend_interval_us)
    return -EAGAIN;

  slot->resent = TRUE;
  slot->resent_us = now_us;
  *pkt = slot->data;
  *len = slot->len;
  return 0;
}

/* ---- Loss tracker -------------------------------------------------------- */

/* Live entries span at most VT_LOSS_WINDOW + 1 seqs, so with more slots than
 * that no two of them ever share a slot. */
#define LOSS_SLOTS 1024
#define LOSS_MASK (LOSS_SLOTS - 1)
G_STATIC_ASSERT(LOSS_SLOTS > VT_LOSS_WINDOW + 1);

typedef enum {
  LOSS_EMPTY,
  LOSS_MISSING,  /* being NACKed */
  LOSS_GIVEN_UP, /* retries spent; kept to tell a late arrival from a loss */
} LossState;

typedef struct {
  gint64 ext;         /* extended seq: 16-bit seq plus 65536 per wrap */
  gint64 revealed_by; /* extended seq of the packet that revealed the gap */
  gint64 seen_us;     /* when the gap was revealed */
  gint64 next_us;     /* when the next NACK is due by time */
  guint16 sends;      /* NACKs sent so far */
  guint8 state;       /* LossState */
} LossSlot;

struct _VtLossTracker {
  LossSlot slots[LOSS_SLOTS];
  gboolean started;
  gint64 highest; /* extended seq of the newest packet */
  gint64 oldest;  /* every live entry lies in [oldest, highest) */
  guint live;     /* entries missing or given up */
  guint missing;  /* entries still to be NACKed */
  guint max_retries;
  gint64 retry_interval_us;
  gint64 rtt_us;
  guint reorder_packets;
  gint64 reorder_delay_us;
  VtLossStats stats;
};

VtLossTracker *vt_loss_tracker_new(void)
{
  VtLossTracker *t = g_new0(VtLossTracker, 1);
  t->max_retries = VT_LOSS_DEFAULT_MAX_RETRIES;
  t->retry_interval_us = VT_LOSS_DEFAULT_RETRY_INTERVAL_US;
  t->reorder_packets = VT_LOSS_DEFAULT_REORDER_PACKETS;
  t->reorder_delay_us = VT_LOSS_DEFAULT_REORDER_DELAY_US;
  return t;
}

void vt_loss_tracker_free(VtLossTracker *t)
{
  g_free(t);
}

void vt_loss_tracker_set_max_retries(VtLossTracker *t, guint max_retries)
{
  g_return_if_fail(t != NULL);
  g_return_if_fail(max_retries <= 255);
  t->max_retries = max_retries;
}

void vt_loss_tracker_set_retry_interval(VtLossTracker *t, gint64 interval_us)
{
  g_return_if_fail(t != NULL);
  g_return_if_fail(interval_us > 0);
  t->retry_interval_us = interval_us;
}

void vt_loss_tracker_set_rtt(VtLossTracker *t, gint64 rtt_us)
{
  g_return_if_fail(t != NULL);
  g_return_if_fail(rtt_us >= 0);
  t->rtt_us = rtt_us;
}

void vt_loss_tracker_set_reorder_allowance(VtLossTracker *t, guint packets, gint64 delay_us)
{
  g_return_if_fail(t != NULL);
  g_return_if_fail(delay_us >= 0);
  t->reorder_packets = packets;
  t->reorder_delay_us = delay_us;
}

void vt_loss_tracker_get_stats(const VtLossTracker *t, VtLossStats *stats)
{
  g_return_if_fail(t != NULL && stats != NULL);
  *stats = t->stats;
}

/* The live entry for `ext`, or NULL. */
static LossSlot *entry_of(const VtLossTracker *t, gint64 ext)
{
  const LossSlot *slot = &t->slots[(guint16)ext & LOSS_MASK];
  return slot->state != LOSS_EMPTY && slot->ext == ext ? (LossSlot *)slot : NULL;
}

static void forget(VtLossTracker *t, LossSlot *slot)
{
  if (slot->state == LOSS_MISSING)
    t->missing--;
  slot->state = LOSS_EMPTY;
  t->live--;
}

/* Moves `oldest` up to the first live entry. Amortised O(1): it only moves
 * forward, and never past the newest seq. */
static void trim(VtLossTracker *t)
{
  while (t->live > 0 && entry_of(t, t->oldest) == NULL)
    t->oldest++;
  if (t->live == 0)
    t->oldest = t->highest + 1;
}

/* Forgets, as lost, every live entry below `limit`. */
static void expire_before(VtLossTracker *t, gint64 limit)
{
  for (; t->live > 0 && t->oldest < limit; t->oldest++) {
    LossSlot *slot = entry_of(t, t->oldest);
    if (slot != NULL) {
      forget(t, slot);
      t->stats.lost++;
    }
  }
}

/* Starts over at `seq`, counting whatever was still missing as lost. */
static void restart(VtLossTracker *t, guint16 seq)
{
  expire_before(t, t->highest + 1);
  t->highest = seq;
  t->oldest = t->highest + 1;
}

static void add_missing(VtLossTracker *t, gint64 ext, gint64 revealed_by, gint64 now_us)
{
  LossSlot *slot = &t->slots[(guint16)ext & LOSS_MASK];
  if (G_UNLIKELY(slot->state != LOSS_EMPTY)) { /* cannot happen; see LOSS_SLOTS */
    forget(t, slot);
    t->stats.lost++;
  }
  *slot = (LossSlot){.ext = ext,
                     .revealed_by = revealed_by,
                     .seen_us = now_us,
                     .next_us = now_us + t->reorder_delay_us,
                     .state = LOSS_MISSING};
  t->live++;
  t->missing++;
}

/* A packet ahead of the newest, at `new_high`: the seqs between become
 * missing, except those already too far behind, which are lost outright. */
static void advance(VtLossTracker *t, gint64 new_high, gint64 now_us)
{
  gint64 first = t->highest + 1;
  gint64 limit = new_high - VT_LOSS_WINDOW;

  expire_before(t, limit);
  if (first < limit) {
    t->stats.lost += (guint64)(limit - first);
    first = limit;
  }
  if (t->live == 0)
    t->oldest = first;
  for (gint64 ext = first; ext < new_high; ext++)
    add_missing(t, ext, new_high, now_us);
  t->highest = new_high;
  trim(t);
}

/* A packet behind the newest, at `ext`: fills its gap if it was missing. */
static gboolean fill(VtLossTracker *t, gint64 ext)
{
  LossSlot *slot = entry_of(t, ext);
  if (slot == NULL)
    return FALSE; /* a duplicate, or too late to matter */
  gboolean nacked = slot->sends > 0;
  if (nacked)
    t->stats.recovered++;
  else
    t->stats.reordered++;
  forget(t, slot);
  trim(t);
  return nacked;
}

gboolean vt_loss_tracker_on_packet(VtLossTracker *t, guint16 seq, gint64 now_us)
{
  g_return_val_if_fail(t != NULL, FALSE);

  t->stats.received++;
  if (G_UNLIKELY(!t->started)) {
    t->started = TRUE;
    restart(t, seq);
    return FALSE;
  }
  gint delta = seq_delta(seq, (guint16)t->highest);
  if (G_LIKELY(delta == 1 && t->live == 0)) {
    t->highest++;
    t->oldest = t->highest + 1;
    return FALSE;
  }
  if (G_UNLIKELY(delta > VT_LOSS_RESET_JUMP || delta < -VT_LOSS_RESET_JUMP)) {
    t->stats.resets++;
    restart(t, seq);
    return FALSE;
  }
  if (delta > 0) {
    advance(t, t->highest + delta, now_us);
    return FALSE;
  }
  return fill(t, t->highest + delta);
}

/* The spacing of retries: the RTT when known (with a floor), else the
 * configured interval. */
static gint64 retry_spacing(const VtLossTracker *t)
{
  if (t->rtt_us > 0)
    return MAX(t->rtt_us, VT_LOSS_MIN_RETRY_INTERVAL_US);
  return t->retry_interval_us;
}

/* When the entry is next due: a first NACK is due early once enough newer
 * packets arrived after its gap was revealed. */
static gint64 due_at(const VtLossTracker *t, const LossSlot *slot)
{
  if (slot->sends == 0 && t->highest - slot->revealed_by >= (gint64)t->reorder_packets)
    return slot->seen_us;
  return slot->next_us;
}

static void mark_sent(VtLossTracker *t, LossSlot *slot, gint64 now_us)
{
  slot->sends++;
  slot->next_us = now_us + retry_spacing(t);
  t->stats.nacks_sent++;
  if (slot->sends > t->max_retries) {
    slot->state = LOSS_GIVEN_UP;
    t->missing--;
  }
}

guint vt_loss_tracker_poll(VtLossTracker *t, gint64 now_us, guint16 *out, guint max)
{
  g_return_val_if_fail(t != NULL, 0);
  g_return_val_if_fail(out != NULL || max == 0, 0);

  guint n = 0;
  guint left = t->live;
  for (gint64 ext = t->oldest; left > 0 && ext < t->highest; ext++) {
    LossSlot *slot = entry_of(t, ext);
    if (slot == NULL)
      continue;
    left--;
    if (now_us - slot->seen_us > VT_LOSS_MAX_AGE_US) {
      forget(t, slot);
      t->stats.lost++;
      continue;
    }
    if (slot->state == LOSS_MISSING && n < max && now_us >= due_at(t, slot)) {
      out[n++] = (guint16)ext;
      mark_sent(t, slot, now_us);
    }
  }
  trim(t);
  return n;
}

gint64 vt_loss_tracker_next_deadline(const VtLossTracker *t)
{
  g_return_val_if_fail(t != NULL, G_MAXINT64);

  gint64 deadline = G_MAXINT64;
  guint left = t->missing;
  for (gint64 ext = t->oldest; left > 0 && ext < t->highest; ext++) {
    const LossSlot *slot = entry_of(t, ext);
    if (slot == NULL || slot->state != LOSS_MISSING)
      continue;
    left--;
    deadline = MIN(deadline, due_at(t, slot));
  }
  return deadline;
}
