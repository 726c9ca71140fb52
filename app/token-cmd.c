/* `vitrine token`; see token-cmd.h. */
#include "app/token-cmd.h"

#include <stdio.h>
#include <string.h>

#include "app/credentials.h"
#include "signaling/token.h"

char *vt_token_key_load(const VtConfig *config, GError **error)
{
  if (config->token_secret) {
    if (strlen(config->token_secret) < 32) {
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                  "token-secret must be at least 32 characters");
      return NULL;
    }
    return g_strdup(config->token_secret);
  }
  if (!vt_credentials_ensure_dir(config->data_dir, error))
    return NULL;
  g_autofree char *path = g_build_filename(config->data_dir, "token-secret", NULL);
  gboolean existed = g_file_test(path, G_FILE_TEST_EXISTS);
  char *key = vt_credentials_token_secret(config->data_dir, error);
  /* A typo in --data-dir would otherwise sign with a secret no server knows. */
  if (key && !existed)
    g_printerr("vitrine: made a new token secret in %s\n", path);
  return key;
}

static char *random_sub(void)
{
  return g_uuid_string_random();
}

int vt_token_cmd_main(int argc, char **argv)
{
  g_autofree char *store = NULL, *role = NULL, *name = NULL, *sub = NULL, *room = NULL,
                  *jti = NULL;
  int ttl = 3600;
  GOptionEntry entries[] = {
      {"store", 0, 0, G_OPTION_ARG_STRING, &store, "Store id (required)", "ID"},
      {"role", 0, 0, G_OPTION_ARG_STRING, &role, "customer or staff (required)", "ROLE"},
      {"name", 0, 0, G_OPTION_ARG_STRING, &name, "Display name (required)", "NAME"},
      {"sub", 0, 0, G_OPTION_ARG_STRING, &sub, "Stable identity; default: a new random one",
       "ID"},
      {"room", 0, 0, G_OPTION_ARG_STRING, &room, "Room to join directly", "ID"},
      {"ttl", 0, 0, G_OPTION_ARG_INT, &ttl, "Seconds the token is valid (default 3600)", "S"},
      {"jti", 0, 0, G_OPTION_ARG_STRING, &jti, "Token id", "ID"},
      {0}};
  g_autoptr(VtConfig) config = vt_config_new();
  g_autoptr(GError) error = NULL;
  if (!vt_config_load(config, &argc, &argv, "Prints a join token signed with the server's secret.",
                      entries, &error)) {
    fprintf(stderr, "vitrine token: %s\n", error->message);
    return 2;
  }
  VtToken claims = {.store = store, .name = name, .sub = sub, .room = room, .jti = jti};
  if (!store || !name || !role || !vt_role_from_string(role, &claims.role) || ttl <= 0) {
    fprintf(stderr, "vitrine token: --store, --name and --role customer|staff are required, "
                    "and --ttl must be positive\n");
    return 2;
  }
  g_autofree char *fresh_sub = sub ? NULL : random_sub();
  if (!sub)
    claims.sub = fresh_sub;
  g_autofree char *key = vt_token_key_load(config, &error);
  if (!key) {
    fprintf(stderr, "vitrine token: %s\n", error->message);
    return 1;
  }
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  claims.exp = now + ttl;
  claims.nbf = now;
  g_autofree char *token = vt_token_mint(&claims, (const guint8 *)key, strlen(key));
  /* Minted claims go through the same check as any token, so a bad --store
   * or --room is reported here rather than at join time. */
  g_autoptr(VtToken) check = vt_token_verify(token, strlen(token), (const guint8 *)key,
                                             strlen(key), now, &error);
  if (!check) {
    fprintf(stderr, "vitrine token: %s\n", error->message);
    return 2;
  }
  printf("%s\n", token);
  return 0;
}
