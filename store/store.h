/* The SQLite store: chat history, the call log, room membership and invites.
 *
 * One connection, used only from the main thread. WAL mode so that readers
 * (backups, the store's own reporting) never block the server. Every write is
 * committed before the function returns, unless the owner turns batching on:
 * then the writes since the last vt_store_commit() share one transaction,
 * and the owner commits before it tells anyone about them. The server does
 * that once per turn of its loop, so that a burst of joins or chat costs one
 * commit instead of one per row. Closing a room commits at once (the batch
 * with it), so that a room the caller was told has ended stays ended; rooms
 * whose opening a failed commit took back are listed for the owner, which
 * must forget them too (vt_store_take_lost_rooms). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VtStore VtStore;

/* Errors from the store. Codes other than FAILED let callers react without
 * parsing messages; the message always carries SQLite's own words. */
#define VT_STORE_ERROR (vt_store_error_quark())
GQuark vt_store_error_quark(void);

typedef enum {
  VT_STORE_ERROR_FAILED,     /* SQLite reported an error */
  VT_STORE_ERROR_CONSTRAINT, /* a row broke a constraint, e.g. a member of an unknown room */
  VT_STORE_ERROR_SCHEMA,     /* the database was written by a newer Vitrine */
  VT_STORE_ERROR_NOT_FOUND,  /* no such room */
  VT_STORE_ERROR_EXISTS,     /* the room id is taken by another store or an ended room */
} VtStoreError;

typedef struct {
  gint64 id;    /* server id, increasing in delivery order */
  gint64 ts_ms; /* server time, ms since the epoch */
  char *store;
  char *room;
  char *sender;      /* the sender's `sub` */
  char *sender_name;
  char *sender_role; /* "customer" | "staff" */
  char *client_id;
  char *text;
} VtChatMessage;

typedef enum {
  VT_CALL_LOBBY_ENTER,
  VT_CALL_LOBBY_LEAVE,  /* left the lobby without being accepted */
  VT_CALL_LOBBY_ACCEPT, /* wait_ms is the time spent waiting */
  VT_CALL_ROOM_START,
  VT_CALL_ROOM_END,
  VT_CALL_ROOM_JOIN,
  VT_CALL_ROOM_LEAVE,
} VtCallEventKind;

/* One row of the call log. Strings may be NULL where they do not apply;
 * wait_ms is -1 where it does not apply. */
typedef struct {
  gint64 id; /* set by the store; ignored on insert */
  gint64 ts_ms;
  VtCallEventKind kind;
  char *store;
  char *room;
  char *participant; /* sub */
  char *name;
  char *role;
  char *topic;
  char *reason;
  gint64 wait_ms;
} VtCallEvent;

/* Opens (creating or migrating) the database at path. */
VtStore *vt_store_open(const char *path, GError **error);
void vt_store_free(VtStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtStore, vt_store_free)

/* Batching, for the server: see above. Turning it off commits. */
void vt_store_set_batching(VtStore *store, gboolean on);
/* Whether vt_store_commit() has work: writes since the last commit, or a
 * failure of a commit made inside the batch still to report. */
gboolean vt_store_pending(VtStore *store);
/* Commits the open batch, if any. On failure nothing of the batch since the
 * last successful commit is stored (SQLite rolls it back), and the error says
 * why; this includes a commit that failed when a room was opened or closed. */
gboolean vt_store_commit(VtStore *store, GError **error);
/* (transfer full) The ids of the rooms opened in batches that failed to
 * commit since the last call; empty when none. */
GPtrArray *vt_store_take_lost_rooms(VtStore *store);

/* A cheap query that proves the database answers; for /healthz. */
gboolean vt_store_ping(VtStore *store);

/* Stores a chat message unless the same (room, sender, client_id) is already
 * stored; either way returns (transfer full) the stored row, and sets
 * *duplicate to TRUE when it was already there. */
VtChatMessage *vt_store_chat_append(VtStore *store, const char *store_id, const char *room,
                                    const char *sender, const char *sender_name,
                                    const char *sender_role, const char *client_id,
                                    const char *text, gint64 now_ms, gboolean *duplicate,
                                    GError **error);

/* Messages of room with id > after_id, oldest first, at most limit of the
 * newest such (limit 0: no limit). (transfer full) array of VtChatMessage. */
GPtrArray *vt_store_chat_history(VtStore *store, const char *room, gint64 after_id,
                                 guint limit, GError **error);
/* Messages of room with id < before_id, oldest first, at most limit of the
 * newest such (limit 0: no limit): a page of older history. */
GPtrArray *vt_store_chat_before(VtStore *store, const char *room, gint64 before_id,
                                guint limit, GError **error);

void vt_chat_message_free(VtChatMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtChatMessage, vt_chat_message_free)

gboolean vt_store_log(VtStore *store, const VtCallEvent *event, GError **error);

/* Call log rows of one store with ts_ms >= since_ms, oldest first.
 * (transfer full) array of VtCallEvent. */
GPtrArray *vt_store_call_log(VtStore *store, const char *store_id, gint64 since_ms,
                             GError **error);
const char *vt_call_event_kind_to_string(VtCallEventKind kind);
void vt_call_event_free(VtCallEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtCallEvent, vt_call_event_free)

/* Rooms outlive the process: a participant of a room that has not ended can
 * come back to it after a server restart. */
gboolean vt_store_room_open(VtStore *store, const char *store_id, const char *room,
                            gint64 now_ms, GError **error);
gboolean vt_store_room_close(VtStore *store, const char *room, gint64 now_ms, GError **error);
gboolean vt_store_room_add_member(VtStore *store, const char *room, const char *sub,
                                  GError **error);
/* Staff removed participant from room: they may not enter it again. */
gboolean vt_store_room_add_removal(VtStore *store, const char *room, const char *participant,
                                   GError **error);
/* Whether staff removed participant from room. */
gboolean vt_store_room_is_removed(VtStore *store, const char *room, const char *participant);
/* sub left the room for good: it is no longer offered back to them. */
gboolean vt_store_room_remove_member(VtStore *store, const char *room, const char *sub,
                                     GError **error);
/* The open room (transfer full) that sub of store_id was last a member of,
 * or NULL. */
char *vt_store_room_find_open(VtStore *store, const char *store_id, const char *sub);
/* Rooms not ended, oldest first, as pairs: room id, store id, room id, ...
 * (transfer full). */
GPtrArray *vt_store_rooms_open(VtStore *store);
/* The store a room belongs to (transfer full), or NULL for an unknown room. */
char *vt_store_room_owner(VtStore *store, const char *room);

/* Invites: one-visit customer tokens made by staff, keyed by the customer's
 * participant id. */
typedef enum {
  VT_INVITE_NONE, /* not an invite (or the database could not say; logged) */
  VT_INVITE_OPEN, /* an invite whose visit is not over */
  VT_INVITE_DONE, /* an invite whose visit is over: it admits nobody */
} VtInviteState;

/* Records an invite; a participant id already recorded is a CONSTRAINT error. */
gboolean vt_store_invite_add(VtStore *store, const char *participant, const char *store_id,
                             const char *created_by, gint64 created_ms, gint64 expires_ms,
                             GError **error);
VtInviteState vt_store_invite_state(VtStore *store, const char *participant);
/* Marks the invite's visit over (keeps the first time); a no-op for a
 * participant without an invite. */
gboolean vt_store_invite_done(VtStore *store, const char *participant, gint64 now_ms,
                              GError **error);

G_END_DECLS
