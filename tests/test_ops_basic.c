/* RMSNorm, RoPE, SwiGLU, add, bias add, scale, row copies and softmax against CPU references on
 * fresh random inputs, outputs poisoned first, odd shapes. Tolerances (|gpu - ref| <=):
 *   rmsnorm  1e-5 * |ref| + 1e-6        (float sums in another order, inversesqrt 2 ulp)
 *   rope     1e-5 * (1 + |x0| + |x1|), plus 4e-7 * theta * (|x0| + |x1|) with frequency factors
 *            (the angle is bit-identical to the reference's except for the division by a factor,
 *            which Vulkan allows 2.5 ulp; the reference takes double sin/cos of the float angle)
 *   qk_norm_rope (fused head norm + rope): 2e-5 * (1 + m) (+ the rope's frequency-factor term),
 *            m the largest |x0| + |x1| after the norm
 *   swiglu   1e-6 + 1e-5 * |ref|        (exp)
 *   softmax  1e-6 + 1e-5 * |ref|
 *   add, bias add, scale, copy: exact; copy to F16: within one F16 ulp of the input (round to nearest).
 * Each test runs on the default plan and, where a variant exists, with $LIL_DISABLE=subgroup. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lil_ops_basic.h"
#include "lil_quant.h"
#include "test_ops_util.h"
#include "test_rope_ref.h"

static lil_ctx *ctx_variant(int no_subgroup) {
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  o.validation = 1;
  o.disable = no_subgroup ? "subgroup" : "";
  return test_ctx_create_opts(&o);
}

/* ---- rmsnorm ---- */

static void check_close(const float *got, const float *ref, size_t n, double rel, double abs_tol, const char *what) {
  for (size_t i = 0; i < n; i++) {
    double tol = abs_tol + rel * fabs(ref[i]);
    ck_assert_msg(fabs((double)got[i] - ref[i]) <= tol, "%s[%zu]: got %.9g want %.9g (tol %.3g)", what, i, got[i],
                  ref[i], tol);
  }
}

static void run_rmsnorm(int no_subgroup) {
  static const uint32_t dims[] = {7, 33, 255, 4097};
  static const uint32_t ns[] = {1, 3, 7};
  uint64_t rng = test_seed();
  lil_ctx *ctx = ctx_variant(no_subgroup);
  lil_error err = {0};
  for (int di = 0; di < 4; di++)
    for (int ni = 0; ni < 3; ni++) {
      uint32_t dim = dims[di], n = ns[ni];
      if (dim == 4097 && n == 7) continue; /* keep it small */
      size_t cnt = (size_t)n * dim;
      float *x = test_rand_floats(&rng, cnt, -2.0f, 2.0f), *w = test_rand_floats(&rng, dim, -1.5f, 1.5f);
      float *ref = malloc(cnt * 4), *got = malloc(cnt * 4);
      rmsnorm_ref(x, w, ref, n, dim, 1e-6);
      lil_buffer *bx = test_floats_buffer(ctx, x, cnt), *bw = test_floats_buffer(ctx, w, dim);
      lil_buffer *by = test_floats_buffer(ctx, NULL, cnt);
      lil_seq *s = test_seq(ctx);
      TEST_OK(lil_op_rmsnorm(ctx, s, tb(bx), tb(bw), tb(by), n, dim, dim, dim, 1e-6f, &err));
      TEST_OK(lil_op_rmsnorm(ctx, s, tb(bx), tb(bw), tb(bx), n, dim, dim, dim, 1e-6f, &err)); /* in place */
      test_run_free(s);
      test_download(by, got, cnt * 4);
      check_close(got, ref, cnt, 1e-5, 1e-6, "rmsnorm");
      test_download(bx, got, cnt * 4);
      check_close(got, ref, cnt, 1e-5, 1e-6, "rmsnorm in place");
      lil_buffer_free(bx);
      lil_buffer_free(bw);
      lil_buffer_free(by);
      free(x), free(w), free(ref), free(got);
    }
  test_ctx_free(ctx);
}

START_TEST(test_rmsnorm) { run_rmsnorm(0); }
END_TEST
START_TEST(test_rmsnorm_shared) { run_rmsnorm(1); }
END_TEST

