/* Byte-level BPE pre-tokenizers: hand-written matchers equivalent to the regexes documented in
 * lil_tokenizer.h (leftmost match, alternatives tried in order, greedy quantifiers with the
 * backtracking the regex engine would do). \s is the White_Space property, \p{L} and \p{N} the
 * general categories L* and N* (lil_unicode). The (?i:...) contractions fold ASCII case only. */
#include <stdlib.h>

#include "lil_tok_internal.h"
#include "lil_unicode.h"

typedef struct cps {
  const uint32_t *c;
  const uint8_t *f;
  size_t n;
} cps;

static int is_l(const cps *t, size_t i) { return i < t->n && (t->f[i] & LIL_UNI_LETTER); }
static int is_n(const cps *t, size_t i) { return i < t->n && (t->f[i] & LIL_UNI_NUMBER); }
static int is_s(const cps *t, size_t i) { return i < t->n && (t->f[i] & LIL_UNI_SPACE); }
static int is_nl(const cps *t, size_t i) { return i < t->n && (t->c[i] == '\r' || t->c[i] == '\n'); }
/* [^\s\p{L}\p{N}] */
static int is_other(const cps *t, size_t i) { return i < t->n && !(t->f[i] & (LIL_UNI_LETTER | LIL_UNI_NUMBER | LIL_UNI_SPACE)); }

static uint32_t fold(uint32_t c, int ci) { return (ci && c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* 's|'t|'re|'ve|'m|'ll|'d at i; returns the match length or 0. */
static size_t contraction(const cps *t, size_t i, int ci) {
  if (t->c[i] != '\'' || i + 1 >= t->n) return 0;
  uint32_t a = fold(t->c[i + 1], ci);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (i + 2 >= t->n) return 0;
  uint32_t b = fold(t->c[i + 2], ci);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

/* \s+(?!\S) then \s+ at i (t->c[i] is whitespace). */
static size_t space_run(const cps *t, size_t i) {
  size_t e = i;
  while (is_s(t, e)) e++;
  if (e == t->n || e - i == 1) return e - i;
  return e - i - 1; /* leave the last space to the word that follows */
}

/* Llama 3 / Qwen2 alternation at i; max_digits 3 or 1. */
static size_t match_llama3(const cps *t, size_t i, size_t max_digits) {
  size_t m = contraction(t, i, 1);
  if (m) return m;
  /* [^\r\n\p{L}\p{N}]?\p{L}+ */
  size_t j = i;
  if (!is_nl(t, j) && !is_l(t, j) && !is_n(t, j) && is_l(t, j + 1)) j++;
  if (is_l(t, j)) {
    while (is_l(t, j)) j++;
    return j - i;
  }
  /* \p{N}{1,max} */
  if (is_n(t, i)) {
    j = i;
    while (j - i < max_digits && is_n(t, j)) j++;
    return j - i;
  }
  /*  ?[^\s\p{L}\p{N}]+[\r\n]* */
  j = i + (t->c[i] == ' ');
  if (is_other(t, j)) {
    while (is_other(t, j)) j++;
    while (is_nl(t, j)) j++;
    return j - i;
  }
  /* \s*[\r\n]+ : up to the last newline of the whitespace run */
  size_t e = i, last_nl = 0;
  int any_nl = 0;
  while (is_s(t, e)) {
    if (is_nl(t, e)) {
      last_nl = e;
      any_nl = 1;
    }
    e++;
  }
  if (any_nl) return last_nl + 1 - i;
  if (e > i) return space_run(t, i);
  return 1; /* unreachable: every character is a letter, number, space or other */
}

static size_t match_gpt2(const cps *t, size_t i) {
  size_t m = contraction(t, i, 0);
  if (m) return m;
  size_t j = i + (t->c[i] == ' ');
  if (is_l(t, j)) {
    while (is_l(t, j)) j++;
    return j - i;
  }
  if (is_n(t, j)) {
    while (is_n(t, j)) j++;
    return j - i;
  }
  if (is_other(t, j)) {
    while (is_other(t, j)) j++;
    return j - i;
  }
  if (is_s(t, i)) return space_run(t, i);
  return 1;
}

lil_status lil_pretokenize(lil_pretokenizer pre, const char *s, size_t len, size_t **bounds,
                           size_t *n_words, lil_error *err) {
  *bounds = NULL;
  *n_words = 0;
  if (!len) return LIL_OK;
  uint32_t *c = malloc(len * sizeof(*c));
  uint8_t *f = malloc(len);
  size_t *off = malloc((len + 1) * sizeof(*off));
  size_t *b = malloc(len * sizeof(*b));
  if (!c || !f || !off || !b) {
    free(c), free(f), free(off), free(b);
    return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "pre-tokenize: out of memory");
  }
  size_t n = 0;
  for (size_t i = 0; i < len; n++) {
    off[n] = i;
    i += lil_utf8_decode(s + i, len - i, &c[n]);
    f[n] = (uint8_t)lil_unicode_flags(c[n]);
  }
  off[n] = len;
  cps t = {c, f, n};
  size_t nw = 0;
  for (size_t i = 0; i < n;) {
    size_t m = pre == LIL_PRE_GPT2 ? match_gpt2(&t, i) : match_llama3(&t, i, pre == LIL_PRE_QWEN2 ? 1 : 3);
    i += m;
    b[nw++] = off[i];
  }
  free(c), free(f), free(off);
  *bounds = b;
  *n_words = nw;
  return LIL_OK;
}
