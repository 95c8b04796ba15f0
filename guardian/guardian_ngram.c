/* Repeated byte n-gram share: rolling hash into a fixed bitmap (see guardian_ngram.h). */
#include "guardian_ngram.h"

#include <stdlib.h>
#include <string.h>

#define GD_NGRAM_BASE 0x100000001b3ull /* odd multiplier of the polynomial hash (mod 2^64) */

lil_status gd_ngram_init(gd_ngram *g, bool mask_digits, lil_error *err) {
  memset(g, 0, sizeof(*g));
  g->mask_digits = mask_digits;
  g->bits = calloc((size_t)1 << (GD_NGRAM_BITS - 6), sizeof(uint64_t));
  if (!g->bits) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "guardian: out of memory for the n-gram bitmap");
  g->out_pow = 1;
  for (int i = 0; i < GD_NGRAM_N - 1; i++) g->out_pow *= GD_NGRAM_BASE;
  return LIL_OK;
}

void gd_ngram_add(gd_ngram *g, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = g->mask_digits && p[i] >= '0' && p[i] <= '9' ? '0' : p[i];
    size_t slot = (size_t)(g->seen % GD_NGRAM_N);
    if (g->seen >= GD_NGRAM_N) g->hash -= g->out_pow * (uint64_t)(g->ring[slot] + 1);
    g->hash = g->hash * GD_NGRAM_BASE + (uint64_t)(c + 1);
    g->ring[slot] = c;
    g->seen++;
    if (g->seen < GD_NGRAM_N) continue;
    /* Fibonacci hashing spreads the polynomial hash over the bitmap */
    uint64_t idx = (g->hash * 0x9e3779b97f4a7c15ull) >> (64 - GD_NGRAM_BITS);
    uint64_t mask = 1ull << (idx & 63);
    uint64_t *w = &g->bits[idx >> 6];
    g->hits += (*w & mask) != 0;
    *w |= mask;
    g->grams++;
  }
}

double gd_ngram_take_share(gd_ngram *g) {
  double s = g->grams ? (double)g->hits / (double)g->grams : 0.0;
  g->grams = g->hits = 0;
  return s;
}

void gd_ngram_end(gd_ngram *g) {
  free(g->bits);
  g->bits = NULL;
}
