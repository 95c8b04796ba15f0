/* Decode matrix-vector products and the token embedding lookup. */
#ifndef LIL_OPS_MATVEC_H
#define LIL_OPS_MATVEC_H

#include <stdint.h>

#include "lil_vk.h"
#include "lil_weight.h"

#define LIL_MATVEC_MAX_COLS 8

/* y[n][r] = sum_c W[r][c] * x[n][c] for n < ncols (1..8), r < W->rows; with accumulate, y += W x.
 * x: F32 [ncols][W->cols] (binding offset 16-aligned), y: F32 [ncols][W->rows]. Records one
 * dispatch per weight part. Types: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K. */
lil_status lil_op_matvec(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding x, lil_binding y,
                         uint32_t ncols, int accumulate, lil_error *err);

/* Input transforms fused into the matvec (decode: saves the dispatch, the barrier and the memory
 * pass of the op that would have produced x). One column only; aux: F32 [W->cols], offset
 * 16-aligned.
 *   RMSNORM: y (+)= W (x * aux) / sqrt(mean(x^2) + eps)   (= lil_op_rmsnorm(x, aux) then the matvec)
 *   SWIGLU:  y (+)= W (silu(x) * aux)                     (x = gate, aux = up; = lil_op_swiglu) */
typedef enum lil_matvec_fuse {
  LIL_MATVEC_FUSE_NONE = 0,
  LIL_MATVEC_FUSE_RMSNORM = 1,
  LIL_MATVEC_FUSE_SWIGLU = 2,
} lil_matvec_fuse;

/* Launch shape overrides (0 = the plan's matvec_workgroup_size / matvec_rows_per_group), for tuning
 * from `lil bench kernels --wg N --rows N`, the fused input transform and the 8-bit-activation
 * path. */
typedef struct lil_matvec_config {
  uint32_t workgroup_size, rows_per_group;
  lil_matvec_fuse fuse; /* with fuse, the F32-activation kernels run (never the integer-dot path) */
  lil_binding aux;
  float eps;
  /* Integer-dot path (shaders/matvec_x8.comp; docs/kernels-perf.md "Integer-dot decode matvec"):
   * taken when the plan has use_matvec_x8 (opt-in: $LIL_MATVEC_X8=1 or lil_ctx_options.matvec_x8,
   * on a device with integer dot products), the weight type has it (lil_matvec_x8_applies) and a
   * scratch xq is given: lil_matvec_x8_bytes(ncols, W->cols) bytes, offset a multiple of 16. The
   * op first records lil_op_quantize_x8(x -> xq) unless xq_ready (xq already holds this x,
   * quantized by an earlier op on the same x: Q/K/V or gate/up share one quantization). Without
   * xq, or on other types, the F32-activation kernels run (and xq is not written). */
  lil_binding xq;
  int xq_ready;
  /* The caller accepts the integer-dot path with x quantized inside the matvec (matvecx8i_*,
   * shaders/matvec_q16.comp -DX8_INLINE: 8-bit x with a scale per 8 elements, no scratch, no
   * extra dispatch, fused transforms kept): taken where lil_matvec_x8_inline_applies, before the
   * xq path. */
  int x8_inline;
  /* Gate / up pairs (decode SwiGLU): glu_rows > 0 makes y[r] = silu(g_r) * u_r for r < glu_rows,
   * g_r = row r of W and u_r = row glu_up + r (each after the fused input transform or the row
   * scale x_rscale), instead of y = W x. The 16-bit-storage quantized kernels (F32, inline-x8, and
   * integer-dot reading a ready xq) only (lil_matvec_glu_applies), one column, no accumulate, W in
   * one part; y holds glu_rows floats. */
  uint32_t glu_rows, glu_up;
  /* Residual-stream producers (decode; lil_matvec_fin_applies): fin_xq.buf set makes the last
   * workgroup to finish write y * fin_norm (F32 [W->rows]) quantized as lil_op_quantize_x8 does
   * (lil_matvec_x8_bytes(1, W->rows) bytes at fin_xq, offset 16-aligned) and
   * inversesqrt(mean(y^2) + fin_eps) as the float after the counter in fin_cnt (8 bytes: a uint
   * arrival count that must be 0 before the dispatch and is 0 again after it, then the float), so
   * the next matvecs read x quantized once. One column, no fused transform, no pairs. */
  lil_binding fin_xq, fin_cnt, fin_norm;
  float fin_eps;
  /* With xq and xq_ready (x quantized by a producer's fin_xq): x_rscale = that producer's fin_cnt,
   * whose float (1 / rms(x)) scales every output: y = W (x * w_norm) / rms(x), the RMSNorm done. */
  lil_binding x_rscale;
} lil_matvec_config;
lil_status lil_op_matvec_cfg(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding x, lil_binding y,
                             uint32_t ncols, int accumulate, const lil_matvec_config *cfg, lil_error *err);

