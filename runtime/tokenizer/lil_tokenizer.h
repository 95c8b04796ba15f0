/* Tokenizers for GGUF models: SentencePiece-style BPE ("llama" model: score-driven merges, byte
 * fallback) and byte-level BPE ("gpt2" model: regex pre-tokenizer, ranked merges), detokenizer,
 * special / end-of-generation tokens.
 *
 * A tokenizer is immutable once created: any number of threads may use one at the same time.
 * Token ids are int32_t in [0, vocab size). */
#ifndef LIL_TOKENIZER_H
#define LIL_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "lil_gguf.h"
#include "lil_status.h"
#include "lil_utf8.h"

typedef struct lil_tokenizer lil_tokenizer;

/* tokenizer.ggml.token_type values. */
typedef enum lil_token_type {
  LIL_TOKEN_UNDEFINED = 0,
  LIL_TOKEN_NORMAL = 1,
  LIL_TOKEN_UNKNOWN = 2,
  LIL_TOKEN_CONTROL = 3,
  LIL_TOKEN_USER_DEFINED = 4,
  LIL_TOKEN_UNUSED = 5,
  LIL_TOKEN_BYTE = 6,
} lil_token_type;

typedef enum lil_tokenizer_model {
  LIL_TOKENIZER_SPM = 1, /* tokenizer.ggml.model "llama" */
  LIL_TOKENIZER_BPE = 2, /* tokenizer.ggml.model "gpt2" (byte-level BPE) */
} lil_tokenizer_model;

/* Byte-level BPE pre-tokenizers (tokenizer.ggml.pre). Supported names:
 *   "gpt-2", "default" or absent           -> LIL_PRE_GPT2
 *   "llama-bpe", "llama3", "llama-v3"      -> LIL_PRE_LLAMA3 (also whole-word lookup before merges)
 *   "qwen2", "deepseek-r1-qwen"            -> LIL_PRE_QWEN2
 * Any other name is an LIL_ERR_UNSUPPORTED error naming it (no silent fallback: a wrong split
 * gives plausible but wrong ids). */
typedef enum lil_pretokenizer {
  LIL_PRE_NONE = 0, /* SentencePiece: no pre-tokenizer */
  LIL_PRE_GPT2,     /* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
  LIL_PRE_LLAMA3,   /* (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
                       ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
  LIL_PRE_QWEN2,    /* as LLAMA3 with \p{N} (one digit per word) */
} lil_pretokenizer;

/* An in-memory vocabulary (what the GGUF keys hold). Call lil_vocab_desc_init first: it sets
 * every id to -1 and the model's defaults. Everything is copied by lil_tokenizer_create. */
typedef struct lil_vocab_desc {
  lil_tokenizer_model model;
  lil_pretokenizer pre;
  uint32_t n_tokens;
  const char *const *tokens; /* token texts as stored (SPM: with U+2581; BPE: byte-level form) */
  const size_t *token_lens;  /* NULL: tokens are NUL-terminated */
  const float *scores;       /* SPM merge priority; NULL: all 0 */
  const int32_t *types;      /* lil_token_type; NULL: all NORMAL */
  uint32_t n_merges;         /* BPE: "left right" strings, rank = index */
  const char *const *merges;
  const size_t *merge_lens;  /* NULL: NUL-terminated */
  int32_t bos_id, eos_id, eot_id, eom_id; /* -1: none */
  int32_t unk_id; /* -1: the first token of type UNKNOWN, if any */
  int add_bos;          /* default for callers (lil_tokenizer_add_bos): SPM 1, LLAMA3 1, else 0 */
  int add_space_prefix; /* SPM: prefix raw text with a space (default 1) */
} lil_vocab_desc;

void lil_vocab_desc_init(lil_vocab_desc *d, lil_tokenizer_model model, lil_pretokenizer pre);
lil_status lil_tokenizer_create(const lil_vocab_desc *d, lil_tokenizer **out, lil_error *err);

/* Reads tokenizer.ggml.{model, pre, tokens, scores, token_type, merges, bos_token_id,
 * eos_token_id, eot_token_id, eom_token_id, unknown_token_id, add_bos_token, add_space_prefix}.
 * Errors (missing tokens, mismatched array lengths, ids out of range, unsupported model or pre)
 * name the key. */
lil_status lil_tokenizer_create_from_gguf(const lil_gguf *g, lil_tokenizer **out, lil_error *err);
void lil_tokenizer_free(lil_tokenizer *tok);

lil_tokenizer_model lil_tokenizer_model_of(const lil_tokenizer *tok);
lil_pretokenizer lil_tokenizer_pre(const lil_tokenizer *tok);
uint32_t lil_tokenizer_vocab_size(const lil_tokenizer *tok);
int32_t lil_token_bos(const lil_tokenizer *tok); /* -1 when absent */
int32_t lil_token_eos(const lil_tokenizer *tok);
int32_t lil_token_eot(const lil_tokenizer *tok);
/* Whether the model wants BOS at the start of a prompt (tokenizer.ggml.add_bos_token or default). */
int lil_tokenizer_add_bos(const lil_tokenizer *tok);
/* End of generation: eos, eot, eom, and any of <|eot_id|>, <|eom_id|>, <|im_end|>,
 * <|endoftext|>, <|end_of_text|>, <｜end▁of▁sentence｜>, <end_of_turn>, <|end|> present as control
 * or user-defined tokens. */
int lil_token_is_eog(const lil_tokenizer *tok, int32_t id);
lil_token_type lil_token_type_of(const lil_tokenizer *tok, int32_t id); /* UNDEFINED if out of range */
/* Token text as stored in the vocabulary (not detokenized); NULL when id is out of range. */
const char *lil_token_text(const lil_tokenizer *tok, int32_t id, size_t *len);
/* Id of an exact token text, or -1. */
int32_t lil_token_find(const lil_tokenizer *tok, const char *text, size_t len);

/* Encodes text[0..len) (must be valid UTF-8: otherwise LIL_ERR_INVALID_ARG naming the byte offset).
 * add_bos: put BOS first (when the vocabulary has one). parse_special: control tokens written in
 * the text (e.g. "<|im_start|>") become their ids (longest match); user-defined tokens are always
 * matched, as in the reference implementation. *ids is malloc'ed (free() it; may be NULL when *n
 * is 0). */
lil_status lil_tokenize(const lil_tokenizer *tok, const char *text, size_t len, int add_bos,
                        int parse_special, int32_t **ids, size_t *n, lil_error *err);

/* Bytes that token id stands for in output text, for streaming: SPM U+2581 -> ' ', <0xNN> -> that
 * byte; byte-level BPE: the byte mapping reversed; control and user-defined tokens: their text.
 * A piece may be part of a UTF-8 sequence (see lil_utf8_incomplete_tail). Returns LIL_ERR_RANGE
 * for an id out of range. The bytes live as long as the tokenizer. */
lil_status lil_token_piece(const lil_tokenizer *tok, int32_t id, const char **bytes, size_t *len,
                           lil_error *err);

enum {
  LIL_DETOK_SKIP_SPECIAL = 1, /* leave out control tokens (BOS, EOS, <|im_start|>, ...) */
  LIL_DETOK_STRIP_SPACE = 2,  /* SPM with add_space_prefix: drop the one leading space it adds */
};
/* Concatenated pieces, NUL-terminated (*text malloc'ed; *len excludes the NUL). */
lil_status lil_detokenize(const lil_tokenizer *tok, const int32_t *ids, size_t n, int flags,
                          char **text, size_t *len, lil_error *err);

#endif
