/* PRIVATE minimal kernels of the model (shaders/mdl_*.comp): simple, correct, not fast. They stand
 * in for the ops branches (kernels-matvec, kernels-matmul, kernels-ops, attention) until those
 * land; the forward recording calls only these functions, so the switch is local to
 * lil_model_kernels.c. Buffers are bound whole; every per-step value (position, step counter,
 * token id) is read from buffers, never from push constants. */
#ifndef LIL_MODEL_KERNELS_H
#define LIL_MODEL_KERNELS_H

#include <stdint.h>

#include "lil_gguf.h"
#include "lil_vk.h"

#define MK_MAX_PARTS 64

/* A 2-D GGUF tensor on the device in row parts, none larger than one binding. */
typedef struct mk_weight {
  uint32_t type, rows, cols;
  uint64_t row_bytes;
  uint32_t n_parts;
  struct {
    lil_buffer *buf;
    uint32_t first_row, n_rows;
  } parts[MK_MAX_PARTS];
} mk_weight;

/* Called after each uploaded part with the bytes done so far. */
typedef void (*mk_progress_fn)(void *user, uint64_t bytes);

int mk_type_supported(uint32_t type);
lil_status mk_weight_upload(lil_ctx *ctx, const lil_gguf_tensor *t, mk_progress_fn progress, void *user,
                            mk_weight **out, lil_error *err);
void mk_weight_free(mk_weight *w);

/* y[t][r] (+)= W[r] . x[x_off + t * cols] (+ bias[r]); bias may be NULL. */
lil_status mk_matvec(lil_ctx *ctx, lil_seq *s, const mk_weight *w, lil_buffer *x, uint32_t x_off, lil_buffer *y,
                     lil_buffer *bias, uint32_t n_tokens, int accumulate, lil_error *err);
/* out[t][:] = W[ids[t]] */
lil_status mk_embed(lil_ctx *ctx, lil_seq *s, const mk_weight *w, lil_buffer *ids, lil_buffer *out,
                    uint32_t n_tokens, lil_error *err);
/* In place over rows of n values: x = x / rms(x) * w. */
lil_status mk_rmsnorm(lil_ctx *ctx, lil_seq *s, lil_buffer *x, lil_buffer *w, uint32_t n, uint32_t rows, float eps,
                      lil_error *err);
typedef struct mk_rope_desc {
  uint32_t n_heads, head_dim, n_rot, neox;
  float base, pos_scale;
  lil_buffer *freqs; /* NULL: none */
} mk_rope_desc;
/* In place on x[t][n_heads][head_dim], position params[0] + t. */
lil_status mk_rope(lil_ctx *ctx, lil_seq *s, lil_buffer *x, lil_buffer *params, const mk_rope_desc *d,
                   uint32_t n_tokens, lil_error *err);
/* cache[(params[0] + t) * dim ..] = src[t * dim ..] */
lil_status mk_kv_store(lil_ctx *ctx, lil_seq *s, lil_buffer *src, lil_buffer *cache, lil_buffer *params, uint32_t dim,
                       uint32_t n_tokens, lil_error *err);
typedef struct mk_attn_desc {
  uint32_t n_head, n_head_kv, head_dim, head_dim_v;
} mk_attn_desc;
/* out[t][h] = causal softmax attention of q[t][h] over cache positions 0..params[0] + t. */
lil_status mk_attention(lil_ctx *ctx, lil_seq *s, lil_buffer *q, lil_buffer *kc, lil_buffer *vc, lil_buffer *out,
                        lil_buffer *params, const mk_attn_desc *d, uint32_t n_tokens, lil_error *err);
/* g = silu(g) * u over n values. */
lil_status mk_swiglu(lil_ctx *ctx, lil_seq *s, lil_buffer *g, lil_buffer *u, uint64_t n, lil_error *err);

typedef struct mk_select_desc {
  uint32_t n_vocab, logits_off, ring_size;
  float temp; /* <= 0: argmax */
  uint32_t top_k;
  float top_p, min_p;
  uint64_t seed;
} mk_select_desc;
/* ids[0] = ring[params[1] % ring_size] = the chosen token of logits[logits_off ..]. */
lil_status mk_select(lil_ctx *ctx, lil_seq *s, lil_buffer *logits, lil_buffer *ids, lil_buffer *ring,
                     lil_buffer *params, const mk_select_desc *d, lil_error *err);

#endif
