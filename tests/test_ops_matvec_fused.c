/* Decode matvec with a fused input transform (lil_matvec_config.fuse) vs the CPU reference in
 * double on random data, outputs poisoned:
 *   RMSNORM: y (+)= W (x * w_norm) / sqrt(mean(x^2) + eps)
 *   SWIGLU:  y (+)= W (silu(gate) * up)
 * every weight type, the q16 kernels (subgroup reductions with one and several subgroups), the
 * generic kernel (16-bit storage off) and its shared-memory tree (subgroups off), weights split in
 * parts, rows and widths that are not multiples of the workgroup's rows or of the tile. Quantized
 * types compare against the reference's dequantized weights; tolerance as test_ops_matvec:
 * 3e-5 * sum_c |w x'| (x' the transformed input) + |y0| when accumulating. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_ops_matvec.h"
#include "lil_quant.h"
#include "test_common.h"
#include "test_ops_util.h"
#include "test_vk_common.h"

#define TOL 3e-5

static const uint32_t all_types[] = {LIL_TYPE_F32,  LIL_TYPE_F16,  LIL_TYPE_BF16, LIL_TYPE_Q8_0,
                                     LIL_TYPE_Q4_0, LIL_TYPE_Q4_K, LIL_TYPE_Q6_K};
#define N_TYPES (sizeof(all_types) / sizeof(all_types[0]))

static void check_fused(lil_ctx *ctx, uint32_t type, uint32_t rows, uint32_t cols, lil_matvec_fuse fuse, int accumulate,
                        uint64_t max_part, uint32_t wg, uint64_t *rng) {
  float *wd = NULL;
  uint8_t *q = test_make_weights(type, rows, cols, rng, &wd);
  lil_weight *w = test_upload_weight(ctx, type, rows, cols, q, max_part);
  lil_error err = {0};
  if (max_part) ck_assert_uint_ge(w->n_parts, 2);
  float *x = malloc((size_t)cols * 4), *aux = malloc((size_t)cols * 4), *y0 = malloc((size_t)rows * 4),
        *y = malloc((size_t)rows * 4);
  double *xe = malloc((size_t)cols * 8);
  /* activations of a residual stream (RMSNorm input: scale ~3) or of gate / up */
  float amp = fuse == LIL_MATVEC_FUSE_RMSNORM ? 3.0f : 4.0f;
  for (uint32_t c = 0; c < cols; c++) x[c] = test_rand_uniform(rng, -amp, amp);
  for (uint32_t c = 0; c < cols; c++) aux[c] = test_rand_uniform(rng, -1.5f, 1.5f);
  for (uint32_t r = 0; r < rows; r++) y0[r] = test_rand_uniform(rng, -4.0f, 4.0f);
  const float eps = 1e-5f;
  double ss = 0;
  for (uint32_t c = 0; c < cols; c++) ss += (double)x[c] * x[c];
  double inv = 1.0 / sqrt(ss / cols + eps);
  for (uint32_t c = 0; c < cols; c++)
    xe[c] = fuse == LIL_MATVEC_FUSE_RMSNORM ? x[c] * inv * aux[c] : x[c] / (1.0 + exp(-(double)x[c])) * aux[c];
  lil_buffer *xb = test_floats_buffer(ctx, x, cols), *ab = test_floats_buffer(ctx, aux, cols);
  lil_buffer *yb = test_floats_buffer(ctx, accumulate ? y0 : NULL, rows); /* poisoned unless accumulating */
  lil_matvec_config cfg = {.workgroup_size = wg, .fuse = fuse, .aux = {ab, 0, 0}, .eps = eps};
  lil_seq *seq = NULL;
  ck_assert_int_eq(lil_seq_create(ctx, &seq, &err), LIL_OK);
  if (lil_op_matvec_cfg(ctx, seq, w, (lil_binding){xb, 0, (uint64_t)cols * 4}, (lil_binding){yb, 0, (uint64_t)rows * 4},
                        1, accumulate, &cfg, &err))
    ck_abort_msg("matvec: %s", err.msg);
  if (lil_seq_run(seq, &err)) ck_abort_msg("run: %s", err.msg);
  test_download(yb, y, (size_t)rows * 4);
  for (uint32_t r = 0; r < rows; r++) {
    double ref = accumulate ? y0[r] : 0, scale = accumulate ? fabs(ref) : 0;
    for (uint32_t c = 0; c < cols; c++) {
      double p = (double)wd[(size_t)r * cols + c] * xe[c];
      ref += p;
      scale += fabs(p);
    }
    ck_assert_msg(fabs(y[r] - ref) <= TOL * scale + 1e-6, "%s %ux%u fuse %d acc %d parts %u wg %u: y[%u] = %g, want %g",
                  lil_type_get(type)->name, rows, cols, (int)fuse, accumulate, w->n_parts, wg, r, y[r], ref);
  }
  lil_seq_free(seq);
  lil_buffer_free(xb);
  lil_buffer_free(ab);
  lil_buffer_free(yb);
  lil_weight_free(w);
  free(q), free(wd), free(x), free(aux), free(y0), free(y), free(xe);
}

/* Per type: rows 1 / 7 / 33 / 300, widths of 1..several blocks (odd for float types), both
 * transforms, accumulate on and off; workgroups of one subgroup, of several and the default (0). */
