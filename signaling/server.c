/* libwebsockets adapter: TLS listener, static files and the /ws socket.
 * Assembles WebSocket messages, enforces the transport-level limits (size,
 * Origin, sockets per IP) and queues outgoing messages; every protocol
 * decision is the hub's. HTTP (/healthz, /metrics, the API) is in
 * server-http.c. */
#include "signaling/server-priv.h"

#include <gio/gio.h>
#include <openssl/ssl.h>
#include <string.h>

#include "build-config.h"
#include "signaling/protocol.h"

/* Outgoing messages queued for one socket beyond which it is considered
 * stuck and closed; a client that reconnects replays chat from its last id.
 * Bytes are bounded too, per socket and for all together (configuration):
 * a socket that never reads must not hold the server's memory. */
#define MAX_QUEUED 4096
#define TICK_MS 250

/* The hub works in wall-clock time: tokens, chat and the call log carry it. */
static gint64 now_ms(void)
{
  return g_get_real_time() / 1000;
}

/* -- Transport for the hub ------------------------------------------------ */

static void mark_dirty(Conn *c)
{
  if (c->dirty_link.data)
    return;
  c->dirty_link.data = c;
  g_queue_push_tail_link(&c->server->dirty, &c->dirty_link);
}

static void unmark_dirty(Conn *c)
{
  if (!c->dirty_link.data)
    return;
  g_queue_unlink(&c->server->dirty, &c->dirty_link);
  c->dirty_link.data = NULL;
}

/* ---- the out queue, counted in bytes ---- */

static void out_push(Conn *c, GBytes *message)
{
  gsize size = g_bytes_get_size(message);
  g_queue_push_tail(&c->out, g_bytes_ref(message));
  c->out_bytes += size;
  c->server->queued_bytes += size;
}

static GBytes *out_pop(Conn *c)
{
  GBytes *message = g_queue_pop_head(&c->out);
  if (message) {
    gsize size = g_bytes_get_size(message);
    c->out_bytes -= size;
    c->server->queued_bytes -= size;
  }
  return message;
}

static void out_clear(Conn *c)
{
  GBytes *message;
  while ((message = out_pop(c)))
    g_bytes_unref(message);
}

/* Whether one more message of size makes this socket a slow consumer: too
 * much waiting for it, or all sockets together over the budget while this
 * one is behind (one that keeps up has nothing waiting). */
static gboolean too_slow(const Conn *c, gsize size)
{
  const VtServer *s = c->server;
  return c->out.length >= MAX_QUEUED || c->out_bytes + size > s->config.socket_queue_bytes ||
         (c->out.length > 0 && s->queued_bytes + size > s->config.queued_bytes);
}

static void conn_send(gpointer data, GBytes *message)
{
  Conn *c = data;
  if (c->close_code || c->peer_closing)
    return;
  if (too_slow(c, g_bytes_get_size(message))) {
    c->close_code = 1008;
    g_strlcpy(c->close_reason, "slow_consumer", sizeof c->close_reason);
    out_clear(c); /* it would not read it; the memory goes now */
    vt_metrics_count(c->server->metrics.errors, "slow_consumer");
  } else {
    out_push(c, message);
  }
  mark_dirty(c);
}

static void conn_close(gpointer data, guint16 code, const char *reason)
{
  Conn *c = data;
  if (!c->close_code) {
    c->close_code = code;
    g_strlcpy(c->close_reason, reason, sizeof c->close_reason);
  }
  /* A socket replaced by a newer one of the same person would be sent what
   * the newer one gets anyway. */
  if (code == VT_CLOSE_REPLACED)
    out_clear(c);
  lws_callback_on_writable(c->wsi);
}

static const VtTransport conn_transport = {conn_send, conn_close};

void vt_server_conn_clear(Conn *c)
{
  out_clear(c);
  g_clear_pointer(&c->rx, g_byte_array_unref);
  g_clear_pointer(&c->api_path, g_free);
  if (c->http_body)
    g_string_free(g_steal_pointer(&c->http_body), TRUE);
}

