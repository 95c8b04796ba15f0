/* Weight views (lil_weight_view): two tensors concatenated into one weight as the model loads Q/K/V
 * and gate/up (the second from row 256, zero rows between), read through views (the prefill's
 * matmul, a matvec) and as a whole (the decode's one matvec), against the CPU product of the
 * dequantized weights (TOL of test_ops_matvec: 3e-5 sum |w x|), outputs poisoned; views that do
 * not start 256-byte aligned, cross a part or leave the weight are refused; freeing a view leaves
 * its weight intact. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_ops_matmul.h"
#include "lil_ops_matvec.h"
#include "lil_quant.h"
#include "test_common.h"
#include "test_ops_util.h"
#include "test_vk_common.h"

#define TOL 3e-5

static const uint32_t types[] = {LIL_TYPE_F16, LIL_TYPE_Q8_0, LIL_TYPE_Q4_0, LIL_TYPE_Q4_K};

/* y[n][r] vs sum_c w[r][c] x[n][c] for the rows of one tensor. */
static void check_rows(const float *y, uint32_t y_stride, uint32_t y0, const float *wd, const float *x, uint32_t rows,
                       uint32_t cols, uint32_t nt, const char *what) {
  for (uint32_t n = 0; n < nt; n++)
    for (uint32_t r = 0; r < rows; r++) {
      double ref = 0, scale = 0;
      for (uint32_t c = 0; c < cols; c++) {
        double p = (double)wd[(size_t)r * cols + c] * x[(size_t)n * cols + c];
        ref += p;
        scale += fabs(p);
      }
      double got = y[(size_t)n * y_stride + y0 + r];
      ck_assert_msg(fabs(got - ref) <= TOL * scale + 1e-6, "%s: y[%u][%u] = %g, want %g", what, n, r, got, ref);
    }
}

START_TEST(test_view_concat) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_create();
  uint32_t type = types[_i], cols = type == LIL_TYPE_Q4_K ? 512 : 96;
  const uint32_t ra = 300, rb = 77, start_b = 512, total = start_b + rb; /* a padded to 2 x 256 rows */
  float *wa = NULL, *wb = NULL;
  uint8_t *qa = test_make_weights(type, ra, cols, &rng, &wa), *qb = test_make_weights(type, rb, cols, &rng, &wb);
  uint64_t row_bytes = lil_type_row_bytes(type, cols);
  uint8_t *zero = calloc(start_b - ra, row_bytes);
  lil_error err = {0};
  lil_weight *cat = NULL, *va = NULL, *vb = NULL;
  TEST_OK(lil_weight_create(ctx, type, total, cols, NULL, NULL, &cat, &err));
  TEST_OK(lil_weight_upload_rows(cat, 0, ra, qa, &err));
  TEST_OK(lil_weight_upload_rows(cat, ra, start_b - ra, zero, &err));
  TEST_OK(lil_weight_upload_rows(cat, start_b, rb, qb, &err));
  TEST_OK(lil_weight_view(cat, 0, ra, &va, &err));
  TEST_OK(lil_weight_view(cat, start_b, rb, &vb, &err));
  ck_assert_uint_eq(va->rows, ra);
  ck_assert_uint_eq(vb->parts[0].offset, (uint64_t)start_b * row_bytes);
  const uint32_t nt = 5; /* the prefill's matmul over 5 tokens, the matvec over 1 and 3 columns */
  float *x = test_rand_floats(&rng, (size_t)nt * cols, -1.0f, 1.0f);
  float *y = malloc((size_t)nt * total * 4);
  lil_buffer *xb = test_floats_buffer(ctx, x, (size_t)nt * cols);
  lil_buffer *ya = test_floats_buffer(ctx, NULL, (size_t)nt * ra), *yb = test_floats_buffer(ctx, NULL, (size_t)nt * rb);
  lil_buffer *yc = test_floats_buffer(ctx, NULL, (size_t)3 * total);
  lil_seq *seq = test_seq(ctx);
  TEST_OK(lil_op_matmul(ctx, seq, va, tb(xb), tb(ya), nt, 0, &err));
  TEST_OK(lil_op_matmul(ctx, seq, vb, tb(xb), tb(yb), nt, 0, &err));
  test_run_free(seq);
  test_download(ya, y, (size_t)nt * ra * 4);
  check_rows(y, ra, 0, wa, x, ra, cols, nt, "matmul through view a");
  test_download(yb, y, (size_t)nt * rb * 4);
  check_rows(y, rb, 0, wb, x, rb, cols, nt, "matmul through view b");
  for (uint32_t nc = 1; nc <= 3; nc += 2) {
    test_poison(ya);
    test_poison(yb);
    test_poison(yc);
    seq = test_seq(ctx);
    TEST_OK(lil_op_matvec(ctx, seq, va, tb(xb), tb(ya), nc, 0, &err));
    TEST_OK(lil_op_matvec(ctx, seq, vb, tb(xb), tb(yb), nc, 0, &err));
    TEST_OK(lil_op_matvec(ctx, seq, cat, tb(xb), tb(yc), nc, 0, &err)); /* the decode's one matvec */
    test_run_free(seq);
    test_download(ya, y, (size_t)nc * ra * 4);
    check_rows(y, ra, 0, wa, x, ra, cols, nc, "matvec through view a");
    test_download(yb, y, (size_t)nc * rb * 4);
    check_rows(y, rb, 0, wb, x, rb, cols, nc, "matvec through view b");
    test_download(yc, y, (size_t)nc * total * 4);
    check_rows(y, total, 0, wa, x, ra, cols, nc, "concatenated matvec, rows of a");
    check_rows(y, total, start_b, wb, x, rb, cols, nc, "concatenated matvec, rows of b");
    for (uint32_t n = 0; n < nc; n++) /* the zero rows between */
      for (uint32_t r = ra; r < start_b; r++) ck_assert_msg(y[(size_t)n * total + r] == 0.0f, "pad row %u", r);
  }
  /* freeing the views leaves cat usable (validation would report a destroyed buffer) */
  lil_weight_free(va);
  lil_weight_free(vb);
  seq = test_seq(ctx);
  TEST_OK(lil_op_matvec(ctx, seq, cat, tb(xb), tb(yc), 1, 0, &err));
  test_run_free(seq);
  test_download(yc, y, (size_t)total * 4);
  check_rows(y, total, start_b, wb, x, rb, cols, 1, "after the views were freed");
  lil_buffer_free(xb);
  lil_buffer_free(ya);
  lil_buffer_free(yb);
  lil_buffer_free(yc);
  lil_weight_free(cat);
  free(qa), free(qb), free(wa), free(wb), free(zero), free(x), free(y);
  test_ctx_free(ctx);
}
END_TEST

