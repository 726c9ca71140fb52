/* The hub's peers: greeting, join and authentication, rate limiting, message
 * dispatch, timers and shutdown. Lobby and room rules live in lobby.c and
 * room.c; see hub.h for the contract. */
#include "signaling/hub-priv.h"

#include <string.h>

static void shop_free(VtShop *shop)
{
  g_queue_clear(&shop->lobby);
  g_hash_table_unref(shop->lobby_places);
  g_ptr_array_unref(shop->staff);
  g_hash_table_unref(shop->rooms);
  g_free(shop->id);
  g_free(shop);
}

static VtShop *shop_get(VtHub *hub, const char *id)
{
  VtShop *shop = g_hash_table_lookup(hub->shops, id);
  if (!shop) {
    shop = g_new0(VtShop, 1);
    shop->id = g_strdup(id);
    g_queue_init(&shop->lobby);
    shop->lobby_places = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify)vt_lobby_place_free);
    shop->staff = g_ptr_array_new();
    shop->rooms = g_hash_table_new(g_str_hash, g_str_equal);
    g_hash_table_insert(hub->shops, shop->id, shop);
  }
  return shop;
}

static void peer_free(VtPeer *peer)
{
  g_clear_pointer(&peer->token, vt_token_free);
  g_free(peer->id);
  g_free(peer->topic);
  g_free(peer);
}

/* Calls that were going on when the server stopped: their participants get
 * the reconnect grace period to come back, as if their sockets had dropped;
 * a room nobody returns to then ends. */
static void resume_open_rooms(VtHub *hub, gint64 now_ms)
{
  g_autoptr(GPtrArray) open = vt_store_rooms_open(hub->store);
  for (guint i = 0; i + 1 < open->len; i += 2) {
    VtShop *shop = shop_get(hub, g_ptr_array_index(open, i + 1));
    VtRoom *room =
        vt_room_get_or_create(hub, shop, g_ptr_array_index(open, i), "resumed", now_ms, NULL);
    if (room)
      room->empty_since_ms = now_ms;
  }
}

VtHub *vt_hub_new(const VtHubConfig *config, VtStore *store, VtMetrics *metrics, gint64 now_ms)
{
  VtHub *hub = g_new0(VtHub, 1);
  if (!config->relay)
    hub->own_relay = vt_relay_new(NULL, NULL, NULL);
  hub->relay = config->relay ? config->relay : hub->own_relay;
  vt_relay_set_events(hub->relay, &vt_hub_relay_events, hub);
  hub->config = *config;
  hub->store = store;
  hub->metrics = metrics;
  hub->shops = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)shop_free);
  hub->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)vt_room_free);
  hub->peers = g_hash_table_new_full(NULL, NULL, (GDestroyNotify)peer_free, NULL);
  resume_open_rooms(hub, now_ms);
  return hub;
}

void vt_hub_free(VtHub *hub)
{
  if (!hub)
    return;
  g_hash_table_unref(hub->rooms);
  g_hash_table_unref(hub->peers);
  g_hash_table_unref(hub->shops);
  vt_relay_set_events(hub->relay, NULL, NULL);
  vt_relay_free(hub->own_relay);
  g_free(hub);
}

const VtHubConfig *vt_hub_config(VtHub *hub)
{
  return &hub->config;
}

VtRelay *vt_hub_relay(VtHub *hub)
{
  return hub->relay;
}

gint64 vt_hub_now_real_ms(void)
{
  return g_get_real_time() / 1000;
}

void vt_hub_send(VtHub *hub, VtPeer *peer, GBytes *message)
{
  if (peer->state == PEER_GONE)
    return;
  hub->metrics->messages_out++;
  peer->transport->send(peer->data, message);
}

void vt_hub_send_error(VtHub *hub, VtPeer *peer, const char *ref, const char *code,
                       const char *field, const char *message)
{
  vt_metrics_count(hub->metrics->errors, code);
  g_autoptr(GBytes) msg = vt_msg_error(ref, code, field, message);
  vt_hub_send(hub, peer, msg);
}

void vt_hub_peer_error(VtHub *hub, VtPeer *peer, const char *code, const char *message)
{
  vt_hub_send_error(hub, peer, NULL, code, NULL, message);
}

