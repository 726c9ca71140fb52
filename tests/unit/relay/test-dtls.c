/* DTLS-SRTP handshakes between two VtDtls, a client and a server, whose
 * datagrams travel through in-memory queues that the tests can drop from,
 * inspect and inject into. */
#include <errno.h>
#include <string.h>

#include "relay/dtls.h"

#define MS 1000

/* Datagrams one end has sent and the other has not yet received. */
typedef struct {
  GQueue queue; /* GBytes */
  guint sent;   /* every datagram sent, dropped ones included */
  guint drop;   /* drop this many of the next datagrams sent */
  gboolean drop_all;
} Wire;

typedef struct {
  VtDtlsCert *client_cert;
  VtDtlsCert *server_cert;
  VtDtls *client;
  VtDtls *server;
  Wire to_server; /* what the client sends */
  Wire to_client; /* what the server sends */
  gint64 now;
} Pair;

static void wire_send(const uint8_t *buf, size_t len, gpointer user_data)
{
  Wire *wire = user_data;

  g_assert_cmpuint(len, >, 0);
  g_assert_cmpuint(len, <=, VT_DTLS_MTU);
  wire->sent++;
  if (wire->drop_all)
    return;
  if (wire->drop > 0) {
    wire->drop--;
    return;
  }
  g_queue_push_tail(&wire->queue, g_bytes_new(buf, len));
}

static void wire_clear(Wire *wire)
{
  g_queue_clear_full(&wire->queue, (GDestroyNotify)g_bytes_unref);
}

/* Delivers the next datagram of `wire` to `to`; FALSE if there was none. */
static gboolean deliver_one(Wire *wire, VtDtls *to, gint64 now)
{
  g_autoptr(GBytes) bytes = g_queue_pop_head(&wire->queue);
  gsize len;

  if (bytes == NULL)
    return FALSE;
  const uint8_t *data = g_bytes_get_data(bytes, &len);
  int r = vt_dtls_receive(to, data, len, now);
  g_assert_true(r == 0 || r == -EPROTO || r == -ENOTCONN || r == -ESHUTDOWN);
  return TRUE;
}

/* Delivers datagrams both ways until neither end has anything more to say. */
static void pump(Pair *p)
{
  gboolean moved;
  do {
    moved = deliver_one(&p->to_server, p->server, p->now);
    moved = deliver_one(&p->to_client, p->client, p->now) || moved;
  } while (moved);
}

/* Two ends with certificates of their own, each expecting the other's
 * fingerprint unless `wrong_*` says otherwise. */
static Pair *pair_new(gboolean wrong_for_client, gboolean wrong_for_server)
{
  Pair *p = g_new0(Pair, 1);
  guint8 wrong[VT_DTLS_FINGERPRINT_LEN];

  p->client_cert = vt_dtls_cert_new(NULL);
  p->server_cert = vt_dtls_cert_new(NULL);
  g_assert_nonnull(p->client_cert);
  g_assert_nonnull(p->server_cert);
  memcpy(wrong, vt_dtls_cert_get_fingerprint(p->server_cert), sizeof wrong);
  wrong[7] ^= 0x40;
  p->client = vt_dtls_new(p->client_cert, VT_DTLS_ROLE_CLIENT,
                          wrong_for_client ? wrong : vt_dtls_cert_get_fingerprint(p->server_cert),
                          wire_send, &p->to_server);
  p->server = vt_dtls_new(p->server_cert, VT_DTLS_ROLE_SERVER,
                          wrong_for_server ? wrong : vt_dtls_cert_get_fingerprint(p->client_cert),
                          wire_send, &p->to_client);
  p->now = 1000 * G_USEC_PER_SEC;
  return p;
}

