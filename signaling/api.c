/* The HTTP JSON API: routing, request bodies and the five handlers; see
 * api.h and docs/protocol.md, section 11.
 *
 * Request bodies go through the socket protocol's strict JSON checks, and
 * every string that reaches a token goes through the token's own rules, so
 * that nothing this API accepts is something a join would refuse. */
#include "signaling/api.h"

#include <string.h>

#include "signaling/shop-config.h"
#include "signaling/json-out.h"
#include "signaling/protocol.h"
#include "signaling/token.h"

#define DEFAULT_INVITE_NAME "Customer"
#define HOUR_MS (3600 * 1000)
/* How often the walk-in counts of addresses not heard from are dropped. */
#define SWEEP_EVERY_MS (10 * 60 * 1000)

struct _VtApi {
  GHashTable *shops;
  guint walk_ins_per_hour;
  VtHub *hub;
  VtStore *store;
  char *base_url;
  char *web_dir;
  GHashTable *walk_ins; /* ip -> GArray of gint64: when its walk-ins were given, oldest first */
  gint64 swept_ms;
};

/* Invite lifetimes staff may choose, in seconds (the console's choices). */
static const gint64 invite_ttls[] = {900, 3600, 14400, 86400};

VtApi *vt_api_new(const VtApiConfig *config)
{
  VtApi *api = g_new0(VtApi, 1);
  api->shops = config->shops;
  api->walk_ins_per_hour = config->walk_ins_per_hour;
  api->hub = config->hub;
  api->store = config->store;
  api->base_url = g_strdup(config->base_url);
  /* Links are base + "/customer.html": one slash, however public-url ends. */
  while (*api->base_url && g_str_has_suffix(api->base_url, "/"))
    api->base_url[strlen(api->base_url) - 1] = '\0';
  api->web_dir = g_strdup(config->web_dir);
  api->walk_ins =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
  return api;
}

void vt_api_free(VtApi *api)
{
  if (!api)
    return;
  g_hash_table_unref(api->walk_ins);
  g_free(api->base_url);
  g_free(api->web_dir);
  g_free(api);
}

gboolean vt_api_owns_path(const char *path)
{
  return g_str_has_prefix(path, "/api/") || g_str_has_prefix(path, "/s/");
}

/* -- Responses ---------------------------------------------------------------- */

void vt_api_response_clear(VtApiResponse *resp)
{
  g_clear_pointer(&resp->body, g_bytes_unref);
  *resp = (VtApiResponse){0};
}

static void respond_json(VtApiResponse *resp, guint status, VtJsonOut *w)
{
  vt_api_response_clear(resp);
  resp->status = status;
  resp->content_type = "application/json";
  resp->body = vt_json_out_finish(w);
}

static void fail_field(VtApiResponse *resp, guint status, const char *code, const char *field,
                       const char *message)
{
  VtJsonOut w;
  vt_json_out_init(&w, 128);
  vt_json_out_begin_object(&w);
  vt_json_out_name(&w, "code");
  vt_json_out_string(&w, code);
  vt_json_out_name(&w, "message");
  vt_json_out_string(&w, message);
  if (field) {
    vt_json_out_name(&w, "field");
    vt_json_out_string(&w, field);
  }
  vt_json_out_end_object(&w);
  respond_json(resp, status, &w);
}

void vt_api_response_error(VtApiResponse *resp, guint status, const char *code, const char *message)
{
  fail_field(resp, status, code, NULL, message);
}

static void put_string(VtJsonOut *w, const char *name, const char *value)
{
  vt_json_out_name(w, name);
  vt_json_out_string(w, value);
}

static void put_int(VtJsonOut *w, const char *name, gint64 value)
{
  vt_json_out_name(w, name);
  vt_json_out_int(w, value);
}

/* -- Request bodies --------------------------------------------------------- */

/* The body as a strict JSON object (transfer none: owned by parser), or NULL
 * with resp set to a 400 that says why. */
