/* The Guardian: stops a long generation when it stops adding information.
 *
 * Every `every` generated tokens (f) it measures the deflate-compressed size C of the generated
 * text (raw deflate, RFC 1951, zlib level `level`), takes the gain C - C_prev since the previous
 * check, and asks a rule whether the run has plateaued. Cost per check is constant in the length
 * of the text: one streaming deflate over the whole output (never flushed) is copied at each check
 * and only the copy is finished, which gives exactly the size a full recompression would give.
 *
 * No Vulkan, no global state: usable alone on text. See docs/guardian.md.
 *
 *   lil_guardian_opts o;
 *   lil_guardian_opts_default(&o);
 *   lil_guardian *g;
 *   if (lil_guardian_create(&o, &g, &err)) ...;
 *   for each piece of output (text bytes of n_tokens tokens, not crossing lil_guardian_next_check):
 *     lil_guardian_add_text(g, bytes, n, n_tokens, &d, &err);
 *     if (d.stop) act on d.action (stop, or inject d.inject and allow d.max_new_tokens more);
 *   lil_guardian_free(g);
 */
#ifndef LIL_GUARDIAN_H
#define LIL_GUARDIAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lil_status.h"

typedef enum lil_guardian_rule {
  LIL_GUARDIAN_RULE_RELATIVE = 0, /* gain < max(t, ratio * median(first K gains)) */
  LIL_GUARDIAN_RULE_PAPER,        /* the paper's: gain < t */
  LIL_GUARDIAN_RULE_LOOP,         /* the default: gain < max(t, loop_ratio * max(first K gains)),
                                     and on average over the last two windows at least `share` of
                                     their 16-byte n-grams were seen before in the run, or at least
                                     `share_digits` with digits masked */
} lil_guardian_rule;

typedef enum lil_guardian_measure {
  LIL_GUARDIAN_MEASURE_TEXT = 0, /* detokenized UTF-8 text (default) */
  LIL_GUARDIAN_MEASURE_IDS,      /* token ids, 4 bytes little-endian each */
} lil_guardian_measure;

typedef enum lil_guardian_action {
  LIL_GUARDIAN_ACTION_STOP = 0, /* end generation */
  LIL_GUARDIAN_ACTION_ANSWER,   /* inject `inject`, then allow up to `answer_tokens` more tokens */
} lil_guardian_action;

typedef struct lil_guardian_opts {
  uint32_t every;           /* f: tokens between checks (250) */
  uint32_t threshold;       /* t: bytes of compressed growth per check (20) */
  uint32_t patience;        /* consecutive low checks needed to stop (1) */
  uint32_t min_tokens;      /* no stop before this many generated tokens (0); checks still run */
  int level;                /* zlib level 1..9 (6) */
  lil_guardian_rule rule;   /* LOOP (default), RELATIVE or PAPER */
  double ratio;             /* relative rule: fraction of the baseline gain (0.2) */
  uint32_t baseline_checks; /* relative and loop rules: K (1..64), baseline = median (relative) or
                               largest (loop) of the first K gains (4) */
  double loop_ratio;        /* loop rule: fraction of the largest of the first K gains (0.5) */
  double share;             /* loop rule: least mean share of repeated 16-byte n-grams over the last two
                               windows (0.6) */
  double share_digits;      /* loop rule: the same with every digit counted as '0' (0.95) */
  lil_guardian_measure measure;
  bool include_prompt;      /* compress the prompt too (as context; false) */
  lil_guardian_action action;
  const char *inject;       /* ANSWER: text to inject ("\n</think>\n\n"); copied at create */
  uint32_t answer_tokens;   /* ANSWER: M, tokens allowed after the injection (128) */
} lil_guardian_opts;

void lil_guardian_opts_default(lil_guardian_opts *o);
/* Sets one option from text, as the CLI spells it: every, threshold, patience, min-tokens,
 * level, rule (paper|relative|loop), ratio, baseline-checks, loop-ratio, share, share-digits, measure (text|ids), include-prompt
 * (0|1|true|false), action (stop|answer), inject (string, not copied), answer-tokens.
 * Errors: unknown key or bad value, with a one-line message. */
lil_status lil_guardian_opts_set(lil_guardian_opts *o, const char *key, const char *value, lil_error *err);
lil_status lil_guardian_opts_validate(const lil_guardian_opts *o, lil_error *err);
const char *lil_guardian_rule_name(lil_guardian_rule r);

