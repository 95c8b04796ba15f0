/* Attention for decoding: a paged KV cache, prefill and flash-decoding kernels, block-sparse decode
 * over per-(layer, KV head) page lists, and the policies dense | window | quest | h2o | raas.
 *
 * Use (one sequence of n_layers attention calls per step; see docs/attention.md):
 *
 *   lil_attention_create(ctx, &cfg, &att, &err);
 *   // prompt of n tokens at positions 0..n-1 (a prefill seq, recorded for this n):
 *   lil_attention_begin_prefill(att, 0, n, &err);
 *   for layer: ... q,k,v (after RoPE) ...; lil_attention_record_prefill(att, seq, layer, q, k, v, out, n, &err);
 *   lil_seq_run(seq); lil_attention_end_prefill(att, &err);
 *   // decode: the step's sequence is recorded once and replayed for every token
 *   for layer: lil_attention_record_decode(att, step_seq, layer, q, k, v, out, &err);
 *   for each token: lil_attention_begin_step(att, pos, &err); lil_seq_run(step_seq);
 *                   lil_attention_end_step(att, &err);
 *
 * q and out: F32 [n_heads * head_dim] per token (query head i = KV head i / (n_heads / n_kv_heads));
 * k and v: F32 [n_kv_heads * head_dim] per token, after RoPE. Scale 1/sqrt(head_dim).
 * The layer-0 call of each record function also records the kernel that applies the host's
 * per-step table updates, so layer 0 must be recorded first. */
#ifndef LIL_ATTENTION_H
#define LIL_ATTENTION_H

#include <stdint.h>

#include "lil_ops_basic.h"
#include "lil_vk.h"

typedef enum lil_attn_policy_kind {
  LIL_ATTN_DENSE,  /* every cached token */
  LIL_ATTN_WINDOW, /* StreamingLLM: first `sink` tokens + the most recent, `budget` in all; evicts */
  LIL_ATTN_QUEST,  /* top budget/P pages by the min/max bound (GPU), newest page always; keeps all */
  LIL_ATTN_H2O,    /* heavy hitters + `recent` tokens within `budget`; evicts per KV head */
  LIL_ATTN_RAAS,   /* page timestamps refreshed by Quest scores; evicts the oldest page; prompt kept */
} lil_attn_policy_kind;

typedef enum lil_kv_type { LIL_KV_F16, LIL_KV_F32 } lil_kv_type;

typedef struct lil_attn_policy {
  lil_attn_policy_kind kind;
  uint32_t budget;       /* tokens (default 2048) */
  uint32_t sink;         /* window: first tokens always kept (default 4) */
  uint32_t recent;       /* h2o: recent tokens always kept (0: budget / 2) */
  uint32_t dense_layers; /* quest: the first layers stay dense (default 2) */
} lil_attn_policy;

typedef struct lil_attention_config {
  uint32_t n_layers, n_heads, n_kv_heads, head_dim;
  uint32_t max_ctx;    /* longest sequence (positions) */
  uint32_t max_prompt; /* longest prefill in one call (0: max_ctx) */
  uint32_t page_size;  /* tokens per page, 1..32 (default 16) */
  lil_kv_type kv_type; /* default F16 */
  uint32_t n_splits;   /* decode splits per KV head (0: auto, about 256 workgroups per layer) */
  lil_attn_policy policy;
} lil_attention_config;

typedef struct lil_attention lil_attention;

/* Defaults: page 16, F16, dense, budget 2048, sink 4, recent 0 (budget/2), dense_layers 2. */
void lil_attention_config_default(lil_attention_config *c);
/* "dense" | "window" | "quest" | "h2o" | "raas". */
lil_status lil_attn_policy_parse(const char *name, lil_attn_policy_kind *out, lil_error *err);
const char *lil_attn_policy_name(lil_attn_policy_kind k);

lil_status lil_attention_create(lil_ctx *ctx, const lil_attention_config *cfg, lil_attention **out,
                                lil_error *err);
void lil_attention_free(lil_attention *att);

/* Prefill of n_tokens at positions pos0 .. pos0+n-1 (pos0 = the current length). begin_prefill does
 * the host bookkeeping (pages); record_prefill records, for one layer: append of the chunk's K/V to
 * the cache, the causal attention of the chunk (contiguous q/k/v: [n_tokens][...] F32) into out,
 * after the tokens already cached when pos0 > 0 (dense and quest only: the evicting policies take
 * later tokens through decode steps; LIL_ERR_UNSUPPORTED); end_prefill applies the policy's
 * post-prompt eviction. record_prefill reads the current length, so a recorded prefill serves one
 * pos0 (record it again for another). */
