/* `vitrine serve`: prepares the data folder (certificate, token secret,
 * database), starts the server on the main loop, and shuts down cleanly on
 * SIGINT or SIGTERM: peers are told, the database is closed, exit status 0. */
#include "app/serve.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "app/config.h"
#include "app/credentials.h"
#include "app/relay-config.h"
#include "app/token-cmd.h"
#include "relay/relay.h"
#include "signaling/server.h"
#include "store/store.h"

typedef struct {
  GMainLoop *loop;
  VtServer *server;
  gboolean stopping;
} Serve;

static gboolean quit_loop(gpointer data)
{
  g_main_loop_quit(data);
  return G_SOURCE_REMOVE;
}

static gboolean on_signal(gpointer data)
{
  Serve *serve = data;
  if (serve->stopping)
    return G_SOURCE_CONTINUE;
  serve->stopping = TRUE;
  g_message("shutting down");
  vt_server_shutdown(serve->server);
  /* Let the close frames go out before the sockets are torn down. */
  g_timeout_add(300, quit_loop, serve->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean level_of(const char *name, GLogLevelFlags *level)
{
  static const struct {
    const char *name;
    GLogLevelFlags level;
  } levels[] = {{"error", G_LOG_LEVEL_CRITICAL},
                {"warning", G_LOG_LEVEL_WARNING},
                {"info", G_LOG_LEVEL_INFO},
                {"debug", G_LOG_LEVEL_DEBUG}};
  for (gsize i = 0; i < G_N_ELEMENTS(levels); i++)
    if (name && g_str_equal(name, levels[i].name)) {
      *level = levels[i].level;
      return TRUE;
    }
  return FALSE;
}

static GLogLevelFlags max_level = G_LOG_LEVEL_INFO;

static void log_line(const char *domain, GLogLevelFlags level, const char *message,
                     gpointer data)
{
  if ((level & G_LOG_LEVEL_MASK) > max_level)
    return;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autofree char *ts = g_date_time_format(now, "%H:%M:%S");
  fprintf(stderr, "%s vitrine: %s\n", ts, message);
}

static gboolean prepare_tls(VtConfig *config, char **cert, char **key, GError **error)
{
  if (config->tls_cert || config->tls_key) {
    if (!config->tls_cert || !config->tls_key) {
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                  "tls-cert and tls-key go together");
      return FALSE;
    }
    *cert = g_strdup(config->tls_cert);
    *key = g_strdup(config->tls_key);
    return TRUE;
  }
  return vt_credentials_ensure_tls(config->data_dir, cert, key, error);
}

/* The server's options from the configuration; strings are borrowed. */
static VtServerOptions server_options(const VtConfig *config, const char *cert, const char *key,
                                      const char *token_key, VtRelay *relay)
{
  return (VtServerOptions){
      .listen = config->listen,
      .port = config->port,
      .cert_path = cert,
      .key_path = key,
      .web_dir = config->web_dir,
      .allowed_origins = config->allowed_origins,
      .public_url = config->public_url,
      .shops = config->shops,
      .walk_ins_per_hour = config->walk_ins_per_hour,
      .max_sockets_per_ip = config->max_sockets_per_ip,
      .max_connections_per_ip = config->max_connections_per_ip,
      .max_handshakes = config->max_handshakes,
      .socket_queue_bytes = config->socket_queue_bytes,
      .queued_bytes = config->queued_bytes,
      .hub = {
          .relay = relay,
          .token_key = (const guint8 *)token_key,
          .token_key_len = strlen(token_key),
          .max_messages_per_second = config->max_messages_per_second,
          .auth_timeout_ms = config->auth_timeout_s * 1000,
          .reconnect_grace_ms = config->reconnect_grace_s * 1000,
          .chat_history = config->chat_history,
          .tracks_customer = config->tracks_customer,
          .tracks_staff = config->tracks_staff,
          .stun_urls = config->ice_stun,
          .turn_urls = config->ice_turn,
          .turn_secret = config->turn_secret,
          .turn_ttl_s = config->turn_ttl,
      }};
}

/* Each connection is a descriptor; a default soft limit of 1024 would cap a
 * store's busiest hour, so take what the hard limit allows (up to 65536). */
static void raise_fd_limit(void)
{
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return;
  rlim_t want = lim.rlim_max == RLIM_INFINITY ? 65536 : MIN(lim.rlim_max, 65536);
  if (lim.rlim_cur < want) {
    lim.rlim_cur = want;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

static int run(VtConfig *config, GError **error)
{
  raise_fd_limit();
  /* Under a file size limit (ulimit -f), a write past it should fail like a
   * full disk, which the store handles, not kill the server mid-call. */
  signal(SIGXFSZ, SIG_IGN);
  g_autofree char *cert = NULL, *key = NULL;
  if (!vt_credentials_ensure_dir(config->data_dir, error) ||
      !prepare_tls(config, &cert, &key, error))
    return 1;
  g_autofree char *token_key = vt_token_key_load(config, error);
  if (!token_key)
    return 1;
  g_autofree char *db_path = g_build_filename(config->data_dir, "vitrine.db", NULL);
  g_autoptr(VtStore) store = vt_store_open(db_path, error);
  if (!store)
    return 1;

  VtRelayConfig relay_config;
  if (!vt_relay_config_from(config, &relay_config, error))
    return 1;
  g_autoptr(VtRelay) relay = vt_relay_new(&relay_config, NULL, NULL);
  VtServerOptions options = server_options(config, cert, key, token_key, relay);
  Serve serve = {.loop = g_main_loop_new(NULL, FALSE)};
  serve.server = vt_server_new(&options, store, serve.loop, error);
  if (!serve.server) {
    g_main_loop_unref(serve.loop);
    return 1;
  }
  guint sigint = g_unix_signal_add(SIGINT, on_signal, &serve);
  guint sigterm = g_unix_signal_add(SIGTERM, on_signal, &serve);
  guint port = vt_server_port(serve.server);
  g_autofree char *base = config->public_url
                              ? g_strdup(config->public_url)
                              : g_strdup_printf("https://localhost:%u", port);
  g_message("listening on port %u; web app at %s/ ; data in %s", port, base, config->data_dir);
  g_main_loop_run(serve.loop);

  g_source_remove(sigint);
  g_source_remove(sigterm);
  vt_server_free(serve.server);
  g_main_loop_unref(serve.loop);
  g_message("stopped");
  return 0;
}

int vt_serve_main(int argc, char **argv)
{
  g_autoptr(VtConfig) config = vt_config_new();
  g_autoptr(GError) error = NULL;
  if (!vt_config_load(config, &argc, &argv,
                      "Runs Vitrine: HTTPS and WSS on one port, data under data-dir.\n"
                      "Every option is also a vitrine.conf key and a VITRINE_* variable "
                      "(docs/configuration.md).",
                      NULL, &error)) {
    fprintf(stderr, "vitrine serve: %s\n", error->message);
    return 2;
  }
  if (argc > 1) {
    fprintf(stderr, "vitrine serve: unexpected argument '%s'\n", argv[1]);
    return 2;
  }
  if (!level_of(config->log_level, &max_level) || config->auth_timeout_s == 0 ||
      config->max_messages_per_second == 0 || config->max_sockets_per_ip == 0 ||
      config->max_handshakes == 0) {
    fprintf(stderr, "vitrine serve: log-level must be error, warning, info or debug, and "
                    "auth-timeout, max-messages-per-second, max-sockets-per-ip and "
                    "max-handshakes at least 1\n");
    return 2;
  }
  if (config->max_connections_per_ip < config->max_sockets_per_ip) {
    fprintf(stderr, "vitrine serve: max-connections-per-ip (%u) must be at least "
                    "max-sockets-per-ip (%u): every WebSocket is a connection\n",
            config->max_connections_per_ip, config->max_sockets_per_ip);
    return 2;
  }
  g_log_set_default_handler(log_line, NULL);
  int status = run(config, &error);
  if (status)
    fprintf(stderr, "vitrine serve: %s\n", error->message);
  return status;
}
