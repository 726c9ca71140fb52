/* A coturn TURN server on 127.0.0.1 for tests: a free UDP port, the
 * shared-secret scheme (use-auth-secret) that `vitrine serve --turn-secret`
 * mints credentials for, relaying to loopback peers (which a TURN server in
 * production must refuse), a log to read what it did. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VtTestTurn VtTestTurn;

/* Starts `turnserver` and waits until its relay ports are ready; aborts the
 * test if it cannot. */
VtTestTurn *vt_test_turn_start(const char *secret);
/* "turn:127.0.0.1:PORT?transport=udp" (transfer none). */
const char *vt_test_turn_url(VtTestTurn *turn);
/* The log so far (transfer full). */
char *vt_test_turn_log(VtTestTurn *turn);
/* Stops it (SIGTERM, then waits) and removes its folder. */
void vt_test_turn_free(VtTestTurn *turn);

G_END_DECLS
