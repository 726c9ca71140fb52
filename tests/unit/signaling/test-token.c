/* Unit tests for signaling/token.c: minting, verifying, and every way a join
 * token can be refused.
 *
 * Hostile tokens are built the way an attacker or a sloppy backend would: the
 * header and claims are written as JSON here, base64url-encoded and, where it
 * matters, correctly signed with HMAC-SHA256, so that each test reaches the
 * check it is about rather than failing early on the signature. */
#include "signaling/token.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define NOW G_GINT64_CONSTANT(1700000000)
#define HS256_HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

static const guint8 KEY[] = "vitrine-test-secret-0123456789ab";
#define KEY_LEN (sizeof KEY - 1)
static const guint8 OTHER_KEY[] = "another-secret-entirely-abcdefgh";
#define OTHER_KEY_LEN (sizeof OTHER_KEY - 1)

/* ---- helpers: an independent JWT encoder ---- */

static char *b64url(const void *data, gsize len)
{
  char *s = g_base64_encode(data, len);
  char *p;

  for (p = s; *p != '\0' && *p != '='; p++) {
    if (*p == '+')
      *p = '-';
    else if (*p == '/')
      *p = '_';
  }
  *p = '\0';
  return s;
}

static char *b64url_str(const char *s)
{
  return b64url(s, strlen(s));
}

/* Returns "<header_b64>.<payload_b64>.<signature>", the signature being a
 * correct HS256 over the two parts exactly as given (even if they are not
 * valid base64url). */
static char *sign_parts(const char *header_b64, const char *payload_b64, const guint8 *key,
                        gsize key_len)
{
  g_autofree char *input = g_strconcat(header_b64, ".", payload_b64, NULL);
  g_autofree char *sig_b64 = NULL;
  guint8 sig[32];
  unsigned int sig_len = 0;

  g_assert_nonnull(
      HMAC(EVP_sha256(), key, (int)key_len, (const guint8 *)input, strlen(input), sig, &sig_len));
  g_assert_cmpuint(sig_len, ==, sizeof sig);
  sig_b64 = b64url(sig, sizeof sig);
  return g_strconcat(input, ".", sig_b64, NULL);
}

static char *craft_with_key(const char *header_json, const char *payload_json, const guint8 *key,
                            gsize key_len)
{
  g_autofree char *h = b64url_str(header_json);
  g_autofree char *p = b64url_str(payload_json);
  return sign_parts(h, p, key, key_len);
}

static char *craft(const char *header_json, const char *payload_json)
{
  return craft_with_key(header_json, payload_json, KEY, KEY_LEN);
}

/* Valid claims: a customer of store "shop-1", valid for an hour. */
static JsonObject *base_claims(void)
{
  JsonObject *o = json_object_new();

  json_object_set_string_member(o, "store", "shop-1");
  json_object_set_string_member(o, "role", "customer");
  json_object_set_string_member(o, "name", "Ada Lovelace");
  json_object_set_string_member(o, "sub", "user-42");
  json_object_set_int_member(o, "exp", NOW + 3600);
  return o;
}

static char *object_to_json(JsonObject *o)
{
  g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);

  json_node_set_object(node, o);
  return json_to_string(node, FALSE);
}

static char *sign_claims(JsonObject *claims)
{
  g_autofree char *payload = object_to_json(claims);
  return craft(HS256_HEADER, payload);
}

/* Base claims with one member replaced by a JSON value, or removed when
 * json_value is NULL, signed with KEY. */
static char *token_with_claim(const char *claim, const char *json_value)
{
  g_autoptr(JsonObject) claims = base_claims();

  json_object_remove_member(claims, claim);
  if (json_value != NULL) {
    g_autoptr(GError) error = NULL;
    JsonNode *value = json_from_string(json_value, &error);
    g_assert_no_error(error);
    json_object_set_member(claims, claim, value);
  }
  return sign_claims(claims);
}

static VtToken *verify_at(const char *jwt, gint64 now, GError **error)
{
  return vt_token_verify(jwt, strlen(jwt), KEY, KEY_LEN, now, error);
}

/* Asserts that jwt is refused with code and, if given, that the message
 * mentions needle. */
static void assert_refused_at(const char *jwt, gsize len, gint64 now, VtTokenError code,
                              const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VtToken) token = vt_token_verify(jwt, len, KEY, KEY_LEN, now, &error);

  g_assert_null(token);
  g_assert_error(error, VT_TOKEN_ERROR, (gint)code);
  if (needle != NULL && strstr(error->message, needle) == NULL)
    g_error("message \"%s\" does not mention %s", error->message, needle);
}

static void assert_refused(const char *jwt, VtTokenError code)
{
  assert_refused_at(jwt, strlen(jwt), NOW, code, NULL);
}

