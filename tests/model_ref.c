/* CPU reference forward pass (see model_ref.h). Written from the math, not from any GPU code. */
#include "model_ref.h"
#include "lil_quant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct ref_layer {
  float *attn_norm, *wq, *wk, *wv, *wo, *bq, *bk, *bv, *q_norm, *k_norm;
  float *ffn_norm, *wgate, *wup, *wdown;
} ref_layer;

struct model_ref {
  const lil_model_config *c;
  uint32_t n_ctx;
  float *embd, *out_norm, *wout, *rope_freqs;
  ref_layer *layers;
  float *kcache, *vcache; /* [layer][n_ctx][n_head_kv * head_dim(_v)] */
  float *x, *h, *q, *k, *v, *att, *ao, *g, *u, *scores, *logits;
};

/* Whole tensor as floats (rows of ne[0]); NULL tensor -> NULL, *st untouched. */
static float *load(const lil_gguf_tensor *t, lil_status *st, lil_error *err) {
  if (!t || *st) return NULL;
  uint64_t cols = t->ne[0], rows = t->ne[1] * t->ne[2] * t->ne[3];
  uint64_t rb = lil_type_row_bytes(t->type, cols);
  float *f = malloc(cols * rows * sizeof(float));
  if (!f || !rb) {
    free(f);
    *st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "model_ref: cannot load '%s'", t->name);
    return NULL;
  }
  for (uint64_t r = 0; r < rows && !*st; r++)
    *st = lil_dequantize_row(t->type, (const uint8_t *)t->data + r * rb, f + r * cols, cols, err);
  return f;
}

void model_ref_free(model_ref *m) {
  if (!m) return;
  for (uint32_t l = 0; m->layers && l < m->c->n_layer; l++) {
    float **w = (float **)&m->layers[l];
    for (size_t i = 0; i < sizeof(ref_layer) / sizeof(float *); i++) free(w[i]);
  }
  free(m->layers);
  free(m->embd);
  free(m->out_norm);
  if (m->wout != m->embd) free(m->wout);
  free(m->rope_freqs);
  free(m->kcache);
  free(m->vcache);
  float *bufs[] = {m->x, m->h, m->q, m->k, m->v, m->att, m->ao, m->g, m->u, m->scores, m->logits};
  for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) free(bufs[i]);
  free(m);
}

