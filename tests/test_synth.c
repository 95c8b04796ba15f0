/* lil_synth_write: random-weight GGUFs of real shapes (runtime/model/lil_synth.h): the tensors a
 * shape has, their types and sizes, the padded vocabulary, seeding, and the errors. The written
 * files are loaded and generated from in tests/compare_cli_test.sh (lil synth, lil run). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lil_ggml_types.h"
#include "lil_gguf.h"
#include "lil_gguf_writer.h"
#include "lil_synth.h"
#include "test_common.h"

static char tmpdir[64];

static void setup(void) {
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/lil-synth-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void) {
  char p[128];
  const char *names[] = {"a.gguf", "b.gguf", "c.gguf"};
  for (int i = 0; i < 3; i++) snprintf(p, sizeof(p), "%s/%s", tmpdir, names[i]), remove(p);
  rmdir(tmpdir);
}

/* Paths in the test's folder: a few static buffers in turn, so that two can be used at once. */
static const char *tmp(const char *name) {
  static char p[4][128];
  static int next;
  char *b = p[next++ % 4];
  snprintf(b, sizeof(p[0]), "%s/%s", tmpdir, name);
  return b;
}

static void write_ok(const char *shape, uint32_t type, uint64_t seed, const char *path) {
  lil_error err = {0};
  lil_synth_options o = {.type = type, .seed = seed, .vocab_path = test_source_path("assets/stories260K.gguf"),
                         .out_path = path};
  o.shape = lil_synth_find_shape(shape, &err);
  ck_assert_msg(o.shape != NULL, "%s", err.msg);
  ck_assert_msg(lil_synth_write(&o, &err) == LIL_OK, "%s", err.msg);
}

START_TEST(test_shapes_and_types) {
  static const uint32_t types[] = {LIL_TYPE_F16, LIL_TYPE_Q8_0, LIL_TYPE_Q4_0};
  static const char *const shapes[] = {"tiny", "tiny-qwen3"};
  for (int si = 0; si < 2; si++)
    for (int ti = 0; ti < 3; ti++) {
      write_ok(shapes[si], types[ti], 7, tmp("a.gguf"));
      lil_error err = {0};
      lil_gguf *g = NULL;
      ck_assert_msg(lil_gguf_open(tmp("a.gguf"), &g, &err) == LIL_OK, "%s", err.msg);
      const lil_synth_shape *s = lil_synth_find_shape(shapes[si], &err);
      /* token_embd + output_norm [+ output] + 9 per layer [+ 2 head norms] */
      uint64_t per = 9 + (si == 1 ? 2 : 0), want = 2 + (s->tied ? 0 : 1) + per * s->n_layer;
      ck_assert_uint_eq(lil_gguf_tensor_count(g), want);
      const lil_gguf_tensor *e = lil_gguf_find_tensor(g, "token_embd.weight");
      ck_assert_ptr_nonnull(e);
      ck_assert_uint_eq(e->type, types[ti]);
      ck_assert_uint_eq(e->ne[0], s->n_embd);
      ck_assert_uint_eq(e->ne[1], s->n_vocab);
      const lil_gguf_tensor *n = lil_gguf_find_tensor(g, "blk.1.ffn_norm.weight");
      ck_assert_ptr_nonnull(n);
      ck_assert_uint_eq(n->type, LIL_TYPE_F32);
      float one;
      memcpy(&one, n->data, 4);
      ck_assert(one == 1.0f);
      const lil_gguf_tensor *d = lil_gguf_find_tensor(g, "blk.0.ffn_down.weight");
      ck_assert_uint_eq(d->ne[0], s->n_ff);
      ck_assert_uint_eq(d->ne[1], s->n_embd);
      ck_assert_uint_eq(lil_gguf_find_tensor(g, "blk.0.attn_q_norm.weight") != NULL, si == 1);
      /* tensor data: the size lil_synth_weight_bytes promises */
      uint64_t total = 0;
      for (uint64_t i = 0; i < lil_gguf_tensor_count(g); i++) total += (lil_gguf_tensor_at(g, i)->size + 31) & ~31ull;
      ck_assert_uint_eq(total, lil_synth_weight_bytes(s, types[ti]));
      uint32_t v;
      ck_assert_int_eq(lil_gguf_get_u32(g, si == 1 ? "qwen3.block_count" : "llama.block_count", &v, &err), LIL_OK);
      ck_assert_uint_eq(v, s->n_layer);
      lil_gguf_close(g);
    }
}
END_TEST

