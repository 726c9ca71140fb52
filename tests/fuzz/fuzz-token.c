/* libFuzzer target for vt_token_verify: arbitrary bytes as a join token.
 *
 * Each input is verified twice with a fixed key and clock:
 *   1. as it is, which exercises the length limit, the splitting, the
 *      base64url decoder, the header and the signature check;
 *   2. with ".<correct HS256 signature>" appended, so that an input of the
 *      form "<header>.<payload>" passes the signature and the fuzzer can reach
 *      the claim checks, which a forged token never does.
 * The seed corpus (tests/fuzz/corpus/token/) holds both shapes, minted with
 * FUZZ_KEY for a time around FUZZ_NOW. Inputs are passed with their length and
 * no terminator, as the server passes a slice of a WebSocket message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "signaling/token.h"

#define FUZZ_NOW G_GINT64_CONSTANT(1700000000)

static const guint8 FUZZ_KEY[] = "vitrine-fuzz-secret-0123456789ab";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Exactly one of a token or an error; a token is fully populated. */
static void verify_one(const char *jwt, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VtToken) token =
      vt_token_verify(jwt, len, FUZZ_KEY, sizeof FUZZ_KEY - 1, FUZZ_NOW, &error);

  if ((token == NULL) == (error == NULL))
    abort();
  if (token != NULL) {
    if (token->store == NULL || token->name == NULL || token->sub == NULL ||
        vt_role_to_string(token->role) == NULL || !g_utf8_validate(token->name, -1, NULL))
      abort();
  } else if (error->domain != VT_TOKEN_ERROR || vt_token_error_code(error->code) == NULL) {
    abort();
  }
}

/* data + "." + base64url(HMAC-SHA256(FUZZ_KEY, data)), not NUL-terminated. */
static guint8 *append_signature(const uint8_t *data, size_t size, gsize *out_len)
{
  guint8 mac[32];
  unsigned int mac_len = 0;
  g_autofree char *sig = NULL;
  guint8 *out;
  gsize sig_len;

  if (HMAC(EVP_sha256(), FUZZ_KEY, sizeof FUZZ_KEY - 1, data, size, mac, &mac_len) == NULL)
    abort();
  sig = g_base64_encode(mac, sizeof mac);
  g_strdelimit(sig, "+", '-');
  g_strdelimit(sig, "/", '_');
  sig_len = strcspn(sig, "=");
  *out_len = size + 1 + sig_len;
  out = g_malloc(*out_len);
  if (size > 0)
    memcpy(out, data, size);
  out[size] = '.';
  memcpy(out + size + 1, sig, sig_len);
  return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autofree guint8 *signed_copy = NULL;
  gsize signed_len = 0;

  verify_one((const char *)data, size);
  signed_copy = append_signature(data, size, &signed_len);
  verify_one((const char *)signed_copy, signed_len);
  return 0;
}
