/* The decode matvec with gate / up row pairs (lil_matvec_config.glu_rows: y[r] = silu(g_r) * u_r,
 * g_r = W[r] x', u_r = W[glu_up + r] x', x' = x or RMSNorm(x) * w_norm) against the CPU reference in
 * double on random data, outputs poisoned first (and the floats past the outputs checked untouched):
 *  - Q8_0 / Q4_0 / Q4_K / Q6_K through the F32-activation kernels and the inline-x8 ones;
 *  - outputs not a multiple of the workgroup's pairs, rows between the gate and the up rows and
 *    after them (never read), rows per workgroup 2 / 4 / 8, one and four subgroups, widths of 1 / 3
 *    and 37 (or 5) blocks;
 *  - the refusals: another type, a weight in parts, accumulate, several columns, up rows overlapping
 *    the gate rows or past the weight.
 * Tolerance: g and u each within their matvec's bound (3e-5 sum |w x'| as test_ops_matvec, plus the
 * activation rounding sum |w| d_x / 2 on the x8 path, as test_ops_matvec_x8i), propagated through
 * silu(g) u (|silu'| <= 1.1). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_ops_matvec.h"
#include "lil_quant.h"
#include "lil_shader_caps.h"
#include "test_common.h"
#include "test_ops_util.h"
#include "test_vk_common.h"

#define TOL 3e-5
#define POISON 0x7fc0deadu /* test_poison's word */

static const uint32_t types[] = {LIL_TYPE_Q8_0, LIL_TYPE_Q4_0, LIL_TYPE_Q4_K, LIL_TYPE_Q6_K};
#define N_TYPES (int)(sizeof(types) / sizeof(types[0]))

/* x8 0: the F32-activation kernels (a default context); 1: the inline-x8 kernels for every type */
static lil_ctx *ctx_for(int x8) { return x8 ? test_ctx_x8i(2) : test_ctx_create(); }

typedef struct glu_case {
  uint32_t type, n_out, gap, tail, cols; /* rows: n_out gate, gap, n_out up, tail */
  int rmsnorm, x8;
  uint32_t wg, rows_per_group;
} glu_case;

