/* The GPU model against the golden logits (HF transformers) and the CPU reference, every
 * position: the first PREFILL tokens as one batched prefill, the rest as decode steps. And
 * stories260K's 200 greedy ids through the API, sampled determinism, context full.
 * Tolerances (max abs error / max |logit|) vs golden: F32 1e-3, F16 1e-2, Q8_0 0.1 (the weights'
 * own rounding, see test_model_ref.c); vs the CPU reference on the same file: 1e-3 for all types
 * with an F32 KV cache, 3e-3 with the default F16 KV cache (K and V rounded to 11 significant
 * bits: about 5e-4 relative per element, measured 1.1e-3 at most on these files). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lil_gguf_writer.h"
#include "lil_model.h"
#include "lil_quant.h"
#include "model_ref.h"
#include "model_test_data.h"
#include "test_common.h"
#include "test_vk_common.h"

#define PREFILL 5

static double golden_tol(const char *type) { return !strcmp(type, "f32") ? 1e-3 : !strcmp(type, "f16") ? 1e-2 : 0.1; }

static lil_model *load(lil_ctx *ctx, const char *path) {
  lil_model *m;
  lil_error e = {0};
  lil_model_options o = {.progress = 0};
  ck_assert_msg(lil_model_load(ctx, path, &o, &m, &e) == LIL_OK, "%s", e.msg);
  return m;
}

START_TEST(test_golden_gpu) {
  golden_set gs;
  golden_load(&gs);
  lil_ctx *ctx = test_ctx_create();
  const golden_model *gm = &gs.models[_i % 6];
  const int kv_f16 = _i >= 6;
  /* An F16 KV cache, or a prefill through fp16 cooperative matrices (X and W rounded to f16 on
   * GPUs with cooperative matrices), moves the logits by up to ~2e-3 of their largest value. */
  const int fp16_prefill = lil_plan_coopmat(lil_ctx_plan(ctx));
  const double ref_tol = kv_f16 || fp16_prefill ? 3e-3 : 1e-3;
  lil_error e = {0};
  lil_model *m = load(ctx, gm->gguf_path);
  const lil_model_config *c = lil_model_get_config(m);
  model_ref *r;
  ck_assert_msg(model_ref_create(c, gs.n_tokens, &r, &e) == LIL_OK, "%s", e.msg);
  lil_session_options so;
  lil_session_options_default(&so);
  so.n_ctx = 32;
  so.keep_logits = 1;
  so.kv_type = kv_f16 ? LIL_KV_F16 : LIL_KV_F32;
  lil_session *s;
  ck_assert_msg(lil_session_create(m, &so, &s, &e) == LIL_OK, "%s", e.msg);
  float *lg = malloc((size_t)PREFILL * gs.n_vocab * 4);
  double worst_g = 0, worst_r = 0, maxg = 0;
  int32_t next;
  for (uint32_t t = 0; t < gs.n_tokens; t++) {
    uint32_t rows;
    if (t < PREFILL) {
      if (t == 0) {
        ck_assert_msg(lil_session_prefill(s, gs.tokens, PREFILL, &next, &e) == LIL_OK, "%s", e.msg);
        ck_assert_msg(lil_session_logits(s, lg, &rows, &e) == LIL_OK, "%s", e.msg);
        ck_assert_uint_eq(rows, PREFILL);
      }
    } else {
      ck_assert_msg(lil_session_step(s, gs.tokens[t], &next, &e) == LIL_OK, "%s", e.msg);
      ck_assert_msg(lil_session_logits(s, lg, &rows, &e) == LIL_OK, "%s", e.msg);
      ck_assert_uint_eq(rows, 1);
    }
    const float *got = t < PREFILL ? lg + (size_t)t * gs.n_vocab : lg;
    const float *ref = model_ref_forward(r, gs.tokens[t], t);
    double eg, mg, er, mr;
    golden_compare(got, gm->logits + (size_t)t * gs.n_vocab, gs.n_vocab, &eg, &mg);
    golden_compare(got, ref, gs.n_vocab, &er, &mr);
    worst_g = fmax(worst_g, eg);
    worst_r = fmax(worst_r, er / mr);
    maxg = fmax(maxg, mg);
    if (t >= PREFILL - 1) /* the selected token is the argmax of the last logits */
      ck_assert_int_eq(next, model_ref_argmax(got, gs.n_vocab));
  }
  fprintf(stderr, "gpu %-5s %-4s kv %s: vs golden max abs err %.3g (ratio %.3g, tol %.0e); vs CPU ref ratio %.3g (tol %.0e)\n",
          gm->arch, gm->type, kv_f16 ? "f16" : "f32", worst_g, worst_g / maxg, golden_tol(gm->type), worst_r, ref_tol);
  ck_assert_msg(worst_g / maxg <= golden_tol(gm->type), "vs golden: %g", worst_g / maxg);
  ck_assert_msg(worst_r <= ref_tol, "vs CPU reference: %g", worst_r);
  free(lg);
  lil_session_free(s);
  model_ref_free(r);
  lil_model_free(m);
  test_ctx_free(ctx);
  golden_free(&gs);
}
END_TEST

