/* Recording of the attention kernels into a lil_seq (prefill and decode), and the step API. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "attn_internal.h"
#include "lil_shader_caps.h"

static uint32_t div_up(uint64_t a, uint64_t b) { return (uint32_t)((a + b - 1) / b); }

static lil_binding region(lil_buffer *b, uint64_t word, uint64_t words) {
  return (lil_binding){b, word * 4, words * 4};
}

static lil_status kernel(lil_attention *att, const char *name, uint32_t nb, uint32_t push, uint32_t n_spec,
                         const uint32_t *spec, lil_kernel **k, lil_error *err) {
  lil_kernel_desc d = {.shader = name, .n_bindings = nb, .push_size = push, .n_spec = n_spec};
  memcpy(d.spec, spec, n_spec * sizeof(uint32_t));
  return lil_kernel_get(att->ctx, &d, k, err);
}

static int quest_meta(const lil_attention *att) {
  return att->cfg.policy.kind == LIL_ATTN_QUEST || att->cfg.policy.kind == LIL_ATTN_RAAS;
}

static lil_status record_update(lil_attention *att, lil_seq *seq, lil_error *err) {
  lil_kernel *k;
  uint32_t spec[] = {64};
  lil_status st = kernel(att, "attn_update", 2, 0, 1, spec, &k, err);
  if (st) return st;
  lil_binding b[2] = {{att->state, 0, 0}, {att->updates, 0, 0}};
  uint32_t groups = div_up(att->upd_cap, 64);
  if (groups > 256) groups = 256;
  return lil_seq_dispatch(seq, k, b, 2, 1, NULL, 0, groups, 1, 1, "attn_update", err);
}

/* The fused append's transform push constants (after the append's own six words). */
typedef struct qk_push {
  uint32_t n_q, rot_dim, neox, has_ff, q_has_norm, k_has_norm;
  float theta_scale, freq_scale, eps;
} qk_push;

#define QK_BINDINGS 13
#define DECODE_QK_BINDINGS 15 /* attn_decode.comp with QK_APPEND */

/* attn_decode.comp's push constants; qk only with QK_APPEND (the variants without end before it). */
typedef struct decode_push {
  uint32_t P, cap, n_splits, n_qheads, h0, ml_off, write_scores;
  float scale;
  uint32_t min_pages, cnt_off, lse_off, arr_off;
  qk_push qk; /* n_q unused */
} decode_push;
_Static_assert(offsetof(decode_push, qk) == 48, "attn_decode.comp's push block before the transform constants");

/* The RoPE parameters of the Q heads (k: of the KV heads) from qk, in the attention's own shape
 * (packed heads; head_dim <= 512 is checked at create: kv_append.comp's shared row). */
static lil_rope_params qk_rope(const lil_attention *att, const lil_attention_qk *qk, int k) {
  lil_rope_params r = qk->rope;
  r.n_heads = k ? att->cfg.n_kv_heads : att->cfg.n_heads;
  r.head_dim = att->cfg.head_dim;
  r.token_stride = 0;
  return r;
}

/* The transform's push constants (n_q left 0) for qk; one token only. */
static lil_status make_qk_push(const lil_attention *att, const lil_attention_qk *qk, uint32_t n_tokens, qk_push *qp,
                               lil_error *err) {
  lil_rope_params rp = qk_rope(att, qk, 0);
  uint32_t rot, stride;
  if (!lil_rope_resolve(&rp, &rot, &stride) || n_tokens != 1)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention decode q/k transform: rot_dim %u, base %g, mode %d",
                         rp.rot_dim, (double)rp.base, (int)rp.mode);
  float factor = rp.linear_factor > 0.0f ? rp.linear_factor : 1.0f;
  *qp = (qk_push){0,
                  rot,
                  rp.mode == LIL_ROPE_NEOX,
                  qk->freq_factors != NULL,
                  qk->q_norm != NULL,
                  qk->k_norm != NULL,
                  lil_rope_theta_scale(rp.base, rot),
                  1.0f / factor,
                  qk->eps};
  return LIL_OK;
}

/* Append of n_tokens rows to every segment of the layer, and the Quest min/max of touched pages.
 * With qk (decode, one token): the fused append that also transforms k before storing it and q
 * (given in q) in place; the first segment's dispatch carries the n_heads Q workgroups. */
