/* lil_attention: configuration, creation (pools, state and scratch buffers), accessors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attn_internal.h"

static const char *policy_names[] = {"dense", "window", "quest", "h2o", "raas"};

void lil_attention_config_default(lil_attention_config *c) {
  memset(c, 0, sizeof(*c));
  c->page_size = 16;
  c->kv_type = LIL_KV_F16;
  c->policy.kind = LIL_ATTN_DENSE;
  c->policy.budget = 2048;
  c->policy.sink = 4;
  c->policy.dense_layers = 2;
}

lil_status lil_attn_policy_parse(const char *name, lil_attn_policy_kind *out, lil_error *err) {
  for (int i = 0; i < 5; i++)
    if (name && !strcmp(name, policy_names[i])) {
      *out = (lil_attn_policy_kind)i;
      return LIL_OK;
    }
  return lil_error_set(err, LIL_ERR_INVALID_ARG, "unknown sparse-attention policy '%s' (dense|window|quest|h2o|raas)",
                       name ? name : "(null)");
}

const char *lil_attn_policy_name(lil_attn_policy_kind k) { return (unsigned)k < 5 ? policy_names[k] : "?"; }

static uint64_t align_words(uint64_t w) { return (w + ATT_ALIGN_WORDS - 1) / ATT_ALIGN_WORDS * ATT_ALIGN_WORDS; }
static uint32_t div_up(uint64_t a, uint64_t b) { return (uint32_t)((a + b - 1) / b); }

static lil_status check_config(const lil_attention_config *c, lil_error *err) {
  const lil_attn_policy *p = &c->policy;
  if (!c->n_layers || !c->n_heads || !c->n_kv_heads || !c->head_dim || !c->max_ctx)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention: n_layers, n_heads, n_kv_heads, head_dim, max_ctx must be > 0");
  if (c->n_heads % c->n_kv_heads)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention: n_heads %u not a multiple of n_kv_heads %u", c->n_heads,
                         c->n_kv_heads);
  uint32_t epc = c->kv_type == LIL_KV_F32 ? 4 : 8;
  if (c->head_dim % epc || c->head_dim > 512)
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "attention: head_dim %u must be a multiple of %u and <= 512",
                         c->head_dim, epc);
  if (c->n_heads / c->n_kv_heads > 32)
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "attention: more than 32 query heads per KV head");
  if (c->page_size < 1 || c->page_size > 32)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention: page size %u outside 1..32", c->page_size);
  if ((unsigned)p->kind > LIL_ATTN_RAAS) return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention: bad policy");
  if (p->kind != LIL_ATTN_DENSE && p->budget < 1)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention: budget must be > 0");
  if (p->kind == LIL_ATTN_WINDOW && p->sink >= p->budget)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention: window needs sink (%u) < budget (%u)", p->sink,
                         p->budget);
  if (p->kind == LIL_ATTN_H2O && p->recent >= p->budget)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention: h2o needs recent (%u) < budget (%u)", p->recent,
                         p->budget);
  if (c->kv_type != LIL_KV_F16 && c->kv_type != LIL_KV_F32)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention: bad KV type");
  return LIL_OK;
}

/* Pages per (layer, KV head) the policy can ever hold. */
static uint32_t pages_per_head(const lil_attention *att) {
  const lil_attention_config *c = &att->cfg;
  uint32_t P = att->P, all = div_up(c->max_ctx, P), prompt = div_up(c->max_prompt, P);
  uint32_t bp = div_up(c->policy.budget, P), n = all;
  switch (c->policy.kind) {
  case LIL_ATTN_DENSE:
  case LIL_ATTN_QUEST: n = all; break;
  case LIL_ATTN_WINDOW: n = (prompt > bp + 2 ? prompt : bp + 2); break;
  case LIL_ATTN_H2O: n = (prompt > bp + 1 ? prompt : bp + 1); break;
  case LIL_ATTN_RAAS: n = prompt + att->budget_pages + 1; break;
  }
  return n < all ? n : all;
}

static lil_status make_buffer(lil_attention *att, lil_mem_role role, uint64_t bytes, const char *name, lil_buffer **b,
                              lil_error *err) {
  if (bytes < 16) bytes = 16;
  lil_status st = lil_buffer_create(att->ctx, role, bytes, name, b, err);
  if (!st && role != LIL_MEM_READBACK) st = lil_buffer_fill(*b, 0, bytes & ~3ull, 0, err);
  if (!st && role == LIL_MEM_READBACK) memset(lil_buffer_host(*b), 0, bytes);
  return st;
}

