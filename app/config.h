/* Configuration: one table of keys, read from vitrine.conf (GKeyFile), then
 * VITRINE_* environment variables, then command-line flags, each overriding
 * the one before. docs/configuration.md lists every key. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  /* [server] */
  char *data_dir;
  char *listen;
  guint port;
  char *tls_cert;
  char *tls_key;
  char *web_dir;
  char **allowed_origins;
  char *public_url;
  /* [limits] */
  guint max_sockets_per_ip;
  guint max_connections_per_ip;
  guint max_handshakes;
  guint socket_queue_bytes;
  guint queued_bytes;
  guint max_messages_per_second;
  guint auth_timeout_s;
  guint reconnect_grace_s;
  guint chat_history;
  guint walk_ins_per_hour;
  /* [relay] */
  char *media;
  guint relay_workers;
  char **relay_addresses;
  char *relay_ports;
  char *relay_public_ip;
  char *relay_ice_tcp;
  guint relay_max_bitrate;
  guint tracks_customer;
  guint tracks_staff;
  char **video_codecs;
  char **ice_stun;
  char **ice_turn;
  char *turn_secret;
  guint turn_ttl;
  /* [tokens] */
  char *token_secret;
  /* [log] */
  char *log_level;
  /* [store ID] groups, from the file only: id -> VtShopConfig* (owned). A
   * store without a group has the defaults (vt_shop_config_new). */
  GHashTable *shops;
} VtConfig;

/* Fills config with the embedded defaults. */
VtConfig *vt_config_new(void);
void vt_config_free(VtConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtConfig, vt_config_free)

/* Applies, in order: the key file (path from --config, VITRINE_CONFIG, or
 * ./vitrine.conf if it exists), the environment, and the flags left in argv
 * after the subcommand. Unknown flags and bad values are errors. argv is
 * consumed as by g_option_context_parse. extra (NULL-terminated, may be NULL)
 * are the subcommand's own flags. */
gboolean vt_config_load(VtConfig *config, int *argc, char ***argv, const char *summary,
                        const GOptionEntry *extra, GError **error);

/* Applies one key ("port", "data-dir", ...) from a string; for tests and the
 * loaders above. */
gboolean vt_config_set(VtConfig *config, const char *key, const char *value, GError **error);

/* Writes the Markdown table of keys (for docs/configuration.md). */
void vt_config_print_reference(GString *out);

G_END_DECLS
