/* See client-message.h. */
#include "media/client-message.h"

#include <string.h>

G_DEFINE_QUARK(vt-server-message-error-quark, vt_server_message_error)

/* json-glib takes some escapes JSON does not have ("\2" as an octal byte),
 * which can make a string that is not UTF-8: such a string reads as absent. */
static const char *node_string(JsonNode *node)
{
  if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
    return NULL;
  const char *s = json_node_get_string(node);
  return s && g_utf8_validate(s, -1, NULL) ? s : NULL;
}

const char *vt_json_string(JsonObject *obj, const char *name)
{
  return obj ? node_string(json_object_get_member(obj, name)) : NULL;
}

static char *dup_string(JsonObject *obj, const char *name)
{
  return g_strdup(vt_json_string(obj, name));
}

/* An integer member in 0..max, or -1. */
static gint64 read_int(JsonObject *obj, const char *name, gint64 max)
{
  JsonNode *node = json_object_get_member(obj, name);
  if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
    return -1;
  gint64 v = json_node_get_int(node);
  return v >= 0 && v <= max ? v : -1;
}

static JsonObject *read_object(JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member(obj, name);
  return node && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

/* ---- joined.ice_servers ---- */

/* "stun:host:port" -> "stun://host:port"; NULL for anything else. */
static char *stun_uri(const char *url)
{
  if (g_str_has_prefix(url, "stun:") && url[5] != '\0' && !g_str_has_prefix(url, "stun://"))
    return g_strconcat("stun://", url + 5, NULL);
  return NULL;
}

/* "turn:host:port?transport=udp" + credentials ->
 * "turn://user:password@host:port?transport=udp" (turns: likewise). */
static char *turn_uri(const char *url, const char *user, const char *password)
{
  const char *scheme = g_str_has_prefix(url, "turns:") ? "turns" : "turn";
  gsize skip = strlen(scheme) + 1;
  if (!user || !password || !g_str_has_prefix(url, scheme) || url[skip - 1] != ':' ||
      url[skip] == '\0' || url[skip] == '/')
    return NULL;
  g_autofree char *u = g_uri_escape_string(user, NULL, FALSE);
  g_autofree char *p = g_uri_escape_string(password, NULL, FALSE);
  return g_strdup_printf("%s://%s:%s@%s", scheme, u, p, url + skip);
}

static void read_server(JsonObject *server, VtClientIceServers *out, GPtrArray *turns,
                        GPtrArray *warnings)
{
  JsonNode *urls = json_object_get_member(server, "urls");
  const char *user = vt_json_string(server, "username");
  const char *password = vt_json_string(server, "credential");
  JsonArray *list = urls && JSON_NODE_HOLDS_ARRAY(urls) ? json_node_get_array(urls) : NULL;
  for (guint i = 0; list && i < json_array_get_length(list); i++) {
    const char *url = node_string(json_array_get_element(list, i));
    char *stun = url ? stun_uri(url) : NULL;
    char *turn = url && !stun ? turn_uri(url, user, password) : NULL;
    if (stun && !out->stun)
      out->stun = stun;
    else
      g_free(stun);
    if (turn)
      g_ptr_array_add(turns, turn);
    if (!stun && !turn && warnings)
      g_ptr_array_add(warnings, g_strdup_printf("ICE server '%s' not used", url ? url : "?"));
  }
}

void vt_client_ice_servers_read(JsonArray *ice_servers, VtClientIceServers *out,
                                GPtrArray *warnings)
{
  memset(out, 0, sizeof *out);
  GPtrArray *turns = g_ptr_array_new();
  for (guint i = 0; ice_servers && i < json_array_get_length(ice_servers); i++) {
    JsonNode *node = json_array_get_element(ice_servers, i);
    if (JSON_NODE_HOLDS_OBJECT(node))
      read_server(json_node_get_object(node), out, turns, warnings);
  }
  g_ptr_array_add(turns, NULL);
  out->turns = (char **)g_ptr_array_free(turns, FALSE);
}

/* ---- messages ---- */

/* Deepest nesting of [ and { outside strings, stopping past max. */
static guint depth_of(const char *text, gsize len, guint max)
{
  guint depth = 0, deepest = 0;
  gboolean in_string = FALSE;
  for (gsize i = 0; i < len && deepest <= max; i++) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = FALSE;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '[' || c == '{') {
      deepest = MAX(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  return deepest;
}

static VtServerMsgType type_of(const char *name)
{
  static const char *const names[] = {
      [VT_SERVER_MSG_HELLO] = "hello",
      [VT_SERVER_MSG_JOINED] = "joined",
      [VT_SERVER_MSG_ERROR] = "error",
      [VT_SERVER_MSG_PUBLISH_ANSWER] = "publish_answer",
      [VT_SERVER_MSG_SUBSCRIBE_OFFER] = "subscribe_offer",
      [VT_SERVER_MSG_ICE] = "ice",
      [VT_SERVER_MSG_MEDIA_STATE] = "media_state",
      [VT_SERVER_MSG_CALL_ENDED] = "call_ended",
      [VT_SERVER_MSG_REMOVED] = "removed",
      [VT_SERVER_MSG_LEFT] = "left",
      [VT_SERVER_MSG_BYE] = "bye",
  };
  for (guint i = 1; i < G_N_ELEMENTS(names); i++)
    if (strcmp(name, names[i]) == 0)
      return (VtServerMsgType)i;
  return VT_SERVER_MSG_OTHER;
}

static void read_joined(JsonObject *obj, VtServerMessage *msg)
{
  msg->participant_id = dup_string(read_object(obj, "participant"), "id");
  JsonNode *servers = json_object_get_member(obj, "ice_servers");
  msg->ice_warnings = g_ptr_array_new_with_free_func(g_free);
  vt_client_ice_servers_read(
      servers && JSON_NODE_HOLDS_ARRAY(servers) ? json_node_get_array(servers) : NULL,
      &msg->ice_servers, msg->ice_warnings);
}

static void read_fields(JsonObject *obj, VtServerMessage *msg)
{
  msg->protocol = read_int(obj, "protocol", G_MAXINT);
  msg->state = dup_string(obj, "state");
  msg->code = dup_string(obj, "code");
  msg->message = dup_string(obj, "message");
  msg->ref = dup_string(obj, "ref");
  msg->sdp = dup_string(obj, "sdp");
  msg->pc = dup_string(obj, "pc");
  msg->candidate = dup_string(obj, "candidate");
  msg->mline_index = read_int(obj, "sdp_mline_index", G_MAXINT);
  msg->reason = dup_string(obj, "reason");
  if (msg->type == VT_SERVER_MSG_JOINED)
    read_joined(obj, msg);
}

VtServerMessage *vt_server_message_parse(const char *text, gsize len, GError **error)
{
  GQuark domain = vt_server_message_error_quark();
  if (depth_of(text, len, VT_SERVER_MESSAGE_MAX_DEPTH) > VT_SERVER_MESSAGE_MAX_DEPTH) {
    g_set_error(error, domain, 0, "nested more than %d deep", VT_SERVER_MESSAGE_MAX_DEPTH);
    return NULL;
  }
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, text, (gssize)len, error))
    return NULL;
  JsonNode *root = json_parser_get_root(parser);
  JsonObject *obj = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
  const char *type = vt_json_string(obj, "type");
  if (!type) {
    g_set_error_literal(error, domain, 0, "not a JSON object with a string \"type\"");
    return NULL;
  }
  VtServerMessage *msg = g_new0(VtServerMessage, 1);
  msg->type = type_of(type);
  msg->type_name = g_strdup(type);
  read_fields(obj, msg);
  return msg;
}

void vt_server_message_free(VtServerMessage *msg)
{
  if (!msg)
    return;
  g_free(msg->type_name);
  g_free(msg->state);
  g_free(msg->participant_id);
  vt_client_ice_servers_clear(&msg->ice_servers);
  if (msg->ice_warnings)
    g_ptr_array_unref(msg->ice_warnings);
  g_free(msg->code);
  g_free(msg->message);
  g_free(msg->ref);
  g_free(msg->sdp);
  g_free(msg->pc);
  g_free(msg->candidate);
  g_free(msg->reason);
  g_free(msg);
}
