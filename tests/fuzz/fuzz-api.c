/* libFuzzer target for the HTTP API (signaling/api.c): one request per input,
 * answered by a real VtApi over an in-memory store and a hub without media.
 *
 * Input: the first line is "METHOD PATH" (GET, POST or anything else), the
 * rest is the request body. The clock is fixed (FUZZ_NOW, in UTC) so that
 * the seed tokens in tests/fuzz/corpus/api/, minted with FUZZ_KEY, stay
 * valid and the fuzzer reaches invites and walk-ins.
 *
 * Invariants: every answer has a status from 200 to 599 and a body; a JSON
 * answer is one object; an error is {"code", "message"} with non-empty
 * strings; a token handed out (201) verifies with the server's key as a
 * customer token of a valid store. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "app/config.h"
#include "signaling/shop-config.h"
#include "signaling/api.h"

#define FUZZ_NOW_MS G_GINT64_CONSTANT(1700000000000)
static const char FUZZ_KEY[] = "vitrine-fuzz-secret-0123456789ab";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
  VtConfig *config;
  VtStore *store;
  VtMetrics metrics;
  VtHub *hub;
  VtApi *api;
} fx;

static void add_shop(const char *id, const char *const *pairs)
{
  VtShopConfig *shop = vt_shop_config_new(id);
  for (; pairs && *pairs; pairs += 2)
    if (!vt_shop_config_set(shop, pairs[0], pairs[1], NULL, NULL))
      abort();
  g_hash_table_replace(fx.config->shops, shop->id, shop);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  g_setenv("TZ", "UTC", TRUE);
  fx.config = vt_config_new();
  fx.config->walk_ins_per_hour = 0; /* no limit: keep walk-ins reachable */
  const char *open_shop[] = {"name", "Open", "accent", "#123abc", "walk-in", "on", NULL};
  const char *closed_shop[] = {"walk-in", "on", "opening-hours", "sun 10:00-11:00", NULL};
  add_shop("shop-42", open_shop);
  add_shop("closed", closed_shop);
  fx.store = vt_store_open(":memory:", NULL);
  vt_metrics_init(&fx.metrics);
  VtHubConfig hub_config = {.token_key = (const guint8 *)FUZZ_KEY,
                            .token_key_len = sizeof FUZZ_KEY - 1,
                            .max_messages_per_second = 50,
                            .auth_timeout_ms = 5000,
                            .reconnect_grace_ms = 30000,
                            .chat_history = 500};
  fx.hub = vt_hub_new(&hub_config, fx.store, &fx.metrics, FUZZ_NOW_MS);
  VtApiConfig api_config = {.shops = fx.config->shops,
                            .walk_ins_per_hour = fx.config->walk_ins_per_hour,
                            .hub = fx.hub,
                            .store = fx.store,
                            .base_url = "https://fuzz.example/",
                            .web_dir = "/nonexistent"};
  fx.api = vt_api_new(&api_config);
  return 0;
}

static void check_token(const char *jwt)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VtToken) token = vt_token_verify(jwt, strlen(jwt), (const guint8 *)FUZZ_KEY,
                                             sizeof FUZZ_KEY - 1, FUZZ_NOW_MS / 1000, &error);
  if (!token || token->role != VT_ROLE_CUSTOMER || token->room ||
      !vt_token_valid_id(token->store, strlen(token->store)))
    abort();
}

static void check_json(const VtApiResponse *resp)
{
  gsize len;
  const char *text = g_bytes_get_data(resp->body, &len);
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!g_utf8_validate_len(text, len, NULL) ||
      !json_parser_load_from_data(parser, text, (gssize)len, NULL))
    abort();
  JsonNode *root = json_parser_get_root(parser);
  if (!JSON_NODE_HOLDS_OBJECT(root))
    abort();
  JsonObject *obj = json_node_get_object(root);
  if (resp->status >= 400) {
    const char *code = json_object_get_string_member_with_default(obj, "code", "");
    const char *message = json_object_get_string_member_with_default(obj, "message", "");
    if (!*code || !*message)
      abort();
  } else if (resp->status == 201) {
    check_token(json_object_get_string_member(obj, "token"));
    if (!g_str_has_prefix(json_object_get_string_member(obj, "url"),
                          "https://fuzz.example/customer.html#token="))
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *text = (const char *)data;
  const char *newline = memchr(text, '\n', size);
  gsize line_len = newline ? (gsize)(newline - text) : size;
  g_autofree char *line = g_strndup(text, line_len); /* stops at a NUL, as a path would */
  const char *space = strchr(line, ' ');
  VtApiRequest req = {.method = VT_API_OTHER,
                      .path = space ? space + 1 : line,
                      .ip = "192.0.2.1",
                      .now_ms = FUZZ_NOW_MS};
  if (g_str_has_prefix(line, "GET "))
    req.method = VT_API_GET;
  else if (g_str_has_prefix(line, "POST "))
    req.method = VT_API_POST;
  /* The body is a copy of its own, so that reads past it are caught. */
  gsize body_len = newline ? size - line_len - 1 : 0;
  g_autofree char *body = g_memdup2(newline ? newline + 1 : "", body_len);
  req.body = body;
  req.body_len = body_len;
  VtApiResponse resp;
  vt_api_handle(fx.api, &req, &resp);
  if (resp.status < 200 || resp.status > 599 || !resp.body || !resp.content_type)
    abort();
  if (g_str_equal(resp.content_type, "application/json"))
    check_json(&resp);
  vt_api_response_clear(&resp);
  return 0;
}
