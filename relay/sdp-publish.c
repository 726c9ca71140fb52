/* SDP of the publish connection: parsing and validating the client's offer
 * (one codec per m-line by the relay's preference, the client's payload
 * types, extension ids, SSRCs and msid) and writing the relay's receive-only
 * answer. Contracts in sdp.h.
 *
 * An m-line's payload types are gathered in one pass over its attributes
 * into a table indexed by payload type, so the work stays linear in the size
 * of the offer whatever it holds. */
#include "relay/sdp-priv.h"

#include <string.h>

/* What one m-line says about a payload type. */
typedef struct {
  gboolean listed; /* in the m= format list */
  gboolean has_rtpmap;
  gboolean has_fmtp;
  char name[16]; /* encoding name; "" when longer (no codec the relay knows) */
  guint32 rate;
  guint32 channels; /* 0 when not given */
  const char *fmtp; /* borrowed from the GstSDP attribute: the parameters */
  guint feedback;   /* VtSdpFeedback bits from a=rtcp-fb lines naming it */
} PtInfo;

typedef struct {
  PtInfo pt[128];
  guint8 order[128]; /* the listed payload types in m= order */
  guint n_order;
  guint all_feedback; /* from a=rtcp-fb:* lines */
} PtTable;

void vt_publish_offer_free(VtPublishOffer *offer)
{
  if (offer == NULL)
    return;
  vt_sdp_remote_transport_clear(&offer->transport);
  for (guint i = 0; i < offer->n_media; i++) {
    VtPublishMedia *pm = &offer->media[i];

    g_free(pm->mid);
    g_free(pm->media_name);
    g_free(pm->proto);
    g_free(pm->first_format);
    g_free(pm->cname);
    g_free(pm->stream_id);
    g_free(pm->track_id);
  }
  g_free(offer->media);
  g_free(offer);
}

/* ---- payload types ---- */

static gboolean read_formats(const GstSDPMedia *m, guint index, PtTable *t, GError **error)
{
  for (guint i = 0; i < gst_sdp_media_formats_len(m); i++) {
    const char *f = gst_sdp_media_get_format(m, i), *p = f;
    guint32 pt;

    if (*f == '\0')
      continue; /* GstSDP's reading of a trailing blank */
    if (!vt_sdp_scan_uint(&p, 127, &pt) || *p != '\0') {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_MALFORMED,
                  "m-line %u: a format is not a payload type 0..127", index);
      return FALSE;
    }
    if (t->pt[pt].listed) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_MALFORMED,
                  "m-line %u lists payload type %u twice", index, pt);
      return FALSE;
    }
    t->pt[pt].listed = TRUE;
    t->order[t->n_order++] = (guint8)pt;
  }
  if (t->n_order == 0) {
    g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_MALFORMED, "m-line %u has no payload type",
                index);
    return FALSE;
  }
  return TRUE;
}

/* rtpmap = pt SP name "/" rate ["/" channels]. Attributes of payload types
 * that the m= line does not list are ignored (RFC 8866 6.6). */
static gboolean read_rtpmap(const char *value, PtTable *t)
{
  const char *p, *name;
  guint32 rate, channels = 0;
  gsize len = 0;
  guint pt;
  PtInfo *info;

  if (!vt_sdp_scan_pt(value, &pt, &p))
    return FALSE;
  name = p;
  while (p[len] != '\0' && p[len] != '/' && p[len] != ' ' && p[len] != '\t')
    len++;
  if (len == 0 || p[len] != '/')
    return FALSE;
  p += len + 1;
  if (!vt_sdp_scan_uint(&p, 10000000, &rate) || rate == 0)
    return FALSE;
  if (*p == '/') {
    p++;
    if (!vt_sdp_scan_uint(&p, 255, &channels) || channels == 0)
      return FALSE;
  }
  vt_sdp_skip_blanks(&p);
  if (*p != '\0')
    return FALSE;
  info = &t->pt[pt];
  if (!info->listed)
    return TRUE;
  if (info->has_rtpmap)
    return FALSE;
  info->has_rtpmap = TRUE;
  if (len < sizeof info->name)
    memcpy(info->name, name, len);
  info->rate = rate;
  info->channels = channels;
  return TRUE;
}

