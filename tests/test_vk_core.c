/* The Vulkan core on the default device (lavapipe in CI) with validation on: kernels against CPU
 * results, replay, barriers, binding limits, allocation errors, pipeline cache, selection. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_common.h"
#include "test_vk_common.h"

static uint64_t rng;

static lil_kernel *copy_kernel(lil_ctx *ctx) {
  lil_kernel_desc d = {.shader = "copy_vec4", .n_bindings = 2, .push_size = 4, .n_spec = 1, .spec = {64}};
  return test_kernel(ctx, &d);
}

START_TEST(test_copy_kernel) {
  lil_ctx *ctx = test_ctx_create();
  const uint32_t n4 = 1237; /* not a multiple of the workgroup */
  float *src = malloc(n4 * 16), *dst = malloc(n4 * 16);
  for (uint32_t i = 0; i < n4 * 4; i++) src[i] = test_rand_uniform(&rng, -1, 1);
  lil_buffer *a = test_buffer(ctx, LIL_MEM_ACTIVATIONS, n4 * 16), *b = test_buffer(ctx, LIL_MEM_ACTIVATIONS, n4 * 16 + 64);
  test_upload(a, src, n4 * 16);
  test_poison(b);
  lil_seq *s = NULL;
  lil_error err = {0};
  ck_assert_int_eq(lil_seq_create(ctx, &s, &err), LIL_OK);
  lil_binding bb[2] = {{a, 0, 0}, {b, 0, n4 * 16}};
  ck_assert_int_eq(lil_seq_dispatch(s, copy_kernel(ctx), bb, 2, 2, &n4, 4, 7, 1, 1, "copy", &err), LIL_OK);
  ck_assert_int_eq(lil_seq_run(s, &err), LIL_OK);
  test_download(b, dst, n4 * 16);
  ck_assert_int_eq(memcmp(src, dst, n4 * 16), 0);
  uint32_t tail[16];
  ck_assert_int_eq(lil_buffer_download(b, n4 * 16, tail, 64, &err), LIL_OK);
  for (int i = 0; i < 16; i++) ck_assert_uint_eq(tail[i], 0x7fc0deadu); /* past n: untouched */
  /* the descriptor layout's size: the device's limits, at most LIL_MAX_BINDINGS (16 on lavapipe and
   * NVIDIA); a kernel wanting more is refused with a message, not a Vulkan error */
  uint32_t mb = lil_ctx_max_bindings(ctx);
  ck_assert_uint_ge(mb, 8);
  ck_assert_uint_le(mb, LIL_MAX_BINDINGS);
  lil_kernel_desc wide = {.shader = "copy_vec4", .n_bindings = mb + 1, .push_size = 4, .n_spec = 1, .spec = {64}};
  lil_kernel *kw = NULL;
  ck_assert_int_eq(lil_kernel_get(ctx, &wide, &kw, &err), LIL_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(err.msg, "bindings"));
  lil_seq_free(s);
  lil_buffer_free(a);
  lil_buffer_free(b);
  free(src);
  free(dst);
  test_ctx_free(ctx);
}
END_TEST

