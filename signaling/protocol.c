/* Client-to-server messages: validation and parsing (docs/protocol.md).
 *
 * A message goes through three stages, each of which can refuse it:
 *
 *  1. UTF-8 validation of the raw bytes.
 *  2. A strict lexical pre-scan (lex_message). json-glib 1.6 is lenient where
 *     we must not be: it accepts comments, single-quoted strings, hex numbers,
 *     unknown escapes, raw control characters, trailing data after the root,
 *     and it turns "\ud800" into invalid UTF-8, "\u0000" into a silently
 *     truncated string and integers beyond 64 bits into wrapped values. It
 *     also recurses once per nesting level without a limit. The pre-scan
 *     accepts exactly the tokens of RFC 8259 and bounds the depth, so that
 *     json-glib only ever sees input on which it behaves.
 *  3. json-glib builds the tree (it checks the grammar), and a table of
 *     message types maps "type" to a reader that extracts and checks that
 *     type's fields.
 *
 * Unknown members are ignored so that newer clients can talk to older servers.
 * JSON null in an optional member means "absent", as JavaScript clients send
 * it for unset values (RTCIceCandidate.toJSON() does). */
#include "signaling/protocol.h"

#include <stdarg.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "signaling/token.h"

#define MAX_TYPE_IN_ERROR 32 /* characters of an unknown type quoted back */

// clang-format off
G_DEFINE_QUARK(vt-protocol-error-quark, vt_protocol_error)
// clang-format on

/* What the lexical pre-scan found out about a message, beyond "well-formed". */
typedef struct {
  const char *data;
  gsize len;
  gsize pos;
  guint depth;
  gboolean root_seen;  /* the root '{' has been read */
  gboolean root_done;  /* ... and its matching '}' */
  gboolean expect_key; /* in the root object, the next string is a member name */
  gsize key_start;     /* raw bytes of the current root member name */
  gsize key_end;
  gboolean string_has_nul; /* the string just scanned contains \u0000 */
  gboolean has_nul;        /* some string contains \u0000 ... */
  gsize nul_key_start;     /* ... inside this root member (raw name) */
  gsize nul_key_end;
} Lexer;

/* Reads one message type's own members into msg. On failure sets *field (if
 * field is not NULL) to the offending member's name and error. */
typedef gboolean (*ReadFields)(JsonObject *obj, VtClientMessage *msg, char **field, GError **error);

typedef struct {
  const char *name; /* on the wire */
  ReadFields read;
} MsgTypeInfo;

/* How one string member is checked. min is 0 when "" is allowed. */
typedef struct {
  const char *name;
  gboolean required;
  gsize min;
  gsize max;
  gboolean in_chars; /* min and max count characters, not bytes */
  gboolean plain;    /* no control characters but tab, line feed and return */
} StringRule;

static const StringRule rule_token = {"token", TRUE, 1, VT_TOKEN_MAX_LEN, FALSE, FALSE};
/* Control characters in what people read would be invisible there, and each
 * costs six bytes in every JSON message that carries it to every reader. */
static const StringRule rule_topic = {"topic", FALSE, 1, VT_PROTOCOL_MAX_TOPIC, TRUE, TRUE};
static const StringRule rule_text = {"text", TRUE, 1, VT_PROTOCOL_MAX_CHAT_TEXT, FALSE, TRUE};
static const StringRule rule_client_id = {"client_id", TRUE, 1, VT_PROTOCOL_MAX_ID, FALSE, FALSE};
static const StringRule rule_participant = {"participant", TRUE, 1, VT_PROTOCOL_MAX_ID, FALSE, FALSE};
static const StringRule rule_sdp = {"sdp", TRUE, 1, G_MAXSIZE, FALSE, FALSE};
static const StringRule rule_pc = {"pc", TRUE, 1, G_MAXSIZE, FALSE, FALSE};
static const StringRule rule_candidate = {"candidate", TRUE, 0, G_MAXSIZE, FALSE, FALSE};
static const StringRule rule_sdp_mid = {"sdp_mid", FALSE, 0, VT_PROTOCOL_MAX_ID, FALSE, FALSE};
static const StringRule rule_ref = {"ref", FALSE, 1, VT_PROTOCOL_MAX_ID, FALSE, FALSE};

