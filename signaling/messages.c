/* Server-to-client messages of docs/protocol.md, written with VtJsonOut and
 * returned as GBytes (the exact text sent on the socket). A message sent to
 * many peers is built once and shared by reference. */
#include <string.h>

#include "build-config.h"
#include "signaling/hub-priv.h"

VtJsonOut *vt_msg_begin(const char *type, const char *ref)
{
  VtJsonOut *b = g_new(VtJsonOut, 1);
  vt_json_out_init(b, 256);
  vt_json_out_begin_object(b);
  vt_json_out_name(b, "type");
  vt_json_out_string(b, type);
  if (ref) {
    vt_json_out_name(b, "ref");
    vt_json_out_string(b, ref);
  }
  return b;
}

GBytes *vt_msg_finish(VtJsonOut *b)
{
  vt_json_out_end_object(b);
  GBytes *text = vt_json_out_finish(b);
  g_free(b);
  return text;
}

static void add_string(VtJsonOut *b, const char *name, const char *value)
{
  vt_json_out_name(b, name);
  vt_json_out_string(b, value);
}

static void add_int(VtJsonOut *b, const char *name, gint64 value)
{
  vt_json_out_name(b, name);
  vt_json_out_int(b, value);
}

GBytes *vt_msg_hello(void)
{
  VtJsonOut *b = vt_msg_begin("hello", NULL);
  add_int(b, "protocol", VT_PROTOCOL_VERSION);
  add_string(b, "server", "vitrine");
  add_string(b, "version", VT_VERSION);
  return vt_msg_finish(b);
}

GBytes *vt_msg_error(const char *ref, const char *code, const char *field, const char *message)
{
  VtJsonOut *b = vt_msg_begin("error", ref);
  add_string(b, "code", code);
  if (field)
    add_string(b, "field", field);
  add_string(b, "message", message);
  return vt_msg_finish(b);
}

GBytes *vt_msg_simple(const char *type, const char *ref, const char *key, const char *value)
{
  VtJsonOut *b = vt_msg_begin(type, ref);
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
  VtJsonOut *b = vt_msg_begin("call_ended", NULL);
  add_string(b, "room", room->id);
  add_string(b, "reason", reason);
  return vt_msg_finish(b);
}

/* STUN servers as they are; TURN servers with credentials that expire, so a
 * leaked password is worth little (coturn use-auth-secret), and only to a
 * participant in a room: media flows nowhere else, and a customer waiting in
 * the lobby has not been let in by anyone yet. */
static void add_ice_servers(VtJsonOut *b, const VtHubConfig *c, const char *participant,
                            gboolean with_turn)
{
  vt_json_out_name(b, "ice_servers");
  vt_json_out_begin_array(b);
  if (c->stun_urls && c->stun_urls[0]) {
    vt_json_out_begin_object(b);
    vt_json_out_name(b, "urls");
    vt_json_out_begin_array(b);
    for (char **u = c->stun_urls; *u; u++)
      vt_json_out_string(b, *u);
    vt_json_out_end_array(b);
    vt_json_out_end_object(b);
  }
  if (with_turn && c->turn_urls && c->turn_urls[0] && c->turn_secret) {
    gint64 expiry = g_get_real_time() / G_USEC_PER_SEC + c->turn_ttl_s;
    g_autofree char *user = g_strdup_printf("%" G_GINT64_FORMAT ":%s", expiry, participant);
    g_autoptr(GHmac) hmac = g_hmac_new(G_CHECKSUM_SHA1, (const guchar *)c->turn_secret,
                                       strlen(c->turn_secret));
    g_hmac_update(hmac, (const guchar *)user, -1);
    guint8 digest[20];
    gsize len = sizeof digest;
    g_hmac_get_digest(hmac, digest, &len);
    g_autofree char *password = g_base64_encode(digest, len);
    vt_json_out_begin_object(b);
    vt_json_out_name(b, "urls");
    vt_json_out_begin_array(b);
    for (char **u = c->turn_urls; *u; u++)
      vt_json_out_string(b, *u);
    vt_json_out_end_array(b);
    add_string(b, "username", user);
    add_string(b, "credential", password);
    vt_json_out_end_object(b);
  }
  vt_json_out_end_array(b);
}

GBytes *vt_msg_joined(VtHub *hub, VtPeer *peer, const char *ref)
{
  VtJsonOut *b = vt_msg_begin("joined", ref);
  vt_json_out_name(b, "participant");
  vt_json_out_begin_object(b);
  add_string(b, "id", peer->id);
  add_string(b, "name", peer->token->name);
  add_string(b, "role", vt_role_to_string(peer->token->role));
  vt_json_out_end_object(b);
  add_string(b, "store", peer->shop->id);
  add_string(b, "state", state_name(peer->state));
  add_ice_servers(b, &hub->config, peer->id, peer->state == PEER_ROOM);
  return vt_msg_finish(b);
}

static void add_lobby_entry(VtJsonOut *b, const char *id, const char *name, const char *topic,
                            gint64 since_ms, gboolean present, gint64 now_ms)
{
  vt_json_out_begin_object(b);
  add_string(b, "id", id);
  add_string(b, "name", name);
  add_string(b, "topic", topic);
  add_int(b, "waiting_since", since_ms);
  add_int(b, "waiting_ms", MAX(0, now_ms - since_ms));
  vt_json_out_name(b, "present");
  vt_json_out_bool(b, present);
  vt_json_out_end_object(b);
}

