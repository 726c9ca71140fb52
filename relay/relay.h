/* The in-process interface between signaling and the relay (the SFU).
 *
 * Signaling hands the relay each participant's media negotiation: the offer
 * of their publish connection, the answer of their receive connection and
 * trickled ICE candidates of both. The relay answers through VtRelayEvents on
 * the main thread. Calls are made on the main thread only.
 *
 * This build has no media path yet (see the relay issue): every call fails
 * with VT_RELAY_ERROR_NOT_AVAILABLE, which signaling reports to the client as
 * `not_available`. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VtRelay VtRelay;

typedef enum {
  VT_PC_PUBLISH,   /* the client offers, the relay answers receive-only */
  VT_PC_SUBSCRIBE, /* the relay offers the other participants' tracks */
} VtPcKind;

typedef enum {
  VT_RELAY_ERROR_NOT_AVAILABLE,
  VT_RELAY_ERROR_BAD_SDP,
} VtRelayError;

#define VT_RELAY_ERROR (vt_relay_error_quark())
GQuark vt_relay_error_quark(void);

/* What the relay says back about one participant (identified by the
 * room and participant ids signaling gave it). */
typedef struct {
  void (*sdp)(gpointer data, const char *room, const char *participant, VtPcKind pc,
              const char *type, const char *sdp);
  void (*candidate)(gpointer data, const char *room, const char *participant, VtPcKind pc,
                    const char *candidate, const char *sdp_mid, int mline_index);
} VtRelayEvents;

VtRelay *vt_relay_new(const VtRelayEvents *events, gpointer data);
void vt_relay_free(VtRelay *relay);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtRelay, vt_relay_free)

gboolean vt_relay_publish_offer(VtRelay *relay, const char *room, const char *participant,
                                const char *sdp, GError **error);
gboolean vt_relay_subscribe_answer(VtRelay *relay, const char *room, const char *participant,
                                   const char *sdp, GError **error);
/* candidate "" marks the end of the client's candidates. */
gboolean vt_relay_add_candidate(VtRelay *relay, const char *room, const char *participant,
                                VtPcKind pc, const char *candidate, const char *sdp_mid,
                                int mline_index, GError **error);
/* The participant left the room: everything the relay holds for them goes. */
void vt_relay_participant_left(VtRelay *relay, const char *room, const char *participant);

G_END_DECLS
