/* lil_session: paged attention (lil_attention), activations, the pre-recorded decode step, the
 * batched prompt pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_model_internal.h"
#include "lil_ops_matmul.h"
#include "lil_ops_matvec.h"
#include "lil_ops_token.h"

#define RING_SIZE 256

void lil_session_options_default(lil_session_options *o) {
  memset(o, 0, sizeof(*o));
  o->sampling.top_p = 1.0f;
  lil_attention_config ac;
  lil_attention_config_default(&ac);
  o->policy = ac.policy;
  o->kv_type = ac.kv_type;
}

static void acts_free(model_acts *a) {
  lil_buffer *bufs[] = {a->x, a->xb, a->q,    a->k,    a->v,  a->att, a->g,
                        a->u, a->gu, a->qkv, a->logits, a->last, a->xq, a->x16, a->w16,
                        a->pq_attn, a->pq_ffn, a->pq_cnt};
  for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) lil_buffer_free(bufs[i]);
  memset(a, 0, sizeof(*a));
}

/* Defaults from the H100 (docs/benchmarks.md; lil bench prefill, w16 against the tiles decoding the
 * weights): session 13, llama-8b Q4_0 +9% at 512 tokens, +30% at 4096; session 14 (with the tile
 * chosen per product), qwen3-0.6b Q8_0 +34% at 512 (43,149 against 32,208 tok/s), +18% at 4096;
 * session 15, at 256 / 384 / 507 tokens: llama-8b Q4_0 +15% / +26% / +26%, qwen3-0.6b Q8_0
 * +35% / +31% / +23% (nothing measured below 256). Q4_K / Q6_K as Q4_0 (their in-tile decode is
 * no cheaper; not measured end to end). */
uint32_t model_w16_min_tokens(int64_t w16_env, uint32_t type) {
  if (w16_env == 0) return UINT32_MAX;
  if (w16_env > 0) return w16_env > UINT32_MAX ? UINT32_MAX : (uint32_t)w16_env;
  switch (type) {
  case LIL_TYPE_Q4_0:
  case LIL_TYPE_Q4_K:
  case LIL_TYPE_Q6_K:
  case LIL_TYPE_Q8_0: return 256;
  default: return UINT32_MAX;
  }
}

static void layer_weights(const model_layer *L, const lil_weight *ws[7]) {
  ws[0] = L->wq, ws[1] = L->wk, ws[2] = L->wv, ws[3] = L->wo, ws[4] = L->gate, ws[5] = L->up, ws[6] = L->down;
}

const lil_weight *model_prefill_next_weight(const lil_model *m, const lil_weight *w) {
  int found = 0;
  for (uint32_t l = 0; l < m->cfg->n_layer; l++) {
    const lil_weight *ws[7];
    layer_weights(&m->layers[l], ws);
    for (int i = 0; i < 7; i++) {
      if (found && ws[i]) return ws[i];
      if (ws[i] == w) found = 1;
    }
  }
  return NULL;
}

/* Bytes of the largest quantized projection that prefill of n tokens decodes to f16 (0: none). */
static uint64_t largest_quantized_f16(const lil_model *m, int64_t w16_env, uint32_t n) {
  uint64_t best = 0;
  for (uint32_t l = 0; l < m->cfg->n_layer; l++) {
    const model_layer *L = &m->layers[l];
    const lil_weight *ws[7];
    layer_weights(L, ws);
    for (size_t i = 0; i < 7; i++) {
      const lil_weight *w = ws[i];
      if (!w || n < model_w16_min_tokens(w16_env, w->type)) continue;
      uint64_t b = (uint64_t)w->rows * w->cols * 2;
      if (b > best) best = b;
    }
  }
  return best;
}

