/* joined.ice_servers as webrtcbin takes them: STUN as stun://, TURN with the
 * time-limited credentials percent-encoded into the URI, unknown entries
 * skipped with a warning. */
#include <string.h>

#include "media/client-ice.h"

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

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/client/ice/servers", test_servers);
  g_test_add_func("/client/ice/turn-without-credentials", test_turn_without_credentials);
  return g_test_run();
}
