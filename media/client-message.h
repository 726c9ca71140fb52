/* What `vitrine client` reads from the server (docs/protocol.md section 5):
 * one WebSocket text message into a typed VtServerMessage. Pure, and strict
 * about types: a member of the wrong type reads as absent, never as a crash
 * (json-glib's getters emit criticals on the wrong node type, and a JSON
 * null string reads as NULL). Nesting deeper than VT_SERVER_MESSAGE_MAX_DEPTH
 * is refused before json-glib, whose parser recurses, sees it. */
#pragma once

#include <json-glib/json-glib.h>

#include "media/client-ice.h"

G_BEGIN_DECLS

#define VT_SERVER_MESSAGE_MAX_DEPTH 32

typedef enum {
  VT_SERVER_MSG_OTHER, /* a type this client does not act on (room, chat, lobby, ...) */
  VT_SERVER_MSG_HELLO,
  VT_SERVER_MSG_JOINED,
  VT_SERVER_MSG_ERROR,
  VT_SERVER_MSG_PUBLISH_ANSWER,
  VT_SERVER_MSG_SUBSCRIBE_OFFER,
  VT_SERVER_MSG_ICE,
  VT_SERVER_MSG_MEDIA_STATE,
  VT_SERVER_MSG_CALL_ENDED,
  VT_SERVER_MSG_REMOVED,
  VT_SERVER_MSG_LEFT,
  VT_SERVER_MSG_BYE,
} VtServerMsgType;

/* Strings are NULL when absent, not strings, or not UTF-8; numbers -1 when
 * absent or not integers in range. */
typedef struct {
  VtServerMsgType type;
  char *type_name;
  gint64 protocol;                /* hello */
  char *state;                    /* joined ("room", "lobby", ...), media_state */
  char *participant_id;           /* joined.participant.id */
  VtClientIceServers ice_servers; /* joined */
  GPtrArray *ice_warnings;        /* joined: ICE servers not used (char*) */
  char *code;                     /* error */
  char *message;                  /* error */
  char *ref;                      /* error */
  char *sdp;                      /* publish_answer, subscribe_offer */
  char *pc;                       /* ice, media_state */
  char *candidate;                /* ice */
  gint64 mline_index;             /* ice: 0..G_MAXINT */
  char *reason;                   /* media_state */
} VtServerMessage;

/* Parses len bytes. NULL with error when they are not a JSON object with a
 * string "type", or nest too deep. */
VtServerMessage *vt_server_message_parse(const char *text, gsize len, GError **error);
void vt_server_message_free(VtServerMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtServerMessage, vt_server_message_free)

/* The string member name of obj (may be NULL), or NULL when absent or not
 * a string. */
const char *vt_json_string(JsonObject *obj, const char *name);

/* Reads `ice_servers` (may be NULL): the first STUN URL, and every TURN URL
 * with its username and credential percent-encoded into the URI. Entries
 * that are not understood are skipped, each with a line in *warnings
 * (a GPtrArray of char*, may be NULL). */
void vt_client_ice_servers_read(JsonArray *ice_servers, VtClientIceServers *out,
                                GPtrArray *warnings);

G_END_DECLS
