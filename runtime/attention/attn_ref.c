/* CPU references (see attn_ref.h). */
#include "attn_ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

float attn_ref_f16(float x) {
  if (x != x || isinf(x)) return x;
  float a = fabsf(x);
  if (a >= 65520.0f) return copysignf(INFINITY, x);
  int e;
  frexpf(a, &e); /* a = m * 2^e, m in [0.5, 1) */
  int exp2 = e - 1;
  if (exp2 < -14) exp2 = -14;               /* subnormals: fixed quantum 2^-24 */
  float q = ldexpf(1.0f, exp2 - 10);        /* spacing of halfs around a */
  return copysignf(nearbyintf(a / q) * q, x); /* default rounding mode: to nearest even */
}

void attn_ref_attend(const float *q, const float *keys, const float *vals, uint32_t n, uint32_t G, uint32_t D,
                     float scale, float *out, float *lse) {
  double *s = malloc((n ? n : 1) * sizeof(double));
  for (uint32_t g = 0; g < G; g++) {
    double m = -INFINITY;
    for (uint32_t t = 0; t < n; t++) {
      double d = 0;
      for (uint32_t i = 0; i < D; i++) d += (double)q[g * D + i] * keys[(uint64_t)t * D + i];
      s[t] = d * scale;
      if (s[t] > m) m = s[t];
    }
    double l = 0;
    for (uint32_t t = 0; t < n; t++) l += exp(s[t] - m);
    for (uint32_t i = 0; i < D; i++) {
      double o = 0;
      for (uint32_t t = 0; t < n; t++) o += exp(s[t] - m) * vals[(uint64_t)t * D + i];
      out[g * D + i] = (float)(o / l);
    }
    if (lse) lse[g] = (float)(m + log(l));
  }
  free(s);
}

float attn_ref_quest_score(const float *q, const float *kmin, const float *kmax, uint32_t G, uint32_t D) {
  double best = 0;
  for (uint32_t g = 0; g < G; g++) {
    double s = 0;
    for (uint32_t i = 0; i < D; i++) {
      double a = (double)q[g * D + i] * kmin[i], b = (double)q[g * D + i] * kmax[i];
      s += a > b ? a : b;
    }
    if (g == 0 || s > best) best = s;
  }
  return (float)best;
}

/* a ranks before b */
static int before(const float *s, uint32_t n, uint32_t a, uint32_t b) {
  if (a == n - 1) return 1;
  if (b == n - 1) return 0;
  if (s[a] != s[b]) return s[a] > s[b];
  return a < b;
}

uint32_t attn_ref_topk(const float *scores, uint32_t n, uint32_t k, uint32_t *sel) {
  if (k > n) k = n;
  uint8_t *taken = calloc(n ? n : 1, 1);
  for (uint32_t r = 0; r < k; r++) {
    uint32_t best = UINT32_MAX;
    for (uint32_t i = 0; i < n; i++)
      if (!taken[i] && (best == UINT32_MAX || before(scores, n, i, best))) best = i;
    if (best == UINT32_MAX) break;
    taken[best] = 1;
  }
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; i++)
    if (taken[i]) sel[m++] = i;
  free(taken);
  return m;
}

uint32_t attn_ref_h2o_victim(const float *acc, const uint8_t *ok, uint32_t n) {
  uint32_t best = UINT32_MAX;
  for (uint32_t i = 0; i < n; i++)
    if (ok[i] && (best == UINT32_MAX || acc[i] < acc[best])) best = i;
  return best;
}