static void check_glu(lil_ctx *ctx, const glu_case *c, uint64_t *rng) {
  uint32_t n = c->n_out, up = n + c->gap, rows = up + n + c->tail, cols = c->cols;
  float *wd = NULL;
  uint8_t *wq = test_make_weights(c->type, rows, cols, rng, &wd);
  lil_weight *w = test_upload_weight(ctx, c->type, rows, cols, wq, 0);
  ck_assert_int_eq(lil_matvec_glu_applies(ctx, w), 1);
  float *x = test_rand_floats(rng, cols, -3.0f, 3.0f), *aux = test_rand_floats(rng, cols, -1.5f, 1.5f);
  double *xt = malloc((size_t)cols * 8), *dsl = calloc(cols / 8, sizeof(double));
  const float eps = 1e-5f;
  double ss = 0;
  for (uint32_t k = 0; k < cols; k++) ss += (double)x[k] * x[k];
  double inv = 1.0 / sqrt(ss / cols + eps);
  for (uint32_t k = 0; k < cols; k++) xt[k] = c->rmsnorm ? x[k] * inv * aux[k] : x[k];
  for (uint32_t k = 0; k < cols; k++) {
    size_t s = test_x8i_slice_of(c->type, k);
    dsl[s] = fmax(dsl[s], fabs(xt[k]) / 127.0);
  }
  const uint32_t extra = 8; /* floats past the outputs: must stay poisoned */
  lil_buffer *xb = test_floats_buffer(ctx, x, cols), *ab = test_floats_buffer(ctx, aux, cols);
  lil_buffer *yb = test_floats_buffer(ctx, NULL, n + extra);
  lil_matvec_config cfg = {.workgroup_size = c->wg, .rows_per_group = c->rows_per_group,
                           .fuse = c->rmsnorm ? LIL_MATVEC_FUSE_RMSNORM : LIL_MATVEC_FUSE_NONE,
                           .aux = {ab, 0, 0}, .eps = eps, .x8_inline = c->x8, .glu_rows = n, .glu_up = up};
  lil_error err = {0};
  lil_seq *seq = test_seq(ctx);
  TEST_OK(lil_op_matvec_cfg(ctx, seq, w, (lil_binding){xb, 0, (uint64_t)cols * 4}, (lil_binding){yb, 0, (uint64_t)n * 4},
                            1, 0, &cfg, &err));
  ck_assert_uint_eq(lil_seq_dispatch_count(seq), 1);
  const char *label = lil_seq_label(seq, 0);
  ck_assert_msg(strstr(label, "+glu") && !strncmp(label, c->x8 ? "matvecx8i_" : "matvec16_", c->x8 ? 10 : 9),
                "label %s", label);
  test_run_free(seq);
  float *y = malloc((size_t)(n + extra) * 4);
  test_download(yb, y, (size_t)(n + extra) * 4);
  /* the worst output relative to its tolerance, asserted once */
  uint32_t worst = 0;
  double worst_ratio = -1, worst_ref = 0, worst_tol = 0;
  for (uint32_t r = 0; r < n; r++) {
    double g = 0, u = 0, sg = 0, su = 0, bg = 0, bu = 0;
    for (uint32_t k = 0; k < cols; k++) {
      double wg = wd[(size_t)r * cols + k], wu = wd[(size_t)(up + r) * cols + k], d = dsl[test_x8i_slice_of(c->type, k)];
      g += wg * xt[k], u += wu * xt[k];
      sg += fabs(wg * xt[k]), su += fabs(wu * xt[k]);
      bg += fabs(wg) * d * 0.5, bu += fabs(wu) * d * 0.5;
    }
    double eg = TOL * sg + (c->x8 ? bg * 1.001 : 0) + 1e-6, eu = TOL * su + (c->x8 ? bu * 1.001 : 0) + 1e-6;
    double silu = g / (1.0 + exp(-g)), ref = silu * u;
    double tol = 1.1 * eg * (fabs(u) + eu) + fabs(silu) * eu + 1e-6;
    double ratio = isfinite(y[r]) ? fabs(y[r] - ref) / tol : INFINITY;
    if (ratio > worst_ratio) worst_ratio = ratio, worst = r, worst_ref = ref, worst_tol = tol;
  }
  ck_assert_msg(worst_ratio <= 1.0, "%s %u outputs (gap %u, tail %u) x %u rmsnorm %d x8 %d wg %u rows %u: y[%u] = %.9g, want %.9g (tol %g)",
                lil_type_get(c->type)->name, n, c->gap, c->tail, cols, c->rmsnorm, c->x8, c->wg, c->rows_per_group,
                worst, y[worst], worst_ref, worst_tol);
  uint32_t untouched = 1;
  for (uint32_t i = n; i < n + extra; i++) {
    uint32_t b;
    memcpy(&b, &y[i], 4);
    untouched &= b == POISON;
  }
  ck_assert_msg(untouched, "%s: a float past the %u outputs was written", lil_type_get(c->type)->name, n);
  lil_buffer_free(xb);
  lil_buffer_free(ab);
  lil_buffer_free(yb);
  lil_weight_free(w);
  free(wq), free(wd), free(x), free(aux), free(xt), free(dsl), free(y);
}

/* Per type and path: outputs 1 / 7 / 33 / 300 with and without rows between and after, widths of
 * 1, 3 and 37 (256-element blocks: 5) blocks, RMSNorm on and off, rows per workgroup 2 / 4 / 8 and
 * the default, one subgroup, four, the default. */
static void run_shapes(int x8, uint32_t type, uint64_t *rng) {
  lil_ctx *ctx = ctx_for(x8);
  uint32_t sg = lil_ctx_plan(ctx)->subgroup_size, be = lil_type_get(type)->block_elems;
#if defined(__SANITIZE_ADDRESS__)
  static const uint32_t outs[] = {7, 300};
#else
  static const uint32_t outs[] = {1, 7, 33, 300};
#endif
  uint32_t widths[3] = {be, 3 * be, be == 32 ? 32 * 37 : 256 * 5};
  static const uint32_t rpg[] = {2, 4, 8, 0};
  int k = 0;
  for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
    for (int j = 0; j < 3; j++, k++) {
      glu_case c = {type, outs[i], k % 2 ? 5 : 0, k % 3 ? 3 : 0, widths[j], (k / 2) % 2, x8,
                    k % 3 == 0 ? sg : k % 3 == 1 ? 4 * sg : 0, rpg[k % 4]};
      check_glu(ctx, &c, rng);
    }
  test_ctx_free(ctx);
}

