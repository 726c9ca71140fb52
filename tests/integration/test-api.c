/* Integration: the HTTP API (docs/protocol.md, section 11) on the real
 * server, with store groups in a generated vitrine.conf: store information
 * and logos, the walk-in page, link checks, invites that admit one visit,
 * and walk-ins with their refusals (off, closed, line full, rate limit). */
#include <glib/gstdio.h>
#include <string.h>

#include "signaling/hours.h"
#include "support/vt-test.h"

/* A PNG signature and a few bytes: enough for the server to take it as one. */
static const char LOGO[] = "\x89PNG\r\n\x1a\nlogo-bytes";
#define LOGO_LEN (sizeof LOGO - 1)
#define PAGE_MARK "walk-in page for the test"

typedef struct {
  char *dir;        /* holds vitrine.conf, logo.png and web/walk-in.html */
  char *closed_day; /* the weekday the "closed" store opens on, e.g. "Thursday" */
  VtTestServer *server;
} Setup;

typedef struct {
  guint status;
  char *body;
  char *content_type;
  char *retry_after;
  JsonObject *json; /* when the body is JSON */
} Reply;

static const char *str(JsonObject *o, const char *name)
{
  return json_object_get_string_member_with_default(o, name, "");
}

/* Opening hours that exclude now: one hour, three days from today. */
static char *hours_not_now(char **day_name)
{
  static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  guint day = ((guint)g_date_time_get_day_of_week(now) - 1 + 3) % 7;
  *day_name = g_strdup(vt_hours_weekday_name(day));
  return g_strdup_printf("%s 10:00-11:00", days[day]);
}

static void write_file(const char *dir, const char *name, const char *data, gssize len)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_assert_true(g_file_set_contents(path, data, len, NULL));
}

/* Starts the server with store groups: shop-42 (everything, one waiting at
 * most), closed (walk-ins outside its hours), rated (walk-ins), quiet (walk-ins
 * off); shop-7 has no group. Two walk-ins an hour per address. */
static void setup_start(Setup *s)
{
  s->dir = g_dir_make_tmp("vitrine-api-XXXXXX", NULL);
  g_autofree char *web = g_build_filename(s->dir, "web", NULL);
  g_assert_cmpint(g_mkdir(web, 0700), ==, 0);
  write_file(web, "walk-in.html", "<!doctype html><title>" PAGE_MARK "</title>", -1);
  write_file(web, "staff.html", "staff", -1);
  write_file(s->dir, "logo.png", LOGO, LOGO_LEN);
  g_autofree char *hours = hours_not_now(&s->closed_day);
  g_autofree char *conf =
      g_strdup_printf("[store shop-42]\nname=Second Hand Heroes\naccent=#0A7D5A\nlogo=logo.png\n"
                      "walk-in=on\nmax-waiting=1\nwalk-in-ttl=600\n"
                      "[store closed]\nwalk-in=on\nopening-hours=%s\n"
                      "[store rated]\nwalk-in=on\n"
                      "[store quiet]\nname=Quiet\nwalk-in=off\n"
                      "[limits]\nwalk-ins-per-hour=2\n",
                      hours);
  write_file(s->dir, "vitrine.conf", conf, -1);
  g_autofree char *config_flag = g_strdup_printf("--config=%s/vitrine.conf", s->dir);
  g_autofree char *web_flag = g_strconcat("--web-dir=", web, NULL);
  const char *flags[] = {config_flag, web_flag, "--media=off", NULL};
  s->server = vt_test_server_start(NULL, flags);
}

static void setup_stop(Setup *s)
{
  vt_test_server_free(s->server);
  g_autofree char *web = g_build_filename(s->dir, "web", NULL);
  g_autofree char *page = g_build_filename(web, "walk-in.html", NULL);
  g_autofree char *staff = g_build_filename(web, "staff.html", NULL);
  g_remove(staff);
  g_autofree char *logo = g_build_filename(s->dir, "logo.png", NULL);
  g_autofree char *conf = g_build_filename(s->dir, "vitrine.conf", NULL);
  g_remove(page);
  g_rmdir(web);
  g_remove(logo);
  g_remove(conf);
  g_rmdir(s->dir);
  g_free(s->dir);
  g_free(s->closed_day);
}

