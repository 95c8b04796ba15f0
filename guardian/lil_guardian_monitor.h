/* The Guardian on its own CPU thread, fed by the decode loop through a token ring.
 *
 * Decode thread (per step)                 Guardian thread
 *   lil_guardian_monitor_push(m, tok)        waits until f new tokens are in the ring,
 *   if (lil_guardian_monitor_should_stop)    copies them out, detokenizes, measures, decides;
 *     act on the decision                    on a stop raises the flag (C11 atomics)
 *
 * push and should_stop never block and take no lock: push is a relaxed store into the ring, a
 * seq_cst store of the count and, once per f tokens, sem_post (which only enters the kernel when
 * the guardian thread is asleep); should_stop is one seq_cst load. Because the guardian raises
 * the flag (seq_cst) before it reads the count, and the loop publishes each token before it reads
 * the flag, the loop stops at most one token after the count recorded as `published_at`
 * (docs/guardian.md, "Lag"). How far `published_at` is past the decision's `position` depends on
 * how many tokens the loop produced while the guardian was measuring.
 *
 * The ring is the monitor's own (push) or the caller's (e.g. host-visible memory the GPU writes
 * the sampled ids into; then the loop calls publish with the count after each step's fence).
 * If the loop laps the guardian by a whole ring, the monitor stops checking and finish reports
 * LIL_ERR_RANGE ("ring overrun"); the default ring (65536 tokens) holds minutes of decoding. */
#ifndef LIL_GUARDIAN_MONITOR_H
#define LIL_GUARDIAN_MONITOR_H

#include "lil_guardian.h"

/* Growable text buffer the detokenize callback appends to. */
typedef struct lil_guardian_text {
  char *data;
  size_t len, cap;
} lil_guardian_text;
lil_status lil_guardian_text_append(lil_guardian_text *t, const char *bytes, size_t n, lil_error *err);

/* Appends the text of ids[0..n) to out (called on the guardian thread, one window at a time;
 * a window may end inside a UTF-8 sequence: the guardian carries the tail). */
typedef lil_status (*lil_guardian_detokenize_fn)(void *user, const int32_t *ids, size_t n, lil_guardian_text *out,
                                                 lil_error *err);

typedef struct lil_guardian_monitor_config {
  lil_guardian_opts opts;
  const int32_t *ring;       /* caller's ring (token i at ring[i % ring_capacity]) or NULL: own ring */
  size_t ring_capacity;      /* tokens, >= 2 * opts.every; 0: 65536 for the own ring */
  lil_guardian_detokenize_fn detokenize; /* required for MEASURE_TEXT */
  void *user;
  const char *prompt_text;   /* optional prompt (used if opts.include_prompt) */
  size_t prompt_len;
  const int32_t *prompt_ids; /* MEASURE_IDS prompt */
  size_t n_prompt_ids;
} lil_guardian_monitor_config;

typedef struct lil_guardian_monitor_report {
  lil_guardian_stats stats; /* checks, gains, stop position, CPU time inside the guardian */
  uint64_t published_at;    /* loop's token count when the stop flag went up (if stats.stopped) */
  uint64_t max_backlog;     /* most tokens waiting in the ring when a check started */
  uint64_t thread_cpu_ns;   /* CPU time of the whole guardian thread (detokenizing included) */
} lil_guardian_monitor_report;

typedef struct lil_guardian_monitor lil_guardian_monitor;

void lil_guardian_monitor_config_default(lil_guardian_monitor_config *c);
/* Starts the guardian thread. */
lil_status lil_guardian_monitor_create(const lil_guardian_monitor_config *c, lil_guardian_monitor **out,
                                       lil_error *err);
/* Decode thread, own ring only: the next sampled token. Lock-free, never blocks. */
void lil_guardian_monitor_push(lil_guardian_monitor *m, int32_t token);
/* Decode thread, caller's ring only: tokens [0, n_tokens) are now in the ring. */
void lil_guardian_monitor_publish(lil_guardian_monitor *m, uint64_t n_tokens);
/* Decode thread: true once the guardian decided to stop; d (may be NULL) receives the decision. */
bool lil_guardian_monitor_should_stop(lil_guardian_monitor *m, lil_guardian_decision *d);
/* End of generation: the guardian checks the complete windows still in the ring, then its thread
 * ends. report (may be NULL) is filled; the stats' checks stay valid until free. Returns the
 * thread's first error (detokenize failure, ring overrun), if any. */
lil_status lil_guardian_monitor_finish(lil_guardian_monitor *m, lil_guardian_monitor_report *report, lil_error *err);
/* Finishes if needed, then frees. */
void lil_guardian_monitor_free(lil_guardian_monitor *m);

#endif
