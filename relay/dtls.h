/* DTLS 1.2 for one peer connection (DTLS-SRTP, RFC 5763 / RFC 5764), over
 * OpenSSL 3 with no socket.
 *
 * VtDtlsCert is the relay's identity: an ECDSA P-256 key and a self-signed
 * certificate made once at start and shared (by reference) by every peer
 * connection on every worker; its SHA-256 fingerprint goes into the SDP's
 * a=fingerprint. Peers do not check its validity dates, only the fingerprint.
 *
 * VtDtls is the handshake state machine of one peer connection. It is pure
 * in the style of the relay's other protocol modules: datagrams that arrived
 * on the ICE-selected candidate pair go in with vt_dtls_receive(), datagrams
 * to send come out through the send function given to vt_dtls_new(), and time
 * is passed in as the current g_get_monotonic_time(). There is no cookie
 * exchange (ICE has already checked the peer's address), no session
 * resumption, no renegotiation and no application data: the handshake
 * authenticates the peer and yields the SRTP keys, and after that DTLS only
 * carries retransmitted handshake flights and close_notify.
 *
 * The peer's certificate must have the SHA-256 fingerprint the peer announced
 * in its SDP (given to vt_dtls_new()); anything else fails the handshake with
 * VT_DTLS_FAILURE_FINGERPRINT before any key is derived. Only
 * SRTP_AEAD_AES_128_GCM and SRTP_AES128_CM_SHA1_80 are offered (GCM
 * preferred); a handshake that agrees on neither fails.
 *
 * Threading: a VtDtlsCert may be used from any thread (its reference count is
 * atomic, the rest is read-only after creation). A VtDtls belongs to the
 * worker thread of its room and takes no lock. Errors: setup returns NULL with
 * a GError, datagram calls return 0 or a negative errno, misuse is a
 * critical. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "relay/srtp.h"

G_BEGIN_DECLS

#define VT_DTLS_FINGERPRINT_LEN 32 /* SHA-256 */
/* "AB:CD:...:EF" and its NUL: 32 pairs, 31 colons. */
#define VT_DTLS_FINGERPRINT_STRING_SIZE (VT_DTLS_FINGERPRINT_LEN * 3)

/* Largest datagram the handshake sends: fits any path after IPv6, UDP and a
 * TURN channel header. */
#define VT_DTLS_MTU 1200

/* The first retransmission of a lost flight comes this long after it was
 * sent, and each further one after twice the previous wait, up to the
 * maximum. RFC 6347 suggests 1 s to start with; ICE has just measured the
 * path, so a shorter first wait costs little and saves a second of black
 * video when a packet of the first flight is lost. */
#define VT_DTLS_DEFAULT_RETRANSMIT_US (400 * 1000)
#define VT_DTLS_MAX_RETRANSMIT_US (6400 * 1000)
/* A handshake not finished this long after it started fails with
 * VT_DTLS_FAILURE_TIMEOUT. */
#define VT_DTLS_DEFAULT_HANDSHAKE_TIMEOUT_US (30 * G_USEC_PER_SEC)

#define VT_DTLS_ERROR (vt_dtls_error_quark())
GQuark vt_dtls_error_quark(void);

typedef enum {
  VT_DTLS_ERROR_CERT, /* making the key, the certificate or the OpenSSL context failed */
} VtDtlsError;

/* ---- The relay's certificate --------------------------------------------- */

typedef struct _VtDtlsCert VtDtlsCert;

/* Makes a fresh P-256 key and a self-signed certificate for it (random
 * 64-bit serial, valid from a day ago for 30 days), and the OpenSSL context
 * every VtDtls made from it shares. Returns a new reference. */
VtDtlsCert *vt_dtls_cert_new(GError **error);
VtDtlsCert *vt_dtls_cert_ref(VtDtlsCert *cert);
void vt_dtls_cert_unref(VtDtlsCert *cert);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtDtlsCert, vt_dtls_cert_unref)

/* The certificate's SHA-256 fingerprint as VT_DTLS_FINGERPRINT_LEN bytes and
 * as "AB:CD:..." text for a=fingerprint:sha-256 (transfer none: owned by the
 * certificate). */
const guint8 *vt_dtls_cert_get_fingerprint(const VtDtlsCert *cert);
const char *vt_dtls_cert_get_fingerprint_string(const VtDtlsCert *cert);

/* Writes `fp` as upper-case "AB:CD:..." text into `out`. */
void vt_dtls_fingerprint_format(const guint8 fp[VT_DTLS_FINGERPRINT_LEN],
                                char out[VT_DTLS_FINGERPRINT_STRING_SIZE]);
