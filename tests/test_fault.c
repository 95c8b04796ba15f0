/* Fault injection (docs/reliability.md): every buffer allocation of a model load, session creation
 * and generation fails in turn (lil_ctx_set_faults), then every queue wait reports a lost device.
 * Each run must end with the error naming the cause, every device byte given back, no validation
 * message, no leak (the ASan pass), and the context still usable (allocation) or refusing further
 * work with a clear message (lost device). */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lil_generate.h"
#include "lil_gguf.h"
#include "lil_model.h"
#include "lil_tokenizer.h"
#include "test_common.h"
#include "test_vk_common.h"

#define N_TOKENS 6

/* Loads stories260K, creates a session (window attention: pages evicted and reused), generates
 * N_TOKENS greedy tokens; every object is freed on return. ids: the generated ids when not NULL. */
static lil_status full_run(lil_ctx *ctx, int32_t *ids, lil_error *err) {
  lil_model *m = NULL;
  lil_tokenizer *tok = NULL;
  lil_session *s = NULL;
  lil_generate_result r = {0};
  lil_model_options mo;
  lil_model_options_default(&mo);
  mo.progress = 0;
  lil_status st = lil_model_load(ctx, test_source_path("assets/stories260K.gguf"), &mo, &m, err);
  if (!st) st = lil_tokenizer_create_from_gguf(lil_model_gguf(m), &tok, err);
  if (!st) {
    lil_session_options so;
    lil_session_options_default(&so);
    so.n_ctx = 64;
    so.policy.kind = LIL_ATTN_WINDOW;
    so.policy.budget = 32;
    st = lil_session_create(m, &so, &s, err);
  }
  const int32_t prompt[3] = {1, 403, 407};
  lil_generate_params gp = {.max_tokens = N_TOKENS};
  if (!st) st = lil_generate(s, tok, prompt, 3, &gp, &r, err);
  if (!st && r.n_ids != N_TOKENS) st = lil_error_set(err, LIL_ERR_RANGE, "generated %zu tokens", r.n_ids);
  if (!st && ids) memcpy(ids, r.ids, sizeof(int32_t) * N_TOKENS);
  lil_generate_result_free(&r);
  lil_session_free(s);
  lil_tokenizer_free(tok);
  lil_model_free(m);
  return st;
}

START_TEST(test_fail_every_allocation) {
  lil_ctx *ctx = test_ctx_create();
  lil_error e = {0};
  int32_t ref[N_TOKENS], ids[N_TOKENS];
  uint64_t base = lil_ctx_device_bytes(ctx), base_rb = lil_ctx_role_bytes(ctx, LIL_MEM_READBACK);
  uint32_t base_buffers = lil_ctx_buffer_count(ctx);
  lil_ctx_set_faults(ctx, 0, 0);
  ck_assert_msg(full_run(ctx, ref, &e) == LIL_OK, "%s", e.msg);
  uint32_t n = lil_ctx_alloc_count(ctx);
  ck_assert_uint_gt(n, 20); /* weights, staging, activations, KV pages, readback rings, descriptors */
  uint32_t buffers = 0;
  for (uint32_t i = 1; i <= n; i++) {
    lil_ctx_set_faults(ctx, i, 0);
    memset(&e, 0, sizeof(e));
    lil_status st = full_run(ctx, NULL, &e);
    ck_assert_msg(st == LIL_ERR_OUT_OF_MEMORY, "allocation %u/%u: status %s: %s", i, n, lil_status_name(st), e.msg);
    ck_assert_msg(strstr(e.msg, "VK_ERROR_OUT_OF_DEVICE_MEMORY, injected"), "allocation %u: %s", i, e.msg);
    buffers += strstr(e.msg, "allocating ") != NULL; /* buffer memory, else a Vulkan object (pools, sets, ...) */
    ck_assert_msg(!strchr(e.msg, '\n'), "allocation %u: not one line: %s", i, e.msg);
    ck_assert_msg(lil_ctx_device_bytes(ctx) == base, "allocation %u: %llu device bytes left behind", i,
                  (unsigned long long)(lil_ctx_device_bytes(ctx) - base));
    ck_assert_msg(lil_ctx_buffer_count(ctx) == base_buffers && lil_ctx_role_bytes(ctx, LIL_MEM_READBACK) == base_rb,
                  "allocation %u: %u buffers left behind", i, lil_ctx_buffer_count(ctx) - base_buffers);
    ck_assert_uint_ge(lil_ctx_alloc_count(ctx), i);
  }
  ck_assert_uint_gt(buffers, 20);
  ck_assert_uint_gt(n - buffers, 20);
  fprintf(stderr, "fault: each of the %u allocations failed in turn (%u buffers, %u Vulkan objects)\n", n, buffers,
          n - buffers);
  /* the context is intact: the same ids again */
  lil_ctx_set_faults(ctx, 0, 0);
  ck_assert_msg(full_run(ctx, ids, &e) == LIL_OK, "%s", e.msg);
  ck_assert_mem_eq(ids, ref, sizeof(ids));
  test_ctx_free(ctx);
}
END_TEST

