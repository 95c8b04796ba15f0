/* Attention: paged KV cache, prefill and decode kernels and the sparse policies against the CPU
 * references (attn_ref.c) on random data, with the validation layer on. White-box: the host mirror
 * of the page lists (attn_internal.h) says which positions each (layer, KV head) holds.
 * Tolerances: outputs 2e-3 abs + 2e-3 rel (F32 accumulation in a different order; F16 K/V are
 * rounded identically on both sides), Quest scores 1e-4 rel, h2o scores 1e-4. Keys the GPU
 * transforms itself (record_decode_qk) are checked as stored and then adopted by the reference
 * (adopt_stored_keys), so the later checks compare the same keys. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attn_internal.h"
#include "attn_ref.h"
#include "lil_quant.h"
#include "test_common.h"
#include "test_ops_util.h"
#include "test_rope_ref.h"
#include "test_vk_common.h"

typedef struct scen {
  lil_attn_policy_kind kind;
  uint32_t L, NH, H, D, P, budget, sink, recent, dense_layers, prompt, steps, splits;
  lil_kv_type kvt;
  uint32_t check_every; /* 0: only the last step */
  uint32_t chunk;       /* > 0: the prompt goes in through record_append in chunks (no prefill attention) */
  uint32_t cont;        /* > 0: the prompt goes in as two prefills, the second of `cont` tokens after the rest */
  uint32_t qk;          /* > 0: decode steps give q/k before their norm + RoPE (record_decode_qk); bits of
                         * qk - 1: 0 NeoX layout, 1 head norms, 2 frequency factors, 3 rot_dim D/2 */
  uint32_t min_ctx;     /* > 0: at least this max_ctx (large pools: several segments per layer) */
} scen;

typedef struct run {
  const scen *sc;
  lil_ctx *ctx;
  lil_attention *att;
  uint32_t G, max_ctx, qs, ks; /* per-layer strides (floats) of the decode io buffers */
  lil_buffer *q, *k, *v, *out;
  lil_seq *step;
  float *K, *V;          /* [L][max_ctx][H][D] as cached (F16-rounded) */
  float *Q;              /* [L][NH][D] of the current step */
  double *acc;           /* h2o reference: [L][H][max_ctx] */
  uint64_t rng;
  float *last_out;       /* [L][NH][D] of the last step */
  lil_buffer *qn, *kn, *ff, *pos; /* qk: norm weights [D], frequency factors [D/2], the step's position */
  float *hqn, *hkn, *hff;
  lil_attention_qk qk;
  lil_binding qnb, knb, ffb;
} run;

static uint32_t up64(uint32_t x) { return (x + 63) / 64 * 64; }
static float *kslot(run *r, float *base, uint32_t l, uint32_t pos, uint32_t h) {
  const scen *s = r->sc;
  return base + (((uint64_t)l * r->max_ctx + pos) * s->H + h) * s->D;
}
static float cache_round(const scen *s, float x) { return s->kvt == LIL_KV_F16 ? attn_ref_f16(x) : x; }

static void fill_random(run *r, float *dst, uint32_t n, float amp) {
  for (uint32_t i = 0; i < n; i++) dst[i] = test_rand_uniform(&r->rng, -amp, amp);
}

static void check_close(const float *got, const float *want, uint32_t n, const char *what, uint32_t step, uint32_t l) {
  for (uint32_t i = 0; i < n; i++) {
    float tol = 2e-3f + 2e-3f * fabsf(want[i]);
    if (!(fabsf(got[i] - want[i]) <= tol)) ck_abort_msg( "%s step %u layer %u [%u]: got %g want %g", what, step, l, i,
                  (double)got[i], (double)want[i]);
  }
}

/* Reference output of (layer l, KV head h) over the given positions; also the per-position
 * probabilities summed over the group (h2o), if probs != NULL. */
static void ref_head(run *r, uint32_t l, uint32_t h, const uint32_t *pos, uint32_t n, const float *q, float *out,
                     double *probs) {
  const scen *s = r->sc;
  uint32_t D = s->D, G = r->G;
  float *keys = malloc((n + 1) * D * sizeof(float)), *vals = malloc((n + 1) * D * sizeof(float));
  float lse[64];
  for (uint32_t t = 0; t < n; t++) {
    memcpy(keys + t * D, kslot(r, r->K, l, pos[t], h), D * sizeof(float));
    memcpy(vals + t * D, kslot(r, r->V, l, pos[t], h), D * sizeof(float));
  }
  float scale = 1.0f / sqrtf((float)D);
  attn_ref_attend(q, keys, vals, n, G, D, scale, out, lse);
  if (probs)
    for (uint32_t t = 0; t < n; t++) {
      double p = 0;
      for (uint32_t g = 0; g < G; g++) {
        double d = 0;
        for (uint32_t i = 0; i < D; i++) d += (double)q[g * D + i] * keys[t * D + i];
        p += exp(d * scale - lse[g]);
      }
      probs[t] = p;
    }
  free(keys);
  free(vals);
}

/* One context per test case, shared by its runs (created by the first run_open, freed by the
 * checked teardown, which fails the test on any validation message seen in it): the attention
 * objects of one case mostly use the same kernels, and each new context made lavapipe build every
 * pipeline again (from Mesa's shader cache), most of this suite's time under the sanitizers. */
static lil_ctx *case_ctx;

static void case_ctx_free(void) {
  if (case_ctx) test_ctx_free(case_ctx);
  case_ctx = NULL;
}

