/* Lean WebSocket load client; see ws-load.h. */
#include "ws-load.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
  int fd;
  SSL *ssl;
  GByteArray *rx; /* decrypted bytes not yet cut into frames */
  GByteArray *tx; /* frames the socket has not taken yet */
  gboolean polling_out;
} WsSock;

struct WsLoad {
  SSL_CTX *tls;
  int epoll;
  guint n;
  WsSock *socks;
};

#define UPGRADE                                                                                    \
  "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"        \
  "Sec-WebSocket-Key: dml0cmluZSBiZW5jaCBrZXk=\r\nSec-WebSocket-Version: 13\r\n\r\n"

/* Reads the upgrade response; bytes after it (none expected) go to rx. */
static void read_upgrade(WsSock *s, guint index)
{
  GString *head = g_string_new(NULL);
  char buf[1024];
  const char *end;
  while (!(end = strstr(head->str, "\r\n\r\n"))) {
    int n = SSL_read(s->ssl, buf, sizeof buf - 1);
    if (n <= 0)
      g_error("socket %u: the server closed during the WebSocket upgrade", index);
    g_string_append_len(head, buf, n);
  }
  if (!g_str_has_prefix(head->str, "HTTP/1.1 101"))
    g_error("socket %u: upgrade refused: %.*s", index, (int)strcspn(head->str, "\r"), head->str);
  end += 4;
  g_byte_array_append(s->rx, (const guint8 *)end, head->len - (gsize)(end - head->str));
  g_string_free(head, TRUE);
}

static void sock_open(WsLoad *l, guint index, guint port)
{
  WsSock *s = &l->socks[index];
  s->rx = g_byte_array_new();
  s->tx = g_byte_array_new();
  s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET,
                             .sin_port = htons((guint16)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (s->fd < 0 || connect(s->fd, (struct sockaddr *)&addr, sizeof addr) != 0)
    g_error("socket %u: connect: %s", index, g_strerror(errno));
  int one = 1;
  setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  s->ssl = SSL_new(l->tls);
  SSL_set_fd(s->ssl, s->fd);
  if (SSL_connect(s->ssl) != 1)
    g_error("socket %u: TLS handshake failed", index);
  g_autofree char *request = g_strdup_printf(UPGRADE, port);
  if (SSL_write(s->ssl, request, (int)strlen(request)) <= 0)
    g_error("socket %u: could not send the upgrade", index);
  read_upgrade(s, index);
  fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = index};
  epoll_ctl(l->epoll, EPOLL_CTL_ADD, s->fd, &ev);
}

WsLoad *ws_load_connect(guint port, guint n)
{
  WsLoad *l = g_new0(WsLoad, 1);
  l->tls = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(l->tls, SSL_VERIFY_NONE, NULL); /* the server's own self-signed cert */
  SSL_CTX_set_mode(l->tls, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  l->epoll = epoll_create1(EPOLL_CLOEXEC);
  l->n = n;
  l->socks = g_new0(WsSock, n);
  for (guint i = 0; i < n; i++)
    sock_open(l, i, port);
  return l;
}

void ws_load_free(WsLoad *l)
{
  for (guint i = 0; i < l->n; i++) {
    WsSock *s = &l->socks[i];
    SSL_free(s->ssl);
    close(s->fd);
    g_byte_array_unref(s->rx);
    g_byte_array_unref(s->tx);
  }
  close(l->epoll);
  SSL_CTX_free(l->tls);
  g_free(l->socks);
  g_free(l);
}

static void poll_out(WsLoad *l, guint index, gboolean on)
{
  WsSock *s = &l->socks[index];
  if (s->polling_out == on)
    return;
  s->polling_out = on;
  struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.u32 = index};
  epoll_ctl(l->epoll, EPOLL_CTL_MOD, s->fd, &ev);
}

static void flush(WsLoad *l, guint index)
{
  WsSock *s = &l->socks[index];
  while (s->tx->len) {
    int n = SSL_write(s->ssl, s->tx->data, (int)MIN(s->tx->len, 16384u));
    if (n > 0) {
      g_byte_array_remove_range(s->tx, 0, (guint)n);
      continue;
    }
    int err = SSL_get_error(s->ssl, n);
    if (err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ)
      g_error("socket %u: write failed", index);
    poll_out(l, index, TRUE);
    return;
  }
  poll_out(l, index, FALSE);
}

