/* Unit tests for store/store.c: chat history, the call log, rooms, migrations
 * and the connection settings, each against a real SQLite file in a fresh
 * temporary folder. Where the store's API cannot show a property (NULL
 * columns, the journal mode, the schema version) the test opens the file
 * with its own SQLite connection and looks. */
#include "store/store.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

typedef struct {
  char *dir;
  char *path;
  VtStore *store;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  f->dir = g_dir_make_tmp("vt-store-XXXXXX", &error);
  g_assert_no_error(error);
  f->path = g_build_filename(f->dir, "vitrine.db", NULL);
  f->store = vt_store_open(f->path, &error);
  g_assert_no_error(error);
  g_assert_nonnull(f->store);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
  g_clear_pointer(&f->store, vt_store_free);
  g_autoptr(GDir) dir = g_dir_open(f->dir, 0, NULL);
  const char *name;
  while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
    g_autofree char *file = g_build_filename(f->dir, name, NULL);
    g_assert_cmpint(g_remove(file), ==, 0);
  }
  g_assert_cmpint(g_rmdir(f->dir), ==, 0);
  g_free(f->path);
  g_free(f->dir);
}

/* Closes and reopens the store, as a server restart would. */
static void reopen(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_clear_pointer(&f->store, vt_store_free);
  f->store = vt_store_open(f->path, &error);
  g_assert_no_error(error);
  g_assert_nonnull(f->store);
}

/* Runs sql on a separate connection; returns column 0 of the first row as
 * text (transfer full), or NULL when there is no row. */
static char *raw_query(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  int rc = sqlite3_step(stmt);
  g_assert_true(rc == SQLITE_ROW || rc == SQLITE_DONE);
  char *value = rc == SQLITE_ROW ? g_strdup((const char *)sqlite3_column_text(stmt, 0)) : NULL;
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

static gint64 raw_int(const char *path, const char *sql)
{
  g_autofree char *text = raw_query(path, sql);
  gint64 value = 0;
  g_assert_nonnull(text);
  g_assert_true(g_ascii_string_to_signed(text, 10, G_MININT64, G_MAXINT64, &value, NULL));
  return value;
}

static VtChatMessage *append(VtStore *store, const char *room, const char *sender,
                             const char *client_id, const char *text, gint64 now_ms,
                             gboolean *duplicate)
{
  g_autoptr(GError) error = NULL;
  gboolean dup = -1;
  VtChatMessage *msg = vt_store_chat_append(store, "shop-1", room, sender, "Name of sender",
                                            "customer", client_id, text, now_ms, &dup, &error);
  g_assert_no_error(error);
  g_assert_nonnull(msg);
  g_assert_true(dup == TRUE || dup == FALSE);
  if (duplicate != NULL)
    *duplicate = dup;
  return msg;
}

static GPtrArray *history(VtStore *store, const char *room, gint64 after_id, guint limit)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *out = vt_store_chat_history(store, room, after_id, limit, &error);
  g_assert_no_error(error);
  g_assert_nonnull(out);
  return out;
}

