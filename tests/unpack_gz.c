/* Build step of the test suite: unpacks one gzip file of the repository's test data (tests/data,
 * assets/benchmarks) into the build tree. usage: unpack_gz IN.gz OUT
 * Writes OUT.tmp and renames it, so an interrupted build never leaves a truncated OUT behind. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

static int fail(const char *what, const char *path, const char *why) {
  fprintf(stderr, "unpack_gz: %s '%s': %s\n", what, path, why);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: unpack_gz IN.gz OUT\n");
    return 2;
  }
  const char *in = argv[1], *out = argv[2];
  char tmp[4096];
  if (snprintf(tmp, sizeof(tmp), "%s.tmp", out) >= (int)sizeof(tmp)) return fail("output path too long", out, "");
  gzFile g = gzopen(in, "rb");
  if (!g) return fail("cannot open", in, errno ? strerror(errno) : "out of memory");
  if (gzdirect(g)) {
    gzclose(g);
    return fail("not a gzip file", in, "expected gzip data");
  }
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    int e = errno;
    gzclose(g);
    return fail("cannot create", tmp, strerror(e));
  }
  static char buf[1 << 16];
  int n, rc = 0;
  while ((n = gzread(g, buf, sizeof(buf))) > 0) {
    if (fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
      rc = fail("cannot write", tmp, strerror(errno));
      break;
    }
  }
  int zerr;
  const char *msg = gzerror(g, &zerr); /* "PATH: message"; a truncated file reads as an early end */
  if (!rc && (n < 0 || zerr != Z_OK)) {
    size_t pl = strlen(in);
    if (!strncmp(msg, in, pl) && !strncmp(msg + pl, ": ", 2)) msg += pl + 2;
    rc = fail("corrupt gzip data in", in, zerr == Z_ERRNO ? strerror(errno) : msg);
  }
  gzclose(g);
  if (fclose(f) != 0 && !rc) rc = fail("cannot write", tmp, strerror(errno));
  if (!rc && rename(tmp, out) != 0) rc = fail("cannot rename to", out, strerror(errno));
  if (rc) remove(tmp);
  return rc;
}
