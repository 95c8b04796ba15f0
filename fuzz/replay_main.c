/* A main() for the fuzz targets without libFuzzer: runs LLVMFuzzerTestOneInput once on each file
 * given (directories: each file in them), so saved findings replay as regression tests in the
 * ordinary build (gcc, the ASan pass included). Exit status 1 when a path cannot be read. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path, unsigned *n) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "replay: cannot open %s\n", path);
    return 1;
  }
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  for (size_t k; buf && (k = fread(buf + len, 1, cap - len, f)) > 0;) {
    len += k;
    if (len == cap) {
      uint8_t *b = realloc(buf, cap *= 2);
      if (!b) free(buf);
      buf = b;
    }
  }
  fclose(f);
  if (!buf) return 1;
  /* an exact-size copy: ASan sees a read past the input */
  uint8_t *exact = malloc(len ? len : 1);
  if (!exact) return 1;
  memcpy(exact, buf, len);
  free(buf);
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
  (*n)++;
  return 0;
}

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  unsigned n = 0;
  int bad = 0;
  for (int i = 1; i < argc; i++) {
    struct stat sb;
    if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
      DIR *d = opendir(argv[i]);
      struct dirent *e;
      while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[4096];
        snprintf(p, sizeof(p), "%s/%s", argv[i], e->d_name);
        bad |= run_file(p, &n);
      }
      if (d) closedir(d);
    } else {
      bad |= run_file(argv[i], &n);
    }
  }
  fprintf(stderr, "replay: %u inputs\n", n);
  return bad;
}