/* A vocabulary smaller than the shape's is padded with filler tokens of a lower score than any. */
START_TEST(test_vocab_padding) {
  lil_error err = {0};
  lil_gguf_writer *w = NULL;
  const char *toks[] = {"<unk>", "<s>", "</s>", "a", "b"};
  float scores[] = {0, 0, 0, -1, -2};
  int32_t types[] = {2, 3, 3, 1, 1};
  ck_assert_int_eq(lil_gguf_writer_create(3, &w, &err), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_string(w, "tokenizer.ggml.model", "llama", &err), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_str_array(w, "tokenizer.ggml.tokens", 5, toks, &err), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_array(w, "tokenizer.ggml.scores", LIL_GGUF_FLOAT32, 5, scores, &err), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_array(w, "tokenizer.ggml.token_type", LIL_GGUF_INT32, 5, types, &err), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_u32(w, "tokenizer.ggml.eos_token_id", 2, &err), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_write_file(w, tmp("b.gguf"), &err), LIL_OK);
  lil_gguf_writer_free(w);
  lil_synth_options o = {.type = LIL_TYPE_Q4_0, .seed = 1, .vocab_path = tmp("b.gguf"), .out_path = tmp("a.gguf")};
  o.shape = lil_synth_find_shape("tiny", &err);
  ck_assert_msg(lil_synth_write(&o, &err) == LIL_OK, "%s", err.msg);
  lil_gguf *g = NULL;
  ck_assert_int_eq(lil_gguf_open(tmp("a.gguf"), &g, &err), LIL_OK);
  lil_gguf_type et;
  uint64_t n;
  const void *data;
  ck_assert_int_eq(lil_gguf_get_array(g, "tokenizer.ggml.tokens", &et, &n, &data, &err), LIL_OK);
  ck_assert_uint_eq(n, 512);
  const char *s;
  uint64_t len;
  ck_assert_int_eq(lil_gguf_get_array_str(g, "tokenizer.ggml.tokens", 4, &s, &len, &err), LIL_OK);
  ck_assert(len == 1 && s[0] == 'b');
  ck_assert_int_eq(lil_gguf_get_array_str(g, "tokenizer.ggml.tokens", 511, &s, &len, &err), LIL_OK);
  ck_assert(len == 11 && !memcmp(s, "<synth_511>", 11));
  ck_assert_int_eq(lil_gguf_get_array(g, "tokenizer.ggml.scores", &et, &n, &data, &err), LIL_OK);
  ck_assert_uint_eq(n, 512);
  float f4, f5;
  memcpy(&f4, (const float *)data + 4, 4);
  memcpy(&f5, (const float *)data + 5, 4);
  ck_assert(f4 == -2.0f && f5 < -2.0f);
  uint32_t eos;
  ck_assert_int_eq(lil_gguf_get_u32(g, "tokenizer.ggml.eos_token_id", &eos, &err), LIL_OK);
  ck_assert_uint_eq(eos, 2);
  ck_assert_int_eq(lil_gguf_get_str(g, "tokenizer.ggml.model", &s, &len, &err), LIL_OK);
  ck_assert(len == 5 && !memcmp(s, "llama", 5));
  lil_gguf_close(g);
  /* the real shapes' vocabularies */
  ck_assert_uint_eq(lil_synth_find_shape("qwen3-0.6b", &err)->n_vocab, 151936);
  ck_assert_uint_eq(lil_synth_find_shape("llama-8b", &err)->n_vocab, 128256);
}
END_TEST

START_TEST(test_seeded) {
  write_ok("tiny", LIL_TYPE_F16, 3, tmp("a.gguf"));
  write_ok("tiny", LIL_TYPE_F16, 3, tmp("b.gguf"));
  write_ok("tiny", LIL_TYPE_F16, 4, tmp("c.gguf"));
  size_t na, nb, nc;
  char *a = test_read_file(tmp("a.gguf"), &na), *b = test_read_file(tmp("b.gguf"), &nb),
       *c = test_read_file(tmp("c.gguf"), &nc);
  ck_assert(a && b && c);
  ck_assert_uint_eq(na, nb);
  ck_assert_uint_eq(na, nc);
  ck_assert(!memcmp(a, b, na));
  ck_assert(memcmp(a, c, na) != 0);
  free(a), free(b), free(c);
}
END_TEST

START_TEST(test_errors) {
  lil_error err = {0};
  ck_assert_ptr_null(lil_synth_find_shape("llama-70b", &err));
  ck_assert_int_eq(err.status, LIL_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(err.msg, "unknown model shape 'llama-70b'"));
  ck_assert_ptr_nonnull(strstr(err.msg, "qwen3-0.6b"));
  uint32_t t;
  ck_assert_int_eq(lil_synth_parse_type("q4_k", &t, &err), LIL_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(err.msg, "unknown weight type 'q4_k'"));
  ck_assert_int_eq(lil_synth_parse_type("Q8_0", &t, &err), LIL_OK);
  ck_assert_uint_eq(t, LIL_TYPE_Q8_0);
  lil_synth_options o = {.type = LIL_TYPE_Q8_0, .vocab_path = test_source_path("assets/stories260K.gguf"),
                         .out_path = "/nonexistent-dir/x.gguf"};
  o.shape = lil_synth_find_shape("tiny", &err);
  ck_assert_int_eq(lil_synth_write(&o, &err), LIL_ERR_IO);
  ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent-dir/x.gguf"));
  o.type = LIL_TYPE_Q4_K;
  o.out_path = tmp("a.gguf");
  ck_assert_int_eq(lil_synth_write(&o, &err), LIL_ERR_INVALID_ARG);
  /* the vocabulary file must be a GGUF with tokens, no more than the shape has */
  o.type = LIL_TYPE_Q8_0;
  o.vocab_path = test_source_path("README.md");
  ck_assert_int_ne(lil_synth_write(&o, &err), LIL_OK);
  ck_assert_int_ne(access(tmp("a.gguf"), F_OK), 0);
  o.vocab_path = test_data_path("ggml-vocab-llama-spm.gguf"); /* 32000 tokens > 512 */
  ck_assert_int_eq(lil_synth_write(&o, &err), LIL_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(err.msg, "more than the shape's vocabulary of 512"));
  ck_assert_int_ne(access(tmp("a.gguf"), F_OK), 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("synth");
  TCase *tc = tcase_create("synth");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_shapes_and_types);
  tcase_add_test(tc, test_vocab_padding);
  tcase_add_test(tc, test_seeded);
  tcase_add_test(tc, test_errors);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
