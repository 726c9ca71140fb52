/* `vitrine client`; see client.h. This file is the call's state machine:
 * it reads signaling messages, drives the publisher and the subscriber, and
 * writes the report. */
#include "media/client.h"

#include <glib-unix.h>
#include <gst/gst.h>
#include <stdio.h>

#include "media/client-options.h"
#include "media/client-ice.h"
#include "media/client-publish.h"
#include "media/client-report.h"
#include "media/client-signal.h"
#include "media/client-subscribe.h"

#define PROTOCOL_VERSION 1
/* How long a clean leave may take: "left", then the close handshake. */
#define LEAVE_TIMEOUT_MS 3000

typedef enum {
  PHASE_CONNECTING,
  PHASE_JOINING, /* join sent; also while waiting in a lobby */
  PHASE_IN_ROOM,
  PHASE_LEAVING, /* leave sent or the socket is closing */
  PHASE_DONE,
} Phase;

typedef struct {
  VtClientOptions *options;
  GMainLoop *loop;
  VtClientSignal *signal;
  VtClientPublisher *pub;
  VtClientSubscriber *sub;
  VtClientReport *report;
  Phase phase;
  gboolean server_bye; /* the server said it is shutting down */
  guint next_ref;
  gint64 open_us, join_sent_us, joined_us, left_us;
  guint duration_source, leave_source;
  VtClientIceServers ice; /* from joined: STUN/TURN for both connections */
} Client;

static void begin_leave(Client *c);

static void progress(Client *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void progress(Client *c, const char *fmt, ...)
{
  if (c->options->json)
    return;
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fprintf(stderr, "vitrine client: %s\n", text);
}

/* Records the first failure and ends the call. */
static void fail(Client *c, const char *reason)
{
  vt_client_report_fail(c->report, reason);
  begin_leave(c);
}

/* ---- sending ---- */

static JsonObject *message_new(const char *type)
{
  JsonObject *msg = json_object_new();
  json_object_set_string_member(msg, "type", type);
  return msg;
}

/* Sends msg with a ref made of prefix and a counter, so that an error can
 * be traced back to what caused it. */
static void send_with_ref(Client *c, JsonObject *msg, const char *prefix)
{
  g_autofree char *ref = g_strdup_printf("%s%u", prefix, ++c->next_ref);
  json_object_set_string_member(msg, "ref", ref);
  vt_client_signal_send(c->signal, msg);
  json_object_unref(msg);
}

static void send_join(Client *c)
{
  JsonObject *msg = message_new("join");
  json_object_set_string_member(msg, "token", c->options->token);
  c->join_sent_us = g_get_monotonic_time();
  send_with_ref(c, msg, "j");
}

/* ---- peer events (publisher and subscriber) ---- */

static gboolean is_publish(Client *c, VtClientPeer *peer)
{
  return c->pub && vt_client_publisher_peer(c->pub) == peer;
}

static void on_description(gpointer user, VtClientPeer *peer, const char *sdp)
{
  Client *c = user;
  if (c->phase != PHASE_IN_ROOM)
    return; /* leaving: negotiating is over */
  gboolean publish = is_publish(c, peer);
  JsonObject *msg = message_new(publish ? "publish_offer" : "subscribe_answer");
  json_object_set_string_member(msg, "sdp", sdp);
  progress(c, "sending the %s", publish ? "publish offer" : "subscribe answer");
  send_with_ref(c, msg, publish ? "po" : "sa");
}

static void on_candidate(gpointer user, VtClientPeer *peer, guint mline, const char *mid,
                         const char *candidate)
{
  Client *c = user;
  if (c->phase != PHASE_IN_ROOM)
    return;
  JsonObject *msg = message_new("ice");
  json_object_set_string_member(msg, "pc", vt_client_peer_name(peer));
  json_object_set_string_member(msg, "candidate", candidate);
  if (mid)
    json_object_set_string_member(msg, "sdp_mid", mid);
  json_object_set_int_member(msg, "sdp_mline_index", mline);
  send_with_ref(c, msg, "i");
}

static void on_peer_failed(gpointer user, VtClientPeer *peer, const char *reason)
{
  fail(user, reason);
}

static const VtClientPeerEvents peer_events = {on_description, on_candidate, on_peer_failed, NULL};

/* ---- the room ---- */

static gboolean on_duration(gpointer data)
{
  Client *c = data;
  c->duration_source = 0;
  progress(c, "%g s are up, leaving", c->options->duration_s);
  begin_leave(c);
  return G_SOURCE_REMOVE;
}

static gboolean start_media(Client *c, GError **error)
{
  const char *const *addresses = (const char *const *)c->options->local_addresses;
  if (c->options->relay_only && !(c->ice.turns && c->ice.turns[0])) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                "--relay-only: the server names no TURN server (its ice-turn and turn-secret "
                "settings)");
    return FALSE;
  }
  if (c->options->subscribe) {
    c->sub = vt_client_subscriber_new(addresses, &peer_events, c, error);
    if (!c->sub)
      return FALSE;
    vt_client_ice_servers_apply(&c->ice, c->options->relay_only,
                                vt_client_peer_element(vt_client_subscriber_peer(c->sub)));
    if (!vt_client_subscriber_start(c->sub, error))
      return FALSE;
  }
  if (c->options->source != VT_CLIENT_SOURCE_NONE) {
    c->pub = vt_client_publisher_new(c->options, &peer_events, c, error);
    if (!c->pub)
      return FALSE;
    vt_client_ice_servers_apply(&c->ice, c->options->relay_only,
                                vt_client_peer_element(vt_client_publisher_peer(c->pub)));
    if (!vt_client_publisher_start(c->pub, error))
      return FALSE;
  }
  return TRUE;
}

