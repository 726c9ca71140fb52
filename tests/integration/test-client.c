/* Integration: `vitrine client` against the real server over loopback. The
 * server has no media path yet, so these cover the call around it: joining
 * and leaving cleanly (seen by another participant), the report on stdout,
 * exit statuses and the one-line reasons for every way a call fails, and
 * SIGTERM. Media itself is covered by tests/unit/media/test-client-webrtc.c. */
#include <signal.h>
#include <string.h>

#include "support/vt-test.h"

typedef struct {
  GSubprocess *process;
  gboolean done;
  char *out;
  char *err;
} ClientRun;

static void on_communicated(GObject *source, GAsyncResult *res, gpointer data)
{
  ClientRun *run = data;
  g_autoptr(GError) error = NULL;
  g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), res, &run->out, &run->err, &error);
  g_assert_no_error(error);
  run->done = TRUE;
}

/* Starts `vitrine client` with the common flags, then extra ones
 * (NULL-terminated). url NULL: this server's base URL. */
static ClientRun *client_start(VtTestServer *server, const char *url, const char *token, ...)
{
  g_autofree char *base = g_strdup_printf("https://127.0.0.1:%u", server->port);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  const char *common[] = {g_getenv("VT_BINARY"), "client",    "--server",
                          url ? url : base,      "--token",   token,
                          "--local-address",     "127.0.0.1", "--json"};
  for (gsize i = 0; i < G_N_ELEMENTS(common); i++)
    g_ptr_array_add(argv, (char *)common[i]);
  va_list ap;
  va_start(ap, token);
  for (const char *a = va_arg(ap, const char *); a; a = va_arg(ap, const char *))
    g_ptr_array_add(argv, (char *)a);
  va_end(ap);
  g_ptr_array_add(argv, NULL);
  ClientRun *run = g_new0(ClientRun, 1);
  g_autoptr(GError) error = NULL;
  run->process =
      g_subprocess_newv((const char *const *)argv->pdata,
                        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error(error);
  g_subprocess_communicate_utf8_async(run->process, NULL, NULL, on_communicated, run);
  return run;
}

static gboolean run_done(gpointer data)
{
  return ((ClientRun *)data)->done;
}

/* Waits for the client to exit; returns its exit status. */
static int client_wait(ClientRun *run, guint timeout_ms)
{
  g_assert_true(vt_test_run_until(run_done, run, timeout_ms));
  g_subprocess_wait(run->process, NULL, NULL);
  g_assert_true(g_subprocess_get_if_exited(run->process));
  if (g_getenv("VT_TEST_VERBOSE"))
    g_printerr("client stdout: %s\nclient stderr: %s\n", run->out, run->err);
  return g_subprocess_get_exit_status(run->process);
}

static void client_free(ClientRun *run)
{
  g_object_unref(run->process);
  g_free(run->out);
  g_free(run->err);
  g_free(run);
}

/* stdout is exactly one JSON object on one line. (transfer full) */
static JsonObject *report_of(ClientRun *run)
{
  g_assert_nonnull(run->out);
  g_assert_true(g_str_has_suffix(run->out, "}\n"));
  g_assert_true(strchr(run->out, '\n') == run->out + strlen(run->out) - 1);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_assert_true(json_parser_load_from_data(parser, run->out, -1, NULL));
  return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

/* With --json, stderr holds only the failure's one line. */
static void assert_reason(ClientRun *run, const char *part)
{
  g_assert_nonnull(strstr(run->err, part));
  g_assert_true(g_str_has_prefix(run->err, "vitrine client: "));
  g_assert_true(g_str_has_suffix(run->err, "\n"));
  g_assert_true(strchr(run->err, '\n') == run->err + strlen(run->err) - 1);
}

/* Joins, stays the duration, leaves: the other participant sees it come and
 * go with reason "left", and the report says ok with its times. */
static void test_join_and_leave(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  g_autofree char *ann_token = vt_test_token(server, "shop", "staff", "Ann", "ann", "fit-1");
  VtTestClient *ann = vt_test_client_new(server, NULL);
  json_object_unref(vt_test_client_join(ann, ann_token));

  g_autofree char *token = vt_test_token(server, "shop", "customer", "Cam", "cam", "fit-1");
  ClientRun *run = client_start(server, NULL, token, "--insecure", "--duration", "1", NULL);
  JsonObject *joined = vt_test_client_wait(ann, "participant_joined", 10000);
  g_assert_nonnull(joined);
  json_object_unref(joined);
  g_assert_cmpint(client_wait(run, 15000), ==, 0);
  JsonObject *left = vt_test_client_wait(ann, "participant_left", 5000);
  g_assert_nonnull(left);
  g_assert_cmpstr(json_object_get_string_member(left, "reason"), ==, "left");
  const char *left_id =
      json_object_get_string_member(json_object_get_object_member(left, "participant"), "id");

  g_autoptr(JsonObject) report = report_of(run);
  g_assert_true(json_object_get_boolean_member(report, "ok"));
  g_assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(report, "error")));
  g_assert_cmpstr(json_object_get_string_member(report, "participant"), ==, left_id);
  g_assert_cmpfloat(json_object_get_double_member(report, "join_ms"), >=, 0);
  g_assert_cmpfloat(json_object_get_double_member(report, "join_ms"), <, 5000);
  g_assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(report, "first_frame_ms")));
  g_assert_cmpfloat(json_object_get_double_member(report, "duration_s"), >=, 0.99);
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(report, "published")), ==, 0);
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(report, "tracks")), ==, 0);
  g_assert_cmpstr(run->err, ==, "");
  json_object_unref(left);
  client_free(run);
  vt_test_client_free(ann);
  vt_test_server_free(server);
}

