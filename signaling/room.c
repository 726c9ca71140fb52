/* Rooms: who is in a call, their presence, chat, and how a call ends.
 *
 * A participant's place outlives their socket for the reconnect grace
 * period, so a phone that drops off Wi-Fi comes back to the same call without
 * leaving a ghost behind. A room ends when staff end it or when its last
 * participant leaves. */
#include "signaling/hub-priv.h"

#include <string.h>

/* Chat history goes out in batches of at most this many messages and this
 * many bytes of text, so that one batch stays a modest WebSocket message
 * (JSON escaping can make text up to six times longer). */
#define HISTORY_BATCH 100
#define HISTORY_BATCH_TEXT (8 * 1024)
/* Most text one entry into a room replays, the newest kept: a socket that
 * joins and never reads holds its history in memory (issue #11's probe: 150
 * MB per socket with an unbounded replay). */
#define HISTORY_MAX_TEXT (256 * 1024)

static void participant_free(VtParticipant *p)
{
  g_free(p->id);
  g_free(p->sub);
  g_free(p->name);
  g_free(p->publish_ref);
  g_free(p);
}

void vt_room_free(VtRoom *room)
{
  g_ptr_array_unref(room->participants);
  g_free(room->id);
  g_free(room);
}

VtParticipant *vt_room_find(VtRoom *room, const char *participant_id)
{
  for (guint i = 0; i < room->participants->len; i++) {
    VtParticipant *p = g_ptr_array_index(room->participants, i);
    if (g_str_equal(p->id, participant_id))
      return p;
  }
  return NULL;
}

static void broadcast(VtHub *hub, VtRoom *room, GBytes *msg, VtParticipant *except)
{
  for (guint i = 0; i < room->participants->len; i++) {
    VtParticipant *p = g_ptr_array_index(room->participants, i);
    if (p != except && p->peer)
      vt_hub_send(hub, p->peer, msg);
  }
}

VtRoom *vt_room_get_or_create(VtHub *hub, VtShop *shop, const char *id, const char *reason,
                              gint64 now_ms, GError **error)
{
  VtRoom *room = g_hash_table_lookup(hub->rooms, id);
  if (room)
    return room;
  /* An ended room stays ended: an old link must not reopen a finished call
   * (nor let people staff removed back in). */
  if (!vt_store_room_open(hub->store, shop->id, id, now_ms, error))
    return NULL;
  room = g_new0(VtRoom, 1);
  room->id = g_strdup(id);
  room->shop = shop;
  room->participants = g_ptr_array_new_with_free_func((GDestroyNotify)participant_free);
  g_hash_table_insert(hub->rooms, room->id, room);
  g_hash_table_insert(shop->rooms, room->id, room);
  vt_hub_log(hub, VT_CALL_ROOM_START, shop, id, NULL, -1, reason, now_ms);
  return room;
}

/* Drops the oldest messages until their text fits in max_text (keeping at
 * least one); returns whether it dropped any. */
static gboolean keep_newest_text(GPtrArray *messages, gsize max_text)
{
  gsize kept_text = 0;
  guint keep = 0;
  while (keep < messages->len) {
    VtChatMessage *m = g_ptr_array_index(messages, messages->len - 1 - keep);
    kept_text += strlen(m->text);
    if (keep > 0 && kept_text > max_text)
      break;
    keep++;
  }
  guint dropped = messages->len - keep;
  g_ptr_array_remove_range(messages, 0, dropped);
  return dropped > 0;
}

static void history_failed(VtHub *hub, VtRoom *room, VtPeer *peer, const char *ref, GError *error)
{
  vt_hub_send_error(hub, peer, ref, "internal", NULL, "chat history is unavailable");
  g_warning("chat history of %s: %s", room->id, error->message);
}

