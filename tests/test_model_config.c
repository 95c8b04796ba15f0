/* Model description: stories260K's config, and tiny synthetic llama/qwen2/qwen3 GGUFs written with
 * the C writer covering tied/untied output, biases, q/k norms, and each kind of error. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_gguf.h"
#include "lil_gguf_writer.h"
#include "lil_model_config.h"
#include "test_common.h"

START_TEST(test_stories_config) {
  lil_gguf *g;
  lil_error e = {0};
  ck_assert_msg(lil_gguf_open(test_source_path("assets/stories260K.gguf"), &g, &e) == LIL_OK, "%s", e.msg);
  lil_model_config *c;
  ck_assert_msg(lil_model_config_load(g, &c, &e) == LIL_OK, "%s", e.msg);
  ck_assert_int_eq(c->arch, LIL_ARCH_LLAMA);
  ck_assert_uint_eq(c->n_embd, 64);
  ck_assert_uint_eq(c->n_layer, 5);
  ck_assert_uint_eq(c->n_head, 8);
  ck_assert_uint_eq(c->n_head_kv, 4);
  ck_assert_uint_eq(c->head_dim, 8);
  ck_assert_uint_eq(c->head_dim_v, 8);
  ck_assert_uint_eq(c->n_ff, 172);
  ck_assert_uint_eq(c->n_vocab, 512);
  ck_assert_uint_eq(c->n_ctx_train, 2048); /* what the file says (trained at 512) */
  ck_assert_float_eq_tol(c->rms_eps, 1e-5f, 1e-10f);
  ck_assert(c->rope_freq_base == 10000.0f);
  ck_assert_uint_eq(c->n_rot, 8);
  ck_assert_int_eq(c->rope_layout, LIL_ROPE_LAYOUT_NORMAL);
  ck_assert_str_eq(lil_rope_layout_name(c->rope_layout), "normal");
  ck_assert_int_eq(c->rope_scaling, LIL_ROPE_SCALING_NONE);
  ck_assert(c->rope_scaling_factor == 1.0f);
  ck_assert_int_eq(c->has_qkv_bias, 0);
  ck_assert_int_eq(c->has_qk_norm, 0);
  ck_assert_int_eq(c->tied_output, 0); /* output.weight is a separate copy */
  ck_assert_ptr_ne(c->output, c->token_embd);
  ck_assert_ptr_eq(c->output, lil_gguf_find_tensor(g, "output.weight"));
  ck_assert_ptr_null(c->rope_freqs);
  for (uint32_t i = 0; i < c->n_layer; i++) {
    const lil_layer_tensors *L = &c->layers[i];
    char name[64];
    snprintf(name, sizeof(name), "blk.%u.attn_k.weight", i);
    ck_assert_ptr_eq(L->attn_k, lil_gguf_find_tensor(g, name));
    ck_assert_uint_eq(L->attn_k->ne[1], 32);
    ck_assert_uint_eq(L->ffn_down->ne[0], 172);
    ck_assert_ptr_nonnull(L->attn_norm);
    ck_assert_ptr_nonnull(L->attn_q);
    ck_assert_ptr_nonnull(L->attn_v);
    ck_assert_ptr_nonnull(L->attn_output);
    ck_assert_ptr_nonnull(L->ffn_norm);
    ck_assert_ptr_nonnull(L->ffn_gate);
    ck_assert_ptr_nonnull(L->ffn_up);
    ck_assert_ptr_null(L->attn_q_bias);
    ck_assert_ptr_null(L->attn_q_norm);
  }
  lil_model_config_free(c);
  lil_gguf_close(g);
}
END_TEST

/* A tiny synthetic model. Zero/NULL fields take defaults; the "bad_*" fields inject one fault. */
typedef struct spec {
  const char *arch;
  uint32_t n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_vocab, n_tokens;
  int tied, bias, qk_norm, rope_freqs;
  float freq_base;
  const char *scaling_type;
  float scaling_factor;
  uint32_t rope_dims;
  const char *skip_key, *skip_tensor;
  const char *bad_shape_tensor; /* ne[0] += 1 block */
  const char *typed_tensor;
  uint32_t typed_type;
} spec;

