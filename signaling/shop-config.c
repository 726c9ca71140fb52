/* The [store ID] groups of vitrine.conf; see shop-config.h. */
#include "signaling/shop-config.h"

#include <string.h>

#include "signaling/token.h"

typedef gboolean (*SetFunc)(VtShopConfig *shop, const char *value, const char *base_dir,
                            GError **error);

static gboolean bad_value(GError **error, const char *value, const char *what)
{
  g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "'%s' is not %s", value,
              what);
  return FALSE;
}

static gboolean set_name(VtShopConfig *shop, const char *value, const char *base_dir,
                         GError **error)
{
  if (!vt_token_valid_name(value, strlen(value)))
    return bad_value(error, value, "a name of 1 to 64 characters without control characters");
  g_free(shop->name);
  shop->name = g_strdup(value);
  return TRUE;
}

static gboolean set_accent(VtShopConfig *shop, const char *value, const char *base_dir,
                           GError **error)
{
  gboolean ok = strlen(value) == 7 && value[0] == '#';
  for (int i = 1; ok && i < 7; i++)
    ok = g_ascii_isxdigit(value[i]);
  if (!ok)
    return bad_value(error, value, "a colour written #rrggbb");
  g_free(shop->accent);
  shop->accent = g_ascii_strdown(value, -1);
  return TRUE;
}

/* The image type, from the file's first bytes (PNG, JPEG) or, for SVG, from
 * its name and an <svg element in its text; NULL for anything else. */
static const char *sniff_image(const char *path, const guint8 *data, gsize len)
{
  if (len >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0)
    return "image/png";
  if (len >= 3 && memcmp(data, "\xff\xd8\xff", 3) == 0)
    return "image/jpeg";
  if (g_str_has_suffix(path, ".svg") && g_utf8_validate_len((const char *)data, len, NULL) &&
      g_strstr_len((const char *)data, (gssize)len, "<svg"))
    return "image/svg+xml";
  return NULL;
}

static gboolean set_logo(VtShopConfig *shop, const char *value, const char *base_dir,
                         GError **error)
{
  g_autofree char *path = g_path_is_absolute(value) || !base_dir
                              ? g_strdup(value)
                              : g_build_filename(base_dir, value, NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &data, &len, error))
    return FALSE;
  if (len > VT_SHOP_LOGO_MAX_BYTES) {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                "%s is %" G_GSIZE_FORMAT " bytes; a logo may have at most %d", path, len,
                VT_SHOP_LOGO_MAX_BYTES);
    return FALSE;
  }
  const char *type = sniff_image(path, (const guint8 *)data, len);
  if (!type)
    return bad_value(error, path, "a PNG, JPEG or SVG file");
  g_clear_pointer(&shop->logo, g_bytes_unref);
  shop->logo = g_bytes_new_take(g_steal_pointer(&data), len);
  shop->logo_type = type;
  return TRUE;
}

static gboolean set_walk_in(VtShopConfig *shop, const char *value, const char *base_dir,
                            GError **error)
{
  if (!g_str_equal(value, "on") && !g_str_equal(value, "off"))
    return bad_value(error, value, "on or off");
  shop->walk_in = g_str_equal(value, "on");
  return TRUE;
}

static gboolean set_hours(VtShopConfig *shop, const char *value, const char *base_dir,
                          GError **error)
{
  g_clear_pointer(&shop->hours, vt_hours_free);
  if (strspn(value, " \t") == strlen(value))
    return TRUE; /* empty: always open, as when unset */
  shop->hours = vt_hours_parse(value, strlen(value), error);
  return shop->hours != NULL;
}

static gboolean set_uint(guint *out, const char *value, guint min, guint max, GError **error)
{
  guint64 v;
  if (!g_ascii_string_to_unsigned(value, 10, min, max, &v, NULL)) {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                "'%s' is not a whole number from %u to %u", value, min, max);
    return FALSE;
  }
  *out = (guint)v;
  return TRUE;
}

static gboolean set_max_waiting(VtShopConfig *shop, const char *value, const char *base_dir,
                                GError **error)
{
  return set_uint(&shop->max_waiting, value, 1, 100000, error);
}

static gboolean set_walk_in_ttl(VtShopConfig *shop, const char *value, const char *base_dir,
                                GError **error)
{
  return set_uint(&shop->walk_in_ttl_s, value, 60, 7 * 24 * 3600, error);
}

static const struct {
  const char *name;
  SetFunc set;
} keys[] = {
    {"name", set_name},
    {"accent", set_accent},
    {"logo", set_logo},
    {"walk-in", set_walk_in},
    {"opening-hours", set_hours},
    {"max-waiting", set_max_waiting},
    {"walk-in-ttl", set_walk_in_ttl},
};

VtShopConfig *vt_shop_config_new(const char *id)
{
  VtShopConfig *shop = g_new0(VtShopConfig, 1);
  shop->id = g_strdup(id);
  shop->max_waiting = VT_SHOP_DEFAULT_MAX_WAITING;
  shop->walk_in_ttl_s = VT_SHOP_DEFAULT_WALK_IN_TTL;
  return shop;
}

void vt_shop_config_free(VtShopConfig *shop)
{
  if (!shop)
    return;
  g_free(shop->id);
  g_free(shop->name);
  g_free(shop->accent);
  g_clear_pointer(&shop->logo, g_bytes_unref);
  g_clear_pointer(&shop->hours, vt_hours_free);
  g_free(shop);
}

gboolean vt_shop_config_is_group(const char *group)
{
  return g_str_has_prefix(group, VT_SHOP_GROUP_PREFIX) || g_str_equal(group, "store");
}

gboolean vt_shop_config_set(VtShopConfig *shop, const char *key, const char *value,
                            const char *base_dir, GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
    if (!g_str_equal(keys[i].name, key))
      continue;
    if (keys[i].set(shop, value, base_dir, error))
      return TRUE;
    g_prefix_error(error, "[store %s] %s: ", shop->id, key);
    return FALSE;
  }
  g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
              "unknown key '%s' in group [store %s]", key, shop->id);
  return FALSE;
}

VtShopConfig *vt_shop_config_load(GKeyFile *file, const char *group, const char *base_dir,
                                  GError **error)
{
  const char *id =
      g_str_has_prefix(group, VT_SHOP_GROUP_PREFIX) ? group + strlen(VT_SHOP_GROUP_PREFIX) : "";
  if (!vt_token_valid_id(id, strlen(id))) {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                "group [%s]: a store group is [store ID], the ID 1 to 64 of A-Z a-z 0-9 . _ -",
                group);
    return NULL;
  }
  g_autoptr(VtShopConfig) shop = vt_shop_config_new(id);
  g_auto(GStrv) names = g_key_file_get_keys(file, group, NULL, NULL);
  for (char **n = names; n && *n; n++) {
    g_autofree char *value = g_key_file_get_string(file, group, *n, error);
    if (!value || !vt_shop_config_set(shop, *n, value, base_dir, error))
      return NULL;
  }
  return g_steal_pointer(&shop);
}
