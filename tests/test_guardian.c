/* The Guardian core on real text: equivalence with full recompression, healthy text, loops,
 * threshold and patience boundaries, UTF-8 split across windows, actions, options. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "guardian_corpus.h"
#include "guardian_ngram.h"
#include "guardian_rule.h"
#include "lil_guardian.h"
#include "test_common.h"

static gc_pieces math;

static void setup(void) {
  if (!math.n) math = gc_load("math500_test_ori_BudgetThinker.jsonl", "solution");
}

static lil_guardian_opts defaults(void) {
  lil_guardian_opts o;
  lil_guardian_opts_default(&o);
  return o;
}

/* Every check's size equals the one-shot raw deflate of the same prefix: largest difference 0. */
static void equivalence(int level, size_t bpt) {
  gc_buf b = {0};
  gc_fill(&b, &math, 0, 160000); /* > 32 KiB window, many deflate blocks */
  lil_guardian_opts o = defaults();
  o.level = level;
  o.min_tokens = UINT32_MAX; /* never stops (a gain can even be negative) */
  o.rule = LIL_GUARDIAN_RULE_PAPER;
  o.every = 97; /* windows that do not align with anything */
  lil_guardian_check *c = NULL;
  size_t n = 0;
  ck_assert_uint_eq(gc_run(&o, b.data, b.len, bpt, &c, &n), 0);
  ck_assert_uint_ge(n, 160000 / (97 * bpt));
  int64_t worst = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t full = 0;
    ck_assert_int_eq(lil_guardian_deflate_size(b.data, c[i].position * bpt, level, &full, NULL), LIL_OK);
    int64_t diff = llabs((int64_t)full - (int64_t)c[i].size);
    if (diff > worst) worst = diff;
  }
  ck_assert_int_eq(worst, 0);
  free(c);
  gc_buf_free(&b);
}

START_TEST(test_equivalence_with_full_recompression) {
  equivalence(6, 4);
  equivalence(1, 4);
  equivalence(9, 3);
}
END_TEST

START_TEST(test_ids_equivalence) {
  lil_guardian_opts o = defaults();
  o.measure = LIL_GUARDIAN_MEASURE_IDS;
  o.min_tokens = UINT32_MAX;
  o.rule = LIL_GUARDIAN_RULE_PAPER;
  o.every = 100;
  lil_guardian *g;
  ck_assert_int_eq(lil_guardian_create(&o, &g, NULL), LIL_OK);
  int32_t ids[30000];
  unsigned char bytes[4 * 30000];
  uint64_t seed = 7;
  for (int i = 0; i < 30000; i++) {
    ids[i] = (int32_t)(test_rand_u32(&seed) % 50 + (i / 1000) * 1000);
    for (int k = 0; k < 4; k++) bytes[4 * i + k] = (unsigned char)((uint32_t)ids[i] >> (8 * k));
  }
  size_t used = 0;
  lil_guardian_decision d;
  ck_assert_int_eq(lil_guardian_add_ids(g, ids, 30000, &used, &d, NULL), LIL_OK);
  ck_assert_uint_eq(used, 30000);
  lil_guardian_stats st;
  lil_guardian_get_stats(g, &st);
  ck_assert_uint_eq(st.n_checks, 300);
  for (uint32_t i = 0; i < st.n_checks; i += 37) {
    uint64_t full;
    ck_assert_int_eq(lil_guardian_deflate_size(bytes, 4 * st.checks[i].position, 6, &full, NULL), LIL_OK);
    ck_assert_uint_eq(full, st.checks[i].size);
  }
  lil_guardian_free(g);
}
END_TEST

