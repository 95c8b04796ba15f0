/* Hyperparameters of llama / qwen2 / qwen3 from GGUF metadata ({arch}.* keys), validated; the
 * tensor binding is in lil_model_tensors.c. */
#include "lil_model_config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_model_config_internal.h"

#define MAX_DIM (1u << 20)   /* any single hyperparameter */
#define MAX_LAYERS 4096u

static const struct {
  const char *name;
  lil_arch arch;
  lil_rope_layout rope;
} archs[] = {
    {"llama", LIL_ARCH_LLAMA, LIL_ROPE_LAYOUT_NORMAL},
    {"qwen2", LIL_ARCH_QWEN2, LIL_ROPE_LAYOUT_NEOX},
    {"qwen3", LIL_ARCH_QWEN3, LIL_ROPE_LAYOUT_NEOX},
};

const char *lil_arch_name(lil_arch a) {
  for (size_t i = 0; i < sizeof(archs) / sizeof(archs[0]); i++)
    if (archs[i].arch == a) return archs[i].name;
  return "unknown";
}

const char *lil_rope_layout_name(lil_rope_layout l) { return l == LIL_ROPE_LAYOUT_NEOX ? "neox" : "normal"; }

static const char *const scaling_names[] = {"none", "linear", "yarn", "longrope"};

const char *lil_rope_scaling_name(lil_rope_scaling s) {
  return (unsigned)s < 4 ? scaling_names[s] : "unknown";
}

typedef struct ctx {
  const lil_gguf *g;
  const char *arch;
  lil_error *err;
} ctx;

static const char *key(const ctx *c, char *buf, size_t n, const char *suffix) {
  snprintf(buf, n, "%s.%s", c->arch, suffix);
  return buf;
}

/* A u32 hyperparameter in 1..max; def = 0 means required. */
static lil_status get_dim(const ctx *c, const char *suffix, uint32_t def, uint32_t max, uint32_t *out) {
  char k[128];
  key(c, k, sizeof(k), suffix);
  if (lil_gguf_find_key(c->g, k) < 0) {
    if (!def) return lil_error_set(c->err, LIL_ERR_FORMAT, "%s: missing key '%s'", lil_gguf_label(c->g), k);
    *out = def;
    return LIL_OK;
  }
  lil_gguf_type et;
  if (lil_gguf_get_array(c->g, k, &et, NULL, NULL, NULL) == LIL_OK)
    return lil_error_set(c->err, LIL_ERR_UNSUPPORTED, "%s: key '%s' is a per-layer array, not supported",
                         lil_gguf_label(c->g), k);
  lil_status st = lil_gguf_get_u32(c->g, k, out, c->err);
  if (st) return st;
  if (*out < 1 || *out > max)
    return lil_error_set(c->err, LIL_ERR_FORMAT, "%s: key '%s' = %u is out of range 1..%u", lil_gguf_label(c->g),
                         k, *out, max);
  return LIL_OK;
}

/* A positive finite f32; def < 0 means required. */
static lil_status get_pos_f32(const ctx *c, const char *suffix, float def, float *out) {
  char k[128];
  key(c, k, sizeof(k), suffix);
  if (lil_gguf_find_key(c->g, k) < 0) {
    if (def < 0) return lil_error_set(c->err, LIL_ERR_FORMAT, "%s: missing key '%s'", lil_gguf_label(c->g), k);
    *out = def;
    return LIL_OK;
  }
  lil_status st = lil_gguf_get_f32(c->g, k, out, c->err);
  if (st) return st;
  if (!isfinite(*out) || *out <= 0)
    return lil_error_set(c->err, LIL_ERR_FORMAT, "%s: key '%s' = %g must be positive and finite",
                         lil_gguf_label(c->g), k, (double)*out);
  return LIL_OK;
}

static lil_status read_rope_scaling(const ctx *c, lil_model_config *m) {
  char k[128];
  const char *s;
  uint64_t len;
  m->rope_scaling = LIL_ROPE_SCALING_NONE;
  m->rope_scaling_factor = 1.0f;
  key(c, k, sizeof(k), "rope.scaling.type");
  if (lil_gguf_find_key(c->g, k) >= 0) {
    lil_status st = lil_gguf_get_str(c->g, k, &s, &len, c->err);
    if (st) return st;
    int found = 0;
    for (int i = 0; i < 4; i++)
      if (len == strlen(scaling_names[i]) && memcmp(s, scaling_names[i], len) == 0) {
        m->rope_scaling = (lil_rope_scaling)i;
        found = 1;
      }
    char pb[LIL_PRINTABLE_CAP];
    if (!found)
      return lil_error_set(c->err, LIL_ERR_UNSUPPORTED, "%s: key '%s': unknown rope scaling type '%s'",
                           lil_gguf_label(c->g), k, lil_printable(s, len, pb));
  }
  lil_status st = get_pos_f32(c, "rope.scaling.factor", 1.0f, &m->rope_scaling_factor);
  if (st) return st;
  key(c, k, sizeof(k), "rope.scaling.original_context_length");
  if (lil_gguf_find_key(c->g, k) >= 0 && (st = lil_gguf_get_u32(c->g, k, &m->rope_scaling_orig_ctx, c->err)))
    return st;
  return LIL_OK;
}

