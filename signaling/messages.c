/* Server-to-client messages of docs/protocol.md, built with JsonBuilder and
 * returned as GBytes (the exact text sent on the socket). A message sent to
 * many peers is built once and shared by reference. */
#include <string.h>

#include "app/build-config.h"
#include "signaling/hub-priv.h"

JsonBuilder *vt_msg_begin(const char *type, const char *ref)
{
  JsonBuilder *b = json_builder_new_immutable();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "type");
  json_builder_add_string_value(b, type);
  if (ref) {
    json_builder_set_member_name(b, "ref");
    json_builder_add_string_value(b, ref);
  }
  return b;
}

GBytes *vt_msg_finish(JsonBuilder *b)
{
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_object_unref(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_root(gen, root);
  gsize len;
  char *text = json_generator_to_data(gen, &len);
  return g_bytes_new_take(text, len);
}

static void add_string(JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name(b, name);
  json_builder_add_string_value(b, value);
}

static void add_int(JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, value);
}

GBytes *vt_msg_hello(void)
{
  JsonBuilder *b = vt_msg_begin("hello", NULL);
  add_int(b, "protocol", VT_PROTOCOL_VERSION);
  add_string(b, "server", "vitrine");
  add_string(b, "version", VT_VERSION);
  return vt_msg_finish(b);
}

GBytes *vt_msg_error(const char *ref, const char *code, const char *field, const char *message)
{
  JsonBuilder *b = vt_msg_begin("error", ref);
  add_string(b, "code", code);
  if (field)
    add_string(b, "field", field);
  add_string(b, "message", message);
  return vt_msg_finish(b);
}

GBytes *vt_msg_simple(const char *type, const char *ref, const char *key, const char *value)
{
  JsonBuilder *b = vt_msg_begin(type, ref);
  if (key)
    add_string(b, key, value);
  return vt_msg_finish(b);
}

static const char *state_name(PeerState state)
{
  switch (state) {
  case PEER_LOBBY:
    return "lobby";
  case PEER_ROOM:
    return "room";
  default:
    return "console";
  }
}

GBytes *vt_msg_call_ended(VtRoom *room, const char *reason)
{
  JsonBuilder *b = vt_msg_begin("call_ended", NULL);
  add_string(b, "room", room->id);
  add_string(b, "reason", reason);
  return vt_msg_finish(b);
}

/* STUN servers as they are; TURN servers with credentials that expire, so a
 * leaked password is worth little (coturn use-auth-secret). */
static void add_ice_servers(JsonBuilder *b, const VtHubConfig *c, const char *participant)
{
  json_builder_set_member_name(b, "ice_servers");
  json_builder_begin_array(b);
  if (c->stun_urls && c->stun_urls[0]) {
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "urls");
    json_builder_begin_array(b);
    for (char **u = c->stun_urls; *u; u++)
      json_builder_add_string_value(b, *u);
    json_builder_end_array(b);
    json_builder_end_object(b);
  }
  if (c->turn_urls && c->turn_urls[0] && c->turn_secret) {
    gint64 expiry = g_get_real_time() / G_USEC_PER_SEC + c->turn_ttl_s;
    g_autofree char *user = g_strdup_printf("%" G_GINT64_FORMAT ":%s", expiry, participant);
    g_autoptr(GHmac) hmac = g_hmac_new(G_CHECKSUM_SHA1, (const guchar *)c->turn_secret,
                                       strlen(c->turn_secret));
    g_hmac_update(hmac, (const guchar *)user, -1);
    guint8 digest[20];
    gsize len = sizeof digest;
    g_hmac_get_digest(hmac, digest, &len);
    g_autofree char *password = g_base64_encode(digest, len);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "urls");
    json_builder_begin_array(b);
    for (char **u = c->turn_urls; *u; u++)
      json_builder_add_string_value(b, *u);
    json_builder_end_array(b);
    add_string(b, "username", user);
    add_string(b, "credential", password);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

