/* lil_tokenizer_create_from_gguf: reads the tokenizer.ggml.* keys into a lil_vocab_desc. */
#include <stdlib.h>
#include <string.h>

#include "lil_tok_internal.h"

static int str_is(const char *s, uint64_t len, const char *lit) { return len == strlen(lit) && !memcmp(s, lit, len); }

static lil_status read_strings(const lil_gguf *g, const char *key, uint32_t *count, const char ***strs,
                               size_t **lens, lil_error *err) {
  lil_gguf_type et;
  uint64_t n;
  const void *data;
  lil_status st = lil_gguf_get_array(g, key, &et, &n, &data, err);
  if (st) return st;
  if (et != LIL_GGUF_STRING) return lil_error_set(err, LIL_ERR_FORMAT, "%s: expected an array of strings", key);
  if (n > INT32_MAX) return lil_error_set(err, LIL_ERR_FORMAT, "%s: %llu entries is too many", key, (unsigned long long)n);
  *strs = malloc((n ? n : 1) * sizeof(**strs));
  *lens = malloc((n ? n : 1) * sizeof(**lens));
  if (!*strs || !*lens) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "%s: out of memory", key);
  for (uint64_t i = 0; i < n; i++) {
    uint64_t len;
    if ((st = lil_gguf_get_array_str(g, key, i, &(*strs)[i], &len, err))) return st;
    (*lens)[i] = (size_t)len;
  }
  *count = (uint32_t)n;
  return LIL_OK;
}

/* Optional numeric array of n elements of 4 bytes (f32 or i32/u32), copied (file data may be
 * unaligned). */
static lil_status read_array4(const lil_gguf *g, const char *key, uint32_t n, int want_float, void **out,
                              lil_error *err) {
  *out = NULL;
  if (lil_gguf_find_key(g, key) < 0) return LIL_OK;
  lil_gguf_type et;
  uint64_t count;
  const void *data;
  lil_status st = lil_gguf_get_array(g, key, &et, &count, &data, err);
  if (st) return st;
  int ok = want_float ? et == LIL_GGUF_FLOAT32 : (et == LIL_GGUF_INT32 || et == LIL_GGUF_UINT32);
  if (!ok) return lil_error_set(err, LIL_ERR_FORMAT, "%s: unexpected element type %d", key, (int)et);
  if (count != n)
    return lil_error_set(err, LIL_ERR_FORMAT, "%s: %llu entries for %u tokens", key, (unsigned long long)count, n);
  *out = malloc((size_t)n * 4 + 1);
  if (!*out) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "%s: out of memory", key);
  memcpy(*out, data, (size_t)n * 4);
  return LIL_OK;
}

static lil_status opt_id(const lil_gguf *g, const char *key, int32_t *id, lil_error *err) {
  if (lil_gguf_find_key(g, key) < 0) return LIL_OK;
  int64_t v;
  lil_status st = lil_gguf_get_i64(g, key, &v, err);
  if (st) return st;
  if (v < -1 || v > INT32_MAX) return lil_error_set(err, LIL_ERR_FORMAT, "%s: %lld is not a token id", key, (long long)v);
  *id = (int32_t)v;
  return LIL_OK;
}

static lil_status opt_bool(const lil_gguf *g, const char *key, int *v, lil_error *err) {
  if (lil_gguf_find_key(g, key) < 0) return LIL_OK;
  return lil_gguf_get_bool(g, key, v, err);
}

