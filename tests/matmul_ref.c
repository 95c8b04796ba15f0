#include "matmul_ref.h"

#include <math.h>
#include <string.h>

#include "lil_ggml_types.h"
#include "test_common.h"

float ref_half_to_float(uint16_t h) {
  uint32_t s = (uint32_t)(h >> 15), e = (h >> 10) & 31u, m = h & 1023u;
  float v;
  if (e == 0) v = ldexpf((float)m, -24);
  else if (e == 31) v = m ? NAN : INFINITY;
  else v = ldexpf((float)(m | 1024u), (int)e - 25);
  return s ? -v : v;
}

/* A random normal half with exponent in [emin, emax] (unbiased) and a random sign. */
static uint16_t rand_half(uint64_t *rng, int emin, int emax, int allow_neg) {
  uint32_t r = test_rand_u32(rng);
  uint32_t e = (uint32_t)(emin + (int)(r % (uint32_t)(emax - emin + 1)) + 15);
  uint32_t sign = allow_neg ? (r >> 31) : 0;
  return (uint16_t)((sign << 15) | (e << 10) | ((r >> 8) & 1023u));
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static uint16_t get16(const uint8_t *p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}

void ref_random_weight(uint32_t type, uint32_t rows, uint32_t cols, uint8_t *out, uint64_t *rng) {
  uint64_t rb = lil_type_row_bytes(type, cols), total = rb * rows;
  for (uint64_t i = 0; i < total; i++) out[i] = (uint8_t)test_rand_u32(rng);
  for (uint32_t r = 0; r < rows; r++) {
    uint8_t *row = out + r * rb;
    switch (type) {
    case LIL_TYPE_F32:
      for (uint32_t c = 0; c < cols; c++) {
        float v = test_rand_uniform(rng, -1.0f, 1.0f);
        memcpy(row + 4 * c, &v, 4);
      }
      break;
    case LIL_TYPE_F16:
      for (uint32_t c = 0; c < cols; c++) put16(row + 2 * c, rand_half(rng, -6, 0, 1));
      break;
    case LIL_TYPE_BF16: /* the upper half of a random float in [-1, 1] */
      for (uint32_t c = 0; c < cols; c++) {
        float v = test_rand_uniform(rng, -1.0f, 1.0f);
        uint32_t u;
        memcpy(&u, &v, 4);
        put16(row + 2 * c, (uint16_t)(u >> 16));
      }
      break;
    case LIL_TYPE_Q8_0:
      for (uint32_t b = 0; b < cols / 32; b++) put16(row + 34 * b, rand_half(rng, -9, -6, 1));
      break;
    case LIL_TYPE_Q4_0:
      for (uint32_t b = 0; b < cols / 32; b++) put16(row + 18 * b, rand_half(rng, -6, -3, 1));
      break;
    case LIL_TYPE_Q4_K:
      for (uint32_t b = 0; b < cols / 256; b++) {
        put16(row + 144 * b, rand_half(rng, -12, -9, 0));
        put16(row + 144 * b + 2, rand_half(rng, -12, -9, 0));
      }
      break;
    case LIL_TYPE_Q6_K:
      for (uint32_t b = 0; b < cols / 256; b++) put16(row + 210 * b + 208, rand_half(rng, -14, -11, 1));
      break;
    default: break;
    }
  }
}

static void q4k_scale_min(int j, const uint8_t *q, int *sc, int *m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

void ref_dequant_row(uint32_t type, const uint8_t *row, uint32_t cols, float *out) {
  switch (type) {
  case LIL_TYPE_F32: memcpy(out, row, 4ull * cols); break;
  case LIL_TYPE_F16:
    for (uint32_t c = 0; c < cols; c++) out[c] = ref_half_to_float(get16(row + 2 * c));
    break;
  case LIL_TYPE_BF16:
    for (uint32_t c = 0; c < cols; c++) {
      uint32_t u = (uint32_t)get16(row + 2 * c) << 16;
      memcpy(&out[c], &u, 4);
    }
    break;
  case LIL_TYPE_Q8_0:
    for (uint32_t b = 0; b < cols / 32; b++) {
      const uint8_t *bl = row + 34 * b;
      float d = ref_half_to_float(get16(bl));
      for (int j = 0; j < 32; j++) out[32 * b + j] = d * (float)(int8_t)bl[2 + j];
    }
    break;
  case LIL_TYPE_Q4_0:
    for (uint32_t b = 0; b < cols / 32; b++) {
      const uint8_t *bl = row + 18 * b;
      float d = ref_half_to_float(get16(bl));
      for (int j = 0; j < 16; j++) {
        out[32 * b + j] = d * (float)((bl[2 + j] & 0xF) - 8);
        out[32 * b + j + 16] = d * (float)((bl[2 + j] >> 4) - 8);
      }
    }
    break;
  case LIL_TYPE_Q4_K:
    for (uint32_t b = 0; b < cols / 256; b++) {
      const uint8_t *bl = row + 144 * b, *sc = bl + 4, *q = bl + 16;
      double d = ref_half_to_float(get16(bl)), dmin = ref_half_to_float(get16(bl + 2));
      float *y = out + 256 * b;
      for (int chunk = 0; chunk < 4; chunk++) {
        int s1, m1, s2, m2;
        q4k_scale_min(2 * chunk, sc, &s1, &m1);
        q4k_scale_min(2 * chunk + 1, sc, &s2, &m2);
        for (int l = 0; l < 32; l++) {
          y[64 * chunk + l] = (float)(d * s1 * (q[32 * chunk + l] & 0xF) - dmin * m1);
          y[64 * chunk + 32 + l] = (float)(d * s2 * (q[32 * chunk + l] >> 4) - dmin * m2);
        }
      }
    }
    break;
  case LIL_TYPE_Q6_K:
    for (uint32_t b = 0; b < cols / 256; b++) {
      const uint8_t *bl = row + 210 * b;
      double d = ref_half_to_float(get16(bl + 208));
      for (int h = 0; h < 2; h++) {
        const uint8_t *ql = bl + 64 * h, *qh = bl + 128 + 32 * h;
        const int8_t *sc = (const int8_t *)(bl + 192 + 8 * h);
        float *y = out + 256 * b + 128 * h;
        for (int l = 0; l < 32; l++) {
          int is = l / 16;
          int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
          int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
          int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
          int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
          y[l] = (float)(d * sc[is] * q1);
          y[l + 32] = (float)(d * sc[is + 2] * q2);
          y[l + 64] = (float)(d * sc[is + 4] * q3);
          y[l + 96] = (float)(d * sc[is + 6] * q4);
        }
      }
    }
    break;
  default: break;
  }
}

void ref_matmul(const float *w, const float *x, uint32_t rows, uint32_t cols, uint32_t n, double *y, double *asum) {
  for (uint32_t t = 0; t < n; t++)
    for (uint32_t r = 0; r < rows; r++) {
      double s = 0, a = 0;
      for (uint32_t c = 0; c < cols; c++) {
        double p = (double)w[(uint64_t)r * cols + c] * x[(uint64_t)t * cols + c];
        s += p;
        a += fabs(p);
      }
      y[(uint64_t)t * rows + r] = s;
      asum[(uint64_t)t * rows + r] = a;
    }
}
