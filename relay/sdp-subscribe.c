/* SDP of the receive connection: the relay's offer of the other
 * participants' tracks, with its own payload types and extension ids, and
 * the check of the client's answer against it. The m-line layout (one slot
 * per m-line, the slot index as mid, free slots offered inactive) and the
 * contracts are in sdp.h. */
#include "relay/sdp-priv.h"

#include <string.h>

void vt_subscribe_answer_free(VtSubscribeAnswer *answer)
{
  if (answer == NULL)
    return;
  vt_sdp_remote_transport_clear(&answer->transport);
  for (guint i = 0; i < answer->n_media; i++)
    g_free(answer->media[i].mid);
  g_free(answer->media);
  g_free(answer);
}

guint vt_sdp_subscribe_slot(const VtSubscribeTrack *tracks, guint n, VtSdpKind kind)
{
  g_return_val_if_fail(n == 0 || tracks != NULL, n);
  for (guint i = 0; i < n; i++) {
    if (!tracks[i].active && tracks[i].kind == kind)
      return i;
  }
  return n;
}

/* ---- the relay's side of a slot ---- */

/* The codec of slot t as the relay offers it, FALSE when it does not fit
 * the slot's kind or is an H.264 profile the relay does not know. RTX is
 * offered for an active video track with an RTX SSRC. */
static gboolean relay_codec(const VtSubscribeTrack *t, guint features, VtSdpCodec *c)
{
  guint8 rtx;

  memset(c, 0, sizeof *c);
  c->id = t->codec;
  if (c->id == VT_SDP_CODEC_NONE)
    c->id = t->kind == VT_SDP_KIND_AUDIO ? VT_SDP_CODEC_OPUS : VT_SDP_CODEC_VP8;
  if ((c->id == VT_SDP_CODEC_OPUS) != (t->kind == VT_SDP_KIND_AUDIO) ||
      !vt_sdp_relay_payload_types(c->id, t->h264_profile_level_id, &c->pt, &rtx))
    return FALSE;
  c->clock_rate = c->id == VT_SDP_CODEC_OPUS ? 48000 : 90000;
  c->channels = c->id == VT_SDP_CODEC_OPUS ? 2 : 0;
  if (c->id == VT_SDP_CODEC_H264) {
    c->h264_profile_level_id = t->h264_profile_level_id;
    c->h264_profile = vt_sdp_h264_profile(t->h264_profile_level_id);
  }
  if (t->kind == VT_SDP_KIND_VIDEO && t->active && t->rtx_ssrc != 0)
    c->rtx_pt = rtx;
  c->feedback = vt_sdp_supported_feedback(t->kind, features);
  return TRUE;
}

static void relay_ext_ids(VtSdpKind kind, guint features, guint8 ids[VT_SDP_EXT_COUNT])
{
  for (guint e = 0; e < VT_SDP_EXT_COUNT; e++)
    ids[e] = vt_sdp_ext_supported(e, kind, features) ? vt_sdp_relay_ext_id(e) : 0;
}

static gboolean is_visible_str(const char *s, gsize max)
{
  return s != NULL && vt_sdp_is_visible(s, strnlen(s, max + 1), max);
}

static gboolean check_track(const VtSubscribeTrack *t, guint index, guint features, GError **error)
{
  const char *why = NULL;
  VtSdpCodec c;

  if (t->kind != VT_SDP_KIND_AUDIO && t->kind != VT_SDP_KIND_VIDEO)
    why = "its kind is neither audio nor video";
  else if (!relay_codec(t, features, &c))
    why = "its codec does not fit its kind or is an unknown H.264 profile";
  else if (!t->active)
    return TRUE;
  else if (t->ssrc == 0 || t->rtx_ssrc == t->ssrc)
    why = "its SSRC is 0 or equal to its RTX SSRC";
  else if (!is_visible_str(t->participant_id, VT_SDP_MAX_MSID_LEN) ||
           !is_visible_str(t->track_id, VT_SDP_MAX_MSID_LEN))
    why = "its participant or track id is not 1..64 visible ASCII characters";
  else if (t->cname != NULL && !is_visible_str(t->cname, VT_SDP_MAX_CNAME_LEN))
    why = "its cname is not 1..255 visible ASCII characters";
  else
    return TRUE;
  g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_INVALID, "track %u: %s", index, why);
  return FALSE;
}