static lil_status parse_model(const lil_gguf *g, lil_tokenizer_model *model, lil_pretokenizer *pre, lil_error *err) {
  const char *s;
  uint64_t len;
  if (lil_gguf_find_key(g, "tokenizer.ggml.model") < 0)
    return lil_error_set(err, LIL_ERR_FORMAT, "tokenizer.ggml.model: missing (not a model with a tokenizer)");
  lil_status st = lil_gguf_get_str(g, "tokenizer.ggml.model", &s, &len, err);
  if (st) return st;
  if (str_is(s, len, "llama")) {
    *model = LIL_TOKENIZER_SPM;
    *pre = LIL_PRE_NONE;
    return LIL_OK;
  }
  char pb[LIL_PRINTABLE_CAP];
  if (!str_is(s, len, "gpt2"))
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "tokenizer.ggml.model: '%s' is not supported (llama, gpt2)",
                         lil_printable(s, len, pb));
  *model = LIL_TOKENIZER_BPE;
  *pre = LIL_PRE_GPT2;
  if (lil_gguf_find_key(g, "tokenizer.ggml.pre") < 0) return LIL_OK;
  if ((st = lil_gguf_get_str(g, "tokenizer.ggml.pre", &s, &len, err))) return st;
  if (str_is(s, len, "gpt-2") || str_is(s, len, "default")) *pre = LIL_PRE_GPT2;
  else if (str_is(s, len, "llama-bpe") || str_is(s, len, "llama3") || str_is(s, len, "llama-v3")) *pre = LIL_PRE_LLAMA3;
  else if (str_is(s, len, "qwen2") || str_is(s, len, "deepseek-r1-qwen")) *pre = LIL_PRE_QWEN2;
  else
    return lil_error_set(err, LIL_ERR_UNSUPPORTED,
                         "tokenizer.ggml.pre: pre-tokenizer '%s' is not supported (gpt-2, llama-bpe, qwen2, deepseek-r1-qwen)",
                         lil_printable(s, len, pb));
  return LIL_OK;
}

lil_status lil_tokenizer_create_from_gguf(const lil_gguf *g, lil_tokenizer **out, lil_error *err) {
  *out = NULL;
  lil_tokenizer_model model;
  lil_pretokenizer pre;
  lil_status st = parse_model(g, &model, &pre, err);
  if (st) return st;
  lil_vocab_desc d;
  lil_vocab_desc_init(&d, model, pre);
  const char **tokens = NULL, **merges = NULL;
  size_t *token_lens = NULL, *merge_lens = NULL;
  void *scores = NULL, *types = NULL;
  if (lil_gguf_find_key(g, "tokenizer.ggml.tokens") < 0) {
    st = lil_error_set(err, LIL_ERR_FORMAT, "tokenizer.ggml.tokens: missing");
    goto done;
  }
  if ((st = read_strings(g, "tokenizer.ggml.tokens", &d.n_tokens, &tokens, &token_lens, err))) goto done;
  if (!d.n_tokens) {
    st = lil_error_set(err, LIL_ERR_FORMAT, "tokenizer.ggml.tokens: empty");
    goto done;
  }
  if ((st = read_array4(g, "tokenizer.ggml.scores", d.n_tokens, 1, &scores, err))) goto done;
  if ((st = read_array4(g, "tokenizer.ggml.token_type", d.n_tokens, 0, &types, err))) goto done;
  if (model == LIL_TOKENIZER_BPE) {
    if (lil_gguf_find_key(g, "tokenizer.ggml.merges") < 0) {
      st = lil_error_set(err, LIL_ERR_FORMAT, "tokenizer.ggml.merges: missing (needed by the gpt2 model)");
      goto done;
    }
    if ((st = read_strings(g, "tokenizer.ggml.merges", &d.n_merges, &merges, &merge_lens, err))) goto done;
  }
  if ((st = opt_id(g, "tokenizer.ggml.bos_token_id", &d.bos_id, err)) || (st = opt_id(g, "tokenizer.ggml.eos_token_id", &d.eos_id, err)) ||
      (st = opt_id(g, "tokenizer.ggml.eot_token_id", &d.eot_id, err)) || (st = opt_id(g, "tokenizer.ggml.eom_token_id", &d.eom_id, err)) ||
      (st = opt_id(g, "tokenizer.ggml.unknown_token_id", &d.unk_id, err)) ||
      (st = opt_bool(g, "tokenizer.ggml.add_bos_token", &d.add_bos, err)) ||
      (st = opt_bool(g, "tokenizer.ggml.add_space_prefix", &d.add_space_prefix, err)))
    goto done;
  d.tokens = tokens;
  d.token_lens = token_lens;
  d.scores = scores;
  d.types = types;
  d.merges = merges;
  d.merge_lens = merge_lens;
  st = lil_tokenizer_create(&d, out, err);
done:
  free(tokens);
  free(token_lens);
  free(merges);
  free(merge_lens);
  free(scores);
  free(types);
  return st;
}
