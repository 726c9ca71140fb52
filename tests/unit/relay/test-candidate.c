/* Unit tests for relay/candidate.c: what browsers trickle (lines taken from
 * Chrome, Firefox and Safari), and each way a line can be wrong, with the
 * reason the client is told. */
#include <string.h>

#include "relay/candidate.h"

static VtCandidate parse_ok(const char *line)
{
  VtCandidate c;
  g_autoptr(GError) error = NULL;
  if (!vt_candidate_parse(line, strlen(line), &c, &error))
    g_error("%s: %s", line, error->message);
  return c;
}

static void parse_fail(const char *line, const char *says)
{
  VtCandidate c;
  g_autoptr(GError) error = NULL;
  if (vt_candidate_parse(line, strlen(line), &c, &error))
    g_error("expected an error for %s", line);
  g_assert_error(error, VT_CANDIDATE_ERROR, VT_CANDIDATE_ERROR_INVALID);
  if (!strstr(error->message, says))
    g_error("%s: '%s' does not say '%s'", line, error->message, says);
}

static void test_chrome(void)
{
  VtCandidate c = parse_ok("candidate:3885250869 1 udp 2122260223 192.168.1.20 54321 typ host "
                           "generation 0 ufrag kD4g network-id 1 network-cost 10");
  g_assert_cmpstr(c.foundation, ==, "3885250869");
  g_assert_cmpuint(c.component, ==, 1);
  g_assert_cmpint(c.transport, ==, VT_CANDIDATE_UDP);
  g_assert_cmpuint(c.priority, ==, 2122260223u);
  g_assert_cmpstr(c.address, ==, "192.168.1.20");
  g_assert_cmpint(c.family, ==, 4);
  g_assert_cmpuint(c.port, ==, 54321);
  g_assert_cmpint(c.type, ==, VT_CANDIDATE_HOST);
  g_assert_false(c.has_related);

  c = parse_ok("a=candidate:842163049 1 udp 1686052607 203.0.113.7 61000 typ srflx raddr "
               "192.168.1.20 rport 54321 generation 0 ufrag kD4g network-cost 10");
  g_assert_cmpint(c.type, ==, VT_CANDIDATE_SRFLX);
  g_assert_true(c.has_related);
  g_assert_cmpstr(c.related_address, ==, "192.168.1.20");
  g_assert_cmpuint(c.related_port, ==, 54321);

  c = parse_ok("candidate:1 1 tcp 1518280447 192.168.1.20 9 typ host tcptype active "
               "generation 0");
  g_assert_cmpint(c.transport, ==, VT_CANDIDATE_TCP_ACTIVE);
  g_assert_cmpuint(c.port, ==, 9);
}

static void test_firefox_safari(void)
{
  VtCandidate c = parse_ok("candidate:0 1 UDP 2122252543 2001:db8::1 49203 typ host");
  g_assert_cmpint(c.family, ==, 6);
  g_assert_cmpstr(c.address, ==, "2001:db8::1");

  c = parse_ok("candidate:4 1 UDP 8265727 198.51.100.2 3478 typ relay raddr 203.0.113.7 "
               "rport 61000");
  g_assert_cmpint(c.type, ==, VT_CANDIDATE_RELAY);
  c = parse_ok("candidate:2 1 TCP 2105458943 10.0.0.5 9 typ host tcptype passive");
  g_assert_cmpint(c.transport, ==, VT_CANDIDATE_TCP_PASSIVE);
  c = parse_ok("candidate:3 1 tcp 5 10.0.0.5 40000 typ prflx tcptype so");
  g_assert_cmpint(c.transport, ==, VT_CANDIDATE_TCP_SO);
  g_assert_cmpint(c.type, ==, VT_CANDIDATE_PRFLX);
  /* Foundations with '+' and '/' (ICE chars), 32 of them at most. */
  parse_ok("candidate:ab+/ab+/ab+/ab+/ab+/ab+/ab+/ab+/ 1 udp 1 10.0.0.5 1 typ host");
}

