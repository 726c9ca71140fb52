/* Private structures of the worker-side media room (media-room.c), shared
 * with the forwarding path (forward.c) and RTCP handling (feedback.c).
 *
 * Ownership: a VtMediaRoom owns its peers; a peer owns its publish transport
 * and published tracks, and its subscribe transport and slots. A slot points
 * at the track it receives and the track lists the slots that receive it;
 * both links are cut together (media-room.c) before either side is freed.
 * Everything is touched on the room's worker thread only. */
#pragma once

#include "relay/keyframe.h"
#include "relay/media-room.h"
#include "relay/nack.h"
#include "relay/rtcp.h"
#include "relay/rtp.h"
#include "relay/transport.h"
#include "relay/twcc.h"
#include "relay/worker.h"

G_BEGIN_DECLS

typedef struct _VtMediaPeer VtMediaPeer;
typedef struct _VtSubSlot VtSubSlot;

#define VT_REPORT_INTERVAL_US (1000 * 1000)  /* RR to publishers, SR to subscribers */
#define VT_NACK_BATCH 64

/* One track a participant publishes. */
typedef struct {
  VtMediaPeer *owner;
  char mid[VT_SDP_MAX_MID_LEN + 1];
  char track_id[VT_SDP_MAX_MSID_LEN + 1];
  VtSdpKind kind;
  VtSdpCodec codec;     /* the publisher's payload types */
  guint8 ext_ids[VT_SDP_EXT_COUNT]; /* the publisher's extension ids, 0: none */
  guint32 ssrc;         /* 0 until known (from the SDP or the MID extension) */
  guint32 rtx_ssrc;
  VtSeqUnwrapper seq;
  VtRtcpRecvStats stats;
  VtLossTracker *loss; /* video only */
  VtRtxCache *cache;   /* video only */
  /* The publisher's last SR: its NTP/RTP pair and when it arrived here. */
  gboolean have_sr;
  guint64 sr_ntp;
  guint32 sr_rtp;
  gint64 sr_local_us;
  VtKeyframePacer keyframes; /* requests towards the publisher (video) */
  gboolean keyframe_seen;    /* keyframe_seq is the first packet of the latest */
  guint16 keyframe_seq;
  guint8 fir_seq;
  GPtrArray *slots; /* VtSubSlot*, not owned */
  GArray *taps;     /* VtTap */
  guint64 packets;
  guint64 dropped;
} VtPubTrack;

typedef struct {
  VtMediaTapFunc fn;
  gpointer data;
  GDestroyNotify destroy;
} VtTap;

/* One m-line of a subscribe connection. */
struct _VtSubSlot {
  VtMediaPeer *subscriber;
  VtPubTrack *track; /* NULL: free */
  VtSdpKind kind;
  VtSdpCodecId codec; /* of the last track, kept while free: m-lines keep codecs */
  guint32 h264_profile_level_id;
  guint32 ssrc; /* relay-side, new for every binding */
  guint32 rtx_ssrc;
  gboolean accepted; /* the answer to an offer with this binding took it */
  guint8 pt;         /* as answered */
  guint8 rtx_pt;     /* 0: no RTX, NACKs are answered with the packet itself */
  VtRtpExtMap ext;   /* publisher id -> relay id the subscriber kept (0: drop) */
  gboolean need_keyframe;
  guint16 rtx_seq;
  guint32 packets;
  guint32 octets;
  guint32 remb_bps; /* the subscriber's REMB while congested, else 0 */
  gint64 remb_mark_us; /* when its previous REMB came, and octets by then */
  guint32 remb_mark_octets;
};

/* A snapshot of one offered m-line, kept until its answer arrives. */
typedef struct {
  VtSubscribeTrack t;
  char participant_id[VT_SDP_MAX_MSID_LEN + 1];
  char track_id[VT_SDP_MAX_MSID_LEN + 1];
} VtOfferedSlot;