static void assert_accepted(const char *jwt)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VtToken) token = verify_at(jwt, NOW, &error);

  g_assert_no_error(error);
  g_assert_nonnull(token);
}

/* prefix, then depth nested arrays, then "}". */
static char *deeply_nested(const char *prefix, gsize depth)
{
  GString *s = g_string_new(prefix);

  for (gsize i = 0; i < depth; i++)
    g_string_append_c(s, '[');
  for (gsize i = 0; i < depth; i++)
    g_string_append_c(s, ']');
  g_string_append_c(s, '}');
  return g_string_free(s, FALSE);
}

/* ---- names and codes ---- */

static void test_error_codes(void)
{
  g_assert_cmpstr(vt_token_error_code(VT_TOKEN_ERROR_MALFORMED), ==, "token_malformed");
  g_assert_cmpstr(vt_token_error_code(VT_TOKEN_ERROR_UNSUPPORTED_ALG), ==, "unsupported_alg");
  g_assert_cmpstr(vt_token_error_code(VT_TOKEN_ERROR_BAD_SIGNATURE), ==, "bad_signature");
  g_assert_cmpstr(vt_token_error_code(VT_TOKEN_ERROR_EXPIRED), ==, "token_expired");
  g_assert_cmpstr(vt_token_error_code(VT_TOKEN_ERROR_NOT_YET_VALID), ==, "token_not_yet_valid");
  g_assert_cmpstr(vt_token_error_code(VT_TOKEN_ERROR_MISSING_CLAIM), ==, "missing_claim");
  g_assert_cmpstr(vt_token_error_code(VT_TOKEN_ERROR_INVALID_CLAIM), ==, "invalid_claim");
}

static void test_roles(void)
{
  VtRole role = VT_ROLE_STAFF;

  g_assert_cmpstr(vt_role_to_string(VT_ROLE_CUSTOMER), ==, "customer");
  g_assert_cmpstr(vt_role_to_string(VT_ROLE_STAFF), ==, "staff");
  g_assert_true(vt_role_from_string("customer", &role));
  g_assert_cmpint(role, ==, VT_ROLE_CUSTOMER);
  g_assert_true(vt_role_from_string("staff", &role));
  g_assert_cmpint(role, ==, VT_ROLE_STAFF);
  g_assert_false(vt_role_from_string("Staff", &role));
  g_assert_false(vt_role_from_string("", &role));
  g_assert_false(vt_role_from_string("staff ", &role));
}

/* ---- minting and round trips ---- */

static void test_roundtrip_all_claims(void)
{
  VtToken claims = {
      .store = "shop-1.eu_west",
      .role = VT_ROLE_STAFF,
      .name = "Zoë Ørsted 🛍",
      .sub = "staff/17",
      .room = "room-9",
      .exp = NOW + 600,
      .nbf = NOW - 10,
      .jti = "d3b07384-d9a0-4c3b-8f1e-0123456789ab",
  };
  g_autofree char *jwt = vt_token_mint(&claims, KEY, KEY_LEN);
  g_autoptr(GError) error = NULL;
  g_autoptr(VtToken) token = NULL;
  g_autofree char *exact = NULL;

  g_assert_nonnull(jwt);
  /* Verify from a buffer with no terminator, so that reading past len would
   * show up under ASan. */
  exact = g_memdup2(jwt, strlen(jwt));
  token = vt_token_verify(exact, strlen(jwt), KEY, KEY_LEN, NOW, &error);
  g_assert_no_error(error);
  g_assert_nonnull(token);
  g_assert_cmpstr(token->store, ==, claims.store);
  g_assert_cmpint(token->role, ==, VT_ROLE_STAFF);
  g_assert_cmpstr(token->name, ==, claims.name);
  g_assert_cmpstr(token->sub, ==, claims.sub);
  g_assert_cmpstr(token->room, ==, claims.room);
  g_assert_cmpint(token->exp, ==, claims.exp);
  g_assert_cmpint(token->nbf, ==, claims.nbf);
  g_assert_cmpstr(token->jti, ==, claims.jti);
}

static void test_roundtrip_minimal(void)
{
  VtToken claims = {
      .store = "s", .role = VT_ROLE_CUSTOMER, .name = "N", .sub = "u", .exp = NOW + 1};
  g_autofree char *jwt = vt_token_mint(&claims, KEY, KEY_LEN);
  g_autoptr(GError) error = NULL;
  g_autoptr(VtToken) token = verify_at(jwt, NOW, &error);

  g_assert_no_error(error);
  g_assert_cmpint(token->role, ==, VT_ROLE_CUSTOMER);
  g_assert_cmpint(token->nbf, ==, 0);
  g_assert_null(token->jti);
  g_assert_null(token->room);
}

