/* Integration: chat history across reconnects and a server restart, through
 * the real server over loopback. */
#include "support/vt-test.h"

static JsonArray *history_of(JsonObject *msg)
{
  return json_object_get_array_member(msg, "messages");
}

static char *join_room(VtTestServer *server, VtTestClient **out, const char *role,
                       const char *name, gint64 last_chat_id)
{
  g_autofree char *token = vt_test_token(server, "shop", role, name, name, "fitting-1");
  VtTestClient *c = vt_test_client_new(server, NULL);
  if (last_chat_id >= 0)
    vt_test_client_sendf(c, "{\"type\":\"join\",\"token\":\"%s\",\"last_chat_id\":%" G_GINT64_FORMAT "}",
                         token, last_chat_id);
  else
    vt_test_client_sendf(c, "{\"type\":\"join\",\"token\":\"%s\"}", token);
  JsonObject *joined = vt_test_client_wait(c, "joined", 5000);
  g_assert_nonnull(joined);
  char *id = g_strdup(json_object_get_string_member(
      json_object_get_object_member(joined, "participant"), "id"));
  json_object_unref(joined);
  *out = c;
  return id;
}

/* Sends n messages and waits until the sender has seen each of its own come
 * back (the echo carries the server id); others' messages are skipped. */
static void send_chats(VtTestClient *c, const char *prefix, int n)
{
  for (int i = 0; i < n; i++)
    vt_test_client_sendf(c, "{\"type\":\"chat\",\"text\":\"%s %d\",\"client_id\":\"%s-%d\"}",
                         prefix, i, prefix, i);
  for (int i = 0; i < n;) {
    JsonObject *echo = vt_test_client_wait(c, "chat", 5000);
    g_assert_nonnull(echo);
    g_autofree char *want = g_strdup_printf("%s-%d", prefix, i);
    if (g_str_equal(json_object_get_string_member(echo, "client_id"), want))
      i++;
    json_object_unref(echo);
  }
}

/* Stops the server cleanly (exit 0) and starts a new one on the same data,
 * as an operator's restart would. */
static VtTestServer *restart(VtTestServer *server)
{
  server->keep_data = TRUE;
  g_autofree char *data_dir = g_strdup(server->data_dir);
  g_assert_cmpint(vt_test_server_stop(server), ==, 0);
  vt_test_server_free(server);
  return vt_test_server_start(data_dir, NULL);
}

/* Messages survive a restart: a participant who joins afterwards gets them
 * all, once each, in order; one who reconnects with last_chat_id gets only
 * what it missed, and a resend of a stored message is not stored twice. */
static void test_history_survives_restart(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  VtTestClient *ann, *cid;
  g_autofree char *ann_id = join_room(server, &ann, "staff", "ann", -1);
  g_autofree char *cid_id = join_room(server, &cid, "customer", "cid", -1);
  send_chats(ann, "ann", 5);
  send_chats(cid, "cid", 5);
  vt_test_client_free(ann);
  vt_test_client_free(cid);

  server = restart(server);

  VtTestClient *eve;
  g_autofree char *eve_id = join_room(server, &eve, "staff", "eve", -1);
  JsonObject *history = vt_test_client_wait(eve, "chat_history", 5000);
  g_assert_nonnull(history);
  JsonArray *msgs = history_of(history);
  g_assert_cmpuint(json_array_get_length(msgs), ==, 10);
  gint64 prev = 0;
  for (guint i = 0; i < 10; i++) {
    JsonObject *m = json_array_get_object_element(msgs, i);
    gint64 id = json_object_get_int_member(m, "id");
    g_assert_cmpint(id, >, prev);
    prev = id;
    g_autofree char *expect = g_strdup_printf("%s %u", i < 5 ? "ann" : "cid", i % 5);
    g_assert_cmpstr(json_object_get_string_member(m, "text"), ==, expect);
  }
  gint64 fifth = json_object_get_int_member(json_array_get_object_element(msgs, 4), "id");
  json_object_unref(history);

  /* Cid's phone resends its last message (it never saw the echo) and
   * reconnects having seen up to the fifth message. */
  VtTestClient *cid2;
  g_free(join_room(server, &cid2, "customer", "cid", fifth));
  history = vt_test_client_wait(cid2, "chat_history", 5000);
  g_assert_cmpuint(json_array_get_length(history_of(history)), ==, 5);
  json_object_unref(history);
  vt_test_client_send(cid2, "{\"type\":\"chat\",\"text\":\"cid 4\",\"client_id\":\"cid-4\"}");
  JsonObject *echo = vt_test_client_wait(cid2, "chat", 5000);
  g_assert_cmpint(json_object_get_int_member(echo, "id"), ==, prev);
  json_object_unref(echo);
  g_assert_null(vt_test_client_wait(eve, "chat", 500));

  vt_test_client_free(cid2);
  vt_test_client_free(eve);
  server->keep_data = FALSE;
  vt_test_server_free(server);
}

