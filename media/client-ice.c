/* joined.ice_servers -> webrtcbin; see client-ice.h. */
#define GST_USE_UNSTABLE_API
#include "media/client-ice.h"

#include <gio/gio.h>
#include <gst/webrtc/webrtc.h>
#include <string.h>

/* "stun:host:port" -> "stun://host:port"; NULL for anything else. */
static char *stun_uri(const char *url)
{
  if (g_str_has_prefix(url, "stun:") && url[5] != '\0' && !g_str_has_prefix(url, "stun://"))
    return g_strconcat("stun://", url + 5, NULL);
  return NULL;
}

/* "turn:host:port?transport=udp" + credentials ->
 * "turn://user:password@host:port?transport=udp" (turns: likewise). */
static char *turn_uri(const char *url, const char *user, const char *password)
{
  const char *scheme = g_str_has_prefix(url, "turns:") ? "turns" : "turn";
  gsize skip = strlen(scheme) + 1;
  if (!user || !password || !g_str_has_prefix(url, scheme) || url[skip - 1] != ':' ||
      url[skip] == '\0' || url[skip] == '/')
    return NULL;
  g_autofree char *u = g_uri_escape_string(user, NULL, FALSE);
  g_autofree char *p = g_uri_escape_string(password, NULL, FALSE);
  return g_strdup_printf("%s://%s:%s@%s", scheme, u, p, url + skip);
}

static void read_server(JsonObject *server, VtClientIceServers *out, GPtrArray *turns,
                        GPtrArray *warnings)
{
  JsonNode *urls = json_object_get_member(server, "urls");
  const char *user = json_object_get_string_member_with_default(server, "username", NULL);
  const char *password = json_object_get_string_member_with_default(server, "credential", NULL);
  JsonArray *list = urls && JSON_NODE_HOLDS_ARRAY(urls) ? json_node_get_array(urls) : NULL;
  for (guint i = 0; list && i < json_array_get_length(list); i++) {
    const char *url = json_node_get_string(json_array_get_element(list, i));
    char *stun = url ? stun_uri(url) : NULL;
    char *turn = url && !stun ? turn_uri(url, user, password) : NULL;
    if (stun && !out->stun)
      out->stun = stun;
    else
      g_free(stun);
    if (turn)
      g_ptr_array_add(turns, turn);
    if (!stun && !turn && warnings)
      g_ptr_array_add(warnings, g_strdup_printf("ICE server '%s' not used", url ? url : "?"));
  }
}

void vt_client_ice_servers_read(JsonArray *ice_servers, VtClientIceServers *out,
                                GPtrArray *warnings)
{
  memset(out, 0, sizeof *out);
  GPtrArray *turns = g_ptr_array_new();
  for (guint i = 0; ice_servers && i < json_array_get_length(ice_servers); i++) {
    JsonNode *node = json_array_get_element(ice_servers, i);
    if (JSON_NODE_HOLDS_OBJECT(node))
      read_server(json_node_get_object(node), out, turns, warnings);
  }
  g_ptr_array_add(turns, NULL);
  out->turns = (char **)g_ptr_array_free(turns, FALSE);
}

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
