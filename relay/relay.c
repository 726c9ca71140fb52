/* The relay interface without a media path: see relay.h. */
#include "relay/relay.h"

G_DEFINE_QUARK(vt-relay-error-quark, vt_relay_error)

struct _VtRelay {
  VtRelayEvents events;
  gpointer data;
};

VtRelay *vt_relay_new(const VtRelayEvents *events, gpointer data)
{
  VtRelay *relay = g_new0(VtRelay, 1);
  relay->events = *events;
  relay->data = data;
  return relay;
}

void vt_relay_free(VtRelay *relay)
{
  g_free(relay);
}

static gboolean not_available(GError **error)
{
  g_set_error_literal(error, VT_RELAY_ERROR, VT_RELAY_ERROR_NOT_AVAILABLE,
                      "media is not available on this server yet");
  return FALSE;
}

gboolean vt_relay_publish_offer(VtRelay *relay, const char *room, const char *participant,
                                const char *sdp, GError **error)
{
  return not_available(error);
}

gboolean vt_relay_subscribe_answer(VtRelay *relay, const char *room, const char *participant,
                                   const char *sdp, GError **error)
{
  return not_available(error);
}

gboolean vt_relay_add_candidate(VtRelay *relay, const char *room, const char *participant,
                                VtPcKind pc, const char *candidate, const char *sdp_mid,
                                int mline_index, GError **error)
{
  return not_available(error);
}

void vt_relay_participant_left(VtRelay *relay, const char *room, const char *participant)
{
}
