/* libFuzzer target for relay/dtls.c: arbitrary datagrams into the server end
 * of a DTLS-SRTP handshake, as an unauthenticated peer on the selected
 * candidate pair could send them.
 *
 * The input is a sequence of datagrams, each prefixed by its length as two
 * big-endian bytes; a length running past the end takes what is left. Each
 * input gets a fresh server-role VtDtls (from a certificate made once) that
 * expects a fingerprint no certificate has, so the handshake must never
 * complete: reaching CONNECTED, or getting keys, would be an authentication
 * bypass and aborts. Between datagrams the clock moves on by 1 s and the
 * timers run, so the handshake's time limit is reached in long inputs. Every
 * datagram the server sends must fit the MTU. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay/dtls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      abort();                                                                                     \
  } while (0)

static void check_send(const uint8_t *buf, size_t len, gpointer user_data)
{
  CHECK(len > 0 && len <= VT_DTLS_MTU);
  CHECK(buf[0] >= 20 && buf[0] <= 63);
  (*(size_t *)user_data)++;
}

/* After every step: the state is a legal one, never CONNECTED, and a final
 * state has its reason. */
static void check_state(const VtDtls *dtls)
{
  VtDtlsState state = vt_dtls_get_state(dtls);
  VtDtlsFailure failure = vt_dtls_get_failure(dtls);
  VtSrtpKeys keys;

  CHECK(state == VT_DTLS_STATE_CONNECTING || state == VT_DTLS_STATE_FAILED ||
        state == VT_DTLS_STATE_CLOSED);
  CHECK(!vt_dtls_get_srtp_keys(dtls, &keys));
  CHECK((state == VT_DTLS_STATE_FAILED) == (failure != VT_DTLS_FAILURE_NONE));
  CHECK(failure != VT_DTLS_FAILURE_NO_SRTP); /* needs a finished handshake */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static VtDtlsCert *cert;
  static const guint8 nobody[VT_DTLS_FINGERPRINT_LEN] = {0};
  size_t sent = 0;
  gint64 now = G_USEC_PER_SEC;

  if (cert == NULL && (cert = vt_dtls_cert_new(NULL)) == NULL)
    abort();
  VtDtls *dtls = vt_dtls_new(cert, VT_DTLS_ROLE_SERVER, nobody, check_send, &sent);
  while (size > 0) {
    size_t len = size;
    if (size >= 2) {
      len = MIN((size_t)data[0] << 8 | data[1], size - 2);
      data += 2;
      size -= 2;
    }
    int r = vt_dtls_receive(dtls, data, len, now);
    CHECK(r == 0 || r == -EINVAL || r == -EPROTO || r == -ENOTCONN);
    if (r != -EINVAL && r != -ENOTCONN)
      check_state(dtls);
    data += len;
    size -= len;
    now += G_USEC_PER_SEC;
    (void)vt_dtls_next_timeout(dtls, now);
    r = vt_dtls_handle_timeout(dtls, now);
    CHECK(r == 0 || r == -ETIMEDOUT);
  }
  vt_dtls_close(dtls);
  CHECK(vt_dtls_get_state(dtls) != VT_DTLS_STATE_CONNECTED);
  vt_dtls_free(dtls);
  return 0;
}
