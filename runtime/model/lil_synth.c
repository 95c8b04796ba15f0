/* lil_synth_write: a random-weight GGUF of a real model's shape (lil_synth.h). The header (metadata
 * and tensor infos with precomputed offsets) comes from the GGUF writer; the tensor data is then
 * generated and written in chunks. */
#include "lil_synth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "lil_ggml_types.h"
#include "lil_gguf.h"
#include "lil_gguf_writer.h"
#include "lil_quant.h"

/* Shapes of the published configs (hidden size, layers, heads, KV heads, head dim, FFN, vocabulary,
 * RoPE base, RMSNorm epsilon, tied embeddings). n_ctx is what the file declares, not the model's
 * full context: enough for the benchmarks. The tiny shapes are for tests. */
static const lil_synth_shape shapes[] = {
    {"tiny", "llama", 64, 2, 4, 2, 16, 128, 512, 2048, 10000.0f, 1e-5f, 0},
    {"tiny-qwen3", "qwen3", 64, 2, 4, 2, 16, 128, 512, 2048, 1e6f, 1e-6f, 1},
    {"qwen3-0.6b", "qwen3", 1024, 28, 16, 8, 128, 3072, 151936, 40960, 1e6f, 1e-6f, 1},
    {"qwen3-1.7b", "qwen3", 2048, 28, 16, 8, 128, 6144, 151936, 40960, 1e6f, 1e-6f, 1},
    {"qwen2-1.5b", "qwen2", 1536, 28, 12, 2, 128, 8960, 151936, 32768, 1e6f, 1e-6f, 1},
    {"llama-1b", "llama", 2048, 16, 32, 8, 64, 8192, 128256, 32768, 5e5f, 1e-5f, 1},
    {"llama-8b", "llama", 4096, 32, 32, 8, 128, 14336, 128256, 32768, 5e5f, 1e-5f, 0},
};
#define N_SHAPES (sizeof(shapes) / sizeof(shapes[0]))

size_t lil_synth_shape_count(void) { return N_SHAPES; }
const lil_synth_shape *lil_synth_shape_at(size_t i) { return i < N_SHAPES ? &shapes[i] : NULL; }

const lil_synth_shape *lil_synth_find_shape(const char *name, lil_error *err) {
  for (size_t i = 0; name && i < N_SHAPES; i++)
    if (!strcasecmp(name, shapes[i].name)) return &shapes[i];
  char known[256] = "";
  for (size_t i = 0; i < N_SHAPES; i++) {
    size_t n = strlen(known);
    snprintf(known + n, sizeof(known) - n, "%s%s", i ? ", " : "", shapes[i].name);
  }
  lil_error_set(err, LIL_ERR_INVALID_ARG, "unknown model shape '%s' (known: %s)", name ? name : "", known);
  return NULL;
}

lil_status lil_synth_parse_type(const char *name, uint32_t *type, lil_error *err) {
  static const struct {
    const char *name;
    uint32_t type;
  } types[] = {{"f16", LIL_TYPE_F16}, {"q8_0", LIL_TYPE_Q8_0}, {"q4_0", LIL_TYPE_Q4_0}};
  for (size_t i = 0; name && i < sizeof(types) / sizeof(types[0]); i++)
    if (!strcasecmp(name, types[i].name)) {
      *type = types[i].type;
      return LIL_OK;
    }
  return lil_error_set(err, LIL_ERR_INVALID_ARG, "unknown weight type '%s' (known: f16, q8_0, q4_0)", name ? name : "");
}

/* The tensor list of a shape, in file order. */
typedef struct synth_tensor {
  char name[48];
  uint32_t type, n_dims;
  uint64_t ne[2];
  int fill; /* 0: random, 1: ones, 2: zeros */
} synth_tensor;

