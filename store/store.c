/* The SQLite store: chat history, the call log and room membership.
 *
 * One connection, owned by the main thread. Every statement the server runs is
 * prepared once at open and kept in the VtStore, because chat appends sit on
 * the hot path (target: 20,000 messages/s): re-parsing SQL per message would
 * cost more than the insert itself. Each use binds, steps, then resets the
 * statement so that it holds no read transaction and no caller's pointers.
 *
 * The schema is versioned with PRAGMA user_version; see `migrations` below. */
#include "store/store.h"

#include <sqlite3.h>

GQuark vt_store_error_quark(void)
{
  return g_quark_from_static_string("vt-store-error-quark");
}

/* Schema migrations, oldest first. Entry i takes the schema from version i to
 * version i + 1. An entry that has shipped is never edited: a later module that
 * needs a table appends one entry. Plain CREATE (no IF NOT EXISTS) so that a
 * step that ran twice would fail loudly instead of hiding a version bug. */
static const char *const migrations[] = {
    /* 1: chat, call log, rooms and their members. */
    "CREATE TABLE chat_messages ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  ts_ms INTEGER NOT NULL,"
    "  store TEXT NOT NULL,"
    "  room TEXT NOT NULL,"
    "  sender TEXT NOT NULL,"
    "  sender_name TEXT,"
    "  sender_role TEXT,"
    "  client_id TEXT,"
    "  text TEXT NOT NULL,"
    "  UNIQUE (room, sender, client_id));"
    "CREATE INDEX chat_messages_room_id ON chat_messages (room, id);"
    "CREATE TABLE call_log ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  ts_ms INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  store TEXT NOT NULL,"
    "  room TEXT,"
    "  participant TEXT,"
    "  name TEXT,"
    "  role TEXT,"
    "  topic TEXT,"
    "  reason TEXT,"
    "  wait_ms INTEGER);"
    "CREATE INDEX call_log_store_ts ON call_log (store, ts_ms);"
    "CREATE TABLE rooms ("
    "  id TEXT PRIMARY KEY,"
    "  store TEXT NOT NULL,"
    "  started_ms INTEGER NOT NULL,"
    "  ended_ms INTEGER);"
    "CREATE TABLE room_members ("
    "  room TEXT NOT NULL REFERENCES rooms (id),"
    "  sub TEXT NOT NULL,"
    "  PRIMARY KEY (room, sub));"
    /* find_open looks members up by sub, which the primary key cannot serve. */
    "CREATE INDEX room_members_sub ON room_members (sub);",
    /* 2: invites made by staff, keyed by the participant id of the customer
     * they admit (derived from store and sub, as the hub does). done_ms is
     * set when the visit is over; the invite admits nobody after that. */
    "CREATE TABLE invites ("
    "  participant TEXT PRIMARY KEY,"
    "  store TEXT NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL,"
    "  done_ms INTEGER);",
    /* 3: who staff removed from a room; they may not come back to it, across
     * restarts too. */
    "CREATE TABLE room_removals ("
    "  room TEXT NOT NULL,"
    "  participant TEXT NOT NULL,"
    "  PRIMARY KEY (room, participant));",
};

typedef enum {
  STMT_PING,
  STMT_CHAT_INSERT,
  STMT_CHAT_FIND,
  STMT_CHAT_HISTORY,
  STMT_CHAT_BEFORE,
  STMT_LOG_INSERT,
  STMT_LOG_SELECT,
  STMT_ROOM_INSERT,
  STMT_ROOM_CLOSE,
  STMT_ROOM_GET,
  STMT_MEMBER_INSERT,
  STMT_ROOM_FIND_OPEN,
  STMT_MEMBER_DELETE,
  STMT_ROOMS_OPEN,
  STMT_INVITE_INSERT,
  STMT_INVITE_GET,
  STMT_INVITE_DONE,
  STMT_REMOVAL_INSERT,
  STMT_REMOVAL_GET,
  N_STMTS
} StmtId;

#define CHAT_COLUMNS "id, ts_ms, store, room, sender, sender_name, sender_role, client_id, text"
#define LOG_COLUMNS "id, ts_ms, kind, store, room, participant, name, role, topic, reason, wait_ms"

