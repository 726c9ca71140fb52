/* The hub's state, shared by hub.c (peers, join, dispatch), lobby.c, room.c
 * and messages.c. Nothing outside signaling/hub*.c, lobby.c, room.c and
 * messages.c includes this. */
#pragma once

#include <json-glib/json-glib.h>

#include "relay/relay.h"
#include "signaling/hub.h"
#include "signaling/json-out.h"
#include "signaling/protocol.h"
#include "signaling/token.h"

typedef struct _VtShop VtShop;
typedef struct _VtRoom VtRoom;
typedef struct _VtParticipant VtParticipant;

typedef enum {
  PEER_NEW,     /* waiting for join */
  PEER_LOBBY,   /* customer waiting in the shop's lobby */
  PEER_CONSOLE, /* staff, not in a room; sees the lobby */
  PEER_ROOM,    /* in a room (staff also keep seeing the lobby) */
  PEER_ENDED,   /* the call ended or the peer was removed; may only leave */
  PEER_GONE,    /* the hub closed it; waiting for the socket to go */
} PeerState;

struct _VtPeer {
  const VtTransport *transport;
  gpointer data;
  PeerState state;
  gint64 opened_ms;
  VtToken *token; /* after join */
  char *id;       /* public participant id, derived from store and sub */
  gboolean invite; /* a customer on an invite: its visit's end uses it up */
  VtShop *shop;

  /* Lobby (customers in PEER_LOBBY). */
  char *topic;
  gint64 lobby_since_ms;
  GList *lobby_link; /* in shop->lobby */

  VtParticipant *participant; /* PEER_ROOM */

  /* Token bucket for the rate limit, in messages * 1000. */
  gint64 bucket;
  gint64 bucket_ms;
};

/* Where a customer whose socket dropped was in the line; staff see them
 * there as reconnecting until the grace runs out. */
typedef struct {
  char *name;
  char *topic;
  gint64 since_ms;   /* when they first entered the line */
  gint64 dropped_ms; /* when their socket went */
} VtLobbyPlace;

/* A store, as the hub sees it; called a shop here to keep it apart from the
 * SQLite VtStore. Made on first use, never freed before the hub. */
struct _VtShop {
  char *id;
  GQueue lobby;      /* of VtPeer*, oldest first */
  /* Customers whose socket dropped while they waited: participant id ->
   * VtLobbyPlace, kept for the reconnect grace (lobby.c). */
  GHashTable *lobby_places;
  GPtrArray *staff;  /* every joined staff peer (not owned) */
  GHashTable *rooms; /* id -> VtRoom* (owned by hub->rooms) */
};

/* A participant's place in a room; outlives their socket for the reconnect
 * grace period. */
struct _VtParticipant {
  VtRoom *room;
  char *id; /* public id */
  char *sub;
  char *name;
  VtRole role;
  gboolean invite; /* a customer on an invite (see VtPeer) */
  VtPeer *peer;   /* NULL while away */
  gint64 away_ms; /* when the socket went */
  char *publish_ref; /* ref of the last publish_offer, echoed by its answer */
  /* What the participant said it sends (the sending message); unknown
   * until then, so clients that never say are shown as sending. */
  gboolean media_known;
  gboolean sends_audio;
  gboolean sends_video;
};

struct _VtRoom {
  char *id;
  VtShop *shop;
  GPtrArray *participants; /* of VtParticipant*, owned, in joining order */
  gint64 empty_since_ms;   /* a room found open at start, until someone comes back; else 0 */
};

struct _VtHub {
  VtHubConfig config;
  VtStore *store;
  VtMetrics *metrics;
  GHashTable *shops; /* id -> VtShop*, owned */
  GHashTable *rooms; /* id -> VtRoom*, owned */
  GHashTable *peers; /* VtPeer* set, owned */
  VtRelay *relay;
  VtRelay *own_relay; /* a disabled one, made when the config gave none */
  guint joined;      /* peers past join */
};

/* hub.c */
void vt_hub_send(VtHub *hub, VtPeer *peer, GBytes *message);
void vt_hub_send_error(VtHub *hub, VtPeer *peer, const char *ref, const char *code,
                       const char *field, const char *message);
void vt_hub_close_peer(VtHub *hub, VtPeer *peer, guint16 code, const char *reason);
void vt_hub_log(VtHub *hub, VtCallEventKind kind, VtShop *shop, const char *room,
                VtPeer *peer, gint64 wait_ms, const char *reason, gint64 now_ms);
