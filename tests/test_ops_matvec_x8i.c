/* The integer-dot decode matvec with x quantized inside the matvec (lil_matvec_config.x8_inline,
 * shaders/matvec_q16.comp -DX8_INLINE: Q8_0 / Q4_0, and Q4_K / Q6_K with matvec_x8_inline = 2) on
 * random data, outputs poisoned first:
 *  - exact inputs: x integers in [-127, 127] times 2^-3, every group of 4 holding a +-127, so each
 *    thread slice's scale is 2^-3 and its quantization exact: the result must match the CPU
 *    product of the dequantized weights and x within the TOL of test_ops_matvec (3e-5 sum |w x|,
 *    F32 accumulation order) -- a wrong nibble, byte order, offset or scale fails it;
 *  - random inputs (per-group magnitudes 1e-3..10, zero groups): within the bound of the
 *    activation rounding, |sum w (x - d q)| <= sum |w| d / 2, d = max |x| / 127 of the thread
 *    thread's group holding the element (slice_of), + the TOL term;
 *  - the fused RMSNorm / SwiGLU (x transformed, then quantized; the bound on the transformed x);
 *  - every rows / columns variant with one and four subgroups, split weights, path selection
 *    (other types, inline off, no x8) and the automatic choice of lil_plan_matvec_x8. */
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

static const uint32_t types[] = {LIL_TYPE_Q8_0, LIL_TYPE_Q4_0, LIL_TYPE_Q4_K, LIL_TYPE_Q6_K};
#define N_TYPES (int)(sizeof(types) / sizeof(types[0]))

/* Q4_K / Q6_K take the inline path with matvec_x8_inline = 2 only */
static int inline_level(uint32_t type) { return type == LIL_TYPE_Q4_K || type == LIL_TYPE_Q6_K ? 2 : 1; }


typedef struct x8i_case {
  uint32_t type, rows, cols, ncols;
  int accumulate, exact;
  lil_matvec_fuse fuse;
  uint32_t wg, rows_per_group;
  uint64_t max_part;
} x8i_case;