static JsonObject *read_body(const VtApiRequest *req, JsonParser *parser, VtApiResponse *resp)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  if (req->body_len > VT_API_MAX_BODY) {
    vt_api_response_error(resp, 413, "too_large", "The request body is larger than 8 KB.");
    return NULL;
  }
  JsonObject *obj =
      vt_protocol_parse_object(parser, req->body ? req->body : "", req->body_len, &field, &error);
  if (!obj)
    fail_field(resp, 400, vt_protocol_error_code(error->code), field, error->message);
  return obj;
}

/* A string member. Absent or null: *out NULL, an error only when required. */
static gboolean get_string(JsonObject *obj, const char *name, gboolean required, const char **out,
                           VtApiResponse *resp)
{
  JsonNode *node = json_object_get_member(obj, name);
  *out = NULL;
  if (!node || (JSON_NODE_HOLDS_NULL(node) && !required)) {
    if (!required)
      return TRUE;
    g_autofree char *text = g_strdup_printf("The field '%s' is required.", name);
    fail_field(resp, 400, "missing_field", name, text);
    return FALSE;
  }
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
    g_autofree char *text = g_strdup_printf("The field '%s' must be a string.", name);
    fail_field(resp, 400, "wrong_type", name, text);
    return FALSE;
  }
  *out = json_node_get_string(node);
  return TRUE;
}

static gboolean get_int(JsonObject *obj, const char *name, gint64 *out, VtApiResponse *resp)
{
  JsonNode *node = json_object_get_member(obj, name);
  if (!node) {
    g_autofree char *text = g_strdup_printf("The field '%s' is required.", name);
    fail_field(resp, 400, "missing_field", name, text);
    return FALSE;
  }
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64) {
    g_autofree char *text = g_strdup_printf("The field '%s' must be a whole number.", name);
    fail_field(resp, 400, "wrong_type", name, text);
    return FALSE;
  }
  *out = json_node_get_int(node);
  return TRUE;
}

/* A display name, trimmed of spaces, as the token's name claim takes it:
 * (transfer full), or NULL with resp set to 400 invalid_field. */
static char *take_name(const char *value, VtApiResponse *resp)
{
  g_autofree char *name = g_strstrip(g_strdup(value));
  if (vt_token_valid_name(name, strlen(name)))
    return g_steal_pointer(&name);
  fail_field(resp, 400, "invalid_field", "name",
             "The name must be 1 to 64 characters, without control characters.");
  return NULL;
}

/* -- Shared pieces ------------------------------------------------------------ */

static const VtShopConfig *shop_of(VtApi *api, const char *id)
{
  return api->shops ? g_hash_table_lookup(api->shops, id) : NULL;
}

/* Local weekday (0 = Monday) and minute of the day at now_ms. */
static void local_time(gint64 now_ms, guint *weekday, guint *minute)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(now_ms / 1000);
  *weekday = (guint)g_date_time_get_day_of_week(t) - 1;
  *minute = (guint)(g_date_time_get_hour(t) * 60 + g_date_time_get_minute(t));
}

static gboolean is_open(const VtShopConfig *shop, gint64 now_ms)
{
  if (!shop || !shop->hours)
    return TRUE;
  guint weekday, minute;
  local_time(now_ms, &weekday, &minute);
  return vt_hours_is_open(shop->hours, weekday, minute);
}

/* A sub nobody has had: "<kind>-<uuid>", a new identity. (transfer full) */
static char *new_sub(const char *kind)
{
  g_autofree char *uuid = g_uuid_string_random();
  return g_strconcat(kind, "-", uuid, NULL);
}

/* A customer token for the lobby of store (no room claim) with that sub,
 * valid ttl_s from now; *claims (strings borrowed) is what it says.
 * (transfer full) */
static char *mint_customer(VtApi *api, const char *store, const char *name, const char *sub,
                           gint64 now_ms, gint64 ttl_s, VtToken *claims)
{
  *claims = (VtToken){.store = (char *)store,
                      .role = VT_ROLE_CUSTOMER,
                      .name = (char *)name,
                      .sub = (char *)sub,
                      .exp = now_ms / 1000 + ttl_s,
                      .nbf = now_ms / 1000};
  const VtHubConfig *hub_config = vt_hub_config(api->hub);
  return vt_token_mint(claims, hub_config->token_key, hub_config->token_key_len);
}