/* required: subgroups of exactly this many lanes (lil_kernel_desc.subgroup_size), 0 the driver's */
static void check_reduce(const char *shader, uint32_t required) {
  lil_ctx *ctx = test_ctx_create();
  if (!strcmp(shader, "reduce_sum_subgroup") && !lil_ctx_plan(ctx)->use_subgroup_arith) {
    test_ctx_free(ctx);
    return;
  }
  const uint32_t n = 10007, chunk = 1000, groups = (n + chunk - 1) / chunk;
  float *x = malloc(n * 4), out[16];
  for (uint32_t i = 0; i < n; i++) x[i] = test_rand_uniform(&rng, -1, 1);
  lil_buffer *in = test_buffer(ctx, LIL_MEM_ACTIVATIONS, n * 4), *part = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 64);
  test_upload(in, x, n * 4);
  test_poison(part);
  uint32_t wg = 4 * lil_ctx_plan(ctx)->subgroup_size;
  lil_kernel_desc d = {.shader = shader, .n_bindings = 2, .push_size = 8, .n_spec = 1, .spec = {wg},
                       .subgroup_size = required};
  uint32_t push[2] = {n, chunk};
  lil_seq *s = NULL;
  lil_error err = {0};
  ck_assert_int_eq(lil_seq_create(ctx, &s, &err), LIL_OK);
  lil_binding bb[2] = {{in, 0, 0}, {part, 0, 0}};
  ck_assert_int_eq(lil_seq_dispatch(s, test_kernel(ctx, &d), bb, 2, 2, push, 8, groups, 1, 1, NULL, &err), LIL_OK);
  ck_assert_int_eq(lil_seq_run(s, &err), LIL_OK);
  test_download(part, out, 64);
  for (uint32_t g = 0; g < groups; g++) {
    double ref = 0, mag = 0;
    for (uint32_t i = g * chunk; i < n && i < (g + 1) * chunk; i++) ref += x[i], mag += fabs(x[i]);
    ck_assert_msg(fabs(out[g] - ref) <= 1e-5 * mag + 1e-6, "%s group %u: %g vs %g", shader, g, out[g], ref);
  }
  ck_assert_uint_eq(((uint32_t *)out)[groups], 0x7fc0deadu);
  lil_seq_free(s);
  lil_buffer_free(in);
  lil_buffer_free(part);
  free(x);
  test_ctx_free(ctx);
}

START_TEST(test_reduce_shared) { check_reduce("reduce_sum", 0); }
END_TEST
START_TEST(test_reduce_subgroup) { check_reduce("reduce_sum_subgroup", 0); }
END_TEST

/* A required subgroup size (how AMD's wave64 devices get the cooperative-matrix kernels' subgroups
 * of 32): the device's own size where it can be required (lavapipe: 8 of 8..8) gives the same sums;
 * a size outside the device's range, or a workgroup not made of full subgroups, is refused. */
START_TEST(test_required_subgroup) {
  lil_ctx *ctx = test_ctx_create();
  const lil_device_snapshot *s = lil_ctx_snapshot(ctx);
  const uint32_t size = lil_ctx_plan(ctx)->subgroup_size;
  const int can = lil_plan_required_subgroup(s, size) == size && lil_ctx_plan(ctx)->use_subgroup_size_control;
  lil_kernel_desc d = {.shader = "reduce_sum", .n_bindings = 2, .push_size = 8, .n_spec = 1,
                       .spec = {4 * size}, .subgroup_size = s->max_subgroup_size * 2};
  lil_kernel *k = NULL;
  lil_error err = {0};
  ck_assert_int_eq(lil_kernel_get(ctx, &d, &k, &err), LIL_ERR_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(err.msg, "cannot be required"));
  if (can) {
    d.subgroup_size = size;
    d.spec[0] = 4 * size + size / 2;
    ck_assert_int_eq(lil_kernel_get(ctx, &d, &k, &err), size > 1 ? LIL_ERR_INVALID_ARG : LIL_OK);
    if (size > 1) ck_assert_ptr_nonnull(strstr(err.msg, "full subgroups"));
  }
  test_ctx_free(ctx);
  if (can) {
    check_reduce("reduce_sum", size);
    check_reduce("reduce_sum_subgroup", size);
  }
}
END_TEST

/* A chain a -> b -> c -> a recorded once and replayed 100 times: barriers between dependent
 * dispatches, and identical results on every replay. */