/* ---- the offer ---- */

static void add_ssrc(GstSDPMedia *m, guint32 ssrc, const char *cname, const char *msid)
{
  g_autofree char *c = g_strdup_printf("%u cname:%s", ssrc, cname);
  g_autofree char *s = g_strdup_printf("%u msid:%s", ssrc, msid);

  gst_sdp_media_add_attribute(m, "ssrc", c);
  gst_sdp_media_add_attribute(m, "ssrc", s);
}

static void add_track_lines(GstSDPMedia *m, const VtSubscribeTrack *t, gboolean rtx)
{
  const char *cname = t->cname ? t->cname : t->participant_id;
  g_autofree char *msid = g_strdup_printf("%s %s", t->participant_id, t->track_id);

  if (rtx) {
    g_autofree char *group = g_strdup_printf("FID %u %u", t->ssrc, t->rtx_ssrc);

    gst_sdp_media_add_attribute(m, "ssrc-group", group);
  }
  add_ssrc(m, t->ssrc, cname, msid);
  if (rtx)
    add_ssrc(m, t->rtx_ssrc, cname, msid);
}

static void add_slot(GstSDPMessage *msg, const VtSubscribeTrack *t, const char *mid,
                     const VtLocalDescription *local, gboolean with_candidates)
{
  guint8 ids[VT_SDP_EXT_COUNT];
  VtSdpCodec codec;
  GstSDPMedia m;

  relay_codec(t, local->features, &codec); /* checked by check_track() */
  relay_ext_ids(t->kind, local->features, ids);
  vt_sdp_media_begin(&m, t->kind == VT_SDP_KIND_AUDIO ? "audio" : "video", 9, VT_SDP_PROFILE);
  vt_sdp_media_add_transport(&m, local, VT_SDP_SETUP_ACTPASS, mid);
  vt_sdp_media_add_extmaps(&m, ids);
  gst_sdp_media_add_attribute(&m, t->active ? "sendonly" : "inactive", NULL);
  if (t->active) {
    g_autofree char *msid = g_strdup_printf("%s %s", t->participant_id, t->track_id);

    gst_sdp_media_add_attribute(&m, "msid", msid);
  }
  gst_sdp_media_add_attribute(&m, "rtcp-mux", NULL);
  gst_sdp_media_add_attribute(&m, "rtcp-rsize", NULL);
  vt_sdp_media_add_codec(&m, &codec);
  if (t->active)
    add_track_lines(&m, t, codec.rtx_pt != 0);
  if (with_candidates)
    vt_sdp_media_add_candidates(&m, local);
  gst_sdp_message_add_media(msg, &m);
}

char *vt_sdp_build_subscribe_offer(const VtSubscribeTrack *tracks, guint n,
                                   const VtLocalDescription *local, guint version, GError **error)
{
  g_autoptr(GPtrArray) mids = g_ptr_array_new_with_free_func(g_free);
  GstSDPMessage *msg;

  g_return_val_if_fail(local != NULL && (n == 0 || tracks != NULL), NULL);
  if (n > VT_SDP_MAX_MEDIA) {
    g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_INVALID, "%u m-lines (at most %u)", n,
                VT_SDP_MAX_MEDIA);
    return NULL;
  }
  if (!vt_sdp_check_local(local, error))
    return NULL;
  for (guint i = 0; i < n; i++) {
    if (!check_track(&tracks[i], i, local->features, error))
      return NULL;
  }
  msg = vt_sdp_new_message(local, version);
  for (guint i = 0; i < n; i++) {
    char *mid = g_strdup_printf("%u", i);

    add_slot(msg, &tracks[i], mid, local, i == 0);
    g_ptr_array_add(mids, mid);
  }
  vt_sdp_add_bundle(msg, mids);
  return vt_sdp_finish(msg);
}

/* ---- the answer ---- */

static const char *direction_name(VtSdpDirection d)
{
  static const char *const names[] = {"inactive", "sendonly", "recvonly", "sendrecv"};

  return (guint)d < G_N_ELEMENTS(names) ? names[d] : "?";
}