static char *customer_url(VtApi *api, const char *token, const char *topic)
{
  g_autofree char *escaped = topic ? g_uri_escape_string(topic, NULL, FALSE) : NULL;
  return g_strconcat(api->base_url, "/customer.html#token=", token, escaped ? "&topic=" : "",
                     escaped, NULL);
}

/* -- GET /api/stores/ID, GET /api/stores/ID/logo -------------------------------- */

static void store_info(VtApi *api, const char *id, gint64 now_ms, VtApiResponse *resp)
{
  const VtShopConfig *shop = shop_of(api, id);
  g_autofree char *logo =
      shop && shop->logo ? g_strconcat("/api/stores/", id, "/logo", NULL) : NULL;
  g_autofree char *hours = shop && shop->hours ? vt_hours_describe(shop->hours) : NULL;
  VtJsonOut w;
  vt_json_out_init(&w, 256);
  vt_json_out_begin_object(&w);
  put_string(&w, "id", id);
  put_string(&w, "name", shop ? shop->name : NULL);
  put_string(&w, "accent", shop ? shop->accent : NULL);
  put_string(&w, "logo", logo);
  vt_json_out_name(&w, "walk_in");
  vt_json_out_bool(&w, shop && shop->walk_in);
  vt_json_out_name(&w, "open");
  vt_json_out_bool(&w, is_open(shop, now_ms));
  put_string(&w, "hours", hours);
  vt_json_out_end_object(&w);
  respond_json(resp, 200, &w);
}

static void store_logo(VtApi *api, const char *id, VtApiResponse *resp)
{
  const VtShopConfig *shop = shop_of(api, id);
  if (!shop || !shop->logo) {
    vt_api_response_error(resp, 404, "not_found", "This store has no logo.");
    return;
  }
  vt_api_response_clear(resp);
  resp->status = 200;
  resp->content_type = shop->logo_type;
  resp->body = g_bytes_ref(shop->logo);
  resp->sandbox = TRUE;
}

static void stores_route(VtApi *api, const VtApiRequest *req, const char *rest, VtApiResponse *resp)
{
  const char *slash = strchr(rest, '/');
  g_autofree char *id = slash ? g_strndup(rest, (gsize)(slash - rest)) : g_strdup(rest);
  if (slash && !g_str_equal(slash, "/logo")) {
    vt_api_response_error(resp, 404, "not_found", "There is nothing at this address.");
  } else if (req->method != VT_API_GET) {
    vt_api_response_error(resp, 405, "method_not_allowed", "Use GET here.");
  } else if (!vt_token_valid_id(id, strlen(id))) {
    fail_field(resp, 400, "invalid_field", "id",
               "A store id is 1 to 64 of the characters A-Z a-z 0-9 . _ -");
  } else if (slash) {
    store_logo(api, id, resp);
  } else {
    store_info(api, id, req->now_ms, resp);
  }
}

/* -- POST /api/link --------------------------------------------------------------- */

static void link_check(VtApi *api, const VtApiRequest *req, JsonObject *body, VtApiResponse *resp)
{
  const char *jwt;
  if (!get_string(body, "token", TRUE, &jwt, resp))
    return;
  g_autoptr(GError) error = NULL;
  const char *code = NULL;
  gboolean invite;
  g_autoptr(VtToken) token =
      vt_hub_check_token(api->hub, jwt, strlen(jwt), req->now_ms, &invite, &code, &error);
  if (!token) {
    fail_field(resp, 401, code, "token", error->message);
    return;
  }
  VtJsonOut w;
  vt_json_out_init(&w, 128);
  vt_json_out_begin_object(&w);
  put_string(&w, "store", token->store);
  put_string(&w, "role", vt_role_to_string(token->role));
  put_string(&w, "name", token->name);
  put_int(&w, "expires_at", token->exp * 1000);
  vt_json_out_end_object(&w);
  respond_json(resp, 200, &w);
}

