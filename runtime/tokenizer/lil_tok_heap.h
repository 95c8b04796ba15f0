/* Binary max-heap of merge candidates: highest priority first, then the leftmost. */
#ifndef LIL_TOK_HEAP_H
#define LIL_TOK_HEAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct lil_merge_cand {
  double prio;   /* SPM: score of the merged token; BPE: -rank */
  int32_t left;  /* symbol index of the left part */
  int32_t right; /* symbol index of the right part */
  int32_t a, b;  /* what the parts were when queued (SPM: byte lengths; BPE: token ids) */
} lil_merge_cand;

typedef struct lil_merge_heap {
  lil_merge_cand *v;
  size_t n, cap;
} lil_merge_heap;

int lil_merge_heap_push(lil_merge_heap *h, lil_merge_cand c); /* 0 on allocation failure */
int lil_merge_heap_pop(lil_merge_heap *h, lil_merge_cand *out); /* 0 when empty */
void lil_merge_heap_free(lil_merge_heap *h);

#endif
