/* Command line of `vitrine client`; see client-options.h. */
#include "media/client-options.h"

#include <gio/gio.h>
#include <string.h>

/* A device or file name is handed to GStreamer as it is; these bounds only
 * keep obvious mistakes (an empty name, a pasted blob) out. */
#define MAX_SOURCE_ARG 4096
#define MAX_DIMENSION 4096
#define MAX_FPS 120
#define MAX_KEYFRAME_INTERVAL 600 /* seconds */

void vt_client_options_free(VtClientOptions *options)
{
  if (!options)
    return;
  g_free(options->ws_url);
  g_free(options->origin);
  g_free(options->token);
  g_free(options->source_arg);
  g_strfreev(options->local_addresses);
  g_free(options);
}

static gboolean bad_value(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean bad_value(GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *message = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, message);
  return FALSE;
}

gboolean vt_client_parse_server(const char *server, char **ws_url, char **origin, GError **error)
{
  g_autoptr(GUri) uri = server ? g_uri_parse(server, G_URI_FLAGS_NONE, NULL) : NULL;
  if (!uri || !g_uri_get_host(uri) || !*g_uri_get_host(uri))
    return bad_value(error, "--server: '%s' is not a URL like https://host:port", server);
  const char *scheme = g_uri_get_scheme(uri);
  gboolean https = g_ascii_strcasecmp(scheme, "https") == 0;
  if (!https && g_ascii_strcasecmp(scheme, "wss") != 0)
    return bad_value(error, "--server: '%s': the server speaks TLS only; use https:// or wss://",
                     server);
  const char *path = g_uri_get_path(uri);
  gboolean path_ok = !*path || g_str_equal(path, "/") || (!https && g_str_equal(path, "/ws"));
  if (!path_ok || g_uri_get_query(uri) || g_uri_get_fragment(uri) || g_uri_get_userinfo(uri))
    return bad_value(error, "--server: '%s' must be the server's base URL (or its wss:// /ws URL)",
                     server);
  const char *host = g_uri_get_host(uri);
  int port = g_uri_get_port(uri);
  /* The Host header leaves the default port out, so the Origin must too. */
  int origin_port = port == 443 ? -1 : port;
  *ws_url = g_uri_join(G_URI_FLAGS_NONE, "wss", NULL, host, port, "/ws", NULL, NULL);
  *origin = g_uri_join(G_URI_FLAGS_NONE, "https", NULL, host, origin_port, "", NULL, NULL);
  return TRUE;
}

gboolean vt_client_parse_source(const char *spec, VtClientSource *source, char **arg,
                                GError **error)
{
  static const struct {
    const char *prefix;
    VtClientSource source;
  } kinds[] = {{"v4l2:", VT_CLIENT_SOURCE_V4L2}, {"file:", VT_CLIENT_SOURCE_FILE}};
  if (g_str_equal(spec, "test")) {
    *source = VT_CLIENT_SOURCE_TEST;
    *arg = NULL;
    return TRUE;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(kinds); i++) {
    if (!g_str_has_prefix(spec, kinds[i].prefix))
      continue;
    const char *rest = spec + strlen(kinds[i].prefix);
    if (!*rest || strlen(rest) > MAX_SOURCE_ARG)
      return bad_value(error, "--publish: '%s' needs a device or path after the colon", spec);
    *source = kinds[i].source;
    *arg = g_strdup(rest);
    return TRUE;
  }
  return bad_value(error, "--publish: '%s' is not test, v4l2:DEVICE or file:PATH", spec);
}

gboolean vt_client_parse_codec(const char *name, VtClientCodec *codec, GError **error)
{
  if (g_ascii_strcasecmp(name, "vp8") == 0)
    *codec = VT_CLIENT_CODEC_VP8;
  else if (g_ascii_strcasecmp(name, "h264") == 0)
    *codec = VT_CLIENT_CODEC_H264;
  else
    return bad_value(error, "--codec: '%s' is not vp8 or h264", name);
  return TRUE;
}

const char *vt_client_codec_name(VtClientCodec codec)
{
  return codec == VT_CLIENT_CODEC_H264 ? "h264" : "vp8";
}

char **vt_client_parse_addresses(const char *const *values, GError **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
  for (const char *const *v = values; v && *v; v++) {
    g_auto(GStrv) items = g_strsplit(*v, ",", -1);
    for (char **item = items; *item; item++) {
      const char *text = g_strstrip(*item);
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string(text);
      if (!address) {
        bad_value(error, "--local-address: '%s' is not an IP address", text);
        return NULL;
      }
      g_ptr_array_add(out, g_strdup(text));
    }
  }
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

static gboolean check_range(const char *name, int value, int max, GError **error)
{
  if (value >= 1 && value <= max)
    return TRUE;
  g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--%s: %d is not within 1..%d", name,
              value, max);
  return FALSE;
}

/* The values GOptionContext fills in, before they are checked. */
typedef struct {
  char *server, *token, *publish, *codec;
  char **local_addresses;
  gboolean subscribe, insecure, json, relay_only;
  double duration;
  int width, height, fps, keyframe_interval;
} RawOptions;

