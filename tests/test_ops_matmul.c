/* Prefill matmul (lil_op_matmul) against a double-precision CPU reference, for every weight type,
 * on shapes that are not multiples of the tiles (64 x 64 plain, 128 x 128 tensor-core).
 * Weights are random bytes (every code and scale bit pattern) with finite, moderate block scales,
 * decoded on the CPU by lil_dequantize_row (lil_quant.h).
 *
 * Tolerances, per output: |y - ref| <= rel * sum_c |w[r][c] x[n][c]| + 1e-6, where ref uses the
 * decoded weights:
 *   plain kernel, every type: rel = 2e-5 (f32 accumulation over <= 512 terms: n * 2^-24 bound,
 *     plus one rounding of a quantized scale product);
 *   tensor-core kernel: X rounded to f16 (2^-11 relative): rel = 1.5e-3 for F16 weights;
 *     quantized weights are also rounded to f16 in shared memory: rel = 2.5e-3.
 * Outputs are poisoned with NaN first; bytes after Y must stay poisoned. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_ggml_types.h"
#include "lil_ops_matmul.h"
#include "lil_quant.h"
#include "test_common.h"
#include "test_vk_common.h"

#define TAIL 64 /* poisoned bytes after Y that must stay untouched */
#define REL_PLAIN 2e-5
#define REL_COOP_F16 1.5e-3
#define REL_COOP_QUANT 2.5e-3

static uint64_t rng;

/* A random normal half with exponent in [emin, emax] (unbiased) and a random sign if allow_neg. */
static uint16_t rand_half(uint64_t *rng, int emin, int emax, int allow_neg) {
  uint32_t r = test_rand_u32(rng);
  uint32_t e = (uint32_t)(emin + (int)(r % (uint32_t)(emax - emin + 1)) + 15);
  uint32_t sign = allow_neg ? (r >> 31) : 0;
  return (uint16_t)((sign << 15) | (e << 10) | ((r >> 8) & 1023u));
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

/* rows x cols weights of type (packed GGUF rows, rows * lil_type_row_bytes(type, cols) bytes at
 * out): random bytes, then finite values of moderate size for floats and block scales. */
static void random_weight(uint32_t type, uint32_t rows, uint32_t cols, uint8_t *out, uint64_t *rng) {
  uint64_t rb = lil_type_row_bytes(type, cols), total = rb * rows;
  for (uint64_t i = 0; i < total; i++) out[i] = (uint8_t)test_rand_u32(rng);
  for (uint32_t r = 0; r < rows; r++) {
    uint8_t *row = out + r * rb;
    switch (type) {
    case LIL_TYPE_F32:
      for (uint32_t c = 0; c < cols; c++) {
        float v = test_rand_uniform(rng, -1.0f, 1.0f);
        memcpy(row + 4 * c, &v, 4);
      }
      break;
    case LIL_TYPE_F16:
      for (uint32_t c = 0; c < cols; c++) put16(row + 2 * c, rand_half(rng, -6, 0, 1));
      break;
    case LIL_TYPE_BF16:
      for (uint32_t c = 0; c < cols; c++) put16(row + 2 * c, lil_f32_to_bf16(test_rand_uniform(rng, -1.0f, 1.0f)));
      break;
    case LIL_TYPE_Q8_0:
      for (uint32_t b = 0; b < cols / 32; b++) put16(row + 34 * b, rand_half(rng, -9, -6, 1));
      break;
    case LIL_TYPE_Q4_0:
      for (uint32_t b = 0; b < cols / 32; b++) put16(row + 18 * b, rand_half(rng, -6, -3, 1));
      break;
    case LIL_TYPE_Q4_K:
      for (uint32_t b = 0; b < cols / 256; b++) {
        put16(row + 144 * b, rand_half(rng, -12, -9, 0));
        put16(row + 144 * b + 2, rand_half(rng, -12, -9, 0));
      }
      break;
    case LIL_TYPE_Q6_K:
      for (uint32_t b = 0; b < cols / 256; b++) put16(row + 210 * b + 208, rand_half(rng, -14, -11, 1));
      break;
    default: break;
    }
  }
}

/* y[n][r] = sum_c w[r][c] x[n][c] in double, and asum[n][r] = sum_c |w x| (for tolerances). */
static void ref_matmul(const float *w, const float *x, uint32_t rows, uint32_t cols, uint32_t n, double *y,
                       double *asum) {
  for (uint32_t t = 0; t < n; t++)
    for (uint32_t r = 0; r < rows; r++) {
      double s = 0, a = 0;
      for (uint32_t c = 0; c < cols; c++) {
        double p = (double)w[(uint64_t)r * cols + c] * x[(uint64_t)t * cols + c];
        s += p;
        a += fabs(p);
      }
      y[(uint64_t)t * rows + r] = s;
      asum[(uint64_t)t * rows + r] = a;
    }
}

typedef struct mm_case {
  uint32_t type, n, rows, cols;
  int accumulate;
  uint32_t n_parts;
  uint32_t io_offset; /* bytes before X and Y in their buffers */
  lil_matmul_path path;
  const char *variant; /* tensor-core design (NULL = default); an f16 X scratch is passed when it reads one */
  int w16;             /* a scratch for W decoded to f16 (lil_matmul_cfg.w16); 2: decoded ahead (w16_ready) */
} mm_case;

static void upload_at(lil_buffer *b, uint64_t off, const void *src, uint64_t n) {
  lil_error err = {0};
  if (lil_buffer_upload(b, off, src, n, &err)) ck_abort_msg("upload: %s", err.msg);
}

/* 1 when the comma-separated list has name. */
static int name_in_list(const char *list, const char *name) {
  size_t n = strlen(name);
  for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
    if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '\0')) return 1;
  return 0;
}

