/* GGUF reader against hostile input: truncation, bad headers, huge counts and lengths, nested
 * arrays, bad tensor infos, duplicates, and random mutations. Each case must fail with the expected
 * status and a message naming the key or tensor; none may crash or read out of bounds (run under
 * ASan: every image is opened from a malloc'ed buffer of exactly its size). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_gguf.h"
#include "lil_gguf_writer.h"
#include "test_common.h"

/* Opens a heap copy of exactly size bytes; returns the status and fills e. */
static lil_status open_copy(const void *data, size_t size, lil_error *e) {
  void *copy = malloc(size ? size : 1);
  ck_assert_ptr_nonnull(copy);
  if (size) memcpy(copy, data, size);
  lil_gguf *g = NULL;
  memset(e, 0, sizeof(*e));
  lil_status st = lil_gguf_open_memory(copy, size, "hostile.gguf", &g, e);
  if (st == LIL_OK) {
    lil_gguf_close(g);
  } else {
    ck_assert_ptr_null(g);
    ck_assert_int_eq(e->status, st);
    ck_assert_msg(strncmp(e->msg, "hostile.gguf: ", 14) == 0, "message without label: %s", e->msg);
  }
  free(copy);
  return st;
}

static lil_gguf_writer *new_writer(void) {
  lil_gguf_writer *w;
  ck_assert_int_eq(lil_gguf_writer_create(3, &w, NULL), LIL_OK);
  return w;
}

/* Finishes w, opens the image, checks status and that the message contains each needle. */
static void expect(lil_gguf_writer *w, lil_status want, const char *needle1, const char *needle2) {
  void *data;
  size_t size;
  lil_error e;
  ck_assert_int_eq(lil_gguf_writer_to_memory(w, &data, &size, NULL), LIL_OK);
  lil_gguf_writer_free(w);
  lil_status st = open_copy(data, size, &e);
  free(data);
  ck_assert_msg(st == want, "status %s, want %s: %s", lil_status_name(st), lil_status_name(want), e.msg);
  if (needle1) ck_assert_msg(strstr(e.msg, needle1), "'%s' not in: %s", needle1, e.msg);
  if (needle2) ck_assert_msg(strstr(e.msg, needle2), "'%s' not in: %s", needle2, e.msg);
}

/* A small valid file with every kind of section: scalars, a string, a string array, a numeric
 * array, three tensors. */
static void small_valid(void **data, size_t *size) {
  lil_gguf_writer *w = new_writer();
  const char *toks[3] = {"<s>", "hello", "world"};
  const float sc[3] = {0, -1, -2};
  ck_assert_int_eq(lil_gguf_writer_add_string(w, "general.architecture", "llama", NULL), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_u32(w, "llama.block_count", 1, NULL), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_str_array(w, "tokenizer.ggml.tokens", 3, toks, NULL), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_array(w, "tokenizer.ggml.scores", LIL_GGUF_FLOAT32, 3, sc, NULL), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_f32(w, "llama.rope.freq_base", 10000.0f, NULL), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_tensor(w, "a", LIL_TYPE_F32, 2, (uint64_t[]){4, 2}, NULL, NULL), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_tensor(w, "b", LIL_TYPE_Q8_0, 1, (uint64_t[]){32}, NULL, NULL), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_tensor(w, "c", LIL_TYPE_F16, 3, (uint64_t[]){2, 3, 4}, NULL, NULL), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_to_memory(w, data, size, NULL), LIL_OK);
  lil_gguf_writer_free(w);
}

START_TEST(test_every_prefix_fails) {
  void *data;
  size_t size;
  lil_error e;
  small_valid(&data, &size);
  ck_assert_int_eq(open_copy(data, size, &e), LIL_OK);
  for (size_t n = 0; n < size; n++) {
    lil_status st = open_copy(data, n, &e);
    ck_assert_msg(st == LIL_ERR_FORMAT, "prefix %zu: %s %s", n, lil_status_name(st), e.msg);
  }
  free(data);
}
END_TEST

