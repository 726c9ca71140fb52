/* RTCP terminated at the relay (see design.md, "The media path").
 *
 * From publishers the relay takes sender reports (their NTP/RTP mapping,
 * passed on to subscribers so that lip sync survives the relay) and answers
 * with its own receiver reports, NACKs for uplink losses and a REMB. From
 * subscribers it takes NACKs (served from the cache), PLI/FIR (merged into
 * one keyframe request per 500 ms) and REMB; it sends them sender reports.
 * Nothing a subscriber says reaches the publisher unfiltered. */
#include "relay/media-priv.h"

#include <string.h>

#define CNAME "vitrine"
#define RTCP_BUF 1200

/* ---- incoming ---------------------------------------------------------------- */

static VtPubTrack *track_by_ssrc(VtMediaPeer *p, guint32 ssrc)
{
  for (guint i = 0; i < p->n_tracks; i++)
    if (p->tracks[i]->ssrc == ssrc && ssrc != 0)
      return p->tracks[i];
  return NULL;
}

void vt_feedback_publisher_rtcp(VtMediaPeer *p, const uint8_t *buf, size_t len, gint64 now_us)
{
  VtRtcpIter it;
  VtRtcpPacket pkt;
  if (vt_rtcp_iter_init(&it, buf, len, VT_RTCP_PARSE_RSIZE) < 0)
    return;
  while (vt_rtcp_iter_next(&it, &pkt)) {
    if (pkt.kind != VT_RTCP_KIND_SR)
      continue;
    VtPubTrack *t = track_by_ssrc(p, pkt.ssrc);
    if (!t)
      continue;
    vt_rtcp_recv_stats_sr(&t->stats, pkt.sender.ntp, now_us);
    t->have_sr = TRUE;
    t->sr_ntp = pkt.sender.ntp;
    t->sr_rtp = pkt.sender.rtp_ts;
    t->sr_local_us = now_us;
  }
}

static VtSubSlot *slot_by_ssrc(VtMediaPeer *p, guint32 ssrc)
{
  for (guint i = 0; i < p->n_slots; i++)
    if (p->slots[i]->track && p->slots[i]->ssrc == ssrc)
      return p->slots[i];
  return NULL;
}

static void on_nack(VtMediaPeer *p, const VtRtcpPacket *pkt, gint64 now_us)
{
  VtSubSlot *slot = slot_by_ssrc(p, pkt->media_ssrc);
  if (!slot)
    return;
  for (unsigned i = 0; i < pkt->n_items; i++) {
    guint16 pid, blp, seqs[VT_RTCP_NACK_MAX_PER_PAIR];
    vt_rtcp_packet_nack(pkt, i, &pid, &blp);
    unsigned n = vt_rtcp_nack_expand(pid, blp, seqs);
    for (unsigned k = 0; k < n; k++)
      vt_forward_resend(slot, seqs[k], now_us);
  }
}

static void on_keyframe_request(VtMediaPeer *p, guint32 ssrc, gint64 now_us)
{
  VtSubSlot *slot = slot_by_ssrc(p, ssrc);
  if (slot && slot->accepted)
    vt_forward_request_keyframe(slot->track, now_us, FALSE);
}

/* What the relay delivered to the slot since its previous REMB, in bits per
 * second (0 the first time: nothing to compare yet). */
static guint64 delivered_since_remb(VtSubSlot *slot, gint64 now_us)
{
  guint64 bps = 0;
  gint64 elapsed = now_us - slot->remb_mark_us;
  if (slot->remb_mark_us && elapsed > 0)
    bps = (guint64)(guint32)(slot->octets - slot->remb_mark_octets) * 8 * G_USEC_PER_SEC /
          (guint64)elapsed;
  slot->remb_mark_us = now_us;
  slot->remb_mark_octets = slot->octets;
  return bps;
}

/* A subscriber's estimate limits the publisher only when it is below what
 * the relay delivers to that subscriber now: the subscriber's link is
 * congested. A browser's receive-side estimate grows to at most 1.5 times
 * what it receives, so passing it on as it is would hold the publisher at
 * its own start rate for many seconds. */
