/* The publish side of `vitrine client`: a pipeline from the source (test
 * pattern and tone, a V4L2 camera, or a file) through the encoders and RTP
 * payloaders into a webrtcbin whose transceivers are all sendonly.
 *
 * The offer is made only once every branch has pushed its first RTP packet
 * into webrtcbin: the payloaders' caps are complete only then (H.264's
 * packetization-mode and sprop-parameter-sets come with the first frame),
 * and webrtcbin writes the offer's fmtp from them.
 *
 * Owner's thread only, except for counters updated by pad probes. */
#pragma once

#include "media/client-options.h"
#include "media/client-peer.h"
#include "media/client-report.h"

G_BEGIN_DECLS

typedef struct _VtClientPublisher VtClientPublisher;

/* Payload types of the client's offers. The relay answers with the
 * client's numbers, so any dynamic value works; these match the relay's own
 * offers to make captures easy to read. */
#define VT_CLIENT_PT_VP8 96
#define VT_CLIENT_PT_H264 102
#define VT_CLIENT_PT_OPUS 111

/* Builds the pipeline for options->source (which must not be NONE) and
 * options->codec. Peer events (the offer, candidates, failures, including
 * pipeline errors and a source that produces nothing) go to events/user,
 * which must outlive the publisher. */
VtClientPublisher *vt_client_publisher_new(const VtClientOptions *options,
                                           const VtClientPeerEvents *events, gpointer user,
                                           GError **error);
void vt_client_publisher_free(VtClientPublisher *pub);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtClientPublisher, vt_client_publisher_free)

/* Sets the pipeline playing; the offer follows through events->description. */
gboolean vt_client_publisher_start(VtClientPublisher *pub, GError **error);

/* (transfer none) */
VtClientPeer *vt_client_publisher_peer(VtClientPublisher *pub);

/* Adds one "published" entry per branch: frames that left the encoder,
 * the encoded size, and RTP packets sent from stats (webrtcbin's get-stats
 * reply, may be NULL). */
void vt_client_publisher_report(VtClientPublisher *pub, const GstStructure *stats,
                                VtClientReport *report);

/* Stops reporting events and stops the pipeline. Idempotent. */
void vt_client_publisher_stop(VtClientPublisher *pub);

/* The relay reports the publish connection up: frames_sent counts from here,
 * as the encoder's output before it never left the machine. */
void vt_client_publisher_connected(VtClientPublisher *pub);

G_END_DECLS