/* Appends one unmasked WebSocket text frame (RFC 6455 5.2) to buf. */
static gsize put_frame(guint8 *buf, const guint8 *payload, gsize len)
{
  gsize head = 2;
  buf[0] = 0x81; /* FIN, text */
  if (len < 126) {
    buf[1] = (guint8)len;
  } else if (len <= 0xffff) {
    buf[1] = 126;
    buf[2] = (guint8)(len >> 8);
    buf[3] = (guint8)len;
    head = 4;
  } else {
    buf[1] = 127;
    for (int i = 0; i < 8; i++)
      buf[2 + i] = (guint8)((guint64)len >> (56 - 8 * i));
    head = 10;
  }
  memcpy(buf + head, payload, len);
  return head + len;
}

/* Writes the first queued message from a buffer of its own, for the rare
 * message larger than the shared write buffer. */
static int write_large(Conn *c)
{
  g_autoptr(GBytes) msg = out_pop(c);
  gsize len;
  const guint8 *data = g_bytes_get_data(msg, &len);
  g_autofree guint8 *buf = g_malloc(LWS_PRE + len + 10);
  gsize n = put_frame(buf + LWS_PRE, data, len);
  if (lws_write(c->wsi, buf + LWS_PRE, n, LWS_WRITE_RAW) < (int)n)
    return -1;
  if (c->out.length || c->close_code)
    lws_callback_on_writable(c->wsi);
  return 0;
}

/* Writes the queued messages as whole frames in one TLS write (one record
 * and one syscall for a burst instead of one per message); lws keeps
 * whatever the socket does not take yet and calls back when it is drained.
 * Then, if the hub asked for it, closes with its code. Returns -1 to close. */
static int conn_writable(Conn *c)
{
  VtServer *s = c->server;
  guint8 *out = s->scratch + LWS_PRE;
  gsize room = s->scratch_len - LWS_PRE, used = 0;
  while (c->out.length) {
    gsize len;
    const guint8 *data = g_bytes_get_data(g_queue_peek_head(&c->out), &len);
    if (used + len + 10 > room) {
      if (used == 0)
        return write_large(c); /* bigger than the whole buffer: alone */
      break;
    }
    used += put_frame(out + used, data, len);
    g_bytes_unref(out_pop(c));
  }
  if (used && lws_write(c->wsi, out, used, LWS_WRITE_RAW) < (int)used)
    return -1;
  if (c->out.length) {
    lws_callback_on_writable(c->wsi);
    return 0;
  }
  if (c->close_code) {
    lws_close_reason(c->wsi, c->close_code, (unsigned char *)c->close_reason,
                     strlen(c->close_reason));
    return -1;
  }
  return 0;
}

/* Sends what the hub queued during the last loop iteration, at the start of
 * the next, straight to every socket that can take it. Asking lws for a
 * writable callback instead costs two changes to GLib's poll set per
 * message, and each change wakes the loop for another pass over every
 * descriptor; sockets that are full, and closes, still go through lws. */
static void flush_dirty(VtServer *s)
{
  GList *link;
  while ((link = g_queue_pop_head_link(&s->dirty))) {
    Conn *c = link->data;
    link->data = NULL;
    if (c->peer_closing) /* no data frames after a close (RFC 6455 5.5.1) */
      out_clear(c);
    else if (c->close_code || lws_send_pipe_choked(c->wsi))
      lws_callback_on_writable(c->wsi);
    else if (conn_writable(c) < 0)
      lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
  }
}

/* The batch that the queued messages tell of was not stored: rather than
 * announce what is lost, closes those sockets unsent. Their clients
 * reconnect and replay from what is stored. */
static void drop_dirty(VtServer *s)
{
  GList *link;
  while ((link = g_queue_pop_head_link(&s->dirty))) {
    Conn *c = link->data;
    link->data = NULL;
    out_clear(c);
    conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "store_failed");
  }
}

/* Once per loop iteration, before anything is sent: the store's writes of
 * the last iteration are committed (one transaction for all of them; in a
 * burst of joins or chat that halves the server's work), then the messages
 * that tell of them go out. FALSE when the commit failed. */
