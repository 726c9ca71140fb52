/* Unit tests for relay/sdp*.c: the publish offer of a real-looking Chrome
 * and Safari, the relay's answer re-parsed with GstSDP field by field, every
 * refusal with its error code, the relay's subscribe offers (0, 1, 3 tracks,
 * renegotiation with stable mids) and the check of the client's answer.
 *
 * The offers are written out as the browsers send them (Chrome: Opus + RED,
 * VP8, VP9, H.264 in four profiles and both packetization modes, AV1, RTX,
 * RED/ULPFEC, simulcast-less FID groups; Safari: H.264 high first, H.265,
 * VP8, VP9). Refusals are made by editing them line by line. */
#include "relay/sdp.h"

#include <gst/sdp/sdp.h>
#include <string.h>

/* The two captures stay one SDP line per source line. */
// clang-format off
/* The feedback browsers offer for every video codec, in their order. */
#define BROWSER_FB(pt)                                                                             \
  "a=rtcp-fb:" pt " goog-remb\r\na=rtcp-fb:" pt " transport-cc\r\na=rtcp-fb:" pt               \
  " ccm fir\r\na=rtcp-fb:" pt " nack\r\na=rtcp-fb:" pt " nack pli\r\n"

static const char CHROME_OFFER[] =
  "v=0\r\n"
  "o=- 4215775240449105457 2 IN IP4 127.0.0.1\r\n"
  "s=-\r\n"
  "t=0 0\r\n"
  "a=group:BUNDLE 0 1\r\n"
  "a=extmap-allow-mixed\r\n"
  "a=msid-semantic: WMS f4d1a2b3-0c9e-4e7a-9b1d-6a5c3e2f1d0a\r\n"
  "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
  "c=IN IP4 0.0.0.0\r\n"
  "a=rtcp:9 IN IP4 0.0.0.0\r\n"
  "a=candidate:1467250027 1 udp 2122260223 192.168.1.20 54763 typ host generation 0 network-id 1\r\n"
  "a=candidate:2712451209 1 udp 1686052607 203.0.113.7 54763 typ srflx raddr 192.168.1.20 rport 54763 generation 0 network-id 1\r\n"
  "a=ice-ufrag:Xk3q\r\n"
  "a=ice-pwd:9mFz2Yb7Lq4rT8vW1nC6pD0s\r\n"
  "a=ice-options:trickle\r\n"
  "a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n"
  "a=setup:actpass\r\n"
  "a=mid:0\r\n"
  "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
  "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
  "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
  "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
  "a=sendonly\r\n"
  "a=msid:f4d1a2b3-0c9e-4e7a-9b1d-6a5c3e2f1d0a 8c3b2a19-7d6e-4f5a-b4c3-2d1e0f9a8b7c\r\n"
  "a=rtcp-mux\r\n"
  "a=rtcp-rsize\r\n"
  "a=rtpmap:111 opus/48000/2\r\n"
  "a=rtcp-fb:111 transport-cc\r\n"
  "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
  "a=rtpmap:63 red/48000/2\r\n"
  "a=fmtp:63 111/111\r\n"
  "a=rtpmap:9 G722/8000\r\n"
  "a=rtpmap:0 PCMU/8000\r\n"
  "a=rtpmap:8 PCMA/8000\r\n"
  "a=rtpmap:13 CN/8000\r\n"
  "a=rtpmap:110 telephone-event/48000\r\n"
  "a=rtpmap:126 telephone-event/8000\r\n"
  "a=ssrc:3735928559 cname:Yq9eXb2Lk+7rT4w/\r\n"
  "a=ssrc:3735928559 msid:f4d1a2b3-0c9e-4e7a-9b1d-6a5c3e2f1d0a 8c3b2a19-7d6e-4f5a-b4c3-2d1e0f9a8b7c\r\n"
  "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125 39 40 45 46 98 99 100 101 112 113 116 117 118\r\n"
  "c=IN IP4 0.0.0.0\r\n"
  "a=rtcp:9 IN IP4 0.0.0.0\r\n"
  "a=ice-ufrag:Xk3q\r\n"
  "a=ice-pwd:9mFz2Yb7Lq4rT8vW1nC6pD0s\r\n"
  "a=ice-options:trickle\r\n"
  "a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n"
  "a=setup:actpass\r\n"
  "a=mid:1\r\n"
  "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
  "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
  "a=extmap:13 urn:3gpp:video-orientation\r\n"
  "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
  "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
  "a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type\r\n"
  "a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing\r\n"
  "a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space\r\n"
  "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
  "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
  "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
  "a=sendonly\r\n"
  "a=msid:f4d1a2b3-0c9e-4e7a-9b1d-6a5c3e2f1d0a 1e2d3c4b-5a69-4788-9766-a5b4c3d2e1f0\r\n"
  "a=rtcp-mux\r\n"
  "a=rtcp-rsize\r\n"
  "a=rtpmap:96 VP8/90000\r\n"
  BROWSER_FB("96")
  "a=rtpmap:97 rtx/90000\r\n"
  "a=fmtp:97 apt=96\r\n"
  "a=rtpmap:102 H264/90000\r\n"
  BROWSER_FB("102")
  "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
  "a=rtpmap:103 rtx/90000\r\n"
  "a=fmtp:103 apt=102\r\n"
  "a=rtpmap:104 H264/90000\r\n"
  BROWSER_FB("104")
  "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n"
  "a=rtpmap:105 rtx/90000\r\n"
  "a=fmtp:105 apt=104\r\n"
  "a=rtpmap:106 H264/90000\r\n"
  BROWSER_FB("106")
  "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
  "a=rtpmap:107 rtx/90000\r\n"
  "a=fmtp:107 apt=106\r\n"
  "a=rtpmap:108 H264/90000\r\n"
  BROWSER_FB("108")
  "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\n"
  "a=rtpmap:109 rtx/90000\r\n"
  "a=fmtp:109 apt=108\r\n"
  "a=rtpmap:127 H264/90000\r\n"
  BROWSER_FB("127")
  "a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f\r\n"
  "a=rtpmap:125 rtx/90000\r\n"
  "a=fmtp:125 apt=127\r\n"
  "a=rtpmap:39 H264/90000\r\n"
  BROWSER_FB("39")
  "a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f\r\n"
  "a=rtpmap:40 rtx/90000\r\n"
  "a=fmtp:40 apt=39\r\n"
  "a=rtpmap:45 AV1/90000\r\n"
  BROWSER_FB("45")
  "a=fmtp:45 level-idx=5;profile=0;tier=0\r\n"
  "a=rtpmap:46 rtx/90000\r\n"
  "a=fmtp:46 apt=45\r\n"
  "a=rtpmap:98 VP9/90000\r\n"
  BROWSER_FB("98")
  "a=fmtp:98 profile-id=0\r\n"
  "a=rtpmap:99 rtx/90000\r\n"
  "a=fmtp:99 apt=98\r\n"
  "a=rtpmap:100 VP9/90000\r\n"
  BROWSER_FB("100")
  "a=fmtp:100 profile-id=2\r\n"
  "a=rtpmap:101 rtx/90000\r\n"
  "a=fmtp:101 apt=100\r\n"
  "a=rtpmap:112 H264/90000\r\n"
  BROWSER_FB("112")
  "a=fmtp:112 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f\r\n"
  "a=rtpmap:113 rtx/90000\r\n"
  "a=fmtp:113 apt=112\r\n"
  "a=rtpmap:116 red/90000\r\n"
  "a=rtpmap:117 rtx/90000\r\n"
  "a=fmtp:117 apt=116\r\n"
  "a=rtpmap:118 ulpfec/90000\r\n"
  "a=ssrc-group:FID 1122334455 2233445566\r\n"
  "a=ssrc:1122334455 cname:Yq9eXb2Lk+7rT4w/\r\n"
  "a=ssrc:1122334455 msid:f4d1a2b3-0c9e-4e7a-9b1d-6a5c3e2f1d0a 1e2d3c4b-5a69-4788-9766-a5b4c3d2e1f0\r\n"
  "a=ssrc:2233445566 cname:Yq9eXb2Lk+7rT4w/\r\n"
  "a=ssrc:2233445566 msid:f4d1a2b3-0c9e-4e7a-9b1d-6a5c3e2f1d0a 1e2d3c4b-5a69-4788-9766-a5b4c3d2e1f0\r\n";

