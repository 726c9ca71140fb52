/* DTLS-SRTP handshakes over OpenSSL 3 without sockets. See dtls.h for the
 * contracts.
 *
 * OpenSSL reads and writes through a BIO of our own instead of BIO_s_mem: a
 * memory BIO is a byte stream, in which two received datagrams, or two that
 * OpenSSL flushes one after the other, would run together (BIO_s_dgram_mem
 * only exists from OpenSSL 3.2). Ours keeps datagram boundaries: a read
 * returns the one datagram vt_dtls_receive() is feeding (or "retry"), and
 * each write, which OpenSSL keeps within the MTU, goes to the send function
 * as one datagram.
 *
 * The peer's fingerprint is checked twice: in the verify callback, so that a
 * wrong certificate stops the handshake with an alert before any key exists,
 * and on the certificate OpenSSL holds once the handshake completes, so that
 * no path through OpenSSL can skip it. */
#include "relay/dtls.h"

#include <errno.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define SRTP_EXPORTER_LABEL "EXTRACTOR-dtls_srtp"
#define DEFAULT_SRTP_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"
/* ECDHE only; AES-GCM and ChaCha20 first, CBC last for older stacks. RSA
 * suites stay in for peers with RSA certificates (GStreamer's webrtcbin). */
#define CIPHER_LIST                                                                                \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                                     \
  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                                     \
  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                                     \
  "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA"
#define CERT_VALID_DAYS 30
#define DTLS_CCS_CONTENT_TYPE 20
#define DTLS_HANDSHAKE_CONTENT_TYPE 22
#define DTLS_RECORD_HEADER_LEN 13 /* type, version, epoch, sequence number, length */
#define DETAIL_SIZE 160

struct _VtDtlsCert {
  gint ref_count;
  SSL_CTX *ctx;
  BIO_METHOD *bio_method;
  guint8 fingerprint[VT_DTLS_FINGERPRINT_LEN];
  char fingerprint_string[VT_DTLS_FINGERPRINT_STRING_SIZE];
};

struct _VtDtls {
  VtDtlsCert *cert;
  SSL *ssl;
  VtDtlsRole role;
  VtDtlsState state;
  VtDtlsFailure failure;
  gboolean fingerprint_mismatch; /* set by the verify callback */
  guint8 expected[VT_DTLS_FINGERPRINT_LEN];
  VtDtlsSendFunc send;
  gpointer user_data;
  const uint8_t *in_buf; /* the datagram being fed, until OpenSSL reads it */
  size_t in_len;
  guint initial_rto_us;
  gint64 handshake_timeout_us;
  gint64 deadline_us; /* the handshake's time limit, once started */
  VtSrtpKeys keys;    /* valid in CONNECTED */
  char detail[DETAIL_SIZE];
  /* After vt_dtls_retire(): `ssl` is gone, and vt_dtls_close() sends this
   * close_notify record, made while OpenSSL was still there. */
  gboolean retired;
  gboolean capturing; /* bio_write keeps what OpenSSL writes instead of sending it */
  guint8 close_record[VT_DTLS_CLOSE_RECORD_MAX];
  gsize close_len;
  /* A server's last flight (ChangeCipherSpec, Finished), kept as sent so
   * that a retired server can answer a client that retransmits its own last
   * flight because ours was lost. G_MAXSIZE: it did not fit. */
  guint8 last_flight[VT_DTLS_LAST_FLIGHT_MAX];
  gsize last_flight_len;
};

/* clang-format off */
G_DEFINE_QUARK(vt-dtls-error-quark, vt_dtls_error)
/* clang-format on */

/* ---- Fingerprints -------------------------------------------------------- */

void vt_dtls_fingerprint_format(const guint8 fp[VT_DTLS_FINGERPRINT_LEN],
                                char out[VT_DTLS_FINGERPRINT_STRING_SIZE])
{
  static const char hex[] = "0123456789ABCDEF";

  for (guint i = 0; i < VT_DTLS_FINGERPRINT_LEN; i++) {
    out[3 * i] = hex[fp[i] >> 4];
    out[3 * i + 1] = hex[fp[i] & 0xf];
    out[3 * i + 2] = i + 1 < VT_DTLS_FINGERPRINT_LEN ? ':' : '\0';
  }
}