gboolean vt_server_flush(VtServer *s)
{
  g_autoptr(GError) error = NULL;
  s->batch_since_us = 0;
  vt_relay_wake_workers(vt_hub_relay(s->hub));
  if (vt_store_commit(s->store, &error)) {
    flush_dirty(s);
    return TRUE;
  }
  g_warning("store: %s; closing the %u sockets that were to hear of it", error->message,
            s->dirty.length);
  vt_metrics_count(s->metrics.errors, "store_failed");
  g_autoptr(GPtrArray) lost = vt_store_take_lost_rooms(s->store);
  vt_hub_rooms_lost(s->hub, lost, now_ms());
  drop_dirty(s);
  return FALSE;
}

static gboolean flush_due(VtServer *s)
{
  return s->dirty.length > 0 || vt_store_pending(s->store);
}

/* A loop iteration that reads hundreds of messages (a burst of joins after a
 * network blip) sends its replies every few milliseconds rather than all at
 * its end, so that the first to arrive are not held for the last. */
#define MAX_BATCH_US 5000

static void flush_if_old(VtServer *s)
{
  if (!flush_due(s))
    return;
  gint64 now = g_get_monotonic_time();
  if (!s->batch_since_us)
    s->batch_since_us = now;
  else if (now - s->batch_since_us >= MAX_BATCH_US)
    vt_server_flush(s);
}

typedef struct {
  GSource source;
  VtServer *server;
} FlushSource;

static gboolean flush_prepare(GSource *source, gint *timeout)
{
  *timeout = -1;
  return flush_due(((FlushSource *)source)->server);
}

static gboolean flush_check(GSource *source)
{
  return flush_due(((FlushSource *)source)->server);
}

static gboolean flush_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
  vt_server_flush(((FlushSource *)source)->server);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs flush_funcs = {flush_prepare, flush_check, flush_dispatch, NULL, NULL, NULL};

static GSource *flusher_new(VtServer *s, GMainContext *context)
{
  GSource *source = g_source_new(&flush_funcs, sizeof(FlushSource));
  ((FlushSource *)source)->server = s;
  g_source_set_name(source, "vitrine-flush");
  g_source_attach(source, context);
  return source;
}

/* -- Admission: Origin and sockets per IP ----------------------------------- */

static gboolean origin_allowed(VtServer *s, struct lws *wsi)
{
  char origin[256], host[256];
  int len = lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN);
  /* Only browsers send Origin; other clients are held to their token alone. */
  if (len <= 0)
    return lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) == 0;
  for (char **o = s->config.allowed_origins; o && *o; o++)
    if (g_ascii_strcasecmp(*o, origin) == 0)
      return TRUE;
  if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0)
    return FALSE;
  g_autofree char *own = g_strconcat("https://", host, NULL);
  return g_ascii_strcasecmp(own, origin) == 0;
}

static guint ip_count(VtServer *s, const char *ip)
{
  return GPOINTER_TO_UINT(g_hash_table_lookup(s->per_ip, ip));
}

static void ip_adjust(VtServer *s, const char *ip, int delta)
{
  guint n = ip_count(s, ip) + delta;
  if (n)
    g_hash_table_insert(s->per_ip, g_strdup(ip), GUINT_TO_POINTER(n));
  else
    g_hash_table_remove(s->per_ip, ip);
}

/* Answers a refused WebSocket handshake with an HTTP status, so that a
 * browser's console and an operator's curl say why; then closes. */
static int refuse(struct lws *wsi, unsigned int status, const char *why)
{
  lws_return_http_status(wsi, status, why);
  return -1;
}

static int filter_connection(VtServer *s, struct lws *wsi)
{
  char ip[64] = "", path[16] = "";
  lws_get_peer_simple(wsi, ip, sizeof ip);
  if (lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) <= 0 || strcmp(path, "/ws") != 0)
    return refuse(wsi, HTTP_STATUS_NOT_FOUND, "the signaling socket is at /ws");
  if (!origin_allowed(s, wsi)) {
    g_message("refused a WebSocket from %s: Origin not allowed", ip);
    s->metrics.connections_refused++;
    vt_metrics_count(s->metrics.errors, "origin_refused");
    return refuse(wsi, HTTP_STATUS_FORBIDDEN, "origin not allowed");
  }
  if (ip_count(s, ip) >= s->config.max_sockets_per_ip) {
    s->metrics.connections_refused++;
    vt_metrics_count(s->metrics.errors, "too_many_connections");
    return refuse(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, "too many connections from this address");
  }
  return 0;
}