/* Runs one case and returns the largest |err| / tolerance (must be <= 1). */
static double run_case(lil_ctx *ctx, const mm_case *c, double rel) {
  uint64_t rb = lil_type_row_bytes(c->type, c->cols);
  ck_assert_msg(rb, "type %u cols %u", c->type, c->cols);
  uint8_t *wq = malloc(rb * c->rows);
  float *wf = malloc(sizeof(float) * c->rows * c->cols);
  float *x = malloc(sizeof(float) * c->n * c->cols);
  float *y0 = malloc(sizeof(float) * c->n * c->rows);
  double *ref = malloc(sizeof(double) * c->n * c->rows), *asum = malloc(sizeof(double) * c->n * c->rows);
  uint64_t ybytes = 4ull * c->n * c->rows;
  uint8_t *yout = malloc(ybytes + TAIL);
  random_weight(c->type, c->rows, c->cols, wq, &rng);
  for (uint32_t r = 0; r < c->rows; r++) {
    lil_error qerr = {0};
    lil_status qst = lil_dequantize_row(c->type, wq + r * rb, wf + (uint64_t)r * c->cols, c->cols, &qerr);
    ck_assert_msg(qst == LIL_OK, "lil_dequantize_row: %s", qerr.msg);
  }
  for (uint64_t i = 0; i < (uint64_t)c->n * c->cols; i++) x[i] = test_rand_uniform(&rng, -1.0f, 1.0f);
  for (uint64_t i = 0; i < (uint64_t)c->n * c->rows; i++) y0[i] = test_rand_uniform(&rng, -2.0f, 2.0f);
  ref_matmul(wf, x, c->rows, c->cols, c->n, ref, asum);

  /* n_parts > 1: parts of about rows / n_parts rows each (lil_weight splits at row boundaries) */
  lil_weight *W = NULL;
  lil_weight_options wo = {.max_part_bytes = c->n_parts > 1 ? ((c->rows + c->n_parts - 1) / c->n_parts) * rb : 0};
  lil_error werr = {0};
  ck_assert_msg(!lil_weight_create(ctx, c->type, c->rows, c->cols, wq, &wo, &W, &werr), "%s", werr.msg);
  ck_assert_uint_ge(W->n_parts, c->n_parts);
  lil_buffer *xb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, c->io_offset + 4ull * c->n * c->cols);
  lil_buffer *yb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, c->io_offset + ybytes + TAIL);
  upload_at(xb, c->io_offset, x, 4ull * c->n * c->cols);
  test_poison(yb);
  if (c->accumulate) upload_at(yb, c->io_offset, y0, ybytes);

  lil_seq *seq = NULL;
  lil_error err = {0};
  ck_assert_msg(!lil_seq_create(ctx, &seq, &err), "%s", err.msg);
  lil_binding X = {xb, c->io_offset, 4ull * c->n * c->cols}, Y = {yb, c->io_offset, ybytes};
  lil_buffer *x16b = NULL;
  lil_matmul_cfg cfg = {.path = c->path, .variant = c->variant};
  if (c->variant && lil_matmul_variant_x16(c->variant) == 1) {
    x16b = test_buffer(ctx, LIL_MEM_ACTIVATIONS, c->io_offset + 2ull * c->n * c->cols);
    cfg.x16 = (lil_binding){x16b, c->io_offset, 2ull * c->n * c->cols};
  }
  lil_buffer *w16b = NULL;
  if (c->w16) { /* room for the largest part, at an offset */
    uint64_t part = 0;
    for (uint32_t i = 0; i < W->n_parts; i++)
      if (W->parts[i].n_rows > part) part = W->parts[i].n_rows;
    w16b = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 256 + part * c->cols * 2);
    test_poison(w16b);
    cfg.w16 = (lil_binding){w16b, 256, 0};
  }
  if (c->w16 == 2) { /* decoded ahead (lil_op_matmul_decode_w16), then the product told so */
    int done = -1;
    ck_assert_msg(!lil_op_matmul_decode_w16(ctx, seq, W, cfg.w16, &done, &err), "%s", err.msg);
    ck_assert_int_eq(done, W->n_parts == 1);
    cfg.w16_ready = done;
  }
  lil_status st = lil_op_matmul_ex(ctx, seq, W, X, Y, c->n, c->accumulate, &cfg, &err);
  ck_assert_msg(!st, "lil_op_matmul: %s", err.msg);
  ck_assert_msg(!lil_seq_run(seq, &err), "run: %s", err.msg);
  lil_seq_free(seq);
  lil_error derr = {0};
  ck_assert_msg(!lil_buffer_download(yb, c->io_offset, yout, ybytes + TAIL, &derr), "%s", derr.msg);

  const float *y = (const float *)yout;
  double worst = 0;
  for (uint64_t i = 0; i < (uint64_t)c->n * c->rows; i++) {
    double want = ref[i] + (c->accumulate ? y0[i] : 0.0);
    double tol = rel * asum[i] + 1e-6 + (c->accumulate ? 1e-7 * fabs(y0[i]) : 0.0);
    double e = fabs((double)y[i] - want) / tol;
    if (!(e <= worst)) worst = isnan(e) ? INFINITY : e;
    if (!(e <= 1.0))
      ck_abort_msg("%s n=%u rows=%u cols=%u parts=%u acc=%d: y[%llu][%llu] = %.9g, want %.9g (tol %.3g)",
                   lil_type_get(c->type)->name, c->n, c->rows, c->cols, c->n_parts, c->accumulate,
                   (unsigned long long)(i / c->rows), (unsigned long long)(i % c->rows), y[i], want, tol);
  }
  for (uint32_t i = 0; i < TAIL / 4; i++) {
    uint32_t u;
    memcpy(&u, yout + ybytes + 4 * i, 4);
    ck_assert_msg(u == 0x7fc0deadu, "matmul wrote past the end of Y (word %u after)", i);
  }
  lil_weight_free(W);
  lil_buffer_free(x16b);
  lil_buffer_free(w16b);
  lil_buffer_free(xb);
  lil_buffer_free(yb);
  free(wq), free(wf), free(x), free(y0), free(ref), free(asum), free(yout);
  return worst;
}

