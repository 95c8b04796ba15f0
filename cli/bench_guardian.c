/* `lil bench guardian`: cost of one Guardian check at 1k, 8k, 32k and 128k generated tokens,
 * against recompressing everything (the paper's way), on real text (4 bytes per token). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_guardian.h"
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

/* Appends field `field` of every record of dir/file to *buf. */
static int load(const char *dir, const char *file, const char *field, char **buf, size_t *len) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", dir, file);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "lil bench guardian: cannot open '%s' (use --data DIR)\n", path);
    return 1;
  }
  char *line = NULL;
  size_t cap = 0;
  long lineno = 0;
  while (getline(&line, &cap, f) > 0) {
    lineno++;
    json_error_t je;
    json_t *j = json_loads(line, 0, &je);
    const char *s = json_string_value(json_object_get(j, field));
    if (!s) {
      fprintf(stderr, "lil bench guardian: %s:%ld: record has no string field '%s'\n", path, lineno, field);
      json_decref(j);
      free(line);
      fclose(f);
      return 1;
    }
    size_t n = strlen(s);
    char *p = realloc(*buf, *len + n + 3);
    if (!p) abort();
    *buf = p;
    memcpy(*buf + *len, s, n);
    memcpy(*buf + *len + n, "\n\n", 3);
    *len += n + 2;
    json_decref(j);
  }
  free(line);
  fclose(f);
  return 0;
}

int bench_guardian(int argc, char **argv) {
  static const struct option longs[] = {{"json", no_argument, NULL, 'j'},   {"data", required_argument, NULL, 'd'},
                                        {"level", required_argument, NULL, 'l'}, {"help", no_argument, NULL, 'h'},
                                        {"rule", required_argument, NULL, 'r'},
                                        {NULL, 0, NULL, 0}};
  bool json = false;
  const char *env = getenv("LIL_SHARED");
  char dir[4096];
  snprintf(dir, sizeof(dir), "%s/benchmarks", env ? env : "../shared");
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
             "and of recompressing the whole text instead. Text: MATH-500 solutions and GSM8K answers\n"
             "from DIR (default $LIL_SHARED/benchmarks).\n");
      return 0;
    case ':': fprintf(stderr, "lil bench guardian: option '%s' needs a value\n", argv[optind - 1]); return 2;
    default: fprintf(stderr, "lil bench guardian: unknown option '%s'\n", argv[optind - 1]); return 2;
    }
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
