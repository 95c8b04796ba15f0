/* Shared helpers for the Check suites. */
#ifndef LIL_TEST_COMMON_H
#define LIL_TEST_COMMON_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

/* Path of a test data file: tests/data/ as the build prepares it ($LIL_TEST_DATA, default the build
 * tree's tests/data: the compressed files unpacked, the others copied; tests/data/README.md), or of a
 * file in the source tree ($LIL_SOURCE_ROOT). The result is a static buffer valid until the next call. */
const char *test_data_path(const char *rel);
const char *test_source_path(const char *rel);
/* Reads a whole file (malloc'ed, NUL-terminated); NULL on error. */
char *test_read_file(const char *path, size_t *size);
/* Fresh random inputs: a seeded xorshift so a failure can be reproduced with $LIL_TEST_SEED. */
uint64_t test_seed(void);
uint32_t test_rand_u32(uint64_t *state);
float test_rand_uniform(uint64_t *state, float lo, float hi);
/* A suite's main(): runs every test of s (CK_NORMAL output; Check's fork mode and timeouts as the
 * CK_* environment variables and the suite's tcases set them), frees the runner and with it s, and
 * returns the exit status: EXIT_SUCCESS when every test passed, else EXIT_FAILURE. */
int test_run_suite(Suite *s);

#endif