START_TEST(test_rmsnorm_heads) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = ctx_variant(_i);
  lil_error err = {0};
  static const uint32_t cfg[][3] = {{1, 4, 33}, {3, 5, 64}, {7, 2, 7}}; /* tokens, heads, head_dim */
  for (int c = 0; c < 3; c++) {
    uint32_t n = cfg[c][0], nh = cfg[c][1], hd = cfg[c][2];
    size_t cnt = (size_t)n * nh * hd;
    float *x = test_rand_floats(&rng, cnt, -3.0f, 3.0f), *w = test_rand_floats(&rng, hd, 0.0f, 2.0f);
    float *ref = malloc(cnt * 4), *got = malloc(cnt * 4);
    rmsnorm_ref(x, w, ref, n * nh, hd, 1e-5);
    lil_buffer *bx = test_floats_buffer(ctx, x, cnt), *bw = test_floats_buffer(ctx, w, hd);
    lil_seq *s = test_seq(ctx);
    TEST_OK(lil_op_rmsnorm_heads(ctx, s, tb(bx), tb(bw), tb(bx), n, nh, hd, 1e-5f, &err));
    test_run_free(s);
    test_download(bx, got, cnt * 4);
    check_close(got, ref, cnt, 1e-5, 1e-6, "rmsnorm_heads");
    lil_buffer_free(bx);
    lil_buffer_free(bw);
    free(x), free(w), free(ref), free(got);
  }
  test_ctx_free(ctx);
}
END_TEST

/* ---- rope ---- */

START_TEST(test_rope) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_create();
  lil_error err = {0};
  /* mode, heads, head_dim, rot_dim, tokens, with ff, linear factor, base, max position */
  struct {
    lil_rope_mode mode;
    uint32_t nh, hd, rot, n, ff;
    float factor, base;
    uint32_t max_pos;
  } cases[] = {
      {LIL_ROPE_NORMAL, 3, 64, 64, 1, 0, 1.0f, 10000.0f, 40000},
      {LIL_ROPE_NEOX, 2, 128, 128, 3, 0, 1.0f, 1000000.0f, 5000},
      {LIL_ROPE_NORMAL, 5, 34, 20, 7, 1, 1.0f, 500000.0f, 300},
      {LIL_ROPE_NEOX, 1, 66, 32, 7, 1, 4.0f, 10000.0f, 9000},
      {LIL_ROPE_NEOX, 4, 16, 16, 3, 0, 2.0f, 10000.0f, 100},
  };
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    lil_rope_params p = {cases[c].mode, cases[c].nh, cases[c].hd, cases[c].rot, 0, cases[c].base, cases[c].factor};
    uint32_t n = cases[c].n;
    p.token_stride = p.n_heads * p.head_dim + (c % 2) * 5; /* padded rows on odd cases */
    size_t cnt = (size_t)n * p.token_stride;
    float *x = test_rand_floats(&rng, cnt, -1.0f, 1.0f), *ref = malloc(cnt * 4), *got = malloc(cnt * 4);
    float *ff = test_rand_floats(&rng, p.rot_dim / 2, 1.0f, 8.0f);
    uint32_t pos[8];
    uint32_t p0 = test_rand_u32(&rng) % cases[c].max_pos;
    for (uint32_t t = 0; t < n; t++) pos[t] = p0 + t;
    memcpy(ref, x, cnt * 4);
    float theta_max;
    rope_ref(ref, pos, cases[c].ff ? ff : NULL, n, &p, &theta_max);
    lil_buffer *bx = test_floats_buffer(ctx, x, cnt), *bff = test_floats_buffer(ctx, ff, p.rot_dim / 2);
    lil_buffer *bp = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 64);
    test_upload(bp, pos, n * 4);
    lil_binding bffb = tb(bff);
    lil_seq *s = test_seq(ctx);
    TEST_OK(lil_op_rope(ctx, s, tb(bx), tb(bp), cases[c].ff ? &bffb : NULL, n, &p, &err));
    test_run_free(s);
    test_download(bx, got, cnt * 4);
    for (size_t i = 0; i < cnt; i++) {
      double mag = 2.0; /* |x0| + |x1| <= 2 */
      double tol = 1e-5 * (1 + mag) + (cases[c].ff ? 4e-7 * theta_max * mag : 0);
      ck_assert_msg(fabs((double)got[i] - ref[i]) <= tol, "rope case %zu [%zu]: got %.9g want %.9g (pos0 %u)", c, i,
                    got[i], ref[i], p0);
    }
    lil_buffer_free(bx);
    lil_buffer_free(bff);
    lil_buffer_free(bp);
    free(x), free(ref), free(got), free(ff);
  }
  test_ctx_free(ctx);
}
END_TEST

/* ---- fused q/k head norm + rope ---- */

/* Case bits: 0 layout (neox), 1 norms, 2 frequency factors, 3 shape set; cases 16.. are prompts long
 * enough that a workgroup takes several heads of its token (2, 3 with a shorter last group, 8). Run on
 * the default plan and with $LIL_DISABLE=subgroup (_i). */
