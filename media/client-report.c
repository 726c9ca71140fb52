/* The client's report; see client-report.h. */
#include "media/client-report.h"

#include <json-glib/json-glib.h>

static void track_free(gpointer data)
{
  VtReportTrack *t = data;
  g_free(t->participant);
  g_free(t->mid);
  g_free(t->kind);
  g_free(t->codec);
  g_free(t);
}

static void published_free(gpointer data)
{
  VtReportPublished *p = data;
  g_free(p->kind);
  g_free(p->codec);
  g_free(p);
}

VtClientReport *vt_client_report_new(void)
{
  VtClientReport *r = g_new0(VtClientReport, 1);
  r->ok = TRUE;
  r->join_ms = -1;
  r->first_frame_ms = -1;
  r->published = g_ptr_array_new_with_free_func(published_free);
  r->tracks = g_ptr_array_new_with_free_func(track_free);
  r->warnings = g_ptr_array_new_with_free_func(g_free);
  return r;
}

void vt_client_report_free(VtClientReport *r)
{
  if (!r)
    return;
  g_free(r->error);
  g_free(r->participant);
  g_ptr_array_unref(r->published);
  g_ptr_array_unref(r->tracks);
  g_ptr_array_unref(r->warnings);
  g_free(r);
}

VtReportTrack *vt_client_report_add_track(VtClientReport *r, const char *participant,
                                          const char *mid, const char *kind, const char *codec)
{
  VtReportTrack *t = g_new0(VtReportTrack, 1);
  t->participant = g_strdup(participant);
  t->mid = g_strdup(mid);
  t->kind = g_strdup(kind);
  t->codec = g_strdup(codec);
  g_ptr_array_add(r->tracks, t);
  return t;
}

VtReportPublished *vt_client_report_add_published(VtClientReport *r, const char *kind,
                                                  const char *codec)
{
  VtReportPublished *p = g_new0(VtReportPublished, 1);
  p->kind = g_strdup(kind);
  p->codec = g_strdup(codec);
  g_ptr_array_add(r->published, p);
  return p;
}

void vt_client_report_fail(VtClientReport *r, const char *reason)
{
  if (!r->ok)
    return;
  r->ok = FALSE;
  r->error = g_strdup(reason);
}

/* The report is written by hand rather than with JsonBuilder so that
 * times keep the precision they have ("12.3", not json-glib's
 * "12.300000000000001"); strings still go through json-glib's escaping. */

void vt_client_report_warn(VtClientReport *r, const char *warning)
{
  if (r->warnings->len < VT_CLIENT_REPORT_MAX_WARNINGS)
    g_ptr_array_add(r->warnings, g_strdup(warning));
}

static void put_name(GString *out, const char *name)
{
  if (out->len && out->str[out->len - 1] != '{')
    g_string_append_c(out, ',');
  g_string_append_printf(out, "\"%s\":", name);
}

static void put_string_value(GString *out, const char *value)
{
  if (!value) {
    g_string_append(out, "null");
    return;
  }
  g_autoptr(JsonNode) node = json_node_init_string(json_node_alloc(), value);
  g_autofree char *quoted = json_to_string(node, FALSE);
  g_string_append(out, quoted);
}

static void put_string(GString *out, const char *name, const char *value)
{
  put_name(out, name);
  put_string_value(out, value);
}

static void put_int(GString *out, const char *name, gint64 value)
{
  put_name(out, name);
  g_string_append_printf(out, "%" G_GINT64_FORMAT, value);
}

/* value with `decimals` decimals, or null when negative. */
static void put_fixed(GString *out, const char *name, double value, int decimals)
{
  put_name(out, name);
  if (value < 0) {
    g_string_append(out, "null");
    return;
  }
  char format[8], buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_snprintf(format, sizeof format, "%%.%df", decimals);
  g_string_append(out, g_ascii_formatd(buf, sizeof buf, format, value));
}

static void put_size(GString *out, guint width, guint height)
{
  gboolean known = width && height;
  put_name(out, "width");
  g_string_append_printf(out, known ? "%u" : "null", width);
  put_name(out, "height");
  g_string_append_printf(out, known ? "%u" : "null", height);
}

