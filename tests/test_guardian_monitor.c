/* The Guardian monitor with a simulated decode thread (pthreads): same decisions as the
 * synchronous guardian, the lag bound, a producer much faster than compression, ring overrun,
 * the caller's ring, the answer action. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guardian_corpus.h"
#include "lil_guardian_monitor.h"

#define BPT 4

static gc_pieces math;
static gc_buf healthy_text, loop_text;

static void setup(void) {
  math = gc_load("math500_test_ori_BudgetThinker.jsonl", "solution");
  gc_fill(&healthy_text, &math, 0, 16000 * BPT);
  uint64_t seed = 5;
  gc_fill(&loop_text, &math, 50, 12000);
  gc_loop(&loop_text, math.s[3], 16000 * BPT, 1, &seed);
}

/* Token id k stands for bytes [4k, 4k + 4) of the text. */
typedef struct detok_ctx {
  const gc_buf *text;
  _Atomic bool *gate; /* if set, the first call waits until *gate is true */
} detok_ctx;

static lil_status detok(void *user, const int32_t *ids, size_t n, lil_guardian_text *out, lil_error *err) {
  detok_ctx *c = user;
  if (c->gate)
    while (!atomic_load(c->gate)) {
    }
  for (size_t i = 0; i < n; i++) {
    size_t off = (size_t)ids[i] * BPT;
    if (off + BPT > c->text->len) return lil_error_set(err, LIL_ERR_RANGE, "token %d out of range", ids[i]);
    lil_status st = lil_guardian_text_append(out, c->text->data + off, BPT, err);
    if (st) return st;
  }
  return LIL_OK;
}

static void spin_ns(long ns) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  do clock_gettime(CLOCK_MONOTONIC, &b);
  while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < ns);
}

typedef struct producer {
  lil_guardian_monitor *m;
  size_t n_tokens;
  long ns_per_token;
  uint64_t stopped_at; /* tokens pushed when should_stop first said yes, 0 if never */
  lil_guardian_decision d;
} producer;

/* The decode loop: each step produces a token, pushes it, then asks whether to stop. */
static void *produce(void *arg) {
  producer *p = arg;
  for (size_t i = 0; i < p->n_tokens; i++) {
    if (p->ns_per_token) spin_ns(p->ns_per_token);
    lil_guardian_monitor_push(p->m, (int32_t)i);
    if (lil_guardian_monitor_should_stop(p->m, &p->d)) {
      p->stopped_at = i + 1;
      break;
    }
  }
  return NULL;
}

static void run_monitor(const gc_buf *text, long ns_per_token, size_t ring, producer *p, lil_guardian_monitor_report *r) {
  lil_guardian_monitor_config c;
  lil_guardian_monitor_config_default(&c);
  detok_ctx ctx = {text, NULL};
  c.detokenize = detok;
  c.user = &ctx;
  c.ring_capacity = ring;
  lil_guardian_monitor *m;
  ck_assert_int_eq(lil_guardian_monitor_create(&c, &m, NULL), LIL_OK);
  memset(p, 0, sizeof(*p));
  p->m = m;
  p->n_tokens = text->len / BPT;
  p->ns_per_token = ns_per_token;
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, produce, p), 0);
  pthread_join(t, NULL);
  lil_error e = {0};
  ck_assert_msg(lil_guardian_monitor_finish(m, r, &e) == LIL_OK, "%s", e.msg);
  /* keep a copy of the checks' count only: stats point into the monitor */
  r->stats.checks = NULL;
  lil_guardian_monitor_free(m);
}

