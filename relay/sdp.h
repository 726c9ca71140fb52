/* SDP negotiation for the relay: the two offer/answer exchanges of the
 * signaling model (docs: design.md, "Signaling model").
 *
 *  - Publish connection: the client offers what it sends, the relay answers
 *    receive-only. vt_sdp_parse_publish_offer() validates the offer and picks
 *    one codec per m-line; vt_sdp_build_publish_answer() writes the answer.
 *  - Receive connection: the relay offers every track of the other
 *    participants with its own payload types and extension ids
 *    (vt_sdp_build_subscribe_offer()); the client answers and
 *    vt_sdp_parse_subscribe_answer() checks the answer against the offer.
 *
 * SDP text is parsed and written with GstSDP (no gst_init() needed); the
 * values of the attributes the relay interprets (rtpmap, fmtp, rtcp-fb,
 * extmap, ssrc, msid, fingerprint, ...) are parsed here, each against its
 * grammar, and anything the relay would echo back to a peer is checked to be
 * a plain token first. Everything is pure: text in, structures or text out.
 * Untrusted input is bounded before GstSDP sees it (VT_SDP_MAX_LEN bytes,
 * VT_SDP_MAX_MEDIA m-lines) and every pass over it is linear.
 *
 * Transport decisions written into the relay's SDP:
 *  - BUNDLE and rtcp-mux are required: one ICE/DTLS transport per connection.
 *  - DTLS role: the relay answers a=setup:passive to actpass or active offers
 *    (it is the DTLS server) and active to a passive offer; its own offers say
 *    actpass and the client's answer decides.
 *  - ICE: full ICE by default (libnice in full mode; controlled on the publish
 *    connection, where the client offers, and controlling on the receive
 *    connection, where the relay offers). a=ice-lite is written only when
 *    VtLocalDescription.ice_lite is set, for a relay run as a lite agent.
 *  - Trickle ICE: a=ice-options:trickle when VtLocalDescription.trickle is set;
 *    the relay's candidates, when given, go on the first bundled m-line.
 *
 * References: RFC 8866 (SDP), RFC 3264 (offer/answer), RFC 8829 (JSEP),
 * RFC 8843 (BUNDLE), RFC 8839 (ICE SDP), RFC 8842 / RFC 5763 (DTLS-SRTP SDP),
 * RFC 8285 (extmap), RFC 4588 (RTX), RFC 6184 (H.264), RFC 7587 (Opus),
 * RFC 8830 (msid). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Limits on untrusted SDP, checked before GstSDP parses anything. A signaling
 * message is at most 64 KiB, so no real SDP comes close to either. */
#define VT_SDP_MAX_LEN (64 * 1024)
#define VT_SDP_MAX_MEDIA 16
/* A mid travels in the MID RTP header extension, whose one-byte form holds
 * at most 16 bytes. */
#define VT_SDP_MAX_MID_LEN 16
#define VT_SDP_MAX_MSID_LEN 64    /* RFC 8830 msid-id */
#define VT_SDP_MAX_CNAME_LEN 255  /* an RTCP SDES item */
#define VT_SDP_MAX_CANDIDATES 32  /* kept from an SDP; later ones are ignored */
#define VT_SDP_FINGERPRINT_LEN 32 /* sha-256 */

typedef enum {
  VT_SDP_ERROR_MALFORMED,          /* not SDP, too long, bad bytes, a bad attribute value */
  VT_SDP_ERROR_NO_MEDIA,           /* no m-line (or none with audio/video to negotiate) */
  VT_SDP_ERROR_TOO_MANY_MEDIA,     /* more than VT_SDP_MAX_MEDIA m-lines */
  VT_SDP_ERROR_BAD_PROFILE,        /* audio/video not on UDP/TLS/RTP/SAVPF */
  VT_SDP_ERROR_NO_FINGERPRINT,     /* no a=fingerprint, not sha-256, malformed, inconsistent */
  VT_SDP_ERROR_NO_ICE_CREDENTIALS, /* ice-ufrag/ice-pwd missing, malformed, inconsistent */
  VT_SDP_ERROR_NO_BUNDLE,          /* no BUNDLE group, or one not covering every m-line */
  VT_SDP_ERROR_NO_RTCP_MUX,        /* an m-line without a=rtcp-mux */
  VT_SDP_ERROR_BAD_SETUP,          /* a=setup missing, unknown, or wrong for the role */
  VT_SDP_ERROR_BAD_MEDIA,          /* an m-line the relay cannot take: mid, direction, ssrc ... */
  VT_SDP_ERROR_NO_COMMON_CODEC,    /* a sending m-line without a codec the relay forwards */
  VT_SDP_ERROR_MISMATCH,           /* an answer that does not fit the relay's offer */
  VT_SDP_ERROR_INVALID,            /* (builders) arguments the SDP cannot carry */
} VtSdpError;