/* 1 when lil_op_matvec_cfg can finish with the quantization of its output (cfg.fin_xq): the
 * inline-x8 kernels of Q8_0 / Q4_0 (lil_matvec_x8_inline_applies), W in one part, rows a multiple of
 * 32. */
int lil_matvec_fin_applies(const lil_ctx *ctx, const lil_weight *W);
/* 1 when lil_op_matvec_cfg can pair gate and up rows of W (cfg.glu_rows): Q8_0 / Q4_0 / Q4_K /
 * Q6_K through the 16-bit-storage kernels, W in one part. */
int lil_matvec_glu_applies(const lil_ctx *ctx, const lil_weight *W);
/* 1 when lil_op_matvec_cfg takes the integer-dot path for W on ctx (given an xq scratch). */
int lil_matvec_x8_applies(const lil_ctx *ctx, const lil_weight *W);
/* 1 when it takes the inline-quantization integer-dot path for W (given cfg.x8_inline): the plan's
 * use_matvec_x8 and matvec_x8_inline, a Q8_0 / Q4_0 weight (Q4_K / Q6_K too with
 * matvec_x8_inline = 2), the 16-bit-storage kernels. */
int lil_matvec_x8_inline_applies(const lil_ctx *ctx, const lil_weight *W);

/* Bytes of x quantized to 8 bits for ncols columns of cols (a multiple of 32) elements: qs, int8
 * [ncols][cols] (32 per block, in order), then from byte lil_matvec_x8_ds_offset (16-aligned) a
 * (d, s) float pair per block of 32: x[c] ~ d q[c], |q| <= 127, d = max |x| / 127, s = d sum(q). */
uint64_t lil_matvec_x8_bytes(uint32_t ncols, uint32_t cols);
uint64_t lil_matvec_x8_ds_offset(uint32_t ncols, uint32_t cols);

/* Records the quantization of x (F32 [ncols][cols], cols a multiple of 32, offset 16-aligned) into
 * xq (lil_matvec_x8_bytes(ncols, cols), offset 16-aligned): shaders/quantize_x8.comp, one
 * invocation per block of 32 (q = roundEven(x * 127 / max |x|)). */
lil_status lil_op_quantize_x8(lil_ctx *ctx, lil_seq *seq, lil_binding x, uint32_t ncols, uint32_t cols, lil_binding xq,
                              lil_error *err);

/* out[t][c] = W[ids[t]][c] (dequantized to F32) for t < n_tokens; ids: uint32 [n_tokens] read on
 * the GPU at run time; ids >= W->rows give a zero row. out: F32 [n_tokens][W->cols]. One dispatch
 * per weight part. */
lil_status lil_op_embed(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding ids, uint32_t n_tokens,
                        lil_binding out, lil_error *err);

/* Embedded shader name of the matvec for a type ("matvec_q4_k" or "matvec_q4_k_sg"), NULL if
 * unsupported. */
const char *lil_matvec_shader(uint32_t type, int subgroup);

#endif
