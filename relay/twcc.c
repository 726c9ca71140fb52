/* Transport-wide congestion control feedback (see twcc.h). The packet:
 *
 *   RTCP header (PT 205, FMT 15), sender SSRC, media SSRC      12 bytes
 *   base sequence number (16), packet status count (16)         4 bytes
 *   reference time (24, units of 64 ms), feedback count (8)     4 bytes
 *   packet chunks, 16 bits each: run length, or a vector of symbols
 *   receive deltas, in 250 us: one byte (0..255) or two (signed)
 *   zero bytes up to 32 bits (the draft's own padding: no P bit)
 *
 * Symbols: 0 not received, 1 received with a one-byte delta, 2 received with
 * a two-byte delta. The first received packet's delta counts from the
 * reference time, each next one from the previous received packet. */
#include "relay/twcc.h"

#include <errno.h>
#include <string.h>

#include "relay/rtp.h"

#define PT_RTPFB 205
#define FMT_TWCC 15
#define FIXED_LEN 20
#define TICK_US 250           /* one delta unit */
#define REF_UNIT_US 64000     /* one reference time unit */
#define TICKS_PER_REF (REF_UNIT_US / TICK_US)
#define RUN_MAX 0x1FFF        /* 13-bit run length */
#define ONE_BIT_SYMBOLS 14
#define TWO_BIT_SYMBOLS 7

enum { NOT_RECEIVED = 0, SMALL_DELTA = 1, LARGE_DELTA = 2 };

static gint64 *slot(VtTwcc *t, gint64 ext)
{
  return &t->arrival_us[ext % VT_TWCC_WINDOW];
}

static void forget(VtTwcc *t, gint64 from, gint64 to)
{
  if (to - from >= VT_TWCC_WINDOW) {
    for (guint i = 0; i < VT_TWCC_WINDOW; i++)
      t->arrival_us[i] = -1;
    return;
  }
  for (gint64 e = from; e < to; e++)
    *slot(t, e) = -1;
}

void vt_twcc_init(VtTwcc *t)
{
  memset(t, 0, sizeof *t);
  forget(t, 0, VT_TWCC_WINDOW);
}

gboolean vt_twcc_on_packet(VtTwcc *t, guint16 seq, gint64 arrival_us)
{
  gint64 ext;
  if (!t->started) {
    ext = (gint64)seq + 0x10000; /* room below for late packets */
    t->base = t->end = ext;
    t->started = TRUE;
  } else {
    ext = t->last_ext + vt_seq_delta(seq, (guint16)t->last_ext);
  }
  if (ext < t->base) {
    /* Before the first feedback a late packet may still move the start;
     * after it, what is behind base has been reported as lost or received. */
    if (t->reported || t->end - ext > VT_TWCC_WINDOW)
      return FALSE;
    t->base = ext;
  }
  if (ext >= t->base + VT_TWCC_WINDOW) {
    /* Nobody took feedback for a whole window (or the numbers jumped): the
     * oldest go unreported rather than the newest. */
    gint64 base = ext - VT_TWCC_WINDOW + 1;
    forget(t, t->base, MIN(base, t->end));
    t->base = base;
    t->end = MAX(t->end, base);
  }
  t->last_ext = ext;
  gint64 *at = slot(t, ext);
  if (*at >= 0)
    return FALSE; /* a duplicate */
  *at = MAX(arrival_us, 0);
  t->end = MAX(t->end, ext + 1);
  return t->end - t->base >= VT_TWCC_WINDOW / 2;
}

gboolean vt_twcc_due(const VtTwcc *t, gint64 now_us)
{
  return t->started && t->end > t->base && now_us - t->last_feedback_us >= VT_TWCC_INTERVAL_US;
}

/* ---- building ---------------------------------------------------------------- */

typedef struct {
  guint8 symbols[VT_TWCC_MAX_PER_FEEDBACK];
  gint16 deltas[VT_TWCC_MAX_PER_FEEDBACK]; /* of received packets, in order */
  guint n;                                 /* packets covered */
  guint n_deltas;
  size_t delta_bytes;
  gint64 reference; /* in REF_UNIT_US */
} Report;

/* Chunks the symbols need at most: every chunk a two-bit vector. */
static size_t chunk_bytes(guint n)
{
  return 2 * (size_t)((n + TWO_BIT_SYMBOLS - 1) / TWO_BIT_SYMBOLS);
}

