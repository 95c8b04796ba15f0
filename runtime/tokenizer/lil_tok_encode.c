/* lil_tokenize: UTF-8 check, BOS, special-token partition, then SentencePiece or byte-level BPE
 * on each stretch of raw text between special tokens. */
#include <stdlib.h>
#include <string.h>

#include "lil_tok_internal.h"

/* Longest special token matching at s[0..len); -1 if none. User-defined tokens always match,
 * control and unknown ones only with parse_special. */
static int32_t match_special(const lil_tokenizer *tok, const char *s, size_t len, int parse_special,
                             size_t *mlen) {
  unsigned char b = (unsigned char)s[0];
  for (uint32_t k = tok->special_start[b]; k < tok->special_start[b + 1]; k++) {
    int32_t id = tok->special[k];
    if (!parse_special && tok->types[id] != LIL_TOKEN_USER_DEFINED) continue;
    size_t l = tok->lens[id];
    if (l <= len && !memcmp(s, tok->text + tok->offs[id], l)) {
      *mlen = l;
      return id;
    }
  }
  return -1;
}

/* SentencePiece: optional leading space, spaces to U+2581, then merges. */
static lil_status encode_spm(const lil_tokenizer *tok, const char *s, size_t len, int prefix,
                             lil_idvec *out, lil_error *err) {
  char *buf = malloc(3 * (len + 1));
  if (!buf) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "tokenize: out of memory");
  size_t n = 0;
  for (size_t i = 0; i < len + (size_t)prefix; i++) {
    char c = i < (size_t)prefix ? ' ' : s[i - (size_t)prefix];
    if (c == ' ') {
      memcpy(buf + n, "\xE2\x96\x81", 3);
      n += 3;
    } else {
      buf[n++] = c;
    }
  }
  lil_status st = lil_spm_encode(tok, buf, n, out, err);
  free(buf);
  return st;
}

static lil_status encode_raw(const lil_tokenizer *tok, const char *s, size_t len, int *prev_special,
                             lil_idvec *out, lil_error *err) {
  if (!len) return LIL_OK;
  int prefix = tok->add_space_prefix && *prev_special;
  *prev_special = 0;
  if (tok->model == LIL_TOKENIZER_SPM) return encode_spm(tok, s, len, prefix, out, err);
  return lil_bpe_encode(tok, s, len, out, err);
}

static lil_status oom(lil_error *err) { return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "tokenize: out of memory"); }

lil_status lil_tokenize(const lil_tokenizer *tok, const char *text, size_t len, int add_bos,
                        int parse_special, int32_t **ids, size_t *n, lil_error *err) {
  *ids = NULL;
  *n = 0;
  if (!text && len) return lil_error_set(err, LIL_ERR_INVALID_ARG, "tokenize: text is NULL");
  size_t bad;
  if (!lil_utf8_validate(text, len, &bad))
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "tokenize: invalid UTF-8 at byte offset %zu (byte 0x%02X)", bad,
                         (unsigned)(unsigned char)text[bad]);
  lil_idvec out = {0};
  lil_status st = LIL_OK;
  if (add_bos && tok->bos >= 0 && !lil_idvec_push(&out, tok->bos)) st = oom(err);
  int prev_special = 1;
  size_t seg = 0;
  for (size_t i = 0; !st && i < len;) {
    size_t mlen = 0;
    int32_t id = ((unsigned char)text[i] & 0xC0) == 0x80 ? -1 : match_special(tok, text + i, len - i, parse_special, &mlen);
    if (id < 0) {
      i++;
      continue;
    }
    st = encode_raw(tok, text + seg, i - seg, &prev_special, &out, err);
    if (!st && !lil_idvec_push(&out, id)) st = oom(err);
    prev_special = 1;
    i += mlen;
    seg = i;
  }
  if (!st) st = encode_raw(tok, text + seg, len - seg, &prev_special, &out, err);
  if (st) {
    free(out.v);
    return st;
  }
  *ids = out.v;
  *n = out.n;
  return LIL_OK;
}
