/* Tokenizer construction from an in-memory vocabulary, accessors, pieces and detokenization. */
#include <stdlib.h>
#include <string.h>

#include "lil_tok_internal.h"

int lil_idvec_push(lil_idvec *v, int32_t id) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 64;
    int32_t *p = realloc(v->v, cap * sizeof(*p));
    if (!p) return 0;
    v->v = p;
    v->cap = cap;
  }
  v->v[v->n++] = id;
  return 1;
}

void lil_vocab_desc_init(lil_vocab_desc *d, lil_tokenizer_model model, lil_pretokenizer pre) {
  memset(d, 0, sizeof(*d));
  d->model = model;
  d->pre = model == LIL_TOKENIZER_SPM ? LIL_PRE_NONE : pre;
  d->bos_id = d->eos_id = d->eot_id = d->eom_id = d->unk_id = -1;
  d->add_bos = model == LIL_TOKENIZER_SPM || pre == LIL_PRE_LLAMA3;
  d->add_space_prefix = model == LIL_TOKENIZER_SPM;
}

void lil_tokenizer_free(lil_tokenizer *tok) {
  if (!tok) return;
  free(tok->text);
  free(tok->offs);
  free(tok->lens);
  free(tok->piece);
  free(tok->piece_offs);
  free(tok->piece_lens);
  free(tok->scores);
  free(tok->types);
  free(tok->special);
  lil_strmap_free(&tok->map);
  lil_pairmap_free(&tok->merges);
  free(tok);
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* Writes the output bytes of token i to out; returns their count (never more than its text). */
static size_t make_piece(const lil_tokenizer *tok, uint32_t i, char *out) {
  const char *s = tok->text + tok->offs[i];
  size_t len = tok->lens[i], n = 0;
  int type = tok->types[i];
  if (type == LIL_TOKEN_CONTROL || type == LIL_TOKEN_USER_DEFINED) {
    memcpy(out, s, len);
    return len;
  }
  if (tok->model == LIL_TOKENIZER_SPM) {
    if (type == LIL_TOKEN_BYTE && len == 6 && !memcmp(s, "<0x", 3) && s[5] == '>' && hexval(s[3]) >= 0 && hexval(s[4]) >= 0) {
      out[0] = (char)(hexval(s[3]) * 16 + hexval(s[4]));
      return 1;
    }
    for (size_t j = 0; j < len;) {
      if (j + 3 <= len && !memcmp(s + j, "\xE2\x96\x81", 3)) {
        out[n++] = ' ';
        j += 3;
      } else {
        out[n++] = s[j++];
      }
    }
    return n;
  }
  for (size_t j = 0; j < len;) {
    uint32_t cp;
    size_t k = lil_utf8_decode(s + j, len - j, &cp);
    int b = lil_bpe_cp_to_byte(cp);
    if (b >= 0) {
      out[n++] = (char)b;
    } else {
      memcpy(out + n, s + j, k);
      n += k;
    }
    j += k;
  }
  return n;
}

static const char *const eog_texts[] = {
    "<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|endoftext|>", "<|end_of_text|>",
    "<\357\275\234end\342\226\201of\342\226\201sentence\357\275\234>", /* <｜end▁of▁sentence｜> (octal: no split) */
    "<end_of_turn>", "<|end|>",
};

static void add_eog(lil_tokenizer *tok, int32_t id) {
  if (id < 0 || tok->n_eog == LIL_TOK_MAX_EOG) return;
  for (int i = 0; i < tok->n_eog; i++)
    if (tok->eog[i] == id) return;
  tok->eog[tok->n_eog++] = id;
}

typedef struct special_key {
  uint32_t first, len;
  int32_t id;
} special_key;

static int cmp_special(const void *a, const void *b) {
  const special_key *x = a, *y = b;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  if (x->len != y->len) return x->len > y->len ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static int build_special(lil_tokenizer *tok) {
  size_t ns = 0;
  for (uint32_t i = 0; i < tok->n; i++) {
    int t = tok->types[i];
    if ((t == LIL_TOKEN_CONTROL || t == LIL_TOKEN_USER_DEFINED || t == LIL_TOKEN_UNKNOWN) && tok->lens[i]) ns++;
  }
  special_key *k = malloc((ns ? ns : 1) * sizeof(*k));
  tok->special = malloc((ns ? ns : 1) * sizeof(*tok->special));
  if (!k || !tok->special) {
    free(k);
    return 0;
  }
  ns = 0;
  for (uint32_t i = 0; i < tok->n; i++) {
    int t = tok->types[i];
    if ((t == LIL_TOKEN_CONTROL || t == LIL_TOKEN_USER_DEFINED || t == LIL_TOKEN_UNKNOWN) && tok->lens[i])
      k[ns++] = (special_key){(unsigned char)tok->text[tok->offs[i]], tok->lens[i], (int32_t)i};
  }
  qsort(k, ns, sizeof(*k), cmp_special);
  size_t j = 0;
  for (uint32_t b = 0; b <= 256; b++) {
    while (j < ns && k[j].first < b) j++;
    tok->special_start[b] = (uint32_t)j;
  }
  for (size_t i = 0; i < ns; i++) tok->special[i] = k[i].id;
  free(k);
  return 1;
}

static lil_status check_id(int32_t id, uint32_t n, const char *what, lil_error *err) {
  if (id < -1 || (id >= 0 && (uint32_t)id >= n))
    return lil_error_set(err, LIL_ERR_FORMAT, "tokenizer: %s %d is outside the vocabulary of %u tokens", what, id, n);
  return LIL_OK;
}

static lil_status add_merges(lil_tokenizer *tok, const lil_vocab_desc *d, lil_error *err) {
  if (!lil_pairmap_init(&tok->merges, d->n_merges)) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "tokenizer: out of memory");
  char *buf = NULL;
  size_t cap = 0;
  for (uint32_t r = 0; r < d->n_merges; r++) {
    const char *m = d->merges[r];
    size_t len = d->merge_lens ? d->merge_lens[r] : strlen(m);
    const char *sp = len > 1 ? memchr(m + 1, ' ', len - 1) : NULL;
    if (!sp) {
      free(buf);
      return lil_error_set(err, LIL_ERR_FORMAT, "tokenizer: merge %u has no ' ' separator", r);
    }
    size_t ll = (size_t)(sp - m), rl = len - ll - 1;
    if (ll + rl > cap) {
      cap = 2 * (ll + rl);
      char *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "tokenizer: out of memory");
      }
      buf = nb;
    }
    memcpy(buf, m, ll);
    memcpy(buf + ll, sp + 1, rl);
    int32_t a = lil_strmap_get(&tok->map, m, ll), b = lil_strmap_get(&tok->map, sp + 1, rl);
    int32_t ab = lil_strmap_get(&tok->map, buf, ll + rl);
    if (a >= 0 && b >= 0 && ab >= 0) lil_pairmap_put(&tok->merges, a, b, (int32_t)r, ab);
  }
  free(buf);
  return LIL_OK;
}

