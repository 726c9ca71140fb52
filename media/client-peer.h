/* One peer connection of the client: a webrtcbin and the offer/answer and
 * trickle ICE around it, shared by the publish side (the client offers) and
 * the subscribe side (the relay offers).
 *
 * Threads: webrtcbin answers promises and emits its signals on its own
 * threads. Everything this module reports goes through the GMainContext that
 * was the thread default when the peer was made, so the events below always
 * run on the owner's thread, in order, and never after vt_client_peer_close().
 *
 * ICE: no STUN or TURN server is ever set here. With local addresses given,
 * libnice gathers host candidates on those addresses only (the tests' rule:
 * loopback only); the NiceAgent is reached through the GstWebRTCNice
 * "agent" property, the one documented way to do this in GStreamer 1.22. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _VtClientPeer VtClientPeer;

typedef struct {
  /* A local offer or answer was made: send it now. The peer sets it as its
   * local description right after this returns, so candidates, which only
   * come after that, always follow the description on the wire. */
  void (*description)(gpointer user, VtClientPeer *peer, const char *sdp);
  /* A local candidate ("candidate:..."), or "" once gathering is complete.
   * mid is the m-line's a=mid in the local description, NULL if unknown. */
  void (*candidate)(gpointer user, VtClientPeer *peer, guint mline, const char *mid,
                    const char *candidate);
  /* Negotiation or the connection failed; reason is one line. */
  void (*failed)(gpointer user, VtClientPeer *peer, const char *reason);
  /* Optional: an offer/answer exchange finished and vt_client_peer_busy()
   * is FALSE again. */
  void (*negotiated)(gpointer user, VtClientPeer *peer);
} VtClientPeerEvents;

/* Starts making, on a thread of its own, the DTLS certificate that every
 * webrtcbin of this process will use, while the client connects and joins.
 * GStreamer's DTLS elements make one RSA-2048 key per process, on first use,
 * which takes 80-300 ms; made later, it would delay the first offer or
 * answer, and the first frame, by that much. Join the thread with
 * vt_client_peer_warm_up_wait() before exit. */
GThread *vt_client_peer_warm_up(void);
void vt_client_peer_warm_up_wait(GThread *thread);

/* Makes a webrtcbin named name (max-bundle, ICE policy all, no STUN server),
 * restricted to local_addresses when not NULL (NULL-terminated). pc is the
 * signaling name of the connection ("publish" or "subscribe"), used in
 * messages. The caller adds vt_client_peer_element() to its pipeline.
 * events and user must outlive the peer. */
VtClientPeer *vt_client_peer_new(const char *pc, const char *const *local_addresses,
                                 const VtClientPeerEvents *events, gpointer user, GError **error);
/* Drops the peer; call vt_client_peer_close() first. */
void vt_client_peer_free(VtClientPeer *peer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtClientPeer, vt_client_peer_free)

/* (transfer none) the webrtcbin. */
GstElement *vt_client_peer_element(VtClientPeer *peer);
const char *vt_client_peer_name(VtClientPeer *peer);

/* Creates an offer; events->description gets it. */
void vt_client_peer_create_offer(VtClientPeer *peer);

/* Sets the remote description (type "offer" or "answer"). For an offer the
 * peer then creates the answer and reports it through events->description.
 * Bad SDP or a refusal by webrtcbin is reported through events->failed. */
void vt_client_peer_set_remote(VtClientPeer *peer, const char *type, const char *sdp);

/* TRUE while an offer/answer exchange started here is in progress: from
 * vt_client_peer_set_remote(offer) until the answer is set locally. */
gboolean vt_client_peer_busy(VtClientPeer *peer);

/* A remote candidate; "" (end of candidates) is ignored. */
void vt_client_peer_add_candidate(VtClientPeer *peer, guint mline, const char *candidate);

/* webrtcbin's statistics, waiting at most a second for them. (transfer full)
 * or NULL. Call from the owner's thread while the pipeline runs. */
GstStructure *vt_client_peer_get_stats(VtClientPeer *peer);

/* Stops reporting events. The owner then sets its pipeline to NULL. */
void vt_client_peer_close(VtClientPeer *peer);

G_END_DECLS