static lil_status acts_create(lil_session *s, model_acts *a, uint32_t n, uint32_t logit_rows, lil_error *err) {
  const lil_model_config *c = s->m->cfg;
  lil_ctx *ctx = s->m->ctx;
  uint64_t qd = (uint64_t)c->n_head * c->head_dim, kvd = (uint64_t)c->n_head_kv * c->head_dim;
  uint64_t last = c->n_vocab > c->n_embd ? c->n_vocab : c->n_embd;
  /* the widest matvec input of a decode step (n_embd, q dim, n_ff), rounded up to blocks of 32 */
  uint64_t xw = c->n_embd > qd ? c->n_embd : qd;
  xw = (xw > c->n_ff ? xw : c->n_ff) + 31;
  /* x8 with the quantization inside the matvec: no scratch (the types without it take the F32
   * kernels) */
  int x8i = n == 1 && lil_ctx_plan(ctx)->use_matvec_x8 && lil_ctx_plan(ctx)->matvec_x8_inline;
  int x8 = n == 1 && lil_ctx_plan(ctx)->use_matvec_x8 && !x8i;
  /* f16 X for the tensor-core matmul: the widest input (n_embd, q dim, n_ff) of every token */
  const char *x16_env = getenv("LIL_MATMUL_X16");
  int x16 = n > 1 && lil_plan_coopmat(lil_ctx_plan(ctx)) && !(x16_env && !strcmp(x16_env, "0"));
  uint64_t x16w = ((xw - 31) + 7) / 8 * 8;
  a->m = s->m;
  a->n_tokens = n;
  a->logit_rows = logit_rows;
  const char *mv = getenv("LIL_PREFILL_MATMUL");
  if (mv && *mv && lil_matmul_variant_x16(mv) < 0)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "LIL_PREFILL_MATMUL: no tensor-core matmul design '%s'", mv);
  a->mm_variant = mv && *mv ? mv : NULL;
  const char *we = getenv("LIL_PREFILL_W16");
  char *wend = NULL;
  a->w16_env = we && *we ? (int64_t)strtoll(we, &wend, 10) : -1;
  if (we && *we && (*wend || a->w16_env < 0))
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "LIL_PREFILL_W16: expected a token count (0: off), got '%s'", we);
  uint64_t w16_bytes = x16 ? largest_quantized_f16(s->m, a->w16_env, n) : 0;
  const char *wa = getenv("LIL_PREFILL_W16_AHEAD");
  a->w16_ahead = !(wa && !strcmp(wa, "0"));
  a->w16_half = (w16_bytes + 255) & ~255ull; /* two halves: one read, the next weight decoded (model_acts) */
  const char *xd = getenv("LIL_X16_DIRECT");
  a->x16_direct = !(xd && !strcmp(xd, "0"));
  a->x8_inline = x8i;
  const char *ge = getenv("LIL_MATVEC_GLU");
  a->glu = n == 1 && !(ge && !strcmp(ge, "0"));
  const char *pqe = getenv("LIL_X8_PREQUANT");
  int pq = x8i && a->glu && pqe && !strcmp(pqe, "1");
  lil_status st;
  /* decode: q | k | v and gate | up in one buffer each, as the concatenated weights write them */
  uint64_t ko = lil_concat_align(qd) * 4, vo = ko + lil_concat_align(kvd) * 4;
  uint64_t uo = lil_concat_align(c->n_ff) * 4;
  int one = n == 1;
  if ((st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * c->n_embd * 4ull, "x", &a->x, err)) ||
      (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * c->n_embd * 4ull, "xb", &a->xb, err)) ||
      (one && (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, vo + kvd * 4, "qkv", &a->qkv, err))) ||
      (!one && (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * qd * 4, "q", &a->q, err))) ||
      (!one && (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * kvd * 4, "k", &a->k, err))) ||
      (!one && (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * kvd * 4, "v", &a->v, err))) ||
      (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * qd * 4, "att", &a->att, err)) ||
      (one && (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, uo + c->n_ff * 4ull, "ffn_gate_up", &a->gu, err))) ||
      (!one && (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * c->n_ff * 4ull, "ffn_gate", &a->g, err))) ||
      (!one && (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * c->n_ff * 4ull, "ffn_up", &a->u, err))) ||
      (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, logit_rows * c->n_vocab * 4ull, "logits", &a->logits, err)) ||
      (n > 1 && (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, last * 4, "last_row", &a->last, err))) ||
      (x8 && (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, lil_matvec_x8_bytes(1, (uint32_t)(xw / 32 * 32)), "xq",
                                     &a->xq, err))) ||
      (x16 && (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, n * x16w * 2, "x16", &a->x16, err))) ||
      (w16_bytes && (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, 2 * a->w16_half, "w16", &a->w16, err))) ||
      (pq && (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, lil_matvec_x8_bytes(1, c->n_embd), "x8_attn_in",
                                     &a->pq_attn, err))) ||
      (pq && (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, lil_matvec_x8_bytes(1, c->n_embd), "x8_ffn_in",
                                     &a->pq_ffn, err))) ||
      (pq && (st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, 32, "x8_counters", &a->pq_cnt, err))) ||
      (pq && (st = lil_buffer_fill(a->pq_cnt, 0, 32, 0, err)))) {
    acts_free(a);
    return st;
  }
  if (one) {
    a->qb = (lil_binding){a->qkv, 0, qd * 4};
    a->kb = (lil_binding){a->qkv, ko, kvd * 4};
    a->vb = (lil_binding){a->qkv, vo, kvd * 4};
    a->gb = (lil_binding){a->gu, 0, c->n_ff * 4ull};
    a->ub = (lil_binding){a->gu, uo, c->n_ff * 4ull};
  } else {
    a->qb = (lil_binding){a->q, 0, n * qd * 4};
    a->kb = (lil_binding){a->k, 0, n * kvd * 4};
    a->vb = (lil_binding){a->v, 0, n * kvd * 4};
    a->gb = (lil_binding){a->g, 0, n * c->n_ff * 4ull};
    a->ub = (lil_binding){a->u, 0, n * c->n_ff * 4ull};
  }
  return LIL_OK;
}