static lil_status fill(lil_tokenizer *tok, const lil_vocab_desc *d, lil_error *err) {
  uint32_t n = d->n_tokens;
  size_t total = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (!d->tokens[i]) return lil_error_set(err, LIL_ERR_INVALID_ARG, "tokenizer: token %u is NULL", i);
    total += (d->token_lens ? d->token_lens[i] : strlen(d->tokens[i])) + 1;
  }
  if (total > UINT32_MAX) return lil_error_set(err, LIL_ERR_RANGE, "tokenizer: token texts exceed 4 GiB");
  tok->text = malloc(total);
  tok->piece = malloc(total);
  tok->offs = malloc(n * sizeof(uint32_t));
  tok->lens = malloc(n * sizeof(uint32_t));
  tok->piece_offs = malloc(n * sizeof(uint32_t));
  tok->piece_lens = malloc(n * sizeof(uint32_t));
  tok->scores = malloc(n * sizeof(float));
  tok->types = malloc(n);
  if (!tok->text || !tok->piece || !tok->offs || !tok->lens || !tok->piece_offs || !tok->piece_lens || !tok->scores || !tok->types)
    return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "tokenizer: out of memory");
  uint32_t o = 0, po = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t len = (uint32_t)(d->token_lens ? d->token_lens[i] : strlen(d->tokens[i]));
    int32_t type = d->types ? d->types[i] : LIL_TOKEN_NORMAL;
    if (type < 0 || type > LIL_TOKEN_BYTE)
      return lil_error_set(err, LIL_ERR_FORMAT, "tokenizer: token %u has unknown type %d", i, type);
    memcpy(tok->text + o, d->tokens[i], len);
    tok->text[o + len] = 0;
    tok->offs[i] = o;
    tok->lens[i] = len;
    o += len + 1;
    tok->scores[i] = d->scores ? d->scores[i] : 0.0f;
    tok->types[i] = (uint8_t)type;
  }
  if (!lil_strmap_init(&tok->map, n, tok->text, tok->offs, tok->lens) || !build_special(tok))
    return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "tokenizer: out of memory");
  for (uint32_t i = 0; i < n; i++) {
    lil_strmap_put(&tok->map, (int32_t)i);
    size_t pl = make_piece(tok, i, tok->piece + po);
    tok->piece[po + pl] = 0;
    tok->piece_offs[i] = po;
    tok->piece_lens[i] = (uint32_t)pl;
    po += (uint32_t)pl + 1;
  }
  for (int b = 0; b < 256; b++) {
    char s[8];
    size_t len;
    if (d->model == LIL_TOKENIZER_SPM) {
      static const char hex[] = "0123456789ABCDEF";
      memcpy(s, "<0x", 3);
      s[3] = hex[b >> 4], s[4] = hex[b & 15], s[5] = '>';
      len = 6;
    } else {
      len = lil_utf8_encode(lil_bpe_byte_to_cp((unsigned char)b), s);
    }
    tok->byte_token[b] = lil_strmap_get(&tok->map, s, len);
  }
  if (d->model == LIL_TOKENIZER_BPE) return add_merges(tok, d, err);
  return LIL_OK;
}