static void pair_free(Pair *p)
{
  vt_dtls_free(p->client);
  vt_dtls_free(p->server);
  vt_dtls_cert_unref(p->client_cert);
  vt_dtls_cert_unref(p->server_cert);
  wire_clear(&p->to_server);
  wire_clear(&p->to_client);
  g_free(p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Pair, pair_free)

static void assert_connected(Pair *p)
{
  g_assert_cmpstr(vt_dtls_get_failure_detail(p->client), ==, "");
  g_assert_cmpstr(vt_dtls_get_failure_detail(p->server), ==, "");
  g_assert_cmpint(vt_dtls_get_state(p->client), ==, VT_DTLS_STATE_CONNECTED);
  g_assert_cmpint(vt_dtls_get_state(p->server), ==, VT_DTLS_STATE_CONNECTED);
}

/* Both ends hold the same key material, each knowing its own side. */
static VtSrtpProfile assert_same_keys(Pair *p)
{
  VtSrtpKeys c, s;

  g_assert_true(vt_dtls_get_srtp_keys(p->client, &c));
  g_assert_true(vt_dtls_get_srtp_keys(p->server, &s));
  g_assert_true(c.local_is_client);
  g_assert_false(s.local_is_client);
  g_assert_cmpint(c.profile, ==, s.profile);
  g_assert_cmpuint(c.key_len, ==, 16);
  g_assert_cmpuint(c.salt_len, ==, c.profile == VT_SRTP_PROFILE_AEAD_AES_128_GCM ? 12 : 14);
  g_assert_cmpuint(s.key_len, ==, c.key_len);
  g_assert_cmpuint(s.salt_len, ==, c.salt_len);
  g_assert_cmpmem(c.client_key, c.key_len, s.client_key, s.key_len);
  g_assert_cmpmem(c.server_key, c.key_len, s.server_key, s.key_len);
  g_assert_cmpmem(c.client_salt, c.salt_len, s.client_salt, s.salt_len);
  g_assert_cmpmem(c.server_salt, c.salt_len, s.server_salt, s.salt_len);
  g_assert_true(memcmp(c.client_key, c.server_key, c.key_len) != 0);
  return c.profile;
}

/* ---- Certificates and fingerprints --------------------------------------- */

static void test_cert(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VtDtlsCert) a = vt_dtls_cert_new(&error);
  g_autoptr(VtDtlsCert) b = vt_dtls_cert_new(&error);
  guint8 parsed[VT_DTLS_FINGERPRINT_LEN];
  char text[VT_DTLS_FINGERPRINT_STRING_SIZE];

  g_assert_no_error(error);
  const char *fp = vt_dtls_cert_get_fingerprint_string(a);
  g_assert_cmpuint(strlen(fp), ==, 95);
  g_assert_true(g_regex_match_simple("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", fp, 0, 0));
  g_assert_true(vt_dtls_fingerprint_parse(fp, parsed));
  g_assert_cmpmem(parsed, sizeof parsed, vt_dtls_cert_get_fingerprint(a), VT_DTLS_FINGERPRINT_LEN);
  g_assert_true(memcmp(vt_dtls_cert_get_fingerprint(a), vt_dtls_cert_get_fingerprint(b),
                       VT_DTLS_FINGERPRINT_LEN) != 0);

  /* Lower case parses too; formatting gives upper case back. */
  g_autofree char *lower = g_ascii_strdown(fp, -1);
  g_assert_true(vt_dtls_fingerprint_parse(lower, parsed));
  vt_dtls_fingerprint_format(parsed, text);
  g_assert_cmpstr(text, ==, fp);

  g_autofree char *no_colon = g_strdup(fp);
  no_colon[2] = '-';
  g_autofree char *bad_hex = g_strdup(fp);
  bad_hex[94] = 'G';
  g_autofree char *longer = g_strconcat(fp, ":00", NULL);
  g_assert_false(vt_dtls_fingerprint_parse(no_colon, parsed));
  g_assert_false(vt_dtls_fingerprint_parse(bad_hex, parsed));
  g_assert_false(vt_dtls_fingerprint_parse(longer, parsed));
  g_assert_false(vt_dtls_fingerprint_parse(fp + 3, parsed));
  g_assert_false(vt_dtls_fingerprint_parse("", parsed));

  g_assert_true(vt_dtls_cert_ref(a) == a);
  vt_dtls_cert_unref(a);
}

/* ---- Handshakes ---------------------------------------------------------- */

