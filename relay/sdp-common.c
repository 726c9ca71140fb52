/* SDP negotiation, the part the publish and receive connections share:
 * loading untrusted text into GstSDP, the checks a publish offer and a
 * subscribe answer have in common (mid, direction, BUNDLE, ICE credentials,
 * DTLS fingerprint and setup) and the writers both builders use. See sdp.h
 * for the contracts, sdp-priv.h for the helpers. */
#include "relay/sdp-priv.h"

#include <string.h>

/* ALPHA / DIGIT / "+" / "/" (RFC 8839 ice-char), min..max of them. */
static gboolean is_ice_chars(const char *s, gsize min, gsize max)
{
  gsize len = strnlen(s, max + 1);

  if (len < min || len > max)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isalnum(s[i]) && s[i] != '+' && s[i] != '/')
      return FALSE;
  }
  return TRUE;
}

/* Printable ASCII, spaces included: what a candidate line may hold. */
static gboolean is_printable(const char *s, gsize max)
{
  gsize len = strnlen(s, max + 1);

  if (len == 0 || len > max)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if ((guchar)s[i] < 0x20 || (guchar)s[i] > 0x7e)
      return FALSE;
  }
  return TRUE;
}

static const char *setup_name(VtSdpSetup setup)
{
  switch (setup) {
  case VT_SDP_SETUP_ACTIVE:
    return "active";
  case VT_SDP_SETUP_PASSIVE:
    return "passive";
  case VT_SDP_SETUP_ACTPASS:
    break;
  }
  return "actpass";
}

/* ---- loading ---- */

/* One pass over the raw bytes before GstSDP sees them: the size, no control
 * or NUL bytes, "v=0" first, and the m-lines counted the way GstSDP finds
 * them (a line whose first non-blank characters are "m="), stopping as soon
 * as there are too many. */
static gboolean prescan(const char *text, gsize len, guint *n_media, GError **error)
{
  gboolean line_start = TRUE;
  guint count = 0;

  if (len == 0 || len > VT_SDP_MAX_LEN) {
    g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_MALFORMED,
                "SDP of %" G_GSIZE_FORMAT " bytes (allowed: 1..%u)", len, VT_SDP_MAX_LEN);
    return FALSE;
  }
  if (len < 4 || memcmp(text, "v=0", 3) != 0 || (text[3] != '\r' && text[3] != '\n')) {
    g_set_error_literal(error, VT_SDP_ERROR, VT_SDP_ERROR_MALFORMED,
                        "not an SDP: it does not start with a v=0 line");
    return FALSE;
  }
  for (gsize i = 0; i < len; i++) {
    guchar c = (guchar)text[i];

    if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_MALFORMED,
                  "control byte 0x%02x at offset %" G_GSIZE_FORMAT, c, i);
      return FALSE;
    }
    if (c == '\n') {
      line_start = TRUE;
    } else if (line_start && !g_ascii_isspace(c)) {
      line_start = FALSE;
      if (c == 'm' && i + 1 < len && text[i + 1] == '=' && ++count > VT_SDP_MAX_MEDIA) {
        g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_TOO_MANY_MEDIA, "more than %u m-lines",
                    VT_SDP_MAX_MEDIA);
        return FALSE;
      }
    }
  }
  *n_media = count;
  return TRUE;
}

gboolean vt_sdp_load(const char *text, gsize len, gboolean allow_no_media, GstSDPMessage **out,
                     GError **error)
{
  g_autoptr(GstSDPMessage) msg = NULL;
  guint counted = 0, n;

  g_return_val_if_fail(text != NULL || len == 0, FALSE);
  if (!prescan(text, len, &counted, error))
    return FALSE;
  gst_sdp_message_new(&msg);
  if (gst_sdp_message_parse_buffer((const guint8 *)text, (guint)len, msg) != GST_SDP_OK ||
      g_strcmp0(gst_sdp_message_get_version(msg), "0") != 0 ||
      gst_sdp_message_get_origin(msg)->sess_id == NULL) {
    g_set_error_literal(error, VT_SDP_ERROR, VT_SDP_ERROR_MALFORMED,
                        "not an SDP: no v=0 and o= lines");
    return FALSE;
  }
  n = gst_sdp_message_medias_len(msg);
  if (n > VT_SDP_MAX_MEDIA) {
    g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_TOO_MANY_MEDIA, "more than %u m-lines",
                VT_SDP_MAX_MEDIA);
    return FALSE;
  }
  if (n == 0 && !allow_no_media) {
    g_set_error_literal(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_MEDIA, "the SDP has no m-line");
    return FALSE;
  }
  *out = g_steal_pointer(&msg);
  return TRUE;
}

