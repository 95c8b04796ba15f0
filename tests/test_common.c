#include "test_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *join(const char *env, const char *fallback, const char *rel) {
  static char buf[4096];
  const char *root = getenv(env);
  snprintf(buf, sizeof(buf), "%s/%s", root ? root : fallback, rel);
  return buf;
}

const char *test_data_path(const char *rel) { return join("LIL_TEST_DATA", LIL_TEST_DATA_DIR, rel); }
const char *test_source_path(const char *rel) { return join("LIL_SOURCE_ROOT", ".", rel); }

char *test_read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *p = malloc((size_t)n + 1);
  if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
    free(p);
    p = NULL;
  }
  fclose(f);
  if (p) {
    p[n] = 0;
    if (size) *size = (size_t)n;
  }
  return p;
}

uint64_t test_seed(void) {
  const char *s = getenv("LIL_TEST_SEED");
  uint64_t seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
  if (!seed) seed = 0x9e3779b97f4a7c15ull;
  fprintf(stderr, "test seed: LIL_TEST_SEED=%llu\n", (unsigned long long)seed);
  return seed;
}

uint32_t test_rand_u32(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  *s = x;
  return (uint32_t)(x >> 32);
}

float test_rand_uniform(uint64_t *s, float lo, float hi) {
  return lo + (hi - lo) * (float)(test_rand_u32(s) >> 8) / 16777216.0f;
}

int test_run_suite(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