/* Parses the value of an SDP a=fingerprint:sha-256 line (32 colon-separated
 * hex pairs, either case, nothing else). Returns FALSE, leaving `out`
 * unspecified, for anything else. */
gboolean vt_dtls_fingerprint_parse(const char *text, guint8 out[VT_DTLS_FINGERPRINT_LEN]);

/* ---- One peer connection ------------------------------------------------- */

typedef struct _VtDtls VtDtls;

/* a=setup:active is the client, a=setup:passive the server. */
typedef enum {
  VT_DTLS_ROLE_CLIENT,
  VT_DTLS_ROLE_SERVER,
} VtDtlsRole;

typedef enum {
  VT_DTLS_STATE_NEW,        /* not started */
  VT_DTLS_STATE_CONNECTING, /* handshake under way */
  VT_DTLS_STATE_CONNECTED,  /* peer authenticated, SRTP keys available */
  VT_DTLS_STATE_FAILED,     /* final; see vt_dtls_get_failure() */
  VT_DTLS_STATE_CLOSED,     /* final; close_notify sent or received */
} VtDtlsState;

typedef enum {
  VT_DTLS_FAILURE_NONE,
  VT_DTLS_FAILURE_FINGERPRINT, /* the peer's certificate is not the one in its SDP */
  VT_DTLS_FAILURE_HANDSHAKE,   /* a protocol error or a fatal alert during the handshake */
  VT_DTLS_FAILURE_NO_SRTP,     /* the handshake agreed on no SRTP profile we support */
  VT_DTLS_FAILURE_TIMEOUT,     /* no answer from the peer in time */
  VT_DTLS_FAILURE_PROTOCOL,    /* a fatal alert or error after the handshake */
} VtDtlsFailure;

/* Called with each datagram to send, at most VT_DTLS_MTU bytes (transfer
 * none: valid during the call only). It runs inside vt_dtls_start(),
 * vt_dtls_receive(), vt_dtls_handle_timeout() and vt_dtls_close(), and must
 * not call back into the same VtDtls; a datagram it cannot send is simply
 * lost, and retransmission recovers it. */
typedef void (*VtDtlsSendFunc)(const uint8_t *buf, size_t len, gpointer user_data);

/* A handshake in `role` with the certificate `cert` (a reference is taken),
 * expecting the peer's certificate to have the SHA-256 fingerprint
 * `expected_fingerprint` (copied). Datagrams to send go to `send` with
 * `user_data`. Starts in VT_DTLS_STATE_NEW. */
VtDtls *vt_dtls_new(VtDtlsCert *cert, VtDtlsRole role,
                    const guint8 expected_fingerprint[VT_DTLS_FINGERPRINT_LEN], VtDtlsSendFunc send,
                    gpointer user_data);
void vt_dtls_free(VtDtls *dtls);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtDtls, vt_dtls_free)

/* Setters for before the handshake starts (state NEW). The profiles, in order
 * of preference, replace the default (GCM, then AES-CM): a client offers them
 * in that order, a server picks the first one of them that the client
 * offers. Returns FALSE for an empty list, a profile not in VtSrtpProfile or
 * a duplicate. */
gboolean vt_dtls_set_srtp_profiles(VtDtls *dtls, const VtSrtpProfile *profiles, guint n_profiles);
/* The first retransmission wait (default VT_DTLS_DEFAULT_RETRANSMIT_US, at
 * least 1 ms, at most VT_DTLS_MAX_RETRANSMIT_US). */
void vt_dtls_set_retransmit_timeout(VtDtls *dtls, gint64 initial_us);
/* The whole handshake's time limit (default VT_DTLS_DEFAULT_HANDSHAKE_TIMEOUT_US). */
void vt_dtls_set_handshake_timeout(VtDtls *dtls, gint64 timeout_us);

/* Starts the handshake at `now_us`, which also starts its time limit: a
 * client sends its ClientHello, a server waits for one. A server need not be
 * started: its first received datagram starts it. Returns 0; -EALREADY if the
 * state is not NEW; -EPROTO if the handshake failed at once (state FAILED). */
int vt_dtls_start(VtDtls *dtls, gint64 now_us);

