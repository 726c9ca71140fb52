/* Unit tests for media/client-report.c: the JSON report parsed back field
 * by field (types, nulls, rounding, escaping), the first failure winning,
 * and the text summary. */
#include "media/client-report.h"

#include <json-glib/json-glib.h>

static JsonObject *parse_report(const VtClientReport *r)
{
  g_autofree char *text = vt_client_report_to_json(r);
  g_assert_null(strchr(text, '\n')); /* one line */
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(json_parser_load_from_data(parser, text, -1, &error));
  g_assert_no_error(error);
  return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

static gboolean is_null(JsonObject *o, const char *name)
{
  g_assert_true(json_object_has_member(o, name));
  return JSON_NODE_HOLDS_NULL(json_object_get_member(o, name));
}

static void test_empty(void)
{
  g_autoptr(VtClientReport) r = vt_client_report_new();
  g_autoptr(JsonObject) o = parse_report(r);
  g_assert_true(json_object_get_boolean_member(o, "ok"));
  g_assert_true(is_null(o, "error"));
  g_assert_true(is_null(o, "participant"));
  g_assert_true(is_null(o, "join_ms"));
  g_assert_true(is_null(o, "first_frame_ms"));
  g_assert_cmpfloat(json_object_get_double_member(o, "duration_s"), ==, 0);
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "published")), ==, 0);
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "tracks")), ==, 0);
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "warnings")), ==, 0);
}

static void test_full(void)
{
  g_autoptr(VtClientReport) r = vt_client_report_new();
  r->participant = g_strdup("p45a3184340149f9f");
  r->join_ms = 12.345;
  r->first_frame_ms = 480.06;
  r->duration_s = 2.0004;
  VtReportPublished *v = vt_client_report_add_published(r, "video", "vp8");
  v->frames_sent = 60;
  v->packets_sent = 180;
  v->width = 640;
  v->height = 480;
  VtReportPublished *a = vt_client_report_add_published(r, "audio", "opus");
  a->frames_sent = 100;
  VtReportTrack *t = vt_client_report_add_track(r, "pcdb471e00f9c2b00", "0", "video", "h264");
  t->frames_decoded = 55;
  t->width = 320;
  t->height = 240;
  t->packets_lost = -2; /* RTCP can report duplicates as negative loss */
  t->nack_count = 3;
  t->pli_count = 1;
  vt_client_report_add_track(r, NULL, "1", "audio", NULL);

  g_autofree char *text = vt_client_report_to_json(r);
  /* Times keep the precision given, not binary noise. */
  g_assert_nonnull(strstr(text, "\"join_ms\":12.3,"));
  g_assert_nonnull(strstr(text, "\"first_frame_ms\":480.1,"));
  g_assert_nonnull(strstr(text, "\"duration_s\":2.000,"));

  g_autoptr(JsonObject) o = parse_report(r);
  g_assert_cmpstr(json_object_get_string_member(o, "participant"), ==, "p45a3184340149f9f");
  JsonArray *published = json_object_get_array_member(o, "published");
  g_assert_cmpuint(json_array_get_length(published), ==, 2);
  JsonObject *pv = json_array_get_object_element(published, 0);
  g_assert_cmpstr(json_object_get_string_member(pv, "kind"), ==, "video");
  g_assert_cmpstr(json_object_get_string_member(pv, "codec"), ==, "vp8");
  g_assert_cmpint(json_object_get_int_member(pv, "frames_sent"), ==, 60);
  g_assert_cmpint(json_object_get_int_member(pv, "packets_sent"), ==, 180);
  g_assert_cmpint(json_object_get_int_member(pv, "width"), ==, 640);
  g_assert_cmpint(json_object_get_int_member(pv, "height"), ==, 480);
  JsonObject *pa = json_array_get_object_element(published, 1);
  g_assert_true(is_null(pa, "width") && is_null(pa, "height"));

  JsonArray *tracks = json_object_get_array_member(o, "tracks");
  g_assert_cmpuint(json_array_get_length(tracks), ==, 2);
  JsonObject *tv = json_array_get_object_element(tracks, 0);
  g_assert_cmpstr(json_object_get_string_member(tv, "participant"), ==, "pcdb471e00f9c2b00");
  g_assert_cmpstr(json_object_get_string_member(tv, "mid"), ==, "0");
  g_assert_cmpstr(json_object_get_string_member(tv, "kind"), ==, "video");
  g_assert_cmpstr(json_object_get_string_member(tv, "codec"), ==, "h264");
  g_assert_cmpint(json_object_get_int_member(tv, "frames_decoded"), ==, 55);
  g_assert_cmpint(json_object_get_int_member(tv, "width"), ==, 320);
  g_assert_cmpint(json_object_get_int_member(tv, "height"), ==, 240);
  g_assert_cmpint(json_object_get_int_member(tv, "packets_lost"), ==, -2);
  g_assert_cmpint(json_object_get_int_member(tv, "nack_count"), ==, 3);
  g_assert_cmpint(json_object_get_int_member(tv, "pli_count"), ==, 1);
  JsonObject *ta = json_array_get_object_element(tracks, 1);
  g_assert_true(is_null(ta, "participant") && is_null(ta, "codec") && is_null(ta, "width"));
  g_assert_cmpint(json_object_get_int_member(ta, "frames_decoded"), ==, 0);
}

