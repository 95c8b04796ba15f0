/* The transformer's small kernels, each recorded as one dispatch into a lil_seq: RMSNorm (per token
 * and per head), RoPE (normal and neox), SwiGLU, residual add, bias add, scale, strided row copies
 * (F32 and F32 -> F16) and row softmax. All activations are F32.
 *
 * Conventions shared by every op here:
 *   - a lil_binding's offset must respect the device's minStorageBufferOffsetAlignment; finer
 *     placement is given by the element offsets/strides the ops take;
 *   - shapes, strides, eps, scales are push constants fixed at record time; anything that changes
 *     per token (positions, a KV-cache row, a length) is read from a uint32 binding, so a recorded
 *     sequence is replayed per decode step with new values in that buffer;
 *   - n_tokens >= 1 (prefill batch or one decode token); n_tokens == 0 records nothing.
 * Workgroup sizes come from the plan (rounded down to a power of two). Reductions use subgroupAdd /
 * subgroupMax when plan.use_subgroup_arith, shared memory otherwise. */
#ifndef LIL_OPS_BASIC_H
#define LIL_OPS_BASIC_H

#include <stdint.h>

#include "lil_vk.h"

/* RMSNorm: for r < n_rows, i < dim:
 *   y[r*y_stride + i] = x[r*x_stride + i] / sqrt(mean_i(x[r]^2) + eps) * w[i]      (w: F32 [dim])
 * x and y may be the same range (in place). Per token: n_rows = n_tokens, dim = strides = n_embd. */
lil_status lil_op_rmsnorm(lil_ctx *ctx, lil_seq *s, lil_binding x, lil_binding w, lil_binding y, uint32_t n_rows,
                          uint32_t dim, uint32_t x_stride, uint32_t y_stride, float eps, lil_error *err);
/* The same with y in f16 ([n_rows][y_stride] halves; dim and y_stride even): the input of a
 * tensor-core matmul (lil_matmul_cfg.x16, x16_ready) without an F32 copy and a conversion pass. */
lil_status lil_op_rmsnorm_f16(lil_ctx *ctx, lil_seq *s, lil_binding x, lil_binding w, lil_binding y16, uint32_t n_rows,
                              uint32_t dim, uint32_t x_stride, uint32_t y_stride, float eps, lil_error *err);
/* Per-head RMSNorm (Qwen3's Q/K norm): x, y are [n_tokens][n_heads*head_dim] (contiguous), every
 * head_dim slice normalized with the shared weight w [head_dim]. In place allowed. */
lil_status lil_op_rmsnorm_heads(lil_ctx *ctx, lil_seq *s, lil_binding x, lil_binding w, lil_binding y,
                                uint32_t n_tokens, uint32_t n_heads, uint32_t head_dim, float eps, lil_error *err);

typedef enum lil_rope_mode {
  LIL_ROPE_NORMAL = 0, /* pairs (2i, 2i+1): GGUF llama */
  LIL_ROPE_NEOX = 1,   /* pairs (i, i + rot_dim/2): Qwen2/Qwen3 */
} lil_rope_mode;

typedef struct lil_rope_params {
  lil_rope_mode mode;
  uint32_t n_heads, head_dim;
  uint32_t rot_dim;       /* even, <= head_dim; elements rot_dim.. are untouched; 0 = head_dim */
  uint32_t token_stride;  /* floats between tokens; 0 = n_heads * head_dim */
  float base;             /* rope_freq_base (theta), e.g. 10000 or 1000000 */
  float linear_factor;    /* linear scaling: positions divided by it; 0 or 1 = none */
} lil_rope_params;

/* The host-computed ratio between successive frequencies, base^(-2/rot_dim) (powf): the shader and
 * the CPU reference both form inv_freq_i = theta_scale^i by i float multiplications and
 *   theta = float(pos) * inv_freq_i [/ freq_factors[i]] * (1 / linear_factor). */
float lil_rope_theta_scale(float base, uint32_t rot_dim);
/* RoPE parameters with their defaults resolved (rot_dim 0 = head_dim, token_stride 0 = packed
 * heads); 0 when they are invalid (lil_op_rope and lil_op_qk_norm_rope share the checks). */
int lil_rope_resolve(const lil_rope_params *p, uint32_t *rot, uint32_t *stride);


/* RoPE in place on data [n_tokens][n_heads][head_dim] (token t at t * token_stride floats).
 * positions: uint32 [n_tokens], positions[t] the position of token t (prefill p0..p0+n-1; decode one
 * entry updated per step). freq_factors: NULL or an F32 [rot_dim/2] binding (Llama 3's rope_freqs:
 * theta_i /= freq_factors[i]). */
lil_status lil_op_rope(lil_ctx *ctx, lil_seq *s, lil_binding data, lil_binding positions,
                       const lil_binding *freq_factors, uint32_t n_tokens, const lil_rope_params *p, lil_error *err);

