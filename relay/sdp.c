/* SDP negotiation, vocabulary: the error domain, codecs, H.264 profiles, the
 * relay's payload types and extension ids, DTLS fingerprints and the
 * scanners for attribute values. Loading, the shared checks and the writers
 * are in sdp-common.c. See sdp.h for the contracts, sdp-priv.h for the
 * helpers. */
#include "relay/sdp-priv.h"

#include <string.h>

G_DEFINE_QUARK(vt - sdp - error - quark, vt_sdp_error)

const char *vt_sdp_error_code(VtSdpError error)
{
  switch (error) {
  case VT_SDP_ERROR_MALFORMED:
    return "sdp_malformed";
  case VT_SDP_ERROR_NO_MEDIA:
    return "sdp_no_media";
  case VT_SDP_ERROR_TOO_MANY_MEDIA:
    return "sdp_too_many_media";
  case VT_SDP_ERROR_BAD_PROFILE:
    return "sdp_bad_profile";
  case VT_SDP_ERROR_NO_FINGERPRINT:
    return "sdp_no_fingerprint";
  case VT_SDP_ERROR_NO_ICE_CREDENTIALS:
    return "sdp_no_ice_credentials";
  case VT_SDP_ERROR_NO_BUNDLE:
    return "sdp_no_bundle";
  case VT_SDP_ERROR_NO_RTCP_MUX:
    return "sdp_no_rtcp_mux";
  case VT_SDP_ERROR_BAD_SETUP:
    return "sdp_bad_setup";
  case VT_SDP_ERROR_BAD_MEDIA:
    return "sdp_bad_media";
  case VT_SDP_ERROR_NO_COMMON_CODEC:
    return "sdp_no_common_codec";
  case VT_SDP_ERROR_MISMATCH:
    return "sdp_mismatch";
  case VT_SDP_ERROR_INVALID:
    return "sdp_invalid";
  }
  return "sdp_error";
}

/* ---- vocabulary ---- */

const char *vt_sdp_codec_name(VtSdpCodecId id)
{
  switch (id) {
  case VT_SDP_CODEC_OPUS:
    return "opus";
  case VT_SDP_CODEC_VP8:
    return "VP8";
  case VT_SDP_CODEC_H264:
    return "H264";
  case VT_SDP_CODEC_NONE:
    break;
  }
  return NULL;
}

gboolean vt_sdp_codec_from_string(const char *s, VtSdpCodecId *out)
{
  static const VtSdpCodecId ids[] = {VT_SDP_CODEC_OPUS, VT_SDP_CODEC_VP8, VT_SDP_CODEC_H264};

  g_return_val_if_fail(s != NULL && out != NULL, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
    if (g_ascii_strcasecmp(s, vt_sdp_codec_name(ids[i])) == 0) {
      *out = ids[i];
      return TRUE;
    }
  }
  return FALSE;
}

/* profile_idc and the constraint_set flags (profile-iop) tell the profiles
 * apart; the low two flag bits are reserved and the level is not looked at
 * (the relay does not decode). Main with constraint_set0, and Extended with
 * constraint_set0+1, are streams a constrained baseline decoder can take. */
VtSdpH264Profile vt_sdp_h264_profile(guint32 profile_level_id)
{
  guint idc = (profile_level_id >> 16) & 0xff;
  guint iop = (profile_level_id >> 8) & 0xff;

  if (profile_level_id > 0xffffff)
    return VT_SDP_H264_UNKNOWN;
  switch (idc) {
  case 0x42: /* Baseline */
    if (iop & 0x0f)
      return VT_SDP_H264_UNKNOWN;
    return (iop & 0x40) ? VT_SDP_H264_CONSTRAINED_BASELINE : VT_SDP_H264_BASELINE;
  case 0x4d: /* Main */
    if (iop & 0x0f)
      return VT_SDP_H264_UNKNOWN;
    if (iop & 0x80)
      return VT_SDP_H264_CONSTRAINED_BASELINE;
    return (iop & 0x20) ? VT_SDP_H264_UNKNOWN : VT_SDP_H264_MAIN;
  case 0x58: /* Extended */
    if ((iop & 0x0f) || !(iop & 0x80))
      return VT_SDP_H264_UNKNOWN;
    return (iop & 0x40) ? VT_SDP_H264_CONSTRAINED_BASELINE : VT_SDP_H264_BASELINE;
  case 0x64: /* High */
    if (iop == 0x00)
      return VT_SDP_H264_HIGH;
    return iop == 0x0c ? VT_SDP_H264_CONSTRAINED_HIGH : VT_SDP_H264_UNKNOWN;
  default:
    return VT_SDP_H264_UNKNOWN;
  }
}