static void test_handshake(void)
{
  g_autoptr(Pair) p = pair_new(FALSE, FALSE);
  VtSrtpKeys keys;

  g_assert_cmpint(vt_dtls_get_state(p->client), ==, VT_DTLS_STATE_NEW);
  g_assert_false(vt_dtls_get_srtp_keys(p->client, &keys));
  g_assert_cmpint(vt_dtls_get_role(p->server), ==, VT_DTLS_ROLE_SERVER);
  g_assert_cmpint(vt_dtls_start(p->client, p->now), ==, 0);
  g_assert_cmpint(vt_dtls_get_state(p->client), ==, VT_DTLS_STATE_CONNECTING);
  g_assert_cmpuint(g_queue_get_length(&p->to_server.queue), ==, 1); /* the ClientHello */
  g_assert_cmpint(vt_dtls_start(p->client, p->now), ==, -EALREADY);
  pump(p);
  assert_connected(p);
  g_assert_cmpint(assert_same_keys(p), ==, VT_SRTP_PROFILE_AEAD_AES_128_GCM);
  g_assert_cmpint(vt_dtls_get_failure(p->client), ==, VT_DTLS_FAILURE_NONE);
  /* Nothing left to retransmit once both ends are done. */
  g_assert_cmpint(vt_dtls_next_timeout(p->client, p->now), ==, G_MAXINT64);
  g_assert_cmpint(vt_dtls_next_timeout(p->server, p->now), ==, G_MAXINT64);
  g_assert_cmpint(vt_dtls_handle_timeout(p->client, p->now + 60 * G_USEC_PER_SEC), ==, 0);
  g_assert_cmpint(vt_dtls_get_state(p->client), ==, VT_DTLS_STATE_CONNECTED);
}

typedef struct {
  VtSrtpProfile client[2];
  guint n_client;
  VtSrtpProfile server[2];
  guint n_server;
  VtSrtpProfile expected; /* NONE: the handshake must fail for want of one */
} ProfileCase;

static void test_profiles(void)
{
  const VtSrtpProfile gcm = VT_SRTP_PROFILE_AEAD_AES_128_GCM;
  const VtSrtpProfile cm = VT_SRTP_PROFILE_AES128_CM_SHA1_80;
  const ProfileCase cases[] = {
      {{cm}, 1, {gcm, cm}, 2, cm},       /* a client that only knows AES-CM */
      {{gcm, cm}, 2, {gcm}, 1, gcm},     /* a server that only takes GCM */
      {{cm, gcm}, 2, {gcm, cm}, 2, gcm}, /* the server's preference wins */
      {{gcm, cm}, 2, {cm, gcm}, 2, cm},
      {{cm}, 1, {gcm}, 1, VT_SRTP_PROFILE_NONE}, /* nothing in common */
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(Pair) p = pair_new(FALSE, FALSE);
    g_assert_true(vt_dtls_set_srtp_profiles(p->client, cases[i].client, cases[i].n_client));
    g_assert_true(vt_dtls_set_srtp_profiles(p->server, cases[i].server, cases[i].n_server));
    vt_dtls_start(p->client, p->now);
    pump(p);
    if (cases[i].expected == VT_SRTP_PROFILE_NONE) {
      g_assert_cmpint(vt_dtls_get_state(p->client), ==, VT_DTLS_STATE_FAILED);
      g_assert_cmpint(vt_dtls_get_state(p->server), ==, VT_DTLS_STATE_FAILED);
      g_assert_cmpint(vt_dtls_get_failure(p->client), ==, VT_DTLS_FAILURE_NO_SRTP);
      continue;
    }
    assert_connected(p);
    g_assert_cmpint(assert_same_keys(p), ==, cases[i].expected);
  }

  /* Bad lists are refused. */
  g_autoptr(Pair) p = pair_new(FALSE, FALSE);
  const VtSrtpProfile twice[] = {gcm, gcm}, unknown[] = {(VtSrtpProfile)2};
  g_assert_false(vt_dtls_set_srtp_profiles(p->client, twice, 2));
  g_assert_false(vt_dtls_set_srtp_profiles(p->client, unknown, 1));
  g_assert_false(vt_dtls_set_srtp_profiles(p->client, twice, 0));
}

