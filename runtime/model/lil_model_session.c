/* lil_session: KV cache, activations, the pre-recorded decode step, prefill in chunks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_model_internal.h"

#define RING_SIZE 256

void lil_session_options_default(lil_session_options *o) {
  memset(o, 0, sizeof(*o));
  o->sampling.top_p = 1.0f;
}

static void acts_free(model_acts *a) {
  lil_buffer *bufs[] = {a->x, a->xb, a->q, a->k, a->v, a->att, a->g, a->u, a->logits};
  for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) lil_buffer_free(bufs[i]);
  memset(a, 0, sizeof(*a));
}

static lil_status acts_create(lil_session *s, model_acts *a, uint32_t n, uint32_t logit_rows, lil_error *err) {
  const lil_model_config *c = s->m->cfg;
  lil_ctx *ctx = s->m->ctx;
  uint64_t qd = (uint64_t)c->n_head * c->head_dim, ad = (uint64_t)c->n_head * c->head_dim_v;
  uint64_t kvd = (uint64_t)c->n_head_kv * c->head_dim, kvdv = (uint64_t)c->n_head_kv * c->head_dim_v;
  a->n_tokens = n;
  lil_status st;
  if ((st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * c->n_embd * 4ull, "x", &a->x, err)) ||
      (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * c->n_embd * 4ull, "xb", &a->xb, err)) ||
      (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * qd * 4, "q", &a->q, err)) ||
      (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * kvd * 4, "k", &a->k, err)) ||
      (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * kvdv * 4, "v", &a->v, err)) ||
      (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * ad * 4, "att", &a->att, err)) ||
      (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * c->n_ff * 4ull, "ffn_gate", &a->g, err)) ||
      (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * c->n_ff * 4ull, "ffn_up", &a->u, err)) ||
      (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, logit_rows * c->n_vocab * 4ull, "logits", &a->logits, err)))
    acts_free(a);
  return st;
}

void lil_session_free(lil_session *s) {
  if (!s) return;
  lil_seq_free(s->step_seq);
  lil_seq_free(s->prefill_seq);
  acts_free(&s->step_acts);
  acts_free(&s->prefill_acts);
  for (uint32_t l = 0; l < s->m->cfg->n_layer; l++) {
    if (s->kcache) lil_buffer_free(s->kcache[l]);
    if (s->vcache) lil_buffer_free(s->vcache[l]);
  }
  free(s->kcache);
  free(s->vcache);
  lil_buffer_free(s->params);
  lil_buffer_free(s->ids);
  lil_buffer_free(s->ring);
  free(s);
}

lil_status lil_session_create(lil_model *m, const lil_session_options *o, lil_session **out, lil_error *err) {
  *out = NULL;
  const lil_model_config *c = m->cfg;
  lil_session *s = calloc(1, sizeof(*s));
  if (!s) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "out of host memory");
  s->m = m;
  if (o) s->opt = *o;
  else lil_session_options_default(&s->opt);
  s->n_ctx = s->opt.n_ctx ? s->opt.n_ctx : (c->n_ctx_train < 4096 ? c->n_ctx_train : 4096);
  if (!s->opt.prefill_chunk) s->opt.prefill_chunk = 512;
  if (s->opt.prefill_chunk > s->n_ctx) s->opt.prefill_chunk = s->n_ctx;
  s->ring_size = RING_SIZE;
  lil_status st = LIL_OK;
  lil_ctx *ctx = m->ctx;
  uint64_t kvd = (uint64_t)c->n_head_kv * c->head_dim, kvdv = (uint64_t)c->n_head_kv * c->head_dim_v;
  if (s->n_ctx > (1u << 24)) st = lil_error_set(err, LIL_ERR_RANGE, "context %u is too large", s->n_ctx);
  if (!st && (!(s->kcache = calloc(c->n_layer, sizeof(lil_buffer *))) ||
              !(s->vcache = calloc(c->n_layer, sizeof(lil_buffer *)))))
    st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "out of host memory");
  for (uint32_t l = 0; l < c->n_layer && !st; l++)
    if (!(st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, s->n_ctx * kvd * 4, "k_cache", &s->kcache[l], err)))
      st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, s->n_ctx * kvdv * 4, "v_cache", &s->vcache[l], err);
  if (!st) st = lil_buffer_create(ctx, LIL_MEM_READBACK, 16, "params", &s->params, err);
  if (!st) st = lil_buffer_create(ctx, LIL_MEM_READBACK, s->opt.prefill_chunk * 4ull, "ids", &s->ids, err);
  if (!st) st = lil_buffer_create(ctx, LIL_MEM_READBACK, s->ring_size * 4ull, "token_ring", &s->ring, err);
  if (!st) st = acts_create(s, &s->step_acts, 1, 1, err);
  if (!st) st = lil_seq_create(ctx, &s->step_seq, err);
  if (!st) st = model_record_forward(s, s->step_seq, &s->step_acts, 1, 1, err);
  if (!st) st = lil_seq_create(ctx, &s->prefill_seq, err);
  if (st) {
    lil_session_free(s);
    return st;
  }
  memset(lil_buffer_host(s->params), 0, 16);
  *out = s;
  return LIL_OK;
}

static void set_params(lil_session *s, uint32_t pos0) {
  uint32_t *p = lil_buffer_host(s->params);
  p[0] = pos0;
  p[1] = s->step;
}

static int32_t ring_read(lil_session *s) {
  const uint32_t *r = lil_buffer_host(s->ring);
  return (int32_t)r[s->step % s->ring_size];
}

lil_status lil_session_step(lil_session *s, int32_t tok, int32_t *next, lil_error *err) {
  if (s->len >= s->n_ctx)
    return lil_error_set(err, LIL_ERR_RANGE, "context full at %u tokens", s->n_ctx);
  if (tok < 0 || (uint32_t)tok >= s->m->cfg->n_vocab)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "token id %d is out of range", tok);
  set_params(s, s->len);
  ((uint32_t *)lil_buffer_host(s->ids))[0] = (uint32_t)tok;
  lil_status st = lil_seq_run(s->step_seq, err);
  if (st) return st;
  *next = ring_read(s);
  s->step++;
  s->len++;
  s->last_rows = 1;
  s->last_was_step = 1;
  return LIL_OK;
}

lil_status lil_session_prefill(lil_session *s, const int32_t *ids, uint32_t n, int32_t *next, lil_error *err) {
  if (n == 0) return lil_error_set(err, LIL_ERR_INVALID_ARG, "empty prompt");
  if ((uint64_t)s->len + n > s->n_ctx)
    return lil_error_set(err, LIL_ERR_RANGE, "prompt is %u tokens, context is %u", s->len + n, s->n_ctx);
  for (uint32_t i = 0; i < n; i++)
    if (ids[i] < 0 || (uint32_t)ids[i] >= s->m->cfg->n_vocab)
      return lil_error_set(err, LIL_ERR_INVALID_ARG, "token id %d is out of range", ids[i]);
  lil_status st = LIL_OK;
  for (uint32_t done = 0; done < n && !st;) {
    uint32_t chunk = n - done < s->opt.prefill_chunk ? n - done : s->opt.prefill_chunk;
    if (s->prefill_recorded != chunk) {
      /* activations sized for the largest chunk; re-recorded when the chunk length changes */
      if (!s->prefill_acts.x) {
        uint32_t cap = n < s->opt.prefill_chunk ? n : s->opt.prefill_chunk;
        if ((st = acts_create(s, &s->prefill_acts, cap, s->opt.keep_logits ? cap : 1, err))) break;
      } else if (chunk > s->prefill_acts.n_tokens) {
        acts_free(&s->prefill_acts);
        if ((st = acts_create(s, &s->prefill_acts, chunk, s->opt.keep_logits ? chunk : 1, err))) break;
      }
      lil_seq_reset(s->prefill_seq);
      if ((st = model_record_forward(s, s->prefill_seq, &s->prefill_acts, chunk, s->opt.keep_logits, err))) break;
      s->prefill_recorded = chunk;
    }
    set_params(s, s->len);
    uint32_t *dst = lil_buffer_host(s->ids);
    for (uint32_t i = 0; i < chunk; i++) dst[i] = (uint32_t)ids[done + i];
    if ((st = lil_seq_run(s->prefill_seq, err))) break;
    s->len += chunk;
    done += chunk;
    s->last_rows = s->opt.keep_logits ? chunk : 1;
  }
  if (st) {
    s->prefill_recorded = 0;
    return st;
  }
  *next = ring_read(s);
  s->step++;
  s->last_was_step = 0;
  return LIL_OK;
}

void lil_session_reset(lil_session *s) { s->len = 0; }
uint32_t lil_session_length(const lil_session *s) { return s->len; }
uint32_t lil_session_n_ctx(const lil_session *s) { return s->n_ctx; }

uint64_t lil_session_kv_bytes(const lil_session *s) {
  uint64_t t = 0;
  for (uint32_t l = 0; l < s->m->cfg->n_layer; l++) t += lil_buffer_size(s->kcache[l]) + lil_buffer_size(s->vcache[l]);
  return t;
}

lil_status lil_session_logits(lil_session *s, float *out, uint32_t *rows, lil_error *err) {
  *rows = s->last_rows;
  if (!out || !s->last_rows) return LIL_OK;
  lil_buffer *b = s->last_was_step ? s->step_acts.logits : s->prefill_acts.logits;
  return lil_buffer_download(b, 0, out, (uint64_t)s->last_rows * s->m->cfg->n_vocab * 4, err);
}
