/* SRTP and SRTCP sessions over libsrtp2. See srtp.h for the contracts.
 *
 * libsrtp wants the master key and the master salt as one buffer, key first;
 * a session is one srtp_t holding a single wildcard policy, from which
 * libsrtp clones a stream context per SSRC. The packet functions only check
 * lengths, call libsrtp in place and map its status to an errno. */
#include "relay/srtp.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <srtp2/srtp.h>

#define RTP_MIN_HEADER 12
#define RTCP_MIN_HEADER 8
#define SRTCP_INDEX_LEN 4

struct _VtSrtpSession {
  srtp_t ctx;
  VtSrtpProfile profile;
  VtSrtpDirection direction;
  size_t rtp_overhead;
  size_t rtcp_overhead;
};

/* clang-format off */
G_DEFINE_QUARK(vt-srtp-error-quark, vt_srtp_error)
/* clang-format on */

gboolean vt_srtp_profile_get_lengths(VtSrtpProfile profile, guint *key_len, guint *salt_len)
{
  switch (profile) {
  case VT_SRTP_PROFILE_AES128_CM_SHA1_80:
    *key_len = SRTP_AES_128_KEY_LEN;
    *salt_len = SRTP_SALT_LEN;
    return TRUE;
  case VT_SRTP_PROFILE_AEAD_AES_128_GCM:
    *key_len = SRTP_AES_128_KEY_LEN;
    *salt_len = SRTP_AEAD_SALT_LEN;
    return TRUE;
  case VT_SRTP_PROFILE_NONE:
    break;
  }
  return FALSE;
}

const char *vt_srtp_profile_to_string(VtSrtpProfile profile)
{
  switch (profile) {
  case VT_SRTP_PROFILE_AES128_CM_SHA1_80:
    return "SRTP_AES128_CM_HMAC_SHA1_80";
  case VT_SRTP_PROFILE_AEAD_AES_128_GCM:
    return "SRTP_AEAD_AES_128_GCM";
  case VT_SRTP_PROFILE_NONE:
    break;
  }
  return "unknown";
}

/* Bytes protection adds with `profile`: the tag, and for SRTCP the index. */
static size_t profile_tag_len(VtSrtpProfile profile)
{
  return profile == VT_SRTP_PROFILE_AEAD_AES_128_GCM ? 16 : 10;
}

static gpointer init_once(gpointer data)
{
  return GINT_TO_POINTER(srtp_init());
}

gboolean vt_srtp_init(GError **error)
{
  static GOnce once = G_ONCE_INIT;
  srtp_err_status_t status = GPOINTER_TO_INT(g_once(&once, init_once, NULL));

  if (status != srtp_err_status_ok) {
    g_set_error(error, VT_SRTP_ERROR, VT_SRTP_ERROR_INIT, "srtp_init failed (status %d)",
                (int)status);
    return FALSE;
  }
  return TRUE;
}

/* Fills the RTP and RTCP crypto policies for `profile`. */
static void set_crypto_policy(srtp_policy_t *policy, VtSrtpProfile profile)
{
  if (profile == VT_SRTP_PROFILE_AEAD_AES_128_GCM) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy->rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy->rtcp);
  } else {
    srtp_crypto_policy_set_rtp_default(&policy->rtp);   /* AES-128-CM, HMAC-SHA1-80 */
    srtp_crypto_policy_set_rtcp_default(&policy->rtcp); /* the same for SRTCP */
  }
}

/* Checks that `keys` name a known profile with matching lengths. */
static gboolean check_keys(const VtSrtpKeys *keys, GError **error)
{
  guint key_len, salt_len;

  if (!vt_srtp_profile_get_lengths(keys->profile, &key_len, &salt_len)) {
    g_set_error(error, VT_SRTP_ERROR, VT_SRTP_ERROR_PROFILE, "unknown SRTP profile 0x%04x",
                (guint)keys->profile);
    return FALSE;
  }
  if (keys->key_len != key_len || keys->salt_len != salt_len) {
    g_set_error(error, VT_SRTP_ERROR, VT_SRTP_ERROR_PROFILE,
                "%s needs a %u-byte key and a %u-byte salt, not %u and %u",
                vt_srtp_profile_to_string(keys->profile), key_len, salt_len, keys->key_len,
                keys->salt_len);
    return FALSE;
  }
  return TRUE;
}

VtSrtpSession *vt_srtp_session_new(const VtSrtpKeys *keys, VtSrtpDirection direction,
                                   GError **error)
{
  g_return_val_if_fail(keys != NULL, NULL);
  g_return_val_if_fail(direction == VT_SRTP_INBOUND || direction == VT_SRTP_OUTBOUND, NULL);

  if (!vt_srtp_init(error) || !check_keys(keys, error))
    return NULL;

  /* The outbound session writes with this end's key, the inbound one reads
   * with the other end's. */
  gboolean use_client = (direction == VT_SRTP_OUTBOUND) == (keys->local_is_client != FALSE);
  guint8 master[VT_SRTP_MAX_KEY_LEN + VT_SRTP_MAX_SALT_LEN];
  memcpy(master, use_client ? keys->client_key : keys->server_key, keys->key_len);
  memcpy(master + keys->key_len, use_client ? keys->client_salt : keys->server_salt,
         keys->salt_len);

  srtp_policy_t policy;
  memset(&policy, 0, sizeof policy);
  set_crypto_policy(&policy, keys->profile);
  policy.ssrc.type = direction == VT_SRTP_OUTBOUND ? ssrc_any_outbound : ssrc_any_inbound;
  policy.key = master;
  policy.window_size = VT_SRTP_REPLAY_WINDOW;
  policy.allow_repeat_tx = direction == VT_SRTP_OUTBOUND;

  srtp_t ctx = NULL;
  srtp_err_status_t status = srtp_create(&ctx, &policy);
  memset(master, 0, sizeof master);
  if (status != srtp_err_status_ok) {
    g_set_error(error, VT_SRTP_ERROR, VT_SRTP_ERROR_CREATE, "srtp_create failed for %s (status %d)",
                vt_srtp_profile_to_string(keys->profile), (int)status);
    return NULL;
  }

  VtSrtpSession *session = g_new0(VtSrtpSession, 1);
  session->ctx = ctx;
  session->profile = keys->profile;
  session->direction = direction;
  session->rtp_overhead = profile_tag_len(keys->profile);
  session->rtcp_overhead = profile_tag_len(keys->profile) + SRTCP_INDEX_LEN;
  return session;
}