START_TEST(test_qk_norm_rope) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = ctx_variant(_i);
  lil_error err = {0};
  ck_assert_uint_eq(lil_qk_rope_heads_per_group(1, 40), 1);
  ck_assert_uint_eq(lil_qk_rope_heads_per_group(512, 40), 5);
  ck_assert_uint_eq(lil_qk_rope_heads_per_group(4096, 40), 40);
  const uint32_t big_n[4] = {700, 1500, 4100, 1500};
  const uint32_t big_hpg[4] = {2, 3, 8, 3};
  for (uint32_t c = 0; c < 20; c++) {
    int big = c >= 16;
    int neox = c & 1, norm = (c >> 1) & 1, has_ff = big ? c == 19 : (c >> 2) & 1, set = big || ((c >> 3) & 1);
    uint32_t hd = (c % 3 == 1) ? 128 : 64, rot = (c % 5 < 2) ? hd : (hd == 64 ? 42 : 90); /* rot/2 odd */
    uint32_t nh = set ? 7 : 3, nkv = set ? 1 : 2, n = big ? big_n[c - 16] : (c % 4 < 2) ? 5 : 1;
    if (big) ck_assert_uint_eq(lil_qk_rope_heads_per_group(n, nh + nkv), big_hpg[c - 16]);
    lil_rope_params rq = {neox ? LIL_ROPE_NEOX : LIL_ROPE_NORMAL, nh, hd, rot, 0, set ? 1000000.0f : 10000.0f,
                          (c % 7 == 3) ? 4.0f : 0.0f};
    lil_rope_params rk = rq;
    rk.n_heads = nkv;
    rq.token_stride = nh * hd + (c % 2) * 3; /* padded q rows on odd cases */
    rk.token_stride = nkv * hd + ((c >> 1) % 2) * 5;
    size_t qc = (size_t)n * rq.token_stride, kc = (size_t)n * rk.token_stride;
    float *q = test_rand_floats(&rng, qc, -1.0f, 1.0f), *k = test_rand_floats(&rng, kc, -1.0f, 1.0f);
    float *qw = test_rand_floats(&rng, hd, 0.5f, 1.5f), *kw = test_rand_floats(&rng, hd, 0.5f, 1.5f);
    float *ff = test_rand_floats(&rng, rot / 2, 1.0f, 8.0f);
    float *qref = malloc(qc * 4), *kref = malloc(kc * 4), *got = malloc((qc > kc ? qc : kc) * 4);
    uint32_t *pos = malloc((size_t)n * 4);
    for (uint32_t t = 0; t < n; t++) pos[t] = test_rand_u32(&rng) % 20000; /* any positions, per token */
    memcpy(qref, q, qc * 4);
    memcpy(kref, k, kc * 4);
    float thq, thk;
    double magq, magk;
    qk_side_ref(qref, norm ? qw : NULL, pos, has_ff ? ff : NULL, n, &rq, 1e-6, &thq, &magq);
    qk_side_ref(kref, norm ? kw : NULL, pos, has_ff ? ff : NULL, n, &rk, 1e-6, &thk, &magk);
    lil_buffer *bq = test_floats_buffer(ctx, q, qc), *bk = test_floats_buffer(ctx, k, kc);
    lil_buffer *bqw = test_floats_buffer(ctx, qw, hd), *bkw = test_floats_buffer(ctx, kw, hd);
    lil_buffer *bff = test_floats_buffer(ctx, ff, rot / 2), *bp = test_buffer(ctx, LIL_MEM_ACTIVATIONS, (size_t)n * 4);
    test_upload(bp, pos, n * 4);
    lil_binding bqwb = tb(bqw), bkwb = tb(bkw), bffb = tb(bff);
    lil_seq *s = test_seq(ctx);
    TEST_OK(lil_op_qk_norm_rope(ctx, s, tb(bq), tb(bk), norm ? &bqwb : NULL, norm ? &bkwb : NULL, tb(bp),
                                has_ff ? &bffb : NULL, n, &rq, &rk, 1e-6f, &err));
    ck_assert_uint_eq(lil_seq_dispatch_count(s), 1);
    test_run_free(s);
    for (int side = 0; side < 2; side++) {
      size_t cnt = side ? kc : qc;
      const float *ref = side ? kref : qref;
      double mag = side ? magk : magq, th = side ? thk : thq;
      test_download(side ? bk : bq, got, cnt * 4);
      /* rope's tolerance on the normalized pair, plus the norm's relative error carried through */
      double tol = 2e-5 * (1 + mag) + (has_ff ? 4e-7 * th * mag : 0);
      size_t bad = cnt; /* the first element out of tolerance (one assertion: Check marks each passing one) */
      for (size_t i = 0; i < cnt && bad == cnt; i++)
        if (!(fabs((double)got[i] - ref[i]) <= tol)) bad = i;
      ck_assert_msg(bad == cnt, "qk_norm_rope case %u %s[%zu]: got %.9g want %.9g", c, side ? "k" : "q", bad,
                    got[bad < cnt ? bad : 0], ref[bad < cnt ? bad : 0]);
    }
    lil_buffer_free(bq);
    lil_buffer_free(bk);
    lil_buffer_free(bqw);
    lil_buffer_free(bkw);
    lil_buffer_free(bff);
    lil_buffer_free(bp);
    free(q), free(k), free(qw), free(kw), free(ff), free(qref), free(kref), free(got), free(pos);
  }
  /* mismatched q/k rope parameters are refused */
  lil_buffer *b = test_floats_buffer(ctx, NULL, 64);
  lil_seq *s = test_seq(ctx);
  lil_rope_params rq = {LIL_ROPE_NEOX, 2, 16, 16, 0, 10000.0f, 1.0f}, rk = rq;
  rk.rot_dim = 8;
  ck_assert_int_eq(lil_op_qk_norm_rope(ctx, s, tb(b), tb(b), NULL, NULL, tb(b), NULL, 1, &rq, &rk, 1e-6f, &err),
                   LIL_ERR_INVALID_ARG);
  rk = rq;
  rk.mode = LIL_ROPE_NORMAL;
  ck_assert_int_eq(lil_op_qk_norm_rope(ctx, s, tb(b), tb(b), NULL, NULL, tb(b), NULL, 1, &rq, &rk, 1e-6f, &err),
                   LIL_ERR_INVALID_ARG);
  ck_assert_uint_eq(lil_seq_dispatch_count(s), 0);
  lil_seq_free(s);
  lil_buffer_free(b);
  test_ctx_free(ctx);
}
END_TEST

