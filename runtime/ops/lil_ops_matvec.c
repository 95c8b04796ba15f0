/* Decode matvec and embedding: one dispatch per weight part (shaders/matvec.comp, embed.comp). */
#include "lil_ops_internal.h"
#include "lil_ops_matvec.h"
#include "lil_shader_caps.h"

#include <stdio.h>

typedef struct matvec_push {
  uint32_t rows, cols, row_bytes, y_base, y_stride, x_stride, accumulate, units;
  float eps; /* fused RMSNorm */
} matvec_push;

typedef struct embed_push {
  uint32_t cols, row_bytes, first_row, n_rows, total_rows, ids_offset, is_last, vec4_ok;
} embed_push;


const char *lil_matvec_shader(uint32_t type, int subgroup) {
  static const char *names[2][7] = {
      {"matvec_f32", "matvec_f16", "matvec_bf16", "matvec_q8_0", "matvec_q4_0", "matvec_q4_k", "matvec_q6_k"},
      {"matvec_f32_sg", "matvec_f16_sg", "matvec_bf16_sg", "matvec_q8_0_sg", "matvec_q4_0_sg", "matvec_q4_k_sg",
       "matvec_q6_k_sg"}};
  static const uint32_t types[7] = {LIL_TYPE_F32,  LIL_TYPE_F16,  LIL_TYPE_BF16, LIL_TYPE_Q8_0,
                                    LIL_TYPE_Q4_0, LIL_TYPE_Q4_K, LIL_TYPE_Q6_K};
  for (int i = 0; i < 7; i++)
    if (types[i] == type) return names[subgroup ? 1 : 0][i];
  return NULL;
}

/* Elements per unit of the coalesced path for float types (quantized types always qualify). */
static uint32_t float_unit(uint32_t type) {
  return type == LIL_TYPE_F32 ? 4 : (type == LIL_TYPE_F16 || type == LIL_TYPE_BF16) ? 8 : 1;
}

static uint32_t pow2_floor(uint32_t v) {
  uint32_t p = 1;
  while (p * 2 <= v) p *= 2;
  return p;
}

static uint64_t binding_range(lil_binding b) { return b.range ? b.range : lil_buffer_size(b.buf) - b.offset; }

lil_status lil_op_matvec(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding x, lil_binding y,
                         uint32_t ncols, int accumulate, lil_error *err) {
  return lil_op_matvec_cfg(ctx, seq, W, x, y, ncols, accumulate, NULL, err);
}

/* The 16-bit-storage kernels (shaders/matvec_q16.comp: Q8_0 / Q4_0 / Q4_K / Q6_K): TPB threads per
 * block (q16_tpb), so they need subgroup arithmetic, 16-bit storage and subgroups of at least 4
 * invocations. */
static int use_q16(const lil_device_plan *p, uint32_t type) {
  return (type == LIL_TYPE_Q8_0 || type == LIL_TYPE_Q4_0 || type == LIL_TYPE_Q4_K || type == LIL_TYPE_Q6_K) &&
         p->use_storage16 && p->use_subgroup_arith && p->subgroup_size >= 4 && p->subgroup_size % 4 == 0;
}

/* Threads per block of the q16 kernels: 4 x 8 elements of a 32-block, 8 x 32 of a 256-block. */
static uint32_t q16_tpb(uint32_t type) { return type == LIL_TYPE_Q4_K || type == LIL_TYPE_Q6_K ? 8 : 4; }

typedef struct matvec16_push {
  uint32_t rows, row_units, nb, y_base, y_stride, x_stride4, accumulate, ncols;
  float eps; /* fused RMSNorm */
  uint32_t glu_up; /* gate / up pairs: the first up row */
  uint32_t fin_ds; /* output quantization: vec2 index of the first (d, s) pair in fin_xq */
} matvec16_push;

/* The fourth binding of the F32-activation kernels: the fused transform's aux vector, or x again
 * (unread) without one. */
