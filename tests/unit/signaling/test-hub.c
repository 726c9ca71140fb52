/* The hub's lobby and room state machines, driven without sockets: fake
 * transports record what each peer is sent, and time is passed in. */
#include <json-glib/json-glib.h>
#include <string.h>

#include "store/store.h"
#include "signaling/hub.h"
#include "signaling/token.h"

#define KEY "test-key-0123456789-0123456789-0123456789"

typedef struct {
  GQueue messages; /* JsonObject* */
  gboolean closed;
  guint16 close_code;
  VtPeer *peer;
} Fake;

typedef struct {
  VtStore *store;
  VtMetrics metrics;
  VtHub *hub;
  VtHubConfig config;
  gint64 now;
  GPtrArray *fakes;
} Fixture;

static void fake_send(gpointer data, GBytes *message)
{
  Fake *f = data;
  g_assert_false(f->closed);
  g_autoptr(JsonParser) parser = json_parser_new();
  gsize len;
  const char *text = g_bytes_get_data(message, &len);
  g_assert_true(json_parser_load_from_data(parser, text, (gssize)len, NULL));
  g_queue_push_tail(&f->messages, json_object_ref(json_node_get_object(json_parser_get_root(parser))));
}

static void fake_close(gpointer data, guint16 code, const char *reason)
{
  Fake *f = data;
  f->closed = TRUE;
  f->close_code = code;
}

static const VtTransport fake_transport = {fake_send, fake_close};

static void fake_free(Fake *f)
{
  g_queue_clear_full(&f->messages, (GDestroyNotify)json_object_unref);
  g_free(f);
}

static void setup(Fixture *fx, gconstpointer data)
{
  fx->store = vt_store_open(":memory:", NULL);
  g_assert_nonnull(fx->store);
  vt_metrics_init(&fx->metrics);
  fx->config = (VtHubConfig){.token_key = (const guint8 *)KEY, .token_key_len = strlen(KEY),
                             .max_messages_per_second = 50, .auth_timeout_ms = 5000,
                             .reconnect_grace_ms = 30000, .chat_history = 500};
  fx->now = 1700000000000;
  fx->hub = vt_hub_new(&fx->config, fx->store, &fx->metrics, fx->now);
  fx->fakes = g_ptr_array_new_with_free_func((GDestroyNotify)fake_free);
}

static void teardown(Fixture *fx, gconstpointer data)
{
  vt_hub_free(fx->hub);
  vt_metrics_clear(&fx->metrics);
  vt_store_free(fx->store);
  g_ptr_array_unref(fx->fakes);
}

static Fake *connect_peer(Fixture *fx)
{
  Fake *f = g_new0(Fake, 1);
  g_queue_init(&f->messages);
  f->peer = vt_hub_peer_open(fx->hub, &fake_transport, f, fx->now);
  g_ptr_array_add(fx->fakes, f);
  return f;
}

static void disconnect(Fixture *fx, Fake *f)
{
  vt_hub_peer_closed(fx->hub, f->peer, fx->now);
  f->peer = NULL;
  f->closed = TRUE;
}

static void send_text(Fixture *fx, Fake *f, const char *text)
{
  vt_hub_peer_receive(fx->hub, f->peer, text, strlen(text), fx->now);
}

static char *token(const char *store, const char *role, const char *name, const char *sub,
                   const char *room)
{
  VtToken claims = {.store = (char *)store, .name = (char *)name, .sub = (char *)sub,
                    .room = (char *)room, .exp = 1700000000 + 3600};
  g_assert_true(vt_role_from_string(role, &claims.role));
  return vt_token_mint(&claims, (const guint8 *)KEY, strlen(KEY));
}

/* Takes the next message of that type, dropping the ones before it. */
static JsonObject *take(Fake *f, const char *type)
{
  JsonObject *o;
  while ((o = g_queue_pop_head(&f->messages))) {
    if (g_str_equal(json_object_get_string_member(o, "type"), type))
      return o;
    json_object_unref(o);
  }
  return NULL;
}

static gboolean has(Fake *f, const char *type)
{
  for (GList *l = f->messages.head; l; l = l->next)
    if (g_str_equal(json_object_get_string_member(l->data, "type"), type))
      return TRUE;
  return FALSE;
}

/* Sends a join with a token for store, role, name (also the sub) and room. */
static void send_join(Fixture *fx, Fake *f, const char *store, const char *role,
                      const char *name, const char *room)
{
  g_autofree char *t = token(store, role, name, name, room);
  g_autofree char *msg = g_strdup_printf("{\"type\":\"join\",\"token\":\"%s\"}", t);
  send_text(fx, f, msg);
}

/* Joins and returns the participant id. */
static char *join(Fixture *fx, Fake *f, const char *store, const char *role, const char *name,
                  const char *room)
{
  send_join(fx, f, store, role, name, room);
  g_autoptr(JsonObject) joined = take(f, "joined");
  g_assert_nonnull(joined);
  JsonObject *p = json_object_get_object_member(joined, "participant");
  return g_strdup(json_object_get_string_member(p, "id"));
}

/* The newest lobby list staff were sent (dropping the older ones). */
static JsonObject *last_lobby(Fake *staff)
{
  JsonObject *last = NULL;
  JsonObject *o;
  while ((o = take(staff, "lobby"))) {
    if (last)
      json_object_unref(last);
    last = o;
  }
  g_assert_nonnull(last);
  return last;
}

static guint lobby_length(Fake *staff)
{
  g_autoptr(JsonObject) last = last_lobby(staff);
  return json_array_get_length(json_object_get_array_member(last, "customers"));
}

