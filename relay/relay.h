/* The in-process interface between signaling and the relay (the SFU).
 *
 * Signaling tells the relay who is in which room and hands it each
 * participant's media negotiation: the offer of their publish connection, the
 * answer of their receive (subscribe) connection and trickled ICE candidates
 * of both. The relay answers through VtRelayEvents on the main thread. Calls
 * are made on the main thread only; each is checked there (an SDP that cannot
 * be accepted fails at once with the reason) and then carried to the worker
 * thread the room lives on (design.md, "Threads").
 *
 * A relay created without media (VtRelayConfig.enabled FALSE, or when its
 * DTLS certificate cannot be made) fails every call with
 * VT_RELAY_ERROR_NOT_AVAILABLE, which signaling reports as `not_available`. */
#pragma once

#include <glib.h>

#include "relay/sdp.h"

G_BEGIN_DECLS

typedef struct _VtRelay VtRelay;

typedef enum {
  VT_PC_PUBLISH,   /* the client offers, the relay answers receive-only */
  VT_PC_SUBSCRIBE, /* the relay offers the other participants' tracks */
} VtPcKind;

typedef enum {
  VT_RELAY_ERROR_NOT_AVAILABLE,
  VT_RELAY_ERROR_BAD_SDP,
} VtRelayError;

#define VT_RELAY_ERROR (vt_relay_error_quark())
GQuark vt_relay_error_quark(void);

/* What the relay says back about one participant (identified by the
 * room and participant ids signaling gave it). Events for a participant who
 * has left since may still arrive: signaling ignores them. */
typedef struct {
  /* "answer" to a publish offer; "offer" of the subscribe connection. The
   * relay's candidates are in the SDP (a=end-of-candidates). */
  void (*sdp)(gpointer data, const char *room, const char *participant, VtPcKind pc,
              const char *type, const char *sdp);
  /* "connected", or "failed" with a reason code and a sentence. */
  void (*state)(gpointer data, const char *room, const char *participant, VtPcKind pc,
                const char *state, const char *reason, const char *detail);
  /* A negotiation message refused on the worker (code "bad_sdp" ...). */
  void (*error)(gpointer data, const char *room, const char *participant, VtPcKind pc,
                const char *code, const char *message);
} VtRelayEvents;

typedef struct {
  gboolean enabled;         /* FALSE: no media path (every call: not_available) */
  guint workers;            /* worker threads; 0: one per core */
  char **local_addresses;   /* gather only these (NULL: every interface) */
  guint min_port, max_port; /* UDP port range (0, 0: any) */
  char *public_ipv4;        /* announced instead of the host address (1:1 NAT) */
  gboolean ice_tcp;
  guint max_bitrate_bps; /* REMB sent to publishers */
  VtSdpCodecPrefs codecs; /* what publishers may send, most wanted first */
} VtRelayConfig;

/* `config` is copied. */
VtRelay *vt_relay_new(const VtRelayConfig *config, const VtRelayEvents *events, gpointer data);
void vt_relay_free(VtRelay *relay);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtRelay, vt_relay_free)

/* At most max_audio audio and max_video video tracks of the offer are
 * taken; the answer rejects the rest (vt_publish_offer_limit_tracks). */
gboolean vt_relay_publish_offer(VtRelay *relay, const char *room, const char *participant,
                                const char *sdp, guint max_audio, guint max_video,
                                GError **error);
gboolean vt_relay_subscribe_answer(VtRelay *relay, const char *room, const char *participant,
                                   const char *sdp, GError **error);
/* The participant's receive connection goes (its ICE failed, or the client
 * gave up on it) and a new one is offered in a fresh subscribe_offer. */
gboolean vt_relay_subscribe_restart(VtRelay *relay, const char *room, const char *participant,
                                    GError **error);
/* candidate "" marks the end of the client's candidates. */
gboolean vt_relay_add_candidate(VtRelay *relay, const char *room, const char *participant,
                                VtPcKind pc, const char *candidate, const char *sdp_mid,
                                int mline_index, GError **error);
/* The participant is in the room with a fresh client (first join, reload or
 * reconnect): what the relay held for an earlier client of theirs goes, and
 * they get a subscribe offer once someone else publishes. */
void vt_relay_participant_joined(VtRelay *relay, const char *room, const char *participant);
/* The participant left the room: everything the relay holds for them goes. */
void vt_relay_participant_left(VtRelay *relay, const char *room, const char *participant);

/* Recorder hook: clear RTP of the participant's published track of `kind`
 * ("audio"/"video") goes to fn on the room's worker thread (never blocking
 * there), until the track goes; then destroy(data) runs on that thread.
 * Returns FALSE (destroy not called) when media is off; a participant who
 * publishes nothing yet gets destroy(data) at once on the worker. */
typedef void (*VtRelayTapFunc)(gpointer data, const guint8 *rtp, gsize len);
gboolean vt_relay_add_tap(VtRelay *relay, const char *room, const char *participant,
                          const char *kind, VtRelayTapFunc fn, gpointer data,
                          GDestroyNotify destroy);

/* Rooms with media state (for /metrics). */
guint vt_relay_room_count(VtRelay *relay);
/* FALSE when media is off (configured so, or the relay could not start:
 * then the reason was logged at start). For /healthz. */
gboolean vt_relay_media_on(VtRelay *relay);

/* Hands the workers what the calls since the last loop turn posted to them
 * now, instead of at the next turn (the server's send slices in a long
 * turn). Main thread only. */
void vt_relay_wake_workers(VtRelay *relay);

G_END_DECLS