START_TEST(test_device_lost_at_every_wait) {
  lil_ctx *ctx = test_ctx_create();
  lil_error e = {0};
  uint64_t base = lil_ctx_device_bytes(ctx);
  uint32_t base_buffers = lil_ctx_buffer_count(ctx);
  lil_ctx_set_faults(ctx, 0, 0);
  ck_assert_msg(full_run(ctx, NULL, &e) == LIL_OK, "%s", e.msg);
  uint32_t n = lil_ctx_wait_count(ctx);
  ck_assert_uint_gt(n, N_TOKENS); /* uploads, the prompt pass, a wait per decode step */
  uint32_t decode = 0;
  for (uint32_t i = 1; i <= n; i++) {
    lil_ctx_set_faults(ctx, 0, i);
    memset(&e, 0, sizeof(e));
    lil_status st = full_run(ctx, NULL, &e);
    ck_assert_msg(st == LIL_ERR_VULKAN, "wait %u/%u: status %s: %s", i, n, lil_status_name(st), e.msg);
    ck_assert_msg(strstr(e.msg, "was lost (VK_ERROR_DEVICE_LOST, injected"), "wait %u: %s", i, e.msg);
    ck_assert(lil_ctx_device_lost(ctx));
    if (strstr(e.msg, "decode step")) decode++;
    ck_assert_msg(lil_ctx_device_bytes(ctx) == base && lil_ctx_buffer_count(ctx) == base_buffers,
                  "wait %u: device memory left behind", i);
    /* a lost context refuses further work, naming the loss */
    memset(&e, 0, sizeof(e));
    st = full_run(ctx, NULL, &e);
    ck_assert_msg(st == LIL_ERR_VULKAN && strstr(e.msg, "was lost earlier"), "after the loss at wait %u: %s", i,
                  e.msg);
  }
  ck_assert_uint_ge(decode, N_TOKENS - 1); /* the losses in decode steps are named as such */
  fprintf(stderr, "fault: the device was lost at each of the %u queue waits in turn (%u in decode steps)\n", n,
          decode);
  lil_ctx_set_faults(ctx, 0, 0);
  ck_assert_msg(full_run(ctx, NULL, &e) == LIL_OK, "%s", e.msg);
  test_ctx_free(ctx);
}
END_TEST

typedef struct cancel_after {
  volatile sig_atomic_t flag;
  size_t after, seen;
} cancel_after;

static int set_cancel(void *user, int32_t id) {
  (void)id;
  cancel_after *c = user;
  if (++c->seen == c->after) c->flag = 1; /* as a signal handler would, between two tokens */
  return 0;
}

/* lil_generate's cancel flag: set after the 5th token, generation ends right there
 * (LIL_STOP_INTERRUPTED, 5 tokens kept); set before the call, nothing runs. */
