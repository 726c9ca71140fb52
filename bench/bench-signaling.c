/* Signaling benchmark: prints figures, asserts nothing about speed.
 *
 * 1. Join latency: N sockets open, then all send join at once; per socket the
 *    time from sending join to receiving "joined" (p50/p99), and the CPU the
 *    server and this load client spent per join.
 * 2. Memory per idle authenticated connection: server RSS before and after.
 * 3. One at a time, in a child process with libsoup clients: a user's view
 *    of joining a server that holds the N sockets.
 * 4. Chat throughput: rooms of R members each sending M messages as fast as
 *    the server takes them; deliveries (fan-out counted) per second.
 *
 * The N sockets are ws-load.c's lean clients: with the tests' libsoup
 * clients this process spent more CPU than the server, and the figures
 * measured the load generator.
 *
 * Usage: bench-signaling [--sockets N] [--room-size R] [--messages M]
 * Needs VT_BINARY (path to vitrine); scripts/bench sets it. Loopback only. */
#include <stdio.h>
#include <sys/resource.h>

#include "support/vt-test.h"
#include "ws-load.h"

typedef struct {
  VtTestServer *server;
  WsLoad *load;
  gint64 *join_sent_us, *joined_us;
  guint n, room_size, joined;
  guint64 received, expected;
  gint64 last_received_us;
} Bench;

static void on_message(gpointer data, guint socket, const char *text, gsize len, gint64 now)
{
  Bench *b = data;
  b->received++;
  b->last_received_us = now;
  if (!b->joined_us[socket] && g_strstr_len(text, (gssize)len, "\"type\":\"joined\"")) {
    b->joined_us[socket] = now;
    b->joined++;
  }
}

static gboolean all_joined(gpointer data)
{
  Bench *b = data;
  return b->joined == b->n;
}

static gboolean all_received(gpointer data)
{
  Bench *b = data;
  return b->received >= b->expected;
}

static int cmp_i64(gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
  return x < y ? -1 : x > y;
}

static void print_percentiles(const char *what, gint64 *us, guint n)
{
  qsort(us, n, sizeof *us, cmp_i64);
  printf("%-38s p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms\n", what, us[n / 2] / 1000.0,
         us[(n * 99) / 100] / 1000.0, us[n - 1] / 1000.0);
}

static gint64 own_cpu_us(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC + ru.ru_utime.tv_usec +
         ru.ru_stime.tv_usec;
}

static void measure_joins(Bench *b)
{
  guint64 rss_before = vt_test_server_rss_kib(b->server);
  b->load = ws_load_connect(b->server->port, b->n);
  char **tokens = g_new0(char *, b->n + 1);
  for (guint i = 0; i < b->n; i++) {
    g_autofree char *room = g_strdup_printf("room-%u", i / b->room_size);
    g_autofree char *name = g_strdup_printf("user-%u", i);
    g_autofree char *token = vt_test_token(
        b->server, "bench", i % b->room_size ? "customer" : "staff", name, name, room);
    tokens[i] = g_strdup_printf("{\"type\":\"join\",\"token\":\"%s\"}", token);
  }
  gint64 cpu_before = vt_test_server_cpu_us(b->server), own_before = own_cpu_us();
  for (guint i = 0; i < b->n; i++) {
    b->join_sent_us[i] = g_get_monotonic_time();
    ws_load_send(b->load, i, tokens[i]);
  }
  g_strfreev(tokens);
  if (!ws_load_run(b->load, on_message, all_joined, b, 600000))
    g_error("only %u of %u sockets joined", b->joined, b->n);
  g_autofree gint64 *join = g_new(gint64, b->n);
  for (guint i = 0; i < b->n; i++)
    join[i] = b->joined_us[i] - b->join_sent_us[i];
  g_autofree char *what = g_strdup_printf("join, %u sockets joining at once:", b->n);
  print_percentiles(what, join, b->n);
  printf("%-38s %7.1f us server CPU per join (load client: %.1f us)\n", "",
         (double)(vt_test_server_cpu_us(b->server) - cpu_before) / b->n,
         (double)(own_cpu_us() - own_before) / b->n);

  vt_test_run_for(1000);
  guint64 rss_after = vt_test_server_rss_kib(b->server);
  printf("%-38s %7.1f KB per connection (RSS %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " KiB)\n",
         "memory, idle authenticated:", (rss_after - rss_before) * 1.024 / b->n, rss_before,
         rss_after);
}

/* A user's view on a busy server: with all sockets connected, newcomers open
 * a socket and join one after another. Runs in a child process (--probe) so
 * that the figure is the server's, not this process's own 1,000 sockets. */
