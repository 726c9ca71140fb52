/* The hub: everything the signaling server knows about who is connected, who
 * waits in which store's lobby, and who is in which room.
 *
 * The hub is transport-free: the WebSocket server hands it each peer's text
 * messages and tells it when a socket goes away; the hub answers through the
 * peer's VtTransport. Time comes in as arguments, so tests drive it without
 * sockets or timers. Main thread only. */
#pragma once

#include <glib.h>

#include "store/store.h"
#include "relay/relay.h"
#include "signaling/metrics.h"
#include "signaling/token.h"

G_BEGIN_DECLS

typedef struct _VtHub VtHub;
typedef struct _VtPeer VtPeer;

/* How the hub talks back to one socket. */
typedef struct {
  /* Queue one complete text message (a JSON object) for the socket. */
  void (*send)(gpointer transport, GBytes *message);
  /* Send what is queued, then close with a WebSocket close code and reason.
   * The hub will not use the transport again except for peer_closed. */
  void (*close)(gpointer transport, guint16 code, const char *reason);
} VtTransport;

typedef struct {
  /* The media relay, made by the caller, who frees it after the hub; the
   * hub listens to its events. NULL: no media (not_available). */
  VtRelay *relay;
  const guint8 *token_key; /* HS256 key; must outlive the hub */
  gsize token_key_len;
  guint max_messages_per_second;
  guint auth_timeout_ms;
  guint reconnect_grace_ms;
  guint chat_history;
  /* Tracks of each kind (audio, video) a participant may publish. */
  guint tracks_customer;
  guint tracks_staff;
  /* ICE servers handed to clients in `joined` (NULL: none). TURN credentials
   * follow coturn's use-auth-secret scheme: username "<expiry>:<participant>",
   * password base64(HMAC-SHA1(turn_secret, username)), valid turn_ttl_s. */
  char **stun_urls;
  char **turn_urls;
  const char *turn_secret;
  guint turn_ttl_s;
} VtHubConfig;

/* WebSocket close codes the hub uses besides the standard ones. */
#define VT_CLOSE_AUTH_FAILED 4001
#define VT_CLOSE_REPLACED 4002
#define VT_CLOSE_SHUTDOWN 1001

VtHub *vt_hub_new(const VtHubConfig *config, VtStore *store, VtMetrics *metrics, gint64 now_ms);
void vt_hub_free(VtHub *hub);

/* (transfer none) The configuration the hub was made with (its token key). */
const VtHubConfig *vt_hub_config(VtHub *hub);

/* (transfer none) The hub's relay, for health and metrics. */
VtRelay *vt_hub_relay(VtHub *hub);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtHub, vt_hub_free)

/* A socket opened: greets it with the protocol version. The peer lives until
 * vt_hub_peer_closed. */
VtPeer *vt_hub_peer_open(VtHub *hub, const VtTransport *transport, gpointer data,
                         gint64 now_ms);
/* One complete text message from the socket. */
void vt_hub_peer_receive(VtHub *hub, VtPeer *peer, const char *text, gsize len, gint64 now_ms);
/* The socket is gone (closed by either side); frees the peer. */
void vt_hub_peer_closed(VtHub *hub, VtPeer *peer, gint64 now_ms);

/* Reports a protocol error to the peer without closing it (used by the
 * server for errors it finds itself, such as invalid UTF-8 in a frame). */
void vt_hub_peer_error(VtHub *hub, VtPeer *peer, const char *code, const char *message);

/* Timers: auth timeouts, reconnect grace, empty rooms. Call often (the server
 * calls it every 250 ms). */
void vt_hub_tick(VtHub *hub, gint64 now_ms);

/* The store lost these rooms (their opening failed to commit): they end
 * here too, so that the hub acts on no room the database does not have. */
void vt_hub_rooms_lost(VtHub *hub, GPtrArray *room_ids, gint64 now_ms);

/* Tells every peer the server is going away and closes their sockets. */
void vt_hub_shutdown(VtHub *hub);

/* The join-time check of a token, for the socket and for POST /api/link:
 * signature, expiry and claims (vt_token_verify), a room of another store
 * ("wrong_store"), and an invite whose visit is over ("invite_used").
 * Returns (transfer full) the claims, with *invite TRUE for a customer
 * holding an invite that is still open; or NULL with *code (static) the
 * protocol's error code and error a plain sentence. */
VtToken *vt_hub_check_token(VtHub *hub, const char *jwt, gsize len, gint64 now_ms,
                            gboolean *invite, const char **code, GError **error);

/* (transfer full) The participant id of the token's identity (store + sub),
 * as others see it and as invites are keyed. */
char *vt_hub_participant_id(VtHub *hub, const VtToken *token);

/* Customers waiting in the store's lobby now (0 for a store never seen). */
guint vt_hub_lobby_length(VtHub *hub, const char *store_id);

/* Appends the hub's gauges in Prometheus text format. */
void vt_hub_render_metrics(VtHub *hub, GString *out);

G_END_DECLS
