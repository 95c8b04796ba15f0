/* The decode matvec that quantizes its own output for the next matvecs (lil_matvec_config.fin_xq:
 * the last workgroup to finish writes y * w_norm in blocks of 32 as quantize_x8 does, and
 * inversesqrt(mean(y^2) + eps)), on random data with every output poisoned first:
 *  - y itself as test_ops_matvec_x8i checks it (inline-x8 Q8_0 / Q4_0, accumulate on and off);
 *  - the scratch against a quantization of the y read back: every |q - y w / d| <= 0.5 (plus float
 *    slack), d = max |y w| / 127 of its block, s = d sum q, the scale 1 / rms(y);
 *  - two products recorded in one sequence (the second accumulating into the first's y): the
 *    scratch holds the second's quantization and the counter is 0 after each (the reset);
 *  - rows per workgroup 1 / 2 / 4 / 8, one and four subgroups, rows of 1, 3 and 9 blocks;
 *  - the refusals (F32 kernels, rows not a multiple of 32, a fused transform, a short scratch). */
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

static const uint32_t types[] = {LIL_TYPE_Q8_0, LIL_TYPE_Q4_0};
#define N_TYPES (int)(sizeof(types) / sizeof(types[0]))


typedef struct fin_case {
  uint32_t type, rows, cols;
  int accumulate;
  uint32_t wg, rows_per_group;
} fin_case;

/* y_ref = y0 + W x (or W x) with its bound, for the x the GPU quantizes per slice */
static void reference(const fin_case *c, const float *wd, const float *x, const float *y0, double *ref, double *tol) {
  double *dsl = calloc(c->cols / 8, sizeof(double));
  for (uint32_t k = 0; k < c->cols; k++) {
    size_t s = test_x8i_slice_of(c->type, k);
    dsl[s] = fmax(dsl[s], fabs(x[k]) / 127.0);
  }
  for (uint32_t r = 0; r < c->rows; r++) {
    double acc = y0 ? y0[r] : 0, scale = y0 ? fabs(y0[r]) : 0, bound = 0;
    for (uint32_t k = 0; k < c->cols; k++) {
      double w = wd[(size_t)r * c->cols + k];
      acc += w * x[k];
      scale += fabs(w * x[k]);
      bound += fabs(w) * dsl[test_x8i_slice_of(c->type, k)] * 0.5;
    }
    ref[r] = acc;
    tol[r] = bound * 1.001 + TOL * scale + 1e-6;
  }
  free(dsl);
}

/* The scratch and the scale against the y read back (see the header). */
static void check_quantized(const fin_case *c, const float *y, const float *norm, const uint8_t *xq, float rscale,
                            float eps) {
  uint32_t nb = c->rows / 32;
  const int8_t *q = (const int8_t *)xq;
  const float *ds = (const float *)(xq + lil_matvec_x8_ds_offset(1, c->rows));
  double worst = 0, ss = 0;
  uint32_t where = 0;
  for (uint32_t b = 0; b < nb; b++) {
    float amax = 0;
    for (uint32_t i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(y[32 * b + i] * norm[32 * b + i]));
    double d = amax / 127.0, sum = 0;
    for (uint32_t i = 0; i < 32; i++) {
      double v = (double)y[32 * b + i] * norm[32 * b + i], e = d > 0 ? fabs(q[32 * b + i] - v / d) : fabs((double)q[32 * b + i]);
      if (e > worst) worst = e, where = 32 * b + i;
      sum += q[32 * b + i];
    }
    double dd = fabs(ds[2 * b] - d), se = fabs(ds[2 * b + 1] - ds[2 * b] * sum);
    if (dd > 1e-6 * d + 1e-30 || se > 1e-5 * (fabs(ds[2 * b] * sum) + d)) {
      ck_abort_msg("%s rows %u block %u: (d, s) = (%g, %g), want (%g, %g)", lil_type_get(c->type)->name, c->rows, b,
                   ds[2 * b], ds[2 * b + 1], d, d * sum);
    }
  }
  ck_assert_msg(worst <= 0.5 + 1e-3, "%s rows %u: q[%u] = %d is %g steps from y w / d", lil_type_get(c->type)->name,
                c->rows, where, q[where], worst);
  for (uint32_t r = 0; r < c->rows; r++) ss += (double)y[r] * y[r];
  double want = 1.0 / sqrt(ss / c->rows + eps);
  ck_assert_msg(fabs(rscale - want) <= 1e-5 * want, "rscale %g, want %g", rscale, want);
}