static lil_status record_append(lil_attention *att, lil_seq *seq, uint32_t layer, lil_binding kin, lil_binding vin,
                                uint32_t n_tokens, uint32_t first, const lil_attention_qk *qk, lil_binding q,
                                lil_error *err) {
  const lil_attention_config *c = &att->cfg;
  int f32 = c->kv_type == LIL_KV_F32;
  lil_kernel *ka, *km = NULL;
  uint32_t spec[] = {64};
  /* one token with Quest metadata: min/max in the append kernel unless $LIL_KV_MINMAX=separate */
  int fmm = quest_meta(att) && n_tokens == 1 && att->fused_minmax;
  char an[32];
  snprintf(an, sizeof(an), "kv_append%s%s_%s", qk ? "_qk" : "", fmm ? "_mm" : "", f32 ? "f32" : "f16");
  uint32_t nb = qk ? QK_BINDINGS : fmm ? 8 : 6;
  qk_push qp = {0};
  if (qk) {
    lil_status st = make_qk_push(att, qk, n_tokens, &qp, err);
    if (st) return st;
  }
  lil_status st = kernel(att, an, nb, qk ? 24 + sizeof(qk_push) : 24, 1, spec, &ka, err);
  if (!st && quest_meta(att) && !fmm)
    st = kernel(att, f32 ? "kv_minmax_f32" : "kv_minmax_f16", 5, 20, 1, spec, &km, err);
  for (uint32_t si = layer * att->segs_per_layer; si < (layer + 1) * att->segs_per_layer && !st; si++) {
    kv_segment *s = &att->segs[si];
    uint64_t pages = (uint64_t)s->nh * att->cap;
    lil_binding b[8] = {kin,
                        vin,
                        {s->k, 0, 0},
                        {s->v, 0, 0},
                        region(att->state, s->table, pages),
                        region(att->state, s->base, s->nh),
                        region(att->state, s->mask, pages),
                        {s->minmax ? s->minmax : att->dummy, 0, 0}};
    struct {
      uint32_t w[6];
      qk_push qk;
    } push = {{c->head_dim, att->P, att->cap, c->n_kv_heads * c->head_dim, s->h0, first}, qp};
    uint32_t wm = fmm ? 0x8c : 0xc, gy = s->nh;
    lil_binding bb[QK_BINDINGS];
    memcpy(bb, b, sizeof(b));
    if (qk) {
      lil_binding dummy = {att->dummy, 0, 0}, pos = qk->positions;
      /* Q heads in the layer's first segment only (q bound elsewhere would order the segments) */
      int q_here = si == layer * att->segs_per_layer;
      push.qk.n_q = q_here ? c->n_heads : 0;
      gy += push.qk.n_q;
      if (!fmm) bb[6] = dummy, bb[7] = dummy;
      bb[8] = q_here ? q : dummy;
      bb[9] = qk->q_norm ? *qk->q_norm : pos;
      bb[10] = qk->k_norm ? *qk->k_norm : pos;
      bb[11] = pos;
      bb[12] = qk->freq_factors ? *qk->freq_factors : pos;
      if (q_here) wm |= 1u << 8;
    }
    st = lil_seq_dispatch(seq, ka, bb, nb, wm, &push, qk ? sizeof(push) : 24, n_tokens, gy, 1, "kv_append", err);
    if (st || !km) continue;
    lil_binding bm[5] = {{s->k, 0, 0}, region(att->state, s->table, pages), region(att->state, s->base, s->nh),
                         region(att->state, s->mask, pages), {s->minmax, 0, 0}};
    uint32_t pm[5] = {c->head_dim, att->P, att->cap, n_tokens, first};
    st = lil_seq_dispatch(seq, km, bm, 5, 0x10, pm, sizeof(pm), div_up(n_tokens, att->P) + 1, s->nh, 1, "kv_minmax",
                          err);
  }
  return st;
}

lil_status lil_attention_record_prefill(lil_attention *att, lil_seq *seq, uint32_t layer, lil_binding q, lil_binding k,
                                        lil_binding v, lil_binding out, uint32_t n_tokens, lil_error *err) {
  const lil_attention_config *c = &att->cfg;
  if (layer >= c->n_layers || n_tokens == 0 || n_tokens > c->max_prompt)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention prefill: layer %u / %u tokens out of range", layer,
                         n_tokens);
  lil_status st = layer == 0 ? record_update(att, seq, err) : LIL_OK;
  if (!st) st = record_append(att, seq, layer, k, v, n_tokens, 0, NULL, q, err);
  if (st) return st;
  uint32_t D = c->head_dim, rows = D <= 128 ? 16 : D <= 256 ? 8 : 4;
  uint32_t spec[] = {64, D, att->G, rows, rows};
  /* after earlier context (the prefill starts at the current length > 0): the prefix variant per
   * segment, reading the cached tokens from the segment's pools first. Recorded for this length:
   * a sequence replayed at another length must be recorded again. */
  uint32_t prefix = att->len;
  struct {
    uint32_t n, n_kv;
    float scale;
    uint32_t prefix, P, cap, h0, table_off, mask_off;
  } push = {n_tokens, c->n_kv_heads, 1.0f / sqrtf((float)D), prefix, att->P, att->cap, 0, 0, 0};
  lil_binding b[8] = {q, k, v, out, {att->plse, 0, (uint64_t)n_tokens * c->n_heads * 4}, {0}, {0}, {att->state, 0, 0}};
  lil_kernel *kp;
  if (!prefix && att->prefill_cm) {
    /* tensor cores: NW subgroups of 32, each a block of 16 tokens of one query head */
    char cm[48];
    snprintf(cm, sizeof(cm), "attn_prefill_cm_d%u_w%uk%u%s%s%s%s", D, att->prefill_nw, att->prefill_kt,
             att->prefill_cache || att->prefill_reg || att->prefill_pf ? "_" : "", att->prefill_cache ? "c" : "",
             att->prefill_reg ? "r" : "", att->prefill_pf ? "p" : "");
    uint32_t cspec[] = {att->prefill_nw * 32, D, att->G};
    uint32_t groups = div_up(div_up(n_tokens, 16) * att->G, att->prefill_nw);
    if ((st = kernel(att, cm, att->prefill_cache ? 8 : 5, 28, 3, cspec, &kp, err))) return st;
    uint32_t cpush[7] = {n_tokens, c->n_kv_heads, 0, att->P, att->cap, 0, 0};
    memcpy(&cpush[2], &push.scale, 4);
    if (!att->prefill_cache)
      return lil_seq_dispatch(seq, kp, b, 5, 0x18, cpush, 28, groups, c->n_kv_heads, 1, "attn_prefill_cm", err);
    /* per segment of the layer: its pools and table (the KV append above wrote them) */
    for (uint32_t si = layer * att->segs_per_layer; si < (layer + 1) * att->segs_per_layer && !st; si++) {
      kv_segment *s = &att->segs[si];
      b[5] = (lil_binding){s->k, 0, 0}, b[6] = (lil_binding){s->v, 0, 0};
      cpush[5] = s->h0, cpush[6] = (uint32_t)s->table;
      st = lil_seq_dispatch(seq, kp, b, 8, 0x18, cpush, 28, groups, s->nh, 1, "attn_prefill_cm", err);
    }
    return st;
  }
  const char *name = !prefix ? "attn_prefill" : c->kv_type == LIL_KV_F32 ? "attn_prefill_prefix_f32"
                                                                           : "attn_prefill_prefix_f16";
  if ((st = kernel(att, name, prefix ? 8 : 5, 36, 5, spec, &kp, err))) return st;
  uint32_t tiles = div_up((uint64_t)n_tokens * att->G, rows);
  if (!prefix) return lil_seq_dispatch(seq, kp, b, 5, 0x18, &push, sizeof(push), tiles, c->n_kv_heads, 1, name, err);
  for (uint32_t si = layer * att->segs_per_layer; si < (layer + 1) * att->segs_per_layer && !st; si++) {
    kv_segment *s = &att->segs[si];
    b[5] = (lil_binding){s->k, 0, 0}, b[6] = (lil_binding){s->v, 0, 0};
    push.h0 = s->h0, push.table_off = (uint32_t)s->table, push.mask_off = (uint32_t)s->mask;
    st = lil_seq_dispatch(seq, kp, b, 8, 0x18, &push, sizeof(push), tiles, s->nh, 1, name, err);
  }
  return st;
}