typedef struct {
  const char *id;
  const VtLobbyPlace *place;
} PlaceEntry;

static gint by_since(gconstpointer a, gconstpointer b)
{
  gint64 x = ((const PlaceEntry *)a)->place->since_ms, y = ((const PlaceEntry *)b)->place->since_ms;
  return x < y ? -1 : x > y;
}

/* The line in arrival order: those waiting, and, in their places, those
 * whose socket dropped and who may still come back (present: false). */
GBytes *vt_msg_lobby(VtShop *shop, gint64 now_ms)
{
  g_autoptr(GArray) places = g_array_new(FALSE, FALSE, sizeof(PlaceEntry));
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, shop->lobby_places);
  while (g_hash_table_iter_next(&it, &key, &value))
    g_array_append_val(places, ((PlaceEntry){key, value}));
  g_array_sort(places, by_since);

  VtJsonOut *b = vt_msg_begin("lobby", NULL);
  vt_json_out_name(b, "customers");
  vt_json_out_begin_array(b);
  guint next = 0;
  for (GList *l = shop->lobby.head;; l = l->next) {
    VtPeer *p = l ? l->data : NULL;
    for (; next < places->len; next++) {
      PlaceEntry *e = &g_array_index(places, PlaceEntry, next);
      if (p && e->place->since_ms > p->lobby_since_ms)
        break;
      add_lobby_entry(b, e->id, e->place->name, e->place->topic, e->place->since_ms, FALSE,
                      now_ms);
    }
    if (!p)
      break;
    add_lobby_entry(b, p->id, p->token->name, p->topic, p->lobby_since_ms, TRUE, now_ms);
  }
  vt_json_out_end_array(b);
  return vt_msg_finish(b);
}

GBytes *vt_msg_lobby_position(guint position, guint waiting)
{
  VtJsonOut *b = vt_msg_begin("lobby_position", NULL);
  add_int(b, "position", position);
  add_int(b, "waiting", waiting);
  return vt_msg_finish(b);
}

static void add_participant(VtJsonOut *b, VtParticipant *p)
{
  vt_json_out_begin_object(b);
  add_string(b, "id", p->id);
  add_string(b, "name", p->name);
  add_string(b, "role", vt_role_to_string(p->role));
  vt_json_out_name(b, "present");
  vt_json_out_bool(b, p->peer != NULL);
  if (p->media_known) {
    vt_json_out_name(b, "audio");
    vt_json_out_bool(b, p->sends_audio);
    vt_json_out_name(b, "video");
    vt_json_out_bool(b, p->sends_video);
  }
  vt_json_out_end_object(b);
}

GBytes *vt_msg_room(VtRoom *room)
{
  VtJsonOut *b = vt_msg_begin("room", NULL);
  vt_json_out_name(b, "room");
  vt_json_out_begin_object(b);
  add_string(b, "id", room->id);
  vt_json_out_name(b, "participants");
  vt_json_out_begin_array(b);
  for (guint i = 0; i < room->participants->len; i++)
    add_participant(b, g_ptr_array_index(room->participants, i));
  vt_json_out_end_array(b);
  vt_json_out_end_object(b);
  return vt_msg_finish(b);
}

GBytes *vt_msg_participant(const char *type, VtParticipant *p, const char *reason)
{
  VtJsonOut *b = vt_msg_begin(type, NULL);
  add_string(b, "room", p->room->id);
  vt_json_out_name(b, "participant");
  add_participant(b, p);
  if (reason)
    add_string(b, "reason", reason);
  return vt_msg_finish(b);
}

static void add_chat_fields(VtJsonOut *b, const VtChatMessage *m)
{
  add_int(b, "id", m->id);
  add_int(b, "ts", m->ts_ms);
  add_string(b, "room", m->room);
  vt_json_out_name(b, "from");
  vt_json_out_begin_object(b);
  add_string(b, "id", m->sender);
  add_string(b, "name", m->sender_name);
  add_string(b, "role", m->sender_role);
  vt_json_out_end_object(b);
  add_string(b, "text", m->text);
  add_string(b, "client_id", m->client_id);
}

GBytes *vt_msg_chat(const VtChatMessage *m)
{
  VtJsonOut *b = vt_msg_begin("chat", NULL);
  add_chat_fields(b, m);
  return vt_msg_finish(b);
}

GBytes *vt_msg_chat_history(VtRoom *room, GPtrArray *messages, gboolean more, const char *ref)
{
  VtJsonOut *b = vt_msg_begin("chat_history", ref);
  add_string(b, "room", room->id);
  vt_json_out_name(b, "more");
  vt_json_out_bool(b, more);
  vt_json_out_name(b, "messages");
  vt_json_out_begin_array(b);
  for (guint i = 0; i < messages->len; i++) {
    vt_json_out_begin_object(b);
    add_chat_fields(b, g_ptr_array_index(messages, i));
    vt_json_out_end_object(b);
  }
  vt_json_out_end_array(b);
  return vt_msg_finish(b);
}
