/* Binding a model's weight tensors by name, with shape and type checks against the
 * hyperparameters (see the naming and layout notes in lil_model_config.h). */
#include <stdio.h>

#include "lil_model_config_internal.h"

typedef struct binder {
  const lil_gguf *g;
  lil_error *err;
} binder;

static void shape_str(char *buf, size_t n, const uint64_t *ne, uint32_t n_dims) {
  int w = snprintf(buf, n, "[");
  for (uint32_t d = 0; d < n_dims && w > 0 && (size_t)w < n; d++)
    w += snprintf(buf + w, n - (size_t)w, "%s%llu", d ? ", " : "", (unsigned long long)ne[d]);
  if (w > 0 && (size_t)w < n) snprintf(buf + w, n - (size_t)w, "]");
}

/* Finds name (optional when !required), checks ne == [ne0] (ne1 == 0) or [ne0, ne1] and the type. */
static lil_status bind(binder *b, const char *name, int required, uint64_t ne0, uint64_t ne1,
                       const lil_gguf_tensor **out) {
  const char *label = lil_gguf_label(b->g);
  const lil_gguf_tensor *t = lil_gguf_find_tensor(b->g, name);
  *out = NULL;
  if (!t) return required ? lil_error_set(b->err, LIL_ERR_FORMAT, "%s: missing tensor '%s'", label, name) : LIL_OK;
  uint64_t want[2] = {ne0, ne1 ? ne1 : 1};
  uint32_t want_dims = ne1 ? 2 : 1;
  if (t->ne[0] != want[0] || t->ne[1] != want[1] || t->ne[2] != 1 || t->ne[3] != 1) {
    char ws[64], gs[96];
    shape_str(ws, sizeof(ws), want, want_dims);
    shape_str(gs, sizeof(gs), t->ne, t->n_dims);
    return lil_error_set(b->err, LIL_ERR_FORMAT, "%s: tensor '%s' has shape %s, expected %s (ggml order)", label,
                         name, gs, ws);
  }
  const lil_type_info *ti = lil_type_get(t->type); /* known: the reader rejects unknown ids */
  if (!ti || !ti->supported)
    return lil_error_set(b->err, LIL_ERR_UNSUPPORTED, "%s: unsupported tensor type %s in '%s'", label,
                         ti ? ti->name : "?", name);
  *out = t;
  return LIL_OK;
}

static lil_status bind_layer(binder *b, const lil_model_config *c, uint32_t il, lil_layer_tensors *L) {
  const uint64_t e = c->n_embd, q = (uint64_t)c->n_head * c->head_dim, k = (uint64_t)c->n_head_kv * c->head_dim,
                 v = (uint64_t)c->n_head_kv * c->head_dim_v, o = (uint64_t)c->n_head * c->head_dim_v;
  const int bias_required = c->arch == LIL_ARCH_QWEN2, norm_required = c->arch == LIL_ARCH_QWEN3;
  const struct {
    const char *suffix;
    int required;
    uint64_t ne0, ne1;
    const lil_gguf_tensor **slot;
  } specs[] = {
      {"attn_norm.weight", 1, e, 0, &L->attn_norm},
      {"attn_q.weight", 1, e, q, &L->attn_q},
      {"attn_k.weight", 1, e, k, &L->attn_k},
      {"attn_v.weight", 1, e, v, &L->attn_v},
      {"attn_output.weight", 1, o, e, &L->attn_output},
      {"attn_q.bias", bias_required, q, 0, &L->attn_q_bias},
      {"attn_k.bias", bias_required, k, 0, &L->attn_k_bias},
      {"attn_v.bias", bias_required, v, 0, &L->attn_v_bias},
      {"attn_q_norm.weight", norm_required, c->head_dim, 0, &L->attn_q_norm},
      {"attn_k_norm.weight", norm_required, c->head_dim, 0, &L->attn_k_norm},
      {"ffn_norm.weight", 1, e, 0, &L->ffn_norm},
      {"ffn_gate.weight", 1, e, c->n_ff, &L->ffn_gate},
      {"ffn_up.weight", 1, e, c->n_ff, &L->ffn_up},
      {"ffn_down.weight", 1, c->n_ff, e, &L->ffn_down},
  };
  for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
    char name[96];
    snprintf(name, sizeof(name), "blk.%u.%s", il, specs[i].suffix);
    lil_status st = bind(b, name, specs[i].required, specs[i].ne0, specs[i].ne1, specs[i].slot);
    if (st) return st;
  }
  if ((L->attn_q_norm == NULL) != (L->attn_k_norm == NULL))
    return lil_error_set(b->err, LIL_ERR_FORMAT, "%s: layer %u has only one of attn_q_norm/attn_k_norm",
                         lil_gguf_label(b->g), il);
  return LIL_OK;
}

lil_status lil_model_bind_tensors(const lil_gguf *g, lil_model_config *c, lil_error *err) {
  binder b = {g, err};
  const char *label = lil_gguf_label(g);
  const lil_gguf_tensor *emb = lil_gguf_find_tensor(g, "token_embd.weight");
  if (!emb) return lil_error_set(err, LIL_ERR_FORMAT, "%s: missing tensor 'token_embd.weight'", label);
  if (emb->ne[1] > UINT32_MAX)
    return lil_error_set(err, LIL_ERR_FORMAT, "%s: tensor 'token_embd.weight' has %llu rows, too many", label,
                         (unsigned long long)emb->ne[1]);
  c->n_vocab = (uint32_t)emb->ne[1]; /* the vocabulary is the embedding's row count */
  lil_status st;
  if ((st = bind(&b, "token_embd.weight", 1, c->n_embd, c->n_vocab, &c->token_embd))) return st;
  uint64_t n_tokens;
  lil_gguf_type et;
  if (lil_gguf_get_array(g, "tokenizer.ggml.tokens", &et, &n_tokens, NULL, NULL) == LIL_OK && n_tokens > c->n_vocab)
    return lil_error_set(err, LIL_ERR_FORMAT,
                         "%s: 'tokenizer.ggml.tokens' has %llu tokens but 'token_embd.weight' only %u rows", label,
                         (unsigned long long)n_tokens, c->n_vocab);
  if ((st = bind(&b, "output_norm.weight", 1, c->n_embd, 0, &c->output_norm)) ||
      (st = bind(&b, "output.weight", 0, c->n_embd, c->n_vocab, &c->output)) ||
      (st = bind(&b, "rope_freqs.weight", 0, c->n_rot / 2, 0, &c->rope_freqs)))
    return st;
  if (c->rope_freqs && c->rope_freqs->type != LIL_TYPE_F32)
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "%s: tensor 'rope_freqs.weight' must be F32", label);
  c->tied_output = c->output == NULL;
  if (c->tied_output) c->output = c->token_embd;
  for (uint32_t il = 0; il < c->n_layer; il++) {
    lil_layer_tensors *L = &c->layers[il];
    if ((st = bind_layer(&b, c, il, L))) return st;
    if (L->attn_q_bias || L->attn_k_bias || L->attn_v_bias) c->has_qkv_bias = 1;
    if (L->attn_q_norm) c->has_qk_norm = 1;
  }
  return LIL_OK;
}