static const uint32_t all_types[] = {LIL_TYPE_F32,  LIL_TYPE_F16,  LIL_TYPE_BF16, LIL_TYPE_Q8_0,
                                     LIL_TYPE_Q4_0, LIL_TYPE_Q4_K, LIL_TYPE_Q6_K};

static void cols_for(uint32_t type, uint32_t cols[3], uint32_t *n) {
  if (type == LIL_TYPE_Q4_K || type == LIL_TYPE_Q6_K) {
    cols[0] = 256, cols[1] = 512, *n = 2;
  } else if (type == LIL_TYPE_Q8_0 || type == LIL_TYPE_Q4_0) {
    cols[0] = 32, cols[1] = 96, cols[2] = 256, *n = 3;
  } else {
    cols[0] = 32, cols[1] = 96, cols[2] = 45, *n = 3; /* 45: ragged k tile, odd F16/BF16 rows */
  }
}

START_TEST(test_plain_all_types) {
  lil_ctx *ctx = test_ctx_create();
  const uint32_t type = all_types[_i];
  const uint32_t ns[] = {1, 5, 33}, rows[] = {7, 65, 130};
  uint32_t cols[3], nc;
  cols_for(type, cols, &nc);
  double worst = 0;
  for (uint32_t a = 0; a < 3; a++)
    for (uint32_t b = 0; b < 3; b++)
      for (uint32_t k = 0; k < nc; k++) {
        mm_case c = {type, ns[a], rows[b], cols[k], 0, 1, 0, LIL_MATMUL_PLAIN, NULL, 0};
        double w = run_case(ctx, &c, REL_PLAIN);
        if (w > worst) worst = w;
      }
  fprintf(stderr, "matmul plain %s: worst error %.3f of tolerance\n", lil_type_get(type)->name, worst);
  test_ctx_free(ctx);
}
END_TEST

