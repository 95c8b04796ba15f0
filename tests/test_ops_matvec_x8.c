/* The integer-dot decode matvec (8-bit activations: lil_op_quantize_x8 + shaders/matvec_x8.comp)
 * on random data, outputs and the xq scratch poisoned first.
 *  - quantize_x8 vs a CPU quantization done the shader's way (d = amax / 127, q = roundEven(x *
 *    (127 / amax))): d and s within 1e-6 relative, q equal except for a rare +-1 where x * 127 /
 *    amax lies within float rounding of a .5 (GPU division is not correctly rounded);
 *  - the matvec vs the CPU product of the dequantized weights and the activations quantized as the
 *    GPU did (read back from xq, so both sides have the same int8 inputs): the TOL of
 *    test_ops_matvec (3e-5 * sum |w||x|, F32 accumulation order) -- a tight check;
 *  - the matvec vs the exact F32 product (the default path's reference), within the bound of the
 *    activation rounding: |sum w (x - d q)| <= sum |w| d / 2 (per block's d), + the TOL term. */
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

static const uint32_t x8_types[] = {LIL_TYPE_Q8_0, LIL_TYPE_Q4_0, LIL_TYPE_Q4_K, LIL_TYPE_Q6_K};
#define N_X8 (sizeof(x8_types) / sizeof(x8_types[0]))

static lil_ctx *ctx_x8(void) {
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  o.matvec_x8 = 1;
  lil_ctx *ctx = test_ctx_create_opts(&o);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->use_int_dot, 1); /* lavapipe has shaderIntegerDotProduct */
  ck_assert_uint_eq(lil_ctx_plan(ctx)->use_matvec_x8, 1);
  return ctx;
}

/* The shader's quantization of one block of 32 (q: int8 values, d, s). */
static void quantize_block_ref(const float *x, int8_t *q, float *d, float *s) {
  float amax = 0;
  for (int i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(x[i]));
  float id = amax > 0 ? 127.0f / amax : 0.0f;
  int sum = 0;
  for (int i = 0; i < 32; i++) {
    q[i] = (int8_t)nearbyintf(x[i] * id); /* round half to even (the default rounding mode) */
    sum += q[i];
  }
  *d = amax / 127.0f;
  *s = *d * (float)sum;
}

/* Random x: per block a random magnitude (1e-3..10), some blocks all zero, some with an exact
 * half-way value. */
static float *make_x(uint32_t ncols, uint32_t cols, uint64_t *rng) {
  size_t n = (size_t)ncols * cols;
  float *x = malloc(n * 4);
  for (size_t b = 0; b < n / 32; b++) {
    float mag = powf(10.0f, test_rand_uniform(rng, -3.0f, 1.0f));
    int zero = b % 11 == 5;
    for (int i = 0; i < 32; i++) x[b * 32 + i] = zero ? 0.0f : mag * test_rand_uniform(rng, -1.0f, 1.0f);
    if (!zero && b % 7 == 3) { /* amax 127, one element at 2.5: q = 2 (half to even) */
      x[b * 32] = 127.0f;
      x[b * 32 + 1] = 2.5f;
    }
  }
  return x;
}

/* Reads xq back and checks it against the CPU quantization of x; returns q (int8 [n]) and d
 * ([n / 32]) as the GPU wrote them. */
static void check_xq(lil_buffer *xqb, const float *x, uint32_t ncols, uint32_t cols, int8_t **q_out, float **d_out) {
  uint64_t bytes = lil_matvec_x8_bytes(ncols, cols), dso = lil_matvec_x8_ds_offset(ncols, cols);
  uint8_t *raw = malloc(bytes);
  test_download(xqb, raw, bytes);
  size_t n = (size_t)ncols * cols, nb = n / 32, off_by_one = 0;
  int8_t *q = malloc(n);
  float *d = malloc(nb * 4);
  memcpy(q, raw, n);
  for (size_t b = 0; b < nb; b++) {
    int8_t qr[32];
    float dr, sr, ds[2];
    quantize_block_ref(x + b * 32, qr, &dr, &sr);
    memcpy(ds, raw + dso + b * 8, 8);
    ck_assert_msg(fabsf(ds[0] - dr) <= 1e-6f * dr, "block %zu: d %g, want %g", b, ds[0], dr);
    int sum = 0;
    for (int i = 0; i < 32; i++) {
      int diff = abs(q[b * 32 + i] - qr[i]);
      ck_assert_msg(diff <= 1 && abs(q[b * 32 + i]) <= 127, "block %zu elem %d: q %d, want %d (x %g)", b, i,
                    q[b * 32 + i], qr[i], x[b * 32 + i]);
      if (diff) { /* only where x * 127 / amax is within float rounding of a half-way point */
        double t = (double)x[b * 32 + i] * 127.0 / fmax(dr * 127.0, 1e-30);
        ck_assert_msg(fabs(fabs(t - trunc(t)) - 0.5) < 1e-5, "block %zu elem %d: q %d, want %d", b, i, q[b * 32 + i],
                      qr[i]);
        off_by_one++;
      }
      sum += q[b * 32 + i];
    }
    ck_assert_msg(fabsf(ds[1] - ds[0] * (float)sum) <= 1e-6f * fabsf(ds[0] * (float)sum),
                  "block %zu: s %g, want %g", b, ds[1], ds[0] * (float)sum);
    d[b] = ds[0];
  }
  ck_assert_uint_le(off_by_one, n / 1000 + 2);
  free(raw);
  *q_out = q;
  *d_out = d;
}