typedef enum lil_guardian_reason {
  LIL_GUARDIAN_REASON_NONE = 0,  /* not stopped */
  LIL_GUARDIAN_REASON_PLATEAU,   /* `patience` low checks in a row (gain below the threshold; with
                                    the loop rule also a repeated-n-gram share >= `share`) */
} lil_guardian_reason;

/* Result of one add call. `checked` says whether a check ran; `stop` whether the rule fired
 * (at this check or before: once stopped, a guardian stays stopped and runs no more checks). */
typedef struct lil_guardian_decision {
  bool checked;
  bool stop;
  lil_guardian_reason reason;
  lil_guardian_action action;
  const char *inject;        /* ANSWER: owned by the guardian, valid until free */
  uint32_t max_new_tokens;   /* ANSWER: M */
  uint64_t position;         /* generated tokens covered by the (last) check */
  uint32_t check;            /* 1-based index of that check */
  uint64_t size;             /* compressed size at that check, bytes */
  int64_t gain;              /* growth since the previous check, bytes */
  double threshold;          /* the threshold the gain was compared with */
  double share;              /* loop rule: repeated n-gram share of the window; -1 for other rules */
  double share_digits;       /* loop rule: the same with digits masked; -1 for other rules */
  uint64_t published_at;     /* monitor only: tokens the decode loop had published when the stop
                                flag went up (UINT64_MAX while not yet recorded; 0 elsewhere) */
} lil_guardian_decision;

typedef struct lil_guardian_check {
  uint64_t position; /* generated tokens */
  uint64_t size;     /* compressed bytes */
  int64_t gain;
  double threshold;
  double share; /* loop rule: share of the window's 16-byte n-grams seen before; -1 otherwise */
  double share_digits; /* loop rule: the same with every digit counted as '0'; -1 otherwise */
} lil_guardian_check;

typedef struct lil_guardian_stats {
  uint32_t n_checks;
  const lil_guardian_check *checks; /* n_checks entries, owned by the guardian */
  bool stopped;
  lil_guardian_reason reason;
  uint64_t stop_position;  /* tokens generated at the stop decision (valid if stopped) */
  uint64_t tokens;         /* generated tokens seen */
  uint64_t bytes;          /* bytes measured (generated, plus prompt if included) */
  uint64_t cpu_ns;         /* CPU time spent in the guardian (CLOCK_THREAD_CPUTIME_ID) */
} lil_guardian_stats;

typedef struct lil_guardian lil_guardian;

lil_status lil_guardian_create(const lil_guardian_opts *o, lil_guardian **out, lil_error *err);
void lil_guardian_free(lil_guardian *g);

/* The prompt, before any output. Compressed (as context, no check) only if include_prompt. */
lil_status lil_guardian_set_prompt_text(lil_guardian *g, const char *text, size_t n, lil_error *err);
lil_status lil_guardian_set_prompt_ids(lil_guardian *g, const int32_t *ids, size_t n, lil_error *err);

/* Token position at which the next check runs (a multiple of `every`). */
uint64_t lil_guardian_next_check(const lil_guardian *g);

/* Appends generated text covering n_tokens tokens (MEASURE_TEXT). If the token count reaches the
 * next check position, one check runs at the new count, so callers should not cross a check
 * position inside one call. An incomplete UTF-8 sequence at the end is carried to the next call
 * (measured with it). d may be NULL. */
lil_status lil_guardian_add_text(lil_guardian *g, const char *text, size_t n, size_t n_tokens,
                                 lil_guardian_decision *d, lil_error *err);
/* Appends token ids (MEASURE_IDS only; LIL_ERR_INVALID_ARG otherwise). Splits at check positions
 * itself and returns at the first check that stops; *consumed (may be NULL) receives how many ids
 * were taken. */
lil_status lil_guardian_add_ids(lil_guardian *g, const int32_t *ids, size_t n, size_t *consumed,
                                lil_guardian_decision *d, lil_error *err);

/* Measures the held-back UTF-8 tail (end of output). Runs no check. */
lil_status lil_guardian_flush(lil_guardian *g, lil_error *err);

void lil_guardian_get_stats(const lil_guardian *g, lil_guardian_stats *s);

/* Raw deflate size of a buffer compressed in one go: the full-recompression reference. */
lil_status lil_guardian_deflate_size(const void *data, size_t n, int level, uint64_t *size, lil_error *err);

#endif
