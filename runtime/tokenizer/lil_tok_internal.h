/* Tokenizer internals shared by the tokenizer's source files (not installed). */
#ifndef LIL_TOK_INTERNAL_H
#define LIL_TOK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "lil_tok_hash.h"
#include "lil_tokenizer.h"

#define LIL_TOK_MAX_EOG 16

struct lil_tokenizer {
  lil_tokenizer_model model;
  lil_pretokenizer pre;
  uint32_t n;
  char *text;           /* all token texts, NUL-separated */
  uint32_t *offs, *lens;
  char *piece;          /* detokenized bytes of every token, NUL-separated */
  uint32_t *piece_offs, *piece_lens;
  float *scores;
  uint8_t *types;
  lil_strmap map;       /* text -> id */
  lil_pairmap merges;   /* BPE: (left id, right id) -> (rank, merged id) */
  int32_t byte_token[256]; /* SPM: <0xNN>; BPE: the byte's byte-level character; -1 if none */
  int32_t bos, eos, eot, eom, unk;
  int add_bos, add_space_prefix, ignore_merges;
  int32_t eog[LIL_TOK_MAX_EOG];
  int n_eog;
  /* Special tokens (control, user-defined, unknown) by first byte, longest first. */
  int32_t *special;
  uint32_t special_start[257];
};

/* Growable id vector. */
typedef struct lil_idvec {
  int32_t *v;
  size_t n, cap;
} lil_idvec;
int lil_idvec_push(lil_idvec *v, int32_t id); /* 0 on allocation failure */

/* Byte <-> byte-level BPE character (GPT-2's printable mapping). */
uint32_t lil_bpe_byte_to_cp(unsigned char b);
int lil_bpe_cp_to_byte(uint32_t cp); /* -1 when cp is not a mapped character */

/* SentencePiece encode of already-escaped text (spaces already U+2581). */
lil_status lil_spm_encode(const lil_tokenizer *tok, const char *s, size_t len, lil_idvec *out,
                          lil_error *err);
/* Byte-level BPE encode of raw text (pre-tokenizes, maps bytes, merges). */
lil_status lil_bpe_encode(const lil_tokenizer *tok, const char *s, size_t len, lil_idvec *out,
                          lil_error *err);

/* Pre-tokenizer: splits s[0..len) (valid UTF-8) into words; bounds receives word end offsets
 * (word i is [bounds[i-1] or 0, bounds[i])). *bounds malloc'ed. */
lil_status lil_pretokenize(lil_pretokenizer pre, const char *s, size_t len, size_t **bounds,
                           size_t *n_words, lil_error *err);

#endif