gboolean vt_dtls_fingerprint_parse(const char *text, guint8 out[VT_DTLS_FINGERPRINT_LEN])
{
  g_return_val_if_fail(text != NULL && out != NULL, FALSE);

  if (strlen(text) != VT_DTLS_FINGERPRINT_STRING_SIZE - 1)
    return FALSE;
  for (guint i = 0; i < VT_DTLS_FINGERPRINT_LEN; i++) {
    const char *p = text + 3 * i;
    int hi = g_ascii_xdigit_value(p[0]), lo = g_ascii_xdigit_value(p[1]);
    if (hi < 0 || lo < 0 || (i + 1 < VT_DTLS_FINGERPRINT_LEN && p[2] != ':'))
      return FALSE;
    out[i] = (guint8)(hi << 4 | lo);
  }
  return TRUE;
}

/* Whether `x509` has the SHA-256 fingerprint `expected`. */
static gboolean cert_has_fingerprint(X509 *x509, const guint8 *expected)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;

  if (x509 == NULL || X509_digest(x509, EVP_sha256(), md, &md_len) != 1 ||
      md_len != VT_DTLS_FINGERPRINT_LEN)
    return FALSE;
  return CRYPTO_memcmp(md, expected, VT_DTLS_FINGERPRINT_LEN) == 0;
}

/* ---- The datagram BIO ---------------------------------------------------- */

/* A server's flights go out as datagrams; its last one (no tickets here)
 * starts with a ChangeCipherSpec record, so each datagram that does starts
 * the kept flight anew, and the ones after it join it. */
static void keep_last_flight(VtDtls *dtls, const uint8_t *data, size_t len)
{
  if (data[0] == DTLS_CCS_CONTENT_TYPE)
    dtls->last_flight_len = 0;
  if (dtls->last_flight_len <= sizeof dtls->last_flight &&
      len <= sizeof dtls->last_flight - dtls->last_flight_len) {
    memcpy(dtls->last_flight + dtls->last_flight_len, data, len);
    dtls->last_flight_len += len;
  } else {
    dtls->last_flight_len = G_MAXSIZE;
  }
}

static int bio_write(BIO *bio, const char *data, int len)
{
  VtDtls *dtls = BIO_get_data(bio);

  BIO_clear_retry_flags(bio);
  if (len > 0 && dtls->capturing) {
    /* One record expected; anything else means no close_notify later. */
    gboolean fits = dtls->close_len == 0 && (size_t)len <= sizeof dtls->close_record;
    if (fits)
      memcpy(dtls->close_record, data, (size_t)len);
    dtls->close_len = fits ? (gsize)len : G_MAXSIZE;
  } else if (len > 0) {
    if (dtls->role == VT_DTLS_ROLE_SERVER && dtls->state == VT_DTLS_STATE_CONNECTING)
      keep_last_flight(dtls, (const uint8_t *)data, (size_t)len);
    dtls->send((const uint8_t *)data, (size_t)len, dtls->user_data);
  }
  return len;
}

/* Hands over the datagram being fed, whole (OpenSSL reads with a buffer
 * larger than any record), then reports "retry" until the next one. */
static int bio_read(BIO *bio, char *out, int cap)
{
  VtDtls *dtls = BIO_get_data(bio);

  BIO_clear_retry_flags(bio);
  if (dtls->in_buf == NULL || cap <= 0) {
    BIO_set_retry_read(bio);
    return -1;
  }
  size_t n = MIN(dtls->in_len, (size_t)cap);
  memcpy(out, dtls->in_buf, n);
  dtls->in_buf = NULL;
  return (int)n;
}

/* Every write is sent at once, so a flush always succeeds; nothing is ever
 * pending, and there is no overhead, peer address or socket timeout (the MTU
 * is set, never queried). */
