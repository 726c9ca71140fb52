/* Configuration from one table of keys; see config.h. */
#include "app/config.h"

#include <stddef.h>
#include <stdlib.h>
#include <errno.h>

#include "signaling/shop-config.h"

typedef enum { KEY_STRING, KEY_UINT, KEY_LIST } KeyType;

typedef struct {
  const char *group;
  const char *name;
  KeyType type;
  gsize offset;
  const char *fallback; /* as a string, parsed like any other value; NULL: unset */
  guint max;            /* KEY_UINT only */
  const char *about;
} Key;

#define F(field) offsetof(VtConfig, field)

static const Key keys[] = {
    {"server", "data-dir", KEY_STRING, F(data_dir), "./data", 0,
     "Folder for the database, clips, the token secret and the generated certificate."},
    {"server", "listen", KEY_STRING, F(listen), NULL, 0,
     "Address to listen on (IPv4 or IPv6); unset means every interface."},
    {"server", "port", KEY_UINT, F(port), "8443", 65535, "HTTPS and WSS port."},
    {"server", "tls-cert", KEY_STRING, F(tls_cert), NULL, 0,
     "PEM certificate chain; unset means a self-signed certificate made in data-dir."},
    {"server", "tls-key", KEY_STRING, F(tls_key), NULL, 0, "PEM private key for tls-cert."},
    {"server", "web-dir", KEY_STRING, F(web_dir), NULL, 0,
     "Folder of the web app; unset means the web/ folder of the source tree."},
    {"server", "allowed-origins", KEY_LIST, F(allowed_origins), NULL, 0,
     "Comma-separated Origins allowed to open a WebSocket, besides the server's own."},
    {"server", "public-url", KEY_STRING, F(public_url), NULL, 0,
     "Base URL that users reach the server at, for printed links; unset means "
     "https://localhost:PORT."},
    {"limits", "max-sockets-per-ip", KEY_UINT, F(max_sockets_per_ip), "256", 1000000,
     "Open WebSocket connections allowed from one IP address."},
    {"limits", "max-connections-per-ip", KEY_UINT, F(max_connections_per_ip), "512", 1000000,
     "TCP connections allowed open at once from one IP address, of any kind (pages, sockets, "
     "TLS handshakes); more are closed at once, before any TLS work. At least "
     "max-sockets-per-ip."},
    {"limits", "max-handshakes", KEY_UINT, F(max_handshakes), "1024", 1000000,
     "TCP connections of all addresses allowed in their TLS handshake at once (each has 10 s "
     "to finish it); more are closed at once. Calls in progress do not count, nor do "
     "connections from the machine itself (127.0.0.1, ::1), so a local health check answers "
     "during a flood."},
    {"limits", "max-messages-per-second", KEY_UINT, F(max_messages_per_second), "50", 100000,
     "Messages one socket may send per second before it is rate limited."},
    {"limits", "auth-timeout", KEY_UINT, F(auth_timeout_s), "5", 3600,
     "Seconds a new socket has to send its join message."},
    {"limits", "reconnect-grace", KEY_UINT, F(reconnect_grace_s), "30", 3600,
     "Seconds a disconnected participant keeps their place in a room."},
    {"limits", "socket-queue-bytes", KEY_UINT, F(socket_queue_bytes), "4194304", 1073741824,
     "Bytes of messages waiting for one slow socket before it is closed (slow_consumer)."},
    {"limits", "queued-bytes", KEY_UINT, F(queued_bytes), "268435456", 4294967295u,
     "Bytes waiting for all sockets together; beyond it, a socket that is behind is closed."},
    {"limits", "chat-history", KEY_UINT, F(chat_history), "500", 100000,
     "Most chat messages replayed to a participant who joins a room (at most 256 KiB of text)."},
    {"limits", "walk-ins-per-hour", KEY_UINT, F(walk_ins_per_hour), "10", 100000,
     "Walk-in tokens handed out per hour to one IP address (POST /api/walk-in); 0 means no limit."},
    {"relay", "media", KEY_STRING, F(media), "on", 0,
     "on or off: off answers every media message with not_available (signaling and chat only)."},
    {"relay", "relay-workers", KEY_UINT, F(relay_workers), "0", 256,
     "Media worker threads; 0 means one per core."},
    {"relay", "relay-addresses", KEY_LIST, F(relay_addresses), NULL, 0,
     "Comma-separated local IP addresses the relay gathers ICE candidates on; unset means "
     "every interface. Tests use 127.0.0.1."},
    {"relay", "relay-ports", KEY_STRING, F(relay_ports), NULL, 0,
     "UDP port range for media, as MIN-MAX (for firewalls); unset means any port."},
    {"relay", "relay-public-ip", KEY_STRING, F(relay_public_ip), NULL, 0,
     "IPv4 address announced to clients instead of the host address (a server behind 1:1 NAT)."},
    {"relay", "relay-ice-tcp", KEY_STRING, F(relay_ice_tcp), "off", 0,
     "on or off: also offer ICE-TCP candidates (for clients whose networks block UDP)."},
    {"relay", "tracks-customer", KEY_UINT, F(tracks_customer), "1", 16,
     "Audio and video tracks a customer may publish, of each kind (a camera, a microphone). The answer rejects more."},
    {"relay", "tracks-staff", KEY_UINT, F(tracks_staff), "2", 16,
     "Audio and video tracks a member of staff may publish, of each kind."},
    {"relay", "relay-max-bitrate", KEY_UINT, F(relay_max_bitrate), "2500000", 100000000,
     "Most bits per second the relay asks a publisher to send per connection (REMB)."},
    {"relay", "video-codecs", KEY_LIST, F(video_codecs), "vp8,h264", 0,
     "Video codecs the relay takes from publishers (vp8, h264). Of those a publisher offers, "
     "the relay takes the one its browser lists first, which is the one it encodes best: "
     "Safari lists H.264 (iPhones encode it in hardware, cooler and longer on battery), Chrome "
     "and Firefox VP8. The relay does not transcode, so every subscriber must decode what "
     "publishers send: current Chrome, Safari, Firefox and Edge decode both. If some of your "
     "staff use a browser without H.264 (a Chromium built without it), set `vp8`: VP8 is the "
     "one all browsers have."},
    {"relay", "ice-stun", KEY_LIST, F(ice_stun), NULL, 0,
     "Comma-separated STUN URLs (stun:host:port) given to clients in the join reply."},
    {"relay", "ice-turn", KEY_LIST, F(ice_turn), NULL, 0,
     "Comma-separated TURN URLs (turn:host:port?transport=udp, turns:...) given to clients, "
     "with time-limited credentials made from turn-secret."},
    {"relay", "turn-secret", KEY_STRING, F(turn_secret), NULL, 0,
     "The shared secret of the TURN server (coturn static-auth-secret with use-auth-secret)."},
    {"relay", "turn-ttl", KEY_UINT, F(turn_ttl), "86400", 604800,
     "Seconds TURN credentials stay valid."},
    {"tokens", "token-secret", KEY_STRING, F(token_secret), NULL, 0,
     "HS256 key for join tokens; unset means the key in data-dir/token-secret, "
     "made on first start."},
    {"log", "log-level", KEY_STRING, F(log_level), "info", 0,
     "One of error, warning, info, debug."},
};