void vt_srtp_session_free(VtSrtpSession *session)
{
  if (session == NULL)
    return;
  srtp_dealloc(session->ctx);
  g_free(session);
}

VtSrtpProfile vt_srtp_session_get_profile(const VtSrtpSession *session)
{
  g_return_val_if_fail(session != NULL, VT_SRTP_PROFILE_NONE);
  return session->profile;
}

VtSrtpDirection vt_srtp_session_get_direction(const VtSrtpSession *session)
{
  g_return_val_if_fail(session != NULL, VT_SRTP_INBOUND);
  return session->direction;
}

size_t vt_srtp_session_get_overhead(const VtSrtpSession *session, gboolean rtcp)
{
  g_return_val_if_fail(session != NULL, 0);
  return rtcp ? session->rtcp_overhead : session->rtp_overhead;
}

/* Maps a libsrtp status to the packet path's errno convention. */
static int status_to_errno(srtp_err_status_t status)
{
  switch (status) {
  case srtp_err_status_ok:
    return 0;
  case srtp_err_status_auth_fail:
    return -EBADMSG;
  case srtp_err_status_replay_fail:
  case srtp_err_status_replay_old:
    return -EALREADY;
  case srtp_err_status_bad_param:
  case srtp_err_status_parse_err:
    return -EINVAL;
  default:
    return -EIO;
  }
}

/* The checks shared by the protect functions; returns 0 or a negative errno. */
static int check_protect(size_t len, size_t cap, size_t min_len, size_t overhead)
{
  if (G_UNLIKELY(len < min_len || len > (size_t)INT_MAX - overhead))
    return -EINVAL;
  if (G_UNLIKELY(cap < len + overhead))
    return -ENOBUFS;
  return 0;
}

int vt_srtp_protect_rtp(VtSrtpSession *session, uint8_t *buf, size_t *len, size_t cap)
{
  g_return_val_if_fail(session != NULL && buf != NULL && len != NULL, -EINVAL);
  g_return_val_if_fail(session->direction == VT_SRTP_OUTBOUND, -EINVAL);

  int r = check_protect(*len, cap, RTP_MIN_HEADER, session->rtp_overhead);
  if (G_UNLIKELY(r < 0))
    return r;
  int ilen = (int)*len;
  r = status_to_errno(srtp_protect(session->ctx, buf, &ilen));
  if (G_LIKELY(r == 0))
    *len = (size_t)ilen;
  return r;
}

int vt_srtp_protect_rtcp(VtSrtpSession *session, uint8_t *buf, size_t *len, size_t cap)
{
  g_return_val_if_fail(session != NULL && buf != NULL && len != NULL, -EINVAL);
  g_return_val_if_fail(session->direction == VT_SRTP_OUTBOUND, -EINVAL);

  int r = check_protect(*len, cap, RTCP_MIN_HEADER, session->rtcp_overhead);
  if (G_UNLIKELY(r < 0))
    return r;
  int ilen = (int)*len;
  r = status_to_errno(srtp_protect_rtcp(session->ctx, buf, &ilen));
  if (G_LIKELY(r == 0))
    *len = (size_t)ilen;
  return r;
}

int vt_srtp_unprotect_rtp(VtSrtpSession *session, uint8_t *buf, size_t *len)
{
  g_return_val_if_fail(session != NULL && buf != NULL && len != NULL, -EINVAL);
  g_return_val_if_fail(session->direction == VT_SRTP_INBOUND, -EINVAL);

  if (G_UNLIKELY(*len < RTP_MIN_HEADER + session->rtp_overhead || *len > INT_MAX))
    return -EINVAL;
  int ilen = (int)*len;
  int r = status_to_errno(srtp_unprotect(session->ctx, buf, &ilen));
  if (G_LIKELY(r == 0))
    *len = (size_t)ilen;
  return r;
}

int vt_srtp_unprotect_rtcp(VtSrtpSession *session, uint8_t *buf, size_t *len)
{
  g_return_val_if_fail(session != NULL && buf != NULL && len != NULL, -EINVAL);
  g_return_val_if_fail(session->direction == VT_SRTP_INBOUND, -EINVAL);

  if (G_UNLIKELY(*len < RTCP_MIN_HEADER + session->rtcp_overhead || *len > INT_MAX))
    return -EINVAL;
  int ilen = (int)*len;
  int r = status_to_errno(srtp_unprotect_rtcp(session->ctx, buf, &ilen));
  if (G_LIKELY(r == 0))
    *len = (size_t)ilen;
  return r;
}

int vt_srtp_session_remove_ssrc(VtSrtpSession *session, guint32 ssrc)
{
  g_return_val_if_fail(session != NULL, -EINVAL);
  /* libsrtp takes the SSRC in network byte order. */
  return srtp_remove_stream(session->ctx, g_htonl(ssrc)) == srtp_err_status_ok ? 0 : -ENOENT;
}