lil_status lil_attention_record_append(lil_attention *att, lil_seq *seq, uint32_t layer, lil_binding k, lil_binding v,
                                       uint32_t n_tokens, uint32_t first, lil_error *err) {
  const lil_attention_config *c = &att->cfg;
  if (layer >= c->n_layers || n_tokens == 0 || (uint64_t)first + n_tokens > c->max_prompt)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention append: layer %u / tokens %u..%u out of range", layer,
                         first, first + n_tokens);
  lil_status st = layer == 0 && first == 0 ? record_update(att, seq, err) : LIL_OK;
  return st ? st : record_append(att, seq, layer, k, v, n_tokens, first, NULL, k, err);
}

/* Shape of the decode kernel (attn_decode.comp): WG threads in row groups of LPR lanes (lanes
 * reduce their partial dot products with subgroup shuffles when the device has them and subgroups
 * are not disabled; else LPR = 1), R rows per group per iteration (divides P), NS groups merged per
 * round. */
typedef struct decode_shape {
  uint32_t wg, lpr, r, ns, shuffle, pf;
} decode_shape;

static decode_shape get_decode_shape(const lil_attention *att) {
  const lil_device_plan *plan = lil_ctx_plan(att->ctx);
  const lil_device_snapshot *snap = lil_ctx_snapshot(att->ctx);
  uint32_t D = att->cfg.head_dim, C = D / (att->cfg.kv_type == LIL_KV_F32 ? 4 : 8), sg = plan->subgroup_size;
  decode_shape s = {0};
  s.shuffle = plan->use_subgroup_arith && (snap->subgroup_ops & 0x10u /* SHUFFLE */) && sg >= 2 && sg <= 128;
  s.lpr = 1;
  if (s.shuffle)
    while (s.lpr * 2 <= sg && C % (s.lpr * 2) == 0) s.lpr *= 2;
  int cpu = snap->kind == LIL_DEVICE_CPU;
  s.wg = cpu ? 64 : 128;
  if (s.shuffle && s.wg % sg) s.wg = sg * 4;
  if (s.wg < s.lpr) s.wg = s.lpr;
  uint32_t cpl = C / s.lpr;
  s.r = cpl >= 4 ? 1 : cpl == 2 ? 2 : 4;
  /* prefetch the next block on GPUs: H200, session 5 (docs/device-runs/h200-session5/
   * call3-attention-shapes.txt), dense 32k / 128k decode 39.8 / 127.1 us with, 41.3 / 132.3
   * without (an older form of the kernel, before its register-array loops were unrolled, had
   * been 5% slower with it); off on CPU devices */
  s.pf = cpu ? 0 : 1;
  /* tuning override: LIL_ATTN_DECODE=wg,rows,prefetch (e.g. 128,4,1). A fourth field (fewer lanes
   * per row) was tried: 2-3x slower on the H100 at 32k, and test_attention did not finish on the
   * H100 with 2 lanes per row, so it was removed (docs/attention.md). */
  const char *env = getenv("LIL_ATTN_DECODE");
  unsigned ew = 0, er = 0, ep = 0;
  int ne = env ? sscanf(env, "%u,%u,%u", &ew, &er, &ep) : 0;
  if (ne >= 3 && ew >= s.lpr && ew <= 1024 && ew % s.lpr == 0 && (!s.shuffle || ew % sg == 0) && er >= 1 && er <= 16)
    s.wg = ew, s.r = er, s.pf = ep != 0;
  while (att->P % s.r) s.r /= 2;
  uint32_t ng = s.wg / s.lpr;
  s.ns = 2048 / D ? 2048 / D : 1;
  if (s.ns > ng) s.ns = ng;
  return s;
}

