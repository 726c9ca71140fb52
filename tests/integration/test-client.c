/* Integration: `vitrine client` against the real server over loopback. The
 * call around the media: joining and leaving cleanly (seen by another
 * participant), the report on stdout, exit statuses and the one-line reasons
 * for every way a call fails, and SIGTERM. Media through the relay is in
 * test-client-media.c. */
#include <signal.h>
#include <string.h>

#include "support/vt-client-run.h"
#include "support/vt-test.h"

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
  const char *flags[] = {"--media=off", NULL};
  VtTestServer *server = vt_test_server_start(NULL, flags);
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

  /* Only TURN allowed, and this server names no TURN server. */
  run = client_start(server, NULL, token, "--insecure", "--relay-only", "--publish", "test",
                     "--duration", "5", NULL);
  g_assert_cmpint(client_wait(run, 20000), ==, 1);
  assert_reason(run, "--relay-only: the server names no TURN server");
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
