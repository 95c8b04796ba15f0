/* CPU reference quantization (see lil_quant.h for the layouts). */
#include "lil_quant.h"

#include <math.h>
#include <string.h>

uint16_t lil_f32_to_f16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t e = (x >> 23) & 0xff, m = x & 0x7fffffu;
  if (e == 0xff) return (uint16_t)(sign | 0x7c00u | (m ? 0x200u | (m >> 13) : 0));
  int32_t he = (int32_t)e - 127 + 15;
  if (he >= 31) return (uint16_t)(sign | 0x7c00u);
  if (he <= 0) { /* subnormal or zero */
    if (he < -10) return (uint16_t)sign;
    m |= 0x800000u;
    uint32_t shift = (uint32_t)(14 - he);
    uint32_t v = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (v & 1))) v++;
    return (uint16_t)(sign | v);
  }
  uint32_t v = ((uint32_t)he << 10) | (m >> 13), rem = m & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (v & 1))) v++; /* may carry into the exponent: correct */
  return (uint16_t)(sign | v);
}

float lil_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ffu, x;
  if (e == 0x1f) x = sign | 0x7f800000u | (m << 13);
  else if (e) x = sign | ((e + 112) << 23) | (m << 13);
  else if (!m) x = sign;
  else {
    float f = ldexpf((float)m, -24);
    return sign ? -f : f;
  }
  float f;
  memcpy(&f, &x, 4);
  return f;
}

uint16_t lil_f32_to_bf16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u);
  x += 0x7fffu + ((x >> 16) & 1);
  return (uint16_t)(x >> 16);
}