/* ---- common checks ---- */

/* The value of the first attribute key in attrs (a GstSDP attribute array). */
static const char *attr_in(const GArray *attrs, const char *key)
{
  for (guint i = 0; i < attrs->len; i++) {
    const GstSDPAttribute *a = &g_array_index(attrs, GstSDPAttribute, i);

    if (strcmp(a->key, key) == 0)
      return a->value ? a->value : "";
  }
  return NULL;
}

const char *vt_sdp_attr(const GstSDPMessage *msg, const GstSDPMedia *m, const char *key)
{
  const char *v = attr_in(m->attributes, key);

  return v ? v : attr_in(msg->attributes, key);
}

gboolean vt_sdp_has_attr(const GstSDPMedia *m, const char *key)
{
  return attr_in(m->attributes, key) != NULL;
}

VtSdpKind vt_sdp_kind(const GstSDPMedia *m)
{
  const char *media = gst_sdp_media_get_media(m);

  if (g_strcmp0(media, "audio") == 0)
    return VT_SDP_KIND_AUDIO;
  if (g_strcmp0(media, "video") == 0)
    return VT_SDP_KIND_VIDEO;
  return VT_SDP_KIND_OTHER;
}

gboolean vt_sdp_is_dtls_profile(const GstSDPMedia *m)
{
  const char *proto = gst_sdp_media_get_proto(m);

  return proto != NULL && g_ascii_strcasecmp(proto, VT_SDP_PROFILE) == 0;
}

gboolean vt_sdp_has_rtcp_mux(const GstSDPMedia *m)
{
  return vt_sdp_has_attr(m, "rtcp-mux");
}

gboolean vt_sdp_parse_mid(const GstSDPMedia *m, guint index, char **mid, GError **error)
{
  const char *found = NULL;
  guint count = 0;

  *mid = NULL;
  for (guint i = 0; i < m->attributes->len; i++) {
    const GstSDPAttribute *a = &g_array_index(m->attributes, GstSDPAttribute, i);

    if (strcmp(a->key, "mid") == 0 && count++ == 0)
      found = a->value ? a->value : "";
  }
  if (count == 0)
    return TRUE;
  if (count > 1) {
    g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_BAD_MEDIA, "m-line %u has several a=mid", index);
    return FALSE;
  }
  if (!vt_sdp_is_token(found, strnlen(found, VT_SDP_MAX_MID_LEN + 1), VT_SDP_MAX_MID_LEN)) {
    g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_BAD_MEDIA,
                "m-line %u: a=mid is not a token of 1..%u characters", index, VT_SDP_MAX_MID_LEN);
    return FALSE;
  }
  *mid = g_strdup(found);
  return TRUE;
}

/* The direction attribute in attrs: -1 when there is none, -2 when two
 * different ones are there. */
static gint direction_in(const GArray *attrs)
{
  gint found = -1;

  for (guint i = 0; i < attrs->len; i++) {
    const GstSDPAttribute *a = &g_array_index(attrs, GstSDPAttribute, i);
    gint d = vt_sdp_direction_of(a->key, strlen(a->key));

    if (d < 0)
      continue;
    if (found >= 0 && found != d)
      return -2;
    found = d;
  }
  return found;
}

gboolean vt_sdp_parse_direction(const GstSDPMessage *msg, const GstSDPMedia *m, guint index,
                                VtSdpDirection *out, GError **error)
{
  gint d = direction_in(m->attributes);

  if (d == -1)
    d = direction_in(msg->attributes);
  if (d == -2) {
    g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_BAD_MEDIA,
                "m-line %u has conflicting direction attributes", index);
    return FALSE;
  }
  *out = d == -1 ? VT_SDP_SENDRECV : (VtSdpDirection)d;
  return TRUE;
}

/* The single a=group:BUNDLE value (after "BUNDLE"), or NULL; *count says how
 * many BUNDLE groups there are. */
