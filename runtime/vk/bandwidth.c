/* Copy bandwidth of the device, measured with the copy_vec4 kernel: the ceiling every other kernel
 * is compared against in the same run. */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

#include "lil_bandwidth.h"
#include "vk_internal.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* A sequence of iters copy_vec4 dispatches between two buffers of bytes (alternating direction),
 * timed as a whole. */
typedef struct copy_seq {
  lil_buffer *a, *b;
  lil_seq *seq;
} copy_seq;

static void copy_seq_free(copy_seq *c) {
  lil_seq_free(c->seq);
  lil_buffer_free(c->a);
  lil_buffer_free(c->b);
}

static lil_status copy_seq_create(lil_ctx *ctx, uint64_t bytes, uint32_t iters, copy_seq *c, lil_error *err) {
  *c = (copy_seq){0};
  lil_kernel *k = NULL;
  lil_kernel_desc kd = {.shader = "copy_vec4", .n_bindings = 2, .push_size = 4, .n_spec = 1, .spec = {256}};
  if (kd.spec[0] > ctx->snap.max_workgroup_invocations) kd.spec[0] = ctx->snap.max_workgroup_invocations;
  lil_status st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, bytes, "copy-src", &c->a, err);
  if (!st) st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, bytes, "copy-dst", &c->b, err);
  if (!st) st = lil_buffer_fill(c->a, 0, bytes, 0x3f800000u, err);
  if (!st) st = lil_kernel_get(ctx, &kd, &k, err);
  if (!st) st = lil_seq_create(ctx, &c->seq, err);
  if (!st) st = lil_seq_time_total_only(c->seq, err);
  uint32_t n = (uint32_t)(bytes / 16);
  /* enough workgroups to fill any GPU; the kernel strides over the rest */
  uint32_t groups = (n + kd.spec[0] - 1) / kd.spec[0];
  if (groups > 65535) groups = 65535;
  for (uint32_t i = 0; i < iters && !st; i++) {
    lil_binding bb[2] = {{i & 1 ? c->b : c->a, 0, 0}, {i & 1 ? c->a : c->b, 0, 0}};
    st = lil_seq_dispatch(c->seq, k, bb, 2, 2, &n, 4, groups, 1, 1, "copy_vec4", err);
  }
  if (st) copy_seq_free(c);
  return st;
}

lil_status lil_measure_copy_bandwidth(lil_ctx *ctx, uint64_t bytes, uint32_t iters, lil_copy_result *out,
                                      lil_error *err) {
  const lil_device_plan *p = lil_ctx_plan(ctx);
  if (bytes > p->max_binding) bytes = p->max_binding;
  bytes &= ~(uint64_t)15;
  if (bytes < 16 || iters == 0) return lil_error_set(err, LIL_ERR_INVALID_ARG, "copy bandwidth: size too small");
  copy_seq c;
  lil_status st = copy_seq_create(ctx, bytes, iters, &c, err);
  if (st) return st;
  double best = 0, t0 = now_ms();
  st = lil_seq_time_best(c.seq, LIL_BENCH_WARM_MS, 3, &best, err);
  double wall = now_ms() - t0;
  if (!st) {
    out->bytes = bytes;
    out->iters = iters;
    out->ms_per_copy = best / iters;
    out->gbps = 2.0 * (double)bytes / (out->ms_per_copy * 1e-3) / 1e9;
    out->timed_on_gpu = lil_seq_gpu_ms(c.seq) > 0;
    out->wall_ms = wall;
  }
  copy_seq_free(&c);
  return st;
}

lil_status lil_seq_time_best(lil_seq *seq, double warm_ms, uint32_t reps, double *best_ms, lil_error *err) {
  double t_end = now_ms() + warm_ms, best = 0;
  lil_status st = LIL_OK;
  for (uint32_t runs = 0; !st && (runs < 1 || now_ms() < t_end); runs++) st = lil_seq_run(seq, err);
  for (uint32_t r = 0; r < reps && !st; r++) {
    double t0 = now_ms();
    st = lil_seq_run(seq, err);
    double ms = lil_seq_gpu_ms(seq);
    if (ms <= 0) ms = now_ms() - t0;
    if (!st && (best == 0 || ms < best)) best = ms;
  }
  *best_ms = best;
  return st;
}

lil_status lil_gpu_warm_up(lil_ctx *ctx, double ms, lil_error *err) {
  uint64_t bytes = ctx->plan.max_binding < (64ull << 20) ? ctx->plan.max_binding & ~(uint64_t)15 : 64ull << 20;
  copy_seq c;
  lil_status st = copy_seq_create(ctx, bytes, 16, &c, err);
  if (st) return st;
  for (double t_end = now_ms() + ms; !st && now_ms() < t_end;) st = lil_seq_run(c.seq, err);
  copy_seq_free(&c);
  return st;
}