/* ---- swiglu ---- */

START_TEST(test_swiglu) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_create();
  lil_error err = {0};
  static const uint32_t ffs[] = {7, 33, 255, 4097};
  static const uint32_t ns[] = {1, 3, 7};
  for (int fi = 0; fi < 4; fi++)
    for (int ni = 0; ni < 3; ni++) {
      uint32_t ff = ffs[fi], n = ns[ni];
      size_t cnt = (size_t)n * ff;
      float *gu = test_rand_floats(&rng, 2 * cnt, -8.0f, 8.0f), *ref = malloc(cnt * 4), *got = malloc(cnt * 4);
      const float *g = gu, *u = gu + cnt; /* separate form: gate then up, each [n][ff] */
      for (size_t i = 0; i < cnt; i++) ref[i] = (float)(g[i] / (1.0 + exp(-(double)g[i])) * u[i]);
      lil_buffer *bg = test_floats_buffer(ctx, g, cnt), *bu = test_floats_buffer(ctx, u, cnt);
      lil_buffer *bo = test_floats_buffer(ctx, NULL, cnt), *bo2 = test_floats_buffer(ctx, NULL, cnt);
      /* fused form: row t = [gate row t, up row t] */
      float *fused = malloc(cnt * 8);
      for (uint32_t t = 0; t < n; t++) {
        memcpy(fused + (size_t)t * 2 * ff, g + (size_t)t * ff, ff * 4);
        memcpy(fused + (size_t)t * 2 * ff + ff, u + (size_t)t * ff, ff * 4);
      }
      lil_buffer *bf = test_floats_buffer(ctx, fused, 2 * cnt);
      lil_seq *s = test_seq(ctx);
      TEST_OK(lil_op_swiglu(ctx, s, tb(bg), tb(bu), tb(bo), n, ff, &err));
      TEST_OK(lil_op_swiglu_fused(ctx, s, tb(bf), tb(bo2), n, ff, &err));
      test_run_free(s);
      test_download(bo, got, cnt * 4);
      check_close(got, ref, cnt, 1e-5, 1e-6, "swiglu");
      test_download(bo2, got, cnt * 4);
      check_close(got, ref, cnt, 1e-5, 1e-6, "swiglu_fused");
      lil_buffer_free(bg), lil_buffer_free(bu), lil_buffer_free(bo), lil_buffer_free(bo2), lil_buffer_free(bf);
      free(gu), free(ref), free(got), free(fused);
    }
  test_ctx_free(ctx);
}
END_TEST

/* ---- f16 outputs (the tensor-core matmul's X written by RMSNorm / SwiGLU) ---- */

/* got: n rows of stride halves (the halves past dim must keep the poison); ref: [n][dim] F32. f16
 * rounding: 2^-11 relative, plus the F32 kernel's own tolerance. */
static void check_f16_rows(const uint16_t *got, const uint16_t *poison, const float *ref, uint32_t n, uint32_t dim,
                           uint32_t stride, const char *what) {
  for (uint32_t r = 0; r < n; r++)
    for (uint32_t i = 0; i < stride; i++) {
      uint16_t h = got[(size_t)r * stride + i];
      if (i >= dim) {
        ck_assert_msg(h == poison[(size_t)r * stride + i], "%s: row %u half %u past dim %u was written", what, r, i, dim);
        continue;
      }
      double want = ref[(size_t)r * dim + i], v = lil_f16_to_f32(h), tol = 1e-6 + (1e-5 + 1.0 / 2048) * fabs(want);
      ck_assert_msg(fabs(v - want) <= tol, "%s[%u][%u]: got %.9g want %.9g", what, r, i, v, want);
    }
}