static void enter_room(Client *c, const VtServerMessage *joined)
{
  if (c->phase != PHASE_JOINING)
    return; /* a second "joined" (a move between rooms) changes nothing here */
  c->phase = PHASE_IN_ROOM;
  c->joined_us = g_get_monotonic_time();
  c->report->join_ms = (double)(c->joined_us - c->open_us) / 1000.0;
  c->report->participant = g_strdup(joined->participant_id);
  progress(c, "joined as %s in %.1f ms", c->report->participant ? c->report->participant : "?",
           c->report->join_ms);
  if (c->options->duration_s > 0)
    c->duration_source = g_timeout_add((guint)(c->options->duration_s * 1000), on_duration, c);
  vt_client_ice_servers_clear(&c->ice);
  c->ice.stun = g_strdup(joined->ice_servers.stun);
  c->ice.turns = g_strdupv(joined->ice_servers.turns);
  for (guint i = 0; i < joined->ice_warnings->len; i++)
    g_warning("%s", (char *)g_ptr_array_index(joined->ice_warnings, i));
  g_autoptr(GError) error = NULL;
  if (!start_media(c, &error))
    fail(c, error->message);
}

static const char *or_default(const char *s, const char *otherwise)
{
  return s ? s : otherwise;
}

static void on_joined(Client *c, const VtServerMessage *msg)
{
  const char *state = or_default(msg->state, "");
  if (g_str_equal(state, "room"))
    enter_room(c, msg);
  else if (g_str_equal(state, "lobby"))
    progress(c, "waiting in the lobby");
  else
    fail(c, "join: the token names no room (the server put this client in its staff console)");
}

