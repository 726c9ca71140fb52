/* The server's state, shared by server.c (the WebSocket side, setup) and
 * server-http.c (HTTP: /healthz, /metrics and the API's requests and
 * responses). Nothing else includes this. */
#pragma once

#include <libwebsockets.h>

#include "signaling/api.h"
#include "signaling/hub.h"
#include "signaling/metrics.h"
#include "signaling/server.h"

struct _VtServer {
  VtServerOptions config; /* the caller's; what it points to is borrowed */
  VtStore *store;
  VtMetrics metrics;
  VtHub *hub;
  VtApi *api;
  struct lws_context *lws;
  struct lws_vhost *vhost;
  struct lws_http_mount mounts[5];
  struct lws_protocols protocols[2];
  lws_retry_bo_t retry;
  GHashTable *per_ip;    /* ip string -> open WebSocket count */
  GHashTable *tcp;        /* struct lws* -> TcpConn (server-tcp.c), every accepted connection */
  GHashTable *tcp_per_ip; /* ip string -> open TCP connections */
  guint handshakes;       /* connections still in their TLS handshake */
  guint refused_unlogged; /* refusals since the last log line about them */
  gint64 refused_logged_us;
  GQueue dirty;          /* of Conn*: messages queued since the last flush */
  guint64 queued_bytes;  /* in every Conn's out queue together */
  gint64 batch_since_us; /* when the hub first wrote or queued since the last flush */
  GSource *flusher;
  guint tick_id;
  gint64 started_us;
  guint8 *scratch; /* LWS_PRE + VT_PROTOCOL_MAX_MESSAGE bytes for writes */
  gsize scratch_len;
};

/* Per-connection state; lws allocates it zeroed for every wsi. */
typedef struct {
  VtServer *server;
  struct lws *wsi;
  VtPeer *peer; /* WebSocket connections only */
  char ip[64];
  GByteArray *rx;        /* the message (or API request body) being assembled */
  GQueue out;            /* of GBytes*; only through out_push/out_pop/out_clear */
  gsize out_bytes;
  GList dirty_link;      /* in server->dirty while data is set */
  gboolean peer_closing; /* the client sent a close frame: nothing more to send */
  guint16 close_code;
  char close_reason[64];
  GString *http_body; /* HTTP responses */
  const char *http_type;
  char *api_path;      /* an API POST whose body is being read */
  gboolean draining;   /* its body is over the limit: read to the end, kept nowhere */
  gboolean http_close; /* close after this response (a body left unread) */
} Conn;

/* server.c */
/* Commits the store's open batch, then sends what the hub queued; FALSE when
 * the commit failed (the sockets that were to hear of it are closed). */
gboolean vt_server_flush(VtServer *s);
/* Frees what a connection holds (WebSocket or HTTP). */
void vt_server_conn_clear(Conn *c);

/* server-tcp.c: limits on TCP connections, before TLS. */
/* LWS_CALLBACK_FILTER_NETWORK_CONNECTION: non-zero refuses the connection. */
int vt_server_tcp_filter(VtServer *s, const struct lws_filter_network_conn_args *filt);
/* LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED: the accepted connection counts. */
void vt_server_tcp_opened(VtServer *s, struct lws *wsi);
/* LWS_CALLBACK_SSL_INFO: a finished handshake no longer counts as one. */
void vt_server_tcp_tls_info(VtServer *s, struct lws *wsi, const struct lws_ssl_info *info);
/* LWS_CALLBACK_WSI_DESTROY: the connection is gone. */
void vt_server_tcp_closed(VtServer *s, struct lws *wsi);
guint vt_server_tcp_open(VtServer *s);

/* server-http.c: the LWS_CALLBACK_HTTP* cases of the protocol callback. */
int vt_server_http_request(VtServer *s, Conn *c, struct lws *wsi, const char *path);
int vt_server_http_body(Conn *c, struct lws *wsi, const void *in, size_t len);
int vt_server_http_body_done(VtServer *s, Conn *c, struct lws *wsi);
int vt_server_http_writable(Conn *c, struct lws *wsi);
