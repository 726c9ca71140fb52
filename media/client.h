/* `vitrine client`: joins a room over the signaling socket, publishes a test
 * pattern, a file or a V4L2 camera, receives the other participants' tracks,
 * and reports what happened (docs: design.md, "Parts"; the report format is
 * in client-report.h).
 *
 * The call, on one GLib main loop:
 *   connect (WSS, the server's own Origin) -> join -> joined (state "room")
 *   -> publish: pipeline playing, offer once media flows -> publish_offer,
 *      publish_answer, trickle ICE both ways
 *   -> subscribe: each subscribe_offer answered with subscribe_answer
 *   -> after --duration, or on SIGINT/SIGTERM: leave, close, report.
 * Failures (connection, join refused, an error answering our offer or
 * answer, media_state failed, a closed socket, a pipeline error, nothing
 * sent) end the call the same way, with a one-line reason on stderr and exit
 * status 1. Bad options exit with 2. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* argv[0] is "client". Returns the exit status. */
int vt_client_main(int argc, char **argv);

G_END_DECLS