/* An error from the server, judged by what it answers (its ref). */
static void on_error(Client *c, const VtServerMessage *msg)
{
  const char *code = or_default(msg->code, "?");
  const char *text = or_default(msg->message, "");
  const char *ref = or_default(msg->ref, "");
  const char *what = NULL;
  if (g_str_has_prefix(ref, "j"))
    what = "join rejected";
  else if (g_str_has_prefix(ref, "po"))
    what = "publish negotiation failed";
  else if (g_str_has_prefix(ref, "sa"))
    what = "subscribe negotiation failed";
  else if (g_str_equal(code, "auth_timeout"))
    what = "join timed out";
  if (!what) {
    /* A refused candidate or a rate limit does not end the call by itself. */
    g_warning("server error %s%s%s (ref %s)", code, *text ? ": " : "", text, *ref ? ref : "none");
    return;
  }
  g_autofree char *reason = g_strdup_printf("%s: %s%s%s", what, code, *text ? ": " : "", text);
  fail(c, reason);
}

static void on_remote_candidate(Client *c, const VtServerMessage *msg)
{
  const char *pc = or_default(msg->pc, "");
  const char *candidate = or_default(msg->candidate, "");
  guint mline = msg->mline_index < 0 ? 0 : (guint)msg->mline_index;
  if (g_str_equal(pc, "publish") && c->pub)
    vt_client_peer_add_candidate(vt_client_publisher_peer(c->pub), mline, candidate);
  else if (g_str_equal(pc, "subscribe") && c->sub)
    vt_client_peer_add_candidate(vt_client_subscriber_peer(c->sub), mline, candidate);
}

static void on_media_state(Client *c, const VtServerMessage *msg)
{
  const char *pc = or_default(msg->pc, "?");
  const char *state = or_default(msg->state, "?");
  const char *reason = or_default(msg->reason, "");
  progress(c, "%s connection %s%s%s", pc, state, *reason ? ": " : "", reason);
  if (g_str_equal(state, "connected") && g_str_equal(pc, "publish") && c->pub)
    vt_client_publisher_connected(c->pub);
  if (g_str_equal(state, "failed")) {
    g_autofree char *why = g_strdup_printf("media_state: the %s connection failed%s%s", pc,
                                           *reason ? ": " : "", reason);
    fail(c, why);
  }
}

static void on_sdp_message(Client *c, const VtServerMessage *msg, gboolean offer)
{
  if (offer && !c->sub)
    return; /* not subscribing: the relay's offers are not ours to answer */
  if (!offer && !c->pub)
    return;
  if (!msg->sdp || !*msg->sdp) {
    fail(c, offer ? "subscribe_offer without sdp" : "publish_answer without sdp");
    return;
  }
  if (offer)
    vt_client_subscriber_handle_offer(c->sub, msg->sdp);
  else
    vt_client_peer_set_remote(vt_client_publisher_peer(c->pub), "answer", msg->sdp);
}

static void on_hello(Client *c, const VtServerMessage *msg)
{
  if (msg->protocol == PROTOCOL_VERSION)
    return;
  g_autofree char *reason = g_strdup_printf(
      "the server speaks protocol %" G_GINT64_FORMAT ", this client %d", msg->protocol, PROTOCOL_VERSION);
  fail(c, reason);
}

static void on_message(gpointer user, const VtServerMessage *msg)
{
  Client *c = user;
  if (c->phase == PHASE_DONE)
    return;
  switch (msg->type) {
  case VT_SERVER_MSG_HELLO:
    on_hello(c, msg);
    break;
  case VT_SERVER_MSG_JOINED:
    on_joined(c, msg);
    break;
  case VT_SERVER_MSG_ERROR:
    on_error(c, msg);
    break;
  case VT_SERVER_MSG_PUBLISH_ANSWER:
  case VT_SERVER_MSG_SUBSCRIBE_OFFER:
    on_sdp_message(c, msg, msg->type == VT_SERVER_MSG_SUBSCRIBE_OFFER);
    break;
  case VT_SERVER_MSG_ICE:
    on_remote_candidate(c, msg);
    break;
  case VT_SERVER_MSG_MEDIA_STATE:
    on_media_state(c, msg);
    break;
  case VT_SERVER_MSG_CALL_ENDED:
    progress(c, "the call has ended");
    begin_leave(c);
    break;
  case VT_SERVER_MSG_REMOVED:
    fail(c, "removed from the room by staff");
    break;
  case VT_SERVER_MSG_LEFT:
    vt_client_signal_close(c->signal);
    break;
  case VT_SERVER_MSG_BYE:
    c->server_bye = TRUE;
    break;
  case VT_SERVER_MSG_OTHER:
    break; /* room, chat, participants, lobby: not this client's */
  }
}