START_TEST(test_fresh_text_never_stops) {
  gc_pieces gsm = gc_load("gsm8k_test.jsonl", "answer");
  for (int rule = 0; rule < 3; rule++) { /* relative, paper, loop */
    lil_guardian_opts o = defaults();
    o.rule = (lil_guardian_rule)rule;
    for (size_t start = 0; start < 500; start += 125) {
      gc_buf b = {0};
      gc_fill(&b, &math, start, 32000 * 4);
      ck_assert_uint_eq(gc_run(&o, b.data, b.len, 4, NULL, NULL), 0);
      gc_buf_free(&b);
      gc_fill(&b, &gsm, start * 2, 32000 * 4);
      ck_assert_uint_eq(gc_run(&o, b.data, b.len, 4, NULL, NULL), 0);
      gc_buf_free(&b);
    }
  }
  gc_pieces_free(&gsm);
}
END_TEST

/* Healthy prefix, one paragraph, then the loop from byte *loop_start on. */
static void looping_text(gc_buf *b, int edits, uint64_t seed, size_t *loop_start) {
  gc_fill(b, &math, 200, 9000);
  const char *para = math.s[3]; /* ~ 700 bytes */
  gc_buf_add(b, para, strlen(para));
  gc_buf_add(b, "\n\n", 2);
  *loop_start = b->len;
  gc_loop(b, para, 80000, edits, &seed);
}

START_TEST(test_verbatim_loop_stops_within_two_checks) {
  for (int rule = 0; rule < 3; rule++) { /* relative, paper, loop */
    lil_guardian_opts o = defaults();
    o.rule = (lil_guardian_rule)rule;
    gc_buf b = {0};
    size_t start;
    looping_text(&b, 0, 1, &start);
    uint64_t loop_tok = start / 4, first_check = (loop_tok + o.every - 1) / o.every * o.every;
    uint64_t at = gc_run(&o, b.data, b.len, 4, NULL, NULL);
    ck_assert_uint_ge(at, loop_tok);
    ck_assert_uint_le(at, first_check + o.every);
    gc_buf_free(&b);
  }
}
END_TEST

START_TEST(test_near_verbatim_loop_stops) {
  lil_guardian_opts o = defaults();
  for (int edits = 1; edits <= 2; edits++)
    for (uint64_t seed = 1; seed <= 3; seed++) {
      gc_buf b = {0};
      size_t start;
      looping_text(&b, edits, seed, &start);
      uint64_t at = gc_run(&o, b.data, b.len, 4, NULL, NULL);
      ck_assert_uint_ge(at, start / 4);
      ck_assert_uint_le(at, start / 4 + 2000);
      gc_buf_free(&b);
    }
}
END_TEST

/* Gain exactly t does not stop; gain = t - 1 does (rule: stop when gain < t). Patience p stops at
 * the p-th consecutive low check. min_tokens delays the stop. Real gains from a looping text. */
START_TEST(test_threshold_and_patience_boundaries) {
  gc_buf b = {0};
  size_t start;
  looping_text(&b, 0, 1, &start);
  lil_guardian_opts o = defaults();
  o.rule = LIL_GUARDIAN_RULE_PAPER;
  o.threshold = 0;
  lil_guardian_check *c = NULL;
  size_t n = 0;
  gc_run(&o, b.data, b.len, 4, &c, &n);
  size_t k = 0; /* first check entirely inside the loop */
  while (c[k].position * 4 < start + 4 * o.every) k++;
  int64_t g = c[k].gain;
  ck_assert_int_gt(g, 0);
  for (size_t i = 0; i < k; i++) ck_assert_int_gt(c[i].gain, g + 1); /* earlier checks are fresh text */
  o.threshold = (uint32_t)g; /* gain == t: no stop at check k */
  ck_assert_uint_ne(gc_run(&o, b.data, b.len, 4, NULL, NULL), c[k].position);
  o.threshold = (uint32_t)g + 1; /* gain == t - 1: stop at check k */
  ck_assert_uint_eq(gc_run(&o, b.data, b.len, 4, NULL, NULL), c[k].position);
  /* patience: with t above every loop gain, patience p stops p - 1 checks later */
  int64_t maxloop = 0;
  for (size_t i = k; i < k + 5; i++) maxloop = c[i].gain > maxloop ? c[i].gain : maxloop;
  o.threshold = (uint32_t)maxloop + 1;
  for (uint32_t p = 1; p <= 4; p++) {
    o.patience = p;
    ck_assert_uint_eq(gc_run(&o, b.data, b.len, 4, NULL, NULL), c[k + p - 1].position);
  }
  o.patience = 1;
  o.min_tokens = (uint32_t)c[k + 2].position;
  ck_assert_uint_eq(gc_run(&o, b.data, b.len, 4, NULL, NULL), c[k + 2].position);
  free(c);
  gc_buf_free(&b);
}
END_TEST

