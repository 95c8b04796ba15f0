/* Recording of the fused Q/K head norm + RoPE (see lil_ops_basic.h, shaders/qk_norm_rope.comp). */

#include "lil_ops_basic.h"
#include "lil_ops_internal.h"

/* Heads of one token per workgroup: all of them once the tokens alone give ~4096 workgroups (a wave
 * of two-subgroup workgroups on an H100: 132 SMs x 32), fewer for short prompts, one for decode. A
 * workgroup computes its token's (cos, sin) table once for its heads: per (token, head) workgroups
 * recomputed it for every head (H100, llama-8b at 4096 tokens: 11.8 ms of 440 per prefill). */
uint32_t lil_qk_rope_heads_per_group(uint32_t n_tokens, uint32_t heads) {
  if (!n_tokens || !heads) return 1;
  uint32_t groups = (4096 + n_tokens - 1) / n_tokens;
  if (groups > heads) groups = heads;
  return (heads + groups - 1) / groups;
}

lil_status lil_op_qk_norm_rope(lil_ctx *ctx, lil_seq *s, lil_binding q, lil_binding k, const lil_binding *q_norm,
                               const lil_binding *k_norm, lil_binding positions, const lil_binding *freq_factors,
                               uint32_t n_tokens, const lil_rope_params *rq, const lil_rope_params *rk, float eps,
                               lil_error *err) {
  uint32_t rot, rot_k, qs, ks;
  int q_ok = lil_rope_resolve(rq, &rot, &qs), k_ok = lil_rope_resolve(rk, &rot_k, &ks);
  float fq = rq->linear_factor > 0.0f ? rq->linear_factor : 1.0f;
  float fk = rk->linear_factor > 0.0f ? rk->linear_factor : 1.0f;
  if (!q_ok || !k_ok || rq->mode != rk->mode || rq->head_dim != rk->head_dim ||
      rot != rot_k || rq->base != rk->base || fq != fk)
    return lil_error_set(err, LIL_ERR_INVALID_ARG,
                         "qk_norm_rope: q heads %u / k heads %u, head_dim %u/%u, rot_dim %u/%u, strides %u/%u, "
                         "base %g/%g, factor %g/%g, mode %d/%d",
                         rq->n_heads, rk->n_heads, rq->head_dim, rk->head_dim, rot, rot_k, qs, ks, (double)rq->base,
                         (double)rk->base, (double)fq, (double)fk, (int)rq->mode, (int)rk->mode);
  uint32_t heads = rq->n_heads + rk->n_heads, hpg = lil_qk_rope_heads_per_group(n_tokens, heads);
  uint64_t rows = (uint64_t)n_tokens * ((heads + hpg - 1) / hpg); /* workgroups */
  if (rows > UINT32_MAX)
    return lil_error_set(err, LIL_ERR_RANGE, "qk_norm_rope: %u tokens x %u heads", n_tokens, heads);
  if (n_tokens == 0) return LIL_OK;
  struct {
    uint32_t n_tokens, n_q, n_k, head_dim, rot_dim, q_stride, k_stride, neox, has_ff, q_has_norm, k_has_norm;
    float theta_scale, freq_scale, eps;
    uint32_t heads_per_group;
  } pc = {n_tokens, rq->n_heads, rk->n_heads, rq->head_dim, rot, qs, ks, rq->mode == LIL_ROPE_NEOX,
          freq_factors != NULL, q_norm != NULL, k_norm != NULL, lil_rope_theta_scale(rq->base, rot), 1.0f / fq, eps,
          hpg};
  /* one row of head_dim per workgroup: no wider than a pair per invocation needs (never below the
   * subgroup, which the reduction assumes) */
  const lil_device_plan *plan = lil_ctx_plan(ctx);
  uint32_t wg = lil_ops_wg(ctx), min_wg = plan->subgroup_size ? plan->subgroup_size : 1;
  uint32_t want = (rq->head_dim + 1) / 2;
  while (wg / 2 >= min_wg && wg / 2 >= want) wg /= 2;
  const char *name = plan->use_subgroup_arith ? "qk_norm_rope_subgroup" : "qk_norm_rope";
  lil_kernel *kern;
  lil_status st = lil_ops_kernel(ctx, name, 6, sizeof(pc), wg, &kern, err);
  if (st) return st;
  lil_binding b[6] = {q, k, q_norm ? *q_norm : positions, k_norm ? *k_norm : positions, positions,
                      freq_factors ? *freq_factors : positions};
  uint32_t gx, gy;
  lil_ops_split((uint32_t)rows, &gx, &gy);
  return lil_seq_dispatch(s, kern, b, 6, (1u << 0) | (1u << 1), &pc, sizeof(pc), gx, gy, 1, "qk_norm_rope", err);
}