static void test_refused(void)
{
  parse_fail("", "starts with 'candidate:'");
  parse_fail("a=foo:1 1 udp 1 10.0.0.5 1 typ host", "starts with 'candidate:'");
  parse_fail("candidate:1 1 udp 1 10.0.0.5 1 typ host\r\n", "printable ASCII");
  parse_fail("candidate:1 1 udp 1 10.0.0.5 1 typ h\xc3\xb6st", "printable ASCII");
  parse_fail("candidate:1  1 udp 1 10.0.0.5 1 typ host", "single spaces");
  parse_fail("candidate:1 1 udp 1 10.0.0.5 1 typ host ", "single spaces");
  parse_fail("candidate:1 1 udp 1 10.0.0.5 1 typ", "at least 8 fields");
  parse_fail("candidate:a-b 1 udp 1 10.0.0.5 1 typ host", "foundation");
  parse_fail("candidate:abcdefghijklmnopqrstuvwxyz0123456 1 udp 1 10.0.0.5 1 typ host",
             "foundation");
  parse_fail("candidate:1 0 udp 1 10.0.0.5 1 typ host", "component");
  parse_fail("candidate:1 257 udp 1 10.0.0.5 1 typ host", "component");
  parse_fail("candidate:1 x udp 1 10.0.0.5 1 typ host", "component");
  parse_fail("candidate:1 1 sctp 1 10.0.0.5 1 typ host", "transport");
  parse_fail("candidate:1 1 udp 4294967296 10.0.0.5 1 typ host", "priority");
  parse_fail("candidate:1 1 udp -1 10.0.0.5 1 typ host", "priority");
  {
    /* A name is told apart from garbage: the relay skips it quietly. */
    VtCandidate c;
    g_autoptr(GError) error = NULL;
    const char *mdns = "candidate:1 1 udp 1 3b7e9c1a-4f2d-4e6b-9a1c-2d3e4f5a6b7c.local 1 typ host";
    g_assert_false(vt_candidate_parse(mdns, strlen(mdns), &c, &error));
    g_assert_error(error, VT_CANDIDATE_ERROR, VT_CANDIDATE_ERROR_HOST_NAME);
  }
  parse_fail("candidate:1 1 udp 1 10.0.0.256 1 typ host", "address");
  parse_fail("candidate:1 1 udp 1 10.0.0.5 65536 typ host", "port");
  parse_fail("candidate:1 1 udp 1 10.0.0.5 +1 typ host", "port");
  parse_fail("candidate:1 1 udp 1 10.0.0.5 1 type host", "'typ'");
  parse_fail("candidate:1 1 udp 1 10.0.0.5 1 typ local", "type must be");
  parse_fail("candidate:1 1 udp 1 10.0.0.5 1 typ host generation", "no value");
  parse_fail("candidate:1 1 udp 1 10.0.0.5 1 typ srflx raddr example.com rport 1", "raddr");
  parse_fail("candidate:1 1 udp 1 10.0.0.5 1 typ srflx raddr 10.0.0.1 rport 99999", "rport");
  parse_fail("candidate:1 1 udp 1 10.0.0.5 1 typ host tcptype active", "tcptype");
  parse_fail("candidate:1 1 tcp 1 10.0.0.5 1 typ host", "needs a tcptype");
  parse_fail("candidate:1 1 tcp 1 10.0.0.5 1 typ host tcptype both", "tcptype");
}

/* At most 16 attributes after the type, and nothing longer than 1024 bytes. */
static void test_bounds(void)
{
  GString *line = g_string_new("candidate:1 1 udp 1 10.0.0.5 1 typ srflx raddr 10.0.0.1 rport 2");
  for (int i = 0; i < 14; i++)
    g_string_append_printf(line, " x%d %d", i, i);
  parse_ok(line->str);
  g_string_append(line, " one more");
  parse_fail(line->str, "at most 16");
  g_string_free(line, TRUE);

  g_autofree char *pad = g_strnfill(1100, 'a');
  g_autofree char *long_line = g_strdup_printf("candidate:1 1 udp 1 10.0.0.5 1 typ host x %s", pad);
  parse_fail(long_line, "longer than 1024");
  /* The length given counts, not a terminating NUL. */
  VtCandidate c;
  const char *line2 = "candidate:1 1 udp 1 10.0.0.5 1 typ host";
  g_assert_false(vt_candidate_parse(line2, 20, &c, NULL));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/candidate/chrome", test_chrome);
  g_test_add_func("/candidate/firefox-safari", test_firefox_safari);
  g_test_add_func("/candidate/refused", test_refused);
  g_test_add_func("/candidate/bounds", test_bounds);
  return g_test_run();
}