static const char *find_bundle(const GstSDPMessage *msg, guint *count)
{
  const char *group = NULL;

  *count = 0;
  for (guint i = 0; i < msg->attributes->len; i++) {
    const GstSDPAttribute *a = &g_array_index(msg->attributes, GstSDPAttribute, i);

    if (strcmp(a->key, "group") != 0 || a->value == NULL ||
        !vt_sdp_word_is(a->value, vt_sdp_word_len(a->value), "BUNDLE"))
      continue;
    if ((*count)++ == 0)
      group = a->value + 6;
  }
  return group;
}

static gint mid_index(char *const *mids, guint n, const char *s, gsize len)
{
  for (guint j = 0; j < n; j++) {
    if (mids[j] != NULL && strlen(mids[j]) == len && memcmp(mids[j], s, len) == 0)
      return (gint)j;
  }
  return -1;
}

gboolean vt_sdp_check_bundle(const GstSDPMessage *msg, char *const *mids, const gboolean *in_use,
                             guint n, GError **error)
{
  gboolean in_group[VT_SDP_MAX_MEDIA] = {FALSE};
  gboolean any = FALSE;
  guint count;
  const char *p = find_bundle(msg, &count);

  g_return_val_if_fail(n <= VT_SDP_MAX_MEDIA, FALSE);
  for (guint i = 0; i < n; i++)
    any = any || in_use[i];
  if (count > 1) {
    g_set_error_literal(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_BUNDLE, "more than one BUNDLE group");
    return FALSE;
  }
  if (p == NULL) {
    if (any)
      g_set_error_literal(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_BUNDLE, "no a=group:BUNDLE");
    return !any;
  }
  for (;;) {
    gsize len;
    gint j;

    vt_sdp_skip_blanks(&p);
    len = vt_sdp_word_len(p);
    if (len == 0)
      break;
    if (!vt_sdp_is_token(p, len, VT_SDP_MAX_MID_LEN)) {
      g_set_error_literal(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_BUNDLE,
                          "the BUNDLE group names a malformed mid");
      return FALSE;
    }
    j = mid_index(mids, n, p, len);
    if (j < 0 || in_group[j]) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_BUNDLE, "the BUNDLE group names mid %.*s %s",
                  (int)len, p, j < 0 ? "that no m-line has" : "twice");
      return FALSE;
    }
    in_group[j] = TRUE;
    p += len;
  }
  for (guint i = 0; i < n; i++) {
    if (in_use[i] && !in_group[i]) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_BUNDLE,
                  "m-line %u (mid %s) is not in the BUNDLE group", i, mids[i]);
      return FALSE;
    }
  }
  return TRUE;
}

/* ---- transport ---- */

static gboolean parse_ice(const GstSDPMessage *msg, const gboolean *in_use, guint n,
                          VtSdpRemoteTransport *out, GError **error)
{
  for (guint i = 0; i < n; i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
    const char *ufrag, *pwd;

    if (!in_use[i])
      continue;
    ufrag = vt_sdp_attr(msg, m, "ice-ufrag");
    pwd = vt_sdp_attr(msg, m, "ice-pwd");
    if (ufrag == NULL || pwd == NULL) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_ICE_CREDENTIALS,
                  "m-line %u has no a=ice-ufrag and a=ice-pwd", i);
      return FALSE;
    }
    if (!is_ice_chars(ufrag, 4, 256) || !is_ice_chars(pwd, 22, 256)) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_ICE_CREDENTIALS,
                  "m-line %u: malformed ICE credentials", i);
      return FALSE;
    }
    if (out->ice_ufrag == NULL) {
      out->ice_ufrag = g_strdup(ufrag);
      out->ice_pwd = g_strdup(pwd);
    } else if (strcmp(out->ice_ufrag, ufrag) != 0 || strcmp(out->ice_pwd, pwd) != 0) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_ICE_CREDENTIALS,
                  "m-line %u has other ICE credentials than the rest of the BUNDLE", i);
      return FALSE;
    }
  }
  return TRUE;
}

/* The sha-256 fingerprint that applies to m: its own a=fingerprint lines if
 * it has any, else the session's. */
