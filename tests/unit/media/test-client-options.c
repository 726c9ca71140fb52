/* Unit tests for media/client-options.c: the server URL and the Origin made
 * from it, --publish and --codec values, --local-address lists, and the
 * whole command line with its defaults and refusals. */
#include "media/client-options.h"

static void check_server(const char *server, const char *ws_url, const char *origin)
{
  g_autofree char *url = NULL, *org = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(vt_client_parse_server(server, &url, &org, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(url, ==, ws_url);
  g_assert_cmpstr(org, ==, origin);
}

static void check_server_refused(const char *server)
{
  g_autofree char *url = NULL, *org = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_false(vt_client_parse_server(server, &url, &org, &error));
  g_assert_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  g_assert_null(url);
  g_assert_null(org);
}

static void test_server_urls(void)
{
  check_server("https://127.0.0.1:8443", "wss://127.0.0.1:8443/ws", "https://127.0.0.1:8443");
  check_server("https://127.0.0.1:8443/", "wss://127.0.0.1:8443/ws", "https://127.0.0.1:8443");
  check_server("wss://127.0.0.1:8443/ws", "wss://127.0.0.1:8443/ws", "https://127.0.0.1:8443");
  check_server("wss://localhost:9000", "wss://localhost:9000/ws", "https://localhost:9000");
  check_server("HTTPS://video.example.com", "wss://video.example.com/ws",
               "https://video.example.com");
  /* The Host header leaves the default port out, and so must the Origin. */
  check_server("https://video.example.com:443", "wss://video.example.com:443/ws",
               "https://video.example.com");
  check_server("https://[::1]:8443", "wss://[::1]:8443/ws", "https://[::1]:8443");

  check_server_refused("http://127.0.0.1:8443");
  check_server_refused("ws://127.0.0.1:8443/ws");
  check_server_refused("127.0.0.1:8443");
  check_server_refused("https://127.0.0.1:8443/app");
  check_server_refused("https://127.0.0.1:8443/ws"); /* https is the base URL, not /ws */
  check_server_refused("https://127.0.0.1:8443/?x=1");
  check_server_refused("https://user:pw@127.0.0.1:8443");
  check_server_refused("https://");
  check_server_refused("");
}

static void test_sources(void)
{
  VtClientSource source = VT_CLIENT_SOURCE_NONE;
  char *arg = (char *)"untouched";
  g_assert_true(vt_client_parse_source("test", &source, &arg, NULL));
  g_assert_cmpint(source, ==, VT_CLIENT_SOURCE_TEST);
  g_assert_null(arg);

  g_assert_true(vt_client_parse_source("v4l2:/dev/video2", &source, &arg, NULL));
  g_assert_cmpint(source, ==, VT_CLIENT_SOURCE_V4L2);
  g_assert_cmpstr(arg, ==, "/dev/video2");
  g_free(arg);

  /* Only the first colon separates: a path may hold more. */
  g_assert_true(vt_client_parse_source("file:/tmp/a:b.webm", &source, &arg, NULL));
  g_assert_cmpint(source, ==, VT_CLIENT_SOURCE_FILE);
  g_assert_cmpstr(arg, ==, "/tmp/a:b.webm");
  g_free(arg);

  const char *bad[] = {"", "TEST", "camera", "v4l2:", "file:", "v4l2", "rtsp://x", "file"};
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    source = VT_CLIENT_SOURCE_NONE;
    g_assert_false(vt_client_parse_source(bad[i], &source, &arg, &error));
    g_assert_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
    g_assert_cmpint(source, ==, VT_CLIENT_SOURCE_NONE);
  }
}

static void test_codecs(void)
{
  VtClientCodec codec = VT_CLIENT_CODEC_H264;
  g_assert_true(vt_client_parse_codec("vp8", &codec, NULL));
  g_assert_cmpint(codec, ==, VT_CLIENT_CODEC_VP8);
  g_assert_true(vt_client_parse_codec("H264", &codec, NULL));
  g_assert_cmpint(codec, ==, VT_CLIENT_CODEC_H264);
  g_assert_cmpstr(vt_client_codec_name(codec), ==, "h264");
  g_assert_cmpstr(vt_client_codec_name(VT_CLIENT_CODEC_VP8), ==, "vp8");
  g_autoptr(GError) error = NULL;
  g_assert_false(vt_client_parse_codec("vp9", &codec, &error));
  g_assert_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
}

static void test_addresses(void)
{
  const char *values[] = {"127.0.0.1", " 127.0.0.2 , ::1", NULL};
  g_auto(GStrv) addresses = vt_client_parse_addresses(values, NULL);
  g_assert_nonnull(addresses);
  g_assert_cmpuint(g_strv_length(addresses), ==, 3);
  g_assert_cmpstr(addresses[0], ==, "127.0.0.1");
  g_assert_cmpstr(addresses[1], ==, "127.0.0.2");
  g_assert_cmpstr(addresses[2], ==, "::1");

  const char *bad[][2] = {{"localhost", NULL}, {"127.0.0.1,", NULL}, {"10.0.0.300", NULL}};
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_null(vt_client_parse_addresses(bad[i], &error));
    g_assert_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  }
}

