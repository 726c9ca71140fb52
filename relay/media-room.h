/* The worker-side room: the participants' peer connections and the
 * forwarding between them.
 *
 * A VtMediaRoom lives on one worker thread (relay.c posts every call to it
 * there) and is never touched from another thread; its events are called on
 * that thread too, and relay.c carries them to the main thread.
 *
 * Per participant there are up to two connections: publish (the client
 * offers, the relay answers receive-only) and subscribe (the relay offers the
 * tracks of everyone else and renegotiates as they come and go; one offer at
 * a time, the next one after the answer). */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "relay/dtls.h"
#include "relay/ice.h"
#include "relay/relay.h"
#include "relay/sdp.h"

G_BEGIN_DECLS

typedef struct _VtMediaRoom VtMediaRoom;

typedef struct {
  VtDtlsCert *cert;
  VtIceConfig ice;
  guint max_bitrate_bps; /* the REMB the relay sends publishers (0: none) */
} VtMediaRoomConfig;

/* The relay's events (relay.h), on the room's worker thread; who.room is
 * the room's id. */
typedef struct {
  void (*sdp)(gpointer data, const VtRelaySdpEvent *ev);
  void (*state)(gpointer data, const VtRelayStateEvent *ev);
  void (*refused)(gpointer data, const VtRelayRefusalEvent *ev);
} VtMediaRoomEvents;

/* A recorder tap: clear RTP of one published track, as the publisher sent it
 * (its SSRC, payload type and extension ids), on the worker thread. It must
 * not block: copy and hand over. */
typedef void (*VtMediaTapFunc)(gpointer data, const uint8_t *rtp, size_t len);

/* `config` must outlive the room. */
VtMediaRoom *vt_media_room_new(const char *id, GMainContext *ctx, const VtMediaRoomConfig *config,
                               const VtMediaRoomEvents *events, gpointer data);
void vt_media_room_free(VtMediaRoom *room);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtMediaRoom, vt_media_room_free)

const char *vt_media_room_id(const VtMediaRoom *room);

/* The participant is (again) in the room with a fresh client: whatever the
 * relay held for them is dropped, and a subscribe offer follows as soon as
 * someone else publishes. */
void vt_media_room_join(VtMediaRoom *room, const char *participant);
void vt_media_room_leave(VtMediaRoom *room, const char *participant);
guint vt_media_room_count(const VtMediaRoom *room);

/* A validated publish offer (transfer full). Replaces an earlier publish
 * connection of the participant. The answer comes through events->sdp. */
void vt_media_room_publish(VtMediaRoom *room, const char *participant, VtPublishOffer *offer);
void vt_media_room_subscribe_answer(VtMediaRoom *room, const char *participant, const char *sdp);
/* Drops the participant's receive connection and offers a new one with
 * fresh ICE credentials (the client's ICE failed, or the relay's did). */
void vt_media_room_subscribe_restart(VtMediaRoom *room, const char *participant);
void vt_media_room_add_candidate(VtMediaRoom *room, const char *participant, VtPcKind pc,
                                 const char *candidate);

/* Taps the participant's published track of `kind`. FALSE if there is no
 * such track (then destroy is not called). destroy(data) runs when the track
 * goes away or the room is freed. */
gboolean vt_media_room_add_tap(VtMediaRoom *room, const char *participant, VtSdpKind kind,
                               VtMediaTapFunc fn, gpointer data, GDestroyNotify destroy);

G_END_DECLS
