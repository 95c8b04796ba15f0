/* Prefill matmul: picks the kernel (tensor cores or plain) and splits the work per weight part,
 * per token chunk (bindings <= max_binding) and per workgroup-count slice. */
#include <stdio.h>
#include <string.h>

#include "lil_ggml_types.h"
#include "lil_ops_internal.h"
#include "lil_ops_matmul.h"
#include "lil_shader_caps.h"

#define PLAIN_BM 64
#define PLAIN_BN 64
#define PLAIN_THREADS 256
#define COOP_SHARED (2 * 128 * 40 * 2 + 8 * 256 * 4) /* bytes of the base design (matmul_coopmat_nv.comp) */

/* Tensor-core designs; the matmul_cm rows must match cm_tiles in shaders/meson.build. */
typedef struct coop_variant {
  const char *name;
  const char *stem; /* shader variant = stem + "_" + type suffix */
  uint32_t bm, bn, threads, shared, x16;
} coop_variant;
#define CM_SHARED(tm, tn, bk) (2u * ((tm) + (tn)) * ((bk) + 8u) * 2u)
static const coop_variant coop_variants[] = {
    {"base", "matmul_coopmat_nv", 128, 128, 256, COOP_SHARED, 0},
    {"128x128w4", "matmul_cm_128x128w4", 128, 128, 128, CM_SHARED(128, 128, 32), 1},
    {"128x128w4_x32", "matmul_cm_128x128w4_x32", 128, 128, 128, CM_SHARED(128, 128, 32), 0},
    {"128x128w8", "matmul_cm_128x128w8", 128, 128, 256, CM_SHARED(128, 128, 32), 1},
    {"128x256w8", "matmul_cm_128x256w8", 128, 256, 256, CM_SHARED(128, 256, 16), 1},
    {"128x256w8_x32", "matmul_cm_128x256w8_x32", 128, 256, 256, CM_SHARED(128, 256, 16), 0},
    {"256x128w8", "matmul_cm_256x128w8", 256, 128, 256, CM_SHARED(256, 128, 16), 1},
    {"64x128w4", "matmul_cm_64x128w4", 64, 128, 128, CM_SHARED(64, 128, 32), 1},
    {"128x128w8_x32", "matmul_cm_128x128w8_x32", 128, 128, 256, CM_SHARED(128, 128, 32), 0},
    /* _p2: global loads two k steps ahead (two register sets) */
    {"128x256w8_p2", "matmul_cm_128x256w8_p2", 128, 256, 256, CM_SHARED(128, 256, 16), 1},
    {"256x128w8_p2", "matmul_cm_256x128w8_p2", 256, 128, 256, CM_SHARED(256, 128, 16), 1},
    {"128x128w8_p2", "matmul_cm_128x128w8_p2", 128, 128, 256, CM_SHARED(128, 128, 32), 1},
    {"128x128w8k16_p2", "matmul_cm_128x128w8k16_p2", 128, 128, 256, CM_SHARED(128, 128, 16), 1},
    {"128x128w16_p2", "matmul_cm_128x128w16_p2", 128, 128, 512, CM_SHARED(128, 128, 32), 1},
    {"128x128w8_p2_x32", "matmul_cm_128x128w8_p2_x32", 128, 128, 256, CM_SHARED(128, 128, 32), 0},
    /* smaller tiles (more workgroups for projections under one wave), 64 x 64 / 64 x 32 subgroup tiles */
    {"64x64w4_p2", "matmul_cm_64x64w4_p2", 64, 64, 128, CM_SHARED(64, 64, 32), 1},
    {"64x64w4k64_p2", "matmul_cm_64x64w4k64_p2", 64, 64, 128, CM_SHARED(64, 64, 64), 1},
    {"128x64w4_p2", "matmul_cm_128x64w4_p2", 128, 64, 128, CM_SHARED(128, 64, 32), 1},
    {"64x128w4_p2", "matmul_cm_64x128w4_p2", 64, 128, 128, CM_SHARED(64, 128, 32), 1},
    {"128x128w4_p2", "matmul_cm_128x128w4_p2", 128, 128, 128, CM_SHARED(128, 128, 32), 1},
    {"128x128w8r_p2", "matmul_cm_128x128w8r_p2", 128, 128, 256, CM_SHARED(128, 128, 32), 1},
};
#define N_COOP_VARIANTS (sizeof(coop_variants) / sizeof(coop_variants[0]))
/* Defaults: 128x128w8 measured faster than 128x128w4 on the H100 (121.6 vs 93.0 TFLOP/s at
 * 512x4096x4096, 128.0 vs 97.5 at 4096^3; docs/device-runs/h100-warm/matmul-designs.txt); the f32-X
 * form of the same tile (the model's path: no scratch) is not measured yet (128x128w4_x32 ran within
 * 1-3% of 128x128w4). */
