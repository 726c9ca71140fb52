/* ICE candidate lines from clients (RFC 8839 section 5.1, as trickled in
 * the `ice` message): a bounded, strict parser of our own, so that nothing
 * a client writes reaches libnice's lenient one (which reads a missing or
 * garbled number as 0). Pure: a line in, a candidate or a reason out.
 *
 *   candidate:<foundation> <component> <transport> <priority> <address>
 *             <port> typ <type> [raddr <address>] [rport <port>]
 *             *(<name> <value>)
 *
 * Addresses must be IP literals: host names (Chrome's mDNS "….local" host
 * candidates among them) are refused, as the relay resolves no names for a
 * client. TCP candidates need a tcptype. At most VT_CANDIDATE_MAX_EXTENSIONS
 * name/value pairs follow the type (raddr, rport and tcptype among them);
 * the others (generation, ufrag, network-id, network-cost, …) are skipped. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VT_CANDIDATE_MAX_LEN 1024
#define VT_CANDIDATE_MAX_FOUNDATION 32
#define VT_CANDIDATE_MAX_EXTENSIONS 16
#define VT_CANDIDATE_MAX_ADDRESS 46 /* INET6_ADDRSTRLEN */

#define VT_CANDIDATE_ERROR (vt_candidate_error_quark())
GQuark vt_candidate_error_quark(void);

typedef enum {
  VT_CANDIDATE_ERROR_INVALID,
  VT_CANDIDATE_ERROR_HOST_NAME, /* well formed, but the address is a name (mDNS) */
} VtCandidateError;

typedef enum {
  VT_CANDIDATE_HOST,
  VT_CANDIDATE_SRFLX,
  VT_CANDIDATE_PRFLX,
  VT_CANDIDATE_RELAY,
} VtCandidateType;

typedef enum {
  VT_CANDIDATE_UDP,
  VT_CANDIDATE_TCP_ACTIVE,
  VT_CANDIDATE_TCP_PASSIVE,
  VT_CANDIDATE_TCP_SO,
} VtCandidateTransport;

typedef struct {
  char foundation[VT_CANDIDATE_MAX_FOUNDATION + 1];
  guint component; /* 1..256 */
  VtCandidateTransport transport;
  guint32 priority;
  char address[VT_CANDIDATE_MAX_ADDRESS]; /* as written; a valid literal of family */
  int family;                             /* 4 or 6 */
  guint16 port;
  VtCandidateType type;
  gboolean has_related; /* raddr and rport both given */
  char related_address[VT_CANDIDATE_MAX_ADDRESS];
  int related_family;
  guint16 related_port;
} VtCandidate;

/* Parses len bytes of one candidate line, with or without "a=". On failure
 * returns FALSE with error saying what is wrong; *out is then undefined. */
gboolean vt_candidate_parse(const char *line, gsize len, VtCandidate *out, GError **error);

G_END_DECLS