/* ---- errors ---- */

static gboolean G_GNUC_PRINTF(5, 6) fail_field(char **field, GError **error, VtProtocolError code,
                                               const char *name, const char *format, ...)
{
  va_list args;

  va_start(args, format);
  g_propagate_error(error, g_error_new_valist(VT_PROTOCOL_ERROR, code, format, args));
  va_end(args);
  if (field != NULL)
    *field = g_strdup(name);
  return FALSE;
}

static gboolean lex_fail(Lexer *lex, GError **error, const char *what)
{
  g_set_error(error, VT_PROTOCOL_ERROR, VT_PROTOCOL_ERROR_INVALID_JSON,
              "message is not valid JSON: %s at byte %" G_GSIZE_FORMAT, what, lex->pos);
  return FALSE;
}

/* ---- stage 2: the lexical pre-scan ---- */

/* Reads the four hex digits of a \u escape starting at pos; advances past them. */
static gboolean lex_hex4(Lexer *lex, gunichar *out)
{
  gunichar value = 0;

  if (lex->len - lex->pos < 4)
    return FALSE;
  for (int i = 0; i < 4; i++) {
    int digit = g_ascii_xdigit_value(lex->data[lex->pos + i]);
    if (digit < 0)
      return FALSE;
    value = (value << 4) | (gunichar)digit;
  }
  lex->pos += 4;
  *out = value;
  return TRUE;
}

/* Checks a \u escape; pos is just past the 'u'. A high surrogate must be
 * followed by an escaped low surrogate, as json-glib would otherwise emit the
 * surrogate's bytes, which are not UTF-8. */
static gboolean lex_unicode_escape(Lexer *lex, GError **error)
{
  gunichar high, low = 0;
  gboolean paired;

  if (!lex_hex4(lex, &high))
    return lex_fail(lex, error, "malformed \\u escape");
  lex->string_has_nul |= high == 0;
  if (high < 0xD800 || high > 0xDFFF)
    return TRUE;
  paired =
      high <= 0xDBFF && lex->len - lex->pos >= 2 && memcmp(lex->data + lex->pos, "\\u", 2) == 0;
  if (paired) {
    lex->pos += 2;
    paired = lex_hex4(lex, &low) && low >= 0xDC00 && low <= 0xDFFF;
  }
  return paired ? TRUE : lex_fail(lex, error, "unpaired surrogate escape");
}

/* Scans a string; pos is on the opening quote and ends just past the closing
 * one. Bytes >= 0x80 need no check here: stage 1 validated the UTF-8. */
static gboolean lex_string(Lexer *lex, GError **error)
{
  lex->string_has_nul = FALSE;
  lex->pos++;
  while (lex->pos < lex->len) {
    guchar c = (guchar)lex->data[lex->pos++];

    if (c == '"')
      return TRUE;
    if (G_UNLIKELY(c < 0x20))
      return lex_fail(lex, error, "control character in string");
    if (c != '\\')
      continue;
    if (lex->pos == lex->len)
      break;
    c = (guchar)lex->data[lex->pos++];
    if (c == 'u') {
      if (!lex_unicode_escape(lex, error))
        return FALSE;
    } else if (strchr("\"\\/bfnrt", c) == NULL || c == '\0') {
      return lex_fail(lex, error, "invalid escape in string");
    }
  }
  return lex_fail(lex, error, "unterminated string");
}

/* A number or literal must end at a delimiter: "01", "1x" and "truex" are not
 * two tokens but one malformed one. */
static gboolean lex_delimited(Lexer *lex, GError **error, const char *what)
{
  char next = lex->pos < lex->len ? lex->data[lex->pos] : ' ';

  if (next != '\0' && strchr(" \t\r\n,:]}", next) != NULL)
    return TRUE;
  return lex_fail(lex, error, what);
}

static gsize skip_digits(const char *p, const char *end)
{
  const char *start = p;

  while (p < end && g_ascii_isdigit(*p))
    p++;
  return (gsize)(p - start);
}

