/* Internal structures of lil_model / lil_session (lil_model_load.c, lil_model_forward.c,
 * lil_model_session.c). */
#ifndef LIL_MODEL_INTERNAL_H
#define LIL_MODEL_INTERNAL_H

#include "lil_model.h"
#include "lil_model_kernels.h"

typedef struct model_layer {
  lil_buffer *attn_norm, *ffn_norm, *q_norm, *k_norm; /* F32; q/k norms NULL when absent */
  lil_buffer *bq, *bk, *bv;                           /* F32; NULL when absent */
  mk_weight *wq, *wk, *wv, *wo, *gate, *up, *down;
} model_layer;

struct lil_model {
  lil_ctx *ctx;
  lil_gguf *gguf;
  lil_model_config *cfg;
  mk_weight *embd, *output; /* output == embd when tied */
  lil_buffer *out_norm, *rope_freqs;
  model_layer *layers;
  uint64_t weight_bytes;
  double upload_s;
};

/* Activations for up to n_tokens tokens at once. */
typedef struct model_acts {
  uint32_t n_tokens;
  lil_buffer *x, *xb, *q, *k, *v, *att, *g, *u, *logits;
} model_acts;

struct lil_session {
  lil_model *m;
  lil_session_options opt;
  uint32_t n_ctx, len, step, ring_size;
  lil_buffer **kcache, **vcache; /* per layer, [n_ctx][n_head_kv * head_dim] F32 */
  lil_buffer *params;            /* host-visible uint32: [0] first position, [1] step counter */
  lil_buffer *ids;               /* host-visible uint32 token ids of the run ([0] for a step) */
  lil_buffer *ring;              /* host-visible uint32 ring of chosen tokens */
  model_acts step_acts, prefill_acts;
  lil_seq *step_seq, *prefill_seq;
  uint32_t prefill_recorded; /* tokens the prefill sequence was recorded for (0: none) */
  uint32_t last_rows;        /* logits rows of the last run */
  int last_was_step;
};

/* Records the forward pass of n tokens (acts sized for >= n) ending in token selection;
 * all_logits: logits for every token, else only the last. */
lil_status model_record_forward(lil_session *s, lil_seq *seq, model_acts *a, uint32_t n, int all_logits,
                                lil_error *err);

#endif
