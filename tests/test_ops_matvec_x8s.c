/* The shared-x inline-x8 decode matvec (lil_matvec_config.x8s_subgroups / $LIL_MATVEC_X8S,
 * shaders/matvec_x8s.comp: Q8_0 / Q4_0, one column, x quantized per workgroup in blocks of 32 into
 * shared memory, each subgroup its own rows) against the CPU product in double on random data,
 * outputs poisoned first:
 *  - exact inputs (x integers in [-127, 127] times 2^-3, every block of 32 holding a +-127: the
 *    quantization is exact) within 3e-5 sum |w x| (F32 accumulation order, as test_ops_matvec);
 *  - random inputs, the fused RMSNorm and SwiGLU: within the activation rounding bound
 *    sum |w| d / 2, d = max |x'| / 127 of the block of 32 holding the element, + the term above;
 *  - gate / up pairs (y = silu(g) u), rows between and after the halves, the floats past the
 *    outputs untouched;
 *  - rows per subgroup 2 / 4 / 8, 1 / 3 / 4 subgroups per workgroup, rows not a multiple of a
 *    workgroup's, widths of 1, 3, 37 blocks (the unrolled loop, its tail and the first blocks loaded
 *    before the prologue), accumulate, weights in parts;
 *  - the selection: the plan's $LIL_MATVEC_X8S, the config's override and ~0u, x too wide for the
 *    shared memory (matvec_q16.comp's inline kernel instead), other types and several columns. */
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

static const uint32_t types[] = {LIL_TYPE_Q8_0, LIL_TYPE_Q4_0};
#define N_TYPES (int)(sizeof(types) / sizeof(types[0]))

typedef struct x8s_case {
  uint32_t type, rows, cols; /* rows: outputs (glu: pairs) */
  int accumulate, exact;
  lil_matvec_fuse fuse;
  uint32_t nsg, rows_per_group;
  uint64_t max_part;
  uint32_t glu_gap, glu_tail; /* glu: rows between the gate and up halves, and after them */
  int glu;
} x8s_case;

