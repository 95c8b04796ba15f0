/* The forward pass, recorded into a sequence. Reads top to bottom like the math (llama2.c style);
 * the same recording serves the decode step (n = 1) and a prefill chunk (n tokens, batched). */
#include "lil_model_internal.h"

#define TRY(x)                   \
  do {                           \
    lil_status st_ = (x);        \
    if (st_) return st_;         \
  } while (0)

lil_status model_record_forward(lil_session *s, lil_seq *seq, model_acts *a, uint32_t n, int all_logits,
                                lil_error *err) {
  const lil_model *m = s->m;
  const lil_model_config *c = m->cfg;
  lil_ctx *ctx = m->ctx;
  const uint32_t E = c->n_embd, H = c->n_head, HKV = c->n_head_kv, D = c->head_dim;
  const uint32_t kvd = HKV * D, kvdv = HKV * c->head_dim_v;
  const mk_rope_desc rope_q = {H, D, c->n_rot, c->rope_layout == LIL_ROPE_NEOX, c->rope_freq_base,
                               c->rope_scaling == LIL_ROPE_SCALING_LINEAR ? 1.0f / c->rope_scaling_factor : 1.0f,
                               m->rope_freqs};
  mk_rope_desc rope_k = rope_q;
  rope_k.n_heads = HKV;
  const mk_attn_desc attn = {H, HKV, D, c->head_dim_v};

  /* x = token_embd[ids] */
  TRY(mk_embed(ctx, seq, m->embd, s->ids, a->x, n, err));
  for (uint32_t l = 0; l < c->n_layer; l++) {
    const model_layer *L = &m->layers[l];
    /* attention block: xb = rmsnorm(x) * attn_norm */
    TRY(lil_seq_copy(seq, a->x, 0, a->xb, 0, (uint64_t)n * E * 4, err));
    TRY(mk_rmsnorm(ctx, seq, a->xb, L->attn_norm, E, n, c->rms_eps, err));
    /* q, k, v = Wq xb + bq, Wk xb + bk, Wv xb + bv */
    TRY(mk_matvec(ctx, seq, L->wq, a->xb, 0, a->q, L->bq, n, 0, err));
    TRY(mk_matvec(ctx, seq, L->wk, a->xb, 0, a->k, L->bk, n, 0, err));
    TRY(mk_matvec(ctx, seq, L->wv, a->xb, 0, a->v, L->bv, n, 0, err));
    /* qwen3: per-head rmsnorm of q and k */
    if (L->q_norm) {
      TRY(mk_rmsnorm(ctx, seq, a->q, L->q_norm, D, n * H, c->rms_eps, err));
      TRY(mk_rmsnorm(ctx, seq, a->k, L->k_norm, D, n * HKV, c->rms_eps, err));
    }
    /* rotary position embedding at positions params[0] + t */
    TRY(mk_rope(ctx, seq, a->q, s->params, &rope_q, n, err));
    TRY(mk_rope(ctx, seq, a->k, s->params, &rope_k, n, err));
    /* KV cache, causal attention */
    TRY(mk_kv_store(ctx, seq, a->k, s->kcache[l], s->params, kvd, n, err));
    TRY(mk_kv_store(ctx, seq, a->v, s->vcache[l], s->params, kvdv, n, err));
    TRY(mk_attention(ctx, seq, a->q, s->kcache[l], s->vcache[l], a->att, s->params, &attn, n, err));
    /* x += Wo att */
    TRY(mk_matvec(ctx, seq, L->wo, a->att, 0, a->x, NULL, n, 1, err));
    /* feed-forward block: xb = rmsnorm(x) * ffn_norm; x += Wdown (silu(Wgate xb) * Wup xb) */
    TRY(lil_seq_copy(seq, a->x, 0, a->xb, 0, (uint64_t)n * E * 4, err));
    TRY(mk_rmsnorm(ctx, seq, a->xb, L->ffn_norm, E, n, c->rms_eps, err));
    TRY(mk_matvec(ctx, seq, L->gate, a->xb, 0, a->g, NULL, n, 0, err));
    TRY(mk_matvec(ctx, seq, L->up, a->xb, 0, a->u, NULL, n, 0, err));
    TRY(mk_swiglu(ctx, seq, a->g, a->u, (uint64_t)n * c->n_ff, err));
    TRY(mk_matvec(ctx, seq, L->down, a->g, 0, a->x, NULL, n, 1, err));
  }
  /* logits = Wout (rmsnorm(x) * output_norm), for every token or only the last */
  TRY(mk_rmsnorm(ctx, seq, a->x, m->out_norm, E, n, c->rms_eps, err));
  uint32_t first = all_logits ? 0 : n - 1;
  TRY(mk_matvec(ctx, seq, m->output, a->x, first * E, a->logits, NULL, n - first, 0, err));
  /* next token -> ids[0] and the ring */
  const lil_sampling *sp = &s->opt.sampling;
  mk_select_desc sel = {c->n_vocab, (n - first - 1) * c->n_vocab, s->ring_size, sp->temp, sp->top_k, sp->top_p,
                        sp->min_p, sp->seed};
  return mk_select(ctx, seq, a->logits, s->ids, s->ring, s->params, &sel, err);
}
