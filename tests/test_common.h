/* Shared helpers for the Check suites. */
#ifndef LIL_TEST_COMMON_H
#define LIL_TEST_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Path of a file in ../shared ($LIL_SHARED) or in the source tree ($LIL_SOURCE_ROOT). The result
 * is a static buffer valid until the next call. */
const char *test_shared_path(const char *rel);
const char *test_source_path(const char *rel);
/* Reads a whole file (malloc'ed, NUL-terminated); NULL on error. */
char *test_read_file(const char *path, size_t *size);
/* Fresh random inputs: a seeded xorshift so a failure can be reproduced with $LIL_TEST_SEED. */
uint64_t test_seed(void);
uint32_t test_rand_u32(uint64_t *state);
float test_rand_uniform(uint64_t *state, float lo, float hi);

#endif