static void run_open(run *r, const scen *s) {
  memset(r, 0, sizeof(*r));
  r->sc = s;
  r->rng = test_seed() ^ ((uint64_t)s->kind * 7919 + s->P * 131 + s->NH);
  r->G = s->NH / s->H;
  r->max_ctx = s->prompt + s->steps + 3;
  if (r->max_ctx < s->min_ctx) r->max_ctx = s->min_ctx;
  if (!case_ctx) case_ctx = test_ctx_create();
  r->ctx = case_ctx;
  lil_attention_config c;
  lil_attention_config_default(&c);
  c.n_layers = s->L, c.n_heads = s->NH, c.n_kv_heads = s->H, c.head_dim = s->D, c.max_ctx = r->max_ctx;
  c.max_prompt = s->prompt, c.page_size = s->P, c.kv_type = s->kvt, c.n_splits = s->splits;
  c.policy.kind = s->kind, c.policy.budget = s->budget, c.policy.sink = s->sink, c.policy.recent = s->recent;
  c.policy.dense_layers = s->dense_layers;
  lil_error err = {0};
  ck_assert_msg(!lil_attention_create(r->ctx, &c, &r->att, &err), "create: %s", err.msg);
  r->qs = up64(s->NH * s->D), r->ks = up64(s->H * s->D);
  r->q = test_buffer(r->ctx, LIL_MEM_ACTIVATIONS, (uint64_t)s->L * r->qs * 4);
  r->out = test_buffer(r->ctx, LIL_MEM_ACTIVATIONS, (uint64_t)s->L * r->qs * 4);
  r->k = test_buffer(r->ctx, LIL_MEM_ACTIVATIONS, (uint64_t)s->L * r->ks * 4);
  r->v = test_buffer(r->ctx, LIL_MEM_ACTIVATIONS, (uint64_t)s->L * r->ks * 4);
  uint64_t kv = (uint64_t)s->L * r->max_ctx * s->H * s->D;
  r->K = calloc(kv, sizeof(float));
  r->V = calloc(kv, sizeof(float));
  r->Q = calloc((uint64_t)s->L * s->NH * s->D, sizeof(float));
  r->acc = calloc((uint64_t)s->L * s->H * r->max_ctx, sizeof(double));
  r->last_out = calloc((uint64_t)s->L * r->qs, sizeof(float));
  ck_assert(!lil_seq_create(r->ctx, &r->step, &err));
  if (s->qk) {
    uint32_t bits = s->qk - 1;
    r->hqn = test_rand_floats(&r->rng, s->D, 0.5f, 1.5f), r->hkn = test_rand_floats(&r->rng, s->D, 0.5f, 1.5f);
    r->hff = test_rand_floats(&r->rng, s->D / 2, 1.0f, 8.0f);
    r->qn = test_floats_buffer(r->ctx, r->hqn, s->D), r->kn = test_floats_buffer(r->ctx, r->hkn, s->D);
    r->ff = test_floats_buffer(r->ctx, r->hff, s->D / 2);
    r->pos = test_buffer(r->ctx, LIL_MEM_ACTIVATIONS, 64);
    r->qnb = (lil_binding){r->qn, 0, 0}, r->knb = (lil_binding){r->kn, 0, 0}, r->ffb = (lil_binding){r->ff, 0, 0};
    r->qk = (lil_attention_qk){.q_norm = bits & 2 ? &r->qnb : NULL, .k_norm = bits & 2 ? &r->knb : NULL,
                               .positions = {r->pos, 0, 4}, .freq_factors = bits & 4 ? &r->ffb : NULL,
                               .rope = {.mode = bits & 1 ? LIL_ROPE_NEOX : LIL_ROPE_NORMAL,
                                        .rot_dim = bits & 8 ? s->D / 2 : 0, .base = 10000.0f,
                                        .linear_factor = bits & 1 ? 2.0f : 0.0f},
                               .eps = 1e-6f};
  }
  for (uint32_t l = 0; l < s->L; l++) {
    lil_binding q = {r->q, (uint64_t)l * r->qs * 4, s->NH * s->D * 4}, o = {r->out, (uint64_t)l * r->qs * 4, s->NH * s->D * 4};
    lil_binding k = {r->k, (uint64_t)l * r->ks * 4, s->H * s->D * 4}, v = {r->v, (uint64_t)l * r->ks * 4, s->H * s->D * 4};
    ck_assert_msg(!lil_attention_record_decode_qk(r->att, r->step, l, q, k, v, o, s->qk ? &r->qk : NULL, &err),
                  "record: %s", err.msg);
  }
}

/* The decode step's q/k transform on the CPU (s->qk): q [NH][D] and k [H][D] of one layer in place. */
static void qk_transform_ref(run *r, float *q, float *k, uint32_t pos) {
  const scen *s = r->sc;
  lil_rope_params p = r->qk.rope;
  p.n_heads = s->NH, p.head_dim = s->D, p.token_stride = s->NH * s->D;
  const float *ff = r->qk.freq_factors ? r->hff : NULL;
  float theta;
  double mag;
  qk_side_ref(q, r->qk.q_norm ? r->hqn : NULL, &pos, ff, 1, &p, r->qk.eps, &theta, &mag);
  p.n_heads = s->H, p.token_stride = s->H * s->D;
  qk_side_ref(k, r->qk.k_norm ? r->hkn : NULL, &pos, ff, 1, &p, r->qk.eps, &theta, &mag);
}

static void run_close(run *r) {
  lil_seq_free(r->step);
  lil_attention_free(r->att);
  lil_buffer_free(r->q), lil_buffer_free(r->k), lil_buffer_free(r->v), lil_buffer_free(r->out);
  lil_buffer_free(r->qn), lil_buffer_free(r->kn), lil_buffer_free(r->ff), lil_buffer_free(r->pos);
  free(r->K), free(r->V), free(r->Q), free(r->acc), free(r->last_out), free(r->hqn), free(r->hkn), free(r->hff);
}

/* Tokens pos0 .. pos0+n-1 of the prompt through the prefill path (pos0 > 0: after the cached
 * earlier part); checks the causal output of every row against the reference over positions
 * 0..its own. */
