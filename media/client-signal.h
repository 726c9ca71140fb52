/* The client's signaling socket: a WebSocket over TLS (libsoup 3) to the
 * server's /ws, carrying one JSON object per text message. It sends the
 * server's own Origin, uses no proxy, accepts any certificate only when told
 * to (--insecure), and reports on the thread-default main context of its
 * creator. libsoup answers the server's WebSocket pings. */
#pragma once

#include <json-glib/json-glib.h>

#include "media/client-message.h"

G_BEGIN_DECLS

typedef struct _VtClientSignal VtClientSignal;

typedef struct {
  void (*opened)(gpointer user);
  /* A text message that is a JSON object with a string type; anything else
   * is dropped with a warning. msg is (transfer none). */
  void (*message)(gpointer user, const VtServerMessage *msg);
  /* The connection failed (error set, code 0) or closed (code and reason
   * from the close frame, 1006 without one). Reported once. */
  void (*closed)(gpointer user, guint code, const char *reason, const char *error);
} VtClientSignalEvents;

/* events and user must outlive the socket. */
VtClientSignal *vt_client_signal_new(const char *ws_url, const char *origin, gboolean insecure,
                                     const VtClientSignalEvents *events, gpointer user);
void vt_client_signal_free(VtClientSignal *sig);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtClientSignal, vt_client_signal_free)

/* Starts connecting; events->opened or events->closed follows. */
void vt_client_signal_connect(VtClientSignal *sig);

gboolean vt_client_signal_is_open(VtClientSignal *sig);

/* Sends msg as one text message; dropped (FALSE) when not open. */
gboolean vt_client_signal_send(VtClientSignal *sig, JsonObject *msg);

/* Sends a close frame (1000); events->closed follows when the server
 * answers or the connection drops. */
void vt_client_signal_close(VtClientSignal *sig);

G_END_DECLS
