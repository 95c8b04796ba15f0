/* The forward pass, recorded into a sequence. Reads top to bottom like the math (llama2.c style);
 * the same recording serves the decode step (n = 1: matvec, decode attention) and the prompt
 * (n tokens: matmul, prefill attention). */
#include "lil_model_internal.h"
#include "lil_ops_basic.h"
#include "lil_ops_matmul.h"
#include "lil_ops_matvec.h"
#include "lil_ops_token.h"

#define TRY(x)            \
  do {                    \
    lil_status st_ = (x); \
    if (st_) return st_;  \
  } while (0)

static lil_binding whole(lil_buffer *b) { return (lil_binding){b, 0, 0}; }
static lil_binding w16_half(const model_acts *a, int h) { return (lil_binding){a->w16, h * a->w16_half, a->w16_half}; }

/* Y (+)= W X for n tokens: the matvec kernel for one token, the tiled matmul for more. With an x8
 * scratch (decode, plan.use_matvec_x8) the matvec reads x quantized to 8 bits where the weight type
 * has the integer-dot kernel; reuse: x is unchanged since the previous linear (K/V after Q, up after
 * gate), so its quantization is shared when that one made it. With a->x8_inline the matvec
 * quantizes x itself (no scratch, fused transforms kept). */
static lil_status linear_fused(lil_ctx *ctx, lil_seq *seq, model_acts *a, const lil_weight *w, lil_binding x,
                               lil_binding y, uint32_t n, int accumulate, int reuse, const lil_matvec_config *fuse,
                               lil_error *err) {
  if (n > 1) {
    /* tensor cores read X as f16 from the scratch, converted by the first matmul of this X */
    lil_matmul_cfg mc = {.variant = a->mm_variant};
    int h = -1; /* the w16 half this product reads */
    if (a->w16 && n >= model_w16_min_tokens(a->w16_env, w->type)) {
      h = !a->w16_cur; /* also where w was decoded ahead: into the half the last product did not read */
      mc.w16 = w16_half(a, h);
      mc.w16_ready = a->w16_pend == w;
      a->w16_cur = h;
    }
    a->w16_pend = NULL;
    if (a->x16 && lil_matmul_coopmat_ok(ctx, w, NULL, 0)) {
      mc.x16 = whole(a->x16);
      mc.x16_only = a->x16_only && a->x16_of == x.buf;
      mc.x16_ready = reuse && a->x16_of == x.buf;
      if (!mc.x16_only) a->x16_only = 0;
      a->x16_of = x.buf;
    } else {
      a->x16_of = NULL;
      a->x16_only = 0;
    }
    TRY(lil_op_matmul_ex(ctx, seq, w, x, y, n, accumulate, &mc, err));
    /* the next weight decoded into the other half now: beside this product, not after it */
    const lil_weight *next = a->w16 && a->w16_ahead ? model_prefill_next_weight(a->m, w) : NULL;
    if (h >= 0 && next && n >= model_w16_min_tokens(a->w16_env, next->type)) {
      int done = 0;
      TRY(lil_op_matmul_decode_w16(ctx, seq, next, w16_half(a, !h), &done, err));
      if (done) a->w16_pend = next;
    }
    return LIL_OK;
  }
  lil_matvec_config cfg = {0};
  if (fuse) {
    cfg = *fuse;
    a->xq_of = NULL;
  } else if (a->xq && lil_matvec_x8_applies(ctx, w)) {
    cfg.xq = whole(a->xq);
    cfg.xq_ready = reuse && a->xq_of == x.buf;
    a->xq_of = x.buf;
  } else if (!reuse) {
    a->xq_of = NULL; /* x may have new contents: a later linear with reuse must not trust an older quantization */
  }
  /* Q8_0 / Q4_0 (lil_matvec_x8_inline_applies); the others as above. A caller's config that reads x
   * already quantized (LIL_X8_PREQUANT's scratch) is kept as given. */
  if (!(fuse && fuse->xq.buf)) cfg.x8_inline = a->x8_inline;
  return lil_op_matvec_cfg(ctx, seq, w, x, y, 1, accumulate, &cfg, err);
}

static lil_status linear(lil_ctx *ctx, lil_seq *seq, model_acts *a, const lil_weight *w, lil_binding x, lil_binding y,
                         uint32_t n, int accumulate, int reuse, lil_error *err) {
  return linear_fused(ctx, seq, a, w, x, y, n, accumulate, reuse, NULL, err);
}

