/* JSON writer; see json-out.h. */
#include "signaling/json-out.h"

#include <string.h>

/* Containers nest at most this deep (the bits of `started`). */
#define MAX_DEPTH 31

void vt_json_out_init(VtJsonOut *w, gsize reserve)
{
  *w = (VtJsonOut){.out = g_string_sized_new(reserve)};
}

/* The comma before an entry, unless it is the first of its container or
 * the value of a member whose name is written. */
static void separate(VtJsonOut *w)
{
  if (w->after_name) {
    w->after_name = FALSE;
    return;
  }
  guint32 bit = 1u << w->depth;
  if (w->started & bit)
    g_string_append_c(w->out, ',');
  w->started |= bit;
}

static void open_container(VtJsonOut *w, char c)
{
  g_return_if_fail(w->depth < MAX_DEPTH);
  separate(w);
  g_string_append_c(w->out, c);
  w->depth++;
  w->started &= ~(1u << w->depth);
}

static void close_container(VtJsonOut *w, char c)
{
  g_return_if_fail(w->depth > 0 && !w->after_name);
  w->depth--;
  g_string_append_c(w->out, c);
}

void vt_json_out_begin_object(VtJsonOut *w)
{
  open_container(w, '{');
}

void vt_json_out_end_object(VtJsonOut *w)
{
  close_container(w, '}');
}

void vt_json_out_begin_array(VtJsonOut *w)
{
  open_container(w, '[');
}

void vt_json_out_end_array(VtJsonOut *w)
{
  close_container(w, ']');
}

/* Appends s as a JSON string: quotes, backslashes and control characters
 * escaped, everything else (UTF-8 included) as it is, in runs. */
static void append_quoted(GString *out, const char *s)
{
  static const char hex[] = "0123456789abcdef";
  g_string_append_c(out, '"');
  const char *run = s;
  for (const char *p = s; *p; p++) {
    guchar c = (guchar)*p;
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    g_string_append_len(out, run, p - run);
    run = p + 1;
    switch (c) {
    case '"':
      g_string_append(out, "\\\"");
      break;
    case '\\':
      g_string_append(out, "\\\\");
      break;
    case '\n':
      g_string_append(out, "\\n");
      break;
    case '\r':
      g_string_append(out, "\\r");
      break;
    case '\t':
      g_string_append(out, "\\t");
      break;
    default: {
      char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf], 0};
      g_string_append(out, u);
    }
    }
  }
  g_string_append(out, run);
  g_string_append_c(out, '"');
}

void vt_json_out_name(VtJsonOut *w, const char *name)
{
  g_return_if_fail(!w->after_name);
  separate(w);
  append_quoted(w->out, name);
  g_string_append_c(w->out, ':');
  w->after_name = TRUE;
}

void vt_json_out_string(VtJsonOut *w, const char *value)
{
  separate(w);
  if (value)
    append_quoted(w->out, value);
  else
    g_string_append(w->out, "null");
}

void vt_json_out_int(VtJsonOut *w, gint64 value)
{
  separate(w);
  g_string_append_printf(w->out, "%" G_GINT64_FORMAT, value);
}

void vt_json_out_bool(VtJsonOut *w, gboolean value)
{
  separate(w);
  g_string_append(w->out, value ? "true" : "false");
}

GBytes *vt_json_out_finish(VtJsonOut *w)
{
  g_warn_if_fail(w->depth == 0 && !w->after_name);
  GBytes *text = g_string_free_to_bytes(w->out);
  *w = (VtJsonOut){0};
  return text;
}