lil_status lil_attention_create(lil_ctx *ctx, const lil_attention_config *cfg, lil_attention **out, lil_error *err) {
  *out = NULL;
  lil_status st = check_config(cfg, err);
  if (st) return st;
  lil_attention *att = calloc(1, sizeof(*att));
  if (!att) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "attention");
  att->ctx = ctx;
  att->cfg = *cfg;
  lil_attention_config *c = &att->cfg;
  if (!c->max_prompt || c->max_prompt > c->max_ctx) c->max_prompt = c->max_ctx;
  if (c->policy.kind == LIL_ATTN_H2O && !c->policy.recent) c->policy.recent = c->policy.budget / 2;
  att->G = c->n_heads / c->n_kv_heads;
  att->P = c->page_size;
  att->esize = c->kv_type == LIL_KV_F32 ? 4 : 2;
  att->budget_pages = c->policy.budget / att->P ? c->policy.budget / att->P : 1;
  att->recent = c->policy.recent;
  att->cap = pages_per_head(att);
  uint32_t H = c->n_kv_heads, D = c->head_dim, P = att->P;
  att->n_lists = c->n_layers * H;
  /* splits: about 256 workgroups per layer on GPUs (the decode kernel uses fewer at short contexts),
   * 64 on CPU devices; never more than the pages a head can hold. H100, 8 KV heads: at 32k 64
   * splits per head 59.3 us, 128 61.8, 256 65.0 (session 4); at 4096 (session 17, `lil bench
   * attention`, llama-8b's heads) 32 splits 17.5 us against 20.2 for 64, and llama-8b Q4_0 decode at a
   * 4096 prompt 275.4 / 271.3 tok/s against 254.3 / 266.2 (docs/benchmarks.md) */
  uint32_t S = c->n_splits ? c->n_splits : div_up(lil_ctx_snapshot(ctx)->kind == LIL_DEVICE_CPU ? 64 : 256, H);
  /* $LIL_ATTN_SPLITS=N (tuning, 1..1024): splits per KV head where the caller left the choice */
  const char *se = getenv("LIL_ATTN_SPLITS");
  unsigned es = 0;
  if (!c->n_splits && se && sscanf(se, "%u", &es) == 1 && es >= 1 && es <= 1024) S = es;
  uint32_t maxp = c->policy.kind == LIL_ATTN_QUEST ? att->budget_pages : att->cap;
  if (c->policy.kind == LIL_ATTN_QUEST && c->policy.dense_layers > 0) maxp = att->cap;
  if (S > maxp) S = maxp;
  if (S > 1024) S = 1024;
  att->n_splits = S ? S : 1;

  /* segments: KV heads of a layer per pool buffer */
  const lil_device_plan *plan = lil_ctx_plan(ctx);
  uint64_t limit = plan->max_binding < plan->max_block ? plan->max_binding : plan->max_block;
  uint64_t head_bytes = (uint64_t)att->cap * P * D * att->esize;
  if (head_bytes > limit) {
    st = lil_error_set(err, LIL_ERR_UNSUPPORTED, "attention: one KV head's pool (%llu bytes) exceeds the binding limit %llu",
                       (unsigned long long)head_bytes, (unsigned long long)limit);
    goto fail;
  }
  uint32_t per = (uint32_t)(limit / head_bytes);
  if (per > H) per = H;
  att->segs_per_layer = div_up(H, per);
  att->n_segs = c->n_layers * att->segs_per_layer;
  att->segs = calloc(att->n_segs, sizeof(*att->segs));
  att->seg_of = calloc(att->n_lists, sizeof(uint32_t));
  if (!att->segs || !att->seg_of) {
    st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "attention segments");
    goto fail;
  }
  int h2o = c->policy.kind == LIL_ATTN_H2O, raas = c->policy.kind == LIL_ATTN_RAAS;
  int quest_meta = c->policy.kind == LIL_ATTN_QUEST || raas;
  uint64_t w = ATT_ALIGN_WORDS; /* header */
  for (uint32_t l = 0, si = 0; l < c->n_layers; l++)
    for (uint32_t h0 = 0; h0 < H; h0 += per, si++) {
      kv_segment *s = &att->segs[si];
      s->layer = l;
      s->h0 = h0;
      s->nh = H - h0 < per ? H - h0 : per;
      uint64_t pages = (uint64_t)s->nh * att->cap;
      s->table = w, w += align_words(pages);
      s->count = w, w += align_words(s->nh);
      s->base = w, w += align_words(s->nh);
      s->mask = w, w += align_words(pages);
      s->emask = w, w += h2o ? align_words(pages) : 0;
      s->ts = w, w += raas ? align_words(pages) : 0;
      s->acc = w, w += h2o ? align_words(pages * P) : 0;
      s->scratch = att->scratch_floats, att->scratch_floats += h2o ? align_words(pages * P * att->G) : 0;
      s->victim = att->victim_words, att->victim_words += align_words(s->nh);
      for (uint32_t h = s->h0; h < s->h0 + s->nh; h++) att->seg_of[l * H + h] = si;
    }
  att->state_words = w;
  uint32_t pp = div_up(c->max_prompt, P);
  att->upd_cap = (uint64_t)att->n_lists * (4ull * pp + 16 + (h2o ? c->max_prompt : 0)) + 64; /* h2o: score resets */
  att->upd_at = calloc(att->state_words, sizeof(uint32_t));
  if (!att->upd_at) {
    st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "attention update index");
    goto fail;
  }
  if ((st = att_lists_init(att, err))) goto fail;

  char name[64];
  for (uint32_t i = 0; i < att->n_segs && !st; i++) {
    kv_segment *s = &att->segs[i];
    uint64_t bytes = (uint64_t)s->nh * head_bytes;
    snprintf(name, sizeof(name), "kv-k-l%u-h%u", s->layer, s->h0);
    st = make_buffer(att, LIL_MEM_ACTIVATIONS, bytes, name, &s->k, err);
    snprintf(name, sizeof(name), "kv-v-l%u-h%u", s->layer, s->h0);
    if (!st) st = make_buffer(att, LIL_MEM_ACTIVATIONS, bytes, name, &s->v, err);
    snprintf(name, sizeof(name), "kv-minmax-l%u-h%u", s->layer, s->h0);
    if (!st && quest_meta)
      st = make_buffer(att, LIL_MEM_ACTIVATIONS, (uint64_t)s->nh * att->cap * 2 * D * att->esize, name, &s->minmax, err);
  }
  uint64_t NH = c->n_heads;
  if (!st) st = make_buffer(att, LIL_MEM_ACTIVATIONS, att->state_words * 4, "attn-state", &att->state, err);
  if (!st && quest_meta) st = make_buffer(att, LIL_MEM_ACTIVATIONS, att->state_words * 4, "attn-sel", &att->sel, err);
  if (!st && quest_meta) st = make_buffer(att, LIL_MEM_ACTIVATIONS, att->state_words * 4, "attn-qscore", &att->qscore, err);
  att->part_ml = (uint64_t)S * NH * D;
  att->part_lse = align_words(att->part_ml + (uint64_t)S * NH * 2);
  att->part_arr = att->part_lse + align_words(NH);
  if (!st)
    st = make_buffer(att, LIL_MEM_ACTIVATIONS, (att->part_arr + align_words(H)) * 4, "attn-part", &att->part, err);
  if (!st) att_choose_variants(att);
  if (!st) st = make_buffer(att, LIL_MEM_ACTIVATIONS, (uint64_t)c->max_prompt * NH * 4, "attn-prefill-lse", &att->plse, err);
  if (!st && h2o) st = make_buffer(att, LIL_MEM_ACTIVATIONS, att->scratch_floats * 4, "attn-h2o-scores", &att->scratch, err);
  if (!st) st = make_buffer(att, LIL_MEM_READBACK, (4 + 2 * att->upd_cap) * 4, "attn-updates", &att->updates, err);
  if (!st) st = make_buffer(att, LIL_MEM_READBACK, att->victim_words * 4, "attn-victims", &att->victims, err);
  if (!st) st = make_buffer(att, LIL_MEM_ACTIVATIONS, 256, "attn-dummy", &att->dummy, err);
  if (!st) {
    uint32_t *v = lil_buffer_host(att->victims);
    for (uint64_t i = 0; i < att->victim_words; i++) v[i] = ATT_NONE;
  }
  if (st) goto fail;
  *out = att;
  return LIL_OK;
