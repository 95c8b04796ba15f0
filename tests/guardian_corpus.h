/* Test/study helper: realistic healthy and looping "reasoning" texts built from the benchmark
 * problem sets of assets/benchmarks (as the build unpacks them) and from this repository's own C
 * sources. */
#ifndef LIL_GUARDIAN_CORPUS_H
#define LIL_GUARDIAN_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "lil_guardian.h"
#include "test_common.h"

typedef struct gc_buf {
  char *data;
  size_t len, cap;
} gc_buf;

void gc_buf_add(gc_buf *b, const char *s, size_t n);
void gc_buf_free(gc_buf *b);

/* The pieces: every record's field of a benchmark file, in order. */
typedef struct gc_pieces {
  char **s;
  size_t n;
} gc_pieces;

/* Loads field `field` of every record of <file> (assets/benchmarks/<file>.gz unpacked: test_data_path);
 * aborts on error. */
gc_pieces gc_load(const char *file, const char *field);
/* The $...$ and \[...\] parts of the pieces (equation-only text). */
gc_pieces gc_equations(const gc_pieces *src);
/* This repository's C sources (code text). */
gc_pieces gc_code(void);
void gc_pieces_free(gc_pieces *p);

/* Appends pieces starting at index `start` (wrapping), separated by "\n\n", until len >= target. */
void gc_fill(gc_buf *b, const gc_pieces *p, size_t start, size_t target);
/* Appends repetitions of `para` until b->len >= target. edits: 0 verbatim; 1 each number changed with
 * probability 1/4 in each repetition; 2 numbers changed, a "Wait, let me re-check." style phrase inserted and words
 * swapped. seed drives the edits. */
void gc_loop(gc_buf *b, const char *para, size_t target, int edits, uint64_t *seed);

/* Runs a guardian with opts over text, tokens = bytes_per_token bytes, feeding f tokens at a time.
 * Returns the stop position in tokens, or 0 if it never stopped. checks_out (may be NULL) gets a
 * malloc'ed copy of the checks (n in *n_checks). */
uint64_t gc_run(const lil_guardian_opts *o, const char *text, size_t len, size_t bytes_per_token,
                lil_guardian_check **checks_out, size_t *n_checks);

#endif