static void add_tensor(lil_gguf_writer *w, const spec *s, uint64_t *rng, const char *name, uint64_t ne0,
                       uint64_t ne1) {
  if (s->skip_tensor && strcmp(name, s->skip_tensor) == 0) return;
  uint32_t type = LIL_TYPE_F32;
  if (s->typed_tensor && strcmp(name, s->typed_tensor) == 0) type = s->typed_type;
  if (s->bad_shape_tensor && strcmp(name, s->bad_shape_tensor) == 0) ne0 += 32;
  uint64_t ne[2] = {ne0, ne1 ? ne1 : 1};
  float *data = NULL;
  if (type == LIL_TYPE_F32) {
    data = malloc(ne[0] * ne[1] * sizeof(float));
    for (uint64_t i = 0; i < ne[0] * ne[1]; i++) data[i] = test_rand_uniform(rng, -1, 1);
  }
  lil_error e = {0};
  ck_assert_msg(lil_gguf_writer_add_tensor(w, name, type, ne1 ? 2 : 1, ne, data, &e) == LIL_OK, "%s", e.msg);
  free(data);
}

static void add_key_u32(lil_gguf_writer *w, const spec *s, const char *suffix, uint32_t v) {
  char k[128];
  snprintf(k, sizeof(k), "%s.%s", s->arch, suffix);
  if (s->skip_key && strcmp(k, s->skip_key) == 0) return;
  ck_assert_int_eq(lil_gguf_writer_add_u32(w, k, v, NULL), LIL_OK);
}

static void add_key_f32(lil_gguf_writer *w, const spec *s, const char *suffix, float v) {
  char k[128];
  snprintf(k, sizeof(k), "%s.%s", s->arch, suffix);
  if (s->skip_key && strcmp(k, s->skip_key) == 0) return;
  ck_assert_int_eq(lil_gguf_writer_add_f32(w, k, v, NULL), LIL_OK);
}

/* Builds the model in memory and loads its config; returns the status, *c on success. */
static lil_status load(spec s, void **image, lil_gguf **g, lil_model_config **c, lil_error *e) {
  if (!s.n_embd) s.n_embd = 64;
  if (!s.n_layer) s.n_layer = 2;
  if (!s.n_head) s.n_head = 4;
  if (!s.n_head_kv) s.n_head_kv = 2;
  if (!s.n_ff) s.n_ff = 96;
  if (!s.n_vocab) s.n_vocab = 40;
  if (!s.n_tokens) s.n_tokens = s.n_vocab;
  uint32_t hd = s.head_dim ? s.head_dim : s.n_embd / s.n_head;
  uint64_t rng = 12345;
  lil_gguf_writer *w;
  ck_assert_int_eq(lil_gguf_writer_create(3, &w, NULL), LIL_OK);
  if (!s.skip_key || strcmp(s.skip_key, "general.architecture"))
    lil_gguf_writer_add_string(w, "general.architecture", s.arch, NULL);
  add_key_u32(w, &s, "embedding_length", s.n_embd);
  add_key_u32(w, &s, "block_count", s.n_layer);
  add_key_u32(w, &s, "context_length", 256);
  add_key_u32(w, &s, "feed_forward_length", s.n_ff);
  add_key_u32(w, &s, "attention.head_count", s.n_head);
  add_key_u32(w, &s, "attention.head_count_kv", s.n_head_kv);
  add_key_f32(w, &s, "attention.layer_norm_rms_epsilon", 1e-6f);
  if (s.head_dim) add_key_u32(w, &s, "attention.key_length", s.head_dim);
  if (s.head_dim) add_key_u32(w, &s, "attention.value_length", s.head_dim);
  if (s.rope_dims) add_key_u32(w, &s, "rope.dimension_count", s.rope_dims);
  if (s.freq_base) add_key_f32(w, &s, "rope.freq_base", s.freq_base);
  if (s.scaling_type) {
    char k[128];
    snprintf(k, sizeof(k), "%s.rope.scaling.type", s.arch);
    lil_gguf_writer_add_string(w, k, s.scaling_type, NULL);
    add_key_f32(w, &s, "rope.scaling.factor", s.scaling_factor);
  }
  char **toks = malloc(s.n_tokens * sizeof(char *));
  for (uint32_t i = 0; i < s.n_tokens; i++) {
    toks[i] = malloc(16);
    snprintf(toks[i], 16, "t%u", i);
  }
  lil_gguf_writer_add_str_array(w, "tokenizer.ggml.tokens", s.n_tokens, (const char *const *)toks, NULL);
  for (uint32_t i = 0; i < s.n_tokens; i++) free(toks[i]);
  free(toks);

  const uint64_t E = s.n_embd, Q = (uint64_t)s.n_head * hd, K = (uint64_t)s.n_head_kv * hd;
  add_tensor(w, &s, &rng, "token_embd.weight", E, s.n_vocab);
  add_tensor(w, &s, &rng, "output_norm.weight", E, 0);
  if (!s.tied) add_tensor(w, &s, &rng, "output.weight", E, s.n_vocab);
  if (s.rope_freqs) add_tensor(w, &s, &rng, "rope_freqs.weight", (s.rope_dims ? s.rope_dims : hd) / 2, 0);
  for (uint32_t l = 0; l < s.n_layer; l++) {
    char n[64];
#define T(suffix, a, b)                                  \
  do {                                                   \
    snprintf(n, sizeof(n), "blk.%u." suffix, l);         \
    add_tensor(w, &s, &rng, n, a, b);                    \
  } while (0)
    T("attn_norm.weight", E, 0);
    T("attn_q.weight", E, Q);
    T("attn_k.weight", E, K);
    T("attn_v.weight", E, K);
    T("attn_output.weight", Q, E);
    if (s.bias) {
      T("attn_q.bias", Q, 0);
      T("attn_k.bias", K, 0);
      T("attn_v.bias", K, 0);
    }
    if (s.qk_norm) {
      T("attn_q_norm.weight", hd, 0);
      T("attn_k_norm.weight", hd, 0);
    }
    T("ffn_norm.weight", E, 0);
    T("ffn_gate.weight", E, s.n_ff);
    T("ffn_up.weight", E, s.n_ff);
    T("ffn_down.weight", s.n_ff, E);
#undef T
  }
  size_t size;
  ck_assert_int_eq(lil_gguf_writer_to_memory(w, image, &size, NULL), LIL_OK);
  lil_gguf_writer_free(w);
  memset(e, 0, sizeof(*e));
  ck_assert_msg(lil_gguf_open_memory(*image, size, "tiny.gguf", g, e) == LIL_OK, "%s", e->msg);
  *c = NULL;
  return lil_model_config_load(*g, c, e);
}