static const char SAFARI_OFFER[] =
  "v=0\r\n"
  "o=- 6930457389203618406 2 IN IP4 127.0.0.1\r\n"
  "s=-\r\n"
  "t=0 0\r\n"
  "a=group:BUNDLE 0 1\r\n"
  "a=extmap-allow-mixed\r\n"
  "a=msid-semantic: WMS 0C1F7E2A-9B3D-4C5E-8F60-7A1B2C3D4E5F\r\n"
  "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
  "c=IN IP4 0.0.0.0\r\n"
  "a=rtcp:9 IN IP4 0.0.0.0\r\n"
  "a=ice-ufrag:pQ7n\r\n"
  "a=ice-pwd:W3rT6yU9iO2pA5sD8fG1hJ4k\r\n"
  "a=ice-options:trickle\r\n"
  "a=fingerprint:sha-256 C4:02:91:7E:5A:3B:88:D6:1F:04:E9:B2:6C:73:A5:0D:3E:9F:41:B8:27:6A:DC:15:F0:8E:53:C9:7B:24:66:A1\r\n"
  "a=setup:actpass\r\n"
  "a=mid:0\r\n"
  "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
  "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
  "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
  "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
  "a=sendonly\r\n"
  "a=msid:0C1F7E2A-9B3D-4C5E-8F60-7A1B2C3D4E5F 7F6E5D4C-3B2A-4190-8877-665544332211\r\n"
  "a=rtcp-mux\r\n"
  "a=rtpmap:111 opus/48000/2\r\n"
  "a=rtcp-fb:111 transport-cc\r\n"
  "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
  "a=rtpmap:63 red/48000/2\r\n"
  "a=fmtp:63 111/111\r\n"
  "a=rtpmap:9 G722/8000\r\n"
  "a=rtpmap:0 PCMU/8000\r\n"
  "a=rtpmap:8 PCMA/8000\r\n"
  "a=rtpmap:13 CN/8000\r\n"
  "a=rtpmap:110 telephone-event/48000\r\n"
  "a=rtpmap:126 telephone-event/8000\r\n"
  "a=ssrc:1470586470 cname:kT8s2Pq+Vw5mXz3R\r\n"
  "a=ssrc:1470586470 msid:0C1F7E2A-9B3D-4C5E-8F60-7A1B2C3D4E5F 7F6E5D4C-3B2A-4190-8877-665544332211\r\n"
  "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 127 125 104 105 106 107\r\n"
  "c=IN IP4 0.0.0.0\r\n"
  "a=rtcp:9 IN IP4 0.0.0.0\r\n"
  "a=ice-ufrag:pQ7n\r\n"
  "a=ice-pwd:W3rT6yU9iO2pA5sD8fG1hJ4k\r\n"
  "a=ice-options:trickle\r\n"
  "a=fingerprint:sha-256 C4:02:91:7E:5A:3B:88:D6:1F:04:E9:B2:6C:73:A5:0D:3E:9F:41:B8:27:6A:DC:15:F0:8E:53:C9:7B:24:66:A1\r\n"
  "a=setup:actpass\r\n"
  "a=mid:1\r\n"
  "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
  "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
  "a=extmap:13 urn:3gpp:video-orientation\r\n"
  "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
  "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
  "a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type\r\n"
  "a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing\r\n"
  "a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space\r\n"
  "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
  "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
  "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
  "a=sendonly\r\n"
  "a=msid:0C1F7E2A-9B3D-4C5E-8F60-7A1B2C3D4E5F A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D\r\n"
  "a=rtcp-mux\r\n"
  "a=rtcp-rsize\r\n"
  "a=rtpmap:96 H264/90000\r\n"
  BROWSER_FB("96")
  "a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640c1f\r\n"
  "a=rtpmap:97 rtx/90000\r\n"
  "a=fmtp:97 apt=96\r\n"
  "a=rtpmap:98 H264/90000\r\n"
  BROWSER_FB("98")
  "a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
  "a=rtpmap:99 rtx/90000\r\n"
  "a=fmtp:99 apt=98\r\n"
  "a=rtpmap:100 H265/90000\r\n"
  BROWSER_FB("100")
  "a=fmtp:100 level-id=93;profile-id=1;tier-flag=0;tx-mode=SRST\r\n"
  "a=rtpmap:101 rtx/90000\r\n"
  "a=fmtp:101 apt=100\r\n"
  "a=rtpmap:127 VP8/90000\r\n"
  BROWSER_FB("127")
  "a=rtpmap:125 rtx/90000\r\n"
  "a=fmtp:125 apt=127\r\n"
  "a=rtpmap:104 VP9/90000\r\n"
  BROWSER_FB("104")
  "a=fmtp:104 profile-id=0\r\n"
  "a=rtpmap:105 rtx/90000\r\n"
  "a=fmtp:105 apt=104\r\n"
  "a=rtpmap:106 red/90000\r\n"
  "a=rtpmap:107 ulpfec/90000\r\n"
  "a=ssrc-group:FID 2595844441 3032152318\r\n"
  "a=ssrc:2595844441 cname:kT8s2Pq+Vw5mXz3R\r\n"
  "a=ssrc:2595844441 msid:0C1F7E2A-9B3D-4C5E-8F60-7A1B2C3D4E5F A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D\r\n"
  "a=ssrc:3032152318 cname:kT8s2Pq+Vw5mXz3R\r\n"
  "a=ssrc:3032152318 msid:0C1F7E2A-9B3D-4C5E-8F60-7A1B2C3D4E5F A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D\r\n";
// clang-format on

#define CHROME_FP_TEXT                                                                             \
  "7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:"  \
  "08"
static const guint8 CHROME_FP[32] = {
    0x7B, 0x8B, 0xF0, 0x65, 0x5F, 0x78, 0xE2, 0x51, 0x3B, 0xAC, 0x6F, 0xF3, 0x3F, 0x46, 0x1B, 0x35,
    0xDC, 0xB8, 0x5F, 0x64, 0x1A, 0x24, 0xC2, 0x43, 0xF0, 0xA1, 0x58, 0xD0, 0xA1, 0x2C, 0x19, 0x08};
#define URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define URI_ABS "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define URI_TWCC "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define URI_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

static const char *const RELAY_CANDIDATES[] = {
    "candidate:1 1 udp 2130706431 198.51.100.10 40000 typ host", NULL};

static VtLocalDescription relay_local(guint features)
{
  VtLocalDescription l = {0};

  l.ice_ufrag = "RlyA";
  l.ice_pwd = "r3layPassw0rd+For/Tests1";
  for (guint i = 0; i < VT_SDP_FINGERPRINT_LEN; i++)
    l.fingerprint[i] = (guint8)(0xA0 + i);
  l.trickle = TRUE;
  l.candidates = RELAY_CANDIDATES;
  l.end_of_candidates = TRUE;
  l.features = features;
  l.session_id = G_GUINT64_CONSTANT(7312895021845530571);
  l.session_version = 1;
  return l;
}

/* ---- helpers ---- */

/* Replaces every occurrence; the edit must apply. */
static char *replace(const char *s, const char *from, const char *to)
{
  g_auto(GStrv) parts = g_strsplit(s, from, -1);

  g_assert_cmpuint(g_strv_length(parts), >, 1);
  return g_strjoinv(to, parts);
}

/* Drops every CRLF line starting with prefix; at least one must go. */
static char *drop_lines(const char *s, const char *prefix)
{
  g_auto(GStrv) lines = g_strsplit(s, "\r\n", -1);
  GString *out = g_string_new(NULL);
  guint dropped = 0;

  for (guint i = 0; lines[i] != NULL; i++) {
    if (lines[i + 1] == NULL && lines[i][0] == '\0')
      break;
    if (g_str_has_prefix(lines[i], prefix)) {
      dropped++;
      continue;
    }
    g_string_append_printf(out, "%s\r\n", lines[i]);
  }
  g_assert_cmpuint(dropped, >, 0);
  return g_string_free(out, FALSE);
}

/* An edit of a valid SDP: from -> to, or (to == NULL) drop lines starting
 * with from; optionally a second one. */
typedef struct {
  const char *name;
  const char *from, *to;
  const char *from2, *to2;
  VtSdpError code;
} Edit;

static char *edit(const char *text, const char *from, const char *to)
{
  return to ? replace(text, from, to) : drop_lines(text, from);
}

static char *apply(const char *text, const Edit *e)
{
  g_autofree char *once = edit(text, e->from, e->to);

  return e->from2 ? edit(once, e->from2, e->to2) : g_steal_pointer(&once);
}

static VtPublishOffer *parse_ok(const char *text, const VtSdpCodecPrefs *prefs)
{
  g_autoptr(GError) error = NULL;
  VtPublishOffer *offer = NULL;
  gboolean ok = vt_sdp_parse_publish_offer_with_prefs(text, strlen(text), prefs, &offer, &error);

  g_assert_no_error(error);
  g_assert_true(ok);
  return offer;
}

static void expect_refused(const char *text, gsize len, VtSdpError code)
{
  g_autoptr(GError) error = NULL;
  VtPublishOffer *offer = NULL;

  g_assert_false(vt_sdp_parse_publish_offer(text, len, &offer, &error));
  g_assert_error(error, VT_SDP_ERROR, (gint)code);
  g_assert_null(offer);
  g_test_message("refused: %s", error->message);
}

static GstSDPMessage *reparse(const char *text)
{
  GstSDPMessage *msg = NULL;

  g_assert_nonnull(text);
  g_assert_cmpint(gst_sdp_message_new_from_text(text, &msg), ==, GST_SDP_OK);
  return msg;
}

/* All values of key on m, joined with "|" ("" when none). */
static char *attrs(const GstSDPMedia *m, const char *key)
{
  GString *s = g_string_new(NULL);

  for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, i);

    if (strcmp(a->key, key) == 0)
      g_string_append_printf(s, "%s%s", s->len ? "|" : "", a->value ? a->value : "");
  }
  return g_string_free(s, FALSE);
}

static gboolean has(const GstSDPMedia *m, const char *key)
{
  return gst_sdp_media_get_attribute_val(m, key) != NULL;
}

static char *formats(const GstSDPMedia *m)
{
  GString *s = g_string_new(NULL);

  for (guint i = 0; i < gst_sdp_media_formats_len(m); i++)
    g_string_append_printf(s, "%s%s", i ? " " : "", gst_sdp_media_get_format(m, i));
  return g_string_free(s, FALSE);
}

#define assert_attrs(m, key, expected)                                                             \
  do {                                                                                             \
    g_autofree char *got_ = attrs(m, key);                                                         \
    g_assert_cmpstr(got_, ==, expected);                                                           \
  } while (0)

#define assert_formats(m, expected)                                                                \
  do {                                                                                             \
    g_autofree char *got_ = formats(m);                                                            \
    g_assert_cmpstr(got_, ==, expected);                                                           \
  } while (0)

/* Every line ends in CRLF. */
static void assert_crlf(const char *text)
{
  for (const char *p = text; *p; p++) {
    if (*p == '\n')
      g_assert_true(p > text && p[-1] == '\r');
  }
  g_assert_true(g_str_has_suffix(text, "\r\n"));
}

/* ---- fingerprints and vocabulary ---- */

static void test_fingerprint(void)
{
  static const char *const bad[] = {
      "sha-1 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64",
      "sha-256 7B:8B:F0",
      "sha-256 7B8BF0655F78E2513BAC6FF33F461B35DCB85F641A24C243F0A158D0A12C1908",
      "sha-256 " CHROME_FP_TEXT ":00",
      "sha-256" CHROME_FP_TEXT,
      "sha-256 7G:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:"
      "D0:A1:2C:19:08",
      "sha-256 " CHROME_FP_TEXT " x",
      "",
  };
  guint8 fp[VT_SDP_FINGERPRINT_LEN];
  g_autofree char *text = NULL;
  g_autofree char *lower = g_ascii_strdown("SHA-256 " CHROME_FP_TEXT "  ", -1);

  g_assert_true(vt_sdp_fingerprint_parse("sha-256 " CHROME_FP_TEXT, fp, NULL));
  g_assert_cmpmem(fp, sizeof fp, CHROME_FP, sizeof CHROME_FP);
  text = vt_sdp_fingerprint_format(fp);
  g_assert_cmpstr(text, ==, "sha-256 " CHROME_FP_TEXT);
  memset(fp, 0, sizeof fp);
  g_assert_true(vt_sdp_fingerprint_parse(lower, fp, NULL));
  g_assert_cmpmem(fp, sizeof fp, CHROME_FP, sizeof CHROME_FP);
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;

    g_assert_false(vt_sdp_fingerprint_parse(bad[i], fp, &error));
    g_assert_error(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_FINGERPRINT);
  }
}