static gpointer field_of(VtConfig *config, const Key *key)
{
  return (char *)config + key->offset;
}

static const Key *find_key(const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
    if (g_str_equal(keys[i].name, name))
      return &keys[i];
  return NULL;
}

static gboolean parse_uint(const Key *key, const char *value, guint *out, GError **error)
{
  guint64 v;
  if (!g_ascii_string_to_unsigned(value, 10, 0, key->max, &v, NULL)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "%s: '%s' is not a whole number from 0 to %u", key->name, value, key->max);
    return FALSE;
  }
  *out = (guint)v;
  return TRUE;
}

static char **parse_list(const char *value)
{
  g_auto(GStrv) parts = g_strsplit(value, ",", -1);
  GPtrArray *out = g_ptr_array_new();
  for (char **p = parts; *p; p++) {
    char *item = g_strstrip(*p);
    if (*item)
      g_ptr_array_add(out, g_strdup(item));
  }
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

static gboolean apply(VtConfig *config, const Key *key, const char *value, GError **error)
{
  gpointer field = field_of(config, key);
  switch (key->type) {
  case KEY_STRING:
    g_free(*(char **)field);
    *(char **)field = *value ? g_strdup(value) : NULL;
    return TRUE;
  case KEY_UINT:
    return parse_uint(key, value, field, error);
  case KEY_LIST:
    g_strfreev(*(char ***)field);
    *(char ***)field = parse_list(value);
    return TRUE;
  }
  g_assert_not_reached();
}

gboolean vt_config_set(VtConfig *config, const char *name, const char *value, GError **error)
{
  const Key *key = find_key(name);
  if (!key) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
                "unknown configuration key '%s'", name);
    return FALSE;
  }
  return apply(config, key, value, error);
}

VtConfig *vt_config_new(void)
{
  VtConfig *config = g_new0(VtConfig, 1);
  config->shops = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify)vt_shop_config_free);
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
    if (keys[i].fallback && !apply(config, &keys[i], keys[i].fallback, NULL))
      g_assert_not_reached();
  return config;
}

void vt_config_free(VtConfig *config)
{
  if (!config)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
    gpointer field = field_of(config, &keys[i]);
    if (keys[i].type == KEY_STRING)
      g_free(*(char **)field);
    else if (keys[i].type == KEY_LIST)
      g_strfreev(*(char ***)field);
  }
  g_hash_table_unref(config->shops);
  g_free(config);
}

