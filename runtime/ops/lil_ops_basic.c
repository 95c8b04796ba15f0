/* Recording of the basic ops (see lil_ops_basic.h). */
#include "lil_ops_basic.h"

#include <math.h>

#include "lil_ops_internal.h"

static uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

static lil_status rmsnorm(lil_ctx *ctx, lil_seq *s, lil_binding x, lil_binding w, lil_binding y, uint32_t n_rows,
                          uint32_t dim, uint32_t x_stride, uint32_t y_stride, float eps, int f16, lil_error *err) {
  if (dim == 0 || x_stride < dim || y_stride < dim || (f16 && (dim % 2 || y_stride % 2)))
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "rmsnorm%s: dim %u with strides %u/%u", f16 ? " (f16 out)" : "",
                         dim, x_stride, y_stride);
  if (n_rows == 0) return LIL_OK;
  uint32_t wg = lil_ops_wg(ctx);
  int sg = lil_ctx_plan(ctx)->use_subgroup_arith;
  const char *name = f16 ? (sg ? "rmsnorm_subgroup_f16" : "rmsnorm_f16") : (sg ? "rmsnorm_subgroup" : "rmsnorm");
  lil_kernel *k;
  struct {
    uint32_t n_rows, dim, x_stride, y_stride;
    float eps;
  } pc = {n_rows, dim, x_stride, y_stride, eps};
  lil_status st = lil_ops_kernel(ctx, name, 3, sizeof(pc), wg, &k, err);
  if (st) return st;
  lil_binding b[3] = {x, w, y};
  uint32_t gx, gy;
  lil_ops_split(n_rows, &gx, &gy);
  return lil_seq_dispatch(s, k, b, 3, 1u << 2, &pc, sizeof(pc), gx, gy, 1, f16 ? "rmsnorm_f16" : "rmsnorm", err);
}

lil_status lil_op_rmsnorm(lil_ctx *ctx, lil_seq *s, lil_binding x, lil_binding w, lil_binding y, uint32_t n_rows,
                          uint32_t dim, uint32_t x_stride, uint32_t y_stride, float eps, lil_error *err) {
  return rmsnorm(ctx, s, x, w, y, n_rows, dim, x_stride, y_stride, eps, 0, err);
}

lil_status lil_op_rmsnorm_f16(lil_ctx *ctx, lil_seq *s, lil_binding x, lil_binding w, lil_binding y16, uint32_t n_rows,
                              uint32_t dim, uint32_t x_stride, uint32_t y_stride, float eps, lil_error *err) {
  return rmsnorm(ctx, s, x, w, y16, n_rows, dim, x_stride, y_stride, eps, 1, err);
}

lil_status lil_op_rmsnorm_heads(lil_ctx *ctx, lil_seq *s, lil_binding x, lil_binding w, lil_binding y,
                                uint32_t n_tokens, uint32_t n_heads, uint32_t head_dim, float eps, lil_error *err) {
  if ((uint64_t)n_tokens * n_heads > UINT32_MAX)
    return lil_error_set(err, LIL_ERR_RANGE, "rmsnorm_heads: %u tokens x %u heads", n_tokens, n_heads);
  return lil_op_rmsnorm(ctx, s, x, w, y, n_tokens * n_heads, head_dim, head_dim, head_dim, eps, err);
}

float lil_rope_theta_scale(float base, uint32_t rot_dim) { return powf(base, -2.0f / (float)rot_dim); }

int lil_rope_resolve(const lil_rope_params *p, uint32_t *rot, uint32_t *stride) {
  *rot = p->rot_dim ? p->rot_dim : p->head_dim;
  *stride = p->token_stride ? p->token_stride : p->n_heads * p->head_dim;
  return p->head_dim && p->n_heads && *rot % 2 == 0 && *rot <= p->head_dim && *stride >= p->n_heads * p->head_dim &&
         p->base > 0.0f && (p->mode == LIL_ROPE_NORMAL || p->mode == LIL_ROPE_NEOX);
}