static void run_f16_outputs(int no_subgroup) {
  static const uint32_t dims[] = {2, 34, 256, 4098};
  static const uint32_t ns[] = {1, 3, 7};
  uint64_t rng = test_seed();
  lil_ctx *ctx = ctx_variant(no_subgroup);
  lil_error err = {0};
  for (int di = 0; di < 4; di++)
    for (int ni = 0; ni < 3; ni++) {
      uint32_t dim = dims[di], n = ns[ni], stride = dim + 6; /* halves per output row: a gap after each */
      size_t cnt = (size_t)n * dim, hcnt = (size_t)n * stride;
      float *x = test_rand_floats(&rng, cnt, -2.0f, 2.0f), *w = test_rand_floats(&rng, dim, -1.5f, 1.5f);
      float *u = test_rand_floats(&rng, cnt, -4.0f, 4.0f), *ref = malloc(cnt * 4);
      uint16_t *got = malloc(hcnt * 2), *poison = malloc(hcnt * 2);
      lil_buffer *bx = test_floats_buffer(ctx, x, cnt), *bw = test_floats_buffer(ctx, w, dim);
      lil_buffer *bu = test_floats_buffer(ctx, u, cnt);
      lil_buffer *bn = test_floats_buffer(ctx, NULL, (hcnt + 1) / 2), *bs = test_floats_buffer(ctx, NULL, (cnt + 1) / 2);
      test_download(bn, poison, hcnt * 2);
      lil_seq *s = test_seq(ctx);
      TEST_OK(lil_op_rmsnorm_f16(ctx, s, tb(bx), tb(bw), tb(bn), n, dim, dim, stride, 1e-6f, &err));
      TEST_OK(lil_op_swiglu_f16(ctx, s, tb(bx), tb(bu), tb(bs), n, dim, &err));
      test_run_free(s);
      rmsnorm_ref(x, w, ref, n, dim, 1e-6);
      test_download(bn, got, hcnt * 2);
      check_f16_rows(got, poison, ref, n, dim, stride, "rmsnorm_f16");
      for (size_t i = 0; i < cnt; i++) ref[i] = (float)(x[i] / (1.0 + exp(-(double)x[i])) * u[i]);
      test_download(bs, got, cnt * 2);
      check_f16_rows(got, poison, ref, n, dim, dim, "swiglu_f16");
      lil_buffer_free(bx), lil_buffer_free(bw), lil_buffer_free(bu), lil_buffer_free(bn), lil_buffer_free(bs);
      free(x), free(w), free(u), free(ref), free(got), free(poison);
    }
  /* odd sizes cannot be packed in pairs: refused */
  lil_buffer *b = test_floats_buffer(ctx, NULL, 64);
  lil_seq *s = test_seq(ctx);
  ck_assert_int_eq(lil_op_rmsnorm_f16(ctx, s, tb(b), tb(b), tb(b), 1, 7, 7, 8, 1e-6f, &err), LIL_ERR_INVALID_ARG);
  ck_assert_int_eq(lil_op_rmsnorm_f16(ctx, s, tb(b), tb(b), tb(b), 1, 8, 8, 9, 1e-6f, &err), LIL_ERR_INVALID_ARG);
  ck_assert_int_eq(lil_op_swiglu_f16(ctx, s, tb(b), tb(b), tb(b), 1, 7, &err), LIL_ERR_INVALID_ARG);
  test_run_free(s);
  lil_buffer_free(b);
  test_ctx_free(ctx);
}

START_TEST(test_f16_outputs) { run_f16_outputs(0); }
END_TEST
START_TEST(test_f16_outputs_shared) { run_f16_outputs(1); }
END_TEST

/* ---- add, scale ---- */

START_TEST(test_add_scale) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_create();
  lil_error err = {0};
  static const uint32_t ns[] = {1, 7, 33, 4097, 300001};
  for (int i = 0; i < 5; i++) {
    uint32_t n = ns[i];
    float *x = test_rand_floats(&rng, n, -4.0f, 4.0f), *y = test_rand_floats(&rng, n, -4.0f, 4.0f);
    float *got = malloc((size_t)n * 4);
    lil_buffer *bx = test_floats_buffer(ctx, x, n), *by = test_floats_buffer(ctx, y, n);
    lil_seq *s = test_seq(ctx);
    float sc = test_rand_uniform(&rng, -2.0f, 2.0f);
    TEST_OK(lil_op_add(ctx, s, tb(by), tb(bx), n, &err));
    TEST_OK(lil_op_scale(ctx, s, tb(by), n, sc, &err));
    test_run_free(s);
    test_download(by, got, (size_t)n * 4);
    for (uint32_t j = 0; j < n; j++) {
      float want = (y[j] + x[j]) * sc;
      ck_assert_msg(got[j] == want, "add/scale n=%u [%u]: got %.9g want %.9g", n, j, got[j], want);
    }
    lil_buffer_free(bx), lil_buffer_free(by);
    free(x), free(y), free(got);
  }
  test_ctx_free(ctx);
}
END_TEST

/* ---- bias add ---- */