/* Every chat a client was shown is in the history after a restart. */
static void assert_stored(GHashTable *seen, JsonArray *history)
{
  g_autoptr(GHashTable) stored = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < json_array_get_length(history); i++) {
    JsonObject *m = json_array_get_object_element(history, i);
    g_hash_table_insert(stored,
                        g_strdup_printf("%" G_GINT64_FORMAT, json_object_get_int_member(m, "id")),
                        g_strdup(json_object_get_string_member(m, "client_id")));
  }
  GHashTableIter iter;
  gpointer id, client_id;
  g_hash_table_iter_init(&iter, seen);
  while (g_hash_table_iter_next(&iter, &id, &client_id))
    g_assert_cmpstr(g_hash_table_lookup(stored, id), ==, client_id);
}

/* Keeps the chats (id -> client_id) in c's queue; TRUE if one is ann's. */
static gboolean collect_chats(VtTestClient *c, GHashTable *seen, const char *client_id)
{
  gboolean found = FALSE;
  JsonObject *m;
  while ((m = vt_test_client_take(c, "chat", 0))) {
    const char *cid = json_object_get_string_member(m, "client_id");
    found |= g_str_equal(cid, client_id);
    g_hash_table_insert(seen,
                        g_strdup_printf("%" G_GINT64_FORMAT, json_object_get_int_member(m, "id")),
                        g_strdup(cid));
    json_object_unref(m);
  }
  return found;
}

/* The disk fills up mid-call (the server's files are capped with a file size
 * limit): the chat that could not be stored reaches nobody, the sockets that
 * would have heard of it are closed with 1011 store_failed, and after a
 * restart the history holds every message anyone was shown. The unconfirmed
 * message, resent with its client_id, is then stored once. */
static void test_store_failure_loses_nothing(void)
{
  VtTestServer *server = vt_test_server_start_limited(NULL, NULL, 256 * 1024);
  VtTestClient *ann, *cid;
  g_free(join_room(server, &ann, "staff", "ann", -1));
  g_free(join_room(server, &cid, "customer", "cid", -1));
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *filler = g_strnfill(3000, 'x');
  g_autofree char *lost = NULL;
  for (int i = 0; i < 200 && !lost; i++) {
    g_autofree char *client_id = g_strdup_printf("big-%d", i);
    vt_test_client_sendf(ann, "{\"type\":\"chat\",\"text\":\"%d %s\",\"client_id\":\"%s\"}", i,
                         filler, client_id);
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (!collect_chats(ann, seen, client_id) && !lost) {
      g_assert_cmpint(g_get_monotonic_time(), <, deadline);
      if (ann->closed)
        lost = g_strdup(client_id);
      else
        vt_test_run_for(5);
    }
  }
  g_assert_nonnull(lost); /* the disk did fill up */
  g_assert_cmpuint(ann->close_code, ==, 1011);
  g_assert_cmpstr(ann->close_reason, ==, "store_failed");
  g_assert_true(vt_test_client_wait_closed(cid, 5000));
  g_assert_cmpuint(cid->close_code, ==, 1011);
  g_assert_false(collect_chats(cid, seen, lost));
  g_assert_cmpuint(g_hash_table_size(seen), >, 0);
  g_test_message("%u chats stored before the disk filled up; %s was not", g_hash_table_size(seen),
                 lost);
  vt_test_client_free(ann);
  vt_test_client_free(cid);

  server = restart(server);

  VtTestClient *ann2;
  g_free(join_room(server, &ann2, "staff", "ann", -1));
  /* A long history comes as several chat_history messages. */
  g_autoptr(JsonArray) msgs = json_array_new();
  JsonObject *part;
  while (json_array_get_length(msgs) < g_hash_table_size(seen) &&
         (part = vt_test_client_wait(ann2, "chat_history", 5000))) {
    JsonArray *some = history_of(part);
    for (guint i = 0; i < json_array_get_length(some); i++)
      json_array_add_element(msgs, json_node_copy(json_array_get_element(some, i)));
    json_object_unref(part);
  }
  g_assert_null(vt_test_client_take(ann2, "chat_history", 200)); /* and nothing more stored */
  g_assert_cmpuint(json_array_get_length(msgs), ==, g_hash_table_size(seen));
  assert_stored(seen, msgs);
  gint64 last = json_object_get_int_member(
      json_array_get_object_element(msgs, json_array_get_length(msgs) - 1), "id");

  vt_test_client_sendf(ann2, "{\"type\":\"chat\",\"text\":\"resent\",\"client_id\":\"%s\"}", lost);
  JsonObject *echo = vt_test_client_wait(ann2, "chat", 5000);
  g_assert_nonnull(echo);
  g_assert_cmpstr(json_object_get_string_member(echo, "client_id"), ==, lost);
  g_assert_cmpint(json_object_get_int_member(echo, "id"), >, last);
  json_object_unref(echo);

  vt_test_client_free(ann2);
  server->keep_data = FALSE;
  vt_test_server_free(server);
}