static gboolean read_fmtp(const char *value, PtTable *t)
{
  const char *params;
  guint pt;

  if (!vt_sdp_scan_pt(value, &pt, &params))
    return FALSE;
  if (!t->pt[pt].listed)
    return TRUE;
  if (t->pt[pt].has_fmtp)
    return FALSE;
  t->pt[pt].has_fmtp = TRUE;
  t->pt[pt].fmtp = params;
  return TRUE;
}

static gboolean read_rtcp_fb(const char *value, PtTable *t)
{
  guint bit;
  gint pt;

  if (!vt_sdp_parse_rtcp_fb(value, &pt, &bit))
    return FALSE;
  if (pt < 0)
    t->all_feedback |= bit;
  else if (t->pt[pt].listed)
    t->pt[pt].feedback |= bit;
  return TRUE;
}

static gboolean read_pt_attributes(const GstSDPMedia *m, guint index, PtTable *t, GError **error)
{
  for (guint i = 0; i < m->attributes->len; i++) {
    const GstSDPAttribute *a = &g_array_index(m->attributes, GstSDPAttribute, i);
    const char *v = a->value ? a->value : "";
    gboolean ok;

    if (strcmp(a->key, "rtpmap") == 0)
      ok = read_rtpmap(v, t);
    else if (strcmp(a->key, "fmtp") == 0)
      ok = read_fmtp(v, t);
    else if (strcmp(a->key, "rtcp-fb") == 0)
      ok = read_rtcp_fb(v, t);
    else
      continue;
    if (!ok) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_MALFORMED, "m-line %u: malformed a=%s", index,
                  a->key);
      return FALSE;
    }
  }
  return TRUE;
}

/* ---- codecs ---- */

/* H.264 the relay forwards: packetization-mode=1 and a known profile
 * (without profile-level-id, RFC 6184's default 420010). */
static gboolean h264_params(const PtInfo *info, guint32 *plid)
{
  char buf[16];
  const char *p = buf;

  if (!info->has_fmtp || !vt_sdp_fmtp_get(info->fmtp, "packetization-mode", buf, sizeof buf) ||
      strcmp(buf, "1") != 0)
    return FALSE;
  if (!vt_sdp_fmtp_get(info->fmtp, "profile-level-id", buf, sizeof buf)) {
    *plid = 0x420010;
  } else {
    *plid = 0;
    for (guint i = 0; i < 6; i++) {
      gint d = g_ascii_xdigit_value(p[i]);

      if (d < 0)
        return FALSE;
      *plid = *plid << 4 | (guint32)d;
    }
    if (p[6] != '\0')
      return FALSE;
  }
  return vt_sdp_h264_profile(*plid) != VT_SDP_H264_UNKNOWN;
}

static gboolean name_is(const PtInfo *info, const char *name)
{
  return g_ascii_strcasecmp(info->name, name) == 0;
}

/* Which codec the relay sees in payload type pt of a kind m-line. */
static VtSdpCodecId recognise(const PtTable *t, guint pt, VtSdpKind kind, guint32 *plid)
{
  const PtInfo *info = &t->pt[pt];

  *plid = 0;
  if (!info->has_rtpmap)
    return VT_SDP_CODEC_NONE;
  if (kind == VT_SDP_KIND_AUDIO && name_is(info, "opus") && info->rate == 48000 &&
      info->channels == 2)
    return VT_SDP_CODEC_OPUS;
  if (kind != VT_SDP_KIND_VIDEO || info->rate != 90000)
    return VT_SDP_CODEC_NONE;
  if (name_is(info, "VP8"))
    return VT_SDP_CODEC_VP8;
  if (name_is(info, "H264") && h264_params(info, plid))
    return VT_SDP_CODEC_H264;
  return VT_SDP_CODEC_NONE;
}

