/* Integration: plain TCP connections that never start TLS cannot take the
 * service down (issue #11, finding 2: ~19,900 of them from one address made
 * it unreachable). The real server with small limits, raw connections from
 * other loopback addresses (127.0.0.2 and up) that send nothing, and a
 * member of staff on 127.0.0.1 whose joined socket must keep working, as
 * must /healthz asked from 127.0.0.1 (the machine itself). */
#include <gio/gio.h>
#include <string.h>

#include "support/vt-test.h"

#define PER_IP 8
#define HANDSHAKES 16

/* A TCP connection from 127.0.0.host to the server that sends nothing. */
static GSocket *raw_connect(VtTestServer *server, guint host)
{
  g_autoptr(GError) error = NULL;
  GSocket *socket =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error(error);
  g_autofree char *from = g_strdup_printf("127.0.0.%u", host);
  g_autoptr(GInetAddress) local = g_inet_address_new_from_string(from);
  g_autoptr(GSocketAddress) bind_to = g_inet_socket_address_new(local, 0);
  g_assert_true(g_socket_bind(socket, bind_to, FALSE, &error));
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new(loopback, (guint16)server->port);
  g_assert_true(g_socket_connect(socket, to, NULL, &error));
  return socket;
}

/* Whether the server closed the connection within ms (it never sends first
 * on a connection without TLS). */
static gboolean closed_within(GSocket *socket, guint ms)
{
  g_socket_set_timeout(socket, 0);
  if (!g_socket_condition_timed_wait(socket, G_IO_IN, (gint64)ms * 1000, NULL, NULL))
    return FALSE;
  char byte;
  g_autoptr(GError) error = NULL;
  gssize n = g_socket_receive(socket, &byte, 1, NULL, &error);
  return n <= 0;
}

static void close_all(GPtrArray *sockets)
{
  for (guint i = 0; i < sockets->len; i++)
    g_socket_close(g_ptr_array_index(sockets, i), NULL);
  g_ptr_array_set_size(sockets, 0);
}

static void assert_healthy(VtTestServer *server)
{
  guint status = 0;
  g_autofree char *body = vt_test_http_get(server, "/healthz", &status);
  g_assert_cmpuint(status, ==, 200);
}

static void assert_call_alive(VtTestClient *staff)
{
  vt_test_client_send(staff, "{\"type\":\"ping\",\"ref\":\"alive\"}");
  g_autoptr(JsonObject) pong = vt_test_client_take(staff, "pong", 5000);
  g_assert_nonnull(pong);
}

static void test_limits(void)
{
  g_autofree char *per_ip = g_strdup_printf("--max-connections-per-ip=%d", PER_IP);
  g_autofree char *websockets = g_strdup_printf("--max-sockets-per-ip=%d", PER_IP);
  g_autofree char *handshakes = g_strdup_printf("--max-handshakes=%d", HANDSHAKES);
  const char *flags[] = {per_ip, websockets, handshakes, NULL};
  VtTestServer *server = vt_test_server_start(NULL, flags);
  VtTestClient *staff = vt_test_client_new(server, NULL);
  g_autofree char *token = vt_test_token(server, "shop", "staff", "Sam", "sam", NULL);
  g_autoptr(JsonObject) joined = vt_test_client_join(staff, token);
  g_assert_nonnull(joined);
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func(g_object_unref);

  /* One address: PER_IP held open, the next closed at once. */
  for (guint i = 0; i < PER_IP; i++)
    g_ptr_array_add(sockets, raw_connect(server, 2));
  g_autoptr(GSocket) over = raw_connect(server, 2);
  g_assert_true(closed_within(over, 2000));
  g_assert_false(closed_within(g_ptr_array_index(sockets, 0), 500)); /* held, not cut */
  for (guint i = 1; i < PER_IP; i++)
    g_assert_false(closed_within(g_ptr_array_index(sockets, i), 0));
  assert_healthy(server);
  assert_call_alive(staff);

  /* Many addresses: at most HANDSHAKES unfinished handshakes together. */
  for (guint i = PER_IP; i < HANDSHAKES; i++)
    g_ptr_array_add(sockets, raw_connect(server, 3 + i));
  g_autoptr(GSocket) crowd = raw_connect(server, 100);
  g_assert_true(closed_within(crowd, 2000));
  assert_call_alive(staff); /* a call in progress does not count */
  assert_healthy(server);   /* nor a health check from the machine itself */

  guint status = 0;
  close_all(sockets);
  vt_test_run_for(300);
  g_autofree char *metrics = vt_test_http_get(server, "/metrics", &status);
  g_assert_nonnull(strstr(metrics, "vitrine_errors_total{code=\"tcp_connections_per_ip\"} 1"));
  g_assert_nonnull(strstr(metrics, "vitrine_errors_total{code=\"too_many_handshakes\"} 1"));
  g_assert_nonnull(strstr(metrics, "vitrine_tls_handshakes 0"));

  /* Closed connections no longer count; one that never starts TLS is cut
   * after the handshake deadline (10 s). */
  gint64 idle_since_us = g_get_monotonic_time();
  g_autoptr(GSocket) idle = raw_connect(server, 2);
  g_assert_false(closed_within(idle, 300));
  g_assert_true(closed_within(idle, 15000));
  g_test_message("a connection that never started TLS was closed after %.1f s",
                 (g_get_monotonic_time() - idle_since_us) / 1e6);
  assert_call_alive(staff);

  vt_test_client_free(staff);
  g_assert_cmpint(vt_test_server_stop(server), ==, 0);
  vt_test_server_free(server);
}

/* A per-address WebSocket limit above the connection limit could never be
 * reached: the server refuses to start and says why. */
static void test_limits_agree(void)
{
  g_autofree char *dir = g_dir_make_tmp("vt-limits-XXXXXX", NULL);
  g_autofree char *data = g_strdup_printf("--data-dir=%s", dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) serve =
      g_subprocess_new(G_SUBPROCESS_FLAGS_STDERR_PIPE, &error, g_getenv("VT_BINARY"), "serve", data,
                       "--port=0", "--max-sockets-per-ip=600", NULL);
  g_assert_no_error(error);
  g_autofree char *err = NULL;
  g_assert_true(g_subprocess_communicate_utf8(serve, NULL, NULL, NULL, &err, &error));
  g_assert_cmpint(g_subprocess_get_exit_status(serve), ==, 2);
  g_assert_nonnull(strstr(err, "max-connections-per-ip (512) must be at least"));
  g_autoptr(GFile) folder = g_file_new_for_path(dir);
  g_file_delete(folder, NULL, NULL);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/connection-limits/before-tls", test_limits);
  g_test_add_func("/connection-limits/limits-agree", test_limits_agree);
  return g_test_run();
}
