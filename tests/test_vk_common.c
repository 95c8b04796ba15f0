#include "test_vk_common.h"

#include <check.h>
#include <stdio.h>

lil_ctx *test_ctx_create_opts(const lil_ctx_options *o) {
  lil_ctx_options def;
  lil_ctx_options_default(&def);
  def.validation = 1;
  /* the exact F32-activation decode matvecs on every device (the automatic 8-bit-activation path
   * of accelerated integer dot products is tested where a test asks for it) */
  def.matvec_x8 = 0;
  lil_ctx_options opts = o ? *o : def;
  opts.validation = 1;
  lil_ctx *ctx = NULL;
  lil_error err = {0};
  if (lil_ctx_create(&opts, &ctx, &err)) ck_abort_msg("lil_ctx_create: %s", err.msg);
  return ctx;
}

lil_ctx *test_ctx_create(void) { return test_ctx_create_opts(NULL); }

void test_ctx_free(lil_ctx *ctx) {
  uint32_t n = lil_ctx_validation_messages(ctx);
  lil_ctx_free(ctx);
  ck_assert_msg(n == 0, "%u Vulkan validation message(s) (printed above)", n);
}

lil_buffer *test_buffer(lil_ctx *ctx, lil_mem_role role, uint64_t size) {
  lil_buffer *b = NULL;
  lil_error err = {0};
  if (lil_buffer_create(ctx, role, size, "test", &b, &err)) ck_abort_msg("lil_buffer_create: %s", err.msg);
  return b;
}

void test_upload(lil_buffer *b, const void *src, uint64_t n) {
  lil_error err = {0};
  if (lil_buffer_upload(b, 0, src, n, &err)) ck_abort_msg("upload: %s", err.msg);
}

void test_download(lil_buffer *b, void *dst, uint64_t n) {
  lil_error err = {0};
  if (lil_buffer_download(b, 0, dst, n, &err)) ck_abort_msg("download: %s", err.msg);
}

void test_poison(lil_buffer *b) {
  lil_error err = {0};
  if (lil_buffer_fill(b, 0, lil_buffer_size(b) & ~3ull, 0x7fc0deadu, &err)) ck_abort_msg("poison: %s", err.msg);
}

lil_kernel *test_kernel(lil_ctx *ctx, const lil_kernel_desc *d) {
  lil_kernel *k = NULL;
  lil_error err = {0};
  if (lil_kernel_get(ctx, d, &k, &err)) ck_abort_msg("kernel %s: %s", d->shader, err.msg);
  return k;
}