/* Text with 2-, 3- and 4-byte codepoints fed in pieces that split them: each check measures the
 * text up to the last whole codepoint, exactly as a one-shot compression of that prefix. */
START_TEST(test_utf8_split_across_windows) {
  gc_buf b = {0};
  const char *words[] = {"caf\xc3\xa9 ", "\xe2\x82\xac" "12 ", "\xf0\x9f\x98\x80 ", "\xe6\x95\xb0\xe5\xad\xa6 ", "x=1; "};
  for (int i = 0; i < 600; i++) gc_buf_add(&b, words[(i * 7) % 5], strlen(words[(i * 7) % 5]));
  for (size_t piece = 1; piece <= 5; piece++) {
    lil_guardian_opts o = defaults();
    o.every = 1;
    o.min_tokens = UINT32_MAX;
    o.rule = LIL_GUARDIAN_RULE_PAPER;
    lil_guardian *g;
    ck_assert_int_eq(lil_guardian_create(&o, &g, NULL), LIL_OK);
    size_t off = 0, held_back_seen = 0;
    while (off < b.len) {
      size_t n = off + piece <= b.len ? piece : b.len - off;
      lil_guardian_decision d;
      ck_assert_int_eq(lil_guardian_add_text(g, b.data + off, n, 1, &d, NULL), LIL_OK);
      off += n;
      size_t whole = off;
      while (whole > 0 && whole < b.len && ((unsigned char)b.data[whole] & 0xC0) == 0x80) whole--;
      if (whole != off) held_back_seen++;
      uint64_t full;
      ck_assert_int_eq(lil_guardian_deflate_size(b.data, whole, 6, &full, NULL), LIL_OK);
      ck_assert(d.checked);
      ck_assert_uint_eq(d.size, full);
    }
    if (piece > 1) ck_assert_uint_gt(held_back_seen, 0);
    lil_guardian_free(g);
  }
  gc_buf_free(&b);
}
END_TEST

START_TEST(test_actions) {
  gc_buf b = {0};
  size_t start;
  looping_text(&b, 0, 1, &start);
  for (int a = 0; a < 2; a++) {
    lil_guardian_opts o = defaults();
    ck_assert_int_eq(lil_guardian_opts_set(&o, "action", a ? "answer" : "stop", NULL), LIL_OK);
    ck_assert_int_eq(lil_guardian_opts_set(&o, "inject", "\n\nFinal answer:", NULL), LIL_OK);
    ck_assert_int_eq(lil_guardian_opts_set(&o, "answer-tokens", "64", NULL), LIL_OK);
    lil_guardian *g;
    ck_assert_int_eq(lil_guardian_create(&o, &g, NULL), LIL_OK);
    lil_guardian_decision d = {0};
    size_t off = 0;
    for (; off + 1000 <= b.len && !d.stop; off += 1000)
      ck_assert_int_eq(lil_guardian_add_text(g, b.data + off, 1000, 250, &d, NULL), LIL_OK);
    ck_assert(d.stop && d.checked);
    ck_assert_int_eq(d.reason, LIL_GUARDIAN_REASON_PLATEAU);
    if (a) {
      ck_assert_int_eq(d.action, LIL_GUARDIAN_ACTION_ANSWER);
      ck_assert_str_eq(d.inject, "\n\nFinal answer:");
      ck_assert_uint_eq(d.max_new_tokens, 64);
    } else {
      ck_assert_int_eq(d.action, LIL_GUARDIAN_ACTION_STOP);
      ck_assert_ptr_null(d.inject);
    }
    /* stays stopped, runs no more checks */
    lil_guardian_decision d2;
    ck_assert_int_eq(lil_guardian_add_text(g, b.data + off, 1000, 250, &d2, NULL), LIL_OK);
    ck_assert(d2.stop && !d2.checked);
    ck_assert_uint_eq(d2.position, d.position);
    lil_guardian_stats st;
    lil_guardian_get_stats(g, &st);
    ck_assert(st.stopped);
    ck_assert_uint_eq(st.stop_position, d.position);
    ck_assert_uint_eq(st.n_checks, d.check);
    ck_assert_uint_gt(st.cpu_ns, 0);
    lil_guardian_free(g);
  }
  gc_buf_free(&b);
}
END_TEST