/* Asserts that the history query returns exactly the ids expected, in order. */
static void assert_history(VtStore *store, const char *room, gint64 after_id, guint limit,
                           const gint64 *expected, guint n)
{
  g_autoptr(GPtrArray) got = history(store, room, after_id, limit);
  g_assert_cmpuint(got->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint(((VtChatMessage *)got->pdata[i])->id, ==, expected[i]);
}

/* ---- chat ------------------------------------------------------------- */

static void test_chat_append_history(Fixture *f, gconstpointer data)
{
  gboolean dup = TRUE;
  g_autoptr(VtChatMessage) a = append(f->store, "room-1", "alice", "c1", "hello", 1000, &dup);
  g_assert_false(dup);
  g_assert_cmpint(a->id, >, 0);
  g_assert_cmpint(a->ts_ms, ==, 1000);
  g_assert_cmpstr(a->store, ==, "shop-1");
  g_assert_cmpstr(a->room, ==, "room-1");
  g_assert_cmpstr(a->sender, ==, "alice");
  g_assert_cmpstr(a->client_id, ==, "c1");
  g_assert_cmpstr(a->text, ==, "hello");
  g_autoptr(VtChatMessage) b = append(f->store, "room-1", "bob", "c9", "hi", 1001, NULL);
  g_autoptr(VtChatMessage) c = append(f->store, "room-1", "alice", "c2", "bye", 1002, NULL);
  g_assert_cmpint(b->id, >, a->id);
  g_assert_cmpint(c->id, >, b->id);

  g_autoptr(GPtrArray) all = history(f->store, "room-1", 0, 0);
  g_assert_cmpuint(all->len, ==, 3);
  const VtChatMessage *first = all->pdata[0];
  g_assert_cmpint(first->id, ==, a->id);
  g_assert_cmpint(first->ts_ms, ==, 1000);
  g_assert_cmpstr(first->store, ==, "shop-1");
  g_assert_cmpstr(first->sender_name, ==, "Name of sender");
  g_assert_cmpstr(first->sender_role, ==, "customer");
  g_assert_cmpstr(first->client_id, ==, "c1");
  g_assert_cmpstr(first->text, ==, "hello");
  g_assert_cmpstr(((VtChatMessage *)all->pdata[1])->text, ==, "hi");
  g_assert_cmpstr(((VtChatMessage *)all->pdata[2])->text, ==, "bye");

  g_autoptr(GPtrArray) other = history(f->store, "room-2", 0, 0);
  g_assert_cmpuint(other->len, ==, 0);
}

static void test_chat_idempotent(Fixture *f, gconstpointer data)
{
  gboolean dup = TRUE;
  g_autoptr(VtChatMessage) a = append(f->store, "room-1", "alice", "c1", "hello", 1000, &dup);
  g_assert_false(dup);
  /* A resend after a reconnect: same key, later time. The stored row wins. */
  g_autoptr(VtChatMessage) b = append(f->store, "room-1", "alice", "c1", "hello", 5000, &dup);
  g_assert_true(dup);
  g_assert_cmpint(b->id, ==, a->id);
  g_assert_cmpint(b->ts_ms, ==, 1000);
  g_assert_cmpstr(b->text, ==, "hello");
  g_assert_cmpstr(b->sender_name, ==, "Name of sender");

  /* The next new message is not disturbed by the conflict. */
  g_autoptr(VtChatMessage) c = append(f->store, "room-1", "alice", "c2", "more", 6000, &dup);
  g_assert_false(dup);
  g_assert_cmpint(c->id, >, a->id);

  const gint64 ids[] = {a->id, c->id};
  assert_history(f->store, "room-1", 0, 0, ids, G_N_ELEMENTS(ids));
  g_assert_cmpint(raw_int(f->path, "SELECT count(*) FROM chat_messages"), ==, 2);
}

static void test_chat_client_id_scope(Fixture *f, gconstpointer data)
{
  gboolean dup = TRUE;
  g_autoptr(VtChatMessage) a = append(f->store, "room-1", "alice", "c1", "from alice", 1, &dup);
  g_assert_false(dup);
  g_autoptr(VtChatMessage) b = append(f->store, "room-1", "bob", "c1", "from bob", 2, &dup);
  g_assert_false(dup);
  g_assert_cmpint(b->id, !=, a->id);
  g_assert_cmpstr(b->text, ==, "from bob");
  g_autoptr(VtChatMessage) c = append(f->store, "room-2", "alice", "c1", "elsewhere", 3, &dup);
  g_assert_false(dup);
  g_assert_cmpint(c->id, !=, a->id);

  const gint64 ids[] = {a->id, b->id};
  assert_history(f->store, "room-1", 0, 0, ids, G_N_ELEMENTS(ids));
}

static void test_chat_null_client_id(Fixture *f, gconstpointer data)
{
  gboolean dup = TRUE;
  g_autoptr(VtChatMessage) a = append(f->store, "room-1", "alice", NULL, "same", 1, &dup);
  g_assert_false(dup);
  g_autoptr(VtChatMessage) b = append(f->store, "room-1", "alice", NULL, "same", 2, &dup);
  g_assert_false(dup);
  g_assert_cmpint(b->id, >, a->id);
  g_assert_null(b->client_id);

  g_autoptr(GPtrArray) all = history(f->store, "room-1", 0, 0);
  g_assert_cmpuint(all->len, ==, 2);
  g_assert_null(((VtChatMessage *)all->pdata[0])->client_id);
}

static void test_chat_after_limit(Fixture *f, gconstpointer data)
{
  gint64 ids[10];
  for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
    g_autofree char *cid = g_strdup_printf("c%u", i);
    g_autoptr(VtChatMessage) msg = append(f->store, "room-1", "alice", cid, "x", i, NULL);
    /* Another room's traffic in between must not leak into room-1. */
    g_autoptr(VtChatMessage) noise = append(f->store, "room-2", "alice", cid, "y", i, NULL);
    ids[i] = msg->id;
  }

  assert_history(f->store, "room-1", 0, 0, ids, 10);
  assert_history(f->store, "room-1", ids[3], 0, ids + 4, 6); /* after_id is exclusive */
  assert_history(f->store, "room-1", 0, 3, ids + 7, 3);      /* the newest 3, ascending */
  assert_history(f->store, "room-1", ids[3], 2, ids + 8, 2);
  assert_history(f->store, "room-1", ids[7], 5, ids + 8, 2); /* fewer than the limit */
  assert_history(f->store, "room-1", ids[9], 0, NULL, 0);
  assert_history(f->store, "room-1", 0, 100, ids, 10);

  /* Pages of older messages: before_id is exclusive, the newest of them
   * first kept, in ascending order, and never another room's. */
  struct {
    gint64 before;
    guint limit;
    guint from, n;
  } pages[] = {{ids[9], 3, 6, 3}, {ids[6], 0, 0, 6}, {ids[2], 5, 0, 2}, {ids[0], 5, 0, 0}};
  for (guint k = 0; k < G_N_ELEMENTS(pages); k++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) got =
        vt_store_chat_before(f->store, "room-1", pages[k].before, pages[k].limit, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(got->len, ==, pages[k].n);
    for (guint i = 0; i < got->len; i++)
      g_assert_cmpint(((VtChatMessage *)got->pdata[i])->id, ==, ids[pages[k].from + i]);
  }
}