/* A copy of src with every 2-D F32 weight quantized to type (rows of ne[0] floats); metadata
 * scalars and numeric arrays copied (the model needs no tokenizer here). */
static void write_quantized(const char *src, const char *dst, uint32_t type) {
  lil_gguf *g;
  lil_gguf_writer *w;
  lil_error e = {0};
  ck_assert_msg(lil_gguf_open(src, &g, &e) == LIL_OK, "%s", e.msg);
  ck_assert(lil_gguf_writer_create(3, &w, &e) == LIL_OK);
  for (uint64_t i = 0; i < lil_gguf_key_count(g); i++) {
    const char *k = lil_gguf_key_name(g, i);
    lil_gguf_type t = lil_gguf_key_type(g, i);
    lil_status st = LIL_OK;
    if (t == LIL_GGUF_STRING) {
      const char *v;
      uint64_t n;
      st = lil_gguf_get_str(g, k, &v, &n, &e);
      if (!st) st = lil_gguf_writer_add_string_n(w, k, v, n, &e);
    } else if (t == LIL_GGUF_ARRAY) {
      lil_gguf_type et;
      uint64_t n;
      const void *d;
      if (lil_gguf_key_array_type(g, i) == LIL_GGUF_STRING || lil_gguf_key_array_type(g, i) == LIL_GGUF_ARRAY) continue;
      st = lil_gguf_get_array(g, k, &et, &n, &d, &e);
      if (!st) st = lil_gguf_writer_add_array(w, k, et, n, d, &e);
    } else if (t == LIL_GGUF_FLOAT32) {
      float v;
      st = lil_gguf_get_f32(g, k, &v, &e);
      if (!st) st = lil_gguf_writer_add_f32(w, k, v, &e);
    } else if (t == LIL_GGUF_BOOL) {
      int v;
      st = lil_gguf_get_bool(g, k, &v, &e);
      if (!st) st = lil_gguf_writer_add_bool(w, k, v, &e);
    } else {
      int64_t v;
      st = lil_gguf_get_i64(g, k, &v, &e);
      if (!st) st = lil_gguf_writer_add_scalar(w, k, t, &v, &e); /* little-endian: the low bytes */
    }
    ck_assert_msg(st == LIL_OK, "%s: %s", k, e.msg);
  }
  for (uint64_t i = 0; i < lil_gguf_tensor_count(g); i++) {
    const lil_gguf_tensor *t = lil_gguf_tensor_at(g, i);
    const void *data = t->data;
    uint32_t type_out = t->type;
    void *q = NULL;
    if (t->n_dims == 2 && t->type == LIL_TYPE_F32 && t->ne[0] % 32 == 0) {
      uint64_t rb = lil_type_row_bytes(type, t->ne[0]);
      q = malloc(rb * t->ne[1]);
      for (uint64_t r = 0; r < t->ne[1]; r++)
        ck_assert(lil_quantize_row(type, (const float *)t->data + r * t->ne[0], (uint8_t *)q + r * rb, t->ne[0], &e) ==
                  LIL_OK);
      data = q;
      type_out = type;
    }
    ck_assert_msg(lil_gguf_writer_add_tensor(w, t->name, type_out, t->n_dims, t->ne, data, &e) == LIL_OK, "%s", e.msg);
    free(q);
  }
  ck_assert_msg(lil_gguf_writer_write_file(w, dst, &e) == LIL_OK, "%s", e.msg);
  lil_gguf_writer_free(w);
  lil_gguf_close(g);
}