START_TEST(test_quantize_x8) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = ctx_x8();
  static const uint32_t widths[] = {32, 96, 4096 + 32};
  static const uint32_t ncols[] = {1, 3, 8};
  for (int wi = 0; wi < 3; wi++)
    for (int ni = 0; ni < 3; ni++) {
      uint32_t cols = widths[wi], nc = ncols[ni];
      float *x = make_x(nc, cols, &rng);
      lil_buffer *xb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, (uint64_t)nc * cols * 4);
      lil_buffer *qb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, lil_matvec_x8_bytes(nc, cols));
      test_upload(xb, x, (uint64_t)nc * cols * 4);
      test_poison(qb);
      lil_seq *seq = NULL;
      lil_error err = {0};
      ck_assert_int_eq(lil_seq_create(ctx, &seq, &err), LIL_OK);
      if (lil_op_quantize_x8(ctx, seq, (lil_binding){xb, 0, 0}, nc, cols, (lil_binding){qb, 0, 0}, &err))
        ck_abort_msg("quantize_x8: %s", err.msg);
      if (lil_seq_run(seq, &err)) ck_abort_msg("run: %s", err.msg);
      int8_t *q = NULL;
      float *d = NULL;
      check_xq(qb, x, nc, cols, &q, &d);
      free(q);
      free(d);
      lil_seq_free(seq);
      lil_buffer_free(xb);
      lil_buffer_free(qb);
      free(x);
    }
  test_ctx_free(ctx);
}
END_TEST

typedef struct x8_case {
  uint32_t type, rows, cols, ncols;
  int accumulate;
  uint64_t max_part;
  lil_matvec_config cfg; /* launch shape; xq filled in by check_x8 */
} x8_case;

