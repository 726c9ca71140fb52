/* What the client needs to know about the relay's subscribe offer: for each
 * m-line, whose track it carries (the msid stream id is the publishing
 * participant's id), of which kind and codec, on which SSRC, and whether it
 * is live. Pure: SDP text in, a table out; GstSDP does the line parsing, no
 * gst_init() needed. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Bound on an offer the client accepts; the relay's offers are a few KiB. */
#define VT_CLIENT_SDP_MAX_LEN (256 * 1024)

typedef struct {
  guint mline;       /* index of the m-line */
  char *mid;         /* a=mid; never NULL */
  char *kind;        /* the m-line's media: "audio", "video", ... */
  char *codec;       /* lower-case encoding name of its first payload type ("vp8", "h264",
                        "opus"), NULL without a matching a=rtpmap */
  char *participant; /* msid stream id, NULL when absent or "-" */
  char *track_id;    /* msid track id, NULL when absent */
  guint32 ssrc;      /* primary SSRC (first of an FID group, else the first a=ssrc), 0 if none */
  gboolean active;   /* the remote side sends (sendonly or sendrecv) on a live m-line: port not
                        0, or 0 with a=bundle-only (RFC 8843) */
} VtClientRemoteTrack;

typedef struct {
  VtClientRemoteTrack *tracks; /* n_tracks entries, in m-line order */
  guint n_tracks;
} VtClientRemoteOffer;

void vt_client_remote_offer_free(VtClientRemoteOffer *offer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtClientRemoteOffer, vt_client_remote_offer_free)

/* Reads the tracks of a subscribe offer. Fails (G_IO_ERROR_INVALID_DATA) on
 * text that is empty, longer than VT_CLIENT_SDP_MAX_LEN, not SDP, or has an
 * m-line without a=mid. Attributes the client does not use are ignored; a
 * malformed msid or ssrc is treated as absent. */
gboolean vt_client_sdp_remote_tracks(const char *text, gsize len, VtClientRemoteOffer **out,
                                     GError **error);

/* The remote track on that mid, or NULL. (transfer none) */
const VtClientRemoteTrack *vt_client_remote_offer_find(const VtClientRemoteOffer *offer,
                                                       const char *mid);

/* The remote track sending on that SSRC, or NULL. (transfer none) */
const VtClientRemoteTrack *vt_client_remote_offer_find_ssrc(const VtClientRemoteOffer *offer,
                                                            guint32 ssrc);

G_END_DECLS