START_TEST(test_bad_header) {
  void *data;
  size_t size;
  lil_error e;
  small_valid(&data, &size);
  uint8_t *p = data;
  p[0] = 'X';
  ck_assert_int_eq(open_copy(p, size, &e), LIL_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(e.msg, "magic"));
  p[0] = 'G';
  uint32_t v = 1;
  memcpy(p + 4, &v, 4);
  ck_assert_int_eq(open_copy(p, size, &e), LIL_ERR_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(e.msg, "version 1"));
  v = 4;
  memcpy(p + 4, &v, 4);
  ck_assert_int_eq(open_copy(p, size, &e), LIL_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(e.msg, "version 4"));
  v = 0x03000000; /* big-endian v3 */
  memcpy(p + 4, &v, 4);
  ck_assert_int_eq(open_copy(p, size, &e), LIL_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(e.msg, "big-endian"));
  v = 2;
  memcpy(p + 4, &v, 4);
  ck_assert_int_eq(open_copy(p, size, &e), LIL_OK); /* v2 has the same layout */

  const uint64_t huge[] = {UINT64_MAX, 1ull << 40, size / 13 + 1};
  for (int i = 0; i < 3; i++) {
    uint64_t orig;
    memcpy(&orig, p + 8, 8);
    memcpy(p + 8, &huge[i], 8);
    ck_assert_int_eq(open_copy(p, size, &e), LIL_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(e.msg, "tensor count"));
    memcpy(p + 8, &orig, 8);
    memcpy(&orig, p + 16, 8);
    memcpy(p + 16, &huge[i], 8);
    ck_assert_int_eq(open_copy(p, size, &e), LIL_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(e.msg, "kv count"));
    memcpy(p + 16, &orig, 8);
  }
  free(data);
}
END_TEST

START_TEST(test_huge_string_length) {
  lil_gguf_writer *w = new_writer();
  uint8_t value[16] = {0};
  uint64_t len = UINT64_MAX - 3;
  memcpy(value, &len, 8);
  lil_gguf_writer_add_u32(w, "ok.key", 1, NULL);
  lil_gguf_writer_add_raw_kv(w, "general.name", LIL_GGUF_STRING, value, sizeof(value), NULL);
  expect(w, LIL_ERR_FORMAT, "'general.name'", "length");

  /* A key length beyond the spec limit, and a key with a NUL byte. */
  w = new_writer();
  lil_gguf_writer_add_string_n(w, "x", "abc", 3, NULL);
  void *data;
  size_t size;
  lil_error e;
  lil_gguf_writer_to_memory(w, &data, &size, NULL);
  lil_gguf_writer_free(w);
  uint64_t klen = 70000;
  memcpy((uint8_t *)data + 24, &klen, 8);
  ck_assert_int_eq(open_copy(data, size, &e), LIL_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(e.msg, "key #0"));
  klen = 1;
  memcpy((uint8_t *)data + 24, &klen, 8);
  ((uint8_t *)data)[32] = 0;
  ck_assert_int_eq(open_copy(data, size, &e), LIL_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(e.msg, "NUL"));
  free(data);
}
END_TEST

START_TEST(test_huge_array_length) {
  static const uint32_t elem_types[] = {LIL_GGUF_UINT8, LIL_GGUF_FLOAT64, LIL_GGUF_STRING, LIL_GGUF_ARRAY};
  static const uint64_t counts[] = {UINT64_MAX, UINT64_MAX / 8 + 1, 1ull << 32, 1000};
  for (int t = 0; t < 4; t++)
    for (int c = 0; c < 4; c++) {
      lil_gguf_writer *w = new_writer();
      uint8_t value[12 + 16] = {0};
      memcpy(value, &elem_types[t], 4);
      memcpy(value + 4, &counts[c], 8);
      lil_gguf_writer_add_raw_kv(w, "tokenizer.ggml.tokens", LIL_GGUF_ARRAY, value, sizeof(value), NULL);
      expect(w, LIL_ERR_FORMAT, "'tokenizer.ggml.tokens'", NULL);
    }
  /* Unknown element type and unknown value type. */
  lil_gguf_writer *w = new_writer();
  uint8_t value[12] = {13, 0, 0, 0, 1};
  lil_gguf_writer_add_raw_kv(w, "arr", LIL_GGUF_ARRAY, value, sizeof(value), NULL);
  expect(w, LIL_ERR_FORMAT, "'arr'", "element type 13");
  w = new_writer();
  lil_gguf_writer_add_raw_kv(w, "weird", 77, value, 4, NULL);
  expect(w, LIL_ERR_FORMAT, "'weird'", "value type 77");
}
END_TEST