static void run_prefill_part(run *r, uint32_t pos0, uint32_t n) {
  const scen *s = r->sc;
  uint32_t D = s->D, NH = s->NH, H = s->H, G = r->G;
  lil_error err = {0};
  uint32_t qs = up64(n * NH * D), ks = up64(n * H * D);
  lil_buffer *q = test_buffer(r->ctx, LIL_MEM_ACTIVATIONS, (uint64_t)s->L * qs * 4);
  lil_buffer *o = test_buffer(r->ctx, LIL_MEM_ACTIVATIONS, (uint64_t)s->L * qs * 4);
  lil_buffer *k = test_buffer(r->ctx, LIL_MEM_ACTIVATIONS, (uint64_t)s->L * ks * 4);
  lil_buffer *v = test_buffer(r->ctx, LIL_MEM_ACTIVATIONS, (uint64_t)s->L * ks * 4);
  float *hq = calloc((uint64_t)s->L * qs, 4), *hk = calloc((uint64_t)s->L * ks, 4), *hv = calloc((uint64_t)s->L * ks, 4);
  float *ho = malloc((uint64_t)s->L * qs * 4);
  fill_random(r, hq, s->L * qs, 2.0f), fill_random(r, hk, s->L * ks, 1.0f), fill_random(r, hv, s->L * ks, 1.0f);
  test_upload(q, hq, (uint64_t)s->L * qs * 4), test_upload(k, hk, (uint64_t)s->L * ks * 4);
  test_upload(v, hv, (uint64_t)s->L * ks * 4);
  test_poison(o);
  lil_seq *seq;
  ck_assert(!lil_seq_create(r->ctx, &seq, &err));
  ck_assert_msg(!lil_attention_begin_prefill(r->att, pos0, n, &err), "begin_prefill: %s", err.msg);
  for (uint32_t l = 0; l < s->L; l++) {
    lil_binding bq = {q, (uint64_t)l * qs * 4, n * NH * D * 4}, bo = {o, (uint64_t)l * qs * 4, n * NH * D * 4};
    lil_binding bk = {k, (uint64_t)l * ks * 4, n * H * D * 4}, bv = {v, (uint64_t)l * ks * 4, n * H * D * 4};
    for (uint32_t f = 0; s->chunk && f < n; f += s->chunk) {
      uint32_t m = n - f < s->chunk ? n - f : s->chunk;
      uint64_t off = (uint64_t)l * ks * 4 + (uint64_t)f * H * D * 4;
      lil_binding ck = {k, off, m * H * D * 4}, cv = {v, off, m * H * D * 4};
      ck_assert_msg(!lil_attention_record_append(r->att, seq, l, ck, cv, m, f, &err), "record_append: %s", err.msg);
      ck_assert_uint_eq(pos0, 0); /* chunked appends: one prompt */
    }
    if (!s->chunk)
      ck_assert_msg(!lil_attention_record_prefill(r->att, seq, l, bq, bk, bv, bo, n, &err), "record_prefill: %s",
                    err.msg);
  }
  ck_assert_msg(!lil_seq_run(seq, &err), "prefill run: %s", err.msg);
  ck_assert_msg(!lil_attention_end_prefill(r->att, &err), "end_prefill: %s", err.msg);
  test_download(o, ho, (uint64_t)s->L * qs * 4);
  /* the prompt's K/V as cached, and the causal reference (F32 inputs, not rounded) */
  uint32_t *pos = malloc((pos0 + n) * sizeof(uint32_t));
  for (uint32_t i = 0; i < pos0 + n; i++) pos[i] = i;
  float *want = malloc(G * D * sizeof(float));
  for (uint32_t l = 0; l < s->L; l++) {
    for (uint32_t t = 0; t < n; t++)
      for (uint32_t h = 0; h < H; h++)
        for (uint32_t d = 0; d < D; d++) {
          *(kslot(r, r->K, l, pos0 + t, h) + d) = hk[l * ks + (t * H + h) * D + d];
          *(kslot(r, r->V, l, pos0 + t, h) + d) = hv[l * ks + (t * H + h) * D + d];
        }
    for (uint32_t t = 0; !s->chunk && t < n; t += (t < 3 || t + 3 >= n) ? 1 : 5)
      for (uint32_t h = 0; h < H; h++) {
        ref_head(r, l, h, pos, pos0 + t + 1, hq + l * qs + (t * NH + h * G) * D, want, NULL);
        check_close(ho + l * qs + (t * NH + h * G) * D, want, G * D, pos0 ? "prefill after context" : "prefill",
                    pos0 + t, l);
      }
    for (uint64_t i = 0; i < (uint64_t)n * H * D; i++) {
      float *kk = kslot(r, r->K, l, pos0, 0) + i, *vv = kslot(r, r->V, l, pos0, 0) + i;
      *kk = cache_round(s, *kk), *vv = cache_round(s, *vv);
    }
  }
  free(pos), free(want), free(hq), free(hk), free(hv), free(ho);
  lil_seq_free(seq);
  lil_buffer_free(q), lil_buffer_free(o), lil_buffer_free(k), lil_buffer_free(v);
}

static void run_prefill(run *r) {
  const scen *s = r->sc;
  if (!s->prompt) return;
  uint32_t first = s->cont && s->cont < s->prompt ? s->prompt - s->cont : s->prompt;
  run_prefill_part(r, 0, first);
  if (first < s->prompt) run_prefill_part(r, first, s->prompt - first);
}

static uint32_t *download_state(run *r) {
  lil_attention *a = r->att;
  uint32_t *st = malloc(a->state_words * 4);
  test_download(a->state, st, a->state_words * 4);
  return st;
}

/* Positions attended by (l, h): every cached token, or (quest, sparse layer) the tokens of the
 * pages the GPU selected; the selection itself is checked against the reference top-k of the
 * GPU's page scores, and the scores against the CPU bound. */
static uint32_t attended(run *r, uint32_t l, uint32_t h, uint32_t step, uint32_t *pos) {
  lil_attention *a = r->att;
  const scen *s = r->sc;
  uint32_t li = l * s->H + h, P = a->P;
  kv_list *kl = &a->lists[li];
  if (s->kind != LIL_ATTN_QUEST || l < s->dense_layers)
    return att_cached_positions(a, l, h, pos, r->max_ctx);
  kv_segment *sg = &a->segs[a->seg_of[li]];
  uint32_t hl = h - sg->h0, n = kl->n;
  uint32_t *sel = malloc(a->state_words * 4);
  float *qsc = malloc(a->state_words * 4);
  test_download(a->sel, sel, a->state_words * 4);
  test_download(a->qscore, qsc, a->state_words * 4);
  float *scores = qsc + sg->table + (uint64_t)hl * a->cap;
  /* scores vs the CPU bound over the cached (rounded) keys */
  for (uint32_t e = 0; e < n; e++) {
    uint32_t j = kl->page[e], D = s->D;
    float mn[512], mx[512];
    int any = 0;
    for (uint32_t sl = 0; sl < P; sl++) {
      if (!(kl->mask[j] & (1u << sl))) continue;
      const float *key = kslot(r, r->K, l, kl->first_pos[j] + sl, h);
      for (uint32_t d = 0; d < D; d++) {
        mn[d] = any ? fminf(mn[d], key[d]) : key[d];
        mx[d] = any ? fmaxf(mx[d], key[d]) : key[d];
      }
      any = 1;
    }
    float want = attn_ref_quest_score(r->Q + ((uint64_t)l * s->NH + h * r->G) * D, mn, mx, r->G, D);
    ck_assert_msg(fabsf(scores[e] - want) <= 1e-4f * (1 + fabsf(want)), "quest score step %u l %u h %u page %u: %g vs %g",
                  step, l, h, e, (double)scores[e], (double)want);
  }
  uint32_t *ref = malloc((n + 1) * sizeof(uint32_t));
  uint32_t k = attn_ref_topk(scores, n, a->budget_pages, ref);
  ck_assert_uint_eq(sel[sg->count + hl], k);
  uint32_t m = 0;
  for (uint32_t i = 0; i < k; i++) {
    uint32_t dp = sel[sg->table + (uint64_t)hl * a->cap + i];
    ck_assert_msg(dp == hl * a->cap + kl->page[ref[i]], "quest selection step %u l %u h %u #%u", step, l, h, i);
    uint32_t j = kl->page[ref[i]];
    for (uint32_t sl = 0; sl < P; sl++)
      if (kl->mask[j] & (1u << sl)) pos[m++] = kl->first_pos[j] + sl;
  }
  free(ref), free(sel), free(qsc);
  return m;
}