static void check_x8i(lil_ctx *ctx, const x8i_case *c, uint64_t *rng) {
  uint32_t rows = c->rows, cols = c->cols, nc = c->ncols;
  ck_assert_uint_ge(lil_ctx_plan(ctx)->matvec_x8_inline, (uint32_t)inline_level(c->type));
  float *wd = NULL;
  uint8_t *wq = test_make_weights(c->type, rows, cols, rng, &wd);
  lil_weight *w = test_upload_weight(ctx, c->type, rows, cols, wq, c->max_part);
  if (c->max_part) ck_assert_uint_ge(w->n_parts, 2);
  ck_assert_int_eq(lil_matvec_x8_inline_applies(ctx, w), 1);
  size_t nx = (size_t)nc * cols, ny = (size_t)nc * rows;
  float *x = malloc(nx * 4), *aux = malloc((size_t)cols * 4), *y0 = malloc(ny * 4), *y = malloc(ny * 4);
  double *xt = malloc(nx * 8); /* x as the matvec multiplies it (transformed) */
  for (size_t g = 0; g < nx / 4; g++) {
    float mag = powf(10.0f, test_rand_uniform(rng, -3.0f, 1.0f));
    int zero = !c->exact && g % 13 == 6;
    for (int i = 0; i < 4; i++) {
      float v = c->exact ? (float)(int)test_rand_uniform(rng, -127.0f, 127.99f) * 0.125f
                         : mag * test_rand_uniform(rng, -1.0f, 1.0f);
      x[g * 4 + i] = zero ? 0.0f : v;
    }
    if (c->exact) x[g * 4 + (g % 4)] = (g % 3 ? 127.0f : -127.0f) * 0.125f;
  }
  for (uint32_t k = 0; k < cols; k++) aux[k] = test_rand_uniform(rng, -1.5f, 1.5f);
  for (size_t i = 0; i < ny; i++) y0[i] = test_rand_uniform(rng, -4.0f, 4.0f);
  const float eps = 1e-5f;
  double ss = 0;
  for (uint32_t k = 0; k < cols; k++) ss += (double)x[k] * x[k];
  double inv = 1.0 / sqrt(ss / cols + eps);
  for (size_t i = 0; i < nx; i++) {
    size_t k = i % cols;
    xt[i] = c->fuse == LIL_MATVEC_FUSE_RMSNORM  ? x[i] * inv * aux[k]
            : c->fuse == LIL_MATVEC_FUSE_SWIGLU ? x[i] / (1.0 + exp(-(double)x[i])) * aux[k]
                                                : x[i];
  }
  /* the quantization step of every slice of the transformed x */
  size_t n_sl = nx / 8;
  double *dsl = calloc(n_sl, sizeof(double));
  for (size_t i = 0; i < nx; i++) {
    size_t s = (i / cols) * (cols / 8) + test_x8i_slice_of(c->type, i % cols);
    dsl[s] = fmax(dsl[s], fabs(xt[i]) / 127.0);
  }
  lil_buffer *xb = test_floats_buffer(ctx, x, nx), *ab = test_floats_buffer(ctx, aux, cols);
  lil_buffer *yb = test_floats_buffer(ctx, c->accumulate ? y0 : NULL, ny); /* poisoned unless accumulating */
  lil_matvec_config cfg = {.workgroup_size = c->wg, .rows_per_group = c->rows_per_group, .fuse = c->fuse,
                           .aux = {ab, 0, 0}, .eps = eps, .x8_inline = 1};
  lil_error err = {0};
  lil_seq *seq = test_seq(ctx);
  TEST_OK(lil_op_matvec_cfg(ctx, seq, w, (lil_binding){xb, 0, nx * 4}, (lil_binding){yb, 0, ny * 4}, nc, c->accumulate,
                            &cfg, &err));
  /* one dispatch per part, no quantization dispatch */
  ck_assert_uint_eq(lil_seq_dispatch_count(seq), w->n_parts);
  ck_assert_int_eq(strncmp(lil_seq_label(seq, 0), "matvecx8i_", 10), 0);
  test_run_free(seq);
  test_download(yb, y, ny * 4);
  for (uint32_t n = 0; n < nc; n++)
    for (uint32_t r = 0; r < rows; r++) {
      double ref = c->accumulate ? y0[n * rows + r] : 0, scale = fabs(ref), bound = 0;
      for (uint32_t k = 0; k < cols; k++) {
        size_t xi = (size_t)n * cols + k;
        double wv = wd[(size_t)r * cols + k];
        ref += wv * xt[xi];
        scale += fabs(wv * xt[xi]);
        bound += fabs(wv) * dsl[(size_t)n * (cols / 8) + test_x8i_slice_of(c->type, k)] * 0.5;
      }
      double got = y[n * rows + r], tol = (c->exact ? 0 : bound * 1.001) + TOL * scale + 1e-6;
      ck_assert_msg(fabs(got - ref) <= tol,
                    "%s %ux%u ncols %u acc %d exact %d fuse %d wg %u rows %u parts %u: y[%u][%u] = %.9g, want %.9g "
                    "(tol %g)",
                    lil_type_get(c->type)->name, rows, cols, nc, c->accumulate, c->exact, (int)c->fuse, c->wg,
                    c->rows_per_group, w->n_parts, n, r, got, ref, tol);
    }
  lil_buffer_free(xb);
  lil_buffer_free(ab);
  lil_buffer_free(yb);
  lil_weight_free(w);
  free(wq), free(wd), free(x), free(aux), free(y0), free(y), free(xt), free(dsl);
}

/* Rows {1, 7, 33, 255, 300} (thinned under ASan), widths of 1, 3 and 37 blocks (not multiples of
 * a workgroup's span), ncols 1 / 3 / 8, accumulate alternating, exact and random inputs, on the
 * default launch shape. */
START_TEST(test_x8i_shapes) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_x8i(inline_level(types[_i]));
  uint32_t b = lil_type_get(types[_i])->block_elems;
  /* thinned under ASan and for the 256-element blocks (lavapipe emulates the dot products) */
#if defined(__SANITIZE_ADDRESS__)
  static const uint32_t rows_all[] = {7, 300}, rows_k[] = {33};
#else
  static const uint32_t rows_all[] = {1, 7, 33, 255, 300}, rows_k[] = {1, 33, 300};
#endif
  const uint32_t *rows = b == 32 ? rows_all : rows_k;
  size_t n_rows = b == 32 ? sizeof(rows_all) / sizeof(rows_all[0]) : sizeof(rows_k) / sizeof(rows_k[0]);
  static const uint32_t ncols[] = {1, 3, 8};
  uint32_t widths[3] = {b, 3 * b, b == 32 ? 32 * 37 : 256 * 5};
  int k = 0;
  for (size_t i = 0; i < n_rows; i++)
    for (int j = 0; j < 3; j++, k++)
      for (int exact = 0; exact < 2; exact++) {
        x8i_case c = {types[_i], rows[i], widths[j], ncols[k % 3], k % 2, exact, LIL_MATVEC_FUSE_NONE, 0, 0, 0};
        check_x8i(ctx, &c, &rng);
      }
  test_ctx_free(ctx);
}
END_TEST

