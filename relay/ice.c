/* ICE transport for one peer connection: a thin adapter around one
 * NiceAgent (see ice.h for the contract).
 *
 * Why the receive path uses nice_agent_attach_recv() and not
 * nice_agent_recv_messages_nonblocking() with NiceInputMessage.from: libnice
 * forbids combining the two on a component, and the non-blocking call has no
 * readiness notification on our context (without a callback, libnice polls
 * the sockets on a private per-component context that only its blocking
 * receive iterates). So we attach the receive callback to the worker
 * context, and acceptance works in two layers:
 *   1. libnice itself drops every non-STUN datagram whose source is not the
 *      remote candidate of a pair that passed a connectivity check with our
 *      credentials (nice_component_verify_remote_candidate());
 *   2. while no pair is selected yet (before nomination), we hold the first
 *      EARLY_MAX such datagrams and hand them to `receive` the moment a pair
 *      is selected; we drop, and count, the rest, and everything that
 *      arrives after FAILED or CLOSED.
 * Why hold rather than drop: the peer's ICE can be done before ours. A
 * browser sends its DTLS ClientHello as soon as one of its checks succeeded,
 * which is before the relay's agent has a nominated pair (the relay's own
 * triggered check, or its nomination, is still under way); dropped, the
 * handshake waited for the browser to retransmit it (issue #10 measured
 * first frames 100 ms and more later than Janus'). Why hold rather than accept at once: the answer (ServerHello)
 * cannot go out yet, because libnice 0.1.21 sends only on a selected pair
 * (nice_agent_send() fails without one, and forcing a pair with
 * nice_agent_set_selected_pair() would end the checks and nomination).
 * Holding costs no security: what is held passed layer 1 like everything
 * else, so it comes from an address that proved it knows the ICE password,
 * and it is delivered only once a pair is selected.
 * The remaining gap: the callback does not say which validated remote sent a
 * datagram, so one from another ICE-validated address of the same peer is
 * accepted too. Every such address has proven knowledge of the ICE password,
 * so it is still "ICE-validated" in the sense of the design.
 *
 * libnice hands the callback its own receive buffer, so nothing is copied or
 * allocated per packet here; the early datagrams held before nomination are
 * the only copies, in one buffer allocated when the first arrives and freed
 * when they are delivered. */
#include "relay/ice.h"

#include "relay/candidate.h"
#include "relay/worker.h"

#include <errno.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <nice/agent.h>

#define COMPONENT 1 /* BUNDLE + rtcp-mux: one component */
#define DEFAULT_STUN_PORT 3478
/* Datagrams held before a pair is selected: a DTLS ClientHello is one
 * datagram (two or three with a large certificate chain or fragmentation),
 * and a peer retransmits it, so a few are enough; 6 KB at most, and only
 * for a connection whose peer has passed a check. */
#define EARLY_MAX 4

/* What arrived from an ICE-checked address before a pair was selected. */
typedef struct {
  guint n;
  guint16 len[EARLY_MAX];
  uint8_t buf[EARLY_MAX][VT_ICE_MAX_DATAGRAM];
} EarlyQueue;

struct _VtIce {
  GMainContext *ctx;
  NiceAgent *agent;
  guint stream_id;
  VtIceCallbacks cb;
  gpointer data;
  VtIceState state;
  gboolean selected; /* a pair is selected and usable */
  gboolean recv_attached;
  gboolean ice_tcp;
  gboolean have_ipv4; /* local families, for refusing remote candidates */
  gboolean have_ipv6;
  gboolean loopback_only; /* every local address is loopback: so must remotes be */
  gboolean have_public; /* public_addr is set */
  NiceAddress public_addr;
  char *ufrag;
  char *pwd;
  EarlyQueue *early; /* NULL until a datagram arrives before selection */
  guint n_remote;    /* remote candidates taken */
  VtIceStats stats;
};

/* clang-format off */
G_DEFINE_QUARK(vt-ice-error-quark, vt_ice_error)
/* clang-format on */

/* ---- state ---------------------------------------------------------------- */