START_TEST(test_replay_100) {
  lil_ctx *ctx = test_ctx_create();
  const uint32_t n4 = 333;
  float *src = malloc(n4 * 16), *dst = malloc(n4 * 16);
  for (uint32_t i = 0; i < n4 * 4; i++) src[i] = test_rand_uniform(&rng, -10, 10);
  lil_buffer *a = test_buffer(ctx, LIL_MEM_ACTIVATIONS, n4 * 16), *b = test_buffer(ctx, LIL_MEM_ACTIVATIONS, n4 * 16),
             *c = test_buffer(ctx, LIL_MEM_READBACK, n4 * 16);
  test_upload(a, src, n4 * 16);
  lil_seq *s = NULL;
  lil_error err = {0};
  ck_assert_int_eq(lil_seq_create(ctx, &s, &err), LIL_OK);
  lil_kernel *k = copy_kernel(ctx);
  lil_binding ab[2] = {{a, 0, 0}, {b, 0, 0}}, bc[2] = {{b, 0, 0}, {c, 0, 0}}, ca[2] = {{c, 0, 0}, {a, 0, 0}};
  ck_assert_int_eq(lil_seq_dispatch(s, k, ab, 2, 2, &n4, 4, 2, 1, 1, "a->b", &err), LIL_OK);
  ck_assert_int_eq(lil_seq_dispatch(s, k, bc, 2, 2, &n4, 4, 3, 1, 1, "b->c", &err), LIL_OK);
  ck_assert_int_eq(lil_seq_dispatch(s, k, ca, 2, 2, &n4, 4, 5, 1, 1, "c->a", &err), LIL_OK);
  ck_assert_uint_eq(lil_seq_dispatch_count(s), 3);
  for (int r = 0; r < 100; r++) {
    memset(lil_buffer_host(c), 0xff, n4 * 16);
    ck_assert_int_eq(lil_seq_run(s, &err), LIL_OK);
    ck_assert_msg(memcmp(lil_buffer_host(c), src, n4 * 16) == 0, "replay %d differs", r);
  }
  test_download(a, dst, n4 * 16);
  ck_assert_int_eq(memcmp(dst, src, n4 * 16), 0);
  /* recording after a run needs a reset */
  ck_assert_int_eq(lil_seq_dispatch(s, k, ab, 2, 2, &n4, 4, 2, 1, 1, NULL, &err), LIL_ERR_INVALID_ARG);
  lil_seq_reset(s);
  ck_assert_int_eq(lil_seq_dispatch(s, k, ab, 2, 2, &n4, 4, 2, 1, 1, NULL, &err), LIL_OK);
  ck_assert_int_eq(lil_seq_run(s, &err), LIL_OK);
  lil_seq_free(s);
  lil_buffer_free(a);
  lil_buffer_free(b);
  lil_buffer_free(c);
  free(src);
  free(dst);
  test_ctx_free(ctx);
}
END_TEST

/* Sequences longer than max_dispatches_per_submit are split into several submits. */
START_TEST(test_long_sequence_split) {
  lil_ctx *ctx = test_ctx_create();
  uint32_t n_disp = lil_ctx_plan(ctx)->max_dispatches_per_submit * 2 + 5, n4 = 16;
  float src[64], dst[64];
  for (int i = 0; i < 64; i++) src[i] = (float)i;
  lil_buffer *a = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 256), *b = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 256);
  test_upload(a, src, 256);
  lil_seq *s = NULL;
  lil_error err = {0};
  ck_assert_int_eq(lil_seq_create(ctx, &s, &err), LIL_OK);
  lil_kernel *k = copy_kernel(ctx);
  for (uint32_t i = 0; i < n_disp; i++) {
    lil_binding bb[2] = {{i & 1 ? b : a, 0, 0}, {i & 1 ? a : b, 0, 0}};
    ck_assert_int_eq(lil_seq_dispatch(s, k, bb, 2, 2, &n4, 4, 1, 1, 1, NULL, &err), LIL_OK);
  }
  ck_assert_int_eq(lil_seq_run(s, &err), LIL_OK);
  test_download(b, dst, 256); /* odd count: last copy was a -> b */
  ck_assert_int_eq(memcmp(src, dst, 256), 0);
  lil_seq_free(s);
  lil_buffer_free(a);
  lil_buffer_free(b);
  test_ctx_free(ctx);
}
END_TEST