static uint32_t tensor_list(const lil_synth_shape *s, uint32_t type, synth_tensor *t) {
  uint32_t n = 0, q = s->n_head * s->head_dim, kv = s->n_head_kv * s->head_dim;
#define ADD(nm, ty, d0, d1, f)                                                                                      \
  do {                                                                                                             \
    if (t) {                                                                                                       \
      snprintf(t[n].name, sizeof(t[n].name), "%s", nm);                                                            \
      t[n].type = (ty), t[n].n_dims = (d1) ? 2 : 1, t[n].ne[0] = (d0), t[n].ne[1] = (d1) ? (d1) : 1, t[n].fill = f; \
    }                                                                                                              \
    n++;                                                                                                           \
  } while (0)
  ADD("token_embd.weight", type, s->n_embd, s->n_vocab, 0);
  ADD("output_norm.weight", LIL_TYPE_F32, s->n_embd, 0, 1);
  if (!s->tied) ADD("output.weight", type, s->n_embd, s->n_vocab, 0);
  for (uint32_t l = 0; l < s->n_layer; l++) {
    char nm[48];
#define BLK(suffix, ty, d0, d1, f)                                                                                 \
  do {                                                                                                             \
    snprintf(nm, sizeof(nm), "blk.%u.%s", l, suffix);                                                              \
    ADD(nm, ty, d0, d1, f);                                                                                        \
  } while (0)
    BLK("attn_norm.weight", LIL_TYPE_F32, s->n_embd, 0, 1);
    BLK("attn_q.weight", type, s->n_embd, q, 0);
    BLK("attn_k.weight", type, s->n_embd, kv, 0);
    BLK("attn_v.weight", type, s->n_embd, kv, 0);
    BLK("attn_output.weight", type, q, s->n_embd, 0);
    if (!strcmp(s->arch, "qwen3")) {
      BLK("attn_q_norm.weight", LIL_TYPE_F32, s->head_dim, 0, 1);
      BLK("attn_k_norm.weight", LIL_TYPE_F32, s->head_dim, 0, 1);
    }
    if (!strcmp(s->arch, "qwen2")) {
      BLK("attn_q.bias", LIL_TYPE_F32, q, 0, 2);
      BLK("attn_k.bias", LIL_TYPE_F32, kv, 0, 2);
      BLK("attn_v.bias", LIL_TYPE_F32, kv, 0, 2);
    }
    BLK("ffn_norm.weight", LIL_TYPE_F32, s->n_embd, 0, 1);
    BLK("ffn_gate.weight", type, s->n_embd, s->n_ff, 0);
    BLK("ffn_up.weight", type, s->n_embd, s->n_ff, 0);
    BLK("ffn_down.weight", type, s->n_ff, s->n_embd, 0);
#undef BLK
  }
#undef ADD
  return n;
}

static uint64_t tensor_bytes(const synth_tensor *t) { return t->ne[1] * lil_type_row_bytes(t->type, t->ne[0]); }
static uint64_t align32(uint64_t v) { return (v + 31) & ~(uint64_t)31; }

uint64_t lil_synth_weight_bytes(const lil_synth_shape *s, uint32_t type) {
  uint32_t n = tensor_list(s, type, NULL);
  synth_tensor *t = calloc(n, sizeof(*t));
  uint64_t total = 0;
  if (t) tensor_list(s, type, t);
  for (uint32_t i = 0; t && i < n; i++) total += align32(tensor_bytes(&t[i]));
  free(t);
  return total;
}

static uint64_t next_rand(uint64_t *x) {
  *x ^= *x >> 12, *x ^= *x << 25, *x ^= *x >> 27;
  return *x * 0x2545f4914f6cdd1dull;
}