START_TEST(test_prompt) {
  const char *p = math.s[3];
  lil_guardian_opts o = defaults();
  o.include_prompt = true;
  lil_guardian *g;
  ck_assert_int_eq(lil_guardian_create(&o, &g, NULL), LIL_OK);
  ck_assert_int_eq(lil_guardian_set_prompt_text(g, p, strlen(p), NULL), LIL_OK);
  lil_guardian_decision d;
  ck_assert_int_eq(lil_guardian_add_text(g, p, strlen(p), 250, &d, NULL), LIL_OK);
  ck_assert(d.checked);
  ck_assert_int_lt(d.gain, 40); /* output repeating the prompt adds almost nothing */
  lil_error e = {0};
  ck_assert_int_eq(lil_guardian_set_prompt_text(g, p, 3, &e), LIL_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(e.msg, "before any output"));
  ck_assert_int_eq(lil_guardian_add_ids(g, (const int32_t[]){1}, 1, NULL, NULL, &e), LIL_ERR_INVALID_ARG);
  lil_guardian_free(g);
}
END_TEST

START_TEST(test_option_errors) {
  lil_guardian_opts o = defaults();
  lil_error e = {0};
  static const char *bad[][2] = {{"every", "0"},     {"every", "-3"},  {"every", "12x"}, {"level", "10"},
                                 {"level", "0"},     {"rule", "fancy"}, {"ratio", "1.5"}, {"patience", "0"},
                                 {"measure", "bits"}, {"action", "halt"}, {"include-prompt", "maybe"},
                                 {"threshold", ""},  {"baseline-checks", "65"}};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    e.msg[0] = 0;
    ck_assert_int_eq(lil_guardian_opts_set(&o, bad[i][0], bad[i][1], &e), LIL_ERR_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(e.msg, bad[i][0]));
    ck_assert_ptr_null(strchr(e.msg, '\n'));
  }
  ck_assert_int_eq(lil_guardian_opts_set(&o, "speed", "1", &e), LIL_ERR_INVALID_ARG);
  ck_assert_str_eq(e.msg, "unknown guardian option 'speed'");
  lil_guardian_opts ok = defaults();
  ck_assert(memcmp(&o, &ok, sizeof(o)) == 0); /* failed sets change nothing */
  o.level = 0;
  lil_guardian *g = (lil_guardian *)&o;
  ck_assert_int_eq(lil_guardian_create(&o, &g, &e), LIL_ERR_INVALID_ARG);
  ck_assert_ptr_null(g);
  ck_assert_ptr_nonnull(strstr(e.msg, "level 0"));
  ck_assert_int_eq(lil_guardian_opts_set(&o, "rule", "paper", NULL), LIL_OK);
  ck_assert_int_eq(o.rule, LIL_GUARDIAN_RULE_PAPER);
}
END_TEST

/* The n-gram share: 0 on text without a repeated 16-byte sequence, 1 on a repetition, and
 * counted over the n-grams that end in the window (also across window boundaries). */