static void set_state(VtIce *ice, VtIceState state)
{
  if (ice->state == state || ice->state == VT_ICE_STATE_CLOSED)
    return;
  ice->state = state;
  if (state != VT_ICE_STATE_CONNECTED)
    ice->selected = FALSE;
  if (ice->cb.state)
    ice->cb.state(ice->data, state);
}

/* Maps libnice's component states onto ours. CONNECTED is only reported
 * once a pair is selected, which libnice signals just before. */
static void on_component_state(NiceAgent *agent, guint stream_id, guint component_id, guint nstate,
                               gpointer user_data)
{
  VtIce *ice = user_data;

  if (stream_id != ice->stream_id || component_id != COMPONENT)
    return;
  switch (nstate) {
  case NICE_COMPONENT_STATE_GATHERING:
  case NICE_COMPONENT_STATE_CONNECTING:
    set_state(ice, VT_ICE_STATE_CHECKING);
    break;
  case NICE_COMPONENT_STATE_CONNECTED:
  case NICE_COMPONENT_STATE_READY:
    if (ice->selected)
      set_state(ice, VT_ICE_STATE_CONNECTED);
    break;
  case NICE_COMPONENT_STATE_FAILED:
    set_state(ice, VT_ICE_STATE_FAILED);
    break;
  default:
    break;
  }
}

static void deliver_early(VtIce *ice);

static void on_selected_pair(NiceAgent *agent, guint stream_id, guint component_id,
                             NiceCandidate *local, NiceCandidate *remote, gpointer user_data)
{
  VtIce *ice = user_data;

  if (stream_id != ice->stream_id || component_id != COMPONENT)
    return;
  if (ice->state == VT_ICE_STATE_CLOSED)
    return;
  ice->selected = TRUE;
  if (nice_agent_get_component_state(agent, stream_id, component_id) >=
          NICE_COMPONENT_STATE_CONNECTED &&
      nice_agent_get_component_state(agent, stream_id, component_id) != NICE_COMPONENT_STATE_FAILED)
    set_state(ice, VT_ICE_STATE_CONNECTED);
  /* After CONNECTED, so that a DTLS server's timer has started when the
   * client's early hello reaches it; either order would work. */
  deliver_early(ice);
}

/* Calls come from the thread of the agent's context (worker.h); not
 * checked on the per-packet path. */
#define ON_OWNER(ice) g_assert(vt_context_is_mine((ice)->ctx))

/* ---- local candidates ----------------------------------------------------- */

/* Emits one local candidate as "candidate:...", with the announced public
 * address in place of the host address of IPv4 host candidates. */
static void on_new_candidate(NiceAgent *agent, NiceCandidate *cand, gpointer user_data)
{
  VtIce *ice = user_data;
  NiceCandidate *announced = cand;
  NiceCandidate copy; /* shallow: only read by the SDP generator */

  if (cand->stream_id != ice->stream_id || ice->cb.local_candidate == NULL)
    return;
  if (ice->have_public && cand->type == NICE_CANDIDATE_TYPE_HOST &&
      nice_address_ip_version(&cand->addr) == 4) {
    copy = *cand;
    copy.addr = ice->public_addr;
    nice_address_set_port(&copy.addr, nice_address_get_port(&cand->addr));
    announced = &copy;
  }
  g_autofree char *sdp = nice_agent_generate_local_candidate_sdp(agent, announced);
  if (sdp == NULL)
    return;
  ice->cb.local_candidate(ice->data, g_str_has_prefix(sdp, "a=") ? sdp + 2 : sdp);
}

static void on_gathering_done(NiceAgent *agent, guint stream_id, gpointer user_data)
{
  VtIce *ice = user_data;

  if (stream_id == ice->stream_id && ice->cb.gathering_done)
    ice->cb.gathering_done(ice->data);
}

/* ---- receive path --------------------------------------------------------- */

/* Keeps a datagram that arrived before the first pair was selected (see the
 * top of the file), up to EARLY_MAX; later ones, and any after FAILED or
 * CLOSED, are dropped. */