/* A binding over maxStorageBufferRange is refused (the caller splits); rows-per-binding says how. */
START_TEST(test_binding_split) {
  lil_ctx *ctx = test_ctx_create();
  const lil_device_plan *p = lil_ctx_plan(ctx);
  uint64_t size = p->max_binding + 4096;
  if (size > p->max_block) {
    test_ctx_free(ctx);
    return; /* a device whose largest binding equals its largest block cannot be over-bound */
  }
  lil_buffer *big = test_buffer(ctx, LIL_MEM_ACTIVATIONS, size), *out = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 4096);
  lil_seq *s = NULL;
  lil_error err = {0};
  ck_assert_int_eq(lil_seq_create(ctx, &s, &err), LIL_OK);
  uint32_t n4 = 256;
  lil_binding over[2] = {{big, 0, 0}, {out, 0, 0}};
  ck_assert_int_eq(lil_seq_dispatch(s, copy_kernel(ctx), over, 2, 2, &n4, 4, 1, 1, 1, NULL, &err), LIL_ERR_RANGE);
  ck_assert_ptr_nonnull(strstr(err.msg, "maxStorageBufferRange"));
  /* split: two bindings of at most max_binding each, rows of 4096 bytes */
  uint64_t rows = lil_max_rows_per_binding(ctx, 4096), total = size / 4096;
  ck_assert_uint_ge(rows * 4096, p->max_binding - 4095);
  ck_assert_uint_le(rows * 4096, p->max_binding);
  float marker[1024];
  for (int i = 0; i < 1024; i++) marker[i] = (float)i + 0.5f;
  ck_assert_int_eq(lil_buffer_upload(big, (total - 1) * 4096, marker, 4096, &err), LIL_OK);
  lil_binding part2[2] = {{big, rows * 4096, (total - rows) * 4096}, {out, 0, 0}};
  ck_assert_int_eq(lil_seq_dispatch(s, copy_kernel(ctx), part2, 2, 2, &n4, 4, 1, 1, 1, NULL, &err), LIL_OK);
  ck_assert_int_eq(lil_seq_run(s, &err), LIL_OK);
  lil_seq_free(s);
  lil_buffer_free(big);
  lil_buffer_free(out);
  test_ctx_free(ctx);
}
END_TEST

START_TEST(test_allocation_errors) {
  lil_ctx *ctx = test_ctx_create();
  lil_buffer *b = NULL;
  lil_error err = {0};
  uint64_t huge = lil_ctx_plan(ctx)->max_block + 1;
  ck_assert_int_eq(lil_buffer_create(ctx, LIL_MEM_WEIGHTS, huge, "too-big", &b, &err), LIL_ERR_INVALID_ARG);
  ck_assert_ptr_null(b);
  ck_assert_ptr_nonnull(strstr(err.msg, "too-big"));
  ck_assert_int_eq(lil_buffer_create(ctx, LIL_MEM_WEIGHTS, 0, "empty", &b, &err), LIL_ERR_INVALID_ARG);
  /* device bytes are accounted */
  uint64_t before = lil_ctx_device_bytes(ctx);
  b = test_buffer(ctx, LIL_MEM_WEIGHTS, 1 << 20);
  ck_assert_uint_ge(lil_ctx_device_bytes(ctx), before + (1 << 20));
  ck_assert_int_eq(lil_buffer_upload(b, (1 << 20) - 8, "0123456789", 10, &err), LIL_ERR_RANGE);
  lil_buffer_free(b);
  ck_assert_uint_eq(lil_ctx_device_bytes(ctx), before);
  ck_assert_uint_ge(lil_ctx_device_bytes_peak(ctx), before + (1 << 20));
  test_ctx_free(ctx);
}
END_TEST

static char cache_dir[256];

static int count_kernel_and_free(const char *dir) {
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  o.cache_dir = dir;
  lil_ctx *ctx = test_ctx_create_opts(&o);
  copy_kernel(ctx);
  char path[1024];
  snprintf(path, sizeof(path), "%s", lil_ctx_pipeline_cache_path(ctx));
  test_ctx_free(ctx);
  return access(path, R_OK) == 0;
}