lil_status lil_op_rope(lil_ctx *ctx, lil_seq *s, lil_binding data, lil_binding positions,
                       const lil_binding *freq_factors, uint32_t n_tokens, const lil_rope_params *p, lil_error *err) {
  uint32_t rot, stride;
  if (!lil_rope_resolve(p, &rot, &stride))
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "rope: heads %u, head_dim %u, rot_dim %u, stride %u, base %g, mode %d",
                         p->n_heads, p->head_dim, rot, stride, (double)p->base, (int)p->mode);
  if (n_tokens == 0 || rot == 0) return LIL_OK;
  float factor = p->linear_factor > 0.0f ? p->linear_factor : 1.0f;
  struct {
    uint32_t n_tokens, n_heads, head_dim, rot_dim, token_stride, neox, has_ff;
    float theta_scale, freq_scale;
  } pc = {n_tokens, p->n_heads, p->head_dim, rot, stride, p->mode == LIL_ROPE_NEOX, freq_factors != NULL,
          lil_rope_theta_scale(p->base, rot), 1.0f / factor};
  uint32_t wg = lil_ops_wg(ctx);
  lil_kernel *k;
  lil_status st = lil_ops_kernel(ctx, "rope", 3, sizeof(pc), wg, &k, err);
  if (st) return st;
  lil_binding b[3] = {data, positions, freq_factors ? *freq_factors : positions};
  uint32_t gy, gz;
  lil_ops_split(n_tokens, &gy, &gz);
  return lil_seq_dispatch(s, k, b, 3, 1u << 0, &pc, sizeof(pc), ceil_div(p->n_heads * (rot / 2), wg), gy, gz,
                          "rope", err);
}

static lil_status swiglu(lil_ctx *ctx, lil_seq *s, lil_binding gate, lil_binding up, lil_binding out,
                         uint32_t n_tokens, uint32_t ff, uint32_t u_off, uint32_t in_stride, int f16, lil_error *err) {
  if (ff == 0 || (f16 && ff % 2)) return lil_error_set(err, LIL_ERR_INVALID_ARG, "swiglu: ff = %u%s", ff, f16 ? " (f16 out: even)" : "");
  if (n_tokens == 0) return LIL_OK;
  struct {
    uint32_t n_tokens, ff, g_off, g_stride, u_off, u_stride, o_stride;
  } pc = {n_tokens, ff, 0, in_stride, u_off, in_stride, ff};
  uint32_t wg = lil_ops_wg(ctx);
  lil_kernel *k;
  const char *name = f16 ? "swiglu_f16" : "swiglu";
  lil_status st = lil_ops_kernel(ctx, name, 3, sizeof(pc), wg, &k, err);
  if (st) return st;
  lil_binding b[3] = {gate, up, out};
  uint32_t gy, gz;
  lil_ops_split(n_tokens, &gy, &gz);
  return lil_seq_dispatch(s, k, b, 3, 1u << 2, &pc, sizeof(pc), ceil_div(f16 ? ff / 2 : ff, wg), gy, gz, name, err);
}

lil_status lil_op_swiglu(lil_ctx *ctx, lil_seq *s, lil_binding gate, lil_binding up, lil_binding out,
                         uint32_t n_tokens, uint32_t ff, lil_error *err) {
  return swiglu(ctx, s, gate, up, out, n_tokens, ff, 0, ff, 0, err);
}

lil_status lil_op_swiglu_f16(lil_ctx *ctx, lil_seq *s, lil_binding gate, lil_binding up, lil_binding out16,
                             uint32_t n_tokens, uint32_t ff, lil_error *err) {
  return swiglu(ctx, s, gate, up, out16, n_tokens, ff, 0, ff, 1, err);
}

lil_status lil_op_swiglu_fused(lil_ctx *ctx, lil_seq *s, lil_binding gate_up, lil_binding out, uint32_t n_tokens,
                               uint32_t ff, lil_error *err) {
  return swiglu(ctx, s, gate_up, gate_up, out, n_tokens, ff, ff, 2 * ff, 0, err);
}

static lil_status eltwise(lil_ctx *ctx, lil_seq *s, const char *name, lil_binding *b, uint32_t nb, uint32_t n,
                          float scale, uint32_t cols, lil_error *err) {
  if (n == 0) return LIL_OK;
  struct {
    uint32_t n;
    float s;
    uint32_t cols;
  } pc = {n, scale, cols};
  uint32_t wg = lil_ops_wg(ctx);
  lil_kernel *k;
  lil_status st = lil_ops_kernel(ctx, name, nb, sizeof(pc), wg, &k, err);
  if (st) return st;
  uint32_t groups = ceil_div(n, wg);
  if (groups > 4096) groups = 4096; /* grid-stride loop covers the rest */
  return lil_seq_dispatch(s, k, b, nb, 1u << 0, &pc, sizeof(pc), groups, 1, 1, name, err);
}

lil_status lil_op_add(lil_ctx *ctx, lil_seq *s, lil_binding y, lil_binding x, uint32_t n, lil_error *err) {
  lil_binding b[2] = {y, x};
  return eltwise(ctx, s, "add_f32", b, 2, n, 0.0f, 0, err);
}

lil_status lil_op_add_bias(lil_ctx *ctx, lil_seq *s, lil_binding y, lil_binding bias, uint32_t n_tokens, uint32_t dim,
                           lil_error *err) {
  if (dim == 0) return lil_error_set(err, LIL_ERR_INVALID_ARG, "add_bias: dim = 0");
  if ((uint64_t)n_tokens * dim > UINT32_MAX)
    return lil_error_set(err, LIL_ERR_RANGE, "add_bias: %u tokens x %u", n_tokens, dim);
  lil_binding b[2] = {y, bias};
  return eltwise(ctx, s, "add_bias_f32", b, 2, n_tokens * dim, 0.0f, dim, err);
}