/* -- POST /api/invites ------------------------------------------------------------ */

/* The staff member's token: (transfer full) or NULL with resp set. */
static VtToken *staff_token(VtApi *api, const char *jwt, gint64 now_ms, VtApiResponse *resp)
{
  const VtHubConfig *hub_config = vt_hub_config(api->hub);
  g_autoptr(GError) error = NULL;
  VtToken *token = vt_token_verify(jwt, strlen(jwt), hub_config->token_key,
                                   hub_config->token_key_len, now_ms / 1000, &error);
  if (!token)
    fail_field(resp, 401, vt_token_error_code(error->code), "token", error->message);
  else if (token->role != VT_ROLE_STAFF)
    vt_api_response_error(resp, 403, "forbidden", "Only staff can make invites.");
  else
    return token;
  g_clear_pointer(&token, vt_token_free);
  return NULL;
}

static gboolean ttl_allowed(gint64 ttl)
{
  for (gsize i = 0; i < G_N_ELEMENTS(invite_ttls); i++)
    if (ttl == invite_ttls[i])
      return TRUE;
  return FALSE;
}

/* Records the invite and answers with its token and link. */
static void invite_make(VtApi *api, const VtToken *staff, const char *name, gint64 ttl,
                        gint64 now_ms, VtApiResponse *resp)
{
  VtToken claims;
  g_autofree char *sub = new_sub("invite");
  g_autofree char *jwt = mint_customer(api, staff->store, name, sub, now_ms, ttl, &claims);
  g_autofree char *customer = vt_hub_participant_id(api->hub, &claims);
  g_autofree char *creator = vt_hub_participant_id(api->hub, staff);
  g_autoptr(GError) error = NULL;
  if (!vt_store_invite_add(api->store, customer, staff->store, creator, now_ms, claims.exp * 1000,
                           &error)) {
    g_warning("invite: %s", error->message);
    vt_api_response_error(resp, 500, "internal", "The invite could not be stored.");
    return;
  }
  g_autofree char *url = customer_url(api, jwt, NULL);
  VtJsonOut w;
  vt_json_out_init(&w, 512);
  vt_json_out_begin_object(&w);
  put_string(&w, "token", jwt);
  put_string(&w, "url", url);
  put_int(&w, "expires_at", claims.exp * 1000);
  vt_json_out_end_object(&w);
  respond_json(resp, 201, &w);
}

static void invites_post(VtApi *api, const VtApiRequest *req, JsonObject *body, VtApiResponse *resp)
{
  const char *jwt, *name_in, *store;
  gint64 ttl;
  if (!get_string(body, "token", TRUE, &jwt, resp) || !get_int(body, "ttl", &ttl, resp) ||
      !get_string(body, "name", FALSE, &name_in, resp) ||
      !get_string(body, "store", FALSE, &store, resp))
    return;
  g_autoptr(VtToken) staff = staff_token(api, jwt, req->now_ms, resp);
  if (!staff)
    return;
  if (store && !g_str_equal(store, staff->store)) {
    fail_field(resp, 403, "wrong_store", "store", "Your token is for another store.");
    return;
  }
  if (!ttl_allowed(ttl)) {
    fail_field(resp, 400, "invalid_field", "ttl",
               "An invite lasts 900, 3600, 14400 or 86400 seconds.");
    return;
  }
  g_autofree char *name = take_name(name_in ? name_in : DEFAULT_INVITE_NAME, resp);
  if (name)
    invite_make(api, staff, name, ttl, req->now_ms, resp);
}

/* -- POST /api/walk-in -------------------------------------------------------------- */