struct _VtMediaPeer {
  VtMediaRoom *room;
  char *id;
  guint32 rtcp_ssrc; /* the relay's sender SSRC in RTCP to this peer */
  /* publish connection */
  VtMediaTransport *pub;
  VtPublishOffer *pub_offer; /* kept until the answer is written */
  GPtrArray *pub_candidates;
  gboolean pub_answered;
  gboolean pub_remb;
  VtTwcc *twcc; /* arrivals to report; NULL unless transport-cc was negotiated */
  VtPubTrack *tracks[VT_SDP_MAX_MEDIA];
  guint n_tracks;
  /* subscribe connection */
  VtMediaTransport *sub;
  GPtrArray *sub_candidates;
  gboolean sub_gathered;
  gboolean sub_remote_set;
  gboolean awaiting_answer;
  gboolean dirty; /* the tracks to offer changed since the last offer */
  guint64 session_id;
  guint offer_version;
  /* Allocated as they are used: most subscribers need two of the 16. */
  VtSubSlot *slots[VT_SDP_MAX_MEDIA];
  guint n_slots;
  VtOfferedSlot *offered; /* n_offered, the last offer's layout */
  guint n_offered;
  /* teardown scheduled after a transport failure */
  gboolean pub_failed;
  gboolean sub_failed;
};

struct _VtMediaRoom {
  char *id;
  GMainContext *ctx;
  const VtMediaRoomConfig *config;
  VtMediaRoomEvents events;
  gpointer data;
  GHashTable *peers; /* id -> VtMediaPeer */
  GSource *timer;
  GSource *reaper; /* idle: frees failed connections outside their callbacks */
  gint64 next_report_us;
  /* One packet's room for forwarding: the room is single-threaded. */
  uint8_t scratch[VT_TRANSPORT_BUF_SIZE];
};

/* A room is touched only on its worker's thread (worker.h). */
#define VT_ON_ROOM_THREAD(room) g_assert(vt_context_is_mine((room)->ctx))

/* media-room.c */
guint vt_media_features(void);
void vt_media_room_schedule_reap(VtMediaRoom *room);
void vt_media_room_emit_refusal(VtMediaPeer *p, VtPcKind pc, VtNegotiationError error,
                                const char *message);
void vt_media_room_emit_sdp(VtMediaPeer *p, VtPcKind pc, const char *sdp);
void vt_media_room_emit_up(VtMediaPeer *p, VtPcKind pc);
void vt_media_room_emit_failure(VtMediaPeer *p, VtPcKind pc, VtPcFailure failure,
                                const char *detail);

/* media-subscribe.c */
/* Brings the peer's subscribe layout up to date with the room's tracks and
 * sends an offer if it changed and none is waiting for its answer. */
void vt_media_sub_renegotiate(VtMediaPeer *p);
/* Frees the subscribe connection and unlinks its slots from their tracks. */
void vt_media_sub_drop(VtMediaPeer *p);
void vt_media_sub_answer(VtMediaPeer *p, const char *sdp);

/* forward.c */
void vt_forward_publisher_rtp(VtMediaPeer *peer, uint8_t *buf, size_t len, gint64 now_us);
void vt_forward_resend(VtSubSlot *slot, guint16 seq, gint64 now_us);
/* For a subscriber whose connection just came up: sends the track's latest
 * keyframe and what followed it from the retransmission cache, if that
 * keyframe is recent and complete. FALSE if it did not. */
gboolean vt_forward_replay_keyframe(VtSubSlot *slot, gint64 now_us);
/* joining: for a subscriber that has nothing to show yet. */
void vt_forward_request_keyframe(VtPubTrack *track, gint64 now_us, gboolean joining);
/* Sends a merged request whose 500 ms wait is over, or repeats one for a
 * subscriber still waiting for its first keyframe (keyframe.h). */
void vt_forward_keyframe_due(VtPubTrack *track, gint64 now_us);

/* feedback.c */
void vt_feedback_publisher_rtcp(VtMediaPeer *peer, const uint8_t *buf, size_t len, gint64 now_us);
void vt_feedback_subscriber_rtcp(VtMediaPeer *peer, const uint8_t *buf, size_t len, gint64 now_us);
void vt_feedback_tick(VtMediaRoom *room, gint64 now_us);
/* Sends the transport-wide feedback that waits (all of it, in as many
 * packets as it takes). */
void vt_feedback_send_twcc(VtMediaPeer *peer, gint64 now_us);

G_END_DECLS
