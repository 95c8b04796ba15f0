/* Recording of argmax and seeded sampling (see lil_ops_token.h). */
#include "lil_ops_token.h"

#include "lil_ops_internal.h"

#define SAMPLE_CHUNK 4096u

static uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

static uint32_t argmax_chunk(const lil_ctx *ctx) { return lil_ops_wg(ctx) * 16; }

uint64_t lil_op_argmax_scratch_bytes(const lil_ctx *ctx, uint32_t n_vocab, uint32_t n_rows) {
  return (uint64_t)n_rows * ceil_div(n_vocab, argmax_chunk(ctx)) * 8;
}

uint64_t lil_op_sample_scratch_bytes(const lil_ctx *ctx, uint32_t n_vocab, uint32_t n_rows,
                                     const lil_sampling_params *sp) {
  (void)ctx;
  return (uint64_t)n_rows * ceil_div(n_vocab, SAMPLE_CHUNK) * lil_sampling_k(sp) * 8;
}

static uint64_t binding_bytes(lil_binding b) {
  if (b.range) return b.range;
  uint64_t size = lil_buffer_size(b.buf);
  return size > b.offset ? size - b.offset : 0;
}

/* Checks the token destinations and fills the bindings 1..4 of a final pass and its write mask. */
static lil_status token_bindings(const char *op, const lil_token_out *o, uint32_t n_rows, lil_binding *b,
                                 uint32_t *write_mask, lil_error *err) {
  if (!o || !o->params.buf || !o->out.buf)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "%s: token destinations need params and out", op);
  if (binding_bytes(o->params) < ((uint64_t)o->step_index + 1) * 4)
    return lil_error_set(err, LIL_ERR_RANGE, "%s: params binding has no word %u", op, o->step_index);
  if (!o->out_at_step && binding_bytes(o->out) < ((uint64_t)o->out_index + n_rows) * 4)
    return lil_error_set(err, LIL_ERR_RANGE, "%s: out binding too small for index %u + %u rows", op, o->out_index,
                         n_rows);
  if (o->ring && (o->ring_capacity == 0 || binding_bytes(*o->ring) < ((uint64_t)o->ring_capacity + 1) * 4))
    return lil_error_set(err, LIL_ERR_RANGE, "%s: ring needs 1 + capacity (%u) words", op, o->ring_capacity);
  if (o->next_ids && binding_bytes(*o->next_ids) < ((uint64_t)o->next_index + n_rows) * 4)
    return lil_error_set(err, LIL_ERR_RANGE, "%s: next_ids binding too small for index %u + %u rows", op,
                         o->next_index, n_rows);
  b[1] = o->params;
  b[2] = o->out;
  b[3] = o->ring ? *o->ring : o->out;
  b[4] = o->next_ids ? *o->next_ids : o->out;
  *write_mask = (1u << 2) | (o->ring ? 1u << 3 : 0) | (o->next_ids ? 1u << 4 : 0);
  return LIL_OK;
}

static lil_status check_rows(const char *op, uint32_t n_vocab, uint32_t n_rows, uint32_t row_stride, lil_error *err) {
  if (n_vocab == 0 || (row_stride && row_stride < n_vocab) || n_rows > 65535)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "%s: %u rows of %u logits, stride %u", op, n_rows, n_vocab,
                         row_stride);
  return LIL_OK;
}

