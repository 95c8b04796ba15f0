#include "cli_util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *cli_asset_path(const char *rel, char *buf, size_t n) {
  char exe[PATH_MAX];
  ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (l <= 0) return NULL;
  exe[l] = 0;
  char *slash = strrchr(exe, '/');
  if (!slash) return NULL;
  *slash = 0;
  static const char *const dirs[] = {"../../assets", "../share/lil"};
  for (int i = 0; i < 2; i++) {
    if (snprintf(buf, n, "%s/%s/%s", exe, dirs[i], rel) < (int)n && access(buf, R_OK) == 0) return buf;
  }
  return NULL;
}

int cli_exit_code(lil_status st) { return st == LIL_ERR_INVALID_ARG ? 2 : 1; }

int cli_name_matches(const char *filter, const char *name) {
  if (!filter || !*filter) return 1;
  size_t n = strlen(filter);
  for (const char *h = name; *h; h++) {
    size_t i = 0;
    while (i < n && h[i] && tolower((unsigned char)h[i]) == tolower((unsigned char)filter[i])) i++;
    if (i == n) return 1;
  }
  return 0;
}

int cli_fail(const char *cmd, const lil_error *err) {
  fprintf(stderr, "lil %s: %s\n", cmd, err->msg);
  return cli_exit_code(err->status);
}

int cli_parse_u64(const char *cmd, const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (!s[0] || *end || errno || s[0] == '-' || v < min || v > max) {
    fprintf(stderr, "lil %s: %s expects an integer in %llu..%llu, got '%s'\n", cmd, opt, (unsigned long long)min,
            (unsigned long long)max, s);
    return 0;
  }
  *out = v;
  return 1;
}

int cli_parse_double(const char *cmd, const char *opt, const char *s, double min, double max, double *out) {
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  if (!s[0] || *end || errno || !(v >= min && v <= max)) {
    fprintf(stderr, "lil %s: %s expects a number in %g..%g, got '%s'\n", cmd, opt, min, max, s);
    return 0;
  }
  *out = v;
  return 1;
}

const char *cli_model_path(const char *model, char *buf, size_t n, lil_error *err) {
  if (model) return model;
  if (cli_asset_path("stories260K.gguf", buf, n)) return buf;
  lil_error_set(err, LIL_ERR_IO, "no -m given and the bundled stories260K.gguf was not found");
  return NULL;
}
