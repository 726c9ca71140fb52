/* The STUN/TURN servers of the server's `joined` message, in the form
 * webrtcbin takes (docs/protocol.md, `joined.ice_servers`). */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  char *stun;   /* "stun://host:port" for webrtcbin's stun-server, or NULL */
  char **turns; /* NULL-terminated "turn(s)://user:password@host:port?..." */
} VtClientIceServers;

/* Reads `ice_servers` (may be NULL): the first STUN URL, and every TURN URL
 * with its username and credential percent-encoded into the URI. Entries
 * that are not understood are skipped, each with a line in *warnings
 * (a GPtrArray of char*, may be NULL). */
void vt_client_ice_servers_read(JsonArray *ice_servers, VtClientIceServers *out,
                                GPtrArray *warnings);
void vt_client_ice_servers_clear(VtClientIceServers *servers);

/* Hands them to a webrtcbin before it gathers; with relay_only, ICE uses
 * nothing but TURN relay candidates. */
void vt_client_ice_servers_apply(const VtClientIceServers *servers, gboolean relay_only,
                                 GstElement *webrtc);

G_END_DECLS
