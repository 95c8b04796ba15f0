/* Decode matvec and embedding vs the CPU reference (lil_quant) on random data, outputs poisoned.
 * Quantized types compare against the reference's dequantized weights, so every type has the same
 * tolerance: |y - ref| <= 3e-5 * sum_c |w||x| (+ |y0| when accumulating) -- F32 accumulation in a
 * different order; a single mis-decoded element in a row of <= 1024 columns is ~1e-3 of it. The
 * embedding is exact (the same decode of the same bytes). */
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

static void check_matvec_cfg(lil_ctx *ctx, uint32_t type, uint32_t rows, uint32_t cols, uint32_t ncols,
                             int accumulate, uint64_t max_part, const lil_matvec_config *cfg, uint64_t *rng) {
  float *wd = NULL;
  uint8_t *q = test_make_weights(type, rows, cols, rng, &wd);
  lil_weight *w = test_upload_weight(ctx, type, rows, cols, q, max_part);
  if (max_part) ck_assert_uint_ge(w->n_parts, 2);
  size_t nx = (size_t)ncols * cols, ny = (size_t)ncols * rows;
  float *x = malloc(nx * 4), *y0 = malloc(ny * 4), *y = malloc(ny * 4);
  for (size_t i = 0; i < nx; i++) x[i] = test_rand_uniform(rng, -1.0f, 1.0f);
  for (size_t i = 0; i < ny; i++) y0[i] = test_rand_uniform(rng, -4.0f, 4.0f);
  lil_buffer *xb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, (nx * 4 + 15) & ~(size_t)15);
  lil_buffer *yb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, (ny * 4 + 15) & ~(size_t)15);
  test_upload(xb, x, nx * 4);
  test_poison(yb);
  if (accumulate) test_upload(yb, y0, ny * 4);
  lil_seq *seq = NULL;
  lil_error err = {0};
  ck_assert_int_eq(lil_seq_create(ctx, &seq, &err), LIL_OK);
  if (lil_op_matvec_cfg(ctx, seq, w, (lil_binding){xb, 0, nx * 4}, (lil_binding){yb, 0, ny * 4}, ncols, accumulate,
                        cfg, &err))
    ck_abort_msg("matvec: %s", err.msg);
  if (lil_seq_run(seq, &err)) ck_abort_msg("run: %s", err.msg);
  test_download(yb, y, ny * 4);
  for (uint32_t n = 0; n < ncols; n++)
    for (uint32_t r = 0; r < rows; r++) {
      double ref = accumulate ? y0[n * rows + r] : 0, scale = accumulate ? fabs(ref) : 0;
      for (uint32_t c = 0; c < cols; c++) {
        double p = (double)wd[(size_t)r * cols + c] * x[(size_t)n * cols + c];
        ref += p;
        scale += fabs(p);
      }
      double got = y[n * rows + r];
      ck_assert_msg(fabs(got - ref) <= TOL * scale + 1e-6, "%s %ux%u ncols %u acc %d parts %u: y[%u][%u] = %g, want %g",
                    lil_type_get(type)->name, rows, cols, ncols, accumulate, w->n_parts, n, r, got, ref);
    }
  lil_seq_free(seq);
  lil_buffer_free(xb);
  lil_buffer_free(yb);
  lil_weight_free(w);
  free(q);
  free(wd);
  free(x);
  free(y0);
  free(y);
}

static void check_matvec(lil_ctx *ctx, uint32_t type, uint32_t rows, uint32_t cols, uint32_t ncols, int accumulate,
                         uint64_t max_part, uint64_t *rng) {
  check_matvec_cfg(ctx, type, rows, cols, ncols, accumulate, max_part, NULL, rng);
}

static uint32_t block_of(uint32_t type) { return lil_type_get(type)->block_elems; }

/* Every type, rows {1, 7, 33, 255, 300}, several widths (odd ones for float types), ncols 1/3/8.
 * Under AddressSanitizer (which checks the host code, not the kernels' arithmetic) the row counts
 * are thinned to {1, 33, 300} to keep the sanitizer run within the suite's time. */