void vt_hub_log(VtHub *hub, VtCallEventKind kind, VtShop *shop, const char *room, VtPeer *peer,
                gint64 wait_ms, const char *reason, gint64 now_ms)
{
  VtCallEvent event = {
      .ts_ms = now_ms,
      .kind = kind,
      .store = shop->id,
      .room = (char *)room,
      .participant = peer ? peer->id : NULL,
      .name = peer ? peer->token->name : NULL,
      .role = peer ? (char *)vt_role_to_string(peer->token->role) : NULL,
      .topic = peer ? peer->topic : NULL,
      .reason = (char *)reason,
      .wait_ms = wait_ms,
  };
  g_autoptr(GError) error = NULL;
  if (!vt_store_log(hub->store, &event, &error))
    g_warning("call log: %s", error->message);
}

/* Takes the peer out of the lobby and rooms (without telling anyone it is
 * gone for good) and closes its socket. */
void vt_hub_close_peer(VtHub *hub, VtPeer *peer, guint16 code, const char *reason)
{
  if (peer->state == PEER_GONE)
    return;
  peer->transport->close(peer->data, code, reason);
  peer->state = PEER_GONE;
}

VtPeer *vt_hub_peer_open(VtHub *hub, const VtTransport *transport, gpointer data, gint64 now_ms)
{
  VtPeer *peer = g_new0(VtPeer, 1);
  peer->transport = transport;
  peer->data = data;
  peer->state = PEER_NEW;
  peer->opened_ms = now_ms;
  peer->bucket = (gint64)hub->config.max_messages_per_second * 1000;
  peer->bucket_ms = now_ms;
  g_hash_table_add(hub->peers, peer);
  hub->metrics->connections_total++;
  g_autoptr(GBytes) hello = vt_msg_hello();
  vt_hub_send(hub, peer, hello);
  return peer;
}

/* Detaches the peer from whatever it was part of, as when its socket drops. */
static void peer_detach(VtHub *hub, VtPeer *peer, gint64 now_ms)
{
  if (peer->lobby_link)
    vt_lobby_dropped(hub, peer, now_ms);
  if (peer->participant && peer->participant->peer == peer)
    vt_room_away(hub, peer->participant, now_ms);
  peer->participant = NULL;
  if (peer->token && peer->token->role == VT_ROLE_STAFF)
    g_ptr_array_remove_fast(peer->shop->staff, peer);
  if (peer->token) {
    hub->joined--;
    g_clear_pointer(&peer->token, vt_token_free);
  }
}

void vt_hub_peer_closed(VtHub *hub, VtPeer *peer, gint64 now_ms)
{
  peer_detach(hub, peer, now_ms);
  g_hash_table_remove(hub->peers, peer);
}

/* Same store, role and sub: "the same identity" for reconnects. The role is
 * part of it so that a customer token that carries a member of staff's sub
 * (a store backend that numbers both from 1) cannot take staff's place. */
char *vt_hub_participant_id(VtHub *hub, const VtToken *token)
{
  g_autofree char *identity = g_strconcat(token->store, "\n", vt_role_to_string(token->role),
                                          "\n", token->sub, NULL);
  g_autofree char *mac = g_compute_hmac_for_string(G_CHECKSUM_SHA256, hub->config.token_key,
                                                   hub->config.token_key_len, identity, -1);
  return g_strdup_printf("p%.16s", mac);
}

/* A rate of max_messages_per_second, with bursts of the same size. */
static gboolean rate_allows(VtHub *hub, VtPeer *peer, gint64 now_ms)
{
  gint64 rate = hub->config.max_messages_per_second;
  gint64 cap = rate * 1000;
  peer->bucket = MIN(cap, peer->bucket + (now_ms - peer->bucket_ms) * rate);
  peer->bucket_ms = now_ms;
  if (peer->bucket < 1000)
    return FALSE;
  peer->bucket -= 1000;
  return TRUE;
}

static VtParticipant *find_place(VtHub *hub, VtShop *shop, const char *id)
{
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init(&iter, shop->rooms);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    VtParticipant *p = vt_room_find(value, id);
    if (p)
      return p;
  }
  return NULL;
}

/* The room this peer belongs in: its token's, the one it still has a place
 * in, or the one it was in before a restart. NULL: lobby or console. */
static char *target_room(VtHub *hub, VtPeer *peer)
{
  if (peer->token->room)
    return g_strdup(peer->token->room);
  VtParticipant *place = find_place(hub, peer->shop, peer->id);
  if (place)
    return g_strdup(place->room->id);
  return vt_store_room_find_open(hub->store, peer->shop->id, peer->id);
}

static gboolean room_of_other_store(VtHub *hub, const VtToken *token)
{
  if (!token->room)
    return FALSE;
  VtRoom *room = g_hash_table_lookup(hub->rooms, token->room);
  if (room)
    return !g_str_equal(room->shop->id, token->store);
  g_autofree char *owner = vt_store_room_owner(hub->store, token->room);
  return owner && !g_str_equal(owner, token->store);
}