static uint32_t min_split_pages(const lil_attention *att) {
  decode_shape ds = get_decode_shape(att);
  return att->cfg.n_splits ? 1 : div_up(ds.wg / ds.lpr * ds.r, att->P);
}

uint32_t lil_attention_active_splits(const lil_attention *att, uint32_t pages) {
  uint32_t pps = div_up(pages, att->n_splits), mp = min_split_pages(att);
  if (pps < mp) pps = mp;
  return pps ? div_up(pages, pps) : 0;
}

/* Splits of the decode over a quest selection (at most budget/P pages): by default only as many as
 * can work on budget/P pages (the others would only add empty partials to the merge);
 * $LIL_ATTN_SEL_SPLITS=N: N (capped by n_splits), 0: n_splits as the dense layers. */
uint32_t att_sel_splits(const lil_attention *att) {
  uint32_t S = att->n_splits;
  if (att->sel_splits_env == 0) return S;
  if (att->sel_splits_env > 0) return (uint32_t)att->sel_splits_env < S ? (uint32_t)att->sel_splits_env : S;
  uint32_t a = lil_attention_active_splits(att, att->budget_pages ? att->budget_pages : 1);
  return a && a < S ? a : S;
}

/* Shape of quest_select.comp: LPP lanes per page (a power of two <= the subgroup size dividing the
 * row's chunks), KCAP keys in shared memory (what the 2048-bin histogram and the totals leave). */
static void select_shape(const lil_attention *att, uint32_t *lpp, uint32_t *kcap) {
  const lil_device_plan *plan = lil_ctx_plan(att->ctx);
  uint32_t C = att->cfg.head_dim / (att->cfg.kv_type == LIL_KV_F32 ? 4 : 8), sg = plan->subgroup_size;
  *lpp = 1;
  while (*lpp * 2 <= sg && C % (*lpp * 2) == 0) *lpp *= 2;
  uint64_t shm = plan->shared_memory ? plan->shared_memory : 16384, fixed = (2048 + 2 * 128 + 4) * 4 + 256;
  uint64_t kc = shm > fixed + 1024 ? (shm - fixed) / 4 / 256 * 256 : 256;
  uint64_t need = ((uint64_t)att->cap + 255) / 256 * 256; /* no more than a head's list can hold */
  if (kc > need) kc = need;
  *kcap = kc > 16384 ? 16384 : (uint32_t)kc;
}