/* Whether an integer literal of n_digits digits fits a gint64; json-glib would
 * wrap it around otherwise. */
static gboolean int64_fits(const char *digits, gsize n_digits, gboolean negative)
{
  const char *limit = negative ? "9223372036854775808" : "9223372036854775807";

  if (n_digits != 19)
    return n_digits < 19;
  return memcmp(digits, limit, 19) <= 0;
}

/* Scans -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? starting at pos. */
static gboolean lex_number(Lexer *lex, GError **error)
{
  const char *end = lex->data + lex->len;
  gboolean negative = lex->data[lex->pos] == '-', integral = TRUE;
  const char *digits = lex->data + lex->pos + (negative ? 1 : 0);
  gsize n_int = (digits < end && *digits == '0') ? 1 : skip_digits(digits, end);
  const char *p = digits + n_int;

  if (n_int == 0)
    return lex_fail(lex, error, "malformed number");
  if (p < end && *p == '.') {
    gsize n_frac = skip_digits(p + 1, end);
    if (n_frac == 0)
      return lex_fail(lex, error, "malformed number");
    p += 1 + n_frac;
    integral = FALSE;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    gsize n_exp;
    p++;
    if (p < end && (*p == '+' || *p == '-'))
      p++;
    n_exp = skip_digits(p, end);
    if (n_exp == 0)
      return lex_fail(lex, error, "malformed number");
    p += n_exp;
    integral = FALSE;
  }
  if (integral && !int64_fits(digits, n_int, negative))
    return lex_fail(lex, error, "integer out of range");
  lex->pos = (gsize)(p - lex->data);
  return lex_delimited(lex, error, "malformed number");
}

static gboolean lex_literal(Lexer *lex, GError **error)
{
  static const char *const literals[] = {"true", "false", "null"};

  for (gsize i = 0; i < G_N_ELEMENTS(literals); i++) {
    gsize n = strlen(literals[i]);
    if (lex->len - lex->pos >= n && memcmp(lex->data + lex->pos, literals[i], n) == 0) {
      lex->pos += n;
      return lex_delimited(lex, error, "unknown literal");
    }
  }
  return lex_fail(lex, error, "unexpected character");
}

/* Handles a string token: remembers root member names, and in which root
 * member the first \u0000 sits, so the error can name it. */
static gboolean lex_string_token(Lexer *lex, GError **error)
{
  gboolean is_key = lex->depth == 1 && lex->expect_key;
  gsize start = lex->pos + 1;

  if (!lex_string(lex, error))
    return FALSE;
  if (is_key) {
    lex->key_start = start;
    lex->key_end = lex->pos - 1;
  }
  if (lex->string_has_nul && !lex->has_nul) {
    lex->has_nul = TRUE;
    lex->nul_key_start = lex->key_start;
    lex->nul_key_end = lex->key_end;
  }
  return TRUE;
}

/* Handles structural characters and tracks the depth. The caller has made
 * sure that the root is an object and that nothing follows it, so depth is
 * at least 1 here except for the root's own '{'. */
static gboolean lex_structural(Lexer *lex, char c, GError **error)
{
  if (c == '{' || c == '[') {
    lex->root_seen = TRUE;
    if (G_UNLIKELY(++lex->depth > VT_PROTOCOL_MAX_DEPTH)) {
      g_set_error(error, VT_PROTOCOL_ERROR, VT_PROTOCOL_ERROR_TOO_DEEP,
                  "message nests deeper than %d levels", VT_PROTOCOL_MAX_DEPTH);
      return FALSE;
    }
  } else if (c == '}' || c == ']') {
    g_assert(lex->depth > 0);
    lex->root_done = --lex->depth == 0;
  }
  if (lex->depth == 1 && (c == '{' || c == ','))
    lex->expect_key = TRUE;
  else if (lex->depth == 1 && c == ':')
    lex->expect_key = FALSE;
  lex->pos++;
  return TRUE;
}

/* Stage 2: accepts exactly RFC 8259's tokens, an object root with nothing
 * after it, and at most VT_PROTOCOL_MAX_DEPTH levels of nesting. Grammar
 * (token order) is left to json-glib. */