static lil_status read_hparams(const ctx *c, lil_model_config *m) {
  lil_status st;
  const char *label = lil_gguf_label(c->g);
  if ((st = get_dim(c, "embedding_length", 0, MAX_DIM, &m->n_embd)) ||
      (st = get_dim(c, "block_count", 0, MAX_LAYERS, &m->n_layer)) ||
      (st = get_dim(c, "attention.head_count", 0, MAX_DIM, &m->n_head)) ||
      (st = get_dim(c, "attention.head_count_kv", m->n_head, MAX_DIM, &m->n_head_kv)) ||
      (st = get_dim(c, "feed_forward_length", 0, MAX_DIM, &m->n_ff)) ||
      (st = get_dim(c, "context_length", 0, 1u << 30, &m->n_ctx_train)) ||
      (st = get_pos_f32(c, "attention.layer_norm_rms_epsilon", -1.0f, &m->rms_eps)) ||
      (st = get_pos_f32(c, "rope.freq_base", 10000.0f, &m->rope_freq_base)))
    return st;
  if (m->n_head % m->n_head_kv)
    return lil_error_set(c->err, LIL_ERR_FORMAT, "%s: '%s.attention.head_count' %u is not a multiple of "
                         "'%s.attention.head_count_kv' %u", label, c->arch, m->n_head, c->arch, m->n_head_kv);
  uint32_t def_head = m->n_embd % m->n_head == 0 ? m->n_embd / m->n_head : 0;
  char k[128];
  if (!def_head && lil_gguf_find_key(c->g, key(c, k, sizeof(k), "attention.key_length")) < 0)
    return lil_error_set(c->err, LIL_ERR_FORMAT, "%s: '%s.embedding_length' %u is not a multiple of "
                         "'%s.attention.head_count' %u and '%s' is missing", label, c->arch, m->n_embd, c->arch,
                         m->n_head, k);
  if ((st = get_dim(c, "attention.key_length", def_head, MAX_DIM, &m->head_dim)) ||
      (st = get_dim(c, "attention.value_length", m->head_dim, MAX_DIM, &m->head_dim_v)) ||
      (st = get_dim(c, "rope.dimension_count", m->head_dim, MAX_DIM, &m->n_rot)))
    return st;
  if ((uint64_t)m->n_head * m->head_dim > MAX_DIM * 16ull || (uint64_t)m->n_head * m->head_dim_v > MAX_DIM * 16ull)
    return lil_error_set(c->err, LIL_ERR_FORMAT, "%s: %u heads of %u values is too large", label, m->n_head,
                         m->head_dim);
  if (m->n_rot > m->head_dim || m->n_rot % 2)
    return lil_error_set(c->err, LIL_ERR_FORMAT, "%s: '%s.rope.dimension_count' %u must be even and <= the "
                         "head size %u", label, c->arch, m->n_rot, m->head_dim);
  return read_rope_scaling(c, m);
}

lil_status lil_model_config_load(const lil_gguf *g, lil_model_config **out, lil_error *err) {
  if (!g || !out) return lil_error_set(err, LIL_ERR_INVALID_ARG, "lil_model_config_load: NULL argument");
  *out = NULL;
  const char *s;
  uint64_t len;
  lil_status st = lil_gguf_get_str(g, "general.architecture", &s, &len, err);
  if (st) return st;
  lil_model_config *m = calloc(1, sizeof(*m));
  if (!m) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "%s: cannot allocate a model config", lil_gguf_label(g));
  size_t a = 0, n_archs = sizeof(archs) / sizeof(archs[0]);
  while (a < n_archs && !(len == strlen(archs[a].name) && memcmp(s, archs[a].name, len) == 0)) a++;
  if (a == n_archs) {
    free(m);
    char pb[LIL_PRINTABLE_CAP];
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "%s: unsupported architecture '%s' (supported: llama, qwen2, qwen3)",
                         lil_gguf_label(g), lil_printable(s, len, pb));
  }
  m->arch = archs[a].arch;
  m->rope_layout = archs[a].rope;
  ctx c = {g, archs[a].name, err};
  if ((st = read_hparams(&c, m))) goto fail;
  m->layers = calloc(m->n_layer, sizeof(*m->layers));
  if (!m->layers) {
    st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "%s: cannot allocate %u layers", lil_gguf_label(g), m->n_layer);
    goto fail;
  }
  if ((st = lil_model_bind_tensors(g, m, err))) goto fail;
  *out = m;
  return LIL_OK;
fail:
  lil_model_config_free(m);
  return st;
}

void lil_model_config_free(lil_model_config *c) {
  if (!c) return;
  free(c->layers);
  free(c);
}