/* -- WebSocket messages ------------------------------------------------------ */

/* GLib blocks a source while it dispatches: it takes the source's
 * descriptor out of the poll set and puts it back, and each of the two
 * changes wakes the loop for another pass over every descriptor. lws
 * services a socket from that socket's own source, the one dispatching now,
 * and nothing here runs a nested loop, so the block guards against nothing;
 * letting the source recurse skips it (in a burst of 1,000 joins, two
 * wakeups and one extra loop pass per join). */
static void skip_dispatch_block(void)
{
  GSource *source = g_main_current_source();
  if (source && !g_source_get_can_recurse(source))
    g_source_set_can_recurse(source, TRUE);
}

static void ws_established(VtServer *s, Conn *c, struct lws *wsi)
{
  skip_dispatch_block();
  c->server = s;
  c->wsi = wsi;
  lws_get_peer_simple(wsi, c->ip, sizeof c->ip);
  ip_adjust(s, c->ip, +1);
  g_queue_init(&c->out);
  c->peer = vt_hub_peer_open(s->hub, &conn_transport, c, now_ms());
}

static void ws_closed(VtServer *s, Conn *c)
{
  if (!c->peer)
    return;
  vt_hub_peer_closed(s->hub, c->peer, now_ms());
  c->peer = NULL;
  ip_adjust(s, c->ip, -1);
  unmark_dirty(c);
  vt_server_conn_clear(c);
}

/* Assembles fragments; a message over the limit closes the socket with 1009
 * as RFC 6455 asks, since the rest of it cannot be skipped reliably. */
static int ws_receive(VtServer *s, Conn *c, struct lws *wsi, const void *in, size_t len)
{
  if (!c->peer || c->close_code)
    return 0;
  if (!c->rx)
    c->rx = g_byte_array_new();
  if (c->rx->len + len > VT_PROTOCOL_MAX_MESSAGE) {
    vt_metrics_count(s->metrics.errors, "message_too_large");
    const char *why = "message_too_large";
    lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)why,
                     strlen(why));
    return -1;
  }
  g_byte_array_append(c->rx, in, len);
  if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
    return 0;
  g_autoptr(GByteArray) msg = g_steal_pointer(&c->rx);
  if (lws_frame_is_binary(wsi)) {
    vt_hub_peer_error(s->hub, c->peer, "binary_not_supported",
                      "messages are JSON text frames");
    return 0;
  }
  vt_hub_peer_receive(s->hub, c->peer, (const char *)msg->data, msg->len, now_ms());
  flush_if_old(s);
  return 0;
}

