/* PRIVATE minimal kernels of the model; see lil_model_kernels.h. */
#include "lil_model_kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#define WG 64u
#define MAX_GROUPS 65535u

static const char *type_suffix(uint32_t type) {
  switch (type) {
  case LIL_TYPE_F32: return "f32";
  case LIL_TYPE_F16: return "f16";
  case LIL_TYPE_BF16: return "bf16";
  case LIL_TYPE_Q8_0: return "q8_0";
  default: return NULL;
  }
}

int mk_type_supported(uint32_t type) { return type_suffix(type) != NULL; }

static lil_status kernel(lil_ctx *ctx, const char *name, uint32_t n_bindings, uint32_t push, lil_kernel **k,
                         lil_error *err) {
  lil_kernel_desc d = {.shader = name, .n_bindings = n_bindings, .push_size = push, .n_spec = 1, .spec = {WG}};
  return lil_kernel_get(ctx, &d, k, err);
}

static lil_binding bind(lil_buffer *b) { return (lil_binding){b, 0, 0}; }

void mk_weight_free(mk_weight *w) {
  if (!w) return;
  for (uint32_t i = 0; i < w->n_parts; i++) lil_buffer_free(w->parts[i].buf);
  free(w);
}

lil_status mk_weight_upload(lil_ctx *ctx, const lil_gguf_tensor *t, mk_progress_fn progress, void *user,
                            mk_weight **out, lil_error *err) {
  *out = NULL;
  if (!mk_type_supported(t->type)) {
    const lil_type_info *ti = lil_type_get(t->type);
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "tensor '%s': type %s is not supported yet by the model's kernels",
                         t->name, ti ? ti->name : "?");
  }
  mk_weight *w = calloc(1, sizeof(*w));
  if (!w) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "out of host memory");
  w->type = t->type;
  w->cols = (uint32_t)t->ne[0];
  w->rows = (uint32_t)(t->ne[1] * t->ne[2] * t->ne[3]);
  w->row_bytes = lil_type_row_bytes(t->type, t->ne[0]);
  const lil_device_plan *plan = lil_ctx_plan(ctx);
  uint64_t max_bytes = plan->max_binding < plan->max_block ? plan->max_binding : plan->max_block;
  uint64_t rows_per = (max_bytes - 16) / w->row_bytes;
  if (rows_per > MAX_GROUPS * 64ull) rows_per = MAX_GROUPS * 64ull;
  lil_status st = LIL_OK;
  uint64_t done = 0;
  for (uint32_t r = 0; r < w->rows && !st; r += (uint32_t)rows_per) {
    if (w->n_parts == MK_MAX_PARTS) {
      st = lil_error_set(err, LIL_ERR_UNSUPPORTED, "tensor '%s' needs more than %d parts", t->name, MK_MAX_PARTS);
      break;
    }
    uint32_t n = (uint32_t)(w->rows - r < rows_per ? w->rows - r : rows_per);
    uint64_t bytes = n * w->row_bytes, padded = (bytes + 15) & ~15ull;
    char name[96];
    snprintf(name, sizeof(name), "%.80s[%u]", t->name, w->n_parts);
    lil_buffer *b = NULL;
    st = lil_buffer_create(ctx, LIL_MEM_WEIGHTS, padded, name, &b, err);
    if (st) break;
    w->parts[w->n_parts].buf = b;
    w->parts[w->n_parts].first_row = r;
    w->parts[w->n_parts].n_rows = n;
    w->n_parts++;
    if (padded > bytes) st = lil_buffer_fill(b, bytes & ~3ull, padded - (bytes & ~3ull), 0, err); /* tail first */
    if (!st) st = lil_buffer_upload(b, 0, (const uint8_t *)t->data + r * w->row_bytes, bytes, err);
    done += bytes;
    if (progress) progress(user, done);
  }
  if (st) {
    mk_weight_free(w);
    return st;
  }
  *out = w;
  return LIL_OK;
}

