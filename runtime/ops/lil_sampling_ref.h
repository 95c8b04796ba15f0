/* Sampling: parameters and the CPU reference that defines what the GPU sampler (lil_op_sample,
 * shaders/sample.comp) computes, step for step, with the same random numbers.
 *
 * Definition, for one row of n_vocab logits:
 *   1. candidates: the K largest logits, K = top_k when 1 <= top_k <= 256, else 256 (top-k disabled:
 *      a bounded candidate set; the probability mass outside the top 256 is ignored), ordered by
 *      logit descending, index ascending on ties (NaN ranks below -inf);
 *   2. greedy (the first candidate: the argmax) when temperature <= 0, K == 1, only one candidate,
 *      or the top logit is not finite;
 *   3. else p[r] = expf((l[r] - l[0]) * inv_temp) with inv_temp = 1.0f / temperature (0 for NaN l);
 *      total = p[0] + p[1] + ... (in order, float);
 *      top-p (top_p < 1): keep the shortest prefix whose running sum >= top_p * total;
 *      min-p (min_p > 0): within that, stop at the first r >= 1 with p[r] < min_p * p[0];
 *      kept = sum of the kept p (in order); u = lil_sampling_uniform(seed, step);
 *      the token is the first kept r with u * kept < running sum, else the last kept.
 * Float operations are done in this order on both sides; only expf may differ by an ulp or two
 * between the CPU and a GPU, which changes the pick only when u lands within that of a boundary. */
#ifndef LIL_SAMPLING_REF_H
#define LIL_SAMPLING_REF_H

#include <stdint.h>

#define LIL_SAMPLING_MAX_K 256

typedef struct lil_sampling_params {
  float temperature; /* <= 0: greedy */
  uint32_t top_k;    /* 0: disabled (K = 256); at most 256 */
  float top_p;       /* >= 1: disabled */
  float min_p;       /* <= 0: disabled */
} lil_sampling_params;

/* PCG hash (O'Neill's pcg-rxs-m-xs 32-bit output). */
uint32_t lil_pcg_hash(uint32_t v);
/* The counter-based uniform in [0, 1) for (seed, step): 24 bits of
 * pcg(seed_lo ^ pcg(seed_hi ^ pcg(step))), times 2^-24. */
float lil_sampling_uniform(uint64_t seed, uint32_t step);
/* Number of candidates K for these parameters. */
uint32_t lil_sampling_k(const lil_sampling_params *sp);
/* The token the definition above picks. */
uint32_t lil_sample_ref(const float *logits, uint32_t n_vocab, const lil_sampling_params *sp, uint64_t seed,
                        uint32_t step);

#endif
