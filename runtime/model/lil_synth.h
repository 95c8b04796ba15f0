/* Random-weight GGUF models in the shape of real ones (for benchmarks: the speed of a decode or
 * prompt pass depends on the shapes and the weight type, not on the values). The weights are
 * seeded uniform noise at the scale of a trained model's (f16: |w| < 0.035; quantized: random
 * quants with a fixed block scale), the norms are 1 and the biases 0. The tokenizer is copied from
 * a vocabulary GGUF (e.g. the bundled stories260K) and padded with filler tokens ("<synth_N>",
 * lowest score) up to the shape's vocabulary size, so the embedding and output matrices have the
 * real model's size. The file is streamed to disk, so an 8B model needs no host memory for it. */
#ifndef LIL_SYNTH_H
#define LIL_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "lil_status.h"

typedef struct lil_synth_shape {
  const char *name; /* "qwen3-0.6b", "llama-8b", "tiny", ... */
  const char *arch; /* llama, qwen2, qwen3 */
  uint32_t n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_vocab, n_ctx;
  float rope_base, rms_eps;
  int tied; /* 1: no output.weight (the embedding is reused) */
} lil_synth_shape;

size_t lil_synth_shape_count(void);
const lil_synth_shape *lil_synth_shape_at(size_t i);
/* NULL with err set ("unknown shape 'x' (known: ...)") when name is not a known shape. */
const lil_synth_shape *lil_synth_find_shape(const char *name, lil_error *err);
/* "f16", "q8_0", "q4_0" (case-insensitive) -> the ggml type; err names the accepted ones. */
lil_status lil_synth_parse_type(const char *name, uint32_t *ggml_type, lil_error *err);
/* Bytes of tensor data of shape s with matrices of ggml_type (norms f32). */
uint64_t lil_synth_weight_bytes(const lil_synth_shape *s, uint32_t ggml_type);

typedef struct lil_synth_options {
  const lil_synth_shape *shape;
  uint32_t type;          /* ggml type of the matrices: LIL_TYPE_F16, LIL_TYPE_Q8_0 or LIL_TYPE_Q4_0 */
  uint64_t seed;          /* same seed, same file */
  const char *vocab_path; /* GGUF whose tokenizer.ggml.* keys are copied (at most n_vocab tokens) */
  const char *out_path;
} lil_synth_options;

/* Writes the model to out_path (removed again on failure). */
lil_status lil_synth_write(const lil_synth_options *o, lil_error *err);

#endif