lil_status lil_tokenizer_create(const lil_vocab_desc *d, lil_tokenizer **out, lil_error *err) {
  *out = NULL;
  if (!d || !d->n_tokens || !d->tokens)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "tokenizer: empty vocabulary");
  if (d->model != LIL_TOKENIZER_SPM && d->model != LIL_TOKENIZER_BPE)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "tokenizer: unknown model %d", (int)d->model);
  if (d->model == LIL_TOKENIZER_BPE && (d->pre < LIL_PRE_GPT2 || d->pre > LIL_PRE_QWEN2))
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "tokenizer: byte-level BPE needs a pre-tokenizer");
  if (d->n_tokens > INT32_MAX) return lil_error_set(err, LIL_ERR_RANGE, "tokenizer: %u tokens is too many", d->n_tokens);
  if (d->n_merges && !d->merges) return lil_error_set(err, LIL_ERR_INVALID_ARG, "tokenizer: merges missing");
  lil_status st;
  if ((st = check_id(d->bos_id, d->n_tokens, "bos_token_id", err)) || (st = check_id(d->eos_id, d->n_tokens, "eos_token_id", err)) ||
      (st = check_id(d->eot_id, d->n_tokens, "eot_token_id", err)) || (st = check_id(d->eom_id, d->n_tokens, "eom_token_id", err)) ||
      (st = check_id(d->unk_id, d->n_tokens, "unknown_token_id", err)))
    return st;
  lil_tokenizer *tok = calloc(1, sizeof(*tok));
  if (!tok) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "tokenizer: out of memory");
  tok->model = d->model;
  tok->pre = d->model == LIL_TOKENIZER_SPM ? LIL_PRE_NONE : d->pre;
  tok->n = d->n_tokens;
  tok->bos = d->bos_id, tok->eos = d->eos_id, tok->eot = d->eot_id, tok->eom = d->eom_id, tok->unk = d->unk_id;
  tok->add_bos = d->add_bos;
  tok->add_space_prefix = d->model == LIL_TOKENIZER_SPM && d->add_space_prefix;
  tok->ignore_merges = tok->pre == LIL_PRE_LLAMA3;
  if ((st = fill(tok, d, err))) {
    lil_tokenizer_free(tok);
    return st;
  }
  for (uint32_t i = 0; tok->unk < 0 && i < tok->n; i++)
    if (tok->types[i] == LIL_TOKEN_UNKNOWN) tok->unk = (int32_t)i;
  add_eog(tok, tok->eos);
  add_eog(tok, tok->eot);
  add_eog(tok, tok->eom);
  for (size_t i = 0; i < sizeof(eog_texts) / sizeof(eog_texts[0]); i++) {
    int32_t id = lil_strmap_get(&tok->map, eog_texts[i], strlen(eog_texts[i]));
    if (id >= 0 && (tok->types[id] == LIL_TOKEN_CONTROL || tok->types[id] == LIL_TOKEN_USER_DEFINED)) add_eog(tok, id);
  }
  *out = tok;
  return LIL_OK;
}