static void test_chat_utf8(Fixture *f, gconstpointer data)
{
  /* Emoji (4-byte), a ZWJ sequence, a flag, a combining accent, CJK. */
  const char *text = "Sac \xf0\x9f\x91\x9c ok? \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb "
                     "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7 cafe\xcc\x81 \xe5\x95\x86\xe5\xba\x97";
  g_assert_true(g_utf8_validate(text, -1, NULL));
  g_autoptr(VtChatMessage) a = append(f->store, "room-1", "alice", "c1", text, 1, NULL);
  g_assert_cmpmem(a->text, strlen(a->text), text, strlen(text));

  reopen(f);
  g_autoptr(GPtrArray) all = history(f->store, "room-1", 0, 0);
  g_assert_cmpuint(all->len, ==, 1);
  const char *got = ((VtChatMessage *)all->pdata[0])->text;
  g_assert_cmpmem(got, strlen(got), text, strlen(text));
  /* Stored as text of the same byte length, not re-encoded. */
  g_assert_cmpint(raw_int(f->path, "SELECT length(CAST(text AS BLOB)) FROM chat_messages"), ==,
                  (gint64)strlen(text));
  g_autofree char *type = raw_query(f->path, "SELECT typeof(text) FROM chat_messages");
  g_assert_cmpstr(type, ==, "text");
}

/* ---- restart and schema ----------------------------------------------- */

static void test_restart(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VtChatMessage) a = append(f->store, "room-1", "alice", "c1", "before", 1, NULL);
  g_autoptr(VtChatMessage) b = append(f->store, "room-1", "bob", "c1", "restart", 2, NULL);
  VtCallEvent event = {
      .ts_ms = 10, .kind = VT_CALL_ROOM_START, .store = "shop-1", .room = "room-1", .wait_ms = -1};
  g_assert_true(vt_store_log(f->store, &event, &error));
  g_assert_true(vt_store_room_open(f->store, "shop-1", "room-1", 10, &error));
  g_assert_true(vt_store_room_add_member(f->store, "room-1", "alice", &error));
  g_assert_no_error(error);

  reopen(f);
  const gint64 ids[] = {a->id, b->id};
  assert_history(f->store, "room-1", 0, 0, ids, G_N_ELEMENTS(ids));
  gboolean dup = FALSE;
  g_autoptr(VtChatMessage) again = append(f->store, "room-1", "alice", "c1", "before", 3, &dup);
  g_assert_true(dup);
  g_assert_cmpint(again->id, ==, a->id);
  g_autoptr(VtChatMessage) c = append(f->store, "room-1", "alice", "c2", "after", 4, &dup);
  g_assert_false(dup);
  g_assert_cmpint(c->id, >, b->id);

  g_autoptr(GPtrArray) log = vt_store_call_log(f->store, "shop-1", 0, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(log->len, ==, 1);
  g_autofree char *room = vt_store_room_find_open(f->store, "shop-1", "alice");
  g_assert_cmpstr(room, ==, "room-1");
}

static void test_reopen_no_remigration(Fixture *f, gconstpointer data)
{
  gint64 version = raw_int(f->path, "PRAGMA user_version");
  g_assert_cmpint(version, >=, 1);
  gint64 objects = raw_int(f->path, "SELECT count(*) FROM sqlite_schema");
  g_autoptr(VtChatMessage) a = append(f->store, "room-1", "alice", "c1", "kept", 1, NULL);

  /* The migrations use plain CREATE TABLE: had one run again, open would
   * fail with "table already exists". */
  reopen(f);
  reopen(f);
  g_assert_cmpint(raw_int(f->path, "PRAGMA user_version"), ==, version);
  g_assert_cmpint(raw_int(f->path, "SELECT count(*) FROM sqlite_schema"), ==, objects);
  g_assert_cmpint(raw_int(f->path, "SELECT count(*) FROM chat_messages"), ==, 1);
}

static void test_newer_schema_refused(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 version = raw_int(f->path, "PRAGMA user_version");
  g_clear_pointer(&f->store, vt_store_free);

  g_autofree char *bump = g_strdup_printf("PRAGMA user_version = %" G_GINT64_FORMAT, version + 1);
  g_free(raw_query(f->path, bump));
  VtStore *store = vt_store_open(f->path, &error);
  g_assert_null(store);
  g_assert_error(error, VT_STORE_ERROR, VT_STORE_ERROR_SCHEMA);

  g_autofree char *back = g_strdup_printf("PRAGMA user_version = %" G_GINT64_FORMAT, version);
  g_free(raw_query(f->path, back));
  reopen(f);
}

