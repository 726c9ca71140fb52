/* A lean WebSocket-over-TLS load client for the signaling benchmark: plain
 * OpenSSL and epoll on one thread, frames read without a JSON parser. The
 * libsoup clients of the tests spend more CPU per message than the server
 * does, so with them the benchmark measured its own client; this one costs
 * a small fraction of the server's work per message. Loopback only. */
#pragma once

#include <glib.h>

typedef struct WsLoad WsLoad;

/* Called for every text message; now_us is when it was read. */
typedef void (*WsLoadMessage)(gpointer user, guint socket, const char *text, gsize len,
                              gint64 now_us);

/* Opens n sockets to wss://127.0.0.1:PORT/ws (TLS and upgrade done one after
 * another, not timed). Aborts the benchmark on failure. */
WsLoad *ws_load_connect(guint port, guint n);
void ws_load_free(WsLoad *load);

/* Queues one text message on a socket and writes what the socket takes. */
void ws_load_send(WsLoad *load, guint socket, const char *text);

/* Reads and writes until done(user) is true or timeout_ms pass; returns
 * whether done. */
gboolean ws_load_run(WsLoad *load, WsLoadMessage on_message, gboolean (*done)(gpointer),
                     gpointer user, guint timeout_ms);