/* y[t][i] += b[i]: exact (one correctly rounded float add per element, as the reference). y has a
 * poisoned tail past n_tokens rows that must stay untouched; the bias binding holds extra values
 * past dim that must not be read. The last shape has more elements than 4096 groups of 256 (the
 * plan's workgroup size on GPUs, 64 on CPUs) cover, so the grid-stride loop goes round. */
START_TEST(test_add_bias) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_create();
  lil_error err = {0};
  const uint32_t poison = 0x7fc0deadu;
  static const uint32_t dims[] = {1, 7, 33, 255};
  uint32_t shapes[4 * 5 + 1][2];
  int ns = 0;
  for (int di = 0; di < 4; di++)
    for (uint32_t n = 1; n <= 5; n++) shapes[ns][0] = dims[di], shapes[ns++][1] = n;
  shapes[ns][0] = 1000, shapes[ns++][1] = 1051;
  for (int c = 0; c < ns; c++) {
    uint32_t dim = shapes[c][0], n = shapes[c][1];
    size_t cnt = (size_t)n * dim, tail = 2 * (size_t)dim + 3;
    float *y = test_rand_floats(&rng, cnt, -4.0f, 4.0f), *b = test_rand_floats(&rng, dim + 5, -4.0f, 4.0f);
    for (uint32_t i = dim; i < dim + 5; i++) b[i] = 1e30f; /* past the bias: a read shows */
    float *ref = malloc(cnt * 4);
    uint32_t *got = malloc((cnt + tail) * 4);
    for (uint32_t t = 0; t < n; t++)
      for (uint32_t i = 0; i < dim; i++) ref[(size_t)t * dim + i] = y[(size_t)t * dim + i] + b[i];
    lil_buffer *by = test_floats_buffer(ctx, NULL, cnt + tail), *bb = test_floats_buffer(ctx, b, dim + 5);
    test_upload(by, y, cnt * 4);
    lil_seq *s = test_seq(ctx);
    TEST_OK(lil_op_add_bias(ctx, s, tb(by), tb(bb), n, dim, &err));
    ck_assert_uint_eq(lil_seq_dispatch_count(s), 1);
    test_run_free(s);
    test_download(by, got, (cnt + tail) * 4);
    for (size_t j = 0; j < cnt; j++) {
      float g;
      memcpy(&g, &got[j], 4);
      ck_assert_msg(g == ref[j], "add_bias %u tokens x %u [%zu]: got %.9g want %.9g", n, dim, j, g, ref[j]);
    }
    for (size_t j = cnt; j < cnt + tail; j++)
      ck_assert_msg(got[j] == poison, "add_bias %u tokens x %u: wrote past the rows at [%zu] (0x%08x)", n, dim, j,
                    got[j]);
    lil_buffer_free(by), lil_buffer_free(bb);
    free(y), free(b), free(ref), free(got);
  }
  test_ctx_free(ctx);
}
END_TEST

/* ---- copies ---- */

