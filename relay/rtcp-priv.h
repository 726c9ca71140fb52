/* Private helpers shared by rtcp.c (parsing), rtcp-build.c (builders) and
 * rtcp-time.c (NTP and receive statistics): big-endian reads and writes by
 * shifts, and the wire sizes of the fixed parts. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define RTCP_HEADER_LEN 4
#define RTCP_SENDER_INFO_LEN 20
#define RTCP_REPORT_BLOCK_LEN 24
#define RTCP_FB_COMMON_LEN 8 /* packet sender SSRC + media source SSRC */
#define RTCP_FIR_ENTRY_LEN 8
#define RTCP_REMB_FIXED_LEN 8 /* "REMB", num SSRC, exponent and mantissa */
#define RTCP_MAX_WORDS 65536  /* the 16-bit length field plus one */

#define RTCP_FMT_NACK 1
#define RTCP_FMT_PLI 1
#define RTCP_FMT_FIR 4
#define RTCP_FMT_AFB 15

static inline uint16_t rtcp_rd16(const uint8_t *p)
{
  return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t rtcp_rd24(const uint8_t *p)
{
  return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t rtcp_rd32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void rtcp_wr16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static inline void rtcp_wr24(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 16);
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)v;
}

static inline void rtcp_wr32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* Sign-extends the 24-bit cumulative-lost field. */
static inline int32_t rtcp_sext24(uint32_t v)
{
  return (v & 0x800000u) ? (int32_t)(v & 0x7fffffu) - 0x800000 : (int32_t)(v & 0x7fffffu);
}