/* The fused transforms (one column): RMSNorm and SwiGLU, rows 1 / 7 / 33 / 300, widths of 3 and
 * 17 blocks, workgroups of one subgroup, 64, the default and 256 threads. */
START_TEST(test_x8i_fused) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_x8i(inline_level(types[_i]));
  uint32_t sg = lil_ctx_plan(ctx)->subgroup_size;
#if defined(__SANITIZE_ADDRESS__)
  static const uint32_t rows[] = {7, 300};
#else
  static const uint32_t rows[] = {1, 7, 33, 300};
#endif
  uint32_t b = lil_type_get(types[_i])->block_elems;
  uint32_t widths[2] = {3 * b, b == 32 ? 544 : 256 * 3};
  int k = 0;
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
    for (int j = 0; j < 2; j++, k++) {
      /* a transformed x is not exactly representable: the rounding bound applies */
      x8i_case c = {types[_i], rows[i], widths[j], 1, (k / 2) % 2, 0,
                    k % 2 ? LIL_MATVEC_FUSE_SWIGLU : LIL_MATVEC_FUSE_RMSNORM,
                    k % 4 == 0 ? sg : k % 4 == 1 ? 64 : k % 4 == 2 ? 0 : 256, 0, 0};
      check_x8i(ctx, &c, &rng);
    }
  test_ctx_free(ctx);
}
END_TEST

/* Every rows-per-workgroup variant (1, 2, 4, 8) and column capacity, one and four subgroups per
 * workgroup, rows not a multiple of the rows per workgroup, blocks per row not a multiple of the
 * threads' stride (the unrolled loop and the tail both run); split weights. */
START_TEST(test_x8i_variants) {
  uint64_t rng = test_seed();
  uint32_t type = types[_i];
  lil_ctx *ctx = test_ctx_x8i(inline_level(type));
  uint32_t sg = lil_ctx_plan(ctx)->subgroup_size, tpb = lil_type_get(type)->block_elems == 32 ? 4 : 8;
#if defined(__SANITIZE_ADDRESS__)
  const int thin = 1; /* ASan: every rows variant, one and four subgroups, 1 and 5 columns */
#else
  const int thin = 0;
#endif
  for (uint32_t rpg = 1; rpg <= 8; rpg *= 2)
    for (uint32_t wgm = 1; wgm <= 4; wgm *= 4)
      for (uint32_t nc = 1; nc <= 8; nc = nc == 1 ? 2 : nc == 2 ? 5 : 9) {
        if (rpg == 8 && nc > 2) continue; /* 8 rows: 1 and 2 columns only (else 4 rows) */
        /* each (rows, columns, workgroup) is a pipeline of its own, which lavapipe compiles every run
         * (slowly under ASan: Q6_K's 8-column variants took minutes): the 256-element types skip
         * the 2-column capacity; under ASan they take 1 column only, the others skip 2 columns and
         * 5 with four subgroups */
        int k256 = lil_type_get(type)->block_elems == 256;
        if ((thin || k256) && nc == 2) continue;
        if (thin && ((nc == 5 && wgm == 4) || (k256 && nc != 1))) continue;
        /* blocks per row: beyond one unrolled sweep of the workgroup (UNROLL 4 for Q4_0, 2 for the
         * others), not a multiple of it */
        uint32_t be = lil_type_get(type)->block_elems, blocks = (sg * wgm / tpb) * (be == 32 ? 4 : 2) + 3;
        x8i_case c = {type, 4 * rpg + 3, be * blocks, nc, (int)(rpg + nc) % 2, 1, LIL_MATVEC_FUSE_NONE, sg * wgm,
                      rpg, 0};
        check_x8i(ctx, &c, &rng);
      }
  /* weights in parts (each its own dispatch) */
  uint32_t wcols = lil_type_get(type)->block_elems * 5;
  uint64_t rb = lil_type_row_bytes(type, wcols);
  x8i_case c = {type, 61, wcols, 2, 1, 1, LIL_MATVEC_FUSE_NONE, 0, 0, rb * 16};
  check_x8i(ctx, &c, &rng);
  c.fuse = LIL_MATVEC_FUSE_RMSNORM, c.ncols = 1, c.exact = 0;
  check_x8i(ctx, &c, &rng);
  test_ctx_free(ctx);
}
END_TEST

