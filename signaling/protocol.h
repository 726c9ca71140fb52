/* The client-to-server half of the JSON protocol (docs/protocol.md): parsing
 * and validating one WebSocket text message into a VtClientMessage.
 *
 * Pure: bytes in, a message or a specific error out. The server-to-client
 * messages are built by the hub. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define VT_PROTOCOL_VERSION 1
/* Limits from docs/protocol.md. */
#define VT_PROTOCOL_MAX_MESSAGE (64 * 1024)
#define VT_PROTOCOL_MAX_DEPTH 32
#define VT_PROTOCOL_MAX_CHAT_TEXT 4096 /* bytes of UTF-8 */
#define VT_PROTOCOL_MAX_ID 64          /* client_id, ref, participant ids */
#define VT_PROTOCOL_MAX_TOPIC 64       /* characters */

typedef enum {
  VT_MSG_JOIN,
  VT_MSG_LEAVE,
  VT_MSG_CHAT,
  VT_MSG_ACCEPT,
  VT_MSG_END_CALL,
  VT_MSG_REMOVE,
  VT_MSG_PUBLISH_OFFER,
  VT_MSG_SUBSCRIBE_ANSWER,
  VT_MSG_ICE,
  VT_MSG_SUBSCRIBE_RESTART,
  VT_MSG_PING,
  VT_MSG_SENDING,
  VT_MSG_HISTORY,
} VtMsgType;

/* One parsed client message. Only the fields of its type are set; the rest
 * are NULL / -1. Every string is valid UTF-8 and owned by the message. */
typedef struct {
  VtMsgType type;
  char *ref; /* optional "ref": echoed in the error it causes, and in the direct
              * replies "joined", "pong" and "left" */

  /* join */
  char *token;
  char *topic;         /* optional lobby topic (customers without a room) */
  gint64 last_chat_id; /* optional; -1 when absent */

  /* history: the page of messages older than this id */
  gint64 before_id;

  /* chat */
  char *text;
  char *client_id;

  /* accept, remove */
  char *participant;

  /* publish_offer, subscribe_answer */
  char *sdp;

  /* ice: pc is "publish" or "subscribe"; candidate "" means end of candidates */
  char *pc;
  char *candidate;
  char *sdp_mid;
  gint mline_index; /* -1 when absent */

  /* sending: whether the client sends its microphone and camera */
  gboolean audio;
  gboolean video;
} VtClientMessage;

typedef enum {
  VT_PROTOCOL_ERROR_INVALID_UTF8,
  VT_PROTOCOL_ERROR_INVALID_JSON, /* includes "not a JSON object" */
  VT_PROTOCOL_ERROR_TOO_DEEP,
  VT_PROTOCOL_ERROR_UNKNOWN_TYPE,
  VT_PROTOCOL_ERROR_MISSING_FIELD,
  VT_PROTOCOL_ERROR_WRONG_TYPE,
  VT_PROTOCOL_ERROR_INVALID_FIELD, /* right type, bad value: empty, too long, out of range */
} VtProtocolError;

#define VT_PROTOCOL_ERROR (vt_protocol_error_quark())
GQuark vt_protocol_error_quark(void);

/* The protocol's error code: "invalid_utf8", "invalid_json", "too_deep",
 * "unknown_type", "missing_field", "wrong_type", "invalid_field". */
const char *vt_protocol_error_code(VtProtocolError error);

/* Parses one message of len bytes (not NUL-terminated). On failure returns
 * NULL, sets error, and, for field errors, *field (transfer full) to the name
 * of the offending field. When the message was a JSON object with a string
 * "ref", *ref (transfer full) is set even on failure, so the error reply can
 * carry it. field and ref may be NULL. */
VtClientMessage *vt_protocol_parse(const char *data, gsize len, char **field, char **ref,
                                   GError **error);

/* The same strict checks (size, UTF-8, RFC 8259 JSON, depth, no U+0000) for
 * a JSON object of another kind, such as an HTTP API request body. Returns
 * the object (transfer none: it belongs to parser) or NULL with error set
 * in the VT_PROTOCOL_ERROR domain, and *field for a string with U+0000. */
JsonObject *vt_protocol_parse_object(JsonParser *parser, const char *data, gsize len,
                                     char **field, GError **error);

const char *vt_msg_type_to_string(VtMsgType type);

void vt_client_message_free(VtClientMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtClientMessage, vt_client_message_free)

G_END_DECLS