/* Array of arrays: [[1,2],[],["x"]] is accepted and reported as an array of arrays; nesting deeper
 * than the limit is rejected. */
START_TEST(test_array_of_arrays) {
  uint8_t v[256];
  size_t n = 0;
#define PUT(x, bytes)                 \
  do {                                \
    uint64_t tmp_ = (x);              \
    memcpy(v + n, &tmp_, bytes);      \
    n += bytes;                       \
  } while (0)
  PUT(LIL_GGUF_ARRAY, 4);
  PUT(3, 8);
  PUT(LIL_GGUF_UINT16, 4); PUT(2, 8); PUT(1, 2); PUT(2, 2);
  PUT(LIL_GGUF_INT64, 4); PUT(0, 8);
  PUT(LIL_GGUF_STRING, 4); PUT(1, 8); PUT(1, 8); v[n++] = 'x';
  lil_gguf_writer *w = new_writer();
  lil_gguf_writer_add_raw_kv(w, "nested", LIL_GGUF_ARRAY, v, n, NULL);
  lil_gguf_writer_add_u32(w, "after", 7, NULL);
  void *data;
  size_t size;
  lil_gguf *g;
  lil_error e = {0};
  lil_gguf_writer_to_memory(w, &data, &size, NULL);
  lil_gguf_writer_free(w);
  ck_assert_int_eq(lil_gguf_open_memory(data, size, "nested.gguf", &g, &e), LIL_OK);
  lil_gguf_type et;
  uint64_t count;
  ck_assert_int_eq(lil_gguf_get_array(g, "nested", &et, &count, NULL, NULL), LIL_OK);
  ck_assert_int_eq(et, LIL_GGUF_ARRAY);
  ck_assert_uint_eq(count, 3);
  const char *s;
  uint64_t len;
  ck_assert_int_eq(lil_gguf_get_array_str(g, "nested", 0, &s, &len, &e), LIL_ERR_FORMAT);
  uint32_t after;
  ck_assert_int_eq(lil_gguf_get_u32(g, "after", &after, NULL), LIL_OK);
  ck_assert_uint_eq(after, 7);
  lil_gguf_close(g);
  free(data);

  n = 0; /* 20 levels of [[[...]]] */
  for (int i = 0; i < 19; i++) {
    PUT(LIL_GGUF_ARRAY, 4);
    PUT(1, 8);
  }
  PUT(LIL_GGUF_UINT8, 4);
  PUT(0, 8);
  w = new_writer();
  lil_gguf_writer_add_raw_kv(w, "deep", LIL_GGUF_ARRAY, v, n, NULL);
  expect(w, LIL_ERR_FORMAT, "'deep'", "nested deeper");
#undef PUT
}
END_TEST