/* Runs one x8 matvec (quantize + matvec recorded by lil_op_matvec_cfg) and checks y both ways. */
static void check_x8(lil_ctx *ctx, const x8_case *c, uint64_t *rng) {
  uint32_t rows = c->rows, cols = c->cols, nc = c->ncols;
  float *wd = NULL;
  uint8_t *wq = test_make_weights(c->type, rows, cols, rng, &wd);
  lil_weight_options wo = {.max_part_bytes = c->max_part, .name = "test-w"};
  lil_weight *w = NULL;
  lil_error err = {0};
  if (lil_weight_create(ctx, c->type, rows, cols, wq, &wo, &w, &err)) ck_abort_msg("weight: %s", err.msg);
  if (c->max_part) ck_assert_uint_ge(w->n_parts, 2);
  ck_assert_int_eq(lil_matvec_x8_applies(ctx, w), 1);
  size_t nx = (size_t)nc * cols, ny = (size_t)nc * rows;
  float *x = make_x(nc, cols, rng), *y0 = malloc(ny * 4), *y = malloc(ny * 4);
  for (size_t i = 0; i < ny; i++) y0[i] = test_rand_uniform(rng, -4.0f, 4.0f);
  lil_buffer *xb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, nx * 4);
  lil_buffer *yb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, (ny * 4 + 15) & ~(size_t)15);
  /* the scratch at a non-zero 16-aligned offset */
  lil_buffer *qb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 48 + lil_matvec_x8_bytes(nc, cols));
  test_upload(xb, x, nx * 4);
  test_poison(yb);
  test_poison(qb);
  if (c->accumulate) test_upload(yb, y0, ny * 4);
  lil_matvec_config cfg = c->cfg;
  cfg.xq = (lil_binding){qb, 48, 0};
  lil_seq *seq = NULL;
  ck_assert_int_eq(lil_seq_create(ctx, &seq, &err), LIL_OK);
  if (lil_op_matvec_cfg(ctx, seq, w, (lil_binding){xb, 0, nx * 4}, (lil_binding){yb, 0, ny * 4}, nc, c->accumulate,
                        &cfg, &err))
    ck_abort_msg("matvec: %s", err.msg);
  ck_assert_str_eq(lil_seq_label(seq, 0), "quantize_x8");
  ck_assert_int_eq(strncmp(lil_seq_label(seq, 1), "matvecx8_", 9), 0);
  if (lil_seq_run(seq, &err)) ck_abort_msg("run: %s", err.msg);
  test_download(yb, y, ny * 4);
  /* the scratch at offset 48: read it back through a copy of that range */
  lil_buffer *qv = test_buffer(ctx, LIL_MEM_ACTIVATIONS, lil_matvec_x8_bytes(nc, cols));
  lil_seq *cp = NULL;
  ck_assert_int_eq(lil_seq_create(ctx, &cp, &err), LIL_OK);
  ck_assert_int_eq(lil_seq_copy(cp, qb, 48, qv, 0, lil_matvec_x8_bytes(nc, cols), &err), LIL_OK);
  if (lil_seq_run(cp, &err)) ck_abort_msg("copy: %s", err.msg);
  int8_t *q = NULL;
  float *d = NULL;
  check_xq(qv, x, nc, cols, &q, &d);
  for (uint32_t n = 0; n < nc; n++)
    for (uint32_t r = 0; r < rows; r++) {
      double base = c->accumulate ? y0[n * rows + r] : 0;
      double ref_q = base, ref_f = base, scale_q = fabs(base), scale_f = fabs(base), bound = 0;
      for (uint32_t k = 0; k < cols; k++) {
        size_t xi = (size_t)n * cols + k;
        double wv = wd[(size_t)r * cols + k], xqv = (double)d[xi / 32] * q[xi];
        ref_q += wv * xqv;
        scale_q += fabs(wv * xqv);
        ref_f += wv * x[xi];
        scale_f += fabs(wv * x[xi]);
        bound += fabs(wv) * d[xi / 32] * 0.5;
      }
      double got = y[n * rows + r];
      ck_assert_msg(fabs(got - ref_q) <= TOL * scale_q + 1e-6,
                    "%s %ux%u ncols %u acc %d parts %u: y[%u][%u] = %.9g, want %.9g (x as quantized)",
                    lil_type_get(c->type)->name, rows, cols, nc, c->accumulate, w->n_parts, n, r, got, ref_q);
      ck_assert_msg(fabs(got - ref_f) <= bound * 1.001 + TOL * scale_f + 1e-6,
                    "%s %ux%u ncols %u: y[%u][%u] = %.9g, F32 product %.9g, bound %g", lil_type_get(c->type)->name,
                    rows, cols, nc, n, r, got, ref_f, bound);
    }
  free(q);
  free(d);
  lil_seq_free(cp);
  lil_seq_free(seq);
  lil_buffer_free(qv);
  lil_buffer_free(qb);
  lil_buffer_free(xb);
  lil_buffer_free(yb);
  lil_weight_free(w);
  free(wq);
  free(wd);
  free(x);
  free(y0);
  free(y);
}

/* Rows {1, 7, 33, 255, 300} (thinned under ASan), widths not multiples of a workgroup's span,
 * ncols 1 / 3 / 8, accumulate alternating, on the default launch shape. */
START_TEST(test_matvec_x8_shapes) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = ctx_x8();
  uint32_t type = x8_types[_i];
#if defined(__SANITIZE_ADDRESS__)
  static const uint32_t rows[] = {1, 33, 300};
#else
  static const uint32_t rows[] = {1, 7, 33, 255, 300};
#endif
  static const uint32_t ncols[] = {1, 3, 8};
  uint32_t b = lil_type_get(type)->block_elems;
  uint32_t widths[3] = {b, 3 * b, b == 32 ? 32 * 37 : 256 * 5};
  int k = 0;
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
    for (int j = 0; j < 3; j++, k++) {
      x8_case c = {type, rows[i], widths[j], ncols[k % 3], k % 2, 0, {0}};
      check_x8(ctx, &c, &rng);
    }
  test_ctx_free(ctx);
}
END_TEST

/* Every rows-per-workgroup variant (1, 2, 4, 8) and column capacity, one and four subgroups per
 * workgroup, rows not a multiple of the rows per workgroup, blocks per row not a multiple of the
 * threads' stride (the unrolled loop and the tail both run); split weights. */
