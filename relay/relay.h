/* The in-process interface between signaling and the relay (the SFU).
 *
 * Signaling tells the relay who is in which room and hands it each
 * participant's media negotiation: the offer of their publish connection, the
 * answer of their receive (subscribe) connection and trickled ICE candidates
 * of both. The relay answers through VtRelayEvents on the main thread: the
 * thread that made it, on its thread-default main context. Calls are made on
 * that thread only (checked); each is checked there (an SDP that cannot
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

/* Why a peer connection failed for good; docs/protocol.md names them in
 * `media_state` (vt_pc_failure_code gives the name). */
typedef enum {
  VT_PC_FAILURE_ICE,              /* ice_failed: no candidate pair worked */
  VT_PC_FAILURE_CONSENT_LOST,     /* consent_lost: the client stopped answering */
  VT_PC_FAILURE_DTLS_FINGERPRINT, /* dtls_fingerprint: not the SDP's certificate */
  VT_PC_FAILURE_DTLS,             /* dtls_failed: handshake error or timeout */
  VT_PC_FAILURE_SRTP,             /* srtp_failed: keys could not be installed */
  VT_PC_FAILURE_CLOSED,           /* closed: the client closed DTLS */
} VtPcFailure;

const char *vt_pc_failure_code(VtPcFailure failure);

/* Why a negotiation message was refused on the worker (vt_negotiation_code:
 * the protocol's error code). */
typedef enum {
  VT_NEGOTIATION_BAD_SDP,     /* bad_sdp: the client's SDP cannot be used */
  VT_NEGOTIATION_RELAY_ERROR, /* relay_error: the relay could not answer */
} VtNegotiationError;

const char *vt_negotiation_code(VtNegotiationError error);

/* Whom an event is about: ids as signaling gave them. */
typedef struct {
  const char *room;
  const char *participant;
  VtPcKind pc;
} VtRelayWho;

/* The relay's SDP: the answer to a publish offer, or the offer of the
 * subscribe connection (by who.pc). Its candidates are in it
 * (a=end-of-candidates). */
typedef struct {
  VtRelayWho who;
  const char *sdp;
} VtRelaySdpEvent;

/* A connection came up (SRTP keys installed) or failed for good. */
typedef struct {
  VtRelayWho who;
  gboolean connected;
  VtPcFailure failure; /* when not connected */
  const char *detail;  /* when not connected: a sentence for logs and the client */
} VtRelayStateEvent;

/* A negotiation message refused after it left the main thread. */
typedef struct {
  VtRelayWho who;
  VtNegotiationError error;
  const char *message;
} VtRelayRefusalEvent;

/* What the relay says back, on the main context of the thread that made it.
 * Events for a participant who has left since may still arrive: signaling
 * ignores them. The event and its strings live for the call only. */
typedef struct {
  void (*sdp)(gpointer data, const VtRelaySdpEvent *ev);
  void (*state)(gpointer data, const VtRelayStateEvent *ev);
  void (*refused)(gpointer data, const VtRelayRefusalEvent *ev);
} VtRelayEvents;

typedef struct {
  gboolean enabled;         /* FALSE: no media path (every call: not_available) */
  guint workers;            /* worker threads; 0: one per core */
  char **local_addresses;   /* gather only these (NULL: every interface) */
  guint min_port, max_port; /* UDP port range (0, 0: any) */
  char *public_ipv4;        /* announced instead of the host address (1:1 NAT) */
  gboolean ice_tcp;
  guint max_bitrate_bps;  /* REMB sent to publishers */
  VtSdpCodecPrefs codecs; /* what publishers may send, most wanted first */
} VtRelayConfig;

/* `config` is copied; NULL (or not enabled) makes a relay that answers
 * every call with not_available. events may be NULL when they are set with
 * vt_relay_set_events() before the first call. */
VtRelay *vt_relay_new(const VtRelayConfig *config, const VtRelayEvents *events, gpointer data);
/* Who hears the relay's events, when it was made before its listener;
 * NULL: nobody (the listener is going away). */
void vt_relay_set_events(VtRelay *relay, const VtRelayEvents *events, gpointer data);
void vt_relay_free(VtRelay *relay);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtRelay, vt_relay_free)

/* At most max_audio audio and max_video video tracks of the offer are
 * taken; the answer rejects the rest (vt_publish_offer_limit_tracks). */
gboolean vt_relay_publish_offer(VtRelay *relay, const char *room, const char *participant,
                                const char *sdp, guint max_audio, guint max_video, GError **error);
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
