/* Merge candidate heap. */
#include "lil_tok_heap.h"

#include <stdlib.h>

static int before(const lil_merge_cand *x, const lil_merge_cand *y) {
  if (x->prio != y->prio) return x->prio > y->prio;
  return x->left < y->left;
}

int lil_merge_heap_push(lil_merge_heap *h, lil_merge_cand c) {
  if (h->n == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 64;
    lil_merge_cand *v = realloc(h->v, cap * sizeof(*v));
    if (!v) return 0;
    h->v = v;
    h->cap = cap;
  }
  size_t i = h->n++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!before(&c, &h->v[p])) break;
    h->v[i] = h->v[p];
    i = p;
  }
  h->v[i] = c;
  return 1;
}

int lil_merge_heap_pop(lil_merge_heap *h, lil_merge_cand *out) {
  if (!h->n) return 0;
  *out = h->v[0];
  lil_merge_cand last = h->v[--h->n];
  size_t i = 0;
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, best = i;
    const lil_merge_cand *bv = &last;
    if (l < h->n && before(&h->v[l], bv)) {
      best = l;
      bv = &h->v[l];
    }
    if (r < h->n && before(&h->v[r], bv)) best = r;
    if (best == i) break;
    h->v[i] = h->v[best];
    i = best;
  }
  if (h->n) h->v[i] = last;
  return 1;
}

void lil_merge_heap_free(lil_merge_heap *h) {
  free(h->v);
  h->v = NULL;
  h->n = h->cap = 0;
}