static const char *const stmt_sql[N_STMTS] = {
    /* Touches the file (page 1), unlike "SELECT 1", so it proves more. */
    [STMT_PING] = "SELECT 1 FROM sqlite_schema LIMIT 1",
    [STMT_CHAT_INSERT] = "INSERT INTO chat_messages (ts_ms, store, room, sender, sender_name,"
                         " sender_role, client_id, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                         " ON CONFLICT (room, sender, client_id) DO NOTHING",
    [STMT_CHAT_FIND] = "SELECT " CHAT_COLUMNS " FROM chat_messages"
                       " WHERE room = ? AND sender = ? AND client_id = ?",
    /* The newest `limit` rows after after_id, handed back oldest first.
     * LIMIT -1 means no limit in SQLite. */
    [STMT_CHAT_HISTORY] = "SELECT " CHAT_COLUMNS " FROM (SELECT * FROM chat_messages"
                          " WHERE room = ? AND id > ? ORDER BY id DESC LIMIT ?) ORDER BY id",
    [STMT_CHAT_BEFORE] = "SELECT " CHAT_COLUMNS " FROM (SELECT * FROM chat_messages"
                         " WHERE room = ? AND id < ? ORDER BY id DESC LIMIT ?) ORDER BY id",
    [STMT_LOG_INSERT] = "INSERT INTO call_log (ts_ms, kind, store, room, participant, name, role,"
                        " topic, reason, wait_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [STMT_LOG_SELECT] = "SELECT " LOG_COLUMNS " FROM call_log"
                        " WHERE store = ? AND ts_ms >= ? ORDER BY ts_ms, id",
    [STMT_ROOM_INSERT] = "INSERT INTO rooms (id, store, started_ms) VALUES (?, ?, ?)"
                         " ON CONFLICT (id) DO NOTHING",
    [STMT_ROOM_CLOSE] = "UPDATE rooms SET ended_ms = ? WHERE id = ? AND ended_ms IS NULL",
    [STMT_ROOM_GET] = "SELECT store, ended_ms FROM rooms WHERE id = ?",
    [STMT_MEMBER_INSERT] = "INSERT INTO room_members (room, sub) VALUES (?, ?)"
                           " ON CONFLICT DO NOTHING",
    [STMT_ROOM_FIND_OPEN] = "SELECT r.id FROM room_members m JOIN rooms r ON r.id = m.room"
                            " WHERE m.sub = ? AND r.store = ? AND r.ended_ms IS NULL"
                            " ORDER BY r.started_ms DESC, r.rowid DESC LIMIT 1",
    [STMT_MEMBER_DELETE] = "DELETE FROM room_members WHERE room = ? AND sub = ?",
    [STMT_ROOMS_OPEN] = "SELECT id, store FROM rooms WHERE ended_ms IS NULL ORDER BY started_ms",
    [STMT_INVITE_INSERT] = "INSERT INTO invites (participant, store, created_by, created_ms,"
                           " expires_ms) VALUES (?, ?, ?, ?, ?)",
    [STMT_INVITE_GET] = "SELECT done_ms FROM invites WHERE participant = ?",
    [STMT_REMOVAL_INSERT] = "INSERT INTO room_removals (room, participant) VALUES (?, ?)"
                            " ON CONFLICT DO NOTHING",
    [STMT_REMOVAL_GET] = "SELECT 1 FROM room_removals WHERE room = ? AND participant = ?",
    [STMT_INVITE_DONE] = "UPDATE invites SET done_ms = ? WHERE participant = ? AND done_ms IS NULL",
};

struct _VtStore {
  sqlite3 *db;
  sqlite3_stmt *stmts[N_STMTS];
  gboolean batching;   /* writes join one transaction until vt_store_commit() */
  gboolean in_batch;   /* that transaction is open, as far as the store knows */
  gboolean unbatched;  /* BEGIN failed: writes commit one by one until the next commit */
  gboolean batch_lost; /* a commit inside the batch failed: report it at the next */
  GPtrArray *opened;   /* ids of the rooms the open batch created */
  GPtrArray *lost;     /* ids of the rooms failed commits took back, until taken */
};

static const char *const kind_names[] = {
    [VT_CALL_LOBBY_ENTER] = "lobby_enter",   [VT_CALL_LOBBY_LEAVE] = "lobby_leave",
    [VT_CALL_LOBBY_ACCEPT] = "lobby_accept", [VT_CALL_ROOM_START] = "room_start",
    [VT_CALL_ROOM_END] = "room_end",         [VT_CALL_ROOM_JOIN] = "room_join",
    [VT_CALL_ROOM_LEAVE] = "room_leave",
};

/* ---- small helpers ---------------------------------------------------- */

/* Sets error from SQLite's last message on db; rc picks the error code. */
static void set_sqlite_error(sqlite3 *db, int rc, const char *what, GError **error)
{
  int code = (rc & 0xff) == SQLITE_CONSTRAINT ? VT_STORE_ERROR_CONSTRAINT : VT_STORE_ERROR_FAILED;
  g_set_error(error, VT_STORE_ERROR, code, "%s: %s", what, sqlite3_errmsg(db));
}

/* The cached statement for id, ready for binding. Pair every use with release(). */
static inline sqlite3_stmt *stmt_for(VtStore *store, StmtId id)
{
  return store->stmts[id];
}

