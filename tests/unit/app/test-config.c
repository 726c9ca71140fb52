/* Configuration: defaults, and the order file < environment < flags. */
#include <glib/gstdio.h>
#include <string.h>

#include "app/config.h"

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
  g_test_add_func("/config/reference-is-documented", test_reference_is_documented);
  return g_test_run();
}