static const char *label_of(lil_ctx *ctx, uint32_t type, const lil_matvec_config *cfg) {
  static char label[48];
  lil_error err = {0};
  lil_weight *w = NULL;
  TEST_OK(lil_weight_create(ctx, type, 5, 256, NULL, NULL, &w, &err));
  lil_buffer *xb = test_floats_buffer(ctx, NULL, 256), *yb = test_floats_buffer(ctx, NULL, 8);
  lil_buffer *ab = test_floats_buffer(ctx, NULL, 256);
  lil_matvec_config c = *cfg;
  if (c.fuse) c.aux = tb(ab);
  lil_seq *seq = test_seq(ctx);
  TEST_OK(lil_op_matvec_cfg(ctx, seq, w, tb(xb), tb(yb), 1, 0, &c, &err));
  ck_assert_uint_eq(lil_seq_dispatch_count(seq), 1);
  snprintf(label, sizeof(label), "%s", lil_seq_label(seq, 0));
  lil_seq_free(seq);
  lil_buffer_free(xb);
  lil_buffer_free(yb);
  lil_buffer_free(ab);
  lil_weight_free(w);
  return label;
}

/* Which kernel runs: inline only for Q8_0 / Q4_0 with cfg.x8_inline on an x8 plan with
 * matvec_x8_inline; otherwise the F32-activation kernels (no scratch given). */
START_TEST(test_x8i_selection) {
  lil_ctx *ctx = test_ctx_x8i(1);
  lil_matvec_config on = {.x8_inline = 1}, off = {0};
  lil_matvec_config fused = {.x8_inline = 1, .fuse = LIL_MATVEC_FUSE_SWIGLU};
  ck_assert_str_eq(label_of(ctx, LIL_TYPE_Q4_0, &on), "matvecx8i_q4_0_r4_c1 5x256"); /* kernel, weight shape */
  ck_assert_str_eq(label_of(ctx, LIL_TYPE_Q8_0, &fused), "matvecx8i_q8_0_r4_c1 5x256");
  ck_assert_int_eq(strncmp(label_of(ctx, LIL_TYPE_Q4_0, &off), "matvec16_", 9), 0);
  ck_assert_int_eq(strncmp(label_of(ctx, LIL_TYPE_Q4_K, &on), "matvec16_", 9), 0); /* level 1: not K-quants */
  ck_assert_int_eq(strncmp(label_of(ctx, LIL_TYPE_F16, &on), "matvec_f16", 10), 0);
  test_ctx_free(ctx);
  ctx = test_ctx_x8i(2); /* K-quants too */
  ck_assert_str_eq(label_of(ctx, LIL_TYPE_Q4_K, &on), "matvecx8i_q4_k_r4_c1 5x256");
  ck_assert_int_eq(strncmp(label_of(ctx, LIL_TYPE_Q6_K, &on), "matvecx8i_q6_k_r", 16), 0);
  ck_assert_int_eq(strncmp(label_of(ctx, LIL_TYPE_Q6_K, &off), "matvec16_", 9), 0);
  test_ctx_free(ctx);
  ctx = test_ctx_x8i(0); /* inline off: the flag is ignored */
  ck_assert_int_eq(strncmp(label_of(ctx, LIL_TYPE_Q4_0, &on), "matvec16_", 9), 0);
  test_ctx_free(ctx);
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  o.matvec_x8 = 0; /* x8 off */
  ctx = test_ctx_create_opts(&o);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->use_matvec_x8, 0);
  ck_assert_int_eq(strncmp(label_of(ctx, LIL_TYPE_Q4_0, &on), "matvec16_", 9), 0);
  test_ctx_free(ctx);
}
END_TEST

/* lil_plan_matvec_x8 on plans and snapshots made up here: automatic (2 / "auto" / the default,
 * unset) = integer dot products accelerated and the quantization inline, then for Q4_0 weights
 * only (matvec_x8_q4_0_only); 1 wherever use_int_dot, every type; 0 never. */