START_TEST(test_matvec_x8_variants) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = ctx_x8();
  uint32_t type = x8_types[_i], sg = lil_ctx_plan(ctx)->subgroup_size;
  uint32_t b = lil_type_get(type)->block_elems, tpb = b == 32 ? 4 : 8;
  for (uint32_t rows = 1; rows <= 8; rows *= 2)
    for (uint32_t wgm = 1; wgm <= 4; wgm *= 4) {
      uint32_t step = sg * wgm / tpb ? sg * wgm / tpb : 1;
      uint32_t nc = rows == 8 ? (wgm == 1 ? 1 : 2) : 1 + (rows + wgm) % 8; /* r8: 1 and 2 columns */
      x8_case c = {type, 5 + rows, b * (2 * step + 1), nc, (int)rows % 2, 0,
                   {.workgroup_size = sg * wgm, .rows_per_group = rows}};
      check_x8(ctx, &c, &rng);
    }
  uint64_t rb = lil_type_row_bytes(type, 2 * b);
  x8_case c = {type, 300, 2 * b, 3, 1, rb * 41 + 7, {0}};
  check_x8(ctx, &c, &rng);
  test_ctx_free(ctx);
}
END_TEST

/* One quantization shared by two matvecs (xq_ready), and the paths' selection: without opt-in or
 * without a scratch the F32-activation kernels run. */