/* Q4_0 versions of the golden llama and qwen2 (bias) files: GPU logits vs the CPU reference on the
 * same file (which dequantizes with lil_quant), every position, F32 KV: ratio <= 1e-3. _i >= 2: the
 * same with the integer-dot decode matvec (plan.use_matvec_x8: activations rounded to 8 bits per
 * block of 32 in the decode steps; _i 2-3 quantized inside the matvec with a scale per 8 elements
 * and the fused RMSNorm / SwiGLU, _i 4-5 by the separate quantize_x8 dispatch, _i 6-7 by Wo and
 * down for the next matvecs, $LIL_X8_PREQUANT=1): ratio <= X8_TOL. Measured on lavapipe 0.035 (llama) and 0.051
 * (qwen2): these tiny random-weight models amplify rounding (the weights' own Q4_0 rounding moves
 * the logits by 0.78 / 1.08 of max |logit| vs F32), and an 8-bit activation step is 1/16 of a
 * 4-bit weight step, so ~0.05 is the expected size; a decode error (a wrong nibble, a missing
 * offset term) gives ratios of order 1. */
#define X8_TOL 0.1
START_TEST(test_q4_0_gpu_vs_ref) {
  golden_set gs;
  golden_load(&gs);
  const char *src[] = {"tests/data/golden/llama-f32.gguf", "tests/data/golden/qwen2-f32.gguf"};
  const int x8 = _i >= 2, f = _i % 2, inl = _i < 4 || _i >= 6, pq = _i >= 6;
  if (pq) setenv("LIL_X8_PREQUANT", "1", 1); /* read when the session is created */
  char path[64];
  snprintf(path, sizeof(path), "/tmp/lil_test_q4_0_%d_%d.gguf", (int)getpid(), _i);
  write_quantized(test_source_path(src[f]), path, LIL_TYPE_Q4_0);
  lil_ctx_options co;
  lil_ctx_options_default(&co);
  co.matvec_x8 = x8;
  co.matvec_x8_inline = inl;
  lil_ctx *ctx = test_ctx_create_opts(&co);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->use_matvec_x8, (uint32_t)x8);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->matvec_x8_inline, (uint32_t)inl);
  lil_error e = {0};
  lil_model *m = load(ctx, path);
  unlink(path);
  const lil_model_config *c = lil_model_get_config(m);
  ck_assert_int_eq(c->layers[0].attn_q->type, LIL_TYPE_Q4_0);
  model_ref *r;
  ck_assert_msg(model_ref_create(c, gs.n_tokens, &r, &e) == LIL_OK, "%s", e.msg);
  lil_session_options so;
  lil_session_options_default(&so);
  so.n_ctx = 32;
  so.keep_logits = 1;
  so.kv_type = LIL_KV_F32;
  lil_session *s;
  ck_assert_msg(lil_session_create(m, &so, &s, &e) == LIL_OK, "%s", e.msg);
  unsetenv("LIL_X8_PREQUANT");
  float *lg = malloc((size_t)PREFILL * gs.n_vocab * 4);
  double worst = 0, worst_golden = 0;
  int32_t next;
  uint32_t rows;
  for (uint32_t t = 0; t < gs.n_tokens; t++) {
    if (t == 0) ck_assert_msg(lil_session_prefill(s, gs.tokens, PREFILL, &next, &e) == LIL_OK, "%s", e.msg);
    if (t >= PREFILL) ck_assert_msg(lil_session_step(s, gs.tokens[t], &next, &e) == LIL_OK, "%s", e.msg);
    if (t == 0 || t >= PREFILL) ck_assert_msg(lil_session_logits(s, lg, &rows, &e) == LIL_OK, "%s", e.msg);
    const float *got = t < PREFILL ? lg + (size_t)t * gs.n_vocab : lg;
    const float *ref = model_ref_forward(r, gs.tokens[t], t);
    double er, mr, eg, mg;
    golden_compare(got, ref, gs.n_vocab, &er, &mr);
    golden_compare(got, gs.models[f == 0 ? 0 : 2].logits + (size_t)t * gs.n_vocab, gs.n_vocab, &eg, &mg);
    worst = fmax(worst, er / mr);
    worst_golden = fmax(worst_golden, eg / mg);
  }
  fprintf(stderr, "gpu %s as q4_0%s: vs CPU ref ratio %.3g; vs the F32 golden ratio %.3g (information)\n",
          src[f],
          pq    ? " (x8 decode matvec, x quantized by Wo / down)"
          : x8  ? (inl ? " (x8 decode matvec, inline)" : " (x8 decode matvec, quantize_x8)")
                : "",
          worst,
          worst_golden);
  /* fp16 cooperative-matrix prefill on GPUs that have it: see test_golden_gpu */
  const double q4_tol = x8 ? X8_TOL : lil_plan_coopmat(lil_ctx_plan(ctx)) ? 3e-3 : 1e-3;
  ck_assert_msg(worst <= q4_tol, "q4_0 vs CPU reference: %g (tol %g)", worst, q4_tol);
  free(lg);
  lil_session_free(s);
  model_ref_free(r);
  lil_model_free(m);
  test_ctx_free(ctx);
  golden_free(&gs);
}
END_TEST