static void check_x8s(lil_ctx *ctx, const x8s_case *c, uint64_t *rng) {
  uint32_t n = c->rows, cols = c->cols, up = n + c->glu_gap;
  uint32_t wrows = c->glu ? up + n + c->glu_tail : n;
  float *wd = NULL;
  uint8_t *wq = test_make_weights(c->type, wrows, cols, rng, &wd);
  lil_weight *w = test_upload_weight(ctx, c->type, wrows, cols, wq, c->max_part);
  if (c->max_part) ck_assert_uint_ge(w->n_parts, 2);
  float *x = malloc((size_t)cols * 4), *aux = malloc((size_t)cols * 4);
  double *xt = malloc((size_t)cols * 8), *db = calloc(cols / 32, sizeof(double));
  for (uint32_t g = 0; g < cols / 4; g++) {
    float mag = powf(10.0f, test_rand_uniform(rng, -3.0f, 1.0f));
    int zero = !c->exact && g % 29 == 6; /* a zero block now and then (8 groups of 4 = one block) */
    for (int i = 0; i < 4; i++) {
      float v = c->exact ? (float)(int)test_rand_uniform(rng, -127.0f, 127.99f) * 0.125f
                         : mag * test_rand_uniform(rng, -1.0f, 1.0f);
      x[g * 4 + i] = zero ? 0.0f : v;
    }
    if (c->exact) x[g * 4 + (g % 4)] = (g % 3 ? 127.0f : -127.0f) * 0.125f;
  }
  for (uint32_t g = 0; !c->exact && g < cols / 32; g += 5) memset(x + 32 * g, 0, 32 * 4); /* zero blocks */
  for (uint32_t k = 0; k < cols; k++) aux[k] = test_rand_uniform(rng, -1.5f, 1.5f);
  const float eps = 1e-5f;
  double ss = 0;
  for (uint32_t k = 0; k < cols; k++) ss += (double)x[k] * x[k];
  double inv = 1.0 / sqrt(ss / cols + eps);
  for (uint32_t k = 0; k < cols; k++) {
    xt[k] = c->fuse == LIL_MATVEC_FUSE_RMSNORM  ? x[k] * inv * aux[k]
            : c->fuse == LIL_MATVEC_FUSE_SWIGLU ? x[k] / (1.0 + exp(-(double)x[k])) * aux[k]
                                                : x[k];
    db[k / 32] = fmax(db[k / 32], fabs(xt[k]) / 127.0);
  }
  const uint32_t extra = 8; /* floats past the outputs: must stay poisoned */
  float *y0 = test_rand_floats(rng, n + extra, -4.0f, 4.0f), *y = malloc((size_t)(n + extra) * 4);
  lil_buffer *xb = test_floats_buffer(ctx, x, cols), *ab = test_floats_buffer(ctx, aux, cols);
  lil_buffer *yb = test_floats_buffer(ctx, NULL, n + extra); /* poisoned */
  if (c->accumulate) test_upload(yb, y0, (size_t)n * 4);
  lil_matvec_config cfg = {.rows_per_group = c->rows_per_group, .fuse = c->fuse, .aux = {ab, 0, 0}, .eps = eps,
                           .x8_inline = 1, .x8s_subgroups = c->nsg};
  if (c->glu) cfg.glu_rows = n, cfg.glu_up = up;
  lil_error err = {0};
  lil_seq *seq = test_seq(ctx);
  TEST_OK(lil_op_matvec_cfg(ctx, seq, w, (lil_binding){xb, 0, (uint64_t)cols * 4}, (lil_binding){yb, 0, (uint64_t)n * 4},
                            1, c->accumulate, &cfg, &err));
  ck_assert_uint_eq(lil_seq_dispatch_count(seq), w->n_parts);
  char want[48];
  snprintf(want, sizeof(want), "matvecx8s_%s_r%u_s%u%s ", lil_type_get(c->type)->name,
           c->rows_per_group == 2 || c->rows_per_group == 8 ? c->rows_per_group : 4, c->nsg, c->glu ? "+glu" : "");
  for (char *p = want; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
  ck_assert_msg(!strncmp(lil_seq_label(seq, 0), want, strlen(want)), "label %s, want %s", lil_seq_label(seq, 0), want);
  test_run_free(seq);
  test_download(yb, y, (size_t)(n + extra) * 4);
  uint32_t worst = 0;
  double worst_ratio = -1, worst_ref = 0, worst_tol = 0;
  for (uint32_t r = 0; r < n; r++) {
    double v[2] = {0, 0}, sc[2] = {0, 0}, bd[2] = {0, 0};
    for (int h = 0; h < (c->glu ? 2 : 1); h++) {
      const float *wr = wd + (size_t)(h ? up + r : r) * cols;
      for (uint32_t k = 0; k < cols; k++) {
        v[h] += wr[k] * xt[k];
        sc[h] += fabs(wr[k] * xt[k]);
        bd[h] += fabs(wr[k]) * db[k / 32] * 0.5;
      }
    }
    double e0 = (c->exact ? 0 : bd[0] * 1.001) + TOL * sc[0] + 1e-6, ref, tol;
    if (c->glu) {
      double e1 = bd[1] * 1.001 + TOL * sc[1] + 1e-6, silu = v[0] / (1.0 + exp(-v[0]));
      ref = silu * v[1];
      tol = 1.1 * e0 * (fabs(v[1]) + e1) + fabs(silu) * e1 + 1e-6;
    } else {
      ref = (c->accumulate ? y0[r] : 0) + v[0];
      tol = e0 + TOL * fabs(ref);
    }
    double ratio = isfinite(y[r]) ? fabs(y[r] - ref) / tol : INFINITY;
    if (ratio > worst_ratio) worst_ratio = ratio, worst = r, worst_ref = ref, worst_tol = tol;
  }
  ck_assert_msg(worst_ratio <= 1.0,
                "%s %u x %u acc %d exact %d fuse %d glu %d subgroups %u rows %u parts %u: y[%u] = %.9g, want %.9g "
                "(tol %g)",
                lil_type_get(c->type)->name, n, cols, c->accumulate, c->exact, (int)c->fuse, c->glu, c->nsg,
                c->rows_per_group, w->n_parts, worst, y[worst], worst_ref, worst_tol);
  for (uint32_t i = n; i < n + extra; i++) {
    uint32_t b;
    memcpy(&b, &y[i], 4);
    ck_assert_msg(b == POISON, "%s: float %u past the %u outputs written", lil_type_get(c->type)->name, i - n, n);
  }
  lil_buffer_free(xb);
  lil_buffer_free(ab);
  lil_buffer_free(yb);
  lil_weight_free(w);
  free(wq), free(wd), free(x), free(aux), free(xt), free(db), free(y0), free(y);
}

/* Rows 1 / 7 / 33 / 300, widths of 1, 3, 37 blocks, exact and random x, accumulate alternating, the
 * rows-per-subgroup variants and 1 / 3 / 4 subgroups in turn. */
START_TEST(test_x8s_shapes) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_x8i(1);
#if defined(__SANITIZE_ADDRESS__)
  static const uint32_t rows[] = {7, 300};
#else
  static const uint32_t rows[] = {1, 7, 33, 300};
#endif
  static const uint32_t widths[] = {32, 96, 32 * 37}, rpg[] = {2, 4, 8, 0}, nsg[] = {1, 3, 4};
  int k = 0;
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
    for (int j = 0; j < 3; j++)
      for (int exact = 0; exact < 2; exact++, k++) {
        x8s_case c = {types[_i], rows[i], widths[j], k % 2, exact, LIL_MATVEC_FUSE_NONE, nsg[k % 3], rpg[k % 4], 0,
                      0, 0, 0};
        check_x8s(ctx, &c, &rng);
      }
  test_ctx_free(ctx);
}
END_TEST