lil_status lil_attention_begin_prefill(lil_attention *att, uint32_t pos0, uint32_t n_tokens, lil_error *err);
lil_status lil_attention_record_prefill(lil_attention *att, lil_seq *seq, uint32_t layer, lil_binding q,
                                        lil_binding k, lil_binding v, lil_binding out, uint32_t n_tokens,
                                        lil_error *err);
lil_status lil_attention_end_prefill(lil_attention *att, lil_error *err);
/* Append only (no attention): rows 0..n_tokens-1 of k/v become tokens first..first+n_tokens-1 of
 * the open prefill; lets a long prompt's K/V be written in chunks (or attention be done elsewhere).
 * The layer-0 call with first = 0 records the update kernel, so record it first. */
lil_status lil_attention_record_append(lil_attention *att, lil_seq *seq, uint32_t layer, lil_binding k,
                                       lil_binding v, uint32_t n_tokens, uint32_t first, lil_error *err);

/* Decode. record_decode records, for one layer: append of this step's K/V row, the policy's page
 * selection (quest/raas scoring and top-k on the GPU), split-KV attention over the page lists, the
 * log-sum-exp merge into out, and (h2o) score accumulation + victim choice. Recorded once; every
 * per-step value is read from buffers that begin_step fills. */
lil_status lil_attention_record_decode(lil_attention *att, lil_seq *seq, uint32_t layer, lil_binding q,
                                       lil_binding k, lil_binding v, lil_binding out, lil_error *err);
/* The per-head q/k transform of a Llama / Qwen layer (RMSNorm of each head with an optional weight,
 * then RoPE), as lil_op_qk_norm_rope does it. Given to record_decode_qk, it is done by the decode's
 * append dispatch (one dispatch and one barrier less per layer): q is transformed in place (the
 * selection and the decode read it), k as it is stored; k's own buffer is left as it was. */
typedef struct lil_attention_qk {
  const lil_binding *q_norm, *k_norm; /* NULL: no norm on that side; else F32 [head_dim] */
  lil_binding positions;              /* uint32 [1]: the step's position */
  const lil_binding *freq_factors;    /* NULL or F32 [rot_dim / 2] (Llama 3 rope_freqs) */
  lil_rope_params rope;               /* mode, rot_dim, base, linear_factor; the heads, head_dim and
                                       * strides are the attention's own (the rest is ignored) */
  float eps;                          /* of the head norms */
} lil_attention_qk;

/* record_decode with q and k given before the transform qk (NULL: exactly record_decode). Where the
 * device cannot bind the fused append's 13 buffers it records lil_op_qk_norm_rope, then the same. */
lil_status lil_attention_record_decode_qk(lil_attention *att, lil_seq *seq, uint32_t layer, lil_binding q,
                                          lil_binding k, lil_binding v, lil_binding out, const lil_attention_qk *qk,
                                          lil_error *err);
/* Host bookkeeping before replaying the step for the token at pos (= current length): allocates or
 * reuses the slot of the new token, evicts (window, raas, h2o) and writes the table updates. */
lil_status lil_attention_begin_step(lil_attention *att, uint32_t pos, lil_error *err);
/* After the step ran: reads the GPU's eviction victims (h2o, raas: n_layers*n_kv_heads words). */
lil_status lil_attention_end_step(lil_attention *att, lil_error *err);

/* Tokens seen so far (the next position). */
uint32_t lil_attention_length(const lil_attention *att);
/* Bytes of KV pages in use (K + V, plus Quest min/max rows for quest and raas). */
uint64_t lil_attention_kv_bytes(const lil_attention *att);
/* Bytes of KV pool allocated on the device (the bound of kv_bytes). */
uint64_t lil_attention_kv_capacity_bytes(const lil_attention *att);
/* Cached (valid) tokens of (layer, KV head). */
uint32_t lil_attention_cached_tokens(const lil_attention *att, uint32_t layer, uint32_t kv_head);
/* Pages in the list of (layer, KV head). */
uint32_t lil_attention_cached_pages(const lil_attention *att, uint32_t layer, uint32_t kv_head);
/* The resolved configuration (defaults filled in). */
const lil_attention_config *lil_attention_get_config(const lil_attention *att);
/* Decode splits per KV head actually used. */
uint32_t lil_attention_splits(const lil_attention *att);
/* The kernel variants in use (selection, merge, splits), for benchmarks: e.g.
 * "select=fused,1024,64 merge=fused splits=128 decode=128,4,0 lpr=16". Chosen at creation; overrides:
 * $LIL_QUEST_SELECT = fused[,WG,PAGES_PER_WG] | split (quest_score + page_topk),
 * $LIL_ATTN_MERGE = fused | separate (attn_merge dispatch). */
const char *lil_attention_variant(const lil_attention *att);
/* Splits of the decode kernel that work on a page list of `pages` pages (the others only write an
 * empty partial): for byte counts. */
uint32_t lil_attention_active_splits(const lil_attention *att, uint32_t pages);

#endif