static lil_model_config *load_ok(spec s, void **image, lil_gguf **g) {
  lil_model_config *c;
  lil_error e;
  lil_status st = load(s, image, g, &c, &e);
  ck_assert_msg(st == LIL_OK, "%s", e.msg);
  return c;
}

static void release(void *image, lil_gguf *g, lil_model_config *c) {
  lil_model_config_free(c);
  lil_gguf_close(g);
  free(image);
}

static void expect_error(spec s, lil_status want, const char *needle1, const char *needle2) {
  void *image;
  lil_gguf *g;
  lil_model_config *c;
  lil_error e;
  lil_status st = load(s, &image, &g, &c, &e);
  ck_assert_msg(st == want, "status %s, want %s: %s", lil_status_name(st), lil_status_name(want), e.msg);
  ck_assert_ptr_null(c);
  ck_assert_msg(strncmp(e.msg, "tiny.gguf: ", 11) == 0, "no label: %s", e.msg);
  if (needle1) ck_assert_msg(strstr(e.msg, needle1), "'%s' not in: %s", needle1, e.msg);
  if (needle2) ck_assert_msg(strstr(e.msg, needle2), "'%s' not in: %s", needle2, e.msg);
  release(image, g, NULL);
}

START_TEST(test_qwen2_untied_bias) {
  void *image;
  lil_gguf *g;
  lil_model_config *c = load_ok((spec){.arch = "qwen2", .bias = 1, .freq_base = 1000000.0f}, &image, &g);
  ck_assert_int_eq(c->arch, LIL_ARCH_QWEN2);
  ck_assert_str_eq(lil_arch_name(c->arch), "qwen2");
  ck_assert_int_eq(c->rope_layout, LIL_ROPE_LAYOUT_NEOX);
  ck_assert(c->rope_freq_base == 1000000.0f);
  ck_assert_int_eq(c->has_qkv_bias, 1);
  ck_assert_int_eq(c->has_qk_norm, 0);
  ck_assert_int_eq(c->tied_output, 0);
  ck_assert_ptr_eq(c->output, lil_gguf_find_tensor(g, "output.weight"));
  ck_assert_uint_eq(c->head_dim, 16);
  ck_assert_uint_eq(c->n_rot, 16);
  ck_assert_uint_eq(c->n_vocab, 40);
  ck_assert_ptr_eq(c->layers[1].attn_v_bias, lil_gguf_find_tensor(g, "blk.1.attn_v.bias"));
  ck_assert_uint_eq(c->layers[1].attn_k_bias->ne[0], 32);
  release(image, g, c);
  /* qwen2 without biases: the bias tensors are required */
  expect_error((spec){.arch = "qwen2"}, LIL_ERR_FORMAT, "missing tensor 'blk.0.attn_q.bias'", NULL);
}
END_TEST