#define DEFAULT_X16 "128x128w16_p2" /* H100: best F16 at 512 tokens, Q4_K at both sizes */
#define DEFAULT_X32 "128x128w8_x32"
/* Large products (at least LARGE_GROUPS workgroups of 128 rows x 256 tokens): 128x256w8_p2. H100,
 * session 13 (docs/benchmarks.md), TFLOP/s 128x256w8_p2 vs 128x128w16_p2, F16 weights:
 * 14336x4096 at 512 tokens (224 groups) 134.5 vs 122.0, 4096x4096 at 4096 (512) 148.2 vs 137.1,
 * 14336x4096 at 4096 156.7 vs 140.6; below: 4096x4096 at 512 (64 groups) 73.4 vs 130.6. */
#define DEFAULT_LARGE "128x256w8_p2"
#define LARGE_GROUPS 200u
/* Small products (under SMALL_GROUPS workgroups of 128 x 128, half a wave of a 132-SM H100) of
 * f16 weights (F16, or quantized ones decoded to f16 first): 64x64w4_p2, four times the
 * workgroups. H100, session 13: 512x1024x4096 F16 0.064 vs 0.126 ms (67.5 vs 34.0 TFLOP/s, 32
 * groups); at 128 groups (512x4096x4096) it loses (F16 97.6 vs 130.6). Its F16 kernel was checked
 * on the H100 (test_ops_matmul's w16 cases); its in-tile decoding kernels were not (Q4_0 measured
 * only 0.147 vs 0.165 ms), so quantized weights decoded in the tiles keep the default. */
#define DEFAULT_SMALL "64x64w4_p2"
#define SMALL_GROUPS 64u

static const coop_variant *find_variant(const char *name) {
  for (size_t i = 0; i < N_COOP_VARIANTS; i++)
    if (!strcmp(coop_variants[i].name, name)) return &coop_variants[i];
  return NULL;
}

uint32_t lil_matmul_variant_count(void) { return (uint32_t)N_COOP_VARIANTS; }
const char *lil_matmul_variant_name(uint32_t i) { return i < N_COOP_VARIANTS ? coop_variants[i].name : NULL; }
const char *lil_matmul_variant_default(int have_x16) { return have_x16 ? DEFAULT_X16 : DEFAULT_X32; }
const char *lil_matmul_variant_for(const lil_ctx *ctx, int have_x16, int f16_weights, uint32_t rows,
                                   uint32_t n_tokens) {
  if (!have_x16) return DEFAULT_X32;
  const coop_variant *v = find_variant(DEFAULT_LARGE);
  uint64_t groups = (uint64_t)((rows + v->bm - 1) / v->bm) * ((n_tokens + v->bn - 1) / v->bn);
  if (groups >= LARGE_GROUPS && (!ctx || lil_ctx_plan(ctx)->shared_memory >= v->shared)) return DEFAULT_LARGE;
  const coop_variant *d = find_variant(DEFAULT_X16);
  uint64_t dgroups = (uint64_t)((rows + d->bm - 1) / d->bm) * ((n_tokens + d->bn - 1) / d->bn);
  if (f16_weights && dgroups < SMALL_GROUPS) return DEFAULT_SMALL;
  return DEFAULT_X16;
}
int lil_matmul_variant_x16(const char *variant) {
  const coop_variant *v = variant ? find_variant(variant) : NULL;
  return v ? (int)v->x16 : -1;
}
int lil_matmul_variant_shader(uint32_t type, const char *variant, char *out, uint32_t out_size) {
  const coop_variant *v = variant ? find_variant(variant) : NULL;
  const char *suffix = lil_ops_type_suffix(type);
  if (!v || !suffix || !lil_matmul_shader(type, 1)) return 0;
  snprintf(out, out_size, "%s_%s", v->stem, suffix);
  return 1;
}