static lil_binding aux_binding(const lil_matvec_config *cfg, lil_binding x) {
  return cfg && cfg->fuse ? cfg->aux : x;
}
static uint32_t fuse_of(const lil_matvec_config *cfg) { return cfg ? (uint32_t)cfg->fuse : 0u; }
static float eps_of(const lil_matvec_config *cfg) { return cfg ? cfg->eps : 0.0f; }

/* shaders/matvec_x8.comp: as matvec16_push with x given in blocks of 32 (x_stride4 -> blocks per
 * column) and the vec2 index of the (d, s) pairs in the xq binding. */
typedef struct matvecx8_push {
  uint32_t rows, row_units, nb, y_base, y_stride, xb_stride, accumulate, ncols, ds_base, glu_up;
} matvecx8_push;

int lil_matvec_x8_applies(const lil_ctx *ctx, const lil_weight *W) {
  const lil_device_plan *p = lil_ctx_plan(ctx);
  return LIL_GLSLC_HAS_SPIRV_INTRINSICS && p->use_matvec_x8 && p->use_int_dot && use_q16(p, W->type) &&
         (!p->matvec_x8_q4_0_only || W->type == LIL_TYPE_Q4_0);
}

int lil_matvec_glu_applies(const lil_ctx *ctx, const lil_weight *W) {
  return use_q16(lil_ctx_plan(ctx), W->type) && W->n_parts == 1;
}

int lil_matvec_fin_applies(const lil_ctx *ctx, const lil_weight *W) {
  return lil_matvec_x8_inline_applies(ctx, W) && (W->type == LIL_TYPE_Q8_0 || W->type == LIL_TYPE_Q4_0) &&
         W->n_parts == 1 && W->rows % 32 == 0;
}

int lil_matvec_x8_inline_applies(const lil_ctx *ctx, const lil_weight *W) {
  uint32_t inl = lil_ctx_plan(ctx)->matvec_x8_inline;
  return lil_matvec_x8_applies(ctx, W) && inl &&
         (W->type == LIL_TYPE_Q8_0 || W->type == LIL_TYPE_Q4_0 || inl == 2);
}

/* Launch shape of the q16 kernels without overrides ($LIL_MATVEC_Q16, lil_matvec_config): 4 rows per
 * workgroup (x reused 4 times); the inline-x8 kernels one subgroup per workgroup (below), the others
 * as many subgroups per workgroup (1..4, splitting the row) as it takes to have about 8192
 * subgroups in the dispatch (enough loads in flight on a large GPU: 151936 rows -> 1 subgroup,
 * 14336 -> 4, 4096 -> 4), but no more threads than the row has block slices (TPB per block: Q4_K /
 * Q6_K 4096 columns = 16 super-blocks = 128 threads). H100, 4096 x 14336, 4 vs 8 subgroups of 32:
 * Q8_0 92.0 vs 88.4% of copy, Q4_0 71.7 vs 68.6, Q4_K 59.2 vs 57.4, Q6_K 64.1 vs 62.1
 * (docs/device-runs/h100-session4/). */
#define Q16_ROWS 4
#define GENERIC_MANY_ROWS 32768 /* between the measured 14336 (2 rows better) and 151936 (4 rows) */
#define Q16_TARGET_SUBGROUPS 8192
#define Q16_MAX_SUBGROUPS 4
#define X8I_MAX_SUBGROUPS 8

/* Rows per workgroup by default: 4, but 2 for Q6_K up to 16384 rows (H100, F32 activations:
 * 14336x4096 73.5 vs 70.3% of copy, 4096x14336 77.3 vs 64.1%; the 151936-row vocabulary
 * prefers 4: 69.4 vs 56.3%; docs/device-runs/h100-session4/matvec-q6-rows2.txt). */