/* Fused Q/K head norm + RoPE in one dispatch, in place: the same as
 *   [lil_op_rmsnorm_heads(q, q_norm); lil_op_rmsnorm_heads(k, k_norm);]  lil_op_rope(q); lil_op_rope(k)
 * q: [n_tokens][rq->n_heads][head_dim], k: [n_tokens][rk->n_heads][head_dim] (token strides from the
 * params). q_norm / k_norm: NULL (no norm on that side) or an F32 [head_dim] weight. rq and rk must
 * agree on everything but n_heads and token_stride. positions / freq_factors as lil_op_rope. */
lil_status lil_op_qk_norm_rope(lil_ctx *ctx, lil_seq *s, lil_binding q, lil_binding k, const lil_binding *q_norm,
                               const lil_binding *k_norm, lil_binding positions, const lil_binding *freq_factors,
                               uint32_t n_tokens, const lil_rope_params *rq, const lil_rope_params *rk, float eps,
                               lil_error *err);
/* Heads of one token that one workgroup of lil_op_qk_norm_rope takes, one after another (heads = Q + K
 * heads; 1 up to heads). */
uint32_t lil_qk_rope_heads_per_group(uint32_t n_tokens, uint32_t heads);

/* SwiGLU: out[t][i] = silu(gate[t][i]) * up[t][i], gate/up/out contiguous [n_tokens][ff]. */
lil_status lil_op_swiglu(lil_ctx *ctx, lil_seq *s, lil_binding gate, lil_binding up, lil_binding out,
                         uint32_t n_tokens, uint32_t ff, lil_error *err);
/* The same with out in f16 ([n_tokens][ff] halves, ff even): the down projection's tensor-core input. */
lil_status lil_op_swiglu_f16(lil_ctx *ctx, lil_seq *s, lil_binding gate, lil_binding up, lil_binding out16,
                             uint32_t n_tokens, uint32_t ff, lil_error *err);
/* Fused form: gate_up is [n_tokens][2*ff] (gate in columns 0..ff-1, up in ff..2ff-1); out [n][ff]. */
lil_status lil_op_swiglu_fused(lil_ctx *ctx, lil_seq *s, lil_binding gate_up, lil_binding out, uint32_t n_tokens,
                               uint32_t ff, lil_error *err);

/* y[i] += x[i] for i < n (residual add). */
lil_status lil_op_add(lil_ctx *ctx, lil_seq *s, lil_binding y, lil_binding x, uint32_t n, lil_error *err);
/* Bias broadcast over tokens: y[t*dim + i] += bias[i] for t < n_tokens, i < dim (y contiguous
 * [n_tokens][dim], bias F32 [dim]; qwen2's q/k/v biases after the projections). */
lil_status lil_op_add_bias(lil_ctx *ctx, lil_seq *s, lil_binding y, lil_binding bias, uint32_t n_tokens, uint32_t dim,
                           lil_error *err);
/* y[i] *= scale for i < n. */
lil_status lil_op_scale(lil_ctx *ctx, lil_seq *s, lil_binding y, uint32_t n, float scale, lil_error *err);

/* Strided 2-D copy of rows (all offsets/strides in elements of their side):
 *   dst[dst_offset + (row0 + r) * dst_stride + c] = src[src_offset + r * src_stride + c]
 * for r < rows, c < cols; row0 = row_base[row_index] read at run time when row_base is given (e.g. the
 * KV-cache position of the first token), else 0. */
typedef struct lil_copy2d {
  uint32_t rows, cols;
  uint32_t src_offset, src_stride;
  uint32_t dst_offset, dst_stride;
  uint32_t row_index; /* word of row_base holding row0 (ignored without row_base) */
} lil_copy2d;

/* F32 -> F32. */
lil_status lil_op_copy_rows(lil_ctx *ctx, lil_seq *s, lil_binding src, lil_binding dst, const lil_binding *row_base,
                            const lil_copy2d *c, lil_error *err);
/* F32 -> F16 (round to nearest even, packHalf2x16: two halves per uint, the even element in the low
 * 16 bits, i.e. plain little-endian F16 arrays). dst_offset, dst_stride and cols must be even. */
lil_status lil_op_copy_rows_f16(lil_ctx *ctx, lil_seq *s, lil_binding src, lil_binding dst,
                                const lil_binding *row_base, const lil_copy2d *c, lil_error *err);

/* Row softmax, numerically stable (max subtracted). Rows are (t, h), t < n_tokens, h < rows_per_token,
 * row (t, h) the cols floats at (t * rows_per_token + h) * row_stride. With lens given:
 *   len(t) = clamp(lens[len_index] + len_add + (causal ? t : 0), 0, cols)
 * and y = softmax(scale * x[0..len)) on the first len entries, 0 on the rest; without: len = cols.
 * x and y may be the same range. */
typedef struct lil_softmax_params {
  uint32_t n_tokens, rows_per_token, cols, row_stride; /* row_stride 0 = cols */
  float scale;                                         /* 0 = 1 */
  uint32_t len_index;
  int32_t len_add;
  uint32_t causal;
} lil_softmax_params;

lil_status lil_op_softmax(lil_ctx *ctx, lil_seq *s, lil_binding x, lil_binding y, const lil_binding *lens,
                          const lil_softmax_params *p, lil_error *err);

#endif