void att_choose_variants(lil_attention *att) {
  const lil_device_plan *plan = lil_ctx_plan(att->ctx);
  const lil_device_snapshot *snap = lil_ctx_snapshot(att->ctx);
  int cpu = snap->kind == LIL_DEVICE_CPU;
  uint32_t sg = plan->subgroup_size;
  /* quest_select needs subgroup arithmetic and shuffles, a workgroup of whole subgroups, <= 2048 */
  int sg_ok = plan->use_subgroup_arith && (snap->subgroup_ops & 0x10u /* SHUFFLE */) && sg >= 4 && sg <= 128;
  uint32_t lpp, kcap;
  select_shape(att, &lpp, &kcap);
  /* H100 sweep (docs/attention.md): 512 threads scoring 2 pages per row of lanes beat 1024 x 1
   * (quest at 32k: 14.5 vs 18.2 us) */
  att->sel_wg = cpu ? 256 : 512;
  uint32_t max_inv = snap->max_workgroup_invocations ? snap->max_workgroup_invocations : 128;
  while (att->sel_wg > max_inv) att->sel_wg /= 2;
  att->fused_select = sg_ok && att->sel_wg >= sg && att->sel_wg >= 64 && att->sel_wg / sg <= 128;
  att->sel_ppb = att->sel_wg / lpp * (cpu ? 1 : 2);
  const char *env = getenv("LIL_QUEST_SELECT");
  if (env && !strncmp(env, "split", 5)) att->fused_select = 0;
  unsigned ew = 0, ep = 0;
  if (env && att->fused_select && sscanf(env, "fused,%u,%u", &ew, &ep) == 2 && ew >= 64 && ew <= max_inv &&
      ew <= 2048 && !(ew & (ew - 1)) && ew % sg == 0 && ew / sg <= 128 && ep >= ew / lpp && ep % (ew / lpp) == 0)
    att->sel_wg = ew, att->sel_ppb = ep;
  env = getenv("LIL_ATTN_MERGE");
  /* the merge folded into the last split of each head was slower on the H100 than its own
   * dispatch (dense at 32k: 61.6 vs 59.5 us; quest: 14.3 vs 12.2 us, session 4):
   * separate unless asked for.
   * LIL_ATTN_MERGE=fused | separate (attn_merge.comp) | tree[,WG,QPW] (attn_merge_tree.comp, default) */
  att->fused_merge = env && !strcmp(env, "fused");
  att->tree_merge = !att->fused_merge && !(env && !strcmp(env, "separate"));
  att->merge_wg = cpu ? 64 : 256, att->merge_qpw = 8;
  unsigned mw = 0, mq = 0;
  if (env && sscanf(env, "tree,%u,%u", &mw, &mq) == 2 && mw >= 32 && mw <= max_inv && mw <= 1024 &&
      !(mw & (mw - 1)) && mq >= 1 && mq <= mw && !(mq & (mq - 1)))
    att->merge_wg = mw, att->merge_qpw = mq;
  while (att->merge_wg > max_inv) att->merge_wg /= 2;
  if (att->merge_qpw > att->merge_wg) att->merge_qpw = att->merge_wg;
  env = getenv("LIL_KV_MINMAX");
  att->fused_minmax = !(env && !strcmp(env, "separate"));
  env = getenv("LIL_ATTN_QK");
  att->unfused_qk = env && !strcmp(env, "separate");
  att->append_qk = env && !strcmp(env, "append");
  /* attn_prefill_cm.comp: cooperative matrices (NV, or KHR through the build-time translation),
   * subgroups of 32 with shuffles, a head_dim it was compiled for */
  env = getenv("LIL_ATTN_PREFILL");
  uint32_t D = att->cfg.head_dim;
  const int khr = plan->use_coopmat_khr;
  att->prefill_cm = LIL_GLSLC_HAS_NV_COOPMAT && lil_plan_coopmat(plan) && /* (subgroups of 32: the plan's) */
                    (snap->subgroup_ops & 0x10u /* SHUFFLE */) && (D == 64 || D == 128) &&
                    !(env && !strcmp(env, "scalar"));
  /* LIL_ATTN_PREFILL=w4k32 | w4k64 | w8k32 | w8k64 (the compiled shapes; w8k64 only with r), then flags: c = K / V from the
   * cache, r = the softmax in registers, p = the next K / V tile prefetched into registers.
   * Default w8k32crp (w8k64crp at head_dim 128, below): on the H100 55.2k tok/s against 48.6k for w4k64crp and 32.9k for session 9's
   * w4k32 (qwen3-0.6b Q8_0 at 4096, session 11, docs/benchmarks.md), and checked there against the
   * CPU reference (test_prefill_tiles, session 13). Session 15 (H100, one call, at 4096 tokens):
   * w8k64crp for head_dim 128, qwen3-0.6b Q8_0 63.0 against 68.8 ms, llama-8b Q4_0 441.5 / 440.8
   * (session 14: 436.4 / 440.3); head_dim 64 keeps w8k32crp (llama-1b F16 77.6 against 75.2 ms). */
  unsigned nw = 0, kt = 0;
  char fl[4] = "";
  const char *flags = "crp";
  att->prefill_nw = 8, att->prefill_kt = D == 128 ? 64 : 32;
  int nf = env ? sscanf(env, "w%uk%u%3[crp]", &nw, &kt, fl) : 0;
  if (nf >= 2 && ((nw == 4 && (kt == 32 || kt == 64)) || (nw == 8 && kt == 32) ||
                  (nw == 8 && kt == 64 && nf == 3 && strchr(fl, 'r')))) { /* w8k64: with r only */
    att->prefill_nw = nw, att->prefill_kt = kt;
    flags = nf == 3 ? fl : "";
  }
  /* K / V from the cache only for F16 caches of the policies that keep every token */
  att->prefill_cache = strchr(flags, 'c') && att->cfg.kv_type == LIL_KV_F16 &&
                       (att->cfg.policy.kind == LIL_ATTN_DENSE || att->cfg.policy.kind == LIL_ATTN_QUEST);
  att->prefill_pf = strchr(flags, 'p') != NULL;
  att->prefill_reg = strchr(flags, 'r') != NULL;
  /* KHR: no softmax in registers (it converts an accumulator into an A operand, which KHR matrices
   * cannot, and reads NVIDIA's element layout): the shared-memory softmax, and w8k64 (compiled
   * with r only) becomes w8k32 */
  if (khr && att->prefill_reg) {
    att->prefill_reg = 0;
    if (att->prefill_kt == 64 && att->prefill_nw == 8) att->prefill_kt = 32;
  }
  env = getenv("LIL_ATTN_SEL_SPLITS");
  att->sel_splits_env = -1;
  if (env && sscanf(env, "%u", &mw) == 1) att->sel_splits_env = (int)(mw > 65536 ? 65536 : mw);
  int sel = att->cfg.policy.kind == LIL_ATTN_QUEST || att->cfg.policy.kind == LIL_ATTN_RAAS;
  decode_shape ds = get_decode_shape(att);
  char sv[48], mv[32], xv[48] = "";
  if (sel && att->fused_select) snprintf(sv, sizeof(sv), "fused,%u,%u", att->sel_wg, att->sel_ppb);
  else snprintf(sv, sizeof(sv), "%s", sel ? "split" : "none");
  if (att->tree_merge) snprintf(mv, sizeof(mv), "tree,%u,%u", att->merge_wg, att->merge_qpw);
  else snprintf(mv, sizeof(mv), "%s", att->fused_merge ? "fused" : "separate");
  if (sel)
    snprintf(xv, sizeof(xv), " mm=%s", att->fused_minmax ? "append" : "separate");
  if (att->cfg.policy.kind == LIL_ATTN_QUEST)
    snprintf(xv + strlen(xv), sizeof(xv) - strlen(xv), " sel_splits=%u", att_sel_splits(att));
  char pv[24] = "scalar";
  if (att->prefill_cm)
    snprintf(pv, sizeof(pv), "cm,w%uk%u%s%s%s", att->prefill_nw, att->prefill_kt, att->prefill_cache ? "c" : "",
             att->prefill_reg ? "r" : "", att->prefill_pf ? "p" : "");
  snprintf(att->variant, sizeof(att->variant), "select=%s merge=%s splits=%u decode=%u,%u,%u lpr=%u%s prefill=%s", sv,
           mv, att->n_splits, ds.wg, ds.r, ds.pf, ds.lpr, xv, pv);
}

