/* Test support; see vt-test.h. */
#include "vt-test.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <string.h>

void vt_test_run_for(guint ms)
{
  gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
  while (g_get_monotonic_time() < end)
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(500);
}

gboolean vt_test_run_until(gboolean (*check)(gpointer), gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  while (!check(data)) {
    if (g_get_monotonic_time() >= end)
      return FALSE;
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(500);
  }
  return TRUE;
}

/* -- Server -------------------------------------------------------------------- */

static guint read_port(GDataInputStream *err)
{
  for (int i = 0; i < 200; i++) {
    g_autofree char *line = g_data_input_stream_read_line(err, NULL, NULL, NULL);
    if (!line)
      return 0;
    if (g_getenv("VT_TEST_VERBOSE"))
      g_printerr("server: %s\n", line);
    const char *at = strstr(line, "listening on port ");
    if (at)
      return (guint)g_ascii_strtoull(at + strlen("listening on port "), NULL, 10);
  }
  return 0;
}

void vt_test_die_with_parent(gpointer data)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* Child setup for the server: dies with the test, and optionally runs under
 * a file size limit (RLIMIT_FSIZE), which makes its writes fail as on a full
 * disk. */
static void server_child_setup(gpointer data)
{
  vt_test_die_with_parent(NULL);
  const guint64 *max_file_bytes = data;
  if (*max_file_bytes) {
    struct rlimit limit = {.rlim_cur = *max_file_bytes, .rlim_max = *max_file_bytes};
    setrlimit(RLIMIT_FSIZE, &limit);
  }
}

VtTestServer *vt_test_server_start(const char *data_dir, const char *const *flags)
{
  return vt_test_server_start_limited(data_dir, flags, 0);
}

VtTestServer *vt_test_server_start_limited(const char *data_dir, const char *const *flags,
                                           guint64 max_file_bytes)
{
  VtTestServer *s = g_new0(VtTestServer, 1);
  s->data_dir = data_dir ? g_strdup(data_dir) : g_dir_make_tmp("vitrine-test-XXXXXX", NULL);
  g_assert_nonnull(s->data_dir);
  const char *binary = g_getenv("VT_BINARY");
  g_assert_nonnull(binary);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)binary);
  g_ptr_array_add(argv, "serve");
  g_ptr_array_add(argv, "--port=0");
  g_ptr_array_add(argv, "--listen=127.0.0.1");
  g_ptr_array_add(argv, "--relay-addresses=127.0.0.1"); /* media stays on loopback */
  g_ptr_array_add(argv, "--relay-workers=1");
  g_autofree char *dd = g_strconcat("--data-dir=", s->data_dir, NULL);
  g_ptr_array_add(argv, dd);
  for (const char *const *f = flags; f && *f; f++)
    g_ptr_array_add(argv, (char *)*f);
  g_ptr_array_add(argv, NULL);

  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* A test that aborts must not leave its server running. */
  g_subprocess_launcher_set_child_setup(launcher, server_child_setup, &max_file_bytes, NULL);
  const char *server_asan = g_getenv("VT_SERVER_ASAN_OPTIONS");
  if (server_asan)
    g_subprocess_launcher_setenv(launcher, "ASAN_OPTIONS", server_asan, TRUE);
  s->process = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv->pdata, &error);
  g_assert_no_error(error);
  g_autoptr(GDataInputStream) err =
      g_data_input_stream_new(g_subprocess_get_stderr_pipe(s->process));
  s->port = read_port(err);
  g_assert_cmpuint(s->port, >, 0);
  /* The rest of the server's log goes on being drained so it never blocks. */
  g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable();
  g_output_stream_splice_async(sink, G_INPUT_STREAM(err), G_OUTPUT_STREAM_SPLICE_NONE,
                               G_PRIORITY_DEFAULT, NULL, NULL, NULL);

  g_autofree char *path = g_build_filename(s->data_dir, "token-secret", NULL);
  g_assert_true(g_file_get_contents(path, &s->key, NULL, NULL));
  g_strstrip(s->key);
  return s;
}

int vt_test_server_stop(VtTestServer *s)
{
  if (!s->process)
    return -1;
  g_subprocess_send_signal(s->process, SIGTERM);
  g_autoptr(GError) error = NULL;
  g_subprocess_wait(s->process, NULL, &error);
  g_assert_no_error(error);
  int status = g_subprocess_get_if_exited(s->process) ? g_subprocess_get_exit_status(s->process)
                                                      : 128 + g_subprocess_get_term_sig(s->process);
  g_clear_object(&s->process);
  return status;
}

