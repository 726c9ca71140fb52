/* What `vitrine client` reads from the server: each message type it acts
 * on, and members of the wrong type read as absent instead of crashing. */
#include <string.h>

#include "media/client-message.h"

static VtServerMessage *parse_ok(const char *text)
{
  g_autoptr(GError) error = NULL;
  VtServerMessage *msg = vt_server_message_parse(text, strlen(text), &error);
  g_assert_no_error(error);
  g_assert_nonnull(msg);
  return msg;
}

static void parse_fail(const char *text)
{
  g_autoptr(GError) error = NULL;
  VtServerMessage *msg = vt_server_message_parse(text, strlen(text), &error);
  if (msg)
    g_error("expected an error for %s", text);
  g_assert_nonnull(error);
}

static void test_types(void)
{
  g_autoptr(VtServerMessage) hello = parse_ok("{\"type\":\"hello\",\"protocol\":1}");
  g_assert_cmpint(hello->type, ==, VT_SERVER_MSG_HELLO);
  g_assert_cmpint(hello->protocol, ==, 1);

  g_autoptr(VtServerMessage) joined =
      parse_ok("{\"type\":\"joined\",\"state\":\"room\",\"participant\":{\"id\":\"p1\"},"
               "\"ice_servers\":[{\"urls\":[\"stun:stun.example.com:3478\"]}]}");
  g_assert_cmpint(joined->type, ==, VT_SERVER_MSG_JOINED);
  g_assert_cmpstr(joined->state, ==, "room");
  g_assert_cmpstr(joined->participant_id, ==, "p1");
  g_assert_cmpstr(joined->ice_servers.stun, ==, "stun://stun.example.com:3478");

  g_autoptr(VtServerMessage) ice = parse_ok(
      "{\"type\":\"ice\",\"pc\":\"publish\",\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 9 typ "
      "host\",\"sdp_mline_index\":1}");
  g_assert_cmpint(ice->type, ==, VT_SERVER_MSG_ICE);
  g_assert_cmpstr(ice->pc, ==, "publish");
  g_assert_cmpint(ice->mline_index, ==, 1);

  g_autoptr(VtServerMessage) chat = parse_ok("{\"type\":\"chat\",\"text\":\"hi\"}");
  g_assert_cmpint(chat->type, ==, VT_SERVER_MSG_OTHER);
  g_assert_cmpstr(chat->type_name, ==, "chat");
}

/* A broken or hostile server: wrong types read as absent. */
static void test_wrong_types(void)
{
  g_autoptr(VtServerMessage) a = parse_ok(
      "{\"type\":\"joined\",\"state\":null,\"participant\":\"p1\",\"ice_servers\":{\"urls\":1}}");
  g_assert_null(a->state);
  g_assert_null(a->participant_id);
  g_assert_null(a->ice_servers.stun);
  g_autoptr(VtServerMessage) b = parse_ok(
      "{\"type\":\"joined\",\"participant\":{\"id\":[1]},\"ice_servers\":[{\"urls\":[null,{},"
      "[\"stun:x\"],7],\"username\":{},\"credential\":2},3,null]}");
  g_assert_null(b->participant_id);
  g_assert_null(b->ice_servers.stun);
  g_autoptr(VtServerMessage) c =
      parse_ok("{\"type\":\"ice\",\"pc\":[],\"candidate\":{},\"sdp_mline_index\":-4}");
  g_assert_null(c->pc);
  g_assert_null(c->candidate);
  g_assert_cmpint(c->mline_index, ==, -1);
  g_autoptr(VtServerMessage) d = parse_ok("{\"type\":\"hello\",\"protocol\":\"1\"}");
  g_assert_cmpint(d->protocol, ==, -1);
  g_autoptr(VtServerMessage) e = parse_ok("{\"type\":\"error\",\"code\":1.5,\"ref\":true}");
  g_assert_null(e->code);
  g_assert_null(e->ref);
  /* json-glib reads "\2" as an octal byte: not UTF-8, so not a string. */
  g_autoptr(VtServerMessage) f = parse_ok("{\"type\":\"error\",\"message\":\"a\\222b\"}");
  g_assert_null(f->message);
}

static void test_refused(void)
{
  parse_fail("");
  parse_fail("[]");
  parse_fail("{\"type\":null}");
  parse_fail("{\"type\":7}");
  parse_fail("{\"kind\":\"hello\"}");
  parse_fail("{\"type\":\"hello\"");
  g_autofree char *open = g_strnfill(33, '[');
  g_autofree char *deep = g_strdup_printf("{\"type\":\"hello\",\"x\":%s}", open);
  parse_fail(deep);
  /* Brackets inside strings do not count. */
  g_autofree char *quoted = g_strdup_printf("{\"type\":\"hello\",\"x\":\"%s\\\"%s\"}", open, open);
  g_autoptr(VtServerMessage) ok = parse_ok(quoted);
  g_assert_cmpint(ok->type, ==, VT_SERVER_MSG_HELLO);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/client-message/types", test_types);
  g_test_add_func("/client-message/wrong-types", test_wrong_types);
  g_test_add_func("/client-message/refused", test_refused);
  return g_test_run();
}