START_TEST(test_pipeline_cache) {
  snprintf(cache_dir, sizeof(cache_dir), "/tmp/lil-test-cache-%d", (int)getpid());
  ck_assert(count_kernel_and_free(cache_dir)); /* written on exit */
  ck_assert(count_kernel_and_free(cache_dir)); /* read back (no warning) */
  /* corrupt the file: the next context ignores it and still works, then rewrites it */
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  o.cache_dir = cache_dir;
  lil_ctx *ctx = test_ctx_create_opts(&o);
  char path[1024];
  snprintf(path, sizeof(path), "%s", lil_ctx_pipeline_cache_path(ctx));
  test_ctx_free(ctx);
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  fputs("this is not a pipeline cache, just garbage of some length ....", f);
  fclose(f);
  ck_assert(count_kernel_and_free(cache_dir));
  /* a foreign header (other vendor/UUID) of the right length */
  unsigned char foreign[64] = {32, 0, 0, 0, 1, 0, 0, 0, 0xde, 0x10, 0, 0, 0x30, 0x23, 0, 0};
  f = fopen(path, "wb");
  fwrite(foreign, 1, sizeof(foreign), f);
  fclose(f);
  ck_assert(count_kernel_and_free(cache_dir));
  char cmd[512];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache_dir);
  ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_selection) {
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  lil_ctx *ctx;
  o.device = "0";
  ctx = test_ctx_create_opts(&o);
  test_ctx_free(ctx);
  o.device = "LLVMPIPE"; /* name substring, case-insensitive (lavapipe) */
  lil_error err = {0};
  o.validation = 1;
  if (lil_ctx_create(&o, &ctx, &err) == LIL_OK) test_ctx_free(ctx);
  o.device = "99";
  ck_assert_int_eq(lil_ctx_create(&o, &ctx, &err), LIL_ERR_NO_DEVICE);
  ck_assert_ptr_nonnull(strstr(err.msg, "device 99"));
  o.device = "no-such-gpu-name";
  ck_assert_int_eq(lil_ctx_create(&o, &ctx, &err), LIL_ERR_NO_DEVICE);
  ck_assert_ptr_nonnull(strstr(err.msg, "no-such-gpu-name"));
  /* the environment variable when no option is given */
  o.device = NULL;
  setenv("LIL_DEVICE", "no-such-gpu-either", 1);
  ck_assert_int_eq(lil_ctx_create(&o, &ctx, &err), LIL_ERR_NO_DEVICE);
  ck_assert_ptr_nonnull(strstr(err.msg, "no-such-gpu-either"));
  setenv("LIL_DEVICE", "0", 1);
  ctx = test_ctx_create_opts(&o);
  test_ctx_free(ctx);
  unsetenv("LIL_DEVICE");
  o.disable = "fp16,bogus";
  ck_assert_int_eq(lil_ctx_create(&o, &ctx, &err), LIL_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(err.msg, "bogus"));
  o.disable = "fp16,subgroup,coopmat";
  ctx = test_ctx_create_opts(&o);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->use_fp16, 0);
  ck_assert_uint_eq(lil_ctx_plan(ctx)->use_subgroup_arith, 0);
  test_ctx_free(ctx);
}
END_TEST

START_TEST(test_no_loader) {
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  o.loader = "/nonexistent/libvulkan.so.1";
  lil_ctx *ctx = NULL;
  lil_error err = {0};
  ck_assert_int_eq(lil_ctx_create(&o, &ctx, &err), LIL_ERR_NO_LOADER);
  ck_assert_ptr_null(ctx);
  ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/libvulkan.so.1"));
}
END_TEST

START_TEST(test_no_device) {
  /* A loader that finds no driver at all (Check forks each test, so the environment is private). */
  setenv("VK_DRIVER_FILES", "/nonexistent/icd.json", 1);
  setenv("VK_ICD_FILENAMES", "/nonexistent/icd.json", 1);
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  o.validation = 0;
  lil_ctx *ctx = NULL;
  lil_error err = {0};
  lil_status st = lil_ctx_create(&o, &ctx, &err);
  ck_assert_int_eq(st, LIL_ERR_NO_DEVICE);
  ck_assert_ptr_null(ctx);
  ck_assert_msg(strstr(err.msg, "driver") || strstr(err.msg, "device"), "%s", err.msg);
}
END_TEST

int main(void) {
  rng = test_seed();
  Suite *s = suite_create("vk_core");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_copy_kernel);
  tcase_add_test(tc, test_reduce_shared);
  tcase_add_test(tc, test_reduce_subgroup);
  tcase_add_test(tc, test_required_subgroup);
  tcase_add_test(tc, test_replay_100);
  tcase_add_test(tc, test_long_sequence_split);
  tcase_add_test(tc, test_binding_split);
  tcase_add_test(tc, test_allocation_errors);
  tcase_add_test(tc, test_pipeline_cache);
  tcase_add_test(tc, test_selection);
  tcase_add_test(tc, test_no_loader);
  tcase_add_test(tc, test_no_device);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