static void stories_run(lil_ctx *ctx, lil_model *m, const lil_session_options *so, uint32_t n, int32_t *out) {
  lil_error e = {0};
  lil_session *s;
  ck_assert_msg(lil_session_create(m, so, &s, &e) == LIL_OK, "%s", e.msg);
  int32_t bos = 1, tok;
  ck_assert_msg(lil_session_prefill(s, &bos, 1, &tok, &e) == LIL_OK, "%s", e.msg);
  for (uint32_t i = 0; i < n; i++) {
    out[i] = tok;
    if (i + 1 < n) ck_assert_msg(lil_session_step(s, tok, &tok, &e) == LIL_OK, "%s", e.msg);
  }
  lil_session_free(s);
  (void)ctx;
}

START_TEST(test_stories_greedy_gpu) {
  lil_ctx *ctx = test_ctx_create();
  lil_model *m = load(ctx, test_source_path("assets/stories260K.gguf"));
  lil_session_options so;
  lil_session_options_default(&so);
  so.n_ctx = 256;
  int32_t ids[STORIES_N_EXPECTED];
  /* the decode step with RMSNorm / SwiGLU fused into the matvecs (default) and as their own ops */
  for (int unfused = 0; unfused < 2; unfused++) {
    so.unfused_decode = unfused;
    stories_run(ctx, m, &so, STORIES_N_EXPECTED, ids);
    for (int i = 0; i < STORIES_N_EXPECTED; i++)
      ck_assert_msg(ids[i] == stories_expected_ids[i], "unfused %d: token %d: got %d, expected %d", unfused, i, ids[i],
                    stories_expected_ids[i]);
  }
  lil_model_free(m);
  test_ctx_free(ctx);
}
END_TEST

/* Q/K/V and gate/up loaded separately ($LIL_MATVEC_CONCAT=0, read at load): the same 200
 * stories260K ids as the default (one weight each, the prefill reading views of them; checked by
 * test_stories_greedy_gpu), with 3 decode dispatches per layer more. */
START_TEST(test_stories_concat) {
  lil_ctx *ctx = test_ctx_create();
  lil_model *m[2];
  setenv("LIL_MATVEC_CONCAT", "0", 1);
  m[0] = load(ctx, test_source_path("assets/stories260K.gguf"));
  unsetenv("LIL_MATVEC_CONCAT");
  m[1] = load(ctx, test_source_path("assets/stories260K.gguf"));
  lil_session_options so;
  lil_session_options_default(&so);
  so.n_ctx = 256;
  uint32_t disp[2];
  int32_t ids[STORIES_N_EXPECTED];
  lil_error e = {0};
  for (int i = 0; i < 2; i++) {
    lil_session *s;
    ck_assert_msg(lil_session_create(m[i], &so, &s, &e) == LIL_OK, "%s", e.msg);
    disp[i] = lil_session_step_dispatches(s);
    lil_session_free(s);
    if (i == 1) break; /* the concatenated default's ids: test_stories_greedy_gpu */
    stories_run(ctx, m[i], &so, STORIES_N_EXPECTED, ids);
    for (int k = 0; k < STORIES_N_EXPECTED; k++)
      ck_assert_msg(ids[k] == stories_expected_ids[k], "concat %d: token %d: got %d, expected %d", i, k, ids[k],
                    stories_expected_ids[k]);
  }
  const lil_model_config *c = lil_model_get_config(m[1]);
  ck_assert_msg(disp[0] == disp[1] + 3 * c->n_layer, "step dispatches %u separate, %u concatenated (%u layers)",
                disp[0], disp[1], c->n_layer);
  lil_model_free(m[0]);
  lil_model_free(m[1]);
  test_ctx_free(ctx);
}
END_TEST

