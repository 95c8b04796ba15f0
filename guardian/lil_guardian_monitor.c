/* The Guardian on its own thread: token ring, lock-free push, stop flag. */
#include "lil_guardian_monitor.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_RING 65536u

/* stop_flag: 0 running; 1 stop decided (decision readable); 2 published_at recorded too. */
struct lil_guardian_monitor {
  lil_guardian_monitor_config cfg;
  lil_guardian *g;
  _Atomic int32_t *own_ring; /* NULL when the caller's ring is used */
  size_t cap;
  _Atomic uint64_t written;  /* tokens published by the decode loop */
  uint64_t pushed;           /* decode thread's private copy of written (push) */
  _Atomic int stop_flag;
  _Atomic bool done;
  _Atomic uint64_t published_at;
  lil_guardian_decision decision; /* written before stop_flag = 1 */
  sem_t ready;
  pthread_t thread;
  bool started, finished;
  /* guardian-thread state */
  uint64_t read;
  int32_t *window;
  lil_guardian_text text;
  uint64_t max_backlog, thread_cpu_ns;
  lil_error thread_err; /* first error on the guardian thread (status LIL_OK if none) */
};

lil_status lil_guardian_text_append(lil_guardian_text *t, const char *bytes, size_t n, lil_error *err) {
  if (!t || (!bytes && n)) return lil_error_set(err, LIL_ERR_INVALID_ARG, "lil_guardian_text_append: NULL argument");
  if (t->len + n > t->cap) {
    size_t cap = t->cap ? t->cap : 1024;
    while (cap < t->len + n) cap *= 2;
    char *p = realloc(t->data, cap);
    if (!p) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "guardian: out of memory for %zu bytes of text", cap);
    t->data = p;
    t->cap = cap;
  }
  if (n) memcpy(t->data + t->len, bytes, n);
  t->len += n;
  return LIL_OK;
}

void lil_guardian_monitor_config_default(lil_guardian_monitor_config *c) {
  memset(c, 0, sizeof(*c));
  lil_guardian_opts_default(&c->opts);
}

static uint64_t read_written(lil_guardian_monitor *m) { return atomic_load(&m->written); }

/* Copies window [read, read + f) out of the ring; false on overrun (the loop lapped us). */
static bool copy_window(lil_guardian_monitor *m, uint32_t f) {
  for (uint32_t i = 0; i < f; i++) {
    size_t slot = (size_t)((m->read + i) % m->cap);
    m->window[i] = m->own_ring ? atomic_load_explicit(&m->own_ring[slot], memory_order_relaxed) : m->cfg.ring[slot];
  }
  /* The loop may be writing token `written` (not yet counted): the copy is intact only if no
   * token >= read + cap had started, i.e. written < read + cap after the copy. */
  uint64_t w = read_written(m);
  if (w - m->read >= m->cap) {
    lil_error_set(&m->thread_err, LIL_ERR_RANGE,
                  "guardian: ring overrun: the decode loop was %llu tokens ahead of the guardian with a ring of %zu "
                  "tokens (enlarge ring_capacity)",
                  (unsigned long long)(w - m->read), m->cap);
    return false;
  }
  return true;
}

static void publish_stop(lil_guardian_monitor *m, const lil_guardian_decision *d) {
  m->decision = *d;
  m->decision.published_at = UINT64_MAX;
  atomic_store(&m->stop_flag, 1); /* seq_cst: ordered before the load of written below */
  uint64_t w = atomic_load(&m->written);
  atomic_store(&m->published_at, w);
  atomic_store(&m->stop_flag, 2);
}

static bool check_one_window(lil_guardian_monitor *m, uint64_t avail) {
  uint32_t f = m->cfg.opts.every;
  if (avail - m->read > m->max_backlog) m->max_backlog = avail - m->read;
  if (!copy_window(m, f)) return false;
  lil_guardian_decision d;
  lil_status st;
  if (m->cfg.opts.measure == LIL_GUARDIAN_MEASURE_IDS) {
    st = lil_guardian_add_ids(m->g, m->window, f, NULL, &d, &m->thread_err);
  } else {
    m->text.len = 0;
    st = m->cfg.detokenize(m->cfg.user, m->window, f, &m->text, &m->thread_err);
    if (st) lil_error_prefix(&m->thread_err, "guardian: detokenize tokens %llu..%llu", (unsigned long long)m->read,
                             (unsigned long long)(m->read + f));
    else st = lil_guardian_add_text(m->g, m->text.data, m->text.len, f, &d, &m->thread_err);
  }
  if (st) return false;
  m->read += f;
  if (d.stop) publish_stop(m, &d);
  return !d.stop;
}

static void *monitor_main(void *arg) {
  lil_guardian_monitor *m = arg;
  uint32_t f = m->cfg.opts.every;
  bool active = true;
  for (;;) {
    bool done = atomic_load(&m->done); /* before the count: after done, the count is final */
    uint64_t avail = read_written(m);
    if (active && avail - m->read >= f) {
      active = check_one_window(m, avail);
      continue;
    }
    if (done) break;
    while (sem_wait(&m->ready) != 0) {
    }
  }
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  m->thread_cpu_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
  return NULL;
}