/* The first RTX payload type with apt=pt at the codec's clock rate, or 0. */
static guint8 find_rtx(const PtTable *t, guint pt)
{
  for (guint i = 0; i < t->n_order; i++) {
    const PtInfo *info = &t->pt[t->order[i]];
    char buf[8];
    const char *p = buf;
    guint32 apt;

    if (info->has_rtpmap && name_is(info, "rtx") && info->rate == t->pt[pt].rate &&
        info->has_fmtp && vt_sdp_fmtp_get(info->fmtp, "apt", buf, sizeof buf) &&
        vt_sdp_scan_uint(&p, 127, &apt) && *p == '\0' && apt == pt)
      return t->order[i];
  }
  return 0;
}

/* Lower is better: the profile most decoders take first. */
static guint h264_rank(guint32 plid)
{
  return (guint)vt_sdp_h264_profile(plid);
}

static void fill_codec(const PtTable *t, guint pt, VtSdpCodecId id, guint32 plid, VtSdpKind kind,
                       VtSdpCodec *out)
{
  memset(out, 0, sizeof *out);
  out->id = id;
  out->pt = (guint8)pt;
  out->clock_rate = t->pt[pt].rate;
  out->channels = t->pt[pt].channels;
  if (id == VT_SDP_CODEC_H264) {
    out->h264_profile_level_id = plid;
    out->h264_profile = vt_sdp_h264_profile(plid);
  }
  if (kind == VT_SDP_KIND_VIDEO)
    out->rtx_pt = find_rtx(t, pt);
  out->feedback = t->pt[pt].feedback | t->all_feedback;
}

static gboolean allowed(VtSdpCodecId id, const VtSdpCodecId *list, guint n)
{
  for (guint k = 0; k < n; k++)
    if (list[k] == id)
      return TRUE;
  return FALSE;
}

/* The codec of the client's first payload type that the relay takes: a
 * browser lists first what it encodes best (Safari H.264, in hardware on
 * iPhones; Chrome VP8). Then, within H.264, the profile most decoders take,
 * then the client's order. */
static gboolean choose_codec(const PtTable *t, VtSdpKind kind, const VtSdpCodecPrefs *prefs,
                             VtSdpCodec *out)
{
  const VtSdpCodecId *list = kind == VT_SDP_KIND_VIDEO ? prefs->video : prefs->audio;
  guint n = MIN(kind == VT_SDP_KIND_VIDEO ? prefs->n_video : prefs->n_audio, VT_SDP_MAX_PREFS);
  VtSdpCodecId want = VT_SDP_CODEC_NONE;
  gint best = -1;
  guint32 best_plid = 0;

  for (guint i = 0; i < t->n_order; i++) {
    guint32 plid;
    VtSdpCodecId id = recognise(t, t->order[i], kind, &plid);

    if (id == VT_SDP_CODEC_NONE || !allowed(id, list, n))
      continue;
    if (want == VT_SDP_CODEC_NONE)
      want = id;
    if (id != want)
      continue;
    if (best < 0 || (id == VT_SDP_CODEC_H264 && h264_rank(plid) < h264_rank(best_plid))) {
      best = t->order[i];
      best_plid = plid;
    }
  }
  if (best < 0)
    return FALSE;
  fill_codec(t, (guint)best, want, best_plid, kind, out);
  return TRUE;
}

/* ---- extensions, SSRCs, msid ---- */

static gboolean read_extmaps(const GstSDPMedia *m, guint index, VtPublishMedia *pm, GError **error)
{
  guint64 used[4] = {0}; /* ids 0..255 */

  for (guint i = 0; i < m->attributes->len; i++) {
    const GstSDPAttribute *a = &g_array_index(m->attributes, GstSDPAttribute, i);
    guint id;
    gint ext;

    if (strcmp(a->key, "extmap") != 0)
      continue;
    if (!vt_sdp_parse_extmap(a->value ? a->value : "", &id, &ext)) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_MALFORMED, "m-line %u: malformed a=extmap",
                  index);
      return FALSE;
    }
    if (used[id / 64] & (G_GUINT64_CONSTANT(1) << (id % 64))) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_BAD_MEDIA, "m-line %u uses extmap id %u twice",
                  index, id);
      return FALSE;
    }
    used[id / 64] |= G_GUINT64_CONSTANT(1) << (id % 64);
    if (ext >= 0 && pm->ext_ids[ext] == 0 &&
        (ext != VT_SDP_EXT_AUDIO_LEVEL || pm->kind == VT_SDP_KIND_AUDIO))
      pm->ext_ids[ext] = (guint8)id;
  }
  return TRUE;
}