/* The walk-ins given to ip within the last hour, oldest first; NULL when none. */
static GArray *recent_walk_ins(VtApi *api, const char *ip, gint64 now_ms)
{
  GArray *times = g_hash_table_lookup(api->walk_ins, ip);
  guint expired = 0;
  while (times && expired < times->len && g_array_index(times, gint64, expired) <= now_ms - HOUR_MS)
    expired++;
  if (times && expired)
    g_array_remove_range(times, 0, expired);
  if (times && times->len == 0) {
    g_hash_table_remove(api->walk_ins, ip);
    times = NULL;
  }
  return times;
}

/* Whether ip may have another walk-in now; else *retry_after_s is when it may. */
static gboolean walk_in_allowed(VtApi *api, const char *ip, gint64 now_ms, guint *retry_after_s)
{
  guint limit = api->walk_ins_per_hour;
  GArray *times = recent_walk_ins(api, ip, now_ms);
  if (limit == 0 || !times || times->len < limit)
    return TRUE;
  gint64 free_at = g_array_index(times, gint64, times->len - limit) + HOUR_MS;
  *retry_after_s = (guint)MAX(1, (free_at - now_ms + 999) / 1000);
  return FALSE;
}

/* Counts a walk-in for ip; now and then drops the addresses gone quiet. */
static void walk_in_count(VtApi *api, const char *ip, gint64 now_ms)
{
  if (now_ms - api->swept_ms >= SWEEP_EVERY_MS) {
    api->swept_ms = now_ms;
    g_autoptr(GList) ips = g_hash_table_get_keys(api->walk_ins);
    for (GList *l = ips; l; l = l->next)
      recent_walk_ins(api, l->data, now_ms);
  }
  GArray *times = recent_walk_ins(api, ip, now_ms);
  if (!times) {
    times = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_hash_table_insert(api->walk_ins, g_strdup(ip), times);
  }
  g_array_append_val(times, now_ms);
}

/* "The store is closed now. It opens Monday at 09:00." (transfer full) */
static char *closed_message(const VtHours *hours, gint64 now_ms)
{
  guint weekday, minute, ahead, day, at;
  local_time(now_ms, &weekday, &minute);
  if (!vt_hours_next_open(hours, weekday, minute, &ahead, &day, &at))
    return g_strdup("The store is closed now.");
  g_autofree char *when = ahead == 0   ? g_strdup("today")
                          : ahead == 1 ? g_strdup("tomorrow")
                          : ahead == 7 ? g_strconcat("next ", vt_hours_weekday_name(day), NULL)
                                       : g_strdup(vt_hours_weekday_name(day));
  return g_strdup_printf("The store is closed now. It opens %s at %02u:%02u.", when, at / 60,
                         at % 60);
}

/* Whether the store takes a walk-in now; else resp says why. */
static gboolean walk_in_possible(VtApi *api, const char *store, const VtApiRequest *req,
                                 VtApiResponse *resp)
{
  const VtShopConfig *shop = shop_of(api, store);
  guint retry_after = 0;
  if (!shop || !shop->walk_in) {
    vt_api_response_error(resp, 404, "walk_in_off", "This store does not take walk-ins online.");
  } else if (!is_open(shop, req->now_ms)) {
    g_autofree char *message = closed_message(shop->hours, req->now_ms);
    vt_api_response_error(resp, 403, "closed", message);
  } else if (!walk_in_allowed(api, req->ip ? req->ip : "", req->now_ms, &retry_after)) {
    g_autofree char *message =
        g_strdup_printf("Too many walk-ins from this address. Please try again in %u minutes.",
                        (retry_after + 59) / 60);
    vt_api_response_error(resp, 429, "rate_limited", message);
    resp->retry_after_s = retry_after;
  } else if (vt_hub_lobby_length(api->hub, store) >= shop->max_waiting) {
    vt_api_response_error(resp, 503, "line_full",
                          "The line is full right now. Please try again in a few minutes.");
  } else {
    return TRUE;
  }
  return FALSE;
}

