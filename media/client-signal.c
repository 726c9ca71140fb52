/* The client's signaling socket; see client-signal.h. */
#include "media/client-signal.h"

#include <libsoup/soup.h>

/* Server messages have no size limit (chat history can reach a few hundred
 * KiB, docs/protocol.md section 1); anything past this is a broken server. */
#define MAX_INCOMING (4 * 1024 * 1024)
#define CONNECT_TIMEOUT_S 15

struct _VtClientSignal {
  char *url;
  char *origin;
  gboolean insecure;
  const VtClientSignalEvents *events;
  gpointer user;
  SoupSession *session;
  SoupWebsocketConnection *ws;
  GCancellable *cancel;
  gboolean reported_close;
};

static void report_closed(VtClientSignal *sig, guint code, const char *reason, const char *error)
{
  if (sig->reported_close)
    return;
  sig->reported_close = TRUE;
  sig->events->closed(sig->user, code, reason, error);
}

static gboolean accept_certificate(SoupMessage *msg, GTlsCertificate *cert,
                                   GTlsCertificateFlags errors, gpointer data)
{
  return TRUE; /* only connected when --insecure was given */
}

static void on_message(SoupWebsocketConnection *ws, gint type, GBytes *data, gpointer user)
{
  VtClientSignal *sig = user;
  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    g_warning("signaling: ignoring a binary message");
    return;
  }
  gsize len;
  const char *text = g_bytes_get_data(data, &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(VtServerMessage) msg = vt_server_message_parse(text, len, &error);
  if (!msg) {
    g_warning("signaling: ignoring a message: %s", error->message);
    return;
  }
  sig->events->message(sig->user, msg);
}

static void on_closed(SoupWebsocketConnection *ws, gpointer user)
{
  VtClientSignal *sig = user;
  guint code = soup_websocket_connection_get_close_code(ws);
  report_closed(sig, code ? code : 1006, soup_websocket_connection_get_close_data(ws), NULL);
}

static void on_connected(GObject *source, GAsyncResult *res, gpointer user)
{
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *ws =
      soup_session_websocket_connect_finish(SOUP_SESSION(source), res, &error);
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* the socket object is gone */
  VtClientSignal *sig = user;
  if (!ws) {
    report_closed(sig, 0, NULL, error->message);
    return;
  }
  sig->ws = ws;
  soup_websocket_connection_set_max_incoming_payload_size(ws, MAX_INCOMING);
  soup_websocket_connection_set_keepalive_interval(ws, 0); /* the server pings */
  g_signal_connect(ws, "message", G_CALLBACK(on_message), sig);
  g_signal_connect(ws, "closed", G_CALLBACK(on_closed), sig);
  sig->events->opened(sig->user);
}

VtClientSignal *vt_client_signal_new(const char *ws_url, const char *origin, gboolean insecure,
                                     const VtClientSignalEvents *events, gpointer user)
{
  VtClientSignal *sig = g_new0(VtClientSignal, 1);
  sig->url = g_strdup(ws_url);
  sig->origin = g_strdup(origin);
  sig->insecure = insecure;
  sig->events = events;
  sig->user = user;
  sig->cancel = g_cancellable_new();
  /* No proxy: a counter camera talks to its server directly, and tests must
   * never leave loopback. */
  sig->session = soup_session_new_with_options("proxy-resolver", NULL, "timeout", CONNECT_TIMEOUT_S,
                                               "idle-timeout", 0, NULL);
  return sig;
}

void vt_client_signal_connect(VtClientSignal *sig)
{
  g_autoptr(SoupMessage) msg = soup_message_new("GET", sig->url);
  if (!msg) {
    g_autofree char *error = g_strdup_printf("bad WebSocket URL %s", sig->url);
    report_closed(sig, 0, NULL, error);
    return;
  }
  if (sig->insecure)
    g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_certificate), NULL);
  soup_session_websocket_connect_async(sig->session, msg, sig->origin, NULL, G_PRIORITY_DEFAULT,
                                       sig->cancel, on_connected, sig);
}

gboolean vt_client_signal_is_open(VtClientSignal *sig)
{
  return sig->ws && soup_websocket_connection_get_state(sig->ws) == SOUP_WEBSOCKET_STATE_OPEN;
}

gboolean vt_client_signal_send(VtClientSignal *sig, JsonObject *msg)
{
  if (!vt_client_signal_is_open(sig))
    return FALSE;
  g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
  json_node_set_object(node, msg);
  g_autofree char *text = json_to_string(node, FALSE);
  soup_websocket_connection_send_text(sig->ws, text);
  return TRUE;
}

void vt_client_signal_close(VtClientSignal *sig)
{
  if (vt_client_signal_is_open(sig))
    soup_websocket_connection_close(sig->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

void vt_client_signal_free(VtClientSignal *sig)
{
  if (!sig)
    return;
  g_cancellable_cancel(sig->cancel);
  if (sig->ws) {
    g_signal_handlers_disconnect_by_data(sig->ws, sig);
    if (soup_websocket_connection_get_state(sig->ws) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(sig->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    g_object_unref(sig->ws);
  }
  g_object_unref(sig->cancel);
  g_object_unref(sig->session);
  g_free(sig->url);
  g_free(sig->origin);
  g_free(sig);
}