static void send_history(VtHub *hub, VtRoom *room, VtPeer *peer, gint64 last_chat_id)
{
  /* A reconnecting client gets what came after what it saw, a newcomer the
   * latest messages; both at most chat_history messages and
   * HISTORY_MAX_TEXT of text, the newest. One more is asked for, to know
   * whether older ones are left for the client to page through. */
  g_autoptr(GError) error = NULL;
  guint limit = hub->config.chat_history; /* 0: none (to the store, 0 means all) */
  g_autoptr(GPtrArray) all =
      limit ? vt_store_chat_history(hub->store, room->id, MAX(last_chat_id, 0), limit + 1, &error)
            : g_ptr_array_new();
  if (!all) {
    history_failed(hub, room, peer, NULL, error);
    return;
  }
  gboolean more = all->len > limit;
  if (more)
    g_ptr_array_remove_index(all, 0);
  more = keep_newest_text(all, HISTORY_MAX_TEXT) || more;
  guint sent = 0;
  do {
    g_autoptr(GPtrArray) batch = g_ptr_array_new();
    gsize text = 0;
    for (guint i = sent; i < all->len && batch->len < HISTORY_BATCH; i++) {
      VtChatMessage *m = g_ptr_array_index(all, i);
      text += strlen(m->text);
      if (batch->len && text > HISTORY_BATCH_TEXT)
        break;
      g_ptr_array_add(batch, m);
    }
    g_autoptr(GBytes) msg = vt_msg_chat_history(room, batch, more && sent == 0, NULL);
    sent += batch->len;
    vt_hub_send(hub, peer, msg);
  } while (sent < all->len);
}

void vt_room_history(VtHub *hub, VtPeer *peer, const VtClientMessage *msg)
{
  if (peer->state != PEER_ROOM) {
    vt_hub_send_error(hub, peer, msg->ref, "not_in_room", NULL, "history needs a room");
    return;
  }
  VtRoom *room = peer->participant->room;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page =
      vt_store_chat_before(hub->store, room->id, msg->before_id, HISTORY_BATCH + 1, &error);
  if (!page) {
    history_failed(hub, room, peer, msg->ref, error);
    return;
  }
  gboolean more = page->len > HISTORY_BATCH;
  if (more)
    g_ptr_array_remove_index(page, 0);
  more = keep_newest_text(page, HISTORY_BATCH_TEXT) || more;
  g_autoptr(GBytes) out = vt_msg_chat_history(room, page, more, msg->ref);
  vt_hub_send(hub, peer, out);
}

static VtParticipant *add_participant(VtHub *hub, VtRoom *room, VtPeer *peer, gint64 now_ms)
{
  VtParticipant *p = g_new0(VtParticipant, 1);
  p->room = room;
  p->id = g_strdup(peer->id);
  p->sub = g_strdup(peer->token->sub);
  p->name = g_strdup(peer->token->name);
  p->role = peer->token->role;
  p->invite = peer->invite;
  g_ptr_array_add(room->participants, p);
  g_autoptr(GError) error = NULL;
  if (!vt_store_room_add_member(hub->store, room->id, p->id, &error))
    g_warning("room %s: %s", room->id, error->message);
  vt_hub_log(hub, VT_CALL_ROOM_JOIN, room->shop, room->id, peer, -1, NULL, now_ms);
  return p;
}

/* The participant's place gets a new socket; an old socket still open (the
 * same person on a new network) is closed so that nobody is in twice. */
static void take_place(VtHub *hub, VtParticipant *p, VtPeer *peer)
{
  VtPeer *old = p->peer;
  if (old && old != peer) {
    old->participant = NULL;
    old->state = PEER_ENDED;
    vt_hub_close_peer(hub, old, VT_CLOSE_REPLACED, "replaced");
  }
  p->peer = peer;
  p->away_ms = 0;
  g_free(p->name);
  p->name = g_strdup(peer->token->name);
}

