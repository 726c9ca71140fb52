/* libFuzzer target for ICE candidate lines from clients (relay/candidate.c).
 * The input is one line, any bytes.
 *
 * Invariants checked on a line that parses:
 *   - the foundation is 1 to 32 ICE characters, the component 1 to 256;
 *   - the address (and the related one, when given) is a literal of the
 *     family reported, as inet_pton reads it;
 *   - a TCP candidate came with its tcptype, a UDP one has none;
 *   - parsing the same bytes again gives the same candidate (no state);
 *   - the line was at most 1024 bytes after an optional "a=". */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay/candidate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_address(const char *text, int family)
{
  guint8 bytes[16];
  if (inet_pton(family == 4 ? AF_INET : AF_INET6, text, bytes) != 1)
    abort();
}

static void check(const VtCandidate *c, const uint8_t *data, size_t size)
{
  size_t n = strlen(c->foundation);
  if (n == 0 || n > VT_CANDIDATE_MAX_FOUNDATION)
    abort();
  for (size_t i = 0; i < n; i++)
    if (!g_ascii_isalnum(c->foundation[i]) && c->foundation[i] != '+' && c->foundation[i] != '/')
      abort();
  if (c->component < 1 || c->component > 256)
    abort();
  check_address(c->address, c->family);
  if (c->has_related)
    check_address(c->related_address, c->related_family);
  /* The third field, after "candidate:" and two spaces, says TCP or UDP. */
  size_t prefix = size >= 2 && memcmp(data, "a=", 2) == 0 ? 2 : 0;
  const char *field = (const char *)data + prefix + 10;
  for (int spaces = 0; spaces < 2; field++)
    spaces += *field == ' ';
  gboolean tcp = g_ascii_strncasecmp(field, "tcp ", 4) == 0;
  if ((c->transport != VT_CANDIDATE_UDP) != tcp)
    abort();
  if (size - prefix > VT_CANDIDATE_MAX_LEN)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  VtCandidate first, again;
  GError *error = NULL;
  if (!vt_candidate_parse((const char *)data, size, &first, &error)) {
    if (error == NULL || error->message == NULL)
      abort();
    g_error_free(error);
    return 0;
  }
  check(&first, data, size);
  if (!vt_candidate_parse((const char *)data, size, &again, NULL) ||
      memcmp(&first, &again, sizeof first) != 0)
    abort();
  return 0;
}
