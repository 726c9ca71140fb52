/* Join tokens: verification and minting of HS256 JWTs (RFC 7519, compact
 * JWS form of RFC 7515).
 *
 * Everything here is pure: no clock, no I/O. The order of checks matters and
 * is part of the contract: length limit, split, header (alg), signature, and
 * only then the claims, so that nothing an unauthenticated party wrote beyond
 * the header is ever interpreted. Only HS256 is accepted; the algorithm is
 * fixed by the server, never chosen by the token. */
#include "signaling/token.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define SIG_LEN 32 /* HMAC-SHA256 output */
#define MAX_ID_BYTES 64
#define MAX_NAME_CHARS 64
/* Our header and claims are flat objects. json-glib's parser recurses once per
 * nesting level with no limit of its own, so deeper input is refused first. */
#define MAX_JSON_DEPTH 16
/* 9999-12-31T23:59:59Z. Bounding exp and nbf keeps the leeway arithmetic
 * below free of overflow. */
#define MAX_TIMESTAMP G_GINT64_CONSTANT(253402300799)

GQuark vt_token_error_quark(void)
{
  return g_quark_from_static_string("vt-token-error-quark");
}

/* Sets a VT_TOKEN_ERROR and returns FALSE, for one-line failure exits. */
static gboolean fail(GError **error, VtTokenError code, const char *message)
{
  g_set_error_literal(error, VT_TOKEN_ERROR, code, message);
  return FALSE;
}

typedef struct {
  const char *header, *payload, *sig;
  gsize header_len, payload_len, sig_len;
} JwtParts;

/* How a string claim is checked beyond "non-empty, valid UTF-8". */
typedef enum {
  RULE_ID,   /* store, room: <= 64 bytes of [A-Za-z0-9._-]; used in logs and paths */
  RULE_TEXT, /* sub, jti: <= 64 bytes, no control characters */
  RULE_NAME, /* name: <= 64 characters, no control characters */
} StringRule;

static const char *const error_codes[] = {
    [VT_TOKEN_ERROR_MALFORMED] = "token_malformed",
    [VT_TOKEN_ERROR_UNSUPPORTED_ALG] = "unsupported_alg",
    [VT_TOKEN_ERROR_BAD_SIGNATURE] = "bad_signature",
    [VT_TOKEN_ERROR_EXPIRED] = "token_expired",
    [VT_TOKEN_ERROR_NOT_YET_VALID] = "token_not_yet_valid",
    [VT_TOKEN_ERROR_MISSING_CLAIM] = "missing_claim",
    [VT_TOKEN_ERROR_INVALID_CLAIM] = "invalid_claim",
};

const char *vt_token_error_code(VtTokenError error)
{
  g_return_val_if_fail((guint)error < G_N_ELEMENTS(error_codes), "token_malformed");
  return error_codes[error];
}

const char *vt_role_to_string(VtRole role)
{
  g_return_val_if_fail(role == VT_ROLE_CUSTOMER || role == VT_ROLE_STAFF, NULL);
  return role == VT_ROLE_STAFF ? "staff" : "customer";
}

gboolean vt_role_from_string(const char *s, VtRole *out)
{
  g_return_val_if_fail(s != NULL && out != NULL, FALSE);
  if (strcmp(s, "customer") == 0)
    *out = VT_ROLE_CUSTOMER;
  else if (strcmp(s, "staff") == 0)
    *out = VT_ROLE_STAFF;
  else
    return FALSE;
  return TRUE;
}

void vt_token_free(VtToken *token)
{
  if (token == NULL)
    return;
  g_free(token->store);
  g_free(token->name);
  g_free(token->sub);
  g_free(token->room);
  g_free(token->jti);
  g_free(token);
}

static const char B64URL_ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64url_value(char c)
{
  const char *p = c != '\0' ? strchr(B64URL_ALPHABET, c) : NULL;
  return p != NULL ? (int)(p - B64URL_ALPHABET) : -1; /* '=', '+', '/' are outside */
}