static void probe(guint port, const char *key, guint count)
{
  VtTestServer server = {.port = port, .key = (char *)key};
  g_autofree gint64 *open_to_joined = g_new(gint64, count);
  g_autofree gint64 *join_to_joined = g_new(gint64, count);
  for (guint i = 0; i < count; i++) {
    gint64 t0 = g_get_monotonic_time();
    VtTestClient *c = vt_test_client_new(&server, NULL);
    g_autofree char *name = g_strdup_printf("late-%u", i);
    g_autofree char *token = vt_test_token(&server, "probe", "customer", name, name, NULL);
    gint64 t1 = g_get_monotonic_time();
    JsonObject *joined = vt_test_client_join(c, token);
    gint64 t2 = g_get_monotonic_time();
    json_object_unref(joined);
    open_to_joined[i] = t2 - t0;
    join_to_joined[i] = t2 - t1;
    vt_test_client_free(c);
  }
  print_percentiles("join, one at a time:", join_to_joined, count);
  print_percentiles("  socket open (TLS) to joined:", open_to_joined, count);
}

static void measure_single_joins(Bench *b, const char *self, guint count)
{
  printf("with %u sockets connected:\n", b->n);
  fflush(stdout);
  g_autofree char *port = g_strdup_printf("%u", b->server->port);
  g_autofree char *n = g_strdup_printf("%u", count);
  const char *argv[] = {self, "--probe-port", port, "--probe-key", b->server->key,
                        "--probe-count", n, NULL};
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error(error);
  g_assert_true(g_subprocess_wait_check(child, NULL, &error));
}

static void measure_chat(Bench *b, guint messages)
{
  guint64 before = b->received;
  b->expected = before + (guint64)b->n * messages * b->room_size;
  gint64 start = g_get_monotonic_time();
  gint64 cpu_before = vt_test_server_cpu_us(b->server), own_before = own_cpu_us();
  for (guint m = 0; m < messages; m++)
    for (guint i = 0; i < b->n; i++) {
      char text[128];
      g_snprintf(text, sizeof text,
                 "{\"type\":\"chat\",\"text\":\"bench message %u\",\"client_id\":\"b%u\"}", m, m);
      ws_load_send(b->load, i, text);
    }
  gboolean complete = ws_load_run(b->load, on_message, all_received, b, 600000);
  double secs = (b->last_received_us - start) / 1e6;
  guint64 delivered = b->received - before;
  printf("%-38s %7.0f deliveries/s (%" G_GUINT64_FORMAT
         " in %.2f s; %u rooms of %u, %u msgs each)\n",
         "chat, fan-out counted:", delivered / secs, delivered, secs, b->n / b->room_size,
         b->room_size, messages);
  printf("%-38s %7.2f us server CPU per delivery (load client: %.2f us)\n", "",
         (double)(vt_test_server_cpu_us(b->server) - cpu_before) / (double)delivered,
         (double)(own_cpu_us() - own_before) / (double)delivered);
  if (!complete)
    printf("  (only %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " arrived)\n", delivered,
           b->expected - before);
}

int main(int argc, char **argv)
{
  int sockets = 1000, room_size = 10, messages = 20, probe_port = 0, probe_count = 100;
  g_autofree char *probe_key = NULL;
  const char *argv0 = argv[0];
  GOptionEntry entries[] = {
      {"sockets", 0, 0, G_OPTION_ARG_INT, &sockets, "Concurrent sockets (1000)", "N"},
      {"room-size", 0, 0, G_OPTION_ARG_INT, &room_size, "Members per room (10)", "R"},
      {"messages", 0, 0, G_OPTION_ARG_INT, &messages, "Chat messages per socket (20)", "M"},
      {"probe-port", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &probe_port, NULL, NULL},
      {"probe-key", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &probe_key, NULL, NULL},
      {"probe-count", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &probe_count, NULL, NULL},
      {0}};
  g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!g_option_context_parse(ctx, &argc, &argv, NULL) || sockets < 1 || room_size < 1 ||
      sockets % room_size) {
    fprintf(stderr, "bench-signaling: --sockets must be a multiple of --room-size\n");
    return 2;
  }
  if (probe_port) {
    probe((guint)probe_port, probe_key, (guint)probe_count);
    return 0;
  }
  /* Limits raised so that the figures show the server, not its guards. */
  const char *flags[] = {"--max-sockets-per-ip=100000", "--max-connections-per-ip=100000",
                         "--auth-timeout=600", "--max-messages-per-second=100000", NULL};
  Bench b = {.n = (guint)sockets, .room_size = (guint)room_size};
  b.server = vt_test_server_start(NULL, flags);
  b.join_sent_us = g_new0(gint64, b.n);
  b.joined_us = g_new0(gint64, b.n);
  printf("vitrine signaling benchmark: %u sockets over loopback TLS\n", b.n);
  measure_joins(&b);
  measure_single_joins(&b, argv0, 100);
  measure_chat(&b, (guint)messages);
  ws_load_free(b.load);
  vt_test_server_free(b.server);
  g_free(b.join_sent_us);
  g_free(b.joined_us);
  return 0;
}