typedef struct mm_push {
  uint32_t rows, cols, n_tokens, row0, x_stride, y_stride, y_col0, accumulate, direct;
} mm_push;


const char *lil_matmul_shader(uint32_t type, int coopmat) {
  static const char *plain[] = {"matmul_f32", "matmul_f16", "matmul_bf16", "matmul_q8_0",
                                "matmul_q4_0", "matmul_q4_k", "matmul_q6_k"};
  static const char *coop[] = {NULL, "matmul_coopmat_nv_f16", NULL, "matmul_coopmat_nv_q8_0",
                               "matmul_coopmat_nv_q4_0", "matmul_coopmat_nv_q4_k", "matmul_coopmat_nv_q6_k"};
  static const uint32_t types[] = {LIL_TYPE_F32,  LIL_TYPE_F16,  LIL_TYPE_BF16, LIL_TYPE_Q8_0,
                                   LIL_TYPE_Q4_0, LIL_TYPE_Q4_K, LIL_TYPE_Q6_K};
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
    if (types[i] == type) return coopmat ? coop[i] : plain[i];
  return NULL;
}

static int why_not(char *why, uint32_t n, const char *msg) {
  if (why && n) snprintf(why, n, "%s", msg);
  return 0;
}

int lil_matmul_coopmat_ok(const lil_ctx *ctx, const lil_weight *W, char *why, uint32_t why_size) {
  const lil_device_plan *p = lil_ctx_plan(ctx);
  if (!LIL_GLSLC_HAS_NV_COOPMAT) return why_not(why, why_size, "built without GL_NV_cooperative_matrix (glslc)");
  if (!lil_plan_coopmat(p)) /* (the plan also requires subgroups of 32, by default or required) */
    return why_not(why, why_size,
                   "device lacks VK_NV_cooperative_matrix / VK_KHR_cooperative_matrix with fp16 and "
                   "subgroups of 32 (or LIL_DISABLE=coopmat)");
  if (p->shared_memory < COOP_SHARED) return why_not(why, why_size, "not enough shared memory");
  if (!lil_matmul_shader(W->type, 1)) return why_not(why, why_size, "no cooperative-matrix kernel for this type");
  if (W->cols % 8) return why_not(why, why_size, "cols not a multiple of 8");
  for (uint32_t i = 0; i < W->n_parts; i++)
    if (W->parts[i].offset % 16) return why_not(why, why_size, "weight part offset not 16-byte aligned");
  return 1;
}

int lil_matmul_reads_x16(const lil_ctx *ctx, const lil_weight *W, const char *variant) {
  const coop_variant *v = find_variant(variant && variant[0] ? variant : DEFAULT_X16);
  return v && v->x16 && lil_matmul_coopmat_ok(ctx, W, NULL, 0) && lil_ctx_plan(ctx)->shared_memory >= v->shared;
}

