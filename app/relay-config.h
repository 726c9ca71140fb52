/* The relay's settings from the [relay] configuration keys. */
#pragma once

#include <glib.h>

#include "app/config.h"
#include "relay/relay.h"

G_BEGIN_DECLS

/* Fills `out` from `config` (strings are borrowed from config, which must
 * outlive `out`). Fails with a message naming the key for a bad value. */
gboolean vt_relay_config_from(const VtConfig *config, VtRelayConfig *out, GError **error);

G_END_DECLS
