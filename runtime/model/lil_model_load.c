/* lil_model: GGUF (mmap) -> validated config -> every weight on the device, with a progress bar. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lil_model_internal.h"
#include "lil_quant.h"

void lil_model_options_default(lil_model_options *o) { o->progress = -1; }

typedef struct progress {
  int on;
  uint64_t total, base, last_print;
  double t0;
} progress;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void progress_print(progress *p, uint64_t done, int final) {
  if (!p->on) return;
  double dt = now_s() - p->t0, mb = done / 1048576.0;
  int width = 30, fill = p->total ? (int)(width * (double)done / p->total) : width;
  fprintf(stderr, "\rloading [%.*s%*s] %.1f/%.1f MB %.0f MB/s", fill, "##############################", width - fill,
          "", mb, p->total / 1048576.0, dt > 0 ? mb / dt : 0.0);
  if (final) fputc('\n', stderr);
  fflush(stderr);
}

static void on_part(void *user, uint64_t bytes) {
  progress *p = user;
  uint64_t done = p->base + bytes;
  if (done - p->last_print >= p->total / 100 + 1) {
    progress_print(p, done, 0);
    p->last_print = done;
  }
}

static lil_status upload(lil_model *m, const lil_gguf_tensor *t, progress *p, lil_weight **out, lil_error *err) {
  *out = NULL;
  if (!lil_quant_supported(t->type)) {
    const lil_type_info *ti = lil_type_get(t->type);
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "tensor '%s': type %s is not supported", t->name, ti ? ti->name : "?");
  }
  lil_status st = lil_gguf_check_unchanged(m->gguf, err);
  if (st) return st;
  uint64_t rows = t->ne[1] * t->ne[2] * t->ne[3];
  if (rows > UINT32_MAX || t->ne[0] > UINT32_MAX)
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "tensor '%s' is too large", t->name);
  lil_weight_options wo = {.name = t->name};
  st = lil_weight_create(m->ctx, t->type, (uint32_t)rows, (uint32_t)t->ne[0], t->data, &wo, out, err);
  if (!st) {
    p->base += t->size;
    on_part(p, 0);
  }
  return st;
}

/* Weights that read the same input (Q/K/V, gate/up) as one weight for the decode matvec: the n
 * tensors' rows concatenated, each starting at a multiple of LIL_CONCAT_ROWS rows (zero rows in
 * between), so that its rows start 256-byte aligned in the weight and its outputs at a multiple of
 * 1 KiB in y (model_acts' decode layout); *out[i] views of each tensor's rows (the prefill's
 * matmuls). All of the same type and width, the whole in one part, else *cat stays NULL and the
 * tensors are uploaded on their own. */
static lil_status upload_concat(lil_model *m, const lil_gguf_tensor *const *t, int n, progress *p, lil_weight **cat,
                                lil_weight **out[], lil_error *err) {
  *cat = NULL;
  int ok = 1;
  uint32_t start[3], total = 0;
  for (int i = 0; i < n && ok; i++) {
    ok = t[i]->type == t[0]->type && t[i]->ne[0] == t[0]->ne[0] && t[i]->ne[2] == 1 && t[i]->ne[3] == 1 &&
         t[i]->ne[1] < (1u << 28) && lil_quant_supported(t[i]->type);
    start[i] = total;
    if (ok) total += (uint32_t)(i + 1 < n ? (t[i]->ne[1] + LIL_CONCAT_ROWS - 1) / LIL_CONCAT_ROWS * LIL_CONCAT_ROWS
                                          : t[i]->ne[1]);
  }
  lil_status st = ok ? lil_gguf_check_unchanged(m->gguf, err) : LIL_OK;
  if (st) return st;
  lil_weight *w = NULL;
  if (ok) {
    lil_weight_options wo = {.name = t[0]->name};
    if ((st = lil_weight_create(m->ctx, t[0]->type, total, (uint32_t)t[0]->ne[0], NULL, &wo, &w, err))) return st;
    ok = w->n_parts == 1;
  }
  if (!ok) {
    lil_weight_free(w);
    for (int i = 0; i < n; i++)
      if ((st = upload(m, t[i], p, out[i], err))) return st;
    return LIL_OK;
  }
  uint8_t *zero = NULL;
  for (int i = 0; i < n && !st; i++) {
    uint32_t rows = (uint32_t)t[i]->ne[1], pad = (i + 1 < n ? start[i + 1] : total) - start[i] - rows;
    st = lil_weight_upload_rows(w, start[i], rows, t[i]->data, err);
    if (!st && pad) {
      if (!zero && !(zero = calloc(LIL_CONCAT_ROWS, w->row_bytes)))
        st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "out of host memory for '%s'", t[i]->name);
      if (!st) st = lil_weight_upload_rows(w, start[i] + rows, pad, zero, err);
    }
    if (!st) st = lil_weight_view(w, start[i], rows, out[i], err);
    if (!st) {
      p->base += t[i]->size;
      on_part(p, 0);
    }
  }
  free(zero);
  if (st) {
    for (int i = 0; i < n; i++) lil_weight_free(*out[i]), *out[i] = NULL;
    lil_weight_free(w);
    return st;
  }
  *cat = w;
  return LIL_OK;
}

