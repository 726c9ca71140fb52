/* webrtcbin statistics; see client-stats.h. */
#define GST_USE_UNSTABLE_API
#include "media/client-stats.h"

#include <gst/webrtc/webrtc.h>

/* Any integer field as a signed 64-bit value; 0 when absent or not an
 * integer. */
static gint64 get_integer(const GstStructure *s, const char *field)
{
  const GValue *v = gst_structure_get_value(s, field);
  if (!v)
    return 0;
  switch (G_VALUE_TYPE(v)) {
  case G_TYPE_INT:
    return g_value_get_int(v);
  case G_TYPE_UINT:
    return g_value_get_uint(v);
  case G_TYPE_INT64:
    return g_value_get_int64(v);
  case G_TYPE_UINT64:
    return (gint64)MIN(g_value_get_uint64(v), (guint64)G_MAXINT64);
  default:
    return 0;
  }
}

static guint64 get_count(const GstStructure *s, const char *field)
{
  gint64 v = get_integer(s, field);
  return v > 0 ? (guint64)v : 0;
}

typedef struct {
  GstWebRTCStatsType type;
  guint32 ssrc;
  const GstStructure *found;
} Search;

static gboolean match(GQuark field, const GValue *value, gpointer data)
{
  Search *search = data;
  if (!GST_VALUE_HOLDS_STRUCTURE(value))
    return TRUE;
  const GstStructure *s = gst_value_get_structure(value);
  GstWebRTCStatsType type;
  guint ssrc;
  if (!gst_structure_get(s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, NULL) ||
      type != search->type)
    return TRUE;
  if (!gst_structure_get_uint(s, "ssrc", &ssrc) || ssrc != search->ssrc)
    return TRUE;
  search->found = s;
  return FALSE; /* stop */
}

static const GstStructure *find(const GstStructure *stats, GstWebRTCStatsType type, guint32 ssrc)
{
  Search search = {type, ssrc, NULL};
  if (stats && ssrc)
    gst_structure_foreach(stats, match, &search);
  return search.found;
}

gboolean vt_client_stats_inbound(const GstStructure *stats, guint32 ssrc, VtInboundStats *out)
{
  *out = (VtInboundStats){0};
  const GstStructure *s = find(stats, GST_WEBRTC_STATS_INBOUND_RTP, ssrc);
  if (!s)
    return FALSE;
  out->packets_received = get_count(s, "packets-received");
  out->packets_lost = get_integer(s, "packets-lost");
  out->nack_count = get_count(s, "nack-count");
  out->pli_count = get_count(s, "pli-count");
  out->fir_count = get_count(s, "fir-count");
  return TRUE;
}

gboolean vt_client_stats_outbound(const GstStructure *stats, guint32 ssrc, VtOutboundStats *out)
{
  *out = (VtOutboundStats){0};
  const GstStructure *s = find(stats, GST_WEBRTC_STATS_OUTBOUND_RTP, ssrc);
  if (!s)
    return FALSE;
  out->packets_sent = get_count(s, "packets-sent");
  out->bytes_sent = get_count(s, "bytes-sent");
  return TRUE;
}