START_TEST(test_cancel_flag) {
  lil_ctx *ctx = test_ctx_create();
  lil_error e = {0};
  lil_model *m = NULL;
  lil_tokenizer *tok = NULL;
  lil_session *s = NULL;
  lil_model_options mo;
  lil_model_options_default(&mo);
  mo.progress = 0;
  ck_assert_msg(lil_model_load(ctx, test_source_path("assets/stories260K.gguf"), &mo, &m, &e) == LIL_OK, "%s", e.msg);
  ck_assert_int_eq(lil_tokenizer_create_from_gguf(lil_model_gguf(m), &tok, &e), LIL_OK);
  ck_assert_int_eq(lil_session_create(m, NULL, &s, &e), LIL_OK);
  const int32_t prompt[1] = {1};
  cancel_after c = {.after = 5};
  lil_generate_params gp = {.max_tokens = 1000, .on_token = set_cancel, .user = &c, .cancel = &c.flag};
  lil_generate_result r;
  ck_assert_int_eq(lil_generate(s, tok, prompt, 1, &gp, &r, &e), LIL_OK);
  ck_assert_int_eq(r.stop, LIL_STOP_INTERRUPTED);
  ck_assert_str_eq(lil_stop_reason_name(r.stop), "interrupted");
  ck_assert_uint_eq(r.n_ids, 5);
  ck_assert_uint_eq(r.n_steps, 4); /* the first token came from the prompt pass */
  lil_generate_result_free(&r);
  ck_assert_int_eq(lil_session_reset(s, &e), LIL_OK);
  c.flag = 1;
  c.after = 0;
  ck_assert_int_eq(lil_generate(s, tok, prompt, 1, &gp, &r, &e), LIL_OK);
  ck_assert_int_eq(r.stop, LIL_STOP_INTERRUPTED);
  ck_assert_uint_eq(r.n_ids, 0);
  ck_assert_uint_eq(lil_session_length(s), 0); /* not even the prompt pass ran */
  lil_generate_result_free(&r);
  lil_session_free(s);
  lil_tokenizer_free(tok);
  lil_model_free(m);
  test_ctx_free(ctx);
}
END_TEST

static void copy_file(const char *from, const char *to) {
  size_t n;
  char *d = test_read_file(from, &n);
  ck_assert_ptr_nonnull(d);
  FILE *f = fopen(to, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(d, 1, n, f), n);
  ck_assert_int_eq(fclose(f), 0);
  free(d);
}

/* A mapped model file truncated, modified in place, or replaced by rename after it was opened. */
START_TEST(test_model_file_changed) {
  const char *src = test_source_path("assets/stories260K.gguf");
  char path[256], repl[300];
  snprintf(path, sizeof(path), "/tmp/lil-fault-%d.gguf", (int)getpid());
  snprintf(repl, sizeof(repl), "%s.new", path);
  lil_error e = {0};
  lil_gguf *g = NULL;
  /* truncated */
  copy_file(src, path);
  ck_assert_int_eq(lil_gguf_open(path, &g, &e), LIL_OK);
  ck_assert_int_eq(lil_gguf_check_unchanged(g, &e), LIL_OK);
  ck_assert_int_eq(truncate(path, 4096), 0);
  ck_assert_int_eq(lil_gguf_check_unchanged(g, &e), LIL_ERR_IO);
  ck_assert_msg(strstr(e.msg, path) && strstr(e.msg, "changed while it was being read") && strstr(e.msg, "now 4096"),
                "%s", e.msg);
  lil_gguf_close(g);
  /* modified in place (same size, a new modification time) */
  copy_file(src, path);
  ck_assert_int_eq(lil_gguf_open(path, &g, &e), LIL_OK);
  int fd = open(path, O_WRONLY);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(pwrite(fd, "x", 1, 100000), 1);
  const struct timespec later[2] = {{0, UTIME_OMIT}, {time(NULL) + 10, 0}};
  ck_assert_int_eq(futimens(fd, later), 0);
  close(fd);
  ck_assert_int_eq(lil_gguf_check_unchanged(g, &e), LIL_ERR_IO);
  ck_assert_msg(strstr(e.msg, "modified in place"), "%s", e.msg);
  lil_gguf_close(g);
  /* replaced by rename: the open file is intact, nothing to report */
  copy_file(src, path);
  ck_assert_int_eq(lil_gguf_open(path, &g, &e), LIL_OK);
  copy_file(src, repl);
  ck_assert_int_eq(truncate(repl, 4096), 0);
  ck_assert_int_eq(rename(repl, path), 0);
  ck_assert_int_eq(lil_gguf_check_unchanged(g, &e), LIL_OK);
  lil_gguf_close(g);
  unlink(path);
}
END_TEST

int main(void) {
  Suite *s = suite_create("fault");
  TCase *tc = tcase_create("fault");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_fail_every_allocation);
  tcase_add_test(tc, test_device_lost_at_every_wait);
  tcase_add_test(tc, test_model_file_changed);
  tcase_add_test(tc, test_cancel_flag);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
