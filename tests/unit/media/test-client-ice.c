/* joined.ice_servers as webrtcbin takes them: STUN as stun://, TURN with the
 * time-limited credentials percent-encoded into the URI, unknown entries
 * skipped with a warning. */
#include <string.h>

#include "media/client-ice.h"
#include "media/client-message.h"

static JsonArray *parse(const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_assert_true(json_parser_load_from_data(parser, text, -1, NULL));
  return json_array_ref(json_node_get_array(json_parser_get_root(parser)));
}

static void test_servers(void)
{
  g_autoptr(JsonArray) servers = parse(
      "[{\"urls\": [\"stun:stun.example.com:3478\", \"stun:second.example.com\"]},"
      " {\"urls\": [\"turn:turn.example.com:3478?transport=udp\", \"turns:turn.example.com:5349\"],"
      "  \"username\": \"1795400000:p45a3184340149f9f\", \"credential\": \"a+b/c=\"},"
      " {\"urls\": [\"https://not-ice.example.com\"]}, 42]");
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
  VtClientIceServers ice;
  vt_client_ice_servers_read(servers, &ice, warnings);
  g_assert_cmpstr(ice.stun, ==, "stun://stun.example.com:3478");
  g_assert_cmpuint(g_strv_length(ice.turns), ==, 2);
  g_assert_cmpstr(ice.turns[0], ==,
                  "turn://1795400000%3Ap45a3184340149f9f:a%2Bb%2Fc%3D@turn.example.com:3478"
                  "?transport=udp");
  g_assert_cmpstr(ice.turns[1], ==,
                  "turns://1795400000%3Ap45a3184340149f9f:a%2Bb%2Fc%3D@turn.example.com:5349");
  /* webrtcbin takes one STUN server: the first; the https URL is reported. */
  g_assert_cmpuint(warnings->len, ==, 1);
  g_assert_nonnull(strstr(g_ptr_array_index(warnings, 0), "https://not-ice.example.com"));
  vt_client_ice_servers_clear(&ice);
}

static void test_turn_without_credentials(void)
{
  g_autoptr(JsonArray) servers = parse("[{\"urls\": [\"turn:turn.example.com\"]}]");
  VtClientIceServers ice;
  vt_client_ice_servers_read(servers, &ice, NULL);
  g_assert_null(ice.stun);
  g_assert_cmpuint(g_strv_length(ice.turns), ==, 0);
  vt_client_ice_servers_clear(&ice);
  vt_client_ice_servers_read(NULL, &ice, NULL);
  g_assert_null(ice.stun);
  g_assert_nonnull(ice.turns);
  vt_client_ice_servers_clear(&ice);
}

/* A failed connection explains itself when the two sides' addresses cannot
 * meet: a server for this machine alone and a client on its network
 * addresses, or the other way round; otherwise it says nothing more. */
static void test_failure_hint(void)
{
  const char *const loopback[] = {"127.0.0.1", NULL};
  const char *const lan[] = {"192.0.2.7", NULL};
  const char *const both[] = {"::1", "192.0.2.7", NULL};
  VtClientIceSeen server_local = {0}, server_lan = {0}, mixed = {0}, none = {0};

  vt_client_ice_seen_add(&server_local, "candidate:1 1 UDP 2015363327 127.0.0.1 40001 typ host");
  vt_client_ice_seen_add(&server_local, "1 1 TCP 1015021823 ::1 9 typ host tcptype active");
  vt_client_ice_seen_add(&server_local, "candidate:2 1"); /* too short: not counted */
  g_assert_cmpuint(server_local.remote, ==, 2);
  g_assert_cmpuint(server_local.remote_loopback, ==, 2);
  vt_client_ice_seen_add(&server_lan, "candidate:1 1 UDP 2015363327 192.0.2.1 40001 typ host");
  vt_client_ice_seen_add(&server_lan, "candidate:2 1 UDP 2015363327 c0ffee.local 40002 typ host");
  g_assert_cmpuint(server_lan.remote_loopback, ==, 0);
  vt_client_ice_seen_add(&mixed, "candidate:1 1 UDP 2015363327 127.0.0.1 40001 typ host");
  vt_client_ice_seen_add(&mixed, "candidate:2 1 UDP 2015363327 192.0.2.1 40002 typ host");

  const char *hint = vt_client_ice_failure_hint(&server_local, NULL);
  g_assert_nonnull(hint);
  g_assert_nonnull(strstr(hint, "--local-address 127.0.0.1"));
  g_assert_nonnull(vt_client_ice_failure_hint(&server_local, lan));
  hint = vt_client_ice_failure_hint(&server_lan, loopback);
  g_assert_nonnull(hint);
  g_assert_nonnull(strstr(hint, "loopback addresses only"));

  g_assert_null(vt_client_ice_failure_hint(&server_local, loopback));
  g_assert_null(vt_client_ice_failure_hint(&server_local, both));
  g_assert_null(vt_client_ice_failure_hint(&server_lan, NULL));
  g_assert_null(vt_client_ice_failure_hint(&server_lan, both));
  g_assert_null(vt_client_ice_failure_hint(&mixed, lan));
  g_assert_null(vt_client_ice_failure_hint(&mixed, loopback));
  g_assert_null(vt_client_ice_failure_hint(&none, loopback)); /* no candidate came at all */
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/client/ice/servers", test_servers);
  g_test_add_func("/client/ice/turn-without-credentials", test_turn_without_credentials);
  g_test_add_func("/client/ice/failure-hint", test_failure_hint);
  return g_test_run();
}