VtToken *vt_hub_check_token(VtHub *hub, const char *jwt, gsize len, gint64 now_ms,
                            gboolean *invite, const char **code, GError **error)
{
  *invite = FALSE;
  VtToken *token = vt_token_verify(jwt, len, hub->config.token_key, hub->config.token_key_len,
                                   now_ms / 1000, error);
  if (!token) {
    *code = vt_token_error_code((*error)->code);
    return NULL;
  }
  if (room_of_other_store(hub, token)) {
    *code = "wrong_store";
    g_set_error(error, VT_TOKEN_ERROR, 0, "room %s belongs to another store", token->room);
    vt_token_free(token);
    return NULL;
  }
  if (token->role != VT_ROLE_CUSTOMER)
    return token;
  /* Customers only: an invite is for one visit, and staff never hold one. */
  g_autofree char *id = vt_hub_participant_id(hub, token);
  VtInviteState state = vt_store_invite_state(hub->store, id);
  if (state == VT_INVITE_DONE) {
    *code = "invite_used";
    g_set_error_literal(error, VT_TOKEN_ERROR, 0, "this invite link has already been used");
    vt_token_free(token);
    return NULL;
  }
  *invite = state == VT_INVITE_OPEN;
  return token;
}

static VtToken *authenticate(VtHub *hub, VtPeer *peer, const VtClientMessage *msg,
                             gint64 now_ms)
{
  g_autoptr(GError) error = NULL;
  const char *code = NULL;
  VtToken *token = vt_hub_check_token(hub, msg->token, strlen(msg->token), now_ms,
                                      &peer->invite, &code, &error);
  if (!token) {
    vt_metrics_count(hub->metrics->auth_failures, code);
    vt_hub_send_error(hub, peer, msg->ref, code, "token", error->message);
    vt_hub_close_peer(hub, peer, VT_CLOSE_AUTH_FAILED, code);
  }
  return token;
}

void vt_hub_invite_done(VtHub *hub, const char *participant_id, gint64 now_ms)
{
  g_autoptr(GError) error = NULL;
  if (!vt_store_invite_done(hub->store, participant_id, now_ms, &error))
    g_warning("invite of %s: %s", participant_id, error->message);
}

static void handle_join(VtHub *hub, VtPeer *peer, const VtClientMessage *msg, gint64 now_ms)
{
  if (peer->state != PEER_NEW) {
    vt_hub_send_error(hub, peer, msg->ref, "already_joined", NULL,
                      "this connection has already joined");
    return;
  }
  peer->token = authenticate(hub, peer, msg, now_ms);
  if (!peer->token)
    return;
  hub->joined++;
  peer->id = vt_hub_participant_id(hub, peer->token);
  peer->shop = shop_get(hub, peer->token->store);
  peer->topic = g_strdup(msg->topic ? msg->topic : "general");
  gboolean staff = peer->token->role == VT_ROLE_STAFF;
  if (staff)
    g_ptr_array_add(peer->shop->staff, peer);

  g_autofree char *room_id = target_room(hub, peer);
  if (room_id) {
    g_autoptr(GError) error = NULL;
    VtRoom *room = vt_room_get_or_create(hub, peer->shop, room_id, NULL, now_ms, &error);
    if (room) {
      vt_room_enter(hub, room, peer, msg->last_chat_id, msg->ref, now_ms);
    } else {
      peer->state = staff ? PEER_CONSOLE : PEER_ENDED;
      vt_hub_send_error(hub, peer, msg->ref, "room_ended", NULL, "this call has ended");
    }
  } else if (!staff) {
    vt_lobby_enter(hub, peer, msg->ref, now_ms);
    return;
  } else {
    peer->state = PEER_CONSOLE;
    g_autoptr(GBytes) joined = vt_msg_joined(hub, peer, msg->ref);
    vt_hub_send(hub, peer, joined);
  }
  if (staff)
    vt_lobby_send_snapshot(hub, peer->shop, peer);
}

static void handle_leave(VtHub *hub, VtPeer *peer, const VtClientMessage *msg, gint64 now_ms)
{
  /* Leaving the line ends an invite's visit; leaving a room does it in
   * vt_room_leave. (A socket that merely drops keeps it: pages reload.) */
  if (peer->state == PEER_LOBBY && peer->invite)
    vt_hub_invite_done(hub, peer->id, now_ms);
  if (peer->state == PEER_LOBBY)
    vt_lobby_leave(hub, peer, FALSE, now_ms);
  else if (peer->state == PEER_ROOM)
    vt_room_leave(hub, peer->participant, "left", now_ms);
  peer->state = peer->token->role == VT_ROLE_STAFF ? PEER_CONSOLE : PEER_ENDED;
  g_autoptr(GBytes) reply = vt_msg_simple("left", msg->ref, NULL, NULL);
  vt_hub_send(hub, peer, reply);
}