/* Feeds one received datagram (transfer none), which may send datagrams and
 * change the state: a caller compares vt_dtls_get_state() before and after,
 * and on CONNECTED takes the keys with vt_dtls_get_srtp_keys(). Returns 0
 * when the datagram was taken in, which includes records that DTLS discards
 * silently as invalid (RFC 6347 section 4.1.2.7) and a close_notify (state
 * CLOSED); -EINVAL for an empty datagram or one whose first byte is not a
 * DTLS content type (RFC 7983: 20 to 63), which is ignored; -ENOTCONN in a
 * final state, or for a client not started; -EPROTO when the datagram made the
 * connection fail (state FAILED, see vt_dtls_get_failure()); -ESHUTDOWN,
 * ignoring it, after vt_dtls_retire() (but a retired server answers a
 * repeated Finished with its last flight and returns 0: see there). */
int vt_dtls_receive(VtDtls *dtls, const uint8_t *buf, size_t len, gint64 now_us);

/* When vt_dtls_handle_timeout() next has work, as a monotonic time: the next
 * retransmission or the handshake's time limit, whichever is first;
 * G_MAXINT64 when there is none. OpenSSL keeps its retransmission timer on
 * its own clock (and counts a timer with under 15 ms left as run out); this
 * converts it to the caller's, so `now_us` must be the current monotonic
 * time. OpenSSL also retransmits on its own when a vt_dtls_receive() finds
 * the timer run out. */
gint64 vt_dtls_next_timeout(VtDtls *dtls, gint64 now_us);

/* Retransmits the last flight if its timer has run out and fails the
 * handshake if its time limit has passed or the peer stayed silent through
 * all retransmissions. Returns 0, or -ETIMEDOUT when the state became FAILED
 * with VT_DTLS_FAILURE_TIMEOUT. Harmless to call early or in any state. */
int vt_dtls_handle_timeout(VtDtls *dtls, gint64 now_us);

/* Ends the connection: sends a close_notify if the handshake had completed.
 * The state becomes CLOSED unless it was already final. */
void vt_dtls_close(VtDtls *dtls);

/* Room for the close_notify record kept by vt_dtls_retire(): a 13-byte DTLS
 * header and a 2-byte alert under the largest record overhead of our
 * cipher suites (CBC with an explicit IV, padding and HMAC-SHA1). */
#define VT_DTLS_CLOSE_RECORD_MAX 96

/* Room for a server's last flight (ChangeCipherSpec and Finished, one or two
 * datagrams) kept by a retired server: a few records under the largest
 * overhead, with room to spare. */
#define VT_DTLS_LAST_FLIGHT_MAX 256

/* Frees OpenSSL's connection as soon as the handshake has completed: about
 * 30 KB per connection that DTLS would otherwise hold only for a
 * close_notify and for retransmissions. A close_notify record is made first
 * and vt_dtls_close() still sends it. A server keeps its last flight, as
 * sent, and sends it again whenever the client's Finished arrives again
 * (the client retransmits its last flight when ours was lost); a client needs nothing
 * (having the server's Finished, it will never be asked for a flight again).
 * Nothing else the peer sends is read from now on (vt_dtls_receive()
 * returns -ESHUTDOWN), so a close_notify from the peer goes unnoticed and
 * the connection ends by other means (signaling, ICE consent). The state
 * stays CONNECTED; the SRTP keys are no longer available. Returns 0 (also
 * if already retired); -ENOTCONN unless CONNECTED; -EAGAIN for a server
 * whose last flight did not fit VT_DTLS_LAST_FLIGHT_MAX, which stays as it
 * is. `peer_finished`: the caller knows the peer has completed its handshake
 * too (it sent media under the exported keys), so no flight is kept and a
 * server retires whatever it kept. */
int vt_dtls_retire(VtDtls *dtls, gboolean peer_finished);

VtDtlsRole vt_dtls_get_role(const VtDtls *dtls);
VtDtlsState vt_dtls_get_state(const VtDtls *dtls);
VtDtlsFailure vt_dtls_get_failure(const VtDtls *dtls);
/* OpenSSL's description of what went wrong, for logs, or "" (transfer none:
 * valid until the VtDtls is freed). */
const char *vt_dtls_get_failure_detail(const VtDtls *dtls);
const char *vt_dtls_state_to_string(VtDtlsState state);
const char *vt_dtls_failure_to_string(VtDtlsFailure failure);

/* Copies the SRTP keys exported at the end of the handshake (RFC 5764 section
 * 4.2, "EXTRACTOR-dtls_srtp") into `keys`, with local_is_client set from the
 * role. Returns FALSE, and clears `keys`, unless the state is CONNECTED and
 * the connection not retired. */
gboolean vt_dtls_get_srtp_keys(const VtDtls *dtls, VtSrtpKeys *keys);

G_END_DECLS
