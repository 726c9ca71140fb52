/* One peer connection: ICE, DTLS and SRTP glued together (see transport.h). */
#include "relay/transport.h"

#include <errno.h>
#include <string.h>

#include "relay/rtp.h"
#include "relay/srtp.h"
#include "relay/worker.h"

struct _VtMediaTransport {
  GMainContext *ctx;
  VtDtlsCert *cert;
  VtIce *ice;
  VtDtls *dtls;
  VtSdpSetup local_setup;
  guint8 remote_fingerprint[VT_SDP_FINGERPRINT_LEN];
  gboolean have_remote;
  gboolean dtls_started;
  gboolean retire_dtls; /* once connected: see vt_transport_retire_dtls() */
  gboolean failed;
  GSource *dtls_timer;
  VtSrtpSession *srtp_in;
  VtSrtpSession *srtp_out;
  VtMediaTransportCallbacks cb;
  gpointer data;
  VtMediaTransportStats stats;
};

/* Calls come from the thread of the transport's context (worker.h); not
 * checked on the per-packet paths. */
#define ON_OWNER(t) g_assert(vt_context_is_mine((t)->ctx))

static void fail(VtMediaTransport *t, VtPcFailure failure, const char *detail)
{
  if (t->failed)
    return;
  t->failed = TRUE;
  g_debug("transport %p failed: %s (%s)", (void *)t, vt_pc_failure_code(failure), detail);
  if (t->cb.failed)
    t->cb.failed(t->data, failure, detail);
}

/* ---- DTLS ----------------------------------------------------------------- */

static void dtls_send(const uint8_t *buf, size_t len, gpointer user_data)
{
  VtMediaTransport *t = user_data;
  if (vt_ice_send(t->ice, buf, len) < 0)
    t->stats.send_errors++;
}

static void arm_dtls_timer(VtMediaTransport *t, gint64 now_us);

static gboolean on_dtls_timer(gpointer user_data)
{
  VtMediaTransport *t = user_data;
  g_clear_pointer(&t->dtls_timer, g_source_unref);
  gint64 now = g_get_monotonic_time();
  vt_dtls_handle_timeout(t->dtls, now);
  if (vt_dtls_get_state(t->dtls) == VT_DTLS_STATE_FAILED)
    fail(t, VT_PC_FAILURE_DTLS, vt_dtls_get_failure_detail(t->dtls));
  else
    arm_dtls_timer(t, now);
  return G_SOURCE_REMOVE;
}

/* Keeps one timer for the handshake's next retransmission or deadline. */
static void arm_dtls_timer(VtMediaTransport *t, gint64 now_us)
{
  if (t->dtls_timer) {
    g_source_destroy(t->dtls_timer);
    g_clear_pointer(&t->dtls_timer, g_source_unref);
  }
  if (vt_dtls_get_state(t->dtls) != VT_DTLS_STATE_CONNECTING &&
      vt_dtls_get_state(t->dtls) != VT_DTLS_STATE_NEW)
    return;
  gint64 at = vt_dtls_next_timeout(t->dtls, now_us);
  if (at < 0)
    return;
  guint ms = at > now_us ? (guint)((at - now_us + 999) / 1000) : 0;
  t->dtls_timer = g_timeout_source_new(ms);
  g_source_set_callback(t->dtls_timer, on_dtls_timer, t, NULL);
  g_source_attach(t->dtls_timer, t->ctx);
}

static void install_srtp(VtMediaTransport *t)
{
  VtSrtpKeys keys;
  g_autoptr(GError) error = NULL;
  if (!vt_dtls_get_srtp_keys(t->dtls, &keys)) {
    fail(t, VT_PC_FAILURE_DTLS, "no SRTP keys after the handshake");
    return;
  }
  t->srtp_in = vt_srtp_session_new(&keys, VT_SRTP_INBOUND, &error);
  if (t->srtp_in)
    t->srtp_out = vt_srtp_session_new(&keys, VT_SRTP_OUTBOUND, &error);
  memset(&keys, 0, sizeof keys);
  if (!t->srtp_out) {
    fail(t, VT_PC_FAILURE_SRTP, error->message);
    return;
  }
  if (t->cb.up)
    t->cb.up(t->data);
}

/* With the keys taken, DTLS has nothing left to do but answer a lost last
 * flight, which a retired VtDtls still does. */
static void try_retire(VtMediaTransport *t)
{
  if (t->retire_dtls && !t->failed && vt_dtls_retire(t->dtls, FALSE) == 0)
    t->retire_dtls = FALSE;
}

