/* Integration: hostile and malformed input against the real server over
 * loopback. Every bad input gets its specific error code, and the socket
 * either survives (a ping still gets its pong) or is closed with the close
 * code the protocol promises. Transport limits (size, Origin, sockets per IP,
 * rate, auth timeout) and hand-forged tokens are covered too, and /metrics
 * is checked to have counted them. */
#include <string.h>

#include "support/vt-test.h"

#define WAIT_MS 5000
#define CLOSE_POLICY 1008
#define CLOSE_TOO_BIG 1009
#define OP_CONTINUATION 0x0
#define OP_TEXT 0x1

static const char *str(JsonObject *o, const char *name)
{
  return json_object_get_string_member_with_default(o, name, "");
}

/* Starts a server with at most one extra flag (NULL: none). */
static VtTestServer *start_with(const char *flag)
{
  const char *flags[] = {flag, NULL};
  return vt_test_server_start(NULL, flags);
}

/* Asserts that the next error on c has this code and, when field is not
 * NULL, names that field. Non-error messages before it are dropped. */
static void expect_error(VtTestClient *c, const char *code, const char *field)
{
  g_autoptr(JsonObject) e = vt_test_client_wait(c, "error", WAIT_MS);
  if (!e)
    g_error("expected error \"%s\", got none (closed: %d)", code, c->closed);
  g_assert_cmpstr(str(e, "code"), ==, code);
  if (field)
    g_assert_cmpstr(str(e, "field"), ==, field);
}

/* Asserts that the socket is still open and answered: a ping gets its pong. */
static void expect_alive(VtTestClient *c)
{
  vt_test_client_send(c, "{\"type\":\"ping\",\"ref\":\"x\"}");
  g_autoptr(JsonObject) pong = vt_test_client_wait(c, "pong", WAIT_MS);
  g_assert_nonnull(pong);
  g_assert_cmpstr(str(pong, "ref"), ==, "x");
  g_assert_false(c->closed);
}

static void expect_closed(VtTestClient *c, gushort code)
{
  g_assert_true(vt_test_client_wait_closed(c, WAIT_MS));
  g_assert_null(c->error);
  g_assert_cmpuint(c->close_code, ==, code);
}

/* The value of one sample in /metrics, e.g. name "vitrine_errors_total" and
 * labels "{code=\"invalid_json\"}" (or "" for none); -1 when absent. */
static gint64 metric(VtTestServer *server, const char *name, const char *labels)
{
  guint status = 0;
  g_autofree char *body = vt_test_http_get(server, "/metrics", &status);
  g_assert_cmpuint(status, ==, 200);
  g_autofree char *prefix = g_strconcat(name, labels, " ", NULL);
  g_auto(GStrv) lines = g_strsplit(body, "\n", -1);
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix(*l, prefix))
      return g_ascii_strtoll(*l + strlen(prefix), NULL, 10);
  return -1;
}

static gint64 error_count(VtTestServer *server, const char *code)
{
  g_autofree char *labels = g_strdup_printf("{code=\"%s\"}", code);
  return metric(server, "vitrine_errors_total", labels);
}

static gint64 auth_failures(VtTestServer *server, const char *code)
{
  g_autofree char *labels = g_strdup_printf("{code=\"%s\"}", code);
  return metric(server, "vitrine_auth_failures_total", labels);
}

/* -- Raw frames ------------------------------------------------------------- */

/* Writes one masked client frame (RFC 6455 5.2) straight onto the client's
 * TLS stream, beneath libsoup, for what its API will not send: invalid UTF-8
 * in a text frame and messages in several fragments. Only call it when
 * libsoup has nothing queued, or the bytes would interleave. */
static void send_frame(VtTestClient *c, guint8 opcode, gboolean fin, const void *data, gsize len)
{
  guint8 head[14];
  gsize n = 0;
  head[n++] = (guint8)((fin ? 0x80 : 0) | opcode);
  if (len < 126) {
    head[n++] = (guint8)(0x80 | len);
  } else if (len <= 0xffff) {
    head[n++] = 0x80 | 126;
    head[n++] = (guint8)(len >> 8);
    head[n++] = (guint8)len;
  } else {
    head[n++] = 0x80 | 127;
    for (int shift = 56; shift >= 0; shift -= 8)
      head[n++] = (guint8)((guint64)len >> shift);
  }
  guint32 mask = g_random_int();
  guint8 *key = head + n;
  for (int i = 0; i < 4; i++)
    head[n++] = (guint8)(mask >> (8 * i));

  g_autofree guint8 *frame = g_malloc(n + len);
  memcpy(frame, head, n);
  for (gsize i = 0; i < len; i++)
    frame[n + i] = ((const guint8 *)data)[i] ^ key[i % 4];
  GOutputStream *out =
      g_io_stream_get_output_stream(soup_websocket_connection_get_io_stream(c->ws));
  g_autoptr(GError) error = NULL;
  g_output_stream_write_all(out, frame, n + len, NULL, NULL, &error);
  g_assert_no_error(error);
  g_output_stream_flush(out, NULL, &error);
  g_assert_no_error(error);
}

