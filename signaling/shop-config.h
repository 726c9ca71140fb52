/* What vitrine.conf says about one store: the `[store ID]` groups (display
 * name, accent colour, logo, walk-ins, opening hours, line length).
 *
 * Called a shop here, as in the hub, to keep it apart from the SQLite
 * VtStore. These groups come from the configuration file only (no
 * environment variables or flags: there is one group per store). A store
 * without a group is a valid store with the defaults below: no name, no
 * logo, walk-ins off, always open. The logo is read when the file is loaded,
 * so that a missing or oversized file stops the server at start. */
#pragma once

#include <glib.h>

#include "signaling/hours.h"

G_BEGIN_DECLS

#define VT_SHOP_GROUP_PREFIX "store "
#define VT_SHOP_LOGO_MAX_BYTES (256 * 1024)
#define VT_SHOP_DEFAULT_MAX_WAITING 20
#define VT_SHOP_DEFAULT_WALK_IN_TTL 7200

typedef struct {
  char *id;
  char *name;            /* display name; NULL: none */
  char *accent;          /* "#rrggbb"; NULL: none */
  GBytes *logo;          /* the file's bytes; NULL: none */
  const char *logo_type; /* "image/png", "image/jpeg" or "image/svg+xml" (static) */
  gboolean walk_in;      /* walk-in tokens may be handed out (POST /api/walk-in) */
  VtHours *hours;        /* NULL: always open */
  guint max_waiting;     /* walk-ins are refused when the lobby has this many */
  guint walk_in_ttl_s;   /* lifetime of a walk-in token */
} VtShopConfig;

/* A store with the defaults. */
VtShopConfig *vt_shop_config_new(const char *id);
void vt_shop_config_free(VtShopConfig *shop);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtShopConfig, vt_shop_config_free)

/* Whether group is one of ours ("store ..."), valid or not. */
gboolean vt_shop_config_is_group(const char *group);

/* Reads group "store ID" of file. Relative logo paths are taken from
 * base_dir (the configuration file's folder). An invalid ID, an unknown key
 * or a bad value fails with a message that names the group and the key. */
VtShopConfig *vt_shop_config_load(GKeyFile *file, const char *group, const char *base_dir,
                                  GError **error);

/* Applies one key from its text, as the loader does; for tests. */
gboolean vt_shop_config_set(VtShopConfig *shop, const char *key, const char *value,
                            const char *base_dir, GError **error);

G_END_DECLS