static gint64 last_position(Fake *customer)
{
  gint64 pos = -1;
  JsonObject *o;
  while ((o = take(customer, "lobby_position"))) {
    pos = json_object_get_int_member(o, "position");
    json_object_unref(o);
  }
  return pos;
}

/* A waiting customer whose socket drops (a phone changing networks, a
 * reload) gets their place in the line back if they return within the
 * reconnect grace; after it, or after leaving on purpose, they queue anew. */
static void test_lobby_place_kept(Fixture *fx, gconstpointer data)
{
  Fake *staff = connect_peer(fx);
  g_free(join(fx, staff, "a", "staff", "ann", NULL));
  Fake *c1 = connect_peer(fx), *c2 = connect_peer(fx);
  g_free(join(fx, c1, "a", "customer", "c1", NULL));
  fx->now += 1000;
  g_free(join(fx, c2, "a", "customer", "c2", NULL));
  disconnect(fx, c1);

  /* Staff see them in their place as reconnecting, and cannot accept them
   * until they are back. */
  g_autoptr(JsonObject) list = last_lobby(staff);
  JsonArray *customers = json_object_get_array_member(list, "customers");
  g_assert_cmpuint(json_array_get_length(customers), ==, 2);
  JsonObject *first = json_array_get_object_element(customers, 0);
  g_assert_cmpstr(json_object_get_string_member(first, "name"), ==, "c1");
  g_assert_false(json_object_get_boolean_member(first, "present"));
  g_assert_true(json_object_get_boolean_member(json_array_get_object_element(customers, 1),
                                               "present"));
  g_autofree char *accept = g_strdup_printf("{\"type\":\"accept\",\"participant\":\"%s\"}",
                                            json_object_get_string_member(first, "id"));
  send_text(fx, staff, accept);
  g_autoptr(JsonObject) refused = take(staff, "error");
  g_assert_cmpstr(json_object_get_string_member(refused, "code"), ==, "not_found");

  fx->now += 10000;
  Fake *back = connect_peer(fx);
  g_free(join(fx, back, "a", "customer", "c1", NULL));
  g_assert_cmpint(last_position(back), ==, 1);
  g_assert_cmpint(last_position(c2), ==, 2);
  g_autoptr(JsonObject) again_list = last_lobby(staff);
  first = json_array_get_object_element(json_object_get_array_member(again_list, "customers"), 0);
  g_assert_true(json_object_get_boolean_member(first, "present"));

  /* Past the grace: staff no longer see them, and they queue at the back. */
  disconnect(fx, back);
  g_assert_cmpuint(lobby_length(staff), ==, 2);
  fx->now += 31000;
  vt_hub_tick(fx->hub, fx->now);
  g_assert_cmpuint(lobby_length(staff), ==, 1);
  Fake *late = connect_peer(fx);
  g_free(join(fx, late, "a", "customer", "c1", NULL));
  g_assert_cmpint(last_position(late), ==, 2);

  /* Leaving on purpose gives the place up. */
  send_text(fx, late, "{\"type\":\"leave\"}");
  Fake *again = connect_peer(fx);
  g_free(join(fx, again, "a", "customer", "c1", NULL));
  g_assert_cmpint(last_position(again), ==, 2);
}

static void test_lobby_order(Fixture *fx, gconstpointer data)
{
  Fake *staff = connect_peer(fx), *other = connect_peer(fx);
  g_free(join(fx, staff, "a", "staff", "ann", NULL));
  g_free(join(fx, other, "b", "staff", "bob", NULL));
  Fake *c1 = connect_peer(fx), *c2 = connect_peer(fx), *c3 = connect_peer(fx);
  g_free(join(fx, c1, "a", "customer", "c1", NULL));
  g_free(join(fx, c2, "a", "customer", "c2", NULL));
  g_free(join(fx, c3, "a", "customer", "c3", NULL));
  g_assert_cmpint(last_position(c3), ==, 3);
  g_assert_cmpuint(lobby_length(staff), ==, 3);
  g_assert_cmpuint(lobby_length(other), ==, 0);

  /* Leaving takes effect at once, for everyone behind. A dropped socket
   * moves them up too; staff still see the one who dropped, as reconnecting
   * (lobby-place-kept). */
  disconnect(fx, c1);
  g_assert_cmpint(last_position(c2), ==, 1);
  g_assert_cmpint(last_position(c3), ==, 2);
  g_assert_cmpuint(lobby_length(staff), ==, 3);
  send_text(fx, c2, "{\"type\":\"leave\"}");
  g_assert_cmpint(last_position(c3), ==, 1);
  g_assert_cmpuint(lobby_length(staff), ==, 2);
  g_assert_false(has(other, "lobby"));
}

static void test_accept(Fixture *fx, gconstpointer data)
{
  Fake *staff = connect_peer(fx), *other = connect_peer(fx), *cust = connect_peer(fx);
  g_free(join(fx, staff, "a", "staff", "ann", NULL));
  g_free(join(fx, other, "b", "staff", "bob", NULL));
  g_autofree char *cid = join(fx, cust, "a", "customer", "cid", NULL);
  fx->now += 4000;

  /* Staff of another store cannot take this customer. */
  g_autofree char *accept = g_strdup_printf("{\"type\":\"accept\",\"participant\":\"%s\"}", cid);
  send_text(fx, other, accept);
  g_autoptr(JsonObject) err = take(other, "error");
  g_assert_cmpstr(json_object_get_string_member(err, "code"), ==, "not_found");

  send_text(fx, staff, accept);
  g_autoptr(JsonObject) room = take(cust, "room");
  g_assert_nonnull(room);
  JsonObject *r = json_object_get_object_member(room, "room");
  JsonArray *ps = json_object_get_array_member(r, "participants");
  g_assert_cmpuint(json_array_get_length(ps), ==, 2);
  g_assert_cmpuint(lobby_length(staff), ==, 0);

  /* The wait is in the call log. */
  g_autoptr(GPtrArray) log = vt_store_call_log(fx->store, "a", 0, NULL);
  gboolean found = FALSE;
  for (guint i = 0; i < log->len; i++) {
    VtCallEvent *e = g_ptr_array_index(log, i);
    if (e->kind == VT_CALL_LOBBY_ACCEPT) {
      g_assert_cmpint(e->wait_ms, ==, 4000);
      found = TRUE;
    }
  }
  g_assert_true(found);
}

