/* Unit tests for media/client-stats.c: a get-stats reply shaped like
 * webrtcbin 1.22's (a structure of structures with a GstWebRTCStatsType
 * "type"), read by SSRC, with the integer types the fields have had across
 * releases. */
#define GST_USE_UNSTABLE_API
#include "media/client-stats.h"

#include <gst/webrtc/webrtc.h>

static void add(GstStructure *stats, const char *id, GstStructure *s)
{
  gst_structure_set(stats, id, GST_TYPE_STRUCTURE, s, NULL);
  gst_structure_free(s);
}

static GstStructure *reply(void)
{
  GstStructure *stats = gst_structure_new_empty("application/x-webrtc-stats");
  add(stats, "peer-connection-stats",
      gst_structure_new("peer-connection-stats", "type", GST_TYPE_WEBRTC_STATS_TYPE,
                        GST_WEBRTC_STATS_PEER_CONNECTION, NULL));
  add(stats, "rtp-inbound-stream-stats_1111",
      gst_structure_new("rtp-inbound-stream-stats", "type", GST_TYPE_WEBRTC_STATS_TYPE,
                        GST_WEBRTC_STATS_INBOUND_RTP, "ssrc", G_TYPE_UINT, 1111, "packets-received",
                        G_TYPE_UINT64, (guint64)500, "packets-lost", G_TYPE_INT64, (gint64)4,
                        "nack-count", G_TYPE_UINT, 6, "pli-count", G_TYPE_UINT, 2, "fir-count",
                        G_TYPE_UINT, 1, NULL));
  /* Same SSRC, other type: must not be taken for the inbound one. */
  add(stats, "rtp-remote-outbound-stream-stats_1111",
      gst_structure_new("rtp-remote-outbound-stream-stats", "type", GST_TYPE_WEBRTC_STATS_TYPE,
                        GST_WEBRTC_STATS_REMOTE_OUTBOUND_RTP, "ssrc", G_TYPE_UINT, 1111,
                        "nack-count", G_TYPE_UINT, 99, NULL));
  add(stats, "rtp-inbound-stream-stats_2222",
      gst_structure_new("rtp-inbound-stream-stats", "type", GST_TYPE_WEBRTC_STATS_TYPE,
                        GST_WEBRTC_STATS_INBOUND_RTP, "ssrc", G_TYPE_UINT, 2222, "packets-lost",
                        G_TYPE_INT, -1, NULL));
  add(stats, "rtp-outbound-stream-stats_3333",
      gst_structure_new("rtp-outbound-stream-stats", "type", GST_TYPE_WEBRTC_STATS_TYPE,
                        GST_WEBRTC_STATS_OUTBOUND_RTP, "ssrc", G_TYPE_UINT, 3333, "packets-sent",
                        G_TYPE_UINT64, (guint64)900, "bytes-sent", G_TYPE_UINT64, (guint64)800000,
                        NULL));
  return stats;
}

static void test_inbound(void)
{
  g_autoptr(GstStructure) stats = reply();
  VtInboundStats in;
  g_assert_true(vt_client_stats_inbound(stats, 1111, &in));
  g_assert_cmpuint(in.packets_received, ==, 500);
  g_assert_cmpint(in.packets_lost, ==, 4);
  g_assert_cmpuint(in.nack_count, ==, 6);
  g_assert_cmpuint(in.pli_count, ==, 2);
  g_assert_cmpuint(in.fir_count, ==, 1);

  /* Fields left out are 0; a signed loss keeps its sign. */
  g_assert_true(vt_client_stats_inbound(stats, 2222, &in));
  g_assert_cmpint(in.packets_lost, ==, -1);
  g_assert_cmpuint(in.nack_count, ==, 0);
  g_assert_cmpuint(in.packets_received, ==, 0);

  in.nack_count = 42;
  g_assert_false(vt_client_stats_inbound(stats, 3333, &in)); /* outbound only */
  g_assert_cmpuint(in.nack_count, ==, 0);
  g_assert_false(vt_client_stats_inbound(stats, 0, &in));
  g_assert_false(vt_client_stats_inbound(NULL, 1111, &in));
}

static void test_outbound(void)
{
  g_autoptr(GstStructure) stats = reply();
  VtOutboundStats out;
  g_assert_true(vt_client_stats_outbound(stats, 3333, &out));
  g_assert_cmpuint(out.packets_sent, ==, 900);
  g_assert_cmpuint(out.bytes_sent, ==, 800000);
  g_assert_false(vt_client_stats_outbound(stats, 1111, &out));
  g_assert_cmpuint(out.packets_sent, ==, 0);
}

int main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/client-stats/inbound", test_inbound);
  g_test_add_func("/client-stats/outbound", test_outbound);
  return g_test_run();
}