/* The same for a statement that writes: opens the batch transaction first
 * when batching. Reads do not, so that they never wait for the write lock.
 * If another process holds that lock past the busy timeout, the writes of
 * this batch run and commit one by one, as unbatched, rather than each
 * waiting again. */
static sqlite3_stmt *stmt_for_write(VtStore *store, StmtId id)
{
  if (store->batching && !store->in_batch && !store->unbatched) {
    store->in_batch = sqlite3_exec(store->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
    store->unbatched = !store->in_batch;
  }
  return store->stmts[id];
}

/* Resets a statement after use: ends its read transaction (a stepped but
 * unreset SELECT would pin the WAL and stall checkpoints) and drops bound
 * pointers, which were bound SQLITE_STATIC and belong to the caller. */
static void release(sqlite3_stmt *stmt)
{
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
}

/* Binds n strings (NULL binds SQL NULL) to parameters first, first + 1, ...
 * SQLITE_STATIC: the strings only need to live until the statement is reset. */
static int bind_texts(sqlite3_stmt *stmt, int first, const char *const *values, guint n)
{
  int rc = SQLITE_OK;
  for (guint i = 0; rc == SQLITE_OK && i < n; i++)
    rc = sqlite3_bind_text(stmt, first + (int)i, values[i], -1, SQLITE_STATIC);
  return rc;
}

/* Finishes a write whose parameters were bound with result bind_rc: steps it,
 * reports through *changed (may be NULL) whether it inserted or updated a row,
 * and releases it. sqlite3_changes() and sqlite3_last_insert_rowid() still
 * describe this statement afterwards, since nothing else has run. */
static gboolean finish_write(VtStore *store, sqlite3_stmt *stmt, int bind_rc, const char *what,
                             gboolean *changed, GError **error)
{
  int rc = bind_rc == SQLITE_OK ? sqlite3_step(stmt) : bind_rc;
  gboolean ok = rc == SQLITE_DONE;
  if (G_UNLIKELY(!ok))
    set_sqlite_error(store->db, rc, what, error);
  if (changed != NULL)
    *changed = ok && sqlite3_changes(store->db) > 0;
  release(stmt);
  return ok;
}

/* A text column as a new string, NULL for SQL NULL. */
static char *column_dup(sqlite3_stmt *stmt, int col)
{
  const unsigned char *text = sqlite3_column_text(stmt, col);
  if (text == NULL)
    return NULL;
  return g_strndup((const char *)text, (gsize)sqlite3_column_bytes(stmt, col));
}

/* ---- open, migrate, close --------------------------------------------- */

static gboolean exec_sql(sqlite3 *db, const char *sql, const char *what, GError **error)
{
  int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    return TRUE;
  set_sqlite_error(db, rc, what, error);
  return FALSE;
}

/* Runs a one-row, one-column query and returns its value as text (transfer
 * full), or NULL with error set. */
static char *query_text(sqlite3 *db, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW)
    value = column_dup(stmt, 0);
  else
    set_sqlite_error(db, rc, sql, error);
  sqlite3_finalize(stmt);
  if (rc == SQLITE_ROW && value == NULL)
    value = g_strdup("");
  return value;
}

/* Per-connection settings. WAL lets readers run beside the writer; with WAL,
 * synchronous=NORMAL still never loses a committed transaction to a process
 * crash, only (at worst) the last ones to a power cut, and spares an fsync per
 * chat message. */
