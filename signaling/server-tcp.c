/* TCP connections, from accept to close, whatever they become (HTTP, a
 * WebSocket, or nothing: issue #11's probe held ~19,900 connections that
 * never started TLS and made the service unreachable). Two limits apply at
 * accept, before any TLS work is done: connections open from one address
 * [max-connections-per-ip], and connections of all addresses still in their
 * TLS handshake [max-handshakes]. A handshake that does not finish is cut by
 * lws's timeout (timeout_secs). Established connections never count against
 * the second limit, so a flood of half-open connections from many addresses
 * delays new visitors but leaves calls in progress alone; nor do connections
 * from the machine itself (127.0.0.1, ::1, which cannot come from the
 * network), so that a local health check still answers. */
#include "signaling/server-priv.h"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <string.h>
#include <sys/socket.h>

typedef struct {
  char ip[INET6_ADDRSTRLEN];
  gboolean handshaking;
} TcpConn;

/* The address as text; an IPv4 client of an IPv6 socket as plain IPv4, so
 * that it counts once whichever way it came in. */
static void format_ip(const struct sockaddr_storage *addr, char *out, gsize size)
{
  const struct sockaddr_in6 *v6 = (const void *)addr;
  *out = '\0';
  if (addr->ss_family == AF_INET) {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)addr)->sin_addr, out,
              (socklen_t)size);
  } else if (addr->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
    inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], out, (socklen_t)size);
  } else if (addr->ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &v6->sin6_addr, out, (socklen_t)size);
  }
}

static guint tcp_count(VtServer *s, const char *ip)
{
  return GPOINTER_TO_UINT(g_hash_table_lookup(s->tcp_per_ip, ip));
}

static void tcp_adjust(VtServer *s, const char *ip, int delta)
{
  guint n = tcp_count(s, ip) + delta;
  if (n)
    g_hash_table_insert(s->tcp_per_ip, g_strdup(ip), GUINT_TO_POINTER(n));
  else
    g_hash_table_remove(s->tcp_per_ip, ip);
}

/* Refusals come in floods: one log line a minute says how many. */
static void note_refusal(VtServer *s, const char *code, const char *ip)
{
  s->metrics.connections_refused++;
  vt_metrics_count(s->metrics.errors, code);
  s->refused_unlogged++;
  gint64 now = g_get_monotonic_time();
  if (now - s->refused_logged_us < 60 * G_USEC_PER_SEC)
    return;
  g_message("refused %u connection(s) in the last minute; the latest from %s: %s",
            s->refused_unlogged, ip, code);
  s->refused_logged_us = now;
  s->refused_unlogged = 0;
}

int vt_server_tcp_filter(VtServer *s, const struct lws_filter_network_conn_args *filt)
{
  char ip[INET6_ADDRSTRLEN];
  format_ip(&filt->cli_addr, ip, sizeof ip);
  if (tcp_count(s, ip) >= s->config.max_connections_per_ip) {
    note_refusal(s, "tcp_connections_per_ip", ip);
    return -1;
  }
  gboolean local = g_str_equal(ip, "127.0.0.1") || g_str_equal(ip, "::1");
  if (s->handshakes >= s->config.max_handshakes && !local) {
    note_refusal(s, "too_many_handshakes", ip);
    return -1;
  }
  return 0;
}

/* The connection's entry, made (and counted) on first sight: lws may report
 * a finished handshake before the new connection itself. */
static TcpConn *conn_for(VtServer *s, struct lws *wsi)
{
  TcpConn *conn = g_hash_table_lookup(s->tcp, wsi);
  if (conn)
    return conn;
  struct sockaddr_storage addr;
  socklen_t len = sizeof addr;
  conn = g_new0(TcpConn, 1);
  if (getpeername(lws_get_socket_fd(wsi), (struct sockaddr *)&addr, &len) == 0)
    format_ip(&addr, conn->ip, sizeof conn->ip);
  conn->handshaking = TRUE;
  g_hash_table_insert(s->tcp, wsi, conn);
  tcp_adjust(s, conn->ip, +1);
  s->handshakes++;
  return conn;
}

void vt_server_tcp_opened(VtServer *s, struct lws *wsi)
{
  conn_for(s, wsi);
}

static void handshake_over(VtServer *s, TcpConn *conn)
{
  if (!conn->handshaking)
    return;
  conn->handshaking = FALSE;
  s->handshakes--;
}

void vt_server_tcp_tls_info(VtServer *s, struct lws *wsi, const struct lws_ssl_info *info)
{
  if (info->where & SSL_CB_HANDSHAKE_DONE)
    handshake_over(s, conn_for(s, wsi));
}

void vt_server_tcp_closed(VtServer *s, struct lws *wsi)
{
  TcpConn *conn = g_hash_table_lookup(s->tcp, wsi);
  if (!conn)
    return;
  handshake_over(s, conn);
  tcp_adjust(s, conn->ip, -1);
  g_hash_table_remove(s->tcp, wsi); /* frees conn */
}

guint vt_server_tcp_open(VtServer *s)
{
  return g_hash_table_size(s->tcp);
}
