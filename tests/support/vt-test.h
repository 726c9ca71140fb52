/* Test support: start the real `vitrine serve` in a temporary data folder,
 * mint tokens with its secret, and talk to it with real WebSocket clients
 * (libsoup) over loopback. Everything runs on the default GLib main context;
 * the wait helpers iterate it until their condition holds or time runs out. */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "signaling/token.h"

G_BEGIN_DECLS

typedef struct {
  GSubprocess *process;
  char *data_dir;
  guint port;
  char *key; /* token secret */
  gboolean keep_data; /* do not delete data_dir on free (restart tests) */
} VtTestServer;

/* Starts `vitrine serve` on a free port with extra flags (NULL-terminated,
 * may be NULL). data_dir NULL: a new temporary folder. Aborts the test on
 * failure. */
/* A GSubprocessLauncher child setup: the child is killed when the test
 * process dies, so that an aborted test leaves no server running. */
void vt_test_die_with_parent(gpointer data);

VtTestServer *vt_test_server_start(const char *data_dir, const char *const *flags);
/* The same, with the server's files limited to max_file_bytes (0: no limit):
 * past it, its writes fail as on a full disk. */
VtTestServer *vt_test_server_start_limited(const char *data_dir, const char *const *flags,
                                           guint64 max_file_bytes);
/* SIGTERM, then waits; returns the exit status. */
int vt_test_server_stop(VtTestServer *server);
void vt_test_server_free(VtTestServer *server);

/* A token for this server. room may be NULL; ttl in seconds from now. */
char *vt_test_token(VtTestServer *server, const char *store, const char *role,
                    const char *name, const char *sub, const char *room);

typedef struct {
  SoupSession *session;
  SoupWebsocketConnection *ws;
  GQueue messages; /* JsonObject* not yet taken */
  gboolean closed;
  gushort close_code;
  char *close_reason;
  char *error; /* connection failure */
  /* Load clients: count messages instead of parsing and keeping them. */
  gboolean count_only;
  guint64 received;
  gint64 last_received_us;
} VtTestClient;

/* Connects to wss://127.0.0.1:PORT/ws. origin may be NULL. Waits until open
 * or failed (client->error set). */
VtTestClient *vt_test_client_new(VtTestServer *server, const char *origin);
/* Connects without waiting; check with vt_test_client_ready. */
VtTestClient *vt_test_client_new_async(VtTestServer *server, const char *origin);
gboolean vt_test_client_ready(VtTestClient *client);
void vt_test_client_free(VtTestClient *client);

void vt_test_client_send(VtTestClient *client, const char *text);
void vt_test_client_sendf(VtTestClient *client, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Sends join with the token and waits for "joined"; aborts the test on error. */
JsonObject *vt_test_client_join(VtTestClient *client, const char *token);

/* Waits for the next message of that type, dropping others before it; NULL
 * on timeout. (transfer full) */
JsonObject *vt_test_client_wait(VtTestClient *client, const char *type, guint timeout_ms);
/* Waits for the first message of that type, keeping the others queued. */
JsonObject *vt_test_client_take(VtTestClient *client, const char *type, guint timeout_ms);
/* Waits for an error message with that code; (transfer full) or NULL. */
JsonObject *vt_test_client_wait_error(VtTestClient *client, const char *code,
                                      guint timeout_ms);
gboolean vt_test_client_wait_closed(VtTestClient *client, guint timeout_ms);
/* The server's resident memory in KiB, from /proc. */
guint64 vt_test_server_rss_kib(VtTestServer *server);

/* CPU time (user + system) the server has used, in microseconds. */
gint64 vt_test_server_cpu_us(VtTestServer *server);

/* Runs the main context for ms milliseconds. */
void vt_test_run_for(guint ms);
/* Runs the main context until check(data) or timeout; returns check's result. */
gboolean vt_test_run_until(gboolean (*check)(gpointer), gpointer data, guint timeout_ms);

/* GET https://127.0.0.1:PORT/path; returns the body (transfer full), status in *status. */
char *vt_test_http_get(VtTestServer *server, const char *path, guint *status);

G_END_DECLS