/* Prefill on tensor cores: 1 when every weight of ws will read its X as f16 from the x16 scratch,
 * so X's producer (RMSNorm, SwiGLU) may write f16 there directly, skipping the F32 copy and the
 * conversion pass ($LIL_X16_DIRECT=0: the F32 copy and the conversion, as before). */
static int x16_direct(lil_ctx *ctx, const model_acts *a, const lil_weight *const *ws, int k, uint32_t n) {
  if (n < 2 || !a->x16 || !a->x16_direct) return 0;
  for (int i = 0; i < k; i++)
    if (!lil_matmul_reads_x16(ctx, ws[i], a->mm_variant)) return 0;
  return 1;
}

/* After a producer wrote X = buf in f16 only (x16_direct): the linears reading buf take the scratch;
 * buf NULL: a producer wrote F32 (the scratch holds nothing current). */
static void x16_written(model_acts *a, const lil_buffer *buf) {
  a->x16_of = buf;
  a->x16_only = buf != NULL;
}

/* y = W x (+ bias on every token). */
static lil_status linear_bias(lil_ctx *ctx, lil_seq *seq, model_acts *a, const lil_weight *w, lil_buffer *bias,
                              lil_binding x, lil_binding y, uint32_t n, int reuse, const lil_matvec_config *fuse,
                              lil_error *err) {
  TRY(linear_fused(ctx, seq, a, w, x, y, n, 0, reuse, fuse, err));
  return bias ? lil_op_add_bias(ctx, seq, y, whole(bias), n, w->rows, err) : LIL_OK;
}

/* The outputs of several weights reading the same x (q, k, v; gate, up): one matvec over their
 * concatenation cat (decode: the outputs are ranges of one buffer laid out as cat's rows; biases
 * added per range), else one linear each. */
static lil_status linear_group(lil_ctx *ctx, lil_seq *seq, model_acts *a, const lil_weight *cat, int k,
                               const lil_weight *const *w, lil_buffer *const *bias, lil_binding x,
                               const lil_binding *y, uint32_t n, const lil_matvec_config *fuse, lil_error *err) {
  if (cat && n == 1) {
    lil_binding yc = {y[0].buf, y[0].offset, (uint64_t)cat->rows * 4};
    TRY(linear_fused(ctx, seq, a, cat, x, yc, 1, 0, 0, fuse, err));
    for (int i = 0; i < k; i++)
      if (bias[i]) TRY(lil_op_add_bias(ctx, seq, y[i], whole(bias[i]), 1, w[i]->rows, err));
    return LIL_OK;
  }
  for (int i = 0; i < k; i++) TRY(linear_bias(ctx, seq, a, w[i], bias[i], x, y[i], n, i > 0, fuse, err));
  return LIL_OK;
}

static lil_status record_select(lil_session *s, lil_seq *seq, lil_binding logits, lil_error *err) {
  const lil_model_config *c = s->m->cfg;
  lil_binding ring = whole(s->ring);
  lil_token_out o = {.params = whole(s->params), .step_index = 1, .out = whole(s->step_ids),
                     .ring = &ring, .ring_capacity = s->ring_size};
  const lil_sampling *sp = &s->opt.sampling;
  if (sp->temp <= 0)
    return lil_op_argmax(s->m->ctx, seq, logits, c->n_vocab, 1, 0, whole(s->scratch), &o, err);
  lil_sampling_params p = {sp->temp, sp->top_k, sp->top_p, sp->min_p};
  return lil_op_sample(s->m->ctx, seq, logits, c->n_vocab, 1, 0, whole(s->scratch), &p, sp->seed, &o, err);
}

/* Decode with a->pq_attn (LIL_X8_PREQUANT=1): layer L's Wo and down quantize the residual stream
 * for the next matvecs, which read it with the integer-dot kernels. */
static int prequant_layer(lil_ctx *ctx, const model_acts *a, const model_layer *L) {
  return a->pq_attn && L->wqkv && L->wgu && lil_matvec_x8_applies(ctx, L->wqkv) && lil_matvec_x8_applies(ctx, L->wgu) &&
         lil_matvec_glu_applies(ctx, L->wgu) && lil_matvec_fin_applies(ctx, L->wo) &&
         lil_matvec_fin_applies(ctx, L->down);
}