static long bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static BIO_METHOD *make_bio_method(void)
{
  BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "vitrine-dtls");
  if (m == NULL || !BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
      !BIO_meth_set_ctrl(m, bio_ctrl)) {
    BIO_meth_free(m);
    return NULL;
  }
  return m;
}

/* ---- The certificate ----------------------------------------------------- */

/* Checks the peer's certificate against the fingerprint from its SDP. The
 * chain is not verified (WebRTC certificates are self-signed): whatever
 * OpenSSL found, the answer depends on the peer's own (leaf) certificate
 * alone. */
static int verify_cb(int preverify_ok, X509_STORE_CTX *store)
{
  SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  VtDtls *dtls = ssl != NULL ? SSL_get_app_data(ssl) : NULL;

  if (dtls == NULL)
    return 0;
  if (!cert_has_fingerprint(X509_STORE_CTX_get0_cert(store), dtls->expected)) {
    dtls->fingerprint_mismatch = TRUE;
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    return 0;
  }
  return 1;
}

/* A self-signed certificate for `pkey`: random serial, CN "vitrine". */
static X509 *make_x509(EVP_PKEY *pkey)
{
  X509 *x509 = X509_new();
  BIGNUM *serial = BN_new();
  gboolean ok = x509 != NULL && serial != NULL;

  ok = ok && BN_rand(serial, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1;
  ok = ok && BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x509)) != NULL;
  ok = ok && X509_set_version(x509, X509_VERSION_3) == 1;
  ok = ok && X509_gmtime_adj(X509_getm_notBefore(x509), -24 * 3600) != NULL;
  ok = ok && X509_gmtime_adj(X509_getm_notAfter(x509), CERT_VALID_DAYS * 24L * 3600) != NULL;
  X509_NAME *name = ok ? X509_get_subject_name(x509) : NULL;
  ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"vitrine",
                                        -1, -1, 0) == 1;
  ok = ok && X509_set_issuer_name(x509, name) == 1;
  ok = ok && X509_set_pubkey(x509, pkey) == 1;
  ok = ok && X509_sign(x509, pkey, EVP_sha256()) > 0;
  BN_free(serial);
  if (!ok) {
    X509_free(x509);
    return NULL;
  }
  return x509;
}

/* The context every connection shares: DTLS 1.2 only, our certificate, a
 * mandatory peer certificate checked by fingerprint, use_srtp, no tickets, no
 * renegotiation, and an MTU set by us rather than queried from a socket. */
static SSL_CTX *make_ctx(X509 *x509, EVP_PKEY *pkey)
{
  SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
  gboolean ok = ctx != NULL;

  ok = ok && SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) == 1;
  ok = ok && SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) == 1;
  ok = ok && SSL_CTX_use_certificate(ctx, x509) == 1;
  ok = ok && SSL_CTX_use_PrivateKey(ctx, pkey) == 1;
  ok = ok && SSL_CTX_check_private_key(ctx) == 1;
  ok = ok && SSL_CTX_set_cipher_list(ctx, CIPHER_LIST) == 1;
  ok = ok && SSL_CTX_set_tlsext_use_srtp(ctx, DEFAULT_SRTP_PROFILES) == 0; /* 0 is success */
  /* Records never exceed the MTU, so the write buffer need not hold 16 KB. */
  ok = ok && SSL_CTX_set_max_send_fragment(ctx, VT_DTLS_MTU) == 1;
  if (!ok) {
    SSL_CTX_free(ctx);
    return NULL;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
  SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  return ctx;
}

/* Sets `error` from OpenSSL's error queue and clears the queue. */
static void set_openssl_error(GError **error, const char *what)
{
  char buf[DETAIL_SIZE] = "";
  unsigned long e = ERR_peek_last_error();

  if (e != 0)
    ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  g_set_error(error, VT_DTLS_ERROR, VT_DTLS_ERROR_CERT, "%s failed%s%s", what, *buf ? ": " : "",
              buf);
}