static void test_vocabulary(void)
{
  VtSdpCodecId id;
  guint8 pt, rtx;

  g_assert_cmpint(vt_sdp_h264_profile(0x42e01f), ==, VT_SDP_H264_CONSTRAINED_BASELINE);
  g_assert_cmpint(vt_sdp_h264_profile(0x42c01f), ==, VT_SDP_H264_CONSTRAINED_BASELINE);
  g_assert_cmpint(vt_sdp_h264_profile(0x4d801f), ==, VT_SDP_H264_CONSTRAINED_BASELINE);
  g_assert_cmpint(vt_sdp_h264_profile(0x42001f), ==, VT_SDP_H264_BASELINE);
  g_assert_cmpint(vt_sdp_h264_profile(0x4d001f), ==, VT_SDP_H264_MAIN);
  g_assert_cmpint(vt_sdp_h264_profile(0x640c1f), ==, VT_SDP_H264_CONSTRAINED_HIGH);
  g_assert_cmpint(vt_sdp_h264_profile(0x64001f), ==, VT_SDP_H264_HIGH);
  g_assert_cmpint(vt_sdp_h264_profile(0x6e001f), ==, VT_SDP_H264_UNKNOWN); /* High 10 */
  g_assert_cmpint(vt_sdp_h264_profile(0x42e11f), ==, VT_SDP_H264_UNKNOWN); /* reserved bit */
  g_assert_true(vt_sdp_codec_from_string("vp8", &id) && id == VT_SDP_CODEC_VP8);
  g_assert_true(vt_sdp_codec_from_string("H264", &id) && id == VT_SDP_CODEC_H264);
  g_assert_true(vt_sdp_codec_from_string("Opus", &id) && id == VT_SDP_CODEC_OPUS);
  g_assert_false(vt_sdp_codec_from_string("vp9", &id));
  g_assert_true(vt_sdp_relay_payload_types(VT_SDP_CODEC_H264, 0x42e01f, &pt, &rtx));
  g_assert_cmpuint(pt, ==, 102);
  g_assert_cmpuint(rtx, ==, 103);
  g_assert_false(vt_sdp_relay_payload_types(VT_SDP_CODEC_H264, 0x6e001f, &pt, &rtx));
  g_assert_cmpint(vt_sdp_answer_setup(VT_SDP_SETUP_ACTPASS), ==, VT_SDP_SETUP_PASSIVE);
  g_assert_cmpint(vt_sdp_answer_setup(VT_SDP_SETUP_ACTIVE), ==, VT_SDP_SETUP_PASSIVE);
  g_assert_cmpint(vt_sdp_answer_setup(VT_SDP_SETUP_PASSIVE), ==, VT_SDP_SETUP_ACTIVE);
  g_assert_cmpstr(vt_sdp_error_code(VT_SDP_ERROR_NO_BUNDLE), ==, "sdp_no_bundle");
}

/* ---- publish offers ---- */

static void test_chrome_offer(void)
{
  g_autoptr(VtPublishOffer) offer = parse_ok(CHROME_OFFER, NULL);
  const VtPublishMedia *a, *v;

  g_assert_cmpstr(offer->transport.ice_ufrag, ==, "Xk3q");
  g_assert_cmpstr(offer->transport.ice_pwd, ==, "9mFz2Yb7Lq4rT8vW1nC6pD0s");
  g_assert_cmpmem(offer->transport.fingerprint, 32, CHROME_FP, 32);
  g_assert_cmpint(offer->transport.setup, ==, VT_SDP_SETUP_ACTPASS);
  g_assert_true(offer->transport.trickle);
  g_assert_false(offer->transport.ice_lite);
  g_assert_false(offer->transport.end_of_candidates);
  g_assert_cmpuint(g_strv_length(offer->transport.candidates), ==, 2);
  g_assert_true(g_str_has_prefix(offer->transport.candidates[0],
                                 "candidate:1467250027 1 udp 2122260223 192.168.1.20 54763"));
  g_assert_cmpuint(offer->n_media, ==, 2);

  a = &offer->media[0];
  g_assert_cmpstr(a->mid, ==, "0");
  g_assert_cmpint(a->kind, ==, VT_SDP_KIND_AUDIO);
  g_assert_cmpint(a->state, ==, VT_SDP_MEDIA_ACCEPTED);
  g_assert_cmpint(a->direction, ==, VT_SDP_SENDONLY);
  g_assert_cmpint(a->codec.id, ==, VT_SDP_CODEC_OPUS);
  g_assert_cmpuint(a->codec.pt, ==, 111);
  g_assert_cmpuint(a->codec.rtx_pt, ==, 0);
  g_assert_cmpuint(a->codec.clock_rate, ==, 48000);
  g_assert_cmpuint(a->codec.channels, ==, 2);
  g_assert_cmpuint(a->codec.feedback, ==, VT_SDP_FB_TRANSPORT_CC);
  g_assert_cmpuint(a->ext_ids[VT_SDP_EXT_AUDIO_LEVEL], ==, 1);
  g_assert_cmpuint(a->ext_ids[VT_SDP_EXT_ABS_SEND_TIME], ==, 2);
  g_assert_cmpuint(a->ext_ids[VT_SDP_EXT_TWCC], ==, 3);
  g_assert_cmpuint(a->ext_ids[VT_SDP_EXT_MID], ==, 4);
  g_assert_true(a->rtcp_rsize);
  g_assert_cmpuint(a->ssrc, ==, 3735928559u);
  g_assert_cmpuint(a->rtx_ssrc, ==, 0);
  g_assert_cmpstr(a->cname, ==, "Yq9eXb2Lk+7rT4w/");
  g_assert_cmpstr(a->stream_id, ==, "f4d1a2b3-0c9e-4e7a-9b1d-6a5c3e2f1d0a");
  g_assert_cmpstr(a->track_id, ==, "8c3b2a19-7d6e-4f5a-b4c3-2d1e0f9a8b7c");

  v = &offer->media[1];
  g_assert_cmpstr(v->mid, ==, "1");
  g_assert_cmpint(v->kind, ==, VT_SDP_KIND_VIDEO);
  g_assert_cmpint(v->state, ==, VT_SDP_MEDIA_ACCEPTED);
  g_assert_cmpint(v->codec.id, ==, VT_SDP_CODEC_VP8); /* default preference */
  g_assert_cmpuint(v->codec.pt, ==, 96);
  g_assert_cmpuint(v->codec.rtx_pt, ==, 97);
  g_assert_cmpuint(v->codec.clock_rate, ==, 90000);
  g_assert_cmpuint(v->codec.feedback, ==,
                   VT_SDP_FB_NACK | VT_SDP_FB_NACK_PLI | VT_SDP_FB_CCM_FIR | VT_SDP_FB_GOOG_REMB |
                       VT_SDP_FB_TRANSPORT_CC);
  g_assert_cmpuint(v->ext_ids[VT_SDP_EXT_MID], ==, 4);
  g_assert_cmpuint(v->ext_ids[VT_SDP_EXT_ABS_SEND_TIME], ==, 2);
  g_assert_cmpuint(v->ext_ids[VT_SDP_EXT_TWCC], ==, 3);
  g_assert_cmpuint(v->ext_ids[VT_SDP_EXT_AUDIO_LEVEL], ==, 0);
  g_assert_cmpuint(v->ssrc, ==, 1122334455u);
  g_assert_cmpuint(v->rtx_ssrc, ==, 2233445566u);
  g_assert_cmpstr(v->track_id, ==, "1e2d3c4b-5a69-4788-9766-a5b4c3d2e1f0");
}

/* A relay configured to take H.264 only (video-codecs = h264). */
static VtSdpCodecPrefs h264_only(void)
{
  VtSdpCodecPrefs prefs;

  vt_sdp_codec_prefs_init_default(&prefs);
  prefs.video[0] = VT_SDP_CODEC_H264;
  prefs.n_video = 1;
  return prefs;
}

/* Among Chrome's H.264 variants the relay takes constrained baseline with
 * packetization-mode=1 (106), not the first listed (102, baseline); without
 * it, baseline before main and high; mode 0 is never taken. */
static void test_chrome_h264(void)
{
  VtSdpCodecPrefs prefs = h264_only();
  g_autoptr(VtPublishOffer) offer = parse_ok(CHROME_OFFER, &prefs);
  g_autofree char *no_cb =
      replace(CHROME_OFFER, "profile-level-id=42e01f", "profile-level-id=f4001f");
  g_autoptr(VtPublishOffer) offer2 = parse_ok(no_cb, &prefs);
  const VtSdpCodec *c = &offer->media[1].codec;

  g_assert_cmpint(c->id, ==, VT_SDP_CODEC_H264);
  g_assert_cmpuint(c->pt, ==, 106);
  g_assert_cmpuint(c->rtx_pt, ==, 107);
  g_assert_cmpuint(c->h264_profile_level_id, ==, 0x42e01f);
  g_assert_cmpint(c->h264_profile, ==, VT_SDP_H264_CONSTRAINED_BASELINE);
  c = &offer2->media[1].codec;
  g_assert_cmpuint(c->pt, ==, 102);
  g_assert_cmpuint(c->rtx_pt, ==, 103);
  g_assert_cmpint(c->h264_profile, ==, VT_SDP_H264_BASELINE);
}