static gboolean configure(sqlite3 *db, GError **error)
{
  sqlite3_busy_timeout(db, 5000);
  if (!exec_sql(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL", "pragmas", error))
    return FALSE;
  g_autofree char *mode = query_text(db, "PRAGMA journal_mode = WAL", error);
  if (mode == NULL)
    return FALSE;
  /* An in-memory database answers "memory"; anything else means the file
   * system refused WAL, which works but blocks readers behind the writer. */
  if (g_ascii_strcasecmp(mode, "wal") != 0 && g_ascii_strcasecmp(mode, "memory") != 0)
    g_warning("store: journal_mode is %s, not wal", mode);
  return TRUE;
}

/* Applies the migration steps the database lacks, all in one IMMEDIATE
 * transaction: the write lock is taken before the version is read, so two
 * processes opening the same new file cannot both migrate it. */
static gboolean migrate_locked(sqlite3 *db, GError **error)
{
  const guint latest = G_N_ELEMENTS(migrations);
  g_autofree char *text = query_text(db, "PRAGMA user_version", error);
  if (text == NULL)
    return FALSE;
  gint64 version = -1;
  /* A negative version can only come from a foreign tool; refuse it too. */
  if (!g_ascii_string_to_signed(text, 10, G_MININT, G_MAXINT, &version, NULL) || version < 0 ||
      version > latest) {
    g_set_error(error, VT_STORE_ERROR, VT_STORE_ERROR_SCHEMA,
                "database schema version %s is not one this build knows (0 to %u)", text, latest);
    return FALSE;
  }
  for (guint i = (guint)version; i < latest; i++) {
    g_autofree char *what = g_strdup_printf("migration %u", i + 1);
    if (!exec_sql(db, migrations[i], what, error))
      return FALSE;
  }
  if (version == latest)
    return TRUE;
  g_autofree char *bump = g_strdup_printf("PRAGMA user_version = %u", latest);
  return exec_sql(db, bump, "schema version", error);
}

static gboolean migrate(sqlite3 *db, GError **error)
{
  if (!exec_sql(db, "BEGIN IMMEDIATE", "migration", error))
    return FALSE;
  if (!migrate_locked(db, error)) {
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return FALSE;
  }
  return exec_sql(db, "COMMIT", "migration commit", error);
}

static gboolean prepare_all(VtStore *store, GError **error)
{
  for (guint i = 0; i < N_STMTS; i++) {
    int rc = sqlite3_prepare_v3(store->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                &store->stmts[i], NULL);
    if (rc != SQLITE_OK) {
      set_sqlite_error(store->db, rc, stmt_sql[i], error);
      return FALSE;
    }
  }
  return TRUE;
}

VtStore *vt_store_open(const char *path, GError **error)
{
  g_return_val_if_fail(path != NULL, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  g_autoptr(VtStore) store = g_new0(VtStore, 1);
  store->opened = g_ptr_array_new_with_free_func(g_free);
  store->lost = g_ptr_array_new_with_free_func(g_free);
  /* NOMUTEX: the connection never leaves the main thread, so SQLite's
   * per-call locking would be pure overhead. */
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path, &store->db, flags, NULL);
  if (rc != SQLITE_OK) {
    if (store->db == NULL)
      g_set_error(error, VT_STORE_ERROR, VT_STORE_ERROR_FAILED, "%s: %s", path, sqlite3_errstr(rc));
    else
      set_sqlite_error(store->db, rc, path, error);
    return NULL;
  }
  if (!configure(store->db, error) || !migrate(store->db, error) || !prepare_all(store, error))
    return NULL;
  return g_steal_pointer(&store);
}

void vt_store_free(VtStore *store)
{
  if (store == NULL)
    return;
  g_autoptr(GError) error = NULL;
  if (!vt_store_commit(store, &error))
    g_warning("store: %s", error->message);
  for (guint i = 0; i < N_STMTS; i++)
    sqlite3_finalize(store->stmts[i]);
  /* The last connection to close checkpoints the WAL and removes it. */
  if (sqlite3_close(store->db) != SQLITE_OK)
    g_warning("store: close: %s", sqlite3_errmsg(store->db));
  g_clear_pointer(&store->opened, g_ptr_array_unref);
  g_clear_pointer(&store->lost, g_ptr_array_unref);
  g_free(store);
}

void vt_store_set_batching(VtStore *store, gboolean on)
{
  g_autoptr(GError) error = NULL;
  if (!on && !vt_store_commit(store, &error))
    g_warning("store: %s", error->message);
  store->batching = on;
}

gboolean vt_store_pending(VtStore *store)
{
  return store->in_batch || store->batch_lost;
}

static gboolean rolled_back(VtStore *store)
{
  for (guint i = 0; i < store->opened->len; i++)
    g_ptr_array_add(store->lost, g_strdup(g_ptr_array_index(store->opened, i)));
  g_ptr_array_set_size(store->opened, 0);
  return FALSE;
}

static gboolean commit_batch(VtStore *store, GError **error)
{
  store->unbatched = FALSE;
  if (!store->in_batch)
    return TRUE;
  store->in_batch = FALSE;
  /* After a full disk, an I/O error or no memory, SQLite has already rolled
   * the whole transaction back, whatever the statements since reported. */
  if (sqlite3_get_autocommit(store->db)) {
    g_set_error(error, VT_STORE_ERROR, VT_STORE_ERROR_FAILED,
                "commit: SQLite rolled the batch back after an earlier error");
    return rolled_back(store);
  }
  int rc = sqlite3_exec(store->db, "COMMIT", NULL, NULL, NULL);
  if (rc == SQLITE_OK) {
    g_ptr_array_set_size(store->opened, 0);
    return TRUE;
  }
  set_sqlite_error(store->db, rc, "commit", error);
  if (!sqlite3_get_autocommit(store->db))
    sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
  return rolled_back(store);
}

GPtrArray *vt_store_take_lost_rooms(VtStore *store)
{
  GPtrArray *lost = store->lost;
  store->lost = g_ptr_array_new_with_free_func(g_free);
  return lost;
}

gboolean vt_store_commit(VtStore *store, GError **error)
{
  if (store->batch_lost) {
    store->batch_lost = FALSE;
    commit_batch(store, NULL);
    g_set_error(error, VT_STORE_ERROR, VT_STORE_ERROR_FAILED,
                "commit: part of the batch was rolled back by a failed commit");
    return FALSE;
  }
  return commit_batch(store, error);
}

/* A room's end is committed at once, batch and all, so that an ended room
 * stays ended. A failure here is the caller's to report, and the next
 * vt_store_commit() reports the batch as lost. (Opening one is not: in a
 * burst of joins that was a commit per room, and cost a quarter more time;
 * a room whose opening is rolled back is in vt_store_take_lost_rooms().) */
static gboolean commit_now(VtStore *store, GError **error)
{
  if (!store->batching || commit_batch(store, error))
    return TRUE;
  store->batch_lost = TRUE;
  return FALSE;
}

gboolean vt_store_ping(VtStore *store)
{
  g_return_val_if_fail(store != NULL, FALSE);
  sqlite3_stmt *stmt = stmt_for(store, STMT_PING);
  gboolean ok = sqlite3_step(stmt) == SQLITE_ROW;
  release(stmt);
  return ok;
}

/* ---- chat ------------------------------------------------------------- */

static VtChatMessage *chat_from_row(sqlite3_stmt *stmt)
{
  VtChatMessage *msg = g_new0(VtChatMessage, 1);
  msg->id = sqlite3_column_int64(stmt, 0);
  msg->ts_ms = sqlite3_column_int64(stmt, 1);
  msg->store = column_dup(stmt, 2);
  msg->room = column_dup(stmt, 3);
  msg->sender = column_dup(stmt, 4);
  msg->sender_name = column_dup(stmt, 5);
  msg->sender_role = column_dup(stmt, 6);
  msg->client_id = column_dup(stmt, 7);
  msg->text = column_dup(stmt, 8);
  return msg;
}

/* The row that made the insert a no-op. Only reached on a resend, so the
 * common path stays at one statement. */
static VtChatMessage *chat_find(VtStore *store, const char *room, const char *sender,
                                const char *client_id, GError **error)
{
  sqlite3_stmt *stmt = stmt_for(store, STMT_CHAT_FIND);
  const char *const keys[] = {room, sender, client_id};
  VtChatMessage *msg = NULL;
  int rc = bind_texts(stmt, 1, keys, G_N_ELEMENTS(keys));
  if (rc == SQLITE_OK)
    rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW)
    msg = chat_from_row(stmt);
  else if (rc == SQLITE_DONE)
    g_set_error(error, VT_STORE_ERROR, VT_STORE_ERROR_FAILED,
                "chat append: conflicting message vanished");
  else
    set_sqlite_error(store->db, rc, "chat append", error);
  release(stmt);
  return msg;
}

VtChatMessage *vt_store_chat_append(VtStore *store, const char *store_id, const char *room,
                                    const char *sender, const char *sender_name,
                                    const char *sender_role, const char *client_id,
                                    const char *text, gint64 now_ms, gboolean *duplicate,
                                    GError **error)
{
  g_return_val_if_fail(store != NULL && store_id != NULL && room != NULL, NULL);
  g_return_val_if_fail(sender != NULL && text != NULL, NULL);

  sqlite3_stmt *stmt = stmt_for_write(store, STMT_CHAT_INSERT);
  const char *const values[] = {store_id, room, sender, sender_name, sender_role, client_id, text};
  int rc = sqlite3_bind_int64(stmt, 1, now_ms);
  if (rc == SQLITE_OK)
    rc = bind_texts(stmt, 2, values, G_N_ELEMENTS(values));
  /* ON CONFLICT DO NOTHING leaves sqlite3_changes() at 0 for a resend. */
  gboolean inserted;
  if (G_UNLIKELY(!finish_write(store, stmt, rc, "chat append", &inserted, error)))
    return NULL;

  if (duplicate != NULL)
    *duplicate = !inserted;
  if (G_UNLIKELY(!inserted))
    return chat_find(store, room, sender, client_id, error);

  VtChatMessage *msg = g_new0(VtChatMessage, 1);
  msg->id = sqlite3_last_insert_rowid(store->db);
  msg->ts_ms = now_ms;
  msg->store = g_strdup(store_id);
  msg->room = g_strdup(room);
  msg->sender = g_strdup(sender);
  msg->sender_name = g_strdup(sender_name);
  msg->sender_role = g_strdup(sender_role);
  msg->client_id = g_strdup(client_id);
  msg->text = g_strdup(text);
  return msg;
}

/* Runs a chat query of (room, id bound, limit). */
static GPtrArray *chat_query(VtStore *store, StmtId which, const char *room, gint64 id, guint limit,
                             GError **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)vt_chat_message_free);
  sqlite3_stmt *stmt = stmt_for(store, which);
  int rc = sqlite3_bind_text(stmt, 1, room, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(stmt, 2, id);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(stmt, 3, limit == 0 ? -1 : (gint64)limit);
  if (rc == SQLITE_OK)
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
      g_ptr_array_add(out, chat_from_row(stmt));
  if (rc != SQLITE_DONE)
    set_sqlite_error(store->db, rc, "chat history", error);
  release(stmt);
  return rc == SQLITE_DONE ? g_steal_pointer(&out) : NULL;
}