static void check_fin(lil_ctx *ctx, const fin_case *c, uint64_t *rng) {
  float *wd = NULL;
  uint8_t *wq = test_make_weights(c->type, c->rows, c->cols, rng, &wd);
  lil_weight *w = test_upload_weight(ctx, c->type, c->rows, c->cols, wq, 0);
  ck_assert_int_eq(lil_matvec_fin_applies(ctx, w), 1);
  float *x = test_rand_floats(rng, c->cols, -2.0f, 2.0f), *norm = test_rand_floats(rng, c->rows, -1.5f, 1.5f);
  float *y0 = test_rand_floats(rng, c->rows, -4.0f, 4.0f);
  const float eps = 1e-5f;
  uint64_t xq_bytes = lil_matvec_x8_bytes(1, c->rows);
  lil_buffer *xb = test_floats_buffer(ctx, x, c->cols), *nb = test_floats_buffer(ctx, norm, c->rows);
  lil_buffer *yb = test_floats_buffer(ctx, c->accumulate ? y0 : NULL, c->rows);
  lil_buffer *qb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, xq_bytes), *cb = test_buffer(ctx, LIL_MEM_READBACK, 16);
  test_poison(qb);
  lil_error err = {0};
  ck_assert_int_eq(lil_buffer_fill(cb, 0, 16, 0, &err), LIL_OK);
  lil_matvec_config cfg = {.workgroup_size = c->wg, .rows_per_group = c->rows_per_group, .x8_inline = 1,
                           .fin_xq = {qb, 0, 0}, .fin_cnt = {cb, 0, 8}, .fin_norm = {nb, 0, 0}, .fin_eps = eps};
  lil_binding xbind = {xb, 0, (uint64_t)c->cols * 4}, ybind = {yb, 0, (uint64_t)c->rows * 4};
  /* one product, or (accumulating) two in one sequence: y0 + 2 W x, the scratch of the second */
  int n_runs = c->accumulate ? 2 : 1;
  lil_seq *seq = test_seq(ctx);
  for (int i = 0; i < n_runs; i++) TEST_OK(lil_op_matvec_cfg(ctx, seq, w, xbind, ybind, 1, c->accumulate, &cfg, &err));
  ck_assert_uint_eq(lil_seq_dispatch_count(seq), (uint32_t)n_runs);
  ck_assert_msg(strstr(lil_seq_label(seq, 0), "_fin "), "label %s", lil_seq_label(seq, 0));
  test_run_free(seq);
  float *y = malloc((size_t)c->rows * 4);
  uint8_t *xq = malloc(xq_bytes);
  uint32_t cnt[2];
  test_download(yb, y, (size_t)c->rows * 4);
  test_download(qb, xq, xq_bytes);
  test_download(cb, cnt, 8);
  double *ref = malloc((size_t)c->rows * 8), *tol = malloc((size_t)c->rows * 8);
  reference(c, wd, x, c->accumulate ? y0 : NULL, ref, tol);
  uint32_t worst = 0;
  double wr = -1;
  for (uint32_t r = 0; r < c->rows; r++) {
    double want = c->accumulate ? 2 * ref[r] - y0[r] : ref[r], t = c->accumulate ? 2 * tol[r] : tol[r];
    double e = isfinite(y[r]) ? fabs(y[r] - want) / t : INFINITY;
    if (e > wr) wr = e, worst = r;
  }
  ck_assert_msg(wr <= 1.0, "%s %ux%u acc %d wg %u rows %u: y[%u] = %g (%.3g of its tolerance)",
                lil_type_get(c->type)->name, c->rows, c->cols, c->accumulate, c->wg, c->rows_per_group, worst, y[worst],
                wr);
  ck_assert_uint_eq(cnt[0], 0);
  float rscale;
  memcpy(&rscale, &cnt[1], 4);
  check_quantized(c, y, norm, xq, rscale, eps);
  lil_buffer_free(xb), lil_buffer_free(nb), lil_buffer_free(yb), lil_buffer_free(qb), lil_buffer_free(cb);
  lil_weight_free(w);
  free(wq), free(wd), free(x), free(norm), free(y0), free(y), free(xq), free(ref), free(tol);
}

