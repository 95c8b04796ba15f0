/* Byte-level BPE ("gpt2" model). Each pre-tokenized word is mapped byte by byte to GPT-2's
 * printable characters; adjacent symbols are merged lowest merge rank first (leftmost on ties)
 * through a heap of candidates validated when popped. With ignore_merges (Llama 3) a word that is
 * itself a token is emitted whole. */
#include <stdlib.h>

#include "lil_tok_heap.h"
#include "lil_tok_internal.h"

static int printable(unsigned b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174; }

uint32_t lil_bpe_byte_to_cp(unsigned char b) {
  if (printable(b)) return b;
  if (b <= 32) return 256u + b;
  if (b >= 127 && b <= 160) return 256u + 33u + (b - 127u);
  return 256u + 33u + 34u; /* 173 */
}

int lil_bpe_cp_to_byte(uint32_t cp) {
  if (cp < 256) return printable(cp) ? (int)cp : -1;
  if (cp <= 288) return (int)(cp - 256);
  if (cp <= 322) return (int)(cp - 289 + 127);
  if (cp == 323) return 173;
  return -1;
}

typedef struct bsym {
  int32_t id; /* token id, -1 if the character is not in the vocabulary */
  int32_t alive, prev, next;
} bsym;

typedef struct bpe_scratch {
  bsym *sy;
  char *mapped;
  lil_merge_heap heap;
} bpe_scratch;

static int try_pair(const lil_tokenizer *tok, bsym *sy, int32_t l, int32_t r, lil_merge_heap *h) {
  if (l < 0 || r < 0 || sy[l].id < 0 || sy[r].id < 0) return 1;
  int32_t rank, merged;
  if (!lil_pairmap_get(&tok->merges, sy[l].id, sy[r].id, &rank, &merged)) return 1;
  lil_merge_cand c = {-(double)rank, l, r, sy[l].id, sy[r].id};
  return lil_merge_heap_push(h, c);
}

static int push_id(const lil_tokenizer *tok, int32_t id, lil_idvec *out) {
  if (id < 0) id = tok->unk; /* a character outside the vocabulary: unk, or dropped */
  return id < 0 || lil_idvec_push(out, id);
}

static int encode_word(const lil_tokenizer *tok, const char *w, size_t len, bpe_scratch *sc,
                       lil_idvec *out) {
  size_t mlen = 0;
  for (size_t i = 0; i < len; i++) mlen += lil_utf8_encode(lil_bpe_byte_to_cp((unsigned char)w[i]), sc->mapped + mlen);
  if (tok->ignore_merges) {
    int32_t id = lil_strmap_get(&tok->map, sc->mapped, mlen);
    if (id >= 0) return lil_idvec_push(out, id);
  }
  bsym *sy = sc->sy;
  int32_t n = 0;
  for (size_t i = 0; i < mlen; n++) {
    size_t k = lil_utf8_seq_len((unsigned char)sc->mapped[i]);
    sy[n] = (bsym){lil_strmap_get(&tok->map, sc->mapped + i, k), 1, n - 1, n + 1};
    i += k;
  }
  sy[n - 1].next = -1;
  lil_merge_heap *h = &sc->heap;
  h->n = 0;
  int ok = 1;
  for (int32_t i = 1; i < n && ok; i++) ok = try_pair(tok, sy, i - 1, i, h);
  lil_merge_cand c;
  while (ok && lil_merge_heap_pop(h, &c)) {
    bsym *l = &sy[c.left], *r = &sy[c.right];
    if (!l->alive || !r->alive || l->id != c.a || r->id != c.b) continue; /* stale */
    int32_t rank, merged;
    lil_pairmap_get(&tok->merges, c.a, c.b, &rank, &merged);
    l->id = merged;
    r->alive = 0;
    l->next = r->next;
    if (r->next >= 0) sy[r->next].prev = c.left;
    ok = try_pair(tok, sy, l->prev, c.left, h) && try_pair(tok, sy, c.left, l->next, h);
  }
  for (int32_t i = 0; ok && i >= 0; i = sy[i].next) ok = push_id(tok, sy[i].id, out);
  return ok;
}

lil_status lil_bpe_encode(const lil_tokenizer *tok, const char *s, size_t len, lil_idvec *out,
                          lil_error *err) {
  size_t *bounds, nw;
  lil_status st = lil_pretokenize(tok->pre, s, len, &bounds, &nw, err);
  if (st) return st;
  size_t longest = 0, start = 0;
  for (size_t i = 0; i < nw; start = bounds[i++])
    if (bounds[i] - start > longest) longest = bounds[i] - start;
  bpe_scratch sc = {malloc(longest * sizeof(bsym) + 1), malloc(2 * longest + 1), {0}};
  int ok = sc.sy && sc.mapped;
  start = 0;
  for (size_t i = 0; ok && i < nw; start = bounds[i++]) ok = encode_word(tok, s + start, bounds[i] - start, &sc, out);
  lil_merge_heap_free(&sc.heap);
  free(sc.sy);
  free(sc.mapped);
  free(bounds);
  return ok ? LIL_OK : lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "tokenize: out of memory");
}
