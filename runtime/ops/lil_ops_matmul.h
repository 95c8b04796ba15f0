/* Prefill matrix product: Y[n][r] (+)= sum_c W[r][c] * X[n][c] for a prompt of n tokens.
 *   W: a GGUF weight [rows][cols] (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K), in one or more parts;
 *   X: [n_tokens][cols] f32, contiguous, from X.offset;  Y: [n_tokens][rows] f32, from Y.offset.
 * Two kernel families: a tiled shared-memory kernel every device runs (shaders/matmul.comp), and
 * cooperative-matrix kernels (fp16 inputs, fp32 accumulation) chosen when the plan has
 * use_coopmat_nv or use_coopmat_khr (the same kernels translated to VK_KHR_cooperative_matrix at
 * build time; LIL_DISABLE=coopmat turns them off): several designs ("variants": the first
 * shaders/matmul_coopmat_nv.comp = "base", tile shapes of shaders/matmul_cm.comp), some reading X
 * as f16 from a caller-given scratch (lil_matmul_cfg.x16). See docs/kernels-perf.md. */
#ifndef LIL_OPS_MATMUL_H
#define LIL_OPS_MATMUL_H

#include <stdint.h>

#include "lil_vk.h"
#include "lil_weight.h"

typedef enum lil_matmul_path {
  LIL_MATMUL_AUTO = 0,    /* tensor cores when the plan and the shapes allow, else plain */
  LIL_MATMUL_PLAIN = 1,   /* the portable tiled kernel */
  LIL_MATMUL_COOPMAT = 2, /* the cooperative-matrix kernel; LIL_ERR_UNSUPPORTED if it cannot run */
} lil_matmul_path;

/* Records Y (+)= W X into seq (accumulate != 0: Y += ...). One dispatch per weight part, token
 * chunk (so that no X/Y binding exceeds max_binding) and workgroup-count slice. */
lil_status lil_op_matmul(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding X, lil_binding Y,
                         uint32_t n_tokens, int accumulate, lil_error *err);
lil_status lil_op_matmul_path(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding X, lil_binding Y,
                              uint32_t n_tokens, int accumulate, lil_matmul_path path, lil_error *err);

/* Options of lil_op_matmul_ex. Zero-initialised = lil_op_matmul_path(..., LIL_MATMUL_AUTO). */
typedef struct lil_matmul_cfg {
  lil_matmul_path path;
  /* Tensor-core design by name (lil_matmul_variant_name; "base" = matmul_coopmat_nv.comp, the
   * others matmul_cm.comp tiles); NULL or "" = lil_matmul_variant_for(x16 given, the weights, the shape). */
  const char *variant;
  /* Optional scratch for X in f16: [n_tokens][cols] halves (2 * n_tokens * cols bytes, offset a
   * multiple of 16). Variants that read f16 X (lil_matmul_variant_x16) need it; the op records the
   * F32 -> F16 conversion into it first unless x16_ready (it already holds this X, e.g. converted
   * by an earlier matmul of the same X with the same scratch). Unused by the plain kernel. */
  lil_binding x16;
  int x16_ready;
  /* X's F32 buffer was never written: x16 holds the only copy (written by its producer, e.g.
   * lil_op_rmsnorm_f16). Implies x16_ready; the op fails instead of reading X in F32 when the design
   * it would run does not read f16 X (lil_matmul_reads_x16 says beforehand). */
  int x16_only;
  /* Optional scratch for a quantized W decoded to f16 ([part rows][cols] halves, offset a multiple
   * of 16): on tensor cores, each part that fits is decoded into it once per dispatch group and the
   * F16 design runs on it (faster products than decoding in the tiles, at the cost of one pass over
   * the weights; pays at many tokens). Ignored for F16 W, the plain kernel, and parts too large. */
  lil_binding w16;
  /* w16 already holds W (one part) decoded: lil_op_matmul_decode_w16 recorded it into this binding
   * earlier in the sequence; the op records no decode. */
  int w16_ready;
} lil_matmul_cfg;

/* Records W decoded to f16 into w16 ([rows][cols] halves; offset a multiple of 16) for a later
 * lil_op_matmul_ex with cfg.w16 = the same binding and cfg.w16_ready = 1. Recorded apart from its
 * product, the decode runs beside the work before it that it does not conflict with (the next weight
 * decoded during this product: one dependent step per weight instead of two). *done = 0 and nothing
 * recorded when W is in several parts, its type has no decoder or w16 is too small (the product
 * reads the scratch only where it runs on tensor cores). */
lil_status lil_op_matmul_decode_w16(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding w16, int *done,
                                    lil_error *err);

/* lil_op_matmul with options (cfg NULL = defaults). */
lil_status lil_op_matmul_ex(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding X, lil_binding Y,
                            uint32_t n_tokens, int accumulate, const lil_matmul_cfg *cfg, lil_error *err);

/* Tensor-core designs: count, names (i < count, else NULL), 1 when the design reads f16 X (needs
 * cfg.x16), the default name (have_x16: a scratch is given) and the shader variant for a type (NULL
 * into out; returns 0 when the design or type is unknown). */
uint32_t lil_matmul_variant_count(void);
const char *lil_matmul_variant_name(uint32_t i);
int lil_matmul_variant_x16(const char *variant);
const char *lil_matmul_variant_default(int have_x16);
/* The design lil_op_matmul_ex runs when none is named: for f16 X (have_x16) 128x256w8_p2 for
 * products of many tiles (rows x n_tokens; where ctx, NULL or not, has the shared memory),
 * 64x64w4_p2 for products of few when the weights are f16 (f16_weights: F16, or decoded to f16
 * first), else the default; without f16 X the f32-X default. */
const char *lil_matmul_variant_for(const lil_ctx *ctx, int have_x16, int f16_weights, uint32_t rows,
                                   uint32_t n_tokens);
int lil_matmul_variant_shader(uint32_t type, const char *variant, char *out, uint32_t out_size);

/* 1 when lil_op_matmul_ex with an x16 scratch and this variant (NULL: the default) reads X as f16
 * for W on this context (tensor cores usable for W, the design reads f16 X and fits). */
int lil_matmul_reads_x16(const lil_ctx *ctx, const lil_weight *W, const char *variant);

/* 1 when the cooperative-matrix kernel can run W on this context (built with it, plan allows it,
 * type and shape fit); why (if not NULL) receives the reason when it cannot. */
int lil_matmul_coopmat_ok(const lil_ctx *ctx, const lil_weight *W, char *why, uint32_t why_size);

/* Shader variant name for a type ("matmul_q4_k"), NULL when the type has no matmul kernel. */
const char *lil_matmul_shader(uint32_t type, int coopmat);

#endif
