/* SRTP and SRTCP for one direction of one peer connection: a thin wrapper
 * over libsrtp2.
 *
 * The keys come from the DTLS handshake (relay/dtls.h exports them into a
 * VtSrtpKeys, RFC 5764 section 4.2). A peer connection has two sessions: an
 * inbound one that unprotects what the peer sends and an outbound one that
 * protects what the relay sends. Each accepts any SSRC: a stream context is
 * made the first time an SSRC is seen (libsrtp's ssrc_any_inbound and
 * ssrc_any_outbound), which allocates once per SSRC, never per packet.
 *
 * A session belongs to the worker thread of its room and takes no lock.
 * Packet calls work in place on the caller's buffer, which should be 4-byte
 * aligned (libsrtp reads the header by 32-bit words), and return 0 or a
 * negative errno; setup returns NULL with a GError; misuse is a critical. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/* The DTLS-SRTP protection profiles the relay speaks, with their IANA ids
 * (RFC 5764, RFC 7714). */
typedef enum {
  VT_SRTP_PROFILE_NONE = 0,
  VT_SRTP_PROFILE_AES128_CM_SHA1_80 = 0x0001,
  VT_SRTP_PROFILE_AEAD_AES_128_GCM = 0x0007,
} VtSrtpProfile;

#define VT_SRTP_MAX_KEY_LEN 16  /* AES-128 master key, both profiles */
#define VT_SRTP_MAX_SALT_LEN 14 /* AES-CM salt; GCM uses 12 */

/* Replay window of an inbound stream, in packets. Video sends bursts of a
 * hundred packets or more per frame and NACK retransmissions arrive late, so
 * the 64 of RFC 3711's minimum is far too small. */
#define VT_SRTP_REPLAY_WINDOW 1024

/* Room the caller must leave after the payload for an outbound packet: the
 * largest authentication tag (16, GCM), plus the 4-byte SRTCP index for
 * RTCP. vt_srtp_session_get_overhead() gives the exact figure. */
#define VT_SRTP_MAX_RTP_OVERHEAD 16
#define VT_SRTP_MAX_RTCP_OVERHEAD 20

/* The keying material of one DTLS-SRTP association. Both ends of a handshake
 * hold the same client and server keys; `local_is_client` says which of them
 * is this end's own (write) key. The client writes with client_key and
 * client_salt and reads with the server's, and the server the other way
 * round. Only the first key_len and salt_len bytes of the arrays are used. */
typedef struct {
  VtSrtpProfile profile;
  guint key_len;
  guint salt_len;
  guint8 client_key[VT_SRTP_MAX_KEY_LEN];
  guint8 client_salt[VT_SRTP_MAX_SALT_LEN];
  guint8 server_key[VT_SRTP_MAX_KEY_LEN];
  guint8 server_salt[VT_SRTP_MAX_SALT_LEN];
  gboolean local_is_client;
} VtSrtpKeys;

typedef enum {
  VT_SRTP_INBOUND,  /* unprotects with the remote end's key */
  VT_SRTP_OUTBOUND, /* protects with this end's key */
} VtSrtpDirection;

#define VT_SRTP_ERROR (vt_srtp_error_quark())
GQuark vt_srtp_error_quark(void);

typedef enum {
  VT_SRTP_ERROR_INIT,    /* srtp_init failed */
  VT_SRTP_ERROR_PROFILE, /* unknown profile or key lengths that do not match it */
  VT_SRTP_ERROR_CREATE,  /* libsrtp refused the policy */
} VtSrtpError;

/* Key and salt length of `profile` in bytes; FALSE for an unknown profile. */
gboolean vt_srtp_profile_get_lengths(VtSrtpProfile profile, guint *key_len, guint *salt_len);
/* The profile's name as in RFC 5764 / RFC 7714, or "unknown". */
const char *vt_srtp_profile_to_string(VtSrtpProfile profile);

/* Initialises libsrtp. Call once at start; later calls, from any thread,
 * return the first call's result. vt_srtp_session_new() calls it too. */
gboolean vt_srtp_init(GError **error);

typedef struct _VtSrtpSession VtSrtpSession;

/* A session for one direction of the association that `keys` describe (the
 * keys are copied). An outbound session allows a packet with an already used
 * sequence number to be protected again, so that the relay can answer a NACK
 * by protecting the same cached packet anew; the packet must then be
 * byte-for-byte the one sent before (with GCM anything else would reuse a
 * nonce for a different plaintext). */
VtSrtpSession *vt_srtp_session_new(const VtSrtpKeys *keys, VtSrtpDirection direction,
                                   GError **error);
void vt_srtp_session_free(VtSrtpSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtSrtpSession, vt_srtp_session_free)

VtSrtpProfile vt_srtp_session_get_profile(const VtSrtpSession *session);
VtSrtpDirection vt_srtp_session_get_direction(const VtSrtpSession *session);
/* Bytes that protecting adds to an RTP packet (rtcp FALSE) or an RTCP packet
 * (rtcp TRUE) with this session's profile. */
size_t vt_srtp_session_get_overhead(const VtSrtpSession *session, gboolean rtcp);

/* Protects the RTP packet of *len bytes in buf (of `cap` bytes) in place,
 * appending the tag, and sets *len to the protected length. Outbound sessions
 * only. Returns 0; -ENOBUFS if cap has no room for the overhead; -EINVAL for
 * a packet too short or too long, or with a malformed header; -EALREADY for a sequence
 * number further behind the newest one sent than the replay window; -EIO for
 * any other libsrtp failure. On error buf may be partly changed. */
int vt_srtp_protect_rtp(VtSrtpSession *session, uint8_t *buf, size_t *len, size_t cap);

/* Checks and decrypts the SRTP packet of *len bytes in buf in place and sets
 * *len to the clear length. Inbound sessions only. Returns 0; -EBADMSG when
 * authentication fails (tampered, wrong key); -EALREADY for a replayed
 * packet or one older than the replay window; -EINVAL for a packet too short
 * or malformed; -EIO otherwise. On error the packet must be dropped. */
int vt_srtp_unprotect_rtp(VtSrtpSession *session, uint8_t *buf, size_t *len);

/* The same for RTCP (RFC 3711 SRTCP: the tag follows a 4-byte E-flag and
 * index word). */
int vt_srtp_protect_rtcp(VtSrtpSession *session, uint8_t *buf, size_t *len, size_t cap);
int vt_srtp_unprotect_rtcp(VtSrtpSession *session, uint8_t *buf, size_t *len);

/* Forgets the stream context of `ssrc` (its rollover counter and replay
 * window), for a stream that has ended. Returns 0 or -ENOENT. */
int vt_srtp_session_remove_ssrc(VtSrtpSession *session, guint32 ssrc);

G_END_DECLS