/* A ping message of exactly len bytes, padded with an ignored member. */
static char *ping_of_size(gsize len)
{
  static const char head[] = "{\"type\":\"ping\",\"ref\":\"x\",\"pad\":\"";
  gsize pad = len - (sizeof head - 1) - 2;
  GString *s = g_string_new(head);
  for (gsize i = 0; i < pad; i++)
    g_string_append_c(s, 'a');
  g_string_append(s, "\"}");
  g_assert_cmpuint(s->len, ==, len);
  return g_string_free(s, FALSE);
}

/* A ping whose "pad" member holds depth - 1 nested arrays. */
static char *ping_of_depth(guint depth)
{
  GString *s = g_string_new("{\"type\":\"ping\",\"ref\":\"x\",\"pad\":");
  for (guint i = 1; i < depth; i++)
    g_string_append_c(s, '[');
  for (guint i = 1; i < depth; i++)
    g_string_append_c(s, ']');
  g_string_append_c(s, '}');
  return g_string_free(s, FALSE);
}

/* -- Hand-made tokens ----------------------------------------------------------- */

static char *b64url(const void *data, gsize len)
{
  char *s = g_base64_encode(data, len);
  g_strdelimit(s, "+", '-');
  g_strdelimit(s, "/", '_');
  s[strcspn(s, "=")] = '\0';
  return s;
}

/* header.payload.signature, signed with HMAC-SHA256 under key; key NULL
 * leaves the signature empty, as "alg":"none" tokens have it. */
static char *forge_token(const char *header, const char *payload, const char *key)
{
  g_autofree char *h = b64url(header, strlen(header));
  g_autofree char *p = b64url(payload, strlen(payload));
  g_autofree char *input = g_strconcat(h, ".", p, NULL);
  if (!key)
    return g_strconcat(input, ".", NULL);
  guint8 mac[32];
  gsize mac_len = sizeof mac;
  g_autoptr(GHmac) hmac = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)key, strlen(key));
  g_hmac_update(hmac, (const guchar *)input, -1);
  g_hmac_get_digest(hmac, mac, &mac_len);
  g_autofree char *sig = b64url(mac, mac_len);
  return g_strconcat(input, ".", sig, NULL);
}

static char *claims(const char *store, const char *role, gint64 exp_from_now)
{
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  return g_strdup_printf("{\"store\":\"%s\",\"role\":\"%s\",\"name\":\"Eve\",\"sub\":\"eve\","
                         "\"exp\":%" G_GINT64_FORMAT "}",
                         store, role, now + exp_from_now);
}

/* Sends join with the token and expects the error code, then close 4001. */
static void expect_join_refused(VtTestServer *server, const char *token, const char *code)
{
  VtTestClient *c = vt_test_client_new(server, NULL);
  vt_test_client_sendf(c, "{\"type\":\"join\",\"token\":\"%s\"}", token);
  expect_error(c, code, "token");
  expect_closed(c, 4001);
  vt_test_client_free(c);
}

/* -- Test cases ------------------------------------------------------------------ */

