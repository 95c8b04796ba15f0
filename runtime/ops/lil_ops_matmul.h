/* Prefill matrix product: Y[n][r] (+)= sum_c W[r][c] * X[n][c] for a prompt of n tokens.
 *   W: a GGUF weight [rows][cols] (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K), in one or more parts;
 *   X: [n_tokens][cols] f32, contiguous, from X.offset;  Y: [n_tokens][rows] f32, from Y.offset.
 * Two kernels: a tiled shared-memory kernel every device runs (shaders/matmul.comp), and an NVIDIA
 * tensor-core kernel (shaders/matmul_coopmat_nv.comp, fp16 inputs, fp32 accumulation) chosen when
 * the plan has use_coopmat_nv (LIL_DISABLE=coopmat turns it off). */
#ifndef LIL_OPS_MATMUL_H
#define LIL_OPS_MATMUL_H

#include <stdint.h>

#include "lil_vk.h"
#include "lil_weight.h"

typedef enum lil_matmul_path {
  LIL_MATMUL_AUTO = 0,    /* tensor cores when the plan and the shapes allow, else plain */
  LIL_MATMUL_PLAIN = 1,   /* the portable tiled kernel */
  LIL_MATMUL_COOPMAT = 2, /* the NV cooperative-matrix kernel; LIL_ERR_UNSUPPORTED if it cannot run */
} lil_matmul_path;

/* Records Y (+)= W X into seq (accumulate != 0: Y += ...). One dispatch per weight part, token
 * chunk (so that no X/Y binding exceeds max_binding) and workgroup-count slice. */
lil_status lil_op_matmul(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding X, lil_binding Y,
                         uint32_t n_tokens, int accumulate, lil_error *err);
lil_status lil_op_matmul_path(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding X, lil_binding Y,
                              uint32_t n_tokens, int accumulate, lil_matmul_path path, lil_error *err);

/* 1 when the cooperative-matrix kernel can run W on this context (built with it, plan allows it,
 * type and shape fit); why (if not NULL) receives the reason when it cannot. */
int lil_matmul_coopmat_ok(const lil_ctx *ctx, const lil_weight *W, char *why, uint32_t why_size);

/* Shader variant name for a type ("matmul_q4_k"), NULL when the type has no matmul kernel. */
const char *lil_matmul_shader(uint32_t type, int coopmat);

#endif