/* Two peers in one room by token; returns their ids. */
static void pair(Fixture *fx, Fake **staff, Fake **cust, char **staff_id, char **cust_id)
{
  *staff = connect_peer(fx);
  *cust = connect_peer(fx);
  *staff_id = join(fx, *staff, "a", "staff", "ann", "r1");
  *cust_id = join(fx, *cust, "a", "customer", "cid", "r1");
}

static void test_reconnect_within_grace(Fixture *fx, gconstpointer data)
{
  Fake *staff, *cust;
  g_autofree char *sid = NULL, *cid = NULL;
  pair(fx, &staff, &cust, &sid, &cid);
  g_queue_clear_full(&staff->messages, (GDestroyNotify)json_object_unref);

  disconnect(fx, cust);
  g_autoptr(JsonObject) away = take(staff, "participant_away");
  g_assert_nonnull(away);
  fx->now += 29000;
  vt_hub_tick(fx->hub, fx->now);
  g_assert_false(has(staff, "participant_left"));

  Fake *again = connect_peer(fx);
  g_autofree char *cid2 = join(fx, again, "a", "customer", "cid", "r1");
  g_assert_cmpstr(cid2, ==, cid);
  g_autoptr(JsonObject) back = take(staff, "participant_back");
  g_assert_nonnull(back);
  g_autoptr(JsonObject) room = take(again, "room");
  JsonArray *ps = json_object_get_array_member(json_object_get_object_member(room, "room"),
                                               "participants");
  g_assert_cmpuint(json_array_get_length(ps), ==, 2); /* no ghost */
  fx->now += 60000;
  vt_hub_tick(fx->hub, fx->now);
  g_assert_false(has(staff, "participant_left"));
}

static void test_grace_expires(Fixture *fx, gconstpointer data)
{
  Fake *staff, *cust;
  g_autofree char *sid = NULL, *cid = NULL;
  pair(fx, &staff, &cust, &sid, &cid);
  disconnect(fx, cust);
  fx->now += 30000;
  vt_hub_tick(fx->hub, fx->now);
  g_autoptr(JsonObject) left = take(staff, "participant_left");
  g_assert_nonnull(left);
  g_assert_cmpstr(json_object_get_string_member(left, "reason"), ==, "timeout");
}

static void test_second_socket_replaces_first(Fixture *fx, gconstpointer data)
{
  Fake *staff, *cust;
  g_autofree char *sid = NULL, *cid = NULL;
  pair(fx, &staff, &cust, &sid, &cid);
  Fake *again = connect_peer(fx);
  g_free(join(fx, again, "a", "customer", "cid", "r1"));
  g_assert_true(cust->closed);
  g_assert_cmpuint(cust->close_code, ==, VT_CLOSE_REPLACED);
  disconnect(fx, cust); /* the old socket's close arrives late */
  g_assert_false(has(staff, "participant_away"));
  g_autoptr(JsonObject) room = take(again, "room");
  JsonArray *ps = json_object_get_array_member(json_object_get_object_member(room, "room"),
                                               "participants");
  g_assert_cmpuint(json_array_get_length(ps), ==, 2);
}

/* A customer whose token happens to carry a member of staff's sub (the
 * store's backend numbers both from 1) is someone else: the member of staff
 * keeps their socket and their place, and the customer joins beside them. */
static void test_identity_includes_role(Fixture *fx, gconstpointer data)
{
  Fake *staff = connect_peer(fx), *cust = connect_peer(fx);
  g_autofree char *sid = join(fx, staff, "a", "staff", "sam", "r1");
  g_autofree char *cid = join(fx, cust, "a", "customer", "sam", "r1");
  g_assert_cmpstr(sid, !=, cid);
  g_assert_false(staff->closed);
  g_autoptr(JsonObject) room = take(cust, "room");
  JsonArray *ps = json_object_get_array_member(json_object_get_object_member(room, "room"),
                                               "participants");
  g_assert_cmpuint(json_array_get_length(ps), ==, 2);
  for (guint i = 0; i < 2; i++) {
    JsonObject *p = json_array_get_object_element(ps, i);
    const char *id = json_object_get_string_member(p, "id");
    const char *role = json_object_get_string_member(p, "role");
    g_assert_cmpstr(role, ==, g_str_equal(id, sid) ? "staff" : "customer");
  }
}

static void test_end_call(Fixture *fx, gconstpointer data)
{
  Fake *staff, *cust;
  g_autofree char *sid = NULL, *cid = NULL;
  pair(fx, &staff, &cust, &sid, &cid);
  send_text(fx, cust, "{\"type\":\"end_call\",\"ref\":\"e\"}");
  g_autoptr(JsonObject) err = take(cust, "error");
  g_assert_cmpstr(json_object_get_string_member(err, "code"), ==, "forbidden");
  g_assert_cmpstr(json_object_get_string_member(err, "ref"), ==, "e");

  send_text(fx, staff, "{\"type\":\"end_call\"}");
  g_autoptr(JsonObject) ended = take(cust, "call_ended");
  g_assert_nonnull(ended);
  send_text(fx, cust, "{\"type\":\"chat\",\"text\":\"x\",\"client_id\":\"1\"}");
  g_autoptr(JsonObject) err2 = take(cust, "error");
  g_assert_cmpstr(json_object_get_string_member(err2, "code"), ==, "not_in_room");
}