GPtrArray *vt_store_chat_history(VtStore *store, const char *room, gint64 after_id, guint limit,
                                 GError **error)
{
  g_return_val_if_fail(store != NULL && room != NULL, NULL);
  return chat_query(store, STMT_CHAT_HISTORY, room, after_id, limit, error);
}

GPtrArray *vt_store_chat_before(VtStore *store, const char *room, gint64 before_id, guint limit,
                                GError **error)
{
  g_return_val_if_fail(store != NULL && room != NULL, NULL);
  return chat_query(store, STMT_CHAT_BEFORE, room, before_id, limit, error);
}

void vt_chat_message_free(VtChatMessage *msg)
{
  if (msg == NULL)
    return;
  g_free(msg->store);
  g_free(msg->room);
  g_free(msg->sender);
  g_free(msg->sender_name);
  g_free(msg->sender_role);
  g_free(msg->client_id);
  g_free(msg->text);
  g_free(msg);
}

/* ---- call log --------------------------------------------------------- */

const char *vt_call_event_kind_to_string(VtCallEventKind kind)
{
  if ((guint)kind >= G_N_ELEMENTS(kind_names))
    return NULL;
  return kind_names[kind];
}

static gboolean kind_from_string(const char *text, VtCallEventKind *kind)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS(kind_names); i++) {
    if (g_str_equal(text, kind_names[i])) {
      *kind = (VtCallEventKind)i;
      return TRUE;
    }
  }
  return FALSE;
}

