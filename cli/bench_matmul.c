/* lil bench kernels, matmul family: prefill Y[N][rows] = W[rows][cols] X[N][cols] per path (NV
 * cooperative matrix when the device has it, the portable tiled kernel) and weight type, timed with
 * GPU timestamps; rows in the same format as the matvec family (kernel, out x in, ncols = tokens,
 * ms, GB/s of the bytes moved, GFLOP/s, fraction of the copy bandwidth measured in the same run).
 * The tensor-core rows name the design in the kernel column (matmul_coopmat_nv_* = "base",
 * matmul_cm_<design>_*); $LIL_MATMUL_VARIANT picks the designs (see variant_selected).
 *
 * Called from cli/bench_kernels.c's families[] through a one-line adapter:
 *   static int bench_kernels_matmul_family(lil_ctx *ctx, const kernels_opts *o, double copy_gbps) {
 *     return bench_kernels_matmul(ctx, copy_gbps, o->json, o->quick, o->filter, o->iters, o->device_name);
 *   }
 * with the declaration below in cli/cli_bench.h and 'bench_matmul.c' in cli/meson.build. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_util.h"
#include "lil_bandwidth.h"
#include "lil_ops_matmul.h"

int bench_kernels_matmul(lil_ctx *ctx, double copy_gbps, int json, int quick, const char *filter, uint32_t iters,
                         const char *device_name);

/* Times one (type, path, design, shape); prints its row. Returns the status. ms includes the F32 -> F16
 * conversion of X for the designs that read f16 X (one per matmul, as lil_op_matmul_ex records it);
 * cvt_ms is that conversion's share. */