START_TEST(test_glu_f32) {
  uint64_t rng = test_seed();
  run_shapes(0, types[_i], &rng);
}
END_TEST

START_TEST(test_glu_x8i) {
  uint64_t rng = test_seed();
  run_shapes(1, types[_i], &rng);
}
END_TEST

/* What the pairs refuse, each with its message and nothing recorded. */
START_TEST(test_glu_errors) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_create();
  float *wd = NULL;
  uint8_t *wq = test_make_weights(LIL_TYPE_Q4_0, 64, 64, &rng, &wd);
  lil_weight *w = test_upload_weight(ctx, LIL_TYPE_Q4_0, 64, 64, wq, 0);
  lil_weight *parts = test_upload_weight(ctx, LIL_TYPE_Q4_0, 64, 64, wq, lil_type_row_bytes(LIL_TYPE_Q4_0, 64) * 16);
  ck_assert_uint_ge(parts->n_parts, 2);
  float *f16src = test_rand_floats(&rng, 64 * 64, -1, 1);
  uint16_t *h = malloc(64 * 64 * 2);
  ck_assert_int_eq(lil_quantize_row(LIL_TYPE_F16, f16src, h, 64 * 64, NULL), LIL_OK);
  lil_weight *wf = test_upload_weight(ctx, LIL_TYPE_F16, 64, 64, (const uint8_t *)h, 0);
  lil_buffer *xb = test_floats_buffer(ctx, NULL, 2 * 64), *yb = test_floats_buffer(ctx, NULL, 2 * 64);
  lil_binding x = {xb, 0, 64 * 4}, x2 = {xb, 0, 2 * 64 * 4}, y = {yb, 0, 32 * 4}, y2 = {yb, 0, 2 * 64 * 4};
  ck_assert_int_eq(lil_matvec_glu_applies(ctx, w), 1);
  ck_assert_int_eq(lil_matvec_glu_applies(ctx, parts), 0);
  ck_assert_int_eq(lil_matvec_glu_applies(ctx, wf), 0);
  struct {
    const lil_weight *w;
    lil_binding x, y;
    uint32_t ncols, rows, up;
    int acc;
    lil_status want;
    const char *msg;
  } bad[] = {
      {wf, x, y, 1, 32, 32, 0, LIL_ERR_UNSUPPORTED, "quantized weight in one part"},
      {parts, x, y, 1, 32, 32, 0, LIL_ERR_UNSUPPORTED, "quantized weight in one part"},
      {w, x, y, 1, 32, 32, 1, LIL_ERR_INVALID_ARG, "no accumulate"},
      {w, x2, y2, 2, 32, 32, 0, LIL_ERR_INVALID_ARG, "one column"},
      {w, x, y, 1, 32, 16, 0, LIL_ERR_INVALID_ARG, "from row 16 of 64"},
      {w, x, y, 1, 32, 40, 0, LIL_ERR_INVALID_ARG, "from row 40 of 64"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    lil_seq *seq = test_seq(ctx);
    lil_error err = {0};
    lil_matvec_config cfg = {.glu_rows = bad[i].rows, .glu_up = bad[i].up};
    lil_status st = lil_op_matvec_cfg(ctx, seq, bad[i].w, bad[i].x, bad[i].y, bad[i].ncols, bad[i].acc, &cfg, &err);
    ck_assert_msg(st == bad[i].want && strstr(err.msg, bad[i].msg), "case %zu: status %d, '%s'", i, (int)st, err.msg);
    ck_assert_uint_eq(lil_seq_dispatch_count(seq), 0);
    lil_seq_free(seq);
  }
  lil_buffer_free(xb);
  lil_buffer_free(yb);
  lil_weight_free(w);
  lil_weight_free(parts);
  lil_weight_free(wf);
  free(wq), free(wd), free(f16src), free(h);
  test_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ops_matvec_glu");
  TCase *tc = tcase_create("gpu");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_glu_errors);
  tcase_add_loop_test(tc, test_glu_f32, 0, N_TYPES);
  if (LIL_GLSLC_HAS_SPIRV_INTRINSICS) tcase_add_loop_test(tc, test_glu_x8i, 0, N_TYPES);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