gboolean vt_room_enter(VtHub *hub, VtRoom *room, VtPeer *peer, gint64 last_chat_id,
                       const char *ref, gint64 now_ms)
{
  /* Kept in the store, so that a restart does not let them back in. */
  if (vt_store_room_is_removed(hub->store, room->id, peer->id)) {
    peer->state = peer->token->role == VT_ROLE_STAFF ? PEER_CONSOLE : PEER_ENDED;
    vt_hub_send_error(hub, peer, ref, "removed", NULL, "staff removed you from this room");
    return FALSE;
  }
  VtParticipant *p = vt_room_find(room, peer->id);
  gboolean returning = p != NULL;
  if (p)
    take_place(hub, p, peer);
  else
    p = add_participant(hub, room, peer, now_ms);
  p->peer = peer;
  peer->participant = p;
  peer->state = PEER_ROOM;
  room->empty_since_ms = 0;

  g_autoptr(GBytes) joined = vt_msg_joined(hub, peer, ref);
  vt_hub_send(hub, peer, joined);
  g_autoptr(GBytes) snapshot = vt_msg_room(room);
  vt_hub_send(hub, peer, snapshot);
  send_history(hub, room, peer, last_chat_id);
  g_autoptr(GBytes) event =
      vt_msg_participant(returning ? "participant_back" : "participant_joined", p, NULL);
  broadcast(hub, room, event, p);
  /* A new socket is a new client: its media starts afresh. */
  vt_relay_participant_joined(hub->relay, room->id, p->id);
  return TRUE;
}

void vt_room_leave(VtHub *hub, VtParticipant *p, const char *reason, gint64 now_ms)
{
  VtRoom *room = p->room;
  if (p->peer)
    p->peer->participant = NULL;
  p->peer = NULL;
  /* Logged from the place, not the socket: the socket may be long gone. */
  VtCallEvent log = {.ts_ms = now_ms, .kind = VT_CALL_ROOM_LEAVE, .store = room->shop->id,
                     .room = room->id, .participant = p->id, .name = p->name,
                     .role = (char *)vt_role_to_string(p->role), .reason = (char *)reason,
                     .wait_ms = -1};
  g_autoptr(GError) error = NULL;
  if (!vt_store_log(hub->store, &log, &error))
    g_warning("call log: %s", error->message);
  vt_relay_participant_left(hub->relay, room->id, p->id);
  /* Left, removed or not back in time: the invite's visit is over. */
  if (p->invite)
    vt_hub_invite_done(hub, p->id, now_ms);
  g_autoptr(GError) member_error = NULL;
  if (!vt_store_room_remove_member(hub->store, room->id, p->id, &member_error))
    g_warning("room %s: %s", room->id, member_error->message);
  g_autoptr(GBytes) event = vt_msg_participant("participant_left", p, reason);
  g_ptr_array_remove(room->participants, p); /* frees p */
  broadcast(hub, room, event, NULL);
  if (room->participants->len == 0)
    vt_room_end(hub, room, "empty", now_ms);
}

void vt_room_away(VtHub *hub, VtParticipant *p, gint64 now_ms)
{
  p->peer = NULL;
  p->away_ms = now_ms;
  g_autoptr(GBytes) event = vt_msg_participant("participant_away", p, NULL);
  broadcast(hub, p->room, event, NULL);
}

void vt_room_end(VtHub *hub, VtRoom *room, const char *reason, gint64 now_ms)
{
  g_autoptr(GBytes) ended = vt_msg_call_ended(room, reason);
  for (guint i = 0; i < room->participants->len; i++) {
    VtParticipant *p = g_ptr_array_index(room->participants, i);
    vt_relay_participant_left(hub->relay, room->id, p->id);
    if (p->invite)
      vt_hub_invite_done(hub, p->id, now_ms);
    if (!p->peer)
      continue;
    vt_hub_send(hub, p->peer, ended);
    p->peer->participant = NULL;
    p->peer->state = p->role == VT_ROLE_STAFF ? PEER_CONSOLE : PEER_ENDED;
  }
  g_autoptr(GError) error = NULL;
  if (!vt_store_room_close(hub->store, room->id, now_ms, &error))
    g_warning("room %s: %s", room->id, error->message);
  vt_hub_log(hub, VT_CALL_ROOM_END, room->shop, room->id, NULL, -1, reason, now_ms);
  g_hash_table_remove(room->shop->rooms, room->id);
  g_hash_table_remove(hub->rooms, room->id); /* frees room */
}