/* h2o: GPU accumulated scores vs the reference, and the GPU victim vs the reference choice. */
static void check_h2o(run *r, uint32_t l, uint32_t h, uint32_t step, const uint32_t *st) {
  lil_attention *a = r->att;
  const scen *s = r->sc;
  uint32_t li = l * s->H + h, P = a->P;
  kv_list *kl = &a->lists[li];
  kv_segment *sg = &a->segs[a->seg_of[li]];
  uint32_t hl = h - sg->h0, n = kl->n * P;
  float *acc = malloc(n * sizeof(float));
  uint8_t *ok = calloc(n, 1);
  for (uint32_t u = 0; u < n; u++) {
    uint32_t j = kl->page[u / P], bit = 1u << (u % P);
    union { uint32_t w; float f; } cv = {st[sg->acc + ((uint64_t)hl * a->cap + j) * P + u % P]};
    acc[u] = cv.f;
    if (!(kl->mask[j] & bit)) continue;
    ok[u] = (kl->emask[j] & bit) != 0;
    double want = r->acc[((uint64_t)l * s->H + h) * r->max_ctx + kl->slot_pos[j * P + u % P]];
    ck_assert_msg(fabs(acc[u] - want) <= 1e-4 * (1 + want), "h2o score step %u l %u h %u slot %u: %g vs %g", step, l, h,
                  u, (double)acc[u], want);
  }
  const uint32_t *vict = lil_buffer_host(a->victims);
  uint32_t want = attn_ref_h2o_victim(acc, ok, n);
  ck_assert_msg(vict[sg->victim + hl] == want, "h2o victim step %u l %u h %u: %u vs %u", step, l, h,
                vict[sg->victim + hl], want);
  free(acc), free(ok);
}

/* raas: the stamps of this step (top half by the GPU's Quest scores) and the victim. */
static void check_raas(run *r, uint32_t l, uint32_t h, uint32_t step, uint32_t pos, const uint32_t *st) {
  lil_attention *a = r->att;
  const scen *s = r->sc;
  uint32_t li = l * s->H + h;
  kv_list *kl = &a->lists[li];
  kv_segment *sg = &a->segs[a->seg_of[li]];
  uint32_t hl = h - sg->h0, n = kl->n;
  float *qsc = malloc(a->state_words * 4);
  test_download(a->qscore, qsc, a->state_words * 4);
  uint32_t *ref = malloc((n + 1) * sizeof(uint32_t));
  uint32_t k = attn_ref_topk(qsc + sg->table + (uint64_t)hl * a->cap, n, (n + 1) / 2, ref);
  uint8_t *top = calloc(n, 1);
  for (uint32_t i = 0; i < k; i++) top[ref[i]] = 1;
  uint32_t best = ATT_NONE, best_ts = ATT_NONE;
  for (uint32_t e = 0; e < n; e++) {
    uint32_t j = kl->page[e], ts = st[sg->ts + (uint64_t)hl * a->cap + j];
    int prot = kl->first_pos[j] < a->prompt_len;
    ck_assert_msg(prot ? ts == ATT_NONE : ts <= pos, "raas ts step %u", step);
    if (!prot && top[e]) ck_assert_msg(ts == pos, "raas stamp step %u l %u h %u entry %u: %u", step, l, h, e, ts);
    if (!prot && !top[e]) ck_assert_msg(ts < pos, "raas unselected page stamped");
    if (!prot && ts < best_ts) best_ts = ts, best = e;
  }
  const uint32_t *vict = lil_buffer_host(a->victims);
  ck_assert_msg(vict[sg->victim + hl] == best, "raas victim step %u l %u h %u: %u vs %u", step, l, h,
                vict[sg->victim + hl], best);
  free(qsc), free(ref), free(top);
}

static void check_bounds(run *r) {
  const scen *s = r->sc;
  lil_attention *a = r->att;
  for (uint32_t l = 0; l < s->L; l++)
    for (uint32_t h = 0; h < s->H; h++) {
      uint32_t t = lil_attention_cached_tokens(a, l, h), p = lil_attention_cached_pages(a, l, h);
      if (s->kind == LIL_ATTN_WINDOW || s->kind == LIL_ATTN_H2O) ck_assert_uint_le(t, s->budget);
      if (s->kind == LIL_ATTN_WINDOW) ck_assert_uint_le(p, (s->budget + s->P - 1) / s->P + 2);
      if (s->kind == LIL_ATTN_RAAS) ck_assert_uint_le(p, (s->prompt + s->P - 1) / s->P + a->budget_pages);
    }
  ck_assert_uint_le(lil_attention_kv_bytes(a), lil_attention_kv_capacity_bytes(a));
}

/* q/k transformed on the GPU (s->qk): the key of position p as the GPU stored it, per layer and KV
 * head, must be the reference's within 2e-3 abs + 2e-3 rel (as the outputs; a wrong position,
 * layout or norm is off by O(1)); it is then adopted by the reference. The two differ by rounding:
 * a float result that straddles an F16 rounding boundary is stored one F16 ulp (2^-11 relative)
 * away, which moved a Quest score by 2e-4 and an h2o score by 2.1e-4 relative (tolerances 1e-4). */