static gboolean lex_message(Lexer *lex, GError **error)
{
  while (lex->pos < lex->len) {
    char c = lex->data[lex->pos];
    gboolean ok;

    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      lex->pos++;
      continue;
    }
    if (lex->root_done)
      return lex_fail(lex, error, "trailing data after the object");
    if (lex->depth == 0 && c != '{')
      return lex_fail(lex, error, "the message must be an object");
    if (c == '"')
      ok = lex_string_token(lex, error);
    else if (c == '-' || g_ascii_isdigit(c))
      ok = lex_number(lex, error);
    else if (strchr("{}[]:,", c) != NULL && c != '\0')
      ok = lex_structural(lex, c, error);
    else
      ok = lex_literal(lex, error);
    if (!ok)
      return FALSE;
  }
  if (!lex->root_seen)
    return lex_fail(lex, error, "empty message");
  return TRUE;
}

/* ---- stage 3: members ---- */

/* Returns the member, or NULL when absent (or null and the member is optional). */
static JsonNode *get_member(JsonObject *obj, const char *name, gboolean required)
{
  JsonNode *node = json_object_get_member(obj, name);

  if (node != NULL && !required && JSON_NODE_HOLDS_NULL(node))
    return NULL;
  return node;
}

/* Copies a string member into *out after checking it against rule. *out is
 * left alone when an optional member is absent. */
