/* Shared by the libFuzzer targets (docs/reliability.md): where the seed files live, and a check
 * that aborts (a finding) with a message. */
#ifndef LIL_FUZZ_COMMON_H
#define LIL_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#ifndef LIL_FUZZ_SOURCE_ROOT
#define LIL_FUZZ_SOURCE_ROOT "."
#endif

/* $LIL_SOURCE_ROOT/rel, else the source tree the target was built from. Static buffer. */
static inline const char *fuzz_path(const char *rel) {
  static char buf[4096];
  const char *root = getenv("LIL_SOURCE_ROOT");
  snprintf(buf, sizeof(buf), "%s/%s", root && *root ? root : LIL_FUZZ_SOURCE_ROOT, rel);
  return buf;
}

/* $LIL_TEST_DATA/rel, else the build's tests/data: the test data unpacked by the build
 * (tests/data/meson.build; the tokenizer vocabularies). Static buffer. */
static inline const char *fuzz_data_path(const char *rel) {
  static char buf[4096];
  const char *dir = getenv("LIL_TEST_DATA");
  snprintf(buf, sizeof(buf), "%s/%s", dir && *dir ? dir : LIL_FUZZ_DATA_DIR, rel);
  return buf;
}

#define FUZZ_CHECK(cond, ...)                                                                                      \
  do {                                                                                                             \
    if (!(cond)) {                                                                                                 \
      fprintf(stderr, "fuzz check failed: %s: ", #cond);                                                          \
      fprintf(stderr, __VA_ARGS__);                                                                                \
      fputc('\n', stderr);                                                                                         \
      abort();                                                                                                     \
    }                                                                                                              \
  } while (0)

#endif
