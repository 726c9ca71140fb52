/* `vitrine token`: mint a join token with the server's secret. */
#pragma once

#include <glib.h>

#include "app/config.h"

int vt_token_cmd_main(int argc, char **argv);

/* The HS256 key in use (transfer full): the token-secret key if set, else
 * the one kept in the data folder (made on first use). */
char *vt_token_key_load(const VtConfig *config, GError **error);