void lil_session_free(lil_session *s) {
  if (!s) return;
  lil_seq_free(s->step_seq);
  lil_seq_free(s->prefill_seq);
  acts_free(&s->step_acts);
  acts_free(&s->prefill_acts);
  lil_attention_free(s->att);
  lil_buffer *bufs[] = {s->params, s->step_ids, s->pf_ids, s->pf_pos, s->ring, s->scratch};
  for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) lil_buffer_free(bufs[i]);
  free(s);
}

/* A fresh attention (empty cache) and the decode step recorded against it. */
/* Longest prompt the batched pass takes under h2o (0: no limit): h2o's eviction scores are
 * accumulated by the decode steps, so the batched pass must leave the first step room to fit. */
static uint32_t h2o_batch_limit(const lil_attn_policy *p) {
  return p->kind == LIL_ATTN_H2O && p->budget >= 2 ? p->budget - 1 : 0;
}

static lil_status start_attention(lil_session *s, lil_error *err) {
  const lil_model_config *c = s->m->cfg;
  lil_attention_free(s->att);
  s->att = NULL;
  lil_seq_reset(s->step_seq);
  s->prefill_recorded = 0;
  lil_attention_config ac;
  lil_attention_config_default(&ac);
  ac.n_layers = c->n_layer;
  ac.n_heads = c->n_head;
  ac.n_kv_heads = c->n_head_kv;
  ac.head_dim = c->head_dim;
  ac.max_ctx = s->n_ctx;
  ac.max_prompt = s->opt.max_prompt;
  /* h2o: at most budget - 1 prompt tokens go through the batched pass (lil_session_prefill streams
   * the rest), so the pool stays bounded by the budget */
  uint32_t hb = h2o_batch_limit(&s->opt.policy);
  if (hb && ac.max_prompt > hb) ac.max_prompt = hb;
  if (s->opt.page_size) ac.page_size = s->opt.page_size;
  ac.kv_type = s->opt.kv_type;
  ac.policy = s->opt.policy;
  lil_status st = lil_attention_create(s->m->ctx, &ac, &s->att, err);
  if (!st && s->opt.time_steps) st = lil_seq_time_total_only(s->step_seq, err);
  if (!st) st = model_record_forward(s, s->step_seq, &s->step_acts, 1, 0, 1, err);
  s->len = 0;
  s->gpu_next = -1;
  ((uint32_t *)lil_buffer_host(s->ring))[0] = 0;
  return st;
}

