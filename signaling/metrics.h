/* Counters for /metrics, kept by the main thread only (no atomics needed:
 * the hub and the server both run on the main loop). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 connections_total;
  guint64 connections_refused; /* origin or per-IP limit */
  guint64 messages_in;
  guint64 messages_out;
  guint64 chat_messages;
  GHashTable *errors;        /* code (static string) -> count (GUINT_TO_POINTER) */
  GHashTable *auth_failures; /* code -> count */
  GHashTable *media;         /* "publish_connected", "subscribe_failed_ice_failed" ... */
} VtMetrics;

void vt_metrics_init(VtMetrics *metrics);
void vt_metrics_clear(VtMetrics *metrics);
/* code must be a string that lives as long as the metrics (a literal). */
void vt_metrics_count(GHashTable *table, const char *code);
void vt_metrics_render_table(GString *out, const char *name, const char *help,
                             const char *label, GHashTable *table);

G_END_DECLS
