/* What the SDP unit tests share (test-sdp-publish.c, test-sdp-subscribe.c):
 * the publish offers of a real-looking Chrome and Safari, written out as the
 * browsers send them (Chrome: Opus + RED, VP8, VP9, H.264 in four profiles
 * and both packetization modes, AV1, RTX, RED/ULPFEC, simulcast-less FID
 * groups; Safari: H.264 high first, H.265, VP8, VP9), the relay's local
 * description, and helpers that edit SDP line by line and read it back with
 * GstSDP. Each test file uses part of it. */
#pragma once

#include "relay/sdp.h"

#include <gst/sdp/sdp.h>
#include <string.h>

/* The two captures stay one SDP line per source line. */
// clang-format off
/* The feedback browsers offer for every video codec, in their order. */
#define BROWSER_FB(pt)                                                                             \
  "a=rtcp-fb:" pt " goog-remb\r\na=rtcp-fb:" pt " transport-cc\r\na=rtcp-fb:" pt               \
  " ccm fir\r\na=rtcp-fb:" pt " nack\r\na=rtcp-fb:" pt " nack pli\r\n"

G_GNUC_UNUSED static const char CHROME_OFFER[] =
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

G_GNUC_UNUSED static const char SAFARI_OFFER[] =
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
G_GNUC_UNUSED static const guint8 CHROME_FP[32] = {
    0x7B, 0x8B, 0xF0, 0x65, 0x5F, 0x78, 0xE2, 0x51, 0x3B, 0xAC, 0x6F, 0xF3, 0x3F, 0x46, 0x1B, 0x35,
    0xDC, 0xB8, 0x5F, 0x64, 0x1A, 0x24, 0xC2, 0x43, 0xF0, 0xA1, 0x58, 0xD0, 0xA1, 0x2C, 0x19, 0x08};
#define URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define URI_ABS "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define URI_TWCC "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define URI_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

G_GNUC_UNUSED static const char *const RELAY_CANDIDATES[] = {
    "candidate:1 1 udp 2130706431 198.51.100.10 40000 typ host", NULL};

G_GNUC_UNUSED static VtLocalDescription relay_local(guint features)
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

/* An SDP with a session and no media. */
#define SESSION_ONLY "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"

/* ---- helpers ---- */

/* Replaces every occurrence; the edit must apply. */
G_GNUC_UNUSED static char *replace(const char *s, const char *from, const char *to)
{
  g_auto(GStrv) parts = g_strsplit(s, from, -1);

  g_assert_cmpuint(g_strv_length(parts), >, 1);
  return g_strjoinv(to, parts);
}

/* Drops every CRLF line starting with prefix; at least one must go. */
G_GNUC_UNUSED static char *drop_lines(const char *s, const char *prefix)
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

G_GNUC_UNUSED static char *edit(const char *text, const char *from, const char *to)
{
  return to ? replace(text, from, to) : drop_lines(text, from);
}

G_GNUC_UNUSED static char *apply(const char *text, const Edit *e)
{
  g_autofree char *once = edit(text, e->from, e->to);

  return e->from2 ? edit(once, e->from2, e->to2) : g_steal_pointer(&once);
}

G_GNUC_UNUSED static VtPublishOffer *parse_ok(const char *text, const VtSdpCodecPrefs *prefs)
{
  g_autoptr(GError) error = NULL;
  VtPublishOffer *offer = NULL;
  gboolean ok = vt_sdp_parse_publish_offer_with_prefs(text, strlen(text), prefs, &offer, &error);

  g_assert_no_error(error);
  g_assert_true(ok);
  return offer;
}

G_GNUC_UNUSED static void expect_refused(const char *text, gsize len, VtSdpError code)
{
  g_autoptr(GError) error = NULL;
  VtPublishOffer *offer = NULL;

  g_assert_false(vt_sdp_parse_publish_offer(text, len, &offer, &error));
  g_assert_error(error, VT_SDP_ERROR, (gint)code);
  g_assert_null(offer);
  g_test_message("refused: %s", error->message);
}

G_GNUC_UNUSED static GstSDPMessage *reparse(const char *text)
{
  GstSDPMessage *msg = NULL;

  g_assert_nonnull(text);
  g_assert_cmpint(gst_sdp_message_new_from_text(text, &msg), ==, GST_SDP_OK);
  return msg;
}

/* All values of key on m, joined with "|" ("" when none). */
G_GNUC_UNUSED static char *attrs(const GstSDPMedia *m, const char *key)
{
  GString *s = g_string_new(NULL);

  for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, i);

    if (strcmp(a->key, key) == 0)
      g_string_append_printf(s, "%s%s", s->len ? "|" : "", a->value ? a->value : "");
  }
  return g_string_free(s, FALSE);
}

G_GNUC_UNUSED static gboolean has(const GstSDPMedia *m, const char *key)
{
  return gst_sdp_media_get_attribute_val(m, key) != NULL;
}

G_GNUC_UNUSED static char *formats(const GstSDPMedia *m)
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
G_GNUC_UNUSED static void assert_crlf(const char *text)
{
  for (const char *p = text; *p; p++) {
    if (*p == '\n')
      g_assert_true(p > text && p[-1] == '\r');
  }
  g_assert_true(g_str_has_suffix(text, "\r\n"));
}