VtDtlsCert *vt_dtls_cert_new(GError **error)
{
  VtDtlsCert *cert = NULL;
  X509 *x509 = NULL;
  unsigned int md_len = 0;

  ERR_clear_error();
  EVP_PKEY *pkey = EVP_EC_gen("P-256");
  if (pkey == NULL || (x509 = make_x509(pkey)) == NULL) {
    set_openssl_error(error, "making the DTLS key and certificate");
    goto out;
  }
  cert = g_new0(VtDtlsCert, 1);
  cert->ref_count = 1;
  cert->ctx = make_ctx(x509, pkey);
  cert->bio_method = make_bio_method();
  if (cert->ctx == NULL || cert->bio_method == NULL ||
      X509_digest(x509, EVP_sha256(), cert->fingerprint, &md_len) != 1 ||
      md_len != VT_DTLS_FINGERPRINT_LEN) {
    set_openssl_error(error, "setting up the DTLS context");
    g_clear_pointer(&cert, vt_dtls_cert_unref);
    goto out;
  }
  vt_dtls_fingerprint_format(cert->fingerprint, cert->fingerprint_string);
out:
  X509_free(x509); /* the context holds its own references */
  EVP_PKEY_free(pkey);
  return cert;
}

VtDtlsCert *vt_dtls_cert_ref(VtDtlsCert *cert)
{
  g_return_val_if_fail(cert != NULL, NULL);
  g_atomic_int_inc(&cert->ref_count);
  return cert;
}

void vt_dtls_cert_unref(VtDtlsCert *cert)
{
  if (cert == NULL || !g_atomic_int_dec_and_test(&cert->ref_count))
    return;
  SSL_CTX_free(cert->ctx);
  BIO_meth_free(cert->bio_method);
  g_free(cert);
}

const guint8 *vt_dtls_cert_get_fingerprint(const VtDtlsCert *cert)
{
  g_return_val_if_fail(cert != NULL, NULL);
  return cert->fingerprint;
}

const char *vt_dtls_cert_get_fingerprint_string(const VtDtlsCert *cert)
{
  g_return_val_if_fail(cert != NULL, NULL);
  return cert->fingerprint_string;
}

/* ---- One connection: setup ----------------------------------------------- */

/* OpenSSL asks for the next retransmission wait: `prev_us` is 0 for a fresh
 * flight, else the wait that just ran out. */
static unsigned int timer_cb(SSL *ssl, unsigned int prev_us)
{
  VtDtls *dtls = SSL_get_app_data(ssl);

  if (prev_us == 0)
    return dtls->initial_rto_us;
  return MIN(prev_us * 2u, (unsigned int)VT_DTLS_MAX_RETRANSMIT_US);
}

VtDtls *vt_dtls_new(VtDtlsCert *cert, VtDtlsRole role,
                    const guint8 expected_fingerprint[VT_DTLS_FINGERPRINT_LEN], VtDtlsSendFunc send,
                    gpointer user_data)
{
  g_return_val_if_fail(cert != NULL && expected_fingerprint != NULL && send != NULL, NULL);
  g_return_val_if_fail(role == VT_DTLS_ROLE_CLIENT || role == VT_DTLS_ROLE_SERVER, NULL);

  SSL *ssl = SSL_new(cert->ctx);
  BIO *bio = BIO_new(cert->bio_method);
  if (ssl == NULL || bio == NULL)
    g_error("OpenSSL could not make a DTLS connection object (out of memory)");

  VtDtls *dtls = g_new0(VtDtls, 1);
  dtls->cert = vt_dtls_cert_ref(cert);
  dtls->ssl = ssl;
  dtls->role = role;
  memcpy(dtls->expected, expected_fingerprint, VT_DTLS_FINGERPRINT_LEN);
  dtls->send = send;
  dtls->user_data = user_data;
  dtls->initial_rto_us = VT_DTLS_DEFAULT_RETRANSMIT_US;
  dtls->handshake_timeout_us = VT_DTLS_DEFAULT_HANDSHAKE_TIMEOUT_US;

  BIO_set_data(bio, dtls);
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl, bio, bio);             /* one reference, for both directions */
  /* Gives record buffers back where OpenSSL can; for DTLS it keeps them, as
   * it keeps the handshake buffer, until vt_dtls_retire() frees it all. */
  SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_set_mtu(ssl, VT_DTLS_MTU) <= 0) /* returns the MTU set, or 0 */
    g_error("OpenSSL refused a DTLS MTU of %d", VT_DTLS_MTU);
  SSL_set_app_data(ssl, dtls);
  DTLS_set_timer_cb(ssl, timer_cb);
  if (role == VT_DTLS_ROLE_CLIENT)
    SSL_set_connect_state(ssl);
  else
    SSL_set_accept_state(ssl);
  return dtls;
}