/* A participant whose socket drops and who comes back in time keeps their
 * place: the others see away then back, and nobody sees two of them. */
static void test_reconnect_keeps_place(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  VtTestClient *ann, *cid;
  g_free(join_room(server, &ann, "staff", "ann", -1));
  g_autofree char *cid_id = join_room(server, &cid, "customer", "cid", -1);
  vt_test_client_free(cid);
  JsonObject *away = vt_test_client_wait(ann, "participant_away", 5000);
  g_assert_nonnull(away);
  json_object_unref(away);

  g_free(join_room(server, &cid, "customer", "cid", -1));
  JsonObject *back = vt_test_client_wait(ann, "participant_back", 5000);
  g_assert_nonnull(back);
  g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(back, "participant"), "id"),
                  ==, cid_id);
  json_object_unref(back);
  JsonObject *room = vt_test_client_wait(cid, "room", 5000);
  JsonArray *ps = json_object_get_array_member(json_object_get_object_member(room, "room"),
                                               "participants");
  g_assert_cmpuint(json_array_get_length(ps), ==, 2);
  json_object_unref(room);
  vt_test_client_free(ann);
  vt_test_client_free(cid);
  vt_test_server_free(server);
}

/* /healthz answers with the version, the database state and whether media
 * is on. */
static void test_healthz(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  guint status;
  g_autofree char *body = vt_test_http_get(server, "/healthz", &status);
  g_assert_cmpuint(status, ==, 200);
  g_assert_nonnull(strstr(body, "\"database\":true"));
  g_assert_nonnull(strstr(body, "\"version\":"));
  g_assert_nonnull(strstr(body, "\"media\":true"));
  g_autofree char *metrics = vt_test_http_get(server, "/metrics", &status);
  g_assert_cmpuint(status, ==, 200);
  g_assert_nonnull(strstr(metrics, "vitrine_connections 0"));
  vt_test_server_free(server);

  const char *off[] = {"--media=off", NULL};
  server = vt_test_server_start(NULL, off);
  g_autofree char *off_body = vt_test_http_get(server, "/healthz", &status);
  g_assert_nonnull(strstr(off_body, "\"media\":false"));
  vt_test_server_free(server);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/chat/history-survives-restart", test_history_survives_restart);
  g_test_add_func("/chat/reconnect-keeps-place", test_reconnect_keeps_place);
  g_test_add_func("/chat/store-failure-loses-nothing", test_store_failure_loses_nothing);
  g_test_add_func("/http/healthz", test_healthz);
  return g_test_run();
}