void vt_sdp_codec_prefs_init_default(VtSdpCodecPrefs *prefs)
{
  g_return_if_fail(prefs != NULL);
  memset(prefs, 0, sizeof *prefs);
  prefs->video[0] = VT_SDP_CODEC_VP8;
  prefs->video[1] = VT_SDP_CODEC_H264;
  prefs->n_video = 2;
  prefs->audio[0] = VT_SDP_CODEC_OPUS;
  prefs->n_audio = 1;
}

gboolean vt_sdp_relay_payload_types(VtSdpCodecId codec, guint32 h264_profile_level_id, guint8 *pt,
                                    guint8 *rtx_pt)
{
  static const guint8 h264[][2] = {
      [VT_SDP_H264_CONSTRAINED_BASELINE] = {VT_SDP_RELAY_PT_H264_CB, VT_SDP_RELAY_PT_H264_CB_RTX},
      [VT_SDP_H264_BASELINE] = {VT_SDP_RELAY_PT_H264_BASELINE, VT_SDP_RELAY_PT_H264_BASELINE_RTX},
      [VT_SDP_H264_MAIN] = {VT_SDP_RELAY_PT_H264_MAIN, VT_SDP_RELAY_PT_H264_MAIN_RTX},
      [VT_SDP_H264_CONSTRAINED_HIGH] = {VT_SDP_RELAY_PT_H264_CH, VT_SDP_RELAY_PT_H264_CH_RTX},
      [VT_SDP_H264_HIGH] = {VT_SDP_RELAY_PT_H264_HIGH, VT_SDP_RELAY_PT_H264_HIGH_RTX},
  };
  VtSdpH264Profile profile;

  g_return_val_if_fail(pt != NULL && rtx_pt != NULL, FALSE);
  switch (codec) {
  case VT_SDP_CODEC_OPUS:
    *pt = VT_SDP_RELAY_PT_OPUS;
    *rtx_pt = 0;
    return TRUE;
  case VT_SDP_CODEC_VP8:
    *pt = VT_SDP_RELAY_PT_VP8;
    *rtx_pt = VT_SDP_RELAY_PT_VP8_RTX;
    return TRUE;
  case VT_SDP_CODEC_H264:
    profile = vt_sdp_h264_profile(h264_profile_level_id);
    if (profile == VT_SDP_H264_UNKNOWN)
      return FALSE;
    *pt = h264[profile][0];
    *rtx_pt = h264[profile][1];
    return TRUE;
  case VT_SDP_CODEC_NONE:
    break;
  }
  return FALSE;
}

guint8 vt_sdp_relay_ext_id(VtSdpExt ext)
{
  switch (ext) {
  case VT_SDP_EXT_MID:
    return VT_SDP_RELAY_EXT_MID;
  case VT_SDP_EXT_ABS_SEND_TIME:
    return VT_SDP_RELAY_EXT_ABS_SEND_TIME;
  case VT_SDP_EXT_TWCC:
    return VT_SDP_RELAY_EXT_TWCC;
  case VT_SDP_EXT_AUDIO_LEVEL:
    return VT_SDP_RELAY_EXT_AUDIO_LEVEL;
  case VT_SDP_EXT_COUNT:
    break;
  }
  g_return_val_if_reached(0);
}

static const char *const ext_uris[VT_SDP_EXT_COUNT] = {
    [VT_SDP_EXT_MID] = "urn:ietf:params:rtp-hdrext:sdes:mid",
    [VT_SDP_EXT_ABS_SEND_TIME] = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    [VT_SDP_EXT_TWCC] = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    [VT_SDP_EXT_AUDIO_LEVEL] = "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
};

const char *vt_sdp_ext_uri(VtSdpExt ext)
{
  g_return_val_if_fail((guint)ext < VT_SDP_EXT_COUNT, NULL);
  return ext_uris[ext];
}

guint vt_sdp_supported_feedback(VtSdpKind kind, guint features)
{
  guint fb = 0;

  if (kind == VT_SDP_KIND_VIDEO) {
    fb |= VT_SDP_FB_NACK | VT_SDP_FB_NACK_PLI | VT_SDP_FB_CCM_FIR;
    if (features & VT_SDP_FEATURE_REMB)
      fb |= VT_SDP_FB_GOOG_REMB;
  }
  if (features & VT_SDP_FEATURE_TWCC)
    fb |= VT_SDP_FB_TRANSPORT_CC;
  return fb;
}