/* This server has no relay: the publish offer is answered not_available,
 * which fails the call at once, after a clean leave. */
static void test_publish_not_available(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  g_autofree char *token = vt_test_token(server, "shop", "staff", "Cam", "cam", "fit-2");
  ClientRun *run = client_start(server, NULL, token, "--insecure", "--publish", "test",
                                "--duration", "20", NULL);
  g_assert_cmpint(client_wait(run, 15000), ==, 1);
  assert_reason(run, "publish negotiation failed: not_available");
  g_autoptr(JsonObject) report = report_of(run);
  g_assert_false(json_object_get_boolean_member(report, "ok"));
  g_assert_nonnull(strstr(json_object_get_string_member(report, "error"), "not_available"));
  g_assert_cmpfloat(json_object_get_double_member(report, "join_ms"), >=, 0);
  JsonArray *published = json_object_get_array_member(report, "published");
  g_assert_cmpuint(json_array_get_length(published), ==, 2);
  JsonObject *video = json_array_get_object_element(published, 0);
  g_assert_cmpstr(json_object_get_string_member(video, "kind"), ==, "video");
  g_assert_cmpstr(json_object_get_string_member(video, "codec"), ==, "vp8");
  g_assert_cmpint(json_object_get_int_member(video, "width"), ==, 640);
  g_assert_cmpint(json_object_get_int_member(video, "height"), ==, 480);
  client_free(run);
  vt_test_server_free(server);
}

static void check_failure(VtTestServer *server, const char *url, const char *token,
                          const char *insecure, const char *reason)
{
  ClientRun *run = client_start(server, url, token, "--duration", "5", insecure, NULL);
  g_assert_cmpint(client_wait(run, 20000), ==, 1);
  assert_reason(run, reason);
  g_autoptr(JsonObject) report = report_of(run);
  g_assert_false(json_object_get_boolean_member(report, "ok"));
  g_assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(report, "join_ms")));
  client_free(run);
}

static void test_failures(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  g_autofree char *token = vt_test_token(server, "shop", "staff", "Cam", "cam", "fit-3");
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  VtToken claims = {.store = "shop",
                    .role = VT_ROLE_STAFF,
                    .name = "Cam",
                    .sub = "cam",
                    .room = "fit-3",
                    .exp = now + 600,
                    .nbf = now};
  const char *other_key = "0123456789abcdef0123456789abcdef-not-this-servers";
  g_autofree char *forged = vt_token_mint(&claims, (const guint8 *)other_key, strlen(other_key));
  g_autofree char *console = vt_test_token(server, "shop", "staff", "Cam", "cam", NULL);

  check_failure(server, NULL, forged, "--insecure", "join rejected: bad_signature");
  check_failure(server, NULL, console, "--insecure", "names no room");
  /* The server's certificate is self-signed: refused without --insecure. */
  check_failure(server, NULL, token, NULL, "cannot connect to wss://127.0.0.1:");
  check_failure(server, "https://127.0.0.1:1", token, "--insecure", "cannot connect");

  ClientRun *run = client_start(server, NULL, token, "--publish", "camera", NULL);
  g_assert_cmpint(client_wait(run, 10000), ==, 2);
  g_assert_cmpstr(run->out, ==, "");
  client_free(run);
  vt_test_server_free(server);
}

