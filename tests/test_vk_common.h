/* Vulkan helpers for the Check suites: every context has the validation layer on, and freeing it
 * fails the test if any validation message was seen. */
#ifndef LIL_TEST_VK_COMMON_H
#define LIL_TEST_VK_COMMON_H

#include <stdint.h>

#include "lil_vk.h"

/* A context on the default device (lavapipe in CI) with validation on; ck_abort on failure. */
lil_ctx *test_ctx_create(void);
lil_ctx *test_ctx_create_opts(const lil_ctx_options *o);
/* Asserts no validation message was seen, then frees. */
void test_ctx_free(lil_ctx *ctx);

/* Buffer helpers (abort the test on failure). */
lil_buffer *test_buffer(lil_ctx *ctx, lil_mem_role role, uint64_t size);
void test_upload(lil_buffer *b, const void *src, uint64_t n);
void test_download(lil_buffer *b, void *dst, uint64_t n);
/* Fills a buffer with a NaN pattern (0x7fc0dead) so unwritten outputs are caught. */
void test_poison(lil_buffer *b);
lil_kernel *test_kernel(lil_ctx *ctx, const lil_kernel_desc *d);

#endif
