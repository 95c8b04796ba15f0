/* Internal: share of repeated byte n-grams, at constant cost per byte and fixed memory.
 *
 * A rolling hash over the last n bytes (n = 16) marks every n-gram of the output in a bitmap of
 * 2^23 bits (1 MiB). A window's share is the fraction of n-grams ending in that window whose bit
 * was already set: the n-gram occurred earlier in the run (or earlier in the window). Bits are
 * never cleared, so the whole run is the history. Collisions make the share an overestimate by
 * at most the bitmap's fill, 1 - exp(-bytes / 2^23): 0.1% at 8 KiB of text, 6% at 512 KiB
 * (128k tokens of 4 bytes). With mask_digits every ASCII digit is hashed as '0', so "Step 135: ..."
 * and "Step 136: ..." are the same n-grams. */
#ifndef LIL_GUARDIAN_NGRAM_H
#define LIL_GUARDIAN_NGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lil_status.h"

#define GD_NGRAM_N 16
#define GD_NGRAM_BITS 23

typedef struct gd_ngram {
  uint64_t *bits;   /* 2^GD_NGRAM_BITS bits */
  bool mask_digits; /* every ASCII digit counts as '0' (loops that only renumber or recount) */
  uint64_t hash;    /* rolling hash of the last GD_NGRAM_N bytes */
  uint64_t out_pow; /* B^(N-1), to remove the byte leaving the n-gram */
  unsigned char ring[GD_NGRAM_N];
  uint64_t seen;    /* bytes seen */
  uint64_t grams, hits; /* n-grams and repeated n-grams since the last take */
} gd_ngram;

lil_status gd_ngram_init(gd_ngram *g, bool mask_digits, lil_error *err);
void gd_ngram_add(gd_ngram *g, const void *data, size_t n);
/* Share of the n-grams added since the last call that were seen before; 0 if there were none.
 * Resets the window counters. */
double gd_ngram_take_share(gd_ngram *g);
void gd_ngram_end(gd_ngram *g);

#endif
