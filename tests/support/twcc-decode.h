/* A reader of transport-wide congestion control feedback written from the
 * draft (draft-holmer-rmcat-transport-wide-cc-extensions-01, section 3.1),
 * apart from the relay's writer, for the unit test and the fuzz target to
 * check what relay/twcc.c builds. Header-only: fuzz targets link no test
 * support library. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <string.h>

#define TWCC_DECODE_MAX 8192

typedef struct {
  guint32 sender_ssrc;
  guint32 media_ssrc;
  guint16 base;
  guint count;
  gint64 reference_us; /* reference time * 64 ms */
  guint8 feedback_count;
  gboolean received[TWCC_DECODE_MAX];
  gint64 arrival_us[TWCC_DECODE_MAX]; /* received ones: reference + deltas */
} TwccFeedback;

static inline guint twcc_rd16(const uint8_t *p)
{
  return (guint)p[0] << 8 | p[1];
}

/* FALSE for anything that is not one well-formed feedback filling len. */
static inline gboolean twcc_decode(const uint8_t *buf, size_t len, TwccFeedback *fb)
{
  memset(fb, 0, sizeof *fb);
  if (len < 20 || len % 4 || (buf[0] >> 6) != 2 || (buf[0] & 0x1F) != 15 || buf[1] != 205)
    return FALSE;
  if ((twcc_rd16(buf + 2) + 1) * 4 != len)
    return FALSE;
  size_t end = len;
  if (buf[0] & 0x20) {
    if (buf[len - 1] == 0 || buf[len - 1] > len - 20)
      return FALSE;
    end -= buf[len - 1];
  }
  fb->sender_ssrc = (guint32)twcc_rd16(buf + 4) << 16 | twcc_rd16(buf + 6);
  fb->media_ssrc = (guint32)twcc_rd16(buf + 8) << 16 | twcc_rd16(buf + 10);
  fb->base = (guint16)twcc_rd16(buf + 12);
  fb->count = twcc_rd16(buf + 14);
  fb->reference_us = (gint64)(((guint32)twcc_rd16(buf + 16) << 8) | buf[18]) * 64000;
  fb->feedback_count = buf[19];
  if (fb->count == 0 || fb->count > TWCC_DECODE_MAX)
    return FALSE;
  guint8 symbols[TWCC_DECODE_MAX];
  guint n = 0;
  size_t pos = 20;
  while (n < fb->count) {
    if (pos + 2 > end)
      return FALSE;
    guint chunk = twcc_rd16(buf + pos);
    pos += 2;
    if (!(chunk & 0x8000)) {
      guint run = chunk & 0x1FFF;
      if (run == 0 || ((chunk >> 13) & 3) == 3)
        return FALSE;
      for (guint k = 0; k < run && n < fb->count; k++)
        symbols[n++] = (chunk >> 13) & 3;
    } else if (!(chunk & 0x4000)) {
      for (guint k = 0; k < 14 && n < fb->count; k++)
        symbols[n++] = (chunk >> (13 - k)) & 1;
    } else {
      for (guint k = 0; k < 7 && n < fb->count; k++) {
        guint8 s = (chunk >> (12 - 2 * k)) & 3;
        if (s == 3)
          return FALSE;
        symbols[n++] = s;
      }
    }
  }
  gint64 at = fb->reference_us;
  for (guint i = 0; i < fb->count; i++) {
    if (symbols[i] == 0)
      continue;
    gint64 delta;
    if (symbols[i] == 1) {
      if (pos + 1 > end)
        return FALSE;
      delta = buf[pos++];
    } else {
      if (pos + 2 > end)
        return FALSE;
      delta = (gint16)twcc_rd16(buf + pos);
      pos += 2;
    }
    at += delta * 250;
    fb->received[i] = TRUE;
    fb->arrival_us[i] = at;
  }
  /* Without the P bit, up to three zero bytes may still round it to 32 bits. */
  return end - pos < 4;
}
