/* libFuzzer target for vt_protocol_parse: one client message per input.
 *
 * Besides crashes and leaks, it checks the parser's contract: exactly one of
 * message and error, a field name only on failure, and every string that
 * comes out valid UTF-8 without the limits being exceeded. */
#include <stdint.h>
#include <string.h>

#include "signaling/protocol.h"

static void check_string(const char *s, gsize max)
{
  if (s == NULL)
    return;
  g_assert_true(g_utf8_validate(s, -1, NULL));
  g_assert_cmpuint(strlen(s), <=, max);
}

static void check_message(const VtClientMessage *msg, const char *ref)
{
  g_assert_nonnull(vt_msg_type_to_string(msg->type));
  g_assert_cmpstr(msg->ref, ==, ref);
  check_string(msg->ref, VT_PROTOCOL_MAX_ID);
  check_string(msg->token, VT_PROTOCOL_MAX_MESSAGE);
  check_string(msg->topic, VT_PROTOCOL_MAX_TOPIC * 4);
  check_string(msg->text, VT_PROTOCOL_MAX_CHAT_TEXT);
  check_string(msg->client_id, VT_PROTOCOL_MAX_ID);
  check_string(msg->participant, VT_PROTOCOL_MAX_ID);
  check_string(msg->sdp, VT_PROTOCOL_MAX_MESSAGE);
  check_string(msg->pc, strlen("subscribe"));
  check_string(msg->candidate, VT_PROTOCOL_MAX_MESSAGE);
  check_string(msg->sdp_mid, VT_PROTOCOL_MAX_ID);
  g_assert_cmpint(msg->last_chat_id, >=, -1);
  g_assert_cmpint(msg->mline_index, >=, -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GError *error = NULL;
  char *field = NULL, *ref = NULL;
  VtClientMessage *msg = vt_protocol_parse((const char *)data, size, &field, &ref, &error);

  if (msg != NULL) {
    g_assert_null(error);
    g_assert_null(field);
    check_message(msg, ref);
  } else {
    g_assert_nonnull(error);
    g_assert_true(error->domain == VT_PROTOCOL_ERROR);
    g_assert_nonnull(vt_protocol_error_code((VtProtocolError)error->code));
    g_assert_true(g_utf8_validate(error->message, -1, NULL));
    check_string(ref, VT_PROTOCOL_MAX_ID);
  }
  vt_client_message_free(msg);
  g_clear_error(&error);
  g_free(field);
  g_free(ref);
  return 0;
}