static void on_dtls_datagram(VtMediaTransport *t, const uint8_t *buf, size_t len, gint64 now)
{
  VtDtlsState before = vt_dtls_get_state(t->dtls);
  if (vt_dtls_receive(t->dtls, buf, len, now) == -ESHUTDOWN) {
    t->stats.dropped_dtls++;
    return;
  }
  VtDtlsState after = vt_dtls_get_state(t->dtls);
  if (after == VT_DTLS_STATE_FAILED) {
    gboolean fp = vt_dtls_get_failure(t->dtls) == VT_DTLS_FAILURE_FINGERPRINT;
    fail(t, fp ? VT_PC_FAILURE_DTLS_FINGERPRINT : VT_PC_FAILURE_DTLS, vt_dtls_get_failure_detail(t->dtls));
  } else if (after == VT_DTLS_STATE_CLOSED && before != VT_DTLS_STATE_CLOSED) {
    fail(t, VT_PC_FAILURE_CLOSED, "the peer closed DTLS");
  } else if (after == VT_DTLS_STATE_CONNECTED && before != VT_DTLS_STATE_CONNECTED) {
    install_srtp(t);
    try_retire(t);
  }
  arm_dtls_timer(t, now);
}

static void start_dtls(VtMediaTransport *t)
{
  if (t->dtls_started || !t->have_remote)
    return;
  t->dtls_started = TRUE;
  if (vt_dtls_get_state(t->dtls) != VT_DTLS_STATE_NEW)
    return; /* a server already started by the client's first flight */
  gint64 now = g_get_monotonic_time();
  if (vt_dtls_start(t->dtls, now) < 0)
    fail(t, VT_PC_FAILURE_DTLS, vt_dtls_get_failure_detail(t->dtls));
  arm_dtls_timer(t, now);
}

/* ---- receive path ---------------------------------------------------------- */

/* Media under the keys proves the peer finished its handshake: the fallback
 * for a VtDtls that could not retire when it connected. */
static inline void peer_proven(VtMediaTransport *t)
{
  if (G_UNLIKELY(t->retire_dtls)) {
    t->retire_dtls = FALSE;
    vt_dtls_retire(t->dtls, TRUE);
  }
}

static void on_media(VtMediaTransport *t, uint8_t *buf, size_t len, gint64 now)
{
  if (G_UNLIKELY(t->srtp_in == NULL)) {
    t->stats.dropped_early++;
    return;
  }
  size_t n = len;
  if (vt_rtp_is_rtcp(buf, len)) {
    if (G_UNLIKELY(vt_srtp_unprotect_rtcp(t->srtp_in, buf, &n) < 0)) {
      t->stats.dropped_srtp++;
      return;
    }
    t->stats.rtcp_in++;
    peer_proven(t);
    if (t->cb.rtcp)
      t->cb.rtcp(t->data, buf, n, now);
    return;
  }
  if (G_UNLIKELY(vt_srtp_unprotect_rtp(t->srtp_in, buf, &n) < 0)) {
    t->stats.dropped_srtp++;
    return;
  }
  t->stats.rtp_in++;
  peer_proven(t);
  if (t->cb.rtp)
    t->cb.rtp(t->data, buf, n, now);
}

/* libnice's buffer is read-only to us, and SRTP works in place: one copy into
 * the transport's receive buffer, on the stack, no allocation. */
static void on_ice_receive(gpointer data, const uint8_t *buf, size_t len)
{
  VtMediaTransport *t = data;
  if (G_UNLIKELY(len == 0 || len > VT_ICE_MAX_DATAGRAM || t->failed))
    return;
  gint64 now = g_get_monotonic_time();
  switch (vt_rtp_demux(buf[0])) {
  case VT_RTP_DEMUX_DTLS:
    if (t->dtls)
      on_dtls_datagram(t, buf, len, now);
    else
      t->stats.dropped_early++;
    return;
  case VT_RTP_DEMUX_MEDIA: {
    uint8_t copy[VT_TRANSPORT_BUF_SIZE];
    memcpy(copy, buf, len);
    on_media(t, copy, len, now);
    return;
  }
  default:
    t->stats.dropped_other++;
    return;
  }
}

static void on_ice_state(gpointer data, VtIceState state)
{
  VtMediaTransport *t = data;
  if (state == VT_ICE_STATE_CONNECTED) {
    start_dtls(t); /* a client sends its hello; a server's time limit starts */
  } else if (state == VT_ICE_STATE_FAILED) {
    fail(t, t->srtp_in ? VT_PC_FAILURE_CONSENT_LOST : VT_PC_FAILURE_ICE,
         t->srtp_in ? "the peer stopped answering consent checks" : "no ICE candidate pair worked");
  }
}

static void on_local_candidate(gpointer data, const char *line)
{
  VtMediaTransport *t = data;
  if (t->cb.local_candidate)
    t->cb.local_candidate(t->data, line);
}

static void on_gathering_done(gpointer data)
{
  VtMediaTransport *t = data;
  if (t->cb.gathering_done)
    t->cb.gathering_done(t->data);
}

/* ---- public ---------------------------------------------------------------- */

VtMediaTransport *vt_transport_new(GMainContext *ctx, VtDtlsCert *cert, const VtIceConfig *ice_config,
                              gboolean controlling, const VtMediaTransportCallbacks *cb, gpointer data,
                              GError **error)
{
  static const VtIceCallbacks ice_cb = {
      .local_candidate = on_local_candidate,
      .gathering_done = on_gathering_done,
      .state = on_ice_state,
      .receive = on_ice_receive,
  };
  VtMediaTransport *t = g_new0(VtMediaTransport, 1);
  t->ctx = g_main_context_ref(ctx);
  t->cert = vt_dtls_cert_ref(cert);
  t->cb = *cb;
  t->data = data;
  t->ice = vt_ice_new(ctx, controlling, ice_config, &ice_cb, t, error);
  if (!t->ice) {
    vt_transport_free(t);
    return NULL;
  }
  return t;
}