START_TEST(test_view_errors) {
  lil_ctx *ctx = test_ctx_create();
  lil_error err = {0};
  lil_weight *w = NULL, *v = NULL;
  /* Q4_0, 64 columns: 36-byte rows, so row 1 starts at byte 36 and row 64 at 2304 = 9 x 256 */
  TEST_OK(lil_weight_create(ctx, LIL_TYPE_Q4_0, 200, 64, NULL, NULL, &w, &err));
  ck_assert_int_eq(lil_weight_view(w, 1, 10, &v, &err), LIL_ERR_INVALID_ARG);
  ck_assert_ptr_null(v);
  ck_assert_ptr_nonnull(strstr(err.msg, "256"));
  ck_assert_int_eq(lil_weight_view(w, 64, 137, &v, &err), LIL_ERR_INVALID_ARG); /* past row 200 */
  ck_assert_int_eq(lil_weight_view(w, 0, 0, &v, &err), LIL_ERR_INVALID_ARG);
  TEST_OK(lil_weight_view(w, 64, 136, &v, &err));
  ck_assert_int_eq(v->view, 1);
  lil_weight_free(v);
  lil_weight_free(w);
  /* parts of 64 rows: a view across rows 0..127 crosses a part */
  lil_weight_options wo = {.max_part_bytes = 64 * 36, .name = "parts"};
  TEST_OK(lil_weight_create(ctx, LIL_TYPE_Q4_0, 200, 64, NULL, &wo, &w, &err));
  ck_assert_uint_ge(w->n_parts, 3);
  ck_assert_int_eq(lil_weight_view(w, 0, 128, &v, &err), LIL_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(err.msg, "part"));
  TEST_OK(lil_weight_view(w, 64, 64, &v, &err)); /* the second part, whole */
  ck_assert_uint_eq(v->parts[0].buf == w->parts[1].buf, 1);
  lil_weight_free(v);
  lil_weight_free(w);
  test_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("weight_view");
  TCase *tc = tcase_create("gpu");
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, test_view_concat, 0, (int)(sizeof(types) / sizeof(types[0])));
  tcase_add_test(tc, test_view_errors);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