START_TEST(test_matvec_x8_shared) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = ctx_x8();
  uint32_t rows = 40, cols = 512, nc = 2;
  float *wd[2];
  uint8_t *wq[2];
  lil_weight *w[2];
  lil_error err = {0};
  for (int i = 0; i < 2; i++) {
    wq[i] = test_make_weights(i ? LIL_TYPE_Q4_K : LIL_TYPE_Q4_0, rows, cols, &rng, &wd[i]);
    ck_assert_int_eq(lil_weight_create(ctx, i ? LIL_TYPE_Q4_K : LIL_TYPE_Q4_0, rows, cols, wq[i], NULL, &w[i], &err),
                     LIL_OK);
  }
  float *x = make_x(nc, cols, &rng), *y = malloc((size_t)2 * nc * rows * 4);
  lil_buffer *xb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, (uint64_t)nc * cols * 4);
  lil_buffer *yb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, (uint64_t)2 * nc * rows * 4);
  lil_buffer *qb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, lil_matvec_x8_bytes(nc, cols));
  test_upload(xb, x, (uint64_t)nc * cols * 4);
  test_poison(yb);
  test_poison(qb);
  lil_seq *seq = NULL;
  ck_assert_int_eq(lil_seq_create(ctx, &seq, &err), LIL_OK);
  ck_assert_int_eq(lil_op_quantize_x8(ctx, seq, (lil_binding){xb, 0, 0}, nc, cols, (lil_binding){qb, 0, 0}, &err),
                   LIL_OK);
  lil_matvec_config cfg = {.xq = {qb, 0, 0}, .xq_ready = 1};
  for (int i = 0; i < 2; i++)
    ck_assert_int_eq(lil_op_matvec_cfg(ctx, seq, w[i], (lil_binding){xb, 0, 0},
                                       (lil_binding){yb, (uint64_t)i * nc * rows * 4, (uint64_t)nc * rows * 4}, nc, 0,
                                       &cfg, &err),
                     LIL_OK);
  ck_assert_uint_eq(lil_seq_dispatch_count(seq), 3);
  ck_assert_str_eq(lil_seq_label(seq, 1), "matvecx8_q4_0_r4_c2 40x512"); /* the kernel and the weight's shape */
  ck_assert_str_eq(lil_seq_label(seq, 2), "matvecx8_q4_k_r4_c2 40x512");
  if (lil_seq_run(seq, &err)) ck_abort_msg("run: %s", err.msg);
  test_download(yb, y, (uint64_t)2 * nc * rows * 4);
  int8_t *q = NULL;
  float *d = NULL;
  check_xq(qb, x, nc, cols, &q, &d);
  for (int i = 0; i < 2; i++)
    for (uint32_t n = 0; n < nc; n++)
      for (uint32_t r = 0; r < rows; r++) {
        double ref = 0, scale = 0;
        for (uint32_t k = 0; k < cols; k++) {
          size_t xi = (size_t)n * cols + k;
          double p = (double)wd[i][(size_t)r * cols + k] * d[xi / 32] * q[xi];
          ref += p;
          scale += fabs(p);
        }
        double got = y[(size_t)i * nc * rows + n * rows + r];
        ck_assert_msg(fabs(got - ref) <= TOL * scale + 1e-6, "weight %d y[%u][%u] = %g, want %g", i, n, r, got, ref);
      }
  free(q);
  free(d);
  /* no scratch: the default kernel */
  lil_seq_reset(seq);
  ck_assert_int_eq(lil_op_matvec(ctx, seq, w[0], (lil_binding){xb, 0, 0}, (lil_binding){yb, 0, 0}, nc, 0, &err),
                   LIL_OK);
  ck_assert_int_eq(strncmp(lil_seq_label(seq, 0), "matvec16_", 9), 0);
  lil_seq_free(seq);
  /* no opt-in: a scratch is ignored */
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  o.matvec_x8 = 0;
  lil_ctx *plain = test_ctx_create_opts(&o);
  ck_assert_uint_eq(lil_ctx_plan(plain)->use_matvec_x8, 0);
  lil_weight *pw = NULL;
  ck_assert_int_eq(lil_weight_create(plain, LIL_TYPE_Q4_0, rows, cols, wq[0], NULL, &pw, &err), LIL_OK);
  ck_assert_int_eq(lil_matvec_x8_applies(plain, pw), 0);
  lil_buffer *pq = test_buffer(plain, LIL_MEM_ACTIVATIONS, lil_matvec_x8_bytes(nc, cols));
  lil_buffer *px = test_buffer(plain, LIL_MEM_ACTIVATIONS, (uint64_t)nc * cols * 4);
  lil_buffer *py = test_buffer(plain, LIL_MEM_ACTIVATIONS, (uint64_t)nc * rows * 4);
  lil_seq *ps = NULL;
  ck_assert_int_eq(lil_seq_create(plain, &ps, &err), LIL_OK);
  lil_matvec_config pc = {.xq = {pq, 0, 0}};
  ck_assert_int_eq(lil_op_matvec_cfg(plain, ps, pw, (lil_binding){px, 0, 0}, (lil_binding){py, 0, 0}, nc, 0, &pc, &err),
                   LIL_OK);
  ck_assert_uint_eq(lil_seq_dispatch_count(ps), 1);
  ck_assert_int_eq(strncmp(lil_seq_label(ps, 0), "matvec16_", 9), 0);
  lil_seq_free(ps);
  lil_buffer_free(pq);
  lil_buffer_free(px);
  lil_buffer_free(py);
  lil_weight_free(pw);
  test_ctx_free(plain);
  /* errors: a scratch too small, quantize of a width not a multiple of 32 */
  ck_assert_int_eq(lil_seq_create(ctx, &seq, &err), LIL_OK);
  lil_matvec_config small = {.xq = {qb, 0, lil_matvec_x8_bytes(nc, cols) - 16}};
  ck_assert_int_eq(lil_op_matvec_cfg(ctx, seq, w[0], (lil_binding){xb, 0, 0}, (lil_binding){yb, 0, 0}, nc, 0, &small,
                                     &err),
                   LIL_ERR_INVALID_ARG);
  ck_assert_int_eq(lil_op_quantize_x8(ctx, seq, (lil_binding){xb, 0, 0}, 1, 48, (lil_binding){qb, 0, 0}, &err),
                   LIL_ERR_INVALID_ARG);
  ck_assert_uint_eq(lil_seq_dispatch_count(seq), 0);
  lil_seq_free(seq);
  for (int i = 0; i < 2; i++) {
    lil_weight_free(w[i]);
    free(wq[i]);
    free(wd[i]);
  }
  lil_buffer_free(xb);
  lil_buffer_free(yb);
  lil_buffer_free(qb);
  free(x);
  free(y);
  test_ctx_free(ctx);
}
END_TEST

/* LIL_DISABLE=intdot wins over the opt-in: no plan flag, the F32 kernels. */
START_TEST(test_matvec_x8_disabled) {
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  o.matvec_x8 = 1;
  o.disable = "intdot";
  lil_ctx *ctx = test_ctx_create_opts(&o);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->use_int_dot, 0);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->use_matvec_x8, 0);
  lil_weight *w = NULL;
  lil_error err = {0};
  ck_assert_int_eq(lil_weight_create(ctx, LIL_TYPE_Q8_0, 4, 64, NULL, NULL, &w, &err), LIL_OK);
  ck_assert_int_eq(lil_matvec_x8_applies(ctx, w), 0);
  lil_weight_free(w);
  test_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ops_matvec_x8");
  TCase *tc = tcase_create("gpu");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_quantize_x8);
  tcase_add_loop_test(tc, test_matvec_x8_shapes, 0, (int)N_X8);
  tcase_add_loop_test(tc, test_matvec_x8_variants, 0, (int)N_X8);
  tcase_add_test(tc, test_matvec_x8_shared);
  tcase_add_test(tc, test_matvec_x8_disabled);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
