/* NTP time conversions and per-source receive statistics for RTCP reports
 * (see rtcp.h). Time comes in as arguments; nothing here reads a clock. */
#include "relay/rtcp.h"

#include <errno.h>
#include <string.h>

#include "relay/rtcp-priv.h"

#define US_PER_S 1000000
#define NTP_UNIX_OFFSET INT64_C(2208988800) /* seconds from 1900 to 1970 */

uint64_t vt_rtcp_ntp_from_unix_us(int64_t unix_us)
{
  int64_t sec = unix_us / US_PER_S, rem = unix_us % US_PER_S;

  if (rem < 0) {
    rem += US_PER_S;
    sec--;
  }
  /* Seconds are taken modulo 2^32: the era wraps in 2036, as NTP does. */
  uint64_t ntp_sec = (uint64_t)(sec + NTP_UNIX_OFFSET) & 0xffffffffu;
  uint64_t frac = (((uint64_t)rem << 32) + US_PER_S / 2) / US_PER_S;
  return ntp_sec << 32 | frac;
}

int64_t vt_rtcp_ntp_to_unix_us(uint64_t ntp)
{
  int64_t sec = (int64_t)(ntp >> 32);
  uint64_t frac = ntp & 0xffffffffu;

  if (!(sec & 0x80000000)) /* era 1: 2036-02-07 and later */
    sec += INT64_C(1) << 32;
  int64_t us = (int64_t)((frac * US_PER_S + (UINT64_C(1) << 31)) >> 32);
  return (sec - NTP_UNIX_OFFSET) * US_PER_S + us;
}

uint32_t vt_rtcp_ntp_compact(uint64_t ntp)
{
  return (uint32_t)(ntp >> 16);
}

uint32_t vt_rtcp_compact_from_us(int64_t us)
{
  if (us <= 0)
    return 0;
  if (us >= INT64_C(65536) * US_PER_S)
    return UINT32_MAX;
  uint64_t v = ((uint64_t)us * 65536 + US_PER_S / 2) / US_PER_S;
  return (uint32_t)MIN(v, UINT32_MAX);
}

int64_t vt_rtcp_compact_to_us(uint32_t compact)
{
  return (int64_t)(((uint64_t)compact * US_PER_S + 32768) >> 16);
}

int64_t vt_rtcp_rtt_us(int64_t arrival_unix_us, uint32_t lsr, uint32_t dlsr)
{
  if (lsr == 0)
    return -ENODATA;
  uint32_t arrival = vt_rtcp_ntp_compact(vt_rtcp_ntp_from_unix_us(arrival_unix_us));
  uint32_t rtt = arrival - lsr - dlsr; /* modulo 2^32, like the fields */
  if (rtt > 0x7fffffffu)
    return -ERANGE;
  return vt_rtcp_compact_to_us(rtt);
}

void vt_rtcp_recv_stats_init(VtRtcpRecvStats *s, uint32_t ssrc, uint32_t clock_rate)
{
  g_return_if_fail(s != NULL);
  memset(s, 0, sizeof *s);
  s->ssrc = ssrc;
  g_return_if_fail(clock_rate > 0);
  s->clock_rate = clock_rate;
}

/* A duration in microseconds in RTP timestamp units, modulo 2^32 (only
 * differences of these matter). */
static uint32_t us_to_rtp_units(int64_t us, uint32_t clock_rate)
{
  int64_t sec = us / US_PER_S, rem = us % US_PER_S;
  uint64_t whole = (uint64_t)sec * clock_rate;
  return (uint32_t)(whole + (uint64_t)(rem * (int64_t)clock_rate / US_PER_S));
}

/* RFC 3550 A.8 with the jitter kept times 16. Only packets that advance the
 * highest sequence number and carry a new RTP timestamp count: the packets of
 * one video frame share a timestamp and leave in a burst paced by the sender,
 * so their spacing says nothing about the network (libwebrtc does the same). */
static void update_jitter(VtRtcpRecvStats *s, uint32_t rtp_ts, int64_t arrival_us)
{
  uint32_t arrival = us_to_rtp_units(arrival_us - s->first_arrival_us, s->clock_rate);
  uint32_t transit = arrival - rtp_ts;
  uint32_t d = transit - s->transit;

  if (d > 0x7fffffffu)
    d = 0u - d;
  s->transit = transit;
  s->last_rtp_ts = rtp_ts;
  s->jitter_q4 += d - ((s->jitter_q4 + 8) >> 4);
}

void vt_rtcp_recv_stats_update(VtRtcpRecvStats *s, uint32_t ext_seq, uint32_t rtp_ts,
                               int64_t arrival_us)
{
  g_return_if_fail(s != NULL && s->clock_rate > 0);
  if (!s->started) {
    s->started = TRUE;
    s->base_seq = s->max_seq = ext_seq;
    s->received = 1;
    s->first_arrival_us = arrival_us;
    s->last_rtp_ts = rtp_ts;
    s->transit = 0u - rtp_ts; /* arrival 0 in the units of update_jitter() */
    return;
  }
  s->received++;
  if (ext_seq < s->base_seq) /* reordered ahead of the first packet seen */
    s->base_seq = ext_seq;
  if (ext_seq <= s->max_seq) /* duplicate or late */
    return;
  s->max_seq = ext_seq;
  if (rtp_ts != s->last_rtp_ts)
    update_jitter(s, rtp_ts, arrival_us);
}

void vt_rtcp_recv_stats_sr(VtRtcpRecvStats *s, uint64_t ntp, int64_t arrival_us)
{
  g_return_if_fail(s != NULL);
  s->have_sr = TRUE;
  s->sr_compact = vt_rtcp_ntp_compact(ntp);
  s->sr_arrival_us = arrival_us;
}

/* RFC 3550 A.3: the loss counts of a report. */
int vt_rtcp_recv_stats_report(VtRtcpRecvStats *s, int64_t now_us, VtRtcpReportBlock *out)
{
  g_return_val_if_fail(s != NULL && out != NULL, -EINVAL);
  memset(out, 0, sizeof *out);
  if (!s->started)
    return -ENODATA;

  uint32_t expected = s->max_seq - s->base_seq + 1;
  int64_t lost = (int64_t)expected - (int64_t)s->received;
  uint32_t expected_interval = expected - s->expected_prior;
  int64_t received_interval = (int64_t)(s->received - s->received_prior);
  int64_t lost_interval = (int64_t)expected_interval - received_interval;
  s->expected_prior = expected;
  s->received_prior = s->received;

  out->ssrc = s->ssrc;
  if (expected_interval > 0 && lost_interval > 0)
    out->fraction_lost = (uint8_t)MIN((lost_interval << 8) / expected_interval, 255);
  out->cumulative_lost = (int32_t)CLAMP(lost, -0x800000, 0x7fffff);
  out->highest_seq = s->max_seq;
  out->jitter = (uint32_t)MIN(s->jitter_q4 >> 4, UINT32_MAX);
  if (s->have_sr) {
    out->lsr = s->sr_compact;
    out->dlsr = vt_rtcp_compact_from_us(now_us - s->sr_arrival_us);
  }
  return 0;
}
