/* Private parts of the test peer (vt-peer.c, vt-peer-sdp.c). */
#pragma once

#include "support/vt-peer.h"

G_BEGIN_DECLS

char *vt_peer_publish_offer(VtTestPeer *peer, const VtPeerMedia *media);
gboolean vt_peer_read_transport(const char *text, VtSdpRemoteTransport *out, GError **error);
void vt_peer_transport_clear(VtSdpRemoteTransport *t);
char *vt_peer_answer_offer(VtTestPeer *peer, const char *offer);
void vt_peer_track_free(gpointer track);

G_END_DECLS