static void hold_early(VtIce *ice, const uint8_t *buf, size_t len)
{
  gboolean before_selection = ice->state == VT_ICE_STATE_NEW || ice->state == VT_ICE_STATE_CHECKING;
  if (!before_selection || (ice->early != NULL && ice->early->n == EARLY_MAX)) {
    ice->stats.dropped_unselected++;
    return;
  }
  if (ice->early == NULL) {
    ice->early = g_new(EarlyQueue, 1);
    ice->early->n = 0;
  }
  EarlyQueue *q = ice->early;
  memcpy(q->buf[q->n], buf, len);
  q->len[q->n] = (guint16)len;
  q->n++;
  ice->stats.held_early++;
}

/* Hands what was held to `receive`, in the order it came, now that a pair is
 * selected. A callback may close the VtIce: what is left is then dropped. */
static void deliver_early(VtIce *ice)
{
  g_autofree EarlyQueue *q = g_steal_pointer(&ice->early);
  if (q == NULL)
    return;
  for (guint i = 0; i < q->n; i++) {
    if (!ice->selected) {
      ice->stats.dropped_unselected += q->n - i;
      return;
    }
    ice->stats.received++;
    if (ice->cb.receive)
      ice->cb.receive(ice->data, q->buf[i], q->len[i]);
  }
}

static void on_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *buf,
                    gpointer user_data)
{
  VtIce *ice = user_data;

  if (G_UNLIKELY(len > VT_ICE_MAX_DATAGRAM)) {
    ice->stats.dropped_oversize++;
    return;
  }
  if (G_UNLIKELY(!ice->selected)) {
    hold_early(ice, (const uint8_t *)buf, len);
    return;
  }
  ice->stats.received++;
  if (ice->cb.receive)
    ice->cb.receive(ice->data, (const uint8_t *)buf, len);
}

/* ---- setup ---------------------------------------------------------------- */

static gboolean is_loopback(const NiceAddress *addr)
{
  struct sockaddr_storage ss;
  nice_address_copy_to_sockaddr(addr, (struct sockaddr *)&ss);
  if (ss.ss_family == AF_INET)
    return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
  if (ss.ss_family == AF_INET6)
    return IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr);
  return FALSE;
}

/* Adds the configured local addresses and notes their families. */
static gboolean add_local_addresses(VtIce *ice, const char *const *addrs, GError **error)
{
  if (addrs == NULL) {
    ice->have_ipv4 = ice->have_ipv6 = TRUE;
    return TRUE;
  }
  ice->loopback_only = TRUE;
  for (const char *const *a = addrs; *a != NULL; a++) {
    NiceAddress addr;
    nice_address_init(&addr);
    if (!nice_address_set_from_string(&addr, *a)) {
      g_set_error(error, VT_ICE_ERROR, VT_ICE_ERROR_INVALID, "bad local address \"%s\"", *a);
      return FALSE;
    }
    if (!nice_agent_add_local_address(ice->agent, &addr)) {
      g_set_error(error, VT_ICE_ERROR, VT_ICE_ERROR_FAILED, "cannot use local address %s", *a);
      return FALSE;
    }
    ice->loopback_only &= is_loopback(&addr);
    if (nice_address_ip_version(&addr) == 4)
      ice->have_ipv4 = TRUE;
    else
      ice->have_ipv6 = TRUE;
  }
  return TRUE;
}

/* Applies everything in config except the local addresses. */
static gboolean apply_config(VtIce *ice, const VtIceConfig *config, GError **error)
{
  ice->ice_tcp = config->ice_tcp;
  g_object_set(ice->agent, "ice-tcp", config->ice_tcp, "ice-udp", TRUE, "upnp", FALSE, NULL);
  if (config->stun_server != NULL)
    g_object_set(ice->agent, "stun-server", config->stun_server, "stun-server-port",
                 config->stun_port ? config->stun_port : DEFAULT_STUN_PORT, NULL);
  if (config->public_ipv4 != NULL) {
    nice_address_init(&ice->public_addr);
    if (!nice_address_set_from_string(&ice->public_addr, config->public_ipv4) ||
        nice_address_ip_version(&ice->public_addr) != 4) {
      g_set_error(error, VT_ICE_ERROR, VT_ICE_ERROR_INVALID, "bad public IPv4 address \"%s\"",
                  config->public_ipv4);
      return FALSE;
    }
    ice->have_public = TRUE;
  }
  if (config->min_port > config->max_port || config->max_port > 65535) {
    g_set_error(error, VT_ICE_ERROR, VT_ICE_ERROR_INVALID, "bad port range %u-%u", config->min_port,
                config->max_port);
    return FALSE;
  }
  return add_local_addresses(ice, config->local_addresses, error);
}