void vt_dtls_free(VtDtls *dtls)
{
  if (dtls == NULL)
    return;
  SSL_free(dtls->ssl);
  vt_dtls_cert_unref(dtls->cert);
  OPENSSL_cleanse(&dtls->keys, sizeof dtls->keys);
  g_free(dtls);
}

gboolean vt_dtls_set_srtp_profiles(VtDtls *dtls, const VtSrtpProfile *profiles, guint n_profiles)
{
  g_return_val_if_fail(dtls != NULL && profiles != NULL, FALSE);
  g_return_val_if_fail(dtls->state == VT_DTLS_STATE_NEW, FALSE);

  g_autoptr(GString) list = g_string_new(NULL);
  for (guint i = 0; i < n_profiles; i++) {
    const char *name = profiles[i] == VT_SRTP_PROFILE_AEAD_AES_128_GCM    ? "SRTP_AEAD_AES_128_GCM"
                       : profiles[i] == VT_SRTP_PROFILE_AES128_CM_SHA1_80 ? "SRTP_AES128_CM_SHA1_80"
                                                                          : NULL;
    if (name == NULL || strstr(list->str, name) != NULL)
      return FALSE;
    g_string_append_printf(list, "%s%s", i > 0 ? ":" : "", name);
  }
  gboolean ok = n_profiles > 0 && SSL_set_tlsext_use_srtp(dtls->ssl, list->str) == 0;
  ERR_clear_error();
  return ok;
}

void vt_dtls_set_retransmit_timeout(VtDtls *dtls, gint64 initial_us)
{
  g_return_if_fail(dtls != NULL);
  g_return_if_fail(initial_us >= 1000 && initial_us <= VT_DTLS_MAX_RETRANSMIT_US);
  dtls->initial_rto_us = (guint)initial_us;
}

void vt_dtls_set_handshake_timeout(VtDtls *dtls, gint64 timeout_us)
{
  g_return_if_fail(dtls != NULL && timeout_us > 0);
  dtls->handshake_timeout_us = timeout_us;
}

/* ---- One connection: the state machine ----------------------------------- */

/* Moves to FAILED for `failure` (unless already final), noting OpenSSL's
 * latest error as the detail, and clears OpenSSL's error queue. */
static void fail(VtDtls *dtls, VtDtlsFailure failure)
{
  unsigned long e = ERR_peek_last_error();

  if (dtls->state != VT_DTLS_STATE_FAILED && dtls->state != VT_DTLS_STATE_CLOSED) {
    dtls->state = VT_DTLS_STATE_FAILED;
    dtls->failure = failure;
    if (e != 0)
      ERR_error_string_n(e, dtls->detail, sizeof dtls->detail);
    else if (dtls->detail[0] == '\0')
      g_strlcpy(dtls->detail, vt_dtls_failure_to_string(failure), sizeof dtls->detail);
    OPENSSL_cleanse(&dtls->keys, sizeof dtls->keys);
  }
  ERR_clear_error();
}

/* Exports the SRTP keys of the negotiated profile (RFC 5764 section 4.2:
 * client key, server key, client salt, server salt). */