/* The fused RMSNorm and SwiGLU, the gate / up pairs (with and without RMSNorm, rows between and
 * after the halves), a weight in parts. */
START_TEST(test_x8s_fused_glu) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_x8i(1);
  static const uint32_t rows[] = {7, 33, 300}, widths[] = {96, 32 * 37};
  int k = 0;
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
    for (int j = 0; j < 2; j++, k++) {
      x8s_case c = {types[_i], rows[i], widths[j], k % 2, 0, k % 2 ? LIL_MATVEC_FUSE_SWIGLU : LIL_MATVEC_FUSE_RMSNORM,
                    k % 3 ? 4 : 1, k % 3 == 2 ? 8 : 4, 0, 0, 0, 0};
      check_x8s(ctx, &c, &rng);
      x8s_case g = {types[_i], rows[i], widths[j], 0, 0, k % 2 ? LIL_MATVEC_FUSE_NONE : LIL_MATVEC_FUSE_RMSNORM,
                    k % 3 ? 3 : 4, k % 3 == 1 ? 2 : k % 3 == 2 ? 8 : 4, 0, k % 2 ? 5 : 0, k % 3 ? 3 : 0, 1};
      check_x8s(ctx, &g, &rng);
    }
  uint64_t rb = lil_type_row_bytes(types[_i], 160);
  x8s_case p = {types[_i], 61, 160, 1, 1, LIL_MATVEC_FUSE_NONE, 4, 4, rb * 16, 0, 0, 0};
  check_x8s(ctx, &p, &rng);
  p.fuse = LIL_MATVEC_FUSE_RMSNORM, p.exact = 0, p.accumulate = 0;
  check_x8s(ctx, &p, &rng);
  test_ctx_free(ctx);
}
END_TEST