static gboolean accept_any_certificate(SoupMessage *msg, GTlsCertificate *cert,
                                       GTlsCertificateFlags errors, gpointer data)
{
  return TRUE;
}

/* One request; body (may be NULL) is sent as application/json. */
static Reply *request(Setup *s, const char *method, const char *path, const char *body)
{
  g_autoptr(SoupSession) session = soup_session_new();
  g_autofree char *url = g_strdup_printf("https://127.0.0.1:%u%s", s->server->port, path);
  g_autoptr(SoupMessage) msg = soup_message_new(method, url);
  g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_any_certificate), NULL);
  if (body) {
    g_autoptr(GBytes) bytes = g_bytes_new(body, strlen(body));
    soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = soup_session_send_and_read(session, msg, NULL, &error);
  g_assert_no_error(error);
  Reply *r = g_new0(Reply, 1);
  r->status = soup_message_get_status(msg);
  gsize len;
  const char *text = g_bytes_get_data(data, &len);
  r->body = g_strndup(text, len);
  SoupMessageHeaders *headers = soup_message_get_response_headers(msg);
  r->content_type = g_strdup(soup_message_headers_get_one(headers, "Content-Type"));
  r->retry_after = g_strdup(soup_message_headers_get_one(headers, "Retry-After"));
  g_assert_cmpstr(soup_message_headers_get_one(headers, "Cache-Control"), ==, "no-store");
  if (g_strcmp0(r->content_type, "application/json") == 0) {
    g_autoptr(JsonParser) parser = json_parser_new();
    g_assert_true(json_parser_load_from_data(parser, r->body, (gssize)len, NULL));
    r->json = json_object_ref(json_node_get_object(json_parser_get_root(parser)));
  }
  return r;
}

/* Two requests on one session, so that the second may ride the first's
 * kept-alive connection; returns the second's status. */
static guint second_after(Setup *s, const char *method, const char *path, const char *body)
{
  g_autoptr(SoupSession) session = soup_session_new();
  guint status = 0;
  for (int i = 0; i < 2; i++) {
    g_autofree char *url = g_strdup_printf("https://127.0.0.1:%u%s", s->server->port,
                                           i == 0 ? path : "/healthz");
    g_autoptr(SoupMessage) msg = soup_message_new(i == 0 ? method : "GET", url);
    g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_any_certificate), NULL);
    if (i == 0 && body) {
      g_autoptr(GBytes) bytes = g_bytes_new(body, strlen(body));
      soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
    }
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) data = soup_session_send_and_read(session, msg, NULL, &error);
    g_assert_no_error(error);
    status = soup_message_get_status(msg);
  }
  return status;
}