gint64 vt_hub_now_real_ms(void);
/* The visit of this invite is over: it admits nobody any more. */
void vt_hub_invite_done(VtHub *hub, const char *participant_id, gint64 now_ms);

/* lobby.c */
void vt_lobby_enter(VtHub *hub, VtPeer *peer, const char *ref, gint64 now_ms);
/* Takes the peer out of its lobby; reason is logged ("left", "accepted", ...). */
void vt_lobby_leave(VtHub *hub, VtPeer *peer, gboolean accepted, gint64 now_ms);
/* The customer's socket dropped while they waited: they leave the line, and
 * get their place back if they return within the reconnect grace. */
void vt_lobby_dropped(VtHub *hub, VtPeer *peer, gint64 now_ms);
void vt_lobby_accept(VtHub *hub, VtPeer *staff, const VtClientMessage *msg, gint64 now_ms);
/* Forgets the places whose grace ran out, and tells staff. */
void vt_lobby_tick(VtHub *hub, VtShop *shop, gint64 now_ms);
void vt_lobby_place_free(VtLobbyPlace *place);
VtPeer *vt_lobby_find(VtShop *shop, const char *participant_id);
void vt_lobby_broadcast(VtHub *hub, VtShop *shop);
void vt_lobby_send_snapshot(VtHub *hub, VtShop *shop, VtPeer *staff);

/* room.c */
/* NULL with error set when the room cannot be (re)opened, such as an ended room.
 * reason is logged with room_start when the room is made (NULL for a new call,
 * "resumed" for a call found open at start). */
VtRoom *vt_room_get_or_create(VtHub *hub, VtShop *shop, const char *id, const char *reason,
                              gint64 now_ms, GError **error);
void vt_room_free(VtRoom *room);
VtParticipant *vt_room_find(VtRoom *room, const char *participant_id);

/* relay-events.c: relay events -> messages */
extern const VtRelayEvents vt_hub_relay_events;
/* Puts the peer in the room (new participant or taking back its place). */
gboolean vt_room_enter(VtHub *hub, VtRoom *room, VtPeer *peer, gint64 last_chat_id,
                       const char *ref, gint64 now_ms);
/* The peer leaves for good (reason: "left", "removed", "timeout"). */
void vt_room_leave(VtHub *hub, VtParticipant *participant, const char *reason, gint64 now_ms);
/* The peer's socket went; its place is kept for the grace period. */
void vt_room_away(VtHub *hub, VtParticipant *participant, gint64 now_ms);
void vt_room_end(VtHub *hub, VtRoom *room, const char *reason, gint64 now_ms);
void vt_room_chat(VtHub *hub, VtPeer *peer, const VtClientMessage *msg, gint64 now_ms);
/* A page of older chat (the history message). */
void vt_room_history(VtHub *hub, VtPeer *peer, const VtClientMessage *msg);
/* The peer turned its microphone or camera on or off: the room is told. */
void vt_room_sending(VtHub *hub, VtPeer *peer, const VtClientMessage *msg);
void vt_room_remove(VtHub *hub, VtPeer *staff, const VtClientMessage *msg, gint64 now_ms);
void vt_room_tick(VtHub *hub, VtRoom *room, gint64 now_ms);

/* messages.c: server-to-client messages, as GBytes ready to send. */
GBytes *vt_msg_finish(VtJsonOut *b);
VtJsonOut *vt_msg_begin(const char *type, const char *ref);
GBytes *vt_msg_hello(void);
GBytes *vt_msg_error(const char *ref, const char *code, const char *field, const char *message);
GBytes *vt_msg_joined(VtHub *hub, VtPeer *peer, const char *ref);
GBytes *vt_msg_lobby(VtShop *shop, gint64 now_ms);
GBytes *vt_msg_lobby_position(guint position, guint waiting);
GBytes *vt_msg_room(VtRoom *room);
GBytes *vt_msg_participant(const char *type, VtParticipant *p, const char *reason);
GBytes *vt_msg_chat(const VtChatMessage *m);
/* more: the room has older messages than the first of these that the
 * receiver was not sent; it may ask for them (history). */
GBytes *vt_msg_chat_history(VtRoom *room, GPtrArray *messages, gboolean more, const char *ref);
GBytes *vt_msg_call_ended(VtRoom *room, const char *reason);
GBytes *vt_msg_simple(const char *type, const char *ref, const char *key, const char *value);