static void adopt_stored_keys(run *r, uint32_t p) {
  lil_attention *a = r->att;
  const scen *s = r->sc;
  uint32_t D = s->D, P = a->P, esize = s->kvt == LIL_KV_F16 ? 2 : 4;
  uint8_t *row = malloc((uint64_t)D * esize);
  for (uint32_t l = 0; l < s->L; l++)
    for (uint32_t h = 0; h < s->H; h++) {
      uint32_t li = l * s->H + h, j = ATT_NONE, slot = 0;
      const kv_list *kl = &a->lists[li];
      for (uint32_t e = 0; e < kl->n && j == ATT_NONE; e++) {
        uint32_t pj = kl->page[e];
        for (uint32_t sl = 0; sl < P && j == ATT_NONE; sl++)
          if ((kl->mask[pj] & (1u << sl)) && kv_slot_position(kl, P, pj, sl) == p)
            j = pj, slot = sl;
      }
      ck_assert_msg(j != ATT_NONE, "position %u not cached in layer %u head %u", p, l, h);
      const kv_segment *sg = &a->segs[a->seg_of[li]];
      uint64_t at = ((uint64_t)(h - sg->h0) * a->cap + j) * P + slot;
      lil_error err = {0};
      ck_assert_msg(!lil_buffer_download(sg->k, at * D * esize, row, (uint64_t)D * esize, &err), "download: %s", err.msg);
      float *ref = kslot(r, r->K, l, p, h);
      for (uint32_t d = 0; d < D; d++) {
        float got = esize == 2 ? lil_f16_to_f32(((const uint16_t *)row)[d]) : ((const float *)row)[d];
        ck_assert_msg(fabsf(got - ref[d]) <= 2e-3f + 2e-3f * fabsf(ref[d]), "stored key pos %u layer %u head %u [%u]: %g vs %g",
                      p, l, h, d, (double)got, (double)ref[d]);
        ref[d] = got;
      }
    }
  free(row);
}

/* Decode steps with checks; returns with the last step's outputs in r->last_out. */
static void run_steps(run *r) {
  const scen *s = r->sc;
  uint32_t D = s->D, NH = s->NH, H = s->H, G = r->G;
  lil_error err = {0};
  float *hq = calloc((uint64_t)s->L * r->qs, 4), *hk = calloc((uint64_t)s->L * r->ks, 4);
  float *hv = calloc((uint64_t)s->L * r->ks, 4);
  uint32_t *pos = malloc(r->max_ctx * sizeof(uint32_t));
  float *want = malloc(G * D * sizeof(float));
  double *probs = malloc(r->max_ctx * sizeof(double));
  for (uint32_t step = 0; step < s->steps; step++) {
    uint32_t p = lil_attention_length(r->att);
    fill_random(r, hq, s->L * r->qs, 2.0f), fill_random(r, hk, s->L * r->ks, 1.0f), fill_random(r, hv, s->L * r->ks, 1.0f);
    test_upload(r->q, hq, (uint64_t)s->L * r->qs * 4), test_upload(r->k, hk, (uint64_t)s->L * r->ks * 4);
    test_upload(r->v, hv, (uint64_t)s->L * r->ks * 4);
    if (s->qk) { /* the GPU gets q and k as drawn; the reference attends with them transformed */
      test_upload(r->pos, &p, 4);
      for (uint32_t l = 0; l < s->L; l++) qk_transform_ref(r, hq + l * r->qs, hk + l * r->ks, p);
    }
    for (uint32_t l = 0; l < s->L; l++) {
      memcpy(r->Q + (uint64_t)l * NH * D, hq + l * r->qs, NH * D * 4);
      for (uint32_t h = 0; h < H; h++)
        for (uint32_t d = 0; d < D; d++) {
          kslot(r, r->K, l, p, h)[d] = cache_round(s, hk[l * r->ks + h * D + d]);
          kslot(r, r->V, l, p, h)[d] = cache_round(s, hv[l * r->ks + h * D + d]);
        }
    }
    test_poison(r->out);
    ck_assert_msg(!lil_attention_begin_step(r->att, p, &err), "begin_step %u: %s", step, err.msg);
    ck_assert_msg(!lil_seq_run(r->step, &err), "step run: %s", err.msg);
    if (s->qk) adopt_stored_keys(r, p);
    int check = (s->check_every && step % s->check_every == 0) || step + 1 == s->steps;
    int need_acc = s->kind == LIL_ATTN_H2O;
    if (check || need_acc) {
      test_download(r->out, r->last_out, (uint64_t)s->L * r->qs * 4);
      uint32_t *st = check ? download_state(r) : NULL;
      for (uint32_t l = 0; l < s->L; l++)
        for (uint32_t h = 0; h < H; h++) {
          uint32_t n = attended(r, l, h, step, pos);
          if (!check && need_acc) n = att_cached_positions(r->att, l, h, pos, r->max_ctx);
          ref_head(r, l, h, pos, n, r->Q + ((uint64_t)l * NH + h * G) * D, want, need_acc ? probs : NULL);
          if (need_acc)
            for (uint32_t t = 0; t < n; t++) r->acc[((uint64_t)l * H + h) * r->max_ctx + pos[t]] += probs[t];
          if (!check) continue;
          check_close(r->last_out + (uint64_t)l * r->qs + h * G * D, want, G * D, "decode", step, l);
          if (s->kind == LIL_ATTN_H2O) check_h2o(r, l, h, step, st);
          if (s->kind == LIL_ATTN_RAAS) check_raas(r, l, h, step, p, st);
        }
      free(st);
    }
    ck_assert_msg(!lil_attention_end_step(r->att, &err), "end_step: %s", err.msg);
    check_bounds(r);
  }
  free(hq), free(hk), free(hv), free(pos), free(want), free(probs);
}

static void run_scenario(const scen *s, float *out_copy) {
  run r;
  run_open(&r, s);
  run_prefill(&r);
  run_steps(&r);
  if (out_copy) memcpy(out_copy, r.last_out, (uint64_t)s->L * r.qs * 4);
  run_close(&r);
}

static scen base(lil_attn_policy_kind k, uint32_t NH, uint32_t H, uint32_t P) {
  scen s = {.kind = k, .L = 2, .NH = NH, .H = H, .D = 16, .P = P, .budget = 24, .sink = 3, .recent = 6,
            .dense_layers = 1, .prompt = 13, .steps = 30, .splits = 0, .kvt = LIL_KV_F16, .check_every = 1};
  return s;
}

