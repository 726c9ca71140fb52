/* joined.ice_servers -> webrtcbin; see client-ice.h. */
#define GST_USE_UNSTABLE_API
#include "media/client-ice.h"

#include <gio/gio.h>
#include <gst/webrtc/webrtc.h>
#include <string.h>

void vt_client_ice_servers_clear(VtClientIceServers *servers)
{
  g_clear_pointer(&servers->stun, g_free);
  g_clear_pointer(&servers->turns, g_strfreev);
}

void vt_client_ice_servers_apply(const VtClientIceServers *servers, gboolean relay_only,
                                 GstElement *webrtc)
{
  if (relay_only)
    g_object_set(webrtc, "ice-transport-policy", GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY, NULL);
  if (servers->stun)
    g_object_set(webrtc, "stun-server", servers->stun, NULL);
  for (char **t = servers->turns; t && *t; t++) {
    gboolean ok = FALSE;
    g_signal_emit_by_name(webrtc, "add-turn-server", *t, &ok);
    if (!ok)
      g_warning("webrtcbin refused TURN server %s", *t);
  }
}

static gboolean is_loopback(const char *text)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string(text);
  return address != NULL && g_inet_address_get_is_loopback(address);
}

void vt_client_ice_seen_add(VtClientIceSeen *seen, const char *candidate)
{
  /* foundation component transport priority address port "typ" type ... */
  g_auto(GStrv) fields = g_strsplit(candidate, " ", 6);
  if (g_strv_length(fields) < 6)
    return;
  seen->remote++;
  if (is_loopback(fields[4]))
    seen->remote_loopback++;
}

const char *vt_client_ice_failure_hint(const VtClientIceSeen *seen, const char *const *local)
{
  gboolean local_loopback = FALSE, local_other = local == NULL;
  for (const char *const *a = local; a && *a; a++) {
    if (is_loopback(*a))
      local_loopback = TRUE;
    else
      local_other = TRUE;
  }
  if (seen->remote > 0 && seen->remote_loopback == seen->remote && !local_loopback)
    return "the server offers only loopback addresses (it serves this machine alone); "
           "run the client with --local-address 127.0.0.1";
  if (seen->remote > 0 && seen->remote_loopback == 0 && !local_other)
    return "the client gathers on loopback addresses only (--local-address) and the server "
           "offers none";
  return NULL;
}