/* n bytes of tensor t starting at element block `first` (whole blocks / rows of elements). */
static void fill_chunk(const synth_tensor *t, uint8_t *buf, uint64_t n_blocks, uint64_t *rng) {
  if (t->type == LIL_TYPE_F32) {
    float v = t->fill == 1 ? 1.0f : 0.0f;
    for (uint64_t i = 0; i < n_blocks; i++) memcpy(buf + 4 * i, &v, 4);
  } else if (t->type == LIL_TYPE_F16) { /* uniform in +-0.0346: standard deviation 0.02 */
    for (uint64_t i = 0; i < n_blocks; i += 4) {
      uint64_t r = next_rand(rng);
      for (uint64_t j = 0; j < 4 && i + j < n_blocks; j++) {
        float f = ((float)((r >> (16 * j)) & 0xffff) / 65535.0f * 2.0f - 1.0f) * 0.0346f;
        uint16_t h = lil_f32_to_f16(f);
        memcpy(buf + 2 * (i + j), &h, 2);
      }
    }
  } else { /* Q8_0 (34-byte blocks) / Q4_0 (18): a fixed scale, random quants (the peer's scales) */
    const lil_type_info *ti = lil_type_get(t->type);
    uint16_t d = lil_f32_to_f16(t->type == LIL_TYPE_Q8_0 ? 0.02f / 64 : 0.02f / 4);
    for (uint64_t b = 0; b < n_blocks; b++) {
      uint8_t *p = buf + b * ti->block_bytes;
      memcpy(p, &d, 2);
      for (uint32_t j = 2; j < ti->block_bytes; j += 8) {
        uint64_t r = next_rand(rng);
        uint32_t m = ti->block_bytes - j < 8 ? ti->block_bytes - j : 8;
        memcpy(p + j, &r, m);
      }
    }
  }
}

/* tokenizer.* keys of the vocabulary file; tokens/scores/token_type padded to n_vocab. */
static lil_status copy_tokenizer(lil_gguf_writer *w, const lil_gguf *v, uint32_t n_vocab, lil_error *err) {
  const char *label = lil_gguf_label(v);
  lil_gguf_type et;
  uint64_t n_tok = 0;
  const void *data;
  lil_status st = lil_gguf_get_array(v, "tokenizer.ggml.tokens", &et, &n_tok, &data, err);
  if (st) return st;
  if (et != LIL_GGUF_STRING || !n_tok)
    return lil_error_set(err, LIL_ERR_FORMAT, "%s: tokenizer.ggml.tokens is not a list of strings", label);
  if (n_tok > n_vocab)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "%s: %llu tokens, more than the shape's vocabulary of %u", label,
                         (unsigned long long)n_tok, n_vocab);
  char **toks = calloc(n_vocab, sizeof(char *));
  float *scores = malloc((size_t)n_vocab * 4);
  int32_t *types = malloc((size_t)n_vocab * 4);
  if (!toks || !scores || !types) st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "synth: %u tokens", n_vocab);
  /* the file's arrays may be unaligned: read element i from byte 4 * i */
  const unsigned char *src_scores = NULL, *src_types = NULL;
  uint64_t n;
  if (!st && lil_gguf_find_key(v, "tokenizer.ggml.scores") >= 0 &&
      !(st = lil_gguf_get_array(v, "tokenizer.ggml.scores", &et, &n, &data, err)) && et == LIL_GGUF_FLOAT32 &&
      n == n_tok)
    src_scores = data;
  if (!st && lil_gguf_find_key(v, "tokenizer.ggml.token_type") >= 0 &&
      !(st = lil_gguf_get_array(v, "tokenizer.ggml.token_type", &et, &n, &data, err)) && et == LIL_GGUF_INT32 &&
      n == n_tok)
    src_types = data;
  float lowest = 0;
  for (uint64_t i = 0; !st && i < n_tok; i++) {
    const char *s;
    uint64_t len;
    if ((st = lil_gguf_get_array_str(v, "tokenizer.ggml.tokens", i, &s, &len, err))) break;
    if (!(toks[i] = malloc(len + 1))) {
      st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "synth: token text");
      break;
    }
    memcpy(toks[i], s, len);
    toks[i][len] = 0;
    if (src_scores) memcpy(&scores[i], src_scores + 4 * i, 4);
    else scores[i] = 0;
    if (src_types) memcpy(&types[i], src_types + 4 * i, 4);
    else types[i] = 1;
    if (scores[i] < lowest) lowest = scores[i];
  }
  for (uint64_t i = n_tok; !st && i < n_vocab; i++) {
    char f[32];
    snprintf(f, sizeof(f), "<synth_%llu>", (unsigned long long)i);
    if (!(toks[i] = strdup(f))) st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "synth: token text");
    scores[i] = lowest - 1e4f, types[i] = 1;
  }
  /* the other tokenizer keys, scalars and strings as they are (merges: a string list) */
  for (uint64_t k = 0; !st && k < lil_gguf_key_count(v); k++) {
    const char *key = lil_gguf_key_name(v, k);
    if (strncmp(key, "tokenizer.", 10) || !strcmp(key, "tokenizer.ggml.tokens") ||
        !strcmp(key, "tokenizer.ggml.scores") || !strcmp(key, "tokenizer.ggml.token_type"))
      continue;
    lil_gguf_type t = lil_gguf_key_type(v, k);
    if (t == LIL_GGUF_STRING) {
      const char *s;
      uint64_t len;
      if (!(st = lil_gguf_get_str(v, key, &s, &len, err))) st = lil_gguf_writer_add_string_n(w, key, s, len, err);
    } else if (t == LIL_GGUF_UINT32 || t == LIL_GGUF_INT32) {
      int64_t x;
      if (!(st = lil_gguf_get_i64(v, key, &x, err)))
        st = t == LIL_GGUF_UINT32 ? lil_gguf_writer_add_u32(w, key, (uint32_t)x, err)
                                  : lil_gguf_writer_add_i32(w, key, (int32_t)x, err);
    } else if (t == LIL_GGUF_BOOL) {
      int b;
      if (!(st = lil_gguf_get_bool(v, key, &b, err))) st = lil_gguf_writer_add_bool(w, key, b, err);
    } else if (t == LIL_GGUF_ARRAY && lil_gguf_key_array_type(v, k) == LIL_GGUF_STRING) {
      uint64_t cnt;
      if ((st = lil_gguf_get_array(v, key, &et, &cnt, &data, err))) break;
      char **strs = calloc(cnt ? cnt : 1, sizeof(char *));
      if (!strs) st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "synth: %s", key);
      for (uint64_t i = 0; !st && i < cnt; i++) {
        const char *s;
        uint64_t len;
        if ((st = lil_gguf_get_array_str(v, key, i, &s, &len, err))) break;
        if ((strs[i] = malloc(len + 1))) memcpy(strs[i], s, len), strs[i][len] = 0;
        else st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "synth: %s", key);
      }
      if (!st) st = lil_gguf_writer_add_str_array(w, key, cnt, (const char *const *)strs, err);
      for (uint64_t i = 0; strs && i < cnt; i++) free(strs[i]);
      free(strs);
    }
  }
  if (!st) st = lil_gguf_writer_add_str_array(w, "tokenizer.ggml.tokens", n_vocab, (const char *const *)toks, err);
  if (!st) st = lil_gguf_writer_add_array(w, "tokenizer.ggml.scores", LIL_GGUF_FLOAT32, n_vocab, scores, err);
  if (!st) st = lil_gguf_writer_add_array(w, "tokenizer.ggml.token_type", LIL_GGUF_INT32, n_vocab, types, err);
  for (uint32_t i = 0; toks && i < n_vocab; i++) free(toks[i]);
  free(toks);
  free(scores);
  free(types);
  return st;
}

