/* Unit tests for signaling/protocol.c: every message type, every error code
 * with the field it names, and the lexical corner cases (depth, escapes,
 * UTF-8, numbers) that the pre-scan exists for. */
#include <string.h>

#include "signaling/protocol.h"

/* Parses len bytes and asserts success; the ref out-parameter must match. */
static VtClientMessage *parse_ok_len(const char *json, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL, *ref = NULL;
  VtClientMessage *msg = vt_protocol_parse(json, len, &field, &ref, &error);

  g_assert_no_error(error);
  g_assert_nonnull(msg);
  g_assert_null(field);
  g_assert_cmpstr(ref, ==, msg->ref);
  return msg;
}

static VtClientMessage *parse_ok(const char *json)
{
  return parse_ok_len(json, strlen(json));
}

/* Parses len bytes and asserts the error code and, when want_field is not
 * NULL, the field it names. Returns the ref, if any. */
static char *parse_fail_len(const char *json, gsize len, VtProtocolError code,
                            const char *want_field)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  char *ref = NULL;
  VtClientMessage *msg = vt_protocol_parse(json, len, &field, &ref, &error);

  if (msg != NULL)
    g_error("expected an error for %s", json);
  g_assert_error(error, VT_PROTOCOL_ERROR, (gint)code);
  g_assert_nonnull(error->message);
  g_assert_true(g_utf8_validate(error->message, -1, NULL));
  g_assert_cmpstr(field, ==, want_field);
  return ref;
}

static void parse_fail(const char *json, VtProtocolError code, const char *want_field)
{
  g_free(parse_fail_len(json, strlen(json), code, want_field));
}

static char *repeat(const char *piece, guint times)
{
  GString *s = g_string_new(NULL);

  for (guint i = 0; i < times; i++)
    g_string_append(s, piece);
  return g_string_free(s, FALSE);
}

/* ---- every type ---- */

static void test_join(void)
{
  g_autoptr(VtClientMessage) msg = parse_ok("{\"type\":\"join\",\"token\":\"a.b.c\",\"topic\":"
                                            "\"Sofa\",\"last_chat_id\":42,\"ref\":\"r1\"}");

  g_assert_cmpint(msg->type, ==, VT_MSG_JOIN);
  g_assert_cmpstr(msg->token, ==, "a.b.c");
  g_assert_cmpstr(msg->topic, ==, "Sofa");
  g_assert_cmpint(msg->last_chat_id, ==, 42);
  g_assert_cmpstr(msg->ref, ==, "r1");
  g_assert_null(msg->text);
  g_assert_cmpint(msg->mline_index, ==, -1);
}

static void test_join_minimal(void)
{
  g_autoptr(VtClientMessage) msg = parse_ok("{\"type\":\"join\",\"token\":\"t\"}");

  g_assert_cmpstr(msg->token, ==, "t");
  g_assert_null(msg->topic);
  g_assert_null(msg->ref);
  g_assert_cmpint(msg->last_chat_id, ==, -1);
}

static void test_no_field_types(void)
{
  static const struct {
    const char *json;
    VtMsgType type;
  } cases[] = {
      {"{\"type\":\"leave\"}", VT_MSG_LEAVE},
      {"{\"type\":\"end_call\",\"ref\":\"x\"}", VT_MSG_END_CALL},
      {"{\"type\":\"ping\"}", VT_MSG_PING},
      {"{\"type\":\"subscribe_restart\"}", VT_MSG_SUBSCRIBE_RESTART},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(VtClientMessage) msg = parse_ok(cases[i].json);
    g_assert_cmpint(msg->type, ==, cases[i].type);
    g_assert_null(msg->token);
    g_assert_null(msg->sdp);
  }
}

static void test_chat(void)
{
  g_autoptr(VtClientMessage) msg =
      parse_ok("{\"type\":\"chat\",\"text\":\"h\\u00e9llo \\ud83d\\ude00\",\"client_id\":\"c-1\"}");

  g_assert_cmpint(msg->type, ==, VT_MSG_CHAT);
  g_assert_cmpstr(msg->text, ==, "h\xc3\xa9llo \xf0\x9f\x98\x80");
  g_assert_cmpstr(msg->client_id, ==, "c-1");
}

static void test_sending(void)
{
  g_autoptr(VtClientMessage) msg =
      parse_ok("{\"type\":\"sending\",\"audio\":false,\"video\":true}");

  g_assert_cmpint(msg->type, ==, VT_MSG_SENDING);
  g_assert_false(msg->audio);
  g_assert_true(msg->video);
  parse_fail("{\"type\":\"sending\",\"video\":true}", VT_PROTOCOL_ERROR_MISSING_FIELD,
             "audio");
  parse_fail("{\"type\":\"sending\",\"audio\":true}", VT_PROTOCOL_ERROR_MISSING_FIELD,
             "video");
  parse_fail("{\"type\":\"sending\",\"audio\":1,\"video\":true}",
             VT_PROTOCOL_ERROR_WRONG_TYPE, "audio");
  parse_fail("{\"type\":\"sending\",\"audio\":true,\"video\":null}",
             VT_PROTOCOL_ERROR_WRONG_TYPE, "video");
  parse_fail("{\"type\":\"sending\",\"audio\":true,\"video\":\"true\"}",
             VT_PROTOCOL_ERROR_WRONG_TYPE, "video");
}