#define VT_SDP_ERROR (vt_sdp_error_quark())
GQuark vt_sdp_error_quark(void);

/* A short snake_case name for an error code ("sdp_no_bundle"), for logs and
 * the signaling protocol's error details. */
const char *vt_sdp_error_code(VtSdpError error);

/* ---- vocabulary ---- */

typedef enum {
  VT_SDP_KIND_AUDIO,
  VT_SDP_KIND_VIDEO,
  VT_SDP_KIND_OTHER, /* m=application and anything else: always rejected */
} VtSdpKind;

typedef enum {
  VT_SDP_INACTIVE,
  VT_SDP_SENDONLY,
  VT_SDP_RECVONLY,
  VT_SDP_SENDRECV,
} VtSdpDirection;

typedef enum {
  VT_SDP_SETUP_ACTPASS,
  VT_SDP_SETUP_ACTIVE,
  VT_SDP_SETUP_PASSIVE,
} VtSdpSetup;

typedef enum {
  VT_SDP_CODEC_NONE,
  VT_SDP_CODEC_OPUS, /* opus/48000/2 */
  VT_SDP_CODEC_VP8,  /* VP8/90000 */
  VT_SDP_CODEC_H264, /* H264/90000, packetization-mode=1, a known profile */
} VtSdpCodecId;

/* H.264 profiles the relay accepts, told apart by profile_idc and the
 * constraint flags of profile-level-id the way browsers do (RFC 6184 8.1). */
typedef enum {
  VT_SDP_H264_UNKNOWN,
  VT_SDP_H264_CONSTRAINED_BASELINE, /* 42e01f, 42c01f, 4d801f ... */
  VT_SDP_H264_BASELINE,             /* 42001f */
  VT_SDP_H264_MAIN,                 /* 4d001f */
  VT_SDP_H264_CONSTRAINED_HIGH,     /* 640c1f */
  VT_SDP_H264_HIGH,                 /* 64001f */
} VtSdpH264Profile;

/* RTCP feedback (a=rtcp-fb) that the relay understands. */
typedef enum {
  VT_SDP_FB_NACK = 1 << 0,         /* generic NACK */
  VT_SDP_FB_NACK_PLI = 1 << 1,     /* picture loss indication */
  VT_SDP_FB_CCM_FIR = 1 << 2,      /* full intra request */
  VT_SDP_FB_GOOG_REMB = 1 << 3,    /* receiver estimated max bitrate */
  VT_SDP_FB_TRANSPORT_CC = 1 << 4, /* transport-wide congestion control */
} VtSdpFeedback;

/* RTP header extensions the relay keeps; any other extmap is dropped. */
typedef enum {
  VT_SDP_EXT_MID,           /* urn:ietf:params:rtp-hdrext:sdes:mid */
  VT_SDP_EXT_ABS_SEND_TIME, /* http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time */
  VT_SDP_EXT_TWCC,          /* ...draft-holmer-rmcat-transport-wide-cc-extensions-01 */
  VT_SDP_EXT_AUDIO_LEVEL,   /* urn:ietf:params:rtp-hdrext:ssrc-audio-level (audio only) */
  VT_SDP_EXT_COUNT,
} VtSdpExt;

/* What the relay's media path implements beyond the always-on set (MID and
 * abs-send-time extensions; NACK, PLI and FIR feedback for video). */
typedef enum {
  VT_SDP_FEATURE_REMB = 1 << 0,        /* goog-remb feedback */
  VT_SDP_FEATURE_TWCC = 1 << 1,        /* transport-cc feedback + its extension */
  VT_SDP_FEATURE_AUDIO_LEVEL = 1 << 2, /* the ssrc-audio-level extension */
} VtSdpFeatures;