/* The output of a finalizing producer (cnt: the counter at byte 16 * slot of a->pq_cnt). */
static lil_matvec_config fin_cfg(const model_acts *a, lil_buffer *xq, uint32_t slot, lil_buffer *norm, float eps) {
  return (lil_matvec_config){.x8_inline = 1, .fin_xq = {xq, 0, 0}, .fin_cnt = {a->pq_cnt, 16ull * slot, 8},
                             .fin_norm = {norm, 0, 0}, .fin_eps = eps};
}
static lil_matvec_config pre_cfg(const model_acts *a, lil_buffer *xq, uint32_t slot) {
  return (lil_matvec_config){.xq = {xq, 0, 0}, .xq_ready = 1, .x_rscale = {a->pq_cnt, 16ull * slot, 8}};
}

lil_status model_record_forward(lil_session *s, lil_seq *seq, model_acts *a, uint32_t n, int prefill, int all_logits,
                                lil_error *err) {
  const lil_model *m = s->m;
  const lil_model_config *c = m->cfg;
  lil_ctx *ctx = m->ctx;
  const uint32_t E = c->n_embd, H = c->n_head, HKV = c->n_head_kv, D = c->head_dim;
  lil_rope_params rope_q = {.mode = c->rope_layout == LIL_ROPE_LAYOUT_NEOX ? LIL_ROPE_NEOX : LIL_ROPE_NORMAL,
                            .n_heads = H, .head_dim = D, .rot_dim = c->n_rot, .base = c->rope_freq_base,
                            .linear_factor = c->rope_scaling == LIL_ROPE_SCALING_LINEAR ? c->rope_scaling_factor : 0};
  lil_rope_params rope_k = rope_q;
  rope_k.n_heads = HKV;
  lil_binding freqs = whole(m->rope_freqs), *ff = m->rope_freqs ? &freqs : NULL;
  /* positions: the prompt's 0..n-1, or the step's params[0] */
  lil_binding pos = prefill ? whole(s->pf_pos) : (lil_binding){s->params, 0, 4};
  lil_binding ids = prefill ? whole(s->pf_ids) : (lil_binding){s->step_ids, 0, 4};
  a->xq_of = NULL; /* nothing quantized yet in this recording */
  a->w16_pend = NULL; /* nor decoded ahead */
  a->x16_of = NULL;
  a->x16_only = 0;
  /* decode: RMSNorm fused into the matvecs that read its output, SwiGLU into the down projection
   * (the F32-activation kernels and the inline-x8 ones; not with the integer-dot scratch, which
   * reads x quantized) */
  int fuse = n == 1 && !a->xq && !s->opt.unfused_decode;
  /* decode: the q/k norms and RoPE done by the KV append (lil_attention_record_decode_qk) */
  int fuse_qk = !prefill && !s->opt.unfused_decode;

  /* x = token_embd[ids] */
  TRY(lil_op_embed(ctx, seq, m->embd, ids, n, whole(a->x), err));
  int attn_in_ready = 0; /* a->pq_attn holds this layer's attention input (the last down quantized it) */
  for (uint32_t l = 0; l < c->n_layer; l++) {
    const model_layer *L = &m->layers[l];
    if (fuse && prequant_layer(ctx, a, L)) {
      /* q, k, v from x quantized by the last down projection (or the fused path on the first layer) */
      lil_matvec_config fq = pre_cfg(a, a->pq_attn, 0),
                        fx = {.fuse = LIL_MATVEC_FUSE_RMSNORM, .aux = whole(L->attn_norm), .eps = c->rms_eps};
      const lil_weight *wqkv[] = {L->wq, L->wk, L->wv};
      lil_buffer *const bqkv[] = {L->bq, L->bk, L->bv};
      const lil_binding yqkv[] = {a->qb, a->kb, a->vb};
      TRY(linear_group(ctx, seq, a, L->wqkv, 3, wqkv, bqkv, whole(a->x), yqkv, 1, attn_in_ready ? &fq : &fx, err));
      lil_binding qn = whole(L->q_norm), kn = whole(L->k_norm);
      lil_attention_qk qk = {.q_norm = L->q_norm ? &qn : NULL, .k_norm = L->k_norm ? &kn : NULL, .positions = pos,
                             .freq_factors = ff, .rope = rope_q, .eps = c->rms_eps};
      TRY(lil_attention_record_decode_qk(s->att, seq, l, a->qb, a->kb, a->vb, whole(a->att), &qk, err));
      /* x += Wo att, then x * ffn_norm quantized for gate / up */
      lil_matvec_config fo = fin_cfg(a, a->pq_ffn, 1, L->ffn_norm, c->rms_eps);
      TRY(lil_op_matvec_cfg(ctx, seq, L->wo, whole(a->att), whole(a->x), 1, 1, &fo, err));
      lil_matvec_config fg = pre_cfg(a, a->pq_ffn, 1);
      fg.glu_rows = L->gate->rows;
      fg.glu_up = (uint32_t)lil_concat_align(L->gate->rows);
      TRY(lil_op_matvec_cfg(ctx, seq, L->wgu, whole(a->x), a->gb, 1, 0, &fg, err));
      /* x += Wdown h, then x * the next norm's weight quantized for the next layer (or the output) */
      lil_buffer *next_norm = l + 1 < c->n_layer ? m->layers[l + 1].attn_norm : m->out_norm;
      lil_matvec_config fd = fin_cfg(a, a->pq_attn, 0, next_norm, c->rms_eps);
      TRY(lil_op_matvec_cfg(ctx, seq, L->down, a->gb, whole(a->x), 1, 1, &fd, err));
      attn_in_ready = 1;
      continue;
    }
    attn_in_ready = 0;
    /* attention block: xb = rmsnorm(x) * attn_norm (decode: fused into the three matvecs) */
    lil_matvec_config fn = {.fuse = LIL_MATVEC_FUSE_RMSNORM, .aux = whole(L->attn_norm), .eps = c->rms_eps};
    lil_binding xin = whole(fuse ? a->x : a->xb);
    const lil_weight *wqkv[] = {L->wq, L->wk, L->wv};
    if (x16_direct(ctx, a, wqkv, 3, n)) { /* prefill: xb only as f16, for the tensor-core matmuls */
      TRY(lil_op_rmsnorm_f16(ctx, seq, whole(a->x), whole(L->attn_norm), whole(a->x16), n, E, E, E, c->rms_eps, err));
      x16_written(a, a->xb);
    } else if (!fuse) {
      TRY(lil_op_rmsnorm(ctx, seq, whole(a->x), whole(L->attn_norm), whole(a->xb), n, E, E, E, c->rms_eps, err));
      x16_written(a, NULL);
    }
    /* q, k, v = Wq xb + bq, Wk xb + bk, Wv xb + bv (decode: one matvec over the three) */
    lil_buffer *const bqkv[] = {L->bq, L->bk, L->bv};
    const lil_binding yqkv[] = {a->qb, a->kb, a->vb};
    TRY(linear_group(ctx, seq, a, L->wqkv, 3, wqkv, bqkv, xin, yqkv, n, fuse ? &fn : NULL, err));
    /* (qwen3: per-head rmsnorm of q and k, then) rotary position embedding: one fused dispatch, or
     * (decode) done by the KV append's dispatch */
    lil_binding qn = whole(L->q_norm), kn = whole(L->k_norm);
    lil_attention_qk qk = {.q_norm = L->q_norm ? &qn : NULL, .k_norm = L->k_norm ? &kn : NULL, .positions = pos,
                           .freq_factors = ff, .rope = rope_q, .eps = c->rms_eps};
    if (!fuse_qk)
      TRY(lil_op_qk_norm_rope(ctx, seq, a->qb, a->kb, qk.q_norm, qk.k_norm, pos, ff, n, &rope_q, &rope_k, c->rms_eps,
                              err));
    /* KV cache append + causal attention (paged; the policy picks the pages in decode) */
    if (prefill)
      TRY(lil_attention_record_prefill(s->att, seq, l, a->qb, a->kb, a->vb, whole(a->att), n, err));
    else
      TRY(lil_attention_record_decode_qk(s->att, seq, l, a->qb, a->kb, a->vb, whole(a->att), fuse_qk ? &qk : NULL,
                                         err));
    /* x += Wo att */
    TRY(linear(ctx, seq, a, L->wo, whole(a->att), whole(a->x), n, 1, 0, err));
    /* feed-forward block: xb = rmsnorm(x) * ffn_norm; x += Wdown (silu(Wgate xb) * Wup xb)
     * (decode: the norm fused into gate and up, SwiGLU into down) */
    fn.aux = whole(L->ffn_norm);
    lil_matvec_config fg = {.fuse = LIL_MATVEC_FUSE_SWIGLU, .aux = a->ub};
    const lil_weight *wgu[] = {L->gate, L->up};
    if (x16_direct(ctx, a, wgu, 2, n)) {
      TRY(lil_op_rmsnorm_f16(ctx, seq, whole(a->x), whole(L->ffn_norm), whole(a->x16), n, E, E, E, c->rms_eps, err));
      x16_written(a, a->xb);
    } else if (!fuse) {
      TRY(lil_op_rmsnorm(ctx, seq, whole(a->x), whole(L->ffn_norm), whole(a->xb), n, E, E, E, c->rms_eps, err));
      x16_written(a, NULL);
    }
    if (fuse && a->glu && L->wgu && lil_matvec_glu_applies(ctx, L->wgu)) {
      /* decode: gate and up rows paired in the matvec, which writes silu(gate) * up */
      lil_matvec_config fgu = fn;
      fgu.glu_rows = L->gate->rows;
      fgu.glu_up = (uint32_t)lil_concat_align(L->gate->rows);
      TRY(linear_fused(ctx, seq, a, L->wgu, xin, a->gb, 1, 0, 0, &fgu, err));
      TRY(linear(ctx, seq, a, L->down, a->gb, whole(a->x), 1, 1, 0, err));
      continue;
    }
    lil_buffer *const bgu[] = {NULL, NULL};
    const lil_binding ygu[] = {a->gb, a->ub};
    TRY(linear_group(ctx, seq, a, L->wgu, 2, wgu, bgu, xin, ygu, n, fuse ? &fn : NULL, err));
    const lil_weight *wd[] = {L->down};
    if (x16_direct(ctx, a, wd, 1, n)) {
      TRY(lil_op_swiglu_f16(ctx, seq, a->gb, a->ub, whole(a->x16), n, c->n_ff, err));
      x16_written(a, a->gb.buf);
    } else if (!fuse) {
      TRY(lil_op_swiglu(ctx, seq, a->gb, a->ub, a->gb, n, c->n_ff, err));
      x16_written(a, NULL);
    }
    TRY(linear_fused(ctx, seq, a, L->down, a->gb, whole(a->x), n, 1, 0, fuse ? &fg : NULL, err));
  }
  /* logits = Wout (rmsnorm(x) * output_norm), for every token or only the last */
  if (n == 1 && attn_in_ready && lil_matvec_x8_applies(ctx, m->output)) { /* x quantized by the last down */
    lil_matvec_config fo = pre_cfg(a, a->pq_attn, 0);
    TRY(lil_op_matvec_cfg(ctx, seq, m->output, whole(a->x), whole(a->logits), 1, 0, &fo, err));
    return record_select(s, seq, whole(a->logits), err);
  }
  if (n == 1) {
    lil_matvec_config fn = {.fuse = LIL_MATVEC_FUSE_RMSNORM, .aux = whole(m->out_norm), .eps = c->rms_eps};
    if (!fuse) TRY(lil_op_rmsnorm(ctx, seq, whole(a->x), whole(m->out_norm), whole(a->xb), 1, E, E, E, c->rms_eps, err));
    TRY(linear_fused(ctx, seq, a, m->output, whole(fuse ? a->x : a->xb), whole(a->logits), 1, 0, 0, fuse ? &fn : NULL,
                     err));
    return record_select(s, seq, whole(a->logits), err);
  }
  if (all_logits) {
    TRY(lil_op_rmsnorm(ctx, seq, whole(a->x), whole(m->out_norm), whole(a->xb), n, E, E, E, c->rms_eps, err));
    x16_written(a, NULL);
    TRY(linear(ctx, seq, a, m->output, whole(a->xb), whole(a->logits), n, 0, 0, err));
    lil_copy2d cp = {.rows = 1, .cols = c->n_vocab, .src_offset = (n - 1) * c->n_vocab};
    TRY(lil_op_copy_rows(ctx, seq, whole(a->logits), whole(a->last), NULL, &cp, err));
    return record_select(s, seq, whole(a->last), err);
  }
  /* only the last token's row: copied out (element offsets need no binding alignment) */
  lil_copy2d cp = {.rows = 1, .cols = E, .src_offset = (n - 1) * E};
  TRY(lil_op_copy_rows(ctx, seq, whole(a->x), whole(a->last), NULL, &cp, err));
  TRY(lil_op_rmsnorm(ctx, seq, whole(a->last), whole(m->out_norm), whole(a->xb), 1, E, E, E, c->rms_eps, err));
  TRY(linear(ctx, seq, a, m->output, whole(a->xb), whole(a->logits), 1, 0, 0, err));
  return record_select(s, seq, whole(a->logits), err);
}
