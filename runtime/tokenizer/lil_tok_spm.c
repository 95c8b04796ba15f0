/* SentencePiece-style BPE ("llama" model). The escaped text is split into UTF-8 characters; the
 * adjacent pair whose concatenation is a vocabulary token with the highest score is merged first
 * (leftmost on ties), until no adjacent pair forms a token. Symbols that are not tokens (single
 * characters missing from the vocabulary) fall back to their bytes as <0xNN> tokens (or unk).
 * Candidates live in a heap and are checked for staleness when popped: O(n log n). */
#include <stdint.h>
#include <stdlib.h>

#include "lil_tok_heap.h"
#include "lil_tok_internal.h"

typedef struct sym {
  size_t start;
  int32_t len; /* 0 once merged into its left neighbour */
  int32_t prev, next;
} sym;

static int try_pair(const lil_tokenizer *tok, const char *s, const sym *sy, int32_t l, int32_t r,
                    lil_merge_heap *h) {
  if (l < 0 || r < 0) return 1;
  int32_t id = lil_strmap_get(&tok->map, s + sy[l].start, (size_t)sy[l].len + (size_t)sy[r].len);
  if (id < 0) return 1;
  lil_merge_cand c = {tok->scores[id], l, r, sy[l].len, sy[r].len};
  return lil_merge_heap_push(h, c);
}

static int emit_bytes(const lil_tokenizer *tok, const char *s, size_t len, lil_idvec *out) {
  for (size_t i = 0; i < len; i++) {
    int32_t id = tok->byte_token[(unsigned char)s[i]];
    if (id < 0) id = tok->unk;
    if (id >= 0 && !lil_idvec_push(out, id)) return 0;
  }
  return 1;
}

lil_status lil_spm_encode(const lil_tokenizer *tok, const char *s, size_t len, lil_idvec *out,
                          lil_error *err) {
  if (!len) return LIL_OK;
  if (len > INT32_MAX) return lil_error_set(err, LIL_ERR_RANGE, "tokenize: text of %zu bytes is too long", len);
  sym *sy = malloc(len * sizeof(*sy));
  lil_merge_heap h = {0};
  if (!sy) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "tokenize: out of memory");
  int32_t n = 0;
  for (size_t i = 0; i < len;) {
    size_t k = lil_utf8_seq_len((unsigned char)s[i]);
    if (k > len - i) k = len - i;
    sy[n] = (sym){i, (int32_t)k, n - 1, -1};
    if (n > 0) sy[n - 1].next = n;
    n++;
    i += k;
  }
  int ok = 1;
  for (int32_t i = 1; i < n && ok; i++) ok = try_pair(tok, s, sy, i - 1, i, &h);
  lil_merge_cand c;
  while (ok && lil_merge_heap_pop(&h, &c)) {
    sym *l = &sy[c.left], *r = &sy[c.right];
    if (!l->len || !r->len || l->len != c.a || r->len != c.b) continue; /* stale */
    l->len += r->len;
    r->len = 0;
    l->next = r->next;
    if (r->next >= 0) sy[r->next].prev = c.left;
    ok = try_pair(tok, s, sy, l->prev, c.left, &h) && try_pair(tok, s, sy, c.left, l->next, &h);
  }
  for (int32_t i = 0; ok && i >= 0; i = sy[i].next) {
    int32_t id = lil_strmap_get(&tok->map, s + sy[i].start, (size_t)sy[i].len);
    ok = id >= 0 ? lil_idvec_push(out, id) : emit_bytes(tok, s + sy[i].start, (size_t)sy[i].len, out);
  }
  lil_merge_heap_free(&h);
  free(sy);
  return ok ? LIL_OK : lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "tokenize: out of memory");
}