static const char *label_of(lil_ctx *ctx, uint32_t type, uint32_t cols, uint32_t ncols, const lil_matvec_config *cfg) {
  static char label[64];
  lil_error err = {0};
  lil_weight *w = NULL;
  TEST_OK(lil_weight_create(ctx, type, 5, cols, NULL, NULL, &w, &err));
  lil_buffer *xb = test_floats_buffer(ctx, NULL, (size_t)cols * ncols), *yb = test_floats_buffer(ctx, NULL, 5 * ncols);
  lil_seq *seq = test_seq(ctx);
  TEST_OK(lil_op_matvec_cfg(ctx, seq, w, tb(xb), tb(yb), ncols, 0, cfg, &err));
  ck_assert_uint_eq(lil_seq_dispatch_count(seq), 1);
  snprintf(label, sizeof(label), "%s", lil_seq_label(seq, 0));
  lil_seq_free(seq);
  lil_buffer_free(xb);
  lil_buffer_free(yb);
  lil_weight_free(w);
  return label;
}

/* Which kernel runs, and $LIL_MATVEC_X8S. */
START_TEST(test_x8s_selection) {
  setenv("LIL_MATVEC_X8S", "8,2", 1);
  lil_ctx *ctx = test_ctx_x8i(1);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->matvec_x8s_rows, 8);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->matvec_x8s_subgroups, 2);
  lil_matvec_config on = {.x8_inline = 1}, never = {.x8_inline = 1, .x8s_subgroups = ~0u};
  lil_matvec_config forced = {.x8_inline = 1, .x8s_subgroups = 3, .rows_per_group = 2};
  ck_assert_str_eq(label_of(ctx, LIL_TYPE_Q4_0, 256, 1, &on), "matvecx8s_q4_0_r8_s2 5x256"); /* the plan's */
  ck_assert_str_eq(label_of(ctx, LIL_TYPE_Q8_0, 256, 1, &forced), "matvecx8s_q8_0_r2_s3 5x256");
  ck_assert_int_eq(strncmp(label_of(ctx, LIL_TYPE_Q4_0, 256, 1, &never), "matvecx8i_", 10), 0);
  ck_assert_int_eq(strncmp(label_of(ctx, LIL_TYPE_Q4_0, 256, 2, &on), "matvecx8i_", 10), 0); /* 2 columns */
  ck_assert_int_eq(strncmp(label_of(ctx, LIL_TYPE_Q4_K, 256, 1, &on), "matvec16_", 9), 0);
  /* x wider than the shared memory holds: the inline kernel */
  uint32_t wide = (lil_ctx_plan(ctx)->shared_memory / 40 + 1) * 32;
  ck_assert_int_eq(strncmp(label_of(ctx, LIL_TYPE_Q4_0, wide, 1, &on), "matvecx8i_", 10), 0);
  test_ctx_free(ctx);
  setenv("LIL_MATVEC_X8S", "4", 1);
  ctx = test_ctx_x8i(1);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->matvec_x8s_rows, 4);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->matvec_x8s_subgroups, 4); /* the default count */
  test_ctx_free(ctx);
  setenv("LIL_MATVEC_X8S", "0", 1);
  ctx = test_ctx_x8i(1);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->matvec_x8s_subgroups, 0);
  ck_assert_int_eq(strncmp(label_of(ctx, LIL_TYPE_Q4_0, 256, 1, &on), "matvecx8i_", 10), 0);
  test_ctx_free(ctx);
  setenv("LIL_MATVEC_X8S", "3,2", 1); /* 3 rows per subgroup: no such variant, off */
  ctx = test_ctx_x8i(1);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->matvec_x8s_subgroups, 0);
  test_ctx_free(ctx);
  unsetenv("LIL_MATVEC_X8S");
}
END_TEST

int main(void) {
  Suite *s = suite_create("ops_matvec_x8s");
  TCase *tc = tcase_create("gpu");
  tcase_set_timeout(tc, 600);
  if (LIL_GLSLC_HAS_SPIRV_INTRINSICS) {
    tcase_add_loop_test(tc, test_x8s_shapes, 0, N_TYPES);
    tcase_add_loop_test(tc, test_x8s_fused_glu, 0, N_TYPES);
    tcase_add_test(tc, test_x8s_selection);
  }
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