/* ---- the socket ---- */

static void on_opened(gpointer user)
{
  Client *c = user;
  c->open_us = g_get_monotonic_time();
  c->phase = PHASE_JOINING;
  progress(c, "connected to %s", c->options->ws_url);
  send_join(c);
}

static void on_closed(gpointer user, guint code, const char *reason, const char *error)
{
  Client *c = user;
  if (c->phase != PHASE_LEAVING && c->phase != PHASE_DONE) {
    g_autofree char *why =
        error ? g_strdup_printf("cannot connect to %s: %s", c->options->ws_url, error)
              : g_strdup_printf("the server closed the connection (%u%s%s)%s", code,
                                reason && *reason ? " " : "", reason ? reason : "",
                                c->server_bye ? ": it is shutting down" : "");
    vt_client_report_fail(c->report, why);
  }
  c->phase = PHASE_DONE;
  g_main_loop_quit(c->loop);
}

static const VtClientSignalEvents signal_events = {on_opened, on_message, on_closed};

/* ---- leaving ---- */

static gboolean on_leave_timeout(gpointer data)
{
  Client *c = data;
  c->leave_source = 0;
  g_warning("the server did not finish the leave in time; closing");
  c->phase = PHASE_DONE;
  g_main_loop_quit(c->loop);
  return G_SOURCE_REMOVE;
}

/* Ends the call once, from any phase: in a room, "leave" first (the answer,
 * "left", closes the socket); otherwise the socket is just closed. The loop
 * quits when the close completes or after LEAVE_TIMEOUT_MS. */
static void begin_leave(Client *c)
{
  if (c->phase == PHASE_LEAVING || c->phase == PHASE_DONE)
    return;
  Phase was = c->phase;
  c->phase = PHASE_LEAVING;
  g_clear_handle_id(&c->duration_source, g_source_remove);
  if (was == PHASE_IN_ROOM)
    c->left_us = g_get_monotonic_time();
  if (!vt_client_signal_is_open(c->signal)) {
    c->phase = PHASE_DONE;
    g_main_loop_quit(c->loop);
    return;
  }
  if (was == PHASE_IN_ROOM)
    send_with_ref(c, message_new("leave"), "l");
  else
    vt_client_signal_close(c->signal);
  c->leave_source = g_timeout_add(LEAVE_TIMEOUT_MS, on_leave_timeout, c);
}

static gboolean on_interrupt(gpointer data)
{
  Client *c = data;
  if (c->phase == PHASE_LEAVING || c->phase == PHASE_DONE) {
    c->phase = PHASE_DONE; /* asked twice: stop waiting for the server */
    g_main_loop_quit(c->loop);
  } else {
    progress(c, "interrupted, leaving");
    begin_leave(c);
  }
  return G_SOURCE_CONTINUE;
}

/* ---- the report ---- */

static guint64 packets_sent(const VtClientReport *r, guint64 *frames)
{
  guint64 packets = 0;
  *frames = 0;
  for (guint i = 0; i < r->published->len; i++) {
    const VtReportPublished *p = g_ptr_array_index(r->published, i);
    packets += p->packets_sent;
    *frames += p->frames_sent;
  }
  return packets;
}

/* Fills the report from the pipelines while they still run, then stops
 * them. */
