/* Runs `vitrine client` for tests (vt-client-run.h). */
#include "support/vt-client-run.h"

#include <string.h>

static void on_communicated(GObject *source, GAsyncResult *res, gpointer data)
{
  ClientRun *run = data;
  g_autoptr(GError) error = NULL;
  g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), res, &run->out, &run->err, &error);
  g_assert_no_error(error);
  run->done = TRUE;
}

/* Starts `vitrine client` with the common flags, then extra ones
 * (NULL-terminated). url NULL: this server's base URL. */
ClientRun *client_start(VtTestServer *server, const char *url, const char *token, ...)
{
  g_autofree char *base = g_strdup_printf("https://127.0.0.1:%u", server->port);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  const char *common[] = {g_getenv("VT_BINARY"), "client",    "--server",
                          url ? url : base,      "--token",   token,
                          "--local-address",     "127.0.0.1", "--json"};
  for (gsize i = 0; i < G_N_ELEMENTS(common); i++)
    g_ptr_array_add(argv, (char *)common[i]);
  va_list ap;
  va_start(ap, token);
  for (const char *a = va_arg(ap, const char *); a; a = va_arg(ap, const char *))
    g_ptr_array_add(argv, (char *)a);
  va_end(ap);
  g_ptr_array_add(argv, NULL);
  ClientRun *run = g_new0(ClientRun, 1);
  g_autoptr(GError) error = NULL;
  run->process =
      g_subprocess_newv((const char *const *)argv->pdata,
                        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error(error);
  g_subprocess_communicate_utf8_async(run->process, NULL, NULL, on_communicated, run);
  return run;
}

static gboolean run_done(gpointer data)
{
  return ((ClientRun *)data)->done;
}

/* Waits for the client to exit; returns its exit status. */
int client_wait(ClientRun *run, guint timeout_ms)
{
  g_assert_true(vt_test_run_until(run_done, run, timeout_ms));
  g_subprocess_wait(run->process, NULL, NULL);
  g_assert_true(g_subprocess_get_if_exited(run->process));
  if (g_getenv("VT_TEST_VERBOSE"))
    g_printerr("client stdout: %s\nclient stderr: %s\n", run->out, run->err);
  return g_subprocess_get_exit_status(run->process);
}

void client_free(ClientRun *run)
{
  g_object_unref(run->process);
  g_free(run->out);
  g_free(run->err);
  g_free(run);
}

/* stdout is exactly one JSON object on one line. (transfer full) */
JsonObject *report_of(ClientRun *run)
{
  g_assert_nonnull(run->out);
  g_assert_true(g_str_has_suffix(run->out, "}\n"));
  g_assert_true(strchr(run->out, '\n') == run->out + strlen(run->out) - 1);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_assert_true(json_parser_load_from_data(parser, run->out, -1, NULL));
  return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

/* With --json, stderr holds only the failure's one line. */
void assert_reason(ClientRun *run, const char *part)
{
  g_assert_nonnull(strstr(run->err, part));
  g_assert_true(g_str_has_prefix(run->err, "vitrine client: "));
  g_assert_true(g_str_has_suffix(run->err, "\n"));
  g_assert_true(strchr(run->err, '\n') == run->err + strlen(run->err) - 1);
}