static uint32_t q16_default_rows(const lil_weight *W, int x8) {
  return !x8 && W->type == LIL_TYPE_Q6_K && W->rows <= 16384 ? 2 : Q16_ROWS; /* x8 measured with 4 */
}

/* x8 1: the integer-dot kernels (matvec_x8.comp) reading cfg->xq, quantized from x first unless
 * cfg->xq_ready; 2: the integer-dot kernels quantizing F32 x themselves (matvecx8i_*, the bindings
 * and push constants of the F32-activation ones); same launch shapes. */
static lil_status matvec_q16(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding x, lil_binding y,
                             uint32_t ncols, int accumulate, const lil_matvec_config *cfg, int x8, lil_error *err) {
  const lil_device_plan *p = lil_ctx_plan(ctx);
  uint32_t sg = p->subgroup_size;
  uint32_t rows = cfg && cfg->rows_per_group ? cfg->rows_per_group
                  : p->matvec_q16_rows             ? p->matvec_q16_rows
                                                   : q16_default_rows(W, x8);
  /* variants: rows per workgroup 1/2/4 (8 with 1-2 columns; the largest <= rows), column capacity 1/2/4/8 (the smallest
   * >= ncols); the workgroup a multiple of the subgroup, its reduction slots within half the shared
   * memory */
  uint32_t nr = rows >= 4 ? 4 : rows >= 2 ? 2 : 1, nc = 1;
  while (nc < ncols) nc *= 2;
  if (rows >= 8 && nc <= 2) nr = 8; /* r8 variants exist for 1 and 2 columns */
  uint32_t glu = cfg && cfg->glu_rows ? 1u : 0u;
  if (glu && nr < 2) nr = 2; /* a gate row and an up row at least */
  uint32_t outs = glu ? nr / 2 : nr; /* outputs per workgroup */
  uint32_t out_rows = glu ? cfg->glu_rows : W->rows;
  uint32_t tpb = q16_tpb(W->type), nb = W->cols / lil_type_get(W->type)->block_elems;
  uint32_t wg = cfg && cfg->workgroup_size ? cfg->workgroup_size : sg * p->matvec_q16_subgroups;
  if (!wg) {
    /* The inline-x8 kernels aim at fewer subgroups per dispatch (plan.matvec_x8i_target, 4096 by
     * default): one per workgroup where the rows alone make that many (the gate / up pairs, the
     * vocabulary), up to 8 splitting the row where they do not (Wo, down, Q/K/V at 4096 rows).
     * H100, llama-8b Q4_0 decode profiles: one subgroup everywhere (session 17) put the gate / up
     * pairs at 61.6% of copy against 46.6% with 2 subgroups (session 16), but down at 41.6% against
     * 51.5% and Wo at 27.0% against 31.6% with 4 (docs/device-runs/session1{6,7}). End to end
     * (session 18, docs/device-runs/session18/run2): 317.4 / 320.5 tok/s against 296.4 / 295.6 with
     * one subgroup everywhere at a 512 prompt, 301.4 / 300.0 against 278.2 / 278.7 at 4096; targets
     * 2048 and 8192 were slower than both. */
    uint32_t k = 1, target = x8 == 2 ? p->matvec_x8i_target : Q16_TARGET_SUBGROUPS;
    uint32_t kmax = x8 == 2 ? X8I_MAX_SUBGROUPS : Q16_MAX_SUBGROUPS;
    uint64_t groups = (out_rows + outs - 1) / outs;
    while (k < kmax && groups * k < target && (uint64_t)sg * k * 2 <= (uint64_t)tpb * nb) k *= 2;
    wg = sg * k;
  }
  /* a multiple of the subgroup and of TPB (sg is a multiple of 4, TPB 4 or 8) */
  uint32_t q = sg % tpb ? 2 * sg : sg;
  wg = wg < q ? q : wg / q * q;
  while (wg > q && (uint64_t)(wg / 4) * (nr * nc + 1) * 4 > p->shared_memory / 2) wg -= q;
  int fin = cfg && cfg->fin_xq.buf;
  char shader[40];
  snprintf(shader, sizeof(shader), "%s_%s_r%u_c%u%s", x8 == 2 ? "matvecx8i" : x8 ? "matvecx8" : "matvec16",
           lil_ops_type_suffix(W->type), nr, nc, fin ? "_fin" : "");
  if (x.offset % 16)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "matvec %s: x binding offset %llu not 16-aligned", shader,
                         (unsigned long long)x.offset);
  lil_status st;
  if (x8 == 1) {
    lil_binding xq = cfg->xq;
    uint64_t need = lil_matvec_x8_bytes(ncols, W->cols);
    if (xq.offset % 16 || xq.offset > lil_buffer_size(xq.buf) ||
        (xq.range ? xq.range : lil_buffer_size(xq.buf) - xq.offset) < need)
      return lil_error_set(err, LIL_ERR_INVALID_ARG, "matvec %s: xq scratch smaller than %llu bytes or offset %% 16",
                           shader, (unsigned long long)need);
    if (!cfg->xq_ready && (st = lil_op_quantize_x8(ctx, seq, x, ncols, W->cols, xq, err))) return st;
    x = (lil_binding){xq.buf, xq.offset, need};
  }
  int sep = x8 == 1; /* reads the xq scratch */
  uint32_t scale_in = sep && cfg->x_rscale.buf ? 1u : 0u;
  lil_kernel_desc kd = {.shader = shader, .n_bindings = fin ? 6 : 4,
                        .push_size = sep ? sizeof(matvecx8_push) : sizeof(matvec16_push), .n_spec = 3,
                        .spec = {wg, sep ? scale_in : fuse_of(cfg), glu}};
  lil_kernel *k = NULL;
  st = lil_kernel_get(ctx, &kd, &k, err);
  if (st) return st;
  char label[72]; /* profiles: the kernel and the weight's shape */
  snprintf(label, sizeof(label), "%s%s %ux%u", shader, glu ? "+glu" : "", W->rows, W->cols);
  for (uint32_t i = 0; i < W->n_parts; i++) {
    const lil_weight_part *pt = &W->parts[i];
    /* row stride in elements of the shader's weight array: Q4_K uvec4, the others uint16 */
    uint32_t row_units = (uint32_t)(W->row_bytes / (W->type == LIL_TYPE_Q4_K ? 16 : 2));
    matvec16_push pc = {glu ? out_rows : pt->n_rows, row_units, nb, pt->first_row, W->rows, W->cols / 4,
                        accumulate ? 1u : 0u, ncols, fin ? cfg->fin_eps : eps_of(cfg), glu ? cfg->glu_up : 0u,
                        fin ? (uint32_t)(lil_matvec_x8_ds_offset(1, W->rows) / 8) : 0u};
    matvecx8_push px = {glu ? out_rows : pt->n_rows, row_units, nb, pt->first_row, W->rows, W->cols / 32,
                        accumulate ? 1u : 0u, ncols, (uint32_t)(lil_matvec_x8_ds_offset(ncols, W->cols) / 8),
                        glu ? cfg->glu_up : 0u};
    uint32_t groups = ((glu ? out_rows : pt->n_rows) + outs - 1) / outs;
    uint32_t gx = groups < 65535 ? groups : 65535, gy = (groups + gx - 1) / gx;
    lil_binding b[6] = {{pt->buf, pt->offset, (pt->bytes + 15) & ~(uint64_t)15}, x, y, aux_binding(cfg, x)};
    if (fin) b[3] = cfg->fin_norm, b[4] = cfg->fin_xq, b[5] = cfg->fin_cnt;
    if (sep) b[3] = scale_in ? cfg->x_rscale : x; /* the row scale, or x again (unread) */
    if (sep)
      st = lil_seq_dispatch(seq, k, b, 4, 1u << 2, &px, sizeof(px), gx, gy, 1, label, err);
    else if (fin)
      st = lil_seq_dispatch(seq, k, b, 6, (1u << 2) | (1u << 4) | (1u << 5), &pc, sizeof(pc), gx, gy, 1, label, err);
    else
      st = lil_seq_dispatch(seq, k, b, 4, 1u << 2, &pc, sizeof(pc), gx, gy, 1, label, err);
    if (st) return st;
  }
  return LIL_OK;
}