lil_status lil_session_create(lil_model *m, const lil_session_options *o, lil_session **out, lil_error *err) {
  *out = NULL;
  const lil_model_config *c = m->cfg;
  if (c->head_dim_v != c->head_dim)
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "attention: value head size %u differs from key head size %u",
                         c->head_dim_v, c->head_dim);
  lil_session *s = calloc(1, sizeof(*s));
  if (!s) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "out of host memory");
  s->m = m;
  if (o) s->opt = *o;
  else lil_session_options_default(&s->opt);
  s->n_ctx = s->opt.n_ctx ? s->opt.n_ctx : (c->n_ctx_train < 4096 ? c->n_ctx_train : 4096);
  if (!s->opt.max_prompt || s->opt.max_prompt > s->n_ctx) s->opt.max_prompt = s->n_ctx;
  s->ring_size = RING_SIZE;
  lil_status st = LIL_OK;
  lil_ctx *ctx = m->ctx;
  const lil_sampling *sp = &s->opt.sampling;
  lil_sampling_params spp = {sp->temp, sp->top_k, sp->top_p, sp->min_p};
  uint64_t scratch = sp->temp > 0 ? lil_op_sample_scratch_bytes(ctx, c->n_vocab, 1, &spp)
                                  : lil_op_argmax_scratch_bytes(ctx, c->n_vocab, 1);
  if (s->n_ctx > (1u << 24)) st = lil_error_set(err, LIL_ERR_RANGE, "context %u is too large", s->n_ctx);
  if (!st) st = lil_buffer_create(ctx, LIL_MEM_READBACK, 16, "params", &s->params, err);
  if (!st) st = lil_buffer_create(ctx, LIL_MEM_READBACK, 16, "step_ids", &s->step_ids, err);
  if (!st) st = lil_buffer_create(ctx, LIL_MEM_READBACK, (1 + s->ring_size) * 4ull, "token_ring", &s->ring, err);
  if (!st) st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, scratch, "select_scratch", &s->scratch, err);
  if (!st) st = acts_create(s, &s->step_acts, 1, 1, err);
  if (!st) st = lil_seq_create(ctx, &s->step_seq, err);
  if (!st) st = lil_seq_create(ctx, &s->prefill_seq, err);
  if (!st) {
    memset(lil_buffer_host(s->params), 0, 16);
    memset(lil_buffer_host(s->step_ids), 0, 16);
    st = start_attention(s, err);
  }
  if (st) {
    lil_session_free(s);
    return st;
  }
  *out = s;
  return LIL_OK;
}

static int32_t ring_read(lil_session *s) {
  const uint32_t *r = lil_buffer_host(s->ring);
  return (int32_t)r[1 + s->step % s->ring_size];
}