/* A 1-D tensor (norm weight, bias, rope factors) as an F32 buffer. NULL tensor -> NULL buffer. */
static lil_status upload_vec(lil_model *m, const lil_gguf_tensor *t, progress *p, lil_buffer **out, lil_error *err) {
  *out = NULL;
  if (!t) return LIL_OK;
  lil_status st = lil_gguf_check_unchanged(m->gguf, err);
  if (st) return st;
  uint64_t n = t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
  float *f = malloc(n * sizeof(float));
  if (!f) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "out of host memory for '%s'", t->name);
  if (t->type == LIL_TYPE_F32) memcpy(f, t->data, n * 4);
  else if (t->type == LIL_TYPE_F16)
    for (uint64_t i = 0; i < n; i++) {
      uint16_t h;
      memcpy(&h, (const uint8_t *)t->data + 2 * i, 2);
      f[i] = lil_f16_to_f32(h);
    }
  else {
    free(f);
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "tensor '%s': 1-D tensors must be F32 or F16", t->name);
  }
  st = lil_buffer_create(m->ctx, LIL_MEM_WEIGHTS, (n * 4 + 15) & ~15ull, t->name, out, err);
  if (!st) st = lil_buffer_upload(*out, 0, f, n * 4, err);
  free(f);
  if (!st) {
    p->base += t->size;
    on_part(p, 0);
  }
  return st;
}

void lil_model_free(lil_model *m) {
  if (!m) return;
  for (uint32_t l = 0; m->layers && l < m->cfg->n_layer; l++) {
    model_layer *L = &m->layers[l];
    lil_buffer *bufs[] = {L->attn_norm, L->ffn_norm, L->q_norm, L->k_norm, L->bq, L->bk, L->bv};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) lil_buffer_free(bufs[i]);
    /* the views before the concatenated weights they read */
    lil_weight *ws[] = {L->wq, L->wk, L->wv, L->wo, L->gate, L->up, L->down, L->wqkv, L->wgu};
    for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++) lil_weight_free(ws[i]);
  }
  free(m->layers);
  if (m->output != m->embd) lil_weight_free(m->output);
  lil_weight_free(m->embd);
  lil_buffer_free(m->out_norm);
  lil_buffer_free(m->rope_freqs);
  lil_model_config_free(m->cfg);
  lil_gguf_close(m->gguf);
  free(m);
}

