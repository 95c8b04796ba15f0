/* GGUF reader on real files (stories260K, vocab-only GGUFs) and writer round trips. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lil_gguf.h"
#include "lil_gguf_writer.h"
#include "test_common.h"

static lil_gguf *open_ok(const char *path) {
  lil_gguf *g = NULL;
  lil_error e = {0};
  lil_status st = lil_gguf_open(path, &g, &e);
  ck_assert_msg(st == LIL_OK, "%s: %s", path, e.msg);
  return g;
}

static uint32_t u32_of(lil_gguf *g, const char *key) {
  uint32_t v = 0;
  lil_error e = {0};
  ck_assert_msg(lil_gguf_get_u32(g, key, &v, &e) == LIL_OK, "%s", e.msg);
  return v;
}

START_TEST(test_stories_opens) {
  lil_gguf *g = open_ok(test_source_path("assets/stories260K.gguf"));
  ck_assert_uint_eq(lil_gguf_version(g), 3);
  ck_assert_uint_eq(lil_gguf_file_size(g), 1185376);
  ck_assert_uint_eq(lil_gguf_alignment(g), 32);
  ck_assert_uint_eq(lil_gguf_key_count(g), 19);
  ck_assert_uint_eq(lil_gguf_tensor_count(g), 48);
  ck_assert_uint_eq(lil_gguf_data_offset(g) % 32, 0);

  const char *s;
  uint64_t len;
  ck_assert_int_eq(lil_gguf_get_str(g, "general.architecture", &s, &len, NULL), LIL_OK);
  ck_assert_uint_eq(len, 5);
  ck_assert_int_eq(memcmp(s, "llama", 5), 0);
  ck_assert_uint_eq(u32_of(g, "llama.embedding_length"), 64);
  ck_assert_uint_eq(u32_of(g, "llama.block_count"), 5);
  ck_assert_uint_eq(u32_of(g, "llama.attention.head_count"), 8);
  ck_assert_uint_eq(u32_of(g, "llama.attention.head_count_kv"), 4);
  ck_assert_uint_eq(u32_of(g, "llama.feed_forward_length"), 172);
  ck_assert_uint_eq(u32_of(g, "llama.rope.dimension_count"), 8);
  ck_assert_uint_eq(u32_of(g, "llama.context_length"), 2048);
  float eps = 0;
  ck_assert_int_eq(lil_gguf_get_f32(g, "llama.attention.layer_norm_rms_epsilon", &eps, NULL), LIL_OK);
  ck_assert_float_eq_tol(eps, 1e-5f, 1e-9f);

  const lil_gguf_tensor *t = lil_gguf_find_tensor(g, "token_embd.weight");
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_eq(t->n_dims, 2);
  ck_assert_uint_eq(t->ne[0], 64);
  ck_assert_uint_eq(t->ne[1], 512);
  ck_assert_uint_eq(t->ne[2], 1);
  ck_assert_uint_eq(t->type, LIL_TYPE_F32);
  ck_assert_uint_eq(t->size, 64 * 512 * 4);
  ck_assert_ptr_null(lil_gguf_find_tensor(g, "no.such.tensor"));
  t = lil_gguf_find_tensor(g, "blk.4.ffn_down.weight");
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_eq(t->ne[0], 172);
  ck_assert_uint_eq(t->ne[1], 64);

  /* Every tensor is F32, in the file, aligned; the values add up to 292,800. */
  uint64_t total = 0;
  for (uint64_t i = 0; i < lil_gguf_tensor_count(g); i++) {
    t = lil_gguf_tensor_at(g, i);
    ck_assert_ptr_eq(lil_gguf_find_tensor(g, t->name), t);
    ck_assert_uint_eq(t->type, LIL_TYPE_F32);
    ck_assert_uint_eq(t->size, t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3] * 4);
    ck_assert_uint_eq(t->offset % 32, 0);
    total += t->size / 4;
    const float *f = t->data;
    ck_assert(isfinite(f[0]) && isfinite(f[t->size / 4 - 1]));
  }
  ck_assert_uint_eq(total, 292800);
  ck_assert_ptr_null(lil_gguf_tensor_at(g, 48));

  lil_gguf_type et;
  uint64_t n;
  const void *data;
  ck_assert_int_eq(lil_gguf_get_array(g, "tokenizer.ggml.tokens", &et, &n, &data, NULL), LIL_OK);
  ck_assert_int_eq(et, LIL_GGUF_STRING);
  ck_assert_uint_eq(n, 512);
  ck_assert_int_eq(lil_gguf_get_array(g, "tokenizer.ggml.scores", &et, &n, &data, NULL), LIL_OK);
  ck_assert_int_eq(et, LIL_GGUF_FLOAT32);
  ck_assert_uint_eq(n, 512);
  ck_assert_int_eq(lil_gguf_get_array_str(g, "tokenizer.ggml.tokens", 1, &s, &len, NULL), LIL_OK);
  ck_assert_uint_eq(len, 3);
  ck_assert_int_eq(memcmp(s, "<s>", 3), 0);
  lil_error e = {0};
  ck_assert_int_eq(lil_gguf_get_array_str(g, "tokenizer.ggml.tokens", 512, &s, &len, &e), LIL_ERR_RANGE);
  ck_assert_ptr_nonnull(strstr(e.msg, "tokenizer.ggml.tokens"));
  /* u32 value 0xffffffff read as i64 and u64 */
  int64_t iv;
  ck_assert_int_eq(lil_gguf_get_i64(g, "tokenizer.ggml.padding_token_id", &iv, NULL), LIL_OK);
  ck_assert_int_eq(iv, 4294967295ll);
  lil_gguf_close(g);
}
END_TEST