static float half_to_float(uint16_t h) {
  uint32_t e = (h >> 10) & 31, m = h & 1023;
  float v = e == 0 ? ldexpf((float)m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexpf((float)(m | 1024), (int)e - 25);
  return (h & 0x8000) ? -v : v;
}

START_TEST(test_copy_rows) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_create();
  lil_error err = {0};
  const uint32_t poison = 0x7fc0deadu;
  /* rows, cols, src_off, src_stride, dst_off, dst_stride, row base (UINT32_MAX: none) */
  static const uint32_t cfg[][7] = {
      {1, 7, 0, 7, 3, 9, 5}, {3, 33, 5, 40, 0, 33, UINT32_MAX}, {7, 255, 1, 255, 2, 260, 2}, {2, 34, 0, 34, 10, 34, 11},
      {7, 64, 3, 70, 0, 128, UINT32_MAX}};
  for (int c = 0; c < 5; c++) {
    lil_copy2d cp = {cfg[c][0], cfg[c][1], cfg[c][2], cfg[c][3], cfg[c][4], cfg[c][5], 1};
    int has_base = cfg[c][6] != UINT32_MAX;
    uint32_t row0 = has_base ? cfg[c][6] : 0;
    size_t src_n = cp.src_offset + (size_t)cp.rows * cp.src_stride;
    size_t dst_n = cp.dst_offset + (size_t)(row0 + cp.rows + 2) * cp.dst_stride;
    float *src = test_rand_floats(&rng, src_n, -70000.0f, 70000.0f);
    for (size_t i = 0; i < src_n; i += 3) src[i] *= 1e-6f; /* small and subnormal halves too */
    lil_buffer *bs = test_floats_buffer(ctx, src, src_n), *bd = test_floats_buffer(ctx, NULL, dst_n);
    lil_buffer *bh = test_floats_buffer(ctx, NULL, dst_n); /* F16: dst_n halves fit easily */
    lil_buffer *bb = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 16);
    uint32_t base[4] = {77, row0, 0, 0};
    test_upload(bb, base, 16);
    lil_binding bbb = tb(bb);
    lil_seq *s = test_seq(ctx);
    TEST_OK(lil_op_copy_rows(ctx, s, tb(bs), tb(bd), has_base ? &bbb : NULL, &cp, &err));
    int f16 = cp.cols % 2 == 0 && cp.dst_offset % 2 == 0 && cp.dst_stride % 2 == 0;
    if (f16) TEST_OK(lil_op_copy_rows_f16(ctx, s, tb(bs), tb(bh), has_base ? &bbb : NULL, &cp, &err));
    else
      ck_assert_int_eq(lil_op_copy_rows_f16(ctx, s, tb(bs), tb(bh), NULL, &cp, &err), LIL_ERR_INVALID_ARG);
    test_run_free(s);
    uint32_t *got = malloc(dst_n * 4);
    test_download(bd, got, dst_n * 4);
    for (size_t i = 0; i < dst_n; i++) {
      int in = 0;
      size_t si = 0;
      if (i >= cp.dst_offset) {
        size_t rr = (i - cp.dst_offset) / cp.dst_stride, cc = (i - cp.dst_offset) % cp.dst_stride;
        if (rr >= row0 && rr < row0 + cp.rows && cc < cp.cols) {
          in = 1;
          si = cp.src_offset + (rr - row0) * cp.src_stride + cc;
        }
      }
      uint32_t want;
      if (in) memcpy(&want, &src[si], 4);
      else want = poison;
      ck_assert_msg(got[i] == want, "copy case %d [%zu]: got 0x%08x want 0x%08x", c, i, got[i], want);
    }
    if (f16) {
      uint16_t *h = malloc(dst_n * 4);
      test_download(bh, h, dst_n * 4);
      for (size_t i = 0; i < dst_n * 2; i++) {
        int in = 0;
        size_t si = 0;
        if (i >= cp.dst_offset) {
          size_t rr = (i - cp.dst_offset) / cp.dst_stride, cc = (i - cp.dst_offset) % cp.dst_stride;
          if (rr >= row0 && rr < row0 + cp.rows && cc < cp.cols) {
            in = 1;
            si = cp.src_offset + (rr - row0) * cp.src_stride + cc;
          }
        }
        if (!in) {
          uint16_t want = (i % 2) ? (uint16_t)(poison >> 16) : (uint16_t)(poison & 0xffff);
          ck_assert_msg(h[i] == want, "f16 copy case %d: half %zu written (0x%04x)", c, i, h[i]);
          continue;
        }
        float x = src[si], v = half_to_float(h[i]);
        double ulp = fabs(x) < 6.103515625e-05 ? 5.960464477539063e-08 : ldexp(1.0, ilogb(x) - 10);
        if (fabs(x) > 65504) ck_assert_msg(isinf(v) || fabs(v) == 65504.0f, "f16 overflow of %g gave %g", x, v);
        else
          ck_assert_msg(fabs((double)v - x) <= ulp, "f16 copy case %d [%zu]: %.9g -> %.9g", c, i, x, v);
      }
      free(h);
    }
    lil_buffer_free(bs), lil_buffer_free(bd), lil_buffer_free(bh), lil_buffer_free(bb);
    free(src), free(got);
  }
  test_ctx_free(ctx);
}
END_TEST

/* ---- softmax ---- */

