/* A cheap WebRTC peer for tests and benchmarks, built on the relay's own
 * transport (ICE + DTLS + SRTP) instead of a media framework: it publishes
 * synthetic VP8 and Opus packets (no encoder) and counts what it receives
 * (no decoder). It speaks the real protocol through a VtTestClient and runs
 * on the default main context, gathering on 127.0.0.1 only.
 *
 * Synthetic video: 30 frames a second of `packets_per_frame` packets of
 * `payload` bytes; frame 0 and every `keyframe_interval`-th frame is a VP8
 * keyframe, and so is the next frame after a PLI or FIR. Each payload
 * carries the send time (monotonic µs) at a fixed offset, so that a receiver
 * in the same process measures the delay the relay adds. */
#pragma once

#include <glib.h>

#include "relay/dtls.h"
#include "relay/sdp.h"
#include "relay/transport.h"
#include "support/vt-test.h"

G_BEGIN_DECLS

typedef struct {
  char *mid;
  VtSdpKind kind;
  gboolean active; /* offered with a track (not inactive) */
  char *participant; /* msid stream id */
  guint32 ssrc;
  guint32 rtx_ssrc;
  guint8 pt;
  guint8 rtx_pt;
  /* what arrived */
  guint64 packets;
  guint64 rtx_packets;
  guint64 keyframes; /* packets starting a keyframe */
  guint64 frames;    /* packets with the marker bit (video) */
  gboolean first_was_keyframe;
  gint64 first_us;
  gint64 first_keyframe_us;
  gint64 first_sent_us; /* the send time the first packet carries */
  guint64 srs;
  guint64 sr_ntp;
  guint32 sr_rtp;
  guint32 max_seq;
  guint16 first_seq;
  guint8 last_pt;
  GArray *delays_us; /* gint64, when the peer records delays */
} VtPeerTrack;

typedef struct {
  guint packets_per_frame; /* default 4 */
  guint payload;           /* bytes of VP8 payload per packet, default 1000 */
  guint keyframe_interval; /* frames, default 60 */
  gboolean audio;          /* also Opus, 50 packets a second (default TRUE) */
  gboolean rtx;            /* offer RTX for video (default TRUE) */
  gboolean wrong_fingerprint; /* announce a fingerprint that is not ours */
  gboolean twcc;              /* offer transport-cc and number every packet */
  gboolean ignore_keyframe_requests; /* keyframes only every keyframe_interval */
} VtPeerMedia;

#define VT_PEER_TWCC_EXT_ID 3

typedef struct _VtTestPeer VtTestPeer;

struct _VtTestPeer {
  VtTestClient *client; /* not owned */
  VtDtlsCert *cert;
  /* publish */
  VtMediaTransport *pub;
  char *remote_pub_sdp; /* the relay's publish answer */
  VtPeerMedia media;
  guint32 audio_ssrc, video_ssrc, video_rtx_ssrc;
  guint16 video_seq, audio_seq;
  guint32 frame;
  gboolean send_keyframe;
  guint skip_seq_once; /* a video seq to leave out once (uplink loss); 0 none */
  guint64 video_packets_sent, audio_packets_sent, frames_sent;
  guint64 plis_received, firs_received, nacks_received, rembs_received, rrs_received;
  guint64 last_remb_bps;
  /* transport-wide congestion control (media.twcc) */
  guint16 twcc_seq;
  guint64 twcc_sent;                /* packets that carried a number */
  guint64 twcc_feedbacks;           /* well-formed feedback packets received */
  guint64 twcc_reported_received;   /* packets they report as received */
  guint64 twcc_bad_feedbacks;       /* feedback that does not decode */
  GArray *nacked_seqs; /* guint16 */
  guint video_timer, audio_timer, sr_timer, rr_timer;
  /* subscribe */
  VtMediaTransport *sub;
  GPtrArray *tracks; /* VtPeerTrack*, in m-line order of the last offer */
  guint offers;
  char *last_offer; /* the SDP of the last subscribe offer */
  gboolean record_delays;
  gboolean tcp_only; /* ICE-TCP only, as behind a firewall that blocks UDP */
  /* both */
  gboolean pub_up, sub_up;
  gint64 sub_up_us; /* when the receive connection came up */
  char *failure;
  GPtrArray *candidates;
  gboolean gathered;
};

VtTestPeer *vt_test_peer_new(VtTestClient *client);
void vt_test_peer_free(VtTestPeer *peer);

/* Sends the offer somewhere and returns the answer (transfer full), or NULL. */
typedef char *(*VtPeerExchange)(gpointer data, const char *offer);

/* As vt_test_peer_publish(), with the offer/answer exchange done by
 * `exchange` instead of the peer's WebSocket (in-process relay tests). */
gboolean vt_test_peer_publish_with(VtTestPeer *peer, const VtPeerMedia *media,
                                   VtPeerExchange exchange, gpointer data, guint timeout_ms);

/* Sends a publish offer, applies the answer and waits until SRTP is up;
 * then media flows until vt_test_peer_stop_media(). FALSE on failure
 * (peer->failure says why). media NULL: defaults. */
gboolean vt_test_peer_publish(VtTestPeer *peer, const VtPeerMedia *media, guint timeout_ms);
void vt_test_peer_stop_media(VtTestPeer *peer);

/* The publish offer text this peer would send (for bad-input tests). */
char *vt_test_peer_publish_offer(VtTestPeer *peer, const VtPeerMedia *media);

/* Waits for the next subscribe offer, answers it, and on the first one waits
 * until SRTP is up. FALSE on timeout or failure. */
gboolean vt_test_peer_subscribe(VtTestPeer *peer, guint timeout_ms);

/* Gives up the receive connection (as a client whose ICE failed) and asks
 * the relay for a new one with subscribe_restart; vt_test_peer_subscribe()
 * then takes the new offer as a first one. What was received so far goes. */
void vt_test_peer_subscribe_restart(VtTestPeer *peer);

/* The received track of that participant and kind (the newest, active
 * first: a participant who comes back has new tracks), or NULL. */
VtPeerTrack *vt_test_peer_track(VtTestPeer *peer, const char *participant, VtSdpKind kind);

/* Feedback a subscriber sends about a track it receives. */
void vt_test_peer_send_pli(VtTestPeer *peer, VtPeerTrack *track);
void vt_test_peer_send_nack(VtTestPeer *peer, VtPeerTrack *track, guint16 seq);
/* A REMB for the track's SSRC: the bitrate this subscriber could take. */
void vt_test_peer_send_remb(VtTestPeer *peer, VtPeerTrack *track, guint64 bps);
/* Sends raw bytes (protected as RTP or RTCP if `protect`) on the publish
 * connection: for bad-input tests. */
int vt_test_peer_send_raw(VtTestPeer *peer, const guint8 *buf, gsize len, gboolean rtcp,
                          gboolean protect);

G_END_DECLS