static void test_remove(Fixture *fx, gconstpointer data)
{
  Fake *staff, *cust;
  g_autofree char *sid = NULL, *cid = NULL;
  pair(fx, &staff, &cust, &sid, &cid);
  g_autofree char *msg = g_strdup_printf("{\"type\":\"remove\",\"participant\":\"%s\"}", cid);
  send_text(fx, staff, msg);
  g_autoptr(JsonObject) removed = take(cust, "removed");
  g_assert_nonnull(removed);
  g_autoptr(JsonObject) left = take(staff, "participant_left");
  g_assert_cmpstr(json_object_get_string_member(left, "reason"), ==, "removed");

  /* The same token does not get them back in. */
  Fake *again = connect_peer(fx);
  send_join(fx, again, "a", "customer", "cid", "r1");
  g_autoptr(JsonObject) err = take(again, "error");
  g_assert_cmpstr(json_object_get_string_member(err, "code"), ==, "removed");
}

/* Camera off and mute are told to the room, so staff see "Camera off"
 * rather than a stalled picture, and a latecomer's roster has them. */
static void test_sending(Fixture *fx, gconstpointer data)
{
  Fake *staff, *cust;
  g_autofree char *sid = NULL, *cid = NULL;
  pair(fx, &staff, &cust, &sid, &cid);
  g_autoptr(JsonObject) first = take(cust, "room");
  JsonObject *p = json_array_get_object_element(
      json_object_get_array_member(json_object_get_object_member(first, "room"), "participants"),
      1);
  g_assert_false(json_object_has_member(p, "video")); /* not said yet */

  send_text(fx, cust, "{\"type\":\"sending\",\"audio\":true,\"video\":false}");
  g_autoptr(JsonObject) media = take(staff, "participant_media");
  g_assert_nonnull(media);
  JsonObject *who = json_object_get_object_member(media, "participant");
  g_assert_cmpstr(json_object_get_string_member(who, "id"), ==, cid);
  g_assert_true(json_object_get_boolean_member(who, "audio"));
  g_assert_false(json_object_get_boolean_member(who, "video"));

  /* The same state again is not news. */
  send_text(fx, cust, "{\"type\":\"sending\",\"audio\":true,\"video\":false}");
  g_assert_false(has(staff, "participant_media"));

  /* Staff who reload see it in the roster. */
  disconnect(fx, staff);
  Fake *again = connect_peer(fx);
  g_free(join(fx, again, "a", "staff", "ann", "r1"));
  g_autoptr(JsonObject) room = take(again, "room");
  JsonArray *ps =
      json_object_get_array_member(json_object_get_object_member(room, "room"), "participants");
  gboolean found = FALSE;
  for (guint i = 0; i < json_array_get_length(ps); i++) {
    JsonObject *o = json_array_get_object_element(ps, i);
    if (!g_str_equal(json_object_get_string_member(o, "id"), cid))
      continue;
    g_assert_false(json_object_get_boolean_member(o, "video"));
    found = TRUE;
  }
  g_assert_true(found);

  /* Outside a room there is nobody to tell. */
  Fake *waiting = connect_peer(fx);
  g_free(join(fx, waiting, "a", "customer", "w", NULL));
  send_text(fx, waiting, "{\"type\":\"sending\",\"audio\":true,\"video\":true}");
  g_autoptr(JsonObject) err = take(waiting, "error");
  g_assert_cmpstr(json_object_get_string_member(err, "code"), ==, "not_in_room");
}

static void test_chat_idempotent(Fixture *fx, gconstpointer data)
{
  Fake *staff, *cust;
  g_autofree char *sid = NULL, *cid = NULL;
  pair(fx, &staff, &cust, &sid, &cid);
  const char *chat = "{\"type\":\"chat\",\"text\":\"scratch on the lid\",\"client_id\":\"m1\"}";
  send_text(fx, cust, chat);
  g_autoptr(JsonObject) first = take(staff, "chat");
  g_autoptr(JsonObject) echo = take(cust, "chat");
  g_assert_cmpint(json_object_get_int_member(first, "id"), ==,
                  json_object_get_int_member(echo, "id"));
  send_text(fx, cust, chat);
  g_autoptr(JsonObject) again = take(cust, "chat");
  g_assert_cmpint(json_object_get_int_member(again, "id"), ==,
                  json_object_get_int_member(first, "id"));
  g_assert_false(has(staff, "chat"));
  g_autoptr(GPtrArray) history = vt_store_chat_history(fx->store, "r1", 0, 0, NULL);
  g_assert_cmpuint(history->len, ==, 1);
}

static void test_rate_limit(Fixture *fx, gconstpointer data)
{
  Fake *f = connect_peer(fx);
  for (int i = 0; i < 60; i++)
    send_text(fx, f, "{\"type\":\"ping\"}");
  guint pongs = 0, limited = 0;
  JsonObject *o;
  while ((o = g_queue_pop_head(&f->messages))) {
    const char *type = json_object_get_string_member(o, "type");
    pongs += g_str_equal(type, "pong");
    limited += g_str_equal(type, "error");
    json_object_unref(o);
  }
  g_assert_cmpuint(pongs, ==, 50);
  g_assert_cmpuint(limited, ==, 10);
  fx->now += 1000; /* a second later the budget is back */
  send_text(fx, f, "{\"type\":\"ping\"}");
  g_autoptr(JsonObject) pong = take(f, "pong");
  g_assert_nonnull(pong);
}