/* Appends a masked client frame (RFC 6455 5.2) of the given opcode. */
static void put_frame(GByteArray *out, guint8 opcode, const guint8 *payload, gsize len)
{
  static const guint8 mask[4] = {0x5a, 0xc3, 0x3c, 0xa5};
  guint8 head[14] = {0x80 | opcode};
  gsize n = 2;
  if (len < 126) {
    head[1] = 0x80 | (guint8)len;
  } else if (len <= 0xffff) {
    head[1] = 0x80 | 126;
    head[2] = (guint8)(len >> 8);
    head[3] = (guint8)len;
    n = 4;
  } else {
    head[1] = 0x80 | 127;
    for (int i = 0; i < 8; i++)
      head[2 + i] = (guint8)((guint64)len >> (56 - 8 * i));
    n = 10;
  }
  memcpy(head + n, mask, 4);
  g_byte_array_append(out, head, (guint)n + 4);
  guint at = out->len;
  g_byte_array_set_size(out, at + (guint)len);
  for (gsize i = 0; i < len; i++)
    out->data[at + i] = payload[i] ^ mask[i % 4];
}

void ws_load_send(WsLoad *l, guint index, const char *text)
{
  put_frame(l->socks[index].tx, 0x1, (const guint8 *)text, strlen(text));
  flush(l, index);
}

/* Cuts whole frames off rx. The server sends each message as one final
 * frame, so continuation frames are not expected here. */
static void take_frames(WsLoad *l, guint index, WsLoadMessage on_message, gpointer user, gint64 now)
{
  GByteArray *rx = l->socks[index].rx;
  gsize at = 0;
  while (rx->len - at >= 2) {
    const guint8 *p = rx->data + at;
    gsize avail = rx->len - at, head = 2;
    guint64 len = p[1] & 0x7f;
    if (len == 126) {
      if (avail < 4)
        break;
      len = (guint64)p[2] << 8 | p[3];
      head = 4;
    } else if (len == 127) {
      if (avail < 10)
        break;
      len = 0;
      for (int i = 0; i < 8; i++)
        len = len << 8 | p[2 + i];
      head = 10;
    }
    if (avail - head < len)
      break;
    guint opcode = p[0] & 0x0f;
    if (!(p[0] & 0x80) || opcode == 0)
      g_error("socket %u: fragmented frame from the server", index);
    if (opcode == 0x1)
      on_message(user, index, (const char *)p + head, (gsize)len, now);
    else if (opcode == 0x8)
      g_error("socket %u: the server closed it (%.*s)", index, (int)MIN(len, 125u), p + head);
    else if (opcode == 0x9)
      put_frame(l->socks[index].tx, 0xa, p + head, (gsize)len);
    at += head + (gsize)len;
  }
  g_byte_array_remove_range(rx, 0, (guint)at);
  if (l->socks[index].tx->len)
    flush(l, index);
}

static void read_all(WsLoad *l, guint index, WsLoadMessage on_message, gpointer user, gint64 now)
{
  WsSock *s = &l->socks[index];
  guint8 buf[16384];
  for (;;) {
    int n = SSL_read(s->ssl, buf, sizeof buf);
    if (n > 0) {
      g_byte_array_append(s->rx, buf, (guint)n);
      continue;
    }
    int err = SSL_get_error(s->ssl, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
      break;
    g_error("socket %u: the server closed the connection", index);
  }
  take_frames(l, index, on_message, user, now);
}

gboolean ws_load_run(WsLoad *l, WsLoadMessage on_message, gboolean (*done)(gpointer), gpointer user,
                     guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  struct epoll_event ev[256];
  while (!done(user)) {
    gint64 left = deadline - g_get_monotonic_time();
    if (left <= 0)
      return FALSE;
    int n = epoll_wait(l->epoll, ev, G_N_ELEMENTS(ev), (int)MIN(left / 1000 + 1, 1000));
    if (n < 0 && errno != EINTR)
      g_error("epoll_wait: %s", g_strerror(errno));
    gint64 now = g_get_monotonic_time();
    for (int i = 0; i < n; i++) {
      if (ev[i].events & EPOLLOUT)
        flush(l, ev[i].data.u32);
      if (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        read_all(l, ev[i].data.u32, on_message, user, now);
    }
  }
  return TRUE;
}
