/* The HTTPS and WSS front door on libwebsockets, running on the main GLib
 * loop: the web app, /healthz, /metrics and the /ws signaling socket, whose
 * messages go to the hub. */
#pragma once

#include <glib.h>

#include "app/config.h"
#include "app/store.h"

G_BEGIN_DECLS

typedef struct _VtServer VtServer;

/* Starts listening on the loop's context. The store must outlive the server. */
VtServer *vt_server_new(const VtConfig *config, VtStore *store, const char *cert_path,
                        const char *key_path, const char *token_key, GMainLoop *loop,
                        GError **error);
/* The port actually bound (useful with port 0). */
guint vt_server_port(VtServer *server);
/* Tells every peer the server is going away; returns at once. Call
 * vt_server_free after the loop has run a little to let the close frames out. */
void vt_server_shutdown(VtServer *server);
void vt_server_free(VtServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtServer, vt_server_free)

G_END_DECLS
