/* Integration: a socket that joins and never reads must not hold the
 * server's memory (issue #11: one customer link OOM-killed the server). The
 * real server, a raw WebSocket client on loopback that stops reading after
 * its join (with a small receive buffer, so that the kernel does not absorb
 * what the server sends), and a member of staff who fills the room's chat.
 * Each limit in turn is set small: the socket's own queue, and the budget of
 * all queues together. */
#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>

#include "support/vt-test.h"

#define CHAT_TEXT 4000
#define CHATS 1500 /* 6 MB to the reader that does not read */

/* TLS to the test server: its certificate is self-signed. */
static gboolean accept_any(GTlsConnection *conn, GTlsCertificate *cert,
                           GTlsCertificateFlags errors, gpointer data)
{
  return TRUE;
}

/* Before connecting: a small receive buffer. Before the TLS handshake: the
 * test certificate is accepted. */
static void on_event(GSocketClient *client, GSocketClientEvent event,
                     GSocketConnectable *connectable, GIOStream *connection, gpointer data)
{
  if (event == G_SOCKET_CLIENT_CONNECTING) {
    GSocket *socket = g_socket_connection_get_socket(G_SOCKET_CONNECTION(connection));
    g_socket_set_option(socket, SOL_SOCKET, SO_RCVBUF, 4096, NULL);
  } else if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING) {
    g_signal_connect(connection, "accept-certificate", G_CALLBACK(accept_any), NULL);
  }
}

/* One masked text frame (RFC 6455 5.2) carrying text. */
static void send_frame(GOutputStream *out, const char *text)
{
  gsize len = strlen(text);
  g_assert_cmpuint(len, <, 65536);
  GByteArray *frame = g_byte_array_new();
  guint8 head[8] = {0x81, 0x80 | 126, (guint8)(len >> 8), (guint8)len, 1, 2, 3, 4};
  g_byte_array_append(frame, head, sizeof head);
  for (gsize i = 0; i < len; i++) {
    guint8 b = (guint8)text[i] ^ head[4 + i % 4];
    g_byte_array_append(frame, &b, 1);
  }
  g_assert_true(g_output_stream_write_all(out, frame->data, frame->len, NULL, NULL, NULL));
  g_byte_array_unref(frame);
}

/* Connects, upgrades to a WebSocket and joins with token; then reads no more. */
static GIOStream *join_and_stop_reading(VtTestServer *server, const char *token)
{
  g_autoptr(GSocketClient) client = g_socket_client_new();
  g_socket_client_set_tls(client, TRUE);
  g_signal_connect(client, "event", G_CALLBACK(on_event), NULL);
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn =
      g_socket_client_connect_to_host(client, "127.0.0.1", (guint16)server->port, NULL, &error);
  g_assert_no_error(error);
  GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
  g_autofree char *upgrade = g_strdup_printf(
      "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      server->port);
  g_assert_true(g_output_stream_write_all(out, upgrade, strlen(upgrade), NULL, NULL, &error));
  g_assert_no_error(error);
  /* The 101 response, up to its blank line; what follows stays unread. */
  GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
  GString *head = g_string_new(NULL);
  while (!g_str_has_suffix(head->str, "\r\n\r\n")) {
    char ch;
    g_assert_cmpint(g_input_stream_read(in, &ch, 1, NULL, &error), ==, 1);
    g_string_append_c(head, ch);
  }
  g_assert_true(g_str_has_prefix(head->str, "HTTP/1.1 101"));
  g_string_free(head, TRUE);
  g_autofree char *join = g_strdup_printf("{\"type\":\"join\",\"token\":\"%s\"}", token);
  send_frame(out, join);
  return G_IO_STREAM(conn);
}

static gboolean went_away(gpointer data)
{
  VtTestClient *staff = data;
  JsonObject *msg = vt_test_client_take(staff, "participant_away", 0);
  if (!msg)
    msg = vt_test_client_take(staff, "participant_left", 0);
  if (msg)
    json_object_unref(msg);
  return msg != NULL;
}

static void fill_chat_until_dropped(const char *const *flags)
{
  VtTestServer *server = vt_test_server_start(NULL, flags);
  g_autofree char *staff_token = vt_test_token(server, "shop", "staff", "Sam", "sam", "r1");
  VtTestClient *staff = vt_test_client_new(server, NULL);
  g_autoptr(JsonObject) joined = vt_test_client_join(staff, staff_token);
  g_assert_nonnull(joined);
  g_autofree char *reader_token = vt_test_token(server, "shop", "customer", "Dana", "dana", "r1");
  GIOStream *reader = join_and_stop_reading(server, reader_token);
  g_autoptr(JsonObject) arrived = vt_test_client_wait(staff, "participant_joined", 5000);
  g_assert_nonnull(arrived);

  g_autofree char *text = g_strnfill(CHAT_TEXT, 'x');
  gboolean dropped = FALSE;
  for (int i = 0; i < CHATS && !dropped; i++) {
    vt_test_client_sendf(staff, "{\"type\":\"chat\",\"text\":\"%s\",\"client_id\":\"c%d\"}", text,
                         i);
    if (i % 50 == 49)
      dropped = vt_test_run_until(went_away, staff, 200);
  }
  if (!dropped)
    dropped = vt_test_run_until(went_away, staff, 20000);
  g_assert_true(dropped);
  /* The member of staff who reads is still there and still served. */
  g_assert_false(staff->closed);
  guint status = 0;
  g_autofree char *health = vt_test_http_get(server, "/healthz", &status);
  g_assert_cmpuint(status, ==, 200);
  g_autofree char *metrics = vt_test_http_get(server, "/metrics", &status);
  g_assert_nonnull(strstr(metrics, "slow_consumer"));

  g_io_stream_close(reader, NULL, NULL);
  g_object_unref(reader);
  vt_test_client_free(staff);
  g_assert_cmpint(vt_test_server_stop(server), ==, 0);
  vt_test_server_free(server);
}

static void test_socket_queue_bounded(void)
{
  const char *flags[] = {"--socket-queue-bytes=262144", "--max-messages-per-second=100000",
                         NULL};
  fill_chat_until_dropped(flags);
}

static void test_server_budget_bounded(void)
{
  const char *flags[] = {"--queued-bytes=262144", "--max-messages-per-second=100000", NULL};
  fill_chat_until_dropped(flags);
}

int main(int argc, char *argv[])
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/slow-consumer/socket-queue-bounded", test_socket_queue_bounded);
  g_test_add_func("/slow-consumer/server-budget-bounded", test_server_budget_bounded);
  return g_test_run();
}
