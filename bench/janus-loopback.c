/*
 * janus-loopback.c: an LD_PRELOAD shim for bench/browser-janus.mjs, loaded
 * into Janus only (the script compiles it into its temporary folder).
 *
 * Janus 1.1.2 skips every interface flagged IFF_LOOPBACK when it picks the
 * addresses to gather ICE candidates on (janus_ice_setup_local in
 * src/ice.c), whatever `ice_enforce_list` says; with no address picked,
 * libnice gathers on every interface but loopback. So no configuration keeps
 * Janus' media on 127.0.0.1. This shim clears IFF_LOOPBACK in what
 * getifaddrs() returns, so that the benchmark's `ice_enforce_list =
 * "127.0.0.1"` selects 127.0.0.1 and nothing else. It changes nothing else
 * Janus does with its interfaces: the benchmark names its SDP address
 * (`interface`) and disables IPv6.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <ifaddrs.h>
#include <net/if.h>

typedef int (*GetifaddrsFn)(struct ifaddrs **);

/* Contract: as getifaddrs(3), with no interface flagged IFF_LOOPBACK. */
int getifaddrs(struct ifaddrs **ifap)
{
  static GetifaddrsFn real;
  if (!real)
    real = (GetifaddrsFn)dlsym(RTLD_NEXT, "getifaddrs");
  if (!real)
    return -1;
  int rc = real(ifap);
  if (rc != 0)
    return rc;
  for (struct ifaddrs *ifa = *ifap; ifa; ifa = ifa->ifa_next)
    ifa->ifa_flags &= ~(unsigned int)IFF_LOOPBACK;
  return 0;
}