/* Several weight parts, accumulate, X/Y at an offset, through the automatic path choice. */
START_TEST(test_parts_accumulate_offsets) {
  lil_ctx *ctx = test_ctx_create();
  const uint32_t types[] = {LIL_TYPE_F16, LIL_TYPE_Q8_0, LIL_TYPE_Q4_K, LIL_TYPE_Q6_K};
  for (uint32_t i = 0; i < 4; i++) {
    uint32_t cols = (types[i] == LIL_TYPE_Q4_K || types[i] == LIL_TYPE_Q6_K) ? 256 : 96;
    mm_case c = {types[i], 33, 130, cols, 1, 3, 256, LIL_MATMUL_AUTO, NULL, 0};
    int coop = lil_matmul_coopmat_ok(ctx, &(lil_weight){.type = types[i], .cols = cols}, NULL, 0);
    run_case(ctx, &c, coop ? (types[i] == LIL_TYPE_F16 ? REL_COOP_F16 : REL_COOP_QUANT) : REL_PLAIN);
    c.accumulate = 0;
    c.n_parts = 2;
    c.n = 70;
    run_case(ctx, &c, coop ? (types[i] == LIL_TYPE_F16 ? REL_COOP_F16 : REL_COOP_QUANT) : REL_PLAIN);
  }
  test_ctx_free(ctx);
}
END_TEST

