/* Internal structures of lil_model / lil_session (lil_model_load.c, lil_model_forward.c,
 * lil_model_session.c). */
#ifndef LIL_MODEL_INTERNAL_H
#define LIL_MODEL_INTERNAL_H

#include "lil_attention.h"
#include "lil_model.h"
#include "lil_weight.h"

typedef struct model_layer {
  lil_buffer *attn_norm, *ffn_norm, *q_norm, *k_norm; /* F32; q/k norms NULL when absent */
  lil_buffer *bq, *bk, *bv;                           /* F32; NULL when absent */
  lil_weight *wq, *wk, *wv, *wo, *gate, *up, *down;
  /* decode: Q/K/V and gate/up as one weight each (rows concatenated, each tensor from a multiple of
   * LIL_CONCAT_ROWS rows; wq..wv and gate/up are then views of them), or NULL (different types or
   * widths, too large for one part, $LIL_MATVEC_CONCAT=0) */
  lil_weight *wqkv, *wgu;
} model_layer;

/* Row alignment of the tensors in a concatenated weight: 256 rows = 1 KiB of F32 output, and
 * 256 * row_bytes is a multiple of 256 bytes for any row size. */
#define LIL_CONCAT_ROWS 256u
static inline uint64_t lil_concat_align(uint64_t rows) {
  return (rows + LIL_CONCAT_ROWS - 1) / LIL_CONCAT_ROWS * LIL_CONCAT_ROWS;
}

struct lil_model {
  lil_ctx *ctx;
  lil_gguf *gguf;
  lil_model_config *cfg;
  lil_weight *embd, *output; /* output == embd when tied */
  lil_buffer *out_norm, *rope_freqs;
  model_layer *layers;
  uint64_t weight_bytes;
  double upload_s;
};

/* Activations for up to n_tokens tokens at once. */
typedef struct model_acts {
  const lil_model *m; /* whose activations */
  uint32_t n_tokens, logit_rows;
  lil_buffer *x, *xb, *q, *k, *v, *att, *g, *u, *logits;
  /* q, k, v and gate, up as the forward pass binds them: whole buffers (prefill), or (decode)
   * ranges of one buffer each (qkv, gu: q at 0, k and v from multiples of LIL_CONCAT_ROWS floats,
   * up from n_ff rounded up likewise: the output layout of the concatenated weights) */
  lil_buffer *qkv, *gu;
  lil_binding qb, kb, vb, gb, ub;
  lil_buffer *last; /* prefill: the last token's row (x, then logits) */
  /* decode with plan.use_matvec_x8: x quantized to 8 bits for the integer-dot matvec (one
   * quantization shared by Q/K/V and by gate/up); xq_of: the activation it holds while recording */
  lil_buffer *xq;
  const lil_buffer *xq_of;
  /* decode with plan.use_matvec_x8 and matvec_x8_inline: the matvecs quantize x themselves
   * (lil_matvec_config.x8_inline; no xq scratch, the fused RMSNorm / SwiGLU kept) */
  int x8_inline;
  /* decode with the fused transforms: the gate / up matvec writes silu(gate) * up itself
   * (lil_matvec_config.glu_rows, where lil_matvec_glu_applies to the concatenated gate / up), the
   * down projection reads it as it is; 0 with $LIL_MATVEC_GLU=0 (SwiGLU fused into the down
   * projection's input instead) */
  int glu;
  /* decode, $LIL_X8_PREQUANT=1 (opt-in; 5-12% slower on the H100, docs/kernels-perf.md): Wo and down quantize the residual stream
   * for the next matvecs (lil_matvec_config.fin_xq: x * the next norm's weight, and 1 / rms(x)),
   * which read it with the integer-dot kernels (Q/K/V, gate / up pairs, the output): pq_attn / pq_ffn
   * the scratches, pq_cnt two 16-byte counters (attention input at 0, FFN input at 16) */
  lil_buffer *pq_attn, *pq_ffn, *pq_cnt;
  /* prefill on tensor cores: the matmul input converted to f16 once (one conversion shared by
   * Q/K/V and by gate/up); x16_of: the activation it holds while recording. NULL: f32 X read by
   * the matmul ($LIL_MATMUL_X16=0, or no cooperative matrices) */
  lil_buffer *x16;
  const lil_buffer *x16_of;
  /* x16_of's F32 contents were never written: its producer (RMSNorm, SwiGLU) wrote f16 straight
   * into x16 (lil_matmul_cfg.x16_only) */
  int x16_only;
  /* $LIL_PREFILL_MATMUL: the tensor-core design of every prefill matmul (a name from
   * lil_matmul_variant_name), NULL: lil_op_matmul_ex's choice */
  const char *mm_variant;
  /* prefill: RMSNorm and SwiGLU write the tensor-core matmuls' f16 X directly (default; 0 with
   * $LIL_X16_DIRECT=0) */
  int x16_direct;
  /* prefill on tensor cores of at least model_w16_min_tokens tokens: quantized weights decoded to
   * f16 into this scratch before each matmul (lil_matmul_cfg.w16); NULL: decoded inside the tiles.
   * w16_env: $LIL_PREFILL_W16 (-1 unset: the per-type defaults, 0 off, N: N tokens for every type).
   * Two halves of w16_half bytes: while one product reads a half, the next weight (the prefill's
   * order, model_prefill_next_weight) is decoded into the other (w16_pend, in half !w16_cur);
   * w16_cur: the half the last product read. w16_ahead: 0 with $LIL_PREFILL_W16_AHEAD=0 (each weight
   * decoded right before its product, as before session 14). */
  lil_buffer *w16;
  int64_t w16_env;
  int w16_ahead;
  uint64_t w16_half;
  const lil_weight *w16_pend;
  int w16_cur;
} model_acts;