/* One negotiated codec of an m-line. No strings: it is copied by value. */
typedef struct {
  VtSdpCodecId id;
  guint8 pt;     /* payload type */
  guint8 rtx_pt; /* its RTX payload type (apt=pt), 0 when there is none */
  guint clock_rate;
  guint channels;                /* 2 for Opus, 0 for video */
  guint32 h264_profile_level_id; /* H.264 only: the 24-bit profile-level-id */
  VtSdpH264Profile h264_profile; /* H.264 only */
  guint feedback;                /* VtSdpFeedback on pt (see the structures using it) */
} VtSdpCodec;

const char *vt_sdp_codec_name(VtSdpCodecId id); /* "opus", "VP8", "H264"; NULL for NONE */
/* Case-insensitive "opus", "vp8", "h264" (for configuration files). */
gboolean vt_sdp_codec_from_string(const char *s, VtSdpCodecId *out);
VtSdpH264Profile vt_sdp_h264_profile(guint32 profile_level_id);

/* The codecs the relay takes. A codec missing from a list is never chosen;
 * among those it takes, the client's first listed wins (a browser lists
 * first what it encodes best). Within H.264 the relay prefers the profile
 * every browser decodes: constrained baseline, then baseline, main,
 * constrained high, high; then the client's order. */
#define VT_SDP_MAX_PREFS 4
typedef struct {
  VtSdpCodecId video[VT_SDP_MAX_PREFS];
  guint n_video;
  VtSdpCodecId audio[VT_SDP_MAX_PREFS];
  guint n_audio;
} VtSdpCodecPrefs;

/* Video: VP8 then H.264. Audio: Opus. */
void vt_sdp_codec_prefs_init_default(VtSdpCodecPrefs *prefs);

/* ---- DTLS fingerprints ---- */

/* Parses an a=fingerprint value, "sha-256 AB:CD:...:EF" (hash name in any
 * case, 32 two-digit hex bytes separated by colons, optional trailing
 * blanks), into 32 bytes. Another hash function or any deviation fails with
 * VT_SDP_ERROR_NO_FINGERPRINT. */
gboolean vt_sdp_fingerprint_parse(const char *value, guint8 out[VT_SDP_FINGERPRINT_LEN],
                                  GError **error);
/* (transfer full) "sha-256 AB:CD:...", upper-case hex: what parse accepts. */
char *vt_sdp_fingerprint_format(const guint8 fingerprint[VT_SDP_FINGERPRINT_LEN]);

/* ---- what the relay says about itself ---- */

/* The relay's side of a connection, as written into its answers and offers.
 * (transfer none): the strings stay the caller's; nothing is kept after the
 * call. */
typedef struct {
  const char *ice_ufrag;                      /* 4..256 ice-chars (ALPHA / DIGIT / "+" / "/") */
  const char *ice_pwd;                        /* 22..256 ice-chars */
  guint8 fingerprint[VT_SDP_FINGERPRINT_LEN]; /* sha-256 of the DTLS certificate */
  gboolean ice_lite;             /* write a=ice-lite (the relay runs a lite ICE agent) */
  gboolean trickle;              /* write a=ice-options:trickle */
  const char *const *candidates; /* NULL or NULL-terminated "candidate:..." strings */
  gboolean end_of_candidates;    /* write a=end-of-candidates */
  guint features;                /* VtSdpFeatures */
  guint64 session_id;            /* o= sess-id, stable for the connection, <= G_MAXINT64 */
  guint64 session_version;       /* o= sess-version of publish answers */
} VtLocalDescription;

/* The peer's transport parameters, common to a publish offer and a subscribe
 * answer. Owns its strings. */
typedef struct {
  char *ice_ufrag;
  char *ice_pwd;
  guint8 fingerprint[VT_SDP_FINGERPRINT_LEN]; /* sha-256 */
  VtSdpSetup setup;
  gboolean trickle; /* a=ice-options includes "trickle" */
  gboolean ice_lite;
  /* "candidate:..." strings found on the first bundled m-line (at most
   * VT_SDP_MAX_CANDIDATES, syntax not checked: feed them to the ICE agent's
   * own parser); NULL-terminated, never NULL. */
  char **candidates;
  gboolean end_of_candidates;
} VtSdpRemoteTransport;