/* Mid, kind, port, profile and direction of answer m-line index against
 * slot t; *in_use is FALSE for a rejected (port 0) m-line. */
static gboolean answer_head(const GstSDPMessage *msg, guint index, const VtSubscribeTrack *t,
                            VtSubscribeAnswerMedia *am, gboolean *in_use, GError **error)
{
  const GstSDPMedia *m = gst_sdp_message_get_media(msg, index);
  g_autofree char *expected = g_strdup_printf("%u", index);

  if (!vt_sdp_parse_mid(m, index, &am->mid, error))
    return FALSE;
  if (g_strcmp0(am->mid, expected) != 0 || vt_sdp_kind(m) != t->kind) {
    g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_MISMATCH,
                "m-line %u of the answer is not the offer's %s m-line with mid %s", index,
                t->kind == VT_SDP_KIND_AUDIO ? "audio" : "video", expected);
    return FALSE;
  }
  am->direction = VT_SDP_INACTIVE;
  *in_use = gst_sdp_media_get_port(m) != 0;
  if (!*in_use)
    return TRUE;
  if (!vt_sdp_is_dtls_profile(m)) {
    g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_BAD_PROFILE,
                "m-line %u of the answer is not " VT_SDP_PROFILE, index);
    return FALSE;
  }
  if (!vt_sdp_parse_direction(msg, m, index, &am->direction, error))
    return FALSE;
  if ((am->direction != VT_SDP_RECVONLY && am->direction != VT_SDP_INACTIVE) ||
      (!t->active && am->direction != VT_SDP_INACTIVE)) {
    g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_MISMATCH,
                "m-line %u (mid %s) is answered %s to a%s offer", index, am->mid,
                direction_name(am->direction), t->active ? " sendonly" : "n inactive");
    return FALSE;
  }
  am->accepted = am->direction == VT_SDP_RECVONLY;
  return TRUE;
}

/* The answer's feedback for pt (or "*"), within what was offered. */
static gboolean answer_feedback(const GstSDPMedia *m, guint index, guint pt, guint *out,
                                GError **error)
{
  *out = 0;
  for (guint i = 0; i < m->attributes->len; i++) {
    const GstSDPAttribute *a = &g_array_index(m->attributes, GstSDPAttribute, i);
    guint bit;
    gint fb_pt;

    if (strcmp(a->key, "rtcp-fb") != 0)
      continue;
    if (!vt_sdp_parse_rtcp_fb(a->value ? a->value : "", &fb_pt, &bit)) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_MALFORMED, "m-line %u: malformed a=rtcp-fb",
                  index);
      return FALSE;
    }
    if (fb_pt < 0 || (guint)fb_pt == pt)
      *out |= bit;
  }
  return TRUE;
}

/* The answer's payload types must come from the offer and keep its media
 * payload type; RTX stays only if answered. */
static gboolean answer_codec(const GstSDPMedia *m, guint index, const VtSdpCodec *offered,
                             VtSubscribeAnswerMedia *am, GError **error)
{
  gboolean has_pt = FALSE, has_rtx = FALSE;
  guint feedback;

  for (guint i = 0; i < gst_sdp_media_formats_len(m); i++) {
    const char *f = gst_sdp_media_get_format(m, i), *p = f;
    guint32 pt;

    if (*f == '\0')
      continue;
    if (!vt_sdp_scan_uint(&p, 127, &pt) || *p != '\0' ||
        (pt != offered->pt && (offered->rtx_pt == 0 || pt != offered->rtx_pt))) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_MISMATCH,
                  "m-line %u answers a payload type the offer did not have", index);
      return FALSE;
    }
    has_pt = has_pt || pt == offered->pt;
    has_rtx = has_rtx || pt != offered->pt;
  }
  if (!has_pt) {
    g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_MISMATCH,
                "m-line %u of the answer drops the media payload type %u", index, offered->pt);
    return FALSE;
  }
  if (!answer_feedback(m, index, offered->pt, &feedback, error))
    return FALSE;
  am->codec = *offered;
  am->codec.rtx_pt = has_rtx ? offered->rtx_pt : 0;
  am->codec.feedback = feedback & offered->feedback;
  return TRUE;
}