static lil_status check_weight(const lil_ctx *ctx, const lil_weight *W, uint64_t row_bytes, lil_error *err) {
  const lil_device_plan *p = lil_ctx_plan(ctx);
  if (W->n_parts == 0 || W->n_parts > LIL_WEIGHT_MAX_PARTS)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "matmul: weight has %u parts", W->n_parts);
  uint32_t next = 0;
  for (uint32_t i = 0; i < W->n_parts; i++) {
    const lil_weight_part *pt = &W->parts[i];
    if (!pt->buf || pt->first_row != next || pt->n_rows == 0)
      return lil_error_set(err, LIL_ERR_INVALID_ARG, "matmul: weight part %u (rows %u+%u) does not follow row %u",
                           i, pt->first_row, pt->n_rows, next);
    uint64_t bytes = (uint64_t)pt->n_rows * row_bytes;
    if (bytes > p->max_binding)
      return lil_error_set(err, LIL_ERR_RANGE, "matmul: weight part %u is %llu bytes, over the binding limit %llu", i,
                           (unsigned long long)bytes, (unsigned long long)p->max_binding);
    if (pt->offset + bytes > lil_buffer_size(pt->buf))
      return lil_error_set(err, LIL_ERR_RANGE, "matmul: weight part %u past the end of its buffer", i);
    next += pt->n_rows;
  }
  if (next != W->rows)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "matmul: weight parts cover %u of %u rows", next, W->rows);
  return LIL_OK;
}

static uint64_t binding_range(const lil_binding *b) {
  return b->range ? b->range : lil_buffer_size(b->buf) - b->offset;
}

static lil_status convert_x16(lil_ctx *ctx, lil_seq *seq, lil_binding x, lil_binding x16, uint64_t n_elems,
                              lil_error *err) {
  uint32_t n8 = (uint32_t)(n_elems / 8), wg = lil_ops_wg(ctx);
  lil_kernel *k = NULL;
  lil_status st = lil_ops_kernel(ctx, "matmul_x16", 2, sizeof(uint32_t), wg, &k, err);
  if (st) return st;
  uint32_t groups = (n8 + wg - 1) / wg, gx = groups < 65535 ? groups : 65535, gy = (groups + gx - 1) / gx;
  lil_binding b[2] = {x, x16};
  return lil_seq_dispatch(seq, k, b, 2, 1u << 1, &n8, sizeof(n8), gx, gy, 1, "matmul_x16", err);
}

static const char *dequant_f16_shader(uint32_t type) {
  switch (type) {
  case LIL_TYPE_Q8_0: return "dequant_f16_q8_0";
  case LIL_TYPE_Q4_0: return "dequant_f16_q4_0";
  case LIL_TYPE_Q4_K: return "dequant_f16_q4_k";
  case LIL_TYPE_Q6_K: return "dequant_f16_q6_k";
  default: return NULL;
  }
}

/* W part -> f16 [rows][cols] halves in w16 (cols % 8 == 0). */
/* cfg->w16 can take W's decoded parts (a scratch, aligned, of a type with a decoder) */
static int w16_usable(const lil_matmul_cfg *cfg, const lil_weight *W) {
  return cfg->w16.buf && dequant_f16_shader(W->type) && cfg->w16.offset % 16 == 0 &&
         cfg->w16.offset <= lil_buffer_size(cfg->w16.buf);
}

/* bytes of a part decoded to f16 when the w16 scratch and a binding hold them, else 0 */
static uint64_t w16_part_bytes(const lil_ctx *ctx, const lil_matmul_cfg *cfg, const lil_weight *W, uint32_t i) {
  uint64_t b = (uint64_t)W->parts[i].n_rows * W->cols * 2;
  return b <= binding_range(&cfg->w16) && b <= lil_ctx_plan(ctx)->max_binding ? b : 0;
}

static lil_status dequant_f16(lil_ctx *ctx, lil_seq *seq, uint32_t type, lil_binding w, lil_binding w16, uint32_t rows,
                              uint32_t cols, lil_error *err) {
  uint32_t wg = lil_ops_wg(ctx);
  lil_kernel *k = NULL;
  lil_status st = lil_ops_kernel(ctx, dequant_f16_shader(type), 2, 2 * sizeof(uint32_t), wg, &k, err);
  if (st) return st;
  uint64_t n8 = (uint64_t)rows * cols / 8, groups = (n8 + wg - 1) / wg;
  uint32_t gx = groups < 65535 ? (uint32_t)groups : 65535, gy = (uint32_t)((groups + gx - 1) / gx);
  uint32_t pc[2] = {rows, cols};
  char label[64];
  snprintf(label, sizeof(label), "%s %ux%u", dequant_f16_shader(type), rows, cols);
  lil_binding b[2] = {w, w16};
  return lil_seq_dispatch(seq, k, b, 2, 1u << 1, pc, sizeof(pc), gx, gy, 1, label, err);
}

