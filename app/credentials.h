/* What `vitrine serve` makes on first start and keeps in the data folder: a
 * self-signed TLS certificate (when the operator gives none) and the token
 * secret. Files are written whole or not at all (temporary file + rename),
 * private ones with mode 0600. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Makes data_dir (0700) if it does not exist. */
gboolean vt_credentials_ensure_dir(const char *data_dir, GError **error);

/* Sets *cert_path and *key_path (transfer full) to data_dir/tls/cert.pem and
 * key.pem, generating an ECDSA P-256 certificate for localhost, 127.0.0.1,
 * ::1 and this host's name when they do not exist yet. */
gboolean vt_credentials_ensure_tls(const char *data_dir, char **cert_path, char **key_path,
                                   GError **error);

/* The token secret (transfer full): 32 random bytes written as 64 hex
 * characters to data_dir/token-secret on first use. The HS256 key is that
 * text, so a store's backend can use the file's content as its JWT secret. */
char *vt_credentials_token_secret(const char *data_dir, GError **error);

G_END_DECLS
