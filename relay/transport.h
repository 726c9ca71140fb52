/* One peer connection of the relay: ICE, then DTLS, then SRTP, on a worker.
 *
 * A VtMediaTransport glues the pure modules together: it feeds what libnice
 * receives through the RFC 7983 demux (DTLS records to VtDtls, RTP/RTCP to
 * SRTP), runs the DTLS retransmission timer on the worker's context, installs
 * the SRTP sessions once the handshake is done, and hands the owner clear
 * RTP and RTCP. Nothing media-like passes before SRTP is up; STUN is libnice's
 * business and never reaches this layer.
 *
 * Everything here runs on the thread that iterates `ctx` (the worker); a
 * transport is never touched from another thread. Callbacks are never made
 * from inside a vt_transport_* call, except `rtp`/`rtcp`/`up`/`failed` from
 * the receive path, which the owner must be ready for (it may not free the
 * transport inside them; it schedules that instead). */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "relay/dtls.h"
#include "relay/ice.h"
#include "relay/relay.h"
#include "relay/sdp.h"

G_BEGIN_DECLS

/* Room for one protected packet: the largest datagram we accept plus the SRTP
 * tag we may add when sending it on. */
#define VT_TRANSPORT_BUF_SIZE (VT_ICE_MAX_DATAGRAM + VT_SRTP_MAX_RTCP_OVERHEAD + 4)

typedef struct {
  /* A local candidate line ("candidate:..."), as gathered. */
  void (*local_candidate)(gpointer data, const char *line);
  void (*gathering_done)(gpointer data);
  /* SRTP keys are installed: media flows from now on. */
  void (*up)(gpointer data);
  /* The connection is dead for good (ICE failed, consent lost, DTLS failed);
   * `detail` is a sentence for logs and the client. Reported once. */
  void (*failed)(gpointer data, VtPcFailure failure, const char *detail);
  /* A clear RTP packet (buf is writable, `VT_TRANSPORT_BUF_SIZE` bytes of
   * room, valid during the call only). */
  void (*rtp)(gpointer data, uint8_t *buf, size_t len, gint64 now_us);
  /* A clear RTCP compound packet, as rtp. */
  void (*rtcp)(gpointer data, uint8_t *buf, size_t len, gint64 now_us);
} VtMediaTransportCallbacks;

typedef struct {
  guint64 rtp_in;
  guint64 rtcp_in;
  guint64 dropped_early; /* media before SRTP was up */
  guint64 dropped_srtp;  /* failed authentication or replay check */
  guint64 dropped_other; /* first byte no protocol of ours */
  guint64 dropped_dtls;  /* DTLS records after DTLS was retired, but for a repeated last flight */
  guint64 rtp_out;
  guint64 rtcp_out;
  guint64 send_errors;
} VtMediaTransportStats;

typedef struct _VtMediaTransport VtMediaTransport;

/* Creates the ICE agent on `ctx` (the worker's). `controlling`: TRUE when the
 * relay made the offer. Nothing is sent before vt_transport_start(). */
VtMediaTransport *vt_transport_new(GMainContext *ctx, VtDtlsCert *cert,
                                   const VtIceConfig *ice_config, gboolean controlling,
                                   const VtMediaTransportCallbacks *cb, gpointer data,
                                   GError **error);
void vt_transport_free(VtMediaTransport *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtMediaTransport, vt_transport_free)

/* Lets DTLS go (vt_dtls_retire()) as soon as the handshake completes (or,
 * should the relay's last flight not have been kept, once the peer has sent
 * its first authenticated packet), which saves about 30 KB per connection,
 * and more while many connections are being made at once. The relay
 * still sends its close_notify when the transport is freed, but one from the
 * peer goes unread: only for connections whose end the relay learns another
 * way in good time (the subscriber's signaling, ICE consent). */
void vt_transport_retire_dtls(VtMediaTransport *t);

const char *vt_transport_local_ufrag(VtMediaTransport *t);
const char *vt_transport_local_pwd(VtMediaTransport *t);

/* Starts gathering local candidates (reported through the callbacks). */
gboolean vt_transport_gather(VtMediaTransport *t, GError **error);

/* Takes the remote side from its SDP: ICE credentials, candidates, the
 * certificate fingerprint DTLS must see. `local_setup` is the relay's own
 * a=setup (ACTIVE: the relay is the DTLS client). Call once. */
gboolean vt_transport_set_remote(VtMediaTransport *t, const VtSdpRemoteTransport *remote,
                                 VtSdpSetup local_setup, GError **error);

/* A trickled remote candidate; "" (or NULL) is the end of candidates. */
gboolean vt_transport_add_candidate(VtMediaTransport *t, const char *line, GError **error);

gboolean vt_transport_is_up(const VtMediaTransport *t);

/* Protects the clear packet in buf (len bytes, `cap` bytes of room) in place
 * and sends it. Returns 0, -ENOTCONN before SRTP is up, or the negative errno
 * of protecting or sending. The packet path: no allocation. */
int vt_transport_send_rtp(VtMediaTransport *t, uint8_t *buf, size_t len, size_t cap);
int vt_transport_send_rtcp(VtMediaTransport *t, uint8_t *buf, size_t len, size_t cap);
/* Sends bytes as they are on the selected pair (what DTLS uses; tests use it
 * to send what a broken peer would). Returns 0 or a negative errno. */
int vt_transport_send_datagram(VtMediaTransport *t, const uint8_t *buf, size_t len);

void vt_transport_get_stats(const VtMediaTransport *t, VtMediaTransportStats *stats);

G_END_DECLS
