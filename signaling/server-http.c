/* The server's HTTP side: /healthz, /metrics, and the API's requests and
 * responses (signaling/api.c decides what to answer; this reads request
 * bodies and writes responses with libwebsockets). */
#include "signaling/server-priv.h"

#include "build-config.h"

/* -- HTTP: /healthz and /metrics ------------------------------------------- */

static void render_healthz(VtServer *s, GString *out)
{
  gboolean db = vt_store_ping(s->store);
  VtRelay *relay = vt_hub_relay(s->hub);
  g_string_append_printf(out,
                         "{\"status\":\"%s\",\"version\":\"%s\",\"uptime_s\":%" G_GINT64_FORMAT
                         ",\"database\":%s,\"media\":%s,\"media_rooms\":%u}\n",
                         db ? "ok" : "degraded", VT_VERSION,
                         (g_get_monotonic_time() - s->started_us) / G_USEC_PER_SEC,
                         db ? "true" : "false", vt_relay_media_on(relay) ? "true" : "false",
                         vt_relay_room_count(relay));
}

static void render_metrics(VtServer *s, GString *out)
{
  guint open = 0;
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init(&iter, s->per_ip);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    open += GPOINTER_TO_UINT(value);
  g_string_append_printf(
      out,
      "# HELP vitrine_connections Open WebSocket connections.\n"
      "# TYPE vitrine_connections gauge\nvitrine_connections %u\n"
      "# HELP vitrine_tcp_connections Open TCP connections of any kind.\n"
      "# TYPE vitrine_tcp_connections gauge\nvitrine_tcp_connections %u\n"
      "# HELP vitrine_tls_handshakes TCP connections still in their TLS handshake.\n"
      "# TYPE vitrine_tls_handshakes gauge\nvitrine_tls_handshakes %u\n"
      "# HELP vitrine_connections_total WebSocket connections accepted.\n"
      "# TYPE vitrine_connections_total counter\nvitrine_connections_total %" G_GUINT64_FORMAT
      "\n# HELP vitrine_connections_refused_total Connections refused by a limit or the Origin.\n"
      "# TYPE vitrine_connections_refused_total counter\n"
      "vitrine_connections_refused_total %" G_GUINT64_FORMAT "\n"
      "# HELP vitrine_messages_in_total Messages received.\n"
      "# TYPE vitrine_messages_in_total counter\nvitrine_messages_in_total %" G_GUINT64_FORMAT
      "\n# HELP vitrine_messages_out_total Messages sent.\n"
      "# TYPE vitrine_messages_out_total counter\nvitrine_messages_out_total %" G_GUINT64_FORMAT
      "\n# HELP vitrine_chat_messages_total Chat messages stored.\n"
      "# TYPE vitrine_chat_messages_total counter\n"
      "vitrine_chat_messages_total %" G_GUINT64_FORMAT "\n",
      open, vt_server_tcp_open(s), s->handshakes, s->metrics.connections_total, s->metrics.connections_refused, s->metrics.messages_in,
      s->metrics.messages_out, s->metrics.chat_messages);
  vt_hub_render_metrics(s->hub, out);
  vt_metrics_render_table(out, "vitrine_errors_total", "Errors reported to clients, by code.",
                          "code", s->metrics.errors);
  vt_metrics_render_table(out, "vitrine_auth_failures_total", "Failed joins, by code.", "code",
                          s->metrics.auth_failures);
  vt_metrics_render_table(out, "vitrine_media_connections_total",
                          "Peer connections that came up or failed, by connection and reason.",
                          "event", s->metrics.media);
}

/* Sends the head of the response whose body is c->http_body; the body goes
 * out when the socket is writable. An SVG logo is sandboxed, so that opened
 * on its own it can run nothing on this origin. */