/* Extensions in the answer must be offered ones with the relay's ids. */
static gboolean answer_extmaps(const GstSDPMedia *m, guint index,
                               const guint8 offered[VT_SDP_EXT_COUNT], VtSubscribeAnswerMedia *am,
                               GError **error)
{
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
    if (ext < 0 || offered[ext] != id) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_MISMATCH,
                  "m-line %u answers extmap id %u, which the offer did not have", index, id);
      return FALSE;
    }
    am->ext_ids[ext] = (guint8)id;
  }
  return TRUE;
}

static gboolean answer_media(const GstSDPMedia *m, guint index, const VtSubscribeTrack *t,
                             guint features, VtSubscribeAnswerMedia *am, GError **error)
{
  guint8 ids[VT_SDP_EXT_COUNT];
  VtSdpCodec offered;

  if (!relay_codec(t, features, &offered)) {
    g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_INVALID, "track %u cannot be offered", index);
    return FALSE;
  }
  relay_ext_ids(t->kind, features, ids);
  am->rtcp_rsize = vt_sdp_has_attr(m, "rtcp-rsize");
  return answer_codec(m, index, &offered, am, error) && answer_extmaps(m, index, ids, am, error);
}

/* Every non-rejected m-line has rtcp-mux; DTLS roles are settled. */
static gboolean check_answer_transport(const GstSDPMessage *msg, const VtSubscribeAnswer *answer,
                                       const gboolean *in_use, GError **error)
{
  gboolean any = FALSE;

  for (guint i = 0; i < answer->n_media; i++) {
    if (in_use[i] && !vt_sdp_has_rtcp_mux(gst_sdp_message_get_media(msg, i))) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_RTCP_MUX,
                  "m-line %u of the answer has no a=rtcp-mux", i);
      return FALSE;
    }
    any = any || in_use[i];
  }
  if (any && answer->transport.setup == VT_SDP_SETUP_ACTPASS) {
    g_set_error_literal(error, VT_SDP_ERROR, VT_SDP_ERROR_BAD_SETUP,
                        "the answer says a=setup:actpass; it must be active or passive");
    return FALSE;
  }
  return TRUE;
}

gboolean vt_sdp_parse_subscribe_answer(const char *text, gsize len, const VtSubscribeTrack *tracks,
                                       guint n, const VtLocalDescription *local,
                                       VtSubscribeAnswer **out, GError **error)
{
  g_autoptr(GstSDPMessage) msg = NULL;
  g_autoptr(VtSubscribeAnswer) answer = NULL;
  gboolean in_use[VT_SDP_MAX_MEDIA];
  char *mids[VT_SDP_MAX_MEDIA];

  g_return_val_if_fail(out != NULL && local != NULL, FALSE);
  g_return_val_if_fail(n <= VT_SDP_MAX_MEDIA && (n == 0 || tracks != NULL), FALSE);
  if (!vt_sdp_load(text, len, n == 0, &msg, error))
    return FALSE;
  if (gst_sdp_message_medias_len(msg) != n) {
    g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_MISMATCH,
                "the answer has %u m-lines, the offer %u", gst_sdp_message_medias_len(msg), n);
    return FALSE;
  }
  answer = g_new0(VtSubscribeAnswer, 1);
  answer->n_media = n;
  answer->media = g_new0(VtSubscribeAnswerMedia, n);
  for (guint i = 0; i < n; i++) {
    if (!answer_head(msg, i, &tracks[i], &answer->media[i], &in_use[i], error))
      return FALSE;
    mids[i] = answer->media[i].mid;
  }
  if (!vt_sdp_check_bundle(msg, mids, in_use, n, error) ||
      !vt_sdp_parse_transport(msg, in_use, n, &answer->transport, error) ||
      !check_answer_transport(msg, answer, in_use, error))
    return FALSE;
  for (guint i = 0; i < n; i++) {
    if (in_use[i] && !answer_media(gst_sdp_message_get_media(msg, i), i, &tracks[i],
                                   local->features, &answer->media[i], error))
      return FALSE;
  }
  *out = g_steal_pointer(&answer);
  return TRUE;
}
