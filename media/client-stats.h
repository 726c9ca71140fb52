/* Reading webrtcbin's "get-stats" reply (GStreamer 1.22): the reply is a
 * GstStructure whose fields are GstStructures, one per stats object, each
 * with a "type" (GstWebRTCStatsType) and the W3C stats as dashed names:
 * inbound-rtp has "ssrc", "packets-received", "packets-lost", "nack-count",
 * "pli-count", "fir-count"; outbound-rtp has "ssrc", "packets-sent",
 * "bytes-sent". The integer types have changed between GStreamer releases,
 * so any integer type is accepted. Pure apart from the GstStructure API. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct {
  guint64 packets_received;
  gint64 packets_lost;
  guint64 nack_count; /* NACKs this side sent */
  guint64 pli_count;  /* PLIs this side sent */
  guint64 fir_count;
} VtInboundStats;

typedef struct {
  guint64 packets_sent;
  guint64 bytes_sent;
} VtOutboundStats;

/* Fills *out from the inbound-rtp object of that SSRC; fields it lacks are
 * 0. FALSE (and *out zeroed) when there is none. */
gboolean vt_client_stats_inbound(const GstStructure *stats, guint32 ssrc, VtInboundStats *out);

/* Likewise for the outbound-rtp object of that SSRC. */
gboolean vt_client_stats_outbound(const GstStructure *stats, guint32 ssrc, VtOutboundStats *out);

G_END_DECLS