/* The exact header, no padding anywhere, optional claims omitted when unset. */
static void test_mint_format(void)
{
  VtToken claims = {.store = "s", .role = VT_ROLE_CUSTOMER, .name = "N", .sub = "u", .exp = NOW};
  g_autofree char *jwt = vt_token_mint(&claims, KEY, KEY_LEN);
  g_autofree char *header_b64 = b64url_str(HS256_HEADER);
  g_auto(GStrv) parts = g_strsplit(jwt, ".", -1);
  g_autofree guchar *payload = NULL;
  g_autofree char *std = NULL;
  gsize payload_len = 0;

  g_assert_cmpuint(g_strv_length(parts), ==, 3);
  g_assert_cmpstr(parts[0], ==, header_b64);
  g_assert_null(strpbrk(jwt, "=+/"));
  g_assert_cmpuint(strlen(parts[2]), ==, 43); /* 32 bytes, unpadded */
  std = g_strconcat(parts[1], "===", NULL);
  std[strlen(parts[1]) + (4 - strlen(parts[1]) % 4) % 4] = '\0';
  g_strdelimit(std, "-", '+');
  g_strdelimit(std, "_", '/');
  payload = g_base64_decode(std, &payload_len);
  g_assert_null(g_strstr_len((char *)payload, (gssize)payload_len, "nbf"));
  g_assert_null(g_strstr_len((char *)payload, (gssize)payload_len, "jti"));
  g_assert_null(g_strstr_len((char *)payload, (gssize)payload_len, "room"));
  g_assert_nonnull(g_strstr_len((char *)payload, (gssize)payload_len, "\"exp\":1700000000"));
}

/* What another JWT library might produce: no typ, a kid, extra registered
 * claims, and exp written as an integral double. */
static void test_foreign_encoder(void)
{
  g_autofree char *jwt = craft("{\"kid\":\"2024-01\",\"alg\":\"HS256\"}",
                               "{\"iat\":1699999990,\"aud\":[\"vitrine\"],\"exp\":1.7000036e9,"
                               "\"sub\":\"u\",\"name\":\"N\",\"role\":\"staff\",\"store\":\"s\","
                               "\"ext\":{\"a\":{\"b\":[1,2,3]}}}");
  g_autoptr(GError) error = NULL;
  g_autoptr(VtToken) token = verify_at(jwt, NOW, &error);

  g_assert_no_error(error);
  g_assert_cmpint(token->exp, ==, 1700003600);
}

/* ---- signature ---- */

static void test_signature_wrong_key(void)
{
  g_autoptr(JsonObject) claims = base_claims();
  g_autofree char *payload = object_to_json(claims);
  g_autofree char *jwt = craft_with_key(HS256_HEADER, payload, OTHER_KEY, OTHER_KEY_LEN);

  assert_refused(jwt, VT_TOKEN_ERROR_BAD_SIGNATURE);
}

/* A staff payload spliced onto a customer token's signature. */
static void test_signature_tampered_payload(void)
{
  g_autoptr(JsonObject) claims = base_claims();
  g_autofree char *jwt = sign_claims(claims);
  g_autofree char *evil_payload = NULL;
  g_autofree char *evil_b64 = NULL;
  g_autofree char *forged = NULL;
  g_auto(GStrv) parts = g_strsplit(jwt, ".", -1);

  json_object_set_string_member(claims, "role", "staff");
  evil_payload = object_to_json(claims);
  evil_b64 = b64url_str(evil_payload);
  forged = g_strjoin(".", parts[0], evil_b64, parts[2], NULL);
  assert_refused(forged, VT_TOKEN_ERROR_BAD_SIGNATURE);
}

static void test_signature_tampered(void)
{
  g_autoptr(JsonObject) claims = base_claims();
  g_autofree char *jwt = sign_claims(claims);
  char *sig = strrchr(jwt, '.') + 1;

  /* Flip the first character: changes the first decoded byte only. */
  sig[0] = sig[0] == 'A' ? 'B' : 'A';
  assert_refused(jwt, VT_TOKEN_ERROR_BAD_SIGNATURE);
}

/* Signatures of the wrong length, including none at all under HS256. */
static void test_signature_wrong_length(void)
{
  g_autoptr(JsonObject) claims = base_claims();
  g_autofree char *jwt = sign_claims(claims);
  g_autofree char *empty = g_strndup(jwt, (gsize)(strrchr(jwt, '.') - jwt + 1));
  g_autofree char *shorter = g_strndup(jwt, strlen(jwt) - 3); /* 43 -> 40 chars, 30 bytes */
  g_autofree char *longer = g_strconcat(jwt, "AAAA", NULL);

  assert_refused(empty, VT_TOKEN_ERROR_BAD_SIGNATURE);
  assert_refused(shorter, VT_TOKEN_ERROR_BAD_SIGNATURE);
  assert_refused(longer, VT_TOKEN_ERROR_BAD_SIGNATURE);
}

