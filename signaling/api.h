/* The HTTP JSON API of docs/protocol.md, section 11: store information and
 * logos, the link check, staff invites, walk-ins, and the walk-in page at
 * /s/ID.
 *
 * Transport-free: the server hands over one whole request (method, path,
 * body, the client's address, the time) and writes back the response this
 * module fills in. Tokens, invites and the lobby length come from the hub
 * and the store, so that the API and the socket judge a token alike. Main
 * thread only. */
#pragma once

#include <glib.h>

#include "signaling/hub.h"
#include "store/store.h"

G_BEGIN_DECLS

/* Largest request body taken; larger is refused with 413. */
#define VT_API_MAX_BODY 8192

typedef struct _VtApi VtApi;

typedef struct {
  GHashTable *shops;       /* store id -> VtShopConfig*, may be NULL; must outlive the API */
  guint walk_ins_per_hour; /* per address; 0: no limit */
  VtHub *hub;
  VtStore *store;
  const char *base_url; /* for links: public-url or https://localhost:PORT (copied) */
  const char *web_dir;  /* where walk-in.html is (copied) */
} VtApiConfig;

typedef enum {
  VT_API_GET,
  VT_API_POST,
  VT_API_OTHER,
} VtApiMethod;

typedef struct {
  VtApiMethod method;
  const char *path; /* decoded, without the query; NUL-terminated */
  const char *body; /* POST body; need not be NUL-terminated */
  gsize body_len;
  const char *ip; /* the client's address, for the walk-in rate limit */
  gint64 now_ms;  /* wall clock; opening hours use its local time */
} VtApiRequest;

typedef struct {
  guint status;
  const char *content_type; /* static */
  GBytes *body;
  guint retry_after_s; /* 0: no Retry-After header */
  gboolean sandbox;    /* an SVG logo: sent with a CSP sandbox, never run as a page */
} VtApiResponse;

VtApi *vt_api_new(const VtApiConfig *config);
void vt_api_free(VtApi *api);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtApi, vt_api_free)

/* Whether the path is the API's (/api/... or /s/...). */
gboolean vt_api_owns_path(const char *path);

/* Answers one request; resp is filled in (release with
 * vt_api_response_clear). Every answer has a body: JSON, a logo or the page. */
void vt_api_handle(VtApi *api, const VtApiRequest *req, VtApiResponse *resp);

/* Replaces resp with a JSON error {"code", "message"}. */
void vt_api_response_error(VtApiResponse *resp, guint status, const char *code,
                           const char *message);
void vt_api_response_clear(VtApiResponse *resp);

G_END_DECLS