static gboolean media_fingerprint(const GstSDPMessage *msg, const GstSDPMedia *m, guint index,
                                  guint8 fp[VT_SDP_FINGERPRINT_LEN], GError **error)
{
  const GArray *attrs = vt_sdp_has_attr(m, "fingerprint") ? m->attributes : msg->attributes;
  gboolean any = FALSE;

  for (guint i = 0; i < attrs->len; i++) {
    const GstSDPAttribute *a = &g_array_index(attrs, GstSDPAttribute, i);

    if (strcmp(a->key, "fingerprint") != 0 || a->value == NULL)
      continue;
    any = TRUE;
    if (!vt_sdp_word_is(a->value, vt_sdp_word_len(a->value), "sha-256"))
      continue;
    if (vt_sdp_fingerprint_parse(a->value, fp, error))
      return TRUE;
    g_prefix_error(error, "m-line %u: ", index);
    return FALSE;
  }
  g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_FINGERPRINT,
              any ? "m-line %u has no sha-256 a=fingerprint (the relay requires sha-256)"
                  : "m-line %u has no a=fingerprint",
              index);
  return FALSE;
}

static gboolean parse_fingerprints(const GstSDPMessage *msg, const gboolean *in_use, guint n,
                                   VtSdpRemoteTransport *out, GError **error)
{
  gboolean first = TRUE;

  for (guint i = 0; i < n; i++) {
    guint8 fp[VT_SDP_FINGERPRINT_LEN];

    if (!in_use[i])
      continue;
    if (!media_fingerprint(msg, gst_sdp_message_get_media(msg, i), i, fp, error))
      return FALSE;
    if (first) {
      memcpy(out->fingerprint, fp, sizeof fp);
      first = FALSE;
    } else if (memcmp(out->fingerprint, fp, sizeof fp) != 0) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_NO_FINGERPRINT,
                  "m-line %u has another fingerprint than the rest of the BUNDLE", i);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean parse_setup(const GstSDPMessage *msg, const gboolean *in_use, guint n,
                            VtSdpRemoteTransport *out, GError **error)
{
  gboolean first = TRUE;

  for (guint i = 0; i < n; i++) {
    const char *v;
    VtSdpSetup setup;

    if (!in_use[i])
      continue;
    v = vt_sdp_attr(msg, gst_sdp_message_get_media(msg, i), "setup");
    if (v != NULL && vt_sdp_word_is(v, vt_sdp_word_len(v), "actpass"))
      setup = VT_SDP_SETUP_ACTPASS;
    else if (v != NULL && vt_sdp_word_is(v, vt_sdp_word_len(v), "active"))
      setup = VT_SDP_SETUP_ACTIVE;
    else if (v != NULL && vt_sdp_word_is(v, vt_sdp_word_len(v), "passive"))
      setup = VT_SDP_SETUP_PASSIVE;
    else {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_BAD_SETUP,
                  v ? "m-line %u: a=setup is not actpass, active or passive"
                    : "m-line %u has no a=setup",
                  i);
      return FALSE;
    }
    if (!first && setup != out->setup) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_BAD_SETUP,
                  "m-line %u has another a=setup than the rest of the BUNDLE", i);
      return FALSE;
    }
    out->setup = setup;
    first = FALSE;
  }
  return TRUE;
}

/* "trickle" among the a=ice-options tokens of attrs. */
static gboolean has_trickle(const GArray *attrs)
{
  for (guint i = 0; i < attrs->len; i++) {
    const GstSDPAttribute *a = &g_array_index(attrs, GstSDPAttribute, i);
    const char *p = a->value;

    if (strcmp(a->key, "ice-options") != 0 || p == NULL)
      continue;
    for (;;) {
      gsize len;

      vt_sdp_skip_blanks(&p);
      len = vt_sdp_word_len(p);
      if (len == 0)
        break;
      if (vt_sdp_word_is(p, len, "trickle"))
        return TRUE;
      p += len;
    }
  }
  return FALSE;
}

static char **collect_candidates(const GstSDPMedia *m)
{
  GPtrArray *list = g_ptr_array_new();

  for (guint i = 0; i < m->attributes->len && list->len < VT_SDP_MAX_CANDIDATES; i++) {
    const GstSDPAttribute *a = &g_array_index(m->attributes, GstSDPAttribute, i);

    if (strcmp(a->key, "candidate") == 0 && a->value != NULL && is_printable(a->value, 1024))
      g_ptr_array_add(list, g_strconcat("candidate:", a->value, NULL));
  }
  g_ptr_array_add(list, NULL);
  return (char **)g_ptr_array_free(list, FALSE);
}