static void test_failure(void)
{
  g_autoptr(VtClientReport) r = vt_client_report_new();
  vt_client_report_fail(r, "join rejected: bad_signature: \"quoted\"\n\\ and \x01");
  vt_client_report_fail(r, "the server closed the connection (4001)");
  g_assert_false(r->ok);
  g_autoptr(JsonObject) o = parse_report(r);
  g_assert_false(json_object_get_boolean_member(o, "ok"));
  /* The first reason is kept, and survives escaping intact. */
  g_assert_cmpstr(json_object_get_string_member(o, "error"), ==,
                  "join rejected: bad_signature: \"quoted\"\n\\ and \x01");
}

static void test_warnings(void)
{
  g_autoptr(VtClientReport) r = vt_client_report_new();
  for (guint i = 0; i < VT_CLIENT_REPORT_MAX_WARNINGS + 5; i++) {
    g_autofree char *w = g_strdup_printf("server error rate_limited \"%u\"", i);
    vt_client_report_warn(r, w);
  }
  g_autoptr(JsonObject) o = parse_report(r);
  g_assert_true(json_object_get_boolean_member(o, "ok")); /* warnings do not fail a call */
  JsonArray *warnings = json_object_get_array_member(o, "warnings");
  g_assert_cmpuint(json_array_get_length(warnings), ==, VT_CLIENT_REPORT_MAX_WARNINGS);
  g_assert_cmpstr(json_array_get_string_element(warnings, 1), ==,
                  "server error rate_limited \"1\"");
}

static void test_text(void)
{
  g_autoptr(VtClientReport) r = vt_client_report_new();
  r->join_ms = 3;
  VtReportTrack *t = vt_client_report_add_track(r, "pA", "0", "video", "vp8");
  t->frames_decoded = 7;
  t->width = 64;
  t->height = 48;
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  vt_client_report_print_text(r, out);
  fclose(out);
  g_assert_nonnull(strstr(buf, "joined in 3.0 ms"));
  g_assert_nonnull(strstr(buf, "received video vp8 from pA (mid 0): 7 frames decoded"));
  g_assert_nonnull(strstr(buf, "64x48"));
  free(buf);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/client-report/empty", test_empty);
  g_test_add_func("/client-report/full", test_full);
  g_test_add_func("/client-report/failure", test_failure);
  g_test_add_func("/client-report/warnings", test_warnings);
  g_test_add_func("/client-report/text", test_text);
  return g_test_run();
}