START_TEST(test_ngram_share) {
  gd_ngram g;
  ck_assert_int_eq(gd_ngram_init(&g, false, NULL), LIL_OK);
  char fresh[4096];
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < sizeof(fresh); i++) { /* xorshift: no 16-byte repeat in practice */
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    fresh[i] = (char)('a' + x % 26);
  }
  gd_ngram_add(&g, fresh, 2048);
  ck_assert(gd_ngram_take_share(&g) < 0.01);
  gd_ngram_add(&g, fresh + 2048, 2048);
  ck_assert(gd_ngram_take_share(&g) < 0.01);
  gd_ngram_add(&g, fresh + 1000, 1000); /* a repeated passage: every n-gram seen before */
  ck_assert(gd_ngram_take_share(&g) > 0.98);
  ck_assert(gd_ngram_take_share(&g) == 0.0); /* nothing added since */
  gd_ngram_end(&g);
  /* a counting loop: new to the raw n-grams every line, a repetition once digits are masked */
  gd_ngram raw, digits;
  ck_assert_int_eq(gd_ngram_init(&raw, false, NULL), LIL_OK);
  ck_assert_int_eq(gd_ngram_init(&digits, true, NULL), LIL_OK);
  char line[64];
  for (int k = 100; k < 400; k++) {
    int n = snprintf(line, sizeof(line), "Step %d: The answer is 14 bags.\n", k);
    gd_ngram_add(&raw, line, (size_t)n);
    gd_ngram_add(&digits, line, (size_t)n);
    if (k == 199) { /* the first 100 lines are the history */
      gd_ngram_take_share(&raw);
      gd_ngram_take_share(&digits);
    }
  }
  double r = gd_ngram_take_share(&raw), d = gd_ngram_take_share(&digits);
  ck_assert_msg(r < 0.65 && d > 0.98, "raw %.3f digits %.3f", r, d);
  gd_ngram_end(&raw);
  gd_ngram_end(&digits);
}
END_TEST

/* The loop rule needs both signals: low gain relative to the run's start, and repetition. */
START_TEST(test_loop_rule_needs_both_signals) {
  lil_guardian_opts o = defaults();
  ck_assert_int_eq(o.rule, LIL_GUARDIAN_RULE_LOOP);
  lil_guardian_check c[4] = {
      {250, 400, 400, 0, 0.1, 0.1}, {500, 800, 400, 0, 0.1, 0.1}, {750, 1200, 400, 0, 0.1, 0.1}, {1000, 1300, 100, 0, 0, 0}};
  for (int low_gain = 0; low_gain < 2; low_gain++)
    for (int repeated = 0; repeated < 2; repeated++) {
      c[3].gain = low_gain ? 199 : 200; /* threshold = 0.5 x median(400, 400, 400, gain) = 200 */
      c[3].share = repeated ? 0.6 : 0.59;
      c[3].threshold = gd_rule_threshold(&o, c, 4);
      ck_assert_double_eq_tol(c[3].threshold, 200.0, 1e-9);
      c[2].share = c[3].share; /* the rule takes the mean of the last two windows */
      ck_assert_int_eq(gd_rule_is_low(&o, c, 4), low_gain && repeated);
      c[2].share = 0.0; /* one repetitive window alone is not enough */
      ck_assert(!gd_rule_is_low(&o, c, 4));
    }
  /* the digits-masked share is the other way to be repetitive enough (0.95) */
  c[2].share = c[3].share = 0.0;
  c[3].gain = 199;
  c[2].share_digits = c[3].share_digits = 0.95;
  ck_assert(gd_rule_is_low(&o, c, 4));
  c[2].share_digits = 0.94;
  ck_assert(!gd_rule_is_low(&o, c, 4));
  o.rule = LIL_GUARDIAN_RULE_RELATIVE; /* the relative rule ignores the share */
  c[3].gain = 10;
  c[3].share = 0.0;
  c[3].threshold = gd_rule_threshold(&o, c, 4);
  ck_assert(gd_rule_is_low(&o, c, 4));
}
END_TEST

/* 50k tokens of healthy worked solutions keep every window's repeated share under the loop rule's
 * bar (loops are test_verbatim_loop_stops_within_two_checks and test_near_verbatim_loop_stops,
 * which run the default, the loop rule); the share is -1 for the other rules. */