START_TEST(test_bad_tensors) {
  lil_gguf_writer *w = new_writer();
  lil_gguf_writer_add_tensor(w, "ok", LIL_TYPE_F32, 1, (uint64_t[]){8}, NULL, NULL);
  lil_gguf_writer_add_tensor_raw(w, "blk.0.attn_q.weight", LIL_TYPE_F32, 2, (uint64_t[]){64, 64}, 32, NULL);
  expect(w, LIL_ERR_FORMAT, "tensor 'blk.0.attn_q.weight' (#1) data at offset", "extends past end of file");

  w = new_writer(); /* offset near UINT64_MAX (aligned) */
  lil_gguf_writer_add_tensor_raw(w, "over", LIL_TYPE_F32, 1, (uint64_t[]){8}, UINT64_MAX - 31, NULL);
  expect(w, LIL_ERR_FORMAT, "'over'", "overflows");

  w = new_writer(); /* misaligned */
  lil_gguf_writer_add_tensor_raw(w, "mis", LIL_TYPE_F32, 1, (uint64_t[]){8}, 4, NULL);
  lil_gguf_writer_add_data_padding(w, 64, NULL);
  expect(w, LIL_ERR_FORMAT, "'mis'", "alignment 32");

  w = new_writer();
  lil_gguf_writer_add_tensor_raw(w, "five", LIL_TYPE_F32, 5, (uint64_t[]){1, 1, 1, 1, 1}, 0, NULL);
  lil_gguf_writer_add_data_padding(w, 64, NULL);
  expect(w, LIL_ERR_FORMAT, "'five'", "n_dims 5");

  w = new_writer();
  lil_gguf_writer_add_tensor_raw(w, "zero", LIL_TYPE_F32, 2, (uint64_t[]){4, 0}, 0, NULL);
  lil_gguf_writer_add_data_padding(w, 64, NULL);
  expect(w, LIL_ERR_FORMAT, "'zero'", "ne[1] = 0");

  w = new_writer();
  lil_gguf_writer_add_tensor_raw(w, "blk.3.ffn_down.weight", LIL_TYPE_Q8_0, 2, (uint64_t[]){33, 2}, 0, NULL);
  lil_gguf_writer_add_data_padding(w, 256, NULL);
  expect(w, LIL_ERR_FORMAT, "'blk.3.ffn_down.weight'", "not a multiple of the Q8_0 block size 32");

  w = new_writer();
  lil_gguf_writer_add_tensor_raw(w, "odd.type", 99, 1, (uint64_t[]){32}, 0, NULL);
  lil_gguf_writer_add_data_padding(w, 256, NULL);
  expect(w, LIL_ERR_UNSUPPORTED, "'odd.type'", "type id 99");

  w = new_writer(); /* element count overflows */
  lil_gguf_writer_add_tensor_raw(w, "big", LIL_TYPE_F32, 3, (uint64_t[]){1 << 20, 1ull << 40, 1ull << 40}, 0, NULL);
  expect(w, LIL_ERR_FORMAT, "'big'", "overflows");

  w = new_writer(); /* byte size overflows */
  lil_gguf_writer_add_tensor_raw(w, "big2", LIL_TYPE_F32, 2, (uint64_t[]){1ull << 40, 1ull << 40}, 0, NULL);
  expect(w, LIL_ERR_FORMAT, "'big2'", "overflows");

  w = new_writer();
  lil_gguf_writer_add_tensor(w, "dup", LIL_TYPE_F32, 1, (uint64_t[]){8}, NULL, NULL);
  lil_gguf_writer_add_tensor(w, "x", LIL_TYPE_F32, 1, (uint64_t[]){8}, NULL, NULL);
  lil_gguf_writer_add_tensor(w, "dup", LIL_TYPE_F32, 1, (uint64_t[]){8}, NULL, NULL);
  expect(w, LIL_ERR_FORMAT, "tensor 'dup' (#2)", "duplicate tensor name (first defined as #0)");

  w = new_writer();
  lil_gguf_writer_add_tensor_raw(w, "a_name_that_is_much_longer_than_the_sixty_four_bytes_the_spec_allows",
                                 LIL_TYPE_F32, 1, (uint64_t[]){8}, 0, NULL);
  expect(w, LIL_ERR_FORMAT, "tensor #0", "limit of 64");
}
END_TEST

START_TEST(test_bad_keys) {
  lil_gguf_writer *w = new_writer();
  lil_gguf_writer_add_u32(w, "llama.block_count", 1, NULL);
  lil_gguf_writer_add_string(w, "general.name", "x", NULL);
  lil_gguf_writer_add_u32(w, "llama.block_count", 2, NULL);
  expect(w, LIL_ERR_FORMAT, "key 'llama.block_count' (#2)", "duplicate key (first defined as #0)");

  static const uint32_t bad_align[] = {0, 3, 48, 1u << 31};
  for (int i = 0; i < 4; i++) {
    w = new_writer();
    lil_gguf_writer_add_u32(w, "general.alignment", bad_align[i], NULL);
    expect(w, LIL_ERR_FORMAT, "'general.alignment'", "power of two");
  }
  w = new_writer();
  lil_gguf_writer_add_string(w, "general.alignment", "32", NULL);
  expect(w, LIL_ERR_FORMAT, "'general.alignment'", "expected u32");
  w = new_writer(); /* alignment 1 and 256 both work */
  lil_gguf_writer_set_alignment(w, 256, NULL);
  lil_gguf_writer_add_tensor(w, "t", LIL_TYPE_F32, 1, (uint64_t[]){3}, NULL, NULL);
  lil_gguf_writer_add_tensor(w, "u", LIL_TYPE_F32, 1, (uint64_t[]){3}, NULL, NULL);
  expect(w, LIL_OK, NULL, NULL);
}
END_TEST