/* ---- publish connection: the client's offer ---- */

/* How the relay's answer treats an m-line of the offer. */
typedef enum {
  VT_SDP_MEDIA_ACCEPTED, /* answered recvonly: the relay receives this track */
  VT_SDP_MEDIA_INACTIVE, /* offered recvonly/inactive: answered inactive */
  VT_SDP_MEDIA_REJECTED, /* answered with port 0: offered with port 0, not
                            audio/video, or inactive without a common codec */
} VtSdpMediaState;

typedef struct {
  char *mid; /* NULL only for an m-line offered with port 0 and no a=mid */
  VtSdpKind kind;
  VtSdpMediaState state;
  VtSdpDirection direction; /* as offered (sendrecv when absent) */
  /* Echoed in the answer of a rejected m-line: the offer's media, proto and
   * first format (checked to be tokens). */
  char *media_name;
  char *proto;
  char *first_format;
  /* The chosen codec with the client's payload types (NONE when rejected);
   * its feedback is what the offer asked for among VtSdpFeedback, which the
   * answer narrows to what the relay supports (vt_sdp_build_publish_answer). */
  VtSdpCodec codec;
  /* The client's extmap id for each extension the relay knows, as offered,
   * 0 when not offered; the answer keeps MID and abs-send-time and the
   * others local->features enables. */
  guint8 ext_ids[VT_SDP_EXT_COUNT];
  gboolean rtcp_rsize; /* a=rtcp-rsize offered (and answered) */
  /* The track, from a=ssrc-group:FID (first group) or else the first a=ssrc,
   * and a=msid (or the ssrc's msid attribute). 0 / NULL when absent. */
  guint32 ssrc;
  guint32 rtx_ssrc;
  char *cname;
  char *stream_id; /* msid stream id ("-" means none) */
  char *track_id;  /* msid track id; NULL when not given */
} VtPublishMedia;

typedef struct {
  VtSdpRemoteTransport transport;
  VtPublishMedia *media; /* n_media entries, in m-line order */
  guint n_media;
} VtPublishOffer;

void vt_publish_offer_free(VtPublishOffer *offer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtPublishOffer, vt_publish_offer_free)

/* Parses and validates the offer of a publish connection, choosing codecs by
 * the default preferences. On success *out is (transfer full) the offer;
 * otherwise *out is untouched and error (VT_SDP_ERROR domain) says why, the
 * message naming the m-line. In order of checking: MALFORMED (empty, longer
 * than VT_SDP_MAX_LEN, a control or NUL byte, not starting with v=0),
 * NO_MEDIA / TOO_MANY_MEDIA (counted before parsing, so a huge m-line count
 * costs one scan), BAD_MEDIA (missing, malformed or duplicate mid, conflicting
 * directions), BAD_PROFILE, NO_BUNDLE, NO_RTCP_MUX, NO_ICE_CREDENTIALS,
 * NO_FINGERPRINT, BAD_SETUP, then per m-line MALFORMED (a bad rtpmap, fmtp,
 * rtcp-fb, extmap, ssrc or msid value), NO_COMMON_CODEC (a sendonly/sendrecv
 * m-line) and BAD_MEDIA.
 *
 * Transport checks cover the m-lines that are not rejected; all of them must
 * be in the (single) BUNDLE group and agree on ICE credentials, fingerprint
 * and setup. */
gboolean vt_sdp_parse_publish_offer(const char *text, gsize len, VtPublishOffer **out,
                                    GError **error);
/* The same with the relay's codec preferences (NULL: the default). */
/* Rejects (port 0 in the answer) the accepted m-lines of each kind beyond
 * the first max_audio audio and max_video video ones, in m-line order, so
 * that one publisher cannot take every subscriber's slots. Returns how many
 * it rejected. */
guint vt_publish_offer_limit_tracks(VtPublishOffer *offer, guint max_audio, guint max_video);

gboolean vt_sdp_parse_publish_offer_with_prefs(const char *text, gsize len,
                                               const VtSdpCodecPrefs *prefs, VtPublishOffer **out,
                                               GError **error);