/* Quest/raas selection of one segment: quest_select (fused) or quest_score + page_topk. */
static lil_status record_select(lil_attention *att, lil_seq *seq, const kv_segment *s, lil_binding q, lil_error *err) {
  const lil_attention_config *c = &att->cfg;
  int f32 = c->kv_type == LIL_KV_F32, raas = c->policy.kind == LIL_ATTN_RAAS;
  uint32_t D = c->head_dim, G = att->G;
  uint64_t pages = (uint64_t)s->nh * att->cap, tc_words = s->count - s->table + s->nh;
  lil_binding dummy = {att->dummy, 0, 0}, step = region(att->state, 0, ATT_ALIGN_WORDS);
  lil_binding ts = raas ? region(att->state, s->ts, pages) : dummy;
  lil_binding vict = raas ? region(att->victims, s->victim, s->nh) : dummy;
  lil_kernel *k;
  lil_status st;
  if (att->fused_select) {
    uint32_t lpp, kcap;
    select_shape(att, &lpp, &kcap);
    uint32_t spec[] = {att->sel_wg, D, G, lpp, att->sel_ppb, kcap};
    if ((st = kernel(att, f32 ? "quest_select_f32" : "quest_select_f16", 8, 20, 6, spec, &k, err))) return st;
    lil_binding b[8] = {q,
                        {s->minmax, 0, 0},
                        region(att->state, s->table, tc_words),
                        region(att->qscore, s->table, tc_words),
                        raas ? dummy : region(att->sel, s->table, tc_words),
                        ts,
                        vict,
                        step};
    uint32_t push[5] = {att->cap, s->h0, att->budget_pages, (uint32_t)raas, (uint32_t)(s->count - s->table)};
    return lil_seq_dispatch(seq, k, b, 8, raas ? 0x68 : 0x18, push, sizeof(push), div_up(att->cap, att->sel_ppb),
                            s->nh, 1, "quest_select", err);
  }
  uint32_t qw = 128, qc = D / (f32 ? 4 : 8), ql = qw / qc ? qw / qc : 1;
  if (ql > 32) ql = 32;
  qw = ql * qc;
  int cpu = lil_ctx_snapshot(att->ctx)->kind == LIL_DEVICE_CPU;
  uint32_t stk[2] = {cpu ? 256 : 1024, cpu ? 4096 : 8192};
  /* page_topk shared memory: key cache + 2 scan arrays + 256 bins */
  uint64_t shm = lil_ctx_plan(att->ctx)->shared_memory, fixed = (2ull * stk[0] + 256 + 16) * 4;
  if (shm && stk[1] * 4ull + fixed > shm) stk[1] = shm > fixed + 1024 ? (uint32_t)((shm - fixed) / 4 / 256 * 256) : 256;
  uint32_t sq[] = {qw, D, G};
  lil_binding table = region(att->state, s->table, pages), count = region(att->state, s->count, s->nh);
  lil_binding qs = region(att->qscore, s->table, pages);
  if ((st = kernel(att, f32 ? "quest_score_f32" : "quest_score_f16", 5, 8, 3, sq, &k, err))) return st;
  lil_binding bq[5] = {q, {s->minmax, 0, 0}, table, count, qs};
  uint32_t pq[2] = {att->cap, s->h0};
  if ((st = lil_seq_dispatch(seq, k, bq, 5, 0x10, pq, sizeof(pq), div_up(att->cap, ql), s->nh, 1, "quest_score", err)))
    return st;
  if ((st = kernel(att, "page_topk", 8, 12, 2, stk, &k, err))) return st;
  lil_binding bt[8] = {qs,
                       table,
                       count,
                       raas ? dummy : region(att->sel, s->table, pages),
                       raas ? dummy : region(att->sel, s->count, s->nh),
                       ts,
                       vict,
                       step};
  uint32_t pt[3] = {att->cap, att->budget_pages, (uint32_t)raas};
  return lil_seq_dispatch(seq, k, bt, 8, raas ? 0x60 : 0x18, pt, sizeof(pt), 1, s->nh, 1, "page_topk", err);
}

lil_status lil_attention_record_decode(lil_attention *att, lil_seq *seq, uint32_t layer, lil_binding q, lil_binding k,
                                       lil_binding v, lil_binding out, lil_error *err) {
  return lil_attention_record_decode_qk(att, seq, layer, q, k, v, out, NULL, err);
}