START_TEST(test_dense) {
  scen a = base(LIL_ATTN_DENSE, 4, 2, 4);
  run_scenario(&a, NULL);
  scen b = base(LIL_ATTN_DENSE, 4, 1, 16); /* GQA 4 */
  b.kvt = LIL_KV_F32, b.D = 8, b.splits = 3;
  run_scenario(&b, NULL);
  /* $LIL_ATTN_SPLITS sets the splits where the config leaves them to the runtime (a: 0), not where it
   * names them (b: 3); the decode still matches the CPU reference with 2 splits */
  setenv("LIL_ATTN_SPLITS", "2", 1);
  run r;
  run_open(&r, &a);
  ck_assert_msg(strstr(lil_attention_variant(r.att), "splits=2 "), "variant %s", lil_attention_variant(r.att));
  run_prefill(&r);
  run_steps(&r);
  run_close(&r);
  run_open(&r, &b);
  ck_assert_msg(strstr(lil_attention_variant(r.att), "splits=3 "), "variant %s", lil_attention_variant(r.att));
  run_close(&r);
  unsetenv("LIL_ATTN_SPLITS");
}
END_TEST

/* Head sizes of real models and odd ones: several lanes per row (subgroup shuffles), several
 * chunks per lane, and chunk counts that are not a power of two (one lane per row). */
START_TEST(test_head_dims) {
  scen a = base(LIL_ATTN_DENSE, 4, 2, 16);
  a.D = 128, a.L = 1, a.prompt = 40, a.steps = 4;
  run_scenario(&a, NULL);
  scen b = base(LIL_ATTN_QUEST, 4, 1, 8); /* F32, 16 chunks of 4 per row */
  b.D = 64, b.kvt = LIL_KV_F32, b.budget = 16, b.prompt = 45, b.steps = 4, b.splits = 5;
  run_scenario(&b, NULL);
  scen c = base(LIL_ATTN_H2O, 6, 2, 4); /* 3 chunks per row, GQA 3 */
  c.D = 24, c.budget = 20, c.recent = 5, c.steps = 12;
  run_scenario(&c, NULL);
  /* GQA 4 at D = 128 with 1024 splits: the fused merge with more output quads than threads and
   * more working splits (301) than one round of its weights (256) */
  scen d = base(LIL_ATTN_DENSE, 8, 2, 4);
  d.D = 128, d.L = 1, d.prompt = 1200, d.chunk = 400, d.steps = 2, d.splits = 1024;
  run_scenario(&d, NULL);
  /* 101 working splits of a small head: several thread slices over the splits, each over 8 */
  scen e = base(LIL_ATTN_DENSE, 2, 1, 4);
  e.L = 1, e.prompt = 400, e.chunk = 200, e.steps = 2, e.splits = 101;
  run_scenario(&e, NULL);
  /* the same two with the merge folded into the last split (LIL_ATTN_MERGE=fused; the default is
   * the separate merge dispatch), and a quest head with it */
  setenv("LIL_ATTN_MERGE", "fused", 1);
  run_scenario(&d, NULL);
  run_scenario(&e, NULL);
  run_scenario(&b, NULL);
  /* the previous merge dispatch (attn_merge.comp; the default is attn_merge_tree) and tree shapes:
   * one output quad per workgroup (32 slices) and more quads per workgroup than the head has. The
   * default shape on lavapipe (64 threads, 8 quads: 8 slices) takes 2 batches of 8 splits per
   * thread at 101 splits, 16 at 1024 (d above) */
  const char *merges[] = {"separate", "tree,32,1", "tree,64,32"};
  for (int i = 0; i < 3; i++) {
    setenv("LIL_ATTN_MERGE", merges[i], 1);
    if (i == 0) run_scenario(&d, NULL);
    run_scenario(&e, NULL);
    run_scenario(&b, NULL);
  }
  unsetenv("LIL_ATTN_MERGE");
  /* decode shapes other than the default (LIL_ATTN_DECODE: workgroup, rows, prefetch) */
  const char *shapes[] = {"64,2,0", "128,4,1", "128,4,0"}; /* prefetch on and off whatever the default */
  for (int i = 0; i < 3; i++) {
    setenv("LIL_ATTN_DECODE", shapes[i], 1);
    run_scenario(&a, NULL);
    run_scenario(&b, NULL);
  }
  unsetenv("LIL_ATTN_DECODE");
}
END_TEST

START_TEST(test_window) {
  scen a = base(LIL_ATTN_WINDOW, 2, 2, 4); /* GQA 1 */
  run_scenario(&a, NULL);
  scen b = base(LIL_ATTN_WINDOW, 4, 2, 16);
  b.budget = 20, b.sink = 4;
  run_scenario(&b, NULL);
}
END_TEST

START_TEST(test_quest) {
  scen a = base(LIL_ATTN_QUEST, 4, 2, 4);
  a.budget = 12;
  run_scenario(&a, NULL);
  scen b = base(LIL_ATTN_QUEST, 8, 2, 16); /* GQA 4 */
  b.budget = 16, b.prompt = 37, b.steps = 20;
  run_scenario(&b, NULL);
  /* min/max in its own kernel (kv_minmax; the default folds it into kv_append), and the selected
   * layers' splits: as the dense layers (0) or a fixed count (the default: what budget/P pages use) */
  setenv("LIL_KV_MINMAX", "separate", 1);
  setenv("LIL_ATTN_SEL_SPLITS", "0", 1);
  run_scenario(&a, NULL);
  unsetenv("LIL_KV_MINMAX");
  setenv("LIL_ATTN_SEL_SPLITS", "2", 1);
  run_scenario(&b, NULL);
  unsetenv("LIL_ATTN_SEL_SPLITS");
}
END_TEST

START_TEST(test_h2o) {
  scen a = base(LIL_ATTN_H2O, 4, 2, 4);
  a.budget = 20, a.recent = 5;
  run_scenario(&a, NULL);
  scen b = base(LIL_ATTN_H2O, 2, 2, 16);
  b.budget = 18, b.recent = 4, b.prompt = 9;
  run_scenario(&b, NULL);
}
END_TEST

START_TEST(test_raas) {
  scen a = base(LIL_ATTN_RAAS, 4, 2, 4);
  a.budget = 12;
  run_scenario(&a, NULL);
  scen b = base(LIL_ATTN_RAAS, 8, 2, 16);
  b.budget = 16, b.steps = 40;
  run_scenario(&b, NULL);
}
END_TEST

/* A prompt in two prefills (the second attends to the cached first part, then to itself), then
 * decode steps over both: dense and quest, F16 and F32 caches, GQA 1 / 2 / 4, page sizes 4 / 16,
 * parts that end inside a page. The evicting policies refuse a prefill after context. */
