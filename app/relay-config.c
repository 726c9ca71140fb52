/* [relay] keys -> VtRelayConfig; see relay-config.h. */
#include "app/relay-config.h"

#include <gio/gio.h>
#include <string.h>

static gboolean parse_switch(const char *key, const char *value, gboolean *out, GError **error)
{
  if (g_strcmp0(value, "on") == 0 || g_strcmp0(value, "off") == 0) {
    *out = g_strcmp0(value, "on") == 0;
    return TRUE;
  }
  g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s: '%s' is not on or off", key,
              value ? value : "");
  return FALSE;
}

static gboolean parse_ports(const char *value, guint *min, guint *max, GError **error)
{
  *min = *max = 0;
  if (!value)
    return TRUE;
  g_auto(GStrv) parts = g_strsplit(value, "-", 2);
  guint64 lo, hi;
  if (g_strv_length(parts) != 2 ||
      !g_ascii_string_to_unsigned(parts[0], 10, 1, 65535, &lo, NULL) ||
      !g_ascii_string_to_unsigned(parts[1], 10, 1, 65535, &hi, NULL) || lo > hi) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "relay-ports: '%s' is not a range MIN-MAX of UDP ports", value);
    return FALSE;
  }
  *min = (guint)lo;
  *max = (guint)hi;
  return TRUE;
}

static gboolean check_addresses(char **addresses, const char *public_ip, GError **error)
{
  for (char **a = addresses; a && *a; a++) {
    if (!g_hostname_is_ip_address(*a)) {
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                  "relay-addresses: '%s' is not an IP address", *a);
      return FALSE;
    }
  }
  g_autoptr(GInetAddress) pub = public_ip ? g_inet_address_new_from_string(public_ip) : NULL;
  if (public_ip && (!pub || g_inet_address_get_family(pub) != G_SOCKET_FAMILY_IPV4)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "relay-public-ip: '%s' is not an IPv4 address", public_ip);
    return FALSE;
  }
  return TRUE;
}

static gboolean check_urls(const char *key, char **urls, const char *const *schemes,
                           GError **error)
{
  for (char **u = urls; u && *u; u++) {
    gboolean ok = FALSE;
    for (const char *const *s = schemes; *s && !ok; s++)
      ok = g_str_has_prefix(*u, *s) && (*u)[strlen(*s)] != '\0';
    if (!ok) {
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                  "%s: '%s' is not a %s URL", key, *u, schemes[0]);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean check_ice_servers(const VtConfig *config, GError **error)
{
  static const char *const stun[] = {"stun:", "stuns:", NULL};
  static const char *const turn[] = {"turn:", "turns:", NULL};
  if (!check_urls("ice-stun", config->ice_stun, stun, error) ||
      !check_urls("ice-turn", config->ice_turn, turn, error))
    return FALSE;
  if (config->ice_turn && config->ice_turn[0] && !config->turn_secret) {
    g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "ice-turn needs turn-secret (the TURN server's shared secret)");
    return FALSE;
  }
  return TRUE;
}

static gboolean parse_codecs(char **names, VtSdpCodecPrefs *prefs, GError **error)
{
  vt_sdp_codec_prefs_init_default(prefs);
  if (!names)
    return TRUE;
  prefs->n_video = 0;
  for (char **n = names; *n; n++) {
    VtSdpCodecId id;
    if (!vt_sdp_codec_from_string(*n, &id) || id == VT_SDP_CODEC_OPUS ||
        prefs->n_video == VT_SDP_MAX_PREFS) {
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                  "video-codecs: '%s' is not vp8 or h264", *n);
      return FALSE;
    }
    prefs->video[prefs->n_video++] = id;
  }
  if (prefs->n_video == 0) {
    g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "video-codecs: name at least one of vp8, h264");
    return FALSE;
  }
  return TRUE;
}

gboolean vt_relay_config_from(const VtConfig *config, VtRelayConfig *out, GError **error)
{
  *out = (VtRelayConfig){0};
  if (!parse_switch("media", config->media, &out->enabled, error) ||
      !parse_switch("relay-ice-tcp", config->relay_ice_tcp, &out->ice_tcp, error) ||
      !parse_ports(config->relay_ports, &out->min_port, &out->max_port, error) ||
      !check_addresses(config->relay_addresses, config->relay_public_ip, error) ||
      !check_ice_servers(config, error) ||
      !parse_codecs(config->video_codecs, &out->codecs, error))
    return FALSE;
  out->workers = config->relay_workers;
  out->local_addresses = config->relay_addresses;
  out->public_ipv4 = config->relay_public_ip;
  out->max_bitrate_bps = config->relay_max_bitrate;
  return TRUE;
}
