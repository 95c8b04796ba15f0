/* The detector study: false stops on healthy text and detection delay on loops, for each rule.
 * Usage: guardian_study [rule=relative|paper] [key=value guardian options...]
 * Prints one line per scenario; docs/guardian.md records the output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guardian_corpus.h"
#include "test_common.h"

#define TEXT_TOKENS 16000
#define BPT 4

typedef struct study {
  gc_pieces math, gsm, eq, code, prose; /* prose: GSM8K questions */
  gc_buf streams[5]; /* each source concatenated, for the mixed texts */
} study;

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* kind: 0 math, 1 gsm8k, 2 equations, 3 code, 4 mixed. */
static void healthy(const study *s, int kind, size_t i, gc_buf *b) {
  const gc_pieces *all[] = {&s->math, &s->gsm, &s->eq, &s->code, &s->prose};
  size_t target = (size_t)TEXT_TOKENS * BPT;
  if (kind < 4) {
    gc_fill(b, all[kind], i * 37, target);
    return;
  }
  /* mixed: 1-3 KiB slices taken in turn from each source's running text, never reused */
  size_t cur[5];
  for (int k = 0; k < 5; k++) cur[k] = s->streams[k].len > 16384 ? i * ((s->streams[k].len - 16384) / 10) : 0;
  for (size_t j = 0; b->len < target; j++) {
    const gc_buf *src = &s->streams[(i + j) % 5];
    size_t *c = &cur[(i + j) % 5];
    size_t n = 1024 + (j * 773) % 2048;
    if (*c + n > src->len) abort(); /* a slice would repeat text: not healthy any more */
    gc_buf_add(b, src->data + *c, n);
    *c += n;
  }
}

static void run_healthy(const study *s, const lil_guardian_opts *o, int kind, const char *name, size_t n) {
  size_t stops = 0;
  double min_gain = 1e9, min_margin = 1e9;
  for (size_t i = 0; i < n; i++) {
    gc_buf b = {0};
    healthy(s, kind, i, &b);
    lil_guardian_check *c = NULL;
    size_t nc = 0;
    uint64_t at = gc_run(o, b.data, (size_t)TEXT_TOKENS * BPT, BPT, &c, &nc);
    if (at) stops++;
    for (size_t k = 0; k < nc; k++) {
      if ((double)c[k].gain < min_gain) min_gain = (double)c[k].gain;
      if ((double)c[k].gain / c[k].threshold < min_margin) min_margin = (double)c[k].gain / c[k].threshold;
    }
    free(c);
    gc_buf_free(&b);
  }
  printf("healthy %-10s texts %3zu  false stops %3zu  smallest gain %.0f B  smallest gain/threshold %.2f\n", name, n,
         stops, min_gain, min_margin);
}

static void run_loops(const study *s, const lil_guardian_opts *o, int edits, const char *name, size_t n, uint64_t seed) {
  uint64_t *delay = calloc(n, sizeof(*delay));
  size_t missed = 0, early = 0, nd = 0;
  for (size_t i = 0; i < n; i++) {
    gc_buf b = {0};
    size_t prefix = (size_t)(1000 + test_rand_u32(&seed) % 3000) * BPT;
    gc_fill(&b, &s->math, 100 + i * 13, prefix);
    /* the looping paragraph: a solution of 300..1500 bytes, written once fresh, then repeated */
    const char *para = NULL;
    for (size_t j = i * 7;; j++) {
      size_t l = strlen(s->math.s[j % s->math.n]);
      if (l >= 300 && l <= 1500) {
        para = s->math.s[j % s->math.n];
        break;
      }
    }
    gc_buf_add(&b, para, strlen(para));
    gc_buf_add(&b, "\n\n", 2);
    size_t loop_start = b.len / BPT;
    gc_loop(&b, para, (size_t)TEXT_TOKENS * BPT, edits, &seed);
    uint64_t at = gc_run(o, b.data, (size_t)TEXT_TOKENS * BPT, BPT, NULL, NULL);
    if (!at) missed++;
    else if (at < loop_start) early++;
    else delay[nd++] = at - loop_start;
    gc_buf_free(&b);
  }
  qsort(delay, nd, sizeof(*delay), cmp_u64);
  printf("loop    %-10s texts %3zu  missed %3zu  stopped before loop %zu  delay tokens median %llu max %llu\n", name, n,
         missed, early, nd ? (unsigned long long)delay[nd / 2] : 0ull, nd ? (unsigned long long)delay[nd - 1] : 0ull);
  free(delay);
}

int main(int argc, char **argv) {
  lil_guardian_opts o;
  lil_guardian_opts_default(&o);
  for (int i = 1; i < argc; i++) {
    char key[64];
    const char *eq = strchr(argv[i], '=');
    lil_error err = {0};
    if (!eq || (size_t)(eq - argv[i]) >= sizeof(key)) {
      fprintf(stderr, "guardian_study: expected key=value, got '%s'\n", argv[i]);
      return 2;
    }
    memcpy(key, argv[i], (size_t)(eq - argv[i]));
    key[eq - argv[i]] = 0;
    if (lil_guardian_opts_set(&o, key, eq + 1, &err)) {
      fprintf(stderr, "guardian_study: %s\n", err.msg);
      return 2;
    }
  }
  study s = {gc_load("math500_test_ori_BudgetThinker.jsonl", "solution"), gc_load("gsm8k_test.jsonl", "answer"), {0},
             gc_code(), gc_load("gsm8k_test.jsonl", "question"), {{0}}};
  s.eq = gc_equations(&s.math);
  const gc_pieces *all[] = {&s.math, &s.gsm, &s.eq, &s.code, &s.prose};
  for (int k = 0; k < 5; k++) {
    size_t total = 0;
    for (size_t j = 0; j < all[k]->n; j++) total += strlen(all[k]->s[j]) + 2;
    gc_fill(&s.streams[k], all[k], 0, total);
  }
  printf("rule %s every %u threshold %u patience %u ratio %.2f K %u level %d, %d tokens of 4 bytes per text\n",
         lil_guardian_rule_name(o.rule), o.every, o.threshold, o.patience, o.ratio, o.baseline_checks, o.level, TEXT_TOKENS);
  run_healthy(&s, &o, 0, "math500", 40);
  run_healthy(&s, &o, 1, "gsm8k", 40);
  run_healthy(&s, &o, 2, "equations", 10);
  run_healthy(&s, &o, 3, "code", 5);
  run_healthy(&s, &o, 4, "mixed", 10);
  run_loops(&s, &o, 0, "verbatim", 40, 1);
  run_loops(&s, &o, 1, "numbers", 40, 2);
  run_loops(&s, &o, 2, "edits", 40, 3);
  gc_pieces_free(&s.math);
  gc_pieces_free(&s.gsm);
  gc_pieces_free(&s.eq);
  gc_pieces_free(&s.code);
  gc_pieces_free(&s.prose);
  for (int k = 0; k < 5; k++) gc_buf_free(&s.streams[k]);
  return 0;
}