lil_status mk_matvec(lil_ctx *ctx, lil_seq *s, const mk_weight *w, lil_buffer *x, uint32_t x_off, lil_buffer *y,
                     lil_buffer *bias, uint32_t n_tokens, int accumulate, lil_error *err) {
  char name[32];
  snprintf(name, sizeof(name), "mdl_matvec_%s", type_suffix(w->type));
  lil_kernel *k;
  uint32_t push[8] = {w->cols, (uint32_t)w->row_bytes, 0, 0, w->cols, w->rows, (accumulate ? 1u : 0u) | (bias ? 2u : 0u),
                      x_off};
  lil_status st = kernel(ctx, name, 4, sizeof(push), &k, err);
  for (uint32_t p = 0; p < w->n_parts && !st; p++) {
    lil_binding b[4] = {bind(w->parts[p].buf), bind(x), bind(y), bind(bias ? bias : x)};
    push[3] = w->parts[p].first_row;
    for (uint32_t r0 = 0; r0 < w->parts[p].n_rows && !st; r0 += MAX_GROUPS) {
      push[2] = r0;
      uint32_t n = w->parts[p].n_rows - r0 < MAX_GROUPS ? w->parts[p].n_rows - r0 : MAX_GROUPS;
      st = lil_seq_dispatch(s, k, b, 4, 1u << 2, push, sizeof(push), n, n_tokens, 1, name, err);
    }
  }
  return st;
}

lil_status mk_embed(lil_ctx *ctx, lil_seq *s, const mk_weight *w, lil_buffer *ids, lil_buffer *out,
                    uint32_t n_tokens, lil_error *err) {
  char name[32];
  snprintf(name, sizeof(name), "mdl_embed_%s", type_suffix(w->type));
  lil_kernel *k;
  lil_status st = kernel(ctx, name, 3, 20, &k, err);
  for (uint32_t p = 0; p < w->n_parts && !st; p++) {
    uint32_t push[5] = {w->cols, (uint32_t)w->row_bytes, w->parts[p].first_row, w->parts[p].n_rows, 0};
    lil_binding b[3] = {bind(w->parts[p].buf), bind(ids), bind(out)};
    st = lil_seq_dispatch(s, k, b, 3, 1u << 2, push, sizeof(push), (w->cols + WG - 1) / WG, n_tokens, 1, name, err);
  }
  return st;
}

lil_status mk_rmsnorm(lil_ctx *ctx, lil_seq *s, lil_buffer *x, lil_buffer *w, uint32_t n, uint32_t rows, float eps,
                      lil_error *err) {
  lil_kernel *k;
  struct {
    uint32_t n;
    float eps;
  } push = {n, eps};
  lil_status st = kernel(ctx, "mdl_rmsnorm", 2, sizeof(push), &k, err);
  if (st) return st;
  lil_binding b[2] = {bind(x), bind(w)};
  uint32_t gx = rows < MAX_GROUPS ? rows : MAX_GROUPS, gy = (rows + gx - 1) / gx;
  if ((uint64_t)gx * gy != rows) /* rows not a product: fall back to one row of groups per call */
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "rmsnorm: %u rows do not tile the grid", rows);
  return lil_seq_dispatch(s, k, b, 2, 1u, &push, sizeof(push), gx, gy, 1, "rmsnorm", err);
}

lil_status mk_rope(lil_ctx *ctx, lil_seq *s, lil_buffer *x, lil_buffer *params, const mk_rope_desc *d,
                   uint32_t n_tokens, lil_error *err) {
  lil_kernel *k;
  struct {
    uint32_t n_heads, head_dim, n_rot, neox, has_freqs;
    float base, scale;
  } push = {d->n_heads, d->head_dim, d->n_rot, d->neox, d->freqs != NULL, d->base, d->pos_scale};
  lil_status st = kernel(ctx, "mdl_rope", 3, sizeof(push), &k, err);
  if (st) return st;
  lil_binding b[3] = {bind(x), bind(params), bind(d->freqs ? d->freqs : x)};
  uint32_t n = d->n_heads * d->n_rot / 2;
  return lil_seq_dispatch(s, k, b, 3, 1u, &push, sizeof(push), (n + WG - 1) / WG, n_tokens, 1, "rope", err);
}