/* An SSRC (1..2^32-1) at *p. */
static gboolean scan_ssrc(const char **p, guint32 *ssrc)
{
  return vt_sdp_scan_uint(p, G_MAXUINT32, ssrc) && *ssrc != 0;
}

/* a=ssrc-group:FID <media> <rtx>; other semantics are ignored. */
static gboolean read_fid(const char *value, gboolean *is_fid, guint32 *media, guint32 *rtx)
{
  const char *p = value;
  gsize len = vt_sdp_word_len(p);

  *is_fid = len == 3 && g_ascii_strncasecmp(p, "FID", 3) == 0;
  if (!*is_fid)
    return TRUE;
  p += len;
  if (vt_sdp_skip_blanks(&p) == 0 || !scan_ssrc(&p, media) || vt_sdp_skip_blanks(&p) == 0 ||
      !scan_ssrc(&p, rtx))
    return FALSE;
  vt_sdp_skip_blanks(&p);
  return *p == '\0' && *media != *rtx;
}

/* msid = stream-id [SP track-id] (RFC 8830), each 1..64 visible characters. */
static gboolean read_msid(const char *value, VtPublishMedia *pm)
{
  const char *p = value;
  gsize len = vt_sdp_word_len(p), len2;
  const char *track;

  if (!vt_sdp_is_visible(p, len, VT_SDP_MAX_MSID_LEN))
    return FALSE;
  track = p + len;
  vt_sdp_skip_blanks(&track);
  len2 = vt_sdp_word_len(track);
  if (len2 > 0 && !vt_sdp_is_visible(track, len2, VT_SDP_MAX_MSID_LEN))
    return FALSE;
  p = track + len2;
  vt_sdp_skip_blanks(&p);
  if (*p != '\0')
    return FALSE;
  g_free(pm->stream_id);
  g_free(pm->track_id);
  pm->stream_id = g_strndup(value, len);
  pm->track_id = len2 > 0 ? g_strndup(track, len2) : NULL;
  return TRUE;
}

/* First pass: the FID group or the first a=ssrc; each line checked. */
static gboolean find_ssrcs(const GstSDPMedia *m, VtPublishMedia *pm)
{
  gboolean have_fid = FALSE;
  guint32 first = 0;

  for (guint i = 0; i < m->attributes->len; i++) {
    const GstSDPAttribute *a = &g_array_index(m->attributes, GstSDPAttribute, i);
    const char *p = a->value ? a->value : "";
    guint32 ssrc, rtx;
    gboolean is_fid;

    if (strcmp(a->key, "ssrc-group") == 0) {
      if (!read_fid(p, &is_fid, &ssrc, &rtx))
        return FALSE;
      if (is_fid && !have_fid) {
        pm->ssrc = ssrc;
        pm->rtx_ssrc = rtx;
        have_fid = TRUE;
      }
    } else if (strcmp(a->key, "ssrc") == 0) {
      if (!scan_ssrc(&p, &ssrc) || vt_sdp_skip_blanks(&p) == 0 || *p == '\0')
        return FALSE;
      if (first == 0)
        first = ssrc;
    }
  }
  if (!have_fid)
    pm->ssrc = first;
  return TRUE;
}

/* Second pass: cname and msid of the primary SSRC ("<ssrc> cname:<x>"). */
static gboolean read_ssrc_attributes(const GstSDPMedia *m, VtPublishMedia *pm, gboolean want_msid)
{
  for (guint i = 0; i < m->attributes->len && pm->ssrc != 0; i++) {
    const GstSDPAttribute *a = &g_array_index(m->attributes, GstSDPAttribute, i);
    const char *p = a->value ? a->value : "";
    guint32 ssrc;
    gsize len;

    if (strcmp(a->key, "ssrc") != 0 || !scan_ssrc(&p, &ssrc) || ssrc != pm->ssrc)
      continue;
    vt_sdp_skip_blanks(&p);
    if (g_str_has_prefix(p, "cname:") && pm->cname == NULL) {
      p += 6;
      len = vt_sdp_word_len(p);
      if (!vt_sdp_is_visible(p, len, VT_SDP_MAX_CNAME_LEN))
        return FALSE;
      pm->cname = g_strndup(p, len);
    } else if (g_str_has_prefix(p, "msid:") && want_msid) {
      if (!read_msid(p + 5, pm))
        return FALSE;
      want_msid = FALSE;
    }
  }
  return TRUE;
}