lil_status lil_op_argmax(lil_ctx *ctx, lil_seq *s, lil_binding logits, uint32_t n_vocab, uint32_t n_rows,
                         uint32_t row_stride, lil_binding scratch, const lil_token_out *o, lil_error *err) {
  lil_status st = check_rows("argmax", n_vocab, n_rows, row_stride, err);
  if (st || n_rows == 0) return st;
  lil_binding b2[5];
  uint32_t mask2;
  if ((st = token_bindings("argmax", o, n_rows, b2, &mask2, err))) return st;
  uint32_t wg = lil_ops_wg(ctx), chunk = argmax_chunk(ctx), groups = ceil_div(n_vocab, chunk);
  if (binding_bytes(scratch) < lil_op_argmax_scratch_bytes(ctx, n_vocab, n_rows))
    return lil_error_set(err, LIL_ERR_RANGE, "argmax: scratch needs %llu bytes",
                         (unsigned long long)lil_op_argmax_scratch_bytes(ctx, n_vocab, n_rows));
  struct {
    uint32_t n_vocab, row_stride, chunk, n_groups;
  } pc1 = {n_vocab, row_stride ? row_stride : n_vocab, chunk, groups};
  struct {
    uint32_t n_groups, step_index, out_index, out_at_step, ring_capacity, has_next, next_index;
  } pc2 = {groups, o->step_index, o->out_index, o->out_at_step != 0, o->ring ? o->ring_capacity : 0,
           o->next_ids != NULL, o->next_index};
  lil_kernel *k1, *k2;
  if ((st = lil_ops_kernel(ctx, "argmax_pass1", 2, sizeof(pc1), wg, &k1, err))) return st;
  if ((st = lil_ops_kernel(ctx, "argmax_pass2", 5, sizeof(pc2), wg, &k2, err))) return st;
  lil_binding b1[2] = {logits, scratch};
  if ((st = lil_seq_dispatch(s, k1, b1, 2, 1u << 1, &pc1, sizeof(pc1), groups, n_rows, 1, "argmax_pass1", err)))
    return st;
  b2[0] = scratch;
  return lil_seq_dispatch(s, k2, b2, 5, mask2, &pc2, sizeof(pc2), 1, n_rows, 1, "argmax_pass2", err);
}

lil_status lil_op_sample(lil_ctx *ctx, lil_seq *s, lil_binding logits, uint32_t n_vocab, uint32_t n_rows,
                         uint32_t row_stride, lil_binding scratch, const lil_sampling_params *sp, uint64_t seed,
                         const lil_token_out *o, lil_error *err) {
  lil_status st = check_rows("sample", n_vocab, n_rows, row_stride, err);
  if (st || n_rows == 0) return st;
  if (n_vocab >= (1u << 24))
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "sample: vocabulary of %u over 2^24 entries", n_vocab);
  if (sp->top_k > LIL_SAMPLING_MAX_K)
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "sample: top_k %u over %u", sp->top_k, LIL_SAMPLING_MAX_K);
  lil_binding b2[5];
  uint32_t mask2;
  if ((st = token_bindings("sample", o, n_rows, b2, &mask2, err))) return st;
  if (binding_bytes(scratch) < lil_op_sample_scratch_bytes(ctx, n_vocab, n_rows, sp))
    return lil_error_set(err, LIL_ERR_RANGE, "sample: scratch needs %llu bytes",
                         (unsigned long long)lil_op_sample_scratch_bytes(ctx, n_vocab, n_rows, sp));
  uint32_t wg = lil_ops_wg(ctx), K = lil_sampling_k(sp), groups = ceil_div(n_vocab, SAMPLE_CHUNK);
  struct {
    uint32_t n_vocab, row_stride, chunk, n_groups, K;
  } pc1 = {n_vocab, row_stride ? row_stride : n_vocab, SAMPLE_CHUNK, groups, K};
  struct {
    uint32_t n_groups, K, greedy;
    float inv_temp, top_p, min_p;
    uint32_t seed_lo, seed_hi;
    uint32_t step_index, out_index, out_at_step, ring_capacity, has_next, next_index;
  } pc2 = {groups,
           K,
           sp->temperature <= 0.0f || K == 1,
           sp->temperature > 0.0f ? 1.0f / sp->temperature : 0.0f,
           sp->top_p,
           sp->min_p,
           (uint32_t)seed,
           (uint32_t)(seed >> 32),
           o->step_index,
           o->out_index,
           o->out_at_step != 0,
           o->ring ? o->ring_capacity : 0,
           o->next_ids != NULL,
           o->next_index};
  lil_kernel *k1, *k2;
  if ((st = lil_ops_kernel(ctx, "sample_pass1", 2, sizeof(pc1), wg, &k1, err))) return st;
  if ((st = lil_ops_kernel(ctx, "sample_pass2", 5, sizeof(pc2), wg, &k2, err))) return st;
  lil_binding b1[2] = {logits, scratch};
  if ((st = lil_seq_dispatch(s, k1, b1, 2, 1u << 1, &pc1, sizeof(pc1), groups, n_rows, 1, "sample_pass1", err)))
    return st;
  b2[0] = scratch;
  return lil_seq_dispatch(s, k2, b2, 5, mask2, &pc2, sizeof(pc2), 1, n_rows, 1, "sample_pass2", err);
}