static void raw_options_clear(RawOptions *raw)
{
  g_free(raw->server);
  g_free(raw->token);
  g_free(raw->publish);
  g_free(raw->codec);
  g_strfreev(raw->local_addresses);
}

static gboolean parse_raw(int argc, char **argv, RawOptions *raw, GError **error)
{
  GOptionEntry entries[] = {
      {"server", 0, 0, G_OPTION_ARG_STRING, &raw->server,
       "Server base URL, e.g. https://127.0.0.1:8443 (required)", "URL"},
      {"token", 0, 0, G_OPTION_ARG_STRING, &raw->token, "Join token naming a room (required)",
       "JWT"},
      {"publish", 0, 0, G_OPTION_ARG_STRING, &raw->publish,
       "Send media: test, v4l2:DEVICE or file:PATH", "SOURCE"},
      {"codec", 0, 0, G_OPTION_ARG_STRING, &raw->codec, "Video codec: vp8 (default) or h264",
       "CODEC"},
      {"width", 0, 0, G_OPTION_ARG_INT, &raw->width, "Published video width (default 640)", "PX"},
      {"height", 0, 0, G_OPTION_ARG_INT, &raw->height, "Published video height (default 480)",
       "PX"},
      {"fps", 0, 0, G_OPTION_ARG_INT, &raw->fps, "Published frame rate (default 30)", "N"},
      {"keyframe-interval", 0, 0, G_OPTION_ARG_INT, &raw->keyframe_interval,
       "Seconds between periodic keyframes (default 2; a joiner gets one at once)", "S"},
      {"subscribe", 0, 0, G_OPTION_ARG_NONE, &raw->subscribe,
       "Receive and decode the other participants' tracks", NULL},
      {"duration", 0, 0, G_OPTION_ARG_DOUBLE, &raw->duration,
       "Leave after this many seconds in the room (default: until interrupted)", "SECONDS"},
      {"insecure", 0, 0, G_OPTION_ARG_NONE, &raw->insecure,
       "Accept any TLS certificate (a self-signed server)", NULL},
      {"json", 0, 0, G_OPTION_ARG_NONE, &raw->json, "Print one JSON report on stdout at exit",
       NULL},
      {"local-address", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raw->local_addresses,
       "Gather ICE candidates on these addresses only (repeatable, or a comma list)", "ADDR"},
      {"relay-only", 0, 0, G_OPTION_ARG_NONE, &raw->relay_only,
       "Connect only through the TURN server that the server names (checks a TURN setup)", NULL},
      {0}};
  g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
  g_option_context_set_summary(ctx, "Joins a room as a WebRTC client (GStreamer webrtcbin): "
                                    "publishes, receives, and reports what happened.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!g_option_context_parse(ctx, &argc, &argv, error))
    return FALSE;
  if (argc > 1)
    return bad_value(error, "unexpected argument '%s'", argv[1]);
  return TRUE;
}

static gboolean apply_media(const RawOptions *raw, VtClientOptions *o, GError **error)
{
  if (raw->publish && !vt_client_parse_source(raw->publish, &o->source, &o->source_arg, error))
    return FALSE;
  if (raw->codec && !vt_client_parse_codec(raw->codec, &o->codec, error))
    return FALSE;
  if (!check_range("width", raw->width, MAX_DIMENSION, error) ||
      !check_range("height", raw->height, MAX_DIMENSION, error) ||
      !check_range("fps", raw->fps, MAX_FPS, error) ||
      !check_range("keyframe-interval", raw->keyframe_interval, MAX_KEYFRAME_INTERVAL, error))
    return FALSE;
  o->width = (guint)raw->width;
  o->height = (guint)raw->height;
  o->fps = (guint)raw->fps;
  o->keyframe_interval_s = (guint)raw->keyframe_interval;
  return TRUE;
}

gboolean vt_client_options_parse(int argc, char **argv, VtClientOptions **out, GError **error)
{
  RawOptions raw = {.width = 640, .height = 480, .fps = 30, .keyframe_interval = 2};
  g_autoptr(VtClientOptions) o = g_new0(VtClientOptions, 1);
  gboolean ok = parse_raw(argc, argv, &raw, error);
  if (ok && (!raw.server || !raw.token || !*raw.token)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--server and --token are required");
    ok = FALSE;
  }
  if (ok && !(raw.duration >= 0 && raw.duration <= 7 * 24 * 3600.0)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--duration: %g is not a number of seconds from 0 to a week", raw.duration);
    ok = FALSE;
  }
  ok = ok && vt_client_parse_server(raw.server, &o->ws_url, &o->origin, error) &&
       apply_media(&raw, o, error);
  if (ok && raw.local_addresses) {
    o->local_addresses = vt_client_parse_addresses((const char *const *)raw.local_addresses, error);
    ok = o->local_addresses != NULL;
  }
  if (ok) {
    o->token = g_steal_pointer(&raw.token);
    o->insecure = raw.insecure;
    o->subscribe = raw.subscribe;
    o->json = raw.json;
    o->relay_only = raw.relay_only;
    o->duration_s = raw.duration;
    *out = g_steal_pointer(&o);
  }
  raw_options_clear(&raw);
  return ok;
}