GBytes *vt_msg_joined(VtHub *hub, VtPeer *peer, const char *ref)
{
  JsonBuilder *b = vt_msg_begin("joined", ref);
  json_builder_set_member_name(b, "participant");
  json_builder_begin_object(b);
  add_string(b, "id", peer->id);
  add_string(b, "name", peer->token->name);
  add_string(b, "role", vt_role_to_string(peer->token->role));
  json_builder_end_object(b);
  add_string(b, "store", peer->shop->id);
  add_string(b, "state", state_name(peer->state));
  add_ice_servers(b, &hub->config, peer->id);
  return vt_msg_finish(b);
}

GBytes *vt_msg_lobby(VtShop *shop, gint64 now_ms)
{
  JsonBuilder *b = vt_msg_begin("lobby", NULL);
  json_builder_set_member_name(b, "customers");
  json_builder_begin_array(b);
  for (GList *l = shop->lobby.head; l; l = l->next) {
    VtPeer *p = l->data;
    json_builder_begin_object(b);
    add_string(b, "id", p->id);
    add_string(b, "name", p->token->name);
    add_string(b, "topic", p->topic);
    add_int(b, "waiting_since", p->lobby_since_ms);
    add_int(b, "waiting_ms", MAX(0, now_ms - p->lobby_since_ms));
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  return vt_msg_finish(b);
}

GBytes *vt_msg_lobby_position(guint position, guint waiting)
{
  JsonBuilder *b = vt_msg_begin("lobby_position", NULL);
  add_int(b, "position", position);
  add_int(b, "waiting", waiting);
  return vt_msg_finish(b);
}

static void add_participant(JsonBuilder *b, VtParticipant *p)
{
  json_builder_begin_object(b);
  add_string(b, "id", p->id);
  add_string(b, "name", p->name);
  add_string(b, "role", vt_role_to_string(p->role));
  json_builder_set_member_name(b, "present");
  json_builder_add_boolean_value(b, p->peer != NULL);
  json_builder_end_object(b);
}

GBytes *vt_msg_room(VtRoom *room)
{
  JsonBuilder *b = vt_msg_begin("room", NULL);
  json_builder_set_member_name(b, "room");
  json_builder_begin_object(b);
  add_string(b, "id", room->id);
  json_builder_set_member_name(b, "participants");
  json_builder_begin_array(b);
  for (guint i = 0; i < room->participants->len; i++)
    add_participant(b, g_ptr_array_index(room->participants, i));
  json_builder_end_array(b);
  json_builder_end_object(b);
  return vt_msg_finish(b);
}

GBytes *vt_msg_participant(const char *type, VtParticipant *p, const char *reason)
{
  JsonBuilder *b = vt_msg_begin(type, NULL);
  add_string(b, "room", p->room->id);
  json_builder_set_member_name(b, "participant");
  add_participant(b, p);
  if (reason)
    add_string(b, "reason", reason);
  return vt_msg_finish(b);
}

static void add_chat_fields(JsonBuilder *b, const VtChatMessage *m)
{
  add_int(b, "id", m->id);
  add_int(b, "ts", m->ts_ms);
  add_string(b, "room", m->room);
  json_builder_set_member_name(b, "from");
  json_builder_begin_object(b);
  add_string(b, "id", m->sender);
  add_string(b, "name", m->sender_name);
  add_string(b, "role", m->sender_role);
  json_builder_end_object(b);
  add_string(b, "text", m->text);
  add_string(b, "client_id", m->client_id);
}

GBytes *vt_msg_chat(const VtChatMessage *m)
{
  JsonBuilder *b = vt_msg_begin("chat", NULL);
  add_chat_fields(b, m);
  return vt_msg_finish(b);
}

GBytes *vt_msg_chat_history(VtRoom *room, GPtrArray *messages)
{
  JsonBuilder *b = vt_msg_begin("chat_history", NULL);
  add_string(b, "room", room->id);
  json_builder_set_member_name(b, "messages");
  json_builder_begin_array(b);
  for (guint i = 0; i < messages->len; i++) {
    json_builder_begin_object(b);
    add_chat_fields(b, g_ptr_array_index(messages, i));
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  return vt_msg_finish(b);
}