/* Part i of W as the kernels bind it: whole 16-byte words for the uint view where the buffer has
 * them (parts are padded), else its exact bytes. */
static lil_binding part_binding(const lil_weight *W, uint32_t i) {
  const lil_weight_part *pt = &W->parts[i];
  uint64_t wbytes = (uint64_t)pt->n_rows * lil_type_row_bytes(W->type, W->cols);
  uint64_t wrange = (wbytes + 15) & ~15ull;
  if (pt->offset + wrange > lil_buffer_size(pt->buf)) wrange = wbytes;
  return (lil_binding){pt->buf, pt->offset, wrange};
}

lil_status lil_op_matmul_decode_w16(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding w16, int *done,
                                    lil_error *err) {
  *done = 0;
  lil_matmul_cfg cfg = {.w16 = w16};
  if (!W || W->n_parts != 1 || !w16_usable(&cfg, W)) return LIL_OK;
  uint64_t bytes = w16_part_bytes(ctx, &cfg, W, 0);
  if (!bytes) return LIL_OK;
  lil_binding out = {w16.buf, w16.offset, bytes};
  lil_status st = dequant_f16(ctx, seq, W->type, part_binding(W, 0), out, W->parts[0].n_rows, W->cols, err);
  if (st) return lil_error_prefix(err, "matmul %ux%u: f16 weights", W->rows, W->cols);
  *done = 1;
  return LIL_OK;
}

