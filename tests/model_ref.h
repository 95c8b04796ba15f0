/* CPU reference forward pass of llama / qwen2 / qwen3 from a GGUF (through lil_model_config), in
 * float weights with double accumulation. One token at a time with a dense KV cache: the test
 * oracle for the GPU model. Follows the conventions documented in lil_model_config.h:
 *   x = embd[tok]
 *   per layer: h = rmsnorm(x) * attn_norm; q,k,v = Wq h (+bq), Wk h (+bk), Wv h (+bv);
 *              qwen3: q,k = per-head rmsnorm * q_norm/k_norm; rope(q, k) (llama normal, qwen neox);
 *              att = softmax(q.k / sqrt(head_dim)) over positions 0..pos (GQA: head h uses KV
 *              head h / (n_head / n_head_kv)); x += Wo att;
 *              h = rmsnorm(x) * ffn_norm; x += Wdown (silu(Wgate h) * Wup h)
 *   logits = Wout (rmsnorm(x) * output_norm) */
#ifndef LIL_TEST_MODEL_REF_H
#define LIL_TEST_MODEL_REF_H

#include <stdint.h>

#include "lil_model_config.h"
#include "lil_status.h"

typedef struct model_ref model_ref;

/* Dequantizes every weight to float (small models only). n_ctx: KV cache positions. */
lil_status model_ref_create(const lil_model_config *cfg, uint32_t n_ctx, model_ref **out, lil_error *err);
void model_ref_free(model_ref *m);
/* Runs token at position pos (positions must come in order 0, 1, 2, ...; pos 0 restarts).
 * Returns the logits [n_vocab], valid until the next call. */
const float *model_ref_forward(model_ref *m, int32_t token, uint32_t pos);
/* Index of the largest logit (first one on ties). */
int32_t model_ref_argmax(const float *logits, uint32_t n);

#endif