START_TEST(test_errors) {
  lil_ctx *ctx = test_ctx_create();
  lil_buffer *wb = test_buffer(ctx, LIL_MEM_WEIGHTS, 4096);
  lil_buffer *xb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 4096);
  lil_seq *seq = NULL;
  lil_error err = {0};
  ck_assert(!lil_seq_create(ctx, &seq, &err));
  lil_weight W = {
      .type = LIL_TYPE_F32, .rows = 8, .cols = 32, .row_bytes = 128, .n_parts = 1, .parts = {{wb, 0, 1024, 0, 8}}};
  lil_binding X = {xb, 0, 0}, Y = {xb, 0, 0};
  lil_weight bad = W;
  bad.type = LIL_TYPE_Q5_K;
  bad.cols = 256;
  ck_assert_int_eq(lil_op_matmul(ctx, seq, &bad, X, Y, 1, 0, &err), LIL_ERR_UNSUPPORTED);
  bad = W;
  bad.parts[0].n_rows = 7;
  ck_assert_int_eq(lil_op_matmul(ctx, seq, &bad, X, Y, 1, 0, &err), LIL_ERR_INVALID_ARG);
  bad = W;
  bad.type = LIL_TYPE_Q8_0;
  bad.cols = 33;
  ck_assert_int_eq(lil_op_matmul(ctx, seq, &bad, X, Y, 1, 0, &err), LIL_ERR_INVALID_ARG);
  ck_assert_int_eq(lil_op_matmul(ctx, seq, &W, X, Y, 64, 0, &err), LIL_ERR_RANGE); /* X too small */
  ck_assert_int_eq(lil_op_matmul(ctx, seq, &W, X, Y, 1, 0, &err), LIL_OK);
  if (!lil_matmul_coopmat_ok(ctx, &W, NULL, 0))
    ck_assert_int_eq(lil_op_matmul_path(ctx, seq, &W, X, Y, 1, 0, LIL_MATMUL_COOPMAT, &err), LIL_ERR_UNSUPPORTED);
  ck_assert_str_eq(lil_matmul_shader(LIL_TYPE_Q4_K, 0), "matmul_q4_k");
  ck_assert_ptr_null(lil_matmul_shader(LIL_TYPE_F32, 1));
  lil_seq_free(seq);
  lil_buffer_free(wb);
  lil_buffer_free(xb);
  test_ctx_free(ctx);
}
END_TEST

/* LIL_DISABLE=coopmat: the tensor-core kernel is never chosen; the automatic path is still right. */
START_TEST(test_coopmat_disabled) {
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  o.disable = "coopmat";
  lil_ctx *ctx = test_ctx_create_opts(&o);
  lil_weight W = {.type = LIL_TYPE_F16, .rows = 128, .cols = 256};
  char why[128];
  ck_assert(!lil_matmul_coopmat_ok(ctx, &W, why, sizeof(why)));
  ck_assert(!lil_plan_coopmat(lil_ctx_plan(ctx)));
  mm_case c = {LIL_TYPE_F16, 33, 65, 96, 0, 1, 0, LIL_MATMUL_AUTO, NULL, 0};
  run_case(ctx, &c, REL_PLAIN);
  test_ctx_free(ctx);
}
END_TEST

/* The design chosen when none is named: 128x256w8_p2 from 200 tiles of 128 rows x 256 tokens,
 * 64x64w4_p2 under 64 tiles of 128 x 128 for f16 weights, else 128x128w16_p2 (f16 X); the f32-X default without f16
 * X; every choice names a known design. */
START_TEST(test_default_design) {
  ck_assert_str_eq(lil_matmul_variant_for(NULL, 1, 1, 4096, 512), "128x128w16_p2");   /* 64 / 128 tiles */
  ck_assert_str_eq(lil_matmul_variant_for(NULL, 1, 1, 14336, 512), "128x256w8_p2");   /* 224 */
  ck_assert_str_eq(lil_matmul_variant_for(NULL, 1, 1, 4096, 4096), "128x256w8_p2");   /* 512 */
  ck_assert_str_eq(lil_matmul_variant_for(NULL, 1, 1, 1024, 4096), "128x128w16_p2");  /* 128 / 256 */
  ck_assert_str_eq(lil_matmul_variant_for(NULL, 1, 1, 12801, 513), "128x256w8_p2");   /* 101 x 3 = 303 */
  ck_assert_str_eq(lil_matmul_variant_for(NULL, 1, 1, 12800, 256), "128x128w16_p2");  /* 100 x 1 / 200 */
  ck_assert_str_eq(lil_matmul_variant_for(NULL, 1, 1, 1024, 512), "64x64w4_p2");      /* 32 tiles of 128 x 128 */
  ck_assert_str_eq(lil_matmul_variant_for(NULL, 1, 1, 3072, 512), "128x128w16_p2");   /* 96 */
  ck_assert_str_eq(lil_matmul_variant_for(NULL, 1, 1, 2048, 512), "128x128w16_p2");   /* 64 */
  ck_assert_str_eq(lil_matmul_variant_for(NULL, 1, 1, 1920, 512), "64x64w4_p2");      /* 15 x 4 = 60 */
  ck_assert_str_eq(lil_matmul_variant_for(NULL, 1, 1, 40, 33), "64x64w4_p2");         /* 1 */
  /* weights decoded in the tiles: no small design (its decoding kernels are unchecked on a GPU) */
  ck_assert_str_eq(lil_matmul_variant_for(NULL, 1, 0, 1024, 512), "128x128w16_p2");
  ck_assert_str_eq(lil_matmul_variant_for(NULL, 1, 0, 14336, 4096), "128x256w8_p2");
  ck_assert_str_eq(lil_matmul_variant_for(NULL, 0, 1, 14336, 4096), lil_matmul_variant_default(0));
  for (int x16 = 0; x16 < 2; x16++)
    ck_assert_int_eq(lil_matmul_variant_x16(lil_matmul_variant_for(NULL, x16, 1, 14336, 4096)), x16);
  ck_assert_int_eq(lil_matmul_variant_x16(lil_matmul_variant_for(NULL, 1, 1, 64, 64)), 1);
}
END_TEST