gboolean vt_store_log(VtStore *store, const VtCallEvent *event, GError **error)
{
  g_return_val_if_fail(store != NULL && event != NULL && event->store != NULL, FALSE);
  const char *kind = vt_call_event_kind_to_string(event->kind);
  g_return_val_if_fail(kind != NULL, FALSE);

  sqlite3_stmt *stmt = stmt_for_write(store, STMT_LOG_INSERT);
  const char *const values[] = {kind,        event->store, event->room,  event->participant,
                                event->name, event->role,  event->topic, event->reason};
  int rc = sqlite3_bind_int64(stmt, 1, event->ts_ms);
  if (rc == SQLITE_OK)
    rc = bind_texts(stmt, 2, values, G_N_ELEMENTS(values));
  /* -1 means "does not apply"; store NULL so reports cannot average it in. */
  if (rc == SQLITE_OK)
    rc = event->wait_ms < 0 ? sqlite3_bind_null(stmt, 10)
                            : sqlite3_bind_int64(stmt, 10, event->wait_ms);
  return finish_write(store, stmt, rc, "call log", NULL, error);
}

/* A call log row, or NULL for a kind this build does not know (a row written
 * by a newer version), which the caller skips rather than failing the report. */
static VtCallEvent *event_from_row(sqlite3_stmt *stmt)
{
  VtCallEventKind kind;
  if (!kind_from_string((const char *)sqlite3_column_text(stmt, 2), &kind))
    return NULL;
  VtCallEvent *event = g_new0(VtCallEvent, 1);
  event->id = sqlite3_column_int64(stmt, 0);
  event->ts_ms = sqlite3_column_int64(stmt, 1);
  event->kind = kind;
  event->store = column_dup(stmt, 3);
  event->room = column_dup(stmt, 4);
  event->participant = column_dup(stmt, 5);
  event->name = column_dup(stmt, 6);
  event->role = column_dup(stmt, 7);
  event->topic = column_dup(stmt, 8);
  event->reason = column_dup(stmt, 9);
  event->wait_ms =
      sqlite3_column_type(stmt, 10) == SQLITE_NULL ? -1 : sqlite3_column_int64(stmt, 10);
  return event;
}

GPtrArray *vt_store_call_log(VtStore *store, const char *store_id, gint64 since_ms, GError **error)
{
  g_return_val_if_fail(store != NULL && store_id != NULL, NULL);

  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)vt_call_event_free);
  sqlite3_stmt *stmt = stmt_for(store, STMT_LOG_SELECT);
  int rc = sqlite3_bind_text(stmt, 1, store_id, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(stmt, 2, since_ms);
  while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    VtCallEvent *event = event_from_row(stmt);
    if (event != NULL)
      g_ptr_array_add(out, event);
    else
      g_debug("store: skipping call log row %" G_GINT64_FORMAT " of unknown kind",
              (gint64)sqlite3_column_int64(stmt, 0));
    rc = SQLITE_OK;
  }
  if (rc != SQLITE_DONE)
    set_sqlite_error(store->db, rc, "call log", error);
  release(stmt);
  return rc == SQLITE_DONE ? g_steal_pointer(&out) : NULL;
}