lil_status lil_op_matvec_cfg(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding x, lil_binding y,
                             uint32_t ncols, int accumulate, const lil_matvec_config *cfg, lil_error *err) {
  const lil_device_plan *p = lil_ctx_plan(ctx);
  const char *shader = lil_matvec_shader(W->type, p->use_subgroup_arith);
  if (!shader) return lil_error_set(err, LIL_ERR_UNSUPPORTED, "matvec: weight type %u not supported", W->type);
  if (ncols < 1 || ncols > LIL_MATVEC_MAX_COLS)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "matvec: ncols %u not in 1..%d", ncols, LIL_MATVEC_MAX_COLS);
  if (!x.buf || !y.buf || binding_range(x) < (uint64_t)ncols * W->cols * 4 ||
      binding_range(y) < (uint64_t)ncols * (cfg && cfg->glu_rows ? cfg->glu_rows : W->rows) * 4)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "matvec %s: x or y binding smaller than %u x (%u, %u) floats",
                         shader, ncols, W->cols, W->rows);
  if (cfg && cfg->fuse) {
    if (cfg->fuse != LIL_MATVEC_FUSE_RMSNORM && cfg->fuse != LIL_MATVEC_FUSE_SWIGLU)
      return lil_error_set(err, LIL_ERR_INVALID_ARG, "matvec %s: unknown fused transform %d", shader, (int)cfg->fuse);
    if (ncols != 1)
      return lil_error_set(err, LIL_ERR_INVALID_ARG, "matvec %s: a fused transform needs one column, not %u", shader,
                           ncols);
    if (!cfg->aux.buf || cfg->aux.offset % 16 || binding_range(cfg->aux) < (uint64_t)W->cols * 4)
      return lil_error_set(err, LIL_ERR_INVALID_ARG,
                           "matvec %s: fused transform's aux binding smaller than %u floats or offset %% 16", shader,
                           W->cols);
    if (cfg->fuse == LIL_MATVEC_FUSE_RMSNORM && !(cfg->eps >= 0.0f))
      return lil_error_set(err, LIL_ERR_INVALID_ARG, "matvec %s: RMSNorm eps %g", shader, (double)cfg->eps);
  }
  if (cfg && cfg->fin_xq.buf) {
    if (!cfg->x8_inline || !lil_matvec_fin_applies(ctx, W))
      return lil_error_set(err, LIL_ERR_UNSUPPORTED,
                           "matvec %s: the output quantization needs the inline-x8 Q8_0 / Q4_0 kernels, one part, "
                           "rows a multiple of 32",
                           shader);
    if (ncols != 1 || (cfg->fuse) || cfg->glu_rows || !cfg->fin_cnt.buf || !cfg->fin_norm.buf ||
        cfg->fin_xq.offset % 16 || binding_range(cfg->fin_xq) < lil_matvec_x8_bytes(1, W->rows) ||
        binding_range(cfg->fin_cnt) < 8 || binding_range(cfg->fin_norm) < (uint64_t)W->rows * 4 ||
        cfg->fin_norm.offset % 16 || !(cfg->fin_eps >= 0.0f))
      return lil_error_set(err, LIL_ERR_INVALID_ARG,
                           "matvec %s: output quantization: one column, no fused transform or pairs, a counter of 8 "
                           "bytes, a norm of %u floats and a scratch of %llu bytes (offsets 16-aligned), eps >= 0",
                           shader, W->rows, (unsigned long long)lil_matvec_x8_bytes(1, W->rows));
    return matvec_q16(ctx, seq, W, x, y, 1, accumulate, cfg, 2, err);
  }
  if (cfg && cfg->x_rscale.buf &&
      (!cfg->xq.buf || !cfg->xq_ready || cfg->fuse || binding_range(cfg->x_rscale) < 8 || cfg->x8_inline))
    return lil_error_set(err, LIL_ERR_INVALID_ARG,
                         "matvec %s: a row scale from a producer needs x quantized by it (xq, xq_ready), no fused "
                         "transform or inline quantization, and 8 bytes",
                         shader);
  if (cfg && cfg->glu_rows) {
    if (!lil_matvec_glu_applies(ctx, W))
      return lil_error_set(err, LIL_ERR_UNSUPPORTED, "matvec %s: gate / up pairs need a quantized weight in one part",
                           shader);
    if (ncols != 1 || accumulate || cfg->glu_up < cfg->glu_rows || (uint64_t)cfg->glu_up + cfg->glu_rows > W->rows)
      return lil_error_set(err, LIL_ERR_INVALID_ARG,
                           "matvec %s: gate / up pairs of %u rows from row %u of %u (one column, no accumulate)",
                           shader, cfg->glu_rows, cfg->glu_up, W->rows);
    if (cfg->xq.buf && cfg->xq_ready && !cfg->fuse && lil_matvec_x8_applies(ctx, W))
      return matvec_q16(ctx, seq, W, x, y, ncols, 0, cfg, 1, err);
    if (cfg->x8_inline && lil_matvec_x8_inline_applies(ctx, W))
      return matvec_q16(ctx, seq, W, x, y, ncols, 0, cfg, 2, err);
    return matvec_q16(ctx, seq, W, x, y, ncols, 0, cfg, 0, err);
  }
  if (cfg && cfg->x8_inline && lil_matvec_x8_inline_applies(ctx, W))
    return matvec_q16(ctx, seq, W, x, y, ncols, accumulate, cfg, 2, err);
  if (cfg && cfg->xq.buf && !cfg->fuse && lil_matvec_x8_applies(ctx, W))
    return matvec_q16(ctx, seq, W, x, y, ncols, accumulate, cfg, 1, err);
  if (use_q16(p, W->type)) return matvec_q16(ctx, seq, W, x, y, ncols, accumulate, cfg, 0, err);
  uint32_t wg = p->matvec_workgroup_size ? p->matvec_workgroup_size : 64;
  uint32_t rows = p->matvec_rows_per_group ? p->matvec_rows_per_group : 1;
  /* Many short rows (a vocabulary projection): 4 rows per workgroup. H200, F16 151936 x 2048: 104.2%
   * of copy with 4 rows against 85.9% with 2, each run waiting for the previous one; at 14336 x 4096
   * and 4096 x 14336 2 rows stay ahead (88.5 / 89.2% vs 85.0 / 86.4%), and 1024 x 1024 takes 4.9 us
   * against 5.4 (docs/device-runs/h200-session6/call5-matvec-f.txt, call4-matvec-f16-shapes.txt). */
  if (W->rows >= GENERIC_MANY_ROWS && rows < 4) rows = 4;
  if (cfg && cfg->workgroup_size) wg = cfg->workgroup_size;
  if (cfg && cfg->rows_per_group) rows = cfg->rows_per_group;
  if (rows > 16) return lil_error_set(err, LIL_ERR_INVALID_ARG, "matvec: %u rows per workgroup (max 16)", rows);
  if (!p->use_subgroup_arith) {
    /* shared-memory tree: a power of two, and WG * rows * ncols floats within half the shared memory */
    wg = pow2_floor(wg);
    while (wg > 1 && (uint64_t)wg * (rows * ncols + 1) * 4 > p->shared_memory / 2) wg /= 2;
  }
  lil_kernel_desc kd = {.shader = shader, .n_bindings = 4, .push_size = sizeof(matvec_push), .n_spec = 4,
                        .spec = {wg, rows, ncols, fuse_of(cfg)}};
  lil_kernel *k = NULL;
  lil_status st = lil_kernel_get(ctx, &kd, &k, err);
  if (st) return st;
  uint32_t units = W->cols % float_unit(W->type) == 0 && W->cols % 4 == 0;
  if (W->type != LIL_TYPE_F32 && W->type != LIL_TYPE_F16 && W->type != LIL_TYPE_BF16) units = 1;
  if (units && x.offset % 16)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "matvec %s: x binding offset %llu not 16-aligned", shader,
                         (unsigned long long)x.offset);
  char label[72]; /* profiles: the kernel and the weight's shape */
  snprintf(label, sizeof(label), "%s %ux%u", shader, W->rows, W->cols);
  for (uint32_t i = 0; i < W->n_parts; i++) {
    const lil_weight_part *pt = &W->parts[i];
    matvec_push pc = {pt->n_rows, W->cols, (uint32_t)W->row_bytes, pt->first_row, W->rows, W->cols,
                      accumulate ? 1u : 0u, units, eps_of(cfg)};
    uint32_t groups = (pt->n_rows + rows - 1) / rows;
    uint32_t gx = groups < 65535 ? groups : 65535, gy = (groups + gx - 1) / gx;
    lil_binding b[4] = {{pt->buf, pt->offset, (pt->bytes + 15) & ~(uint64_t)15}, x, y, aux_binding(cfg, x)};
    st = lil_seq_dispatch(seq, k, b, 4, 1u << 2, &pc, sizeof(pc), gx, gy, 1, label, err);
    if (st) return st;
  }
  return LIL_OK;
}