lil_status lil_op_matmul_ex(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding X, lil_binding Y,
                            uint32_t n_tokens, int accumulate, const lil_matmul_cfg *cfg, lil_error *err) {
  const lil_matmul_cfg defaults = {0};
  if (!cfg) cfg = &defaults;
  const char *suffix = lil_ops_type_suffix(W->type);
  if (!suffix) return lil_error_set(err, LIL_ERR_UNSUPPORTED, "matmul: no kernel for weight type %u", W->type);
  uint64_t row_bytes = lil_type_row_bytes(W->type, W->cols);
  if (W->rows == 0 || W->cols == 0 || row_bytes == 0)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "matmul: bad shape %ux%u for type %s", W->rows, W->cols, suffix);
  lil_status st = check_weight(ctx, W, row_bytes, err);
  if (st) return st;
  if (n_tokens == 0) return LIL_OK;
  if (!X.buf || !Y.buf) return lil_error_set(err, LIL_ERR_INVALID_ARG, "matmul: X or Y is NULL");
  uint64_t x_row = (uint64_t)W->cols * 4, y_row = (uint64_t)W->rows * 4, x16_row = (uint64_t)W->cols * 2;
  if (X.offset > lil_buffer_size(X.buf) || binding_range(&X) < n_tokens * x_row)
    return lil_error_set(err, LIL_ERR_RANGE, "matmul: X holds less than %u tokens of %u floats", n_tokens, W->cols);
  if (Y.offset > lil_buffer_size(Y.buf) || binding_range(&Y) < n_tokens * y_row)
    return lil_error_set(err, LIL_ERR_RANGE, "matmul: Y holds less than %u tokens of %u floats", n_tokens, W->rows);
  const int have_x16 = cfg->x16.buf != NULL;
  if (have_x16 && (cfg->x16.offset % 16 || cfg->x16.offset > lil_buffer_size(cfg->x16.buf) ||
                   binding_range(&cfg->x16) < n_tokens * x16_row))
    return lil_error_set(err, LIL_ERR_RANGE, "matmul: x16 scratch holds less than %u tokens of %u halves (or offset %% 16)",
                         n_tokens, W->cols);
  /* the design's F16 kernel runs: F16 W, or every part decoded to f16 first (cfg->w16, as below) */
  int f16w = W->type == LIL_TYPE_F16;
  if (!f16w && w16_usable(cfg, W)) {
    f16w = 1;
    for (uint32_t i = 0; i < W->n_parts; i++)
      if (!w16_part_bytes(ctx, cfg, W, i)) f16w = 0;
  }
  const char *vname = cfg->variant && cfg->variant[0] ? cfg->variant
                                                       : lil_matmul_variant_for(ctx, have_x16, f16w, W->rows, n_tokens);
  const coop_variant *v = find_variant(vname);
  if (!v) return lil_error_set(err, LIL_ERR_INVALID_ARG, "matmul: no tensor-core variant '%s'", vname);

  char why[128] = "";
  int coop = 0;
  if (cfg->path != LIL_MATMUL_PLAIN) {
    coop = lil_matmul_coopmat_ok(ctx, W, why, sizeof(why));
    if (coop && (X.offset % 16 || Y.offset % 16)) coop = 0, snprintf(why, sizeof(why), "X or Y offset not 16-byte aligned");
    if (coop && lil_ctx_plan(ctx)->shared_memory < v->shared)
      coop = 0, snprintf(why, sizeof(why), "variant %s needs %u bytes of shared memory", v->name, v->shared);
    if (coop && v->x16 && !have_x16)
      coop = 0, snprintf(why, sizeof(why), "variant %s reads f16 X: no x16 scratch given", v->name);
    if (!coop && cfg->path == LIL_MATMUL_COOPMAT)
      return lil_error_set(err, LIL_ERR_UNSUPPORTED, "matmul: cooperative-matrix kernel unavailable: %s", why);
  }
  const uint32_t bm = coop ? v->bm : PLAIN_BM, bn = coop ? v->bn : PLAIN_BN;
  char shader[64];
  if (coop)
    snprintf(shader, sizeof(shader), "%s_%s", v->stem, suffix);
  else
    snprintf(shader, sizeof(shader), "%s", lil_matmul_shader(W->type, 0));
  lil_kernel_desc d = {.shader = shader,
                       .n_bindings = 3,
                       .push_size = coop ? sizeof(mm_push) : sizeof(mm_push) - 4,
                       .n_spec = 1,
                       .spec = {coop ? v->threads : PLAIN_THREADS}};
  lil_kernel *k = NULL;
  if ((st = lil_kernel_get(ctx, &d, &k, err))) return lil_error_prefix(err, "matmul");
  const int use_x16 = coop && v->x16;
  /* quantized W decoded to f16 once per part (cfg->w16), then the F16 design */
  const int use_w16 = coop && w16_usable(cfg, W);
  lil_kernel *k16 = NULL;
  char shader16[64], label16[112];
  if (use_w16) {
    snprintf(shader16, sizeof(shader16), "%s_f16", v->stem);
    snprintf(label16, sizeof(label16), "%s %ux%u (%s as f16)", shader16, W->rows, W->cols, suffix);
    lil_kernel_desc d16 = d;
    d16.shader = shader16;
    if ((st = lil_kernel_get(ctx, &d16, &k16, err))) return lil_error_prefix(err, "matmul (f16 weights)");
  }
  if (cfg->x16_only && !use_x16)
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "matmul %ux%u %s: X is only in f16, but %s", W->rows, W->cols, suffix,
                         coop ? "the design reads f32 X" : why[0] ? why : "the plain kernel reads f32 X");
  /* dispatch label: the shader and the weight's shape (profiles tell the projections apart) */
  char label[96];
  snprintf(label, sizeof(label), "%s %ux%u", shader, W->rows, W->cols);

  /* Token chunks: X and Y bindings within max_binding, at most 65535 token tiles per dispatch;
   * chunks are multiples of the token tile so chunk offsets stay 16-byte aligned. */
  const lil_device_plan *p = lil_ctx_plan(ctx);
  uint64_t t_chunk = p->max_binding / (x_row > y_row ? x_row : y_row);
  if (t_chunk > 65535ull * bn) t_chunk = 65535ull * bn;
  if (t_chunk >= bn) t_chunk -= t_chunk % bn;
  if (t_chunk == 0)
    return lil_error_set(err, LIL_ERR_RANGE, "matmul: one token of X or Y exceeds the binding limit");
  uint32_t maxg = lil_ctx_snapshot(ctx)->max_compute_workgroup_count_x;
  if (maxg == 0 || maxg > 65535) maxg = 65535;

  for (uint64_t n0 = 0; n0 < n_tokens; n0 += t_chunk) {
    uint32_t nt = (uint32_t)((n_tokens - n0) < t_chunk ? (n_tokens - n0) : t_chunk);
    lil_binding xb = {X.buf, X.offset + n0 * x_row, nt * x_row};
    lil_binding yb = {Y.buf, Y.offset + n0 * y_row, nt * y_row};
    if (use_x16) {
      lil_binding x16b = {cfg->x16.buf, cfg->x16.offset + n0 * x16_row, nt * x16_row};
      if (!cfg->x16_ready && !cfg->x16_only && (st = convert_x16(ctx, seq, xb, x16b, (uint64_t)nt * W->cols, err)))
        return lil_error_prefix(err, "matmul %ux%u %s: f16 X", W->rows, W->cols, suffix);
      xb = x16b;
    }
    for (uint32_t i = 0; i < W->n_parts; i++) {
      const lil_weight_part *pt = &W->parts[i];
      lil_binding b[3] = {part_binding(W, i), xb, yb};
      lil_kernel *kp = k;
      const char *lab = label;
      uint64_t w16_bytes = use_w16 ? w16_part_bytes(ctx, cfg, W, i) : 0;
      if (w16_bytes) {
        lil_binding w16 = {cfg->w16.buf, cfg->w16.offset, w16_bytes};
        /* one part stays decoded in the scratch across token chunks (and was decoded beforehand when
         * cfg->w16_ready) */
        int decoded = W->n_parts == 1 && (cfg->w16_ready || n0 > 0);
        if (!decoded && (st = dequant_f16(ctx, seq, W->type, b[0], w16, pt->n_rows, W->cols, err)))
          return lil_error_prefix(err, "matmul %ux%u %s: f16 weights", W->rows, W->cols, suffix);
        b[0] = w16, kp = k16, lab = label16;
      }
      uint32_t groups = (pt->n_rows + bm - 1) / bm;
      for (uint32_t g0 = 0; g0 < groups; g0 += maxg) {
        uint32_t gx = groups - g0 < maxg ? groups - g0 : maxg;
        mm_push pc = {.rows = pt->n_rows,
                      .cols = W->cols,
                      .n_tokens = nt,
                      .row0 = g0 * bm,
                      .x_stride = W->cols,
                      .y_stride = W->rows,
                      .y_col0 = pt->first_row,
                      .accumulate = accumulate ? 1u : 0u,
                      .direct = (W->rows % 4 == 0 && pt->first_row % 4 == 0) ? 1u : 0u};
        if ((st = lil_seq_dispatch(seq, kp, b, 3, 1u << 2, &pc, d.push_size, gx, (nt + bn - 1) / bn, 1, lab,
                                   err)))
          return lil_error_prefix(err, "matmul %ux%u %s, %u tokens", W->rows, W->cols, suffix, n_tokens);
      }
    }
  }
  return LIL_OK;
}

lil_status lil_op_matmul_path(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding X, lil_binding Y,
                              uint32_t n_tokens, int accumulate, lil_matmul_path path, lil_error *err) {
  lil_matmul_cfg cfg = {.path = path};
  return lil_op_matmul_ex(ctx, seq, W, X, Y, n_tokens, accumulate, &cfg, err);
}

lil_status lil_op_matmul(lil_ctx *ctx, lil_seq *seq, const lil_weight *W, lil_binding X, lil_binding Y,
                         uint32_t n_tokens, int accumulate, lil_error *err) {
  return lil_op_matmul_path(ctx, seq, W, X, Y, n_tokens, accumulate, LIL_MATMUL_AUTO, err);
}