/* Any policy whose budget covers the whole context keeps and reads every token: the same greedy
 * ids as dense, exactly (stories260K, 95 tokens in a 96-token context, budget 96). */
START_TEST(test_policies_full_budget) {
  lil_ctx *ctx = test_ctx_create();
  lil_model *m = load(ctx, test_source_path("assets/stories260K.gguf"));
  enum { N = 95 };
  int32_t dense[N], got[N];
  for (int k = LIL_ATTN_DENSE; k <= LIL_ATTN_RAAS; k++) {
    lil_session_options so;
    lil_session_options_default(&so);
    so.n_ctx = N + 1;
    so.policy.kind = (lil_attn_policy_kind)k;
    so.policy.budget = N + 1;
    stories_run(ctx, m, &so, N, k == LIL_ATTN_DENSE ? dense : got);
    if (k == LIL_ATTN_DENSE) {
      ck_assert_mem_eq(dense, stories_expected_ids, sizeof(dense));
      continue;
    }
    for (int i = 0; i < N; i++)
      ck_assert_msg(got[i] == dense[i], "%s: token %d is %d, dense %d", lil_attn_policy_name((lil_attn_policy_kind)k), i,
                    got[i], dense[i]);
  }
  lil_model_free(m);
  test_ctx_free(ctx);
}
END_TEST

/* A prompt in two prefills (the second after the cached first part: one batched pass, dense and
 * quest) gives the logits of one prefill of the whole prompt within 1e-2 of the largest logit (the
 * first part's K/V are read back from the F16 cache) and the same next token; under h2o (an
 * evicting policy) the second part goes through decode steps and still runs. */
START_TEST(test_prefill_after_context) {
  lil_ctx *ctx = test_ctx_create();
  lil_model *m = load(ctx, test_source_path("assets/stories260K.gguf"));
  const uint32_t V = lil_model_get_config(m)->n_vocab;
  enum { A = 21, N = 50 };
  int32_t prompt[N];
  prompt[0] = 1;
  for (int i = 1; i < N; i++) prompt[i] = stories_expected_ids[i - 1];
  float *one = malloc((size_t)N * V * 4), *two = malloc((size_t)(N - A) * V * 4);
  lil_attn_policy_kind kinds[] = {LIL_ATTN_DENSE, LIL_ATTN_QUEST, LIL_ATTN_H2O};
  for (int k = 0; k < 3; k++) {
    lil_session_options so;
    lil_session_options_default(&so);
    so.n_ctx = 128;
    so.keep_logits = 1;
    so.policy.kind = kinds[k];
    so.policy.budget = 96;
    so.policy.dense_layers = 1;
    lil_error e = {0};
    lil_session *s;
    int32_t t1, t2;
    uint32_t rows;
    ck_assert_msg(lil_session_create(m, &so, &s, &e) == LIL_OK, "%s", e.msg);
    ck_assert_msg(lil_session_prefill(s, prompt, N, &t1, &e) == LIL_OK, "%s", e.msg);
    ck_assert_int_eq(lil_session_logits(s, one, &rows, &e), LIL_OK);
    ck_assert_uint_eq(rows, N);
    ck_assert_int_eq(lil_session_reset(s, &e), LIL_OK);
    ck_assert_msg(lil_session_prefill(s, prompt, A, &t2, &e) == LIL_OK, "%s", e.msg);
    ck_assert_msg(lil_session_prefill(s, prompt + A, N - A, &t2, &e) == LIL_OK, "%s", e.msg);
    ck_assert_uint_eq(lil_session_length(s), N);
    ck_assert_int_eq(t1, t2);
    ck_assert_int_eq(lil_session_logits(s, two, &rows, &e), LIL_OK);
    if (kinds[k] != LIL_ATTN_H2O) { /* batched: every row of the second part */
      ck_assert_uint_eq(rows, N - A);
      for (uint32_t r = 0; r < N - A; r++) {
        const float *x = one + (size_t)(A + r) * V, *y = two + (size_t)r * V;
        float mx = 0, d = 0;
        for (uint32_t i = 0; i < V; i++) mx = fmaxf(mx, fabsf(x[i])), d = fmaxf(d, fabsf(x[i] - y[i]));
        ck_assert_msg(d <= 1e-2f * mx, "%s row %u: logits differ by %g (max %g)", lil_attn_policy_name(kinds[k]), A + r,
                      (double)d, (double)mx);
      }
    }
    lil_session_free(s);
  }
  free(one), free(two);
  lil_model_free(m);
  test_ctx_free(ctx);
}
END_TEST

