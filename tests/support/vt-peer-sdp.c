/* SDP for the test peer: the publish offer it writes, the relay SDPs it
 * reads (GstSDP), and its answers to subscribe offers. */
#include "support/vt-peer-priv.h"

#include <gst/sdp/sdp.h>
#include <stdio.h>
#include <string.h>

#define PEER_VP8_PT 96
#define PEER_RTX_PT 97
#define PEER_OPUS_PT 111
#define TWCC_URI "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

/* Transport-wide sequence numbers, as browsers offer them on every m-line. */
static void add_twcc(GString *s, const VtPeerMedia *media, int pt)
{
  if (media->twcc)
    g_string_append_printf(s, "a=extmap:%d " TWCC_URI "\r\na=rtcp-fb:%d transport-cc\r\n",
                           VT_PEER_TWCC_EXT_ID, pt);
}

static void add_transport(GString *s, VtTestPeer *peer, const VtPeerMedia *media)
{
  guint8 fp[VT_DTLS_FINGERPRINT_LEN];
  memcpy(fp, vt_dtls_cert_get_fingerprint(peer->cert), sizeof fp);
  if (media->wrong_fingerprint)
    fp[0] ^= 0xff;
  char text[VT_DTLS_FINGERPRINT_STRING_SIZE];
  vt_dtls_fingerprint_format(fp, text);
  g_string_append_printf(s,
                         "c=IN IP4 0.0.0.0\r\na=ice-ufrag:%s\r\na=ice-pwd:%s\r\n"
                         "a=ice-options:trickle\r\na=fingerprint:sha-256 %s\r\n"
                         "a=setup:actpass\r\na=rtcp-mux\r\n",
                         vt_transport_local_ufrag(peer->pub), vt_transport_local_pwd(peer->pub),
                         text);
  for (guint i = 0; i < peer->candidates->len; i++)
    g_string_append_printf(s, "a=%s\r\n", (char *)g_ptr_array_index(peer->candidates, i));
  g_string_append(s, "a=end-of-candidates\r\n");
}

char *vt_peer_publish_offer(VtTestPeer *peer, const VtPeerMedia *media)
{
  GString *s = g_string_new(NULL);
  gboolean audio = media->audio;
  g_string_append_printf(s, "v=0\r\no=- %u 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
                         g_random_int() >> 1);
  g_string_append(s, audio ? "a=group:BUNDLE 0 1\r\n" : "a=group:BUNDLE 0\r\n");
  g_string_append(s, "a=msid-semantic: WMS peer\r\n");
  if (audio) {
    g_string_append_printf(s, "m=audio 9 UDP/TLS/RTP/SAVPF %d\r\n", PEER_OPUS_PT);
    add_transport(s, peer, media);
    g_string_append_printf(s,
                           "a=mid:0\r\na=sendonly\r\na=msid:peer audio0\r\n"
                           "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                           "a=rtpmap:%d opus/48000/2\r\na=fmtp:%d minptime=10;useinbandfec=1\r\n"
                           "a=ssrc:%u cname:peer\r\n",
                           PEER_OPUS_PT, PEER_OPUS_PT, peer->audio_ssrc);
    add_twcc(s, media, PEER_OPUS_PT);
  }
  const char *vmid = audio ? "1" : "0";
  if (media->rtx)
    g_string_append_printf(s, "m=video 9 UDP/TLS/RTP/SAVPF %d %d\r\n", PEER_VP8_PT, PEER_RTX_PT);
  else
    g_string_append_printf(s, "m=video 9 UDP/TLS/RTP/SAVPF %d\r\n", PEER_VP8_PT);
  add_transport(s, peer, media);
  g_string_append_printf(s,
                         "a=mid:%s\r\na=sendonly\r\na=msid:peer video0\r\na=rtcp-rsize\r\n"
                         "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                         "a=rtpmap:%d VP8/90000\r\na=rtcp-fb:%d nack\r\na=rtcp-fb:%d nack pli\r\n"
                         "a=rtcp-fb:%d ccm fir\r\na=rtcp-fb:%d goog-remb\r\n",
                         vmid, PEER_VP8_PT, PEER_VP8_PT, PEER_VP8_PT, PEER_VP8_PT, PEER_VP8_PT);
  add_twcc(s, media, PEER_VP8_PT);
  if (media->rtx)
    g_string_append_printf(s,
                           "a=rtpmap:%d rtx/90000\r\na=fmtp:%d apt=%d\r\n"
                           "a=ssrc-group:FID %u %u\r\na=ssrc:%u cname:peer\r\n",
                           PEER_RTX_PT, PEER_RTX_PT, PEER_VP8_PT, peer->video_ssrc,
                           peer->video_rtx_ssrc, peer->video_rtx_ssrc);
  g_string_append_printf(s, "a=ssrc:%u cname:peer\r\n", peer->video_ssrc);
  return g_string_free(s, FALSE);
}