static void run_softmax(int no_subgroup) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = ctx_variant(no_subgroup);
  lil_error err = {0};
  /* tokens, rows per token, cols, stride, use lens, len, len_add, causal */
  static const int cfg[][8] = {{1, 1, 7, 7, 0, 0, 0, 0},     {3, 2, 33, 35, 1, 20, 0, 1},
                               {7, 1, 255, 255, 1, 3, -1, 1}, {1, 3, 4097, 4097, 1, 4000, 0, 0},
                               {3, 1, 33, 33, 1, 50, 0, 0},  {2, 2, 7, 7, 1, 0, -2, 1}};
  for (int c = 0; c < 6; c++) {
    lil_softmax_params p = {(uint32_t)cfg[c][0], (uint32_t)cfg[c][1], (uint32_t)cfg[c][2], (uint32_t)cfg[c][3],
                            test_rand_uniform(&rng, 0.1f, 2.0f), 2, cfg[c][6], (uint32_t)cfg[c][7]};
    uint32_t rows = p.n_tokens * p.rows_per_token;
    size_t cnt = (size_t)rows * p.row_stride;
    float *x = test_rand_floats(&rng, cnt, -30.0f, 30.0f), *ref = malloc(cnt * 4), *got = malloc(cnt * 4);
    memcpy(ref, x, cnt * 4);
    for (uint32_t r = 0; r < rows; r++) {
      uint32_t t = r / p.rows_per_token;
      long len = p.cols;
      if (cfg[c][4]) {
        len = (long)cfg[c][5] + p.len_add + (p.causal ? (long)t : 0);
        len = len < 0 ? 0 : len > (long)p.cols ? (long)p.cols : len;
      }
      const float *xr = x + (size_t)r * p.row_stride;
      float *yr = ref + (size_t)r * p.row_stride;
      double m = -INFINITY, sum = 0;
      for (long j = 0; j < len; j++) m = fmax(m, (double)p.scale * xr[j]);
      for (long j = 0; j < len; j++) sum += exp((double)p.scale * xr[j] - m);
      for (uint32_t j = 0; j < p.cols; j++) yr[j] = j < len ? (float)(exp((double)p.scale * xr[j] - m) / sum) : 0.0f;
    }
    lil_buffer *bx = test_floats_buffer(ctx, x, cnt), *by = test_floats_buffer(ctx, NULL, cnt);
    lil_buffer *bl = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 16);
    uint32_t lens[4] = {999, 999, (uint32_t)cfg[c][5], 999};
    test_upload(bl, lens, 16);
    lil_binding blb = tb(bl);
    lil_seq *s = test_seq(ctx);
    TEST_OK(lil_op_softmax(ctx, s, tb(bx), tb(by), cfg[c][4] ? &blb : NULL, &p, &err));
    TEST_OK(lil_op_softmax(ctx, s, tb(bx), tb(bx), cfg[c][4] ? &blb : NULL, &p, &err)); /* in place */
    test_run_free(s);
    test_download(by, got, cnt * 4);
    for (uint32_t r = 0; r < rows; r++) /* the padding past cols stays poisoned: compare rows only */
      check_close(got + (size_t)r * p.row_stride, ref + (size_t)r * p.row_stride, p.cols, 1e-5, 1e-6, "softmax");
    test_download(bx, got, cnt * 4);
    for (uint32_t r = 0; r < rows; r++)
      check_close(got + (size_t)r * p.row_stride, ref + (size_t)r * p.row_stride, p.cols, 1e-5, 1e-6,
                  "softmax in place");
    lil_buffer_free(bx), lil_buffer_free(by), lil_buffer_free(bl);
    free(x), free(ref), free(got);
  }
  test_ctx_free(ctx);
}

START_TEST(test_softmax) { run_softmax(0); }
END_TEST
START_TEST(test_softmax_shared) { run_softmax(1); }
END_TEST

START_TEST(test_bad_args) {
  lil_ctx *ctx = test_ctx_create();
  lil_error err = {0};
  lil_buffer *b = test_floats_buffer(ctx, NULL, 64);
  lil_seq *s = test_seq(ctx);
  lil_rope_params p = {LIL_ROPE_NEOX, 2, 16, 15, 0, 10000.0f, 1.0f}; /* odd rot_dim */
  ck_assert_int_eq(lil_op_rope(ctx, s, tb(b), tb(b), NULL, 1, &p, &err), LIL_ERR_INVALID_ARG);
  ck_assert_int_eq(lil_op_rmsnorm(ctx, s, tb(b), tb(b), tb(b), 1, 8, 4, 8, 1e-5f, &err), LIL_ERR_INVALID_ARG);
  lil_softmax_params sp = {1, 1, 8, 4, 1.0f, 0, 0, 0};
  ck_assert_int_eq(lil_op_softmax(ctx, s, tb(b), tb(b), NULL, &sp, &err), LIL_ERR_INVALID_ARG);
  ck_assert_int_eq(lil_op_add_bias(ctx, s, tb(b), tb(b), 1, 0, &err), LIL_ERR_INVALID_ARG);
  ck_assert_int_eq(lil_op_add_bias(ctx, s, tb(b), tb(b), 65536, 65536, &err), LIL_ERR_RANGE);
  ck_assert_int_eq(lil_op_add_bias(ctx, s, tb(b), tb(b), 0, 8, &err), LIL_OK); /* records nothing */
  ck_assert_uint_eq(lil_seq_dispatch_count(s), 0);
  lil_seq_free(s);
  lil_buffer_free(b);
  test_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *su = suite_create("ops_basic");
  TCase *tc = tcase_create("basic");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_rmsnorm);
  tcase_add_test(tc, test_rmsnorm_shared);
  tcase_add_loop_test(tc, test_rmsnorm_heads, 0, 2);
  tcase_add_test(tc, test_rope);
  tcase_add_loop_test(tc, test_qk_norm_rope, 0, 2);
  tcase_add_test(tc, test_swiglu);
  tcase_add_test(tc, test_f16_outputs);
  tcase_add_test(tc, test_f16_outputs_shared);
  tcase_add_test(tc, test_add_scale);
  tcase_add_test(tc, test_add_bias);
  tcase_add_test(tc, test_copy_rows);
  tcase_add_test(tc, test_softmax);
  tcase_add_test(tc, test_softmax_shared);
  tcase_add_test(tc, test_bad_args);
  suite_add_tcase(su, tc);
  return test_run_suite(su);
}