START_TEST(test_healthy_concurrent_matches_synchronous) {
  lil_guardian_opts o;
  lil_guardian_opts_default(&o);
  lil_guardian_check *sync = NULL;
  size_t n_sync = 0;
  ck_assert_uint_eq(gc_run(&o, healthy_text.data, healthy_text.len, BPT, &sync, &n_sync), 0);
  producer p;
  lil_guardian_monitor_report r;
  run_monitor(&healthy_text, 2000, 0, &p, &r);
  ck_assert_uint_eq(p.stopped_at, 0);
  ck_assert(!r.stats.stopped);
  ck_assert_uint_eq(r.stats.n_checks, n_sync);
  ck_assert_uint_eq(r.stats.tokens, healthy_text.len / BPT / o.every * o.every);
  ck_assert_uint_gt(r.thread_cpu_ns, r.stats.cpu_ns / 2);
  free(sync);
}
END_TEST

/* Lag: the loop stops at most one token after the count recorded when the flag went up. */
static void check_loop_run(long ns_per_token, size_t ring, bool must_stop, const char *label) {
  lil_guardian_opts o;
  lil_guardian_opts_default(&o);
  uint64_t sync_stop = gc_run(&o, loop_text.data, loop_text.len, BPT, NULL, NULL);
  ck_assert_uint_gt(sync_stop, 0);
  producer p;
  lil_guardian_monitor_report r;
  run_monitor(&loop_text, ns_per_token, ring, &p, &r);
  ck_assert(r.stats.stopped);
  ck_assert_uint_eq(r.stats.stop_position, sync_stop); /* same decision point as synchronous */
  ck_assert_uint_ne(r.published_at, UINT64_MAX);
  ck_assert_uint_ge(r.published_at, sync_stop);
  if (!p.stopped_at) {
    /* the loop ran out of tokens before the guardian caught up (producer much faster) */
    ck_assert(!must_stop);
    ck_assert_uint_eq(r.published_at, p.n_tokens);
    fprintf(stderr, "%s: decision at %llu, published at %llu = end of generation, backlog max %llu\n", label,
            (unsigned long long)sync_stop, (unsigned long long)r.published_at, (unsigned long long)r.max_backlog);
    return;
  }
  ck_assert_uint_eq(p.d.position, sync_stop);
  ck_assert_uint_ge(p.stopped_at, r.published_at);
  ck_assert_uint_le(p.stopped_at - r.published_at, 1); /* the lag bound */
  fprintf(stderr, "%s: decision at %llu, published at %llu, loop stopped at %llu (lag %llu after publication, %llu after decision), backlog max %llu\n",
          label, (unsigned long long)sync_stop, (unsigned long long)r.published_at, (unsigned long long)p.stopped_at,
          (unsigned long long)(p.stopped_at - r.published_at), (unsigned long long)(p.stopped_at - sync_stop),
          (unsigned long long)r.max_backlog);
}

START_TEST(test_loop_lag_paced_producer) {
  /* 20 us per token: 5 ms per window of 250, ~25x the guardian's cost per check */
  for (int i = 0; i < 5; i++) check_loop_run(20000, 0, true, "paced 20 us/token");
}
END_TEST

START_TEST(test_loop_producer_much_faster) {
  /* no pacing: the loop pushes ~1000x faster than the guardian compresses; then one token per
   * 0.2 us (still ~100x faster than the guardian's ~0.1 ms per 250 tokens) */
  for (int i = 0; i < 3; i++) check_loop_run(0, 1u << 16, false, "unpaced");
  for (int i = 0; i < 3; i++) check_loop_run(200, 1u << 16, false, "0.2 us/token");
}
END_TEST

START_TEST(test_ring_overrun_reported) {
  lil_guardian_monitor_config c;
  lil_guardian_monitor_config_default(&c);
  _Atomic bool gate = false;
  detok_ctx ctx = {&healthy_text, &gate};
  c.detokenize = detok;
  c.user = &ctx;
  c.ring_capacity = 2 * c.opts.every;
  lil_guardian_monitor *m;
  ck_assert_int_eq(lil_guardian_monitor_create(&c, &m, NULL), LIL_OK);
  for (int32_t i = 0; i < 4000; i++) lil_guardian_monitor_push(m, i); /* never blocks */
  atomic_store(&gate, true);
  lil_error e = {0};
  lil_guardian_monitor_report r;
  ck_assert_int_eq(lil_guardian_monitor_finish(m, &r, &e), LIL_ERR_RANGE);
  ck_assert_ptr_nonnull(strstr(e.msg, "ring overrun"));
  ck_assert(!r.stats.stopped);
  lil_guardian_monitor_free(m);
}
END_TEST