lil_status lil_attention_record_decode_qk(lil_attention *att, lil_seq *seq, uint32_t layer, lil_binding q,
                                          lil_binding k, lil_binding v, lil_binding out, const lil_attention_qk *qk,
                                          lil_error *err) {
  const lil_attention_config *c = &att->cfg;
  if (layer >= c->n_layers) return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention decode: layer %u", layer);
  if (qk && (lil_ctx_max_bindings(att->ctx) < QK_BINDINGS || att->unfused_qk)) {
    /* the separate transform, then the plain append */
    lil_rope_params rq = qk_rope(att, qk, 0), rk = qk_rope(att, qk, 1);
    lil_status st = lil_op_qk_norm_rope(att->ctx, seq, q, k, qk->q_norm, qk->k_norm, qk->positions, qk->freq_factors,
                                        1, &rq, &rk, qk->eps, err);
    if (st) return st;
    qk = NULL;
  }
  int f32 = c->kv_type == LIL_KV_F32;
  lil_attn_policy_kind kind = c->policy.kind;
  int select = (kind == LIL_ATTN_QUEST && layer >= c->policy.dense_layers) || kind == LIL_ATTN_RAAS;
  int h2o = kind == LIL_ATTN_H2O, fm = att->fused_merge;
  uint32_t D = c->head_dim, G = att->G, NH = c->n_heads;
  /* quest's selected layers: fewer splits (att_sel_splits) */
  uint32_t S = select && kind == LIL_ATTN_QUEST ? att_sel_splits(att) : att->n_splits;
  decode_shape ds = get_decode_shape(att);
  /* auto splits: at least one block of R rows per row group in every split that works (fewer splits
   * at short contexts); splits set by the caller are used as given */
  uint32_t min_pages = min_split_pages(att);
  /* the q/k transform and the append in the decode kernel (attn_decode.comp QK_APPEND): lists
   * without a selection, scores or Quest metadata, enough bindings and shared memory for its rows
   * (the G query heads and K, their norms, the RoPE pairs: ~5 KiB at head_dim 128, GQA 8; beside
   * the kernel's own, under 16 KiB); $LIL_ATTN_QK=append keeps them in kv_append */
  uint64_t shm = lil_ctx_plan(att->ctx)->shared_memory ? lil_ctx_plan(att->ctx)->shared_memory : 16384;
  int fold = qk && !select && !h2o && !quest_meta(att) && !att->append_qk &&
             lil_ctx_max_bindings(att->ctx) >= DECODE_QK_BINDINGS &&
             ((uint64_t)(G + 1) * (D + 1) + D) * 4 + 16384 <= shm;
  qk_push qp = {0};
  char dname[32];
  snprintf(dname, sizeof(dname), "attn_decode_%s%s%s%s", f32 ? "f32" : "f16", ds.shuffle ? "_sg" : "", fm ? "_fm" : "",
           fold ? "_qk" : "");
  lil_status st = layer == 0 ? record_update(att, seq, err) : LIL_OK;
  if (!st && fold) st = make_qk_push(att, qk, 1, &qp, err);
  if (!st && !fold) st = record_append(att, seq, layer, k, v, 1, 0, qk, q, err);
  lil_kernel *kd, *kmerge = NULL, *kh = NULL;
  int cpu = lil_ctx_snapshot(att->ctx)->kind == LIL_DEVICE_CPU;
  uint32_t mwg = cpu ? 64 : 256;
  uint32_t sd[] = {ds.wg, D, G, ds.r, ds.lpr, ds.ns, ds.pf}, smg[] = {mwg}, sh[] = {128, G};
  uint32_t smt[] = {att->merge_wg, att->merge_qpw};
  uint32_t dpush = fold ? sizeof(decode_push) : offsetof(decode_push, qk);
  if (!st) st = kernel(att, dname, fold ? DECODE_QK_BINDINGS : 8, dpush, 7, sd, &kd, err);
  if (!st && !fm && att->tree_merge) st = kernel(att, "attn_merge_tree", 3, 16, 2, smt, &kmerge, err);
  if (!st && !fm && !att->tree_merge) st = kernel(att, "attn_merge", 3, 16, 1, smg, &kmerge, err);
  if (!st && h2o) st = kernel(att, "h2o_update", 8, 12, 2, sh, &kh, err);
  lil_binding dummy = {att->dummy, 0, 0};
  lil_binding lse = {att->part, att->part_lse * 4, (uint64_t)NH * 4};
  for (uint32_t si = layer * att->segs_per_layer; si < (layer + 1) * att->segs_per_layer && !st; si++) {
    kv_segment *s = &att->segs[si];
    uint64_t pages = (uint64_t)s->nh * att->cap, tc_words = s->count - s->table + s->nh;
    lil_binding tc = region(att->state, s->table, tc_words);
    if (select) {
      st = record_select(att, seq, s, q, err);
      if (kind == LIL_ATTN_QUEST) tc = region(att->sel, s->table, tc_words);
    }
    lil_binding mask = region(att->state, s->mask, pages);
    lil_binding scores = h2o ? (lil_binding){att->scratch, s->scratch * 4, pages * att->P * G * 4} : dummy;
    lil_binding bd[DECODE_QK_BINDINGS] = {q, {s->k, 0, 0}, {s->v, 0, 0}, tc, mask, {att->part, 0, 0}, scores,
                                          fm ? out : dummy};
    decode_push pd = {att->P,         att->cap, S, NH, s->h0, (uint32_t)att->part_ml, (uint32_t)h2o, 1.0f / sqrtf((float)D),
            min_pages, (uint32_t)(s->count - s->table), (uint32_t)att->part_lse, (uint32_t)att->part_arr, qp};
    uint32_t wm = 0x20 | (h2o ? 0x40 : 0) | (fm ? 0x80 : 0);
    if (fold) { /* raw K / V rows, append bases, norms, position, frequency factors; the pools written */
      lil_binding pos = qk->positions;
      bd[8] = k, bd[9] = v, bd[10] = region(att->state, s->base, s->nh);
      bd[11] = qk->q_norm ? *qk->q_norm : pos;
      bd[12] = qk->k_norm ? *qk->k_norm : pos;
      bd[13] = pos;
      bd[14] = qk->freq_factors ? *qk->freq_factors : pos;
      wm |= 0x6;
    }
    if (!st)
      st = lil_seq_dispatch(seq, kd, bd, fold ? DECODE_QK_BINDINGS : 8, wm, &pd, dpush, S, s->nh, 1, "attn_decode", err);
  }
  lil_binding bm[3] = {{att->part, 0, 0}, out, lse};
  uint32_t pm[4] = {D, S, NH, (uint32_t)att->part_ml};
  uint32_t mgy = att->tree_merge ? div_up(D / 4, att->merge_qpw) : div_up(D, 32);
  if (!st && !fm) st = lil_seq_dispatch(seq, kmerge, bm, 3, 0x6, pm, sizeof(pm), NH, mgy, 1, "attn_merge", err);
  for (uint32_t si = layer * att->segs_per_layer; h2o && si < (layer + 1) * att->segs_per_layer && !st; si++) {
    kv_segment *s = &att->segs[si];
    uint64_t pages = (uint64_t)s->nh * att->cap;
    lil_binding bh[8] = {{att->scratch, s->scratch * 4, pages * att->P * G * 4},
                         lse,
                         region(att->state, s->table, pages),
                         region(att->state, s->count, s->nh),
                         region(att->state, s->mask, pages),
                         region(att->state, s->emask, pages),
                         region(att->state, s->acc, pages * att->P),
                         region(att->victims, s->victim, s->nh)};
    uint32_t ph[3] = {att->P, att->cap, s->h0};
    st = lil_seq_dispatch(seq, kh, bh, 8, 0xc0, ph, sizeof(ph), 1, s->nh, 1, "h2o_update", err);
  }
  return st;
}