/* A [store ID] group: keys of its own, checked as strictly as the rest. */
static gboolean load_shop(VtConfig *config, GKeyFile *file, const char *path, const char *group,
                          GError **error)
{
  g_autofree char *dir = g_path_get_dirname(path);
  VtShopConfig *shop = vt_shop_config_load(file, group, dir, error);
  if (!shop) {
    g_prefix_error(error, "%s: ", path);
    return FALSE;
  }
  g_hash_table_replace(config->shops, shop->id, shop);
  return TRUE;
}

static gboolean load_file(VtConfig *config, const char *path, GError **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new();
  if (!g_key_file_load_from_file(file, path, G_KEY_FILE_NONE, error)) {
    g_prefix_error(error, "%s: ", path);
    return FALSE;
  }
  g_auto(GStrv) groups = g_key_file_get_groups(file, NULL);
  for (char **g = groups; *g; g++) {
    if (vt_shop_config_is_group(*g)) {
      if (!load_shop(config, file, path, *g, error))
        return FALSE;
      continue;
    }
    g_auto(GStrv) names = g_key_file_get_keys(file, *g, NULL, NULL);
    for (char **n = names; n && *n; n++) {
      const Key *key = find_key(*n);
      if (!key || !g_str_equal(key->group, *g)) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                    "%s: unknown key '%s' in group [%s]", path, *n, *g);
        return FALSE;
      }
      g_autofree char *value = g_key_file_get_string(file, *g, *n, error);
      if (!value || !apply(config, key, value, error)) {
        g_prefix_error(error, "%s: ", path);
        return FALSE;
      }
    }
  }
  return TRUE;
}

static char *env_name(const Key *key)
{
  char *name = g_strconcat("VITRINE_", key->name, NULL);
  for (char *c = name; *c; c++)
    *c = *c == '-' ? '_' : g_ascii_toupper(*c);
  return name;
}

static gboolean load_env(VtConfig *config, GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
    g_autofree char *name = env_name(&keys[i]);
    const char *value = g_getenv(name);
    if (value && !apply(config, &keys[i], value, error)) {
      g_prefix_error(error, "%s: ", name);
      return FALSE;
    }
  }
  return TRUE;
}

static const char *config_path(int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    if (g_str_equal(argv[i], "--config") && i + 1 < argc)
      return argv[i + 1];
    if (g_str_has_prefix(argv[i], "--config="))
      return argv[i] + strlen("--config=");
  }
  const char *env = g_getenv("VITRINE_CONFIG");
  if (env)
    return env;
  return g_file_test("vitrine.conf", G_FILE_TEST_EXISTS) ? "vitrine.conf" : NULL;
}

gboolean vt_config_load(VtConfig *config, int *argc, char ***argv, const char *summary,
                        const GOptionEntry *extra, GError **error)
{
  const char *path = config_path(*argc, *argv);
  if (path && !load_file(config, path, error))
    return FALSE;
  if (!load_env(config, error))
    return FALSE;

  /* Every key is also a flag; values are collected as strings and applied
   * with the same parser as the file and the environment. */
  char *values[G_N_ELEMENTS(keys)] = {0};
  char *ignored_path = NULL;
  GOptionEntry entries[G_N_ELEMENTS(keys) + 2];
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
    entries[i] = (GOptionEntry){keys[i].name, 0, 0, G_OPTION_ARG_STRING, &values[i],
                                keys[i].about, "VALUE"};
  entries[G_N_ELEMENTS(keys)] = (GOptionEntry){
      "config", 0, 0, G_OPTION_ARG_FILENAME, &ignored_path, "Configuration file", "PATH"};
  entries[G_N_ELEMENTS(keys) + 1] = (GOptionEntry){0};

  g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
  g_option_context_set_summary(ctx, summary);
  if (extra)
    g_option_context_add_main_entries(ctx, extra, NULL);
  g_option_context_add_main_entries(ctx, entries, NULL);
  gboolean ok = g_option_context_parse(ctx, argc, argv, error);
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
    if (ok && values[i])
      ok = apply(config, &keys[i], values[i], error);
    g_free(values[i]);
  }
  g_free(ignored_path);
  return ok;
}

void vt_config_print_reference(GString *out)
{
  const char *group = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
    const Key *key = &keys[i];
    if (!group || !g_str_equal(group, key->group)) {
      group = key->group;
      g_string_append_printf(out, "\n### [%s]\n\n| key | default | meaning |\n| --- | --- | --- |\n",
                             group);
    }
    g_autofree char *env = env_name(key);
    g_string_append_printf(out, "| `%s` (`--%s`, `%s`) | %s | %s |\n", key->name, key->name,
                           env, key->fallback ? key->fallback : "unset", key->about);
  }
}
