/* Small helpers for the ops suites: one-op sequences and float buffers. */
#ifndef LIL_TEST_OPS_UTIL_H
#define LIL_TEST_OPS_UTIL_H

#include <check.h>
#include <stdlib.h>

#include "lil_vk.h"
#include "test_common.h"
#include "test_vk_common.h"

static inline lil_binding tb(lil_buffer *b) { return (lil_binding){b, 0, 0}; }

static inline lil_seq *test_seq(lil_ctx *ctx) {
  lil_seq *s = NULL;
  lil_error err = {0};
  if (lil_seq_create(ctx, &s, &err)) ck_abort_msg("lil_seq_create: %s", err.msg);
  return s;
}

static inline void test_run_free(lil_seq *s) {
  lil_error err = {0};
  if (lil_seq_run(s, &err)) ck_abort_msg("lil_seq_run: %s", err.msg);
  lil_seq_free(s);
}

/* Runs an op call; the caller declares `lil_error err`. */
#define TEST_OK(call)                                                                                              \
  do {                                                                                                             \
    lil_status st_ = (call);                                                                                       \
    ck_assert_msg(st_ == LIL_OK, "%s failed: %s", #call, err.msg);                                                 \
  } while (0)

static inline float *test_rand_floats(uint64_t *rng, size_t n, float lo, float hi) {
  float *v = malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(v);
  for (size_t i = 0; i < n; i++) v[i] = test_rand_uniform(rng, lo, hi);
  return v;
}

/* A device buffer holding n floats (at least 16 bytes), filled with v (or poisoned when v is NULL). */
static inline lil_buffer *test_floats_buffer(lil_ctx *ctx, const float *v, size_t n) {
  lil_buffer *b = test_buffer(ctx, LIL_MEM_ACTIVATIONS, n * 4 < 16 ? 16 : n * 4);
  test_poison(b);
  if (v) test_upload(b, v, n * 4);
  return b;
}

#endif