lil_status lil_op_scale(lil_ctx *ctx, lil_seq *s, lil_binding y, uint32_t n, float scale, lil_error *err) {
  lil_binding b[1] = {y};
  return eltwise(ctx, s, "scale_f32", b, 1, n, scale, 0, err);
}

static lil_status copy_rows(lil_ctx *ctx, lil_seq *s, const char *name, lil_binding src, lil_binding dst,
                            const lil_binding *row_base, const lil_copy2d *c, uint32_t per_thread, lil_error *err) {
  if (c->rows == 0 || c->cols == 0) return LIL_OK;
  if ((c->rows > 1 && (c->src_stride < c->cols || c->dst_stride < c->cols)))
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "%s: %u cols with strides %u/%u", name, c->cols, c->src_stride,
                         c->dst_stride);
  struct {
    uint32_t rows, cols, src_off, src_stride, dst_off, dst_stride, has_row_base, row_index;
  } pc = {c->rows, c->cols, c->src_offset, c->src_stride, c->dst_offset, c->dst_stride, row_base != NULL,
          c->row_index};
  uint32_t wg = lil_ops_wg(ctx);
  lil_kernel *k;
  lil_status st = lil_ops_kernel(ctx, name, 3, sizeof(pc), wg, &k, err);
  if (st) return st;
  lil_binding b[3] = {src, dst, row_base ? *row_base : src};
  uint32_t gy, gz;
  lil_ops_split(c->rows, &gy, &gz);
  return lil_seq_dispatch(s, k, b, 3, 1u << 1, &pc, sizeof(pc), ceil_div(ceil_div(c->cols, per_thread), wg), gy, gz,
                          name, err);
}

lil_status lil_op_copy_rows(lil_ctx *ctx, lil_seq *s, lil_binding src, lil_binding dst, const lil_binding *row_base,
                            const lil_copy2d *c, lil_error *err) {
  return copy_rows(ctx, s, "copy_rows_f32", src, dst, row_base, c, 1, err);
}

lil_status lil_op_copy_rows_f16(lil_ctx *ctx, lil_seq *s, lil_binding src, lil_binding dst,
                                const lil_binding *row_base, const lil_copy2d *c, lil_error *err) {
  if (c->cols % 2 || c->dst_offset % 2 || c->dst_stride % 2)
    return lil_error_set(err, LIL_ERR_INVALID_ARG,
                         "copy_rows_f16: cols %u, dst_offset %u, dst_stride %u must be even (two halves per word)",
                         c->cols, c->dst_offset, c->dst_stride);
  return copy_rows(ctx, s, "copy_rows_f16", src, dst, row_base, c, 2, err);
}

lil_status lil_op_softmax(lil_ctx *ctx, lil_seq *s, lil_binding x, lil_binding y, const lil_binding *lens,
                          const lil_softmax_params *p, lil_error *err) {
  uint32_t stride = p->row_stride ? p->row_stride : p->cols;
  if (p->cols == 0 || p->rows_per_token == 0 || stride < p->cols)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "softmax: %u cols, %u rows per token, stride %u", p->cols,
                         p->rows_per_token, stride);
  if (p->n_tokens == 0) return LIL_OK;
  uint64_t rows = (uint64_t)p->n_tokens * p->rows_per_token;
  if (rows > UINT32_MAX) return lil_error_set(err, LIL_ERR_RANGE, "softmax: %llu rows", (unsigned long long)rows);
  struct {
    uint32_t n_tokens, rows_per_token, cols, row_stride;
    float scale;
    uint32_t has_len, len_index;
    int32_t len_add;
    uint32_t causal;
  } pc = {p->n_tokens, p->rows_per_token, p->cols, stride, p->scale != 0.0f ? p->scale : 1.0f, lens != NULL,
          p->len_index, p->len_add, p->causal != 0};
  uint32_t wg = lil_ops_wg(ctx);
  const char *name = lil_ctx_plan(ctx)->use_subgroup_arith ? "softmax_subgroup" : "softmax";
  lil_kernel *k;
  lil_status st = lil_ops_kernel(ctx, name, 3, sizeof(pc), wg, &k, err);
  if (st) return st;
  lil_binding b[3] = {x, y, lens ? *lens : x};
  uint32_t gx, gy;
  lil_ops_split((uint32_t)rows, &gx, &gy);
  return lil_seq_dispatch(s, k, b, 3, 1u << 1, &pc, sizeof(pc), gx, gy, 1, "softmax", err);
}