/* ---- reading the relay's SDP ------------------------------------------------- */

static const char *attr(const GstSDPMessage *msg, const GstSDPMedia *m, const char *key)
{
  const char *v = m ? gst_sdp_media_get_attribute_val(m, key) : NULL;
  return v ? v : gst_sdp_message_get_attribute_val(msg, key);
}

gboolean vt_peer_read_transport(const char *text, VtSdpRemoteTransport *out, GError **error)
{
  GstSDPMessage *msg = NULL;
  gst_sdp_message_new_from_text(text, &msg);
  const GstSDPMedia *m = gst_sdp_message_medias_len(msg) ? gst_sdp_message_get_media(msg, 0)
                                                          : NULL;
  const char *fp = attr(msg, m, "fingerprint");
  memset(out, 0, sizeof *out);
  out->ice_ufrag = g_strdup(attr(msg, m, "ice-ufrag"));
  out->ice_pwd = g_strdup(attr(msg, m, "ice-pwd"));
  gboolean ok = out->ice_ufrag && out->ice_pwd && fp && g_str_has_prefix(fp, "sha-256 ") &&
                vt_dtls_fingerprint_parse(fp + 8, out->fingerprint);
  const char *setup = attr(msg, m, "setup");
  out->setup = g_strcmp0(setup, "active") == 0    ? VT_SDP_SETUP_ACTIVE
               : g_strcmp0(setup, "passive") == 0 ? VT_SDP_SETUP_PASSIVE
                                                  : VT_SDP_SETUP_ACTPASS;
  GPtrArray *cands = g_ptr_array_new();
  for (guint i = 0; m && i < gst_sdp_media_attributes_len(m); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, i);
    if (g_str_equal(a->key, "candidate"))
      g_ptr_array_add(cands, g_strconcat("candidate:", a->value, NULL));
    if (g_str_equal(a->key, "end-of-candidates"))
      out->end_of_candidates = TRUE;
  }
  g_ptr_array_add(cands, NULL);
  out->candidates = (char **)g_ptr_array_free(cands, FALSE);
  gst_sdp_message_free(msg);
  if (!ok)
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "relay SDP without ICE/DTLS");
  return ok;
}

void vt_peer_transport_clear(VtSdpRemoteTransport *t)
{
  g_free(t->ice_ufrag);
  g_free(t->ice_pwd);
  g_strfreev(t->candidates);
  memset(t, 0, sizeof *t);
}

static guint32 ssrc_of(const GstSDPMedia *m, gboolean rtx)
{
  guint32 first = 0, second = 0;
  const char *group = gst_sdp_media_get_attribute_val(m, "ssrc-group");
  if (group && sscanf(group, "FID %u %u", &first, &second) == 2)
    return rtx ? second : first;
  const char *ssrc = gst_sdp_media_get_attribute_val(m, "ssrc");
  return !rtx && ssrc ? (guint32)g_ascii_strtoull(ssrc, NULL, 10) : 0;
}

/* The relay's payload type for the media codec and its RTX (apt=). */
static void payload_types(const GstSDPMedia *m, guint8 *pt, guint8 *rtx_pt)
{
  *pt = gst_sdp_media_formats_len(m) ? (guint8)g_ascii_strtoull(gst_sdp_media_get_format(m, 0), NULL, 10) : 0;
  *rtx_pt = 0;
  for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, i);
    guint rtx, apt;
    if (g_str_equal(a->key, "fmtp") && sscanf(a->value, "%u apt=%u", &rtx, &apt) == 2 &&
        apt == *pt)
      *rtx_pt = (guint8)rtx;
  }
}

static VtPeerTrack *track_from(const GstSDPMedia *m)
{
  VtPeerTrack *t = g_new0(VtPeerTrack, 1);
  t->mid = g_strdup(gst_sdp_media_get_attribute_val(m, "mid"));
  t->kind = g_str_equal(gst_sdp_media_get_media(m), "video") ? VT_SDP_KIND_VIDEO
                                                              : VT_SDP_KIND_AUDIO;
  t->active = gst_sdp_media_get_port(m) != 0 && !gst_sdp_media_get_attribute_val(m, "inactive");
  const char *msid = gst_sdp_media_get_attribute_val(m, "msid");
  if (t->active && msid)
    t->participant = g_strndup(msid, strcspn(msid, " "));
  t->ssrc = ssrc_of(m, FALSE);
  t->rtx_ssrc = ssrc_of(m, TRUE);
  payload_types(m, &t->pt, &t->rtx_pt);
  t->delays_us = g_array_new(FALSE, FALSE, sizeof(gint64));
  return t;
}