static void test_safari_offer(void)
{
  VtSdpCodecPrefs prefs = h264_only();
  g_autoptr(VtPublishOffer) offer = parse_ok(SAFARI_OFFER, NULL);
  g_autoptr(VtPublishOffer) h264 = parse_ok(SAFARI_OFFER, &prefs);
  g_autofree char *vp8_first =
      replace(SAFARI_OFFER, "SAVPF 96 97 98 99 100 101 127 125 104 105 106 107",
              "SAVPF 127 125 96 97 98 99 100 101 104 105 106 107");
  g_autoptr(VtPublishOffer) vp8 = parse_ok(vp8_first, NULL);
  g_autofree char *high_only =
      replace(SAFARI_OFFER, "profile-level-id=42e01f", "profile-level-id=6e001f");
  g_autoptr(VtPublishOffer) high = parse_ok(high_only, &prefs);

  g_assert_cmpuint(offer->n_media, ==, 2);
  g_assert_cmpstr(offer->transport.ice_ufrag, ==, "pQ7n");
  g_assert_cmpuint(g_strv_length(offer->transport.candidates), ==, 0);
  g_assert_cmpint(offer->media[0].codec.id, ==, VT_SDP_CODEC_OPUS);
  g_assert_false(offer->media[0].rtcp_rsize);
  g_assert_cmpuint(offer->media[0].ssrc, ==, 1470586470u);
  g_assert_cmpstr(offer->media[0].cname, ==, "kT8s2Pq+Vw5mXz3R");
  /* H.264 is listed first (iPhones encode it in hardware): the relay takes
   * it, and among the H.264 variants constrained baseline (98) over
   * constrained high (96) */
  g_assert_cmpint(offer->media[1].codec.id, ==, VT_SDP_CODEC_H264);
  g_assert_cmpuint(offer->media[1].codec.pt, ==, 98);
  g_assert_cmpuint(offer->media[1].codec.rtx_pt, ==, 99);
  g_assert_cmpuint(offer->media[1].ssrc, ==, 2595844441u);
  g_assert_cmpuint(offer->media[1].rtx_ssrc, ==, 3032152318u);
  g_assert_cmpstr(offer->media[1].stream_id, ==, "0C1F7E2A-9B3D-4C5E-8F60-7A1B2C3D4E5F");
  /* The same browser listing VP8 first gets VP8; a relay that takes H.264
   * only takes H.264 whatever the order. */
  g_assert_cmpint(vp8->media[1].codec.id, ==, VT_SDP_CODEC_VP8);
  g_assert_cmpuint(vp8->media[1].codec.pt, ==, 127);
  g_assert_cmpuint(vp8->media[1].codec.rtx_pt, ==, 125);
  g_assert_cmpuint(h264->media[1].codec.pt, ==, 98);
  g_assert_cmpuint(h264->media[1].codec.rtx_pt, ==, 99);
  g_assert_cmpuint(high->media[1].codec.pt, ==, 96);
  g_assert_cmpuint(high->media[1].codec.rtx_pt, ==, 97);
  g_assert_cmpint(high->media[1].codec.h264_profile, ==, VT_SDP_H264_CONSTRAINED_HIGH);
}

/* The answer to Chrome's offer, re-parsed with GstSDP, field by field. */
/* Tracks over a publisher's limit are rejected in m-line order; what was not
 * accepted anyway (inactive) does not count. */
static void test_limit_tracks(void)
{
  VtPublishMedia media[5] = {
      {.kind = VT_SDP_KIND_AUDIO, .state = VT_SDP_MEDIA_ACCEPTED},
      {.kind = VT_SDP_KIND_VIDEO, .state = VT_SDP_MEDIA_INACTIVE},
      {.kind = VT_SDP_KIND_VIDEO, .state = VT_SDP_MEDIA_ACCEPTED},
      {.kind = VT_SDP_KIND_VIDEO, .state = VT_SDP_MEDIA_ACCEPTED},
      {.kind = VT_SDP_KIND_AUDIO, .state = VT_SDP_MEDIA_ACCEPTED},
  };
  VtPublishOffer offer = {.media = media, .n_media = G_N_ELEMENTS(media)};
  g_assert_cmpuint(vt_publish_offer_limit_tracks(&offer, 1, 1), ==, 2);
  g_assert_cmpint(media[0].state, ==, VT_SDP_MEDIA_ACCEPTED);
  g_assert_cmpint(media[1].state, ==, VT_SDP_MEDIA_INACTIVE);
  g_assert_cmpint(media[2].state, ==, VT_SDP_MEDIA_ACCEPTED);
  g_assert_cmpint(media[3].state, ==, VT_SDP_MEDIA_REJECTED);
  g_assert_cmpint(media[4].state, ==, VT_SDP_MEDIA_REJECTED);
  g_assert_cmpuint(vt_publish_offer_limit_tracks(&offer, 1, 1), ==, 0);
}

/* A rejected track is answered with port 0, and the rest still carries the
 * candidates and the bundle. */
static void test_limit_tracks_answer(void)
{
  g_autoptr(VtPublishOffer) offer = parse_ok(CHROME_OFFER, NULL);
  g_assert_cmpuint(vt_publish_offer_limit_tracks(offer, 0, 1), ==, 1);
  VtLocalDescription local = relay_local(VT_SDP_FEATURE_REMB);
  g_autofree char *text = vt_sdp_build_publish_answer(offer, &local, NULL);
  g_assert_nonnull(text);
  g_autoptr(GstSDPMessage) msg = reparse(text);
  g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 2);
  g_assert_cmpuint(gst_sdp_media_get_port(gst_sdp_message_get_media(msg, 0)), ==, 0);
  const GstSDPMedia *v = gst_sdp_message_get_media(msg, 1);
  g_assert_cmpuint(gst_sdp_media_get_port(v), !=, 0);
  g_assert_nonnull(gst_sdp_media_get_attribute_val(v, "candidate"));
}

static void test_publish_answer(void)
{
  g_autoptr(VtPublishOffer) offer = parse_ok(CHROME_OFFER, NULL);
  VtLocalDescription local = relay_local(VT_SDP_FEATURE_REMB | VT_SDP_FEATURE_TWCC);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = vt_sdp_build_publish_answer(offer, &local, &error);
  g_autoptr(GstSDPMessage) msg = NULL;
  g_autofree char *fp = vt_sdp_fingerprint_format(local.fingerprint);
  const GstSDPOrigin *o;
  const GstSDPMedia *a, *v;

  g_assert_no_error(error);
  assert_crlf(text);
  msg = reparse(text);
  o = gst_sdp_message_get_origin(msg);
  g_assert_cmpstr(gst_sdp_message_get_version(msg), ==, "0");
  g_assert_cmpstr(o->sess_id, ==, "7312895021845530571");
  g_assert_cmpstr(o->sess_version, ==, "1");
  g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE 0 1");
  g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "ice-options"), ==, "trickle");
  g_assert_null(gst_sdp_message_get_attribute_val(msg, "ice-lite"));
  g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 2);

  a = gst_sdp_message_get_media(msg, 0);
  g_assert_cmpstr(gst_sdp_media_get_media(a), ==, "audio");
  g_assert_cmpuint(gst_sdp_media_get_port(a), ==, 9);
  g_assert_cmpstr(gst_sdp_media_get_proto(a), ==, "UDP/TLS/RTP/SAVPF");
  assert_formats(a, "111");
  assert_attrs(a, "mid", "0");
  assert_attrs(a, "ice-ufrag", "RlyA");
  assert_attrs(a, "ice-pwd", "r3layPassw0rd+For/Tests1");
  assert_attrs(a, "fingerprint", fp);
  assert_attrs(a, "setup", "passive");
  g_assert_true(has(a, "recvonly") && has(a, "rtcp-mux") && has(a, "rtcp-rsize"));
  g_assert_false(has(a, "sendonly") || has(a, "sendrecv") || has(a, "ssrc") || has(a, "msid"));
  assert_attrs(a, "rtpmap", "111 opus/48000/2");
  assert_attrs(a, "fmtp", "111 minptime=10;useinbandfec=1");
  assert_attrs(a, "rtcp-fb", "111 transport-cc");
  assert_attrs(a, "extmap", "4 " URI_MID "|2 " URI_ABS "|3 " URI_TWCC);
  assert_attrs(a, "candidate", "1 1 udp 2130706431 198.51.100.10 40000 typ host");
  g_assert_true(has(a, "end-of-candidates"));

  v = gst_sdp_message_get_media(msg, 1);
  g_assert_cmpstr(gst_sdp_media_get_media(v), ==, "video");
  assert_formats(v, "96 97");
  assert_attrs(v, "mid", "1");
  assert_attrs(v, "setup", "passive");
  g_assert_true(has(v, "recvonly") && has(v, "rtcp-mux"));
  assert_attrs(v, "rtpmap", "96 VP8/90000|97 rtx/90000");
  assert_attrs(v, "fmtp", "97 apt=96");
  assert_attrs(v, "rtcp-fb", "96 goog-remb|96 transport-cc|96 ccm fir|96 nack|96 nack pli");
  assert_attrs(v, "extmap", "4 " URI_MID "|2 " URI_ABS "|3 " URI_TWCC);
  g_assert_false(has(v, "candidate") || has(v, "end-of-candidates"));
}

/* Without optional features the answer drops REMB, transport-cc and their
 * extension; with audio levels it keeps that one; ice-lite is a flag. */
static void test_publish_answer_features(void)
{
  g_autoptr(VtPublishOffer) offer = parse_ok(CHROME_OFFER, NULL);
  VtLocalDescription local = relay_local(VT_SDP_FEATURE_AUDIO_LEVEL);
  g_autofree char *text = NULL;
  g_autoptr(GstSDPMessage) msg = NULL;

  local.ice_lite = TRUE;
  local.trickle = FALSE;
  local.candidates = NULL;
  local.end_of_candidates = FALSE;
  text = vt_sdp_build_publish_answer(offer, &local, NULL);
  msg = reparse(text);
  g_assert_nonnull(gst_sdp_message_get_attribute_val(msg, "ice-lite"));
  g_assert_null(gst_sdp_message_get_attribute_val(msg, "ice-options"));
  assert_attrs(gst_sdp_message_get_media(msg, 0), "rtcp-fb", "");
  assert_attrs(gst_sdp_message_get_media(msg, 0), "extmap",
               "4 " URI_MID "|2 " URI_ABS "|1 " URI_LEVEL);
  assert_attrs(gst_sdp_message_get_media(msg, 0), "candidate", "");
  assert_attrs(gst_sdp_message_get_media(msg, 1), "rtcp-fb", "96 ccm fir|96 nack|96 nack pli");
  assert_attrs(gst_sdp_message_get_media(msg, 1), "extmap", "4 " URI_MID "|2 " URI_ABS);
}

static void test_publish_answer_h264(void)
{
  VtSdpCodecPrefs prefs = h264_only();
  g_autoptr(VtPublishOffer) offer = parse_ok(CHROME_OFFER, &prefs);
  VtLocalDescription local = relay_local(0);
  g_autofree char *text = vt_sdp_build_publish_answer(offer, &local, NULL);
  g_autoptr(GstSDPMessage) msg = reparse(text);
  const GstSDPMedia *v = gst_sdp_message_get_media(msg, 1);

  assert_formats(v, "106 107");
  assert_attrs(v, "rtpmap", "106 H264/90000|107 rtx/90000");
  assert_attrs(v, "fmtp",
               "106 level-asymmetry-allowed=1;packetization-mode=1;"
               "profile-level-id=42e01f|107 apt=106");
}