/* Malformed and invalid messages each get their own error; the socket stays. */
static void test_messages(void)
{
  VtTestServer *server = start_with(NULL);
  VtTestClient *c = vt_test_client_new(server, NULL);
  vt_test_client_send(c, "{\"type\":\"ping\",");
  expect_error(c, "invalid_json", NULL);
  expect_alive(c);
  vt_test_client_send(c, "[1,2]");
  expect_error(c, "invalid_json", NULL);
  expect_alive(c);
  g_autoptr(GBytes) binary = g_bytes_new_static("{\"type\":\"ping\"}", 15);
  soup_websocket_connection_send_message(c->ws, SOUP_WEBSOCKET_DATA_BINARY, binary);
  expect_error(c, "binary_not_supported", NULL);
  expect_alive(c);
  vt_test_client_send(c, "{\"type\":\"dance\",\"ref\":\"u1\"}");
  g_autoptr(JsonObject) unknown = vt_test_client_wait(c, "error", WAIT_MS);
  g_assert_nonnull(unknown);
  g_assert_cmpstr(str(unknown, "code"), ==, "unknown_type");
  g_assert_cmpstr(str(unknown, "ref"), ==, "u1");
  expect_alive(c);
  vt_test_client_send(c, "{\"type\":\"chat\",\"text\":\"hi\"}");
  expect_error(c, "missing_field", "client_id");
  expect_alive(c);
  vt_test_client_send(c, "{\"type\":\"chat\",\"text\":42,\"client_id\":\"c1\"}");
  expect_error(c, "wrong_type", "text");
  expect_alive(c);
  vt_test_client_send(c, "{\"type\":\"chat\",\"text\":\"hi\",\"client_id\":\"c1\"}");
  expect_error(c, "not_joined", NULL);
  expect_alive(c);

  /* The root object counts as one level: 32 is the deepest allowed. */
  g_autofree char *deep_ok = ping_of_depth(32);
  g_autofree char *too_deep = ping_of_depth(33);
  vt_test_client_send(c, deep_ok);
  g_autoptr(JsonObject) pong = vt_test_client_wait(c, "pong", WAIT_MS);
  g_assert_nonnull(pong);
  vt_test_client_send(c, too_deep);
  expect_error(c, "too_deep", NULL);
  expect_alive(c);

  g_assert_cmpint(error_count(server, "invalid_json"), ==, 2);
  g_assert_cmpint(error_count(server, "missing_field"), ==, 1);
  g_assert_cmpint(error_count(server, "too_deep"), ==, 1);
  vt_test_client_free(c);
  vt_test_server_free(server);
}

/* Invalid UTF-8 reaches the hub (lws is not asked to validate) and is
 * refused there; a character split across fragments is reassembled. */
static void test_utf8(void)
{
  VtTestServer *server = start_with(NULL);
  VtTestClient *c = vt_test_client_new(server, NULL);
  static const char bad[] = "{\"type\":\"ping\",\"ref\":\"\xff\xfe\"}";
  send_frame(c, OP_TEXT, TRUE, bad, sizeof bad - 1);
  expect_error(c, "invalid_utf8", NULL);
  expect_alive(c);

  /* Overlong encoding of '/', a classic validator escape. */
  static const char overlong[] = "{\"type\":\"ping\",\"ref\":\"\xc0\xaf\"}";
  send_frame(c, OP_TEXT, TRUE, overlong, sizeof overlong - 1);
  expect_error(c, "invalid_utf8", NULL);
  expect_alive(c);

  static const char part1[] = "{\"type\":\"ping\",\"ref\":\"\xc3";
  static const char part2[] = "\xa9\"}";
  send_frame(c, OP_TEXT, FALSE, part1, sizeof part1 - 1);
  send_frame(c, OP_CONTINUATION, TRUE, part2, sizeof part2 - 1);
  g_autoptr(JsonObject) pong = vt_test_client_wait(c, "pong", WAIT_MS);
  g_assert_nonnull(pong);
  g_assert_cmpstr(str(pong, "ref"), ==, "é");
  g_assert_cmpint(error_count(server, "invalid_utf8"), ==, 2);
  vt_test_client_free(c);
  vt_test_server_free(server);
}

/* 64 KiB is accepted; one byte more closes with 1009, whether the message
 * came in one frame or was assembled from fragments. */