lil_status lil_guardian_monitor_create(const lil_guardian_monitor_config *c, lil_guardian_monitor **out,
                                       lil_error *err) {
  if (!c || !out) return lil_error_set(err, LIL_ERR_INVALID_ARG, "lil_guardian_monitor_create: NULL argument");
  *out = NULL;
  if (c->opts.measure == LIL_GUARDIAN_MEASURE_TEXT && !c->detokenize)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian monitor: measuring text needs a detokenize callback");
  size_t cap = c->ring_capacity ? c->ring_capacity : DEFAULT_RING;
  if (c->ring && !c->ring_capacity)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian monitor: a caller's ring needs its capacity");
  if (cap < 2 * (size_t)c->opts.every)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian monitor: ring of %zu tokens is smaller than 2 * every (%u)",
                         cap, 2 * c->opts.every);
  lil_guardian_monitor *m = calloc(1, sizeof(*m));
  if (!m) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "guardian monitor: out of memory");
  m->cfg = *c;
  m->cap = cap;
  lil_status st = lil_guardian_create(&c->opts, &m->g, err);
  if (!st && c->opts.include_prompt) {
    if (c->opts.measure == LIL_GUARDIAN_MEASURE_IDS) st = lil_guardian_set_prompt_ids(m->g, c->prompt_ids, c->n_prompt_ids, err);
    else st = lil_guardian_set_prompt_text(m->g, c->prompt_text, c->prompt_len, err);
  }
  if (st) {
    lil_guardian_free(m->g);
    free(m);
    return st;
  }
  m->window = malloc(c->opts.every * sizeof(int32_t));
  if (!c->ring) m->own_ring = calloc(cap, sizeof(*m->own_ring));
  if (!m->window || (!c->ring && !m->own_ring)) {
    lil_guardian_monitor_free(m);
    return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "guardian monitor: out of memory for a ring of %zu tokens", cap);
  }
  atomic_init(&m->written, 0);
  atomic_init(&m->stop_flag, 0);
  atomic_init(&m->done, false);
  atomic_init(&m->published_at, 0);
  if (sem_init(&m->ready, 0, 0) != 0) {
    lil_guardian_monitor_free(m);
    return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "guardian monitor: sem_init failed");
  }
  if (pthread_create(&m->thread, NULL, monitor_main, m) != 0) {
    sem_destroy(&m->ready);
    lil_guardian_monitor_free(m); /* not started: frees only */
    return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "guardian monitor: pthread_create failed");
  }
  m->started = true;
  *out = m;
  return LIL_OK;
}

void lil_guardian_monitor_push(lil_guardian_monitor *m, int32_t token) {
  uint64_t pos = m->pushed;
  atomic_store_explicit(&m->own_ring[pos % m->cap], token, memory_order_relaxed);
  m->pushed = pos + 1;
  atomic_store(&m->written, pos + 1); /* seq_cst: ordered before the loop's next should_stop */
  if ((pos + 1) % m->cfg.opts.every == 0) sem_post(&m->ready);
}

void lil_guardian_monitor_publish(lil_guardian_monitor *m, uint64_t n_tokens) {
  uint64_t old = atomic_load_explicit(&m->written, memory_order_relaxed);
  atomic_store(&m->written, n_tokens);
  if (n_tokens / m->cfg.opts.every != old / m->cfg.opts.every) sem_post(&m->ready);
}

bool lil_guardian_monitor_should_stop(lil_guardian_monitor *m, lil_guardian_decision *d) {
  int flag = atomic_load(&m->stop_flag);
  if (!flag) return false;
  if (d) {
    *d = m->decision;
    d->published_at = flag == 2 ? atomic_load(&m->published_at) : UINT64_MAX;
  }
  return true;
}

lil_status lil_guardian_monitor_finish(lil_guardian_monitor *m, lil_guardian_monitor_report *r, lil_error *err) {
  if (!m) return lil_error_set(err, LIL_ERR_INVALID_ARG, "lil_guardian_monitor_finish: NULL monitor");
  if (!m->finished) {
    atomic_store(&m->done, true);
    sem_post(&m->ready);
    pthread_join(m->thread, NULL);
    m->finished = true;
  }
  if (r) {
    memset(r, 0, sizeof(*r));
    lil_guardian_get_stats(m->g, &r->stats);
    r->published_at = atomic_load(&m->published_at);
    r->max_backlog = m->max_backlog;
    r->thread_cpu_ns = m->thread_cpu_ns;
  }
  if (m->thread_err.status) {
    if (err) *err = m->thread_err;
    return m->thread_err.status;
  }
  return LIL_OK;
}

void lil_guardian_monitor_free(lil_guardian_monitor *m) {
  if (!m) return;
  if (m->started) {
    lil_guardian_monitor_finish(m, NULL, NULL);
    sem_destroy(&m->ready);
  }
  lil_guardian_free(m->g);
  free(m->window);
  free(m->own_ring);
  free(m->text.data);
  free(m);
}