static void handle_end_call(VtHub *hub, VtPeer *peer, const VtClientMessage *msg,
                            gint64 now_ms)
{
  if (peer->state != PEER_ROOM) {
    vt_hub_send_error(hub, peer, msg->ref, "not_in_room", NULL, "end_call needs a room");
    return;
  }
  vt_room_end(hub, peer->participant->room, "ended_by_staff", now_ms);
}

/* Tracks of each kind a peer may publish: a customer needs one camera and
 * one microphone; more would only take slots others need. */
static guint track_limit(const VtHub *hub, const VtPeer *peer)
{
  return peer->token->role == VT_ROLE_STAFF ? hub->config.tracks_staff
                                            : hub->config.tracks_customer;
}

/* Media negotiation goes to the relay, addressed by room and participant. */
static void handle_media(VtHub *hub, VtPeer *peer, const VtClientMessage *msg)
{
  if (peer->state != PEER_ROOM) {
    vt_hub_send_error(hub, peer, msg->ref, "not_in_room", NULL,
                      "media negotiation needs a room");
    return;
  }
  const char *room = peer->participant->room->id;
  g_autoptr(GError) error = NULL;
  gboolean ok;
  if (msg->type == VT_MSG_PUBLISH_OFFER) {
    g_free(peer->participant->publish_ref);
    peer->participant->publish_ref = g_strdup(msg->ref);
  }
  if (msg->type == VT_MSG_PUBLISH_OFFER)
    ok = vt_relay_publish_offer(hub->relay, room, peer->id, msg->sdp, track_limit(hub, peer),
                                track_limit(hub, peer), &error);
  else if (msg->type == VT_MSG_SUBSCRIBE_ANSWER)
    ok = vt_relay_subscribe_answer(hub->relay, room, peer->id, msg->sdp, &error);
  else if (msg->type == VT_MSG_SUBSCRIBE_RESTART)
    ok = vt_relay_subscribe_restart(hub->relay, room, peer->id, &error);
  else
    ok = vt_relay_add_candidate(hub->relay, room, peer->id,
                                g_str_equal(msg->pc, "publish") ? VT_PC_PUBLISH : VT_PC_SUBSCRIBE,
                                msg->candidate, msg->sdp_mid, msg->mline_index, &error);
  if (!ok) {
    gboolean unavailable = error->code == VT_RELAY_ERROR_NOT_AVAILABLE;
    const char *field = unavailable ? NULL : msg->type == VT_MSG_ICE ? "candidate" : "sdp";
    vt_hub_send_error(hub, peer, msg->ref, unavailable ? "not_available" : "bad_sdp", field,
                      error->message);
  }
}

static gboolean staff_only(VtHub *hub, VtPeer *peer, const VtClientMessage *msg)
{
  if (peer->token->role == VT_ROLE_STAFF)
    return TRUE;
  g_autofree char *text =
      g_strdup_printf("%s is for staff only", vt_msg_type_to_string(msg->type));
  vt_hub_send_error(hub, peer, msg->ref, "forbidden", NULL, text);
  return FALSE;
}

static void dispatch(VtHub *hub, VtPeer *peer, const VtClientMessage *msg, gint64 now_ms)
{
  if (msg->type == VT_MSG_PING) {
    g_autoptr(GBytes) pong = vt_msg_simple("pong", msg->ref, NULL, NULL);
    vt_hub_send(hub, peer, pong);
    return;
  }
  if (msg->type == VT_MSG_JOIN) {
    handle_join(hub, peer, msg, now_ms);
    return;
  }
  if (peer->state == PEER_NEW) {
    vt_hub_send_error(hub, peer, msg->ref, "not_joined", NULL, "the first message must be join");
    return;
  }
  switch (msg->type) {
  case VT_MSG_LEAVE:
    handle_leave(hub, peer, msg, now_ms);
    break;
  case VT_MSG_CHAT:
    vt_room_chat(hub, peer, msg, now_ms);
    break;
  case VT_MSG_ACCEPT:
    if (staff_only(hub, peer, msg))
      vt_lobby_accept(hub, peer, msg, now_ms);
    break;
  case VT_MSG_END_CALL:
    if (staff_only(hub, peer, msg))
      handle_end_call(hub, peer, msg, now_ms);
    break;
  case VT_MSG_REMOVE:
    if (staff_only(hub, peer, msg))
      vt_room_remove(hub, peer, msg, now_ms);
    break;
  case VT_MSG_PUBLISH_OFFER:
  case VT_MSG_SUBSCRIBE_ANSWER:
  case VT_MSG_SUBSCRIBE_RESTART:
  case VT_MSG_ICE:
    handle_media(hub, peer, msg);
    break;
  case VT_MSG_SENDING:
    vt_room_sending(hub, peer, msg);
    break;
  case VT_MSG_HISTORY:
    vt_room_history(hub, peer, msg);
    break;
  default:
    g_assert_not_reached();
  }
}