static const struct { const char *file, *model; uint64_t n_tokens; } vocabs[] = {
    {"ggml-vocab-llama-spm.gguf", "llama", 32000},
    {"ggml-vocab-llama-bpe.gguf", "gpt2", 128256},
    {"ggml-vocab-qwen2.gguf", "gpt2", 151936},
    {"ggml-vocab-gpt-2.gguf", "gpt2", 50257},
};

START_TEST(test_vocab_files) {
  lil_gguf *g = open_ok(test_data_path(vocabs[_i].file));
  ck_assert_uint_eq(lil_gguf_tensor_count(g), 0);
  const char *s;
  uint64_t len, n, total = 0;
  ck_assert_int_eq(lil_gguf_get_str(g, "tokenizer.ggml.model", &s, &len, NULL), LIL_OK);
  ck_assert_uint_eq(len, strlen(vocabs[_i].model));
  ck_assert_int_eq(memcmp(s, vocabs[_i].model, len), 0);
  lil_gguf_type et;
  ck_assert_int_eq(lil_gguf_get_array(g, "tokenizer.ggml.tokens", &et, &n, NULL, NULL), LIL_OK);
  ck_assert_int_eq(et, LIL_GGUF_STRING);
  ck_assert_uint_eq(n, vocabs[_i].n_tokens);
  for (uint64_t i = 0; i < n; i++) {
    ck_assert_int_eq(lil_gguf_get_array_str(g, "tokenizer.ggml.tokens", i, &s, &len, NULL), LIL_OK);
    ck_assert(s >= (const char *)0 && len < 1024);
    total += len;
  }
  ck_assert_uint_gt(total, n);
  ck_assert_int_eq(lil_gguf_get_array(g, "tokenizer.ggml.token_type", &et, &n, NULL, NULL), LIL_OK);
  ck_assert_int_eq(et, LIL_GGUF_INT32);
  ck_assert_uint_eq(n, vocabs[_i].n_tokens);
  lil_gguf_close(g);
}
END_TEST

START_TEST(test_open_errors) {
  lil_gguf *g = (lil_gguf *)1;
  lil_error e = {0};
  ck_assert_int_eq(lil_gguf_open("/nonexistent/x.gguf", &g, &e), LIL_ERR_IO);
  ck_assert_ptr_null(g);
  ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/x.gguf"));
  ck_assert_int_eq(lil_gguf_open("/tmp", &g, &e), LIL_ERR_IO);
  ck_assert_int_eq(lil_gguf_open_memory(NULL, 0, "empty", &g, &e), LIL_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(e.msg, "empty: "));
  ck_assert_int_eq(lil_gguf_open_memory(NULL, 0, "empty", &g, NULL), LIL_ERR_FORMAT); /* NULL err is fine */
}
END_TEST