static void remove_tree(const char *path)
{
  GDir *dir = g_dir_open(path, 0, NULL);
  if (dir) {
    const char *name;
    while ((name = g_dir_read_name(dir))) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      remove_tree(child);
    }
    g_dir_close(dir);
  }
  g_remove(path);
}

void vt_test_server_free(VtTestServer *s)
{
  if (s->process)
    g_assert_cmpint(vt_test_server_stop(s), ==, 0);
  if (!s->keep_data)
    remove_tree(s->data_dir);
  g_free(s->data_dir);
  g_free(s->key);
  g_free(s);
}

char *vt_test_token(VtTestServer *s, const char *store, const char *role, const char *name,
                    const char *sub, const char *room)
{
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  VtToken claims = {.store = (char *)store, .name = (char *)name, .sub = (char *)sub,
                    .room = (char *)room, .exp = now + 3600, .nbf = now};
  g_assert_true(vt_role_from_string(role, &claims.role));
  return vt_token_mint(&claims, (const guint8 *)s->key, strlen(s->key));
}

guint64 vt_test_server_rss_kib(VtTestServer *s)
{
  g_autofree char *path =
      g_strdup_printf("/proc/%s/status", g_subprocess_get_identifier(s->process));
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  const char *line = strstr(text, "VmRSS:");
  g_assert_nonnull(line);
  return g_ascii_strtoull(line + strlen("VmRSS:"), NULL, 10);
}

gint64 vt_test_server_cpu_us(VtTestServer *s)
{
  g_autofree char *path =
      g_strdup_printf("/proc/%s/stat", g_subprocess_get_identifier(s->process));
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  /* Fields 14 and 15 (utime, stime) follow the command name in parentheses. */
  const char *p = strrchr(text, ')');
  g_assert_nonnull(p);
  g_auto(GStrv) fields = g_strsplit(p + 2, " ", -1);
  g_assert_cmpuint(g_strv_length(fields), >, 13);
  guint64 ticks = g_ascii_strtoull(fields[11], NULL, 10) + g_ascii_strtoull(fields[12], NULL, 10);
  return (gint64)(ticks * G_USEC_PER_SEC / sysconf(_SC_CLK_TCK));
}

/* -- WebSocket client ------------------------------------------------------------ */

static gboolean accept_any_certificate(SoupMessage *msg, GTlsCertificate *cert,
                                       GTlsCertificateFlags errors, gpointer data)
{
  return TRUE; /* the test server's certificate is self-signed */
}

static void on_message(SoupWebsocketConnection *ws, gint type, GBytes *data, gpointer user)
{
  VtTestClient *c = user;
  c->received++;
  c->last_received_us = g_get_monotonic_time();
  if (c->count_only)
    return;
  g_autoptr(JsonParser) parser = json_parser_new();
  gsize len;
  const char *text = g_bytes_get_data(data, &len);
  g_assert_true(json_parser_load_from_data(parser, text, (gssize)len, NULL));
  JsonNode *root = json_parser_get_root(parser);
  g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
  g_queue_push_tail(&c->messages, json_object_ref(json_node_get_object(root)));
}

static void on_closed(SoupWebsocketConnection *ws, gpointer user)
{
  VtTestClient *c = user;
  c->closed = TRUE;
  c->close_code = soup_websocket_connection_get_close_code(ws);
  c->close_reason = g_strdup(soup_websocket_connection_get_close_data(ws));
}

static void on_connected(GObject *source, GAsyncResult *res, gpointer user)
{
  VtTestClient *c = user;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *ws =
      soup_session_websocket_connect_finish(SOUP_SESSION(source), res, &error);
  if (!ws) {
    c->error = g_strdup(error->message);
    c->closed = TRUE;
    return;
  }
  c->ws = ws;
  soup_websocket_connection_set_max_incoming_payload_size(ws, 1 << 20);
  soup_websocket_connection_set_keepalive_interval(ws, 0);
  g_signal_connect(ws, "message", G_CALLBACK(on_message), c);
  g_signal_connect(ws, "closed", G_CALLBACK(on_closed), c);
}

VtTestClient *vt_test_client_new_async(VtTestServer *server, const char *origin)
{
  VtTestClient *c = g_new0(VtTestClient, 1);
  g_queue_init(&c->messages);
  /* No proxy lookups: every test connection is to loopback. */
  c->session = soup_session_new_with_options("timeout", 30, "idle-timeout", 0, "proxy-resolver",
                                             NULL, NULL);
  g_autofree char *url = g_strdup_printf("wss://127.0.0.1:%u/ws", server->port);
  SoupMessage *msg = soup_message_new("GET", url);
  g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_any_certificate), NULL);
  soup_session_websocket_connect_async(c->session, msg, origin, NULL, G_PRIORITY_DEFAULT, NULL,
                                       on_connected, c);
  g_object_unref(msg);
  return c;
}