void vt_transport_free(VtMediaTransport *t)
{
  if (!t)
    return;
  if (t->dtls_timer) {
    g_source_destroy(t->dtls_timer);
    g_source_unref(t->dtls_timer);
  }
  if (t->dtls && vt_dtls_get_state(t->dtls) == VT_DTLS_STATE_CONNECTED)
    vt_dtls_close(t->dtls); /* close_notify: the peer learns at once */
  vt_dtls_free(t->dtls);
  vt_srtp_session_free(t->srtp_in);
  vt_srtp_session_free(t->srtp_out);
  vt_ice_free(t->ice);
  vt_dtls_cert_unref(t->cert);
  g_main_context_unref(t->ctx);
  g_free(t);
}

void vt_transport_retire_dtls(VtMediaTransport *t)
{
  ON_OWNER(t);
  g_return_if_fail(t != NULL);
  t->retire_dtls = TRUE;
  if (t->srtp_in != NULL)
    try_retire(t);
}

const char *vt_transport_local_ufrag(VtMediaTransport *t)
{
  return vt_ice_get_local_ufrag(t->ice);
}

const char *vt_transport_local_pwd(VtMediaTransport *t)
{
  return vt_ice_get_local_pwd(t->ice);
}

gboolean vt_transport_gather(VtMediaTransport *t, GError **error)
{
  ON_OWNER(t);
  return vt_ice_gather(t->ice, error);
}

gboolean vt_transport_set_remote(VtMediaTransport *t, const VtSdpRemoteTransport *remote,
                                 VtSdpSetup local_setup, GError **error)
{
  ON_OWNER(t);
  g_return_val_if_fail(!t->have_remote, FALSE);
  g_return_val_if_fail(local_setup != VT_SDP_SETUP_ACTPASS, FALSE);
  if (!vt_ice_set_remote_credentials(t->ice, remote->ice_ufrag, remote->ice_pwd, error))
    return FALSE;
  for (char **c = remote->candidates; c && *c; c++) {
    g_autoptr(GError) ignored = NULL; /* one unusable candidate is not fatal */
    if (!vt_ice_add_remote_candidate(t->ice, *c, &ignored))
      g_debug("remote candidate skipped: %s", ignored->message);
  }
  if (remote->end_of_candidates)
    vt_ice_remote_end_of_candidates(t->ice);
  memcpy(t->remote_fingerprint, remote->fingerprint, sizeof t->remote_fingerprint);
  t->local_setup = local_setup;
  VtDtlsRole role = local_setup == VT_SDP_SETUP_ACTIVE ? VT_DTLS_ROLE_CLIENT : VT_DTLS_ROLE_SERVER;
  t->dtls = vt_dtls_new(t->cert, role, t->remote_fingerprint, dtls_send, t);
  t->have_remote = TRUE;
  if (vt_ice_get_state(t->ice) == VT_ICE_STATE_CONNECTED)
    start_dtls(t);
  return TRUE;
}

gboolean vt_transport_add_candidate(VtMediaTransport *t, const char *line, GError **error)
{
  ON_OWNER(t);
  if (line == NULL || line[0] == '\0') {
    vt_ice_remote_end_of_candidates(t->ice);
    return TRUE;
  }
  return vt_ice_add_remote_candidate(t->ice, line, error);
}

gboolean vt_transport_is_up(const VtMediaTransport *t)
{
  return t->srtp_out != NULL && !t->failed;
}

int vt_transport_send_rtp(VtMediaTransport *t, uint8_t *buf, size_t len, size_t cap)
{
  if (G_UNLIKELY(t->srtp_out == NULL || t->failed))
    return -ENOTCONN;
  int rc = vt_srtp_protect_rtp(t->srtp_out, buf, &len, cap);
  if (rc == 0)
    rc = vt_ice_send(t->ice, buf, len);
  if (G_UNLIKELY(rc < 0))
    t->stats.send_errors++;
  else
    t->stats.rtp_out++;
  return rc;
}

int vt_transport_send_rtcp(VtMediaTransport *t, uint8_t *buf, size_t len, size_t cap)
{
  if (G_UNLIKELY(t->srtp_out == NULL || t->failed))
    return -ENOTCONN;
  int rc = vt_srtp_protect_rtcp(t->srtp_out, buf, &len, cap);
  if (rc == 0)
    rc = vt_ice_send(t->ice, buf, len);
  if (G_UNLIKELY(rc < 0))
    t->stats.send_errors++;
  else
    t->stats.rtcp_out++;
  return rc;
}

int vt_transport_send_datagram(VtMediaTransport *t, const uint8_t *buf, size_t len)
{
  return vt_ice_send(t->ice, buf, len);
}

void vt_transport_get_stats(const VtMediaTransport *t, VtMediaTransportStats *stats)
{
  *stats = t->stats;
}