lil_tokenizer_model lil_tokenizer_model_of(const lil_tokenizer *tok) { return tok->model; }
lil_pretokenizer lil_tokenizer_pre(const lil_tokenizer *tok) { return tok->pre; }
uint32_t lil_tokenizer_vocab_size(const lil_tokenizer *tok) { return tok->n; }
int32_t lil_token_bos(const lil_tokenizer *tok) { return tok->bos; }
int32_t lil_token_eos(const lil_tokenizer *tok) { return tok->eos; }
int32_t lil_token_eot(const lil_tokenizer *tok) { return tok->eot; }
int lil_tokenizer_add_bos(const lil_tokenizer *tok) { return tok->add_bos && tok->bos >= 0; }

int lil_token_is_eog(const lil_tokenizer *tok, int32_t id) {
  for (int i = 0; i < tok->n_eog; i++)
    if (tok->eog[i] == id) return 1;
  return 0;
}

lil_token_type lil_token_type_of(const lil_tokenizer *tok, int32_t id) {
  if (id < 0 || (uint32_t)id >= tok->n) return LIL_TOKEN_UNDEFINED;
  return (lil_token_type)tok->types[id];
}

const char *lil_token_text(const lil_tokenizer *tok, int32_t id, size_t *len) {
  if (id < 0 || (uint32_t)id >= tok->n) return NULL;
  if (len) *len = tok->lens[id];
  return tok->text + tok->offs[id];
}

int32_t lil_token_find(const lil_tokenizer *tok, const char *text, size_t len) {
  return lil_strmap_get(&tok->map, text, len);
}

lil_status lil_token_piece(const lil_tokenizer *tok, int32_t id, const char **bytes, size_t *len,
                           lil_error *err) {
  if (id < 0 || (uint32_t)id >= tok->n)
    return lil_error_set(err, LIL_ERR_RANGE, "token id %d is outside the vocabulary of %u tokens", id, tok->n);
  *bytes = tok->piece + tok->piece_offs[id];
  *len = tok->piece_lens[id];
  return LIL_OK;
}

lil_status lil_detokenize(const lil_tokenizer *tok, const int32_t *ids, size_t n, int flags,
                          char **text, size_t *len, lil_error *err) {
  *text = NULL;
  *len = 0;
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    if (ids[i] < 0 || (uint32_t)ids[i] >= tok->n)
      return lil_error_set(err, LIL_ERR_RANGE, "detokenize: token %zu: id %d is outside the vocabulary of %u tokens", i, ids[i], tok->n);
    total += tok->piece_lens[ids[i]];
  }
  char *out = malloc(total + 1);
  if (!out) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "detokenize: out of memory");
  size_t o = 0;
  int first = 1;
  for (size_t i = 0; i < n; i++) {
    int32_t id = ids[i];
    if ((flags & LIL_DETOK_SKIP_SPECIAL) && tok->types[id] == LIL_TOKEN_CONTROL) continue;
    const char *p = tok->piece + tok->piece_offs[id];
    size_t pl = tok->piece_lens[id];
    if (first && (flags & LIL_DETOK_STRIP_SPACE) && tok->add_space_prefix && pl && p[0] == ' ') p++, pl--;
    first = 0;
    memcpy(out + o, p, pl);
    o += pl;
  }
  out[o] = 0;
  *text = out;
  *len = o;
  return LIL_OK;
}