static void walk_in_post(VtApi *api, const VtApiRequest *req, JsonObject *body, VtApiResponse *resp)
{
  const char *store, *name_in, *topic;
  if (!get_string(body, "store", TRUE, &store, resp) ||
      !get_string(body, "name", TRUE, &name_in, resp) ||
      !get_string(body, "topic", FALSE, &topic, resp))
    return;
  if (!vt_token_valid_id(store, strlen(store))) {
    fail_field(resp, 400, "invalid_field", "store",
               "A store id is 1 to 64 of the characters A-Z a-z 0-9 . _ -");
    return;
  }
  g_autofree char *name = take_name(name_in, resp);
  if (!name)
    return;
  glong topic_chars = topic ? g_utf8_strlen(topic, -1) : 1;
  if (topic_chars < 1 || topic_chars > VT_PROTOCOL_MAX_TOPIC) {
    fail_field(resp, 400, "invalid_field", "topic", "The topic must be 1 to 64 characters.");
    return;
  }
  if (!walk_in_possible(api, store, req, resp))
    return;
  VtToken claims;
  g_autofree char *sub = new_sub("walk-in");
  g_autofree char *jwt = mint_customer(api, store, name, sub, req->now_ms,
                                       shop_of(api, store)->walk_in_ttl_s, &claims);
  if (api->walk_ins_per_hour)
    walk_in_count(api, req->ip ? req->ip : "", req->now_ms);
  g_autofree char *url = customer_url(api, jwt, topic);
  VtJsonOut w;
  vt_json_out_init(&w, 512);
  vt_json_out_begin_object(&w);
  put_string(&w, "token", jwt);
  put_string(&w, "url", url);
  vt_json_out_end_object(&w);
  respond_json(resp, 201, &w);
}

/* -- GET /s/ID: the walk-in page ------------------------------------------------------ */

/* The page reads the store id from its own address; the id is checked here
 * only so that junk addresses get a 404 rather than a page. */
static void walk_in_page(VtApi *api, const VtApiRequest *req, const char *id, VtApiResponse *resp)
{
  if (req->method != VT_API_GET) {
    vt_api_response_error(resp, 405, "method_not_allowed", "Use GET here.");
    return;
  }
  g_autofree char *path = g_build_filename(api->web_dir, "walk-in.html", NULL);
  g_autofree char *page = NULL;
  gsize len;
  if (!vt_token_valid_id(id, strlen(id)) || !g_file_get_contents(path, &page, &len, NULL)) {
    vt_api_response_error(resp, 404, "not_found", "There is no such store page.");
    return;
  }
  vt_api_response_clear(resp);
  resp->status = 200;
  resp->content_type = "text/html; charset=utf-8";
  resp->body = g_bytes_new_take(g_steal_pointer(&page), len);
}

/* -- Routing ------------------------------------------------------------------------ */

typedef void (*PostHandler)(VtApi *api, const VtApiRequest *req, JsonObject *body,
                            VtApiResponse *resp);

static const struct {
  const char *path;
  PostHandler handle;
} posts[] = {
    {"/api/link", link_check},
    {"/api/invites", invites_post},
    {"/api/walk-in", walk_in_post},
};

static void post_route(VtApi *api, const VtApiRequest *req, PostHandler handle, VtApiResponse *resp)
{
  if (req->method != VT_API_POST) {
    vt_api_response_error(resp, 405, "method_not_allowed", "Use POST here.");
    return;
  }
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *body = read_body(req, parser, resp);
  if (body)
    handle(api, req, body, resp);
}

void vt_api_handle(VtApi *api, const VtApiRequest *req, VtApiResponse *resp)
{
  *resp = (VtApiResponse){0};
  const char *path = req->path;
  if (g_str_has_prefix(path, "/s/")) {
    walk_in_page(api, req, path + strlen("/s/"), resp);
    return;
  }
  if (g_str_has_prefix(path, "/api/stores/")) {
    stores_route(api, req, path + strlen("/api/stores/"), resp);
    return;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(posts); i++) {
    if (g_str_equal(path, posts[i].path)) {
      post_route(api, req, posts[i].handle, resp);
      return;
    }
  }
  vt_api_response_error(resp, 404, "not_found", "There is nothing at this address.");
}
