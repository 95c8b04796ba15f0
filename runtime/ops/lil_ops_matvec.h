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

/* Launch shape overrides (0 = the plan's matvec_workgroup_size / matvec_rows_per_group), for tuning
 * from `lil bench kernels --wg N --rows N`. */
typedef struct lil_matvec_config {
  uint32_t workgroup_size, rows_per_group;
} lil_matvec_config;
lil_status lil_op_matvec_cfg(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding x, lil_binding y,
                             uint32_t ncols, int accumulate, const lil_matvec_config *cfg, lil_error *err);

/* out[t][c] = W[ids[t]][c] (dequantized to F32) for t < n_tokens; ids: uint32 [n_tokens] read on
 * the GPU at run time; ids >= W->rows give a zero row. out: F32 [n_tokens][W->cols]. One dispatch
 * per weight part. */
lil_status lil_op_embed(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding ids, uint32_t n_tokens,
                        lil_binding out, lil_error *err);

/* Embedded shader name of the matvec for a type ("matvec_q4_k" or "matvec_q4_k_sg"), NULL if
 * unsupported. */
const char *lil_matvec_shader(uint32_t type, int subgroup);

#endif