static void connect_signals(VtIce *ice)
{
  g_signal_connect(ice->agent, "new-candidate-full", G_CALLBACK(on_new_candidate), ice);
  g_signal_connect(ice->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), ice);
  g_signal_connect(ice->agent, "component-state-changed", G_CALLBACK(on_component_state), ice);
  g_signal_connect(ice->agent, "new-selected-pair-full", G_CALLBACK(on_selected_pair), ice);
}

VtIce *vt_ice_new(GMainContext *ctx, gboolean controlling, const VtIceConfig *config,
                  const VtIceCallbacks *cb, gpointer data, GError **error)
{
  static const VtIceConfig defaults = {0};
  g_return_val_if_fail(ctx != NULL, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  VtIce *ice = g_new0(VtIce, 1);
  ice->ctx = ctx;
  ice->data = data;
  if (cb != NULL)
    ice->cb = *cb;
  if (config == NULL)
    config = &defaults;
  ice->agent =
      nice_agent_new_full(ctx, NICE_COMPATIBILITY_RFC5245,
                          NICE_AGENT_OPTION_REGULAR_NOMINATION | NICE_AGENT_OPTION_ICE_TRICKLE |
                              NICE_AGENT_OPTION_CONSENT_FRESHNESS);
  g_object_set(ice->agent, "controlling-mode", controlling, NULL);
  if (!apply_config(ice, config, error))
    goto fail;
  ice->stream_id = nice_agent_add_stream(ice->agent, 1);
  if (ice->stream_id == 0) {
    g_set_error(error, VT_ICE_ERROR, VT_ICE_ERROR_FAILED, "cannot add ICE stream");
    goto fail;
  }
  if (config->max_port != 0)
    nice_agent_set_port_range(ice->agent, ice->stream_id, COMPONENT, config->min_port,
                              config->max_port);
  nice_agent_get_local_credentials(ice->agent, ice->stream_id, &ice->ufrag, &ice->pwd);
  connect_signals(ice);
  ice->recv_attached =
      nice_agent_attach_recv(ice->agent, ice->stream_id, COMPONENT, ctx, on_recv, ice);
  return ice;

fail:
  vt_ice_free(ice);
  return NULL;
}

/* Detaches the receive callback (its socket sources leave the context). */
static void detach(VtIce *ice)
{
  if (ice->recv_attached) {
    nice_agent_attach_recv(ice->agent, ice->stream_id, COMPONENT, ice->ctx, NULL, NULL);
    ice->recv_attached = FALSE;
  }
}

void vt_ice_free(VtIce *ice)
{
  if (ice == NULL)
    return;
  if (ice->agent != NULL) {
    detach(ice);
    g_signal_handlers_disconnect_by_data(ice->agent, ice);
    g_clear_object(&ice->agent);
  }
  g_free(ice->early);
  g_free(ice->ufrag);
  g_free(ice->pwd);
  g_free(ice);
}

/* ---- signaling ------------------------------------------------------------ */

const char *vt_ice_get_local_ufrag(VtIce *ice)
{
  g_return_val_if_fail(ice != NULL, NULL);
  return ice->ufrag;
}

const char *vt_ice_get_local_pwd(VtIce *ice)
{
  g_return_val_if_fail(ice != NULL, NULL);
  return ice->pwd;
}

gboolean vt_ice_set_remote_credentials(VtIce *ice, const char *ufrag, const char *pwd,
                                       GError **error)
{
  g_return_val_if_fail(ice != NULL && ufrag != NULL && pwd != NULL, FALSE);
  ON_OWNER(ice);

  /* RFC 8839 5.4: ufrag 4..256 and pwd 22..256 ice-chars. */
  if (strlen(ufrag) < 4 || strlen(ufrag) > 256 || strlen(pwd) < 22 || strlen(pwd) > 256) {
    g_set_error(error, VT_ICE_ERROR, VT_ICE_ERROR_INVALID, "bad remote ICE credentials");
    return FALSE;
  }
  if (!nice_agent_set_remote_credentials(ice->agent, ice->stream_id, ufrag, pwd)) {
    g_set_error(error, VT_ICE_ERROR, VT_ICE_ERROR_FAILED, "remote credentials refused");
    return FALSE;
  }
  return TRUE;
}

/* Refuses a parsed candidate that we cannot or will not use. */
static gboolean check_remote(VtIce *ice, const NiceCandidate *cand, GError **error)
{
  int family = nice_address_ip_version(&cand->addr);

  if (cand->component_id != COMPONENT) {
    g_set_error(error, VT_ICE_ERROR, VT_ICE_ERROR_UNSUPPORTED,
                "candidate for component %u (rtcp-mux is required)", cand->component_id);
    return FALSE;
  }
  if (cand->transport != NICE_CANDIDATE_TRANSPORT_UDP && !ice->ice_tcp) {
    g_set_error(error, VT_ICE_ERROR, VT_ICE_ERROR_UNSUPPORTED, "TCP candidate, ICE-TCP is off");
    return FALSE;
  }
  if ((family == 4 && !ice->have_ipv4) || (family == 6 && !ice->have_ipv6) ||
      (family != 4 && family != 6)) {
    g_set_error(error, VT_ICE_ERROR, VT_ICE_ERROR_UNSUPPORTED,
                "candidate address family not in use");
    return FALSE;
  }
  if (ice->n_remote >= VT_ICE_MAX_REMOTE_CANDIDATES) {
    g_set_error(error, VT_ICE_ERROR, VT_ICE_ERROR_UNSUPPORTED,
                "more than %u remote candidates", VT_ICE_MAX_REMOTE_CANDIDATES);
    return FALSE;
  }
  /* A relay kept on loopback (tests) never sends a check anywhere else. */
  if (ice->loopback_only && !is_loopback(&cand->addr)) {
    g_set_error(error, VT_ICE_ERROR, VT_ICE_ERROR_UNSUPPORTED,
                "not a loopback address, and the relay uses loopback only");
    return FALSE;
  }
  return TRUE;
}

/* libnice's candidate for what our parser read: every field is checked, so
 * the address conversions cannot fail. */
static NiceCandidate *to_nice(VtIce *ice, const VtCandidate *c)
{
  static const NiceCandidateType types[] = {
      [VT_CANDIDATE_HOST] = NICE_CANDIDATE_TYPE_HOST,
      [VT_CANDIDATE_SRFLX] = NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE,
      [VT_CANDIDATE_PRFLX] = NICE_CANDIDATE_TYPE_PEER_REFLEXIVE,
      [VT_CANDIDATE_RELAY] = NICE_CANDIDATE_TYPE_RELAYED,
  };
  static const NiceCandidateTransport transports[] = {
      [VT_CANDIDATE_UDP] = NICE_CANDIDATE_TRANSPORT_UDP,
      [VT_CANDIDATE_TCP_ACTIVE] = NICE_CANDIDATE_TRANSPORT_TCP_ACTIVE,
      [VT_CANDIDATE_TCP_PASSIVE] = NICE_CANDIDATE_TRANSPORT_TCP_PASSIVE,
      [VT_CANDIDATE_TCP_SO] = NICE_CANDIDATE_TRANSPORT_TCP_SO,
  };
  NiceCandidate *cand = nice_candidate_new(types[c->type]);
  cand->stream_id = ice->stream_id;
  cand->component_id = c->component;
  cand->transport = transports[c->transport];
  cand->priority = c->priority;
  g_strlcpy(cand->foundation, c->foundation, sizeof cand->foundation);
  gboolean ok = nice_address_set_from_string(&cand->addr, c->address);
  nice_address_set_port(&cand->addr, c->port);
  if (c->has_related) {
    ok = ok && nice_address_set_from_string(&cand->base_addr, c->related_address);
    nice_address_set_port(&cand->base_addr, c->related_port);
  }
  g_assert(ok);
  return cand;
}

gboolean vt_ice_add_remote_candidate(VtIce *ice, const char *candidate_line, GError **error)
{
  g_return_val_if_fail(ice != NULL && candidate_line != NULL, FALSE);
  ON_OWNER(ice);

  VtCandidate parsed;
  g_autoptr(GError) parse_error = NULL;
  if (!vt_candidate_parse(candidate_line, strlen(candidate_line), &parsed, &parse_error)) {
    /* A name is a candidate we cannot use, not garbage: skipped quietly. */
    gboolean name = g_error_matches(parse_error, VT_CANDIDATE_ERROR, VT_CANDIDATE_ERROR_HOST_NAME);
    g_set_error(error, VT_ICE_ERROR, name ? VT_ICE_ERROR_UNSUPPORTED : VT_ICE_ERROR_INVALID,
                "bad candidate: %s", parse_error->message);
    return FALSE;
  }
  NiceCandidate *cand = to_nice(ice, &parsed);
  g_autoptr(GSList) list = g_slist_prepend(NULL, cand);
  gboolean ok = check_remote(ice, cand, error);
  if (ok && nice_agent_set_remote_candidates(ice->agent, ice->stream_id, COMPONENT, list) < 1) {
    g_set_error(error, VT_ICE_ERROR, VT_ICE_ERROR_FAILED, "remote candidate refused");
    ok = FALSE;
  }
  if (ok)
    ice->n_remote++;
  nice_candidate_free(cand);
  return ok;
}

void vt_ice_remote_end_of_candidates(VtIce *ice)
{
  g_return_if_fail(ice != NULL);
  ON_OWNER(ice);
  nice_agent_peer_candidate_gathering_done(ice->agent, ice->stream_id);
}

gboolean vt_ice_gather(VtIce *ice, GError **error)
{
  g_return_val_if_fail(ice != NULL, FALSE);
  ON_OWNER(ice);
  if (!nice_agent_gather_candidates(ice->agent, ice->stream_id)) {
    g_set_error(error, VT_ICE_ERROR, VT_ICE_ERROR_FAILED, "cannot gather ICE candidates");
    return FALSE;
  }
  return TRUE;
}

/* ---- send and lifecycle --------------------------------------------------- */

int vt_ice_send(VtIce *ice, const uint8_t *buf, size_t len)
{
  g_return_val_if_fail(ice != NULL && buf != NULL, -EINVAL);

  if (G_UNLIKELY(!ice->selected))
    return -ENOTCONN;
  if (G_UNLIKELY(len == 0 || len > 65535))
    return -EMSGSIZE;
  gint r = nice_agent_send(ice->agent, ice->stream_id, COMPONENT, (guint)len, (const gchar *)buf);
  return G_UNLIKELY(r < 0) ? -EIO : 0;
}

void vt_ice_close(VtIce *ice)
{
  g_return_if_fail(ice != NULL);
  ON_OWNER(ice);
  if (ice->state == VT_ICE_STATE_CLOSED)
    return;
  detach(ice);
  set_state(ice, VT_ICE_STATE_CLOSED);
  ice->selected = FALSE;
  if (ice->early != NULL)
    ice->stats.dropped_unselected += ice->early->n;
  g_clear_pointer(&ice->early, g_free);
}

VtIceState vt_ice_get_state(VtIce *ice)
{
  g_return_val_if_fail(ice != NULL, VT_ICE_STATE_FAILED);
  return ice->state;
}

void vt_ice_get_stats(VtIce *ice, VtIceStats *stats)
{
  g_return_if_fail(ice != NULL && stats != NULL);
  *stats = ice->stats;
}
