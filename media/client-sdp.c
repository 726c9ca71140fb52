/* The relay's subscribe offer as a table of tracks; see client-sdp.h. */
#include "media/client-sdp.h"

#include <gio/gio.h>
#include <gst/sdp/sdp.h>
#include <string.h>

#define MAX_ID_LEN 64 /* msid ids (RFC 8830) */

void vt_client_remote_offer_free(VtClientRemoteOffer *offer)
{
  if (!offer)
    return;
  for (guint i = 0; i < offer->n_tracks; i++) {
    VtClientRemoteTrack *t = &offer->tracks[i];
    g_free(t->mid);
    g_free(t->kind);
    g_free(t->codec);
    g_free(t->participant);
    g_free(t->track_id);
  }
  g_free(offer->tracks);
  g_free(offer);
}

/* 1..64 visible ASCII characters: what an msid id may be. */
static gboolean is_id(const char *s, gsize len)
{
  if (len == 0 || len > MAX_ID_LEN)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (s[i] <= 0x20 || s[i] >= 0x7f)
      return FALSE;
  return TRUE;
}

/* "<stream-id> [<track-id>]"; leaves the track unchanged if the value is
 * malformed. A stream id of "-" means "no stream" (RFC 8830). */
static void read_msid(const char *value, VtClientRemoteTrack *t)
{
  const char *space = strchr(value, ' ');
  gsize stream_len = space ? (gsize)(space - value) : strlen(value);
  const char *track = space ? space + 1 : NULL;
  if (!is_id(value, stream_len) || (track && !is_id(track, strlen(track))))
    return;
  g_free(t->participant);
  g_free(t->track_id);
  gboolean none = stream_len == 1 && value[0] == '-';
  t->participant = none ? NULL : g_strndup(value, stream_len);
  t->track_id = g_strdup(track);
}

/* The decimal SSRC at the start of value, followed by end or a space. */
static gboolean read_ssrc(const char *value, guint32 *ssrc)
{
  const char *space = strchr(value, ' ');
  g_autofree char *digits = space ? g_strndup(value, (gsize)(space - value)) : g_strdup(value);
  guint64 v;
  if (!g_ascii_string_to_unsigned(digits, 10, 1, G_MAXUINT32, &v, NULL))
    return FALSE;
  *ssrc = (guint32)v;
  return TRUE;
}

/* SSRC and msid: an FID group names the primary SSRC first; else the first
 * a=ssrc line. a=msid wins over an "a=ssrc:N msid:..." attribute. */
static void read_track_ids(const GstSDPMedia *m, VtClientRemoteTrack *t)
{
  gboolean have_group = FALSE;
  for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, i);
    if (!a->value)
      continue;
    if (g_str_equal(a->key, "ssrc-group") && g_str_has_prefix(a->value, "FID ") && !have_group)
      have_group = read_ssrc(a->value + 4, &t->ssrc);
    else if (g_str_equal(a->key, "ssrc")) {
      guint32 ssrc;
      const char *attr = strchr(a->value, ' ');
      if (!read_ssrc(a->value, &ssrc))
        continue;
      if (!have_group && t->ssrc == 0)
        t->ssrc = ssrc;
      if (attr && g_str_has_prefix(attr + 1, "msid:") && !t->participant && ssrc == t->ssrc)
        read_msid(attr + 1 + strlen("msid:"), t);
    }
  }
  const char *msid = gst_sdp_media_get_attribute_val(m, "msid");
  if (msid)
    read_msid(msid, t);
}

/* Lower-case encoding name of the first format, from its a=rtpmap. */
static char *first_codec(const GstSDPMedia *m)
{
  const char *pt = gst_sdp_media_formats_len(m) ? gst_sdp_media_get_format(m, 0) : NULL;
  if (!pt)
    return NULL;
  for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, i);
    gsize n = strlen(pt);
    if (!g_str_equal(a->key, "rtpmap") || !a->value || strncmp(a->value, pt, n) != 0 ||
        a->value[n] != ' ')
      continue;
    const char *name = a->value + n + 1;
    const char *slash = strchr(name, '/');
    gsize len = slash ? (gsize)(slash - name) : strlen(name);
    return len ? g_ascii_strdown(name, (gssize)len) : NULL;
  }
  return NULL;
}

static gboolean is_sending(const GstSDPMedia *m)
{
  /* Port 0 rejects an m-line, unless it is bundle-only (RFC 8843): then it
   * rides on the BUNDLE transport, as webrtcbin's own offers do. */
  if (gst_sdp_media_get_port(m) == 0 && !gst_sdp_media_get_attribute_val(m, "bundle-only"))
    return FALSE;
  if (gst_sdp_media_get_attribute_val(m, "inactive") ||
      gst_sdp_media_get_attribute_val(m, "recvonly"))
    return FALSE;
  /* sendonly, sendrecv, or no direction (sendrecv by default) */
  return TRUE;
}

static gboolean not_sdp(GError **error)
{
  g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the offer is not SDP");
  return FALSE;
}

gboolean vt_client_sdp_remote_tracks(const char *text, gsize len, VtClientRemoteOffer **out,
                                     GError **error)
{
  if (!text || len == 0 || len > VT_CLIENT_SDP_MAX_LEN || memchr(text, '\0', len) ||
      !g_str_has_prefix(text, "v=0"))
    return not_sdp(error);
  g_autoptr(GstSDPMessage) msg = NULL;
  gst_sdp_message_new(&msg);
  if (gst_sdp_message_parse_buffer((const guint8 *)text, (guint)len, msg) != GST_SDP_OK)
    return not_sdp(error);
  g_autoptr(VtClientRemoteOffer) offer = g_new0(VtClientRemoteOffer, 1);
  guint n = gst_sdp_message_medias_len(msg);
  offer->tracks = g_new0(VtClientRemoteTrack, MAX(n, 1));
  for (guint i = 0; i < n; i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
    const char *mid = gst_sdp_media_get_attribute_val(m, "mid");
    if (!mid || !*mid) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "m-line %u has no a=mid", i);
      return FALSE;
    }
    VtClientRemoteTrack *t = &offer->tracks[offer->n_tracks++];
    t->mline = i;
    t->mid = g_strdup(mid);
    t->kind = g_strdup(gst_sdp_media_get_media(m) ? gst_sdp_media_get_media(m) : "");
    t->codec = first_codec(m);
    t->active = is_sending(m);
    read_track_ids(m, t);
  }
  *out = g_steal_pointer(&offer);
  return TRUE;
}

const VtClientRemoteTrack *vt_client_remote_offer_find(const VtClientRemoteOffer *offer,
                                                       const char *mid)
{
  for (guint i = 0; offer && mid && i < offer->n_tracks; i++)
    if (g_str_equal(offer->tracks[i].mid, mid))
      return &offer->tracks[i];
  return NULL;
}

const VtClientRemoteTrack *vt_client_remote_offer_find_ssrc(const VtClientRemoteOffer *offer,
                                                            guint32 ssrc)
{
  for (guint i = 0; offer && ssrc && i < offer->n_tracks; i++)
    if (offer->tracks[i].ssrc == ssrc)
      return &offer->tracks[i];
  return NULL;
}