static gboolean export_srtp_keys(VtDtls *dtls)
{
  const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(dtls->ssl);
  VtSrtpKeys *keys = &dtls->keys;
  guint8 material[2 * (VT_SRTP_MAX_KEY_LEN + VT_SRTP_MAX_SALT_LEN)];
  guint k, s;

  if (p == NULL || !vt_srtp_profile_get_lengths((VtSrtpProfile)p->id, &k, &s))
    return FALSE;
  if (SSL_export_keying_material(dtls->ssl, material, 2 * (k + s), SRTP_EXPORTER_LABEL,
                                 strlen(SRTP_EXPORTER_LABEL), NULL, 0, 0) != 1)
    return FALSE;
  keys->profile = (VtSrtpProfile)p->id;
  keys->key_len = k;
  keys->salt_len = s;
  memcpy(keys->client_key, material, k);
  memcpy(keys->server_key, material + k, k);
  memcpy(keys->client_salt, material + 2 * k, s);
  memcpy(keys->server_salt, material + 2 * k + s, s);
  keys->local_is_client = dtls->role == VT_DTLS_ROLE_CLIENT;
  OPENSSL_cleanse(material, sizeof material);
  return TRUE;
}

/* Processes whatever OpenSSL has buffered once the handshake is done:
 * retransmitted flights of the peer (answered by OpenSSL), application data
 * (discarded: the relay carries none over DTLS), close_notify and alerts. */
static int drain_records(VtDtls *dtls)
{
  uint8_t scratch[2048];

  for (;;) {
    ERR_clear_error();
    int n = SSL_read(dtls->ssl, scratch, sizeof scratch);
    if (n > 0)
      continue;
    switch (SSL_get_error(dtls->ssl, n)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      return 0;
    case SSL_ERROR_ZERO_RETURN: /* close_notify: answer it and stop */
      SSL_shutdown(dtls->ssl);
      ERR_clear_error();
      dtls->state = VT_DTLS_STATE_CLOSED;
      OPENSSL_cleanse(&dtls->keys, sizeof dtls->keys);
      return 0;
    default:
      fail(dtls, VT_DTLS_FAILURE_PROTOCOL);
      return -EPROTO;
    }
  }
}

/* The handshake has completed on OpenSSL's side: check the peer once more,
 * take the keys and become CONNECTED. */
static int finish_handshake(VtDtls *dtls)
{
  if (!cert_has_fingerprint(SSL_get0_peer_certificate(dtls->ssl), dtls->expected)) {
    fail(dtls, VT_DTLS_FAILURE_FINGERPRINT);
    return -EPROTO;
  }
  if (!export_srtp_keys(dtls)) {
    fail(dtls, VT_DTLS_FAILURE_NO_SRTP);
    return -EPROTO;
  }
  dtls->state = VT_DTLS_STATE_CONNECTED;
  return drain_records(dtls);
}

/* Runs the handshake as far as the datagrams so far allow. */
static int drive_handshake(VtDtls *dtls)
{
  ERR_clear_error();
  int r = SSL_do_handshake(dtls->ssl);
  if (r == 1)
    return finish_handshake(dtls);
  int err = SSL_get_error(dtls->ssl, r);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
    return 0;
  fail(dtls, dtls->fingerprint_mismatch ? VT_DTLS_FAILURE_FINGERPRINT : VT_DTLS_FAILURE_HANDSHAKE);
  return -EPROTO;
}

static void begin(VtDtls *dtls, gint64 now_us)
{
  dtls->state = VT_DTLS_STATE_CONNECTING;
  dtls->deadline_us = now_us + dtls->handshake_timeout_us;
}

int vt_dtls_start(VtDtls *dtls, gint64 now_us)
{
  g_return_val_if_fail(dtls != NULL, -EINVAL);

  if (dtls->state != VT_DTLS_STATE_NEW)
    return -EALREADY;
  begin(dtls, now_us);
  return dtls->role == VT_DTLS_ROLE_CLIENT ? drive_handshake(dtls) : 0;
}

/* Whether the datagram holds a handshake record of epoch 1: the only one a
 * client sends is its Finished, so this is its last flight again. */
static gboolean has_finished_record(const uint8_t *buf, size_t len)
{
  for (size_t off = 0; len - off >= DTLS_RECORD_HEADER_LEN;) {
    const uint8_t *r = buf + off;
    if (r[0] == DTLS_HANDSHAKE_CONTENT_TYPE && r[3] == 0 && r[4] == 1)
      return TRUE;
    off += DTLS_RECORD_HEADER_LEN + ((size_t)r[11] << 8 | r[12]);
    if (off > len)
      break;
  }
  return FALSE;
}