static void test_fingerprint_mismatch(void)
{
  /* The server does not accept the client's certificate. */
  g_autoptr(Pair) p = pair_new(FALSE, TRUE);
  vt_dtls_start(p->client, p->now);
  pump(p);
  g_assert_cmpint(vt_dtls_get_state(p->server), ==, VT_DTLS_STATE_FAILED);
  g_assert_cmpint(vt_dtls_get_failure(p->server), ==, VT_DTLS_FAILURE_FINGERPRINT);
  g_assert_cmpstr(vt_dtls_get_failure_detail(p->server), !=, "");
  /* The client hears a fatal alert. */
  g_assert_cmpint(vt_dtls_get_state(p->client), ==, VT_DTLS_STATE_FAILED);
  g_assert_cmpint(vt_dtls_get_failure(p->client), ==, VT_DTLS_FAILURE_HANDSHAKE);

  /* The client does not accept the server's certificate. */
  g_autoptr(Pair) q = pair_new(TRUE, FALSE);
  vt_dtls_start(q->client, q->now);
  pump(q);
  g_assert_cmpint(vt_dtls_get_state(q->client), ==, VT_DTLS_STATE_FAILED);
  g_assert_cmpint(vt_dtls_get_failure(q->client), ==, VT_DTLS_FAILURE_FINGERPRINT);
  g_assert_cmpint(vt_dtls_get_state(q->server), ==, VT_DTLS_STATE_FAILED);
  VtSrtpKeys keys;
  g_assert_false(vt_dtls_get_srtp_keys(q->client, &keys));
  g_assert_false(vt_dtls_get_srtp_keys(q->server, &keys));
  g_assert_cmpint(vt_dtls_receive(q->client, (const uint8_t *)"\x16", 1, q->now), ==, -ENOTCONN);
}

/* Tests that lose packets use a short first retransmission wait, long enough
 * that OpenSSL (which takes a timer with under 15 ms left as expired) does
 * not retransmit on its own in the middle of a call on a loaded machine. */
#define TEST_RTO_US (60 * MS)

/* Waits, in real time, for OpenSSL's retransmission timer of `dtls` (which
 * runs on its own clock) and fires it. */
static void wait_and_retransmit(Pair *p, VtDtls *dtls)
{
  gint64 next = vt_dtls_next_timeout(dtls, p->now);
  g_assert_cmpint(next, >=, p->now);
  g_assert_cmpint(next, <=, p->now + TEST_RTO_US);
  g_usleep(next - p->now + 5 * MS);
  p->now = next + 5 * MS;
  g_assert_cmpint(vt_dtls_handle_timeout(dtls, p->now), ==, 0);
}

static void test_lost_first_flight(void)
{
  g_autoptr(Pair) p = pair_new(FALSE, FALSE);
  vt_dtls_set_retransmit_timeout(p->client, TEST_RTO_US);
  vt_dtls_set_retransmit_timeout(p->server, TEST_RTO_US);

  p->to_server.drop_all = TRUE; /* the ClientHello */
  vt_dtls_start(p->client, p->now);
  pump(p);
  guint first = p->to_server.sent;
  g_assert_cmpuint(first, >=, 1);
  g_assert_cmpint(vt_dtls_get_state(p->server), ==, VT_DTLS_STATE_NEW);
  p->to_server.drop_all = FALSE;
  wait_and_retransmit(p, p->client);
  g_assert_cmpuint(p->to_server.sent, >, first);

  /* Lose the server's whole first flight as well: the server's own timer
   * sends it again (a repeated ClientHello does not). */
  p->to_client.drop_all = TRUE;
  pump(p);
  guint server_flight = p->to_client.sent;
  g_assert_cmpuint(server_flight, >, 0);
  g_assert_cmpint(vt_dtls_get_state(p->server), ==, VT_DTLS_STATE_CONNECTING);
  p->to_client.drop_all = FALSE;
  wait_and_retransmit(p, p->server);
  g_assert_cmpuint(p->to_client.sent, >, server_flight);
  pump(p);
  assert_connected(p);
  assert_same_keys(p);
}

/* Runs a handshake until the server is done, losing the server's last
 * flight on the way: the client is left waiting for it. */
static void lose_server_last_flight(Pair *p)
{
  vt_dtls_set_retransmit_timeout(p->client, TEST_RTO_US);
  vt_dtls_start(p->client, p->now);
  g_assert_true(deliver_one(&p->to_server, p->server, p->now)); /* ClientHello */
  while (deliver_one(&p->to_client, p->client, p->now))         /* the server's flight */
    ;
  p->to_client.drop_all = TRUE;
  while (deliver_one(&p->to_server, p->server, p->now)) /* the client's flight */
    ;
  p->to_client.drop_all = FALSE;
  g_assert_cmpint(vt_dtls_get_state(p->server), ==, VT_DTLS_STATE_CONNECTED);
  g_assert_cmpint(vt_dtls_get_state(p->client), ==, VT_DTLS_STATE_CONNECTING);
}

/* The server's last flight (ChangeCipherSpec, Finished) is lost after the
 * server is done: the client's timer repeats its own flight, and the
 * connected server answers it by sending its last flight again. */