lil_status lil_session_step(lil_session *s, int32_t tok, int32_t *next, lil_error *err) {
  if (s->len >= s->n_ctx) return lil_error_set(err, LIL_ERR_RANGE, "context full at %u tokens", s->n_ctx);
  if (tok < 0 || (uint32_t)tok >= s->m->cfg->n_vocab)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "token id %d is out of range", tok);
  /* the GPU left its choice in step_ids; the host writes only a forced token */
  if (tok != s->gpu_next) ((uint32_t *)lil_buffer_host(s->step_ids))[0] = (uint32_t)tok;
  uint32_t *p = lil_buffer_host(s->params);
  p[0] = s->len;
  p[1] = s->step;
  lil_status st = lil_attention_begin_step(s->att, s->len, err);
  if (st) return st;
  st = lil_seq_run(s->step_seq, err);
  if (st) lil_error_prefix(err, "decode step at position %u", s->len);
  lil_status st2 = lil_attention_end_step(s->att, st ? NULL : err);
  if (st || st2) {
    s->gpu_next = -1;
    return st ? st : st2;
  }
  *next = s->gpu_next = ring_read(s);
  s->step++;
  s->len++;
  s->last_rows = 1;
  s->last_was_step = 1;
  return LIL_OK;
}

/* Buffers and the recording of the batched prompt pass for n tokens. */
/* The prefill sequence for n tokens at positions pos0..pos0+n-1 (recorded again when either
 * changes: the attention's prefix length is part of the recording). */
static lil_status prepare_prefill(lil_session *s, uint32_t n, uint32_t pos0, lil_error *err) {
  if (s->prefill_recorded == n && s->prefill_pos0 == pos0) return LIL_OK;
  lil_ctx *ctx = s->m->ctx;
  uint32_t rows = s->opt.keep_logits ? n : 1;
  lil_status st = LIL_OK;
  if (n > s->prefill_acts.n_tokens || rows != s->prefill_acts.logit_rows) {
    acts_free(&s->prefill_acts);
    lil_buffer_free(s->pf_ids);
    lil_buffer_free(s->pf_pos);
    s->pf_ids = s->pf_pos = NULL;
    if ((st = acts_create(s, &s->prefill_acts, n, rows, err)) ||
        (st = lil_buffer_create(ctx, LIL_MEM_READBACK, n * 4ull, "prompt_ids", &s->pf_ids, err)) ||
        (st = lil_buffer_create(ctx, LIL_MEM_READBACK, n * 4ull, "prompt_pos", &s->pf_pos, err)))
      return st;
  }
  uint32_t *pos = lil_buffer_host(s->pf_pos);
  for (uint32_t i = 0; i < n; i++) pos[i] = pos0 + i;
  lil_seq_reset(s->prefill_seq);
  s->prefill_recorded = 0;
  if ((st = model_record_forward(s, s->prefill_seq, &s->prefill_acts, n, 1, s->opt.keep_logits, err))) return st;
  s->prefill_recorded = n;
  s->prefill_pos0 = pos0;
  return LIL_OK;
}

/* Tokens given as decode steps (forced): ids[0..n) are prompt tokens done+1..done+n of total,
 * reported to the progress callback. */
static lil_status forced_steps(lil_session *s, const int32_t *ids, uint32_t n, uint32_t done, uint32_t total,
                               int32_t *next, lil_error *err) {
  lil_status st = LIL_OK;
  for (uint32_t i = 0; i < n && !st; i++) {
    st = lil_session_step(s, ids[i], next, err);
    if (!st && s->opt.prompt_progress) s->opt.prompt_progress(s->opt.progress_user, done + i + 1, total);
  }
  return st;
}