gboolean vt_sdp_ext_supported(VtSdpExt ext, VtSdpKind kind, guint features)
{
  switch (ext) {
  case VT_SDP_EXT_MID:
  case VT_SDP_EXT_ABS_SEND_TIME:
    return TRUE;
  case VT_SDP_EXT_TWCC:
    return (features & VT_SDP_FEATURE_TWCC) != 0;
  case VT_SDP_EXT_AUDIO_LEVEL:
    return kind == VT_SDP_KIND_AUDIO && (features & VT_SDP_FEATURE_AUDIO_LEVEL);
  case VT_SDP_EXT_COUNT:
    break;
  }
  return FALSE;
}

VtSdpSetup vt_sdp_answer_setup(VtSdpSetup offered)
{
  return offered == VT_SDP_SETUP_PASSIVE ? VT_SDP_SETUP_ACTIVE : VT_SDP_SETUP_PASSIVE;
}

/* ---- scanners for attribute values ---- */

gboolean vt_sdp_scan_uint(const char **p, guint32 max, guint32 *out)
{
  const char *s = *p;
  guint64 v = 0;
  gsize n = 0;

  while (g_ascii_isdigit(*s)) {
    if (++n > 10)
      return FALSE;
    v = v * 10 + (guint64)(*s - '0');
    s++;
  }
  if (n == 0 || v > max)
    return FALSE;
  *p = s;
  *out = (guint32)v;
  return TRUE;
}

gsize vt_sdp_skip_blanks(const char **p)
{
  gsize n = 0;

  while (**p == ' ' || **p == '\t') {
    (*p)++;
    n++;
  }
  return n;
}

gsize vt_sdp_word_len(const char *s)
{
  gsize n = 0;

  while (s[n] != '\0' && s[n] != ' ' && s[n] != '\t')
    n++;
  return n;
}

static gboolean is_token_char(guchar c)
{
  return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a || c == 0x2b || c == 0x2d ||
         c == 0x2e || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) ||
         (c >= 0x5e && c <= 0x7e);
}

gboolean vt_sdp_is_token(const char *s, gsize len, gsize max)
{
  if (len == 0 || len > max)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!is_token_char((guchar)s[i]))
      return FALSE;
  }
  return TRUE;
}

gboolean vt_sdp_is_visible(const char *s, gsize len, gsize max)
{
  if (len == 0 || len > max)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if ((guchar)s[i] < 0x21 || (guchar)s[i] > 0x7e)
      return FALSE;
  }
  return TRUE;
}

gboolean vt_sdp_word_is(const char *w, gsize len, const char *literal)
{
  return len == strlen(literal) && g_ascii_strncasecmp(w, literal, len) == 0;
}

gboolean vt_sdp_scan_pt(const char *value, guint *pt, const char **rest)
{
  const char *p = value;
  guint32 v;

  if (!vt_sdp_scan_uint(&p, 127, &v))
    return FALSE;
  if (vt_sdp_skip_blanks(&p) == 0 && *p != '\0')
    return FALSE;
  *pt = v;
  *rest = p;
  return TRUE;
}

/* Trims blanks on both ends of [*s, *s + *len). */
static void trim(const char **s, gsize *len)
{
  while (*len > 0 && (**s == ' ' || **s == '\t')) {
    (*s)++;
    (*len)--;
  }
  while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
    (*len)--;
}

gboolean vt_sdp_fmtp_get(const char *params, const char *key, char *buf, gsize size)
{
  const char *p = params;

  while (*p != '\0') {
    const char *end = strchr(p, ';');
    gsize seg = end ? (gsize)(end - p) : strlen(p);
    const char *eq = memchr(p, '=', seg);

    if (eq != NULL) {
      const char *name = p, *value = eq + 1;
      gsize name_len = (gsize)(eq - p), value_len = seg - name_len - 1;

      trim(&name, &name_len);
      if (vt_sdp_word_is(name, name_len, key)) {
        trim(&value, &value_len);
        if (value_len + 1 > size)
          return FALSE;
        memcpy(buf, value, value_len);
        buf[value_len] = '\0';
        return TRUE;
      }
    }
    if (end == NULL)
      break;
    p = end + 1;
  }
  return FALSE;
}