static void test_auth_timeout(Fixture *fx, gconstpointer data)
{
  Fake *slow = connect_peer(fx), *ok = connect_peer(fx);
  g_free(join(fx, ok, "a", "staff", "ann", NULL));
  fx->now += 4999;
  vt_hub_tick(fx->hub, fx->now);
  g_assert_false(slow->closed);
  fx->now += 1;
  vt_hub_tick(fx->hub, fx->now);
  g_assert_true(slow->closed);
  g_assert_cmpuint(slow->close_code, ==, 1008);
  g_assert_false(ok->closed);
}

static void test_bad_token_closes(Fixture *fx, gconstpointer data)
{
  Fake *f = connect_peer(fx);
  VtToken claims = {.store = "a", .role = VT_ROLE_STAFF, .name = "x", .sub = "x",
                    .exp = 1700000000 + 60};
  g_autofree char *t = vt_token_mint(&claims, (const guint8 *)"another-key-0123456789012345678901", 34);
  g_autofree char *msg = g_strdup_printf("{\"type\":\"join\",\"token\":\"%s\"}", t);
  send_text(fx, f, msg);
  g_autoptr(JsonObject) err = take(f, "error");
  g_assert_cmpstr(json_object_get_string_member(err, "code"), ==, "bad_signature");
  g_assert_true(f->closed);
  g_assert_cmpuint(f->close_code, ==, VT_CLOSE_AUTH_FAILED);
}

static void test_wrong_store_room(Fixture *fx, gconstpointer data)
{
  Fake *staff, *cust;
  g_autofree char *sid = NULL, *cid = NULL;
  pair(fx, &staff, &cust, &sid, &cid);
  g_queue_clear_full(&staff->messages, (GDestroyNotify)json_object_unref);
  Fake *intruder = connect_peer(fx);
  send_join(fx, intruder, "b", "staff", "eve", "r1");
  g_autoptr(JsonObject) err = take(intruder, "error");
  g_assert_cmpstr(json_object_get_string_member(err, "code"), ==, "wrong_store");
  g_assert_false(has(staff, "participant_joined"));
}

/* A customer accepted from the lobby who leaves goes back to the lobby next
 * time, not into the call they left. */
static void test_leave_sticks(Fixture *fx, gconstpointer data)
{
  Fake *staff = connect_peer(fx), *cust = connect_peer(fx);
  g_free(join(fx, staff, "a", "staff", "ann", NULL));
  g_autofree char *cid = join(fx, cust, "a", "customer", "cid", NULL);
  g_autofree char *accept = g_strdup_printf("{\"type\":\"accept\",\"participant\":\"%s\"}", cid);
  send_text(fx, staff, accept);
  g_autoptr(JsonObject) room = take(cust, "room");
  g_assert_nonnull(room);
  send_text(fx, cust, "{\"type\":\"leave\"}");
  disconnect(fx, cust);
  Fake *again = connect_peer(fx);
  send_join(fx, again, "a", "customer", "cid", NULL);
  g_autoptr(JsonObject) joined = take(again, "joined");
  g_assert_cmpstr(json_object_get_string_member(joined, "state"), ==, "lobby");
}

/* A link to a call that ended does not reopen it. */
static void test_ended_room_stays_ended(Fixture *fx, gconstpointer data)
{
  Fake *staff, *cust;
  g_autofree char *sid = NULL, *cid = NULL;
  pair(fx, &staff, &cust, &sid, &cid);
  send_text(fx, staff, "{\"type\":\"end_call\"}");
  g_autoptr(JsonObject) ended = take(cust, "call_ended");
  g_assert_cmpstr(json_object_get_string_member(ended, "room"), ==, "r1");
  Fake *again = connect_peer(fx);
  send_join(fx, again, "a", "customer", "cid", "r1");
  g_autoptr(JsonObject) err = take(again, "error");
  g_assert_cmpstr(json_object_get_string_member(err, "code"), ==, "room_ended");
}

/* n chat messages of size bytes each from f (client ids m0, m1, ...), within
 * the rate limit. */
static void send_chats(Fixture *fx, Fake *f, int n, gsize size)
{
  g_autofree char *text = g_strnfill(size, 'x');
  for (int i = 0; i < n; i++) {
    g_autofree char *msg =
        g_strdup_printf("{\"type\":\"chat\",\"text\":\"%s\",\"client_id\":\"m%d\"}", text, i);
    send_text(fx, f, msg);
    fx->now += 100;
  }
}

/* A long history arrives complete, in batches that stay small. */
static void test_history_batches(Fixture *fx, gconstpointer data)
{
  Fake *staff, *cust;
  g_autofree char *sid = NULL, *cid = NULL;
  pair(fx, &staff, &cust, &sid, &cid);
  send_chats(fx, cust, 120, 2000); /* 240 KB: under the replay's bound */
  Fake *late = connect_peer(fx);
  g_free(join(fx, late, "a", "staff", "bob", "r1"));
  guint total = 0, batches = 0;
  JsonObject *h;
  while ((h = take(late, "chat_history"))) {
    guint n = json_array_get_length(json_object_get_array_member(h, "messages"));
    g_assert_cmpuint(n, >=, 1);
    g_assert_cmpuint(n, <=, 4); /* about 8 KiB of text per batch */
    total += n;
    batches++;
    json_object_unref(h);
  }
  g_assert_cmpuint(total, ==, 120);
  g_assert_cmpuint(batches, >=, 30);
}

/* The oldest message id of a chat_history, and its "more". */
static gint64 first_id(JsonObject *h, gboolean *more)
{
  JsonArray *ms = json_object_get_array_member(h, "messages");
  *more = json_object_get_boolean_member(h, "more");
  return json_array_get_length(ms)
             ? json_object_get_int_member(json_array_get_object_element(ms, 0), "id")
             : -1;
}