/* The NV cooperative-matrix kernels, every design (runs on GPUs with VK_NV_cooperative_matrix, e.g.
 * the H100): ragged tiles everywhere, blocks stored directly with accumulate, several parts, X/Y at
 * an offset, ragged k tiles. */
START_TEST(test_coopmat) {
  lil_ctx *ctx = test_ctx_create();
  char why[128] = "";
  lil_weight probe = {.type = LIL_TYPE_F16, .rows = 128, .cols = 256};
  if (!lil_matmul_coopmat_ok(ctx, &probe, why, sizeof(why))) {
    fprintf(stderr, "SKIP test_coopmat: %s (device: %s)\n", why, lil_ctx_snapshot(ctx)->name);
    test_ctx_free(ctx);
    return;
  }
  const uint32_t types[] = {LIL_TYPE_F16, LIL_TYPE_Q8_0, LIL_TYPE_Q4_0, LIL_TYPE_Q4_K, LIL_TYPE_Q6_K};
  const mm_case shapes[] = {
      {0, 1, 7, 256, 0, 1, 0, LIL_MATMUL_COOPMAT, NULL, 0},     {0, 33, 130, 256, 0, 1, 0, LIL_MATMUL_COOPMAT, NULL, 0},
      {0, 128, 256, 512, 1, 1, 0, LIL_MATMUL_COOPMAT, NULL, 0}, {0, 256, 384, 256, 0, 2, 256, LIL_MATMUL_COOPMAT, NULL, 0},
      {0, 200, 300, 512, 1, 3, 0, LIL_MATMUL_COOPMAT, NULL, 0}, {0, 300, 520, 256, 1, 1, 16, LIL_MATMUL_COOPMAT, NULL, 0},
  };
  /* $LIL_TEST_MATMUL_VARIANTS=a,b: only those designs (a GPU call short of time); unset: every one */
  const char *only = getenv("LIL_TEST_MATMUL_VARIANTS");
  for (uint32_t v = 0; v < lil_matmul_variant_count(); v++) {
    const char *variant = lil_matmul_variant_name(v);
    if (only && *only && !name_in_list(only, variant)) continue;
    for (uint32_t t = 0; t < 5; t++) {
      double worst = 0;
      for (uint32_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
        mm_case c = shapes[s];
        c.type = types[t];
        c.variant = variant;
        double w = run_case(ctx, &c, types[t] == LIL_TYPE_F16 ? REL_COOP_F16 : REL_COOP_QUANT);
        if (w > worst) worst = w;
      }
      fprintf(stderr, "matmul coopmat %s %s: worst error %.3f of tolerance\n", variant, lil_type_get(types[t])->name,
              worst);
    }
    /* F16 with cols % 32 != 0 (ragged k tile) */
    mm_case c = {LIL_TYPE_F16, 40, 100, 72, 0, 1, 0, LIL_MATMUL_COOPMAT, variant, 0};
    run_case(ctx, &c, REL_COOP_F16);
    c = (mm_case){LIL_TYPE_F16, 270, 260, 88, 1, 1, 0, LIL_MATMUL_COOPMAT, variant, 0};
    run_case(ctx, &c, REL_COOP_F16);
    /* one to three k tiles (the prologue / early exits of the PF 2 loop) */
    const uint32_t short_cols[] = {16, 40, 48};
    for (uint32_t k = 0; k < 3; k++) {
      c = (mm_case){LIL_TYPE_F16, 70, 150, short_cols[k], k & 1, 1, 0, LIL_MATMUL_COOPMAT, variant, 0};
      run_case(ctx, &c, REL_COOP_F16);
    }
  }
  /* quantized weights decoded to f16 first (lil_matmul_cfg.w16), then the F16 design: the default
   * design and a small tile, one and several weight parts */
  const char *w16_designs[] = {NULL, "64x64w4_p2"};
  for (uint32_t v = 0; v < 2; v++)
    for (uint32_t t = 1; t < 5; t++)
      for (uint32_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
        mm_case c = shapes[s];
        c.type = types[t];
        c.variant = w16_designs[v] ? w16_designs[v] : lil_matmul_variant_default(1);
        c.w16 = 1;
        run_case(ctx, &c, REL_COOP_QUANT);
        c.w16 = 2;
        run_case(ctx, &c, REL_COOP_QUANT);
      }
  /* X only in f16 (x16_only) with a design that reads f32 X: refused, nothing read from X */
  {
    lil_weight *W = NULL;
    lil_error err = {0};
    ck_assert(!lil_weight_create(ctx, LIL_TYPE_F16, 16, 32, NULL, NULL, &W, &err));
    lil_buffer *b = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 4096);
    lil_seq *seq = NULL;
    ck_assert(!lil_seq_create(ctx, &seq, &err));
    lil_matmul_cfg cfg = {.path = LIL_MATMUL_AUTO, .variant = "128x128w8_x32", .x16 = {b, 3072, 1024}, .x16_only = 1};
    lil_binding X = {b, 0, 128}, Y = {b, 2048, 64};
    ck_assert_int_eq(lil_op_matmul_ex(ctx, seq, W, X, Y, 1, 0, &cfg, &err), LIL_ERR_UNSUPPORTED);
    ck_assert_int_eq(lil_matmul_reads_x16(ctx, W, "128x128w8_x32"), 0);
    ck_assert_int_eq(lil_matmul_reads_x16(ctx, W, NULL), 1);
    lil_seq_free(seq);
    lil_buffer_free(b);
    lil_weight_free(W);
  }
  /* an f16-X design without its scratch: refused on the tensor-core path, plain kernel on AUTO */
  for (uint32_t v = 0; v < lil_matmul_variant_count(); v++) {
    const char *variant = lil_matmul_variant_name(v);
    if (lil_matmul_variant_x16(variant) != 1) continue;
    lil_weight *W = NULL;
    lil_error err = {0};
    ck_assert(!lil_weight_create(ctx, LIL_TYPE_F16, 16, 32, NULL, NULL, &W, &err));
    lil_buffer *b = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 4096);
    lil_seq *seq = NULL;
    ck_assert(!lil_seq_create(ctx, &seq, &err));
    lil_matmul_cfg cfg = {.path = LIL_MATMUL_COOPMAT, .variant = variant};
    lil_binding X = {b, 0, 128}, Y = {b, 2048, 64};
    ck_assert_int_eq(lil_op_matmul_ex(ctx, seq, W, X, Y, 1, 0, &cfg, &err), LIL_ERR_UNSUPPORTED);
    lil_seq_free(seq);
    lil_buffer_free(b);
    lil_weight_free(W);
    break;
  }
  test_ctx_free(ctx);
}
END_TEST