lil_status model_ref_create(const lil_model_config *c, uint32_t n_ctx, model_ref **out, lil_error *err) {
  *out = NULL;
  if (c->rope_scaling != LIL_ROPE_SCALING_NONE && c->rope_scaling != LIL_ROPE_SCALING_LINEAR)
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "model_ref: rope scaling '%s' not implemented",
                         lil_rope_scaling_name(c->rope_scaling));
  if (c->head_dim_v > 1024)
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "model_ref: head size %u > 1024", c->head_dim_v);
  model_ref *m = calloc(1, sizeof(*m));
  if (!m) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "model_ref: out of memory");
  m->c = c;
  m->n_ctx = n_ctx;
  lil_status st = LIL_OK;
  m->embd = load(c->token_embd, &st, err);
  m->out_norm = load(c->output_norm, &st, err);
  m->wout = c->tied_output ? m->embd : load(c->output, &st, err);
  m->rope_freqs = load(c->rope_freqs, &st, err);
  m->layers = calloc(c->n_layer, sizeof(ref_layer));
  if (!m->layers && !st) st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "model_ref: out of memory");
  for (uint32_t l = 0; l < c->n_layer && !st; l++) {
    const lil_layer_tensors *t = &c->layers[l];
    ref_layer *r = &m->layers[l];
    r->attn_norm = load(t->attn_norm, &st, err);
    r->wq = load(t->attn_q, &st, err);
    r->wk = load(t->attn_k, &st, err);
    r->wv = load(t->attn_v, &st, err);
    r->wo = load(t->attn_output, &st, err);
    r->bq = load(t->attn_q_bias, &st, err);
    r->bk = load(t->attn_k_bias, &st, err);
    r->bv = load(t->attn_v_bias, &st, err);
    r->q_norm = load(t->attn_q_norm, &st, err);
    r->k_norm = load(t->attn_k_norm, &st, err);
    r->ffn_norm = load(t->ffn_norm, &st, err);
    r->wgate = load(t->ffn_gate, &st, err);
    r->wup = load(t->ffn_up, &st, err);
    r->wdown = load(t->ffn_down, &st, err);
  }
  uint64_t kvd = (uint64_t)c->n_head_kv * c->head_dim, kvdv = (uint64_t)c->n_head_kv * c->head_dim_v;
  uint64_t qd = (uint64_t)c->n_head * c->head_dim, ad = (uint64_t)c->n_head * c->head_dim_v;
  m->kcache = malloc((uint64_t)c->n_layer * n_ctx * kvd * sizeof(float));
  m->vcache = malloc((uint64_t)c->n_layer * n_ctx * kvdv * sizeof(float));
  m->x = malloc(c->n_embd * sizeof(float));
  m->h = malloc(c->n_embd * sizeof(float));
  m->q = malloc(qd * sizeof(float));
  m->k = malloc(kvd * sizeof(float));
  m->v = malloc(kvdv * sizeof(float));
  m->att = malloc(ad * sizeof(float));
  m->ao = malloc(c->n_embd * sizeof(float));
  m->g = malloc(c->n_ff * sizeof(float));
  m->u = malloc(c->n_ff * sizeof(float));
  m->scores = malloc(n_ctx * sizeof(float));
  m->logits = malloc(c->n_vocab * sizeof(float));
  if (!st && (!m->kcache || !m->vcache || !m->x || !m->h || !m->q || !m->k || !m->v || !m->att || !m->ao ||
              !m->g || !m->u || !m->scores || !m->logits))
    st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "model_ref: out of memory");
  if (st) {
    model_ref_free(m);
    return st;
  }
  *out = m;
  return LIL_OK;
}

int32_t model_ref_argmax(const float *logits, uint32_t n) {
  int32_t best = 0;
  for (uint32_t i = 1; i < n; i++)
    if (logits[i] > logits[best]) best = (int32_t)i;
  return best;
}

static void rmsnorm(float *out, const float *x, const float *w, uint32_t n, float eps) {
  double ss = 0;
  for (uint32_t i = 0; i < n; i++) ss += (double)x[i] * x[i];
  double s = 1.0 / sqrt(ss / n + eps);
  for (uint32_t i = 0; i < n; i++) out[i] = (float)(x[i] * s * w[i]);
}

/* y[r] = sum_c W[r][c] x[c] (+ b[r]) (+ y[r] when accumulate) */
static void matvec(float *y, const float *w, const float *x, const float *b, uint32_t rows, uint32_t cols,
                   int accumulate) {
  for (uint32_t r = 0; r < rows; r++) {
    double s = b ? b[r] : 0.0;
    const float *wr = w + (uint64_t)r * cols;
    for (uint32_t i = 0; i < cols; i++) s += (double)wr[i] * x[i];
    y[r] = (float)(accumulate ? y[r] + s : s);
  }
}

static void rope(const model_ref *m, float *vec, uint32_t n_heads, uint32_t pos) {
  const lil_model_config *c = m->c;
  uint32_t d = c->head_dim, half = c->n_rot / 2;
  double p = (double)pos / (c->rope_scaling == LIL_ROPE_SCALING_LINEAR ? c->rope_scaling_factor : 1.0);
  for (uint32_t h = 0; h < n_heads; h++) {
    float *v = vec + (uint64_t)h * d;
    for (uint32_t i = 0; i < half; i++) {
      double freq = pow((double)c->rope_freq_base, -2.0 * i / c->n_rot);
      if (m->rope_freqs) freq /= m->rope_freqs[i];
      double a = p * freq, cs = cos(a), sn = sin(a);
      uint32_t i0 = c->rope_layout == LIL_ROPE_LAYOUT_NEOX ? i : 2 * i;
      uint32_t i1 = c->rope_layout == LIL_ROPE_LAYOUT_NEOX ? i + half : 2 * i + 1;
      double x0 = v[i0], x1 = v[i1];
      v[i0] = (float)(x0 * cs - x1 * sn);
      v[i1] = (float)(x0 * sn + x1 * cs);
    }
  }
}

