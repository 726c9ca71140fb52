/* Private helpers of the SDP module (sdp.h), shared by its files: sdp.c
 * (vocabulary, fingerprints, value scanners), sdp-common.c (loading, the
 * shared checks, writers), sdp-publish.c (the publish offer and its answer)
 * and sdp-subscribe.c (the relay's offer and the client's answer).
 *
 * Parsing helpers read one GstSDP attribute value at a time: a NUL-terminated
 * string of at most one line, which the loader has already checked to hold
 * no control bytes. They never read past its NUL. */
#pragma once

#include <gst/sdp/sdp.h>

#include "relay/sdp.h"

G_BEGIN_DECLS

#define VT_SDP_PROFILE "UDP/TLS/RTP/SAVPF"
#define VT_SDP_MAX_FORMAT_LEN 64 /* echoed proto / format tokens of rejected m-lines */
#define VT_SDP_MAX_EXT_ID 255    /* RFC 8285 two-byte form */

/* ---- loading and common checks (sdp-common.c) ---- */

/* Bounds, byte checks and the m-line count on the raw text, then the GstSDP
 * parse. allow_no_media: an answer to an offer without m-lines may have none. */
gboolean vt_sdp_load(const char *text, gsize len, gboolean allow_no_media, GstSDPMessage **out,
                     GError **error);

/* The value of the first attribute key on media m, else on the session;
 * NULL when neither has it. */
const char *vt_sdp_attr(const GstSDPMessage *msg, const GstSDPMedia *m, const char *key);

VtSdpKind vt_sdp_kind(const GstSDPMedia *m);
gboolean vt_sdp_is_dtls_profile(const GstSDPMedia *m);
gboolean vt_sdp_has_rtcp_mux(const GstSDPMedia *m);
gboolean vt_sdp_has_attr(const GstSDPMedia *m, const char *key);

/* a=mid of m-line index: *mid (transfer full) NULL when there is none; an
 * error for several a=mid or one that is not a 1..VT_SDP_MAX_MID_LEN token. */
gboolean vt_sdp_parse_mid(const GstSDPMedia *m, guint index, char **mid, GError **error);
/* Media-level direction, else session-level, else sendrecv. Two different
 * direction attributes at one level are an error. */
gboolean vt_sdp_parse_direction(const GstSDPMessage *msg, const GstSDPMedia *m, guint index,
                                VtSdpDirection *out, GError **error);

/* The single BUNDLE group must name only known, distinct mids (mids[i] is
 * m-line i's, possibly NULL) and cover every m-line with in_use[i]. Without
 * any in_use m-line no group is needed. */
gboolean vt_sdp_check_bundle(const GstSDPMessage *msg, char *const *mids, const gboolean *in_use,
                             guint n, GError **error);

/* ICE credentials, fingerprint and setup of the in_use m-lines (which must
 * agree), ice-options, ice-lite and the candidates of the first in_use one.
 * Without any in_use m-line, out stays empty (but for its empty candidate
 * list). */
gboolean vt_sdp_parse_transport(const GstSDPMessage *msg, const gboolean *in_use, guint n,
                                VtSdpRemoteTransport *out, GError **error);
void vt_sdp_remote_transport_clear(VtSdpRemoteTransport *t);

/* ---- attribute values and vocabulary (sdp.c) ---- */

/* Reads 1..10 decimal digits at *p as a value <= max (max <= G_MAXUINT32)
 * and advances *p past them. */
gboolean vt_sdp_scan_uint(const char **p, guint32 max, guint32 *out);
/* Skips spaces and tabs; returns how many. */
gsize vt_sdp_skip_blanks(const char **p);
/* Length of the run of non-blank characters at s. */
gsize vt_sdp_word_len(const char *s);
/* s[0..len) is literal, ASCII case-insensitively. */
gboolean vt_sdp_word_is(const char *s, gsize len, const char *literal);
/* The VtSdpDirection named by s[0..len), or -1. */
gint vt_sdp_direction_of(const char *s, gsize len);
/* RFC 8866 token characters only, 1..max of them. */
gboolean vt_sdp_is_token(const char *s, gsize len, gsize max);
/* Visible ASCII (0x21..0x7e) only, 1..max of them. */
gboolean vt_sdp_is_visible(const char *s, gsize len, gsize max);
/* The payload type at the start of an rtpmap/fmtp/rtcp-fb value, followed by
 * blanks or the end; *rest points after the blanks. */
gboolean vt_sdp_scan_pt(const char *value, guint *pt, const char **rest);
/* The value of parameter key (case-insensitive) in an fmtp parameter list
 * "k=v;k2=v2", copied into buf (blanks trimmed). FALSE when absent or not
 * fitting in buf. */
gboolean vt_sdp_fmtp_get(const char *params, const char *key, char *buf, gsize size);
/* "a=rtcp-fb" value: *pt is -1 for "*". *bit is the VtSdpFeedback bit, 0 for
 * feedback the relay does not know. FALSE when malformed. */
gboolean vt_sdp_parse_rtcp_fb(const char *value, gint *pt, guint *bit);
/* "a=extmap" value: id (1..VT_SDP_MAX_EXT_ID) and which VtSdpExt its URI is,
 * -1 for one the relay does not know. FALSE when malformed. */
gboolean vt_sdp_parse_extmap(const char *value, guint *id, gint *ext);
const char *vt_sdp_ext_uri(VtSdpExt ext);

/* Feedback and extensions the relay handles for a kind given its features. */
guint vt_sdp_supported_feedback(VtSdpKind kind, guint features);
gboolean vt_sdp_ext_supported(VtSdpExt ext, VtSdpKind kind, guint features);

/* ---- writing (sdp-common.c) ---- */

/* Checks the local values that end up in the text. */
gboolean vt_sdp_check_local(const VtLocalDescription *local, GError **error);
/* v=, o=, s=, t= and the session attributes (ice-lite, ice-options). */
GstSDPMessage *vt_sdp_new_message(const VtLocalDescription *local, guint64 version);
/* m= and c= lines of a fresh media (zeroed, then initialised here). */
void vt_sdp_media_begin(GstSDPMedia *m, const char *media_name, guint port, const char *proto);
/* ice-ufrag, ice-pwd, fingerprint, setup, mid. */
void vt_sdp_media_add_transport(GstSDPMedia *m, const VtLocalDescription *local, VtSdpSetup setup,
                                const char *mid);
/* Formats, rtpmap, rtcp-fb (codec->feedback), fmtp, and the RTX pair when
 * codec->rtx_pt is set. */
void vt_sdp_media_add_codec(GstSDPMedia *m, const VtSdpCodec *codec);
void vt_sdp_media_add_extmaps(GstSDPMedia *m, const guint8 ids[VT_SDP_EXT_COUNT]);
void vt_sdp_media_add_candidates(GstSDPMedia *m, const VtLocalDescription *local);
/* a=group:BUNDLE with the mids (may be empty: then nothing is written). */
void vt_sdp_add_bundle(GstSDPMessage *msg, GPtrArray *mids);
/* (transfer full) The text of msg, which is freed. */
char *vt_sdp_finish(GstSDPMessage *msg);

G_END_DECLS