static void test_lost_last_flight(void)
{
  g_autoptr(Pair) p = pair_new(FALSE, FALSE);
  lose_server_last_flight(p);
  guint last_flight = p->to_client.sent;

  wait_and_retransmit(p, p->client);
  pump(p);
  g_assert_cmpuint(p->to_client.sent, >, last_flight);
  assert_connected(p);
  assert_same_keys(p);
}

static void test_garbage(void)
{
  g_autoptr(Pair) p = pair_new(FALSE, FALSE);
  uint8_t junk[300];

  for (guint i = 0; i < sizeof junk; i++)
    junk[i] = (uint8_t)(i * 151 + 7);

  /* Not DTLS at all (an RTP packet, STUN, nothing). */
  junk[0] = 0x80;
  g_assert_cmpint(vt_dtls_receive(p->server, junk, sizeof junk, p->now), ==, -EINVAL);
  junk[0] = 0x00;
  g_assert_cmpint(vt_dtls_receive(p->server, junk, sizeof junk, p->now), ==, -EINVAL);
  g_assert_cmpint(vt_dtls_receive(p->server, junk, 0, p->now), ==, -EINVAL);
  g_assert_cmpint(vt_dtls_get_state(p->server), ==, VT_DTLS_STATE_NEW);
  /* A client that has not started takes nothing. */
  junk[0] = 0x16;
  g_assert_cmpint(vt_dtls_receive(p->client, junk, sizeof junk, p->now), ==, -ENOTCONN);

  /* DTLS-looking junk is discarded: records of every content type, a
   * handshake record with a bogus version, a truncated one. */
  for (uint8_t type = 20; type <= 63; type++) {
    junk[0] = type;
    g_assert_cmpint(vt_dtls_receive(p->server, junk, sizeof junk, p->now), ==, 0);
  }
  const uint8_t short_record[] = {0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x01};
  g_assert_cmpint(vt_dtls_receive(p->server, short_record, sizeof short_record, p->now), ==, 0);
  g_assert_cmpint(vt_dtls_get_state(p->server), ==, VT_DTLS_STATE_CONNECTING);

  /* The real handshake still works, with junk thrown in on the way. */
  vt_dtls_start(p->client, p->now);
  junk[0] = 0x16;
  g_assert_cmpint(vt_dtls_receive(p->client, junk, sizeof junk, p->now), ==, 0);
  pump(p);
  assert_connected(p);
  junk[0] = 0x17; /* application data of a wrong epoch */
  g_assert_cmpint(vt_dtls_receive(p->client, junk, sizeof junk, p->now), ==, 0);
  g_assert_cmpint(vt_dtls_receive(p->server, junk, 1, p->now), ==, 0);
  assert_connected(p);
}

static void test_timeout(void)
{
  g_autoptr(Pair) p = pair_new(FALSE, FALSE);
  vt_dtls_set_handshake_timeout(p->client, 10 * G_USEC_PER_SEC);

  g_assert_cmpint(vt_dtls_next_timeout(p->client, p->now), ==, G_MAXINT64);
  p->to_server.drop_all = TRUE; /* nobody at the other end */
  vt_dtls_start(p->client, p->now);
  gint64 next = vt_dtls_next_timeout(p->client, p->now);
  g_assert_cmpint(next, >, p->now);
  g_assert_cmpint(next, <=, p->now + VT_DTLS_DEFAULT_RETRANSMIT_US);
  g_assert_cmpint(vt_dtls_handle_timeout(p->client, p->now + 9 * G_USEC_PER_SEC), ==, 0);
  g_assert_cmpint(vt_dtls_get_state(p->client), ==, VT_DTLS_STATE_CONNECTING);
  /* The time limit caps the wait even far from any retransmission. */
  g_assert_cmpint(vt_dtls_next_timeout(p->client, p->now + 9999 * MS), <=,
                  p->now + 10 * G_USEC_PER_SEC);
  g_assert_cmpint(vt_dtls_handle_timeout(p->client, p->now + 10 * G_USEC_PER_SEC), ==, -ETIMEDOUT);
  g_assert_cmpint(vt_dtls_get_state(p->client), ==, VT_DTLS_STATE_FAILED);
  g_assert_cmpint(vt_dtls_get_failure(p->client), ==, VT_DTLS_FAILURE_TIMEOUT);
  g_assert_cmpstr(vt_dtls_failure_to_string(VT_DTLS_FAILURE_TIMEOUT), ==, "timeout");
  g_assert_cmpint(vt_dtls_next_timeout(p->client, p->now), ==, G_MAXINT64);

  /* A server whose client never shows up times out too, by the default. */
  g_assert_cmpint(vt_dtls_start(p->server, p->now), ==, 0);
  g_assert_cmpint(vt_dtls_next_timeout(p->server, p->now), ==,
                  p->now + VT_DTLS_DEFAULT_HANDSHAKE_TIMEOUT_US);
  g_assert_cmpint(vt_dtls_handle_timeout(p->server, p->now + VT_DTLS_DEFAULT_HANDSHAKE_TIMEOUT_US),
                  ==, -ETIMEDOUT);
  g_assert_cmpint(vt_dtls_get_failure(p->server), ==, VT_DTLS_FAILURE_TIMEOUT);
}