static lil_status bench_one(lil_ctx *ctx, uint32_t type, const char *variant, uint32_t n, uint32_t rows,
                            uint32_t cols, uint32_t iters, double copy_gbps, int json, int quick, const char *device_name,
                            lil_error *err) {
  lil_weight *w = NULL;
  lil_buffer *xb = NULL, *yb = NULL, *x16 = NULL;
  lil_seq *seq = NULL;
  lil_status st = lil_weight_create(ctx, type, rows, cols, NULL, NULL, &w, err);
  /* finite values for every type: halves 0.0625 (also every f16 block scale), f32 ~0.0625 */
  for (uint32_t p = 0; !st && p < w->n_parts; p++)
    st = lil_buffer_fill(w->parts[p].buf, w->parts[p].offset, w->parts[p].bytes & ~3ull,
                         type == LIL_TYPE_F32 ? 0x3d800000u : 0x2c002c00u, err);
  uint64_t xbytes = 4ull * n * cols, ybytes = 4ull * n * rows;
  const int use_x16 = variant && lil_matmul_variant_x16(variant) == 1;
  if (!st) st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, xbytes, "bench-x", &xb, err);
  if (!st) st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, ybytes, "bench-y", &yb, err);
  if (!st && use_x16) st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, xbytes / 2, "bench-x16", &x16, err);
  if (!st) st = lil_buffer_fill(xb, 0, xbytes, 0x3c000000u, err); /* 2^-7 */
  if (!st) st = lil_seq_create(ctx, &seq, err);
  lil_matmul_cfg cfg = {.path = variant ? LIL_MATMUL_COOPMAT : LIL_MATMUL_PLAIN, .variant = variant};
  if (use_x16) cfg.x16 = (lil_binding){x16, 0, 0};
  /* $LIL_MATMUL_W16=1: quantized weights decoded to f16 first (lil_matmul_cfg.w16; ms includes it) */
  const char *we = getenv("LIL_MATMUL_W16");
  const int w16 = variant && we && !strcmp(we, "1") && type != LIL_TYPE_F16;
  lil_buffer *w16b = NULL;
  if (!st && w16) st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, 2ull * rows * cols, "bench-w16", &w16b, err);
  if (w16b) cfg.w16 = (lil_binding){w16b, 0, 0};
  for (uint32_t i = 0; i < iters && !st; i++)
    st = lil_op_matmul_ex(ctx, seq, w, (lil_binding){xb, 0, 0}, (lil_binding){yb, 0, 0}, n, 0, &cfg, err);
  double best = 0, best_cvt = 0;
  /* the GPU idled while the host prepared this shape: bring its clocks up first */
  if (!st && !quick) st = lil_seq_time_best(seq, LIL_BENCH_WARM_MS, 1, &best, err);
  best = 0;
  for (int rep = 0; rep < 3 && !st; rep++) { /* the first replay warms up */
    st = lil_seq_run(seq, err);
    double ms = lil_seq_gpu_ms(seq), cvt = 0;
    const lil_seq_timing *tm = NULL;
    uint32_t nt = lil_seq_timings(seq, &tm);
    for (uint32_t i = 0; i < nt; i++)
      if (tm[i].label && !strcmp(tm[i].label, "matmul_x16")) cvt += tm[i].ms;
    if (!st && rep > 0 && (best == 0 || ms < best)) best = ms, best_cvt = cvt;
  }
  if (!st) {
    char kernel[64];
    if (!variant || !lil_matmul_variant_shader(type, variant, kernel, sizeof(kernel)))
      snprintf(kernel, sizeof(kernel), "%s", lil_matmul_shader(type, 0));
    double ms = best / iters, cvt_ms = best_cvt / iters;
    double bytes = (double)rows * lil_type_row_bytes(type, cols) + (double)xbytes + (double)ybytes;
    double flops = 2.0 * n * rows * cols;
    double gbps = ms > 0 ? bytes / (ms * 1e-3) / 1e9 : 0, gflops = ms > 0 ? flops / (ms * 1e-3) / 1e9 : 0;
    double frac = copy_gbps > 0 ? gbps / copy_gbps : 0;
    if (json)
      printf("{\"bench\": \"kernels\", \"family\": \"matmul\", \"kernel\": \"%s\", \"variant\": \"%s\", "
             "\"type\": \"%s\", \"rows\": %u, \"cols\": %u, \"ncols\": %u, \"parts\": %u, \"copies\": 1, "
             "\"w16\": %s, \"iters\": %u, \"ms\": %.5f, \"cvt_ms\": %.5f, \"bytes\": %.0f, \"gbps\": %.2f, \"gflops\": %.2f, "
             "\"copy_gbps\": %.2f, \"frac_copy\": %.4f, \"timer\": \"%s\", \"device\": \"%s\"}\n",
             kernel, variant ? variant : "plain", lil_type_get(type)->name, rows, cols, n, w->n_parts, w16 ? "true" : "false", iters, ms,
             cvt_ms, bytes, gbps, gflops, copy_gbps, frac, best > 0 ? "gpu" : "wall", device_name ? device_name : "");
    else
      printf("%-28s %7u x %-6u %5u %10.4f %10.1f %10.1f %7.1f%%  cvt %.4f ms%s\n", kernel, rows, cols, n, ms, gbps,
             gflops, 100 * frac, cvt_ms, w16 ? "  (W decoded to f16 first)" : "");
    fflush(stdout);
  }
  lil_seq_free(seq);
  lil_buffer_free(xb);
  lil_buffer_free(yb);
  lil_buffer_free(x16);
  lil_buffer_free(w16b);
  lil_weight_free(w);
  return st;
}

/* 1 when the comma-separated list has name (case-insensitive). */
static int list_has(const char *list, const char *name) {
  size_t n = strlen(name);
  for (const char *p = list; *p;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len == n && !strncasecmp(p, name, n)) return 1;
    if (!e) break;
    p = e + 1;
  }
  return 0;
}

/* Tensor-core designs to time: $LIL_MATMUL_VARIANT = a name, a comma-separated list, or "all";
 * unset or empty: per shape, the design lil_op_matmul_ex picks when given an x16 scratch. */
static int variant_selected(const lil_ctx *ctx, const char *name, uint32_t type, uint32_t rows, uint32_t n_tokens) {
  const char *env = getenv("LIL_MATMUL_VARIANT");
  const char *w16 = getenv("LIL_MATMUL_W16");
  int f16w = type == LIL_TYPE_F16 || (w16 && !strcmp(w16, "1"));
  if (!env || !*env) return !strcmp(name, lil_matmul_variant_for(ctx, 1, f16w, rows, n_tokens));
  return !strcmp(env, "all") || list_has(env, name);
}