/* A forged token must say "bad signature" even when its claims are also
 * expired or incomplete: claims are not looked at before authentication. */
static void test_signature_checked_before_claims(void)
{
  g_autofree char *jwt = craft_with_key(HS256_HEADER, "{\"exp\":1}", OTHER_KEY, OTHER_KEY_LEN);
  g_autofree char *not_json = craft_with_key(HS256_HEADER, "]]", OTHER_KEY, OTHER_KEY_LEN);

  assert_refused(jwt, VT_TOKEN_ERROR_BAD_SIGNATURE);
  assert_refused(not_json, VT_TOKEN_ERROR_BAD_SIGNATURE);
}

/* ---- header and alg ---- */

static void test_alg_none(void)
{
  g_autoptr(JsonObject) claims = base_claims();
  g_autofree char *payload = object_to_json(claims);
  g_autofree char *payload_b64 = b64url_str(payload);
  const char *headers[] = {"{\"alg\":\"none\",\"typ\":\"JWT\"}", "{\"alg\":\"None\"}",
                           "{\"alg\":\"NONE\"}", "{\"alg\":\"nOnE\"}"};

  for (gsize i = 0; i < G_N_ELEMENTS(headers); i++) {
    g_autofree char *header_b64 = b64url_str(headers[i]);
    g_autofree char *unsigned_jwt = g_strconcat(header_b64, ".", payload_b64, ".", NULL);
    g_autofree char *signed_jwt = craft(headers[i], payload);

    assert_refused(unsigned_jwt, VT_TOKEN_ERROR_UNSUPPORTED_ALG);
    /* Even with a correct HMAC: the token does not get to pick. */
    assert_refused(signed_jwt, VT_TOKEN_ERROR_UNSUPPORTED_ALG);
  }
}

static void test_alg_other(void)
{
  g_autoptr(JsonObject) claims = base_claims();
  g_autofree char *payload = object_to_json(claims);
  const char *headers[] = {"{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
                           "{\"alg\":\"HS384\"}",
                           "{\"alg\":\"RS256\"}",
                           "{\"alg\":\"ES256\"}",
                           "{\"alg\":\"hs256\"}",
                           "{\"alg\":\"HS256 \"}",
                           "{\"alg\":\"\"}",
                           "{\"alg\":256}",
                           "{\"alg\":null}",
                           "{\"alg\":[\"HS256\"]}",
                           "{\"alg\":{\"HS256\":1}}",
                           "{\"typ\":\"JWT\"}",
                           "{}"};

  for (gsize i = 0; i < G_N_ELEMENTS(headers); i++) {
    g_autofree char *jwt = craft(headers[i], payload);
    g_test_message("header %s", headers[i]);
    assert_refused(jwt, VT_TOKEN_ERROR_UNSUPPORTED_ALG);
  }
}

static void test_header_malformed(void)
{
  g_autoptr(JsonObject) claims = base_claims();
  g_autofree char *payload = object_to_json(claims);
  g_autofree char *nested = deeply_nested("{\"alg\":\"HS256\",\"x\":", 3000);
  g_autofree char *deep = craft(nested, payload);
  const char *headers[] = {"not json",
                           "[\"HS256\"]",
                           "\"HS256\"",
                           "",
                           "null",
                           "{\"alg\":\"HS256\"",
                           "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}",
                           "{\"alg\":\"HS256\",\"typ\":7}"};

  for (gsize i = 0; i < G_N_ELEMENTS(headers); i++) {
    g_autofree char *jwt = craft(headers[i], payload);
    g_test_message("header %s", headers[i]);
    assert_refused(jwt, VT_TOKEN_ERROR_MALFORMED);
  }
  /* Nesting far beyond anything a header needs. */
  assert_refused(deep, VT_TOKEN_ERROR_MALFORMED);
}

/* ---- time ---- */

static char *token_with_times(gint64 exp, gint64 nbf)
{
  g_autoptr(JsonObject) claims = base_claims();

  json_object_set_int_member(claims, "exp", exp);
  if (nbf != 0)
    json_object_set_int_member(claims, "nbf", nbf);
  return sign_claims(claims);
}

static void test_time_expired(void)
{
  g_autofree char *jwt = token_with_times(NOW - 3600, 0);

  assert_refused(jwt, VT_TOKEN_ERROR_EXPIRED);
}

static void test_time_not_yet_valid(void)
{
  g_autofree char *jwt = token_with_times(NOW + 7200, NOW + 3600);

  assert_refused(jwt, VT_TOKEN_ERROR_NOT_YET_VALID);
}