static lil_status upload_all(lil_model *m, progress *p, lil_error *err) {
  const lil_model_config *c = m->cfg;
  lil_status st;
  /* $LIL_MATVEC_CONCAT=0: Q/K/V and gate/up as separate weights (three and two decode matvecs) */
  const char *ce = getenv("LIL_MATVEC_CONCAT");
  int concat = !(ce && !strcmp(ce, "0"));
  if ((st = upload(m, c->token_embd, p, &m->embd, err)) || (st = upload_vec(m, c->output_norm, p, &m->out_norm, err)) ||
      (st = upload_vec(m, c->rope_freqs, p, &m->rope_freqs, err)))
    return st;
  if (c->tied_output) m->output = m->embd;
  else if ((st = upload(m, c->output, p, &m->output, err)))
    return st;
  for (uint32_t l = 0; l < c->n_layer; l++) {
    const lil_layer_tensors *t = &c->layers[l];
    model_layer *L = &m->layers[l];
    const lil_gguf_tensor *qkv[] = {t->attn_q, t->attn_k, t->attn_v}, *gu[] = {t->ffn_gate, t->ffn_up};
    lil_weight **qkv_out[] = {&L->wq, &L->wk, &L->wv}, **gu_out[] = {&L->gate, &L->up};
    if ((st = upload_vec(m, t->attn_norm, p, &L->attn_norm, err)) ||
        (concat && (st = upload_concat(m, qkv, 3, p, &L->wqkv, qkv_out, err))) ||
        (!concat && ((st = upload(m, t->attn_q, p, &L->wq, err)) || (st = upload(m, t->attn_k, p, &L->wk, err)) ||
                     (st = upload(m, t->attn_v, p, &L->wv, err)))) ||
        (st = upload_vec(m, t->attn_q_bias, p, &L->bq, err)) || (st = upload_vec(m, t->attn_k_bias, p, &L->bk, err)) ||
        (st = upload_vec(m, t->attn_v_bias, p, &L->bv, err)) ||
        (st = upload_vec(m, t->attn_q_norm, p, &L->q_norm, err)) ||
        (st = upload_vec(m, t->attn_k_norm, p, &L->k_norm, err)) || (st = upload(m, t->attn_output, p, &L->wo, err)) ||
        (st = upload_vec(m, t->ffn_norm, p, &L->ffn_norm, err)) ||
        (concat && (st = upload_concat(m, gu, 2, p, &L->wgu, gu_out, err))) ||
        (!concat && ((st = upload(m, t->ffn_gate, p, &L->gate, err)) || (st = upload(m, t->ffn_up, p, &L->up, err)))) ||
        (st = upload(m, t->ffn_down, p, &L->down, err)))
      return st;
  }
  return LIL_OK;
}

/* Checks types and the memory needed before anything is allocated on the device. */
static lil_status check_model(lil_model *m, lil_error *err) {
  const char *label = lil_gguf_label(m->gguf);
  uint64_t total = 0;
  for (uint64_t i = 0; i < lil_gguf_tensor_count(m->gguf); i++) {
    const lil_gguf_tensor *t = lil_gguf_tensor_at(m->gguf, i);
    if (t->n_dims >= 2 && !lil_quant_supported(t->type)) {
      const lil_type_info *ti = lil_type_get(t->type);
      return lil_error_set(err, LIL_ERR_UNSUPPORTED, "%s: tensor '%s' has type %s, not supported yet", label, t->name,
                           ti ? ti->name : "?");
    }
    total += t->size;
  }
  m->weight_bytes = total;
  uint64_t avail = lil_ctx_plan(m->ctx)->device_local_bytes;
  if (avail && total > avail)
    return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "%s: model needs %.1f MiB of weights, the device has %.1f MiB",
                         label, total / 1048576.0, avail / 1048576.0);
  return LIL_OK;
}

lil_status lil_model_load(lil_ctx *ctx, const char *path, const lil_model_options *o, lil_model **out,
                          lil_error *err) {
  *out = NULL;
  lil_model_options def;
  if (!o) {
    lil_model_options_default(&def);
    o = &def;
  }
  lil_model *m = calloc(1, sizeof(*m));
  if (!m) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "out of host memory");
  m->ctx = ctx;
  lil_status st = lil_gguf_open(path, &m->gguf, err);
  if (!st) st = lil_model_config_load(m->gguf, &m->cfg, err);
  if (!st) st = check_model(m, err);
  if (!st && !(m->layers = calloc(m->cfg->n_layer, sizeof(model_layer))))
    st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "out of host memory");
  if (!st) {
    progress p = {.on = o->progress > 0 || (o->progress < 0 && isatty(2)), .total = m->weight_bytes, .t0 = now_s()};
    st = upload_all(m, &p, err);
    if (!st) st = lil_gguf_check_unchanged(m->gguf, err); /* changed during the last copy */
    m->upload_s = now_s() - p.t0;
    if (!st) progress_print(&p, m->weight_bytes, 1);
    else if (p.on) fputc('\n', stderr);
  }
  if (st) {
    lil_model_free(m);
    return st;
  }
  *out = m;
  return LIL_OK;
}

const lil_model_config *lil_model_get_config(const lil_model *m) { return m->cfg; }
const lil_gguf *lil_model_gguf(const lil_model *m) { return m->gguf; }
lil_ctx *lil_model_ctx(const lil_model *m) { return m->ctx; }
uint64_t lil_model_weight_bytes(const lil_model *m) { return m->weight_bytes; }
double lil_model_upload_seconds(const lil_model *m) { return m->upload_s; }