START_TEST(test_qwen3_tied_qk_norm) {
  void *image;
  lil_gguf *g;
  /* head_dim 32 != n_embd / n_head = 16, as in real Qwen3 models */
  lil_model_config *c = load_ok((spec){.arch = "qwen3", .tied = 1, .qk_norm = 1, .head_dim = 32}, &image, &g);
  ck_assert_int_eq(c->arch, LIL_ARCH_QWEN3);
  ck_assert_int_eq(c->rope_layout, LIL_ROPE_LAYOUT_NEOX);
  ck_assert_int_eq(c->tied_output, 1);
  ck_assert_ptr_eq(c->output, c->token_embd);
  ck_assert_int_eq(c->has_qk_norm, 1);
  ck_assert_int_eq(c->has_qkv_bias, 0);
  ck_assert_uint_eq(c->head_dim, 32);
  ck_assert_uint_eq(c->n_rot, 32);
  ck_assert_uint_eq(c->layers[0].attn_q->ne[1], 128);
  ck_assert_uint_eq(c->layers[0].attn_output->ne[0], 128);
  ck_assert_uint_eq(c->layers[1].attn_k_norm->ne[0], 32);
  release(image, g, c);
  expect_error((spec){.arch = "qwen3", .head_dim = 32}, LIL_ERR_FORMAT, "missing tensor 'blk.0.attn_q_norm.weight'",
               NULL);
  expect_error((spec){.arch = "qwen3", .qk_norm = 1, .head_dim = 32, .bad_shape_tensor = "blk.1.attn_k_norm.weight"},
               LIL_ERR_FORMAT, "'blk.1.attn_k_norm.weight' has shape [64], expected [32]", NULL);
}
END_TEST

START_TEST(test_llama_variants) {
  void *image;
  lil_gguf *g;
  lil_model_config *c = load_ok((spec){.arch = "llama", .rope_freqs = 1, .freq_base = 500000.0f, .scaling_type = "linear",
                                       .scaling_factor = 2.0f, .n_head_kv = 1, .typed_tensor = "blk.0.ffn_up.weight",
                                       .typed_type = LIL_TYPE_Q8_0},
                                &image, &g);
  ck_assert_int_eq(c->rope_layout, LIL_ROPE_LAYOUT_NORMAL);
  ck_assert_int_eq(c->rope_scaling, LIL_ROPE_SCALING_LINEAR);
  ck_assert_str_eq(lil_rope_scaling_name(c->rope_scaling), "linear");
  ck_assert(c->rope_scaling_factor == 2.0f);
  ck_assert_ptr_nonnull(c->rope_freqs);
  ck_assert_uint_eq(c->rope_freqs->ne[0], 8);
  ck_assert_uint_eq(c->n_head_kv, 1);
  ck_assert_uint_eq(c->layers[0].ffn_up->type, LIL_TYPE_Q8_0);
  release(image, g, c);
  /* partial rope and biases on llama (optional there) */
  c = load_ok((spec){.arch = "llama", .rope_dims = 8, .bias = 1, .tied = 1}, &image, &g);
  ck_assert_uint_eq(c->n_rot, 8);
  ck_assert_int_eq(c->has_qkv_bias, 1);
  ck_assert_int_eq(c->tied_output, 1);
  release(image, g, c);
}
END_TEST

