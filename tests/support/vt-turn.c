/* coturn for tests; see vt-turn.h. */
#include "support/vt-turn.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "support/vt-test.h"

struct _VtTestTurn {
  GSubprocess *process;
  char *dir;
  char *log_path;
  char *url;
};

/* A UDP port nobody holds right now (the kernel's pick, released at once). */
static guint16 free_udp_port(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error(error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(loopback, 0);
  g_assert_true(g_socket_bind(socket, any, FALSE, &error));
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(socket, &error);
  g_assert_no_error(error);
  return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

char *vt_test_turn_log(VtTestTurn *turn)
{
  char *text = NULL;
  if (!g_file_get_contents(turn->log_path, &text, NULL, NULL))
    return g_strdup("");
  return text;
}

static gboolean ready(gpointer data)
{
  g_autofree char *log = vt_test_turn_log(data);
  return strstr(log, "Relay ports initialization done") != NULL;
}

VtTestTurn *vt_test_turn_start(const char *secret)
{
  VtTestTurn *t = g_new0(VtTestTurn, 1);
  t->dir = g_dir_make_tmp("vitrine-turn-XXXXXX", NULL);
  g_assert_nonnull(t->dir);
  t->log_path = g_build_filename(t->dir, "turn.log", NULL);
  guint16 port = free_udp_port();
  t->url = g_strdup_printf("turn:127.0.0.1:%u?transport=udp", port);
  g_autofree char *listening_port = g_strdup_printf("--listening-port=%u", port);
  g_autofree char *secret_flag = g_strdup_printf("--static-auth-secret=%s", secret);
  g_autofree char *log_flag = g_strdup_printf("--log-file=%s", t->log_path);
  g_autofree char *pid_flag = g_strdup_printf("--pidfile=%s/turn.pid", t->dir);
  g_autofree char *db_flag = g_strdup_printf("--userdb=%s/turndb", t->dir);
  const char *argv[] = {"turnserver", "-n", "--listening-ip=127.0.0.1", listening_port,
                        "--relay-ip=127.0.0.1", "--min-port=49200", "--max-port=49400",
                        "--use-auth-secret", secret_flag, "--realm=vitrine.test",
                        "--allow-loopback-peers", "--no-tls", "--no-dtls", "--no-tcp-relay",
                        "--no-cli", "--verbose", "--simple-log", log_flag, pid_flag, db_flag,
                        NULL};
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup(launcher, vt_test_die_with_parent, NULL, NULL);
  t->process = g_subprocess_launcher_spawnv(launcher, argv, &error);
  if (!t->process)
    g_error("cannot start turnserver (package coturn, in scripts/deps.txt): %s", error->message);
  if (!vt_test_run_until(ready, t, 10000))
    g_error("turnserver did not start; its log:\n%s", vt_test_turn_log(t));
  return t;
}

const char *vt_test_turn_url(VtTestTurn *turn)
{
  return turn->url;
}

static void remove_dir(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_unlink(path);
  }
  g_rmdir(dir);
}

void vt_test_turn_free(VtTestTurn *t)
{
  if (!t)
    return;
  g_subprocess_send_signal(t->process, SIGTERM);
  g_subprocess_wait(t->process, NULL, NULL);
  g_object_unref(t->process);
  remove_dir(t->dir);
  g_free(t->dir);
  g_free(t->log_path);
  g_free(t->url);
  g_free(t);
}