static void reply_free(Reply *r)
{
  g_free(r->body);
  g_free(r->content_type);
  g_free(r->retry_after);
  g_clear_pointer(&r->json, json_object_unref);
  g_free(r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Reply, reply_free)

/* An error reply: that status and code, and a message. */
static void assert_error(Reply *r, guint status, const char *code)
{
  if (r->status != status || !r->json || g_strcmp0(str(r->json, "code"), code) != 0)
    g_error("expected %u %s, got %u %s", status, code, r->status, r->body);
  g_assert_cmpstr(str(r->json, "message"), !=, "");
}

/* -- Stores, logos and the walk-in page ----------------------------------------- */

static void test_stores(void)
{
  Setup s = {0};
  setup_start(&s);
  g_autoptr(Reply) full = request(&s, "GET", "/api/stores/shop-42", NULL);
  g_assert_cmpuint(full->status, ==, 200);
  g_assert_cmpstr(str(full->json, "id"), ==, "shop-42");
  g_assert_cmpstr(str(full->json, "name"), ==, "Second Hand Heroes");
  g_assert_cmpstr(str(full->json, "accent"), ==, "#0a7d5a");
  g_assert_cmpstr(str(full->json, "logo"), ==, "/api/stores/shop-42/logo");
  g_assert_true(json_object_get_boolean_member(full->json, "walk_in"));
  g_assert_true(json_object_get_boolean_member(full->json, "open"));
  g_assert_true(json_object_get_null_member(full->json, "hours"));

  g_autoptr(Reply) closed = request(&s, "GET", "/api/stores/closed", NULL);
  g_assert_false(json_object_get_boolean_member(closed->json, "open"));
  g_assert_nonnull(strstr(str(closed->json, "hours"), "10:00–11:00"));

  /* No group: the same shape, with nothing set. */
  g_autoptr(Reply) none = request(&s, "GET", "/api/stores/shop-7", NULL);
  g_assert_cmpuint(none->status, ==, 200);
  g_assert_cmpstr(str(none->json, "id"), ==, "shop-7");
  const char *nulls[] = {"name", "accent", "logo", "hours"};
  for (gsize i = 0; i < G_N_ELEMENTS(nulls); i++)
    g_assert_true(json_object_get_null_member(none->json, nulls[i]));
  g_assert_false(json_object_get_boolean_member(none->json, "walk_in"));
  g_assert_true(json_object_get_boolean_member(none->json, "open"));

  g_autoptr(Reply) bad = request(&s, "GET", "/api/stores/bad%20id", NULL);
  assert_error(bad, 400, "invalid_field");

  g_autoptr(Reply) logo = request(&s, "GET", "/api/stores/shop-42/logo", NULL);
  g_assert_cmpuint(logo->status, ==, 200);
  g_assert_cmpstr(logo->content_type, ==, "image/png");
  g_assert_cmpmem(logo->body, strlen(logo->body), LOGO, LOGO_LEN);
  g_autoptr(Reply) no_logo = request(&s, "GET", "/api/stores/shop-7/logo", NULL);
  assert_error(no_logo, 404, "not_found");

  g_autoptr(Reply) page = request(&s, "GET", "/s/shop-42", NULL);
  g_assert_cmpuint(page->status, ==, 200);
  g_assert_cmpstr(page->content_type, ==, "text/html; charset=utf-8");
  g_assert_nonnull(strstr(page->body, PAGE_MARK));
  /* The web app's own files are still served beside /s/, even those whose
   * names start with an s. */
  guint status = 0;
  g_autofree char *staff_page = vt_test_http_get(s.server, "/staff.html", &status);
  g_assert_cmpuint(status, ==, 200);
  g_assert_cmpstr(staff_page, ==, "staff");

  g_autoptr(Reply) wrong_method = request(&s, "POST", "/api/stores/shop-42", "{}");
  assert_error(wrong_method, 405, "method_not_allowed");
  g_autoptr(Reply) nothing = request(&s, "GET", "/api/nothing", NULL);
  assert_error(nothing, 404, "not_found");
  setup_stop(&s);
}

/* -- Link checks and invites ---------------------------------------------------- */

static char *token_with(VtTestServer *server, const char *key, gint64 exp)
{
  VtToken claims = {
      .store = "shop-7", .role = VT_ROLE_CUSTOMER, .name = "Dana", .sub = "dana", .exp = exp};
  return vt_token_mint(&claims, (const guint8 *)key, strlen(key));
}

static Reply *link_check(Setup *s, const char *token)
{
  g_autofree char *body = g_strdup_printf("{\"token\":\"%s\"}", token);
  return request(s, "POST", "/api/link", body);
}

static void test_link(void)
{
  Setup s = {0};
  setup_start(&s);
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  g_autofree char *ok = token_with(s.server, s.server->key, now + 600);
  g_autoptr(Reply) good = link_check(&s, ok);
  g_assert_cmpuint(good->status, ==, 200);
  g_assert_cmpstr(str(good->json, "store"), ==, "shop-7");
  g_assert_cmpstr(str(good->json, "role"), ==, "customer");
  g_assert_cmpstr(str(good->json, "name"), ==, "Dana");
  g_assert_cmpint(json_object_get_int_member(good->json, "expires_at"), ==, (now + 600) * 1000);

  g_autofree char *expired = token_with(s.server, s.server->key, now - 3600);
  g_autoptr(Reply) old = link_check(&s, expired);
  assert_error(old, 401, "token_expired");
  g_autofree char *forged = token_with(s.server, "not-the-server-key-0123456789abcdef", now + 600);
  g_autoptr(Reply) bad = link_check(&s, forged);
  assert_error(bad, 401, "bad_signature");
  g_autoptr(Reply) junk = link_check(&s, "junk");
  assert_error(junk, 401, "token_malformed");
  g_autoptr(Reply) not_json = request(&s, "POST", "/api/link", "{\"token\":");
  assert_error(not_json, 400, "invalid_json");
  /* A body over the limit is read to its end before the answer, so that the
   * client gets the answer, not a broken pipe while it still writes. */
  g_autofree char *huge = g_strnfill(60000, 'a');
  for (int i = 0; i < 5; i++) {
    g_autoptr(Reply) too_big = request(&s, "POST", "/api/link", huge);
    assert_error(too_big, 413, "too_large");
  }
  /* A POST anywhere else is refused, and its body is never read as the next
   * request of the connection. */
  g_autoptr(Reply) elsewhere = request(&s, "POST", "/customer.html", "{\"token\":\"x\"}");
  assert_error(elsewhere, 404, "not_found");
  g_assert_cmpuint(second_after(&s, "POST", "/nowhere", "{\"a\":1}"), ==, 200);
  g_assert_cmpuint(second_after(&s, "POST", "/api/link", huge), ==, 200);
  setup_stop(&s);
}

/* Staff make an invite for their store; returns its token. */
static char *make_invite(Setup *s, const char *staff_token, const char *name)
{
  g_autofree char *body =
      g_strdup_printf("{\"token\":\"%s\",\"ttl\":900,\"name\":\"%s\"}", staff_token, name);
  g_autoptr(Reply) r = request(s, "POST", "/api/invites", body);
  if (r->status != 201)
    g_error("invite: %u %s", r->status, r->body);
  const char *token = str(r->json, "token");
  g_autofree char *url =
      g_strdup_printf("https://localhost:%u/customer.html#token=%s", s->server->port, token);
  g_assert_cmpstr(str(r->json, "url"), ==, url);
  gint64 expires = json_object_get_int_member(r->json, "expires_at");
  gint64 now_ms = g_get_real_time() / 1000;
  g_assert_cmpint(expires, >, now_ms + 890 * 1000);
  g_assert_cmpint(expires, <=, now_ms + 900 * 1000);
  return g_strdup(token);
}

/* Joins with the token and expects the lobby. */
static VtTestClient *join_lobby(Setup *s, const char *token, char **id)
{
  VtTestClient *c = vt_test_client_new(s->server, NULL);
  JsonObject *joined = vt_test_client_join(c, token);
  g_assert_cmpstr(str(joined, "state"), ==, "lobby");
  if (id)
    *id = g_strdup(str(json_object_get_object_member(joined, "participant"), "id"));
  json_object_unref(joined);
  return c;
}

/* A join refused with invite_used and 4001, and the link check says so. */
static void assert_used(Setup *s, const char *token)
{
  VtTestClient *c = vt_test_client_new(s->server, NULL);
  vt_test_client_sendf(c, "{\"type\":\"join\",\"token\":\"%s\"}", token);
  JsonObject *err = vt_test_client_wait_error(c, "invite_used", 5000);
  g_assert_nonnull(err);
  g_assert_cmpstr(str(err, "field"), ==, "token");
  json_object_unref(err);
  g_assert_true(vt_test_client_wait_closed(c, 5000));
  g_assert_cmpuint(c->close_code, ==, 4001);
  g_assert_cmpstr(c->close_reason, ==, "invite_used");
  vt_test_client_free(c);
  g_autoptr(Reply) link = link_check(s, token);
  assert_error(link, 401, "invite_used");
}

static void check_invite_refusals(Setup *s, const char *staff_token)
{
  g_autofree char *customer = vt_test_token(s->server, "shop-7", "customer", "Cid", "cid", NULL);
  g_autofree char *as_customer = g_strdup_printf("{\"token\":\"%s\",\"ttl\":900}", customer);
  g_autoptr(Reply) forbidden = request(s, "POST", "/api/invites", as_customer);
  assert_error(forbidden, 403, "forbidden");
  g_autofree char *other_store =
      g_strdup_printf("{\"token\":\"%s\",\"ttl\":900,\"store\":\"shop-42\"}", staff_token);
  g_autoptr(Reply) wrong = request(s, "POST", "/api/invites", other_store);
  assert_error(wrong, 403, "wrong_store");
  g_autofree char *bad_ttl = g_strdup_printf("{\"token\":\"%s\",\"ttl\":901}", staff_token);
  g_autoptr(Reply) ttl = request(s, "POST", "/api/invites", bad_ttl);
  assert_error(ttl, 400, "invalid_field");
  g_assert_cmpstr(str(ttl->json, "field"), ==, "ttl");
  g_autofree char *bad_name =
      g_strdup_printf("{\"token\":\"%s\",\"ttl\":900,\"name\":\"  \"}", staff_token);
  g_autoptr(Reply) name = request(s, "POST", "/api/invites", bad_name);
  assert_error(name, 400, "invalid_field");
  g_autoptr(Reply) no_token = request(s, "POST", "/api/invites", "{\"token\":\"x\",\"ttl\":900}");
  assert_error(no_token, 401, "token_malformed");
}

static void test_invites(void)
{
  Setup s = {0};
  setup_start(&s);
  g_autofree char *staff_token = vt_test_token(s.server, "shop-7", "staff", "Ann", "ann", NULL);
  check_invite_refusals(&s, staff_token);
  VtTestClient *staff = vt_test_client_new(s.server, NULL);
  json_object_unref(vt_test_client_join(staff, staff_token));

  /* Invite 1: the link checks out, a reload in line is fine, leaving uses it up. */
  g_autofree char *first = make_invite(&s, staff_token, "Dana");
  g_autoptr(Reply) link = link_check(&s, first);
  g_assert_cmpuint(link->status, ==, 200);
  g_assert_cmpstr(str(link->json, "name"), ==, "Dana");
  g_assert_cmpstr(str(link->json, "role"), ==, "customer");
  VtTestClient *c = join_lobby(&s, first, NULL);
  vt_test_client_free(c);
  c = join_lobby(&s, first, NULL);
  vt_test_client_send(c, "{\"type\":\"leave\"}");
  JsonObject *left = vt_test_client_wait(c, "left", 5000);
  g_assert_nonnull(left);
  json_object_unref(left);
  vt_test_client_free(c);
  assert_used(&s, first);

  /* Invite 2: accepted into a call, a reload during it is fine, its end uses it up. */
  g_autofree char *second = make_invite(&s, staff_token, "Eve");
  g_autofree char *id = NULL;
  c = join_lobby(&s, second, &id);
  vt_test_client_sendf(staff, "{\"type\":\"accept\",\"participant\":\"%s\"}", id);
  JsonObject *room = vt_test_client_wait(c, "room", 5000);
  g_assert_nonnull(room);
  json_object_unref(room);
  vt_test_client_free(c);
  c = vt_test_client_new(s.server, NULL);
  JsonObject *back = vt_test_client_join(c, second);
  g_assert_cmpstr(str(back, "state"), ==, "room");
  json_object_unref(back);
  vt_test_client_send(staff, "{\"type\":\"end_call\"}");
  JsonObject *ended = vt_test_client_wait(c, "call_ended", 5000);
  g_assert_nonnull(ended);
  json_object_unref(ended);
  vt_test_client_free(c);
  assert_used(&s, second);

  vt_test_client_free(staff);
  setup_stop(&s);
}

/* -- Walk-ins ---------------------------------------------------------------------- */

static Reply *walk_in(Setup *s, const char *store, const char *name)
{
  g_autofree char *body =
      g_strdup_printf("{\"store\":\"%s\",\"name\":\"%s\",\"topic\":\"trade-in\"}", store, name);
  return request(s, "POST", "/api/walk-in", body);
}

static void test_walk_in(void)
{
  Setup s = {0};
  setup_start(&s);
  /* Refusals that hand out nothing come first: they do not count. */
  g_autoptr(Reply) off = walk_in(&s, "quiet", "Dana");
  assert_error(off, 404, "walk_in_off");
  g_autoptr(Reply) no_group = walk_in(&s, "shop-7", "Dana");
  assert_error(no_group, 404, "walk_in_off");
  g_autoptr(Reply) closed = walk_in(&s, "closed", "Dana");
  assert_error(closed, 403, "closed");
  g_autofree char *opens = g_strdup_printf("It opens %s at 10:00.", s.closed_day);
  if (!strstr(str(closed->json, "message"), opens))
    g_error("'%s' does not say '%s'", str(closed->json, "message"), opens);
  g_autoptr(Reply) no_name = walk_in(&s, "shop-42", " ");
  assert_error(no_name, 400, "invalid_field");
  g_autoptr(Reply) bad_store = walk_in(&s, "bad store", "Dana");
  assert_error(bad_store, 400, "invalid_field");

  /* A walk-in's token puts them in the line, under the name given (trimmed). */
  g_autoptr(Reply) ok = walk_in(&s, "shop-42", "  Dana ");
  g_assert_cmpuint(ok->status, ==, 201);
  const char *token = str(ok->json, "token");
  g_autofree char *url = g_strdup_printf(
      "https://localhost:%u/customer.html#token=%s&topic=trade-in", s.server->port, token);
  g_assert_cmpstr(str(ok->json, "url"), ==, url);
  VtTestClient *c = vt_test_client_new(s.server, NULL);
  JsonObject *joined = vt_test_client_join(c, token);
  g_assert_cmpstr(str(joined, "state"), ==, "lobby");
  g_assert_cmpstr(str(json_object_get_object_member(joined, "participant"), "name"), ==, "Dana");
  json_object_unref(joined);
  g_autoptr(Reply) link = link_check(&s, token);
  gint64 expires = json_object_get_int_member(link->json, "expires_at");
  g_assert_cmpint(expires, >, g_get_real_time() / 1000 + 590 * 1000); /* walk-in-ttl=600 */

  /* max-waiting=1 and one waits. */
  g_autoptr(Reply) full = walk_in(&s, "shop-42", "Eve");
  assert_error(full, 503, "line_full");

  /* walk-ins-per-hour=2: the second is given, the third refused until later. */
  g_autoptr(Reply) second = walk_in(&s, "rated", "Eve");
  g_assert_cmpuint(second->status, ==, 201);
  g_autoptr(Reply) third = walk_in(&s, "rated", "Fay");
  assert_error(third, 429, "rate_limited");
  g_assert_nonnull(third->retry_after);
  guint64 retry = g_ascii_strtoull(third->retry_after, NULL, 10);
  g_assert_cmpuint(retry, >, 3500);
  g_assert_cmpuint(retry, <=, 3600);
  vt_test_client_free(c);
  setup_stop(&s);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/api/stores", test_stores);
  g_test_add_func("/api/link", test_link);
  g_test_add_func("/api/invites", test_invites);
  g_test_add_func("/api/walk-in", test_walk_in);
  return g_test_run();
}