static void on_remb(VtMediaPeer *p, const VtRtcpPacket *pkt, gint64 now_us)
{
  guint64 bps = pkt->remb_bitrate;
  guint64 delivered = 0;
  VtSubSlot *slots[VT_RTCP_MAX_REMB_SSRCS];
  unsigned n = 0;
  for (unsigned i = 0; i < pkt->n_items && n < G_N_ELEMENTS(slots); i++) {
    VtSubSlot *slot = slot_by_ssrc(p, vt_rtcp_packet_ssrc_at(pkt, i));
    if (slot) {
      delivered += delivered_since_remb(slot, now_us);
      slots[n++] = slot;
    }
  }
  gboolean congested = delivered > 0 && bps < delivered;
  for (unsigned i = 0; i < n; i++)
    slots[i]->remb_bps = congested ? (guint32)MIN(bps, G_MAXUINT32) : 0;
}

void vt_feedback_subscriber_rtcp(VtMediaPeer *p, const uint8_t *buf, size_t len, gint64 now_us)
{
  VtRtcpIter it;
  VtRtcpPacket pkt;
  if (vt_rtcp_iter_init(&it, buf, len, VT_RTCP_PARSE_RSIZE) < 0)
    return;
  while (vt_rtcp_iter_next(&it, &pkt)) {
    switch (pkt.kind) {
    case VT_RTCP_KIND_NACK:
      on_nack(p, &pkt, now_us);
      break;
    case VT_RTCP_KIND_PLI:
      on_keyframe_request(p, pkt.media_ssrc, now_us);
      break;
    case VT_RTCP_KIND_FIR:
      for (unsigned i = 0; i < pkt.n_items; i++) {
        guint32 ssrc;
        guint8 seq;
        vt_rtcp_packet_fir(&pkt, i, &ssrc, &seq);
        on_keyframe_request(p, ssrc, now_us);
      }
      break;
    case VT_RTCP_KIND_REMB:
      on_remb(p, &pkt, now_us);
      break;
    default:
      break;
    }
  }
}

/* ---- outgoing ---------------------------------------------------------------- */

static void send_upstream_nacks(VtPubTrack *t, gint64 now_us)
{
  guint16 seqs[VT_NACK_BATCH];
  guint n = vt_loss_tracker_poll(t->loss, now_us, seqs, G_N_ELEMENTS(seqs));
  VtMediaPeer *p = t->owner;
  if (n == 0 || !(t->codec.feedback & VT_SDP_FB_NACK) || !vt_transport_is_up(p->pub))
    return;
  uint8_t buf[RTCP_BUF + VT_SRTP_MAX_RTCP_OVERHEAD];
  int len = vt_rtcp_build_nack(buf, RTCP_BUF, p->rtcp_ssrc, t->ssrc, seqs, n);
  if (len > 0)
    vt_transport_send_rtcp(p->pub, buf, (size_t)len, sizeof buf);
}

/* The bitrate to ask of a publisher: the configured cap, lowered by what its
 * subscribers report they can take. */
static guint32 remb_for(const VtMediaPeer *p, guint32 cap)
{
  guint32 bps = cap;
  for (guint i = 0; i < p->n_tracks; i++) {
    const VtPubTrack *t = p->tracks[i];
    for (guint k = 0; k < t->slots->len; k++) {
      const VtSubSlot *slot = g_ptr_array_index(t->slots, k);
      if (slot->remb_bps && slot->remb_bps < bps)
        bps = slot->remb_bps;
    }
  }
  return bps;
}

