/* libFuzzer target for what `vitrine client` reads from a server
 * (media/client-message.c). The input is one WebSocket text message, any
 * bytes. GLib criticals and warnings abort, so that a getter used on the
 * wrong JSON type is found, not just a crash.
 *
 * Invariants checked on a message that parses:
 *   - the type name is kept, and a known name maps to its type;
 *   - numbers are -1 or in range; strings are NULL or UTF-8;
 *   - a joined message has its ICE server list (possibly empty) and warnings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/client-message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_string(const char *s)
{
  if (s && !g_utf8_validate(s, -1, NULL))
    abort();
}

static void check(const VtServerMessage *msg)
{
  if (!msg->type_name || (msg->type == VT_SERVER_MSG_HELLO) != g_str_equal(msg->type_name, "hello"))
    abort();
  if (msg->protocol < -1 || msg->protocol > G_MAXINT || msg->mline_index < -1 ||
      msg->mline_index > G_MAXINT)
    abort();
  const char *strings[] = {
      msg->state, msg->participant_id, msg->code,  msg->message, msg->ref, msg->sdp,
      msg->pc,    msg->candidate,      msg->reason};
  for (size_t i = 0; i < G_N_ELEMENTS(strings); i++)
    check_string(strings[i]);
  if (msg->type == VT_SERVER_MSG_JOINED && (!msg->ice_servers.turns || !msg->ice_warnings))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static gboolean once;
  if (!once) {
    g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
    once = TRUE;
  }
  GError *error = NULL;
  VtServerMessage *msg = vt_server_message_parse((const char *)data, size, &error);
  if (!msg) {
    if (!error)
      abort();
    g_error_free(error);
    return 0;
  }
  check(msg);
  vt_server_message_free(msg);
  return 0;
}
