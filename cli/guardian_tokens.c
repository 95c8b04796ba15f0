/* `lil guardian -m MODEL`: token boundaries from a model's real tokenizer. */
#include <stdio.h>
#include <stdlib.h>

#include "cli_guardian.h"
#include "lil_gguf.h"
#include "lil_tokenizer.h"

size_t lil_token_ends_model(void *user, const char *text, size_t n, size_t **ends) {
  const lil_tokenizer *tok = user;
  int32_t *ids = NULL;
  size_t count = 0;
  *ends = NULL;
  if (lil_tokenize(tok, text, n, 0, 0, &ids, &count, NULL) || count == 0) {
    free(ids);
    return 0;
  }
  size_t *e = malloc(count * sizeof(*e)), pos = 0;
  if (!e) {
    free(ids);
    return 0;
  }
  for (size_t i = 0; i < count; i++) {
    const char *piece;
    size_t len = 0;
    if (lil_token_piece(tok, ids[i], &piece, &len, NULL)) len = 0;
    /* SentencePiece adds a leading space the text does not have: clamp to the text */
    pos = pos + len > n ? n : pos + len;
    e[i] = pos;
  }
  e[count - 1] = n;
  free(ids);
  *ends = e;
  return count;
}

int lil_token_model_open(const char *path, void **tok_out, void **gguf_out, char *msg, size_t cap) {
  lil_gguf *g = NULL;
  lil_tokenizer *tok = NULL;
  lil_error err = {0};
  if (lil_gguf_open(path, &g, &err) || lil_tokenizer_create_from_gguf(g, &tok, &err)) {
    snprintf(msg, cap, "%s", err.msg);
    lil_gguf_close(g);
    return -1;
  }
  *tok_out = tok;
  *gguf_out = g;
  return 0;
}

void lil_token_model_close(void *tok, void *gguf) {
  lil_tokenizer_free(tok);
  lil_gguf_close(gguf);
}
