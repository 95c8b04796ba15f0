/* A model larger than the device's memory is refused with a clear error before any upload. The
 * GGUF is real and valid: a 1-layer llama whose token embedding is declared larger than the
 * device's memory, its data a sparse hole at the end of the file (no disk space used). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lil_gguf_writer.h"
#include "lil_model.h"
#include "test_common.h"
#include "test_vk_common.h"

#define E 64
#define FF 128

static void write_huge_llama(const char *path, uint64_t n_vocab) {
  lil_gguf_writer *w;
  lil_error e = {0};
  ck_assert_int_eq(lil_gguf_writer_create(3, &w, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_string(w, "general.architecture", "llama", &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_u32(w, "llama.context_length", 256, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_u32(w, "llama.embedding_length", E, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_u32(w, "llama.block_count", 1, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_u32(w, "llama.feed_forward_length", FF, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_u32(w, "llama.attention.head_count", 4, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_u32(w, "llama.attention.head_count_kv", 4, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_add_f32(w, "llama.attention.layer_norm_rms_epsilon", 1e-5f, &e), LIL_OK);
  const uint64_t v1[1] = {E}, sq[2] = {E, E}, up[2] = {E, FF}, down[2] = {FF, E};
  const struct {
    const char *name;
    uint32_t n;
    const uint64_t *ne;
  } t[] = {{"output_norm.weight", 1, v1},       {"blk.0.attn_norm.weight", 1, v1}, {"blk.0.attn_q.weight", 2, sq},
           {"blk.0.attn_k.weight", 2, sq},      {"blk.0.attn_v.weight", 2, sq},    {"blk.0.attn_output.weight", 2, sq},
           {"blk.0.ffn_norm.weight", 1, v1},    {"blk.0.ffn_gate.weight", 2, up},  {"blk.0.ffn_up.weight", 2, up},
           {"blk.0.ffn_down.weight", 2, down}};
  uint64_t data = 0;
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    ck_assert_int_eq(lil_gguf_writer_add_tensor(w, t[i].name, LIL_TYPE_F32, t[i].n, t[i].ne, NULL, &e), LIL_OK);
    data += (t[i].n == 1 ? E : t[i].ne[0] * t[i].ne[1]) * 4;
    data = (data + 31) / 32 * 32;
  }
  /* the tied embedding (and output), declared after the small tensors, data in a sparse tail */
  const uint64_t emb[2] = {E, n_vocab};
  ck_assert_int_eq(lil_gguf_writer_add_tensor_raw(w, "token_embd.weight", LIL_TYPE_F32, 2, emb, data, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_writer_write_file(w, path, &e), LIL_OK);
  lil_gguf_writer_free(w);
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  /* file end = data section start + data; extend past the embedding's end (sparse) */
  ck_assert_int_eq(truncate(path, st.st_size + (off_t)(E * n_vocab * 4) + 4096), 0);
}

START_TEST(test_model_larger_than_device) {
  lil_ctx *ctx = test_ctx_create();
  uint64_t have = lil_ctx_plan(ctx)->device_local_bytes;
  char path[256];
  snprintf(path, sizeof(path), "/tmp/lil-huge-%d.gguf", (int)getpid());
  uint64_t n_vocab = have / (E * 4) + 1024; /* just over the device's memory */
  write_huge_llama(path, n_vocab);
  lil_model *m = NULL;
  lil_error e = {0};
  lil_model_options o;
  lil_model_options_default(&o);
  o.progress = 0;
  uint64_t before = lil_ctx_device_bytes(ctx);
  ck_assert_int_eq(lil_model_load(ctx, path, &o, &m, &e), LIL_ERR_OUT_OF_MEMORY);
  ck_assert_ptr_null(m);
  ck_assert_msg(strstr(e.msg, "model needs") && strstr(e.msg, "the device has"), "%s", e.msg);
  ck_assert_uint_eq(lil_ctx_device_bytes(ctx), before); /* nothing was uploaded */
  unlink(path);
  test_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("model_oom");
  TCase *tc = tcase_create("oom");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_model_larger_than_device);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