static gboolean read_track(const GstSDPMedia *m, guint index, VtPublishMedia *pm, GError **error)
{
  const char *msid = gst_sdp_media_get_attribute_val(m, "msid");

  if (!find_ssrcs(m, pm) || (msid != NULL && !read_msid(msid, pm)) ||
      !read_ssrc_attributes(m, pm, msid == NULL)) {
    g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_MALFORMED,
                "m-line %u: malformed a=ssrc, a=ssrc-group or a=msid", index);
    return FALSE;
  }
  return TRUE;
}

/* ---- m-lines ---- */

static const char *first_format(const GstSDPMedia *m)
{
  for (guint i = 0; i < gst_sdp_media_formats_len(m); i++) {
    const char *f = gst_sdp_media_get_format(m, i);

    if (*f != '\0')
      return f;
  }
  return NULL;
}

/* The m= line, mid and direction of m-line index, and whether the answer
 * rejects it outright (not audio/video, or port 0 without bundle-only). */
static gboolean read_head(const GstSDPMessage *msg, guint index, VtPublishMedia *pm, GError **error)
{
  const GstSDPMedia *m = gst_sdp_message_get_media(msg, index);
  const char *name = gst_sdp_media_get_media(m), *proto = gst_sdp_media_get_proto(m);
  const char *fmt = first_format(m);
  gboolean rejected;

  if (name == NULL || proto == NULL || fmt == NULL ||
      !vt_sdp_is_token(name, strnlen(name, 33), 32) ||
      !vt_sdp_is_visible(proto, strnlen(proto, VT_SDP_MAX_FORMAT_LEN + 1), VT_SDP_MAX_FORMAT_LEN) ||
      !vt_sdp_is_visible(fmt, strnlen(fmt, VT_SDP_MAX_FORMAT_LEN + 1), VT_SDP_MAX_FORMAT_LEN)) {
    g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_MALFORMED, "m-line %u: malformed m= line", index);
    return FALSE;
  }
  pm->kind = vt_sdp_kind(m);
  pm->media_name = g_strdup(name);
  pm->proto = g_strdup(proto);
  pm->first_format = g_strdup(fmt);
  if (!vt_sdp_parse_mid(m, index, &pm->mid, error) ||
      !vt_sdp_parse_direction(msg, m, index, &pm->direction, error))
    return FALSE;
  rejected = pm->kind == VT_SDP_KIND_OTHER ||
             (gst_sdp_media_get_port(m) == 0 && !vt_sdp_has_attr(m, "bundle-only"));
  pm->state = rejected ? VT_SDP_MEDIA_REJECTED : VT_SDP_MEDIA_ACCEPTED;
  if (!rejected && pm->mid == NULL) {
    g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_BAD_MEDIA, "m-line %u has no a=mid", index);
    return FALSE;
  }
  return TRUE;
}

static gboolean check_mids(const VtPublishOffer *offer, GError **error)
{
  gboolean any = FALSE;

  for (guint i = 0; i < offer->n_media; i++) {
    const char *mid = offer->media[i].mid;

    any = any || offer->media[i].state != VT_SDP_MEDIA_REJECTED;
    for (guint j = 0; j < i && mid != NULL; j++) {
      if (g_strcmp0(offer->media[j].mid, mid) == 0) {
        g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_BAD_MEDIA,
                    "m-lines %u and %u have the same mid %s", j, i, mid);
        return FALSE;
      }
    }
  }
  if (!any)
    g_set_error_literal(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_MEDIA,
                        "the offer has no audio or video m-line the relay could take");
  return any;
}