START_TEST(test_prefill_after_context) {
  scen a = base(LIL_ATTN_DENSE, 4, 2, 4);
  a.prompt = 29, a.cont = 10, a.steps = 8;
  run_scenario(&a, NULL);
  scen b = base(LIL_ATTN_DENSE, 4, 1, 16); /* GQA 4, F32, the first part ends inside a page */
  b.kvt = LIL_KV_F32, b.D = 8, b.prompt = 45, b.cont = 22, b.steps = 6;
  run_scenario(&b, NULL);
  scen c = base(LIL_ATTN_QUEST, 8, 8, 4); /* GQA 1 */
  c.budget = 12, c.prompt = 33, c.cont = 31, c.steps = 10;
  run_scenario(&c, NULL);
  /* the evicting policies refuse it; every policy refuses a position other than the length (8) */
  lil_attn_policy_kind kinds[] = {LIL_ATTN_WINDOW, LIL_ATTN_H2O, LIL_ATTN_RAAS, LIL_ATTN_DENSE};
  for (int i = 0; i < 4; i++) {
    scen e = base(kinds[i], 4, 2, 4);
    e.prompt = 8, e.steps = 2;
    run r;
    run_open(&r, &e);
    run_prefill(&r);
    lil_error err = {0};
    if (kinds[i] != LIL_ATTN_DENSE) {
      ck_assert_int_eq(lil_attention_begin_prefill(r.att, 8, 4, &err), LIL_ERR_UNSUPPORTED);
      ck_assert_ptr_nonnull(strstr(err.msg, "after earlier context"));
    }
    ck_assert_int_eq(lil_attention_begin_prefill(r.att, 5, 2, &err), LIL_ERR_INVALID_ARG);
    ck_assert_int_eq(lil_attention_begin_prefill(r.att, 9, 2, &err), LIL_ERR_INVALID_ARG);
    run_close(&r);
  }
}
END_TEST

/* The prompt written through chunked appends (no prefill attention), then decode. */
START_TEST(test_chunked_append) {
  scen a = base(LIL_ATTN_QUEST, 4, 2, 4);
  a.budget = 12, a.prompt = 23, a.chunk = 8, a.steps = 10;
  run_scenario(&a, NULL);
  scen b = base(LIL_ATTN_DENSE, 2, 2, 16);
  b.prompt = 37, b.chunk = 16, b.steps = 5;
  run_scenario(&b, NULL);
}
END_TEST

/* A policy whose budget covers the whole context gives dense's result. */
START_TEST(test_same_as_dense) {
  scen d = base(LIL_ATTN_DENSE, 4, 2, 4);
  d.steps = 12, d.check_every = 0, d.splits = 2, d.dense_layers = 0;
  uint32_t n = d.L * up64(d.NH * d.D);
  float *want = malloc(n * 4), *got = malloc(n * 4);
  uint64_t seed = test_seed();
  lil_attn_policy_kind kinds[] = {LIL_ATTN_DENSE, LIL_ATTN_WINDOW, LIL_ATTN_QUEST, LIL_ATTN_H2O, LIL_ATTN_RAAS};
  for (int i = 0; i < 5; i++) {
    scen s = d;
    s.kind = kinds[i], s.budget = 64, s.recent = 8;
    run r;
    run_open(&r, &s);
    r.rng = seed; /* the same inputs for every policy */
    run_prefill(&r);
    run_steps(&r);
    memcpy(i ? got : want, r.last_out, n * 4);
    run_close(&r);
    for (uint32_t j = 0; i && j < n; j++)
      ck_assert_msg(fabsf(got[j] - want[j]) <= 1e-6f, "%s differs from dense at %u: %g vs %g",
                    lil_attn_policy_name(kinds[i]), j, (double)got[j], (double)want[j]);
  }
  free(want), free(got);
}
END_TEST

/* Several hundred real GPU steps of the evicting policies with a tiny head: memory stays bounded,
 * outputs checked every 25 steps. */
/* The decode step's q/k norm + RoPE done by the decode kernel (dense, window: attn_decode.comp
 * QK_APPEND, which also appends K / V) or by the KV append (the other policies) (record_decode_qk):
 * the GPU gets q and k as the projections give them, the reference attends with them transformed on
 * the CPU. Every layout / norm / frequency-factor / partial-rotation combination on dense, the
 * minmax append of quest and raas, the evicting policies, F32, GQA 1..4, head_dim 128; the separate
 * transform ($LIL_ATTN_QK=separate: qk_norm_rope, then the plain append) and the append's
 * ($LIL_ATTN_QK=append) on dense; the decode kernel's with the fused merge. */
START_TEST(test_qk_fused) {
  for (uint32_t bits = 0; bits < 16; bits++) {
    scen a = base(LIL_ATTN_DENSE, 4, 2, 4);
    a.qk = bits + 1, a.steps = 6, a.check_every = 2, a.kvt = bits & 1 ? LIL_KV_F32 : LIL_KV_F16;
    run_scenario(&a, NULL);
  }
  lil_attn_policy_kind kinds[] = {LIL_ATTN_QUEST, LIL_ATTN_RAAS, LIL_ATTN_WINDOW, LIL_ATTN_H2O};
  for (uint32_t i = 0; i < 4; i++) {
    scen b = base(kinds[i], 8, 2, 4); /* GQA 4 */
    b.qk = 1 + 2 + 4, b.budget = 12 + 4 * (kinds[i] == LIL_ATTN_H2O), b.steps = 20;
    run_scenario(&b, NULL);
  }
  scen c = base(LIL_ATTN_DENSE, 2, 2, 16); /* GQA 1, a real head size */
  c.qk = 1 + 2 + 1, c.D = 128, c.L = 1, c.prompt = 20, c.steps = 3;
  run_scenario(&c, NULL);
  /* a layer's pool over the device's binding limit: several segments per layer, the Q heads
   * transformed by the first segment's append only (lavapipe binds at most 128 MiB) */
  scen m = base(LIL_ATTN_DENSE, 4, 2, 16);
  m.qk = 1 + 2, m.D = 128, m.L = 1, m.kvt = LIL_KV_F32, m.prompt = 20, m.steps = 3, m.min_ctx = 140000;
  run rm;
  run_open(&rm, &m);
  if (lil_ctx_plan(rm.ctx)->max_binding < (uint64_t)m.min_ctx * m.D * 4 * m.H) { /* K of the layer's heads */
    ck_assert_uint_ge(rm.att->segs_per_layer, 2);
    run_prefill(&rm);
    run_steps(&rm);
  }
  run_close(&rm);
  setenv("LIL_ATTN_QK", "separate", 1);
  scen d = base(LIL_ATTN_QUEST, 4, 2, 4);
  d.qk = 1 + 2 + 8, d.budget = 12, d.steps = 10;
  run_scenario(&d, NULL);
  /* the transform in the KV append, not in the dense decode kernel ($LIL_ATTN_QK=append) */
  setenv("LIL_ATTN_QK", "append", 1);
  scen e = base(LIL_ATTN_DENSE, 8, 2, 4);
  e.qk = 1 + 2 + 4 + 8, e.steps = 6, e.check_every = 2;
  run_scenario(&e, NULL);
  unsetenv("LIL_ATTN_QK");
  /* the transform in the decode kernel with the merge folded in too (LIL_ATTN_MERGE=fused) */
  setenv("LIL_ATTN_MERGE", "fused", 1);
  run_scenario(&e, NULL);
  scen f = base(LIL_ATTN_DENSE, 8, 2, 4);
  f.qk = 1 + 4, f.kvt = LIL_KV_F32, f.D = 128, f.L = 1, f.prompt = 300, f.steps = 3, f.splits = 37;
  run_scenario(&f, NULL);
  unsetenv("LIL_ATTN_MERGE");
}
END_TEST