START_TEST(test_x8i_auto) {
  lil_device_plan p;
  lil_device_snapshot s;
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  memset(&p, 0, sizeof(p));
  memset(&s, 0, sizeof(s));
  struct {
    int want, inl;
    uint32_t int_dot, accel, use, inline_out, q4_0_only;
  } cases[] = {
      {2, -1, 1, 1, 1, 1, 1}, {2, -1, 1, 0, 0, 1, 0}, {2, 0, 1, 1, 0, 0, 0}, {2, 1, 0, 1, 0, 1, 0},
      {2, 1, 1, 6, 0, 1, 0},  {1, 0, 1, 0, 1, 0, 0},  {1, -1, 0, 1, 0, 1, 0}, {0, 1, 1, 1, 0, 1, 0},
      {0, -1, 1, 1, 0, 1, 0}, {2, 2, 1, 1, 1, 2, 1},  {1, -1, 1, 1, 1, 1, 0},
      {-1, -1, 1, 1, 1, 1, 1}, /* the default (environment unset): automatic, Q4_0 only */
      {-1, -1, 1, 0, 0, 1, 0}, /* ... not where the dot product is not accelerated (lavapipe) */
  };
  unsetenv("LIL_MATVEC_X8");
  unsetenv("LIL_X8_INLINE");
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    o.matvec_x8 = cases[i].want;
    o.matvec_x8_inline = cases[i].inl;
    p.use_int_dot = cases[i].int_dot;
    s.integer_dot_accel = cases[i].accel;
    lil_plan_matvec_x8(&p, &s, &o);
    ck_assert_msg(p.use_matvec_x8 == cases[i].use && p.matvec_x8_inline == cases[i].inline_out &&
                      p.matvec_x8_q4_0_only == cases[i].q4_0_only,
                  "case %zu: use %u inline %u q4_0 only %u", i, p.use_matvec_x8, p.matvec_x8_inline,
                  p.matvec_x8_q4_0_only);
  }
  /* the environment when the options leave it open */
  o.matvec_x8 = -1, o.matvec_x8_inline = -1;
  p.use_int_dot = 1, s.integer_dot_accel = 0;
  setenv("LIL_MATVEC_X8", "1", 1);
  setenv("LIL_X8_INLINE", "0", 1);
  lil_plan_matvec_x8(&p, &s, &o);
  ck_assert_uint_eq(p.use_matvec_x8, 1);
  ck_assert_uint_eq(p.matvec_x8_inline, 0);
  s.integer_dot_accel = 1;
  setenv("LIL_MATVEC_X8", "0", 1);
  lil_plan_matvec_x8(&p, &s, &o);
  ck_assert_uint_eq(p.use_matvec_x8, 0);
  setenv("LIL_MATVEC_X8", "auto", 1);
  unsetenv("LIL_X8_INLINE");
  lil_plan_matvec_x8(&p, &s, &o);
  ck_assert_uint_eq(p.use_matvec_x8, 1);
  ck_assert_uint_eq(p.matvec_x8_inline, 1);
  ck_assert_uint_eq(p.matvec_x8_q4_0_only, 1);
  setenv("LIL_MATVEC_X8", "1", 1);
  lil_plan_matvec_x8(&p, &s, &o);
  ck_assert_uint_eq(p.matvec_x8_q4_0_only, 0);
  setenv("LIL_X8_INLINE", "all", 1);
  lil_plan_matvec_x8(&p, &s, &o);
  ck_assert_uint_eq(p.matvec_x8_inline, 2);
  unsetenv("LIL_X8_INLINE");
  unsetenv("LIL_MATVEC_X8");
  /* the launch shape override of the quantized matvecs: rows[,subgroups], out of range ignored */
  setenv("LIL_MATVEC_Q16", "8,2", 1);
  lil_plan_matvec_x8(&p, &s, &o);
  ck_assert_uint_eq(p.matvec_q16_rows, 8);
  ck_assert_uint_eq(p.matvec_q16_subgroups, 2);
  setenv("LIL_MATVEC_Q16", "9,0", 1);
  lil_plan_matvec_x8(&p, &s, &o);
  ck_assert_uint_eq(p.matvec_q16_rows + p.matvec_q16_subgroups, 0);
  unsetenv("LIL_MATVEC_Q16");
  /* the inline kernels' target of subgroups per dispatch: 4096 unless set to 1..2^20 */
  static const struct {
    const char *env; /* NULL: unset */
    uint32_t target;
  } targets[] = {{NULL, 4096}, {"1", 1}, {"8192", 8192}, {"0", 4096}};
  for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
    if (targets[i].env) setenv("LIL_MATVEC_X8I_TARGET", targets[i].env, 1);
    lil_plan_matvec_x8(&p, &s, &o);
    ck_assert_uint_eq(p.matvec_x8i_target, targets[i].target);
  }
  unsetenv("LIL_MATVEC_X8I_TARGET");
}
END_TEST

int main(void) {
  Suite *s = suite_create("ops_matvec_x8i");
  TCase *tc = tcase_create("gpu");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_x8i_auto);
  if (LIL_GLSLC_HAS_SPIRV_INTRINSICS) {
    tcase_add_loop_test(tc, test_x8i_shapes, 0, N_TYPES);
    tcase_add_loop_test(tc, test_x8i_fused, 0, N_TYPES);
    tcase_add_loop_test(tc, test_x8i_variants, 0, N_TYPES);
    tcase_add_test(tc, test_x8i_selection);
  }
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