typedef struct prog_state {
  uint32_t calls, done, total;
  int ordered;
} prog_state;

static void count_progress(void *user, uint32_t done, uint32_t total) {
  prog_state *p = user;
  p->ordered = p->calls == 0 ? 1 : p->ordered && done == p->done + 1;
  p->calls++, p->done = done, p->total = total;
}

/* h2o with a prompt longer than its budget: the first budget - 1 tokens in the batched pass, the
 * rest streamed through decode steps that evict. Every (layer, KV head) then holds exactly
 * `budget` tokens, the pool was sized by the budget (not the prompt), and the generation goes on;
 * the same prompt fed by hand (prefill of budget - 1 tokens, then forced steps) gives the same
 * next token and the same 40 generated ids. */
START_TEST(test_h2o_long_prompt) {
  lil_ctx *ctx = test_ctx_create();
  lil_model *m = load(ctx, test_source_path("assets/stories260K.gguf"));
  enum { B = 32, NP = 3 * B + 5, G = 40 };
  int32_t prompt[NP];
  prompt[0] = 1;
  for (int i = 1; i < NP; i++) prompt[i] = stories_expected_ids[(i - 1) % STORIES_N_EXPECTED];
  lil_session_options so;
  lil_session_options_default(&so);
  so.n_ctx = 256;
  so.policy.kind = LIL_ATTN_H2O;
  so.policy.budget = B;
  so.policy.recent = 8;
  int32_t out[2][G];
  prog_state prog = {0};
  so.prompt_progress = count_progress;
  so.progress_user = &prog;
  for (int way = 0; way < 2; way++) {
    lil_error e = {0};
    lil_session *s;
    ck_assert_msg(lil_session_create(m, &so, &s, &e) == LIL_OK, "%s", e.msg);
    int32_t tok = -1;
    if (way == 0) {
      ck_assert_msg(lil_session_prefill(s, prompt, NP, &tok, &e) == LIL_OK, "%s", e.msg);
    } else {
      ck_assert_msg(lil_session_prefill(s, prompt, B - 1, &tok, &e) == LIL_OK, "%s", e.msg);
      for (int i = B - 1; i < NP; i++) ck_assert_msg(lil_session_step(s, prompt[i], &tok, &e) == LIL_OK, "%s", e.msg);
    }
    ck_assert_uint_eq(lil_session_length(s), NP);
    if (way == 0) /* every streamed token reported, the last one as done */
      ck_assert(prog.calls == NP - (B - 1) && prog.done == NP && prog.total == NP && prog.ordered);
    const lil_model_config *c = lil_model_get_config(m);
    for (uint32_t l = 0; l < c->n_layer; l++)
      for (uint32_t h = 0; h < c->n_head_kv; h++)
        ck_assert_uint_eq(lil_attention_cached_tokens(lil_session_attention(s), l, h), B);
    /* pages of budget tokens plus the one being filled, per (layer, KV head) */
    uint64_t page_bytes = 2ull * 16 * c->head_dim * 2;
    ck_assert_uint_le(lil_session_kv_capacity_bytes(s), (uint64_t)(B / 16 + 2) * page_bytes * c->n_layer * c->n_head_kv);
    for (int i = 0; i < G; i++) {
      out[way][i] = tok;
      ck_assert_msg(lil_session_step(s, tok, &tok, &e) == LIL_OK, "%s", e.msg);
    }
    lil_session_free(s);
  }
  ck_assert_mem_eq(out[0], out[1], sizeof(out[0]));
  lil_model_free(m);
  test_ctx_free(ctx);
}
END_TEST