static void shapes_for(lil_ctx *ctx, uint32_t type, uint64_t *rng) {
#if defined(__SANITIZE_ADDRESS__)
  static const uint32_t rows[] = {1, 33, 300};
#else
  static const uint32_t rows[] = {1, 7, 33, 255, 300};
#endif
  static const uint32_t ncols[] = {1, 3, 8};
  uint32_t b = block_of(type);
  uint32_t widths[3];
  if (b == 1) widths[0] = 96, widths[1] = 37, widths[2] = 1000;
  else if (b == 32) widths[0] = 32, widths[1] = 96, widths[2] = 544;
  else widths[0] = 256, widths[1] = 768, widths[2] = 256;
  int k = 0;
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
    for (int j = 0; j < 3; j++, k++) check_matvec(ctx, type, rows[i], widths[j], ncols[k % 3], k % 2, 0, rng);
}

START_TEST(test_matvec_types) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_create();
  shapes_for(ctx, all_types[_i], &rng);
  test_ctx_free(ctx);
}
END_TEST

/* The shared-memory reduction (no subgroup arithmetic) on a few shapes of every type. */
START_TEST(test_matvec_no_subgroup) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_no_subgroup();
  for (size_t t = 0; t < N_TYPES; t++) {
    uint32_t b = block_of(all_types[t]) == 1 ? 40 : block_of(all_types[t]) * 2;
    check_matvec(ctx, all_types[t], 33, b, 3, 1, 0, &rng);
    check_matvec(ctx, all_types[t], 7, b + (b == 40 ? 3 : 0), 8, 0, 0, &rng);
  }
  test_ctx_free(ctx);
}
END_TEST

/* A weight split into several parts (forced small part size). */
START_TEST(test_matvec_parts) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_create();
  for (size_t t = 0; t < N_TYPES; t++) {
    uint32_t cols = block_of(all_types[t]) == 256 ? 256 : 64;
    uint64_t rb = lil_type_row_bytes(all_types[t], cols);
    check_matvec(ctx, all_types[t], 300, cols, 1 + (uint32_t)t % 3, (int)t % 2, rb * 41 + 7, &rng);
    /* launch-shape override: 3 rows per workgroup, 16 threads */
    lil_matvec_config cfg = {.workgroup_size = 16, .rows_per_group = 3};
    check_matvec_cfg(ctx, all_types[t], 37, cols, 2, 1, rb * 16, &cfg, &rng);
  }
  test_ctx_free(ctx);
}
END_TEST

/* Q8_0 / Q4_0 through the 16-bit-storage kernels (matvec_q16.comp, the default where the plan has
 * storage16 and subgroup arithmetic): every rows-per-workgroup variant (1, 2, 4, 8), every column
 * capacity (ncols 1..8 -> 1/2/4/8), one and several subgroups per workgroup, a row count that is
 * not a multiple of the rows per workgroup, blocks per row not a multiple of the threads' stride. */
static void q16_shapes(lil_ctx *ctx, uint64_t *rng) {
  static const uint32_t q16_types[] = {LIL_TYPE_Q8_0, LIL_TYPE_Q4_0};
  uint32_t sg = lil_ctx_plan(ctx)->subgroup_size;
  for (size_t t = 0; t < 2; t++)
    for (uint32_t rows = 1; rows <= 8; rows *= 2)
      for (uint32_t wgm = 1; wgm <= 4; wgm *= 4) {
        lil_matvec_config cfg = {.workgroup_size = sg * wgm, .rows_per_group = rows};
        uint32_t nc = rows == 8 ? (wgm == 1 ? 1 : 2) : 1 + (rows + wgm) % 8; /* r8: 1 and 2 columns */
        check_matvec_cfg(ctx, q16_types[t], 37, 32 * 37, nc, (int)(rows + t) % 2, 0, &cfg, rng);
        check_matvec_cfg(ctx, q16_types[t], 5, 32 * (sg + 1), 9 - nc, (int)(rows + t + 1) % 2, 0, &cfg, rng);
      }
}