/* However long the history, one entry into the room replays a bounded part
 * of it, the newest (a socket that never reads holds it in memory), even to a
 * client that asks for everything after id 0. */
static void test_history_bounded(Fixture *fx, gconstpointer data)
{
  Fake *staff, *cust;
  g_autofree char *sid = NULL, *cid = NULL;
  pair(fx, &staff, &cust, &sid, &cid);
  send_chats(fx, cust, 120, 4000);
  Fake *again = connect_peer(fx);
  g_autofree char *t = token("a", "staff", "bob", "bob", "r1");
  g_autofree char *join_msg =
      g_strdup_printf("{\"type\":\"join\",\"token\":\"%s\",\"last_chat_id\":0}", t);
  send_text(fx, again, join_msg);
  guint total = 0;
  const char *last = NULL;
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
  JsonObject *h;
  while ((h = take(again, "chat_history"))) {
    JsonArray *ms = json_object_get_array_member(h, "messages");
    total += json_array_get_length(ms);
    if (json_array_get_length(ms))
      last = json_object_get_string_member(
          json_array_get_object_element(ms, json_array_get_length(ms) - 1), "client_id");
    g_ptr_array_add(keep, h);
  }
  g_assert_cmpuint(total, ==, 256 * 1024 / 4000); /* 256 KiB of text */
  g_assert_cmpstr(last, ==, "m119");
  gboolean more = FALSE;
  first_id(g_ptr_array_index(keep, 0), &more);
  g_assert_true(more); /* the rest can be paged through */
}

/* What the replay left out, the client pages through on request: each page
 * the next older messages, bounded, until "more" says there are none. */
static void test_history_paging(Fixture *fx, gconstpointer data)
{
  fx->config.chat_history = 30;
  vt_hub_free(fx->hub);
  fx->hub = vt_hub_new(&fx->config, fx->store, &fx->metrics, fx->now);
  Fake *staff, *cust;
  g_autofree char *sid = NULL, *cid = NULL;
  pair(fx, &staff, &cust, &sid, &cid);
  send_chats(fx, cust, 160, 10);
  Fake *late = connect_peer(fx);
  g_free(join(fx, late, "a", "staff", "bob", "r1"));
  g_autoptr(JsonObject) replay = take(late, "chat_history");
  gboolean more = FALSE;
  gint64 oldest = first_id(replay, &more);
  g_assert_true(more); /* 130 older than the 30 replayed */
  guint pages = 0, total = 30;
  while (more) {
    g_autofree char *ask =
        g_strdup_printf("{\"type\":\"history\",\"before_id\":%" G_GINT64_FORMAT ",\"ref\":\"h\"}",
                        oldest);
    send_text(fx, late, ask);
    g_autoptr(JsonObject) page = take(late, "chat_history");
    g_assert_cmpstr(json_object_get_string_member(page, "ref"), ==, "h");
    guint n = json_array_get_length(json_object_get_array_member(page, "messages"));
    g_assert_cmpuint(n, <=, 100);
    gint64 first = first_id(page, &more);
    g_assert_cmpint(first, <, oldest);
    oldest = first;
    total += n;
    pages++;
    fx->now += 1000;
  }
  g_assert_cmpuint(total, ==, 160);
  g_assert_cmpuint(pages, ==, 2); /* 100, then 30 */

  /* Outside a room there is no history to page. */
  Fake *waiting = connect_peer(fx);
  g_free(join(fx, waiting, "a", "customer", "w", NULL));
  send_text(fx, waiting, "{\"type\":\"history\",\"before_id\":5}");
  g_autoptr(JsonObject) err = take(waiting, "error");
  g_assert_cmpstr(json_object_get_string_member(err, "code"), ==, "not_in_room");
}

/* Control characters in chat are refused with a reason, not stored. */
static void test_chat_control_characters(Fixture *fx, gconstpointer data)
{
  Fake *staff, *cust;
  g_autofree char *sid = NULL, *cid = NULL;
  pair(fx, &staff, &cust, &sid, &cid);
  send_text(fx, cust, "{\"type\":\"chat\",\"text\":\"a\\u0001b\",\"client_id\":\"c1\",\"ref\":\"r\"}");
  g_autoptr(JsonObject) err = take(cust, "error");
  g_assert_nonnull(err);
  g_assert_cmpstr(json_object_get_string_member(err, "field"), ==, "text");
  g_assert_false(has(staff, "chat"));
  send_text(fx, cust, "{\"type\":\"chat\",\"text\":\"two\\nlines\\tand a tab\",\"client_id\":\"c2\"}");
  g_autoptr(JsonObject) chat = take(staff, "chat");
  g_assert_nonnull(chat);
  g_assert_cmpstr(json_object_get_string_member(chat, "text"), ==, "two\nlines\tand a tab");
}

/* A new hub on the same database (a server restart): the call that was going
 * on can be resumed within the grace period, and ends when nobody returns. */
static void restart(Fixture *fx)
{
  vt_hub_free(fx->hub);
  g_ptr_array_set_size(fx->fakes, 0);
  fx->hub = vt_hub_new(&fx->config, fx->store, &fx->metrics, fx->now);
}

static void test_restart_resume(Fixture *fx, gconstpointer data)
{
  Fake *staff = connect_peer(fx), *cust = connect_peer(fx);
  g_free(join(fx, staff, "a", "staff", "ann", NULL));
  g_autofree char *cid = join(fx, cust, "a", "customer", "cid", NULL);
  g_autofree char *accept = g_strdup_printf("{\"type\":\"accept\",\"participant\":\"%s\"}", cid);
  send_text(fx, staff, accept);
  restart(fx);

  fx->now += 10000;
  Fake *back = connect_peer(fx);
  send_join(fx, back, "a", "customer", "cid", NULL);
  g_autoptr(JsonObject) joined = take(back, "joined");
  g_assert_cmpstr(json_object_get_string_member(joined, "state"), ==, "room");
}