/* Expired once now >= exp + leeway; not yet valid while nbf > now + leeway. */
static void test_time_leeway_edges(void)
{
  g_autofree char *exp_edge = token_with_times(NOW - VT_TOKEN_LEEWAY_S, 0);
  g_autofree char *exp_inside = token_with_times(NOW - VT_TOKEN_LEEWAY_S + 1, 0);
  g_autofree char *nbf_edge = token_with_times(NOW + 3600, NOW + VT_TOKEN_LEEWAY_S);
  g_autofree char *nbf_outside = token_with_times(NOW + 3600, NOW + VT_TOKEN_LEEWAY_S + 1);

  assert_refused(exp_edge, VT_TOKEN_ERROR_EXPIRED);
  assert_accepted(exp_inside);
  assert_accepted(nbf_edge);
  assert_refused(nbf_outside, VT_TOKEN_ERROR_NOT_YET_VALID);
  /* The same token moves across the edge as the clock does. */
  assert_refused_at(exp_inside, strlen(exp_inside), NOW + 1, VT_TOKEN_ERROR_EXPIRED, NULL);
  assert_refused_at(nbf_outside, strlen(nbf_outside), NOW - 1, VT_TOKEN_ERROR_NOT_YET_VALID, NULL);
}

/* ---- base64url and structure ---- */

static void test_base64_padding(void)
{
  /* 26 bytes of header JSON encode to 35 characters, so standard base64
   * would pad them with one '='. */
  g_autoptr(JsonObject) claims = base_claims();
  g_autofree char *payload = object_to_json(claims);
  g_autofree char *h = b64url_str("{\"alg\":\"HS256\",\"typ\":\"JW\"}");
  g_autofree char *p = b64url_str(payload);
  g_autofree char *h_pad = g_strconcat(h, "=", NULL);
  g_autofree char *p_pad = g_strconcat(p, "==", NULL);
  g_autofree char *bad_header = sign_parts(h_pad, p, KEY, KEY_LEN);
  g_autofree char *bad_payload = sign_parts(h, p_pad, KEY, KEY_LEN);
  g_autofree char *good = sign_parts(h, p, KEY, KEY_LEN);
  g_autofree char *bad_sig = g_strconcat(good, "=", NULL);

  g_assert_cmpuint(strlen(h) % 4, ==, 3);
  assert_accepted(good);
  assert_refused(bad_header, VT_TOKEN_ERROR_MALFORMED);
  assert_refused(bad_payload, VT_TOKEN_ERROR_MALFORMED);
  assert_refused(bad_sig, VT_TOKEN_ERROR_MALFORMED);
}

/* The base64url of valid claims whose encoded length is r modulo 4. */
static char *claims_b64_with_residue(gsize r)
{
  for (gsize pad = 0; pad < 3; pad++) {
    g_autoptr(JsonObject) claims = base_claims();
    g_autofree char *pad_str = g_strnfill(pad, 'p');
    g_autofree char *json = NULL;
    char *b64;

    json_object_set_string_member(claims, "name", "Ada ~~~ ???");
    json_object_set_string_member(claims, "pad", pad_str);
    json = object_to_json(claims);
    b64 = b64url_str(json);
    if (strlen(b64) % 4 == r)
      return b64;
    g_free(b64);
  }
  g_assert_not_reached();
}

static void assert_payload_refused(const char *payload_b64)
{
  g_autofree char *h = b64url_str(HS256_HEADER);
  g_autofree char *jwt = sign_parts(h, payload_b64, KEY, KEY_LEN);
  g_autofree char *printable = g_strescape(payload_b64, NULL);

  g_test_message("payload %s", printable);
  assert_refused(jwt, VT_TOKEN_ERROR_MALFORMED);
}

/* Each variant is a correctly signed payload that a lenient decoder (one that
 * skips junk, accepts standard base64 or ignores spare bits) would turn back
 * into valid claims; the strict decoder must refuse all of them. */
