/* SRTP and SRTCP sessions: round trips with fixed keys and with keys from a
 * real DTLS handshake between two VtDtls, and the ways a packet is refused. */
#include <errno.h>
#include <string.h>

#include "relay/dtls.h"
#include "relay/srtp.h"

#define BUF_SIZE 1500
#define RTP_HEADER 12

static const VtSrtpProfile profiles[] = {
    VT_SRTP_PROFILE_AEAD_AES_128_GCM,
    VT_SRTP_PROFILE_AES128_CM_SHA1_80,
};

/* ---- Packets and keys ---------------------------------------------------- */

/* Writes an RTP packet (PT 96) with a payload of `payload_len` bytes that
 * depend on seq; returns its length. */
static size_t make_rtp(uint8_t *buf, guint32 ssrc, guint16 seq, size_t payload_len)
{
  guint32 ts = 90000u + seq * 3000u;

  buf[0] = 0x80;
  buf[1] = 96;
  buf[2] = seq >> 8;
  buf[3] = seq & 0xff;
  for (int i = 0; i < 4; i++) {
    buf[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
    buf[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
  }
  for (size_t i = 0; i < payload_len; i++)
    buf[RTP_HEADER + i] = (uint8_t)(seq + i * 7);
  return RTP_HEADER + payload_len;
}

/* Writes an RTCP receiver report with one report block; returns its length. */
static size_t make_rtcp(uint8_t *buf, guint32 ssrc, guint8 fill)
{
  memset(buf, fill, 32);
  buf[0] = 0x81; /* V=2, one report block */
  buf[1] = 201;
  buf[2] = 0;
  buf[3] = 7; /* 32 bytes */
  for (int i = 0; i < 4; i++)
    buf[4 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
  return 32;
}

/* Keys from fixed bytes, as if this end were the client (or not). */
static void fixed_keys(VtSrtpKeys *keys, VtSrtpProfile profile, gboolean local_is_client,
                       guint8 seed)
{
  memset(keys, 0, sizeof *keys);
  keys->profile = profile;
  g_assert_true(vt_srtp_profile_get_lengths(profile, &keys->key_len, &keys->salt_len));
  for (guint i = 0; i < VT_SRTP_MAX_KEY_LEN; i++) {
    keys->client_key[i] = (guint8)(seed + i);
    keys->server_key[i] = (guint8)(seed + 0x40 + i);
  }
  for (guint i = 0; i < VT_SRTP_MAX_SALT_LEN; i++) {
    keys->client_salt[i] = (guint8)(seed + 0x80 + i);
    keys->server_salt[i] = (guint8)(seed + 0xc0 + i);
  }
  keys->local_is_client = local_is_client;
}

static VtSrtpSession *session_new(const VtSrtpKeys *keys, VtSrtpDirection direction)
{
  g_autoptr(GError) error = NULL;
  VtSrtpSession *s = vt_srtp_session_new(keys, direction, &error);
  g_assert_no_error(error);
  g_assert_nonnull(s);
  return s;
}

/* ---- A DTLS handshake in memory ------------------------------------------ */

static void queue_send(const uint8_t *buf, size_t len, gpointer user_data)
{
  g_queue_push_tail(user_data, g_bytes_new(buf, len));
}

static gboolean deliver(GQueue *queue, VtDtls *to)
{
  g_autoptr(GBytes) bytes = g_queue_pop_head(queue);
  gsize len;

  if (bytes == NULL)
    return FALSE;
  const uint8_t *data = g_bytes_get_data(bytes, &len);
  g_assert_cmpint(vt_dtls_receive(to, data, len, 0), ==, 0);
  return TRUE;
}

/* Runs a handshake in which the server allows only `profile` and returns
 * both ends' keys. */
static void handshake_keys(VtSrtpProfile profile, VtSrtpKeys *client_keys, VtSrtpKeys *server_keys)
{
  g_autoptr(VtDtlsCert) cc = vt_dtls_cert_new(NULL);
  g_autoptr(VtDtlsCert) sc = vt_dtls_cert_new(NULL);
  GQueue to_server = G_QUEUE_INIT, to_client = G_QUEUE_INIT;
  g_autoptr(VtDtls) client = vt_dtls_new(cc, VT_DTLS_ROLE_CLIENT, vt_dtls_cert_get_fingerprint(sc),
                                         queue_send, &to_server);
  g_autoptr(VtDtls) server = vt_dtls_new(sc, VT_DTLS_ROLE_SERVER, vt_dtls_cert_get_fingerprint(cc),
                                         queue_send, &to_client);

  g_assert_true(vt_dtls_set_srtp_profiles(server, &profile, 1));
  g_assert_cmpint(vt_dtls_start(client, 0), ==, 0);
  while (deliver(&to_server, server) | deliver(&to_client, client))
    ;
  g_assert_true(vt_dtls_get_srtp_keys(client, client_keys));
  g_assert_true(vt_dtls_get_srtp_keys(server, server_keys));
  g_assert_cmpint(client_keys->profile, ==, profile);
}

/* ---- Round trips --------------------------------------------------------- */

/* Sends a few RTP and RTCP packets of two SSRCs from `out` to `in` and checks
 * that they arrive intact and that protection changed them. */
static void round_trip(VtSrtpSession *out, VtSrtpSession *in)
{
  uint8_t clear[BUF_SIZE], buf[BUF_SIZE];
  size_t rtp_over = vt_srtp_session_get_overhead(out, FALSE);
  size_t rtcp_over = vt_srtp_session_get_overhead(out, TRUE);

  for (guint16 seq = 65530; seq != 10; seq++) { /* across the wrap */
    guint32 ssrc = seq & 1 ? 0x11223344 : 0xcafe0001;
    size_t clear_len = make_rtp(clear, ssrc, seq, 100 + seq % 1000);
    size_t len = clear_len;
    memcpy(buf, clear, len);
    g_assert_cmpint(vt_srtp_protect_rtp(out, buf, &len, sizeof buf), ==, 0);
    g_assert_cmpuint(len, ==, clear_len + rtp_over);
    g_assert_cmpmem(buf, RTP_HEADER, clear, RTP_HEADER); /* the header stays clear */
    g_assert_true(memcmp(buf + RTP_HEADER, clear + RTP_HEADER, clear_len - RTP_HEADER) != 0);
    g_assert_cmpint(vt_srtp_unprotect_rtp(in, buf, &len), ==, 0);
    g_assert_cmpmem(buf, len, clear, clear_len);

    clear_len = make_rtcp(clear, ssrc, (guint8)seq);
    len = clear_len;
    memcpy(buf, clear, len);
    g_assert_cmpint(vt_srtp_protect_rtcp(out, buf, &len, sizeof buf), ==, 0);
    g_assert_cmpuint(len, ==, clear_len + rtcp_over);
    g_assert_true(memcmp(buf + 8, clear + 8, clear_len - 8) != 0);
    g_assert_cmpint(vt_srtp_unprotect_rtcp(in, buf, &len), ==, 0);
    g_assert_cmpmem(buf, len, clear, clear_len);
  }
}

static void test_fixed_keys(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(profiles); i++) {
    VtSrtpKeys client, server;
    fixed_keys(&client, profiles[i], TRUE, 0x10);
    fixed_keys(&server, profiles[i], FALSE, 0x10);
    g_autoptr(VtSrtpSession) c_out = session_new(&client, VT_SRTP_OUTBOUND);
    g_autoptr(VtSrtpSession) c_in = session_new(&client, VT_SRTP_INBOUND);
    g_autoptr(VtSrtpSession) s_out = session_new(&server, VT_SRTP_OUTBOUND);
    g_autoptr(VtSrtpSession) s_in = session_new(&server, VT_SRTP_INBOUND);
    gboolean gcm = profiles[i] == VT_SRTP_PROFILE_AEAD_AES_128_GCM;

    g_assert_cmpint(vt_srtp_session_get_profile(c_out), ==, profiles[i]);
    g_assert_cmpint(vt_srtp_session_get_direction(c_in), ==, VT_SRTP_INBOUND);
    g_assert_cmpuint(vt_srtp_session_get_overhead(c_out, FALSE), ==, gcm ? 16 : 10);
    g_assert_cmpuint(vt_srtp_session_get_overhead(c_out, TRUE), ==, gcm ? 20 : 14);
    round_trip(c_out, s_in);
    round_trip(s_out, c_in);
  }
}

static void test_dtls_keys(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(profiles); i++) {
    VtSrtpKeys client, server;
    handshake_keys(profiles[i], &client, &server);
    g_autoptr(VtSrtpSession) c_out = session_new(&client, VT_SRTP_OUTBOUND);
    g_autoptr(VtSrtpSession) c_in = session_new(&client, VT_SRTP_INBOUND);
    g_autoptr(VtSrtpSession) s_out = session_new(&server, VT_SRTP_OUTBOUND);
    g_autoptr(VtSrtpSession) s_in = session_new(&server, VT_SRTP_INBOUND);
    round_trip(c_out, s_in);
    round_trip(s_out, c_in);
  }
}

/* ---- Refusals ------------------------------------------------------------ */

typedef struct {
  VtSrtpSession *out;
  VtSrtpSession *in;
} Link;

static void link_init(Link *link, VtSrtpProfile profile)
{
  VtSrtpKeys client, server;
  fixed_keys(&client, profile, TRUE, 0x33);
  fixed_keys(&server, profile, FALSE, 0x33);
  link->out = session_new(&client, VT_SRTP_OUTBOUND);
  link->in = session_new(&server, VT_SRTP_INBOUND);
}

static void link_clear(Link *link)
{
  g_clear_pointer(&link->out, vt_srtp_session_free);
  g_clear_pointer(&link->in, vt_srtp_session_free);
}

static size_t protected_rtp(Link *link, uint8_t *buf, guint16 seq)
{
  size_t len = make_rtp(buf, 0x5eed, seq, 200);
  g_assert_cmpint(vt_srtp_protect_rtp(link->out, buf, &len, BUF_SIZE), ==, 0);
  return len;
}

static size_t protected_rtcp(Link *link, uint8_t *buf)
{
  size_t len = make_rtcp(buf, 0x5eed, 0xab);
  g_assert_cmpint(vt_srtp_protect_rtcp(link->out, buf, &len, BUF_SIZE), ==, 0);
  return len;
}

/* Flips one bit at each of a few offsets of a protected packet: header,
 * payload and tag must all be covered by authentication. */
static void test_tampered(void)
{
  uint8_t buf[BUF_SIZE];

  for (guint i = 0; i < G_N_ELEMENTS(profiles); i++) {
    Link link;
    link_init(&link, profiles[i]);
    guint16 seq = 100;
    size_t len = protected_rtp(&link, buf, seq);
    const size_t rtp_offsets[] = {1, 3, 5, 11, RTP_HEADER, len / 2, len - 1};
    for (guint j = 0; j < G_N_ELEMENTS(rtp_offsets); j++) {
      size_t n = protected_rtp(&link, buf, ++seq);
      buf[rtp_offsets[j]] ^= 0x04;
      g_assert_cmpint(vt_srtp_unprotect_rtp(link.in, buf, &n), ==, -EBADMSG);
    }
    /* The untouched packet still passes after all those failures. */
    len = protected_rtp(&link, buf, ++seq);
    g_assert_cmpint(vt_srtp_unprotect_rtp(link.in, buf, &len), ==, 0);

    const size_t rtcp_offsets[] = {1, 6, 9, 31, 33, 40};
    for (guint j = 0; j < G_N_ELEMENTS(rtcp_offsets); j++) {
      size_t n = protected_rtcp(&link, buf);
      buf[rtcp_offsets[j]] ^= 0x10;
      g_assert_cmpint(vt_srtp_unprotect_rtcp(link.in, buf, &n), ==, -EBADMSG);
    }
    link_clear(&link);
  }
}

static void test_replay(void)
{
  uint8_t buf[BUF_SIZE], copy[BUF_SIZE], old[BUF_SIZE];

  for (guint i = 0; i < G_N_ELEMENTS(profiles); i++) {
    Link link;
    link_init(&link, profiles[i]);

    size_t old_len = protected_rtp(&link, old, 999); /* held back until too old */
    size_t len = protected_rtp(&link, buf, 1000);
    size_t copy_len = len;
    memcpy(copy, buf, len);
    g_assert_cmpint(vt_srtp_unprotect_rtp(link.in, buf, &len), ==, 0);
    g_assert_cmpint(vt_srtp_unprotect_rtp(link.in, copy, &copy_len), ==, -EALREADY);

    /* Late packets within the window pass once; older ones are refused. */
    size_t late_len = protected_rtp(&link, copy, 1001); /* arrives last */
    for (guint seq = 1002; seq <= 999 + VT_SRTP_REPLAY_WINDOW; seq++) {
      len = protected_rtp(&link, buf, (guint16)seq);
      g_assert_cmpint(vt_srtp_unprotect_rtp(link.in, buf, &len), ==, 0);
    }
    g_assert_cmpint(vt_srtp_unprotect_rtp(link.in, copy, &late_len), ==, 0);
    len = protected_rtp(&link, buf, 1000 + VT_SRTP_REPLAY_WINDOW);
    g_assert_cmpint(vt_srtp_unprotect_rtp(link.in, buf, &len), ==, 0);
    g_assert_cmpint(vt_srtp_unprotect_rtp(link.in, old, &old_len), ==, -EALREADY);
    /* The sender will not protect that far back either. */
    len = make_rtp(buf, 0x5eed, 999, 200);
    g_assert_cmpint(vt_srtp_protect_rtp(link.out, buf, &len, sizeof buf), ==, -EALREADY);

    len = protected_rtcp(&link, buf);
    copy_len = len;
    memcpy(copy, buf, len);
    g_assert_cmpint(vt_srtp_unprotect_rtcp(link.in, buf, &len), ==, 0);
    g_assert_cmpint(vt_srtp_unprotect_rtcp(link.in, copy, &copy_len), ==, -EALREADY);
    link_clear(&link);
  }
}

/* A sender may protect the same packet again (a NACK answered from the
 * cache): the result is the same bytes. */
static void test_resend(void)
{
  uint8_t a[BUF_SIZE], b[BUF_SIZE];

  for (guint i = 0; i < G_N_ELEMENTS(profiles); i++) {
    Link link;
    link_init(&link, profiles[i]);
    size_t a_len = protected_rtp(&link, a, 7);
    protected_rtp(&link, b, 8);
    size_t b_len = protected_rtp(&link, b, 7);
    g_assert_cmpmem(a, a_len, b, b_len);
    g_assert_cmpint(vt_srtp_unprotect_rtp(link.in, b, &b_len), ==, 0);
    link_clear(&link);
  }
}

static void test_wrong_key(void)
{
  uint8_t buf[BUF_SIZE];

  for (guint i = 0; i < G_N_ELEMENTS(profiles); i++) {
    VtSrtpKeys client, other, same_side;
    fixed_keys(&client, profiles[i], TRUE, 0x01);
    fixed_keys(&other, profiles[i], FALSE, 0x02);    /* different keys */
    fixed_keys(&same_side, profiles[i], TRUE, 0x01); /* right keys, wrong side */
    g_autoptr(VtSrtpSession) out = session_new(&client, VT_SRTP_OUTBOUND);
    g_autoptr(VtSrtpSession) in_other = session_new(&other, VT_SRTP_INBOUND);
    g_autoptr(VtSrtpSession) in_same = session_new(&same_side, VT_SRTP_INBOUND);

    size_t len = make_rtp(buf, 1, 1, 50);
    g_assert_cmpint(vt_srtp_protect_rtp(out, buf, &len, sizeof buf), ==, 0);
    size_t n = len;
    g_assert_cmpint(vt_srtp_unprotect_rtp(in_other, buf, &n), ==, -EBADMSG);
    n = len;
    g_assert_cmpint(vt_srtp_unprotect_rtp(in_same, buf, &n), ==, -EBADMSG);

    len = make_rtcp(buf, 1, 0);
    g_assert_cmpint(vt_srtp_protect_rtcp(out, buf, &len, sizeof buf), ==, 0);
    g_assert_cmpint(vt_srtp_unprotect_rtcp(in_other, buf, &len), ==, -EBADMSG);
  }
}

static void test_bad_sizes(void)
{
  uint8_t buf[BUF_SIZE];

  for (guint i = 0; i < G_N_ELEMENTS(profiles); i++) {
    Link link;
    link_init(&link, profiles[i]);
    size_t over = vt_srtp_session_get_overhead(link.out, FALSE);
    size_t rtcp_over = vt_srtp_session_get_overhead(link.out, TRUE);

    /* No room for the tag. */
    size_t len = make_rtp(buf, 9, 1, 100);
    g_assert_cmpint(vt_srtp_protect_rtp(link.out, buf, &len, len + over - 1), ==, -ENOBUFS);
    g_assert_cmpuint(len, ==, RTP_HEADER + 100);
    g_assert_cmpint(vt_srtp_protect_rtp(link.out, buf, &len, len), ==, -ENOBUFS);
    g_assert_cmpint(vt_srtp_protect_rtp(link.out, buf, &len, len - 1), ==, -ENOBUFS);
    g_assert_cmpint(vt_srtp_protect_rtp(link.out, buf, &len, len + over), ==, 0);
    len = make_rtcp(buf, 9, 0);
    g_assert_cmpint(vt_srtp_protect_rtcp(link.out, buf, &len, len + rtcp_over - 1), ==, -ENOBUFS);
    g_assert_cmpint(vt_srtp_protect_rtcp(link.out, buf, &len, len + rtcp_over), ==, 0);

    /* Too short to be a packet at all. */
    len = 11;
    g_assert_cmpint(vt_srtp_protect_rtp(link.out, buf, &len, sizeof buf), ==, -EINVAL);
    len = 7;
    g_assert_cmpint(vt_srtp_protect_rtcp(link.out, buf, &len, sizeof buf), ==, -EINVAL);
    len = RTP_HEADER + over - 1;
    g_assert_cmpint(vt_srtp_unprotect_rtp(link.in, buf, &len), ==, -EINVAL);
    len = 8 + rtcp_over - 1;
    g_assert_cmpint(vt_srtp_unprotect_rtcp(link.in, buf, &len), ==, -EINVAL);
    /* A header whose CSRC count runs past the end. */
    len = make_rtp(buf, 9, 2, 20);
    buf[0] = 0x8f;
    g_assert_cmpint(vt_srtp_protect_rtp(link.out, buf, &len, sizeof buf), ==, -EINVAL);
    link_clear(&link);
  }
}

static void test_sessions(void)
{
  g_autoptr(GError) error = NULL;
  VtSrtpKeys keys;
  uint8_t buf[BUF_SIZE];

  g_assert_true(vt_srtp_init(&error));
  g_assert_true(vt_srtp_init(&error));
  g_assert_no_error(error);

  fixed_keys(&keys, VT_SRTP_PROFILE_AEAD_AES_128_GCM, TRUE, 0);
  keys.salt_len = 14; /* AES-CM's salt with GCM */
  g_assert_null(vt_srtp_session_new(&keys, VT_SRTP_OUTBOUND, &error));
  g_assert_error(error, VT_SRTP_ERROR, VT_SRTP_ERROR_PROFILE);
  g_clear_error(&error);
  keys.profile = VT_SRTP_PROFILE_NONE;
  g_assert_null(vt_srtp_session_new(&keys, VT_SRTP_INBOUND, &error));
  g_assert_error(error, VT_SRTP_ERROR, VT_SRTP_ERROR_PROFILE);
  g_assert_cmpstr(vt_srtp_profile_to_string(VT_SRTP_PROFILE_AEAD_AES_128_GCM), ==,
                  "SRTP_AEAD_AES_128_GCM");

  /* Streams come and go. */
  Link link;
  link_init(&link, VT_SRTP_PROFILE_AES128_CM_SHA1_80);
  size_t len = protected_rtp(&link, buf, 1);
  g_assert_cmpint(vt_srtp_unprotect_rtp(link.in, buf, &len), ==, 0);
  g_assert_cmpint(vt_srtp_session_remove_ssrc(link.in, 0x5eed), ==, 0);
  g_assert_cmpint(vt_srtp_session_remove_ssrc(link.in, 0x5eed), ==, -ENOENT);
  g_assert_cmpint(vt_srtp_session_remove_ssrc(link.out, 0x1234), ==, -ENOENT);
  len = protected_rtp(&link, buf, 2);
  g_assert_cmpint(vt_srtp_unprotect_rtp(link.in, buf, &len), ==, 0);
  link_clear(&link);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/relay/srtp/fixed-keys", test_fixed_keys);
  g_test_add_func("/relay/srtp/dtls-keys", test_dtls_keys);
  g_test_add_func("/relay/srtp/tampered", test_tampered);
  g_test_add_func("/relay/srtp/replay", test_replay);
  g_test_add_func("/relay/srtp/resend", test_resend);
  g_test_add_func("/relay/srtp/wrong-key", test_wrong_key);
  g_test_add_func("/relay/srtp/bad-sizes", test_bad_sizes);
  g_test_add_func("/relay/srtp/sessions", test_sessions);
  return g_test_run();
}