static int http_respond(Conn *c, struct lws *wsi, guint status, guint retry_after_s,
                        gboolean sandbox)
{
  static const char csp[] = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
  guint8 buf[LWS_PRE + 1024];
  guint8 *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
  char retry[16];
  int n = g_snprintf(retry, sizeof retry, "%u", retry_after_s);
  if (lws_add_http_common_headers(wsi, status, c->http_type, c->http_body->len, &p, end) ||
      lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                   (const unsigned char *)"no-store", 8, &p, end) ||
      (retry_after_s && lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_RETRY_AFTER,
                                                     (const unsigned char *)retry, n, &p, end)) ||
      (sandbox &&
       lws_add_http_header_by_name(wsi, (const unsigned char *)"content-security-policy:",
                                   (const unsigned char *)csp, sizeof csp - 1, &p, end)) ||
      lws_finalize_write_http_header(wsi, start, &p, end))
    return 1;
  lws_callback_on_writable(wsi);
  return 0;
}

/* -- HTTP: the API (signaling/api.c decides; this reads and writes) ---------- */

static int api_send(Conn *c, struct lws *wsi, VtApiResponse *resp)
{
  gsize len = 0;
  const char *data = resp->body ? g_bytes_get_data(resp->body, &len) : NULL;
  c->http_body = g_string_new_len(data, (gssize)len);
  c->http_type = resp->content_type;
  int rc = http_respond(c, wsi, resp->status, resp->retry_after_s, resp->sandbox);
  vt_api_response_clear(resp);
  return rc;
}

/* A body over the limit is read to its end and dropped (up to this much),
 * so that the client, which writes the whole body before it reads, gets the
 * answer instead of a broken pipe; a larger one is answered at once. */
#define DRAIN_MAX (256 * 1024)

/* Answers a body over the limit and closes after. */
static int api_too_large(Conn *c, struct lws *wsi)
{
  VtApiResponse resp = {0};
  vt_api_response_error(&resp, HTTP_STATUS_REQ_ENTITY_TOO_LARGE, "too_large",
                        "The request body is larger than 8 KB.");
  g_clear_pointer(&c->api_path, g_free);
  g_clear_pointer(&c->rx, g_byte_array_unref);
  c->draining = FALSE;
  c->http_close = TRUE;
  return api_send(c, wsi, &resp);
}

/* Reads the rest of an over-long body, keeping none of it; the answer goes
 * out when it has all come (vt_server_http_body_done). */
static int api_drain(Conn *c, const char *path)
{
  g_clear_pointer(&c->rx, g_byte_array_unref);
  if (path != c->api_path) {
    g_free(c->api_path);
    c->api_path = g_strdup(path);
  }
  c->draining = TRUE;
  return 0;
}

static int api_answer(VtServer *s, Conn *c, struct lws *wsi, VtApiMethod method, const char *path)
{
  VtApiRequest req = {.method = method,
                      .path = path,
                      .ip = c->ip,
                      .now_ms = g_get_real_time() / 1000,
                      .body = c->rx ? (const char *)c->rx->data : NULL,
                      .body_len = c->rx ? c->rx->len : 0};
  VtApiResponse resp;
  vt_api_handle(s->api, &req, &resp);
  g_clear_pointer(&c->rx, g_byte_array_unref);
  /* An answer that tells of a write (an invite) leaves only once it is stored. */
  if (vt_store_pending(s->store) && !vt_server_flush(s))
    vt_api_response_error(&resp, HTTP_STATUS_INTERNAL_SERVER_ERROR, "internal",
                          "The server could not store this. Please try again.");
  return api_send(c, wsi, &resp);
}

/* The request's method and whole path (lws hands the callback only the part
 * after the mount point for some methods). FALSE for a path too long. */
static gboolean request_line(struct lws *wsi, VtApiMethod *method, char *path, int size)
{
  static const struct {
    enum lws_token_indexes token;
    VtApiMethod method;
  } methods[] = {{WSI_TOKEN_GET_URI, VT_API_GET},       {WSI_TOKEN_POST_URI, VT_API_POST},
                 {WSI_TOKEN_OPTIONS_URI, VT_API_OTHER}, {WSI_TOKEN_PUT_URI, VT_API_OTHER},
                 {WSI_TOKEN_PATCH_URI, VT_API_OTHER},   {WSI_TOKEN_DELETE_URI, VT_API_OTHER},
                 {WSI_TOKEN_HEAD_URI, VT_API_OTHER}};
  for (gsize i = 0; i < G_N_ELEMENTS(methods); i++) {
    if (lws_hdr_total_length(wsi, methods[i].token)) {
      *method = methods[i].method;
      return lws_hdr_copy(wsi, path, size, methods[i].token) > 0;
    }
  }
  return FALSE;
}