/* -- The protocol callback --------------------------------------------------- */

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
  VtServer *s = lws_context_user(lws_get_context(wsi));
  Conn *c = user;
  switch (reason) {
  case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
    return vt_server_tcp_filter(s, user);
  case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
    vt_server_tcp_opened(s, wsi);
    return 0;
  case LWS_CALLBACK_SSL_INFO:
    vt_server_tcp_tls_info(s, wsi, in);
    return 0;
  case LWS_CALLBACK_WSI_DESTROY:
    vt_server_tcp_closed(s, wsi);
    return 0;
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
    return filter_connection(s, wsi);
  case LWS_CALLBACK_ESTABLISHED:
    ws_established(s, c, wsi);
    return 0;
  case LWS_CALLBACK_RECEIVE:
    return ws_receive(s, c, wsi, in, len);
  case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
    if (c)
      c->peer_closing = TRUE;
    return 0;
  case LWS_CALLBACK_SERVER_WRITEABLE:
    if (!c->peer)
      return 0;
    if (vt_store_pending(s->store))
      vt_server_flush(s); /* nothing leaves before what it tells of is stored */
    return conn_writable(c);
  case LWS_CALLBACK_CLOSED:
    ws_closed(s, c);
    return 0;
  case LWS_CALLBACK_HTTP:
    return vt_server_http_request(s, c, wsi, in ? (const char *)in : "");
  case LWS_CALLBACK_HTTP_BODY:
    return vt_server_http_body(c, wsi, in, len);
  case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    return vt_server_http_body_done(s, c, wsi);
  case LWS_CALLBACK_HTTP_WRITEABLE:
    return vt_server_http_writable(c, wsi);
  case LWS_CALLBACK_CLOSED_HTTP:
    if (c)
      vt_server_conn_clear(c);
    return 0;
  default:
    return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

/* -- Setup -------------------------------------------------------------------- */

static gboolean tick(gpointer data)
{
  VtServer *s = data;
  vt_hub_tick(s->hub, now_ms());
  return G_SOURCE_CONTINUE;
}

/* Text types with their charset, so that no browser has to guess. */
static const struct lws_protocol_vhost_options mime_js = {NULL, NULL, ".js",
                                                          "text/javascript; charset=utf-8"};
static const struct lws_protocol_vhost_options mime_css = {&mime_js, NULL, ".css",
                                                           "text/css; charset=utf-8"};
static const struct lws_protocol_vhost_options mime_svg = {&mime_css, NULL, ".svg",
                                                           "image/svg+xml"};
static const struct lws_protocol_vhost_options mime_types = {&mime_svg, NULL, ".html",
                                                             "text/html; charset=utf-8"};

static const char *web_dir(VtServer *s)
{
  return s->config.web_dir ? s->config.web_dir : VT_SOURCE_WEB_DIR;
}

static void setup_mounts(VtServer *s)
{
  const char *web = web_dir(s);
  s->mounts[0] = (struct lws_http_mount){.mountpoint = "/healthz",
                                         .origin = "vitrine",
                                         .origin_protocol = LWSMPRO_CALLBACK,
                                         .mountpoint_len = 8,
                                         .mount_next = &s->mounts[1]};
  s->mounts[1] = (struct lws_http_mount){.mountpoint = "/metrics",
                                         .origin = "vitrine",
                                         .origin_protocol = LWSMPRO_CALLBACK,
                                         .mountpoint_len = 8,
                                         .mount_next = &s->mounts[2]};
  s->mounts[2] = (struct lws_http_mount){.mountpoint = "/api",
                                         .origin = "vitrine",
                                         .origin_protocol = LWSMPRO_CALLBACK,
                                         .mountpoint_len = 4,
                                         .mount_next = &s->mounts[3]};
  s->mounts[3] = (struct lws_http_mount){.mountpoint = "/s",
                                         .origin = "vitrine",
                                         .origin_protocol = LWSMPRO_CALLBACK,
                                         .mountpoint_len = 2,
                                         .mount_next = &s->mounts[4]};
  s->mounts[4] = (struct lws_http_mount){.mountpoint = "/",
                                         .origin = web,
                                         .def = "index.html",
                                         .extra_mimetypes = &mime_types,
                                         .origin_protocol = LWSMPRO_FILE,
                                         .mountpoint_len = 1};
}

static struct lws_context *create_context(VtServer *s, const char *cert, const char *key,
                                          GMainLoop *loop)
{
  /* lws keeps an rx buffer of this size for every WebSocket; messages
   * larger than it arrive in pieces that ws_receive() assembles. Small,
   * because most sockets sit idle: 16 KB here cost 12 KB per participant. */
  s->protocols[0] = (struct lws_protocols){.name = "vitrine",
                                           .callback = callback,
                                           .per_session_data_size = sizeof(Conn),
                                           .rx_buffer_size = 2048,
                                           /* else sends are cut to the rx size,
                                            * the rest waiting for POLLOUT */
                                           .tx_packet_size = 65536};
  /* Peers that stop answering pings are dropped, so that a phone that vanished
   * starts its reconnect grace instead of holding a seat. */
  s->retry = (lws_retry_bo_t){.secs_since_valid_ping = 20, .secs_since_valid_hangup = 45};
  void *loops[1] = {loop};
  struct lws_context_creation_info info = {0};
  info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_GLIB |
                 LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
  info.foreign_loops = loops;
  info.port = (int)s->config.port;
  info.iface = s->config.listen;
  info.protocols = s->protocols;
  info.mounts = s->mounts;
  info.ssl_cert_filepath = cert;
  info.ssl_private_key_filepath = key;
  info.retry_and_idle_policy = &s->retry;
  info.user = s;
  info.vhost_name = "vitrine";
  /* HTTP/1.1 only: over HTTP/2 browsers open WebSockets with extended
   * CONNECT (RFC 8441), which this libwebsockets handles badly (sockets
   * refused or dropped, memory leaked), and the pages are small anyway. */
  info.alpn = "http/1.1";
  /* Also the deadline of a TLS handshake: a connection that never starts
   * one is closed after it. */
  info.timeout_secs = 10;
  info.ssl_info_event_mask = SSL_CB_HANDSHAKE_DONE;
  return lws_create_context(&info);
}

static void lws_log(int level, const char *line)
{
  g_autofree char *text = g_strchomp(g_strdup(line));
  if (level & LLL_ERR)
    g_warning("lws: %s", text);
  else
    g_debug("lws: %s", text);
}

VtServer *vt_server_new(const VtServerOptions *options, VtStore *store, GMainLoop *loop,
                        GError **error)
{
  VtServer *s = g_new0(VtServer, 1);
  s->config = *options;
  s->store = store;
  s->started_us = g_get_monotonic_time();
  s->per_ip = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  s->tcp = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  s->tcp_per_ip = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  s->scratch_len = LWS_PRE + VT_PROTOCOL_MAX_MESSAGE * 4;
  s->scratch = g_malloc(s->scratch_len);
  vt_metrics_init(&s->metrics);
  s->hub = vt_hub_new(&options->hub, store, &s->metrics, now_ms());
  setup_mounts(s);
  lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
  s->lws = create_context(s, options->cert_path, options->key_path, loop);
  if (!s->lws) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "cannot listen on port %u (in use, or the certificate is unusable)",
                options->port);
    vt_server_free(s);
    return NULL;
  }
  s->vhost = lws_get_vhost_by_name(s->lws, "vitrine");
  g_autofree char *base = options->public_url
                              ? g_strdup(options->public_url)
                              : g_strdup_printf("https://localhost:%u", vt_server_port(s));
  VtApiConfig api_config = {.shops = options->shops,
                            .walk_ins_per_hour = options->walk_ins_per_hour,
                            .hub = s->hub,
                            .store = store,
                            .base_url = base,
                            .web_dir = web_dir(s)};
  s->api = vt_api_new(&api_config);
  vt_store_set_batching(store, TRUE);
  s->flusher = flusher_new(s, g_main_loop_get_context(loop));
  s->tick_id = g_timeout_add(TICK_MS, tick, s);
  return s;
}

guint vt_server_port(VtServer *server)
{
  return (guint)lws_get_vhost_listen_port(server->vhost);
}

void vt_server_shutdown(VtServer *server)
{
  vt_hub_shutdown(server->hub);
}

void vt_server_free(VtServer *s)
{
  if (!s)
    return;
  g_clear_handle_id(&s->tick_id, g_source_remove);
  if (s->flusher)
    g_source_destroy(s->flusher);
  g_clear_pointer(&s->flusher, g_source_unref);
  g_clear_pointer(&s->lws, lws_context_destroy);
  g_clear_pointer(&s->api, vt_api_free);
  g_clear_pointer(&s->hub, vt_hub_free);
  if (s->store)
    vt_store_set_batching(s->store, FALSE); /* commits what the last closes wrote */
  vt_metrics_clear(&s->metrics);
  g_hash_table_unref(s->per_ip);
  g_hash_table_unref(s->tcp);
  g_hash_table_unref(s->tcp_per_ip);
  g_free(s->scratch);
  g_free(s);
}