static gboolean has_control(const char *s)
{
  for (; *s; s++)
    if (((guchar)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r') || *s == 0x7f)
      return TRUE;
  return FALSE;
}

static gboolean read_string(JsonObject *obj, const StringRule *rule, char **out, char **field,
                            GError **error)
{
  JsonNode *node = get_member(obj, rule->name, rule->required);
  const char *value, *unit = rule->in_chars ? "characters" : "bytes";
  gsize len;

  if (node == NULL && !rule->required)
    return TRUE;
  if (node == NULL)
    return fail_field(field, error, VT_PROTOCOL_ERROR_MISSING_FIELD, rule->name,
                      "field '%s' is required", rule->name);
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
    return fail_field(field, error, VT_PROTOCOL_ERROR_WRONG_TYPE, rule->name,
                      "field '%s' must be a string", rule->name);
  value = json_node_get_string(node);
  len = strlen(value);
  if (len < rule->min)
    return fail_field(field, error, VT_PROTOCOL_ERROR_INVALID_FIELD, rule->name,
                      "field '%s' must not be empty", rule->name);
  if (len > rule->max && (!rule->in_chars || (gsize)g_utf8_strlen(value, len) > rule->max))
    return fail_field(field, error, VT_PROTOCOL_ERROR_INVALID_FIELD, rule->name,
                      "field '%s' must be at most %" G_GSIZE_FORMAT " %s long", rule->name,
                      rule->max, unit);
  if (rule->plain && has_control(value))
    return fail_field(field, error, VT_PROTOCOL_ERROR_INVALID_FIELD, rule->name,
                      "field '%s' must not contain control characters", rule->name);
  *out = g_strndup(value, len);
  return TRUE;
}

/* Reads an optional integer member in 0..max into *out; *out is left alone
 * when absent. Only JSON integers count: 1.0 and "1" are the wrong type. */
static gboolean read_int(JsonObject *obj, const char *name, gint64 max, gint64 *out, char **field,
                         GError **error)
{
  JsonNode *node = get_member(obj, name, FALSE);
  gint64 value;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
    return fail_field(field, error, VT_PROTOCOL_ERROR_WRONG_TYPE, name,
                      "field '%s' must be an integer", name);
  value = json_node_get_int(node);
  if (value < 0 || value > max)
    return fail_field(field, error, VT_PROTOCOL_ERROR_INVALID_FIELD, name,
                      "field '%s' must be between 0 and %" G_GINT64_FORMAT, name, max);
  *out = value;
  return TRUE;
}

/* Reads a required boolean member into *out. */
static gboolean read_bool(JsonObject *obj, const char *name, gboolean *out, char **field,
                          GError **error)
{
  JsonNode *node = get_member(obj, name, TRUE);

  if (node == NULL)
    return fail_field(field, error, VT_PROTOCOL_ERROR_MISSING_FIELD, name,
                      "field '%s' is required", name);
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN)
    return fail_field(field, error, VT_PROTOCOL_ERROR_WRONG_TYPE, name,
                      "field '%s' must be true or false", name);
  *out = json_node_get_boolean(node);
  return TRUE;
}

/* ---- per-type readers ---- */

static gboolean read_nothing(JsonObject *obj, VtClientMessage *msg, char **field, GError **error)
{
  return TRUE;
}

static gboolean read_join(JsonObject *obj, VtClientMessage *msg, char **field, GError **error)
{
  return read_string(obj, &rule_token, &msg->token, field, error) &&
         read_string(obj, &rule_topic, &msg->topic, field, error) &&
         read_int(obj, "last_chat_id", G_MAXINT64, &msg->last_chat_id, field, error);
}

static gboolean read_chat(JsonObject *obj, VtClientMessage *msg, char **field, GError **error)
{
  return read_string(obj, &rule_text, &msg->text, field, error) &&
         read_string(obj, &rule_client_id, &msg->client_id, field, error);
}

static gboolean read_participant(JsonObject *obj, VtClientMessage *msg, char **field,
                                 GError **error)
{
  return read_string(obj, &rule_participant, &msg->participant, field, error);
}

static gboolean read_sdp(JsonObject *obj, VtClientMessage *msg, char **field, GError **error)
{
  return read_string(obj, &rule_sdp, &msg->sdp, field, error);
}

static gboolean read_ice(JsonObject *obj, VtClientMessage *msg, char **field, GError **error)
{
  gint64 mline_index = -1;

  if (!read_string(obj, &rule_pc, &msg->pc, field, error))
    return FALSE;
  if (strcmp(msg->pc, "publish") != 0 && strcmp(msg->pc, "subscribe") != 0)
    return fail_field(field, error, VT_PROTOCOL_ERROR_INVALID_FIELD, "pc",
                      "field 'pc' must be \"publish\" or \"subscribe\"");
  if (!read_string(obj, &rule_candidate, &msg->candidate, field, error) ||
      !read_string(obj, &rule_sdp_mid, &msg->sdp_mid, field, error) ||
      !read_int(obj, "sdp_mline_index", G_MAXINT, &mline_index, field, error))
    return FALSE;
  msg->mline_index = (gint)mline_index;
  return TRUE;
}

static gboolean read_sending(JsonObject *obj, VtClientMessage *msg, char **field,
                                 GError **error)
{
  return read_bool(obj, "audio", &msg->audio, field, error) &&
         read_bool(obj, "video", &msg->video, field, error);
}

static gboolean read_history(JsonObject *obj, VtClientMessage *msg, char **field, GError **error)
{
  JsonNode *node = json_object_get_member(obj, "before_id");
  if (!node)
    return fail_field(field, error, VT_PROTOCOL_ERROR_MISSING_FIELD, "before_id",
                      "field 'before_id' is required");
  if (JSON_NODE_HOLDS_NULL(node))
    return fail_field(field, error, VT_PROTOCOL_ERROR_WRONG_TYPE, "before_id",
                      "field 'before_id' must be an integer");
  if (!read_int(obj, "before_id", G_MAXINT64, &msg->before_id, field, error))
    return FALSE;
  if (msg->before_id < 1)
    return fail_field(field, error, VT_PROTOCOL_ERROR_INVALID_FIELD, "before_id",
                      "field 'before_id' must be a chat message id (1 or more)");
  return TRUE;
}

/* Indexed by VtMsgType. */
static const MsgTypeInfo msg_types[] = {
    [VT_MSG_JOIN] = {"join", read_join},
    [VT_MSG_LEAVE] = {"leave", read_nothing},
    [VT_MSG_CHAT] = {"chat", read_chat},
    [VT_MSG_ACCEPT] = {"accept", read_participant},
    [VT_MSG_END_CALL] = {"end_call", read_nothing},
    [VT_MSG_REMOVE] = {"remove", read_participant},
    [VT_MSG_PUBLISH_OFFER] = {"publish_offer", read_sdp},
    [VT_MSG_SUBSCRIBE_ANSWER] = {"subscribe_answer", read_sdp},
    [VT_MSG_ICE] = {"ice", read_ice},
    [VT_MSG_SUBSCRIBE_RESTART] = {"subscribe_restart", read_nothing},
    [VT_MSG_PING] = {"ping", read_nothing},
    [VT_MSG_SENDING] = {"sending", read_sending},
    [VT_MSG_HISTORY] = {"history", read_history},
};

/* The unknown-type error quotes what the client sent: cut to a few
 * characters and with control characters replaced, as it ends up in logs. */
static gboolean fail_unknown_type(const char *type, char **field, GError **error)
{
  gboolean cut = g_utf8_strlen(type, -1) > MAX_TYPE_IN_ERROR;
  g_autofree char *shown = cut ? g_utf8_substring(type, 0, MAX_TYPE_IN_ERROR) : g_strdup(type);

  for (char *p = shown; *p != '\0'; p++) {
    if ((guchar)*p < 0x20 || *p == 0x7f)
      *p = '?';
  }
  return fail_field(field, error, VT_PROTOCOL_ERROR_UNKNOWN_TYPE, "type",
                    "unknown message type '%s%s'", shown, cut ? "..." : "");
}

static gboolean read_type(JsonObject *obj, VtMsgType *type, char **field, GError **error)
{
  JsonNode *node = json_object_get_member(obj, "type");
  const char *name;

  if (node == NULL)
    return fail_field(field, error, VT_PROTOCOL_ERROR_MISSING_FIELD, "type",
                      "field 'type' is required");
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
    return fail_field(field, error, VT_PROTOCOL_ERROR_WRONG_TYPE, "type",
                      "field 'type' must be a string");
  name = json_node_get_string(node);
  for (gsize i = 0; i < G_N_ELEMENTS(msg_types); i++) {
    if (strcmp(name, msg_types[i].name) == 0) {
      *type = (VtMsgType)i;
      return TRUE;
    }
  }
  return fail_unknown_type(name, field, error);
}

static VtClientMessage *client_message_new(VtMsgType type)
{
  VtClientMessage *msg = g_new0(VtClientMessage, 1);

  msg->type = type;
  msg->last_chat_id = -1;
  msg->before_id = -1;
  msg->mline_index = -1;
  return msg;
}

/* Stage 3 proper: the type, then that type's members. */
static VtClientMessage *read_message(JsonObject *obj, char **field, GError **error)
{
  g_autoptr(VtClientMessage) msg = NULL;
  VtMsgType type = VT_MSG_PING;

  if (!read_type(obj, &type, field, error))
    return NULL;
  msg = client_message_new(type);
  if (!msg_types[type].read(obj, msg, field, error))
    return NULL;
  return g_steal_pointer(&msg);
}

static JsonObject *parse_object(JsonParser *parser, const char *data, gsize len, GError **error)
{
  g_autoptr(GError) local = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data(parser, data, (gssize)len, &local)) {
    /* json-glib quotes the offending token cut at a byte count, possibly in
     * the middle of a character; the reply carrying this must be UTF-8. */
    g_autofree char *reason = g_utf8_make_valid(local->message, -1);
    g_set_error(error, VT_PROTOCOL_ERROR, VT_PROTOCOL_ERROR_INVALID_JSON,
                "message is not valid JSON: %s", reason);
    return NULL;
  }
  root = json_parser_get_root(parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_set_error_literal(error, VT_PROTOCOL_ERROR, VT_PROTOCOL_ERROR_INVALID_JSON,
                        "the message must be a JSON object");
    return NULL;
  }
  return json_node_get_object(root);
}

