/* Counters in Prometheus text format; see metrics.h. */
#include "signaling/metrics.h"

void vt_metrics_init(VtMetrics *metrics)
{
  *metrics = (VtMetrics){0};
  metrics->errors = g_hash_table_new(g_str_hash, g_str_equal);
  metrics->auth_failures = g_hash_table_new(g_str_hash, g_str_equal);
  metrics->media = g_hash_table_new(g_str_hash, g_str_equal);
}

void vt_metrics_clear(VtMetrics *metrics)
{
  g_clear_pointer(&metrics->errors, g_hash_table_unref);
  g_clear_pointer(&metrics->auth_failures, g_hash_table_unref);
  g_clear_pointer(&metrics->media, g_hash_table_unref);
}

void vt_metrics_count(GHashTable *table, const char *code)
{
  guint n = GPOINTER_TO_UINT(g_hash_table_lookup(table, code));
  g_hash_table_insert(table, (gpointer)code, GUINT_TO_POINTER(n + 1));
}

static int compare_keys(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char **)a, *(const char **)b);
}

void vt_metrics_render_table(GString *out, const char *name, const char *help,
                             const char *label, GHashTable *table)
{
  g_string_append_printf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
  guint n;
  g_autofree gpointer *codes = g_hash_table_get_keys_as_array(table, &n);
  qsort(codes, n, sizeof *codes, compare_keys);
  for (guint i = 0; i < n; i++)
    g_string_append_printf(out, "%s{%s=\"%s\"} %u\n", name, label, (const char *)codes[i],
                           GPOINTER_TO_UINT(g_hash_table_lookup(table, codes[i])));
}