START_TEST(test_errors) {
  expect_error((spec){.arch = "gpt2"}, LIL_ERR_UNSUPPORTED, "unsupported architecture 'gpt2'", NULL);
  expect_error((spec){.arch = "qwen2", .bias = 1, .skip_key = "general.architecture"}, LIL_ERR_FORMAT,
               "missing key 'general.architecture'", NULL);
  expect_error((spec){.arch = "qwen2", .bias = 1, .skip_key = "qwen2.block_count"}, LIL_ERR_FORMAT,
               "missing key 'qwen2.block_count'", NULL);
  expect_error((spec){.arch = "llama", .skip_key = "llama.attention.layer_norm_rms_epsilon"}, LIL_ERR_FORMAT,
               "missing key 'llama.attention.layer_norm_rms_epsilon'", NULL);
  expect_error((spec){.arch = "llama", .skip_key = "llama.feed_forward_length"}, LIL_ERR_FORMAT,
               "'llama.feed_forward_length'", NULL);
  expect_error((spec){.arch = "llama", .bad_shape_tensor = "blk.1.attn_k.weight"}, LIL_ERR_FORMAT,
               "tensor 'blk.1.attn_k.weight' has shape [96, 32], expected [64, 32]", NULL);
  expect_error((spec){.arch = "llama", .bad_shape_tensor = "blk.0.ffn_down.weight"}, LIL_ERR_FORMAT,
               "'blk.0.ffn_down.weight' has shape [128, 64], expected [96, 64]", NULL);
  expect_error((spec){.arch = "llama", .bad_shape_tensor = "output.weight"}, LIL_ERR_FORMAT, "'output.weight'", NULL);
  expect_error((spec){.arch = "llama", .skip_tensor = "blk.1.ffn_gate.weight"}, LIL_ERR_FORMAT,
               "missing tensor 'blk.1.ffn_gate.weight'", NULL);
  expect_error((spec){.arch = "llama", .skip_tensor = "token_embd.weight"}, LIL_ERR_FORMAT,
               "missing tensor 'token_embd.weight'", NULL);
  expect_error((spec){.arch = "llama", .typed_tensor = "blk.1.ffn_down.weight", .typed_type = LIL_TYPE_Q5_0},
               LIL_ERR_UNSUPPORTED, "unsupported tensor type Q5_0 in 'blk.1.ffn_down.weight'", NULL);
  expect_error((spec){.arch = "llama", .n_head = 4, .n_head_kv = 3}, LIL_ERR_FORMAT, "head_count_kv", NULL);
  expect_error((spec){.arch = "llama", .n_tokens = 41}, LIL_ERR_FORMAT, "'tokenizer.ggml.tokens' has 41 tokens", NULL);
  expect_error((spec){.arch = "llama", .rope_dims = 7}, LIL_ERR_FORMAT, "'llama.rope.dimension_count' 7", NULL);
  expect_error((spec){.arch = "llama", .rope_dims = 32}, LIL_ERR_FORMAT, "rope.dimension_count", NULL);
  expect_error((spec){.arch = "llama", .scaling_type = "wavy", .scaling_factor = 2}, LIL_ERR_UNSUPPORTED,
               "'llama.rope.scaling.type'", "'wavy'");
  expect_error((spec){.arch = "llama", .scaling_type = "linear", .scaling_factor = -1}, LIL_ERR_FORMAT,
               "'llama.rope.scaling.factor'", NULL);
  expect_error((spec){.arch = "llama", .rope_freqs = 1, .bad_shape_tensor = "rope_freqs.weight"}, LIL_ERR_FORMAT,
               "'rope_freqs.weight'", NULL);
  lil_model_config *c = (lil_model_config *)1;
  lil_error e = {0};
  ck_assert_int_eq(lil_model_config_load(NULL, &c, &e), LIL_ERR_INVALID_ARG);
  lil_model_config_free(NULL);
}
END_TEST

int main(void) {
  Suite *s = suite_create("model_config");
  TCase *tc = tcase_create("config");
  tcase_add_test(tc, test_stories_config);
  tcase_add_test(tc, test_qwen2_untied_bias);
  tcase_add_test(tc, test_qwen3_tied_qk_norm);
  tcase_add_test(tc, test_llama_variants);
  tcase_add_test(tc, test_errors);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