lil_status lil_session_prefill(lil_session *s, const int32_t *ids, uint32_t n, int32_t *next, lil_error *err) {
  if (n == 0) return lil_error_set(err, LIL_ERR_INVALID_ARG, "empty prompt");
  if ((uint64_t)s->len + n > s->n_ctx)
    return lil_error_set(err, LIL_ERR_RANGE, "prompt is %u tokens, context is %u", s->len + n, s->n_ctx);
  for (uint32_t i = 0; i < n; i++)
    if (ids[i] < 0 || (uint32_t)ids[i] >= s->m->cfg->n_vocab)
      return lil_error_set(err, LIL_ERR_INVALID_ARG, "token id %d is out of range", ids[i]);
  lil_status st = LIL_OK;
  lil_attn_policy_kind pk = s->opt.policy.kind;
  uint32_t pos0 = s->len;
  /* a continuation: one batched pass after the cached tokens where the policy keeps every token
   * (dense, quest) and it fits the prefill buffers; else decode steps with forced tokens */
  int batched = pos0 == 0 || (n >= 2 && n <= s->opt.max_prompt && (pk == LIL_ATTN_DENSE || pk == LIL_ATTN_QUEST));
  if (!batched) return forced_steps(s, ids, n, 0, n, next, err);
  if (n > s->opt.max_prompt)
    return lil_error_set(err, LIL_ERR_RANGE, "prompt is %u tokens, the session's max_prompt is %u", n,
                         s->opt.max_prompt);
  /* h2o with a prompt of budget tokens or more: the first budget - 1 in one batched pass, the rest
   * streamed through decode steps (forced tokens), each of which evicts as during generation:
   * memory stays within the budget at any prompt length; those tokens cost a decode step each */
  uint32_t hb = h2o_batch_limit(&s->opt.policy), rest = 0;
  if (hb && n > hb) rest = n - hb, n = hb;
  if ((st = prepare_prefill(s, n, pos0, err))) return st;
  uint32_t *dst = lil_buffer_host(s->pf_ids);
  for (uint32_t i = 0; i < n; i++) dst[i] = (uint32_t)ids[i];
  uint32_t *p = lil_buffer_host(s->params);
  p[0] = pos0;
  p[1] = s->step;
  if ((st = lil_attention_begin_prefill(s->att, pos0, n, err))) return st;
  st = lil_seq_run(s->prefill_seq, err);
  if (st) lil_error_prefix(err, "prompt pass of %u tokens", n);
  lil_status st2 = lil_attention_end_prefill(s->att, st ? NULL : err);
  if (st || st2) return st ? st : st2;
  s->len = pos0 + n;
  s->last_rows = s->opt.keep_logits ? n : 1;
  s->last_was_step = 0;
  *next = s->gpu_next = ring_read(s);
  s->step++;
  return forced_steps(s, ids + n, rest, n, n + rest, next, err);
}

lil_status lil_session_reset(lil_session *s, lil_error *err) { return start_attention(s, err); }
uint32_t lil_session_length(const lil_session *s) { return s->len; }
uint32_t lil_session_n_ctx(const lil_session *s) { return s->n_ctx; }
uint64_t lil_session_kv_bytes(const lil_session *s) { return lil_attention_kv_bytes(s->att); }
uint64_t lil_session_kv_capacity_bytes(const lil_session *s) { return lil_attention_kv_capacity_bytes(s->att); }
const lil_attention *lil_session_attention(const lil_session *s) { return s->att; }

uint32_t lil_session_step_dispatches(const lil_session *s) { return lil_seq_dispatch_count(s->step_seq); }
uint32_t lil_session_step_barriers(const lil_session *s) { return lil_seq_barrier_count(s->step_seq); }
double lil_session_step_gpu_ms(const lil_session *s) { return s->opt.time_steps ? lil_seq_gpu_ms(s->step_seq) : 0; }

uint32_t lil_session_step_timings(const lil_session *s, const lil_seq_timing **out) {
  return lil_seq_timings(s->step_seq, out);
}

uint32_t lil_session_prefill_timings(const lil_session *s, const lil_seq_timing **out) {
  return s->prefill_seq ? lil_seq_timings(s->prefill_seq, out) : 0;
}

lil_status lil_session_logits(lil_session *s, float *out, uint32_t *rows, lil_error *err) {
  *rows = s->last_rows;
  if (!out || !s->last_rows) return LIL_OK;
  lil_buffer *b = s->last_was_step ? s->step_acts.logits : s->prefill_acts.logits;
  return lil_buffer_download(b, 0, out, (uint64_t)s->last_rows * s->m->cfg->n_vocab * 4, err);
}