lil_status mk_kv_store(lil_ctx *ctx, lil_seq *s, lil_buffer *src, lil_buffer *cache, lil_buffer *params, uint32_t dim,
                       uint32_t n_tokens, lil_error *err) {
  lil_kernel *k;
  lil_status st = kernel(ctx, "mdl_kv_store", 3, 4, &k, err);
  if (st) return st;
  lil_binding b[3] = {bind(src), bind(cache), bind(params)};
  return lil_seq_dispatch(s, k, b, 3, 1u << 1, &dim, 4, (dim + WG - 1) / WG, n_tokens, 1, "kv_store", err);
}

lil_status mk_attention(lil_ctx *ctx, lil_seq *s, lil_buffer *q, lil_buffer *kc, lil_buffer *vc, lil_buffer *out,
                        lil_buffer *params, const mk_attn_desc *d, uint32_t n_tokens, lil_error *err) {
  if (d->head_dim > 256 || d->head_dim_v > 256)
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "attention: head size %u > 256", d->head_dim);
  lil_kernel *k;
  struct {
    uint32_t n_head, group, d, dv, kvd, kvdv;
    float scale;
  } push = {d->n_head, d->n_head / d->n_head_kv, d->head_dim, d->head_dim_v, d->n_head_kv * d->head_dim,
            d->n_head_kv * d->head_dim_v, 1.0f / sqrtf((float)d->head_dim)};
  lil_status st = kernel(ctx, "mdl_attention", 5, sizeof(push), &k, err);
  if (st) return st;
  lil_binding b[5] = {bind(q), bind(kc), bind(vc), bind(out), bind(params)};
  return lil_seq_dispatch(s, k, b, 5, 1u << 3, &push, sizeof(push), d->n_head, n_tokens, 1, "attention", err);
}

lil_status mk_swiglu(lil_ctx *ctx, lil_seq *s, lil_buffer *g, lil_buffer *u, uint64_t n, lil_error *err) {
  lil_kernel *k;
  uint32_t push = (uint32_t)n;
  lil_status st = kernel(ctx, "mdl_swiglu", 2, 4, &k, err);
  if (st) return st;
  lil_binding b[2] = {bind(g), bind(u)};
  uint64_t groups = (n + WG - 1) / WG;
  return lil_seq_dispatch(s, k, b, 2, 1u, &push, 4, groups < MAX_GROUPS ? (uint32_t)groups : MAX_GROUPS, 1, 1,
                          "swiglu", err);
}

lil_status mk_select(lil_ctx *ctx, lil_seq *s, lil_buffer *logits, lil_buffer *ids, lil_buffer *ring,
                     lil_buffer *params, const mk_select_desc *d, lil_error *err) {
  int sample = d->temp > 0;
  const char *name = sample ? "mdl_sample" : "mdl_argmax";
  struct {
    uint32_t n, ring_size, off, top_k;
    float inv_temp, top_p, min_p;
    uint32_t seed_lo, seed_hi;
  } push = {d->n_vocab, d->ring_size, d->logits_off, d->top_k, sample ? 1.0f / d->temp : 1.0f, d->top_p, d->min_p,
            (uint32_t)d->seed, (uint32_t)(d->seed >> 32)};
  lil_kernel *k;
  lil_status st = kernel(ctx, name, 4, sizeof(push), &k, err);
  if (st) return st;
  lil_binding b[4] = {bind(logits), bind(ids), bind(ring), bind(params)};
  return lil_seq_dispatch(s, k, b, 4, (1u << 1) | (1u << 2), &push, sizeof(push), 1, 1, 1, name, err);
}