/* A POST's body follows in LWS_CALLBACK_HTTP_BODY; anything else is
 * answered at once. */
static int api_request(VtServer *s, Conn *c, struct lws *wsi, VtApiMethod method, const char *path)
{
  char length[24] = "";
  lws_get_peer_simple(wsi, c->ip, sizeof c->ip);
  if (method != VT_API_POST)
    return api_answer(s, c, wsi, method, path);
  lws_hdr_copy(wsi, length, sizeof length, WSI_TOKEN_HTTP_CONTENT_LENGTH);
  guint64 expected = g_ascii_strtoull(length, NULL, 10);
  if (expected > DRAIN_MAX)
    return api_too_large(c, wsi);
  if (expected > VT_API_MAX_BODY)
    return api_drain(c, path);
  if (expected == 0) /* lws reports no body to come */
    return api_answer(s, c, wsi, VT_API_POST, path);
  c->api_path = g_strdup(path);
  c->rx = g_byte_array_new();
  return 0;
}

int vt_server_http_body(Conn *c, struct lws *wsi, const void *in, size_t len)
{
  if (!c->api_path || c->draining)
    return 0; /* already answered, or read only to be dropped */
  if (c->rx->len + len > VT_API_MAX_BODY)
    return api_drain(c, c->api_path);
  g_byte_array_append(c->rx, in, len);
  return 0;
}

int vt_server_http_body_done(VtServer *s, Conn *c, struct lws *wsi)
{
  if (!c->api_path)
    return 0;
  if (c->draining)
    return api_too_large(c, wsi);
  g_autofree char *path = g_steal_pointer(&c->api_path);
  return api_answer(s, c, wsi, VT_API_POST, path);
}

/* Anything but a GET outside the API (a POST's body would be read as the
 * next request of a kept-alive connection): 404, and the connection closes. */
static int not_found_and_close(Conn *c, struct lws *wsi)
{
  VtApiResponse resp = {0};
  vt_api_response_error(&resp, HTTP_STATUS_NOT_FOUND, "not_found", "There is nothing here.");
  c->http_close = TRUE;
  return api_send(c, wsi, &resp);
}

int vt_server_http_request(VtServer *s, Conn *c, struct lws *wsi, const char *path)
{
  char full[512];
  VtApiMethod method;
  c->server = s;
  gboolean known = request_line(wsi, &method, full, sizeof full);
  if (known && vt_api_owns_path(full))
    return api_request(s, c, wsi, method, full);
  if (!known || method != VT_API_GET)
    return not_found_and_close(c, wsi);
  c->http_body = g_string_new(NULL);
  if (g_str_equal(path, "/healthz")) {
    render_healthz(s, c->http_body);
    c->http_type = "application/json";
  } else if (g_str_equal(path, "/metrics")) {
    render_metrics(s, c->http_body);
    c->http_type = "text/plain; version=0.0.4";
  } else {
    return lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL) ? -1 : 0;
  }
  return http_respond(c, wsi, HTTP_STATUS_OK, 0, FALSE);
}

int vt_server_http_writable(Conn *c, struct lws *wsi)
{
  if (!c->http_body)
    return 0;
  g_autofree guint8 *buf = g_malloc(LWS_PRE + c->http_body->len);
  memcpy(buf + LWS_PRE, c->http_body->str, c->http_body->len);
  int n = lws_write(wsi, buf + LWS_PRE, c->http_body->len, LWS_WRITE_HTTP_FINAL);
  g_string_free(g_steal_pointer(&c->http_body), TRUE);
  if (n < 0 || c->http_close)
    return -1;
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}