/* Whether the first escaped U+0000 may sit in the root member name: the raw
 * name is compared, and one written with escapes might decode to name. */
static gboolean nul_may_be_in(const Lexer *lex, const char *name)
{
  const char *raw = lex->data + lex->nul_key_start;
  gsize raw_len = lex->nul_key_end - lex->nul_key_start, n = strlen(name);

  if (!lex->has_nul)
    return FALSE;
  return memchr(raw, '\\', raw_len) != NULL || (raw_len == n && memcmp(raw, name, n) == 0);
}

/* json-glib truncates strings at an escaped U+0000, so such a string would
 * silently arrive shortened. The member is named as written on the wire. */
static gboolean check_no_nul(const Lexer *lex, char **field, GError **error)
{
  g_autofree char *name = NULL;

  if (!lex->has_nul)
    return TRUE;
  name = g_strndup(lex->data + lex->nul_key_start, lex->nul_key_end - lex->nul_key_start);
  return fail_field(field, error, VT_PROTOCOL_ERROR_INVALID_FIELD, name,
                    "field '%s' must not contain U+0000", name);
}

/* Stages 1 and 2. */
static gboolean check_raw(Lexer *lex, const char *data, gsize len, GError **error)
{
  if (len > VT_PROTOCOL_MAX_MESSAGE) {
    g_set_error(error, VT_PROTOCOL_ERROR, VT_PROTOCOL_ERROR_INVALID_JSON,
                "message is larger than %d bytes", VT_PROTOCOL_MAX_MESSAGE);
    return FALSE;
  }
  if (!g_utf8_validate_len(data, len, NULL)) {
    g_set_error_literal(error, VT_PROTOCOL_ERROR, VT_PROTOCOL_ERROR_INVALID_UTF8,
                        "message is not valid UTF-8");
    return FALSE;
  }
  *lex = (Lexer){.data = data, .len = len};
  return lex_message(lex, error);
}