float lil_bf16_to_f32(uint16_t h) {
  uint32_t x = (uint32_t)h << 16;
  float f;
  memcpy(&f, &x, 4);
  return f;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static void wr16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

void lil_q4k_get_scale_min(const uint8_t q[12], int j, uint8_t *sc, uint8_t *m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = (uint8_t)((q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4));
    *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

void lil_q4k_pack_scales(const uint8_t sc[8], const uint8_t m[8], uint8_t q[12]) {
  for (int j = 0; j < 4; j++) {
    q[j] = (uint8_t)((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
    q[j + 4] = (uint8_t)((m[j] & 63) | ((m[j + 4] >> 4) << 6));
    q[j + 8] = (uint8_t)((sc[j + 4] & 0xf) | ((m[j + 4] & 0xf) << 4));
  }
}

int lil_quant_supported(uint32_t t) {
  return t == LIL_TYPE_F32 || t == LIL_TYPE_F16 || t == LIL_TYPE_BF16 || t == LIL_TYPE_Q8_0 || t == LIL_TYPE_Q4_0 ||
         t == LIL_TYPE_Q4_K || t == LIL_TYPE_Q6_K;
}

static lil_status check_args(uint32_t type, uint64_t n, const char *what, lil_error *err) {
  const lil_type_info *ti = lil_type_get(type);
  if (!ti || !lil_quant_supported(type))
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "%s: type %u (%s) not supported", what, type, ti ? ti->name : "?");
  if (n % ti->block_elems)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "%s: %llu elements is not a multiple of the %s block (%u)", what,
                         (unsigned long long)n, ti->name, ti->block_elems);
  return LIL_OK;
}

lil_status lil_dequantize_row(uint32_t type, const void *src, float *y, uint64_t n, lil_error *err) {
  lil_status st = check_args(type, n, "dequantize", err);
  if (st) return st;
  const uint8_t *p = src;
  switch (type) {
  case LIL_TYPE_F32: memcpy(y, src, n * 4); break;
  case LIL_TYPE_F16:
    for (uint64_t i = 0; i < n; i++) y[i] = lil_f16_to_f32(rd16(p + 2 * i));
    break;
  case LIL_TYPE_BF16:
    for (uint64_t i = 0; i < n; i++) y[i] = lil_bf16_to_f32(rd16(p + 2 * i));
    break;
  case LIL_TYPE_Q8_0:
    for (uint64_t b = 0; b < n / 32; b++, p += 34) {
      float d = lil_f16_to_f32(rd16(p));
      for (int i = 0; i < 32; i++) y[b * 32 + i] = d * (float)(int8_t)p[2 + i];
    }
    break;
  case LIL_TYPE_Q4_0:
    for (uint64_t b = 0; b < n / 32; b++, p += 18) {
      float d = lil_f16_to_f32(rd16(p));
      for (int j = 0; j < 16; j++) {
        y[b * 32 + j] = d * (float)((p[2 + j] & 15) - 8);
        y[b * 32 + j + 16] = d * (float)((p[2 + j] >> 4) - 8);
      }
    }
    break;
  case LIL_TYPE_Q4_K:
    for (uint64_t b = 0; b < n / 256; b++, p += 144) {
      float d = lil_f16_to_f32(rd16(p)), dmin = lil_f16_to_f32(rd16(p + 2));
      for (int e = 0; e < 256; e++) {
        uint8_t sc, m;
        lil_q4k_get_scale_min(p + 4, e / 32, &sc, &m);
        uint8_t byte = p[16 + 32 * (e / 64) + e % 32];
        int q = (e / 32) & 1 ? byte >> 4 : byte & 15;
        y[b * 256 + e] = d * sc * (float)q - dmin * m;
      }
    }
    break;
  case LIL_TYPE_Q6_K:
    for (uint64_t b = 0; b < n / 256; b++, p += 210) {
      float d = lil_f16_to_f32(rd16(p + 208));
      for (int e = 0; e < 256; e++) {
        int h = e / 128, g = (e % 128) / 32, l = e % 32;
        uint8_t lo = p[64 * h + 32 * (g & 1) + l];
        int q = ((g >> 1) ? lo >> 4 : lo & 15) | (((p[128 + 32 * h + l] >> (2 * g)) & 3) << 4);
        y[b * 256 + e] = d * (float)(int8_t)p[192 + e / 16] * (float)(q - 32);
      }
    }
    break;
  }
  return LIL_OK;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

static void quant_q4_k(const float *x, uint8_t *p) {
  float scale[8], mins[8], smax = 0, mmax = 0;
  for (int s = 0; s < 8; s++) {
    float lo = 0, hi = 0; /* the range always includes 0: mins are >= 0 */
    for (int i = 0; i < 32; i++) {
      lo = fminf(lo, x[32 * s + i]);
      hi = fmaxf(hi, x[32 * s + i]);
    }
    scale[s] = (hi - lo) / 15.0f;
    mins[s] = -lo;
    smax = fmaxf(smax, scale[s]);
    mmax = fmaxf(mmax, mins[s]);
  }
  uint16_t dh = lil_f32_to_f16(smax / 63.0f), mh = lil_f32_to_f16(mmax / 63.0f);
  float d = lil_f16_to_f32(dh), dmin = lil_f16_to_f32(mh);
  uint8_t sc[8], m[8];
  for (int s = 0; s < 8; s++) {
    sc[s] = (uint8_t)(d > 0 ? clampi((int)ceilf(scale[s] / d), 0, 63) : 0); /* ceil: the range stays covered */
    m[s] = (uint8_t)(dmin > 0 ? clampi((int)lroundf(mins[s] / dmin), 0, 63) : 0);
  }
  wr16(p, dh);
  wr16(p + 2, mh);
  lil_q4k_pack_scales(sc, m, p + 4);
  memset(p + 16, 0, 128);
  for (int e = 0; e < 256; e++) {
    int s = e / 32;
    float ds = d * sc[s], dm = dmin * m[s];
    int q = ds > 0 ? clampi((int)lroundf((x[e] + dm) / ds), 0, 15) : 0;
    p[16 + 32 * (e / 64) + e % 32] |= (uint8_t)(s & 1 ? q << 4 : q);
  }
}

static void quant_q6_k(const float *x, uint8_t *p) {
  float scale[16], smax = 0;
  for (int s = 0; s < 16; s++) {
    float amax = 0;
    for (int i = 0; i < 16; i++) amax = fmaxf(amax, fabsf(x[16 * s + i]));
    scale[s] = amax / 31.0f;
    smax = fmaxf(smax, scale[s]);
  }
  uint16_t dh = lil_f32_to_f16(smax / 127.0f);
  float d = lil_f16_to_f32(dh);
  memset(p, 0, 210);
  for (int s = 0; s < 16; s++) p[192 + s] = (uint8_t)(int8_t)(d > 0 ? clampi((int)ceilf(scale[s] / d), 0, 127) : 0);
  wr16(p + 208, dh);
  for (int e = 0; e < 256; e++) {
    float ds = d * (float)(int8_t)p[192 + e / 16];
    int q = (ds > 0 ? clampi((int)lroundf(x[e] / ds), -32, 31) : 0) + 32;
    int h = e / 128, g = (e % 128) / 32, l = e % 32;
    p[64 * h + 32 * (g & 1) + l] |= (uint8_t)((q & 15) << (4 * (g >> 1)));
    p[128 + 32 * h + l] |= (uint8_t)((q >> 4) << (2 * g));
  }
}

lil_status lil_quantize_row(uint32_t type, const float *x, void *dst, uint64_t n, lil_error *err) {
  lil_status st = check_args(type, n, "quantize", err);
  if (st) return st;
  uint8_t *p = dst;
  switch (type) {
  case LIL_TYPE_F32: memcpy(dst, x, n * 4); break;
  case LIL_TYPE_F16:
    for (uint64_t i = 0; i < n; i++) wr16(p + 2 * i, lil_f32_to_f16(x[i]));
    break;
  case LIL_TYPE_BF16:
    for (uint64_t i = 0; i < n; i++) wr16(p + 2 * i, lil_f32_to_bf16(x[i]));
    break;
  case LIL_TYPE_Q8_0:
    for (uint64_t b = 0; b < n / 32; b++, p += 34, x += 32) {
      float amax = 0;
      for (int i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(x[i]));
      float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
      wr16(p, lil_f32_to_f16(d));
      for (int i = 0; i < 32; i++) p[2 + i] = (uint8_t)(int8_t)roundf(x[i] * id);
    }
    break;
  case LIL_TYPE_Q4_0:
    for (uint64_t b = 0; b < n / 32; b++, p += 18, x += 32) {
      float amax = 0, max = 0; /* the value of largest magnitude, with its sign */
      for (int i = 0; i < 32; i++)
        if (fabsf(x[i]) > amax) amax = fabsf(x[i]), max = x[i];
      float d = max / -8.0f, id = d != 0 ? 1.0f / d : 0.0f;
      wr16(p, lil_f32_to_f16(d));
      for (int j = 0; j < 16; j++) {
        int q0 = clampi((int)(x[j] * id + 8.5f), 0, 15), q1 = clampi((int)(x[j + 16] * id + 8.5f), 0, 15);
        p[2 + j] = (uint8_t)(q0 | (q1 << 4));
      }
    }
    break;
  case LIL_TYPE_Q4_K:
    for (uint64_t b = 0; b < n / 256; b++) quant_q4_k(x + 256 * b, p + 144 * b);
    break;
  case LIL_TYPE_Q6_K:
    for (uint64_t b = 0; b < n / 256; b++) quant_q6_k(x + 256 * b, p + 210 * b);
    break;
  }
  return LIL_OK;
}