void vt_hub_peer_receive(VtHub *hub, VtPeer *peer, const char *text, gsize len, gint64 now_ms)
{
  if (peer->state == PEER_GONE)
    return;
  hub->metrics->messages_in++;
  if (!rate_allows(hub, peer, now_ms)) {
    vt_hub_send_error(hub, peer, NULL, "rate_limited", NULL,
                      "too many messages; this one was dropped");
    return;
  }
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  g_autofree char *ref = NULL;
  g_autoptr(VtClientMessage) msg = vt_protocol_parse(text, len, &field, &ref, &error);
  if (!msg) {
    vt_hub_send_error(hub, peer, ref, vt_protocol_error_code(error->code), field,
                      error->message);
    return;
  }
  dispatch(hub, peer, msg, now_ms);
}

static void check_auth_timeout(VtHub *hub, VtPeer *peer, gint64 now_ms)
{
  if (peer->state != PEER_NEW || now_ms - peer->opened_ms < hub->config.auth_timeout_ms)
    return;
  vt_metrics_count(hub->metrics->auth_failures, "auth_timeout");
  vt_hub_send_error(hub, peer, NULL, "auth_timeout", NULL, "no join message in time");
  vt_hub_close_peer(hub, peer, 1008, "auth_timeout");
}

void vt_hub_tick(VtHub *hub, gint64 now_ms)
{
  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init(&iter, hub->peers);
  while (g_hash_table_iter_next(&iter, &key, NULL))
    check_auth_timeout(hub, key, now_ms);

  g_hash_table_iter_init(&iter, hub->shops);
  gpointer shop;
  while (g_hash_table_iter_next(&iter, NULL, &shop))
    vt_lobby_tick(hub, shop, now_ms);

  /* Ending a room removes it from the table: collect first. */
  GList *rooms = g_hash_table_get_values(hub->rooms);
  for (GList *l = rooms; l; l = l->next)
    vt_room_tick(hub, l->data, now_ms);
  g_list_free(rooms);
}

void vt_hub_shutdown(VtHub *hub)
{
  g_autoptr(GBytes) bye = vt_msg_simple("bye", NULL, "reason", "shutdown");
  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init(&iter, hub->peers);
  while (g_hash_table_iter_next(&iter, &key, NULL)) {
    vt_hub_send(hub, key, bye);
    vt_hub_close_peer(hub, key, VT_CLOSE_SHUTDOWN, "shutdown");
  }
}

void vt_hub_render_metrics(VtHub *hub, GString *out)
{
  g_string_append_printf(out,
                         "# HELP vitrine_peers_authenticated Sockets past join.\n"
                         "# TYPE vitrine_peers_authenticated gauge\n"
                         "vitrine_peers_authenticated %u\n"
                         "# HELP vitrine_rooms Rooms open.\n"
                         "# TYPE vitrine_rooms gauge\nvitrine_rooms %u\n"
                         "# HELP vitrine_lobby_length Customers waiting, per store.\n"
                         "# TYPE vitrine_lobby_length gauge\n",
                         hub->joined, g_hash_table_size(hub->rooms));
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init(&iter, hub->shops);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    VtShop *shop = value;
    g_string_append_printf(out, "vitrine_lobby_length{store=\"%s\"} %u\n", shop->id,
                           shop->lobby.length);
  }
}

guint vt_hub_lobby_length(VtHub *hub, const char *store_id)
{
  VtShop *shop = g_hash_table_lookup(hub->shops, store_id);
  return shop ? shop->lobby.length : 0;
}

void vt_hub_rooms_lost(VtHub *hub, GPtrArray *room_ids, gint64 now_ms)
{
  for (guint i = 0; i < room_ids->len; i++) {
    VtRoom *room = g_hash_table_lookup(hub->rooms, g_ptr_array_index(room_ids, i));
    if (room)
      vt_room_end(hub, room, "store_failed", now_ms);
  }
}