START_TEST(test_callers_ring_and_answer_action) {
  size_t n = loop_text.len / BPT;
  /* a ring that holds the whole text: under load (sanitizers, 2 busy cores) the guardian thread
   * may fall far behind the producer, and an overrun is tested elsewhere */
  size_t cap = 1024;
  while (cap < n) cap *= 2;
  int32_t *ring = calloc(cap, sizeof(int32_t));
  lil_guardian_monitor_config c;
  lil_guardian_monitor_config_default(&c);
  c.opts.action = LIL_GUARDIAN_ACTION_ANSWER;
  c.opts.inject = "\n\nFinal answer:";
  c.opts.answer_tokens = 32;
  detok_ctx ctx = {&loop_text, NULL};
  c.detokenize = detok;
  c.user = &ctx;
  c.ring = ring;
  c.ring_capacity = (uint32_t)cap;
  lil_guardian_monitor *m;
  ck_assert_int_eq(lil_guardian_monitor_create(&c, &m, NULL), LIL_OK);
  lil_guardian_decision d = {0};
  size_t i = 0;
  for (; i < n; i++) {
    ring[i % cap] = (int32_t)i; /* as the GPU would write the sampled id */
    lil_guardian_monitor_publish(m, i + 1);
    if (i % 64 == 63) spin_ns(300000); /* let the guardian keep up with this ring */
    if (lil_guardian_monitor_should_stop(m, &d)) break;
  }
  ck_assert(i < n);
  ck_assert_int_eq(d.action, LIL_GUARDIAN_ACTION_ANSWER);
  ck_assert_str_eq(d.inject, "\n\nFinal answer:");
  ck_assert_uint_eq(d.max_new_tokens, 32);
  lil_guardian_monitor_report r;
  ck_assert_int_eq(lil_guardian_monitor_finish(m, &r, NULL), LIL_OK);
  ck_assert_uint_le(i + 1 - r.published_at, 1);
  lil_guardian_monitor_free(m);
  free(ring);
}
END_TEST

START_TEST(test_create_errors) {
  lil_guardian_monitor_config c;
  lil_guardian_monitor_config_default(&c);
  lil_guardian_monitor *m = NULL;
  lil_error e = {0};
  ck_assert_int_eq(lil_guardian_monitor_create(&c, &m, &e), LIL_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(e.msg, "detokenize"));
  c.opts.measure = LIL_GUARDIAN_MEASURE_IDS;
  c.ring_capacity = c.opts.every;
  ck_assert_int_eq(lil_guardian_monitor_create(&c, &m, &e), LIL_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(e.msg, "smaller than 2 * every"));
  ck_assert_ptr_null(m);
}
END_TEST

int main(void) {
  Suite *s = suite_create("guardian_monitor");
  TCase *tc = tcase_create("monitor");
  tcase_add_unchecked_fixture(tc, setup, NULL);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_healthy_concurrent_matches_synchronous);
  tcase_add_test(tc, test_loop_lag_paced_producer);
  tcase_add_test(tc, test_loop_producer_much_faster);
  tcase_add_test(tc, test_ring_overrun_reported);
  tcase_add_test(tc, test_callers_ring_and_answer_action);
  tcase_add_test(tc, test_create_errors);
  suite_add_tcase(s, tc);
  int rc = test_run_suite(s);
  gc_pieces_free(&math);
  gc_buf_free(&healthy_text);
  gc_buf_free(&loop_text);
  return rc;
}