static void test_history(void)
{
  g_autoptr(VtClientMessage) msg = parse_ok("{\"type\":\"history\",\"before_id\":42}");

  g_assert_cmpint(msg->type, ==, VT_MSG_HISTORY);
  g_assert_cmpint(msg->before_id, ==, 42);
  parse_fail("{\"type\":\"history\"}", VT_PROTOCOL_ERROR_MISSING_FIELD, "before_id");
  parse_fail("{\"type\":\"history\",\"before_id\":\"42\"}", VT_PROTOCOL_ERROR_WRONG_TYPE,
             "before_id");
  parse_fail("{\"type\":\"history\",\"before_id\":null}", VT_PROTOCOL_ERROR_WRONG_TYPE,
             "before_id");
  parse_fail("{\"type\":\"history\",\"before_id\":0}", VT_PROTOCOL_ERROR_INVALID_FIELD,
             "before_id");
  parse_fail("{\"type\":\"history\",\"before_id\":-3}", VT_PROTOCOL_ERROR_INVALID_FIELD,
             "before_id");
}

static void test_accept_remove(void)
{
  g_autoptr(VtClientMessage) accept = parse_ok("{\"type\":\"accept\",\"participant\":\"p1\"}");
  g_autoptr(VtClientMessage) remove =
      parse_ok("{\"type\":\"remove\",\"participant\":\"p2\",\"ref\":\"9\"}");

  g_assert_cmpint(accept->type, ==, VT_MSG_ACCEPT);
  g_assert_cmpstr(accept->participant, ==, "p1");
  g_assert_cmpint(remove->type, ==, VT_MSG_REMOVE);
  g_assert_cmpstr(remove->participant, ==, "p2");
  g_assert_cmpstr(remove->ref, ==, "9");
}

