/* Choosing the next token on the GPU: argmax (greedy) and seeded sampling. Both read rows of F32
 * logits and write a uint32 token id per row to up to three places, so greedy decoding reads back 4
 * bytes per token and the next step needs no host round trip.
 *
 * Per-step parameters (params, a uint32 buffer the host or the GPU updates between replays):
 *   params[step_index] = step, the index of the token being produced (0, 1, 2, ...). It selects
 *   the ring slot and (sampling) the random draw; row t of a batch uses step + t.
 *
 * Destinations (lil_token_out):
 *   out       required: out[out_index + t (+ step when out_at_step)] = id
 *   ring      optional (ring_capacity > 0): a host-visible (LIL_MEM_READBACK) uint32 buffer of
 *             1 + ring_capacity words: word 0 = number of tokens produced so far (max over writers
 *             of step + t + 1; the host zeroes it when generation starts), word 1 + (step + t) %
 *             ring_capacity = id. The Guardian reads word 0, then the slots it has not seen, without
 *             waiting on the GPU (after a fence the values are exact; while a step is in flight it may
 *             see the previous count).
 *   next_ids  optional: next_ids[next_index + t] = id (the token ids the next step's embedding reads).
 * Ties: the lowest index wins (argmax and the ranking of sampling candidates). NaN logits rank below
 * -inf. */
#ifndef LIL_OPS_TOKEN_H
#define LIL_OPS_TOKEN_H

#include <stdint.h>

#include "lil_sampling_ref.h"
#include "lil_vk.h"

typedef struct lil_token_out {
  lil_binding params;
  uint32_t step_index;
  lil_binding out;
  uint32_t out_index;
  uint32_t out_at_step;
  const lil_binding *ring; /* NULL: none */
  uint32_t ring_capacity;
  const lil_binding *next_ids; /* NULL: none */
  uint32_t next_index;
} lil_token_out;

/* Scratch (an ACTIVATIONS buffer) needed for n_rows rows of n_vocab logits. */
uint64_t lil_op_argmax_scratch_bytes(const lil_ctx *ctx, uint32_t n_vocab, uint32_t n_rows);
uint64_t lil_op_sample_scratch_bytes(const lil_ctx *ctx, uint32_t n_vocab, uint32_t n_rows,
                                     const lil_sampling_params *sp);

/* logits: n_rows rows of n_vocab floats, row t at t * row_stride (0 = n_vocab). Two dispatches:
 * per-workgroup partial (max, index) pairs, then one workgroup per row. */
lil_status lil_op_argmax(lil_ctx *ctx, lil_seq *s, lil_binding logits, uint32_t n_vocab, uint32_t n_rows,
                         uint32_t row_stride, lil_binding scratch, const lil_token_out *o, lil_error *err);

/* Seeded sampling (see lil_sampling_ref.h for the exact definition, which the GPU reproduces).
 * Two dispatches: per-workgroup top-K candidates, then one workgroup per row. n_vocab < 2^24. */
lil_status lil_op_sample(lil_ctx *ctx, lil_seq *s, lil_binding logits, uint32_t n_vocab, uint32_t n_rows,
                         uint32_t row_stride, lil_binding scratch, const lil_sampling_params *sp, uint64_t seed,
                         const lil_token_out *o, lil_error *err);

#endif