/* The relay's a=setup in an answer to an offer with this value: passive to
 * actpass or active (the relay is the DTLS server), active to passive. */
VtSdpSetup vt_sdp_answer_setup(VtSdpSetup offered);

/* Writes the answer to a parsed publish offer: the offer's m-lines in order
 * with the same mids; accepted ones recvonly, with the chosen codec, its RTX,
 * the feedback both sides support, the kept extmaps with the client's ids
 * and rtcp-rsize if offered; inactive ones likewise but a=inactive; rejected
 * ones as port 0. Every non-rejected m-line carries rtcp-mux, the relay's ICE
 * credentials and fingerprint and vt_sdp_answer_setup(); the BUNDLE group
 * lists them in order. Returns (transfer full) the text with CRLF line ends,
 * or NULL with VT_SDP_ERROR_INVALID when local cannot be written (bad ICE
 * credentials, a candidate not starting with "candidate:" or holding a line
 * break). */
char *vt_sdp_build_publish_answer(const VtPublishOffer *offer, const VtLocalDescription *local,
                                  GError **error);

/* ---- receive connection: the relay's offer ---- */

/* Payload types and extension ids of the relay's own offers (one codec per
 * m-line, so a number names one codec configuration across the BUNDLE, as
 * RFC 8843 section 9.1 asks; H.264 gets one pair per profile). Extension ids
 * are Chrome's defaults, so forwarding from Chrome rewrites nothing. */
enum {
  VT_SDP_RELAY_PT_OPUS = 111,
  VT_SDP_RELAY_PT_VP8 = 96,
  VT_SDP_RELAY_PT_VP8_RTX = 97,
  VT_SDP_RELAY_PT_H264_CB = 102,
  VT_SDP_RELAY_PT_H264_CB_RTX = 103,
  VT_SDP_RELAY_PT_H264_BASELINE = 104,
  VT_SDP_RELAY_PT_H264_BASELINE_RTX = 105,
  VT_SDP_RELAY_PT_H264_MAIN = 106,
  VT_SDP_RELAY_PT_H264_MAIN_RTX = 107,
  VT_SDP_RELAY_PT_H264_CH = 108,
  VT_SDP_RELAY_PT_H264_CH_RTX = 109,
  VT_SDP_RELAY_PT_H264_HIGH = 112,
  VT_SDP_RELAY_PT_H264_HIGH_RTX = 113,
};
enum {
  VT_SDP_RELAY_EXT_AUDIO_LEVEL = 1,
  VT_SDP_RELAY_EXT_ABS_SEND_TIME = 2,
  VT_SDP_RELAY_EXT_TWCC = 3,
  VT_SDP_RELAY_EXT_MID = 4,
};

/* The relay's payload types for a codec (rtx_pt 0 for Opus: no audio RTX).
 * FALSE for NONE or an H.264 profile-level-id of an unknown profile. */
gboolean vt_sdp_relay_payload_types(VtSdpCodecId codec, guint32 h264_profile_level_id, guint8 *pt,
                                    guint8 *rtx_pt);
/* The relay's extension id for ext (VT_SDP_RELAY_EXT_*). */
guint8 vt_sdp_relay_ext_id(VtSdpExt ext);

/* One m-line of a receive connection. The array handed to the builder IS the
 * m-line layout: tracks[i] is m-line i and its mid is the decimal i ("0",
 * "1", ...), so mids are stable as long as the caller keeps each track in its
 * slot. A track that leaves keeps its slot with active = FALSE: the m-line is
 * offered a=inactive with port 9 and stays in the BUNDLE, so the client's
 * transceiver lives on, aligned, and can carry a later track of the same kind
 * under the same mid (vt_sdp_subscribe_slot()). Port 0 is not used because it
 * stops the client's transceiver for good (JSEP), after which the m-line
 * could only be recycled under a new mid.
 * (transfer none): the strings stay the caller's. */