const float *model_ref_forward(model_ref *m, int32_t token, uint32_t pos) {
  const lil_model_config *c = m->c;
  const uint32_t E = c->n_embd, D = c->head_dim, DV = c->head_dim_v, H = c->n_head, HKV = c->n_head_kv;
  const uint32_t kvd = HKV * D, kvdv = HKV * DV, group = H / HKV;
  memcpy(m->x, m->embd + (uint64_t)token * E, E * sizeof(float));
  for (uint32_t l = 0; l < c->n_layer; l++) {
    const ref_layer *w = &m->layers[l];
    float *kc = m->kcache + ((uint64_t)l * m->n_ctx) * kvd, *vc = m->vcache + ((uint64_t)l * m->n_ctx) * kvdv;
    rmsnorm(m->h, m->x, w->attn_norm, E, c->rms_eps);
    matvec(m->q, w->wq, m->h, w->bq, H * D, E, 0);
    matvec(m->k, w->wk, m->h, w->bk, kvd, E, 0);
    matvec(m->v, w->wv, m->h, w->bv, kvdv, E, 0);
    if (w->q_norm) {
      for (uint32_t h = 0; h < H; h++) rmsnorm(m->q + h * D, m->q + h * D, w->q_norm, D, c->rms_eps);
      for (uint32_t h = 0; h < HKV; h++) rmsnorm(m->k + h * D, m->k + h * D, w->k_norm, D, c->rms_eps);
    }
    rope(m, m->q, H, pos);
    rope(m, m->k, HKV, pos);
    memcpy(kc + (uint64_t)pos * kvd, m->k, kvd * sizeof(float));
    memcpy(vc + (uint64_t)pos * kvdv, m->v, kvdv * sizeof(float));
    for (uint32_t h = 0; h < H; h++) {
      const float *q = m->q + h * D;
      uint32_t kh = h / group;
      double mx = -INFINITY, sum = 0;
      for (uint32_t t = 0; t <= pos; t++) {
        const float *k = kc + (uint64_t)t * kvd + kh * D;
        double s = 0;
        for (uint32_t i = 0; i < D; i++) s += (double)q[i] * k[i];
        m->scores[t] = (float)(s / sqrt((double)D));
        if (m->scores[t] > mx) mx = m->scores[t];
      }
      double acc[1024] = {0};
      for (uint32_t t = 0; t <= pos; t++) {
        double p = exp(m->scores[t] - mx);
        sum += p;
        const float *v = vc + (uint64_t)t * kvdv + kh * DV;
        for (uint32_t i = 0; i < DV && i < 1024; i++) acc[i] += p * v[i];
      }
      for (uint32_t i = 0; i < DV && i < 1024; i++) m->att[h * DV + i] = (float)(acc[i] / sum);
    }
    matvec(m->x, w->wo, m->att, NULL, E, H * DV, 1);
    rmsnorm(m->h, m->x, w->ffn_norm, E, c->rms_eps);
    matvec(m->g, w->wgate, m->h, NULL, c->n_ff, E, 0);
    matvec(m->u, w->wup, m->h, NULL, c->n_ff, E, 0);
    for (uint32_t i = 0; i < c->n_ff; i++) m->g[i] = m->g[i] / (1.0f + expf(-m->g[i])) * m->u[i];
    matvec(m->x, w->wdown, m->g, NULL, E, c->n_ff, 1);
  }
  rmsnorm(m->h, m->x, m->out_norm, E, c->rms_eps);
  matvec(m->logits, m->wout, m->h, NULL, c->n_vocab, E, 0);
  return m->logits;
}