static void report_to_publisher(VtMediaPeer *p, gint64 now_us)
{
  if (!p->pub || !vt_transport_is_up(p->pub))
    return;
  VtRtcpReportBlock blocks[VT_SDP_MAX_MEDIA];
  unsigned n = 0;
  guint32 ssrcs[VT_SDP_MAX_MEDIA];
  unsigned n_ssrcs = 0;
  for (guint i = 0; i < p->n_tracks; i++) {
    VtPubTrack *t = p->tracks[i];
    if (vt_rtcp_recv_stats_report(&t->stats, now_us, &blocks[n]) == 0)
      n++;
    if (t->kind == VT_SDP_KIND_VIDEO && t->ssrc)
      ssrcs[n_ssrcs++] = t->ssrc;
  }
  uint8_t buf[RTCP_BUF + VT_SRTP_MAX_RTCP_OVERHEAD];
  VtRtcpCompound c;
  vt_rtcp_compound_init(&c, buf, RTCP_BUF);
  vt_rtcp_compound_add(&c, vt_rtcp_build_rr_sdes(vt_rtcp_compound_tail(&c),
                                                 vt_rtcp_compound_room(&c), p->rtcp_ssrc, blocks,
                                                 n, CNAME, strlen(CNAME)));
  guint cap = p->room->config->max_bitrate_bps;
  if (p->pub_remb && cap && n_ssrcs)
    vt_rtcp_compound_add(&c, vt_rtcp_build_remb(vt_rtcp_compound_tail(&c),
                                                vt_rtcp_compound_room(&c), p->rtcp_ssrc,
                                                remb_for(p, cap), ssrcs, n_ssrcs));
  int len = vt_rtcp_compound_finish(&c);
  if (len > 0)
    vt_transport_send_rtcp(p->pub, buf, (size_t)len, sizeof buf);
}

/* The publisher's NTP/RTP pair, carried forward to now: the relay keeps RTP
 * timestamps as they are, so the publisher's mapping holds downstream. */
static void sender_info(const VtSubSlot *slot, gint64 now_us, VtRtcpSenderInfo *info)
{
  const VtPubTrack *t = slot->track;
  gint64 elapsed = MAX(now_us - t->sr_local_us, 0);
  guint64 secs = (guint64)(elapsed / G_USEC_PER_SEC);
  guint64 frac = ((guint64)(elapsed % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;
  info->ntp = t->sr_ntp + (secs << 32) + frac;
  info->rtp_ts = t->sr_rtp + (guint32)((guint64)elapsed * t->codec.clock_rate / G_USEC_PER_SEC);
  info->packet_count = slot->packets;
  info->octet_count = slot->octets;
}

static void report_to_subscriber(VtMediaPeer *p, gint64 now_us)
{
  if (!p->sub || !vt_transport_is_up(p->sub))
    return;
  for (guint i = 0; i < p->n_slots; i++) {
    const VtSubSlot *slot = p->slots[i];
    if (!slot->track || !slot->accepted || !slot->track->have_sr || slot->packets == 0)
      continue;
    VtRtcpSenderInfo info;
    sender_info(slot, now_us, &info);
    const char *cname = slot->track->owner->id; /* as in the offer's a=ssrc cname */
    uint8_t buf[RTCP_BUF + VT_SRTP_MAX_RTCP_OVERHEAD];
    int len = vt_rtcp_build_sr_sdes(buf, RTCP_BUF, slot->ssrc, &info, NULL, 0, cname,
                                    strlen(cname));
    if (len > 0)
      vt_transport_send_rtcp(p->sub, buf, (size_t)len, sizeof buf);
  }
}

void vt_feedback_send_twcc(VtMediaPeer *p, gint64 now_us)
{
  if (!p->twcc || !p->pub || !vt_transport_is_up(p->pub))
    return;
  guint32 media_ssrc = p->n_tracks ? p->tracks[0]->ssrc : 0;
  uint8_t buf[RTCP_BUF + VT_SRTP_MAX_RTCP_OVERHEAD];
  int len;
  while ((len = vt_twcc_build(p->twcc, buf, RTCP_BUF, p->rtcp_ssrc, media_ssrc, now_us)) > 0)
    vt_transport_send_rtcp(p->pub, buf, (size_t)len, sizeof buf);
}

void vt_feedback_tick(VtMediaRoom *room, gint64 now_us)
{
  gboolean reports = now_us >= room->next_report_us;
  if (reports)
    room->next_report_us = now_us + VT_REPORT_INTERVAL_US;
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, room->peers);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    VtMediaPeer *p = value;
    if (p->twcc && vt_twcc_due(p->twcc, now_us))
      vt_feedback_send_twcc(p, now_us);
    for (guint i = 0; i < p->n_tracks; i++) {
      VtPubTrack *t = p->tracks[i];
      vt_forward_keyframe_due(t, now_us);
      if (t->loss)
        send_upstream_nacks(t, now_us);
    }
    if (reports) {
      report_to_publisher(p, now_us);
      report_to_subscriber(p, now_us);
    }
  }
}