/* The relay is the DTLS server unless the client insists on it. */
static void test_publish_setup(void)
{
  static const char *const offered[] = {"passive", "active"};
  static const char *const answered[] = {"active", "passive"};

  for (guint i = 0; i < G_N_ELEMENTS(offered); i++) {
    g_autofree char *setup = g_strdup_printf("a=setup:%s", offered[i]);
    g_autofree char *text = replace(CHROME_OFFER, "a=setup:actpass", setup);
    g_autoptr(VtPublishOffer) offer = parse_ok(text, NULL);
    VtLocalDescription local = relay_local(0);
    g_autofree char *answer = vt_sdp_build_publish_answer(offer, &local, NULL);
    g_autoptr(GstSDPMessage) msg = reparse(answer);

    assert_attrs(gst_sdp_message_get_media(msg, 0), "setup", answered[i]);
    assert_attrs(gst_sdp_message_get_media(msg, 1), "setup", answered[i]);
  }
}

/* Firefox-style session-level fingerprint, a data channel the relay rejects,
 * a video m-line the client only wants to receive (answered inactive). */
static void test_publish_rejected_and_inactive(void)
{
  g_autofree char *t1 = drop_lines(CHROME_OFFER, "a=fingerprint:");
  g_autofree char *t2 =
      replace(t1, "a=extmap-allow-mixed\r\n", "a=fingerprint:sha-256 " CHROME_FP_TEXT "\r\n");
  g_autofree char *t3 = replace(t2, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 2");
  g_autofree char *t4 =
      replace(t3, "a=sendonly\r\na=msid:f4d1a2b3-0c9e-4e7a-9b1d-6a5c3e2f1d0a 1e2d",
              "a=recvonly\r\na=msid:f4d1a2b3-0c9e-4e7a-9b1d-6a5c3e2f1d0a 1e2d");
  g_autofree char *text = g_strconcat(t4, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n",
                                      "c=IN IP4 0.0.0.0\r\na=mid:2\r\na=sctp-port:5000\r\n", NULL);
  g_autoptr(VtPublishOffer) offer = parse_ok(text, NULL);
  VtLocalDescription local = relay_local(0);
  g_autofree char *answer = NULL;
  g_autoptr(GstSDPMessage) msg = NULL;
  const GstSDPMedia *d;

  g_assert_cmpmem(offer->transport.fingerprint, 32, CHROME_FP, 32);
  g_assert_cmpuint(offer->n_media, ==, 3);
  g_assert_cmpint(offer->media[0].state, ==, VT_SDP_MEDIA_ACCEPTED);
  g_assert_cmpint(offer->media[1].state, ==, VT_SDP_MEDIA_INACTIVE);
  g_assert_cmpint(offer->media[1].direction, ==, VT_SDP_RECVONLY);
  g_assert_cmpint(offer->media[1].codec.id, ==, VT_SDP_CODEC_VP8);
  g_assert_cmpint(offer->media[2].state, ==, VT_SDP_MEDIA_REJECTED);
  g_assert_cmpint(offer->media[2].kind, ==, VT_SDP_KIND_OTHER);
  g_assert_cmpstr(offer->media[2].mid, ==, "2");

  answer = vt_sdp_build_publish_answer(offer, &local, NULL);
  msg = reparse(answer);
  g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 3);
  g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE 0 1");
  g_assert_true(has(gst_sdp_message_get_media(msg, 1), "inactive"));
  g_assert_false(has(gst_sdp_message_get_media(msg, 1), "recvonly"));
  assert_formats(gst_sdp_message_get_media(msg, 1), "96 97");
  d = gst_sdp_message_get_media(msg, 2);
  g_assert_cmpstr(gst_sdp_media_get_media(d), ==, "application");
  g_assert_cmpuint(gst_sdp_media_get_port(d), ==, 0);
  g_assert_cmpstr(gst_sdp_media_get_proto(d), ==, "UDP/DTLS/SCTP");
  assert_formats(d, "webrtc-datachannel");
  assert_attrs(d, "mid", "2");
  g_assert_false(has(d, "ice-ufrag") || has(d, "fingerprint"));
}

