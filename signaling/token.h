/* Join tokens: JWTs signed with HS256 and the server's secret.
 *
 * A store's backend mints them with any JWT library; `vitrine token` mints
 * them from the command line. Verification is pure: bytes, a key and the
 * current time in, claims or a specific error out. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  VT_ROLE_CUSTOMER,
  VT_ROLE_STAFF,
} VtRole;

/* Tokens longer than this are refused before any parsing. */
#define VT_TOKEN_MAX_LEN 8192
/* Allowed clock difference between the minting backend and this server. */
#define VT_TOKEN_LEEWAY_S 30

typedef struct {
  char *store; /* store id; required */
  VtRole role; /* "customer" | "staff"; required */
  char *name;  /* display name; required */
  char *sub;   /* stable identity within the store; required */
  char *room;  /* optional room id; NULL means "wait in the lobby" (customers) */
  gint64 exp;  /* expiry, seconds since the epoch; required */
  gint64 nbf;  /* not before; 0 when absent */
  char *jti;   /* token id; NULL when absent */
} VtToken;

typedef enum {
  VT_TOKEN_ERROR_MALFORMED,       /* not three base64url parts of JSON */
  VT_TOKEN_ERROR_UNSUPPORTED_ALG, /* alg other than HS256, "none" included */
  VT_TOKEN_ERROR_BAD_SIGNATURE,
  VT_TOKEN_ERROR_EXPIRED,
  VT_TOKEN_ERROR_NOT_YET_VALID,
  VT_TOKEN_ERROR_MISSING_CLAIM, /* message names the claim */
  VT_TOKEN_ERROR_INVALID_CLAIM, /* wrong type or value; message names it */
} VtTokenError;

#define VT_TOKEN_ERROR (vt_token_error_quark())
GQuark vt_token_error_quark(void);

/* The protocol's error code for a token error: "token_malformed",
 * "unsupported_alg", "bad_signature", "token_expired", "token_not_yet_valid",
 * "missing_claim", "invalid_claim". */
const char *vt_token_error_code(VtTokenError error);

/* Whether len bytes are a valid id as the store and room claims need: 1-64
 * bytes of [A-Za-z0-9._-]. For ids that arrive elsewhere (URL paths, config
 * group names), so that they obey the same rules. */
gboolean vt_token_valid_id(const char *s, gsize len);
/* Whether len bytes are a valid display name, as the name claim needs: UTF-8,
 * 1-64 characters, no control characters, no U+0000. */
gboolean vt_token_valid_name(const char *s, gsize len);

const char *vt_role_to_string(VtRole role);
gboolean vt_role_from_string(const char *s, VtRole *out);

/* Checks the signature first (constant-time compare), then the claims, at
 * time now_s. Returns (transfer full) the claims, or NULL with error set in
 * the VT_TOKEN_ERROR domain. */
VtToken *vt_token_verify(const char *jwt, gsize len, const guint8 *key, gsize key_len,
                         gint64 now_s, GError **error);

/* Returns (transfer full) a signed token carrying the claims. nbf and jti are
 * written only when set (non-zero / non-NULL); room only when non-NULL. */
char *vt_token_mint(const VtToken *claims, const guint8 *key, gsize key_len);

void vt_token_free(VtToken *token);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtToken, vt_token_free)

G_END_DECLS