gboolean vt_sdp_parse_transport(const GstSDPMessage *msg, const gboolean *in_use, guint n,
                                VtSdpRemoteTransport *out, GError **error)
{
  const GstSDPMedia *first = NULL;

  for (guint i = 0; i < n && first == NULL; i++) {
    if (in_use[i])
      first = gst_sdp_message_get_media(msg, i);
  }
  if (first == NULL) {
    out->candidates = g_new0(char *, 1);
    return TRUE;
  }
  out->candidates = collect_candidates(first);
  out->end_of_candidates =
      vt_sdp_has_attr(first, "end-of-candidates") || attr_in(msg->attributes, "end-of-candidates");
  out->trickle = has_trickle(first->attributes) || has_trickle(msg->attributes);
  out->ice_lite = attr_in(msg->attributes, "ice-lite") != NULL;
  return parse_ice(msg, in_use, n, out, error) && parse_fingerprints(msg, in_use, n, out, error) &&
         parse_setup(msg, in_use, n, out, error);
}

void vt_sdp_remote_transport_clear(VtSdpRemoteTransport *t)
{
  g_clear_pointer(&t->ice_ufrag, g_free);
  g_clear_pointer(&t->ice_pwd, g_free);
  g_clear_pointer(&t->candidates, g_strfreev);
}

/* ---- writing ---- */

gboolean vt_sdp_check_local(const VtLocalDescription *local, GError **error)
{
  if (local->ice_ufrag == NULL || local->ice_pwd == NULL ||
      !is_ice_chars(local->ice_ufrag, 4, 256) || !is_ice_chars(local->ice_pwd, 22, 256)) {
    g_set_error_literal(error, VT_SDP_ERROR, VT_SDP_ERROR_INVALID,
                        "the relay's ICE ufrag/pwd are not 4/22..256 ice-chars");
    return FALSE;
  }
  if (local->session_id > G_MAXINT64) {
    g_set_error_literal(error, VT_SDP_ERROR, VT_SDP_ERROR_INVALID,
                        "the session id does not fit in 63 bits");
    return FALSE;
  }
  for (guint i = 0; local->candidates != NULL && local->candidates[i] != NULL; i++) {
    const char *c = local->candidates[i];

    if (!g_str_has_prefix(c, "candidate:") || !is_printable(c + 10, 1024)) {
      g_set_error(error, VT_SDP_ERROR, VT_SDP_ERROR_INVALID,
                  "local candidate %u is not a one-line \"candidate:...\" string", i);
      return FALSE;
    }
  }
  return TRUE;
}

