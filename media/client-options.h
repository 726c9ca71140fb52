/* Command line of `vitrine client`: what to publish, where to connect, how
 * long to stay. Parsing is pure (no network, no GStreamer) so that every
 * accepted and refused value can be unit tested; client.c turns the result
 * into a call. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  VT_CLIENT_SOURCE_NONE, /* no --publish: receive only (or just join) */
  VT_CLIENT_SOURCE_TEST, /* videotestsrc + audiotestsrc */
  VT_CLIENT_SOURCE_V4L2, /* v4l2src device=... (video only) */
  VT_CLIENT_SOURCE_FILE, /* filesrc + decodebin: whatever streams the file has */
} VtClientSource;

typedef enum {
  VT_CLIENT_CODEC_VP8,
  VT_CLIENT_CODEC_H264,
} VtClientCodec;

typedef struct {
  /* Where: the WebSocket URL (wss://host:port/ws) and the Origin header,
   * which must be the server's own https origin. */
  char *ws_url;
  char *origin;
  char *token;
  gboolean insecure; /* accept any TLS certificate (self-signed servers) */

  VtClientSource source;
  char *source_arg; /* device (V4L2) or path (FILE); NULL otherwise */
  VtClientCodec codec;
  guint width, height, fps;
  guint keyframe_interval_s; /* periodic keyframes of the published video */

  gboolean subscribe;
  double duration_s; /* 0: until SIGINT/SIGTERM */
  gboolean json;
  /* ICE host addresses to gather on, NULL-terminated; NULL means every
   * interface. Given, the agent gathers on these alone. */
  char **local_addresses;
  /* ICE through TURN relay candidates only (webrtcbin's ice-transport-policy
   * "relay"): the TURN servers of the join reply must work, or the call fails. */
  gboolean relay_only;
} VtClientOptions;

void vt_client_options_free(VtClientOptions *options);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtClientOptions, vt_client_options_free)

/* Parses the arguments after the subcommand name (argv[0] is the program
 * name, as for GOptionContext). On success *out is (transfer full) the
 * options; on error, error is G_OPTION_ERROR and *out is untouched. --help
 * prints the usage and exits, like every vitrine subcommand. */
gboolean vt_client_options_parse(int argc, char **argv, VtClientOptions **out, GError **error);

/* --server: "https://host[:port][/]" or "wss://host[:port][/ws]". Sets
 * (transfer full) the WebSocket URL (path /ws) and the Origin, which is
 * "https://host[:port]" with the port left out when it is 443, the way the
 * Host header that the server compares it with is written. */
gboolean vt_client_parse_server(const char *server, char **ws_url, char **origin, GError **error);

/* --publish: "test", "v4l2:DEVICE" or "file:PATH". *arg is (transfer full)
 * the device or path, NULL for "test". */
gboolean vt_client_parse_source(const char *spec, VtClientSource *source, char **arg,
                                GError **error);

/* --codec: "vp8" or "h264", any case. */
gboolean vt_client_parse_codec(const char *name, VtClientCodec *codec, GError **error);

/* --local-address values: each may be a comma-separated list; every item
 * must be an IPv4 or IPv6 address. Returns (transfer full) the addresses,
 * NULL-terminated, or NULL with error. */
char **vt_client_parse_addresses(const char *const *values, GError **error);

/* "vp8" or "h264": the name used in the JSON report. */
const char *vt_client_codec_name(VtClientCodec codec);

G_END_DECLS