/* A client's Finished reaching a retired server means ours did not arrive:
 * the last flight goes out once more, once per repeat of the client's. ICE
 * has already checked where the datagram came from; nothing in it is read. */
static int answer_retired(VtDtls *dtls, const uint8_t *buf, size_t len)
{
  if (dtls->last_flight_len == 0 || !has_finished_record(buf, len))
    return -ESHUTDOWN;
  dtls->send(dtls->last_flight, dtls->last_flight_len, dtls->user_data);
  return 0;
}

int vt_dtls_receive(VtDtls *dtls, const uint8_t *buf, size_t len, gint64 now_us)
{
  g_return_val_if_fail(dtls != NULL && (buf != NULL || len == 0), -EINVAL);

  if (dtls->state == VT_DTLS_STATE_FAILED || dtls->state == VT_DTLS_STATE_CLOSED)
    return -ENOTCONN;
  if (G_UNLIKELY(len == 0 || buf[0] < 20 || buf[0] > 63))
    return -EINVAL;
  if (dtls->retired)
    return answer_retired(dtls, buf, len);
  if (dtls->state == VT_DTLS_STATE_NEW) {
    if (dtls->role == VT_DTLS_ROLE_CLIENT)
      return -ENOTCONN;
    begin(dtls, now_us);
  }

  dtls->in_buf = buf;
  dtls->in_len = len;
  int r = dtls->state == VT_DTLS_STATE_CONNECTING ? drive_handshake(dtls) : drain_records(dtls);
  dtls->in_buf = NULL;
  return r;
}

gint64 vt_dtls_next_timeout(VtDtls *dtls, gint64 now_us)
{
  g_return_val_if_fail(dtls != NULL, G_MAXINT64);

  gint64 next = G_MAXINT64;
  struct timeval tv;
  if (dtls->retired ||
      (dtls->state != VT_DTLS_STATE_CONNECTING && dtls->state != VT_DTLS_STATE_CONNECTED))
    return next;
  if (DTLSv1_get_timeout(dtls->ssl, &tv) == 1)
    next = now_us + (gint64)tv.tv_sec * G_USEC_PER_SEC + tv.tv_usec;
  if (dtls->state == VT_DTLS_STATE_CONNECTING)
    next = MIN(next, dtls->deadline_us);
  return next;
}

int vt_dtls_handle_timeout(VtDtls *dtls, gint64 now_us)
{
  g_return_val_if_fail(dtls != NULL, -EINVAL);

  if (dtls->state == VT_DTLS_STATE_CONNECTING && now_us >= dtls->deadline_us) {
    g_strlcpy(dtls->detail, "the handshake did not finish in time", sizeof dtls->detail);
    fail(dtls, VT_DTLS_FAILURE_TIMEOUT);
    return -ETIMEDOUT;
  }
  if (dtls->retired ||
      (dtls->state != VT_DTLS_STATE_CONNECTING && dtls->state != VT_DTLS_STATE_CONNECTED))
    return 0;
  ERR_clear_error();
  if (DTLSv1_handle_timeout(dtls->ssl) < 0) { /* retransmitted too often */
    fail(dtls, VT_DTLS_FAILURE_TIMEOUT);
    return -ETIMEDOUT;
  }
  ERR_clear_error();
  return 0;
}

void vt_dtls_close(VtDtls *dtls)
{
  g_return_if_fail(dtls != NULL);

  if (dtls->state == VT_DTLS_STATE_FAILED || dtls->state == VT_DTLS_STATE_CLOSED)
    return;
  if (dtls->state == VT_DTLS_STATE_CONNECTED && dtls->retired && dtls->close_len > 0)
    dtls->send(dtls->close_record, dtls->close_len, dtls->user_data);
  else if (dtls->state == VT_DTLS_STATE_CONNECTED && !dtls->retired)
    SSL_shutdown(dtls->ssl); /* sends close_notify; the peer's answer is not awaited */
  ERR_clear_error();
  dtls->state = VT_DTLS_STATE_CLOSED;
  OPENSSL_cleanse(&dtls->keys, sizeof dtls->keys);
}