START_TEST(test_long_eviction) {
  lil_attn_policy_kind kinds[] = {LIL_ATTN_WINDOW, LIL_ATTN_H2O, LIL_ATTN_RAAS};
  for (int i = 0; i < 3; i++) {
    scen s = base(kinds[i], 2, 1, 4);
    s.D = 8, s.L = 1, s.steps = 240, s.budget = 16, s.recent = 4, s.check_every = 25, s.prompt = 5;
    run_scenario(&s, NULL);
  }
}
END_TEST

/* The causal prefill over several key tiles and query blocks (tensor-core kernel where the device
 * has NV cooperative matrices and subgroups of 32: 16-token blocks, 4 or 8 per workgroup, keys
 * staged 32 or 64 at a time ($LIL_ATTN_PREFILL=w4k32 / w4k64 / w8k32; default w8k64crp at head_dim
 * 128, else w8k32crp), from the F32
 * inputs or (suffix c) the f16 paged cache, the softmax in registers (r), the next tile prefetched into
 * registers (p); else the scalar kernel), and the scalar kernel at the
 * same shapes ($LIL_ATTN_PREFILL=scalar). Prompts are no multiple of the tiles; GQA 1 / 2 / 3 / 4. */
static void run_prefill_path(const scen *s, const char *path) {
  if (path) setenv("LIL_ATTN_PREFILL", path, 1);
  run r;
  run_open(&r, s);
  const lil_device_plan *plan = lil_ctx_plan(r.ctx);
  const lil_device_snapshot *snap = lil_ctx_snapshot(r.ctx);
  int cm_possible = lil_plan_coopmat(plan) && (snap->subgroup_ops & 0x10u);
  int scalar = path && !strcmp(path, "scalar");
  const char *v = lil_attention_variant(r.att);
  char want[32];
  snprintf(want, sizeof(want), "prefill=cm,%s", path && !scalar ? path : s->D == 128 ? "w8k64crp" : "w8k32crp");
  /* K / V from the cache only for F16 caches of policies that keep every token */
  char *c = strchr(want + 10, 'c');
  if (c && (s->kvt != LIL_KV_F16 || (s->kind != LIL_ATTN_DENSE && s->kind != LIL_ATTN_QUEST)))
    memmove(c, c + 1, strlen(c));
  /* the KHR path has no softmax in registers: r dropped, w8k64 (compiled with r only) as w8k32 */
  char *fl = strchr(want + 10, 'r');
  if (plan->use_coopmat_khr && fl) {
    memmove(fl, fl + 1, strlen(fl));
    char *w = strstr(want, "w8k64");
    if (w) w[3] = '3', w[4] = '2';
  }
  int cm = strstr(v, "prefill=cm") != NULL;
  ck_assert_msg(cm == (cm_possible && !scalar), "prefill path %s (cooperative matrices %s, asked %s)", v,
                cm_possible ? "available" : "absent", path ? path : "default");
  ck_assert_msg(!cm || strstr(v, want), "prefill variant %s, asked %s", v, want);
  /* a tensor-core shape other than the default: only where it runs (else the default run's twin) */
  if (cm || !path || scalar) {
    run_prefill(&r);
    run_steps(&r);
  }
  run_close(&r);
  unsetenv("LIL_ATTN_PREFILL");
}

START_TEST(test_prefill_tiles) {
  scen a = base(LIL_ATTN_DENSE, 4, 2, 16);
  a.D = 128, a.L = 1, a.prompt = 150, a.steps = 2;
  scen b = base(LIL_ATTN_DENSE, 8, 2, 16);
  b.D = 64, b.prompt = 97, b.steps = 2;
  scen c = base(LIL_ATTN_DENSE, 2, 2, 16);
  c.D = 128, c.L = 1, c.prompt = 70, c.steps = 1, c.kvt = LIL_KV_F32;
  scen d = base(LIL_ATTN_QUEST, 6, 2, 8);
  d.D = 64, d.L = 1, d.prompt = 53, d.steps = 3;
  const scen *all[] = {&a, &b, &c, &d};
  const char *paths[] = {NULL,     "scalar", "w4k32",   "w4k64",  "w8k32",   "w4k32c",  "w8k32c",   "w4k32p",
                         "w4k64p", "w8k32cp", "w4k32r", "w8k32rp", "w4k32cr", "w4k32rp", "w8k32crp",
                         "w8k64r", "w8k64crp"};
  const int n_paths = (int)(sizeof(paths) / sizeof(paths[0]));
  for (int i = 0; i < 4; i++)
    for (int p = 0; p < n_paths; p++) run_prefill_path(all[i], paths[p]);
}
END_TEST

Suite *attention_suite(void) {
  Suite *s = suite_create("attention");
  TCase *t = tcase_create("gpu");
  tcase_set_timeout(t, 300);
  tcase_add_checked_fixture(t, NULL, case_ctx_free);
  tcase_add_test(t, test_dense);
  tcase_add_test(t, test_head_dims);
  tcase_add_test(t, test_window);
  tcase_add_test(t, test_quest);
  tcase_add_test(t, test_h2o);
  tcase_add_test(t, test_raas);
  tcase_add_test(t, test_same_as_dense);
  tcase_add_test(t, test_chunked_append);
  tcase_add_test(t, test_prefill_after_context);
  tcase_add_test(t, test_prefill_tiles);
  tcase_add_test(t, test_qk_fused);
  tcase_add_test(t, test_long_eviction);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return test_run_suite(attention_suite());
}