/* ---- step API ------------------------------------------------------------------------------ */

lil_status lil_attention_begin_prefill(lil_attention *att, uint32_t pos0, uint32_t n_tokens, lil_error *err) {
  if (att->in_prefill || att->in_step)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention: begin_prefill inside an open prefill/step");
  if (pos0 != att->len)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention: prefill at position %u, expected the length %u", pos0,
                         att->len);
  /* after earlier context: policies that keep every token at its position (the prefix variant of
   * the prefill reads logical slot = position); the evicting ones take their tokens step by step */
  lil_attn_policy_kind pk = att->cfg.policy.kind;
  if (pos0 > 0 && pk != LIL_ATTN_DENSE && pk != LIL_ATTN_QUEST)
    return lil_error_set(err, LIL_ERR_UNSUPPORTED,
                         "attention: %s prefill after earlier context (position %u) is not supported (decode steps "
                         "are)", lil_attn_policy_name(pk), pos0);
  if (n_tokens == 0 || n_tokens > att->cfg.max_prompt || (uint64_t)att->len + n_tokens > att->cfg.max_ctx)
    return lil_error_set(err, LIL_ERR_RANGE, "attention: prefill of %u tokens (max_prompt %u, max_ctx %u)", n_tokens,
                         att->cfg.max_prompt, att->cfg.max_ctx);
  lil_status st = att_book_prefill(att, n_tokens, err);
  if (!st) att->in_prefill = n_tokens;
  return st;
}

lil_status lil_attention_end_prefill(lil_attention *att, lil_error *err) {
  if (!att->in_prefill) return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention: end_prefill without begin_prefill");
  return att_book_end_prefill(att, err);
}

lil_status lil_attention_begin_step(lil_attention *att, uint32_t pos, lil_error *err) {
  if (att->in_prefill || att->in_step)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention: begin_step inside an open prefill/step");
  if (pos != att->len)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention: step at position %u, expected %u", pos, att->len);
  if (pos >= att->cfg.max_ctx)
    return lil_error_set(err, LIL_ERR_RANGE, "attention: position %u past max_ctx %u", pos, att->cfg.max_ctx);
  lil_status st = att_book_step(att, pos, err);
  if (!st) att->in_step = 1;
  return st;
}

lil_status lil_attention_end_step(lil_attention *att, lil_error *err) {
  if (!att->in_step) return lil_error_set(err, LIL_ERR_INVALID_ARG, "attention: end_step without begin_step");
  att->in_step = 0;
  return att_book_end_step(att, err);
}
