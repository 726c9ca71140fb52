/* A store's lobby: customers without a room wait here, in arrival order,
 * until staff of the same store accept them into a new room. Staff see the
 * whole queue live; each customer sees their own position. */
#include "signaling/hub-priv.h"

VtPeer *vt_lobby_find(VtShop *shop, const char *participant_id)
{
  for (GList *l = shop->lobby.head; l; l = l->next) {
    VtPeer *p = l->data;
    if (g_str_equal(p->id, participant_id))
      return p;
  }
  return NULL;
}

void vt_lobby_send_snapshot(VtHub *hub, VtShop *shop, VtPeer *staff)
{
  g_autoptr(GBytes) msg = vt_msg_lobby(shop, vt_hub_now_real_ms());
  vt_hub_send(hub, staff, msg);
}

/* Everyone concerned learns the new queue: staff get the list, each waiting
 * customer their position. */
void vt_lobby_broadcast(VtHub *hub, VtShop *shop)
{
  g_autoptr(GBytes) list = vt_msg_lobby(shop, vt_hub_now_real_ms());
  for (guint i = 0; i < shop->staff->len; i++)
    vt_hub_send(hub, g_ptr_array_index(shop->staff, i), list);
  guint position = 1;
  for (GList *l = shop->lobby.head; l; l = l->next, position++) {
    g_autoptr(GBytes) pos = vt_msg_lobby_position(position, shop->lobby.length);
    vt_hub_send(hub, l->data, pos);
  }
}

/* A customer who is already waiting under the same identity (a phone that
 * reconnected before the old socket timed out) keeps their place: the new
 * socket takes over the old one's entry. */
static gboolean take_over(VtHub *hub, VtPeer *peer, VtPeer *old)
{
  peer->lobby_link = old->lobby_link;
  peer->lobby_link->data = peer;
  peer->lobby_since_ms = old->lobby_since_ms;
  old->lobby_link = NULL;
  old->state = PEER_ENDED;
  vt_hub_close_peer(hub, old, VT_CLOSE_REPLACED, "replaced");
  return TRUE;
}

void vt_lobby_place_free(VtLobbyPlace *place)
{
  g_free(place->name);
  g_free(place->topic);
  g_free(place);
}

static gboolean place_expired(VtHub *hub, const VtLobbyPlace *place, gint64 now_ms)
{
  return now_ms - place->dropped_ms > (gint64)hub->config.reconnect_grace_ms;
}

/* The place a returning customer left, if the grace has not run out. */
static gboolean take_place(VtHub *hub, VtShop *shop, const char *id, gint64 now_ms,
                           gint64 *since_ms)
{
  VtLobbyPlace *place = g_hash_table_lookup(shop->lobby_places, id);
  gboolean found = place && !place_expired(hub, place, now_ms);
  if (found)
    *since_ms = place->since_ms;
  g_hash_table_remove(shop->lobby_places, id);
  return found;
}

void vt_lobby_tick(VtHub *hub, VtShop *shop, gint64 now_ms)
{
  GHashTableIter it;
  gpointer value;
  gboolean changed = FALSE;
  g_hash_table_iter_init(&it, shop->lobby_places);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    if (place_expired(hub, value, now_ms)) {
      g_hash_table_iter_remove(&it);
      changed = TRUE;
    }
  }
  if (changed)
    vt_lobby_broadcast(hub, shop);
}

/* In the line by the time they first entered it: a returning customer goes
 * back before those who came after them. */
static void insert_in_order(VtShop *shop, VtPeer *peer)
{
  GList *l = shop->lobby.head;
  while (l && ((VtPeer *)l->data)->lobby_since_ms <= peer->lobby_since_ms)
    l = l->next;
  if (l) {
    g_queue_insert_before(&shop->lobby, l, peer);
    peer->lobby_link = l->prev;
  } else {
    g_queue_push_tail(&shop->lobby, peer);
    peer->lobby_link = shop->lobby.tail;
  }
}