static lil_status add_hparams(lil_gguf_writer *w, const lil_synth_shape *s, uint32_t type, lil_error *err) {
  char k[96], name[64];
  const char *a = s->arch;
  snprintf(name, sizeof(name), "synthetic-%s-%s", s->name, lil_type_get(type)->name);
  lil_status st = lil_gguf_writer_add_string(w, "general.architecture", a, err);
#define U32(suffix, v)                                                                                             \
  if (!st) snprintf(k, sizeof(k), "%s.%s", a, suffix), st = lil_gguf_writer_add_u32(w, k, v, err)
#define F32(suffix, v)                                                                                             \
  if (!st) snprintf(k, sizeof(k), "%s.%s", a, suffix), st = lil_gguf_writer_add_f32(w, k, v, err)
  if (!st) st = lil_gguf_writer_add_string(w, "general.name", name, err);
  U32("block_count", s->n_layer);
  U32("context_length", s->n_ctx);
  U32("embedding_length", s->n_embd);
  U32("feed_forward_length", s->n_ff);
  U32("attention.head_count", s->n_head);
  U32("attention.head_count_kv", s->n_head_kv);
  U32("attention.key_length", s->head_dim);
  U32("attention.value_length", s->head_dim);
  U32("rope.dimension_count", s->head_dim);
  F32("rope.freq_base", s->rope_base);
  F32("attention.layer_norm_rms_epsilon", s->rms_eps);
#undef U32
#undef F32
  /* llama.cpp's file types: 1 mostly F16, 7 mostly Q8_0, 2 mostly Q4_0 */
  uint32_t ft = type == LIL_TYPE_F16 ? 1 : type == LIL_TYPE_Q8_0 ? 7 : 2;
  if (!st) st = lil_gguf_writer_add_u32(w, "general.file_type", ft, err);
  return st;
}