/* A removal is kept in the store: after a restart the removed customer's
 * token still does not get them back into the room. */
static void test_remove_survives_restart(Fixture *fx, gconstpointer data)
{
  Fake *staff, *cust;
  g_autofree char *sid = NULL, *cid = NULL;
  pair(fx, &staff, &cust, &sid, &cid);
  g_autofree char *msg = g_strdup_printf("{\"type\":\"remove\",\"participant\":\"%s\"}", cid);
  send_text(fx, staff, msg);
  restart(fx);
  fx->now += 1000;
  Fake *staff_again = connect_peer(fx);
  send_join(fx, staff_again, "a", "staff", "ann", "r1");
  Fake *back = connect_peer(fx);
  send_join(fx, back, "a", "customer", "cid", "r1");
  g_autoptr(JsonObject) err = take(back, "error");
  g_assert_nonnull(err);
  g_assert_cmpstr(json_object_get_string_member(err, "code"), ==, "removed");
}

static void test_restart_abandoned(Fixture *fx, gconstpointer data)
{
  Fake *staff, *cust;
  g_autofree char *sid = NULL, *cid = NULL;
  pair(fx, &staff, &cust, &sid, &cid);
  restart(fx);
  fx->now += 30000;
  vt_hub_tick(fx->hub, fx->now);
  g_autofree char *open = vt_store_room_find_open(fx->store, "a", cid);
  g_assert_null(open);
  Fake *back = connect_peer(fx);
  send_join(fx, back, "a", "customer", "cid", "r1");
  g_autoptr(JsonObject) err = take(back, "error");
  g_assert_cmpstr(json_object_get_string_member(err, "code"), ==, "room_ended");
}

/* joined carries the STUN servers, and TURN servers with credentials in
 * coturn's use-auth-secret form that a TURN server with the secret accepts. */
static void test_ice_servers(Fixture *fx, gconstpointer data)
{
  vt_hub_free(fx->hub);
  char *stun[] = {"stun:stun.example.com:3478", NULL};
  char *turn[] = {"turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349", NULL};
  fx->config.stun_urls = stun;
  fx->config.turn_urls = turn;
  fx->config.turn_secret = "north-wind";
  fx->config.turn_ttl_s = 3600;
  fx->hub = vt_hub_new(&fx->config, fx->store, &fx->metrics, fx->now);
  Fake *f = connect_peer(fx);
  send_join(fx, f, "s1", "staff", "Ann", "r1");
  g_autoptr(JsonObject) joined = take(f, "joined");
  JsonArray *servers = json_object_get_array_member(joined, "ice_servers");
  g_assert_cmpuint(json_array_get_length(servers), ==, 2);
  JsonObject *s0 = json_array_get_object_element(servers, 0);
  JsonArray *urls = json_object_get_array_member(s0, "urls");
  g_assert_cmpstr(json_array_get_string_element(urls, 0), ==, stun[0]);
  g_assert_false(json_object_has_member(s0, "credential"));
  JsonObject *t = json_array_get_object_element(servers, 1);
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(t, "urls")), ==, 2);
  const char *user = json_object_get_string_member(t, "username");
  JsonObject *p = json_object_get_object_member(joined, "participant");
  g_autofree char *suffix = g_strconcat(":", json_object_get_string_member(p, "id"), NULL);
  g_assert_true(g_str_has_suffix(user, suffix));
  gint64 expiry = g_ascii_strtoll(user, NULL, 10);
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  g_assert_cmpint(expiry, >=, now + 3590);
  g_assert_cmpint(expiry, <=, now + 3610);
  g_autoptr(GHmac) hmac = g_hmac_new(G_CHECKSUM_SHA1, (const guchar *)"north-wind", 10);
  g_hmac_update(hmac, (const guchar *)user, -1);
  guint8 digest[20];
  gsize len = sizeof digest;
  g_hmac_get_digest(hmac, digest, &len);
  g_autofree char *expected = g_base64_encode(digest, len);
  g_assert_cmpstr(json_object_get_string_member(t, "credential"), ==, expected);

  /* A customer in the lobby gets STUN only; TURN credentials come with the
   * joined that follows when staff let them into a room. */
  Fake *staff = connect_peer(fx), *cust = connect_peer(fx);
  g_free(join(fx, staff, "s1", "staff", "Bo", NULL));
  send_join(fx, cust, "s1", "customer", "Cy", NULL);
  g_autoptr(JsonObject) waiting = take(cust, "joined");
  g_assert_cmpstr(json_object_get_string_member(waiting, "state"), ==, "lobby");
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(waiting, "ice_servers")),
                   ==, 1);
  const char *cid =
      json_object_get_string_member(json_object_get_object_member(waiting, "participant"), "id");
  g_autofree char *accept = g_strdup_printf("{\"type\":\"accept\",\"participant\":\"%s\"}", cid);
  send_text(fx, staff, accept);
  g_autoptr(JsonObject) in_room = take(cust, "joined");
  g_assert_nonnull(in_room);
  g_assert_cmpstr(json_object_get_string_member(in_room, "state"), ==, "room");
  JsonArray *now_servers = json_object_get_array_member(in_room, "ice_servers");
  g_assert_cmpuint(json_array_get_length(now_servers), ==, 2);
  g_assert_true(
      json_object_has_member(json_array_get_object_element(now_servers, 1), "credential"));
}

