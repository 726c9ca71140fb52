/* ICE transport for one peer connection of the relay, over libnice.
 *
 * A VtIce is one full ICE agent (RFC 5245 compatibility, trickle, regular
 * nomination, RFC 7675 consent freshness) with one stream of one component:
 * the relay always BUNDLEs and uses rtcp-mux, so every datagram of the peer
 * connection (STUN, DTLS, SRTP, SRTCP) goes over one candidate pair.
 *
 * Threading: a VtIce lives on the GMainContext given to vt_ice_new(), which
 * is the room's relay worker context. Every function must be called on that
 * context's thread, and every callback runs there. Callbacks may run from
 * inside vt_ice_gather(), vt_ice_add_remote_candidate() and
 * vt_ice_remote_end_of_candidates() (libnice emits its signals when it
 * releases its lock), so callers must not hold locks around those calls. A
 * callback must not free the VtIce that called it.
 *
 * Receive path: only datagrams from a remote address that passed an ICE
 * check are handed to `receive`, and only while a candidate pair is
 * selected. The first few that such an address sends before our side has
 * selected a pair (a peer whose ICE finished first sends its DTLS hello at
 * once) are held and handed over, in order, right after the pair is
 * selected; see ice.c for how that is enforced and what libnice allows.
 *
 * Errors: setup and signaling return gboolean with a GError (domain
 * VT_ICE_ERROR); vt_ice_send() returns 0 or a negative errno. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/* Largest datagram delivered to `receive`; bigger ones are dropped and
 * counted. Matches VT_RTP_MAX_PACKET, with room for DTLS records. */
#define VT_ICE_MAX_DATAGRAM 1500

#define VT_ICE_ERROR (vt_ice_error_quark())
GQuark vt_ice_error_quark(void);

typedef enum {
  VT_ICE_ERROR_INVALID,     /* bad configuration or garbage from the peer */
  VT_ICE_ERROR_UNSUPPORTED, /* well-formed, but a family/transport/component we do not use */
  VT_ICE_ERROR_FAILED,      /* libnice refused */
} VtIceError;

typedef enum {
  VT_ICE_STATE_NEW,       /* created, no checks yet (never reported) */
  VT_ICE_STATE_CHECKING,  /* gathering or running connectivity checks */
  VT_ICE_STATE_CONNECTED, /* a pair is selected; vt_ice_send() works */
  VT_ICE_STATE_FAILED,    /* checks failed, or consent was lost (RFC 7675) */
  VT_ICE_STATE_CLOSED,    /* vt_ice_close() was called */
} VtIceState;

typedef struct {
  /* NULL-terminated list of local IP addresses to use, e.g. {"127.0.0.1",
   * NULL}. When set, ONLY these are used (no interface enumeration). NULL:
   * libnice enumerates the host's interfaces. */
  const char *const *local_addresses;
  /* UDP (and ICE-TCP) port range for host candidates; 0/0 for any. */
  guint min_port;
  guint max_port;
  /* For a 1:1 NAT: this IPv4 address replaces the address of IPv4 host
   * candidates in what we tell the peer (the port is kept). NULL: none. */
  const char *public_ipv4;
  /* Offer and accept ICE-TCP candidates (RFC 6544). Default FALSE. */
  gboolean ice_tcp;
  /* Optional STUN server (IP literal) for server-reflexive candidates. */
  const char *stun_server;
  guint stun_port; /* 0 means 3478 */
} VtIceConfig;

typedef struct {
  /* A local candidate to trickle to the peer, as "candidate:..." (no "a="). */
  void (*local_candidate)(gpointer data, const char *candidate_line);
  /* Local gathering has finished: send end-of-candidates to the peer. */
  void (*gathering_done)(gpointer data);
  /* Reported on every change, never twice in a row with the same value. */
  void (*state)(gpointer data, VtIceState state);
  /* One datagram from the selected pair (or held from before it was
   * selected, see above); buf is only valid for the call. */
  void (*receive)(gpointer data, const uint8_t *buf, size_t len);
} VtIceCallbacks;

typedef struct {
  guint64 received;           /* datagrams delivered to `receive` */
  guint64 held_early;         /* arrived before selection, held, delivered once selected */
  guint64 dropped_unselected; /* arrived with no selected pair and not held */
  guint64 dropped_oversize;   /* longer than VT_ICE_MAX_DATAGRAM */
} VtIceStats;

typedef struct _VtIce VtIce;

/* Creates the agent on `ctx` (not taken: the caller keeps it alive longer
 * than the VtIce). config may be NULL for defaults; cb is copied and every
 * member may be NULL. Returns NULL with `error` set for a bad config. No
 * traffic is sent before vt_ice_gather(). */
VtIce *vt_ice_new(GMainContext *ctx, gboolean controlling, const VtIceConfig *config,
                  const VtIceCallbacks *cb, gpointer data, GError **error);

/* Frees on the worker context; leaves no source behind and calls nothing. */
void vt_ice_free(VtIce *ice);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtIce, vt_ice_free)

/* Our ufrag and password for the SDP (transfer none, valid until free). */
const char *vt_ice_get_local_ufrag(VtIce *ice);
const char *vt_ice_get_local_pwd(VtIce *ice);

/* The peer's a=ice-ufrag and a=ice-pwd. Set them before adding candidates. */
gboolean vt_ice_set_remote_credentials(VtIce *ice, const char *ufrag, const char *pwd,
                                       GError **error);

/* Adds one trickled remote candidate, "candidate:..." with or without "a=".
 * Refuses garbage (VT_ICE_ERROR_INVALID), and other components, TCP when
 * ICE-TCP is off, and address families we have no local address for
 * (VT_ICE_ERROR_UNSUPPORTED). */
gboolean vt_ice_add_remote_candidate(VtIce *ice, const char *candidate_line, GError **error);
/* Remote candidates one connection takes: each is a target the agent sends
 * checks to (issue #11: a client named 40 addresses, private ranges
 * included). Browsers give a few per interface; later ones are refused
 * (VT_ICE_ERROR_UNSUPPORTED). */
#define VT_ICE_MAX_REMOTE_CANDIDATES 16

/* The peer sent end-of-candidates: pairs may now fail for good. */
void vt_ice_remote_end_of_candidates(VtIce *ice);

/* Starts gathering; local candidates come through `local_candidate`. */
gboolean vt_ice_gather(VtIce *ice, GError **error);

/* Sends one datagram on the selected pair. Returns 0, or -ENOTCONN without
 * a selected pair (also after FAILED or CLOSED), -EMSGSIZE for len 0 or over
 * 65535, -EIO if libnice could not send it. */
int vt_ice_send(VtIce *ice, const uint8_t *buf, size_t len);

/* Stops receiving and sending and reports CLOSED; the VtIce must still be
 * freed. Idempotent. */
void vt_ice_close(VtIce *ice);

VtIceState vt_ice_get_state(VtIce *ice);
void vt_ice_get_stats(VtIce *ice, VtIceStats *stats);

G_END_DECLS
