/* A JSON writer for the server's messages: appends straight to a string,
 * escaping as RFC 8259 asks. json-glib's builder and generator (a tree of
 * nodes, then a walk over it) took a quarter of a join's CPU. Strings must
 * be valid UTF-8 (the hub only writes what it validated or made). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  GString *out;
  guint32 started;     /* bit d: the container at depth d has an entry */
  guint depth;
  gboolean after_name; /* a member name is written; its value comes next */
} VtJsonOut;

void vt_json_out_init(VtJsonOut *w, gsize reserve);
void vt_json_out_begin_object(VtJsonOut *w);
void vt_json_out_end_object(VtJsonOut *w);
void vt_json_out_begin_array(VtJsonOut *w);
void vt_json_out_end_array(VtJsonOut *w);
/* A member's name; its value is the next thing written. */
void vt_json_out_name(VtJsonOut *w, const char *name);
/* NULL writes null. */
void vt_json_out_string(VtJsonOut *w, const char *value);
void vt_json_out_int(VtJsonOut *w, gint64 value);
void vt_json_out_bool(VtJsonOut *w, gboolean value);
/* The text written (transfer full); w is empty afterwards. */
GBytes *vt_json_out_finish(VtJsonOut *w);

G_END_DECLS