/* A stopped transceiver (port 0, outside the BUNDLE) is answered port 0. */
static void test_publish_stopped(void)
{
  g_autofree char *t1 = replace(CHROME_OFFER, "m=video 9 ", "m=video 0 ");
  g_autofree char *text = replace(t1, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0");
  g_autoptr(VtPublishOffer) offer = parse_ok(text, NULL);
  VtLocalDescription local = relay_local(0);
  g_autofree char *answer = vt_sdp_build_publish_answer(offer, &local, NULL);
  g_autoptr(GstSDPMessage) msg = reparse(answer);
  const GstSDPMedia *v = gst_sdp_message_get_media(msg, 1);

  g_assert_cmpint(offer->media[1].state, ==, VT_SDP_MEDIA_REJECTED);
  g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE 0");
  g_assert_cmpuint(gst_sdp_media_get_port(v), ==, 0);
  g_assert_cmpstr(gst_sdp_media_get_media(v), ==, "video");
  assert_formats(v, "96");
}

static const Edit offer_refusals[] = {
    {"no-fingerprint", "a=fingerprint:", NULL, NULL, NULL, VT_SDP_ERROR_NO_FINGERPRINT},
    {"sha1-fingerprint", "a=fingerprint:sha-256", "a=fingerprint:sha-1", NULL, NULL,
     VT_SDP_ERROR_NO_FINGERPRINT},
    {"short-fingerprint", ":19:08\r\n", ":19\r\n", NULL, NULL, VT_SDP_ERROR_NO_FINGERPRINT},
    {"rtp-avp", "UDP/TLS/RTP/SAVPF", "RTP/AVP", NULL, NULL, VT_SDP_ERROR_BAD_PROFILE},
    {"rtp-savpf", "UDP/TLS/RTP/SAVPF", "RTP/SAVPF", NULL, NULL, VT_SDP_ERROR_BAD_PROFILE},
    {"no-rtcp-mux", "a=rtcp-mux", NULL, NULL, NULL, VT_SDP_ERROR_NO_RTCP_MUX},
    {"no-bundle", "a=group:BUNDLE", NULL, NULL, NULL, VT_SDP_ERROR_NO_BUNDLE},
    {"bundle-partial", "a=group:BUNDLE 0 1", "a=group:BUNDLE 0", NULL, NULL,
     VT_SDP_ERROR_NO_BUNDLE},
    {"bundle-unknown-mid", "a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 7", NULL, NULL,
     VT_SDP_ERROR_NO_BUNDLE},
    {"two-bundles", "a=group:BUNDLE 0 1", "a=group:BUNDLE 0\r\na=group:BUNDLE 1", NULL, NULL,
     VT_SDP_ERROR_NO_BUNDLE},
    {"no-ice-pwd", "a=ice-pwd:", NULL, NULL, NULL, VT_SDP_ERROR_NO_ICE_CREDENTIALS},
    {"short-ufrag", "a=ice-ufrag:Xk3q", "a=ice-ufrag:Xk3", NULL, NULL,
     VT_SDP_ERROR_NO_ICE_CREDENTIALS},
    {"ufrag-mismatch", "a=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:Xk3q",
     "a=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:Other", NULL, NULL, VT_SDP_ERROR_NO_ICE_CREDENTIALS},
    {"no-setup", "a=setup:", NULL, NULL, NULL, VT_SDP_ERROR_BAD_SETUP},
    {"holdconn", "a=setup:actpass", "a=setup:holdconn", NULL, NULL, VT_SDP_ERROR_BAD_SETUP},
    {"no-common-video", "VP8/90000", "VP7/90000", "packetization-mode=1", "packetization-mode=0",
     VT_SDP_ERROR_NO_COMMON_CODEC},
    {"no-common-audio", "opus/48000/2", "opus/48000/1", NULL, NULL, VT_SDP_ERROR_NO_COMMON_CODEC},
    {"duplicate-mid", "a=mid:1", "a=mid:0", NULL, NULL, VT_SDP_ERROR_BAD_MEDIA},
    {"no-mid", "a=mid:", NULL, NULL, NULL, VT_SDP_ERROR_BAD_MEDIA},
    {"long-mid", "a=mid:1\r\n", "a=mid:12345678901234567\r\n", NULL, NULL, VT_SDP_ERROR_BAD_MEDIA},
    {"two-directions", "a=sendonly", "a=sendonly\r\na=recvonly", NULL, NULL,
     VT_SDP_ERROR_BAD_MEDIA},
    {"duplicate-extmap-id", "a=extmap:14 ", "a=extmap:2 ", NULL, NULL, VT_SDP_ERROR_BAD_MEDIA},
    {"bad-rtpmap", "a=rtpmap:96 VP8/90000", "a=rtpmap:96 VP8", NULL, NULL, VT_SDP_ERROR_MALFORMED},
    {"bad-format", "SAVPF 111 63", "SAVPF 111x 63", NULL, NULL, VT_SDP_ERROR_MALFORMED},
    {"bad-rtcp-fb", "a=rtcp-fb:96 nack pli", "a=rtcp-fb:96", NULL, NULL, VT_SDP_ERROR_MALFORMED},
    {"bad-extmap", "a=extmap:4 ", "a=extmap:0 ", NULL, NULL, VT_SDP_ERROR_MALFORMED},
    {"bad-fid", "a=ssrc-group:FID 1122334455 2233445566", "a=ssrc-group:FID 1122334455", NULL, NULL,
     VT_SDP_ERROR_MALFORMED},
    {"ssrc-zero", "a=ssrc:3735928559 cname", "a=ssrc:0 cname", NULL, NULL, VT_SDP_ERROR_MALFORMED},
    {"bad-msid", "a=msid:f4d1a2b3-0c9e-4e7a-9b1d-6a5c3e2f1d0a 8c3b", "a=msid:a b 8c3b", NULL, NULL,
     VT_SDP_ERROR_MALFORMED},
    {"not-v0", "v=0", "v=1", NULL, NULL, VT_SDP_ERROR_MALFORMED},
    {"no-origin", "o=", NULL, NULL, NULL, VT_SDP_ERROR_MALFORMED},
};

static void test_offer_refusal(gconstpointer data)
{
  const Edit *e = data;
  g_autofree char *text = apply(CHROME_OFFER, e);

  expect_refused(text, strlen(text), e->code);
}

#define SESSION_ONLY "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
#define DATA_ONLY SESSION_ONLY "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n"

static void test_offer_garbage(void)
{
  static const char nul[] = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\0\r\nt=0 0\r\n";
  g_autofree char *big = g_strnfill(VT_SDP_MAX_LEN + 1, 'a');
  g_autofree char *oversized = g_strconcat(CHROME_OFFER, big, NULL);

  expect_refused("", 0, VT_SDP_ERROR_MALFORMED);
  expect_refused("hello, relay", 12, VT_SDP_ERROR_MALFORMED);
  expect_refused("v=0", 3, VT_SDP_ERROR_MALFORMED);
  expect_refused("v=0\r\n", 5, VT_SDP_ERROR_MALFORMED); /* no o= */
  expect_refused("\x80\xff\xfe v=0\r\n", 9, VT_SDP_ERROR_MALFORMED);
  expect_refused(nul, sizeof nul - 1, VT_SDP_ERROR_MALFORMED);
  expect_refused(oversized, strlen(oversized), VT_SDP_ERROR_MALFORMED);
  expect_refused(SESSION_ONLY, strlen(SESSION_ONLY), VT_SDP_ERROR_NO_MEDIA);
  /* only a data channel: nothing for the relay to receive */
  expect_refused(DATA_ONLY, strlen(DATA_ONLY), VT_SDP_ERROR_NO_MEDIA);
  /* len is honoured: the offer cut before its first m-line */
  expect_refused(CHROME_OFFER, (gsize)(strstr(CHROME_OFFER, "m=audio") - CHROME_OFFER),
                 VT_SDP_ERROR_NO_MEDIA);
}

static char *many_mlines(guint n)
{
  GString *s = g_string_new("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n");

  for (guint i = 0; i < n; i++)
    g_string_append_printf(s, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:%u\r\n", i);
  return g_string_free(s, FALSE);
}

/* 1,000 m-lines are refused by the byte scan, before GstSDP builds any. */
static void test_offer_too_many_media(void)
{
  g_autofree char *thousand = many_mlines(1000);
  g_autofree char *seventeen = many_mlines(VT_SDP_MAX_MEDIA + 1);
  g_autofree char *indented = replace(seventeen, "\r\nm=", "\r\n \tm=");
  gint64 start = g_get_monotonic_time();

  expect_refused(thousand, strlen(thousand), VT_SDP_ERROR_TOO_MANY_MEDIA);
  g_assert_cmpint(g_get_monotonic_time() - start, <, 50 * 1000);
  expect_refused(seventeen, strlen(seventeen), VT_SDP_ERROR_TOO_MANY_MEDIA);
  expect_refused(indented, strlen(indented), VT_SDP_ERROR_TOO_MANY_MEDIA);
}

/* An offer padded to the size limit with attributes stays linear. */
static void test_offer_many_attributes(void)
{
  GString *pad = g_string_new(NULL);
  g_autofree char *padded = NULL;
  g_autofree char *text = NULL;
  g_autoptr(VtPublishOffer) offer = NULL;
  gint64 start;

  while (pad->len + strlen(CHROME_OFFER) < VT_SDP_MAX_LEN - 64)
    g_string_append(pad, "a=rtcp-fb:96 nack\r\na=ssrc:1122334455 label:x\r\n");
  g_string_append(pad, "a=ssrc-group:FID");
  padded = g_string_free(pad, FALSE);
  text = replace(CHROME_OFFER, "a=ssrc-group:FID", padded);
  start = g_get_monotonic_time();
  offer = parse_ok(text, NULL);
  g_assert_cmpint(g_get_monotonic_time() - start, <, 500 * 1000);
  g_assert_cmpuint(offer->media[1].codec.pt, ==, 96);
}

/* ---- subscribe offers ---- */

#define ANNA_MIC                                                                                   \
  {                                                                                                \
    .active = TRUE, .kind = VT_SDP_KIND_AUDIO, .codec = VT_SDP_CODEC_OPUS, .ssrc = 1001,           \
    .participant_id = "p-anna", .track_id = "mic"                                                  \
  }
#define ANNA_CAM                                                                                   \
  {                                                                                                \
    .active = TRUE, .kind = VT_SDP_KIND_VIDEO, .codec = VT_SDP_CODEC_VP8, .ssrc = 2001,            \
    .rtx_ssrc = 2002, .participant_id = "p-anna", .track_id = "cam"                                \
  }
#define BO_CAM                                                                                     \
  {                                                                                                \
    .active = TRUE, .kind = VT_SDP_KIND_VIDEO, .codec = VT_SDP_CODEC_H264,                         \
    .h264_profile_level_id = 0x640c1f, .ssrc = 3001, .rtx_ssrc = 3002, .participant_id = "p-bo",   \
    .track_id = "cam", .cname = "bo-cname"                                                         \
  }

static char *build_offer(const VtSubscribeTrack *tracks, guint n, guint features, guint version)
{
  VtLocalDescription local = relay_local(features);
  g_autoptr(GError) error = NULL;
  char *text = vt_sdp_build_subscribe_offer(tracks, n, &local, version, &error);

  g_assert_no_error(error);
  assert_crlf(text);
  return text;
}

static void test_subscribe_none(void)
{
  g_autofree char *text = build_offer(NULL, 0, 0, 1);
  g_autoptr(GstSDPMessage) msg = reparse(text);

  g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 0);
  g_assert_null(gst_sdp_message_get_attribute_val(msg, "group"));
  g_assert_cmpstr(gst_sdp_message_get_origin(msg)->sess_version, ==, "1");
}

static void test_subscribe_one(void)
{
  static const VtSubscribeTrack tracks[] = {ANNA_CAM};
  g_autofree char *text = build_offer(tracks, 1, VT_SDP_FEATURE_TWCC, 4);
  g_autoptr(GstSDPMessage) msg = reparse(text);
  VtLocalDescription local = relay_local(0);
  g_autofree char *fp = vt_sdp_fingerprint_format(local.fingerprint);
  const GstSDPMedia *v;

  g_assert_cmpstr(gst_sdp_message_get_origin(msg)->sess_version, ==, "4");
  g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE 0");
  g_assert_cmpuint(gst_sdp_message_medias_len(msg), ==, 1);
  v = gst_sdp_message_get_media(msg, 0);
  g_assert_cmpstr(gst_sdp_media_get_media(v), ==, "video");
  g_assert_cmpuint(gst_sdp_media_get_port(v), ==, 9);
  g_assert_cmpstr(gst_sdp_media_get_proto(v), ==, "UDP/TLS/RTP/SAVPF");
  assert_formats(v, "96 97");
  assert_attrs(v, "mid", "0");
  assert_attrs(v, "setup", "actpass");
  assert_attrs(v, "fingerprint", fp);
  assert_attrs(v, "ice-ufrag", "RlyA");
  g_assert_true(has(v, "sendonly") && has(v, "rtcp-mux") && has(v, "rtcp-rsize"));
  assert_attrs(v, "msid", "p-anna cam");
  assert_attrs(v, "rtpmap", "96 VP8/90000|97 rtx/90000");
  assert_attrs(v, "fmtp", "97 apt=96");
  assert_attrs(v, "rtcp-fb", "96 transport-cc|96 ccm fir|96 nack|96 nack pli");
  assert_attrs(v, "extmap", "4 " URI_MID "|2 " URI_ABS "|3 " URI_TWCC);
  assert_attrs(v, "ssrc-group", "FID 2001 2002");
  assert_attrs(v, "ssrc",
               "2001 cname:p-anna|2001 msid:p-anna cam|2002 cname:p-anna|"
               "2002 msid:p-anna cam");
  assert_attrs(v, "candidate", "1 1 udp 2130706431 198.51.100.10 40000 typ host");
  g_assert_true(has(v, "end-of-candidates"));
}

static void test_subscribe_three(void)
{
  static const VtSubscribeTrack tracks[] = {ANNA_MIC, ANNA_CAM, BO_CAM};
  g_autofree char *text = build_offer(tracks, 3, VT_SDP_FEATURE_AUDIO_LEVEL, 2);
  g_autoptr(GstSDPMessage) msg = reparse(text);
  const GstSDPMedia *a = gst_sdp_message_get_media(msg, 0);
  const GstSDPMedia *h = gst_sdp_message_get_media(msg, 2);

  g_assert_cmpstr(gst_sdp_message_get_attribute_val(msg, "group"), ==, "BUNDLE 0 1 2");
  assert_formats(a, "111");
  assert_attrs(a, "rtpmap", "111 opus/48000/2");
  assert_attrs(a, "fmtp", "111 minptime=10;useinbandfec=1");
  assert_attrs(a, "rtcp-fb", "");
  assert_attrs(a, "extmap", "4 " URI_MID "|2 " URI_ABS "|1 " URI_LEVEL);
  assert_attrs(a, "ssrc", "1001 cname:p-anna|1001 msid:p-anna mic");
  g_assert_false(has(a, "ssrc-group"));
  assert_attrs(gst_sdp_message_get_media(msg, 1), "mid", "1");
  assert_attrs(gst_sdp_message_get_media(msg, 1), "candidate", "");
  assert_attrs(h, "mid", "2");
  assert_formats(h, "108 109");
  assert_attrs(h, "rtpmap", "108 H264/90000|109 rtx/90000");
  assert_attrs(h, "fmtp",
               "108 level-asymmetry-allowed=1;packetization-mode=1;"
               "profile-level-id=640c1f|109 apt=108");
  assert_attrs(h, "msid", "p-bo cam");
  assert_attrs(h, "ssrc",
               "3001 cname:bo-cname|3001 msid:p-bo cam|3002 cname:bo-cname|"
               "3002 msid:p-bo cam");
}

/* The relay's offer is itself a valid publish offer: read back with the
 * publish parser it yields the same codecs, SSRCs and msids. */
static void test_subscribe_reads_back(void)
{
  static const VtSubscribeTrack tracks[] = {ANNA_MIC, ANNA_CAM, BO_CAM};
  g_autofree char *text = build_offer(tracks, 3, VT_SDP_FEATURE_REMB, 1);
  g_autoptr(VtPublishOffer) offer = parse_ok(text, NULL);

  g_assert_cmpuint(offer->n_media, ==, 3);
  g_assert_cmpint(offer->transport.setup, ==, VT_SDP_SETUP_ACTPASS);
  g_assert_cmpstr(offer->transport.ice_ufrag, ==, "RlyA");
  g_assert_true(offer->transport.end_of_candidates);
  g_assert_cmpuint(g_strv_length(offer->transport.candidates), ==, 1);
  g_assert_cmpstr(offer->transport.candidates[0], ==, RELAY_CANDIDATES[0]);
  g_assert_cmpuint(offer->media[0].codec.pt, ==, VT_SDP_RELAY_PT_OPUS);
  g_assert_cmpuint(offer->media[1].codec.pt, ==, VT_SDP_RELAY_PT_VP8);
  g_assert_cmpuint(offer->media[1].codec.rtx_pt, ==, VT_SDP_RELAY_PT_VP8_RTX);
  g_assert_cmpuint(offer->media[1].codec.feedback, ==,
                   VT_SDP_FB_NACK | VT_SDP_FB_NACK_PLI | VT_SDP_FB_CCM_FIR | VT_SDP_FB_GOOG_REMB);
  g_assert_cmpuint(offer->media[2].codec.pt, ==, VT_SDP_RELAY_PT_H264_CH);
  g_assert_cmpuint(offer->media[2].codec.h264_profile_level_id, ==, 0x640c1f);
  g_assert_cmpuint(offer->media[2].ssrc, ==, 3001);
  g_assert_cmpuint(offer->media[2].rtx_ssrc, ==, 3002);
  g_assert_cmpstr(offer->media[2].cname, ==, "bo-cname");
  g_assert_cmpstr(offer->media[2].stream_id, ==, "p-bo");
  g_assert_cmpstr(offer->media[2].track_id, ==, "cam");
  g_assert_cmpuint(offer->media[1].ext_ids[VT_SDP_EXT_MID], ==, VT_SDP_RELAY_EXT_MID);
}

static char *media_text(const GstSDPMessage *msg, guint i)
{
  return gst_sdp_media_as_text(gst_sdp_message_get_media(msg, i));
}

/* Bo's camera leaves (slot 2 goes inactive, mids unchanged); Carl's camera
 * takes the free video slot under the same mid; Carl's microphone finds no
 * free audio slot and is appended. Slots that did not change are written
 * exactly as before. */
static void test_subscribe_renegotiation(void)
{
  VtSubscribeTrack layout[4] = {ANNA_MIC, ANNA_CAM, BO_CAM};
  const VtSubscribeTrack carl_cam = {.active = TRUE,
                                     .kind = VT_SDP_KIND_VIDEO,
                                     .codec = VT_SDP_CODEC_VP8,
                                     .ssrc = 4001,
                                     .rtx_ssrc = 4002,
                                     .participant_id = "p-carl",
                                     .track_id = "cam"};
  const VtSubscribeTrack carl_mic = {.active = TRUE,
                                     .kind = VT_SDP_KIND_AUDIO,
                                     .codec = VT_SDP_CODEC_OPUS,
                                     .ssrc = 5001,
                                     .participant_id = "p-carl",
                                     .track_id = "mic"};
  g_autofree char *v1 = build_offer(layout, 3, 0, 1);
  g_autoptr(GstSDPMessage) m1 = reparse(v1);
  g_autofree char *v2 = NULL;
  g_autofree char *v3 = NULL;
  g_autoptr(GstSDPMessage) m2 = NULL;
  g_autoptr(GstSDPMessage) m3 = NULL;
  const GstSDPMedia *gone, *reused;
  guint slot;

  g_assert_cmpuint(vt_sdp_subscribe_slot(layout, 3, VT_SDP_KIND_VIDEO), ==, 3);
  layout[2].active = FALSE;
  v2 = build_offer(layout, 3, 0, 2);
  m2 = reparse(v2);
  g_assert_cmpstr(gst_sdp_message_get_origin(m2)->sess_version, ==, "2");
  g_assert_cmpstr(gst_sdp_message_get_attribute_val(m2, "group"), ==, "BUNDLE 0 1 2");
  gone = gst_sdp_message_get_media(m2, 2);
  g_assert_cmpuint(gst_sdp_media_get_port(gone), ==, 9);
  assert_attrs(gone, "mid", "2");
  g_assert_true(has(gone, "inactive") && !has(gone, "sendonly"));
  g_assert_false(has(gone, "msid") || has(gone, "ssrc") || has(gone, "ssrc-group"));
  assert_formats(gone, "108"); /* same codec, no RTX without a track */

  slot = vt_sdp_subscribe_slot(layout, 3, VT_SDP_KIND_VIDEO);
  g_assert_cmpuint(slot, ==, 2);
  layout[slot] = carl_cam;
  slot = vt_sdp_subscribe_slot(layout, 3, VT_SDP_KIND_AUDIO);
  g_assert_cmpuint(slot, ==, 3);
  layout[slot] = carl_mic;
  v3 = build_offer(layout, 4, 0, 3);
  m3 = reparse(v3);
  g_assert_cmpstr(gst_sdp_message_get_origin(m3)->sess_version, ==, "3");
  g_assert_cmpstr(gst_sdp_message_get_attribute_val(m3, "group"), ==, "BUNDLE 0 1 2 3");
  reused = gst_sdp_message_get_media(m3, 2);
  assert_attrs(reused, "mid", "2");
  g_assert_true(has(reused, "sendonly"));
  assert_attrs(reused, "msid", "p-carl cam");
  assert_formats(reused, "96 97");
  assert_attrs(reused, "ssrc-group", "FID 4001 4002");
  assert_attrs(gst_sdp_message_get_media(m3, 3), "mid", "3");
  g_assert_cmpstr(gst_sdp_media_get_media(gst_sdp_message_get_media(m3, 3)), ==, "audio");
  for (guint i = 0; i < 2; i++) {
    g_autofree char *before = media_text(m1, i);
    g_autofree char *after = media_text(m3, i);

    g_assert_cmpstr(before, ==, after);
  }
}

static void test_subscribe_invalid(void)
{
  VtSubscribeTrack many[VT_SDP_MAX_MEDIA + 1];
  VtSubscribeTrack t[1] = {ANNA_CAM};
  VtLocalDescription local = relay_local(0);
  static const char *const bad_candidate[] = {"candidate:1 1 udp 1 1.2.3.4 5 typ host\r\na=x",
                                              NULL};

  for (guint i = 0; i < G_N_ELEMENTS(many); i++)
    many[i] = t[0];
  for (guint c = 0; c < 8; c++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    VtSubscribeTrack one = {.active = TRUE,
                            .kind = VT_SDP_KIND_VIDEO,
                            .codec = VT_SDP_CODEC_VP8,
                            .ssrc = 1,
                            .participant_id = "p",
                            .track_id = "t"};
    const VtSubscribeTrack *tracks = &one;
    guint n = 1;
    VtLocalDescription l = local;

    switch (c) {
    case 0:
      tracks = many;
      n = G_N_ELEMENTS(many);
      break;
    case 1:
      one.ssrc = 0;
      break;
    case 2:
      one.codec = VT_SDP_CODEC_OPUS;
      break;
    case 3:
      one.participant_id = "has space";
      break;
    case 4:
      one.codec = VT_SDP_CODEC_H264;
      one.h264_profile_level_id = 0x6e001f;
      break;
    case 5:
      one.kind = VT_SDP_KIND_OTHER;
      break;
    case 6:
      l.ice_pwd = "short";
      break;
    default:
      l.candidates = bad_candidate;
      break;
    }
    text = vt_sdp_build_subscribe_offer(tracks, n, &l, 1, &error);
    g_assert_null(text);
    g_assert_error(error, VT_SDP_ERROR, VT_SDP_ERROR_INVALID);
  }
}

/* ---- subscribe answers ---- */

/* Chrome's answer to the three-track offer built with features 0. */
#define ANSWER_TRANSPORT(mid)                                                                      \
  "c=IN IP4 0.0.0.0\r\n"                                                                           \
  "a=rtcp:9 IN IP4 0.0.0.0\r\n"                                                                    \
  "a=ice-ufrag:cL1e\r\n"                                                                           \
  "a=ice-pwd:Zx8vB3nM6qW9eR2tY5uI7oP0\r\n"                                                         \
  "a=ice-options:trickle\r\n"                                                                      \
  "a=fingerprint:sha-256 " CHROME_FP_TEXT "\r\n"                                                   \
  "a=setup:active\r\n"                                                                             \
  "a=mid:" mid "\r\n"                                                                              \
  "a=extmap:2 " URI_ABS "\r\n"                                                                     \
  "a=extmap:4 " URI_MID "\r\n"                                                                     \
  "a=recvonly\r\n"                                                                                 \
  "a=rtcp-mux\r\n"                                                                                 \
  "a=rtcp-rsize\r\n"
#define VIDEO_FB(pt)                                                                               \
  "a=rtcp-fb:" pt " ccm fir\r\na=rtcp-fb:" pt " nack\r\na=rtcp-fb:" pt " nack pli\r\n"

// clang-format off
static const char ANSWER3[] =
  "v=0\r\n"
  "o=- 5521790163418526210 2 IN IP4 127.0.0.1\r\n"
  "s=-\r\n"
  "t=0 0\r\n"
  "a=group:BUNDLE 0 1 2\r\n"
  "a=extmap-allow-mixed\r\n"
  "a=msid-semantic: WMS\r\n"
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
  ANSWER_TRANSPORT("0")
  "a=rtpmap:111 opus/48000/2\r\n"
  "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
  "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
  ANSWER_TRANSPORT("1")
  "a=rtpmap:96 VP8/90000\r\n"
  VIDEO_FB("96")
  "a=rtpmap:97 rtx/90000\r\n"
  "a=fmtp:97 apt=96\r\n"
  "m=video 9 UDP/TLS/RTP/SAVPF 108 109\r\n"
  ANSWER_TRANSPORT("2")
  "a=rtpmap:108 H264/90000\r\n"
  VIDEO_FB("108")
  "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640c1f\r\n"
  "a=rtpmap:109 rtx/90000\r\n"
  "a=fmtp:109 apt=108\r\n";
// clang-format on

static const VtSubscribeTrack THREE[] = {ANNA_MIC, ANNA_CAM, BO_CAM};

static VtSubscribeAnswer *answer_ok(const char *text, const VtSubscribeTrack *tracks, guint n)
{
  VtLocalDescription local = relay_local(0);
  g_autoptr(GError) error = NULL;
  VtSubscribeAnswer *answer = NULL;

  g_assert_true(
      vt_sdp_parse_subscribe_answer(text, strlen(text), tracks, n, &local, &answer, &error));
  g_assert_no_error(error);
  return answer;
}

static void test_answer_ok(void)
{
  g_autoptr(VtSubscribeAnswer) answer = answer_ok(ANSWER3, THREE, 3);
  const VtSubscribeAnswerMedia *v;

  g_assert_cmpstr(answer->transport.ice_ufrag, ==, "cL1e");
  g_assert_cmpstr(answer->transport.ice_pwd, ==, "Zx8vB3nM6qW9eR2tY5uI7oP0");
  g_assert_cmpmem(answer->transport.fingerprint, 32, CHROME_FP, 32);
  g_assert_cmpint(answer->transport.setup, ==, VT_SDP_SETUP_ACTIVE);
  g_assert_true(answer->transport.trickle);
  g_assert_cmpuint(answer->n_media, ==, 3);
  for (guint i = 0; i < 3; i++) {
    g_autofree char *mid = g_strdup_printf("%u", i);

    g_assert_cmpstr(answer->media[i].mid, ==, mid);
    g_assert_true(answer->media[i].accepted);
    g_assert_cmpint(answer->media[i].direction, ==, VT_SDP_RECVONLY);
    g_assert_true(answer->media[i].rtcp_rsize);
    g_assert_cmpuint(answer->media[i].ext_ids[VT_SDP_EXT_MID], ==, 4);
    g_assert_cmpuint(answer->media[i].ext_ids[VT_SDP_EXT_ABS_SEND_TIME], ==, 2);
    g_assert_cmpuint(answer->media[i].ext_ids[VT_SDP_EXT_TWCC], ==, 0);
  }
  g_assert_cmpint(answer->media[0].codec.id, ==, VT_SDP_CODEC_OPUS);
  g_assert_cmpuint(answer->media[0].codec.feedback, ==, 0);
  v = &answer->media[1];
  g_assert_cmpuint(v->codec.pt, ==, 96);
  g_assert_cmpuint(v->codec.rtx_pt, ==, 97);
  g_assert_cmpuint(v->codec.feedback, ==, VT_SDP_FB_NACK | VT_SDP_FB_NACK_PLI | VT_SDP_FB_CCM_FIR);
  v = &answer->media[2];
  g_assert_cmpuint(v->codec.pt, ==, 108);
  g_assert_cmpuint(v->codec.rtx_pt, ==, 109);
  g_assert_cmpuint(v->codec.h264_profile_level_id, ==, 0x640c1f);
}

/* Answers the relay takes that are not all "yes": an m-line rejected with
 * port 0 (and left out of the BUNDLE), everything inactive, RTX dropped. */
static void test_answer_partial(void)
{
  g_autofree char *t1 = replace(ANSWER3, "m=video 9 UDP/TLS/RTP/SAVPF 108 109",
                                "m=video 0 UDP/TLS/RTP/SAVPF 108 109");
  g_autofree char *rejected = replace(t1, "BUNDLE 0 1 2", "BUNDLE 0 1");
  g_autofree char *inactive = replace(ANSWER3, "a=recvonly", "a=inactive");
  g_autofree char *no_rtx = replace(ANSWER3, "SAVPF 96 97", "SAVPF 96");
  g_autoptr(VtSubscribeAnswer) a1 = answer_ok(rejected, THREE, 3);
  g_autoptr(VtSubscribeAnswer) a2 = answer_ok(inactive, THREE, 3);
  g_autoptr(VtSubscribeAnswer) a3 = answer_ok(no_rtx, THREE, 3);

  g_assert_true(a1->media[0].accepted && a1->media[1].accepted);
  g_assert_false(a1->media[2].accepted);
  g_assert_cmpint(a1->media[2].codec.id, ==, VT_SDP_CODEC_NONE);
  for (guint i = 0; i < 3; i++) {
    g_assert_false(a2->media[i].accepted);
    g_assert_cmpint(a2->media[i].direction, ==, VT_SDP_INACTIVE);
  }
  g_assert_true(a3->media[1].accepted);
  g_assert_cmpuint(a3->media[1].codec.rtx_pt, ==, 0);
}

/* The offer without m-lines is answered by a session without m-lines. */
static void test_answer_empty(void)
{
  g_autoptr(VtSubscribeAnswer) answer = answer_ok(SESSION_ONLY, NULL, 0);

  g_assert_cmpuint(answer->n_media, ==, 0);
  g_assert_null(answer->transport.ice_ufrag);
  g_assert_nonnull(answer->transport.candidates);
}

static void expect_answer_refused(const char *text, const VtSubscribeTrack *tracks, guint n,
                                  VtSdpError code)
{
  VtLocalDescription local = relay_local(0);
  g_autoptr(GError) error = NULL;
  VtSubscribeAnswer *answer = NULL;

  g_assert_false(
      vt_sdp_parse_subscribe_answer(text, strlen(text), tracks, n, &local, &answer, &error));
  g_assert_error(error, VT_SDP_ERROR, (gint)code);
  g_assert_null(answer);
  g_test_message("refused: %s", error->message);
}

static const Edit answer_refusals[] = {
    {"actpass", "a=setup:active", "a=setup:actpass", NULL, NULL, VT_SDP_ERROR_BAD_SETUP},
    {"no-fingerprint", "a=fingerprint:", NULL, NULL, NULL, VT_SDP_ERROR_NO_FINGERPRINT},
    {"no-ice", "a=ice-ufrag:", NULL, NULL, NULL, VT_SDP_ERROR_NO_ICE_CREDENTIALS},
    {"sendrecv", "a=recvonly", "a=sendrecv", NULL, NULL, VT_SDP_ERROR_MISMATCH},
    {"foreign-pt", "SAVPF 96 97", "SAVPF 96 98", NULL, NULL, VT_SDP_ERROR_MISMATCH},
    {"dropped-pt", "SAVPF 96 97", "SAVPF 97", NULL, NULL, VT_SDP_ERROR_MISMATCH},
    {"wrong-mid", "a=mid:2", "a=mid:5", NULL, NULL, VT_SDP_ERROR_MISMATCH},
    {"wrong-kind", "m=audio 9", "m=video 9", NULL, NULL, VT_SDP_ERROR_MISMATCH},
    {"other-ext-id", "a=extmap:4 ", "a=extmap:5 ", NULL, NULL, VT_SDP_ERROR_MISMATCH},
    {"added-ext", "a=extmap:2 ", "a=extmap:3 " URI_TWCC "\r\na=extmap:2 ", NULL, NULL,
     VT_SDP_ERROR_MISMATCH},
    {"no-rtcp-mux", "a=rtcp-mux", NULL, NULL, NULL, VT_SDP_ERROR_NO_RTCP_MUX},
    {"no-bundle", "a=group:BUNDLE", NULL, NULL, NULL, VT_SDP_ERROR_NO_BUNDLE},
    {"bundle-partial", "BUNDLE 0 1 2", "BUNDLE 0 1", NULL, NULL, VT_SDP_ERROR_NO_BUNDLE},
    {"rtp-avp", "UDP/TLS/RTP/SAVPF", "RTP/AVP", NULL, NULL, VT_SDP_ERROR_BAD_PROFILE},
    {"garbage", "v=0", "x=0", NULL, NULL, VT_SDP_ERROR_MALFORMED},
};

static void test_answer_refusal(gconstpointer data)
{
  const Edit *e = data;
  g_autofree char *text = apply(ANSWER3, e);

  expect_answer_refused(text, THREE, 3, e->code);
}

/* Answers that do not fit the layout they are checked against. */
static void test_answer_layout(void)
{
  VtSubscribeTrack freed[3] = {ANNA_MIC, ANNA_CAM, BO_CAM};

  expect_answer_refused(ANSWER3, THREE, 2, VT_SDP_ERROR_MISMATCH);
  expect_answer_refused(SESSION_ONLY, THREE, 3, VT_SDP_ERROR_NO_MEDIA);
  /* slot 2 was offered inactive: answering recvonly is a mismatch */
  freed[2].active = FALSE;
  expect_answer_refused(ANSWER3, freed, 3, VT_SDP_ERROR_MISMATCH);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sdp/fingerprint", test_fingerprint);
  g_test_add_func("/sdp/vocabulary", test_vocabulary);
  g_test_add_func("/sdp/publish/chrome", test_chrome_offer);
  g_test_add_func("/sdp/publish/limit-tracks", test_limit_tracks);
  g_test_add_func("/sdp/publish/limit-tracks-answer", test_limit_tracks_answer);
  g_test_add_func("/sdp/publish/chrome-h264", test_chrome_h264);
  g_test_add_func("/sdp/publish/safari", test_safari_offer);
  g_test_add_func("/sdp/publish/answer", test_publish_answer);
  g_test_add_func("/sdp/publish/answer-features", test_publish_answer_features);
  g_test_add_func("/sdp/publish/answer-h264", test_publish_answer_h264);
  g_test_add_func("/sdp/publish/setup", test_publish_setup);
  g_test_add_func("/sdp/publish/rejected-and-inactive", test_publish_rejected_and_inactive);
  g_test_add_func("/sdp/publish/stopped", test_publish_stopped);
  for (guint i = 0; i < G_N_ELEMENTS(offer_refusals); i++) {
    g_autofree char *path = g_strdup_printf("/sdp/publish/refuse/%s", offer_refusals[i].name);

    g_test_add_data_func(path, &offer_refusals[i], test_offer_refusal);
  }
  g_test_add_func("/sdp/publish/refuse/garbage", test_offer_garbage);
  g_test_add_func("/sdp/publish/refuse/too-many-media", test_offer_too_many_media);
  g_test_add_func("/sdp/publish/many-attributes", test_offer_many_attributes);
  g_test_add_func("/sdp/subscribe/none", test_subscribe_none);
  g_test_add_func("/sdp/subscribe/one", test_subscribe_one);
  g_test_add_func("/sdp/subscribe/three", test_subscribe_three);
  g_test_add_func("/sdp/subscribe/reads-back", test_subscribe_reads_back);
  g_test_add_func("/sdp/subscribe/renegotiation", test_subscribe_renegotiation);
  g_test_add_func("/sdp/subscribe/invalid", test_subscribe_invalid);
  g_test_add_func("/sdp/answer/ok", test_answer_ok);
  g_test_add_func("/sdp/answer/partial", test_answer_partial);
  g_test_add_func("/sdp/answer/empty", test_answer_empty);
  for (guint i = 0; i < G_N_ELEMENTS(answer_refusals); i++) {
    g_autofree char *path = g_strdup_printf("/sdp/answer/refuse/%s", answer_refusals[i].name);

    g_test_add_data_func(path, &answer_refusals[i], test_answer_refusal);
  }
  g_test_add_func("/sdp/answer/layout", test_answer_layout);
  return g_test_run();
}