gboolean vt_sdp_parse_rtcp_fb(const char *value, gint *pt, guint *bit)
{
  const char *p = value, *w1, *w2;
  gsize l1, l2;
  guint v;

  if (*p == '*') {
    p++;
    if (vt_sdp_skip_blanks(&p) == 0)
      return FALSE;
    *pt = -1;
  } else {
    if (!vt_sdp_scan_pt(value, &v, &p))
      return FALSE;
    *pt = (gint)v;
  }
  w1 = p;
  l1 = vt_sdp_word_len(w1);
  if (l1 == 0)
    return FALSE;
  p += l1;
  vt_sdp_skip_blanks(&p);
  w2 = p;
  l2 = vt_sdp_word_len(w2);
  *bit = 0;
  if (vt_sdp_word_is(w1, l1, "nack"))
    *bit = l2 == 0 ? VT_SDP_FB_NACK : vt_sdp_word_is(w2, l2, "pli") ? VT_SDP_FB_NACK_PLI : 0;
  else if (vt_sdp_word_is(w1, l1, "ccm") && vt_sdp_word_is(w2, l2, "fir"))
    *bit = VT_SDP_FB_CCM_FIR;
  else if (vt_sdp_word_is(w1, l1, "goog-remb") && l2 == 0)
    *bit = VT_SDP_FB_GOOG_REMB;
  else if (vt_sdp_word_is(w1, l1, "transport-cc") && l2 == 0)
    *bit = VT_SDP_FB_TRANSPORT_CC;
  return TRUE;
}

gint vt_sdp_direction_of(const char *s, gsize len)
{
  if (vt_sdp_word_is(s, len, "sendrecv"))
    return VT_SDP_SENDRECV;
  if (vt_sdp_word_is(s, len, "sendonly"))
    return VT_SDP_SENDONLY;
  if (vt_sdp_word_is(s, len, "recvonly"))
    return VT_SDP_RECVONLY;
  if (vt_sdp_word_is(s, len, "inactive"))
    return VT_SDP_INACTIVE;
  return -1;
}

/* extmap = id["/"direction] SP uri [SP extensionattributes] (RFC 8285). */
gboolean vt_sdp_parse_extmap(const char *value, guint *id, gint *ext)
{
  const char *p = value;
  guint32 v;
  gsize len;

  if (!vt_sdp_scan_uint(&p, VT_SDP_MAX_EXT_ID, &v) || v == 0)
    return FALSE;
  if (*p == '/') {
    p++;
    len = vt_sdp_word_len(p);
    if (vt_sdp_direction_of(p, len) < 0)
      return FALSE;
    p += len;
  }
  if (vt_sdp_skip_blanks(&p) == 0)
    return FALSE;
  len = vt_sdp_word_len(p);
  if (!vt_sdp_is_visible(p, len, 256))
    return FALSE;
  *ext = -1;
  for (guint e = 0; e < VT_SDP_EXT_COUNT; e++) {
    if (vt_sdp_word_is(p, len, ext_uris[e]))
      *ext = (gint)e;
  }
  *id = v;
  return TRUE;
}

/* ---- fingerprints ---- */

gboolean vt_sdp_fingerprint_parse(const char *value, guint8 out[VT_SDP_FINGERPRINT_LEN],
                                  GError **error)
{
  guint8 fp[VT_SDP_FINGERPRINT_LEN];
  const char *p = value;

  g_return_val_if_fail(value != NULL && out != NULL, FALSE);
  if (!vt_sdp_word_is(p, vt_sdp_word_len(p), "sha-256")) {
    g_set_error_literal(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_FINGERPRINT,
                        "the fingerprint's hash function is not sha-256");
    return FALSE;
  }
  p += 7;
  if (vt_sdp_skip_blanks(&p) == 0)
    goto malformed;
  for (guint i = 0; i < VT_SDP_FINGERPRINT_LEN; i++) {
    gint hi, lo;

    if (i > 0 && *p++ != ':')
      goto malformed;
    hi = g_ascii_xdigit_value(p[0]);
    if (hi < 0)
      goto malformed;
    lo = g_ascii_xdigit_value(p[1]);
    if (lo < 0)
      goto malformed;
    fp[i] = (guint8)(hi << 4 | lo);
    p += 2;
  }
  vt_sdp_skip_blanks(&p);
  if (*p != '\0')
    goto malformed;
  memcpy(out, fp, sizeof fp);
  return TRUE;

malformed:
  g_set_error_literal(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_FINGERPRINT,
                      "malformed sha-256 fingerprint (32 hex bytes separated by colons)");
  return FALSE;
}

char *vt_sdp_fingerprint_format(const guint8 fingerprint[VT_SDP_FINGERPRINT_LEN])
{
  GString *s = g_string_sized_new(8 + 3 * VT_SDP_FINGERPRINT_LEN);

  g_return_val_if_fail(fingerprint != NULL, NULL);
  g_string_append(s, "sha-256 ");
  for (guint i = 0; i < VT_SDP_FINGERPRINT_LEN; i++)
    g_string_append_printf(s, i == 0 ? "%02X" : ":%02X", fingerprint[i]);
  return g_string_free(s, FALSE);
}