/* The fewest prompt tokens for which a weight of this type is decoded to f16 before its prefill
 * matmul (w16_env as in model_acts; UINT32_MAX: never). */
uint32_t model_w16_min_tokens(int64_t w16_env, uint32_t type);
/* The weight whose product the prefill records after w's (q, k, v, o, gate, up, down, then the next
 * layer's q); NULL after the last layer's down or for a weight not in the layers. */
const lil_weight *model_prefill_next_weight(const lil_model *m, const lil_weight *w);

struct lil_session {
  lil_model *m;
  lil_session_options opt;
  uint32_t n_ctx, len, step, ring_size;
  lil_attention *att;
  lil_buffer *params;    /* host-visible uint32: [0] position of the step, [1] step counter */
  lil_buffer *step_ids;  /* host-visible uint32 [1]: the step's token (the GPU writes the next one) */
  lil_buffer *pf_ids;    /* host-visible uint32 [prompt]: prefill token ids */
  lil_buffer *pf_pos;    /* host-visible uint32 [prompt]: prefill positions 0..n-1 */
  lil_buffer *ring;      /* host-visible uint32: [0] count, [1 + step % ring_size] chosen tokens */
  lil_buffer *scratch;   /* argmax / sampling scratch */
  model_acts step_acts, prefill_acts;
  lil_seq *step_seq, *prefill_seq;
  uint32_t prefill_recorded; /* tokens the prefill sequence was recorded for (0: none) */
  uint32_t prefill_pos0;     /* ... and the position of its first token (the attention reads it) */
  uint32_t last_rows;        /* logits rows of the last run */
  int last_was_step;
  int32_t gpu_next;          /* the id the GPU left in step_ids (-1: unknown) */
};

/* Records the forward pass of n tokens (acts sized for >= n) ending in token selection into the
 * step's ids buffer and the ring. prefill: attention prefill over positions pf_pos, else one
 * decode token at position params[0]. all_logits: logits for every token, else only the last. */
lil_status model_record_forward(lil_session *s, lil_seq *seq, model_acts *a, uint32_t n, int prefill, int all_logits,
                                lil_error *err);

#endif