/* The close_notify is made now and sent later: its record carries the next
 * sequence number of epoch 1, and since the relay sends nothing else over
 * DTLS after the handshake (a repeated last flight is the same records again,
 * not new ones), that number is still the next one when it goes. A client
 * can retire at once: once it has the server's Finished, the server has its
 * own and will never ask for a flight again. */
int vt_dtls_retire(VtDtls *dtls, gboolean peer_finished)
{
  g_return_val_if_fail(dtls != NULL, -EINVAL);

  if (dtls->retired)
    return 0;
  if (dtls->state != VT_DTLS_STATE_CONNECTED)
    return -ENOTCONN;
  if (dtls->role == VT_DTLS_ROLE_SERVER && !peer_finished &&
      (dtls->last_flight_len == 0 || dtls->last_flight_len > sizeof dtls->last_flight))
    return -EAGAIN;
  if (peer_finished || dtls->last_flight_len > sizeof dtls->last_flight)
    dtls->last_flight_len = 0; /* nothing to repeat */
  dtls->capturing = TRUE;
  ERR_clear_error();
  SSL_shutdown(dtls->ssl);
  ERR_clear_error();
  dtls->capturing = FALSE;
  if (dtls->close_len > sizeof dtls->close_record)
    dtls->close_len = 0; /* more than one record: none is sent */
  g_clear_pointer(&dtls->ssl, SSL_free);
  dtls->retired = TRUE;
  OPENSSL_cleanse(&dtls->keys, sizeof dtls->keys);
  return 0;
}

/* ---- Accessors ----------------------------------------------------------- */

VtDtlsRole vt_dtls_get_role(const VtDtls *dtls)
{
  g_return_val_if_fail(dtls != NULL, VT_DTLS_ROLE_CLIENT);
  return dtls->role;
}

VtDtlsState vt_dtls_get_state(const VtDtls *dtls)
{
  g_return_val_if_fail(dtls != NULL, VT_DTLS_STATE_FAILED);
  return dtls->state;
}

VtDtlsFailure vt_dtls_get_failure(const VtDtls *dtls)
{
  g_return_val_if_fail(dtls != NULL, VT_DTLS_FAILURE_NONE);
  return dtls->failure;
}

const char *vt_dtls_get_failure_detail(const VtDtls *dtls)
{
  g_return_val_if_fail(dtls != NULL, "");
  return dtls->detail;
}

const char *vt_dtls_state_to_string(VtDtlsState state)
{
  static const char *const names[] = {"new", "connecting", "connected", "failed", "closed"};
  G_STATIC_ASSERT(G_N_ELEMENTS(names) == VT_DTLS_STATE_CLOSED + 1);
  return (guint)state < G_N_ELEMENTS(names) ? names[state] : "unknown";
}

const char *vt_dtls_failure_to_string(VtDtlsFailure failure)
{
  static const char *const names[] = {
      [VT_DTLS_FAILURE_NONE] = "none",
      [VT_DTLS_FAILURE_FINGERPRINT] = "fingerprint mismatch",
      [VT_DTLS_FAILURE_HANDSHAKE] = "handshake error",
      [VT_DTLS_FAILURE_NO_SRTP] = "no common SRTP profile",
      [VT_DTLS_FAILURE_TIMEOUT] = "timeout",
      [VT_DTLS_FAILURE_PROTOCOL] = "protocol error",
  };
  return (guint)failure < G_N_ELEMENTS(names) ? names[failure] : "unknown";
}

gboolean vt_dtls_get_srtp_keys(const VtDtls *dtls, VtSrtpKeys *keys)
{
  g_return_val_if_fail(dtls != NULL && keys != NULL, FALSE);

  if (dtls->state != VT_DTLS_STATE_CONNECTED || dtls->retired) {
    memset(keys, 0, sizeof *keys);
    return FALSE;
  }
  *keys = dtls->keys;
  return TRUE;
}
