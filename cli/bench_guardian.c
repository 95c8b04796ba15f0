/* `lil bench guardian`: cost of one Guardian check at 1k, 8k, 32k and 128k generated tokens,
 * against recompressing everything (the paper's way), on real text (4 bytes per token). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cli_guardian.h"
#include "cli_util.h"
#include "lil_guardian.h"

#define N_CHECKS 61 /* timed checks per length (median) */

static double now_ms(clockid_t clk) {
  struct timespec ts;
  clock_gettime(clk, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Reads the next line of g into *line (grown as needed, NUL-terminated, newline kept); returns its
 * length, 0 at the end of the file, -1 on a read error. */
static long gz_getline(gzFile g, char **line, size_t *cap) {
  size_t len = 0;
  for (;;) {
    if (*cap - len < 2) {
      size_t nc = *cap ? *cap * 2 : 4096;
      char *p = realloc(*line, nc);
      if (!p) abort();
      *line = p;
      *cap = nc;
    }
    int err;
    if (!gzgets(g, *line + len, (int)(*cap - len))) {
      gzerror(g, &err);
      if (err != Z_OK) return -1;
      (*line)[len] = 0;
      return (long)len;
    }
    len += strlen(*line + len);
    if (len && (*line)[len - 1] == '\n') return (long)len;
    gzerror(g, &err); /* a line cut short by corrupt or truncated data */
    if (err != Z_OK) return -1;
  }
}

/* Appends field `field` of every record of dir/file.gz (or dir/file, uncompressed) to *buf. */
static int load(const char *dir, const char *file, const char *field, char **buf, size_t *len) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s.gz", dir, file);
  if (access(path, R_OK) != 0) snprintf(path, sizeof(path), "%s/%s", dir, file);
  errno = 0;
  gzFile g = gzopen(path, "rb");
  if (!g) {
    fprintf(stderr, "lil bench guardian: cannot open '%s/%s.gz' or '%s/%s': %s (use --data DIR)\n", dir, file, dir,
            file, errno ? strerror(errno) : "out of memory");
    return 1;
  }
  char *line = NULL;
  size_t cap = 0;
  long lineno = 0, records = 0, n = 0;
  int rc = 0;
  while (!rc && (n = gz_getline(g, &line, &cap)) > 0) {
    lineno++;
    if (!line[strspn(line, " \t\r\n")]) continue; /* blank line */
    records++;
    json_error_t je;
    json_t *j = json_loads(line, 0, &je);
    const char *s = json_string_value(json_object_get(j, field));
    if (!j) {
      fprintf(stderr, "lil bench guardian: %s:%ld: invalid JSON: %s\n", path, lineno, je.text);
      rc = 1;
    } else if (!s) {
      fprintf(stderr, "lil bench guardian: %s:%ld: record has no string field '%s'\n", path, lineno, field);
      rc = 1;
    } else {
      size_t sl = strlen(s);
      char *p = realloc(*buf, *len + sl + 3);
      if (!p) abort();
      *buf = p;
      memcpy(*buf + *len, s, sl);
      memcpy(*buf + *len + sl, "\n\n", 3);
      *len += sl + 2;
    }
    json_decref(j);
  }
  if (!rc && n < 0) {
    int err;
    const char *msg = gzerror(g, &err); /* "PATH: message" */
    size_t pl = strlen(path);
    if (!strncmp(msg, path, pl) && !strncmp(msg + pl, ": ", 2)) msg += pl + 2;
    fprintf(stderr, "lil bench guardian: %s: cannot read after line %ld: %s\n", path, lineno,
            err == Z_ERRNO ? strerror(errno) : msg);
    rc = 1;
  }
  if (!rc && !records) {
    fprintf(stderr, "lil bench guardian: %s: no records\n", path);
    rc = 1;
  }
  free(line);
  gzclose(g);
  return rc;
}

int bench_guardian(int argc, char **argv) {
  static const struct option longs[] = {{"json", no_argument, NULL, 'j'},   {"data", required_argument, NULL, 'd'},
                                        {"level", required_argument, NULL, 'l'}, {"help", no_argument, NULL, 'h'},
                                        {"rule", required_argument, NULL, 'r'},
                                        {NULL, 0, NULL, 0}};
  bool json = false;
  char dir[4096];
  if (!cli_asset_path("benchmarks", dir, sizeof(dir))) dir[0] = 0;
  lil_guardian_opts o;
  lil_guardian_opts_default(&o);
  optind = 0;
  opterr = 0;
  int ch;
  while ((ch = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
    lil_error err = {0};
    switch (ch) {
    case 'j': json = true; break;
    case 'd': snprintf(dir, sizeof(dir), "%s", optarg); break;
    case 'l':
    case 'r':
      if (lil_guardian_opts_set(&o, ch == 'l' ? "level" : "rule", optarg, &err)) {
        fprintf(stderr, "lil bench guardian: --%s: %s\n", ch == 'l' ? "level" : "rule", err.msg);
        return 2;
      }
      break;
    case 'h':
      printf("usage: lil bench guardian [--json] [--data DIR] [--level N] [--rule loop|relative|paper]\n"
             "Median cost of one check (f = 250 tokens of 4 bytes) at 1k, 8k, 32k, 128k generated tokens,\n"
             "and of recompressing the whole text instead. Text: the MATH-500 solutions and GSM8K answers\n"
             "of DIR/math500_test_ori_BudgetThinker.jsonl[.gz] and DIR/gsm8k_test.jsonl[.gz] (default: the\n"
             "bundled assets/benchmarks, installed as share/lil/benchmarks).\n");
      return 0;
    case ':': fprintf(stderr, "lil bench guardian: option '%s' needs a value\n", argv[optind - 1]); return 2;
    default: fprintf(stderr, "lil bench guardian: unknown option '%s'\n", argv[optind - 1]); return 2;
    }
  }
  if (!dir[0]) {
    fprintf(stderr, "lil bench guardian: the bundled assets/benchmarks was not found next to the executable (use --data DIR)\n");
    return 1;
  }
  char *text = NULL;
  size_t len = 0;
  if (load(dir, "math500_test_ori_BudgetThinker.jsonl", "solution", &text, &len) ||
      load(dir, "gsm8k_test.jsonl", "answer", &text, &len)) {
    free(text);
    return 1;
  }
  static const size_t lengths[] = {1024, 8192, 32768, 131072};
  o.min_tokens = UINT32_MAX; /* measure, never stop */
  size_t win = (size_t)o.every * 4;
  json_t *results = json_array();
  if (!json)
    printf("guardian check cost, rule %s, level %d, every %u tokens of 4 bytes, median of %d checks\n",
           lil_guardian_rule_name(o.rule), o.level, o.every, N_CHECKS);
  int rc = 0;
  for (size_t li = 0; li < 4 && !rc; li++) {
    size_t start = lengths[li] * 4;
    if (start + N_CHECKS * win > len) {
      fprintf(stderr, "lil bench guardian: only %zu bytes of text, %zu needed\n", len, start + N_CHECKS * win);
      rc = 1;
      break;
    }
    lil_guardian *g;
    lil_error err = {0};
    if (lil_guardian_create(&o, &g, &err)) {
      fprintf(stderr, "lil bench guardian: %s\n", err.msg);
      rc = 1;
      break;
    }
    for (size_t off = 0; off < start; off += win) lil_guardian_add_text(g, text + off, win, o.every, NULL, NULL);
    double wall[N_CHECKS], cpu[N_CHECKS], full[5];
    for (int k = 0; k < N_CHECKS; k++) {
      double w0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_THREAD_CPUTIME_ID);
      lil_guardian_add_text(g, text + start + (size_t)k * win, win, o.every, NULL, NULL);
      cpu[k] = now_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
      wall[k] = now_ms(CLOCK_MONOTONIC) - w0;
    }
    for (int k = 0; k < 5; k++) {
      uint64_t size;
      double w0 = now_ms(CLOCK_MONOTONIC);
      lil_guardian_deflate_size(text, start + (size_t)(k + 1) * win, o.level, &size, NULL);
      full[k] = now_ms(CLOCK_MONOTONIC) - w0;
    }
    lil_guardian_free(g);
    qsort(wall, N_CHECKS, sizeof(double), cmp_d);
    qsort(cpu, N_CHECKS, sizeof(double), cmp_d);
    qsort(full, 5, sizeof(double), cmp_d);
    if (json) {
      json_t *r = json_object();
      json_object_set_new(r, "tokens", json_integer((json_int_t)lengths[li]));
      json_object_set_new(r, "ms_per_check", json_real(wall[N_CHECKS / 2]));
      json_object_set_new(r, "cpu_ms_per_check", json_real(cpu[N_CHECKS / 2]));
      json_object_set_new(r, "ms_per_check_max", json_real(wall[N_CHECKS - 1]));
      json_object_set_new(r, "ms_full_recompress", json_real(full[2]));
      json_array_append_new(results, r);
    } else {
      printf("  %6zu tokens: %.3f ms per check (CPU %.3f, max %.3f); full recompression %.3f ms\n", lengths[li],
             wall[N_CHECKS / 2], cpu[N_CHECKS / 2], wall[N_CHECKS - 1], full[2]);
    }
  }
  if (json && !rc) {
    json_t *o2 = json_object();
    json_object_set_new(o2, "bench", json_string("guardian"));
    json_object_set_new(o2, "level", json_integer(o.level));
    json_object_set_new(o2, "rule", json_string(lil_guardian_rule_name(o.rule)));
    json_object_set_new(o2, "every", json_integer(o.every));
    json_object_set_new(o2, "bytes_per_token", json_integer(4));
    json_object_set_new(o2, "results", results);
    results = NULL;
    char *s = json_dumps(o2, JSON_COMPACT);
    if (s) printf("%s\n", s);
    free(s);
    json_decref(o2);
  }
  json_decref(results);
  free(text);
  return rc;
}