typedef struct {
  gboolean active;               /* FALSE: the slot is free; only kind (and codec) are read */
  VtSdpKind kind;                /* AUDIO or VIDEO; a slot never changes kind */
  VtSdpCodecId codec;            /* NONE on a free slot means the kind's default (Opus, VP8) */
  guint32 h264_profile_level_id; /* H.264: the publisher's, echoed in the fmtp */
  guint32 ssrc;                  /* relay-side SSRC towards this client; non-zero when active */
  guint32 rtx_ssrc;              /* video: relay-side RTX SSRC; 0 offers no RTX */
  const char *participant_id;    /* msid stream id: the publishing participant */
  const char *track_id;          /* msid track id */
  const char *cname;             /* NULL: participant_id (one cname per participant) */
} VtSubscribeTrack;

/* Where a new track of kind goes in an existing layout: the first free slot
 * of that kind, else n (append). */
guint vt_sdp_subscribe_slot(const VtSubscribeTrack *tracks, guint n, VtSdpKind kind);

/* Writes the relay's offer for a receive connection, m-line i from tracks[i]
 * (see VtSubscribeTrack for the layout contract; n may be 0, which gives a
 * session without m-lines, or at most VT_SDP_MAX_MEDIA).
 *
 * An active m-line is sendonly with the relay's payload types for its codec
 * (plus RTX when rtx_ssrc is set), rtcp-fb NACK/PLI/FIR for video and REMB /
 * transport-cc per local->features, the relay's extension ids, rtcp-mux,
 * rtcp-rsize, a=msid:<participant_id> <track_id>, and a=ssrc (cname, msid)
 * for ssrc and rtx_ssrc tied by a=ssrc-group:FID. A free slot is a=inactive
 * with the same transport lines and no track. All m-lines carry the relay's
 * ICE credentials, fingerprint and a=setup:actpass; the BUNDLE group lists
 * them all. The o= line is "- <local->session_id> <version>": pass a larger
 * version for every new offer on the connection.
 *
 * Returns (transfer full) the text, or NULL with VT_SDP_ERROR_INVALID when the
 * layout cannot be written: too many m-lines, a kind other than audio/video,
 * a codec of the wrong kind or unknown H.264 profile, an active track without
 * ssrc, participant_id or track_id, ids or cname not being 1..64 (cname
 * 1..255) visible ASCII characters, or bad local values. */
char *vt_sdp_build_subscribe_offer(const VtSubscribeTrack *tracks, guint n,
                                   const VtLocalDescription *local, guint version, GError **error);

/* ---- receive connection: the client's answer ---- */

typedef struct {
  char *mid;
  gboolean accepted;        /* port not 0 and answered recvonly */
  VtSdpDirection direction; /* as answered; INACTIVE when rejected */
  /* The offered codec with the payload types the answer kept (rtx_pt 0 when
   * it dropped RTX) and the offered feedback it kept; all 0 when rejected. */
  VtSdpCodec codec;
  guint8 ext_ids[VT_SDP_EXT_COUNT]; /* extensions the answer kept (the relay's ids), 0 = not */
  gboolean rtcp_rsize;
} VtSubscribeAnswerMedia;

typedef struct {
  /* ICE/DTLS of the non-rejected m-lines; NULL strings when every m-line is
   * rejected (port 0) or there are none. */
  VtSdpRemoteTransport transport;
  VtSubscribeAnswerMedia *media; /* n_media entries = the offer's m-lines */
  guint n_media;
} VtSubscribeAnswer;

void vt_subscribe_answer_free(VtSubscribeAnswer *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtSubscribeAnswer, vt_subscribe_answer_free)

/* Validates the client's answer to the offer built from the same tracks[n]
 * and local features. The answer must have the offer's m-lines in order
 * (same mids and kinds), each rejected (port 0) or recvonly/inactive
 * (inactive only for a free slot), with payload types from those offered,
 * the media payload type among them, extension ids equal to the relay's,
 * a=rtcp-mux, a BUNDLE group covering the non-rejected m-lines and naming no
 * other mid, and, when anything is not rejected, ICE credentials, a sha-256
 * fingerprint and a=setup active or passive agreeing across the bundle.
 * Errors: as for the publish offer, MISMATCH for a departure from the offer.
 * On success *out is (transfer full) the answer. */
gboolean vt_sdp_parse_subscribe_answer(const char *text, gsize len, const VtSubscribeTrack *tracks,
                                       guint n, const VtLocalDescription *local,
                                       VtSubscribeAnswer **out, GError **error);

G_END_DECLS