/* Decodes exactly len characters. Refuses padding, characters outside the
 * alphabet, impossible lengths (len % 4 == 1) and non-zero leftover bits, so
 * every byte string has exactly one accepted encoding. Returns NULL on any of
 * those; the result is g_malloc'd and *out_len set. */
static guint8 *b64url_decode(const char *in, gsize len, gsize *out_len)
{
  g_autofree guint8 *out = NULL;
  guint32 acc = 0;
  guint bits = 0;
  gsize n = 0;

  if (len % 4 == 1)
    return NULL;
  out = g_malloc(len * 3 / 4 + 1);
  for (gsize i = 0; i < len; i++) {
    int v = b64url_value(in[i]);
    if (v < 0)
      return NULL;
    acc = (acc << 6) | (guint32)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (guint8)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0)
    return NULL;
  *out_len = n;
  return g_steal_pointer(&out);
}

static char *b64url_encode(const guint8 *data, gsize len)
{
  char *s = g_base64_encode(data, len);

  g_strdelimit(s, "+", '-');
  g_strdelimit(s, "/", '_');
  s[strcspn(s, "=")] = '\0';
  return s;
}

/* Fails only if OpenSSL itself does (allocation, provider policy). */
static gboolean hmac_sha256(const guint8 *key, gsize key_len, const char *data, gsize len,
                            guint8 out[SIG_LEN])
{
  unsigned int out_len = 0;

  return HMAC(EVP_sha256(), key, (int)key_len, (const guint8 *)data, len, out, &out_len) != NULL &&
         out_len == SIG_LEN;
}

/* The signature covers the encoded header and payload exactly as sent. A
 * signature of the wrong length is simply a bad one. */
static gboolean check_signature(const JwtParts *parts, const guint8 *key, gsize key_len,
                                GError **error)
{
  g_autofree guint8 *sig = NULL;
  guint8 expected[SIG_LEN];
  gsize sig_len = 0;
  gboolean ok;

  sig = b64url_decode(parts->sig, parts->sig_len, &sig_len);
  if (sig == NULL)
    return fail(error, VT_TOKEN_ERROR_MALFORMED, "signature is not base64url");
  /* A failed HMAC computation fails closed, as a bad signature. */
  ok =
      hmac_sha256(key, key_len, parts->header, (gsize)(parts->sig - 1 - parts->header), expected) &&
      sig_len == SIG_LEN && CRYPTO_memcmp(sig, expected, SIG_LEN) == 0;
  OPENSSL_cleanse(expected, sizeof expected);
  return ok || fail(error, VT_TOKEN_ERROR_BAD_SIGNATURE, "signature mismatch");
}

static gboolean split_parts(const char *jwt, gsize len, JwtParts *parts, GError **error)
{
  const char *end = jwt + len;
  const char *dot1 = memchr(jwt, '.', len);
  const char *dot2 = dot1 ? memchr(dot1 + 1, '.', (gsize)(end - dot1 - 1)) : NULL;

  if (dot2 == NULL || memchr(dot2 + 1, '.', (gsize)(end - dot2 - 1)) != NULL)
    return fail(error, VT_TOKEN_ERROR_MALFORMED, "token must have three parts");
  parts->header = jwt;
  parts->header_len = (gsize)(dot1 - jwt);
  parts->payload = dot1 + 1;
  parts->payload_len = (gsize)(dot2 - dot1 - 1);
  parts->sig = dot2 + 1;
  parts->sig_len = (gsize)(end - dot2 - 1);
  return TRUE;
}

/* Counts bracket nesting outside strings. Unbalanced input is left for the
 * real parser to reject; this only bounds its recursion. */