void vt_room_chat(VtHub *hub, VtPeer *peer, const VtClientMessage *msg, gint64 now_ms)
{
  if (peer->state != PEER_ROOM) {
    vt_hub_send_error(hub, peer, msg->ref, "not_in_room", NULL, "chat needs a room");
    return;
  }
  VtRoom *room = peer->participant->room;
  gboolean duplicate = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(VtChatMessage) stored = vt_store_chat_append(
      hub->store, room->shop->id, room->id, peer->id, peer->token->name,
      vt_role_to_string(peer->token->role), msg->client_id, msg->text, now_ms, &duplicate,
      &error);
  if (!stored) {
    g_warning("chat in %s: %s", room->id, error->message);
    vt_hub_send_error(hub, peer, msg->ref, "internal", NULL,
                      "the message could not be stored; send it again");
    return;
  }
  g_autoptr(GBytes) out = vt_msg_chat(stored);
  /* A resend of a stored message is only confirmed to its sender. */
  if (duplicate) {
    vt_hub_send(hub, peer, out);
    return;
  }
  hub->metrics->chat_messages++;
  broadcast(hub, room, out, NULL);
}

void vt_room_sending(VtHub *hub, VtPeer *peer, const VtClientMessage *msg)
{
  if (peer->state != PEER_ROOM) {
    vt_hub_send_error(hub, peer, msg->ref, "not_in_room", NULL, "sending needs a room");
    return;
  }
  VtParticipant *p = peer->participant;
  if (p->media_known && p->sends_audio == msg->audio && p->sends_video == msg->video)
    return;
  p->media_known = TRUE;
  p->sends_audio = msg->audio;
  p->sends_video = msg->video;
  g_autoptr(GBytes) event = vt_msg_participant("participant_media", p, NULL);
  broadcast(hub, p->room, event, NULL);
}

void vt_room_remove(VtHub *hub, VtPeer *staff, const VtClientMessage *msg, gint64 now_ms)
{
  if (staff->state != PEER_ROOM) {
    vt_hub_send_error(hub, staff, msg->ref, "not_in_room", NULL, "remove needs a room");
    return;
  }
  VtRoom *room = staff->participant->room;
  VtParticipant *target = vt_room_find(room, msg->participant);
  if (!target || target == staff->participant) {
    vt_hub_send_error(hub, staff, msg->ref, target ? "invalid_field" : "not_found",
                      "participant",
                      target ? "use leave to leave a room" : "no such participant here");
    return;
  }
  g_autoptr(GError) error = NULL;
  if (!vt_store_room_add_removal(hub->store, room->id, target->id, &error))
    g_warning("room %s: %s", room->id, error->message);
  VtPeer *peer = target->peer;
  if (peer) {
    g_autoptr(GBytes) removed = vt_msg_simple("removed", NULL, "room", room->id);
    vt_hub_send(hub, peer, removed);
    peer->state = target->role == VT_ROLE_STAFF ? PEER_CONSOLE : PEER_ENDED;
  }
  vt_room_leave(hub, target, "removed", now_ms);
}

void vt_room_tick(VtHub *hub, VtRoom *room, gint64 now_ms)
{
  if (room->empty_since_ms && now_ms - room->empty_since_ms >= hub->config.reconnect_grace_ms) {
    vt_room_end(hub, room, "abandoned", now_ms);
    return;
  }
  /* Leaving may end and free the room, so stop once it is gone. */
  for (guint i = room->participants->len; i > 0; i--) {
    if (i > room->participants->len)
      continue;
    VtParticipant *p = g_ptr_array_index(room->participants, i - 1);
    if (p->peer || now_ms - p->away_ms < hub->config.reconnect_grace_ms)
      continue;
    gboolean last = room->participants->len == 1;
    vt_room_leave(hub, p, "timeout", now_ms);
    if (last)
      return;
  }
}
