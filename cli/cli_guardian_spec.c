#include "cli_guardian_spec.h"

#include <string.h>

#include "lil_tokenizer.h"

lil_status cli_guardian_detok(void *user, const int32_t *ids, size_t n, lil_guardian_text *out, lil_error *err) {
  const lil_tokenizer *tok = user;
  for (size_t i = 0; i < n; i++) {
    const char *p;
    size_t len;
    lil_status st = lil_token_piece(tok, ids[i], &p, &len, err);
    if (!st) st = lil_guardian_text_append(out, p, len, err);
    if (st) return st;
  }
  return LIL_OK;
}

lil_status cli_guardian_spec_parse(char *s, lil_guardian_opts *o, lil_error *err) {
  lil_guardian_opts_default(o);
  lil_status st = LIL_OK;
  char *save = NULL;
  for (char *kv = strtok_r(s, ",", &save); kv && !st; kv = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(kv, '=');
    if (!eq) {
      st = lil_error_set(err, LIL_ERR_INVALID_ARG, "--guardian: expected KEY=VALUE, got '%s'", kv);
      break;
    }
    *eq = 0;
    const char *key = !strcmp(kv, "f") ? "every" : !strcmp(kv, "t") ? "threshold" : kv;
    st = lil_guardian_opts_set(o, key, eq + 1, err);
  }
  return st ? st : lil_guardian_opts_validate(o, err);
}
