/* The receive side of `vitrine client`: a webrtcbin that answers the relay's
 * subscribe offers, decodes every track it receives (decodebin ! fakesink)
 * and counts decoded frames per track.
 *
 * Tracks are told apart by the offer's a=msid (the publishing participant's
 * id) and a=mid. The relay keeps an m-line's mid when a publisher leaves and
 * may later give the slot to another publisher's track of the same kind, so
 * a mid names a slot and each (slot, participant, SSRC) seen is reported as
 * its own track.
 *
 * Offers are handled one at a time, in the order they arrived: one that
 * comes while an earlier one is still being answered waits for it. */
#pragma once

#include "media/client-peer.h"
#include "media/client-report.h"

G_BEGIN_DECLS

typedef struct _VtClientSubscriber VtClientSubscriber;

/* events (which must outlive the subscriber) get the answers, candidates
 * and failures, including bad offers and pipeline errors. */
VtClientSubscriber *vt_client_subscriber_new(const char *const *local_addresses,
                                             const VtClientPeerEvents *events, gpointer user,
                                             GError **error);
void vt_client_subscriber_free(VtClientSubscriber *sub);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtClientSubscriber, vt_client_subscriber_free)

gboolean vt_client_subscriber_start(VtClientSubscriber *sub, GError **error);

/* A subscribe_offer's SDP; the answer comes through events->description. */
void vt_client_subscriber_handle_offer(VtClientSubscriber *sub, const char *sdp);

/* (transfer none) */
VtClientPeer *vt_client_subscriber_peer(VtClientSubscriber *sub);

/* Monotonic time (g_get_monotonic_time()) of the first decoded video frame
 * of any track, 0 when none was decoded. */
gint64 vt_client_subscriber_first_frame_us(VtClientSubscriber *sub);

/* Adds one "tracks" entry per track seen, with the inbound-rtp figures of
 * its SSRC from stats (webrtcbin's get-stats reply, may be NULL). */
void vt_client_subscriber_report(VtClientSubscriber *sub, const GstStructure *stats,
                                 VtClientReport *report);

/* Stops reporting events and stops the pipeline. Idempotent. */
void vt_client_subscriber_stop(VtClientSubscriber *sub);

G_END_DECLS