static void put_published(GString *out, const VtReportPublished *p)
{
  g_string_append_c(out, '{');
  put_string(out, "kind", p->kind);
  put_string(out, "codec", p->codec);
  put_int(out, "frames_sent", (gint64)p->frames_sent);
  put_int(out, "packets_sent", (gint64)p->packets_sent);
  put_size(out, p->width, p->height);
  g_string_append_c(out, '}');
}

static void put_track(GString *out, const VtReportTrack *t)
{
  g_string_append_c(out, '{');
  put_string(out, "participant", t->participant);
  put_string(out, "mid", t->mid);
  put_string(out, "kind", t->kind);
  put_string(out, "codec", t->codec);
  put_int(out, "frames_decoded", (gint64)t->frames_decoded);
  put_size(out, t->width, t->height);
  put_int(out, "packets_lost", t->packets_lost);
  put_int(out, "nack_count", (gint64)t->nack_count);
  put_int(out, "pli_count", (gint64)t->pli_count);
  g_string_append_c(out, '}');
}

char *vt_client_report_to_json(const VtClientReport *r)
{
  GString *out = g_string_new("{");
  put_name(out, "ok");
  g_string_append(out, r->ok ? "true" : "false");
  put_string(out, "error", r->ok ? NULL : r->error);
  put_string(out, "participant", r->participant);
  put_fixed(out, "join_ms", r->join_ms, 1);
  put_fixed(out, "first_frame_ms", r->first_frame_ms, 1);
  put_fixed(out, "duration_s", MAX(r->duration_s, 0), 3);
  put_name(out, "warnings");
  g_string_append_c(out, '[');
  for (guint i = 0; i < r->warnings->len; i++) {
    if (i)
      g_string_append_c(out, ',');
    put_string_value(out, g_ptr_array_index(r->warnings, i));
  }
  g_string_append_c(out, ']');
  put_name(out, "published");
  g_string_append_c(out, '[');
  for (guint i = 0; i < r->published->len; i++) {
    if (i)
      g_string_append_c(out, ',');
    put_published(out, g_ptr_array_index(r->published, i));
  }
  g_string_append_c(out, ']');
  put_name(out, "tracks");
  g_string_append_c(out, '[');
  for (guint i = 0; i < r->tracks->len; i++) {
    if (i)
      g_string_append_c(out, ',');
    put_track(out, g_ptr_array_index(r->tracks, i));
  }
  g_string_append(out, "]}");
  return g_string_free(out, FALSE);
}

void vt_client_report_print_text(const VtClientReport *r, FILE *out)
{
  if (r->join_ms >= 0)
    fprintf(out, "joined in %.1f ms, stayed %.1f s\n", r->join_ms, r->duration_s);
  for (guint i = 0; i < r->published->len; i++) {
    const VtReportPublished *p = g_ptr_array_index(r->published, i);
    fprintf(out, "sent %s %s: %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT " packets", p->kind,
            p->codec, p->frames_sent, p->packets_sent);
    if (p->width)
      fprintf(out, ", %ux%u", p->width, p->height);
    fputc('\n', out);
  }
  for (guint i = 0; i < r->tracks->len; i++) {
    const VtReportTrack *t = g_ptr_array_index(r->tracks, i);
    fprintf(out,
            "received %s %s from %s (mid %s): %" G_GUINT64_FORMAT " frames decoded, "
            "%" G_GINT64_FORMAT " lost, %" G_GUINT64_FORMAT " NACK, %" G_GUINT64_FORMAT " PLI",
            t->kind, t->codec ? t->codec : "?", t->participant ? t->participant : "?", t->mid,
            t->frames_decoded, t->packets_lost, t->nack_count, t->pli_count);
    if (t->width)
      fprintf(out, ", %ux%u", t->width, t->height);
    fputc('\n', out);
  }
  if (r->first_frame_ms >= 0)
    fprintf(out, "first remote video frame %.1f ms after join\n", r->first_frame_ms);
}