static size_t padded(size_t len)
{
  return (len + 3) & ~(size_t)3;
}

/* Chooses the packets of one feedback: from base onwards while they fit. */
static void collect(VtTwcc *t, size_t cap, Report *r)
{
  gint64 prev_ticks = 0;
  gboolean any = FALSE;
  memset(r, 0, sizeof *r);
  for (gint64 e = t->base; e < t->end && r->n < VT_TWCC_MAX_PER_FEEDBACK; e++) {
    gint64 at = *slot(t, e);
    guint8 symbol = NOT_RECEIVED;
    gint64 delta = 0;
    size_t bytes = 0;
    if (at >= 0) {
      if (!any)
        r->reference = at / REF_UNIT_US, prev_ticks = r->reference * TICKS_PER_REF;
      delta = at / TICK_US - prev_ticks;
      if (delta < G_MININT16 || delta > G_MAXINT16)
        break; /* too far from the previous one: the next feedback starts here */
      symbol = delta >= 0 && delta <= 255 ? SMALL_DELTA : LARGE_DELTA;
      bytes = symbol == SMALL_DELTA ? 1 : 2;
    }
    if (FIXED_LEN + chunk_bytes(r->n + 1) + r->delta_bytes + bytes + 3 > cap)
      break;
    if (at >= 0) {
      any = TRUE;
      prev_ticks = at / TICK_US;
      r->deltas[r->n_deltas++] = (gint16)delta;
      r->delta_bytes += bytes;
    }
    r->symbols[r->n++] = symbol;
  }
}

static void put16(uint8_t *p, guint v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, guint32 v)
{
  put16(p, v >> 16);
  put16(p + 2, v & 0xFFFF);
}

/* Writes the chunks for r's symbols; returns the bytes written. */
static size_t write_chunks(const Report *r, uint8_t *out)
{
  size_t len = 0;
  guint i = 0;
  while (i < r->n) {
    guint run = 1;
    while (i + run < r->n && run < RUN_MAX && r->symbols[i + run] == r->symbols[i])
      run++;
    guint chunk;
    if (run >= ONE_BIT_SYMBOLS) {
      chunk = (guint)r->symbols[i] << 13 | run;
      i += run;
    } else {
      gboolean one_bit = TRUE;
      for (guint k = i; k < MIN(i + ONE_BIT_SYMBOLS, r->n); k++)
        one_bit &= r->symbols[k] != LARGE_DELTA;
      guint width = one_bit ? 1 : 2;
      guint count = one_bit ? ONE_BIT_SYMBOLS : TWO_BIT_SYMBOLS;
      chunk = 1u << 15 | (one_bit ? 0 : 1u << 14);
      for (guint k = 0; k < count; k++) {
        guint symbol = i + k < r->n ? r->symbols[i + k] : NOT_RECEIVED;
        chunk |= symbol << (14 - width * (k + 1));
      }
      i += count;
    }
    put16(out + len, chunk);
    len += 2;
  }
  return len;
}

int vt_twcc_build(VtTwcc *t, uint8_t *buf, size_t cap, guint32 sender_ssrc, guint32 media_ssrc,
                  gint64 now_us)
{
  if (!t->started || t->end <= t->base)
    return 0;
  Report report;
  Report *r = &report;
  collect(t, cap, r);
  if (r->n == 0)
    return -ENOBUFS;
  size_t len = FIXED_LEN + write_chunks(r, buf + FIXED_LEN);
  for (guint i = 0; i < r->n_deltas; i++) {
    gint16 d = r->deltas[i];
    if (d >= 0 && d <= 255) {
      buf[len++] = (uint8_t)d;
    } else {
      put16(buf + len, (guint16)d);
      len += 2;
    }
  }
  size_t total = padded(len);
  memset(buf + len, 0, total - len);
  buf[0] = (uint8_t)(0x80 | FMT_TWCC);
  buf[1] = PT_RTPFB;
  put16(buf + 2, (guint)(total / 4 - 1));
  put32(buf + 4, sender_ssrc);
  put32(buf + 8, media_ssrc);
  put16(buf + 12, (guint)(t->base & 0xFFFF));
  put16(buf + 14, r->n);
  put32(buf + 16, (guint32)(r->reference & 0xFFFFFF) << 8 | t->feedback_count++);
  forget(t, t->base, t->base + r->n);
  t->base += r->n;
  t->reported = TRUE;
  t->last_feedback_us = now_us;
  return (int)total;
}