static void test_sdp_types(void)
{
  g_autoptr(VtClientMessage) offer =
      parse_ok("{\"type\":\"publish_offer\",\"sdp\":\"v=0\\r\\no=- 1 1 IN IP4 0.0.0.0\\r\\n\"}");
  g_autoptr(VtClientMessage) answer =
      parse_ok("{\"sdp\":\"v=0\\r\\n\",\"type\":\"subscribe_answer\"}");

  g_assert_cmpint(offer->type, ==, VT_MSG_PUBLISH_OFFER);
  g_assert_cmpstr(offer->sdp, ==, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n");
  g_assert_cmpint(answer->type, ==, VT_MSG_SUBSCRIBE_ANSWER);
  g_assert_cmpstr(answer->sdp, ==, "v=0\r\n");
}

static void test_ice(void)
{
  g_autoptr(VtClientMessage) msg =
      parse_ok("{\"type\":\"ice\",\"pc\":\"publish\",\"candidate\":\"candidate:1 1 UDP 1 "
               "10.0.0.1 5000 typ host\",\"sdp_mid\":\"0\",\"sdp_mline_index\":1}");

  g_assert_cmpint(msg->type, ==, VT_MSG_ICE);
  g_assert_cmpstr(msg->pc, ==, "publish");
  g_assert_cmpstr(msg->candidate, ==, "candidate:1 1 UDP 1 10.0.0.1 5000 typ host");
  g_assert_cmpstr(msg->sdp_mid, ==, "0");
  g_assert_cmpint(msg->mline_index, ==, 1);
}

static void test_ice_end_of_candidates(void)
{
  g_autoptr(VtClientMessage) msg =
      parse_ok("{\"type\":\"ice\",\"pc\":\"subscribe\",\"candidate\":\"\"}");

  g_assert_cmpstr(msg->pc, ==, "subscribe");
  g_assert_cmpstr(msg->candidate, ==, "");
  g_assert_null(msg->sdp_mid);
  g_assert_cmpint(msg->mline_index, ==, -1);
}

/* JavaScript clients send null for unset optional values. */
static void test_null_optional(void)
{
  g_autoptr(VtClientMessage) msg = parse_ok("{\"type\":\"ice\",\"pc\":\"publish\",\"candidate\":"
                                            "\"\",\"sdp_mid\":null,\"sdp_mline_index\":null}");

  g_assert_null(msg->sdp_mid);
  g_assert_cmpint(msg->mline_index, ==, -1);
  parse_fail("{\"type\":\"chat\",\"text\":null,\"client_id\":\"c\"}", VT_PROTOCOL_ERROR_WRONG_TYPE,
             "text");
}

static void test_unknown_fields_ignored(void)
{
  g_autoptr(VtClientMessage) msg =
      parse_ok("{\"type\":\"ping\",\"future\":{\"a\":[1,2.5,-3e2,true,false,null]},\"n\":-0}");

  g_assert_cmpint(msg->type, ==, VT_MSG_PING);
}

static void test_type_names(void)
{
  static const char *const names[] = {"join",     "leave",  "chat",          "accept",
                                      "end_call", "remove", "publish_offer", "subscribe_answer",
                                      "ice",      "subscribe_restart", "ping", "sending", "history"};

  for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
    g_assert_cmpstr(vt_msg_type_to_string((VtMsgType)i), ==, names[i]);
  g_assert_cmpint(VT_MSG_HISTORY + 1, ==, G_N_ELEMENTS(names));
}

static void test_error_codes(void)
{
  g_assert_cmpstr(vt_protocol_error_code(VT_PROTOCOL_ERROR_INVALID_UTF8), ==, "invalid_utf8");
  g_assert_cmpstr(vt_protocol_error_code(VT_PROTOCOL_ERROR_INVALID_JSON), ==, "invalid_json");
  g_assert_cmpstr(vt_protocol_error_code(VT_PROTOCOL_ERROR_TOO_DEEP), ==, "too_deep");
  g_assert_cmpstr(vt_protocol_error_code(VT_PROTOCOL_ERROR_UNKNOWN_TYPE), ==, "unknown_type");
  g_assert_cmpstr(vt_protocol_error_code(VT_PROTOCOL_ERROR_MISSING_FIELD), ==, "missing_field");
  g_assert_cmpstr(vt_protocol_error_code(VT_PROTOCOL_ERROR_WRONG_TYPE), ==, "wrong_type");
  g_assert_cmpstr(vt_protocol_error_code(VT_PROTOCOL_ERROR_INVALID_FIELD), ==, "invalid_field");
}

/* ---- type and field errors ---- */

static void test_type_errors(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *long_type = repeat("x", 500);
  g_autofree char *json = g_strdup_printf("{\"type\":\"%s\"}", long_type);
  VtClientMessage *msg;

  parse_fail("{}", VT_PROTOCOL_ERROR_MISSING_FIELD, "type");
  parse_fail("{\"text\":\"hi\"}", VT_PROTOCOL_ERROR_MISSING_FIELD, "type");
  parse_fail("{\"type\":1}", VT_PROTOCOL_ERROR_WRONG_TYPE, "type");
  parse_fail("{\"type\":null}", VT_PROTOCOL_ERROR_WRONG_TYPE, "type");
  parse_fail("{\"type\":[\"ping\"]}", VT_PROTOCOL_ERROR_WRONG_TYPE, "type");
  parse_fail("{\"type\":\"PING\"}", VT_PROTOCOL_ERROR_UNKNOWN_TYPE, "type");
  parse_fail("{\"type\":\"\"}", VT_PROTOCOL_ERROR_UNKNOWN_TYPE, "type");

  /* The message names the type, but only the start of a long one, with
   * control characters replaced. */
  msg = vt_protocol_parse(json, strlen(json), NULL, NULL, &error);
  g_assert_null(msg);
  g_assert_error(error, VT_PROTOCOL_ERROR, VT_PROTOCOL_ERROR_UNKNOWN_TYPE);
  g_assert_nonnull(strstr(error->message, "'xxxxxxxx"));
  g_assert_cmpuint(strlen(error->message), <, 100);
  g_clear_error(&error);
  msg =
      vt_protocol_parse("{\"type\":\"a\\nb\"}", strlen("{\"type\":\"a\\nb\"}"), NULL, NULL, &error);
  g_assert_null(msg);
  g_assert_nonnull(strstr(error->message, "'a?b'"));
}

static void test_missing_fields(void)
{
  parse_fail("{\"type\":\"join\"}", VT_PROTOCOL_ERROR_MISSING_FIELD, "token");
  parse_fail("{\"type\":\"chat\",\"client_id\":\"c\"}", VT_PROTOCOL_ERROR_MISSING_FIELD, "text");
  parse_fail("{\"type\":\"chat\",\"text\":\"t\"}", VT_PROTOCOL_ERROR_MISSING_FIELD, "client_id");
  parse_fail("{\"type\":\"accept\"}", VT_PROTOCOL_ERROR_MISSING_FIELD, "participant");
  parse_fail("{\"type\":\"remove\"}", VT_PROTOCOL_ERROR_MISSING_FIELD, "participant");
  parse_fail("{\"type\":\"publish_offer\"}", VT_PROTOCOL_ERROR_MISSING_FIELD, "sdp");
  parse_fail("{\"type\":\"subscribe_answer\"}", VT_PROTOCOL_ERROR_MISSING_FIELD, "sdp");
  parse_fail("{\"type\":\"ice\",\"candidate\":\"\"}", VT_PROTOCOL_ERROR_MISSING_FIELD, "pc");
  parse_fail("{\"type\":\"ice\",\"pc\":\"publish\"}", VT_PROTOCOL_ERROR_MISSING_FIELD, "candidate");
}

static void test_wrong_types(void)
{
  parse_fail("{\"type\":\"join\",\"token\":5}", VT_PROTOCOL_ERROR_WRONG_TYPE, "token");
  parse_fail("{\"type\":\"join\",\"token\":\"t\",\"topic\":true}", VT_PROTOCOL_ERROR_WRONG_TYPE,
             "topic");
  parse_fail("{\"type\":\"join\",\"token\":\"t\",\"last_chat_id\":\"5\"}",
             VT_PROTOCOL_ERROR_WRONG_TYPE, "last_chat_id");
  parse_fail("{\"type\":\"join\",\"token\":\"t\",\"last_chat_id\":1.5}",
             VT_PROTOCOL_ERROR_WRONG_TYPE, "last_chat_id");
  parse_fail("{\"type\":\"join\",\"token\":\"t\",\"last_chat_id\":1.0}",
             VT_PROTOCOL_ERROR_WRONG_TYPE, "last_chat_id");
  parse_fail("{\"type\":\"join\",\"token\":\"t\",\"last_chat_id\":1e2}",
             VT_PROTOCOL_ERROR_WRONG_TYPE, "last_chat_id");
  parse_fail("{\"type\":\"chat\",\"text\":12,\"client_id\":\"c\"}", VT_PROTOCOL_ERROR_WRONG_TYPE,
             "text");
  parse_fail("{\"type\":\"chat\",\"text\":\"t\",\"client_id\":{}}", VT_PROTOCOL_ERROR_WRONG_TYPE,
             "client_id");
  parse_fail("{\"type\":\"accept\",\"participant\":[]}", VT_PROTOCOL_ERROR_WRONG_TYPE,
             "participant");
  parse_fail("{\"type\":\"publish_offer\",\"sdp\":false}", VT_PROTOCOL_ERROR_WRONG_TYPE, "sdp");
  parse_fail("{\"type\":\"ice\",\"pc\":1,\"candidate\":\"\"}", VT_PROTOCOL_ERROR_WRONG_TYPE, "pc");
  parse_fail("{\"type\":\"ice\",\"pc\":\"publish\",\"candidate\":null}",
             VT_PROTOCOL_ERROR_WRONG_TYPE, "candidate");
  parse_fail("{\"type\":\"ice\",\"pc\":\"publish\",\"candidate\":\"\",\"sdp_mid\":0}",
             VT_PROTOCOL_ERROR_WRONG_TYPE, "sdp_mid");
  parse_fail("{\"type\":\"ice\",\"pc\":\"publish\",\"candidate\":\"\",\"sdp_mline_index\":\"0\"}",
             VT_PROTOCOL_ERROR_WRONG_TYPE, "sdp_mline_index");
  parse_fail("{\"type\":\"ping\",\"ref\":7}", VT_PROTOCOL_ERROR_WRONG_TYPE, "ref");
}

static void test_invalid_fields(void)
{
  g_autofree char *topic65 = repeat("t", 65);
  g_autofree char *json =
      g_strdup_printf("{\"type\":\"join\",\"token\":\"t\",\"topic\":\"%s\"}", topic65);

  parse_fail("{\"type\":\"join\",\"token\":\"\"}", VT_PROTOCOL_ERROR_INVALID_FIELD, "token");
  parse_fail("{\"type\":\"join\",\"token\":\"t\",\"topic\":\"\"}", VT_PROTOCOL_ERROR_INVALID_FIELD,
             "topic");
  parse_fail(json, VT_PROTOCOL_ERROR_INVALID_FIELD, "topic");
  parse_fail("{\"type\":\"join\",\"token\":\"t\",\"last_chat_id\":-1}",
             VT_PROTOCOL_ERROR_INVALID_FIELD, "last_chat_id");
  parse_fail("{\"type\":\"chat\",\"text\":\"\",\"client_id\":\"c\"}",
             VT_PROTOCOL_ERROR_INVALID_FIELD, "text");
  parse_fail("{\"type\":\"chat\",\"text\":\"t\",\"client_id\":\"\"}",
             VT_PROTOCOL_ERROR_INVALID_FIELD, "client_id");
  parse_fail("{\"type\":\"accept\",\"participant\":\"\"}", VT_PROTOCOL_ERROR_INVALID_FIELD,
             "participant");
  parse_fail("{\"type\":\"subscribe_answer\",\"sdp\":\"\"}", VT_PROTOCOL_ERROR_INVALID_FIELD,
             "sdp");
  parse_fail("{\"type\":\"ice\",\"pc\":\"both\",\"candidate\":\"\"}",
             VT_PROTOCOL_ERROR_INVALID_FIELD, "pc");
  parse_fail("{\"type\":\"ice\",\"pc\":\"publish\",\"candidate\":\"\",\"sdp_mline_index\":-1}",
             VT_PROTOCOL_ERROR_INVALID_FIELD, "sdp_mline_index");
  parse_fail("{\"type\":\"ice\",\"pc\":\"publish\",\"candidate\":\"\","
             "\"sdp_mline_index\":2147483648}",
             VT_PROTOCOL_ERROR_INVALID_FIELD, "sdp_mline_index");
  parse_fail("{\"type\":\"ping\",\"ref\":\"\"}", VT_PROTOCOL_ERROR_INVALID_FIELD, "ref");
}

static void test_id_lengths(void)
{
  g_autofree char *id64 = repeat("i", VT_PROTOCOL_MAX_ID);
  g_autofree char *id65 = repeat("i", VT_PROTOCOL_MAX_ID + 1);
  g_autofree char *ok = g_strdup_printf(
      "{\"type\":\"chat\",\"text\":\"t\",\"client_id\":\"%s\",\"ref\":\"%s\"}", id64, id64);
  g_autofree char *bad_id =
      g_strdup_printf("{\"type\":\"chat\",\"text\":\"t\",\"client_id\":\"%s\"}", id65);
  g_autofree char *bad_ref = g_strdup_printf("{\"type\":\"ping\",\"ref\":\"%s\"}", id65);
  g_autoptr(VtClientMessage) msg = parse_ok(ok);

  g_assert_cmpstr(msg->client_id, ==, id64);
  parse_fail(bad_id, VT_PROTOCOL_ERROR_INVALID_FIELD, "client_id");
  parse_fail(bad_ref, VT_PROTOCOL_ERROR_INVALID_FIELD, "ref");
}

/* The topic limit counts characters: 64 three-byte characters pass. */
static void test_topic_characters(void)
{
  g_autofree char *topic = repeat("\xe2\x82\xac", VT_PROTOCOL_MAX_TOPIC);
  g_autofree char *json =
      g_strdup_printf("{\"type\":\"join\",\"token\":\"t\",\"topic\":\"%s\"}", topic);
  g_autoptr(VtClientMessage) msg = parse_ok(json);

  g_assert_cmpstr(msg->topic, ==, topic);
}

static void test_text_limits(void)
{
  g_autofree char *max = repeat("a", VT_PROTOCOL_MAX_CHAT_TEXT);
  g_autofree char *over = repeat("a", VT_PROTOCOL_MAX_CHAT_TEXT + 1);
  g_autofree char *ok =
      g_strdup_printf("{\"type\":\"chat\",\"text\":\"%s\",\"client_id\":\"c\"}", max);
  g_autofree char *bad =
      g_strdup_printf("{\"type\":\"chat\",\"text\":\"%s\",\"client_id\":\"c\"}", over);
  g_autoptr(VtClientMessage) msg = parse_ok(ok);

  g_assert_cmpuint(strlen(msg->text), ==, VT_PROTOCOL_MAX_CHAT_TEXT);
  parse_fail(bad, VT_PROTOCOL_ERROR_INVALID_FIELD, "text");
}

/* The text limit counts bytes: 1024 four-byte characters are exactly 4096
 * bytes; 2048 two-byte ones plus one more byte are over. */
static void test_text_multibyte(void)
{
  g_autofree char *emoji = repeat("\xf0\x9f\x98\x80", VT_PROTOCOL_MAX_CHAT_TEXT / 4);
  g_autofree char *accents = repeat("\xc3\xa9", VT_PROTOCOL_MAX_CHAT_TEXT / 2);
  g_autofree char *ok =
      g_strdup_printf("{\"type\":\"chat\",\"text\":\"%s\",\"client_id\":\"c\"}", emoji);
  g_autofree char *ok2 =
      g_strdup_printf("{\"type\":\"chat\",\"text\":\"%s\",\"client_id\":\"c\"}", accents);
  g_autofree char *bad =
      g_strdup_printf("{\"type\":\"chat\",\"text\":\"%sa\",\"client_id\":\"c\"}", accents);
  g_autofree char *bad2 =
      g_strdup_printf("{\"type\":\"chat\",\"text\":\"%s\\u00e9\",\"client_id\":\"c\"}", emoji);
  g_autoptr(VtClientMessage) msg = parse_ok(ok);
  g_autoptr(VtClientMessage) msg2 = parse_ok(ok2);

  g_assert_cmpstr(msg->text, ==, emoji);
  g_assert_cmpuint(g_utf8_strlen(msg->text, -1), ==, VT_PROTOCOL_MAX_CHAT_TEXT / 4);
  g_assert_cmpstr(msg2->text, ==, accents);
  parse_fail(bad, VT_PROTOCOL_ERROR_INVALID_FIELD, "text");
  parse_fail(bad2, VT_PROTOCOL_ERROR_INVALID_FIELD, "text");
}

/* ---- ref ---- */

static void test_ref_on_failure(void)
{
  static const struct {
    const char *json;
    VtProtocolError code;
    const char *field;
  } cases[] = {
      {"{\"ref\":\"r\"}", VT_PROTOCOL_ERROR_MISSING_FIELD, "type"},
      {"{\"ref\":\"r\",\"type\":\"nope\"}", VT_PROTOCOL_ERROR_UNKNOWN_TYPE, "type"},
      {"{\"type\":\"chat\",\"ref\":\"r\",\"text\":1}", VT_PROTOCOL_ERROR_WRONG_TYPE, "text"},
      {"{\"type\":\"ice\",\"pc\":\"x\",\"candidate\":\"\",\"ref\":\"r\"}",
       VT_PROTOCOL_ERROR_INVALID_FIELD, "pc"},
      {"{\"type\":\"chat\",\"text\":\"a\\u0000b\",\"client_id\":\"c\",\"ref\":\"r\"}",
       VT_PROTOCOL_ERROR_INVALID_FIELD, "text"},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *ref =
        parse_fail_len(cases[i].json, strlen(cases[i].json), cases[i].code, cases[i].field);
    g_assert_cmpstr(ref, ==, "r");
  }
}

static void test_ref_not_returned(void)
{
  static const char *const cases[] = {
      "[\"ref\",\"r\"]",
      "{\"ref\":\"r\",}",
      "{\"ref\":5,\"type\":\"ping\"}",
      "{\"ref\":\"r\\u0000\",\"type\":\"ping\"}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *ref = NULL, *field = NULL;
    g_assert_null(vt_protocol_parse(cases[i], strlen(cases[i]), &field, &ref, &error));
    g_assert_nonnull(error);
    g_assert_null(ref);
  }
}

/* field, ref and error may all be NULL. */
static void test_null_out_params(void)
{
  const char *bad = "{\"type\":\"x\",\"ref\":\"r\"}";

  g_assert_null(vt_protocol_parse(bad, strlen(bad), NULL, NULL, NULL));
  g_autoptr(VtClientMessage) msg = vt_protocol_parse("{\"type\":\"ping\"}", 15, NULL, NULL, NULL);
  g_assert_nonnull(msg);
}

/* ---- structure ---- */

static char *nested(guint depth)
{
  g_autofree char *open = repeat("[", depth - 1);
  g_autofree char *close = repeat("]", depth - 1);

  return g_strdup_printf("{\"type\":\"ping\",\"x\":%s%s}", open, close);
}

static void test_depth(void)
{
  g_autofree char *ok = nested(VT_PROTOCOL_MAX_DEPTH);
  g_autofree char *deep = nested(VT_PROTOCOL_MAX_DEPTH + 1);
  g_autofree char *very_deep = repeat("{\"a\":", 10000);
  g_autoptr(VtClientMessage) msg = parse_ok(ok);

  parse_fail(deep, VT_PROTOCOL_ERROR_TOO_DEEP, NULL);
  parse_fail(very_deep, VT_PROTOCOL_ERROR_TOO_DEEP, NULL);
}

static void test_brackets_in_strings(void)
{
  g_autofree char *brackets = repeat("[{", 100);
  g_autofree char *json =
      g_strdup_printf("{\"type\":\"chat\",\"text\":\"%s\",\"client_id\":\"]}\"}", brackets);
  g_autoptr(VtClientMessage) msg = parse_ok(json);

  g_assert_cmpstr(msg->text, ==, brackets);
}

static void test_escapes(void)
{
  g_autoptr(VtClientMessage) msg = parse_ok("{\"type\":\"chat\",\"text\":\"say \\\"hi\\\" [[[ "
                                            "\\\\\",\"client_id\":\"\\\\\\\"\\/\\b\\f\\t\"}");

  g_assert_cmpstr(msg->text, ==, "say \"hi\" [[[ \\");
  g_assert_cmpstr(msg->client_id, ==, "\\\"/\b\f\t");
  /* An escaped backslash ends right before the closing quote: the brackets
   * after it are structure again and must count. */
  g_autofree char *open = repeat("[", VT_PROTOCOL_MAX_DEPTH);
  g_autofree char *json = g_strdup_printf("{\"type\":\"ping\",\"x\":\"\\\\\",\"y\":%s", open);
  parse_fail(json, VT_PROTOCOL_ERROR_TOO_DEEP, NULL);
}

static void test_bad_escapes(void)
{
  parse_fail("{\"type\":\"ping\",\"x\":\"\\q\"}", VT_PROTOCOL_ERROR_INVALID_JSON, NULL);
  parse_fail("{\"type\":\"ping\",\"x\":\"\\u12\"}", VT_PROTOCOL_ERROR_INVALID_JSON, NULL);
  parse_fail("{\"type\":\"ping\",\"x\":\"\\u12g4\"}", VT_PROTOCOL_ERROR_INVALID_JSON, NULL);
  parse_fail("{\"type\":\"ping\",\"x\":\"\\ud800\"}", VT_PROTOCOL_ERROR_INVALID_JSON, NULL);
  parse_fail("{\"type\":\"ping\",\"x\":\"\\ud800x\"}", VT_PROTOCOL_ERROR_INVALID_JSON, NULL);
  parse_fail("{\"type\":\"ping\",\"x\":\"\\ud800\\u0041\"}", VT_PROTOCOL_ERROR_INVALID_JSON, NULL);
  parse_fail("{\"type\":\"ping\",\"x\":\"\\udc00\"}", VT_PROTOCOL_ERROR_INVALID_JSON, NULL);
  parse_fail("{\"type\":\"ping\",\"x\":\"\\", VT_PROTOCOL_ERROR_INVALID_JSON, NULL);
  parse_fail("{\"type\":\"ping\",\"x\":\"a\nb\"}", VT_PROTOCOL_ERROR_INVALID_JSON, NULL);
}

/* json-glib would cut "a\u0000b" to "a"; the member holding it is refused. */
static void test_escaped_nul(void)
{
  parse_fail("{\"type\":\"chat\",\"text\":\"a\\u0000b\",\"client_id\":\"c\"}",
             VT_PROTOCOL_ERROR_INVALID_FIELD, "text");
  parse_fail("{\"type\":\"ping\",\"extra\":[{\"k\":\"\\u0000\"}]}", VT_PROTOCOL_ERROR_INVALID_FIELD,
             "extra");
  parse_fail("{\"type\":\"ping\",\"a\\u0000\":1}", VT_PROTOCOL_ERROR_INVALID_FIELD, "a\\u0000");
}

static void test_invalid_utf8(void)
{
  static const char *const cases[] = {
      "{\"type\":\"chat\",\"text\":\"\xc0\xaf\",\"client_id\":\"c\"}",     /* overlong '/' */
      "{\"type\":\"chat\",\"text\":\"\x80\",\"client_id\":\"c\"}",         /* lone continuation */
      "{\"type\":\"chat\",\"text\":\"\xed\xa0\x80\",\"client_id\":\"c\"}", /* U+D800 */
      "{\"type\":\"chat\",\"text\":\"\xf4\x90\x80\x80\",\"client_id\":\"c\"}", /* > U+10FFFF */
      "{\"type\":\"chat\",\"text\":\"\xe2\x82\",\"client_id\":\"c\"}",         /* truncated */
      "{\"type\":\"ping\",\"ref\":\"r\"}\xff",                                 /* outside strings */
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *ref =
        parse_fail_len(cases[i], strlen(cases[i]), VT_PROTOCOL_ERROR_INVALID_UTF8, NULL);
    g_assert_null(ref);
  }
  /* GLib counts a raw NUL byte as invalid UTF-8; JSON forbids it anyway. */
  g_free(parse_fail_len("{\"type\":\"ping\"\0}", 16, VT_PROTOCOL_ERROR_INVALID_UTF8, NULL));
}

static void test_not_json(void)
{
  static const char *const cases[] = {
      "",
      "   \r\n\t",
      "[]",
      "[{\"type\":\"ping\"}]",
      "\"ping\"",
      "42",
      "null",
      "{",
      "{\"type\":\"ping\"",
      "{\"type\":\"ping\"]",
      "{\"type\":\"ping\"}}",
      "{\"type\":\"ping\"} x",
      "{\"type\":\"ping\"}{}",
      "{\"type\":\"ping\",}",
      "{\"type\" \"ping\"}",
      "{type:\"ping\"}",
      "{'type':'ping'}",
      "/**/{\"type\":\"ping\"}",
      "{\"type\":\"ping\"}//",
      "\xef\xbb\xbf{\"type\":\"ping\"}",
      "{\"type\":\"ping\",\"x\":0x10}",
      "{\"type\":\"ping\",\"x\":01}",
      "{\"type\":\"ping\",\"x\":.5}",
      "{\"type\":\"ping\",\"x\":1.}",
      "{\"type\":\"ping\",\"x\":1e}",
      "{\"type\":\"ping\",\"x\":+1}",
      "{\"type\":\"ping\",\"x\":-}",
      "{\"type\":\"ping\",\"x\":True}",
      "{\"type\":\"ping\",\"x\":nul}",
      "{\"type\":\"ping\",\"x\":truex}",
      "{\"type\":\"ping\",\"x\":NaN}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
    parse_fail(cases[i], VT_PROTOCOL_ERROR_INVALID_JSON, NULL);
}

/* json-glib's own error messages quote the offending token cut at a byte
 * count; ours must stay valid UTF-8 (found by the fuzzer). */
static void test_json_error_message_utf8(void)
{
  parse_fail("{\"typetokehae9llofalse \\ud83d\\ude00 [brackeie\\ud83d\\ude0d\\\"\",\"clie\"}",
             VT_PROTOCOL_ERROR_INVALID_JSON, NULL);
}

/* json-glib wraps integers beyond 64 bits around (and "-18446744073709551615"
 * would come out as 1), so the pre-scan refuses them. */
static void test_integer_range(void)
{
  g_autoptr(VtClientMessage) max =
      parse_ok("{\"type\":\"join\",\"token\":\"t\",\"last_chat_id\":9223372036854775807,"
               "\"x\":-9223372036854775808}");

  g_assert_cmpint(max->last_chat_id, ==, G_MAXINT64);
  parse_fail("{\"type\":\"join\",\"token\":\"t\",\"last_chat_id\":9223372036854775808}",
             VT_PROTOCOL_ERROR_INVALID_JSON, NULL);
  parse_fail("{\"type\":\"join\",\"token\":\"t\",\"last_chat_id\":-18446744073709551615}",
             VT_PROTOCOL_ERROR_INVALID_JSON, NULL);
  parse_fail("{\"type\":\"ping\",\"x\":-9223372036854775809}", VT_PROTOCOL_ERROR_INVALID_JSON,
             NULL);
}

/* The length is explicit: bytes after it must not be read. */
static void test_explicit_length(void)
{
  const char *json = "{\"type\":\"ping\"}{\"garbage";
  g_autofree char *copy = g_memdup2(json, 15);
  g_autoptr(VtClientMessage) msg = parse_ok_len(json, 15);
  g_autoptr(VtClientMessage) msg2 = parse_ok_len(copy, 15);

  g_assert_cmpint(msg->type, ==, VT_MSG_PING);
  g_assert_cmpint(msg2->type, ==, VT_MSG_PING);
  g_free(parse_fail_len(json, 14, VT_PROTOCOL_ERROR_INVALID_JSON, NULL));
}

static void test_message_size(void)
{
  g_autofree char *pad = repeat(" ", VT_PROTOCOL_MAX_MESSAGE);
  g_autofree char *json = g_strconcat("{\"type\":\"ping\"}", pad, NULL);

  parse_fail(json, VT_PROTOCOL_ERROR_INVALID_JSON, NULL);
  json[VT_PROTOCOL_MAX_MESSAGE] = '\0';
  g_autoptr(VtClientMessage) msg = parse_ok(json);
}

static void test_whitespace(void)
{
  g_autoptr(VtClientMessage) msg = parse_ok(" \r\n\t{ \"type\" : \"leave\" , \"ref\" : \"r\" } \n");

  g_assert_cmpint(msg->type, ==, VT_MSG_LEAVE);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/protocol/join", test_join);
  g_test_add_func("/protocol/join-minimal", test_join_minimal);
  g_test_add_func("/protocol/no-field-types", test_no_field_types);
  g_test_add_func("/protocol/chat", test_chat);
  g_test_add_func("/protocol/sending", test_sending);
  g_test_add_func("/protocol/history", test_history);
  g_test_add_func("/protocol/accept-remove", test_accept_remove);
  g_test_add_func("/protocol/sdp-types", test_sdp_types);
  g_test_add_func("/protocol/ice", test_ice);
  g_test_add_func("/protocol/ice-end-of-candidates", test_ice_end_of_candidates);
  g_test_add_func("/protocol/null-optional", test_null_optional);
  g_test_add_func("/protocol/unknown-fields-ignored", test_unknown_fields_ignored);
  g_test_add_func("/protocol/type-names", test_type_names);
  g_test_add_func("/protocol/error-codes", test_error_codes);
  g_test_add_func("/protocol/type-errors", test_type_errors);
  g_test_add_func("/protocol/missing-fields", test_missing_fields);
  g_test_add_func("/protocol/wrong-types", test_wrong_types);
  g_test_add_func("/protocol/invalid-fields", test_invalid_fields);
  g_test_add_func("/protocol/id-lengths", test_id_lengths);
  g_test_add_func("/protocol/topic-characters", test_topic_characters);
  g_test_add_func("/protocol/text-limits", test_text_limits);
  g_test_add_func("/protocol/text-multibyte", test_text_multibyte);
  g_test_add_func("/protocol/ref-on-failure", test_ref_on_failure);
  g_test_add_func("/protocol/ref-not-returned", test_ref_not_returned);
  g_test_add_func("/protocol/null-out-params", test_null_out_params);
  g_test_add_func("/protocol/depth", test_depth);
  g_test_add_func("/protocol/brackets-in-strings", test_brackets_in_strings);
  g_test_add_func("/protocol/escapes", test_escapes);
  g_test_add_func("/protocol/bad-escapes", test_bad_escapes);
  g_test_add_func("/protocol/escaped-nul", test_escaped_nul);
  g_test_add_func("/protocol/invalid-utf8", test_invalid_utf8);
  g_test_add_func("/protocol/not-json", test_not_json);
  g_test_add_func("/protocol/json-error-message-utf8", test_json_error_message_utf8);
  g_test_add_func("/protocol/integer-range", test_integer_range);
  g_test_add_func("/protocol/explicit-length", test_explicit_length);
  g_test_add_func("/protocol/message-size", test_message_size);
  g_test_add_func("/protocol/whitespace", test_whitespace);
  return g_test_run();
}
