/* See candidate.h. The line is split on single spaces into at most
 * MAX_TOKENS tokens in a copy on the stack; each field is then checked on
 * its own, so that the error names the one that is wrong. */
#include "relay/candidate.h"

#include <arpa/inet.h>
#include <string.h>

#define MAX_TOKENS (8 + 2 * VT_CANDIDATE_MAX_EXTENSIONS)

G_DEFINE_QUARK(vt-candidate-error-quark, vt_candidate_error)

static gboolean fail(GError **error, const char *message)
{
  g_set_error_literal(error, VT_CANDIDATE_ERROR, VT_CANDIDATE_ERROR_INVALID, message);
  return FALSE;
}

/* Letters, digits, '-' and '.', with a letter somewhere (else it is a bad
 * IPv4 literal): a host name such as Chrome's mDNS "3b7e9c1a-....local". */
static gboolean is_host_name(const char *s)
{
  gboolean letter = FALSE;
  for (; *s; s++) {
    if (!g_ascii_isalnum(*s) && *s != '-' && *s != '.')
      return FALSE;
    letter = letter || g_ascii_isalpha(*s);
  }
  return letter;
}

/* A decimal number of at most digits digits, no sign, no leading blank. */
static gboolean read_number(const char *s, guint digits, guint64 max, guint64 *out)
{
  gsize n = strlen(s);
  guint64 v = 0;
  if (n == 0 || n > digits)
    return FALSE;
  for (gsize i = 0; i < n; i++) {
    if (!g_ascii_isdigit(s[i]))
      return FALSE;
    v = v * 10 + (guint64)(s[i] - '0');
  }
  if (v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean read_foundation(const char *s, VtCandidate *out)
{
  gsize n = strlen(s);
  if (n == 0 || n > VT_CANDIDATE_MAX_FOUNDATION)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum(s[i]) && s[i] != '+' && s[i] != '/')
      return FALSE;
  memcpy(out->foundation, s, n + 1);
  return TRUE;
}

/* An IPv4 or IPv6 literal; its family in *family. */
static gboolean read_address(const char *s, char *out, int *family)
{
  guint8 bytes[16];
  if (strlen(s) >= VT_CANDIDATE_MAX_ADDRESS)
    return FALSE;
  if (inet_pton(AF_INET, s, bytes) == 1)
    *family = 4;
  else if (inet_pton(AF_INET6, s, bytes) == 1)
    *family = 6;
  else
    return FALSE;
  strcpy(out, s);
  return TRUE;
}

static gboolean read_type(const char *s, VtCandidateType *out)
{
  static const char *const names[] = {"host", "srflx", "prflx", "relay"};
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    if (strcmp(s, names[i]) == 0) {
      *out = (VtCandidateType)i;
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean read_tcptype(const char *s, VtCandidateTransport *out)
{
  if (strcmp(s, "active") == 0)
    *out = VT_CANDIDATE_TCP_ACTIVE;
  else if (strcmp(s, "passive") == 0)
    *out = VT_CANDIDATE_TCP_PASSIVE;
  else if (strcmp(s, "so") == 0)
    *out = VT_CANDIDATE_TCP_SO;
  else
    return FALSE;
  return TRUE;
}

/* Splits buf in place; FALSE on an empty token (two spaces, or one at an
 * end) or too many. */
static gboolean split(char *buf, char **tokens, guint *n_tokens)
{
  guint n = 0;
  for (char *p = buf;;) {
    char *space = strchr(p, ' ');
    if (n == MAX_TOKENS || space == p || *p == '\0')
      return FALSE;
    tokens[n++] = p;
    if (!space)
      break;
    *space = '\0';
    p = space + 1;
  }
  *n_tokens = n;
  return TRUE;
}

/* The six fields before "typ". */
static gboolean read_head(char **t, VtCandidate *out, gboolean *tcp, GError **error)
{
  guint64 v;
  if (!read_foundation(t[0], out))
    return fail(error, "foundation must be 1 to 32 letters, digits, '+' or '/'");
  if (!read_number(t[1], 3, 256, &v) || v == 0)
    return fail(error, "component must be a number from 1 to 256");
  out->component = (guint)v;
  *tcp = g_ascii_strcasecmp(t[2], "tcp") == 0;
  if (!*tcp && g_ascii_strcasecmp(t[2], "udp") != 0)
    return fail(error, "transport must be UDP or TCP");
  if (!read_number(t[3], 10, G_MAXUINT32, &v))
    return fail(error, "priority must be a number up to 4294967295");
  out->priority = (guint32)v;
  if (!read_address(t[4], out->address, &out->family) && is_host_name(t[4])) {
    g_set_error_literal(error, VT_CANDIDATE_ERROR, VT_CANDIDATE_ERROR_HOST_NAME,
                        "the address is a host name (such as an mDNS .local name), which the "
                        "relay does not resolve");
    return FALSE;
  }
  if (!out->family)
    return fail(error, "address must be an IPv4 or IPv6 address");
  if (!read_number(t[5], 5, 65535, &v))
    return fail(error, "port must be a number from 0 to 65535");
  out->port = (guint16)v;
  return TRUE;
}

/* "typ <type>", then name/value pairs. */
static gboolean read_tail(char **t, guint n, VtCandidate *out, gboolean tcp, GError **error)
{
  gboolean has_raddr = FALSE, has_rport = FALSE, has_tcptype = FALSE;
  guint64 v;
  if (n < 2 || strcmp(t[0], "typ") != 0)
    return fail(error, "'typ' must follow the port");
  if (!read_type(t[1], &out->type))
    return fail(error, "type must be host, srflx, prflx or relay");
  if (n % 2 != 0)
    return fail(error, "an attribute has no value");
  for (guint i = 2; i < n; i += 2) {
    const char *name = t[i], *value = t[i + 1];
    if (strcmp(name, "raddr") == 0) {
      if (has_raddr || !read_address(value, out->related_address, &out->related_family))
        return fail(error, "raddr must be one IPv4 or IPv6 address");
      has_raddr = TRUE;
    } else if (strcmp(name, "rport") == 0) {
      if (has_rport || !read_number(value, 5, 65535, &v))
        return fail(error, "rport must be one number from 0 to 65535");
      out->related_port = (guint16)v;
      has_rport = TRUE;
    } else if (strcmp(name, "tcptype") == 0) {
      if (!tcp || has_tcptype || !read_tcptype(value, &out->transport))
        return fail(error, "tcptype must be active, passive or so, once, on a TCP candidate");
      has_tcptype = TRUE;
    }
  }
  if (tcp && !has_tcptype)
    return fail(error, "a TCP candidate needs a tcptype");
  out->has_related = has_raddr && has_rport;
  return TRUE;
}

gboolean vt_candidate_parse(const char *line, gsize len, VtCandidate *out, GError **error)
{
  char buf[VT_CANDIDATE_MAX_LEN + 1];
  char *tokens[MAX_TOKENS];
  guint n = 0;
  gboolean tcp = FALSE;

  if (len >= 2 && memcmp(line, "a=", 2) == 0) {
    line += 2;
    len -= 2;
  }
  if (len < 10 || memcmp(line, "candidate:", 10) != 0)
    return fail(error, "a candidate line starts with 'candidate:'");
  if (len > VT_CANDIDATE_MAX_LEN)
    return fail(error, "the candidate line is longer than 1024 bytes");
  for (gsize i = 0; i < len; i++)
    if ((guchar)line[i] < 0x20 || (guchar)line[i] > 0x7e)
      return fail(error, "the candidate line must be printable ASCII on one line");
  memcpy(buf, line + 10, len - 10);
  buf[len - 10] = '\0';
  if (!split(buf, tokens, &n))
    return fail(error, "fields must be separated by single spaces, at most 16 attributes");
  if (n < 8)
    return fail(error, "a candidate has at least 8 fields");
  memset(out, 0, sizeof *out);
  return read_head(tokens, out, &tcp, error) && read_tail(tokens + 6, n - 6, out, tcp, error);
}
