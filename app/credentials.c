/* First-start credentials: self-signed certificate and token secret. */
#include "app/credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <unistd.h>

gboolean vt_credentials_ensure_dir(const char *data_dir, GError **error)
{
  if (g_mkdir_with_parents(data_dir, 0700) < 0) {
    int e = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot create %s: %s",
                data_dir, g_strerror(e));
    return FALSE;
  }
  return TRUE;
}

/* Writes contents to path through a temporary file, so a crash leaves either
 * no file or the whole file. */
static gboolean write_whole(const char *path, const char *contents, gsize len, int mode,
                            GError **error)
{
  return g_file_set_contents_full(path, contents, (gssize)len,
                                  G_FILE_SET_CONTENTS_CONSISTENT, mode, error);
}

static char *pem_of_key(EVP_PKEY *pkey)
{
  BIO *bio = BIO_new(BIO_s_mem());
  char *out = NULL;
  if (PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)) {
    char *data;
    long len = BIO_get_mem_data(bio, &data);
    out = g_strndup(data, (gsize)len);
  }
  BIO_free(bio);
  return out;
}

static char *pem_of_cert(X509 *cert)
{
  BIO *bio = BIO_new(BIO_s_mem());
  char *out = NULL;
  if (PEM_write_bio_X509(bio, cert)) {
    char *data;
    long len = BIO_get_mem_data(bio, &data);
    out = g_strndup(data, (gsize)len);
  }
  BIO_free(bio);
  return out;
}

static gboolean add_ext(X509 *cert, int nid, const char *value)
{
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  if (!ext)
    return FALSE;
  gboolean ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

static X509 *make_cert(EVP_PKEY *pkey)
{
  X509 *cert = X509_new();
  guint64 serial;
  RAND_bytes((unsigned char *)&serial, sizeof serial);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial >> 1);
  X509_set_version(cert, 2);
  X509_gmtime_adj(X509_getm_notBefore(cert), -24 * 3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 825L * 24 * 3600);
  X509_set_pubkey(cert, pkey);
  X509_NAME *name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Vitrine", -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1,
                             -1, 0);
  X509_set_issuer_name(cert, name);

  /* Hostnames with characters a SAN cannot hold are left out rather than
   * failing the start. */
  const char *host = g_get_host_name();
  gboolean host_ok = g_hostname_is_ascii_encoded(host) && !strpbrk(host, ", ");
  g_autofree char *san = g_strdup_printf("DNS:localhost,IP:127.0.0.1,IP:::1%s%s",
                                         host_ok ? ",DNS:" : "", host_ok ? host : "");
  if (!add_ext(cert, NID_subject_alt_name, san) ||
      !add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") ||
      !add_ext(cert, NID_ext_key_usage, "serverAuth") ||
      X509_sign(cert, pkey, EVP_sha256()) == 0) {
    X509_free(cert);
    return NULL;
  }
  return cert;
}

static gboolean generate_tls(const char *cert_path, const char *key_path, GError **error)
{
  EVP_PKEY *pkey = EVP_EC_gen("P-256");
  X509 *cert = pkey ? make_cert(pkey) : NULL;
  g_autofree char *key_pem = pkey ? pem_of_key(pkey) : NULL;
  g_autofree char *cert_pem = cert ? pem_of_cert(cert) : NULL;
  X509_free(cert);
  EVP_PKEY_free(pkey);
  if (!key_pem || !cert_pem) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot generate a TLS certificate");
    return FALSE;
  }
  /* Key first: a certificate without its key would be unusable. */
  return write_whole(key_path, key_pem, strlen(key_pem), 0600, error) &&
         write_whole(cert_path, cert_pem, strlen(cert_pem), 0644, error);
}

gboolean vt_credentials_ensure_tls(const char *data_dir, char **cert_path, char **key_path,
                                   GError **error)
{
  g_autofree char *dir = g_build_filename(data_dir, "tls", NULL);
  g_autofree char *cert = g_build_filename(dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename(dir, "key.pem", NULL);
  if (!vt_credentials_ensure_dir(dir, error))
    return FALSE;
  if (!g_file_test(cert, G_FILE_TEST_EXISTS) || !g_file_test(key, G_FILE_TEST_EXISTS)) {
    if (!generate_tls(cert, key, error))
      return FALSE;
    g_message("made a self-signed certificate: %s", cert);
  }
  *cert_path = g_steal_pointer(&cert);
  *key_path = g_steal_pointer(&key);
  return TRUE;
}

static gboolean is_secret(const char *s)
{
  if (strlen(s) < 32)
    return FALSE;
  for (const char *c = s; *c; c++)
    if (!g_ascii_isgraph(*c))
      return FALSE;
  return TRUE;
}

char *vt_credentials_token_secret(const char *data_dir, GError **error)
{
  g_autofree char *path = g_build_filename(data_dir, "token-secret", NULL);
  g_autofree char *text = NULL;
  if (g_file_get_contents(path, &text, NULL, NULL)) {
    g_strstrip(text);
    if (!is_secret(text)) {
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                  "%s must hold at least 32 printable characters", path);
      return NULL;
    }
    return g_steal_pointer(&text);
  }
  guint8 raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "no randomness for the token secret");
    return NULL;
  }
  GString *hex = g_string_sized_new(2 * sizeof raw + 1);
  for (gsize i = 0; i < sizeof raw; i++)
    g_string_append_printf(hex, "%02x", raw[i]);
  g_string_append_c(hex, '\n');
  gboolean ok = write_whole(path, hex->str, hex->len, 0600, error);
  g_string_truncate(hex, 2 * sizeof raw);
  if (!ok) {
    g_string_free(hex, TRUE);
    return NULL;
  }
  return g_string_free(hex, FALSE);
}
