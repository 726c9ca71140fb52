/* A clip recorder: the clear RTP of one participant's tracks (the relay's
 * taps) into one file, without transcoding. WebM for VP8 + Opus, Matroska
 * for H.264 + Opus (design.md, "Recording").
 *
 *   appsrc → rtpjitterbuffer → depayloader [→ parser] → queue ─┐
 *   appsrc → rtpjitterbuffer → rtpopusdepay → opusparse → queue ┴→ mux → filesink
 *
 * The file is playable at any moment, not only after vt_recorder_finish():
 * the muxer closes a cluster at least every VT_RECORDER_CLUSTER_MS and the
 * file is written without user-space buffering, so a process killed
 * mid-recording leaves a file that plays up to its last cluster. Video
 * starts on a keyframe (the depayloader drops what comes before one).
 *
 * vt_recorder_push() may be called from any thread (the relay's workers) and
 * never blocks: a recorder that falls behind drops the new packets and
 * counts them, so forwarding is never held up by a disk. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VT_RECORDER_CLUSTER_MS 1000
/* Bytes of RTP one track may have waiting in the pipeline. */
#define VT_RECORDER_QUEUE_BYTES (4 * 1024 * 1024)

typedef struct _VtRecorder VtRecorder;

typedef enum {
  VT_RECORDER_NO_VIDEO,
  VT_RECORDER_VP8,  /* WebM */
  VT_RECORDER_H264, /* Matroska */
} VtRecorderVideo;

typedef enum {
  VT_RECORDER_AUDIO,
  VT_RECORDER_VIDEO,
} VtRecorderTrack;

/* What is recorded: the codecs and the publisher's payload types (as the
 * packets of the taps carry them). */
typedef struct {
  VtRecorderVideo video;
  guint8 video_pt;
  gboolean audio; /* an Opus track */
  guint8 audio_pt;
} VtRecorderTracks;

/* Starts writing path (created or truncated). Fails when GStreamer lacks an
 * element or the file cannot be opened. */
VtRecorder *vt_recorder_new(const char *path, const VtRecorderTracks *tracks, GError **error);

/* One RTP packet of a track (copied). Packets of a track that is not
 * recorded are ignored. */
void vt_recorder_push(VtRecorder *rec, VtRecorderTrack track, const guint8 *rtp, gsize len);

/* Packets dropped because the pipeline was behind. */
guint64 vt_recorder_dropped(VtRecorder *rec);

/* Ends the file cleanly (the index and duration written), waiting at most
 * timeout_ms. FALSE with error when writing failed (a full disk) or the end
 * did not come in time; the file then plays up to its last cluster. */
gboolean vt_recorder_finish(VtRecorder *rec, guint timeout_ms, GError **error);

/* Stops at once if not finished (as a crash would leave the file). */
void vt_recorder_free(VtRecorder *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtRecorder, vt_recorder_free)

G_END_DECLS