lil_status lil_op_embed(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding ids, uint32_t n_tokens,
                        lil_binding out, lil_error *err) {
  const char *sfx = lil_ops_type_suffix(W->type);
  if (!sfx) return lil_error_set(err, LIL_ERR_UNSUPPORTED, "embed: weight type %u not supported", W->type);
  if (n_tokens < 1 || n_tokens > 65535)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "embed: %u tokens (1..65535)", n_tokens);
  if (!ids.buf || !out.buf || binding_range(ids) < (uint64_t)n_tokens * 4 ||
      binding_range(out) < (uint64_t)n_tokens * W->cols * 4)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "embed: ids or out binding smaller than %u tokens", n_tokens);
  char shader[32];
  snprintf(shader, sizeof(shader), "embed_%s", sfx);
  const lil_device_plan *p = lil_ctx_plan(ctx);
  uint32_t wg = p->workgroup_size ? p->workgroup_size : 64;
  lil_kernel_desc kd = {.shader = shader, .n_bindings = 3, .push_size = sizeof(embed_push), .n_spec = 1, .spec = {wg}};
  lil_kernel *k = NULL;
  lil_status st = lil_kernel_get(ctx, &kd, &k, err);
  if (st) return st;
  uint32_t gx = (W->cols + 4 * wg - 1) / (4 * wg);
  for (uint32_t i = 0; i < W->n_parts; i++) {
    const lil_weight_part *pt = &W->parts[i];
    embed_push pc = {W->cols, (uint32_t)W->row_bytes, pt->first_row, pt->n_rows, W->rows, 0,
                     i + 1 == W->n_parts, W->cols % 4 == 0};
    lil_binding b[3] = {{pt->buf, pt->offset, (pt->bytes + 15) & ~(uint64_t)15}, ids, out};
    st = lil_seq_dispatch(seq, k, b, 3, 1u << 2, &pc, sizeof(pc), gx, n_tokens, 1, shader, err);
    if (st) return st;
  }
  return LIL_OK;
}