void vt_lobby_enter(VtHub *hub, VtPeer *peer, const char *ref, gint64 now_ms)
{
  VtShop *shop = peer->shop;
  VtPeer *old = vt_lobby_find(shop, peer->id);
  peer->state = PEER_LOBBY;
  if (old) {
    take_over(hub, peer, old);
  } else if (take_place(hub, shop, peer->id, now_ms, &peer->lobby_since_ms)) {
    insert_in_order(shop, peer);
    vt_hub_log(hub, VT_CALL_LOBBY_ENTER, shop, NULL, peer, -1, "returned", now_ms);
  } else {
    peer->lobby_since_ms = now_ms;
    insert_in_order(shop, peer);
    vt_hub_log(hub, VT_CALL_LOBBY_ENTER, shop, NULL, peer, -1, NULL, now_ms);
  }
  g_autoptr(GBytes) joined = vt_msg_joined(hub, peer, ref);
  vt_hub_send(hub, peer, joined);
  vt_lobby_broadcast(hub, shop);
}

static void remove_from_line(VtHub *hub, VtPeer *peer, VtCallEventKind kind, const char *reason,
                             gint64 now_ms)
{
  VtShop *shop = peer->shop;
  g_queue_delete_link(&shop->lobby, peer->lobby_link);
  peer->lobby_link = NULL;
  gint64 waited = MAX(0, now_ms - peer->lobby_since_ms);
  vt_hub_log(hub, kind, shop, NULL, peer, waited, reason, now_ms);
  vt_lobby_broadcast(hub, shop);
}

void vt_lobby_dropped(VtHub *hub, VtPeer *peer, gint64 now_ms)
{
  VtLobbyPlace *place = g_new0(VtLobbyPlace, 1);
  place->name = g_strdup(peer->token->name);
  place->topic = g_strdup(peer->topic);
  place->since_ms = peer->lobby_since_ms;
  place->dropped_ms = now_ms;
  g_hash_table_replace(peer->shop->lobby_places, g_strdup(peer->id), place);
  remove_from_line(hub, peer, VT_CALL_LOBBY_LEAVE, "dropped", now_ms);
}

void vt_lobby_leave(VtHub *hub, VtPeer *peer, gboolean accepted, gint64 now_ms)
{
  if (accepted)
    remove_from_line(hub, peer, VT_CALL_LOBBY_ACCEPT, NULL, now_ms);
  else
    remove_from_line(hub, peer, VT_CALL_LOBBY_LEAVE, "left", now_ms);
}

static char *new_room_id(void)
{
  guint8 raw[9];
  for (gsize i = 0; i < sizeof raw; i++)
    raw[i] = (guint8)g_random_int_range(0, 256);
  g_autofree char *b64 = g_base64_encode(raw, sizeof raw);
  for (char *c = b64; *c; c++)
    *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
  return g_strconcat("r-", b64, NULL);
}

/* Staff take a waiting customer: a new room with both of them in it. A staff
 * member already in a call leaves it first. */
void vt_lobby_accept(VtHub *hub, VtPeer *staff, const VtClientMessage *msg, gint64 now_ms)
{
  VtPeer *customer = vt_lobby_find(staff->shop, msg->participant);
  if (!customer && g_hash_table_contains(staff->shop->lobby_places, msg->participant)) {
    vt_hub_send_error(hub, staff, msg->ref, "not_found", "participant",
                      "this customer's connection dropped; accept them when they are back");
    return;
  }
  if (!customer) {
    vt_hub_send_error(hub, staff, msg->ref, "not_found", "participant",
                      "no such customer is waiting in this store's lobby");
    return;
  }

  g_autofree char *id = new_room_id();
  g_autoptr(GError) error = NULL;
  VtRoom *room = vt_room_get_or_create(hub, staff->shop, id, NULL, now_ms, &error);
  if (!room) {
    g_warning("accept: %s", error->message);
    vt_hub_send_error(hub, staff, msg->ref, "internal", NULL, "the room could not be made");
    return;
  }
  vt_lobby_leave(hub, customer, TRUE, now_ms);
  if (staff->state == PEER_ROOM)
    vt_room_leave(hub, staff->participant, "left", now_ms);
  vt_room_enter(hub, room, staff, -1, msg->ref, now_ms);
  vt_room_enter(hub, room, customer, -1, NULL, now_ms);
}
