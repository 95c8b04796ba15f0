/* The CPU reference forward pass against HF transformers' logits (tests/data/golden: llama, qwen2,
 * qwen3 in F32 and F16/Q8_0) and against stories260K's known 200 greedy tokens. This proves the
 * understanding of each architecture that the GPU model is then tested against.
 * Tolerances (max abs error over all positions / max |logit|): F32 1e-3, F16 1e-2, Q8_0 0.1.
 * The golden logits come from the F32 weights, so F16/Q8_0 errors are the weights' rounding
 * carried through 3 layers of large random weights: Q8_0 already differs by 0.1 at position 0 (one
 * token, no attention mixing), while its dequantized weights match the F32 ones within amax/254
 * per block (checked below). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_gguf.h"
#include "lil_model_config.h"
#include "lil_quant.h"
#include "model_ref.h"
#include "model_test_data.h"
#include "test_common.h"

static double tolerance(const char *type) {
  return !strcmp(type, "f32") ? 1e-3 : !strcmp(type, "f16") ? 1e-2 : 0.1;
}

START_TEST(test_golden) {
  golden_set gs;
  golden_load(&gs);
  ck_assert_uint_eq(gs.n_models, 6);
  for (uint32_t mi = 0; mi < gs.n_models; mi++) {
    const golden_model *gm = &gs.models[mi];
    lil_error e = {0};
    lil_gguf *g;
    lil_model_config *c;
    model_ref *r;
    ck_assert_msg(lil_gguf_open(gm->gguf_path, &g, &e) == LIL_OK, "%s", e.msg);
    ck_assert_msg(lil_model_config_load(g, &c, &e) == LIL_OK, "%s", e.msg);
    ck_assert_str_eq(lil_arch_name(c->arch), gm->arch);
    ck_assert_uint_eq(c->n_vocab, gs.n_vocab);
    ck_assert_msg(model_ref_create(c, gs.n_tokens, &r, &e) == LIL_OK, "%s", e.msg);
    double worst = 0, ref_max = 0;
    int argmax_ok = 1;
    for (uint32_t t = 0; t < gs.n_tokens; t++) {
      const float *lg = model_ref_forward(r, gs.tokens[t], t);
      const float *want = gm->logits + (size_t)t * gs.n_vocab;
      double err, mref;
      golden_compare(lg, want, gs.n_vocab, &err, &mref);
      if (err > worst) worst = err;
      if (mref > ref_max) ref_max = mref;
      argmax_ok &= model_ref_argmax(lg, gs.n_vocab) == model_ref_argmax(want, gs.n_vocab);
    }
    double rel = worst / ref_max;
    fprintf(stderr, "model_ref %-5s %-4s: max abs err %.3g, max |logit| %.3g, ratio %.3g (tol %.0e), argmax %s\n",
            gm->arch, gm->type, worst, ref_max, rel, tolerance(gm->type), argmax_ok ? "all equal" : "differs");
    ck_assert_msg(rel <= tolerance(gm->type), "%s %s: error ratio %g", gm->arch, gm->type, rel);
    if (!strcmp(gm->type, "f32")) ck_assert_msg(argmax_ok, "%s f32: argmax differs", gm->arch);
    model_ref_free(r);
    lil_model_config_free(c);
    lil_gguf_close(g);
  }
  golden_free(&gs);
}
END_TEST

/* The Q8_0 file's weights, dequantized, against the F32 file's: |err| <= block amax / 254 (+ the
 * f16 rounding of the scale). */
START_TEST(test_q8_0_dequant) {
  lil_gguf *a, *b;
  lil_error e = {0};
  ck_assert_msg(lil_gguf_open(test_source_path("tests/data/golden/qwen2-f32.gguf"), &a, &e) == LIL_OK, "%s", e.msg);
  ck_assert_msg(lil_gguf_open(test_source_path("tests/data/golden/qwen2-q8_0.gguf"), &b, &e) == LIL_OK, "%s", e.msg);
  int n_q8 = 0;
  for (uint64_t i = 0; i < lil_gguf_tensor_count(b); i++) {
    const lil_gguf_tensor *t = lil_gguf_tensor_at(b, i), *f = lil_gguf_find_tensor(a, t->name);
    ck_assert_ptr_nonnull(f);
    if (t->type != LIL_TYPE_Q8_0) continue;
    n_q8++;
    uint64_t cols = t->ne[0], rb = lil_type_row_bytes(t->type, cols);
    float *x = malloc(cols * sizeof(float));
    const float *y = f->data;
    for (uint64_t r = 0; r < t->ne[1]; r++) {
      ck_assert(lil_dequantize_row(t->type, (const char *)t->data + r * rb, x, cols, &e) == LIL_OK);
      for (uint64_t b0 = 0; b0 < cols; b0 += 32) {
        double amax = 0;
        for (int j = 0; j < 32; j++) amax = fmax(amax, fabs(y[r * cols + b0 + j]));
        for (int j = 0; j < 32; j++)
          ck_assert_msg(fabs(x[b0 + j] - y[r * cols + b0 + j]) <= amax / 254 * 1.01 + 1e-7, "%s row %lu", t->name,
                        (unsigned long)r);
      }
    }
    free(x);
  }
  ck_assert_int_gt(n_q8, 10);
  lil_gguf_close(a);
  lil_gguf_close(b);
}
END_TEST

START_TEST(test_stories_greedy) {
  lil_error e = {0};
  lil_gguf *g;
  lil_model_config *c;
  model_ref *r;
  ck_assert_msg(lil_gguf_open(test_source_path("assets/stories260K.gguf"), &g, &e) == LIL_OK, "%s", e.msg);
  ck_assert_msg(lil_model_config_load(g, &c, &e) == LIL_OK, "%s", e.msg);
  ck_assert_msg(model_ref_create(c, STORIES_N_EXPECTED + 1, &r, &e) == LIL_OK, "%s", e.msg);
  int32_t tok = 1; /* BOS */
  for (uint32_t i = 0; i < STORIES_N_EXPECTED; i++) {
    tok = model_ref_argmax(model_ref_forward(r, tok, i), c->n_vocab);
    ck_assert_msg(tok == stories_expected_ids[i], "token %u: got %d, expected %d", i, tok, stories_expected_ids[i]);
  }
  model_ref_free(r);
  lil_model_config_free(c);
  lil_gguf_close(g);
}
END_TEST

int main(void) {
  Suite *s = suite_create("model_ref");
  TCase *tc = tcase_create("cpu");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_golden);
  tcase_add_test(tc, test_q8_0_dequant);
  tcase_add_test(tc, test_stories_greedy);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
