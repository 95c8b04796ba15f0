/* libFuzzer target: encoding and decoding arbitrary text with real vocabularies: SentencePiece
 * (stories260K, llama-spm) and byte-level BPE (gpt-2, llama-bpe, qwen2). Byte 0 picks the
 * vocabulary and the flags; the rest is the text. Checks: ids in range, invalid UTF-8 refused with
 * the offset, and (BPE, no special parsing) decoding gives the text back. */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "lil_gguf.h"
#include "lil_tokenizer.h"

#define N_VOCABS 5
/* the bundled model (source tree), then the test vocabularies the build unpacks (tests/data) */
static const char *const vocab_files[N_VOCABS] = {
    "assets/stories260K.gguf",
    "ggml-vocab-llama-spm.gguf",
    "ggml-vocab-gpt-2.gguf",
    "ggml-vocab-llama-bpe.gguf",
    "ggml-vocab-qwen2.gguf",
};
static lil_gguf *ggufs[N_VOCABS];
static lil_tokenizer *toks[N_VOCABS];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  for (int i = 0; i < N_VOCABS; i++) {
    lil_error e = {0};
    const char *path = i == 0 ? fuzz_path(vocab_files[i]) : fuzz_data_path(vocab_files[i]);
    if (lil_gguf_open(path, &ggufs[i], &e) ||
        lil_tokenizer_create_from_gguf(ggufs[i], &toks[i], &e)) {
      fprintf(stderr, "fuzz_tokenize: %s: %s\n", vocab_files[i], e.msg);
      exit(1);
    }
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  unsigned sel = data[0];
  const lil_tokenizer *tok = toks[sel % N_VOCABS];
  int add_bos = (sel >> 3) & 1, special = (sel >> 4) & 1;
  const char *text = (const char *)data + 1;
  size_t len = size - 1;
  int32_t *ids = NULL;
  size_t n = 0;
  lil_error e = {0};
  size_t bad;
  int valid = lil_utf8_validate(text, len, &bad);
  lil_status st = lil_tokenize(tok, text, len, add_bos, special, &ids, &n, &e);
  FUZZ_CHECK(valid ? st == LIL_OK : st == LIL_ERR_INVALID_ARG, "valid %d, status %d: %s", valid, (int)st, e.msg);
  if (st) return 0;
  uint32_t nv = lil_tokenizer_vocab_size(tok);
  for (size_t i = 0; i < n; i++) FUZZ_CHECK(ids[i] >= 0 && (uint32_t)ids[i] < nv, "id %d of %u", ids[i], nv);
  char *out = NULL;
  size_t out_len = 0;
  st = lil_detokenize(tok, ids, n, LIL_DETOK_SKIP_SPECIAL | LIL_DETOK_STRIP_SPACE, &out, &out_len, &e);
  FUZZ_CHECK(st == LIL_OK, "detokenize: %s", e.msg);
  FUZZ_CHECK(strlen(out) <= out_len, "NUL");
  /* byte-level BPE is lossless on text without special tokens */
  if (lil_tokenizer_model_of(tok) == LIL_TOKENIZER_BPE && !special && !memchr(text, '<', len))
    FUZZ_CHECK(out_len == len && !memcmp(out, text, len), "round trip: %zu bytes in, %zu out", len, out_len);
  for (size_t i = 0; i < n; i++) {
    const char *p;
    size_t pl;
    FUZZ_CHECK(lil_token_piece(tok, ids[i], &p, &pl, &e) == LIL_OK, "piece %d", ids[i]);
  }
  free(out);
  free(ids);
  return 0;
}
