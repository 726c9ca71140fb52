/* Unit tests for signaling/json-out.c, the writer of every server message:
 * exact output for nesting and commas, and strings that any JSON parser
 * (json-glib here) reads back unchanged. */
#include "signaling/json-out.h"

#include <json-glib/json-glib.h>

static char *finish(VtJsonOut *w)
{
  g_autoptr(GBytes) text = vt_json_out_finish(w);
  return g_strndup(g_bytes_get_data(text, NULL), g_bytes_get_size(text));
}

static void test_structure(void)
{
  VtJsonOut w;
  vt_json_out_init(&w, 0);
  vt_json_out_begin_object(&w);
  vt_json_out_name(&w, "type");
  vt_json_out_string(&w, "room");
  vt_json_out_name(&w, "empty");
  vt_json_out_begin_object(&w);
  vt_json_out_end_object(&w);
  vt_json_out_name(&w, "list");
  vt_json_out_begin_array(&w);
  vt_json_out_int(&w, 1);
  vt_json_out_begin_array(&w);
  vt_json_out_end_array(&w);
  vt_json_out_begin_object(&w);
  vt_json_out_name(&w, "a");
  vt_json_out_bool(&w, TRUE);
  vt_json_out_name(&w, "b");
  vt_json_out_bool(&w, FALSE);
  vt_json_out_end_object(&w);
  vt_json_out_string(&w, NULL);
  vt_json_out_end_array(&w);
  vt_json_out_name(&w, "n");
  vt_json_out_int(&w, G_MININT64);
  vt_json_out_name(&w, "m");
  vt_json_out_int(&w, G_MAXINT64);
  vt_json_out_end_object(&w);
  g_autofree char *text = finish(&w);
  g_assert_cmpstr(text, ==,
                  "{\"type\":\"room\",\"empty\":{},\"list\":[1,[],{\"a\":true,\"b\":false},null],"
                  "\"n\":-9223372036854775808,\"m\":9223372036854775807}");
}

/* Every ASCII character, and UTF-8 of two, three and four bytes, in a name
 * and in a value: a JSON parser reads back the same strings. */
static void test_strings_round_trip(void)
{
  GString *all = g_string_new(NULL);
  for (int c = 1; c < 0x80; c++)
    g_string_append_c(all, (char)c);
  g_string_append(all, "é € 😀 \"quoted\" back\\slash </script>");

  VtJsonOut w;
  vt_json_out_init(&w, 16);
  vt_json_out_begin_object(&w);
  vt_json_out_name(&w, all->str);
  vt_json_out_string(&w, all->str);
  vt_json_out_end_object(&w);
  g_autofree char *text = finish(&w);
  g_assert_true(g_utf8_validate(text, -1, NULL));
  for (const char *p = text; *p; p++)
    g_assert_cmpint((guchar)*p, >=, 0x20); /* no raw control characters */

  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(json_parser_load_from_data(parser, text, -1, &error));
  g_assert_no_error(error);
  JsonObject *object = json_node_get_object(json_parser_get_root(parser));
  g_assert_cmpstr(json_object_get_string_member(object, all->str), ==, all->str);
  g_string_free(all, TRUE);
}

static void test_common_escapes(void)
{
  VtJsonOut w;
  vt_json_out_init(&w, 0);
  vt_json_out_string(&w, "a\"b\\c\nd\re\tf\x01g");
  g_autofree char *text = finish(&w);
  g_assert_cmpstr(text, ==, "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\"");
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/json-out/structure", test_structure);
  g_test_add_func("/json-out/strings-round-trip", test_strings_round_trip);
  g_test_add_func("/json-out/common-escapes", test_common_escapes);
  return g_test_run();
}
