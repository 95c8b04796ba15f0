/* CPU reference of the GPU sampler (definition in lil_sampling_ref.h). */
#include "lil_sampling_ref.h"

#include <math.h>
#include <string.h>

uint32_t lil_pcg_hash(uint32_t v) {
  uint32_t state = v * 747796405u + 2891336453u;
  uint32_t word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

float lil_sampling_uniform(uint64_t seed, uint32_t step) {
  uint32_t h = lil_pcg_hash((uint32_t)seed ^ lil_pcg_hash((uint32_t)(seed >> 32) ^ lil_pcg_hash(step)));
  return (float)(h >> 8) * (1.0f / 16777216.0f);
}

uint32_t lil_sampling_k(const lil_sampling_params *sp) {
  return sp->top_k >= 1 && sp->top_k <= LIL_SAMPLING_MAX_K ? sp->top_k : LIL_SAMPLING_MAX_K;
}

/* Ordered key: larger float <=> larger key, NaN lowest. */
static uint32_t float_key(float f) {
  if (isnan(f)) return 0;
  uint32_t u;
  memcpy(&u, &f, 4);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

/* a ranks before b: larger key, then lower index. */
static int before(uint32_t ka, uint32_t ia, uint32_t kb, uint32_t ib) { return ka > kb || (ka == kb && ia < ib); }

uint32_t lil_sample_ref(const float *logits, uint32_t n_vocab, const lil_sampling_params *sp, uint64_t seed,
                        uint32_t step) {
  uint32_t K = lil_sampling_k(sp);
  uint32_t ck[LIL_SAMPLING_MAX_K], ci[LIL_SAMPLING_MAX_K];
  uint32_t m = 0;
  /* insertion into a sorted list of at most K */
  for (uint32_t j = 0; j < n_vocab; j++) {
    uint32_t k = float_key(logits[j]);
    if (m == K && !before(k, j, ck[m - 1], ci[m - 1])) continue;
    uint32_t r = m < K ? m++ : m - 1;
    while (r > 0 && before(k, j, ck[r - 1], ci[r - 1])) {
      ck[r] = ck[r - 1];
      ci[r] = ci[r - 1];
      r--;
    }
    ck[r] = k;
    ci[r] = j;
  }
  if (m == 0) return 0;
  float l0 = logits[ci[0]];
  if (sp->temperature <= 0.0f || K == 1 || m <= 1 || !isfinite(l0)) return ci[0];
  float inv_temp = 1.0f / sp->temperature;
  float p[LIL_SAMPLING_MAX_K];
  for (uint32_t r = 0; r < m; r++) {
    float l = logits[ci[r]];
    p[r] = isnan(l) ? 0.0f : expf((l - l0) * inv_temp);
  }
  float total = 0.0f;
  for (uint32_t r = 0; r < m; r++) total += p[r];
  uint32_t keep = m;
  if (sp->top_p < 1.0f) {
    float cum = 0.0f, lim = sp->top_p * total;
    for (uint32_t r = 0; r < m; r++) {
      cum += p[r];
      if (cum >= lim) {
        keep = r + 1;
        break;
      }
    }
  }
  if (sp->min_p > 0.0f) {
    float lim = sp->min_p * p[0];
    for (uint32_t r = 1; r < keep; r++)
      if (p[r] < lim) {
        keep = r;
        break;
      }
  }
  float kept = 0.0f;
  for (uint32_t r = 0; r < keep; r++) kept += p[r];
  float target = lil_sampling_uniform(seed, step) * kept;
  float cum = 0.0f;
  for (uint32_t r = 0; r < keep; r++) {
    cum += p[r];
    if (target < cum) return ci[r];
  }
  return ci[keep - 1];
}