gboolean vt_test_client_ready(VtTestClient *c)
{
  return c->ws != NULL || c->error != NULL;
}

static gboolean ready_check(gpointer data)
{
  return vt_test_client_ready(data);
}

VtTestClient *vt_test_client_new(VtTestServer *server, const char *origin)
{
  VtTestClient *c = vt_test_client_new_async(server, origin);
  g_assert_true(vt_test_run_until(ready_check, c, 10000));
  return c;
}

void vt_test_client_free(VtTestClient *c)
{
  if (c->ws) {
    g_signal_handlers_disconnect_by_data(c->ws, c);
    if (soup_websocket_connection_get_state(c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(c->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    g_object_unref(c->ws);
  }
  g_queue_clear_full(&c->messages, (GDestroyNotify)json_object_unref);
  g_object_unref(c->session);
  g_free(c->close_reason);
  g_free(c->error);
  g_free(c);
}

void vt_test_client_send(VtTestClient *c, const char *text)
{
  g_assert_nonnull(c->ws);
  soup_websocket_connection_send_text(c->ws, text);
}

void vt_test_client_sendf(VtTestClient *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  vt_test_client_send(c, text);
}

typedef struct {
  VtTestClient *client;
  const char *type;
  const char *code;
  JsonObject *found;
} Wait;

static gboolean find_check(gpointer data)
{
  Wait *w = data;
  while (!g_queue_is_empty(&w->client->messages)) {
    JsonObject *o = g_queue_pop_head(&w->client->messages);
    const char *type = json_object_get_string_member_with_default(o, "type", "");
    const char *code = json_object_get_string_member_with_default(o, "code", "");
    if (g_str_equal(type, w->type) && (!w->code || g_str_equal(code, w->code))) {
      w->found = o;
      return TRUE;
    }
    if (g_getenv("VT_TEST_VERBOSE"))
      g_printerr("skipped %s %s\n", type, code);
    json_object_unref(o);
  }
  return w->client->closed;
}

JsonObject *vt_test_client_wait(VtTestClient *c, const char *type, guint timeout_ms)
{
  Wait w = {c, type, NULL, NULL};
  vt_test_run_until(find_check, &w, timeout_ms);
  return w.found;
}

static gboolean take_check(gpointer data)
{
  Wait *w = data;
  for (GList *l = w->client->messages.head; l; l = l->next) {
    const char *type = json_object_get_string_member_with_default(l->data, "type", "");
    if (g_str_equal(type, w->type)) {
      w->found = l->data;
      g_queue_delete_link(&w->client->messages, l);
      return TRUE;
    }
  }
  return FALSE;
}

JsonObject *vt_test_client_take(VtTestClient *c, const char *type, guint timeout_ms)
{
  Wait w = {c, type, NULL, NULL};
  vt_test_run_until(take_check, &w, timeout_ms);
  return w.found;
}

JsonObject *vt_test_client_wait_error(VtTestClient *c, const char *code, guint timeout_ms)
{
  Wait w = {c, "error", code, NULL};
  vt_test_run_until(find_check, &w, timeout_ms);
  return w.found;
}

static gboolean closed_check(gpointer data)
{
  return ((VtTestClient *)data)->closed;
}

gboolean vt_test_client_wait_closed(VtTestClient *c, guint timeout_ms)
{
  return vt_test_run_until(closed_check, c, timeout_ms);
}

JsonObject *vt_test_client_join(VtTestClient *c, const char *token)
{
  g_assert_null(c->error);
  vt_test_client_sendf(c, "{\"type\":\"join\",\"token\":\"%s\"}", token);
  JsonObject *joined = vt_test_client_wait(c, "joined", 10000);
  g_assert_nonnull(joined);
  return joined;
}

/* -- HTTP ------------------------------------------------------------------------ */

char *vt_test_http_get(VtTestServer *server, const char *path, guint *status)
{
  g_autoptr(SoupSession) session = soup_session_new();
  g_autofree char *url = g_strdup_printf("https://127.0.0.1:%u%s", server->port, path);
  g_autoptr(SoupMessage) msg = soup_message_new("GET", url);
  g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_any_certificate), NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read(session, msg, NULL, &error);
  g_assert_no_error(error);
  *status = soup_message_get_status(msg);
  gsize len;
  const char *data = g_bytes_get_data(body, &len);
  return g_strndup(data, len);
}
