/* libFuzzer target: the GGUF reader on arbitrary bytes, then everything lil derives from a GGUF
 * without a GPU (model config, tokenizer, chat format), and every accessor on what it accepted. */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "lil_chat.h"
#include "lil_gguf.h"
#include "lil_model_config.h"
#include "lil_tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lil_gguf *g = NULL;
  lil_error e = {0};
  if (lil_gguf_open_memory(data, size, "fuzz", &g, &e)) {
    FUZZ_CHECK(e.msg[0] && !strchr(e.msg, '\n'), "error message '%s'", e.msg);
    return 0;
  }
  /* every key through every typed getter (type mismatches are errors, never crashes) */
  for (uint64_t i = 0; i < lil_gguf_key_count(g); i++) {
    const char *k = lil_gguf_key_name(g, i);
    FUZZ_CHECK(k && lil_gguf_find_key(g, k) >= 0, "key %llu", (unsigned long long)i);
    uint32_t u32;
    uint64_t u64, n, len;
    int64_t i64;
    float f;
    int b;
    const char *s;
    const void *d;
    lil_gguf_type t;
    lil_gguf_get_u32(g, k, &u32, NULL);
    lil_gguf_get_u64(g, k, &u64, NULL);
    lil_gguf_get_i64(g, k, &i64, NULL);
    lil_gguf_get_f32(g, k, &f, NULL);
    lil_gguf_get_bool(g, k, &b, NULL);
    if (!lil_gguf_get_str(g, k, &s, &len, NULL) && len) FUZZ_CHECK(s >= (const char *)data && s + len <= (const char *)data + size, "string outside the input");
    if (!lil_gguf_get_array(g, k, &t, &n, &d, NULL) && t == LIL_GGUF_STRING)
      for (uint64_t j = 0; j < n && j < 64; j++)
        if (!lil_gguf_get_array_str(g, k, j, &s, &len, NULL) && len)
          FUZZ_CHECK(s >= (const char *)data && s + len <= (const char *)data + size, "array string outside the input");
  }
  for (uint64_t i = 0; i < lil_gguf_tensor_count(g); i++) {
    const lil_gguf_tensor *t = lil_gguf_tensor_at(g, i);
    FUZZ_CHECK(t && lil_gguf_find_tensor(g, t->name) == t, "tensor %llu", (unsigned long long)i);
    FUZZ_CHECK((const uint8_t *)t->data >= data && t->size <= size &&
                   (const uint8_t *)t->data - data <= (ptrdiff_t)(size - t->size),
               "tensor '%s' data outside the input", t->name);
    if (t->size) { /* touch the first and last byte: ASan catches a range past the input */
      volatile uint8_t x = ((const uint8_t *)t->data)[0];
      x ^= ((const uint8_t *)t->data)[t->size - 1];
      (void)x;
    }
  }
  lil_model_config *c = NULL;
  if (!lil_model_config_load(g, &c, &e)) lil_model_config_free(c);
  else FUZZ_CHECK(e.msg[0] && !strchr(e.msg, '\n'), "config error message '%s'", e.msg);
  lil_tokenizer *tok = NULL;
  memset(&e, 0, sizeof(e));
  if (lil_tokenizer_create_from_gguf(g, &tok, &e)) {
    FUZZ_CHECK(e.msg[0] && !strchr(e.msg, '\n'), "tokenizer error message '%s'", e.msg);
  } else {
    int32_t *ids = NULL;
    size_t n = 0;
    static const char text[] = "Hello world <|im_start|> 123 \xc3\xa9\xe2\x96\x81";
    if (!lil_tokenize(tok, text, sizeof(text) - 1, 1, 1, &ids, &n, &e)) {
      char *out = NULL;
      size_t len = 0;
      if (!lil_detokenize(tok, ids, n, 0, &out, &len, &e)) free(out);
    }
    free(ids);
    lil_tokenizer_free(tok);
  }
  lil_chat_format_from_gguf(g);
  lil_gguf_close(g);
  return 0;
}