static void test_wal(Fixture *f, gconstpointer data)
{
  /* journal_mode=WAL is stored in the file, so another connection sees it. */
  g_autofree char *mode = raw_query(f->path, "PRAGMA journal_mode");
  g_assert_cmpstr(mode, ==, "wal");
  g_autoptr(VtChatMessage) a = append(f->store, "room-1", "alice", "c1", "x", 1, NULL);
  g_autofree char *wal = g_strconcat(f->path, "-wal", NULL);
  g_assert_true(g_file_test(wal, G_FILE_TEST_EXISTS));
}

static void test_ping(Fixture *f, gconstpointer data)
{
  g_assert_true(vt_store_ping(f->store));
  g_assert_true(vt_store_ping(f->store));
}

static void test_open_error(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  /* The caller creates the folder; the store does not. */
  g_autofree char *path = g_build_filename(f->dir, "missing", "vitrine.db", NULL);
  VtStore *store = vt_store_open(path, &error);
  g_assert_null(store);
  g_assert_error(error, VT_STORE_ERROR, VT_STORE_ERROR_FAILED);
  g_assert_nonnull(strstr(error->message, "unable to open"));
}

/* ---- call log --------------------------------------------------------- */

static void log_event(VtStore *store, const VtCallEvent *event)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(vt_store_log(store, event, &error));
  g_assert_no_error(error);
}

/* Logs four events, out of time order on purpose: three of shop-1 at 1000,
 * 2000 and 3000 ms and one of shop-2 at 1500 ms. */
static void log_sample_events(VtStore *store)
{
  VtCallEvent enter = {.ts_ms = 1000,
                       .kind = VT_CALL_LOBBY_ENTER,
                       .store = "shop-1",
                       .participant = "cust-1",
                       .name = "Ann",
                       .role = "customer",
                       .topic = "phone screen",
                       .wait_ms = -1};
  VtCallEvent accept = {.ts_ms = 2000,
                        .kind = VT_CALL_LOBBY_ACCEPT,
                        .store = "shop-1",
                        .room = "room-1",
                        .participant = "cust-1",
                        .wait_ms = 1000};
  VtCallEvent other = {
      .ts_ms = 1500, .kind = VT_CALL_LOBBY_ENTER, .store = "shop-2", .wait_ms = -1};
  VtCallEvent end = {.ts_ms = 3000,
                     .kind = VT_CALL_ROOM_END,
                     .store = "shop-1",
                     .room = "room-1",
                     .reason = "hangup",
                     .wait_ms = -1};
  log_event(store, &accept);
  log_event(store, &enter);
  log_event(store, &other);
  log_event(store, &end);
}