/* Parses a NULL-terminated argument list that follows the subcommand. */
static gboolean parse(VtClientOptions **out, GError **error, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new();
  g_ptr_array_add(args, (char *)"client");
  va_list ap;
  va_start(ap, error);
  for (const char *a = va_arg(ap, const char *); a; a = va_arg(ap, const char *))
    g_ptr_array_add(args, (char *)a);
  va_end(ap);
  g_ptr_array_add(args, NULL);
  return vt_client_options_parse((int)args->len - 1, (char **)args->pdata, out, error);
}

static void test_defaults(void)
{
  g_autoptr(VtClientOptions) o = NULL;
  g_assert_true(parse(&o, NULL, "--server", "https://127.0.0.1:8443", "--token", "T", NULL));
  g_assert_cmpstr(o->ws_url, ==, "wss://127.0.0.1:8443/ws");
  g_assert_cmpstr(o->origin, ==, "https://127.0.0.1:8443");
  g_assert_cmpstr(o->token, ==, "T");
  g_assert_cmpint(o->source, ==, VT_CLIENT_SOURCE_NONE);
  g_assert_cmpint(o->codec, ==, VT_CLIENT_CODEC_VP8);
  g_assert_cmpuint(o->width, ==, 640);
  g_assert_cmpuint(o->height, ==, 480);
  g_assert_cmpuint(o->fps, ==, 30);
  g_assert_false(o->subscribe);
  g_assert_false(o->insecure);
  g_assert_false(o->json);
  g_assert_cmpfloat(o->duration_s, ==, 0);
  g_assert_null(o->local_addresses); /* every interface */
  g_assert_false(o->relay_only);
}

static void test_everything(void)
{
  g_autoptr(VtClientOptions) o = NULL;
  g_assert_true(parse(&o, NULL, "--server=wss://127.0.0.1:9/ws", "--token=T", "--publish",
                      "file:/tmp/x.webm", "--codec", "h264", "--width", "320", "--height", "240",
                      "--fps", "15", "--subscribe", "--duration", "2.5", "--insecure", "--json",
                      "--local-address", "127.0.0.1", "--local-address", "127.0.0.2,::1",
                      "--relay-only", NULL));
  g_assert_cmpint(o->source, ==, VT_CLIENT_SOURCE_FILE);
  g_assert_cmpstr(o->source_arg, ==, "/tmp/x.webm");
  g_assert_cmpint(o->codec, ==, VT_CLIENT_CODEC_H264);
  g_assert_cmpuint(o->width, ==, 320);
  g_assert_cmpuint(o->height, ==, 240);
  g_assert_cmpuint(o->fps, ==, 15);
  g_assert_true(o->subscribe && o->insecure && o->json && o->relay_only);
  g_assert_cmpfloat(o->duration_s, ==, 2.5);
  g_assert_cmpuint(g_strv_length(o->local_addresses), ==, 3);
  g_assert_cmpstr(o->local_addresses[2], ==, "::1");
}

static void test_refusals(void)
{
  const char *cases[][8] = {
      {"--token", "T", NULL},                           /* no server */
      {"--server", "https://h:1", NULL},                /* no token */
      {"--server", "https://h:1", "--token", "", NULL}, /* empty token */
      {"--server", "https://h:1", "--token", "T", "--duration", "-1", NULL},
      {"--server", "https://h:1", "--token", "T", "--width", "0", NULL},
      {"--server", "https://h:1", "--token", "T", "--fps", "500", NULL},
      {"--server", "https://h:1", "--token", "T", "--publish", "cam", NULL},
      {"--server", "https://h:1", "--token", "T", "--codec", "av1", NULL},
      {"--server", "https://h:1", "--token", "T", "--local-address", "x", NULL},
      {"--server", "https://h:1", "--token", "T", "stray", NULL},
      {"--server", "https://h:1", "--token", "T", "--unknown", NULL},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(VtClientOptions) o = NULL;
    g_autoptr(GError) error = NULL;
    g_assert_false(parse(&o, &error, cases[i][0], cases[i][1], cases[i][2], cases[i][3],
                         cases[i][4], cases[i][5], cases[i][6], cases[i][7]));
    g_assert_nonnull(error);
    g_assert_true(error->domain == G_OPTION_ERROR);
    g_assert_null(o);
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/client-options/server-urls", test_server_urls);
  g_test_add_func("/client-options/sources", test_sources);
  g_test_add_func("/client-options/codecs", test_codecs);
  g_test_add_func("/client-options/addresses", test_addresses);
  g_test_add_func("/client-options/defaults", test_defaults);
  g_test_add_func("/client-options/everything", test_everything);
  g_test_add_func("/client-options/refusals", test_refusals);
  return g_test_run();
}
