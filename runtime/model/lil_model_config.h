/* Model description: hyperparameters and per-layer weight tensors of a decoder-only transformer
 * (llama, qwen2, qwen3), read from an open GGUF and validated before anything is uploaded.
 *
 * Facts the kernels rely on (checked against llama.cpp's llama-arch tensor table and its
 * convert_hf_to_gguf.py):
 * - Tensor names: token_embd.weight, output_norm.weight, output.weight (absent = tied to
 *   token_embd), rope_freqs.weight (optional, Llama 3.1 style per-frequency divisors, [n_rot/2]
 *   F32), and per layer N: blk.N.attn_norm.weight, blk.N.attn_{q,k,v}.weight,
 *   blk.N.attn_output.weight, blk.N.attn_{q,k,v}.bias (qwen2), blk.N.attn_{q,k}_norm.weight (qwen3),
 *   blk.N.ffn_norm.weight, blk.N.ffn_{gate,up,down}.weight.
 * - Shapes are in ggml order, ne[0] = contiguous length = the input dimension of a matmul:
 *   attn_q [n_embd, n_head*head_dim], attn_k/attn_v [n_embd, n_head_kv*head_dim],
 *   attn_output [n_head*head_dim, n_embd], ffn_gate/ffn_up [n_embd, n_ff], ffn_down [n_ff, n_embd],
 *   token_embd/output [n_embd, n_vocab], norms [n_embd], q/k norms [head_dim]. So y = W x is
 *   y[r] = sum_c W[r * ne[0] + c] * x[c] (row r of ne[1] rows).
 * - RoPE layout. llama uses the "normal" rotation: within each head, pairs (x[2i], x[2i+1]) rotate by
 *   pos * base^(-2i/n_rot), for i < n_rot/2. Hugging Face Llama uses rotate_half (pairs (i, i+d/2));
 *   the HF -> GGUF converter compensates by permuting the ROWS of attn_q.weight (per query head) and
 *   attn_k.weight (per KV head, with n_head_kv): GGUF row h*d + 2j + s = HF row h*d + s*d/2 + j
 *   (s in {0,1}, j < d/2; numpy: reshape(n_head, 2, d/2, n_embd).swapaxes(1, 2)). Hence the
 *   "normal" rope on GGUF weights equals HF's rotate_half on HF weights; V and attn_output are not
 *   permuted. llama2.c exports (stories260K) are already in the interleaved Meta layout.
 *   qwen2/qwen3 are NOT permuted and use the NeoX rotation: pairs (x[i], x[i + n_rot/2]).
 * - qwen2 adds the q/k/v biases right after the projections (before rope). qwen3 applies an RMSNorm
 *   over each head's head_dim values of q and k (weights attn_q_norm/attn_k_norm, eps = rms_eps)
 *   after the projection and before rope. head_dim may differ from n_embd/n_head (qwen3:
 *   {arch}.attention.key_length). */
#ifndef LIL_MODEL_CONFIG_H
#define LIL_MODEL_CONFIG_H

#include <stdint.h>

#include "lil_gguf.h"
#include "lil_status.h"

typedef enum lil_arch { LIL_ARCH_LLAMA, LIL_ARCH_QWEN2, LIL_ARCH_QWEN3 } lil_arch;

typedef enum lil_rope_layout {
  LIL_ROPE_LAYOUT_NORMAL, /* adjacent pairs (2i, 2i+1): llama */
  LIL_ROPE_LAYOUT_NEOX,   /* split halves (i, i + n_rot/2): qwen2, qwen3 */
} lil_rope_layout;

typedef enum lil_rope_scaling {
  LIL_ROPE_SCALING_NONE,
  LIL_ROPE_SCALING_LINEAR, /* positions divided by factor */
  LIL_ROPE_SCALING_YARN,
  LIL_ROPE_SCALING_LONGROPE,
} lil_rope_scaling;

typedef struct lil_layer_tensors {
  const lil_gguf_tensor *attn_norm, *attn_q, *attn_k, *attn_v, *attn_output;
  const lil_gguf_tensor *attn_q_bias, *attn_k_bias, *attn_v_bias; /* NULL when absent */
  const lil_gguf_tensor *attn_q_norm, *attn_k_norm;               /* NULL when absent */
  const lil_gguf_tensor *ffn_norm, *ffn_gate, *ffn_up, *ffn_down;
} lil_layer_tensors;

/* Read-only after lil_model_config_load; tensors point into the lil_gguf, which must outlive it. */
typedef struct lil_model_config {
  lil_arch arch;
  uint32_t n_embd, n_layer, n_head, n_head_kv;
  uint32_t head_dim;    /* {arch}.attention.key_length, else n_embd / n_head */
  uint32_t head_dim_v;  /* {arch}.attention.value_length, else head_dim */
  uint32_t n_ff, n_vocab, n_ctx_train;
  float rms_eps;
  float rope_freq_base;          /* default 10000 */
  uint32_t n_rot;                /* rope dimensions per head, <= head_dim, even */
  lil_rope_layout rope_layout;
  lil_rope_scaling rope_scaling;
  float rope_scaling_factor;     /* 1 when none */
  uint32_t rope_scaling_orig_ctx; /* 0 when absent */
  int has_qkv_bias, has_qk_norm, tied_output;
  const lil_gguf_tensor *token_embd, *output_norm;
  const lil_gguf_tensor *output;     /* == token_embd when tied_output */
  const lil_gguf_tensor *rope_freqs; /* NULL when absent */
  lil_layer_tensors *layers;         /* n_layer entries */
} lil_model_config;

/* Reads general.architecture and the hyperparameters, finds every tensor, checks shapes against
 * the hyperparameters and types against the supported set (F32, F16, BF16, Q8_0, Q4_0, Q4_K,
 * Q6_K). Errors: unknown architecture or unsupported tensor type = LIL_ERR_UNSUPPORTED; missing
 * key/tensor, wrong shape, inconsistent values = LIL_ERR_FORMAT; each names the key or tensor. */
lil_status lil_model_config_load(const lil_gguf *g, lil_model_config **out, lil_error *err);
void lil_model_config_free(lil_model_config *c);

const char *lil_arch_name(lil_arch a);
const char *lil_rope_layout_name(lil_rope_layout l);
const char *lil_rope_scaling_name(lil_rope_scaling s);

#endif