static void add_attr_printf(GstSDPMedia *m, const char *key, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

static void add_attr_printf(GstSDPMedia *m, const char *key, const char *format, ...)
{
  g_autofree char *value = NULL;
  va_list args;

  va_start(args, format);
  value = g_strdup_vprintf(format, args);
  va_end(args);
  gst_sdp_media_add_attribute(m, key, value);
}

GstSDPMessage *vt_sdp_new_message(const VtLocalDescription *local, guint64 version)
{
  g_autofree char *id = g_strdup_printf("%" G_GUINT64_FORMAT, local->session_id);
  g_autofree char *ver = g_strdup_printf("%" G_GUINT64_FORMAT, version);
  GstSDPMessage *msg = NULL;

  gst_sdp_message_new(&msg);
  gst_sdp_message_set_version(msg, "0");
  gst_sdp_message_set_origin(msg, "-", id, ver, "IN", "IP4", "127.0.0.1");
  gst_sdp_message_set_session_name(msg, "-");
  gst_sdp_message_add_time(msg, "0", "0", NULL);
  if (local->ice_lite)
    gst_sdp_message_add_attribute(msg, "ice-lite", NULL);
  if (local->trickle)
    gst_sdp_message_add_attribute(msg, "ice-options", "trickle");
  return msg;
}

void vt_sdp_media_begin(GstSDPMedia *m, const char *media_name, guint port, const char *proto)
{
  memset(m, 0, sizeof *m);
  gst_sdp_media_init(m);
  gst_sdp_media_set_media(m, media_name);
  gst_sdp_media_set_port_info(m, port, 0);
  gst_sdp_media_set_proto(m, proto);
  gst_sdp_media_add_connection(m, "IN", "IP4", "0.0.0.0", 0, 0);
}

void vt_sdp_media_add_transport(GstSDPMedia *m, const VtLocalDescription *local, VtSdpSetup setup,
                                const char *mid)
{
  g_autofree char *fp = vt_sdp_fingerprint_format(local->fingerprint);

  gst_sdp_media_add_attribute(m, "ice-ufrag", local->ice_ufrag);
  gst_sdp_media_add_attribute(m, "ice-pwd", local->ice_pwd);
  gst_sdp_media_add_attribute(m, "fingerprint", fp);
  gst_sdp_media_add_attribute(m, "setup", setup_name(setup));
  gst_sdp_media_add_attribute(m, "mid", mid);
}

static void add_format(GstSDPMedia *m, guint pt)
{
  g_autofree char *s = g_strdup_printf("%u", pt);

  gst_sdp_media_add_format(m, s);
}

/* rtcp-fb lines in the order browsers write them. */
static void add_feedback(GstSDPMedia *m, guint pt, guint feedback)
{
  static const struct {
    guint bit;
    const char *text;
  } fbs[] = {
      {VT_SDP_FB_GOOG_REMB, "goog-remb"}, {VT_SDP_FB_TRANSPORT_CC, "transport-cc"},
      {VT_SDP_FB_CCM_FIR, "ccm fir"},     {VT_SDP_FB_NACK, "nack"},
      {VT_SDP_FB_NACK_PLI, "nack pli"},
  };

  for (guint i = 0; i < G_N_ELEMENTS(fbs); i++) {
    if (feedback & fbs[i].bit)
      add_attr_printf(m, "rtcp-fb", "%u %s", pt, fbs[i].text);
  }
}

void vt_sdp_media_add_codec(GstSDPMedia *m, const VtSdpCodec *codec)
{
  add_format(m, codec->pt);
  if (codec->rtx_pt != 0)
    add_format(m, codec->rtx_pt);
  if (codec->id == VT_SDP_CODEC_OPUS)
    add_attr_printf(m, "rtpmap", "%u opus/48000/2", codec->pt);
  else
    add_attr_printf(m, "rtpmap", "%u %s/90000", codec->pt, vt_sdp_codec_name(codec->id));
  add_feedback(m, codec->pt, codec->feedback);
  if (codec->id == VT_SDP_CODEC_OPUS)
    add_attr_printf(m, "fmtp", "%u minptime=10;useinbandfec=1", codec->pt);
  else if (codec->id == VT_SDP_CODEC_H264)
    add_attr_printf(m, "fmtp",
                    "%u level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=%06x",
                    codec->pt, (guint)codec->h264_profile_level_id);
  if (codec->rtx_pt != 0) {
    add_attr_printf(m, "rtpmap", "%u rtx/%u", codec->rtx_pt, codec->clock_rate);
    add_attr_printf(m, "fmtp", "%u apt=%u", codec->rtx_pt, codec->pt);
  }
}

void vt_sdp_media_add_extmaps(GstSDPMedia *m, const guint8 ids[VT_SDP_EXT_COUNT])
{
  for (guint e = 0; e < VT_SDP_EXT_COUNT; e++) {
    if (ids[e] != 0)
      add_attr_printf(m, "extmap", "%u %s", ids[e], vt_sdp_ext_uri(e));
  }
}

void vt_sdp_media_add_candidates(GstSDPMedia *m, const VtLocalDescription *local)
{
  for (guint i = 0; local->candidates != NULL && local->candidates[i] != NULL; i++)
    gst_sdp_media_add_attribute(m, "candidate", local->candidates[i] + 10);
  if (local->end_of_candidates)
    gst_sdp_media_add_attribute(m, "end-of-candidates", NULL);
}

void vt_sdp_add_bundle(GstSDPMessage *msg, GPtrArray *mids)
{
  g_autoptr(GString) group = g_string_new("BUNDLE");

  if (mids->len == 0)
    return;
  for (guint i = 0; i < mids->len; i++) {
    g_string_append_c(group, ' ');
    g_string_append(group, g_ptr_array_index(mids, i));
  }
  gst_sdp_message_add_attribute(msg, "group", group->str);
}

char *vt_sdp_finish(GstSDPMessage *msg)
{
  char *text = gst_sdp_message_as_text(msg);

  gst_sdp_message_free(msg);
  return text;
}
