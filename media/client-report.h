/* The client's report: what it published and received and how long things
 * took, printed at exit as one JSON object (--json) or as text on stderr.
 * Pure: the call fills it in, this module only formats it.
 *
 * JSON (one line on stdout; docs/client.md explains each field):
 *   {"ok": bool, "error": string|null, "participant": string|null,
 *    "join_ms": number|null, "first_frame_ms": number|null, "duration_s": number,
 *    "warnings": [string],
 *    "published": [{"kind", "codec", "frames_sent", "packets_sent", "width", "height"}],
 *    "tracks": [{"participant", "mid", "kind", "codec", "frames_decoded", "width", "height",
 *                "packets_lost", "nack_count", "pli_count"}]}
 * width and height are null for audio and when no frame was seen; participant
 * of a track is null when the offer named none. */
#pragma once

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

typedef struct {
  char *participant; /* msid stream id of the track, may be NULL */
  char *mid;
  char *kind;  /* "video" or "audio" */
  char *codec; /* "vp8", "h264", "opus", may be NULL */
  guint64 frames_decoded;
  guint width, height; /* 0: unknown */
  gint64 packets_lost;
  guint64 nack_count;
  guint64 pli_count;
} VtReportTrack;

typedef struct {
  char *kind;
  char *codec;
  guint64 frames_sent;  /* buffers that left the encoder */
  guint64 packets_sent; /* RTP packets webrtcbin sent (outbound-rtp stats) */
  guint width, height;  /* 0: unknown */
} VtReportPublished;

typedef struct {
  gboolean ok;
  char *error; /* the one-line reason when !ok */
  char *participant;
  double join_ms;        /* socket open to "joined"; < 0: never joined */
  double first_frame_ms; /* "join" sent to the first decoded remote video frame; < 0: none */
  double duration_s;     /* time spent in the room */
  GPtrArray *published;  /* VtReportPublished* */
  GPtrArray *tracks;     /* VtReportTrack* */
  GPtrArray *warnings;   /* char*: what went wrong without ending the call */
} VtClientReport;

/* At most this many warnings are kept; later ones are counted in the last. */
#define VT_CLIENT_REPORT_MAX_WARNINGS 20

VtClientReport *vt_client_report_new(void);
void vt_client_report_free(VtClientReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtClientReport, vt_client_report_free)

/* Appends an entry with those strings copied and every number 0; returns it
 * (transfer none) for the caller to fill in. */
VtReportTrack *vt_client_report_add_track(VtClientReport *report, const char *participant,
                                          const char *mid, const char *kind, const char *codec);
VtReportPublished *vt_client_report_add_published(VtClientReport *report, const char *kind,
                                                  const char *codec);

/* Records the first failure; later ones are ignored, since the first reason
 * is the one that explains the rest. */
void vt_client_report_fail(VtClientReport *report, const char *reason);

/* Keeps a warning for the report (the first VT_CLIENT_REPORT_MAX_WARNINGS). */
void vt_client_report_warn(VtClientReport *report, const char *warning);

/* (transfer full) The report as one line of JSON, without a newline. */
char *vt_client_report_to_json(const VtClientReport *report);

/* Writes a short human-readable summary. */
void vt_client_report_print_text(const VtClientReport *report, FILE *out);

G_END_DECLS