static void shapes(lil_ctx *ctx, uint64_t *rng) {
  static const uint32_t rows[] = {1, 7, 33, 300};
  uint32_t sg = lil_ctx_plan(ctx)->subgroup_size ? lil_ctx_plan(ctx)->subgroup_size : 32; /* one subgroup */
  for (size_t t = 0; t < N_TYPES; t++) {
    uint32_t b = lil_type_get(all_types[t])->block_elems;
    uint32_t widths[2] = {b == 1 ? 44 : b == 32 ? 96 : 256, b == 1 ? 1000 : b == 32 ? 544 : 768};
    int k = 0;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
      for (int j = 0; j < 2; j++, k++)
        check_fused(ctx, all_types[t], rows[i], widths[j], k % 2 ? LIL_MATVEC_FUSE_SWIGLU : LIL_MATVEC_FUSE_RMSNORM,
                    (k / 2) % 2, 0, k % 4 == 0 ? sg : k % 4 == 1 ? 64 : k % 4 == 2 ? 0 : 256, rng);
  }
}

START_TEST(test_fused_default) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_create();
  shapes(ctx, &rng);
  test_ctx_free(ctx);
}
END_TEST

/* The generic kernel (matvec.comp) for the quantized types too. */
START_TEST(test_fused_no_storage16) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_no_storage16();
  shapes(ctx, &rng);
  test_ctx_free(ctx);
}
END_TEST

/* The shared-memory tree reduction (no subgroup arithmetic). */
START_TEST(test_fused_no_subgroup) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_no_subgroup();
  for (size_t t = 0; t < N_TYPES; t++) {
    uint32_t b = lil_type_get(all_types[t])->block_elems;
    uint32_t cols = b == 1 ? 43 : b * 3;
    check_fused(ctx, all_types[t], 33, cols, LIL_MATVEC_FUSE_RMSNORM, 1, 0, 0, &rng);
    check_fused(ctx, all_types[t], 7, cols, LIL_MATVEC_FUSE_SWIGLU, 0, 0, 0, &rng);
  }
  test_ctx_free(ctx);
}
END_TEST

/* A weight in several parts: every part's dispatch computes the norm of all of x. */
START_TEST(test_fused_parts) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_create();
  for (size_t t = 0; t < N_TYPES; t++) {
    uint32_t cols = lil_type_get(all_types[t])->block_elems == 256 ? 512 : 128;
    uint64_t rb = lil_type_row_bytes(all_types[t], cols);
    check_fused(ctx, all_types[t], 100, cols, LIL_MATVEC_FUSE_RMSNORM, 0, rb * 16, 0, &rng);
  }
  test_ctx_free(ctx);
}
END_TEST

START_TEST(test_fused_errors) {
  lil_ctx *ctx = test_ctx_create();
  lil_error err = {0};
  lil_weight *w = NULL;
  ck_assert_int_eq(lil_weight_create(ctx, LIL_TYPE_Q8_0, 4, 64, NULL, NULL, &w, &err), LIL_OK);
  lil_buffer *b = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 4096);
  lil_seq *seq = NULL;
  ck_assert_int_eq(lil_seq_create(ctx, &seq, &err), LIL_OK);
  lil_binding x = {b, 0, 2048}, y = {b, 2048, 0};
  lil_matvec_config cfg = {.fuse = LIL_MATVEC_FUSE_RMSNORM, .aux = {b, 0, 0}, .eps = 1e-6f};
  /* two columns */
  ck_assert_int_eq(lil_op_matvec_cfg(ctx, seq, w, x, y, 2, 0, &cfg, &err), LIL_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(err.msg, "one column"));
  /* aux smaller than the columns, misaligned, missing */
  cfg.aux = (lil_binding){b, 0, 64};
  ck_assert_int_eq(lil_op_matvec_cfg(ctx, seq, w, x, y, 1, 0, &cfg, &err), LIL_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(err.msg, "aux"));
  cfg.aux = (lil_binding){b, 4, 512};
  ck_assert_int_eq(lil_op_matvec_cfg(ctx, seq, w, x, y, 1, 0, &cfg, &err), LIL_ERR_INVALID_ARG);
  cfg.aux = (lil_binding){NULL, 0, 0};
  ck_assert_int_eq(lil_op_matvec_cfg(ctx, seq, w, x, y, 1, 0, &cfg, &err), LIL_ERR_INVALID_ARG);
  /* negative or NaN eps, unknown transform */
  cfg.aux = (lil_binding){b, 0, 0};
  cfg.eps = -1.0f;
  ck_assert_int_eq(lil_op_matvec_cfg(ctx, seq, w, x, y, 1, 0, &cfg, &err), LIL_ERR_INVALID_ARG);
  cfg.eps = NAN;
  ck_assert_int_eq(lil_op_matvec_cfg(ctx, seq, w, x, y, 1, 0, &cfg, &err), LIL_ERR_INVALID_ARG);
  cfg.eps = 1e-6f;
  cfg.fuse = (lil_matvec_fuse)7;
  ck_assert_int_eq(lil_op_matvec_cfg(ctx, seq, w, x, y, 1, 0, &cfg, &err), LIL_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(err.msg, "unknown fused"));
  lil_seq_free(seq);
  lil_buffer_free(b);
  lil_weight_free(w);
  test_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ops_matvec_fused");
  TCase *tc = tcase_create("gpu");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_fused_default);
  tcase_add_test(tc, test_fused_no_storage16);
  tcase_add_test(tc, test_fused_no_subgroup);
  tcase_add_test(tc, test_fused_parts);
  tcase_add_test(tc, test_fused_errors);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