static void test_close(void)
{
  g_autoptr(Pair) p = pair_new(FALSE, FALSE);
  VtSrtpKeys keys;

  vt_dtls_start(p->client, p->now);
  pump(p);
  assert_connected(p);
  vt_dtls_close(p->client);
  g_assert_cmpint(vt_dtls_get_state(p->client), ==, VT_DTLS_STATE_CLOSED);
  g_assert_false(vt_dtls_get_srtp_keys(p->client, &keys));
  g_assert_cmpuint(g_queue_get_length(&p->to_server.queue), ==, 1); /* close_notify */
  pump(p);
  g_assert_cmpint(vt_dtls_get_state(p->server), ==, VT_DTLS_STATE_CLOSED);
  g_assert_cmpint(vt_dtls_get_failure(p->server), ==, VT_DTLS_FAILURE_NONE);
  g_assert_false(vt_dtls_get_srtp_keys(p->server, &keys));
  vt_dtls_close(p->server); /* already closed: nothing */
  g_assert_cmpint(vt_dtls_get_state(p->server), ==, VT_DTLS_STATE_CLOSED);

  /* Closing before the handshake finished sends nothing. */
  g_autoptr(Pair) q = pair_new(FALSE, FALSE);
  vt_dtls_start(q->client, q->now);
  guint sent = q->to_server.sent;
  vt_dtls_close(q->client);
  g_assert_cmpuint(q->to_server.sent, ==, sent);
  g_assert_cmpint(vt_dtls_get_state(q->client), ==, VT_DTLS_STATE_CLOSED);
  g_assert_cmpint(vt_dtls_start(q->client, q->now), ==, -EALREADY);
  g_assert_cmpstr(vt_dtls_state_to_string(VT_DTLS_STATE_CLOSED), ==, "closed");
}

/* A retired end keeps its place: CONNECTED, deaf to DTLS, silent but for
 * the close_notify it made while OpenSSL was there, which the peer accepts. */
static void test_retire(void)
{
  g_autoptr(Pair) p = pair_new(FALSE, FALSE);
  VtSrtpKeys keys;

  g_assert_cmpint(vt_dtls_retire(p->server, FALSE), ==, -ENOTCONN); /* not connected yet */
  vt_dtls_start(p->client, p->now);
  pump(p);
  assert_connected(p);
  guint sent = p->to_client.sent;
  g_assert_cmpint(vt_dtls_retire(p->server, FALSE), ==, 0);
  g_assert_cmpint(vt_dtls_retire(p->server, TRUE), ==, 0);
  g_assert_cmpuint(p->to_client.sent, ==, sent); /* nothing goes out yet */
  g_assert_cmpint(vt_dtls_get_state(p->server), ==, VT_DTLS_STATE_CONNECTED);
  g_assert_false(vt_dtls_get_srtp_keys(p->server, &keys));
  g_assert_cmpint(vt_dtls_next_timeout(p->server, p->now), ==, G_MAXINT64);
  g_assert_cmpint(vt_dtls_handle_timeout(p->server, p->now + G_USEC_PER_SEC), ==, 0);

  /* What the peer sends is not read: even its close_notify. */
  g_autoptr(Pair) q = pair_new(FALSE, FALSE);
  vt_dtls_start(q->client, q->now);
  pump(q);
  assert_connected(q);
  g_assert_cmpint(vt_dtls_retire(q->server, TRUE), ==, 0);
  vt_dtls_close(q->client);
  g_autoptr(GBytes) close_notify = g_queue_pop_head(&q->to_server.queue);
  gsize len;
  const uint8_t *data = g_bytes_get_data(close_notify, &len);
  g_assert_cmpint(vt_dtls_receive(q->server, data, len, q->now), ==, -ESHUTDOWN);
  g_assert_cmpint(vt_dtls_get_state(q->server), ==, VT_DTLS_STATE_CONNECTED);

  /* The close_notify made at retirement is one the peer authenticates. */
  vt_dtls_close(p->server);
  g_assert_cmpint(vt_dtls_get_state(p->server), ==, VT_DTLS_STATE_CLOSED);
  g_assert_cmpuint(p->to_client.sent, ==, sent + 1);
  pump(p);
  g_assert_cmpint(vt_dtls_get_state(p->client), ==, VT_DTLS_STATE_CLOSED);
  g_assert_cmpint(vt_dtls_get_failure(p->client), ==, VT_DTLS_FAILURE_NONE);
  vt_dtls_close(p->server); /* already closed: nothing more */
  g_assert_cmpuint(p->to_client.sent, ==, sent + 1);
}