fail:
  lil_attention_free(att);
  return st;
}

void lil_attention_free(lil_attention *att) {
  if (!att) return;
  for (uint32_t i = 0; att->segs && i < att->n_segs; i++) {
    lil_buffer_free(att->segs[i].k);
    lil_buffer_free(att->segs[i].v);
    lil_buffer_free(att->segs[i].minmax);
  }
  lil_buffer *bufs[] = {att->state, att->sel, att->qscore, att->part, att->plse, att->scratch,
                        att->updates, att->victims, att->dummy};
  for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) lil_buffer_free(bufs[i]);
  att_lists_free(att);
  free(att->segs);
  free(att->seg_of);
  free(att->upd_at);
  free(att);
}

uint32_t lil_attention_length(const lil_attention *att) { return att->len; }
const lil_attention_config *lil_attention_get_config(const lil_attention *att) { return &att->cfg; }
uint32_t lil_attention_splits(const lil_attention *att) { return att->n_splits; }
const char *lil_attention_variant(const lil_attention *att) { return att->variant; }

static uint64_t page_bytes(const lil_attention *att) {
  uint64_t b = 2ull * att->P * att->cfg.head_dim * att->esize;
  if (att->cfg.policy.kind == LIL_ATTN_QUEST || att->cfg.policy.kind == LIL_ATTN_RAAS)
    b += 2ull * att->cfg.head_dim * att->esize;
  return b;
}

uint64_t lil_attention_kv_bytes(const lil_attention *att) { return att->pages_in_use * page_bytes(att); }
uint64_t lil_attention_kv_capacity_bytes(const lil_attention *att) {
  return (uint64_t)att->n_lists * att->cap * page_bytes(att);
}

uint32_t lil_attention_cached_tokens(const lil_attention *att, uint32_t layer, uint32_t h) {
  if (layer >= att->cfg.n_layers || h >= att->cfg.n_kv_heads) return 0;
  return att->lists[layer * att->cfg.n_kv_heads + h].n_valid;
}

uint32_t lil_attention_cached_pages(const lil_attention *att, uint32_t layer, uint32_t h) {
  if (layer >= att->cfg.n_layers || h >= att->cfg.n_kv_heads) return 0;
  return att->lists[layer * att->cfg.n_kv_heads + h].n;
}