START_TEST(test_sampled_determinism) {
  lil_ctx *ctx = test_ctx_create();
  lil_model *m = load(ctx, test_source_path("assets/stories260K.gguf"));
  lil_session_options so;
  lil_session_options_default(&so);
  so.n_ctx = 64;
  so.sampling = (lil_sampling){.temp = 1.0f, .top_k = 40, .top_p = 0.95f, .min_p = 0.02f, .seed = 1234};
  int32_t a[48], b[48], c[48];
  stories_run(ctx, m, &so, 48, a);
  stories_run(ctx, m, &so, 48, b);
  so.sampling.seed = 99;
  stories_run(ctx, m, &so, 48, c);
  ck_assert_mem_eq(a, b, sizeof(a));
  ck_assert_msg(memcmp(a, c, sizeof(a)) != 0, "different seeds gave the same 48 tokens");
  int differs_from_greedy = 0;
  for (int i = 0; i < 48; i++) differs_from_greedy |= a[i] != stories_expected_ids[i];
  ck_assert_msg(differs_from_greedy, "sampling at T=1 reproduced greedy decoding");
  /* top_k = 1 is greedy whatever the seed */
  so.sampling = (lil_sampling){.temp = 0.8f, .top_k = 1, .top_p = 1.0f, .seed = 7};
  stories_run(ctx, m, &so, 48, c);
  ck_assert_mem_eq(c, stories_expected_ids, sizeof(c));
  lil_model_free(m);
  test_ctx_free(ctx);
}
END_TEST

START_TEST(test_context_full) {
  lil_ctx *ctx = test_ctx_create();
  lil_model *m = load(ctx, test_source_path("assets/stories260K.gguf"));
  lil_session_options so;
  lil_session_options_default(&so);
  so.n_ctx = 8;
  lil_session *s;
  lil_error e = {0};
  ck_assert_msg(lil_session_create(m, &so, &s, &e) == LIL_OK, "%s", e.msg);
  int32_t prompt[9] = {1, 403, 407, 261, 378, 432, 383, 286, 261}, tok;
  ck_assert_int_eq(lil_session_prefill(s, prompt, 9, &tok, &e), LIL_ERR_RANGE);
  ck_assert_str_eq(e.msg, "prompt is 9 tokens, context is 8");
  /* 4 tokens as one batched pass, 3 more as a continuation (decode steps with forced tokens) */
  ck_assert_msg(lil_session_prefill(s, prompt, 4, &tok, &e) == LIL_OK, "%s", e.msg);
  ck_assert_int_eq(tok, 378);
  ck_assert_msg(lil_session_prefill(s, prompt + 4, 3, &tok, &e) == LIL_OK, "%s", e.msg);
  ck_assert_int_eq(tok, 286); /* the continuation carries on the greedy story */
  ck_assert_msg(lil_session_step(s, tok, &tok, &e) == LIL_OK, "%s", e.msg);
  ck_assert_int_eq(tok, 261);
  ck_assert_int_eq(lil_session_step(s, tok, &tok, &e), LIL_ERR_RANGE);
  ck_assert_str_eq(e.msg, "context full at 8 tokens");
  lil_session_free(s);
  lil_model_free(m);
  test_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *su = suite_create("model");
  TCase *tc = tcase_create("gpu");
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, test_golden_gpu, 0, 12);
  tcase_add_loop_test(tc, test_q4_0_gpu_vs_ref, 0, 8);
  tcase_add_test(tc, test_stories_greedy_gpu);
  tcase_add_test(tc, test_stories_concat);
  tcase_add_test(tc, test_policies_full_budget);
  tcase_add_test(tc, test_h2o_long_prompt);
  tcase_add_test(tc, test_prefill_after_context);
  tcase_add_test(tc, test_sampled_determinism);
  tcase_add_test(tc, test_context_full);
  suite_add_tcase(su, tc);
  return test_run_suite(su);
}