/* Q4_K / Q6_K through matvec_q16.comp (8 threads per super-block, 32 elements each) where the plan
 * has storage16, else through matvec.comp: with all, rows {1, 7, 33, 255, 300} x 256 / 768 columns
 * with ncols 1 / 3 / 8 and accumulate (shapes_for: test_matvec_types runs them on the default plan,
 * i.e. matvec_q16.comp on lavapipe); every rows-per-workgroup variant with one and four subgroups
 * per workgroup on a row of 2 * step + 1 super-blocks (step = threads / 8: the unrolled loop and the
 * tail both run, not every thread has a block in the tail); split weights. */
static void kq16_shapes(lil_ctx *ctx, int all, uint64_t *rng) {
  static const uint32_t k_types[] = {LIL_TYPE_Q4_K, LIL_TYPE_Q6_K};
  uint32_t sg = lil_ctx_plan(ctx)->subgroup_size;
  for (size_t t = 0; t < 2; t++) {
    if (all) shapes_for(ctx, k_types[t], rng);
    for (uint32_t rows = 1; rows <= 8; rows *= 2)
      for (uint32_t wgm = 1; wgm <= 4; wgm *= 4) {
        lil_matvec_config cfg = {.workgroup_size = sg * wgm, .rows_per_group = rows};
        uint32_t nb = 2 * (sg * wgm / 8 ? sg * wgm / 8 : 1) + 1;
        uint32_t nc = rows == 8 ? (wgm == 1 ? 1 : 2) : 1 + (rows + wgm) % 8; /* r8: 1 and 2 columns */
        check_matvec_cfg(ctx, k_types[t], 7 + rows, 256 * nb, nc, (int)(rows + t) % 2, 0, &cfg, rng);
      }
    uint64_t rb = lil_type_row_bytes(k_types[t], 768);
    check_matvec(ctx, k_types[t], 300, 768, 3, 1, rb * 41 + 7, rng);
    lil_matvec_config cfg = {.workgroup_size = 2 * sg, .rows_per_group = 2};
    check_matvec_cfg(ctx, k_types[t], 33, 768, 8, 0, rb * 16, &cfg, rng);
  }
}

START_TEST(test_matvec_q16) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_create();
  ck_assert_uint_eq(lil_ctx_plan(ctx)->use_storage16, 1); /* lavapipe and the GPUs lil targets have it */
  q16_shapes(ctx, &rng);
  test_ctx_free(ctx);
}
END_TEST

START_TEST(test_matvec_kq16) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_create();
  ck_assert_uint_eq(lil_ctx_plan(ctx)->use_storage16, 1);
  kq16_shapes(ctx, 0, &rng);
  test_ctx_free(ctx);
}
END_TEST

/* The same shapes without 16-bit storage: the generic kernel (matvec.comp) for Q8_0 / Q4_0 / Q4_K /
 * Q6_K. */

START_TEST(test_matvec_no_storage16) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_no_storage16();
  q16_shapes(ctx, &rng);
  test_ctx_free(ctx);
}
END_TEST

START_TEST(test_matvec_k_no_storage16) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_no_storage16();
  kq16_shapes(ctx, 1, &rng);
  test_ctx_free(ctx);
}
END_TEST