static void test_too_large(void)
{
  VtTestServer *server = start_with(NULL);
  VtTestClient *whole = vt_test_client_new(server, NULL);
  g_autofree char *fits = ping_of_size(64 * 1024);
  g_autofree char *over = ping_of_size(64 * 1024 + 1);
  vt_test_client_send(whole, fits);
  g_autoptr(JsonObject) pong = vt_test_client_wait(whole, "pong", WAIT_MS);
  g_assert_nonnull(pong);
  vt_test_client_send(whole, over);
  expect_closed(whole, CLOSE_TOO_BIG);

  VtTestClient *parts = vt_test_client_new(server, NULL);
  g_autoptr(JsonObject) hello = vt_test_client_wait(parts, "hello", WAIT_MS);
  gsize third = strlen(fits) / 3;
  send_frame(parts, OP_TEXT, FALSE, fits, third);
  send_frame(parts, OP_CONTINUATION, FALSE, fits + third, third);
  send_frame(parts, OP_CONTINUATION, TRUE, fits + 2 * third, strlen(fits) - 2 * third);
  g_autoptr(JsonObject) pong2 = vt_test_client_wait(parts, "pong", WAIT_MS);
  g_assert_nonnull(pong2);
  third = strlen(over) / 3;
  send_frame(parts, OP_TEXT, FALSE, over, third);
  send_frame(parts, OP_CONTINUATION, FALSE, over + third, third);
  send_frame(parts, OP_CONTINUATION, TRUE, over + 2 * third, strlen(over) - 2 * third);
  expect_closed(parts, CLOSE_TOO_BIG);

  g_assert_cmpint(error_count(server, "message_too_large"), ==, 2);
  vt_test_client_free(whole);
  vt_test_client_free(parts);
  vt_test_server_free(server);
}

typedef struct {
  guint pongs;
  guint limited;
} Tally;

/* Counts the pongs and rate_limited errors queued on c, dropping the rest. */
static void tally(VtTestClient *c, Tally *t)
{
  JsonObject *o;
  while ((o = g_queue_pop_head(&c->messages))) {
    if (g_str_equal(str(o, "type"), "pong"))
      t->pongs++;
    else if (g_str_equal(str(o, "code"), "rate_limited"))
      t->limited++;
    json_object_unref(o);
  }
}

static gboolean flood_answered(gpointer data)
{
  gpointer *args = data;
  Tally *t = args[1];
  tally(args[0], t);
  return t->pongs + t->limited >= 80;
}

/* A burst of 80 messages overruns the 50 a second allowance: the excess is
 * dropped with rate_limited. A second socket pinging at 10 a second at the
 * same time is not affected, and the flooder recovers once it slows down. */
static void test_rate_limit(void)
{
  VtTestServer *server = start_with(NULL);
  VtTestClient *flood = vt_test_client_new(server, NULL);
  VtTestClient *polite = vt_test_client_new(server, NULL);
  Tally f = {0}, p = {0};
  for (int i = 0; i < 80; i++)
    vt_test_client_sendf(flood, "{\"type\":\"ping\",\"ref\":\"f%d\"}", i);
  for (int i = 0; i < 10; i++) {
    vt_test_client_sendf(polite, "{\"type\":\"ping\",\"ref\":\"p%d\"}", i);
    vt_test_run_for(100);
    tally(polite, &p);
  }
  gpointer args[2] = {flood, &f};
  g_assert_true(vt_test_run_until(flood_answered, args, WAIT_MS));
  g_test_message("flood: %u pongs, %u rate_limited", f.pongs, f.limited);
  g_assert_cmpuint(f.pongs + f.limited, ==, 80);
  g_assert_cmpuint(f.pongs, >=, 50);
  g_assert_cmpuint(f.limited, >=, 20);
  g_assert_false(flood->closed);

  vt_test_run_for(200);
  tally(polite, &p);
  g_assert_cmpuint(p.pongs, ==, 10);
  g_assert_cmpuint(p.limited, ==, 0);
  expect_alive(flood);
  g_assert_cmpint(error_count(server, "rate_limited"), ==, f.limited);
  vt_test_client_free(flood);
  vt_test_client_free(polite);
  vt_test_server_free(server);
}

/* Only the server's own Origin, configured ones and none at all open. */
static void test_origin(void)
{
  VtTestServer *server = start_with("--allowed-origins=https://shop.example");
  g_autofree char *own = g_strdup_printf("https://127.0.0.1:%u", server->port);
  const char *refused[] = {"https://evil.example", "http://127.0.0.1", "https://shop.example.evil",
                           "null"};
  for (gsize i = 0; i < G_N_ELEMENTS(refused); i++) {
    VtTestClient *c = vt_test_client_new(server, refused[i]);
    if (!c->error)
      g_error("Origin %s was accepted", refused[i]);
    g_test_message("Origin %s refused: %s", refused[i], c->error);
    g_assert_null(c->ws);
    vt_test_client_free(c);
  }
  const char *accepted[] = {own, "https://shop.example", NULL};
  for (gsize i = 0; i < G_N_ELEMENTS(accepted); i++) {
    VtTestClient *c = vt_test_client_new(server, accepted[i]);
    g_assert_null(c->error);
    expect_alive(c);
    vt_test_client_free(c);
  }
  g_assert_cmpint(error_count(server, "origin_refused"), ==, G_N_ELEMENTS(refused));
  g_assert_cmpint(metric(server, "vitrine_connections_refused_total", ""), ==,
                  G_N_ELEMENTS(refused));
  vt_test_server_free(server);
}

