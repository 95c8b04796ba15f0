/* A model on the GPU and a decoding session.
 *
 *   lil_model_load(ctx, "m.gguf", NULL, &model, &err);    // mmap, validate, upload every weight
 *   lil_session_create(model, &opts, &sess, &err);        // KV cache, activations, decode step
 *   lil_session_prefill(sess, ids, n, &next, &err);       // batched over the prompt
 *   while (...) lil_session_step(sess, next, &next, &err); // one replayed command buffer per token
 *
 * The decode step is recorded once: embed (token id read from a GPU buffer) -> per layer
 * {rmsnorm, q/k/v (+bias), (q/k norm), rope, paged attention (lil_attention: KV append, policy,
 * flash decoding), o-proj accumulated into the residual, rmsnorm, gate/up, swiglu, down
 * accumulated} -> final norm -> logits -> argmax or sampling into the step's ids buffer (read by the
 * next step's embedding) and a host-visible token ring. Per step the host writes the position and
 * step counter (host-visible params; the token id only when it is forced, i.e. differs from the
 * one the GPU chose), calls lil_attention_begin_step, replays, waits, lil_attention_end_step, and
 * reads 4 bytes from the ring.
 * The prompt runs as one batched pass at position 0 (matmul + prefill attention); tokens given to
 * a later lil_session_prefill run as one batched pass after the cached ones (dense, quest) or go
 * through decode steps (forced tokens; the evicting policies). */
#ifndef LIL_MODEL_H
#define LIL_MODEL_H

#include <stdint.h>

#include "lil_attention.h"
#include "lil_gguf.h"
#include "lil_model_config.h"
#include "lil_status.h"
#include "lil_vk.h"

typedef struct lil_model lil_model;
typedef struct lil_session lil_session;

typedef struct lil_model_options {
  int progress; /* 1: progress bar on stderr, 0: none, -1 (default): when stderr is a terminal */
} lil_model_options;

void lil_model_options_default(lil_model_options *o);
/* Opens (mmap) and validates the GGUF, checks that the weights fit in the device's memory (else
 * LIL_ERR_OUT_OF_MEMORY before any upload), uploads them. ctx must outlive the model. */
lil_status lil_model_load(lil_ctx *ctx, const char *path, const lil_model_options *o, lil_model **out,
                          lil_error *err);
void lil_model_free(lil_model *m);
const lil_model_config *lil_model_get_config(const lil_model *m);
const lil_gguf *lil_model_gguf(const lil_model *m);
lil_ctx *lil_model_ctx(const lil_model *m);
/* Bytes of weights on the device. */
uint64_t lil_model_weight_bytes(const lil_model *m);
/* Seconds spent uploading. */
double lil_model_upload_seconds(const lil_model *m);

typedef struct lil_sampling {
  float temp;     /* <= 0: greedy (argmax) */
  uint32_t top_k; /* 0: off */
  float top_p;    /* 1: off */
  float min_p;    /* 0: off */
  uint64_t seed;
} lil_sampling;

typedef struct lil_session_options {
  uint32_t n_ctx;      /* 0: min(n_ctx_train, 4096) */
  uint32_t max_prompt; /* longest prompt (one batched pass at position 0); 0: n_ctx */
  lil_sampling sampling;
  /* attention: policy (lil_session_options_default: lil_attention_config_default's dense, budget
   * 2048, sink 4, recent budget/2, dense_layers 2), page size (0: 16), KV type (default F16) */
  lil_attn_policy policy;
  uint32_t page_size;
  lil_kv_type kv_type;
  int keep_logits;        /* tests: keep every position's logits of a prefill (lil_session_logits) */
  int time_steps;         /* 1: the decode step's GPU time from its first to its last command, two
                           * timestamps per step (a context created with profile = 1;
                           * lil_session_step_gpu_ms), not per dispatch */
  int unfused_decode;     /* 1: the decode step records RMSNorm, SwiGLU and the q/k norm + RoPE as
                           * their own dispatches (default 0: fused into the next matvec and the KV
                           * append; docs/kernels-perf.md) */
  /* Progress of a prompt streamed through decode steps (h2o prompts of budget tokens or more,
   * continuations): called after each streamed token with the prompt tokens done and in all.
   * NULL: none. */
  void (*prompt_progress)(void *user, uint32_t done, uint32_t total);
  void *progress_user;
} lil_session_options;

void lil_session_options_default(lil_session_options *o);
lil_status lil_session_create(lil_model *m, const lil_session_options *o, lil_session **out, lil_error *err);
void lil_session_free(lil_session *s);

/* Runs n tokens at positions length .. length+n-1, then picks the next token from the last logits
 * (*next). At length 0 one batched pass (n <= max_prompt; h2o: the first budget - 1 tokens, the
 * rest streamed through decode steps). Later (a continuation): one batched pass over the cached
 * tokens for dense and quest when 2 <= n <= max_prompt, else one decode step per token.
 * LIL_ERR_RANGE when length + n > n_ctx. */
lil_status lil_session_prefill(lil_session *s, const int32_t *ids, uint32_t n, int32_t *next, lil_error *err);
/* Runs token tok at position length (one replay of the decode step) and picks *next. */
lil_status lil_session_step(lil_session *s, int32_t tok, int32_t *next, lil_error *err);
/* Forgets every token: a fresh KV cache (the decode step is recorded again). */
lil_status lil_session_reset(lil_session *s, lil_error *err);

uint32_t lil_session_length(const lil_session *s);
uint32_t lil_session_n_ctx(const lil_session *s);
/* Bytes of KV pages in use (lil_attention_kv_bytes) and allocated for the pool. */
uint64_t lil_session_kv_bytes(const lil_session *s);
uint64_t lil_session_kv_capacity_bytes(const lil_session *s);
const lil_attention *lil_session_attention(const lil_session *s);
/* Per-dispatch GPU times of the last decode step (ctx created with profile = 1), 0 otherwise. */
uint32_t lil_session_step_timings(const lil_session *s, const lil_seq_timing **out);
/* GPU time of the last decode step, first command to last (options.time_steps), in ms; 0 otherwise. */
double lil_session_step_gpu_ms(const lil_session *s);
/* Per-dispatch GPU times of the last batched prompt pass (ctx created with profile = 1), 0 otherwise. */
uint32_t lil_session_prefill_timings(const lil_session *s, const lil_seq_timing **out);
/* Dispatches (and copies) recorded in the decode step replayed per generated token, and the
 * barriers between them (the step runs as barriers + 1 dependent steps). */
uint32_t lil_session_step_dispatches(const lil_session *s);
uint32_t lil_session_step_barriers(const lil_session *s);
/* Logits of the last call: after lil_session_step one row, after a prefill with keep_logits the
 * rows of the last chunk (else its last row). rows receives the row count; out holds
 * rows * n_vocab floats (out NULL: only the count). Downloads (tests and tools only). */
lil_status lil_session_logits(lil_session *s, float *out, uint32_t *rows, lil_error *err);

#endif