void vt_peer_track_free(gpointer p)
{
  VtPeerTrack *t = p;
  g_free(t->mid);
  g_free(t->participant);
  g_array_unref(t->delays_us);
  g_free(t);
}

static VtPeerTrack *track_by_ssrc(VtTestPeer *peer, guint32 ssrc)
{
  for (guint i = 0; i < peer->tracks->len; i++) {
    VtPeerTrack *t = g_ptr_array_index(peer->tracks, i);
    if (t->ssrc == ssrc)
      return t;
  }
  return NULL;
}

/* Tracks are kept by SSRC (the relay gives every binding new SSRCs), so their
 * counters survive renegotiation; one missing from the offer is inactive. */
static void update_tracks(VtTestPeer *peer, const GstSDPMessage *msg)
{
  for (guint i = 0; i < peer->tracks->len; i++)
    ((VtPeerTrack *)g_ptr_array_index(peer->tracks, i))->active = FALSE;
  for (guint i = 0; i < gst_sdp_message_medias_len(msg); i++) {
    VtPeerTrack *fresh = track_from(gst_sdp_message_get_media(msg, i));
    VtPeerTrack *old = fresh->ssrc ? track_by_ssrc(peer, fresh->ssrc) : NULL;
    if (old)
      old->active = fresh->active;
    if (old || !fresh->ssrc || !fresh->active)
      vt_peer_track_free(fresh);
    else
      g_ptr_array_add(peer->tracks, fresh);
  }
}

static void answer_media(GString *s, VtTestPeer *peer, const GstSDPMedia *m, const char *fp)
{
  gboolean active = gst_sdp_media_get_port(m) != 0 &&
                    !gst_sdp_media_get_attribute_val(m, "inactive");
  g_string_append_printf(s, "m=%s %d UDP/TLS/RTP/SAVPF", gst_sdp_media_get_media(m),
                         gst_sdp_media_get_port(m) ? 9 : 0);
  for (guint f = 0; f < gst_sdp_media_formats_len(m); f++)
    g_string_append_printf(s, " %s", gst_sdp_media_get_format(m, f));
  g_string_append_printf(s,
                         "\r\nc=IN IP4 0.0.0.0\r\na=mid:%s\r\na=%s\r\na=rtcp-mux\r\n"
                         "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:sha-256 %s\r\n"
                         "a=setup:active\r\n",
                         gst_sdp_media_get_attribute_val(m, "mid"),
                         active ? "recvonly" : "inactive", vt_transport_local_ufrag(peer->sub),
                         vt_transport_local_pwd(peer->sub), fp);
  for (guint a = 0; a < gst_sdp_media_attributes_len(m); a++) {
    const GstSDPAttribute *at = gst_sdp_media_get_attribute(m, a);
    if (g_str_equal(at->key, "rtpmap") || g_str_equal(at->key, "fmtp") ||
        g_str_equal(at->key, "rtcp-fb") || g_str_equal(at->key, "extmap") ||
        g_str_equal(at->key, "rtcp-rsize"))
      g_string_append_printf(s, "a=%s%s%s\r\n", at->key, at->value ? ":" : "",
                             at->value ? at->value : "");
  }
}

/* Reads the offer's layout into peer->tracks and writes the answer
 * (transfer full): every m-line taken as offered, recvonly. */
char *vt_peer_answer_offer(VtTestPeer *peer, const char *offer)
{
  GstSDPMessage *msg = NULL;
  gst_sdp_message_new_from_text(offer, &msg);
  update_tracks(peer, msg);
  GString *s = g_string_new(NULL);
  g_string_append(s, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n");
  g_string_append_printf(s, "a=group:%s\r\n", gst_sdp_message_get_attribute_val(msg, "group"));
  char fp[VT_DTLS_FINGERPRINT_STRING_SIZE];
  vt_dtls_fingerprint_format(vt_dtls_cert_get_fingerprint(peer->cert), fp);
  for (guint i = 0; i < gst_sdp_message_medias_len(msg); i++)
    answer_media(s, peer, gst_sdp_message_get_media(msg, i), fp);
  gst_sdp_message_free(msg);
  return g_string_free(s, FALSE);
}