static void collect(Client *c)
{
  VtClientReport *r = c->report;
  if (c->joined_us) {
    gint64 end = c->left_us ? c->left_us : g_get_monotonic_time();
    r->duration_s = (double)(end - c->joined_us) / G_USEC_PER_SEC;
  }
  if (c->pub) {
    g_autoptr(GstStructure) stats = vt_client_peer_get_stats(vt_client_publisher_peer(c->pub));
    vt_client_publisher_report(c->pub, stats, r);
    guint64 frames;
    guint64 packets = packets_sent(r, &frames);
    if (stats ? packets == 0 : frames == 0)
      vt_client_report_fail(r, "publish: nothing was sent");
    vt_client_publisher_stop(c->pub);
  }
  if (c->sub) {
    g_autoptr(GstStructure) stats = vt_client_peer_get_stats(vt_client_subscriber_peer(c->sub));
    vt_client_subscriber_report(c->sub, stats, r);
    gint64 first = vt_client_subscriber_first_frame_us(c->sub);
    if (first)
      r->first_frame_ms = (double)(first - c->join_sent_us) / 1000.0;
    vt_client_subscriber_stop(c->sub);
  }
}

static void print_report(Client *c)
{
  if (c->options->json) {
    g_autofree char *json = vt_client_report_to_json(c->report);
    printf("%s\n", json);
    fflush(stdout);
  } else {
    vt_client_report_print_text(c->report, stderr);
  }
  if (!c->report->ok)
    fprintf(stderr, "vitrine client: %s\n", c->report->error);
}

/* ---- main ---- */

/* Progress and warnings from the client's modules go to stderr; with
 * --json, where stderr holds at most the failure's one line, warnings go
 * into the report instead and progress is dropped. */
static void log_line(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  Client *c = data;
  gboolean warning = (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING));
  if (warning && c->options->json)
    vt_client_report_warn(c->report, message);
  else if (warning || (level & G_LOG_LEVEL_MESSAGE))
    progress(c, "%s%s", warning ? "warning: " : "", message);
}

static void run(Client *c)
{
  guint sigint = g_unix_signal_add(SIGINT, on_interrupt, c);
  guint sigterm = g_unix_signal_add(SIGTERM, on_interrupt, c);
  c->signal = vt_client_signal_new(c->options->ws_url, c->options->origin, c->options->insecure,
                                   &signal_events, c);
  vt_client_signal_connect(c->signal);
  g_main_loop_run(c->loop);
  g_clear_handle_id(&c->duration_source, g_source_remove);
  g_clear_handle_id(&c->leave_source, g_source_remove);
  g_source_remove(sigint);
  g_source_remove(sigterm);
  collect(c);
}

int vt_client_main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VtClientOptions) options = NULL;
  if (!vt_client_options_parse(argc, argv, &options, &error)) {
    fprintf(stderr, "vitrine client: %s\n", error->message);
    return 2;
  }
  if (!gst_init_check(NULL, NULL, &error)) {
    fprintf(stderr, "vitrine client: cannot start GStreamer: %s\n", error->message);
    return 1;
  }
  Client c = {.options = options, .report = vt_client_report_new()};
  guint handler = g_log_set_handler(NULL, G_LOG_LEVEL_MASK, log_line, &c);
  c.loop = g_main_loop_new(NULL, FALSE);
  GThread *warm_up = vt_client_peer_warm_up();
  run(&c);
  vt_client_peer_warm_up_wait(warm_up);
  print_report(&c);
  int status = c.report->ok ? 0 : 1;
  g_clear_pointer(&c.pub, vt_client_publisher_free);
  g_clear_pointer(&c.sub, vt_client_subscriber_free);
  g_clear_pointer(&c.signal, vt_client_signal_free);
  /* Let queued events of the closed peers run (and do nothing). */
  while (g_main_context_iteration(NULL, FALSE))
    ;
  g_log_remove_handler(NULL, handler);
  vt_client_report_free(c.report);
  vt_client_ice_servers_clear(&c.ice);
  g_main_loop_unref(c.loop);
  return status;
}