lil_status lil_synth_write(const lil_synth_options *o, lil_error *err) {
  if (!o || !o->shape || !o->vocab_path || !o->out_path)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "synth: shape, vocabulary and output path are required");
  if (o->type != LIL_TYPE_F16 && o->type != LIL_TYPE_Q8_0 && o->type != LIL_TYPE_Q4_0)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "synth: weight type %u is not f16, q8_0 or q4_0", o->type);
  const lil_synth_shape *s = o->shape;
  uint32_t n = tensor_list(s, o->type, NULL);
  synth_tensor *t = calloc(n, sizeof(*t));
  lil_gguf *v = NULL;
  lil_gguf_writer *w = NULL;
  void *head = NULL;
  size_t head_n = 0;
  uint8_t *buf = NULL;
  FILE *f = NULL;
  lil_status st = t ? LIL_OK : lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "synth: %u tensors", n);
  if (!st) tensor_list(s, o->type, t);
  if (!st) st = lil_gguf_open(o->vocab_path, &v, err);
  if (!st) st = lil_gguf_writer_create(3, &w, err);
  if (!st) st = add_hparams(w, s, o->type, err);
  if (!st) st = copy_tokenizer(w, v, s->n_vocab, err);
  uint64_t off = 0;
  for (uint32_t i = 0; !st && i < n; i++) {
    st = lil_gguf_writer_add_tensor_raw(w, t[i].name, t[i].type, t[i].n_dims, t[i].ne, off, err);
    off += align32(tensor_bytes(&t[i]));
  }
  if (!st) st = lil_gguf_writer_to_memory(w, &head, &head_n, err);
  const size_t chunk = 4u << 20;
  if (!st && !(buf = malloc(chunk + 64))) st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "synth: write buffer");
  if (!st && !(f = fopen(o->out_path, "wb")))
    st = lil_error_set(err, LIL_ERR_IO, "%s: cannot create: %s", o->out_path, strerror(errno));
  int bad = !st && fwrite(head, 1, head_n, f) != head_n;
  for (uint32_t i = 0; !st && !bad && i < n; i++) {
    const lil_type_info *ti = lil_type_get(t[i].type);
    uint64_t blocks = t[i].ne[0] * t[i].ne[1] / ti->block_elems, per = chunk / ti->block_bytes;
    uint64_t rng = (o->seed + 1) * 0x9e3779b97f4a7c15ull ^ ((uint64_t)(i + 1) << 32);
    rng = rng ? rng : 1;
    for (uint64_t b = 0; b < blocks && !bad; b += per) {
      uint64_t m = blocks - b < per ? blocks - b : per;
      fill_chunk(&t[i], buf, m, &rng);
      bad = fwrite(buf, 1, m * ti->block_bytes, f) != m * ti->block_bytes;
    }
    uint64_t pad = align32(tensor_bytes(&t[i])) - tensor_bytes(&t[i]);
    memset(buf, 0, 32);
    if (!bad && pad) bad = fwrite(buf, 1, pad, f) != pad;
  }
  if (f && fclose(f) && !st) bad = 1;
  if (!st && bad) st = lil_error_set(err, LIL_ERR_IO, "%s: write failed: %s", o->out_path, strerror(errno));
  struct stat sb; /* a partial file goes; a device or pipe given as the output (/dev/stdout) stays */
  if (st && f && !stat(o->out_path, &sb) && S_ISREG(sb.st_mode)) remove(o->out_path);
  free(buf);
  free(head);
  lil_gguf_writer_free(w);
  lil_gguf_close(v);
  free(t);
  return st;
}
