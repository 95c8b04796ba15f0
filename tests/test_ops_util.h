/* Small helpers for the ops suites: one-op sequences and float buffers. */
#ifndef LIL_TEST_OPS_UTIL_H
#define LIL_TEST_OPS_UTIL_H

#include <check.h>
#include <stdlib.h>

#include "lil_quant.h"
#include "lil_vk.h"
#include "lil_weight.h"
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

/* A context with the optional paths in `disable` turned off (lil_ctx_options.disable). */
static inline lil_ctx *test_ctx_without(const char *disable) {
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  o.disable = disable;
  return test_ctx_create_opts(&o);
}

/* Contexts without 16-bit storage (the generic matvec.comp for every type) and without subgroup
 * arithmetic (shared-memory reductions), checked to have taken effect. */
static inline lil_ctx *test_ctx_no_storage16(void) {
  lil_ctx *ctx = test_ctx_without("storage16");
  ck_assert_uint_eq(lil_ctx_plan(ctx)->use_storage16, 0);
  return ctx;
}
static inline lil_ctx *test_ctx_no_subgroup(void) {
  lil_ctx *ctx = test_ctx_without("subgroup");
  ck_assert_uint_eq(lil_ctx_plan(ctx)->use_subgroup_arith, 0);
  return ctx;
}

/* Random weights of type (uniform in [-1, 1] before quantization): host bytes of rows x cols as
 * GGUF stores them, and their dequantized floats in *deq (what quantized kernels are compared to). */
static inline uint8_t *test_make_weights(uint32_t type, uint32_t rows, uint32_t cols, uint64_t *rng, float **deq) {
  uint64_t rb = lil_type_row_bytes(type, cols);
  ck_assert_uint_gt(rb, 0);
  uint8_t *q = malloc(rows * rb + 16);
  float *f = malloc((size_t)cols * 4);
  *deq = malloc((size_t)rows * cols * 4);
  for (uint32_t r = 0; r < rows; r++) {
    for (uint32_t c = 0; c < cols; c++) f[c] = test_rand_uniform(rng, -1.0f, 1.0f);
    ck_assert_int_eq(lil_quantize_row(type, f, q + r * rb, cols, NULL), LIL_OK);
    ck_assert_int_eq(lil_dequantize_row(type, q + r * rb, *deq + (size_t)r * cols, cols, NULL), LIL_OK);
  }
  free(f);
  return q;
}

/* The device weight of those bytes, in parts of at most max_part bytes (0: the plan's limits). */
static inline lil_weight *test_upload_weight(lil_ctx *ctx, uint32_t type, uint32_t rows, uint32_t cols, const uint8_t *q,
                                             uint64_t max_part) {
  lil_weight_options o = {.max_part_bytes = max_part, .name = "test-w"};
  lil_weight *w = NULL;
  lil_error err = {0};
  if (lil_weight_create(ctx, type, rows, cols, q, &o, &w, &err)) ck_abort_msg("weight: %s", err.msg);
  return w;
}

/* A context with the integer-dot decode matvecs forced on, x quantized inside the matvec (inline
 * 1: Q8_0 / Q4_0, 2: Q4_K / Q6_K too), checked to have taken effect (lavapipe has
 * shaderIntegerDotProduct). */
static inline lil_ctx *test_ctx_x8i(int inl) {
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  o.matvec_x8 = 1;
  o.matvec_x8_inline = inl;
  lil_ctx *ctx = test_ctx_create_opts(&o);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->use_int_dot, 1);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->use_matvec_x8, 1);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->matvec_x8_inline, (uint32_t)inl);
  return ctx;
}

/* The quantization group of element k of a row in the inline-x8 matvec (each thread's own scale,
 * shaders/matvec_q16.comp -DX8_INLINE): Q8_0 k / 8; Q4_0 block k / 32, part (k % 16) / 4; Q4_K: the
 * 16 elements of a sub-block one thread reads (super-block, chunk of 64, low / high 32, half of 16);
 * Q6_K: groups of 8 (super-block, half of 128, group g of 32, eighth of 32). */
static inline size_t test_x8i_slice_of(uint32_t type, size_t k) {
  size_t sb = k / 256, e = k % 256;
  switch (type) {
  case LIL_TYPE_Q8_0: return k / 8;
  case LIL_TYPE_Q4_0: return (k / 32) * 4 + (k % 16) / 4;
  case LIL_TYPE_Q4_K: return sb * 16 + (e / 64) * 4 + ((e % 64) / 32) * 2 + (e % 32) / 16;
  default: return sb * 32 + (e / 128) * 16 + ((e % 128) / 32) * 4 + (e % 32) / 8;
  }
}

#endif