static void test_call_log_rows(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  log_sample_events(f->store);
  g_autoptr(GPtrArray) all = vt_store_call_log(f->store, "shop-1", 0, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(all->len, ==, 3);
  const VtCallEvent *e0 = all->pdata[0], *e1 = all->pdata[1], *e2 = all->pdata[2];
  g_assert_cmpint(e0->kind, ==, VT_CALL_LOBBY_ENTER);
  g_assert_cmpint(e0->id, >, 0);
  g_assert_cmpint(e0->ts_ms, ==, 1000);
  g_assert_cmpstr(e0->store, ==, "shop-1");
  g_assert_null(e0->room);
  g_assert_cmpstr(e0->participant, ==, "cust-1");
  g_assert_cmpstr(e0->name, ==, "Ann");
  g_assert_cmpstr(e0->role, ==, "customer");
  g_assert_cmpstr(e0->topic, ==, "phone screen");
  g_assert_null(e0->reason);
  g_assert_cmpint(e0->wait_ms, ==, -1);
  g_assert_cmpint(e1->kind, ==, VT_CALL_LOBBY_ACCEPT);
  g_assert_cmpint(e1->wait_ms, ==, 1000);
  g_assert_cmpstr(e1->room, ==, "room-1");
  g_assert_null(e1->name);
  g_assert_cmpint(e2->kind, ==, VT_CALL_ROOM_END);
  g_assert_cmpstr(e2->reason, ==, "hangup");
  g_assert_null(e2->participant);
}

static void test_call_log_since(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  log_sample_events(f->store);
  /* since_ms is inclusive. */
  g_autoptr(GPtrArray) later = vt_store_call_log(f->store, "shop-1", 2000, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(later->len, ==, 2);
  g_assert_cmpint(((VtCallEvent *)later->pdata[0])->kind, ==, VT_CALL_LOBBY_ACCEPT);
  g_assert_cmpint(((VtCallEvent *)later->pdata[1])->kind, ==, VT_CALL_ROOM_END);
  g_autoptr(GPtrArray) none = vt_store_call_log(f->store, "shop-3", 0, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(none->len, ==, 0);

  /* "Does not apply" is SQL NULL, not -1, so reports can average wait_ms. */
  g_assert_cmpint(raw_int(f->path, "SELECT count(*) FROM call_log WHERE wait_ms IS NULL"), ==, 3);
  g_assert_cmpint(raw_int(f->path, "SELECT count(*) FROM call_log WHERE room IS NULL"), ==, 2);
  g_autofree char *kind = raw_query(f->path, "SELECT kind FROM call_log WHERE wait_ms = 1000");
  g_assert_cmpstr(kind, ==, "lobby_accept");
}

static void test_call_log_unknown_kind(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  VtCallEvent join = {.ts_ms = 5, .kind = VT_CALL_ROOM_JOIN, .store = "shop-1", .wait_ms = -1};
  log_event(f->store, &join);
  /* A row a newer version might write; this build skips it. */
  g_free(raw_query(f->path, "INSERT INTO call_log (ts_ms, kind, store) "
                            "VALUES (6, 'room_teleport', 'shop-1')"));
  g_autoptr(GPtrArray) all = vt_store_call_log(f->store, "shop-1", 0, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(all->len, ==, 1);
  g_assert_cmpint(((VtCallEvent *)all->pdata[0])->kind, ==, VT_CALL_ROOM_JOIN);
}

static void test_kind_strings(void)
{
  g_assert_cmpstr(vt_call_event_kind_to_string(VT_CALL_LOBBY_ENTER), ==, "lobby_enter");
  g_assert_cmpstr(vt_call_event_kind_to_string(VT_CALL_LOBBY_LEAVE), ==, "lobby_leave");
  g_assert_cmpstr(vt_call_event_kind_to_string(VT_CALL_LOBBY_ACCEPT), ==, "lobby_accept");
  g_assert_cmpstr(vt_call_event_kind_to_string(VT_CALL_ROOM_START), ==, "room_start");
  g_assert_cmpstr(vt_call_event_kind_to_string(VT_CALL_ROOM_END), ==, "room_end");
  g_assert_cmpstr(vt_call_event_kind_to_string(VT_CALL_ROOM_JOIN), ==, "room_join");
  g_assert_cmpstr(vt_call_event_kind_to_string(VT_CALL_ROOM_LEAVE), ==, "room_leave");
  g_assert_null(vt_call_event_kind_to_string((VtCallEventKind)99));
}

/* ---- rooms ------------------------------------------------------------ */

static void room_open(VtStore *store, const char *store_id, const char *room, gint64 now_ms)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(vt_store_room_open(store, store_id, room, now_ms, &error));
  g_assert_no_error(error);
}

static void room_join(VtStore *store, const char *room, const char *sub)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(vt_store_room_add_member(store, room, sub, &error));
  g_assert_no_error(error);
}

static void room_close(VtStore *store, const char *room, gint64 now_ms)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(vt_store_room_close(store, room, now_ms, &error));
  g_assert_no_error(error);
}

static void assert_open_room(VtStore *store, const char *store_id, const char *sub,
                             const char *expected)
{
  g_autofree char *room = vt_store_room_find_open(store, store_id, sub);
  g_assert_cmpstr(room, ==, expected);
}

static void test_rooms(Fixture *f, gconstpointer data)
{
  g_autofree char *unknown = vt_store_room_owner(f->store, "room-1");
  g_assert_null(unknown);
  room_open(f->store, "shop-1", "room-1", 1000);
  room_join(f->store, "room-1", "alice");
  room_join(f->store, "room-1", "bob");
  g_autofree char *owner = vt_store_room_owner(f->store, "room-1");
  g_assert_cmpstr(owner, ==, "shop-1");
  assert_open_room(f->store, "shop-1", "alice", "room-1");
  assert_open_room(f->store, "shop-2", "alice", NULL); /* same sub, other store */
  assert_open_room(f->store, "shop-1", "carol", NULL);

  /* The most recently started open room wins. */
  room_open(f->store, "shop-1", "room-2", 2000);
  room_join(f->store, "room-2", "alice");
  room_join(f->store, "room-2", "alice"); /* joining twice is harmless */
  assert_open_room(f->store, "shop-1", "alice", "room-2");
  assert_open_room(f->store, "shop-1", "bob", "room-1");

  room_close(f->store, "room-2", 3000);
  room_close(f->store, "room-2", 4000); /* keeps the first end time */
  g_assert_cmpint(raw_int(f->path, "SELECT ended_ms FROM rooms WHERE id = 'room-2'"), ==, 3000);
  assert_open_room(f->store, "shop-1", "alice", "room-1");
  room_close(f->store, "room-1", 5000);
  assert_open_room(f->store, "shop-1", "alice", NULL);
  assert_open_room(f->store, "shop-1", "bob", NULL);
  g_autofree char *still = vt_store_room_owner(f->store, "room-1");
  g_assert_cmpstr(still, ==, "shop-1");

  /* Same start time: the room opened last wins. */
  room_open(f->store, "shop-1", "room-3", 6000);
  room_open(f->store, "shop-1", "room-4", 6000);
  room_join(f->store, "room-4", "dave");
  room_join(f->store, "room-3", "dave");
  assert_open_room(f->store, "shop-1", "dave", "room-4");
}

static void test_rooms_conflicts(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  room_open(f->store, "shop-1", "room-1", 1000);
  /* Re-registering an open room after a restart is a no-op. */
  room_open(f->store, "shop-1", "room-1", 9000);
  g_assert_cmpint(raw_int(f->path, "SELECT started_ms FROM rooms WHERE id = 'room-1'"), ==, 1000);

  g_assert_false(vt_store_room_open(f->store, "shop-2", "room-1", 1, &error));
  g_assert_error(error, VT_STORE_ERROR, VT_STORE_ERROR_EXISTS);
  g_clear_error(&error);
  room_close(f->store, "room-1", 2000);
  g_assert_false(vt_store_room_open(f->store, "shop-1", "room-1", 3000, &error));
  g_assert_error(error, VT_STORE_ERROR, VT_STORE_ERROR_EXISTS);
  g_clear_error(&error);

  /* foreign_keys=ON: no members of rooms that do not exist. */
  g_assert_false(vt_store_room_add_member(f->store, "nowhere", "alice", &error));
  g_assert_error(error, VT_STORE_ERROR, VT_STORE_ERROR_CONSTRAINT);
  g_assert_nonnull(strstr(error->message, "FOREIGN KEY"));
  g_clear_error(&error);
  g_assert_false(vt_store_room_close(f->store, "nowhere", 1, &error));
  g_assert_error(error, VT_STORE_ERROR, VT_STORE_ERROR_NOT_FOUND);
}

/* ---- batching ------------------------------------------------------------- */

static gint64 chat_rows(Fixture *f)
{
  return raw_int(f->path, "SELECT count(*) FROM chat_messages");
}

/* With batching on, the writes since the last commit are one transaction:
 * other connections see none of them until vt_store_commit(), then all. */
static void test_batch_commit(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  vt_store_set_batching(f->store, TRUE);
  /* Reads open no batch: they never wait for the write lock. */
  g_autoptr(GPtrArray) none = vt_store_chat_history(f->store, "room-1", 0, 0, &error);
  g_assert_cmpuint(none->len, ==, 0);
  g_assert_false(vt_store_pending(f->store));
  g_autoptr(VtChatMessage) a = append(f->store, "room-1", "alice", "c1", "one", 1000, NULL);
  g_autoptr(VtChatMessage) b = append(f->store, "room-1", "bob", "c1", "two", 1001, NULL);
  g_assert_true(vt_store_pending(f->store));
  g_assert_cmpint(chat_rows(f), ==, 0);
  /* The batch's own connection reads its writes, resends included. */
  gboolean duplicate = FALSE;
  g_autoptr(VtChatMessage) again =
      append(f->store, "room-1", "alice", "c1", "one", 1002, &duplicate);
  g_assert_true(duplicate);
  g_assert_cmpint(again->id, ==, a->id);

  g_assert_true(vt_store_commit(f->store, &error));
  g_assert_no_error(error);
  g_assert_false(vt_store_pending(f->store));
  g_assert_cmpint(chat_rows(f), ==, 2);
  g_assert_true(vt_store_commit(f->store, &error)); /* nothing open: nothing to do */
}

/* A statement refused inside a batch takes only itself back, not the rows
 * written before it. */
static void test_batch_refused_row(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  vt_store_set_batching(f->store, TRUE);
  g_autoptr(VtChatMessage) a = append(f->store, "room-1", "alice", "c1", "kept", 1000, NULL);
  g_assert_false(vt_store_room_add_member(f->store, "nowhere", "alice", &error));
  g_assert_error(error, VT_STORE_ERROR, VT_STORE_ERROR_CONSTRAINT);
  g_clear_error(&error);
  g_assert_true(vt_store_commit(f->store, &error));
  g_assert_cmpint(chat_rows(f), ==, 1);
}

/* Closing the store (the server stopping) commits what is pending; turning
 * batching off does too. */
static void test_batch_close_commits(Fixture *f, gconstpointer data)
{
  vt_store_set_batching(f->store, TRUE);
  g_autoptr(VtChatMessage) a = append(f->store, "room-1", "alice", "c1", "one", 1000, NULL);
  reopen(f);
  g_assert_cmpint(chat_rows(f), ==, 1);
  vt_store_set_batching(f->store, TRUE);
  g_autoptr(VtChatMessage) b = append(f->store, "room-1", "alice", "c2", "two", 1001, NULL);
  vt_store_set_batching(f->store, FALSE);
  g_assert_false(vt_store_pending(f->store));
  g_assert_cmpint(chat_rows(f), ==, 2);
}

/* A VFS over the default one whose writes fail with SQLITE_FULL on demand:
 * a full disk at the moment of a commit. */
typedef struct {
  sqlite3_file base;
  sqlite3_file *real;
} FaultyFile;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs faulty_vfs;
static gboolean disk_full;

#define REAL(f) (((FaultyFile *)(f))->real)
static int f_close(sqlite3_file *f)
{
  return REAL(f)->pMethods->xClose(REAL(f));
}
static int f_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 at)
{
  return REAL(f)->pMethods->xRead(REAL(f), buf, n, at);
}
static int f_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 at)
{
  return disk_full ? SQLITE_FULL : REAL(f)->pMethods->xWrite(REAL(f), buf, n, at);
}
static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
  return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int f_sync(sqlite3_file *f, int flags)
{
  return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int f_size(sqlite3_file *f, sqlite3_int64 *size)
{
  return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int f_lock(sqlite3_file *f, int l)
{
  return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int f_unlock(sqlite3_file *f, int l)
{
  return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int f_check(sqlite3_file *f, int *out)
{
  return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int f_control(sqlite3_file *f, int op, void *arg)
{
  return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int f_sector(sqlite3_file *f)
{
  return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int f_device(sqlite3_file *f)
{
  return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int f_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **out)
{
  return REAL(f)->pMethods->xShmMap(REAL(f), region, size, extend, out);
}
static int f_shm_lock(sqlite3_file *f, int at, int n, int flags)
{
  return REAL(f)->pMethods->xShmLock(REAL(f), at, n, flags);
}
static void f_shm_barrier(sqlite3_file *f)
{
  REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int f_shm_unmap(sqlite3_file *f, int del)
{
  return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

/* Version 2: no memory-mapped reads, so every write goes through f_write. */
static const sqlite3_io_methods faulty_io = {
    2,          f_close,       f_read,      f_write,   f_truncate, f_sync,   f_size,
    f_lock,     f_unlock,      f_check,     f_control, f_sector,   f_device, f_shm_map,
    f_shm_lock, f_shm_barrier, f_shm_unmap, NULL,      NULL};

static int f_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out)
{
  FaultyFile *p = (FaultyFile *)file;
  p->real = (sqlite3_file *)(p + 1);
  int rc = real_vfs->xOpen(real_vfs, name, p->real, flags, out);
  p->base.pMethods = rc == SQLITE_OK ? &faulty_io : NULL;
  return rc;
}

static void faulty_vfs_install(void)
{
  real_vfs = sqlite3_vfs_find(NULL);
  faulty_vfs = *real_vfs;
  faulty_vfs.zName = "vt-faulty";
  faulty_vfs.pNext = NULL;
  faulty_vfs.szOsFile = (int)sizeof(FaultyFile) + real_vfs->szOsFile;
  faulty_vfs.xOpen = f_open;
  g_assert_cmpint(sqlite3_vfs_register(&faulty_vfs, 1), ==, SQLITE_OK);
}

static void faulty_vfs_remove(void)
{
  g_assert_cmpint(sqlite3_vfs_unregister(&faulty_vfs), ==, SQLITE_OK);
}

/* A commit that fails loses the whole batch, says so, and leaves the store
 * working: nothing of the batch is half there, and the next batch commits. */
static void test_batch_failed_commit(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  faulty_vfs_install();
  reopen(f);
  vt_store_set_batching(f->store, TRUE);
  g_autoptr(VtChatMessage) a = append(f->store, "room-1", "alice", "c1", "lost", 1000, NULL);
  g_autoptr(VtChatMessage) b = append(f->store, "room-1", "bob", "c1", "lost too", 1001, NULL);
  disk_full = TRUE;
  g_assert_false(vt_store_commit(f->store, &error));
  disk_full = FALSE;
  g_assert_error(error, VT_STORE_ERROR, VT_STORE_ERROR_FAILED);
  g_assert_false(vt_store_pending(f->store));
  g_assert_cmpint(chat_rows(f), ==, 0);

  g_autoptr(VtChatMessage) c = append(f->store, "room-1", "alice", "c1", "stored", 1002, NULL);
  g_assert_true(vt_store_commit(f->store, NULL));
  g_autoptr(GPtrArray) history = vt_store_chat_history(f->store, "room-1", 0, 0, NULL);
  g_assert_cmpuint(history->len, ==, 1);
  g_assert_cmpstr(((VtChatMessage *)history->pdata[0])->text, ==, "stored");
  g_clear_pointer(&f->store, vt_store_free);
  faulty_vfs_remove();
}

/* A failed commit names the rooms it took back, for the server to forget;
 * closing a room commits at once, so that an ended room stays ended. */
static void test_batch_lost_rooms(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  faulty_vfs_install();
  reopen(f);
  vt_store_set_batching(f->store, TRUE);
  g_assert_true(vt_store_room_open(f->store, "shop-1", "room-1", 1000, &error));
  g_assert_true(vt_store_commit(f->store, &error));
  g_autoptr(GPtrArray) none = vt_store_take_lost_rooms(f->store);
  g_assert_cmpuint(none->len, ==, 0);

  g_assert_true(vt_store_room_open(f->store, "shop-1", "room-2", 1001, &error));
  g_autoptr(VtChatMessage) a = append(f->store, "room-2", "alice", "c1", "lost", 1001, NULL);
  disk_full = TRUE;
  g_assert_false(vt_store_commit(f->store, &error));
  disk_full = FALSE;
  g_clear_error(&error);
  g_autoptr(GPtrArray) lost = vt_store_take_lost_rooms(f->store);
  g_assert_cmpuint(lost->len, ==, 1);
  g_assert_cmpstr(g_ptr_array_index(lost, 0), ==, "room-2");
  g_autoptr(GPtrArray) again = vt_store_take_lost_rooms(f->store);
  g_assert_cmpuint(again->len, ==, 0);
  g_assert_cmpint(raw_int(f->path, "SELECT count(*) FROM rooms"), ==, 1);

  g_assert_true(vt_store_room_close(f->store, "room-1", 1002, &error));
  g_assert_cmpint(raw_int(f->path, "SELECT count(*) FROM rooms WHERE ended_ms IS NOT NULL"), ==,
                  1);
  g_clear_pointer(&f->store, vt_store_free);
  faulty_vfs_remove();
}

/* An invite is open until its visit is done; done keeps the first time,
 * survives a restart, and a second invite with the same key is refused. */
static void test_invites(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_assert_cmpint(vt_store_invite_state(f->store, "p1"), ==, VT_INVITE_NONE);
  g_assert_true(vt_store_invite_add(f->store, "p1", "shop-1", "pstaff", 1000, 901000, &error));
  g_assert_no_error(error);
  g_assert_cmpint(vt_store_invite_state(f->store, "p1"), ==, VT_INVITE_OPEN);
  g_assert_false(vt_store_invite_add(f->store, "p1", "shop-1", "pstaff", 1000, 901000, &error));
  g_assert_error(error, VT_STORE_ERROR, VT_STORE_ERROR_CONSTRAINT);
  g_clear_error(&error);
  g_assert_true(vt_store_invite_done(f->store, "p1", 5000, &error));
  g_assert_true(vt_store_invite_done(f->store, "p1", 6000, &error));
  g_assert_true(vt_store_invite_done(f->store, "nobody", 6000, &error));
  g_assert_no_error(error);
  reopen(f);
  g_assert_cmpint(vt_store_invite_state(f->store, "p1"), ==, VT_INVITE_DONE);
  g_assert_cmpint(raw_int(f->path, "SELECT done_ms FROM invites WHERE participant = 'p1'"), ==,
                  5000);
  g_assert_cmpint(raw_int(f->path, "SELECT count(*) FROM invites"), ==, 1);
}

/* A database made by the first schema gains the invites and removals
 * tables. */
static void test_migrate_from_1(Fixture *f, gconstpointer data)
{
  g_clear_pointer(&f->store, vt_store_free);
  g_free(raw_query(f->path, "DROP TABLE invites"));
  g_free(raw_query(f->path, "DROP TABLE room_removals"));
  g_free(raw_query(f->path, "PRAGMA user_version = 1"));
  reopen(f);
  g_assert_cmpint(raw_int(f->path, "PRAGMA user_version"), ==, 3);
  g_autoptr(GError) error = NULL;
  g_assert_true(vt_store_invite_add(f->store, "p1", "shop-1", "pstaff", 1, 2, &error));
  g_assert_no_error(error);
  g_assert_true(vt_store_room_add_removal(f->store, "room-1", "p1", &error));
  g_assert_no_error(error);
}

/* Removals are kept across a reopen, per room. */
static void test_removals(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_assert_false(vt_store_room_is_removed(f->store, "room-1", "p1"));
  g_assert_true(vt_store_room_add_removal(f->store, "room-1", "p1", &error));
  g_assert_true(vt_store_room_add_removal(f->store, "room-1", "p1", &error)); /* twice: no-op */
  g_assert_no_error(error);
  g_assert_true(vt_store_commit(f->store, &error));
  reopen(f);
  g_assert_true(vt_store_room_is_removed(f->store, "room-1", "p1"));
  g_assert_false(vt_store_room_is_removed(f->store, "room-2", "p1"));
  g_assert_false(vt_store_room_is_removed(f->store, "room-1", "p2"));
}

#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  ADD("/store/chat/append-history", test_chat_append_history);
  ADD("/store/chat/idempotent", test_chat_idempotent);
  ADD("/store/chat/client-id-scope", test_chat_client_id_scope);
  ADD("/store/chat/null-client-id", test_chat_null_client_id);
  ADD("/store/chat/after-limit", test_chat_after_limit);
  ADD("/store/chat/utf8", test_chat_utf8);
  ADD("/store/restart", test_restart);
  ADD("/store/schema/reopen-no-remigration", test_reopen_no_remigration);
  ADD("/store/schema/newer-refused", test_newer_schema_refused);
  ADD("/store/wal", test_wal);
  ADD("/store/ping", test_ping);
  ADD("/store/open-error", test_open_error);
  ADD("/store/call-log/rows", test_call_log_rows);
  ADD("/store/call-log/since", test_call_log_since);
  ADD("/store/call-log/unknown-kind", test_call_log_unknown_kind);
  g_test_add_func("/store/call-log/kind-strings", test_kind_strings);
  ADD("/store/rooms/lifecycle", test_rooms);
  ADD("/store/invites", test_invites);
  ADD("/store/removals", test_removals);
  ADD("/store/schema/migrate-from-1", test_migrate_from_1);
  ADD("/store/rooms/conflicts", test_rooms_conflicts);
  ADD("/store/batch/commit", test_batch_commit);
  ADD("/store/batch/refused-row", test_batch_refused_row);
  ADD("/store/batch/close-commits", test_batch_close_commits);
  ADD("/store/batch/failed-commit", test_batch_failed_commit);
  ADD("/store/batch/lost-rooms", test_batch_lost_rooms);
  return g_test_run();
}