START_TEST(test_fin_shapes) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_x8i(1);
  uint32_t sg = lil_ctx_plan(ctx)->subgroup_size;
  static const uint32_t rows[] = {32, 96, 288};
  static const uint32_t rpg[] = {1, 2, 4, 8};
  int k = 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++, k++) {
      fin_case c = {types[_i], rows[i], k % 2 ? 96 : 64 * 5, k % 3 != 1, k % 2 ? sg : 4 * sg, rpg[j]};
      check_fin(ctx, &c, &rng);
    }
  fin_case c = {types[_i], 96, 128, 1, 0, 0}; /* the default launch shape */
  check_fin(ctx, &c, &rng);
  test_ctx_free(ctx);
}
END_TEST

/* A producer quantizing its output, then in the same sequence the matvecs reading it: gate / up
 * pairs and a plain product, both with the row scale (x8 kernels, xq_ready), against the CPU
 * product of the scratch as read back (dequantized) times its scale. */
START_TEST(test_fin_chain) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_x8i(1);
  uint32_t type = types[_i], E = 96, n_out = 40, up = 48, gu_rows = 96, n3 = 33;
  float *wd1 = NULL, *wd2 = NULL, *wd3 = NULL;
  uint8_t *q1 = test_make_weights(type, E, 64, &rng, &wd1), *q2 = test_make_weights(type, gu_rows, E, &rng, &wd2);
  uint8_t *q3 = test_make_weights(type, n3, E, &rng, &wd3);
  lil_weight *w1 = test_upload_weight(ctx, type, E, 64, q1, 0), *w2 = test_upload_weight(ctx, type, gu_rows, E, q2, 0);
  lil_weight *w3 = test_upload_weight(ctx, type, n3, E, q3, 0);
  float *x = test_rand_floats(&rng, 64, -2, 2), *norm = test_rand_floats(&rng, E, -1.5f, 1.5f);
  uint64_t xq_bytes = lil_matvec_x8_bytes(1, E);
  lil_buffer *xb = test_floats_buffer(ctx, x, 64), *nb = test_floats_buffer(ctx, norm, E);
  lil_buffer *yb = test_floats_buffer(ctx, NULL, E), *hb = test_floats_buffer(ctx, NULL, n_out + 4);
  lil_buffer *y3 = test_floats_buffer(ctx, NULL, n3), *qb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, xq_bytes);
  lil_buffer *cb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 16);
  test_poison(qb);
  lil_error err = {0};
  ck_assert_int_eq(lil_buffer_fill(cb, 0, 16, 0, &err), LIL_OK);
  lil_matvec_config prod = {.x8_inline = 1, .fin_xq = {qb, 0, 0}, .fin_cnt = {cb, 0, 8}, .fin_norm = {nb, 0, 0},
                            .fin_eps = 1e-5f};
  lil_matvec_config cons = {.xq = {qb, 0, 0}, .xq_ready = 1, .x_rscale = {cb, 0, 8}, .glu_rows = n_out, .glu_up = up};
  lil_matvec_config plain = {.xq = {qb, 0, 0}, .xq_ready = 1, .x_rscale = {cb, 0, 8}};
  lil_seq *seq = test_seq(ctx);
  TEST_OK(lil_op_matvec_cfg(ctx, seq, w1, (lil_binding){xb, 0, 0}, (lil_binding){yb, 0, 0}, 1, 0, &prod, &err));
  TEST_OK(lil_op_matvec_cfg(ctx, seq, w2, (lil_binding){yb, 0, 0}, (lil_binding){hb, 0, 0}, 1, 0, &cons, &err));
  TEST_OK(lil_op_matvec_cfg(ctx, seq, w3, (lil_binding){yb, 0, 0}, (lil_binding){y3, 0, 0}, 1, 0, &plain, &err));
  ck_assert_uint_eq(lil_seq_dispatch_count(seq), 3); /* no quantize_x8: the consumers read the producer's */
  ck_assert_int_eq(strncmp(lil_seq_label(seq, 1), "matvecx8_", 9), 0);
  test_run_free(seq);
  uint8_t *xq = malloc(xq_bytes);
  float h[40 + 4], yy[33], sc[2];
  test_download(qb, xq, xq_bytes);
  test_download(cb, sc, 8);
  test_download(hb, h, sizeof(h));
  test_download(y3, yy, sizeof(yy));
  const int8_t *q = (const int8_t *)xq;
  const float *ds = (const float *)(xq + lil_matvec_x8_ds_offset(1, E));
  double xd[96];
  for (uint32_t k = 0; k < E; k++) xd[k] = (double)q[k] * ds[2 * (k / 32)] * sc[1];
  double worst = 0;
  for (uint32_t r = 0; r < n_out + n3; r++) {
    const float *row = r < n_out ? wd2 + (size_t)r * E : wd3 + (size_t)(r - n_out) * E;
    double g = 0, sg = 0, u = 0, su = 0;
    for (uint32_t k = 0; k < E; k++) {
      g += row[k] * xd[k], sg += fabs(row[k] * xd[k]);
      if (r < n_out) u += wd2[(size_t)(up + r) * E + k] * xd[k], su += fabs(wd2[(size_t)(up + r) * E + k] * xd[k]);
    }
    double eg = TOL * sg + 1e-6, eu = TOL * su + 1e-6;
    double want = r < n_out ? g / (1 + exp(-g)) * u : g, got = r < n_out ? h[r] : yy[r - n_out];
    double tol = r < n_out ? 1.1 * eg * (fabs(u) + eu) + fabs(g / (1 + exp(-g))) * eu + 1e-6 : eg;
    double e = isfinite(got) ? fabs(got - want) / tol : INFINITY;
    if (e > worst) worst = e;
    ck_assert_msg(e <= 1.0, "%s output %u: %g, want %g (tol %g)", lil_type_get(type)->name, r, got, want, tol);
  }
  uint32_t past[4];
  memcpy(past, h + n_out, sizeof(past));
  ck_assert_msg(past[0] == 0x7fc0deadu && past[3] == 0x7fc0deadu, "floats past the pairs' outputs written");
  lil_buffer_free(xb), lil_buffer_free(nb), lil_buffer_free(yb), lil_buffer_free(hb), lil_buffer_free(y3);
  lil_buffer_free(qb), lil_buffer_free(cb);
  lil_weight_free(w1), lil_weight_free(w2), lil_weight_free(w3);
  free(q1), free(q2), free(q3), free(wd1), free(wd2), free(wd3), free(x), free(norm), free(xq);
  test_ctx_free(ctx);
}
END_TEST