void vt_call_event_free(VtCallEvent *event)
{
  if (event == NULL)
    return;
  g_free(event->store);
  g_free(event->room);
  g_free(event->participant);
  g_free(event->name);
  g_free(event->role);
  g_free(event->topic);
  g_free(event->reason);
  g_free(event);
}

/* ---- rooms ------------------------------------------------------------ */

/* Looks a room up. Returns FALSE with error set on a database error; else
 * TRUE with *owner (transfer full) NULL for an unknown room. */
static gboolean room_get(VtStore *store, const char *room, char **owner, gboolean *ended,
                         GError **error)
{
  sqlite3_stmt *stmt = stmt_for(store, STMT_ROOM_GET);
  *owner = NULL;
  *ended = FALSE;
  int rc = sqlite3_bind_text(stmt, 1, room, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    *owner = column_dup(stmt, 0);
    *ended = sqlite3_column_type(stmt, 1) != SQLITE_NULL;
  } else if (rc != SQLITE_DONE) {
    set_sqlite_error(store->db, rc, "room lookup", error);
  }
  release(stmt);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* Opening a room that is already open for the same store is a no-op, so that
 * the server can re-register rooms it finds after a restart; an id taken by
 * another store or by an ended room is refused (EXISTS). */
gboolean vt_store_room_open(VtStore *store, const char *store_id, const char *room, gint64 now_ms,
                            GError **error)
{
  g_return_val_if_fail(store != NULL && store_id != NULL && room != NULL, FALSE);
  sqlite3_stmt *stmt = stmt_for_write(store, STMT_ROOM_INSERT);
  const char *const texts[] = {room, store_id};
  int rc = bind_texts(stmt, 1, texts, G_N_ELEMENTS(texts));
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(stmt, 3, now_ms);
  gboolean inserted;
  if (!finish_write(store, stmt, rc, "room open", &inserted, error))
    return FALSE;
  if (inserted && store->in_batch)
    g_ptr_array_add(store->opened, g_strdup(room));
  if (inserted)
    return TRUE;
  g_autofree char *owner = NULL;
  gboolean ended;
  if (!room_get(store, room, &owner, &ended, error))
    return FALSE;
  if (owner != NULL && g_str_equal(owner, store_id) && !ended)
    return TRUE;
  g_set_error(error, VT_STORE_ERROR, VT_STORE_ERROR_EXISTS, "room %s already exists", room);
  return FALSE;
}

/* Closing an ended room keeps its first end time and succeeds; closing an
 * unknown room fails with NOT_FOUND. */
gboolean vt_store_room_close(VtStore *store, const char *room, gint64 now_ms, GError **error)
{
  g_return_val_if_fail(store != NULL && room != NULL, FALSE);
  sqlite3_stmt *stmt = stmt_for_write(store, STMT_ROOM_CLOSE);
  int rc = sqlite3_bind_int64(stmt, 1, now_ms);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(stmt, 2, room, -1, SQLITE_STATIC);
  gboolean changed;
  if (!finish_write(store, stmt, rc, "room close", &changed, error))
    return FALSE;
  if (changed)
    return commit_now(store, error);

  g_autofree char *owner = NULL;
  gboolean ended;
  if (!room_get(store, room, &owner, &ended, error))
    return FALSE;
  if (owner != NULL)
    return TRUE;
  g_set_error(error, VT_STORE_ERROR, VT_STORE_ERROR_NOT_FOUND, "no room %s", room);
  return FALSE;
}

/* Adding a member twice is a no-op; a member of an unknown room is refused
 * by the foreign key (CONSTRAINT). */
gboolean vt_store_room_add_member(VtStore *store, const char *room, const char *sub, GError **error)
{
  g_return_val_if_fail(store != NULL && room != NULL && sub != NULL, FALSE);
  sqlite3_stmt *stmt = stmt_for_write(store, STMT_MEMBER_INSERT);
  const char *const texts[] = {room, sub};
  int rc = bind_texts(stmt, 1, texts, G_N_ELEMENTS(texts));
  return finish_write(store, stmt, rc, "room member", NULL, error);
}

gboolean vt_store_room_remove_member(VtStore *store, const char *room, const char *sub,
                                     GError **error)
{
  g_return_val_if_fail(store != NULL && room != NULL && sub != NULL, FALSE);
  sqlite3_stmt *stmt = stmt_for_write(store, STMT_MEMBER_DELETE);
  const char *const texts[] = {room, sub};
  int rc = bind_texts(stmt, 1, texts, G_N_ELEMENTS(texts));
  return finish_write(store, stmt, rc, "room member", NULL, error);
}

gboolean vt_store_room_add_removal(VtStore *store, const char *room, const char *participant,
                                   GError **error)
{
  g_return_val_if_fail(store != NULL && room != NULL && participant != NULL, FALSE);
  sqlite3_stmt *stmt = stmt_for_write(store, STMT_REMOVAL_INSERT);
  const char *const texts[] = {room, participant};
  int rc = bind_texts(stmt, 1, texts, G_N_ELEMENTS(texts));
  return finish_write(store, stmt, rc, "room removal", NULL, error);
}

gboolean vt_store_room_is_removed(VtStore *store, const char *room, const char *participant)
{
  g_return_val_if_fail(store != NULL && room != NULL && participant != NULL, FALSE);
  sqlite3_stmt *stmt = stmt_for(store, STMT_REMOVAL_GET);
  const char *const keys[] = {room, participant};
  int rc = bind_texts(stmt, 1, keys, G_N_ELEMENTS(keys));
  if (rc == SQLITE_OK)
    rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    g_warning("store: removal lookup: %s", sqlite3_errmsg(store->db));
  release(stmt);
  return rc == SQLITE_ROW;
}

char *vt_store_room_find_open(VtStore *store, const char *store_id, const char *sub)
{
  g_return_val_if_fail(store != NULL && store_id != NULL && sub != NULL, NULL);
  sqlite3_stmt *stmt = stmt_for(store, STMT_ROOM_FIND_OPEN);
  const char *const keys[] = {sub, store_id};
  char *room = NULL;
  int rc = bind_texts(stmt, 1, keys, G_N_ELEMENTS(keys));
  if (rc == SQLITE_OK)
    rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW)
    room = column_dup(stmt, 0);
  else if (rc != SQLITE_DONE)
    g_warning("store: find open room: %s", sqlite3_errmsg(store->db));
  release(stmt);
  return room;
}

