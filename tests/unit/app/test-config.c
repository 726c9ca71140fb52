/* Configuration: defaults, and the order file < environment < flags. */
#include <glib/gstdio.h>
#include <string.h>

#include "app/config.h"
#include "signaling/shop-config.h"

static void test_defaults(void)
{
  g_autoptr(VtConfig) c = vt_config_new();
  g_assert_cmpstr(c->data_dir, ==, "./data");
  g_assert_cmpuint(c->port, ==, 8443);
  g_assert_cmpuint(c->max_messages_per_second, ==, 50);
  g_assert_cmpuint(c->auth_timeout_s, ==, 5);
  g_assert_cmpuint(c->reconnect_grace_s, ==, 30);
  g_assert_null(c->tls_cert);
  g_assert_null(c->allowed_origins);
}

static void test_precedence(void)
{
  g_autofree char *dir = g_dir_make_tmp("vt-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "vitrine.conf", NULL);
  g_assert_true(g_file_set_contents(path,
                                    "[server]\nport=9000\ndata-dir=/srv/a\n"
                                    "allowed-origins=https://a.example, https://b.example\n"
                                    "[limits]\nreconnect-grace=60\n",
                                    -1, NULL));
  g_setenv("VITRINE_CONFIG", path, TRUE);
  g_setenv("VITRINE_PORT", "9100", TRUE);
  g_setenv("VITRINE_DATA_DIR", "/srv/b", TRUE);
  char *args[] = {"serve", "--data-dir=/srv/c", NULL};
  char **argv = args;
  int argc = 2;
  g_autoptr(VtConfig) c = vt_config_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(vt_config_load(c, &argc, &argv, "test", NULL, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(c->reconnect_grace_s, ==, 60); /* file */
  g_assert_cmpuint(c->port, ==, 9100);            /* environment beats file */
  g_assert_cmpstr(c->data_dir, ==, "/srv/c");     /* flag beats both */
  g_assert_cmpuint(g_strv_length(c->allowed_origins), ==, 2);
  g_assert_cmpstr(c->allowed_origins[1], ==, "https://b.example");
  g_unsetenv("VITRINE_CONFIG");
  g_unsetenv("VITRINE_PORT");
  g_unsetenv("VITRINE_DATA_DIR");
  g_remove(path);
  g_rmdir(dir);
}

static void test_bad_values(void)
{
  g_autoptr(VtConfig) c = vt_config_new();
  g_autoptr(GError) error = NULL;
  g_assert_false(vt_config_set(c, "port", "70000", &error));
  g_assert_nonnull(strstr(error->message, "port"));
  g_clear_error(&error);
  g_assert_false(vt_config_set(c, "port", "12ab", &error));
  g_clear_error(&error);
  g_assert_false(vt_config_set(c, "no-such-key", "1", &error));
  g_assert_cmpuint(c->port, ==, 8443); /* untouched by the failures */
}

/* Loads text as vitrine.conf from a folder of its own (which also holds a
 * small PNG logo, logo.png); returns the result of vt_config_load. */
static gboolean load_text(const char *text, VtConfig *c, GError **error)
{
  g_autofree char *dir = g_dir_make_tmp("vt-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "vitrine.conf", NULL);
  g_autofree char *logo = g_build_filename(dir, "logo.png", NULL);
  g_autofree char *big = g_build_filename(dir, "big.png", NULL);
  g_autofree char *text_file = g_build_filename(dir, "notes.txt", NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  g_assert_true(g_file_set_contents(logo, "\x89PNG\r\n\x1a\nrest", 12, NULL));
  g_autofree char *huge = g_malloc0(VT_SHOP_LOGO_MAX_BYTES + 1);
  memcpy(huge, "\x89PNG\r\n\x1a\n", 8);
  g_assert_true(g_file_set_contents(big, huge, VT_SHOP_LOGO_MAX_BYTES + 1, NULL));
  g_assert_true(g_file_set_contents(text_file, "hello", -1, NULL));
  char *args[] = {"serve", NULL};
  char **argv = args;
  int argc = 1;
  g_setenv("VITRINE_CONFIG", path, TRUE);
  gboolean ok = vt_config_load(c, &argc, &argv, "test", NULL, error);
  g_unsetenv("VITRINE_CONFIG");
  g_remove(path);
  g_remove(logo);
  g_remove(big);
  g_remove(text_file);
  g_rmdir(dir);
  return ok;
}

static void test_store_groups(void)
{
  g_autoptr(VtConfig) c = vt_config_new();
  g_autoptr(GError) error = NULL;
  g_assert_cmpuint(c->walk_ins_per_hour, ==, 10);
  g_assert_true(load_text("[store shop-42]\nname=Second Hand Heroes\naccent=#A0B1C2\n"
                          "logo=logo.png\nwalk-in=on\n"
                          "opening-hours=mon-fri 09:00-18:00; sat 10:00-16:00\n"
                          "max-waiting=5\nwalk-in-ttl=3600\n"
                          "[store quiet]\nname=Quiet\n"
                          "[limits]\nwalk-ins-per-hour=3\n",
                          c, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(c->walk_ins_per_hour, ==, 3);
  g_assert_cmpuint(g_hash_table_size(c->shops), ==, 2);
  VtShopConfig *shop = g_hash_table_lookup(c->shops, "shop-42");
  g_assert_nonnull(shop);
  g_assert_cmpstr(shop->name, ==, "Second Hand Heroes");
  g_assert_cmpstr(shop->accent, ==, "#a0b1c2");
  g_assert_cmpstr(shop->logo_type, ==, "image/png");
  g_assert_cmpuint(g_bytes_get_size(shop->logo), ==, 12);
  g_assert_true(shop->walk_in);
  g_assert_nonnull(shop->hours);
  g_assert_true(vt_hours_is_open(shop->hours, 5, 11 * 60));
  g_assert_cmpuint(shop->max_waiting, ==, 5);
  g_assert_cmpuint(shop->walk_in_ttl_s, ==, 3600);
  VtShopConfig *quiet = g_hash_table_lookup(c->shops, "quiet");
  g_assert_false(quiet->walk_in);
  g_assert_null(quiet->hours);
  g_assert_null(quiet->logo);
  g_assert_cmpuint(quiet->max_waiting, ==, VT_SHOP_DEFAULT_MAX_WAITING);
  g_assert_cmpuint(quiet->walk_in_ttl_s, ==, VT_SHOP_DEFAULT_WALK_IN_TTL);
}

/* Every mistake in a store group stops the server, naming the group and key. */
static void test_store_group_errors(void)
{
  struct {
    const char *text;
    const char *says;
  } cases[] = {
      {"[store shop-42]\ncolour=#fff\n", "unknown key 'colour' in group [store shop-42]"},
      {"[store shop-42]\naccent=red\n", "[store shop-42] accent: 'red' is not a colour"},
      {"[store shop-42]\naccent=#12345g\n", "accent"},
      {"[store shop-42]\nwalk-in=yes\n", "[store shop-42] walk-in: 'yes' is not on or off"},
      {"[store shop-42]\nopening-hours=mon 18:00-09:00\n", "[store shop-42] opening-hours:"},
      {"[store shop-42]\nopening-hours=monday\n", "expected a day"},
      {"[store shop-42]\nmax-waiting=0\n", "max-waiting: '0' is not a whole number from 1"},
      {"[store shop-42]\nwalk-in-ttl=10\n", "walk-in-ttl"},
      {"[store shop-42]\nlogo=missing.png\n", "[store shop-42] logo:"},
      {"[store shop-42]\nlogo=big.png\n", "a logo may have at most 262144"},
      {"[store shop-42]\nlogo=notes.txt\n", "is not a PNG, JPEG or SVG file"},
      {"[store shop-42]\nname=\n", "[store shop-42] name:"},
      {"[store bad/id]\nname=x\n", "group [store bad/id]"},
      {"[store]\nname=x\n", "group [store]"},
      {"[stores]\nname=x\n", "unknown key 'name' in group [stores]"},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(VtConfig) c = vt_config_new();
    g_autoptr(GError) error = NULL;
    g_assert_false(load_text(cases[i].text, c, &error));
    g_assert_nonnull(error);
    if (!strstr(error->message, cases[i].says))
      g_error("'%s': '%s' does not say '%s'", cases[i].text, error->message, cases[i].says);
  }
}

/* docs/configuration.md lists every key with its default. */
static void test_reference_is_documented(void)
{
  g_autofree char *path =
      g_build_filename(g_getenv("VT_SOURCE_DIR"), "docs", "configuration.md", NULL);
  g_autofree char *doc = NULL;
  g_assert_true(g_file_get_contents(path, &doc, NULL, NULL));
  g_autoptr(GString) ref = g_string_new(NULL);
  vt_config_print_reference(ref);
  g_auto(GStrv) lines = g_strsplit(ref->str, "\n", -1);
  for (char **l = lines; *l; l++)
    if (**l && !strstr(doc, *l))
      g_error("docs/configuration.md lacks this line:\n%s", *l);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/config/defaults", test_defaults);
  g_test_add_func("/config/precedence", test_precedence);
  g_test_add_func("/config/bad-values", test_bad_values);
  g_test_add_func("/config/store-groups", test_store_groups);
  g_test_add_func("/config/store-group-errors", test_store_group_errors);
  g_test_add_func("/config/reference-is-documented", test_reference_is_documented);
  return g_test_run();
}