START_TEST(test_loop_rule_on_healthy_and_looping_text) {
  lil_guardian_opts o = defaults();
  gc_buf b = {0};
  gc_fill(&b, &math, 0, 200000);
  lil_guardian_check *ch = NULL;
  size_t n = 0;
  ck_assert_uint_eq(gc_run(&o, b.data, b.len, 4, &ch, &n), 0);
  double max_share = 0, max_digits = 0;
  for (size_t i = 0; i < n; i++) {
    max_share = ch[i].share > max_share ? ch[i].share : max_share;
    max_digits = ch[i].share_digits > max_digits ? ch[i].share_digits : max_digits;
  }
  ck_assert_msg(max_share < 0.7, "healthy max share %.3f", max_share); /* 0.64 once (a table) */
  ck_assert_msg(max_digits < 0.95, "healthy max digits-masked share %.3f", max_digits);
  free(ch);
  gc_buf_free(&b);
  o.rule = LIL_GUARDIAN_RULE_RELATIVE;
  gc_fill(&b, &math, 0, 20000);
  ck_assert_uint_eq(gc_run(&o, b.data, b.len, 4, &ch, &n), 0);
  ck_assert(n > 0 && ch[0].share == -1.0 && ch[0].share_digits == -1.0);
  free(ch);
  gc_buf_free(&b);
}
END_TEST

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median CPU time of 21 checks of the loop rule (meter + n-grams) starting at `tokens` tokens. */
static double check_ms_at(const char *text, size_t tokens) {
  lil_guardian_opts o = defaults();
  o.min_tokens = UINT32_MAX; /* measure, never stop */
  lil_guardian *g;
  ck_assert_int_eq(lil_guardian_create(&o, &g, NULL), LIL_OK);
  size_t win = (size_t)o.every * 4;
  for (size_t off = 0; off < tokens * 4; off += win)
    ck_assert_int_eq(lil_guardian_add_text(g, text + off, win, o.every, NULL, NULL), LIL_OK);
  double ms[21];
  for (int k = 0; k < 21; k++) {
    struct timespec a, b;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    ck_assert_int_eq(lil_guardian_add_text(g, text + tokens * 4 + (size_t)k * win, win, o.every, NULL, NULL), LIL_OK);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    ms[k] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
  }
  lil_guardian_free(g);
  qsort(ms, 21, sizeof(double), cmp_double);
  return ms[10];
}

/* Constant cost per check with the loop rule: a check at 128k tokens costs about what one at 1k
 * does (generous bound: under 3x + 0.2 ms, as sanitizers and a loaded machine slow both). */
START_TEST(test_loop_rule_constant_cost) {
  gc_buf b = {0};
  gc_fill(&b, &math, 0, (131072 + 30 * 250) * 4);
  double early = check_ms_at(b.data, 1024), late = check_ms_at(b.data, 131072);
  ck_assert_msg(late < 3 * early + 0.2, "check at 1k tokens %.3f ms, at 128k %.3f ms", early, late);
  gc_buf_free(&b);
}
END_TEST

int main(void) {
  Suite *s = suite_create("guardian");
  TCase *tc = tcase_create("core");
  tcase_add_unchecked_fixture(tc, setup, NULL);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_equivalence_with_full_recompression);
  tcase_add_test(tc, test_ids_equivalence);
  tcase_add_test(tc, test_fresh_text_never_stops);
  tcase_add_test(tc, test_verbatim_loop_stops_within_two_checks);
  tcase_add_test(tc, test_near_verbatim_loop_stops);
  tcase_add_test(tc, test_threshold_and_patience_boundaries);
  tcase_add_test(tc, test_utf8_split_across_windows);
  tcase_add_test(tc, test_actions);
  tcase_add_test(tc, test_prompt);
  tcase_add_test(tc, test_option_errors);
  tcase_add_test(tc, test_ngram_share);
  tcase_add_test(tc, test_loop_rule_needs_both_signals);
  tcase_add_test(tc, test_loop_rule_on_healthy_and_looping_text);
  tcase_add_test(tc, test_loop_rule_constant_cost);
  suite_add_tcase(s, tc);
  int rc = test_run_suite(s);
  gc_pieces_free(&math);
  return rc;
}