static gboolean check_profiles(const VtPublishOffer *offer, GError **error)
{
  for (guint i = 0; i < offer->n_media; i++) {
    const VtPublishMedia *pm = &offer->media[i];

    if (pm->state != VT_SDP_MEDIA_REJECTED && g_ascii_strcasecmp(pm->proto, VT_SDP_PROFILE) != 0) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_BAD_PROFILE,
                  "m-line %u (mid %s) uses %s; the relay needs " VT_SDP_PROFILE, i, pm->mid,
                  pm->proto);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean check_rtcp_mux(const GstSDPMessage *msg, const VtPublishOffer *offer,
                               GError **error)
{
  for (guint i = 0; i < offer->n_media; i++) {
    if (offer->media[i].state != VT_SDP_MEDIA_REJECTED &&
        !vt_sdp_has_rtcp_mux(gst_sdp_message_get_media(msg, i))) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_RTCP_MUX,
                  "m-line %u (mid %s) has no a=rtcp-mux", i, offer->media[i].mid);
      return FALSE;
    }
  }
  return TRUE;
}

/* Codec, extensions and track of a non-rejected m-line. An m-line the client
 * sends on must have a common codec; one it does not send on is answered
 * inactive with the codec, or rejected when there is none. */
static gboolean negotiate(const GstSDPMedia *m, guint index, const VtSdpCodecPrefs *prefs,
                          VtPublishMedia *pm, GError **error)
{
  g_autofree PtTable *t = g_new0(PtTable, 1);
  gboolean sending = pm->direction == VT_SDP_SENDONLY || pm->direction == VT_SDP_SENDRECV;

  if (!read_formats(m, index, t, error) || !read_pt_attributes(m, index, t, error))
    return FALSE;
  if (!choose_codec(t, pm->kind, prefs, &pm->codec)) {
    if (sending) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_COMMON_CODEC,
                  "m-line %u (mid %s) offers no %s codec the relay forwards", index, pm->mid,
                  pm->kind == VT_SDP_KIND_AUDIO ? "audio" : "video");
      return FALSE;
    }
    pm->state = VT_SDP_MEDIA_REJECTED;
    return TRUE;
  }
  pm->state = sending ? VT_SDP_MEDIA_ACCEPTED : VT_SDP_MEDIA_INACTIVE;
  pm->rtcp_rsize = vt_sdp_has_attr(m, "rtcp-rsize");
  return read_extmaps(m, index, pm, error) && read_track(m, index, pm, error);
}

guint vt_publish_offer_limit_tracks(VtPublishOffer *offer, guint max_audio, guint max_video)
{
  guint audio = 0, video = 0, rejected = 0;
  g_return_val_if_fail(offer != NULL, 0);
  for (guint i = 0; i < offer->n_media; i++) {
    VtPublishMedia *pm = &offer->media[i];
    if (pm->state != VT_SDP_MEDIA_ACCEPTED)
      continue;
    guint *count = pm->kind == VT_SDP_KIND_AUDIO ? &audio : &video;
    guint max = pm->kind == VT_SDP_KIND_AUDIO ? max_audio : max_video;
    if (++*count > max) {
      pm->state = VT_SDP_MEDIA_REJECTED;
      rejected++;
    }
  }
  return rejected;
}

gboolean vt_sdp_parse_publish_offer_with_prefs(const char *text, gsize len,
                                               const VtSdpCodecPrefs *prefs, VtPublishOffer **out,
                                               GError **error)
{
  g_autoptr(GstSDPMessage) msg = NULL;
  g_autoptr(VtPublishOffer) offer = NULL;
  gboolean in_use[VT_SDP_MAX_MEDIA];
  char *mids[VT_SDP_MAX_MEDIA];
  VtSdpCodecPrefs defaults;

  g_return_val_if_fail(out != NULL, FALSE);
  if (prefs == NULL) {
    vt_sdp_codec_prefs_init_default(&defaults);
    prefs = &defaults;
  }
  if (!vt_sdp_load(text, len, FALSE, &msg, error))
    return FALSE;
  offer = g_new0(VtPublishOffer, 1);
  offer->n_media = gst_sdp_message_medias_len(msg);
  offer->media = g_new0(VtPublishMedia, offer->n_media);
  for (guint i = 0; i < offer->n_media; i++) {
    if (!read_head(msg, i, &offer->media[i], error))
      return FALSE;
    in_use[i] = offer->media[i].state != VT_SDP_MEDIA_REJECTED;
    mids[i] = offer->media[i].mid;
  }
  if (!check_mids(offer, error) || !check_profiles(offer, error) ||
      !vt_sdp_check_bundle(msg, mids, in_use, offer->n_media, error) ||
      !check_rtcp_mux(msg, offer, error) ||
      !vt_sdp_parse_transport(msg, in_use, offer->n_media, &offer->transport, error))
    return FALSE;
  for (guint i = 0; i < offer->n_media; i++) {
    if (in_use[i] &&
        !negotiate(gst_sdp_message_get_media(msg, i), i, prefs, &offer->media[i], error))
      return FALSE;
  }
  *out = g_steal_pointer(&offer);
  return TRUE;
}

