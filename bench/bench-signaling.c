/* Signaling benchmark: prints figures, asserts nothing about speed.
 *
 * 1. Join latency: N sockets open, then all send join at once; per socket the
 *    time from sending join to receiving "joined" (p50/p99), and from the
 *    start of the socket's TLS connect to "joined".
 * 2. Memory per idle authenticated connection: server RSS before and after.
 * 3. Chat throughput: rooms of R members each sending M messages as fast as
 *    the server takes them; deliveries (fan-out counted) per second.
 *
 * Usage: bench-signaling [--sockets N] [--room-size R] [--messages M]
 * Needs VT_BINARY (path to vitrine); scripts/bench sets it. Loopback only. */
#include <stdio.h>

#include "support/vt-test.h"

typedef struct {
  VtTestServer *server;
  VtTestClient **clients;
  gint64 *connect_us, *join_sent_us, *joined_us;
  guint n, room_size;
} Bench;

static gint64 join_ok(VtTestClient *c)
{
  for (GList *l = c->messages.head; l; l = l->next)
    if (g_str_equal(json_object_get_string_member(l->data, "type"), "joined"))
      return g_get_monotonic_time();
  return 0;
}

#define WINDOW 16

static gboolean open_all(gpointer data)
{
  Bench *b = data;
  guint ready = 0, pending = 0;
  for (guint i = 0; i < b->n; i++) {
    if (!b->clients[i] && pending < WINDOW) {
      b->connect_us[i] = g_get_monotonic_time();
      b->clients[i] = vt_test_client_new_async(b->server, NULL);
    }
    if (!b->clients[i])
      continue;
    if (b->clients[i]->error)
      g_error("socket %u: %s", i, b->clients[i]->error);
    gboolean ok = vt_test_client_ready(b->clients[i]);
    ready += ok;
    pending += !ok;
  }
  return ready == b->n;
}

static gboolean all_joined(gpointer data)
{
  Bench *b = data;
  guint done = 0;
  for (guint i = 0; i < b->n; i++) {
    if (!b->joined_us[i])
      b->joined_us[i] = join_ok(b->clients[i]);
    done += b->joined_us[i] != 0;
  }
  return done == b->n;
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

static void measure_joins(Bench *b)
{
  guint64 rss_before = vt_test_server_rss_kib(b->server);
  g_assert_true(vt_test_run_until(open_all, b, 600000));
  gint64 cpu_before = vt_test_server_cpu_us(b->server);
  for (guint i = 0; i < b->n; i++) {
    g_autofree char *room = g_strdup_printf("room-%u", i / b->room_size);
    g_autofree char *name = g_strdup_printf("user-%u", i);
    g_autofree char *token = vt_test_token(b->server, "bench", i % b->room_size ? "customer" : "staff",
                                           name, name, room);
    b->join_sent_us[i] = g_get_monotonic_time();
    vt_test_client_sendf(b->clients[i], "{\"type\":\"join\",\"token\":\"%s\"}", token);
  }
  g_assert_true(vt_test_run_until(all_joined, b, 600000));
  g_autofree gint64 *join = g_new(gint64, b->n);
  for (guint i = 0; i < b->n; i++)
    join[i] = b->joined_us[i] - b->join_sent_us[i];
  g_autofree char *what = g_strdup_printf("join, %u sockets joining at once:", b->n);
  print_percentiles(what, join, b->n);
  printf("%-38s %7.1f us server CPU per join\n", "",
         (double)(vt_test_server_cpu_us(b->server) - cpu_before) / b->n);

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
  guint64 before = 0;
  for (guint i = 0; i < b->n; i++) {
    b->clients[i]->count_only = TRUE;
    before += b->clients[i]->received;
  }
  gint64 start = g_get_monotonic_time();
  gint64 cpu_before = vt_test_server_cpu_us(b->server);
  for (guint m = 0; m < messages; m++)
    for (guint i = 0; i < b->n; i++)
      vt_test_client_sendf(b->clients[i], "{\"type\":\"chat\",\"text\":\"bench message %u\",\"client_id\":\"b%u\"}", m, m);
  guint64 expected = before + (guint64)b->n * messages * b->room_size;
  gint64 deadline = start + 600 * G_USEC_PER_SEC;
  guint64 got = 0;
  gint64 last = start;
  while (g_get_monotonic_time() < deadline) {
    g_main_context_iteration(NULL, TRUE);
    got = 0;
    for (guint i = 0; i < b->n; i++) {
      got += b->clients[i]->received;
      last = MAX(last, b->clients[i]->last_received_us);
    }
    if (got >= expected)
      break;
  }
  double secs = (last - start) / 1e6;
  guint64 delivered = got - before;
  printf("%-38s %7.0f deliveries/s (%" G_GUINT64_FORMAT " in %.2f s; %u rooms of %u, %u msgs each)\n",
         "chat, fan-out counted:", delivered / secs, delivered, secs, b->n / b->room_size,
         b->room_size, messages);
  printf("%-38s %7.2f us server CPU per delivery\n", "",
         (double)(vt_test_server_cpu_us(b->server) - cpu_before) / (double)delivered);
  if (got < expected)
    printf("  (only %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " arrived)\n", got - before,
           expected - before);
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
  const char *flags[] = {"--max-sockets-per-ip=100000", "--auth-timeout=600",
                         "--max-messages-per-second=100000", NULL};
  Bench b = {.n = (guint)sockets, .room_size = (guint)room_size};
  b.server = vt_test_server_start(NULL, flags);
  b.clients = g_new0(VtTestClient *, b.n);
  b.connect_us = g_new0(gint64, b.n);
  b.join_sent_us = g_new0(gint64, b.n);
  b.joined_us = g_new0(gint64, b.n);
  printf("vitrine signaling benchmark: %u sockets over loopback TLS\n", b.n);
  measure_joins(&b);
  measure_single_joins(&b, argv0, 100);
  measure_chat(&b, (guint)messages);
  for (guint i = 0; i < b.n; i++)
    vt_test_client_free(b.clients[i]);
  vt_test_server_free(b.server);
  g_free(b.clients);
  g_free(b.connect_us);
  g_free(b.join_sent_us);
  g_free(b.joined_us);
  return 0;
}