/* Random bytes flipped in the header/metadata/tensor-info region of a real model, opened in place
 * from a heap buffer of its exact size; any accepted image is walked fully. */
static void walk(lil_gguf *g) {
  volatile uint8_t sink = 0;
  for (uint64_t i = 0; i < lil_gguf_key_count(g); i++) {
    const char *key = lil_gguf_key_name(g, i);
    uint64_t n, len;
    lil_gguf_type et;
    const void *d;
    const char *s;
    uint32_t u;
    float f;
    lil_gguf_get_u32(g, key, &u, NULL);
    lil_gguf_get_f32(g, key, &f, NULL);
    if (lil_gguf_get_str(g, key, &s, &len, NULL) == LIL_OK && len) sink ^= (uint8_t)s[len - 1];
    if (lil_gguf_get_array(g, key, &et, &n, &d, NULL) == LIL_OK && et == LIL_GGUF_STRING)
      for (uint64_t j = 0; j < n; j++)
        if (lil_gguf_get_array_str(g, key, j, &s, &len, NULL) == LIL_OK && len) sink ^= (uint8_t)s[len - 1];
  }
  for (uint64_t i = 0; i < lil_gguf_tensor_count(g); i++) {
    const lil_gguf_tensor *t = lil_gguf_tensor_at(g, i);
    sink ^= ((const uint8_t *)t->data)[0] ^ ((const uint8_t *)t->data)[t->size - 1];
  }
  (void)sink;
}

static void mutate_loop(uint8_t *buf, size_t size, size_t region, int iters, uint64_t *rng) {
  uint8_t *orig = malloc(size);
  memcpy(orig, buf, size);
  int accepted = 0;
  for (int it = 0; it < iters; it++) {
    size_t pos[8];
    int n = 1 + (int)(test_rand_u32(rng) % 8);
    for (int k = 0; k < n; k++) {
      pos[k] = test_rand_u32(rng) % region;
      uint32_t r = test_rand_u32(rng);
      buf[pos[k]] = (r & 3) == 0 ? 0xff : (r & 3) == 1 ? 0 : (uint8_t)(r >> 8);
    }
    lil_gguf *g = NULL;
    lil_error e = {0};
    if (lil_gguf_open_memory(buf, size, "fuzz", &g, &e) == LIL_OK) {
      accepted++;
      walk(g);
      lil_gguf_close(g);
    } else {
      ck_assert(e.msg[0] != 0);
    }
    for (int k = 0; k < n; k++) buf[pos[k]] = orig[pos[k]];
  }
  ck_assert_int_eq(memcmp(buf, orig, size), 0);
  free(orig);
  fprintf(stderr, "mutations: %d of %d images accepted (and walked)\n", accepted, iters);
}

START_TEST(test_mutations_stories) {
  size_t size;
  uint8_t *buf = (uint8_t *)test_read_file(test_source_path("assets/stories260K.gguf"), &size);
  ck_assert_ptr_nonnull(buf);
  lil_gguf *g;
  ck_assert_int_eq(lil_gguf_open_memory(buf, size, "stories", &g, NULL), LIL_OK);
  size_t region = (size_t)lil_gguf_data_offset(g);
  lil_gguf_close(g);
  uint64_t rng = test_seed();
  mutate_loop(buf, size, region, 2000, &rng);
  mutate_loop(buf, size, 64, 500, &rng); /* the header and first keys, densely */
  free(buf);
}
END_TEST

START_TEST(test_mutations_small) {
  void *data;
  size_t size;
  small_valid(&data, &size);
  uint64_t rng = test_seed() + 1;
  mutate_loop(data, size, size, 3000, &rng);
  free(data);
}
END_TEST

int main(void) {
  Suite *s = suite_create("gguf_hostile");
  TCase *tc = tcase_create("hostile");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_every_prefix_fails);
  tcase_add_test(tc, test_bad_header);
  tcase_add_test(tc, test_huge_string_length);
  tcase_add_test(tc, test_huge_array_length);
  tcase_add_test(tc, test_array_of_arrays);
  tcase_add_test(tc, test_bad_tensors);
  tcase_add_test(tc, test_bad_keys);
  tcase_add_test(tc, test_mutations_stories);
  tcase_add_test(tc, test_mutations_small);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