/* Every metadata type, written then read back, through memory and a file, v2 and v3. */
START_TEST(test_writer_round_trip) {
  uint32_t version = _i ? 3 : 2;
  lil_gguf_writer *w;
  lil_error e = {0};
  ck_assert_int_eq(lil_gguf_writer_create(version, &w, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_set_alignment(w, 64, &e), LIL_OK);
  uint8_t u8 = 200;
  int8_t i8 = -100;
  uint16_t u16 = 60000;
  int16_t i16 = -30000;
  int64_t i64 = -5000000000ll;
  double f64 = 3.25;
  ck_assert_int_eq(lil_gguf_writer_add_scalar(w, "t.u8", LIL_GGUF_UINT8, &u8, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_scalar(w, "t.i8", LIL_GGUF_INT8, &i8, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_scalar(w, "t.u16", LIL_GGUF_UINT16, &u16, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_scalar(w, "t.i16", LIL_GGUF_INT16, &i16, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_u32(w, "t.u32", 4000000000u, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_i32(w, "t.i32", -7, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_f32(w, "t.f32", 1.5f, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_bool(w, "t.bool", 1, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_string(w, "t.str", "héllo", &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_string_n(w, "t.empty", "", 0, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_u64(w, "t.u64", UINT64_MAX, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_scalar(w, "t.i64", LIL_GGUF_INT64, &i64, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_scalar(w, "t.f64", LIL_GGUF_FLOAT64, &f64, &e), LIL_OK);
  const int32_t ints[5] = {1, -2, 3, -4, 5};
  const float floats[3] = {0.5f, -1.0f, 2.0f};
  const char *strs[4] = {"a", "", "ccc", "dd dd"};
  ck_assert_int_eq(lil_gguf_writer_add_array(w, "t.ai32", LIL_GGUF_INT32, 5, ints, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_array(w, "t.af32", LIL_GGUF_FLOAT32, 3, floats, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_array(w, "t.aempty", LIL_GGUF_UINT8, 0, NULL, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_str_array(w, "t.astr", 4, strs, &e), LIL_OK);
  for (int t = 0; t <= LIL_GGUF_FLOAT64; t++) { /* one array of each scalar type */
    if (t == LIL_GGUF_STRING || t == LIL_GGUF_ARRAY) continue;
    char key[32];
    uint8_t bytes[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    snprintf(key, sizeof(key), "t.arr%d", t);
    ck_assert_int_eq(lil_gguf_writer_add_array(w, key, (lil_gguf_type)t, 2, bytes, &e), LIL_OK);
  }
  float f32data[64 * 3];
  for (int i = 0; i < 64 * 3; i++) f32data[i] = (float)i * 0.25f;
  uint8_t q8[2 * 34];
  for (int i = 0; i < (int)sizeof(q8); i++) q8[i] = (uint8_t)(i * 7);
  const uint64_t ne_a[2] = {64, 3}, ne_b[1] = {64}, ne_c[4] = {256, 1, 1, 2};
  ck_assert_int_eq(lil_gguf_writer_add_tensor(w, "a", LIL_TYPE_F32, 2, ne_a, f32data, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_tensor(w, "b.q8", LIL_TYPE_Q8_0, 1, ne_b, q8, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_tensor(w, "c.q4k", LIL_TYPE_Q4_K, 4, ne_c, NULL, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_tensor(w, "bad", LIL_TYPE_Q8_0, 1, (uint64_t[]){33}, NULL, &e),
                   LIL_ERR_INVALID_ARG);

  char path[] = "/tmp/lil_gguf_rtXXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  close(fd);
  ck_assert_int_eq(lil_gguf_writer_write_file(w, path, &e), LIL_OK);
  lil_gguf_writer_free(w);
  lil_gguf *g = open_ok(path);
  unlink(path);

  ck_assert_uint_eq(lil_gguf_version(g), version);
  ck_assert_uint_eq(lil_gguf_alignment(g), 64);
  uint32_t u;
  uint64_t u64;
  int64_t s64;
  float f;
  int b;
  ck_assert_int_eq(lil_gguf_get_u32(g, "t.u8", &u, NULL), LIL_OK);
  ck_assert_uint_eq(u, 200);
  ck_assert_int_eq(lil_gguf_get_i64(g, "t.i8", &s64, NULL), LIL_OK);
  ck_assert_int_eq(s64, -100);
  ck_assert_int_eq(lil_gguf_get_u32(g, "t.u16", &u, NULL), LIL_OK);
  ck_assert_uint_eq(u, 60000);
  ck_assert_int_eq(lil_gguf_get_i64(g, "t.i16", &s64, NULL), LIL_OK);
  ck_assert_int_eq(s64, -30000);
  ck_assert_int_eq(lil_gguf_get_u32(g, "t.u32", &u, NULL), LIL_OK);
  ck_assert_uint_eq(u, 4000000000u);
  ck_assert_int_eq(lil_gguf_get_i64(g, "t.i32", &s64, NULL), LIL_OK);
  ck_assert_int_eq(s64, -7);
  ck_assert_int_eq(lil_gguf_get_f32(g, "t.f32", &f, NULL), LIL_OK);
  ck_assert(f == 1.5f);
  ck_assert_int_eq(lil_gguf_get_bool(g, "t.bool", &b, NULL), LIL_OK);
  ck_assert_int_eq(b, 1);
  const char *s;
  uint64_t len;
  ck_assert_int_eq(lil_gguf_get_str(g, "t.str", &s, &len, NULL), LIL_OK);
  ck_assert_uint_eq(len, strlen("héllo"));
  ck_assert_int_eq(memcmp(s, "héllo", len), 0);
  ck_assert_int_eq(lil_gguf_get_str(g, "t.empty", &s, &len, NULL), LIL_OK);
  ck_assert_uint_eq(len, 0);
  ck_assert_int_eq(lil_gguf_get_u64(g, "t.u64", &u64, NULL), LIL_OK);
  ck_assert(u64 == UINT64_MAX);
  ck_assert_int_eq(lil_gguf_get_i64(g, "t.i64", &s64, NULL), LIL_OK);
  ck_assert(s64 == -5000000000ll);
  ck_assert_int_eq(lil_gguf_get_f32(g, "t.f64", &f, NULL), LIL_OK);
  ck_assert(f == 3.25f);

  /* Conversions that do not fit, wrong types, missing keys: messages name the key. */
  ck_assert_int_eq(lil_gguf_get_u32(g, "t.i32", &u, &e), LIL_ERR_RANGE);
  ck_assert_ptr_nonnull(strstr(e.msg, "'t.i32'"));
  ck_assert_int_eq(lil_gguf_get_u32(g, "t.u64", &u, &e), LIL_ERR_RANGE);
  ck_assert_int_eq(lil_gguf_get_i64(g, "t.u64", &s64, &e), LIL_ERR_RANGE);
  ck_assert_int_eq(lil_gguf_get_u64(g, "t.i64", &u64, &e), LIL_ERR_RANGE);
  ck_assert_int_eq(lil_gguf_get_u32(g, "t.str", &u, &e), LIL_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(e.msg, "'t.str'"));
  ck_assert_ptr_nonnull(strstr(e.msg, "string"));
  ck_assert_int_eq(lil_gguf_get_f32(g, "t.u32", &f, &e), LIL_ERR_FORMAT);
  ck_assert_int_eq(lil_gguf_get_bool(g, "t.u8", &b, &e), LIL_ERR_FORMAT);
  ck_assert_int_eq(lil_gguf_get_str(g, "t.astr", &s, &len, &e), LIL_ERR_FORMAT);
  ck_assert_int_eq(lil_gguf_get_array(g, "t.str", NULL, NULL, NULL, &e), LIL_ERR_FORMAT);
  ck_assert_int_eq(lil_gguf_get_array_str(g, "t.ai32", 0, &s, &len, &e), LIL_ERR_FORMAT);
  ck_assert_int_eq(lil_gguf_get_u32(g, "t.missing", &u, &e), LIL_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(e.msg, "missing key 't.missing'"));
  ck_assert_int_eq(lil_gguf_find_key(g, "t.missing"), -1);

  lil_gguf_type et;
  uint64_t n;
  const void *data;
  ck_assert_int_eq(lil_gguf_get_array(g, "t.ai32", &et, &n, &data, NULL), LIL_OK);
  ck_assert_int_eq(et, LIL_GGUF_INT32);
  ck_assert_uint_eq(n, 5);
  ck_assert_int_eq(memcmp(data, ints, sizeof(ints)), 0);
  ck_assert_int_eq(lil_gguf_get_array(g, "t.af32", &et, &n, &data, NULL), LIL_OK);
  ck_assert_int_eq(memcmp(data, floats, sizeof(floats)), 0);
  ck_assert_int_eq(lil_gguf_get_array(g, "t.aempty", &et, &n, &data, NULL), LIL_OK);
  ck_assert_uint_eq(n, 0);
  for (uint64_t i = 0; i < 4; i++) {
    ck_assert_int_eq(lil_gguf_get_array_str(g, "t.astr", i, &s, &len, NULL), LIL_OK);
    ck_assert_uint_eq(len, strlen(strs[i]));
    ck_assert_int_eq(memcmp(s, strs[i], len), 0);
  }
  for (int t = 0; t <= LIL_GGUF_FLOAT64; t++) {
    if (t == LIL_GGUF_STRING || t == LIL_GGUF_ARRAY) continue;
    char key[32];
    snprintf(key, sizeof(key), "t.arr%d", t);
    int64_t k = lil_gguf_find_key(g, key);
    ck_assert_int_ge(k, 0);
    ck_assert_int_eq(lil_gguf_key_type(g, (uint64_t)k), LIL_GGUF_ARRAY);
    ck_assert_int_eq(lil_gguf_key_array_type(g, (uint64_t)k), t);
    ck_assert_int_eq(lil_gguf_get_array(g, key, &et, &n, &data, NULL), LIL_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(((const uint8_t *)data)[0], 1);
  }
  ck_assert_str_eq(lil_gguf_key_name(g, 0), "general.alignment");
  ck_assert_ptr_null(lil_gguf_key_name(g, 1000));

  ck_assert_uint_eq(lil_gguf_tensor_count(g), 3);
  const lil_gguf_tensor *t = lil_gguf_find_tensor(g, "a");
  ck_assert_uint_eq(t->size, sizeof(f32data));
  ck_assert_int_eq(memcmp(t->data, f32data, sizeof(f32data)), 0);
  t = lil_gguf_find_tensor(g, "b.q8");
  ck_assert_uint_eq(t->type, LIL_TYPE_Q8_0);
  ck_assert_uint_eq(t->size, 2 * 34);
  ck_assert_uint_eq(t->offset % 64, 0);
  ck_assert_int_eq(memcmp(t->data, q8, sizeof(q8)), 0);
  t = lil_gguf_find_tensor(g, "c.q4k");
  ck_assert_uint_eq(t->n_dims, 4);
  ck_assert_uint_eq(t->ne[3], 2);
  ck_assert_uint_eq(t->size, 2 * 144);
  ck_assert_uint_eq(((uintptr_t)t->data - (uintptr_t)lil_gguf_tensor_at(g, 0)->data) % 64, 0);
  lil_gguf_close(g);
}
END_TEST

/* A file written by tools/gguf_writer.py (built by meson, path in $LIL_GGUF_PY_EXAMPLE). */
START_TEST(test_python_writer) {
  const char *path = getenv("LIL_GGUF_PY_EXAMPLE");
  if (!path) {
    fprintf(stderr, "LIL_GGUF_PY_EXAMPLE not set: skipping the Python writer check\n");
    return;
  }
  lil_gguf *g = open_ok(path);
  ck_assert_uint_eq(lil_gguf_version(g), 3);
  ck_assert_uint_eq(lil_gguf_alignment(g), 64);
  uint32_t u;
  int64_t s64;
  uint64_t u64, n, len;
  float f;
  int b;
  const char *s;
  lil_gguf_type et;
  const void *data;
  ck_assert_int_eq(lil_gguf_get_u32(g, "t.u8", &u, NULL), LIL_OK);
  ck_assert_uint_eq(u, 200);
  ck_assert_int_eq(lil_gguf_get_i64(g, "t.i8", &s64, NULL), LIL_OK);
  ck_assert_int_eq(s64, -100);
  ck_assert_int_eq(lil_gguf_get_u32(g, "t.u16", &u, NULL), LIL_OK);
  ck_assert_uint_eq(u, 60000);
  ck_assert_int_eq(lil_gguf_get_i64(g, "t.i16", &s64, NULL), LIL_OK);
  ck_assert_int_eq(s64, -30000);
  ck_assert_int_eq(lil_gguf_get_u32(g, "t.u32", &u, NULL), LIL_OK);
  ck_assert_uint_eq(u, 4000000000u);
  ck_assert_int_eq(lil_gguf_get_i64(g, "t.i32", &s64, NULL), LIL_OK);
  ck_assert_int_eq(s64, -7);
  ck_assert_int_eq(lil_gguf_get_f32(g, "t.f32", &f, NULL), LIL_OK);
  ck_assert(f == 1.5f);
  ck_assert_int_eq(lil_gguf_get_bool(g, "t.bool", &b, NULL), LIL_OK);
  ck_assert_int_eq(b, 1);
  ck_assert_int_eq(lil_gguf_get_str(g, "t.str", &s, &len, NULL), LIL_OK);
  ck_assert_uint_eq(len, 6);
  ck_assert_int_eq(memcmp(s, "h\xc3\xa9llo", 6), 0);
  ck_assert_int_eq(lil_gguf_get_u64(g, "t.u64", &u64, NULL), LIL_OK);
  ck_assert(u64 == UINT64_MAX);
  ck_assert_int_eq(lil_gguf_get_i64(g, "t.i64", &s64, NULL), LIL_OK);
  ck_assert(s64 == -5000000000ll);
  ck_assert_int_eq(lil_gguf_get_f32(g, "t.f64", &f, NULL), LIL_OK);
  ck_assert(f == 3.25f);
  ck_assert_int_eq(lil_gguf_get_array_str(g, "t.astr", 2, &s, &len, NULL), LIL_OK);
  ck_assert_uint_eq(len, 3);
  ck_assert_int_eq(lil_gguf_get_array(g, "t.ai32", &et, &n, &data, NULL), LIL_OK);
  ck_assert_int_eq(et, LIL_GGUF_INT32);
  int32_t a1; /* numeric arrays are packed in the file: unaligned */
  memcpy(&a1, (const char *)data + 4, 4);
  ck_assert_int_eq(a1, -2);
  ck_assert_int_eq(lil_gguf_get_array(g, "t.af32", &et, &n, &data, NULL), LIL_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_uint_eq(lil_gguf_tensor_count(g), 3);
  const lil_gguf_tensor *t = lil_gguf_find_tensor(g, "a");
  ck_assert_uint_eq(t->ne[0], 4);
  ck_assert_uint_eq(t->ne[1], 3);
  ck_assert(((const float *)t->data)[11] == 11.0f);
  t = lil_gguf_find_tensor(g, "b");
  ck_assert_uint_eq(t->type, LIL_TYPE_F16);
  ck_assert_uint_eq(((const uint16_t *)t->data)[7], 0x3800); /* 0.5 in half precision */
  t = lil_gguf_find_tensor(g, "c");
  ck_assert_uint_eq(t->type, LIL_TYPE_Q8_0);
  ck_assert_uint_eq(t->size, 136);
  ck_assert_uint_eq(t->offset % 64, 0);
  ck_assert_uint_eq(((const uint8_t *)t->data)[135], 135);
  lil_gguf_close(g);
}
END_TEST

int main(void) {
  Suite *s = suite_create("gguf");
  TCase *tc = tcase_create("reader");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_stories_opens);
  tcase_add_loop_test(tc, test_vocab_files, 0, 4);
  tcase_add_test(tc, test_open_errors);
  tcase_add_loop_test(tc, test_writer_round_trip, 0, 2);
  tcase_add_test(tc, test_python_writer);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
