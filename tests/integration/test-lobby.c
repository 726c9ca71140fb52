/* Integration: the lobby and rooms through the real server over loopback. */
#include <glib/gstdio.h>
#include <signal.h>

#include "support/vt-test.h"

static const char *str(JsonObject *o, const char *name)
{
  return json_object_get_string_member_with_default(o, name, "");
}

/* A customer waits in the lobby; staff of the same store see them and accept;
 * staff of another store see nothing; both end up in one room and chat. */
static void test_lobby_accept_chat(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  g_autofree char *staff_token = vt_test_token(server, "shop-a", "staff", "Ann", "ann", NULL);
  g_autofree char *other_token = vt_test_token(server, "shop-b", "staff", "Bob", "bob", NULL);
  g_autofree char *cust_token = vt_test_token(server, "shop-a", "customer", "Cid", "cid", NULL);

  VtTestClient *staff = vt_test_client_new(server, NULL);
  VtTestClient *other = vt_test_client_new(server, NULL);
  VtTestClient *customer = vt_test_client_new(server, NULL);
  JsonObject *hello = vt_test_client_wait(staff, "hello", 5000);
  g_assert_nonnull(hello);
  g_assert_cmpint(json_object_get_int_member(hello, "protocol"), ==, 1);
  json_object_unref(hello);

  json_object_unref(vt_test_client_join(staff, staff_token));
  json_object_unref(vt_test_client_join(other, other_token));
  JsonObject *lobby = vt_test_client_wait(staff, "lobby", 5000);
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(lobby, "customers")), ==,
                   0);
  json_object_unref(lobby);

  vt_test_client_sendf(customer,
                       "{\"type\":\"join\",\"token\":\"%s\",\"topic\":\"trade-in valuation\"}",
                       cust_token);
  JsonObject *joined = vt_test_client_wait(customer, "joined", 5000);
  g_assert_cmpstr(str(joined, "state"), ==, "lobby");
  JsonObject *me = json_object_get_object_member(joined, "participant");
  g_autofree char *cust_id = g_strdup(str(me, "id"));
  json_object_unref(joined);
  JsonObject *pos = vt_test_client_wait(customer, "lobby_position", 5000);
  g_assert_cmpint(json_object_get_int_member(pos, "position"), ==, 1);
  json_object_unref(pos);

  lobby = vt_test_client_wait(staff, "lobby", 5000);
  JsonArray *customers = json_object_get_array_member(lobby, "customers");
  g_assert_cmpuint(json_array_get_length(customers), ==, 1);
  JsonObject *entry = json_array_get_object_element(customers, 0);
  g_assert_cmpstr(str(entry, "id"), ==, cust_id);
  g_assert_cmpstr(str(entry, "name"), ==, "Cid");
  g_assert_cmpstr(str(entry, "topic"), ==, "trade-in valuation");
  json_object_unref(lobby);

  vt_test_client_sendf(staff, "{\"type\":\"accept\",\"participant\":\"%s\"}", cust_id);
  JsonObject *room = vt_test_client_wait(customer, "room", 5000);
  g_assert_nonnull(room);
  JsonObject *r = json_object_get_object_member(room, "room");
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(r, "participants")), ==,
                   2);
  json_object_unref(room);
  room = vt_test_client_wait(staff, "room", 5000);
  g_assert_nonnull(room);
  json_object_unref(room);

  vt_test_client_send(customer, "{\"type\":\"chat\",\"text\":\"hello 👋\",\"client_id\":\"c1\"}");
  JsonObject *chat = vt_test_client_wait(staff, "chat", 5000);
  g_assert_cmpstr(str(chat, "text"), ==, "hello 👋");
  g_assert_cmpstr(str(json_object_get_object_member(chat, "from"), "id"), ==, cust_id);
  json_object_unref(chat);
  chat = vt_test_client_wait(customer, "chat", 5000); /* its own, with the server id */
  g_assert_cmpint(json_object_get_int_member(chat, "id"), >, 0);
  json_object_unref(chat);
  vt_test_client_send(staff, "{\"type\":\"chat\",\"text\":\"hi\",\"client_id\":\"s1\"}");
  chat = vt_test_client_wait(customer, "chat", 5000);
  g_assert_cmpstr(str(chat, "text"), ==, "hi");
  json_object_unref(chat);

  /* The other store never heard of this customer. */
  JsonObject *leak = vt_test_client_wait(other, "lobby", 300);
  while (leak) {
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(leak, "customers")), ==,
                     0);
    json_object_unref(leak);
    leak = vt_test_client_wait(other, "lobby", 100);
  }
  vt_test_client_free(staff);
  vt_test_client_free(other);
  vt_test_client_free(customer);
  vt_test_server_free(server);
}

/* SIGTERM: every connected peer is told ("bye", close 1001) and the server
 * exits 0 with its database closed. */
static void test_clean_shutdown(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  g_autofree char *token = vt_test_token(server, "shop-a", "customer", "Cid", "cid", NULL);
  VtTestClient *customer = vt_test_client_new(server, NULL);
  json_object_unref(vt_test_client_join(customer, token));
  g_subprocess_send_signal(server->process, SIGTERM);
  JsonObject *bye = vt_test_client_wait(customer, "bye", 5000);
  g_assert_nonnull(bye);
  g_assert_cmpstr(str(bye, "reason"), ==, "shutdown");
  json_object_unref(bye);
  g_assert_true(vt_test_client_wait_closed(customer, 5000));
  g_assert_cmpuint(customer->close_code, ==, 1001);
  g_assert_cmpint(vt_test_server_stop(server), ==, 0);
  /* WAL checkpointed on close: no -wal file left with data in it. */
  g_autofree char *wal = g_build_filename(server->data_dir, "vitrine.db-wal", NULL);
  GStatBuf st;
  g_assert_true(g_stat(wal, &st) != 0 || st.st_size == 0);
  vt_test_client_free(customer);
  vt_test_server_free(server);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/lobby/accept-chat", test_lobby_accept_chat);
  g_test_add_func("/server/clean-shutdown", test_clean_shutdown);
  return g_test_run();
}
