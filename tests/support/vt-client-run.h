/* Runs `vitrine client` as a child process for tests: common flags
 * (--server, --token, --local-address 127.0.0.1, --json), its stdout report
 * and stderr reason. Runs on the default main context. */
#pragma once

#include <json-glib/json-glib.h>

#include "support/vt-test.h"

G_BEGIN_DECLS

typedef struct {
  GSubprocess *process;
  gboolean done;
  char *out;
  char *err;
} ClientRun;

/* Starts `vitrine client` with the common flags, then extra ones
 * (NULL-terminated). url NULL: this server's base URL. */
ClientRun *client_start(VtTestServer *server, const char *url, const char *token, ...)
    G_GNUC_NULL_TERMINATED;
/* Waits for the client to exit; returns its exit status. */
int client_wait(ClientRun *run, guint timeout_ms);
void client_free(ClientRun *run);
/* stdout is exactly one JSON object on one line. (transfer full) */
JsonObject *report_of(ClientRun *run);
/* With --json, stderr holds only the failure's one line. */
void assert_reason(ClientRun *run, const char *part);

G_END_DECLS