/* lil_op_matmul_decode_w16 on any device: W's rows as f16 at the scratch's offset, equal to the CPU's
 * decode rounded to f16, nothing written past them; W in two parts: nothing recorded. */
START_TEST(test_decode_w16) {
  lil_ctx *ctx = test_ctx_create();
  const uint32_t types[] = {LIL_TYPE_Q8_0, LIL_TYPE_Q4_0, LIL_TYPE_Q4_K, LIL_TYPE_Q6_K};
  const uint32_t rows = 37, cols = 512;
  for (uint32_t t = 0; t < 4; t++) {
    uint64_t rb = lil_type_row_bytes(types[t], cols), n = (uint64_t)rows * cols;
    uint8_t *wq = malloc(rb * rows), *got = malloc(2 * n + TAIL);
    float *ref = malloc(4 * n), *gotf = malloc(4 * n);
    random_weight(types[t], rows, cols, wq, &rng);
    lil_error err = {0};
    for (uint32_t r = 0; r < rows; r++) ck_assert(!lil_dequantize_row(types[t], wq + r * rb, ref + (uint64_t)r * cols, cols, &err));
    lil_weight *W = NULL;
    ck_assert_msg(!lil_weight_create(ctx, types[t], rows, cols, wq, NULL, &W, &err), "%s", err.msg);
    lil_buffer *b = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 256 + 2 * n + TAIL);
    test_poison(b);
    lil_seq *seq = NULL;
    ck_assert(!lil_seq_create(ctx, &seq, &err));
    int done = -1;
    ck_assert_msg(!lil_op_matmul_decode_w16(ctx, seq, W, (lil_binding){b, 256, 0}, &done, &err), "%s", err.msg);
    ck_assert_int_eq(done, 1);
    ck_assert_msg(!lil_seq_run(seq, &err), "%s", err.msg);
    ck_assert(!lil_buffer_download(b, 256, got, 2 * n + TAIL, &err));
    ck_assert(!lil_dequantize_row(LIL_TYPE_F16, got, gotf, n, &err));
    uint64_t bad = n; /* the first wrong half (one assertion: Check marks each passing one) */
    for (uint64_t i = 0; i < n && bad == n; i++)
      if (!(fabsf(gotf[i] - ref[i]) <= 1e-3f * fabsf(ref[i]) + 1e-7f)) bad = i;
    ck_assert_msg(bad == n, "%s w16[%llu] = %.9g, want %.9g", lil_type_get(types[t])->name, (unsigned long long)bad,
                  gotf[bad < n ? bad : 0], ref[bad < n ? bad : 0]);
    for (uint32_t i = 0; i < TAIL / 4; i++) {
      uint32_t u;
      memcpy(&u, got + 2 * n + 4 * i, 4);
      ck_assert_msg(u == 0x7fc0deadu, "decode wrote past W's halves (word %u after)", i);
    }
    lil_seq_free(seq);
    lil_weight_free(W);
    /* two parts: not decoded ahead */
    lil_weight_options wo = {.max_part_bytes = 20 * rb};
    ck_assert(!lil_weight_create(ctx, types[t], rows, cols, wq, &wo, &W, &err));
    ck_assert_uint_ge(W->n_parts, 2);
    ck_assert(!lil_seq_create(ctx, &seq, &err));
    ck_assert(!lil_op_matmul_decode_w16(ctx, seq, W, (lil_binding){b, 256, 0}, &done, &err));
    ck_assert_int_eq(done, 0);
    ck_assert_uint_eq(lil_seq_dispatch_count(seq), 0);
    lil_seq_free(seq);
    lil_weight_free(W);
    lil_buffer_free(b);
    free(wq), free(got), free(ref), free(gotf);
  }
  test_ctx_free(ctx);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("ops_matmul");
  TCase *tc = tcase_create("matmul");
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, test_plain_all_types, 0, (int)(sizeof(all_types) / sizeof(all_types[0])));
  tcase_add_test(tc, test_parts_accumulate_offsets);
  tcase_add_test(tc, test_errors);
  tcase_add_test(tc, test_coopmat_disabled);
  tcase_add_test(tc, test_default_design);
  tcase_add_test(tc, test_decode_w16);
  tcase_add_test(tc, test_coopmat);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  rng = test_seed();
  return test_run_suite(suite());
}