JsonObject *vt_protocol_parse_object(JsonParser *parser, const char *data, gsize len,
                                     char **field, GError **error)
{
  Lexer lex;

  g_return_val_if_fail(data != NULL || len == 0, NULL);
  if (field != NULL)
    *field = NULL;
  if (!check_raw(&lex, data, len, error))
    return NULL;
  JsonObject *obj = parse_object(parser, data, len, error);
  if (obj == NULL || !check_no_nul(&lex, field, error))
    return NULL;
  return obj;
}

VtClientMessage *vt_protocol_parse(const char *data, gsize len, char **field, char **ref,
                                   GError **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(VtClientMessage) msg = NULL;
  g_autofree char *ref_value = NULL;
  JsonObject *obj;
  Lexer lex;

  g_return_val_if_fail(data != NULL || len == 0, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  if (field != NULL)
    *field = NULL;
  if (ref != NULL)
    *ref = NULL;
  if (!check_raw(&lex, data, len, error))
    return NULL;
  parser = json_parser_new();
  obj = parse_object(parser, data, len, error);
  if (obj == NULL)
    return NULL;
  /* A ref that json-glib may have cut at U+0000 is not returned, only reported. */
  if ((nul_may_be_in(&lex, "ref") || read_string(obj, &rule_ref, &ref_value, field, error)) &&
      check_no_nul(&lex, field, error))
    msg = read_message(obj, field, error);
  if (msg != NULL)
    msg->ref = g_strdup(ref_value);
  if (ref != NULL)
    *ref = g_steal_pointer(&ref_value);
  return g_steal_pointer(&msg);
}

const char *vt_protocol_error_code(VtProtocolError error)
{
  /* Indexed by VtProtocolError. */
  static const char *const codes[] = {"invalid_utf8", "invalid_json",  "too_deep",
                                      "unknown_type", "missing_field", "wrong_type",
                                      "invalid_field"};

  g_return_val_if_fail((guint)error < G_N_ELEMENTS(codes), "invalid_json");
  return codes[error];
}

const char *vt_msg_type_to_string(VtMsgType type)
{
  g_return_val_if_fail((guint)type < G_N_ELEMENTS(msg_types), NULL);
  return msg_types[type].name;
}

void vt_client_message_free(VtClientMessage *msg)
{
  if (msg == NULL)
    return;
  g_free(msg->ref);
  g_free(msg->token);
  g_free(msg->topic);
  g_free(msg->text);
  g_free(msg->client_id);
  g_free(msg->participant);
  g_free(msg->sdp);
  g_free(msg->pc);
  g_free(msg->candidate);
  g_free(msg->sdp_mid);
  g_free(msg);
}