static gboolean connections_are(gpointer data)
{
  gpointer *args = data;
  return metric(args[0], "vitrine_connections", "") == GPOINTER_TO_INT(args[1]);
}

/* The sixth socket from one IP is refused; closing one makes room again. */
static void test_sockets_per_ip(void)
{
  VtTestServer *server = start_with("--max-sockets-per-ip=5");
  VtTestClient *open[5];
  for (int i = 0; i < 5; i++) {
    open[i] = vt_test_client_new(server, NULL);
    g_assert_null(open[i]->error);
  }
  VtTestClient *extra = vt_test_client_new(server, NULL);
  g_assert_nonnull(extra->error);
  vt_test_client_free(extra);
  for (int i = 0; i < 5; i++)
    expect_alive(open[i]);

  soup_websocket_connection_close(open[0]->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_assert_true(vt_test_client_wait_closed(open[0], WAIT_MS));
  gpointer args[2] = {server, GINT_TO_POINTER(4)};
  g_assert_true(vt_test_run_until(connections_are, args, WAIT_MS));
  VtTestClient *again = vt_test_client_new(server, NULL);
  g_assert_null(again->error);
  expect_alive(again);

  g_assert_cmpint(error_count(server, "too_many_connections"), ==, 1);
  vt_test_client_free(again);
  for (int i = 0; i < 5; i++)
    vt_test_client_free(open[i]);
  vt_test_server_free(server);
}

/* A socket that never joins is told auth_timeout and closed with 1008 after
 * the timeout; one that joined in time stays. */
static void test_auth_timeout(void)
{
  VtTestServer *server = start_with("--auth-timeout=1");
  g_autofree char *token = vt_test_token(server, "shop-a", "customer", "Cid", "cid", NULL);
  gint64 start = g_get_monotonic_time();
  VtTestClient *idle = vt_test_client_new(server, NULL);
  VtTestClient *joined = vt_test_client_new(server, NULL);
  json_object_unref(vt_test_client_join(joined, token));
  /* Pings are answered but do not count as joining. */
  expect_alive(idle);

  expect_error(idle, "auth_timeout", NULL);
  g_assert_cmpint(g_get_monotonic_time() - start, >=, 900 * 1000);
  expect_closed(idle, CLOSE_POLICY);
  vt_test_run_for(500);
  g_assert_false(joined->closed);
  expect_alive(joined);

  g_assert_cmpint(auth_failures(server, "auth_timeout"), ==, 1);
  vt_test_client_free(idle);
  vt_test_client_free(joined);
  vt_test_server_free(server);
}

/* Forged, unsigned and expired tokens are refused and the socket closed with
 * 4001; so is a token for another store's room. */
static void test_bad_tokens(void)
{
  VtTestServer *server = start_with(NULL);
  static const char hs256[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  g_autofree char *customer = claims("shop-a", "customer", 3600);
  g_autofree char *staff = claims("shop-a", "staff", 3600);
  g_autofree char *expired = claims("shop-a", "customer", -3600);

  g_autofree char *forged = forge_token(hs256, staff, "not-the-server-key");
  expect_join_refused(server, forged, "bad_signature");
  g_autofree char *unsigned_tok = forge_token("{\"alg\":\"none\",\"typ\":\"JWT\"}", staff, NULL);
  expect_join_refused(server, unsigned_tok, "unsupported_alg");
  g_autofree char *hs512 = forge_token("{\"alg\":\"HS512\"}", staff, server->key);
  expect_join_refused(server, hs512, "unsupported_alg");
  g_autofree char *old = forge_token(hs256, expired, server->key);
  expect_join_refused(server, old, "token_expired");
  /* The real key still works, so the refusals above were about the tokens. */
  g_autofree char *good = forge_token(hs256, customer, server->key);
  VtTestClient *c = vt_test_client_new(server, NULL);
  json_object_unref(vt_test_client_join(c, good));

  /* Room r1 now belongs to shop-a; shop-b may not enter it. */
  g_autofree char *owner = vt_test_token(server, "shop-a", "staff", "Ann", "ann", "r1");
  VtTestClient *s = vt_test_client_new(server, NULL);
  json_object_unref(vt_test_client_join(s, owner));
  g_autofree char *intruder = vt_test_token(server, "shop-b", "customer", "Ivy", "ivy", "r1");
  expect_join_refused(server, intruder, "wrong_store");
  expect_alive(s);

  g_assert_cmpint(auth_failures(server, "bad_signature"), ==, 1);
  g_assert_cmpint(auth_failures(server, "unsupported_alg"), ==, 2);
  g_assert_cmpint(error_count(server, "token_expired"), ==, 1);
  g_assert_cmpint(error_count(server, "wrong_store"), ==, 1);
  vt_test_client_free(c);
  vt_test_client_free(s);
  vt_test_server_free(server);
}

/* Customers may not use staff actions; media negotiation is refused outside
 * a room and reported unavailable inside one. Every socket stays. */
static void test_permissions(void)
{
  VtTestServer *server = start_with(NULL);
  g_autofree char *cust_token = vt_test_token(server, "shop-a", "customer", "Cid", "cid", NULL);
  g_autofree char *room_token = vt_test_token(server, "shop-a", "staff", "Ann", "ann", "r1");
  g_autofree char *desk_token = vt_test_token(server, "shop-a", "staff", "Bob", "bob", NULL);
  VtTestClient *customer = vt_test_client_new(server, NULL);
  VtTestClient *in_room = vt_test_client_new(server, NULL);
  VtTestClient *console = vt_test_client_new(server, NULL);
  json_object_unref(vt_test_client_join(customer, cust_token));
  json_object_unref(vt_test_client_join(in_room, room_token));
  json_object_unref(vt_test_client_join(console, desk_token));

  const char *staff_only[] = {"{\"type\":\"accept\",\"participant\":\"p1\"}",
                              "{\"type\":\"end_call\"}",
                              "{\"type\":\"remove\",\"participant\":\"p1\"}"};
  for (gsize i = 0; i < G_N_ELEMENTS(staff_only); i++) {
    vt_test_client_send(customer, staff_only[i]);
    expect_error(customer, "forbidden", NULL);
    expect_alive(customer);
  }

  static const char offer[] = "{\"type\":\"publish_offer\",\"sdp\":\"v=0\\r\\n\"}";
  static const char ice[] =
      "{\"type\":\"ice\",\"pc\":\"publish\",\"candidate\":\"\",\"sdp_mid\":\"0\"}";
  vt_test_client_send(in_room, offer);
  expect_error(in_room, "bad_sdp", "sdp");
  expect_alive(in_room);
  vt_test_client_send(console, offer);
  expect_error(console, "not_in_room", NULL);
  expect_alive(console);
  vt_test_client_send(customer, offer); /* waiting in the lobby */
  expect_error(customer, "not_in_room", NULL);
  expect_alive(customer);

  g_assert_cmpint(error_count(server, "forbidden"), ==, 3);
  g_assert_cmpint(error_count(server, "bad_sdp"), ==, 1);
  g_assert_cmpint(error_count(server, "not_in_room"), ==, 2);
  vt_test_client_free(customer);
  vt_test_client_free(in_room);
  vt_test_client_free(console);
  vt_test_server_free(server);

  /* With media off, negotiation is refused as not available, not as bad. */
  server = start_with("--media=off");
  g_autofree char *off_token = vt_test_token(server, "shop-a", "staff", "Ann", "ann", "r1");
  in_room = vt_test_client_new(server, NULL);
  json_object_unref(vt_test_client_join(in_room, off_token));
  vt_test_client_send(in_room, offer);
  expect_error(in_room, "not_available", NULL);
  vt_test_client_send(in_room, ice);
  expect_error(in_room, "not_available", NULL);
  expect_alive(in_room);
  vt_test_client_free(in_room);
  vt_test_server_free(server);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/bad-input/messages", test_messages);
  g_test_add_func("/bad-input/utf8", test_utf8);
  g_test_add_func("/bad-input/too-large", test_too_large);
  g_test_add_func("/bad-input/rate-limit", test_rate_limit);
  g_test_add_func("/bad-input/origin", test_origin);
  g_test_add_func("/bad-input/sockets-per-ip", test_sockets_per_ip);
  g_test_add_func("/bad-input/auth-timeout", test_auth_timeout);
  g_test_add_func("/bad-input/tokens", test_bad_tokens);
  g_test_add_func("/bad-input/permissions", test_permissions);
  return g_test_run();
}