/* Weight types to time: $LIL_MATMUL_TYPES = comma-separated type names (f16,q4_k), unset = all. */
static int type_selected(uint32_t type) {
  const char *env = getenv("LIL_MATMUL_TYPES");
  return !env || !*env || list_has(env, lil_type_get(type)->name);
}

/* Shapes to time: $LIL_MATMUL_SHAPES = comma-separated TOKENSxROWSxCOLS (the model's own, e.g.
 * 512x1024x3072 for a down projection), at most 16; unset: the two default shapes. Returns the
 * count, 0 when the variable is malformed (reported on stderr). */
#define MAX_SHAPES 16
static uint32_t env_shapes(uint32_t out[MAX_SHAPES][3]) {
  const char *p = getenv("LIL_MATMUL_SHAPES");
  uint32_t n = 0;
  while (p && *p) {
    unsigned a, b, c;
    int used = 0;
    if (n == MAX_SHAPES || sscanf(p, "%ux%ux%u%n", &a, &b, &c, &used) != 3 || !a || !b || !c || a > (1u << 20) ||
        b > (1u << 24) || c > (1u << 24) || (p[used] && p[used] != ',')) {
      fprintf(stderr, "lil bench kernels: LIL_MATMUL_SHAPES: expected up to %d TOKENSxROWSxCOLS, comma-separated, at '%s'\n",
              MAX_SHAPES, p);
      return 0;
    }
    out[n][0] = a, out[n][1] = b, out[n][2] = c, n++;
    p += used + (p[used] == ',');
  }
  return n;
}

int bench_kernels_matmul(lil_ctx *ctx, double copy_gbps, int json, int quick, const char *filter, uint32_t iters,
                         const char *device_name) {
  static const uint32_t types[] = {LIL_TYPE_F16, LIL_TYPE_Q8_0, LIL_TYPE_Q4_0, LIL_TYPE_Q4_K, LIL_TYPE_Q6_K};
  static const uint32_t full[][3] = {{512, 4096, 4096}, {4096, 4096, 4096}}; /* N x rows x cols */
  static const uint32_t small[][3] = {{64, 256, 256}, {130, 300, 512}};
  uint32_t custom[MAX_SHAPES][3], n_shapes = 2;
  const uint32_t(*shapes)[3] = quick ? small : full;
  const char *se = getenv("LIL_MATMUL_SHAPES");
  if (se && *se) {
    if (!(n_shapes = env_shapes(custom))) return 2;
    shapes = (const uint32_t(*)[3])custom;
  }
  if (iters == 0) iters = quick ? 2 : 10;
  lil_error err = {0};
  for (uint32_t v = 0; v <= lil_matmul_variant_count(); v++) { /* v == count: the plain kernel */
    const char *variant = lil_matmul_variant_name(v);
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
      if (!type_selected(types[t])) continue;
      char kernel[64];
      if (variant) {
        if (!lil_matmul_variant_shader(types[t], variant, kernel, sizeof(kernel))) continue;
      } else {
        snprintf(kernel, sizeof(kernel), "%s", lil_matmul_shader(types[t], 0));
      }
      if (!cli_name_matches(filter, kernel)) continue;
      for (uint32_t s = 0; s < n_shapes; s++) {
        uint32_t n = shapes[s][0], rows = shapes[s][1], cols = shapes[s][2];
        if (variant && !variant_selected(ctx, variant, types[t], rows, n)) continue;
        if (variant) {
          lil_weight probe = {.type = types[t], .rows = rows, .cols = cols};
          char why[128];
          if (!lil_matmul_coopmat_ok(ctx, &probe, why, sizeof(why))) {
            if (!json && s == 0) printf("%-28s skipped: %s\n", kernel, why);
            continue;
          }
        }
        if (bench_one(ctx, types[t], variant, n, rows, cols, iters, copy_gbps, json, quick, device_name, &err))
          return cli_fail("bench kernels", &err);
      }
    }
  }
  return 0;
}