static gboolean json_depth_ok(const char *text, gsize len)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < len; i++) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        i++; /* the escaped character cannot end the string */
      else if (c == '"')
        in_string = FALSE;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '{' || c == '[') {
      if (++depth > MAX_JSON_DEPTH)
        return FALSE;
    } else if ((c == '}' || c == ']') && depth > 0) {
      depth--;
    }
  }
  return TRUE;
}

/* Decodes one base64url part and parses it as a JSON object. The text must be
 * UTF-8 without NUL bytes (g_utf8_validate_len refuses both) before json-glib
 * sees it. Returns (transfer full) the object, or NULL with MALFORMED. */
static JsonObject *parse_object_part(const char *b64, gsize b64_len, const char *what,
                                     GError **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *text = NULL;
  JsonNode *root;
  gsize len = 0;

  text = (char *)b64url_decode(b64, b64_len, &len);
  if (text == NULL || !g_utf8_validate_len(text, len, NULL) || !json_depth_ok(text, len))
    goto malformed;
  parser = json_parser_new();
  if (!json_parser_load_from_data(parser, text, (gssize)len, NULL))
    goto malformed;
  root = json_parser_get_root(parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
    goto malformed;
  return json_node_dup_object(root);

malformed:
  g_set_error(error, VT_TOKEN_ERROR, VT_TOKEN_ERROR_MALFORMED, "%s is not a base64url JSON object",
              what);
  return NULL;
}

/* alg must be exactly "HS256": the server decides the algorithm, so "none",
 * other HMACs and public-key algorithms are all refused alike. A "crit"
 * member lists extensions we would have to understand (RFC 7515 4.1.11); we
 * understand none. */
static gboolean check_header(JsonObject *header, GError **error)
{
  JsonNode *alg = json_object_get_member(header, "alg");
  JsonNode *typ = json_object_get_member(header, "typ");

  if (alg == NULL || json_node_get_value_type(alg) != G_TYPE_STRING ||
      g_strcmp0(json_node_get_string(alg), "HS256") != 0)
    return fail(error, VT_TOKEN_ERROR_UNSUPPORTED_ALG, "alg must be HS256");
  if ((typ != NULL && json_node_get_value_type(typ) != G_TYPE_STRING) ||
      json_object_has_member(header, "crit"))
    return fail(error, VT_TOKEN_ERROR_MALFORMED, "unsupported header");
  return TRUE;
}

static gboolean invalid_claim(GError **error, const char *name, const char *why)
{
  g_set_error(error, VT_TOKEN_ERROR, VT_TOKEN_ERROR_INVALID_CLAIM, "invalid claim '%s': %s", name,
              why);
  return FALSE;
}

/* Looks up a member; absent is an error only when required. */
static gboolean lookup_claim(JsonObject *claims, const char *name, gboolean required,
                             JsonNode **out, GError **error)
{
  *out = json_object_get_member(claims, name);
  if (*out == NULL && required) {
    g_set_error(error, VT_TOKEN_ERROR, VT_TOKEN_ERROR_MISSING_CLAIM, "missing claim '%s'", name);
    return FALSE;
  }
  return TRUE;
}

static gboolean has_control_chars(const char *s)
{
  for (; *s != '\0'; s = g_utf8_next_char(s)) {
    if (g_unichar_iscntrl(g_utf8_get_char(s)))
      return TRUE;
  }
  return FALSE;
}

#define ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

gboolean vt_token_valid_id(const char *s, gsize len)
{
  if (s == NULL || len == 0 || len > MAX_ID_BYTES)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (s[i] == '\0' || !strchr(ID_CHARS, s[i]))
      return FALSE;
  return TRUE;
}

gboolean vt_token_valid_name(const char *s, gsize len)
{
  if (s == NULL || len == 0 || memchr(s, '\0', len) || !g_utf8_validate_len(s, len, NULL))
    return FALSE;
  g_autofree char *copy = g_strndup(s, len);
  return g_utf8_strlen(copy, -1) <= MAX_NAME_CHARS && !has_control_chars(copy);
}

static gboolean check_string_rule(const char *name, const char *s, StringRule rule, GError **error)
{
  gsize len = strlen(s);

  if (len == 0)
    return invalid_claim(error, name, "must not be empty");
  if (!g_utf8_validate(s, (gssize)len, NULL))
    return invalid_claim(error, name, "must be valid UTF-8");
  if (rule == RULE_NAME ? g_utf8_strlen(s, (gssize)len) > MAX_NAME_CHARS : len > MAX_ID_BYTES)
    return invalid_claim(error, name, "too long");
  if (rule == RULE_ID && strspn(s, ID_CHARS) != len)
    return invalid_claim(error, name, "must contain only [A-Za-z0-9._-]");
  if (rule != RULE_ID && has_control_chars(s))
    return invalid_claim(error, name, "must not contain control characters");
  return TRUE;
}

/* Copies a string claim into *out after checking it; leaves *out NULL when an
 * optional claim is absent. JSON null is a wrong type, not an absence. */
static gboolean take_string(JsonObject *claims, const char *name, gboolean required,
                            StringRule rule, char **out, GError **error)
{
  const char *s;
  JsonNode *node;

  if (!lookup_claim(claims, name, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  s = json_node_get_value_type(node) == G_TYPE_STRING ? json_node_get_string(node) : NULL;
  if (s == NULL)
    return invalid_claim(error, name, "must be a string");
  if (!check_string_rule(name, s, rule, error))
    return FALSE;
  *out = g_strdup(s);
  return TRUE;
}

/* Reads a NumericDate: a JSON integer, or a double with no fractional part
 * (some JWT libraries write 1.7e9), within [0, MAX_TIMESTAMP]. */
static gboolean take_time(JsonObject *claims, const char *name, gboolean required, gint64 *out,
                          GError **error)
{
  JsonNode *node;
  GType type;
  gint64 v;

  if (!lookup_claim(claims, name, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  type = json_node_get_value_type(node);
  if (type == G_TYPE_INT64) {
    v = json_node_get_int(node);
  } else if (type == G_TYPE_DOUBLE) {
    double d = json_node_get_double(node);
    if (!(d >= 0.0 && d <= (double)MAX_TIMESTAMP)) /* also refuses NaN */
      return invalid_claim(error, name, "out of range");
    v = (gint64)d;
    if ((double)v != d)
      return invalid_claim(error, name, "must be an integer");
  } else {
    return invalid_claim(error, name, "must be an integer");
  }
  if (v < 0 || v > MAX_TIMESTAMP)
    return invalid_claim(error, name, "out of range");
  *out = v;
  return TRUE;
}

static gboolean take_role(JsonObject *claims, VtRole *out, GError **error)
{
  g_autofree char *role = NULL;

  if (!take_string(claims, "role", TRUE, RULE_TEXT, &role, error))
    return FALSE;
  if (!vt_role_from_string(role, out))
    return invalid_claim(error, "role", "must be \"customer\" or \"staff\"");
  return TRUE;
}

/* Claims are checked in a fixed order so the reported claim is predictable. */
static VtToken *token_from_claims(JsonObject *claims, GError **error)
{
  g_autoptr(VtToken) token = g_new0(VtToken, 1);

  if (!take_string(claims, "store", TRUE, RULE_ID, &token->store, error) ||
      !take_role(claims, &token->role, error) ||
      !take_string(claims, "name", TRUE, RULE_NAME, &token->name, error) ||
      !take_string(claims, "sub", TRUE, RULE_TEXT, &token->sub, error) ||
      !take_time(claims, "exp", TRUE, &token->exp, error) ||
      !take_time(claims, "nbf", FALSE, &token->nbf, error) ||
      !take_string(claims, "jti", FALSE, RULE_TEXT, &token->jti, error) ||
      !take_string(claims, "room", FALSE, RULE_ID, &token->room, error))
    return NULL;
  return g_steal_pointer(&token);
}

/* exp and nbf are bounded by take_time, so neither sum can overflow. */
static gboolean check_times(const VtToken *token, gint64 now_s, GError **error)
{
  if (now_s >= token->exp + VT_TOKEN_LEEWAY_S)
    return fail(error, VT_TOKEN_ERROR_EXPIRED, "token expired");
  if (token->nbf - VT_TOKEN_LEEWAY_S > now_s)
    return fail(error, VT_TOKEN_ERROR_NOT_YET_VALID, "token not yet valid");
  return TRUE;
}

VtToken *vt_token_verify(const char *jwt, gsize len, const guint8 *key, gsize key_len, gint64 now_s,
                         GError **error)
{
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(VtToken) token = NULL;
  JwtParts parts;

  g_return_val_if_fail(jwt != NULL || len == 0, NULL);
  g_return_val_if_fail(key != NULL && key_len > 0 && key_len <= G_MAXINT, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  if (len == 0 || len > VT_TOKEN_MAX_LEN) {
    fail(error, VT_TOKEN_ERROR_MALFORMED, len == 0 ? "empty token" : "token too long");
    return NULL;
  }
  if (!split_parts(jwt, len, &parts, error))
    return NULL;
  header = parse_object_part(parts.header, parts.header_len, "header", error);
  if (header == NULL || !check_header(header, error) ||
      !check_signature(&parts, key, key_len, error))
    return NULL;
  /* Authenticated from here on. */
  claims = parse_object_part(parts.payload, parts.payload_len, "payload", error);
  if (claims == NULL)
    return NULL;
  token = token_from_claims(claims, error);
  if (token == NULL || !check_times(token, now_s, error))
    return NULL;
  return g_steal_pointer(&token);
}

/* Members are written in insertion order; optional claims only when set. */
static char *claims_to_json(const VtToken *c)
{
  g_autoptr(JsonObject) obj = json_object_new();
  g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);

  json_object_set_string_member(obj, "store", c->store);
  json_object_set_string_member(obj, "role", vt_role_to_string(c->role));
  json_object_set_string_member(obj, "name", c->name);
  json_object_set_string_member(obj, "sub", c->sub);
  json_object_set_int_member(obj, "exp", c->exp);
  if (c->nbf != 0)
    json_object_set_int_member(obj, "nbf", c->nbf);
  if (c->jti != NULL)
    json_object_set_string_member(obj, "jti", c->jti);
  if (c->room != NULL)
    json_object_set_string_member(obj, "room", c->room);
  json_node_set_object(root, obj);
  return json_to_string(root, FALSE);
}

char *vt_token_mint(const VtToken *claims, const guint8 *key, gsize key_len)
{
  static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  g_autofree char *header_b64 = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *payload_b64 = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *sig_b64 = NULL;
  guint8 sig[SIG_LEN];

  g_return_val_if_fail(claims != NULL, NULL);
  g_return_val_if_fail(claims->store != NULL && claims->name != NULL && claims->sub != NULL, NULL);
  g_return_val_if_fail(claims->role == VT_ROLE_CUSTOMER || claims->role == VT_ROLE_STAFF, NULL);
  g_return_val_if_fail(key != NULL && key_len > 0 && key_len <= G_MAXINT, NULL);

  header_b64 = b64url_encode((const guint8 *)header, sizeof header - 1);
  payload = claims_to_json(claims);
  payload_b64 = b64url_encode((const guint8 *)payload, strlen(payload));
  signing_input = g_strconcat(header_b64, ".", payload_b64, NULL);
  if (!hmac_sha256(key, key_len, signing_input, strlen(signing_input), sig)) {
    g_warning("cannot compute HMAC-SHA256; no token minted");
    return NULL;
  }
  sig_b64 = b64url_encode(sig, sizeof sig);
  return g_strconcat(signing_input, ".", sig_b64, NULL);
}