GPtrArray *vt_store_rooms_open(VtStore *store)
{
  g_return_val_if_fail(store != NULL, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  sqlite3_stmt *stmt = stmt_for(store, STMT_ROOMS_OPEN);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    g_ptr_array_add(out, column_dup(stmt, 0));
    g_ptr_array_add(out, column_dup(stmt, 1));
  }
  if (rc != SQLITE_DONE)
    g_warning("store: open rooms: %s", sqlite3_errmsg(store->db));
  release(stmt);
  return out;
}

char *vt_store_room_owner(VtStore *store, const char *room)
{
  g_return_val_if_fail(store != NULL && room != NULL, NULL);
  g_autoptr(GError) error = NULL;
  char *owner = NULL;
  gboolean ended;
  if (!room_get(store, room, &owner, &ended, &error))
    g_warning("store: %s", error->message);
  return owner;
}

/* ---- invites ---------------------------------------------------------- */

gboolean vt_store_invite_add(VtStore *store, const char *participant, const char *store_id,
                             const char *created_by, gint64 created_ms, gint64 expires_ms,
                             GError **error)
{
  g_return_val_if_fail(store != NULL && participant != NULL && store_id != NULL, FALSE);
  g_return_val_if_fail(created_by != NULL, FALSE);
  sqlite3_stmt *stmt = stmt_for_write(store, STMT_INVITE_INSERT);
  const char *const texts[] = {participant, store_id, created_by};
  int rc = bind_texts(stmt, 1, texts, G_N_ELEMENTS(texts));
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(stmt, 4, created_ms);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(stmt, 5, expires_ms);
  return finish_write(store, stmt, rc, "invite", NULL, error);
}

VtInviteState vt_store_invite_state(VtStore *store, const char *participant)
{
  g_return_val_if_fail(store != NULL && participant != NULL, VT_INVITE_NONE);
  sqlite3_stmt *stmt = stmt_for(store, STMT_INVITE_GET);
  VtInviteState state = VT_INVITE_NONE;
  int rc = sqlite3_bind_text(stmt, 1, participant, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW)
    state = sqlite3_column_type(stmt, 0) == SQLITE_NULL ? VT_INVITE_OPEN : VT_INVITE_DONE;
  else if (rc != SQLITE_DONE)
    g_warning("store: invite lookup: %s", sqlite3_errmsg(store->db));
  release(stmt);
  return state;
}

gboolean vt_store_invite_done(VtStore *store, const char *participant, gint64 now_ms,
                              GError **error)
{
  g_return_val_if_fail(store != NULL && participant != NULL, FALSE);
  sqlite3_stmt *stmt = stmt_for_write(store, STMT_INVITE_DONE);
  int rc = sqlite3_bind_int64(stmt, 1, now_ms);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(stmt, 2, participant, -1, SQLITE_STATIC);
  return finish_write(store, stmt, rc, "invite done", NULL, error);
}