START_TEST(test_embed) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_create();
  for (size_t t = 0; t < N_TYPES; t++) {
    uint32_t type = all_types[t];
    for (int split = 0; split < 2; split++) {
      uint32_t rows = 50, cols = block_of(type) == 1 ? (split ? 37 : 64) : block_of(type) * 2;
      float *wd = NULL;
      uint8_t *q = test_make_weights(type, rows, cols, &rng, &wd);
      lil_weight *w = test_upload_weight(ctx, type, rows, cols, q, split ? lil_type_row_bytes(type, cols) * 16 : 0);
      uint32_t ids[6] = {3, 49, 0, 17, 1000, 33}; /* 1000: out of range -> zero row */
      uint32_t n = 6;
      lil_buffer *ib = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 32);
      lil_buffer *ob = test_buffer(ctx, LIL_MEM_ACTIVATIONS, (size_t)n * cols * 4);
      test_upload(ib, ids, sizeof(ids));
      test_poison(ob);
      lil_seq *seq = NULL;
      lil_error err = {0};
      ck_assert_int_eq(lil_seq_create(ctx, &seq, &err), LIL_OK);
      if (lil_op_embed(ctx, seq, w, (lil_binding){ib, 0, 0}, n, (lil_binding){ob, 0, 0}, &err))
        ck_abort_msg("embed: %s", err.msg);
      if (lil_seq_run(seq, &err)) ck_abort_msg("run: %s", err.msg);
      float *out = malloc((size_t)n * cols * 4);
      test_download(ob, out, (size_t)n * cols * 4);
      for (uint32_t i = 0; i < n; i++)
        for (uint32_t c = 0; c < cols; c++) {
          float want = ids[i] < rows ? wd[(size_t)ids[i] * cols + c] : 0.0f;
          ck_assert_msg(out[(size_t)i * cols + c] == want, "embed %s parts %u: token %u col %u: %g, want %g",
                        lil_type_get(type)->name, w->n_parts, i, c, out[(size_t)i * cols + c], want);
        }
      free(out);
      lil_seq_free(seq);
      lil_buffer_free(ib);
      lil_buffer_free(ob);
      lil_weight_free(w);
      free(q);
      free(wd);
    }
  }
  test_ctx_free(ctx);
}
END_TEST

START_TEST(test_errors) {
  lil_ctx *ctx = test_ctx_create();
  lil_error err = {0};
  lil_weight *w = NULL;
  ck_assert_int_eq(lil_weight_create(ctx, LIL_TYPE_Q4_K, 4, 100, NULL, NULL, &w, &err), LIL_ERR_INVALID_ARG);
  lil_weight_options o = {.max_part_bytes = 100};
  ck_assert_int_eq(lil_weight_create(ctx, LIL_TYPE_Q4_K, 4, 256, NULL, &o, &w, &err), LIL_ERR_UNSUPPORTED);
  ck_assert_int_eq(lil_weight_create(ctx, LIL_TYPE_Q8_0, 4, 64, NULL, NULL, &w, &err), LIL_OK);
  lil_buffer *b = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 1024);
  lil_seq *seq = NULL;
  ck_assert_int_eq(lil_seq_create(ctx, &seq, &err), LIL_OK);
  ck_assert_int_eq(lil_op_matvec(ctx, seq, w, (lil_binding){b, 0, 0}, (lil_binding){b, 0, 0}, 9, 0, &err),
                   LIL_ERR_INVALID_ARG);
  ck_assert_int_eq(lil_op_matvec(ctx, seq, w, (lil_binding){b, 0, 64}, (lil_binding){b, 0, 0}, 1, 0, &err),
                   LIL_ERR_INVALID_ARG); /* x smaller than 64 floats */
  lil_seq_free(seq);
  lil_buffer_free(b);
  lil_weight_free(w);
  test_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ops_matvec");
  TCase *tc = tcase_create("gpu");
  tcase_set_timeout(tc, 600);
  tcase_add_loop_test(tc, test_matvec_types, 0, (int)N_TYPES);
  tcase_add_test(tc, test_matvec_no_subgroup);
  tcase_add_test(tc, test_matvec_parts);
  tcase_add_test(tc, test_matvec_q16);
  tcase_add_test(tc, test_matvec_kq16);
  tcase_add_test(tc, test_matvec_no_storage16);
  tcase_add_test(tc, test_matvec_k_no_storage16);
  tcase_add_test(tc, test_embed);
  tcase_add_test(tc, test_errors);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