START_TEST(test_fin_errors) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_x8i(1), *plain = test_ctx_create();
  float *wd = NULL;
  uint8_t *wq = test_make_weights(LIL_TYPE_Q4_0, 48, 64, &rng, &wd);
  lil_weight *w48 = test_upload_weight(ctx, LIL_TYPE_Q4_0, 48, 64, wq, 0);
  lil_weight *w32 = test_upload_weight(ctx, LIL_TYPE_Q4_0, 32, 64, wq, 0);
  lil_weight *wp = test_upload_weight(plain, LIL_TYPE_Q4_0, 32, 64, wq, 0);
  ck_assert_int_eq(lil_matvec_fin_applies(ctx, w48), 0);
  ck_assert_int_eq(lil_matvec_fin_applies(ctx, w32), 1);
  ck_assert_int_eq(lil_matvec_fin_applies(plain, wp), 0);
  lil_buffer *xb = test_floats_buffer(ctx, NULL, 64), *yb = test_floats_buffer(ctx, NULL, 64);
  lil_buffer *qb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 4096), *cb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 16);
  lil_buffer *px = test_floats_buffer(plain, NULL, 64), *py = test_floats_buffer(plain, NULL, 64);
  lil_buffer *pq = test_buffer(plain, LIL_MEM_ACTIVATIONS, 4096), *pc = test_buffer(plain, LIL_MEM_ACTIVATIONS, 16);
  lil_matvec_config ok = {.x8_inline = 1, .fin_xq = {qb, 0, 0}, .fin_cnt = {cb, 0, 8}, .fin_norm = {yb, 0, 0}};
  lil_matvec_config pcfg = {.x8_inline = 1, .fin_xq = {pq, 0, 0}, .fin_cnt = {pc, 0, 8}, .fin_norm = {py, 0, 0}};
  lil_matvec_config fused = ok, shortq = ok, glu = ok;
  fused.fuse = LIL_MATVEC_FUSE_RMSNORM, fused.aux = (lil_binding){xb, 0, 0};
  shortq.fin_xq.range = 32;
  glu.glu_rows = 16, glu.glu_up = 16;
  struct {
    lil_ctx *ctx;
    const lil_weight *w;
    lil_buffer *x, *y;
    const lil_matvec_config *cfg;
    lil_status want;
  } bad[] = {{ctx, w48, xb, yb, &ok, LIL_ERR_UNSUPPORTED},    {plain, wp, px, py, &pcfg, LIL_ERR_UNSUPPORTED},
             {ctx, w32, xb, yb, &fused, LIL_ERR_INVALID_ARG}, {ctx, w32, xb, yb, &shortq, LIL_ERR_INVALID_ARG},
             {ctx, w32, xb, yb, &glu, LIL_ERR_INVALID_ARG}};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    lil_seq *seq = test_seq(bad[i].ctx);
    lil_error err = {0};
    lil_status st = lil_op_matvec_cfg(bad[i].ctx, seq, bad[i].w, (lil_binding){bad[i].x, 0, 0},
                                      (lil_binding){bad[i].y, 0, 0}, 1, 1, bad[i].cfg, &err);
    ck_assert_msg(st == bad[i].want && strstr(err.msg, "quantization"), "case %zu: %d '%s'", i, (int)st, err.msg);
    ck_assert_uint_eq(lil_seq_dispatch_count(seq), 0);
    lil_seq_free(seq);
  }
  lil_buffer_free(xb), lil_buffer_free(yb), lil_buffer_free(qb), lil_buffer_free(cb);
  lil_buffer_free(px), lil_buffer_free(py), lil_buffer_free(pq), lil_buffer_free(pc);
  lil_weight_free(w48), lil_weight_free(w32), lil_weight_free(wp);
  free(wq), free(wd);
  test_ctx_free(plain);
  test_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ops_matvec_fin");
  TCase *tc = tcase_create("gpu");
  tcase_set_timeout(tc, 600);
  if (LIL_GLSLC_HAS_SPIRV_INTRINSICS) {
    tcase_add_test(tc, test_fin_errors);
    tcase_add_loop_test(tc, test_fin_shapes, 0, N_TYPES);
    tcase_add_loop_test(tc, test_fin_chain, 0, N_TYPES);
  }
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