static void test_base64_lenient_variants(void)
{
  g_autofree char *p0 = claims_b64_with_residue(0);
  g_autofree char *p2 = claims_b64_with_residue(2);
  g_autofree char *p3 = claims_b64_with_residue(3);
  g_autofree char *standard = g_strdup(p0);
  g_autofree char *spare2 = g_strdup(p2);
  g_autofree char *spare3 = g_strdup(p3);
  g_autofree char *len1 = g_strconcat(p0, "A", NULL);
  g_autofree char *space = g_strdup_printf("%.8s %s", p0, p0 + 8);
  g_autofree char *newline = g_strdup_printf("%.8s\n%s", p0, p0 + 8);
  g_autofree char *star = g_strdup_printf("%.8s*%s", p0, p0 + 8);
  g_autofree char *latin = g_strdup_printf("%.8s\xc3\xa9%s", p0, p0 + 8);
  char *last;

  g_strdelimit(standard, "-", '+');
  g_strdelimit(standard, "_", '/');
  g_assert_cmpstr(standard, !=, p0); /* the chosen name makes sure of that */
  last = spare2 + strlen(spare2) - 1;
  *last = *last == 'z' ? '0' : *last == 'Z' ? 'a' : *last + 1;
  last = spare3 + strlen(spare3) - 1;
  *last = *last == 'z' ? '0' : *last == 'Z' ? 'a' : *last + 1;

  /* The unmodified encodings are fine. */
  {
    g_autofree char *h = b64url_str(HS256_HEADER);
    g_autofree char *ok0 = sign_parts(h, p0, KEY, KEY_LEN);
    g_autofree char *ok2 = sign_parts(h, p2, KEY, KEY_LEN);
    g_autofree char *ok3 = sign_parts(h, p3, KEY, KEY_LEN);
    assert_accepted(ok0);
    assert_accepted(ok2);
    assert_accepted(ok3);
  }
  assert_payload_refused(standard);
  assert_payload_refused(spare2);
  assert_payload_refused(spare3);
  assert_payload_refused(len1);
  assert_payload_refused(space);
  assert_payload_refused(newline);
  assert_payload_refused(star);
  assert_payload_refused(latin);
}

/* A NUL inside the token is just another foreign character. */
static void test_embedded_nul(void)
{
  g_autoptr(JsonObject) claims = base_claims();
  g_autofree char *jwt = sign_claims(claims);
  gsize len = strlen(jwt);
  g_autofree char *copy = g_memdup2(jwt, len);

  copy[5] = '\0';
  assert_refused_at(copy, len, NOW, VT_TOKEN_ERROR_MALFORMED, NULL);
}

static void test_structure_parts(void)
{
  g_autoptr(JsonObject) claims = base_claims();
  g_autofree char *jwt = sign_claims(claims);
  g_autofree char *two = g_strndup(jwt, (gsize)(strrchr(jwt, '.') - jwt));
  g_autofree char *four = g_strconcat(jwt, ".", NULL);
  g_autofree char *five = g_strconcat(jwt, ".e30.e30", NULL);
  const char *junk[] = {".", "..", "...", "abc", "e30.e30", "e30.e30.e30.e30", "..e30"};

  assert_refused(two, VT_TOKEN_ERROR_MALFORMED);
  assert_refused(four, VT_TOKEN_ERROR_MALFORMED);
  assert_refused(five, VT_TOKEN_ERROR_MALFORMED);
  assert_refused_at("", 0, NOW, VT_TOKEN_ERROR_MALFORMED, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(junk); i++)
    assert_refused(junk[i], VT_TOKEN_ERROR_MALFORMED);
}

/* Signed tokens of exactly the limit pass; one more byte fails, before any
 * parsing. The length is tuned with an extra claim and a kid. */
static void test_structure_oversize(void)
{
  g_autofree char *at_limit = NULL;
  g_autofree char *over = NULL;

  for (int kid = 0; kid < 3 && (at_limit == NULL || over == NULL); kid++) {
    for (gsize pad = 5500; pad < 6500; pad++) {
      g_autoptr(JsonObject) claims = base_claims();
      g_autofree char *pad_str = g_strnfill(pad, 'x');
      g_autofree char *header = g_strdup_printf("{\"alg\":\"HS256\",\"kid\":\"%.*s\"}", kid, "kk");
      g_autofree char *payload = NULL;
      g_autofree char *jwt = NULL;

      json_object_set_string_member(claims, "pad", pad_str);
      payload = object_to_json(claims);
      jwt = craft(header, payload);
      if (strlen(jwt) == VT_TOKEN_MAX_LEN && at_limit == NULL)
        at_limit = g_steal_pointer(&jwt);
      else if (strlen(jwt) == VT_TOKEN_MAX_LEN + 1 && over == NULL)
        over = g_steal_pointer(&jwt);
    }
  }
  g_assert_nonnull(at_limit);
  g_assert_nonnull(over);
  assert_accepted(at_limit);
  assert_refused_at(over, strlen(over), NOW, VT_TOKEN_ERROR_MALFORMED, "too long");
}

static void test_payload_not_object(void)
{
  g_autofree char *nested = deeply_nested("{\"x\":", 2000);
  g_autofree char *deep = craft(HS256_HEADER, nested);
  const char *payloads[] = {"[{\"store\":\"s\"}]",
                            "[]",
                            "\"claims\"",
                            "42",
                            "null",
                            "",
                            "{",
                            "not json",
                            "{\"store\":\"s\",}",
                            "{\"name\":\"\xff\"}"};

  for (gsize i = 0; i < G_N_ELEMENTS(payloads); i++) {
    g_autofree char *jwt = craft(HS256_HEADER, payloads[i]);
    g_autofree char *printable = g_strescape(payloads[i], NULL);
    g_test_message("payload %s", printable);
    assert_refused(jwt, VT_TOKEN_ERROR_MALFORMED);
  }
  assert_refused(deep, VT_TOKEN_ERROR_MALFORMED);
}