gboolean vt_sdp_parse_publish_offer(const char *text, gsize len, VtPublishOffer **out,
                                    GError **error)
{
  return vt_sdp_parse_publish_offer_with_prefs(text, len, NULL, out, error);
}

/* ---- the answer ---- */

static void add_rejected(GstSDPMessage *msg, const VtPublishMedia *pm)
{
  GstSDPMedia m;

  vt_sdp_media_begin(&m, pm->media_name, 0, pm->proto);
  gst_sdp_media_add_format(&m, pm->first_format);
  if (pm->mid != NULL)
    gst_sdp_media_add_attribute(&m, "mid", pm->mid);
  gst_sdp_message_add_media(msg, &m);
}

/* An accepted (recvonly) or inactive m-line: what the offer had, narrowed to
 * what the relay supports with local->features. */
static void add_answer_media(GstSDPMessage *msg, const VtPublishOffer *offer,
                             const VtPublishMedia *pm, const VtLocalDescription *local,
                             gboolean with_candidates)
{
  VtSdpCodec codec = pm->codec;
  guint8 ids[VT_SDP_EXT_COUNT];
  GstSDPMedia m;

  for (guint e = 0; e < VT_SDP_EXT_COUNT; e++)
    ids[e] = vt_sdp_ext_supported(e, pm->kind, local->features) ? pm->ext_ids[e] : 0;
  codec.feedback &= vt_sdp_supported_feedback(pm->kind, local->features);
  if (pm->kind != VT_SDP_KIND_VIDEO)
    codec.rtx_pt = 0;
  vt_sdp_media_begin(&m, pm->media_name, 9, VT_SDP_PROFILE);
  vt_sdp_media_add_transport(&m, local, vt_sdp_answer_setup(offer->transport.setup), pm->mid);
  vt_sdp_media_add_extmaps(&m, ids);
  gst_sdp_media_add_attribute(&m, pm->state == VT_SDP_MEDIA_ACCEPTED ? "recvonly" : "inactive",
                              NULL);
  gst_sdp_media_add_attribute(&m, "rtcp-mux", NULL);
  if (pm->rtcp_rsize)
    gst_sdp_media_add_attribute(&m, "rtcp-rsize", NULL);
  vt_sdp_media_add_codec(&m, &codec);
  if (with_candidates)
    vt_sdp_media_add_candidates(&m, local);
  gst_sdp_message_add_media(msg, &m);
}

char *vt_sdp_build_publish_answer(const VtPublishOffer *offer, const VtLocalDescription *local,
                                  GError **error)
{
  g_autoptr(GPtrArray) mids = g_ptr_array_new();
  GstSDPMessage *msg;

  g_return_val_if_fail(offer != NULL && local != NULL, NULL);
  if (!vt_sdp_check_local(local, error))
    return NULL;
  msg = vt_sdp_new_message(local, local->session_version);
  for (guint i = 0; i < offer->n_media; i++) {
    const VtPublishMedia *pm = &offer->media[i];

    if (pm->state == VT_SDP_MEDIA_REJECTED) {
      add_rejected(msg, pm);
      continue;
    }
    add_answer_media(msg, offer, pm, local, mids->len == 0);
    g_ptr_array_add(mids, pm->mid);
  }
  vt_sdp_add_bundle(msg, mids);
  return vt_sdp_finish(msg);
}
