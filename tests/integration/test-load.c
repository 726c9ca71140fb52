/* Integration: 1,000 concurrent sockets in rooms of four each send 20 chat
 * messages; every message must reach every member of its room exactly once,
 * and all members must see the same order. Correctness under load, not
 * speed: bench/bench-signaling measures speed. */
#include "support/vt-test.h"

#define SOCKETS 1000
#define ROOM_SIZE 4
#define MESSAGES 20

typedef struct {
  VtTestClient **clients;
  guint n;
  VtTestServer *server;
  gboolean *join_sent;
} All;

static void send_join(All *all, guint i)
{
  VtTestClient *c = all->clients[i];
  if (c->error)
    g_error("socket %u: %s", i, c->error);
  g_autofree char *room = g_strdup_printf("room-%u", i / ROOM_SIZE);
  g_autofree char *name = g_strdup_printf("user-%u", i);
  g_autofree char *token = vt_test_token(all->server, "load", i % ROOM_SIZE ? "customer" : "staff",
                                         name, name, room);
  vt_test_client_sendf(c, "{\"type\":\"join\",\"token\":\"%s\"}", token);
  all->join_sent[i] = TRUE;
}

/* GLib's TLS client runs each handshake on a worker thread, so thousands at
 * once would starve each other on the client side: keep a window open. */
#define CONNECT_WINDOW 16

static gboolean join_when_ready(gpointer data)
{
  All *all = data;
  guint sent = 0, pending = 0;
  for (guint i = 0; i < all->n; i++) {
    if (!all->clients[i] && pending < CONNECT_WINDOW)
      all->clients[i] = vt_test_client_new_async(all->server, NULL);
    if (!all->clients[i])
      continue;
    if (!all->join_sent[i] && vt_test_client_ready(all->clients[i]))
      send_join(all, i);
    pending += !all->join_sent[i];
    sent += all->join_sent[i];
  }
  return sent == all->n;
}

/* Counts messages of a type already queued, without taking them. */
static guint queued(VtTestClient *c, const char *type)
{
  guint n = 0;
  for (GList *l = c->messages.head; l; l = l->next)
    n += g_str_equal(json_object_get_string_member_with_default(l->data, "type", ""), type);
  return n;
}

static gboolean all_have(All *all, const char *type, guint count)
{
  for (guint i = 0; i < all->n; i++)
    if (queued(all->clients[i], type) < count)
      return FALSE;
  return TRUE;
}

static gboolean all_joined(gpointer data)
{
  return all_have(data, "joined", 1);
}

static gboolean all_chats(gpointer data)
{
  return all_have(data, "chat", ROOM_SIZE * MESSAGES);
}

/* The ids of the chat messages a client received, in arrival order; checks
 * per sender that client ids arrive in the order they were sent. */
static GArray *chat_ids(VtTestClient *c)
{
  GArray *ids = g_array_new(FALSE, FALSE, sizeof(gint64));
  g_autoptr(GHashTable) next = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (GList *l = c->messages.head; l; l = l->next) {
    JsonObject *o = l->data;
    if (!g_str_equal(json_object_get_string_member(o, "type"), "chat"))
      continue;
    gint64 id = json_object_get_int_member(o, "id");
    g_array_append_val(ids, id);
    const char *from = json_object_get_string_member(json_object_get_object_member(o, "from"), "id");
    guint expected = GPOINTER_TO_UINT(g_hash_table_lookup(next, from));
    g_autofree char *want = g_strdup_printf("m%u", expected);
    g_assert_cmpstr(json_object_get_string_member(o, "client_id"), ==, want);
    g_hash_table_insert(next, g_strdup(from), GUINT_TO_POINTER(expected + 1));
  }
  g_assert_cmpuint(g_hash_table_size(next), ==, ROOM_SIZE);
  return ids;
}

static void check_room(All *all, guint first)
{
  g_autoptr(GArray) reference = chat_ids(all->clients[first]);
  g_assert_cmpuint(reference->len, ==, ROOM_SIZE * MESSAGES);
  for (guint i = 1; i < reference->len; i++)
    g_assert_cmpint(g_array_index(reference, gint64, i), >,
                    g_array_index(reference, gint64, i - 1));
  for (guint m = first + 1; m < first + ROOM_SIZE; m++) {
    g_autoptr(GArray) ids = chat_ids(all->clients[m]);
    g_assert_cmpuint(ids->len, ==, reference->len);
    g_assert_cmpmem(ids->data, ids->len * sizeof(gint64), reference->data,
                    reference->len * sizeof(gint64));
  }
}

static void test_thousand_sockets(void)
{
  const char *flags[] = {"--max-sockets-per-ip=5000", "--max-connections-per-ip=5000", NULL};
  VtTestServer *server = vt_test_server_start(NULL, flags);
  All all = {.clients = g_new0(VtTestClient *, SOCKETS), .n = SOCKETS};
  /* Each socket joins as soon as it is open, as a real client would (the
   * server closes sockets that wait too long). */
  all.server = server;
  all.join_sent = g_new0(gboolean, SOCKETS);
  g_assert_true(vt_test_run_until(join_when_ready, &all, 120000));
  g_assert_true(vt_test_run_until(all_joined, &all, 120000));
  /* Everyone is in before anyone talks, so each member sees every message. */
  vt_test_run_for(200);

  for (guint m = 0; m < MESSAGES; m++)
    for (guint i = 0; i < SOCKETS; i++)
      vt_test_client_sendf(all.clients[i],
                           "{\"type\":\"chat\",\"text\":\"message %u from %u\",\"client_id\":\"m%u\"}",
                           m, i, m);
  g_assert_true(vt_test_run_until(all_chats, &all, 300000));
  vt_test_run_for(300); /* anything extra would show up as a wrong count */
  for (guint first = 0; first < SOCKETS; first += ROOM_SIZE)
    check_room(&all, first);

  for (guint i = 0; i < SOCKETS; i++) {
    g_assert_false(all.clients[i]->closed);
    vt_test_client_free(all.clients[i]);
  }
  g_free(all.clients);
  g_free(all.join_sent);
  vt_test_server_free(server);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/load/thousand-sockets", test_thousand_sockets);
  return g_test_run();
}
