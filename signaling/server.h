/* The HTTPS and WSS front door on libwebsockets, running on the main GLib
 * loop: the web app, /healthz, /metrics and the /ws signaling socket, whose
 * messages go to the hub. */
#pragma once

#include <glib.h>

#include "signaling/hub.h"
#include "store/store.h"

G_BEGIN_DECLS

typedef struct _VtServer VtServer;

/* What the server needs to know; the caller (app/serve.c) fills it from the
 * configuration. Strings and tables are borrowed and must outlive the
 * server. */
typedef struct {
  const char *listen; /* address; NULL: every interface */
  guint port;         /* 0: any free port */
  const char *cert_path;
  const char *key_path;
  const char *web_dir;     /* the web app; NULL: the source tree's web/ */
  char **allowed_origins;  /* besides the server's own; may be NULL */
  const char *public_url;  /* for links; NULL: https://localhost:PORT */
  GHashTable *shops;       /* store id -> VtShopConfig*; may be NULL */
  guint walk_ins_per_hour; /* per address; 0: no limit */
  guint max_sockets_per_ip;
  guint max_connections_per_ip;
  guint max_handshakes;
  guint socket_queue_bytes;
  guint queued_bytes;
  VtHubConfig hub; /* the relay, the token key, the hub's limits */
} VtServerOptions;

/* Starts listening on the loop's context. The store and the relay in
 * options->hub must outlive the server. */
VtServer *vt_server_new(const VtServerOptions *options, VtStore *store, GMainLoop *loop,
                        GError **error);
/* The port actually bound (useful with port 0). */
guint vt_server_port(VtServer *server);
/* Tells every peer the server is going away; returns at once. Call
 * vt_server_free after the loop has run a little to let the close frames out. */
void vt_server_shutdown(VtServer *server);
void vt_server_free(VtServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtServer, vt_server_free)

G_END_DECLS