/* Records an invite for the customer of store "a" whose name and sub are sub. */
static void add_invite(Fixture *fx, const char *sub)
{
  VtToken claims = {.store = "a", .role = VT_ROLE_CUSTOMER, .name = (char *)sub,
                    .sub = (char *)sub};
  g_autofree char *id = vt_hub_participant_id(fx->hub, &claims);
  g_assert_true(vt_store_invite_add(fx->store, id, "a", "pstaff", fx->now, fx->now + 60000, NULL));
}

/* A join that the hub refuses with invite_used, closing with 4001. */
static void assert_invite_used(Fixture *fx, const char *sub)
{
  Fake *f = connect_peer(fx);
  send_join(fx, f, "a", "customer", sub, NULL);
  g_autoptr(JsonObject) err = take(f, "error");
  g_assert_nonnull(err);
  g_assert_cmpstr(json_object_get_string_member(err, "code"), ==, "invite_used");
  g_assert_cmpstr(json_object_get_string_member(err, "field"), ==, "token");
  g_assert_true(f->closed);
  g_assert_cmpuint(f->close_code, ==, VT_CLOSE_AUTH_FAILED);
}

/* An invite lasts one visit: a dropped socket comes back (in line and in the
 * call), but leaving the line, the call's end, being removed or not coming
 * back in time use it up. Tokens that are not invites are unaffected. */
static void test_invite_one_visit(Fixture *fx, gconstpointer data)
{
  add_invite(fx, "inv-leave");
  Fake *c = connect_peer(fx);
  g_free(join(fx, c, "a", "customer", "inv-leave", NULL));
  disconnect(fx, c); /* a reload while waiting */
  c = connect_peer(fx);
  g_free(join(fx, c, "a", "customer", "inv-leave", NULL));
  send_text(fx, c, "{\"type\":\"leave\"}");
  assert_invite_used(fx, "inv-leave");

  add_invite(fx, "inv-call");
  Fake *staff = connect_peer(fx), *cust = connect_peer(fx);
  g_free(join(fx, staff, "a", "staff", "ann", NULL));
  g_autofree char *cid = join(fx, cust, "a", "customer", "inv-call", NULL);
  g_autofree char *accept = g_strdup_printf("{\"type\":\"accept\",\"participant\":\"%s\"}", cid);
  send_text(fx, staff, accept);
  g_autoptr(JsonObject) room = take(cust, "room");
  g_assert_nonnull(room);
  disconnect(fx, cust); /* a reload during the call */
  cust = connect_peer(fx);
  send_join(fx, cust, "a", "customer", "inv-call", NULL);
  g_autoptr(JsonObject) back = take(cust, "joined");
  g_assert_cmpstr(json_object_get_string_member(back, "state"), ==, "room");
  send_text(fx, staff, "{\"type\":\"end_call\"}");
  g_autoptr(JsonObject) ended = take(cust, "call_ended");
  g_assert_nonnull(ended);
  assert_invite_used(fx, "inv-call");

  add_invite(fx, "inv-away");
  Fake *cust2 = connect_peer(fx);
  g_autofree char *cid2 = join(fx, cust2, "a", "customer", "inv-away", NULL);
  g_autofree char *accept2 = g_strdup_printf("{\"type\":\"accept\",\"participant\":\"%s\"}", cid2);
  send_text(fx, staff, accept2);
  disconnect(fx, cust2);
  fx->now += fx->config.reconnect_grace_ms;
  vt_hub_tick(fx->hub, fx->now);
  assert_invite_used(fx, "inv-away");

  /* Not an invite: leaving and coming back is fine. */
  Fake *plain = connect_peer(fx);
  g_free(join(fx, plain, "a", "customer", "plain", NULL));
  send_text(fx, plain, "{\"type\":\"leave\"}");
  Fake *again = connect_peer(fx);
  g_free(join(fx, again, "a", "customer", "plain", NULL));
  g_assert_cmpuint(vt_hub_lobby_length(fx->hub, "a"), ==, 1);
  g_assert_cmpuint(vt_hub_lobby_length(fx->hub, "nowhere"), ==, 0);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)
  ADD("/hub/lobby-order", test_lobby_order);
  ADD("/hub/ice-servers", test_ice_servers);
  ADD("/hub/accept", test_accept);
  ADD("/hub/reconnect-within-grace", test_reconnect_within_grace);
  ADD("/hub/grace-expires", test_grace_expires);
  ADD("/hub/second-socket-replaces-first", test_second_socket_replaces_first);
  ADD("/hub/identity-includes-role", test_identity_includes_role);
  ADD("/hub/lobby-place-kept", test_lobby_place_kept);
  ADD("/hub/history-bounded", test_history_bounded);
  ADD("/hub/history-paging", test_history_paging);
  ADD("/hub/chat-control-characters", test_chat_control_characters);
  ADD("/hub/end-call", test_end_call);
  ADD("/hub/remove", test_remove);
  ADD("/hub/remove-survives-restart", test_remove_survives_restart);
  ADD("/hub/sending", test_sending);
  ADD("/hub/chat-idempotent", test_chat_idempotent);
  ADD("/hub/rate-limit", test_rate_limit);
  ADD("/hub/auth-timeout", test_auth_timeout);
  ADD("/hub/bad-token-closes", test_bad_token_closes);
  ADD("/hub/wrong-store-room", test_wrong_store_room);
  ADD("/hub/leave-sticks", test_leave_sticks);
  ADD("/hub/ended-room-stays-ended", test_ended_room_stays_ended);
  ADD("/hub/history-batches", test_history_batches);
  ADD("/hub/restart-resume", test_restart_resume);
  ADD("/hub/restart-abandoned", test_restart_abandoned);
  ADD("/hub/invite-one-visit", test_invite_one_visit);
  return g_test_run();
}