/* Without --duration the client stays until SIGTERM, then leaves cleanly. */
static void test_sigterm(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  g_autofree char *ann_token = vt_test_token(server, "shop", "staff", "Ann", "ann", "fit-4");
  VtTestClient *ann = vt_test_client_new(server, NULL);
  json_object_unref(vt_test_client_join(ann, ann_token));
  g_autofree char *token = vt_test_token(server, "shop", "customer", "Cam", "cam", "fit-4");
  ClientRun *run = client_start(server, NULL, token, "--insecure", "--subscribe", NULL);
  JsonObject *joined = vt_test_client_wait(ann, "participant_joined", 10000);
  g_assert_nonnull(joined);
  json_object_unref(joined);
  vt_test_run_for(300);
  g_assert_false(run->done);
  g_subprocess_send_signal(run->process, SIGTERM);
  g_assert_cmpint(client_wait(run, 10000), ==, 0);
  JsonObject *left = vt_test_client_wait(ann, "participant_left", 5000);
  g_assert_nonnull(left);
  g_assert_cmpstr(json_object_get_string_member(left, "reason"), ==, "left");
  json_object_unref(left);
  g_autoptr(JsonObject) report = report_of(run);
  g_assert_true(json_object_get_boolean_member(report, "ok"));
  /* Subscribing while nobody publishes is no failure. */
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(report, "tracks")), ==, 0);
  client_free(run);
  vt_test_client_free(ann);
  vt_test_server_free(server);
}

/* Staff end the call: the client is done, successfully, before its time. */
static void test_call_ended(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  g_autofree char *ann_token = vt_test_token(server, "shop", "staff", "Ann", "ann", "fit-5");
  VtTestClient *ann = vt_test_client_new(server, NULL);
  json_object_unref(vt_test_client_join(ann, ann_token));
  g_autofree char *token = vt_test_token(server, "shop", "customer", "Cam", "cam", "fit-5");
  ClientRun *run = client_start(server, NULL, token, "--insecure", "--duration", "60", NULL);
  JsonObject *joined = vt_test_client_wait(ann, "participant_joined", 10000);
  g_assert_nonnull(joined);
  json_object_unref(joined);
  vt_test_client_send(ann, "{\"type\":\"end_call\",\"ref\":\"e1\"}");
  g_assert_cmpint(client_wait(run, 10000), ==, 0);
  g_autoptr(JsonObject) report = report_of(run);
  g_assert_true(json_object_get_boolean_member(report, "ok"));
  g_assert_cmpfloat(json_object_get_double_member(report, "duration_s"), <, 30);
  client_free(run);
  vt_test_client_free(ann);
  vt_test_server_free(server);
}

/* The server shuts down mid-call: the client reports why and fails. */
static void test_server_shutdown(void)
{
  VtTestServer *server = vt_test_server_start(NULL, NULL);
  g_autofree char *ann_token = vt_test_token(server, "shop", "staff", "Ann", "ann", "fit-6");
  VtTestClient *ann = vt_test_client_new(server, NULL);
  json_object_unref(vt_test_client_join(ann, ann_token));
  g_autofree char *token = vt_test_token(server, "shop", "customer", "Cam", "cam", "fit-6");
  ClientRun *run = client_start(server, NULL, token, "--insecure", "--duration", "60", NULL);
  JsonObject *joined = vt_test_client_wait(ann, "participant_joined", 10000);
  g_assert_nonnull(joined);
  json_object_unref(joined);
  g_assert_cmpint(vt_test_server_stop(server), ==, 0);
  g_assert_cmpint(client_wait(run, 10000), ==, 1);
  assert_reason(run, "the server closed the connection (1001 shutdown): it is shutting down");
  client_free(run);
  vt_test_client_free(ann);
  vt_test_server_free(server);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/client/join-and-leave", test_join_and_leave);
  g_test_add_func("/client/publish-not-available", test_publish_not_available);
  g_test_add_func("/client/failures", test_failures);
  g_test_add_func("/client/sigterm", test_sigterm);
  g_test_add_func("/client/call-ended", test_call_ended);
  g_test_add_func("/client/server-shutdown", test_server_shutdown);
  return g_test_run();
}
