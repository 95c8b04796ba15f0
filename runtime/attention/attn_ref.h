/* CPU references of the attention kernels and of each policy's selection (tests, and the
 * definition of tie-breaking: the lower index wins). */
#ifndef LIL_ATTN_REF_H
#define LIL_ATTN_REF_H

#include <stdint.h>

/* Rounds to the nearest F16 value (round to nearest even), as the F16 KV cache stores it. */
float attn_ref_f16(float x);

/* Softmax attention of G query rows (q [G][D]) over n keys/values ([n][D]), in double:
 * out [G][D], lse [G] (log-sum-exp of the scaled logits; may be NULL). */
void attn_ref_attend(const float *q, const float *keys, const float *vals, uint32_t n, uint32_t G, uint32_t D,
                     float scale, float *out, float *lse);

/* Quest: page score = max over the G query heads of sum_d max(q_d * max_d, q_d * min_d). */
float attn_ref_quest_score(const float *q, const float *kmin, const float *kmax, uint32_t G, uint32_t D);

/* Top-k of n page scores with the newest page (index n-1) forced in and ties to the lower index;
 * writes the selected indices in increasing order, returns their number (min(k, n)). */
uint32_t attn_ref_topk(const float *scores, uint32_t n, uint32_t k, uint32_t *sel);

/* h2o victim: the index with the lowest acc among those with ok[i] != 0, lower index on ties;
 * 0xffffffff when none. */
uint32_t attn_ref_h2o_victim(const float *acc, const uint8_t *ok, uint32_t n);

#endif