/* ---- claims ---- */

typedef struct {
  const char *claim;
  const char *value; /* JSON; NULL removes the claim */
  VtTokenError code;
} ClaimCase;

static const ClaimCase claim_cases[] = {
    {"store", NULL, VT_TOKEN_ERROR_MISSING_CLAIM},
    {"role", NULL, VT_TOKEN_ERROR_MISSING_CLAIM},
    {"name", NULL, VT_TOKEN_ERROR_MISSING_CLAIM},
    {"sub", NULL, VT_TOKEN_ERROR_MISSING_CLAIM},
    {"exp", NULL, VT_TOKEN_ERROR_MISSING_CLAIM},
    {"store", "42", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"store", "null", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"store", "\"\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"store", "\"../etc\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"store", "\"a/b\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"store", "\"shop 1\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"store", "\"shop\\n1\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"store", "\"caf\\u00e9\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"store", "\"a%2fb\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"store", "[\"shop-1\"]", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"role", "\"admin\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"role", "\"Staff\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"role", "\"\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"role", "1", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"role", "true", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"name", "[\"Ada\"]", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"name", "\"\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"name", "\"Ada\\u0007\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"name", "\"Ada\\nIN: fake log line\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"sub", "{}", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"sub", "\"\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"sub", "17", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"exp", "\"1700003600\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"exp", "true", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"exp", "null", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"exp", "1700003600.5", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"exp", "-1", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"exp", "1e300", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"exp", "9223372036854775807", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"exp", "[1700003600]", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"nbf", "\"0\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"nbf", "0.25", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"nbf", "-5", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"jti", "7", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"jti", "\"\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"room", "3", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"room", "null", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"room", "\"\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"room", "\"room 1\"", VT_TOKEN_ERROR_INVALID_CLAIM},
    {"room", "\"../../etc/passwd\"", VT_TOKEN_ERROR_INVALID_CLAIM},
};

static void test_claim_case(gconstpointer data)
{
  const ClaimCase *c = data;
  g_autofree char *jwt = token_with_claim(c->claim, c->value);
  g_autofree char *needle = g_strdup_printf("'%s'", c->claim);

  assert_refused_at(jwt, strlen(jwt), NOW, c->code, needle);
}

static void assert_length_limit(const char *claim, const char *unit, gsize limit)
{
  g_autoptr(GString) ok = g_string_new("\"");
  g_autoptr(GString) too_long = NULL;
  g_autofree char *jwt_ok = NULL;
  g_autofree char *jwt_long = NULL;
  g_autofree char *needle = g_strdup_printf("'%s'", claim);

  for (gsize i = 0; i < limit; i++)
    g_string_append(ok, unit);
  too_long = g_string_new(ok->str);
  g_string_append(too_long, unit);
  g_string_append_c(ok, '"');
  g_string_append_c(too_long, '"');
  jwt_ok = token_with_claim(claim, ok->str);
  jwt_long = token_with_claim(claim, too_long->str);
  assert_accepted(jwt_ok);
  assert_refused_at(jwt_long, strlen(jwt_long), NOW, VT_TOKEN_ERROR_INVALID_CLAIM, needle);
}

static void test_claim_lengths(void)
{
  assert_length_limit("store", "a", 64);
  assert_length_limit("room", "r", 64);
  assert_length_limit("sub", "s", 64);
  assert_length_limit("jti", "j", 64);
  /* name counts characters, not bytes: 64 two-byte characters pass. */
  assert_length_limit("name", "é", 64);
  assert_length_limit("name", "🛍", 64);
}

/* Claims with the given JSON text as the name. */
static char *token_with_raw_name(const char *name_json)
{
  g_autofree char *payload = g_strdup_printf("{\"store\":\"s\",\"role\":\"staff\",\"name\":%s,"
                                             "\"sub\":\"u\",\"exp\":1700003600}",
                                             name_json);
  return craft(HS256_HEADER, payload);
}

/* A JSON escape can name a lone surrogate, which has no UTF-8 form. Whatever
 * the JSON parser makes of it, the claim must not come out as invalid UTF-8;
 * a proper surrogate pair must come out as its character. */
static void test_claim_surrogates(void)
{
  g_autofree char *lone = token_with_raw_name("\"Ada\\ud800\"");
  g_autofree char *pair = token_with_raw_name("\"\\ud83d\\udecd\"");
  g_autoptr(GError) error = NULL;
  g_autoptr(VtToken) token = verify_at(lone, NOW, &error);
  g_autoptr(VtToken) bag = NULL;

  if (token != NULL)
    g_assert_true(g_utf8_validate(token->name, -1, NULL));
  else
    g_assert_true(error->domain == VT_TOKEN_ERROR);
  g_clear_error(&error);
  bag = verify_at(pair, NOW, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(bag->name, ==, "\xf0\x9f\x9b\x8d");
}

static void test_claims_optional_absent(void)
{
  g_autoptr(JsonObject) claims = base_claims();
  g_autofree char *jwt = sign_claims(claims);
  g_autoptr(GError) error = NULL;
  g_autoptr(VtToken) token = verify_at(jwt, NOW, &error);

  g_assert_no_error(error);
  g_assert_cmpstr(token->store, ==, "shop-1");
  g_assert_cmpstr(token->name, ==, "Ada Lovelace");
  g_assert_cmpstr(token->sub, ==, "user-42");
  g_assert_cmpint(token->nbf, ==, 0);
  g_assert_null(token->jti);
  g_assert_null(token->room);
}

static void add_claim_cases(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(claim_cases); i++) {
    const ClaimCase *c = &claim_cases[i];
    g_autofree char *path = g_strdup_printf("/token/claims/%s/%s-%" G_GSIZE_FORMAT, c->claim,
                                            c->value == NULL ? "missing" : "invalid", i);
    g_test_add_data_func(path, c, test_claim_case);
  }
}

/* The id and name rules, as used for URL paths, config groups and API bodies. */
static void test_valid_id_and_name(void)
{
  g_assert_true(vt_token_valid_id("shop-42", 7));
  g_assert_true(vt_token_valid_id("A.b_c-9", 7));
  g_assert_false(vt_token_valid_id("", 0));
  g_assert_false(vt_token_valid_id("shop 42", 7));
  g_assert_false(vt_token_valid_id("shop/42", 7));
  g_assert_false(vt_token_valid_id("ab\0c", 4));
  g_autofree char *long_id = g_strnfill(65, 'a');
  g_assert_true(vt_token_valid_id(long_id, 64));
  g_assert_false(vt_token_valid_id(long_id, 65));

  g_assert_true(vt_token_valid_name("Dana", 4));
  g_assert_true(vt_token_valid_name("Zoë 👋", strlen("Zoë 👋")));
  g_assert_false(vt_token_valid_name("", 0));
  g_assert_false(vt_token_valid_name("a\nb", 3));
  g_assert_false(vt_token_valid_name("a\0b", 3));
  g_assert_false(vt_token_valid_name("\xff", 1));
  g_autofree char *long_name = g_strnfill(65, 'x');
  g_assert_true(vt_token_valid_name(long_name, 64));
  g_assert_false(vt_token_valid_name(long_name, 65));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/token/error-codes", test_error_codes);
  g_test_add_func("/token/roles", test_roles);
  g_test_add_func("/token/mint/roundtrip-all-claims", test_roundtrip_all_claims);
  g_test_add_func("/token/mint/roundtrip-minimal", test_roundtrip_minimal);
  g_test_add_func("/token/mint/format", test_mint_format);
  g_test_add_func("/token/verify/foreign-encoder", test_foreign_encoder);
  g_test_add_func("/token/signature/wrong-key", test_signature_wrong_key);
  g_test_add_func("/token/signature/tampered-payload", test_signature_tampered_payload);
  g_test_add_func("/token/signature/tampered-signature", test_signature_tampered);
  g_test_add_func("/token/signature/wrong-length", test_signature_wrong_length);
  g_test_add_func("/token/signature/before-claims", test_signature_checked_before_claims);
  g_test_add_func("/token/alg/none", test_alg_none);
  g_test_add_func("/token/alg/other", test_alg_other);
  g_test_add_func("/token/header/malformed", test_header_malformed);
  g_test_add_func("/token/time/expired", test_time_expired);
  g_test_add_func("/token/time/not-yet-valid", test_time_not_yet_valid);
  g_test_add_func("/token/time/leeway-edges", test_time_leeway_edges);
  g_test_add_func("/token/base64/padding", test_base64_padding);
  g_test_add_func("/token/base64/lenient-variants", test_base64_lenient_variants);
  g_test_add_func("/token/base64/embedded-nul", test_embedded_nul);
  g_test_add_func("/token/structure/parts", test_structure_parts);
  g_test_add_func("/token/structure/oversize", test_structure_oversize);
  g_test_add_func("/token/payload/not-object", test_payload_not_object);
  g_test_add_func("/token/claims/lengths", test_claim_lengths);
  g_test_add_func("/token/claims/surrogates", test_claim_surrogates);
  g_test_add_func("/token/claims/optional-absent", test_claims_optional_absent);
  g_test_add_func("/token/valid-id-and-name", test_valid_id_and_name);
  add_claim_cases();

  return g_test_run();
}