/* A server retired the moment it connected still answers a client whose
 * copy of the server's last flight was lost, once per retransmission, with
 * the same records; a client retires at once and a server that knows its
 * peer finished keeps nothing to repeat. */
static void test_retire_early(void)
{
  g_autoptr(Pair) p = pair_new(FALSE, FALSE);
  VtSrtpKeys server_keys, client_keys;
  lose_server_last_flight(p);
  g_assert_true(vt_dtls_get_srtp_keys(p->server, &server_keys));
  g_assert_cmpint(vt_dtls_retire(p->server, FALSE), ==, 0);
  guint sent = p->to_client.sent;

  /* The client's retransmission gets the last flight again, and only that. */
  wait_and_retransmit(p, p->client);
  pump(p);
  g_assert_cmpuint(p->to_client.sent, ==, sent + 1);
  g_assert_cmpint(vt_dtls_get_state(p->client), ==, VT_DTLS_STATE_CONNECTED);
  g_assert_true(vt_dtls_get_srtp_keys(p->client, &client_keys));
  g_assert_cmpmem(client_keys.server_key, client_keys.key_len, server_keys.server_key,
                  server_keys.key_len);
  g_assert_cmpmem(client_keys.client_salt, client_keys.salt_len, server_keys.client_salt,
                  server_keys.salt_len);

  /* The close_notify made at retirement still follows the repeated flight. */
  vt_dtls_close(p->server);
  pump(p);
  g_assert_cmpint(vt_dtls_get_state(p->client), ==, VT_DTLS_STATE_CLOSED);
  g_assert_cmpint(vt_dtls_get_failure(p->client), ==, VT_DTLS_FAILURE_NONE);

  /* Knowing the peer finished, a server keeps no flight: even a Finished is
   * ignored like any other record. */
  g_autoptr(Pair) q = pair_new(FALSE, FALSE);
  vt_dtls_start(q->client, q->now);
  pump(q);
  assert_connected(q);
  g_assert_cmpint(vt_dtls_retire(q->server, TRUE), ==, 0);
  g_assert_cmpint(vt_dtls_retire(q->client, FALSE), ==, 0);
  const uint8_t finished[] = {22, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 0};
  sent = q->to_client.sent;
  g_assert_cmpint(vt_dtls_receive(q->server, finished, sizeof finished, q->now), ==, -ESHUTDOWN);
  g_assert_cmpuint(q->to_client.sent, ==, sent);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/relay/dtls/cert", test_cert);
  g_test_add_func("/relay/dtls/handshake", test_handshake);
  g_test_add_func("/relay/dtls/profiles", test_profiles);
  g_test_add_func("/relay/dtls/fingerprint-mismatch", test_fingerprint_mismatch);
  g_test_add_func("/relay/dtls/lost-first-flight", test_lost_first_flight);
  g_test_add_func("/relay/dtls/lost-last-flight", test_lost_last_flight);
  g_test_add_func("/relay/dtls/garbage", test_garbage);
  g_test_add_func("/relay/dtls/timeout", test_timeout);
  g_test_add_func("/relay/dtls/close", test_close);
  g_test_add_func("/relay/dtls/retire", test_retire);
  g_test_add_func("/relay/dtls/retire-early", test_retire_early);
  return g_test_run();
}
