/* The STUN/TURN servers of the server's `joined` message, in the form
 * webrtcbin takes (docs/protocol.md, `joined.ice_servers`), and what a
 * failed connection's message can say about the addresses on either side. */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  char *stun;   /* "stun://host:port" for webrtcbin's stun-server, or NULL */
  char **turns; /* NULL-terminated "turn(s)://user:password@host:port?..." */
} VtClientIceServers;

/* Read from `joined` by vt_client_ice_servers_read() (client-message.h). */
void vt_client_ice_servers_clear(VtClientIceServers *servers);

/* Hands them to a webrtcbin before it gathers; with relay_only, ICE uses
 * nothing but TURN relay candidates. */
void vt_client_ice_servers_apply(const VtClientIceServers *servers, gboolean relay_only,
                                 GstElement *webrtc);

/* The remote candidates a connection has seen, for explaining its failure. */
typedef struct {
  guint remote;          /* candidates seen */
  guint remote_loopback; /* of which on a loopback address */
} VtClientIceSeen;

/* Counts one remote candidate line ("candidate:..." or "a=candidate:...");
 * one whose address is a host name (mDNS) counts as not loopback. */
void vt_client_ice_seen_add(VtClientIceSeen *seen, const char *candidate);

/* What to tell a user whose connection failed in ICE when one side offers
 * only loopback addresses and the other none (a server started for tests or
 * for this machine alone, a client told --local-address 127.0.0.1, or the
 * other way round), or NULL when the addresses do not explain it. `local`
 * is the client's --local-address list (NULL: every interface, which
 * libnice takes without loopback). (transfer none) */
const char *vt_client_ice_failure_hint(const VtClientIceSeen *seen, const char *const *local);

G_END_DECLS
