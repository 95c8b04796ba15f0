/* lil bench kernels: time of each kernel family per type and shape (GPU timestamps), GB/s of the
 * bytes it must move, GFLOP/s, and the fraction of the copy bandwidth measured in the same run.
 *
 * Families are functions `int bench_kernels_<family>(lil_ctx *, const kernels_opts *, double copy_gbps)`
 * listed in families[] below; each prints its rows through kernels_report(). The matvec family is
 * here; a matmul family plugs in by adding its function and one families[] line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_bench.h"
#include "cli_util.h"
#include "lil_bandwidth.h"
#include "lil_ops_matvec.h"
#include "lil_quant.h"

typedef struct kernels_opts {
  int json, quick;
  const char *filter; /* case-insensitive substring of the kernel name ("q4_k", "matvec_f16"); NULL: all */
  uint32_t iters;     /* kernel runs per timed replay */
  uint32_t ncols;     /* matvec columns (tokens) */
  lil_matvec_config mv; /* --wg / --rows overrides (0: the plan's) */
  int serial;           /* 1: every matvec run writes the same y (each waits for the previous) */
  const char *device_name;
} kernels_opts;

typedef struct kernels_row {
  const char *family, *kernel, *type;
  uint32_t rows, cols, ncols; /* out x in; ncols = tokens */
  uint32_t parts, copies;     /* weight parts per dispatch, weight copies rotated (defeats the L2) */
  double ms, bytes, flops, copy_gbps;
  int gpu_timer;
  uint32_t wg, rows_per_group; /* launch shape used (0: not applicable) */
} kernels_row;

static void kernels_report(const kernels_opts *o, const kernels_row *r) {
  double gbps = r->bytes / (r->ms * 1e-3) / 1e9, gflops = r->flops / (r->ms * 1e-3) / 1e9;
  double frac = r->copy_gbps > 0 ? gbps / r->copy_gbps : 0;
  if (o->json)
    printf("{\"bench\": \"kernels\", \"family\": \"%s\", \"kernel\": \"%s\", \"type\": \"%s\", \"rows\": %u, "
           "\"cols\": %u, \"ncols\": %u, \"parts\": %u, \"copies\": %u, \"iters\": %u, \"ms\": %.5f, "
           "\"bytes\": %.0f, \"gbps\": %.2f, \"gflops\": %.2f, \"copy_gbps\": %.2f, \"frac_copy\": %.4f, "
           "\"wg\": %u, \"rows_per_group\": %u, \"serial\": %d, \"timer\": \"%s\", \"device\": \"%s\"}\n",
           r->family, r->kernel, r->type, r->rows, r->cols, r->ncols, r->parts, r->copies, o->iters, r->ms, r->bytes,
           gbps, gflops, r->copy_gbps, frac, r->wg, r->rows_per_group, o->serial, r->gpu_timer ? "gpu" : "wall", o->device_name);
  else
    printf("%-22s %7u x %-6u %5u %10.4f %10.1f %10.1f %7.1f%% %9.1f\n", r->kernel, r->rows, r->cols, r->ncols, r->ms,
           gbps, gflops, 100 * frac, r->copy_gbps);
  fflush(stdout);
}

static uint64_t xorshift(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* Random rows of type, fast: random words with the exponent's top bit cleared for float types
 * (|x| < 2, no inf/NaN), random bytes with a small fixed f16 scale for quantized blocks. */
static void random_rows(uint32_t type, uint8_t *dst, uint64_t bytes, uint64_t row_bytes, uint64_t *rng) {
  uint64_t words = bytes / 8;
  uint64_t *w = (uint64_t *)dst;
  uint64_t mask = type == LIL_TYPE_F32 ? 0xbfffffffbfffffffull : 0xbfffbfffbfffbfffull;
  for (uint64_t i = 0; i < words; i++) w[i] = xorshift(rng) & mask;
  for (uint64_t i = words * 8; i < bytes; i++) dst[i] = (uint8_t)xorshift(rng);
  const lil_type_info *ti = lil_type_get(type);
  if (ti->block_elems == 1) {
    if (type != LIL_TYPE_F32)
      for (uint64_t i = 1; i < bytes; i += 2) dst[i] &= 0xbf;
    else
      for (uint64_t i = 3; i < bytes; i += 4) dst[i] &= 0xbf;
    return;
  }
  uint16_t d = lil_f32_to_f16(1.0f / 256);
  for (uint64_t r = 0; r < bytes / row_bytes; r++)
    for (uint64_t b = 0; b < row_bytes / ti->block_bytes; b++) {
      uint8_t *blk = dst + r * row_bytes + b * ti->block_bytes;
      uint8_t *dp = type == LIL_TYPE_Q6_K ? blk + 208 : blk;
      dp[0] = (uint8_t)d;
      dp[1] = (uint8_t)(d >> 8);
      if (type == LIL_TYPE_Q4_K) blk[2] = (uint8_t)d, blk[3] = (uint8_t)(d >> 8); /* dmin */
    }
}

static lil_status make_weight(lil_ctx *ctx, uint32_t type, uint32_t rows, uint32_t cols, uint64_t *rng,
                              lil_weight **out, lil_error *err) {
  lil_status st = lil_weight_create(ctx, type, rows, cols, NULL, NULL, out, err);
  if (st) return st;
  uint64_t rb = (*out)->row_bytes, chunk_rows = (64ull << 20) / rb + 1;
  uint8_t *buf = malloc(chunk_rows * rb);
  if (!buf) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "bench: host buffer");
  for (uint32_t r = 0; r < rows && !st; r += (uint32_t)chunk_rows) {
    uint32_t n = rows - r < chunk_rows ? rows - r : (uint32_t)chunk_rows;
    random_rows(type, buf, n * rb, rb, rng);
    st = lil_weight_upload_rows(*out, r, n, buf, err);
  }
  free(buf);
  return st;
}

/* Matvec run modes: the plan's default kernels; with plan.use_matvec_x8 (LIL_MATVEC_X8=1) also
 * the integer-dot kernels, once with the activation quantization recorded before every run (each
 * run its own x8 scratch, as each its own y: "+q" in the kernel name; the time includes the
 * quantize dispatch and the barrier after it) and once quantized a single time up front, shared by
 * all runs (the kernel alone, as Q/K/V share one quantization); with plan.matvec_x8_inline (the
 * default) also the Q8_0 / Q4_0 kernels that quantize x themselves (matvecx8i_*, --fuse too). */
enum { MV_DEFAULT, MV_X8_QUANT, MV_X8_SHARED, MV_X8_INLINE };

static lil_status bench_matvec_mode(lil_ctx *ctx, const kernels_opts *o, uint32_t type, uint32_t rows, uint32_t cols,
                                    int mode, double copy_gbps, uint64_t *rng, lil_error *err) {
  const lil_device_plan *plan = lil_ctx_plan(ctx);
  uint32_t nc = o->ncols;
  uint64_t wbytes = (uint64_t)rows * lil_type_row_bytes(type, cols);
  /* rotate over enough weight copies that they do not stay in a last-level cache */
  uint64_t want = o->quick ? 1 : (192ull << 20) / wbytes + 1;
  uint32_t copies = (uint32_t)(want > 256 ? 256 : want < 1 ? 1 : want);
  if (copies > o->iters) copies = o->iters;
  lil_weight **w = calloc(copies, sizeof(*w));
  lil_buffer *xb = NULL, *yb = NULL, *qb = NULL, *ab = NULL;
  lil_seq *seq = NULL;
  lil_status st = w ? LIL_OK : lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "bench: weights");
  for (uint32_t c = 0; c < copies && !st; c++) st = make_weight(ctx, type, rows, cols, rng, &w[c], err);
  if (!st) st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, (uint64_t)nc * cols * 4, "bench-x", &xb, err);
  /* one y per run by default: the runs are independent (as the Q/K/V or gate/up projections of a
   * layer are), so no barrier separates them, only the whole sequence is timed (a timestamp
   * after each dispatch would drain the GPU there) and the time is the kernels' throughput;
   * with --serial they share one y, each run waits for the previous one to drain, and every
   * dispatch is timed */
  uint32_t ys = o->serial ? 1 : o->iters;
  uint64_t ybytes = (uint64_t)nc * rows * 4, ystride = (ybytes + 255) & ~(uint64_t)255;
  uint64_t qbytes = lil_matvec_x8_bytes(nc, cols), qstride = (qbytes + 255) & ~(uint64_t)255;
  uint32_t qs = mode == MV_X8_QUANT ? ys : 1;
  if (!st) st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, ystride * ys, "bench-y", &yb, err);
  int sep = mode == MV_X8_QUANT || mode == MV_X8_SHARED; /* the xq scratch */
  if (!st && sep) st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, qstride * qs, "bench-xq", &qb, err);
  if (!st) st = lil_buffer_fill(xb, 0, (uint64_t)nc * cols * 4, 0x3c000000u, err); /* 2^-7 */
  /* --fuse: the transform's aux vector (norm weight 1.0 / up 2^-7) */
  if (!st && o->mv.fuse) st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, (uint64_t)cols * 4, "bench-aux", &ab, err);
  if (!st && ab)
    st = lil_buffer_fill(ab, 0, (uint64_t)cols * 4, o->mv.fuse == LIL_MATVEC_FUSE_RMSNORM ? 0x3f800000u : 0x3c000000u, err);
  if (!st) st = lil_seq_create(ctx, &seq, err);
  if (!st && !o->serial) st = lil_seq_time_total_only(seq, err);
  if (!st && mode == MV_X8_SHARED)
    st = lil_op_quantize_x8(ctx, seq, (lil_binding){xb, 0, 0}, nc, cols, (lil_binding){qb, 0, qbytes}, err);
  lil_matvec_config cfg = o->mv;
  if (ab) cfg.aux = (lil_binding){ab, 0, 0}, cfg.eps = 1e-6f;
  cfg.x8_inline = mode == MV_X8_INLINE;
  for (uint32_t i = 0; i < o->iters && !st; i++) {
    if (sep) {
      cfg.xq = (lil_binding){qb, (i % qs) * qstride, qbytes};
      cfg.xq_ready = mode == MV_X8_SHARED;
    }
    st = lil_op_matvec_cfg(ctx, seq, w[i % copies], (lil_binding){xb, 0, 0},
                           (lil_binding){yb, (i % ys) * ystride, ybytes}, nc, 0, &cfg, err);
  }
  double best = 0;
  if (!st) st = lil_seq_time_best(seq, o->quick ? 0 : LIL_BENCH_WARM_MS, 5, &best, err);
  /* the shader actually dispatched (the 16-bit-storage variants differ from the generic name; the
   * x8 runs start with the quantization) */
  char ran[48];
  const char *label = !st ? lil_seq_label(seq, sep ? 1 : 0) : NULL;
  if (!label) label = lil_matvec_shader(type, plan->use_subgroup_arith);
  snprintf(ran, sizeof(ran), "%.*s%s", (int)strcspn(label, " "), label, /* the shader: the label less the shape */
           mode == MV_X8_QUANT ? "+q" : o->mv.fuse == LIL_MATVEC_FUSE_RMSNORM ? "+norm" : o->mv.fuse ? "+glu" : "");
  /* copy bandwidth measured again next to each kernel: the GPU's state (clocks, other work on
   * it) can drift during a long sweep, and the ratio should compare like with like */
  lil_copy_result cr = {0};
  if (!st && !o->quick) st = lil_measure_copy_bandwidth(ctx, 256ull << 20, 10, &cr, err);
  double cgbps = !o->quick && cr.gbps > 0 ? cr.gbps : copy_gbps;
  if (!st) {
    /* bytes: weights + F32 x and y for every mode (the x8 runs read less x), so the rows of one
     * shape compare as times */
    kernels_row r = {"matvec", ran, lil_type_get(type)->name, rows, cols, nc, w[0]->n_parts, copies,
                     best / o->iters, (double)wbytes + 4.0 * nc * ((double)rows + cols) + (ab ? 4.0 * cols : 0),
                     2.0 * rows * cols * nc, cgbps, best > 0,
                     o->mv.workgroup_size ? o->mv.workgroup_size : plan->matvec_workgroup_size,
                     o->mv.rows_per_group ? o->mv.rows_per_group : plan->matvec_rows_per_group};
    kernels_report(o, &r);
  }
  lil_seq_free(seq);
  lil_buffer_free(xb);
  lil_buffer_free(yb);
  lil_buffer_free(qb);
  lil_buffer_free(ab);
  for (uint32_t c = 0; w && c < copies; c++) lil_weight_free(w[c]);
  free(w);
  return st;
}

static int bench_kernels_matvec(lil_ctx *ctx, const kernels_opts *o, double copy_gbps) {
  static const uint32_t types[] = {LIL_TYPE_F32,  LIL_TYPE_F16,  LIL_TYPE_BF16, LIL_TYPE_Q8_0,
                                   LIL_TYPE_Q4_0, LIL_TYPE_Q4_K, LIL_TYPE_Q6_K};
  static const uint32_t full[][2] = {{1024, 1024}, {4096, 4096}, {14336, 4096}, {4096, 14336}, {151936, 2048}};
  static const uint32_t quick[][2] = {{64, 256}, {256, 512}, {300, 1024}};
  const uint32_t(*shapes)[2] = o->quick ? quick : full;
  uint32_t n_shapes = o->quick ? 3 : 5;
  const lil_device_plan *plan = lil_ctx_plan(ctx);
  uint64_t rng = 0x9e3779b97f4a7c15ull;
  lil_error err = {0};
  for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
    const char *kernel = lil_matvec_shader(types[t], plan->use_subgroup_arith);
    if (!cli_name_matches(o->filter, kernel)) continue;
    /* whether the integer-dot path applies to this type here (a 1-row probe weight) */
    lil_weight *probe = NULL;
    int x8 = 0, x8i = 0;
    if (plan->use_matvec_x8 && !lil_weight_create(ctx, types[t], 1, 256, NULL, NULL, &probe, &err)) {
      x8 = !o->mv.fuse && lil_matvec_x8_applies(ctx, probe);
      x8i = lil_matvec_x8_inline_applies(ctx, probe);
    }
    lil_weight_free(probe);
    for (uint32_t s = 0; s < n_shapes; s++)
      for (int mode = MV_DEFAULT; mode <= MV_X8_INLINE; mode++) {
        if ((mode == MV_X8_QUANT || mode == MV_X8_SHARED) && !x8) continue;
        if (mode == MV_X8_INLINE && !x8i) continue;
        if (bench_matvec_mode(ctx, o, types[t], shapes[s][0], shapes[s][1], mode, copy_gbps, &rng, &err))
          return cli_fail("bench kernels", &err);
      }
  }
  return 0;
}

static int bench_kernels_matmul_family(lil_ctx *ctx, const kernels_opts *o, double copy_gbps) {
  return bench_kernels_matmul(ctx, copy_gbps, o->json, o->quick, o->filter, o->iters, o->device_name);
}

static const struct {
  const char *name;
  int (*run)(lil_ctx *ctx, const kernels_opts *o, double copy_gbps);
} families[] = {
    {"matvec", bench_kernels_matvec},
    {"matmul", bench_kernels_matmul_family},
};

static void usage(FILE *f) {
  fprintf(f, "usage: lil bench kernels [--quick] [--filter NAME] [--iters N] [--ncols N] [--wg N] [--rows N]\n"
             "                         [--fuse rmsnorm|swiglu] [--serial] [--pipeline-stats] [--device SEL] [--json]\n"
             "Times each kernel per type and shape (GPU timestamps) and reports GB/s of the bytes it must move\n"
             "(weights + x + y), GFLOP/s and the fraction of the copy bandwidth measured in the same run (matvec: re-measured\n"
             "next to each kernel, 256 MiB x 10, shown as 'copy GB/s').\n"
             "  --quick        tiny shapes (CPU devices such as lavapipe)\n"
             "  --filter NAME  only kernels whose name contains NAME (e.g. q4_k, matvec_f16)\n"
             "  --iters N      kernel runs per timed replay (default 20, --quick 3)\n"
             "  --ncols N      matvec columns (tokens, 1..8; default 1)\n"
             "  --wg N, --rows N  matvec workgroup size / rows per workgroup (default: the device plan's)\n"
             "  --fuse T       matvec with the decode step's fused input transform (rmsnorm: x scaled by 1/rms(x)\n"
             "                 and a weight; swiglu: silu(x) * up), one column: '+norm' / '+glu' rows\n"
             "  --serial       matvec runs share one output, so each waits for the previous one (default:\n"
             "                 independent outputs, no barrier or timestamp between runs: throughput)\n"
             "With LIL_MATVEC_X8=1 (on a device with integer dot products) the Q8_0 / Q4_0 / Q4_K / Q6_K matvecs\n"
             "also run with 8-bit activations: 'matvecx8_*+q' rows include the activation quantization before\n"
             "every run, 'matvecx8_*' rows quantize once for all runs.\n"
             "  --pipeline-stats  print the driver's statistics of each pipeline (registers, spills; needs\n"
             "                 VK_KHR_pipeline_executable_properties) to stderr\n"
             "  --json         JSON Lines, one object per kernel and shape\n");
}

int bench_kernels(int argc, char **argv) {
  static const struct option opts[] = {
      {"quick", no_argument, 0, 'q'},        {"filter", required_argument, 0, 'f'}, {"iters", required_argument, 0, 'i'},
      {"ncols", required_argument, 0, 'n'},  {"device", required_argument, 0, 'd'}, {"json", no_argument, 0, 'j'},
      {"wg", required_argument, 0, 'w'},     {"rows", required_argument, 0, 'r'},
      {"pipeline-stats", no_argument, 0, 'p'}, {"serial", no_argument, 0, 's'}, {"fuse", required_argument, 0, 'u'},
      {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
  kernels_opts ko = {0};
  uint64_t iters = 0, ncols = 1, wg = 0, rows = 0;
  int c;
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  o.profile = 1;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "qf:i:n:w:r:d:jh", opts, NULL)) != -1) {
    switch (c) {
    case 'q': ko.quick = 1; break;
    case 'f': ko.filter = optarg; break;
    case 'i': if (!cli_parse_u64("bench kernels", "--iters", optarg, 1, 10000, &iters)) return 2; break;
    case 'n': if (!cli_parse_u64("bench kernels", "--ncols", optarg, 1, LIL_MATVEC_MAX_COLS, &ncols)) return 2; break;
    case 'w': if (!cli_parse_u64("bench kernels", "--wg", optarg, 1, 1024, &wg)) return 2; break;
    case 'r': if (!cli_parse_u64("bench kernels", "--rows", optarg, 1, 16, &rows)) return 2; break;
    case 'd': o.device = optarg; break;
    case 'j': ko.json = 1; break;
    case 'p': o.pipeline_stats = 1; break;
    case 's': ko.serial = 1; break;
    case 'u':
      if (!strcmp(optarg, "rmsnorm")) ko.mv.fuse = LIL_MATVEC_FUSE_RMSNORM;
      else if (!strcmp(optarg, "swiglu")) ko.mv.fuse = LIL_MATVEC_FUSE_SWIGLU;
      else {
        fprintf(stderr, "lil bench kernels: --fuse '%s': expected rmsnorm or swiglu\n", optarg);
        return 2;
      }
      break;
    case 'h': usage(stdout); return 0;
    default: fprintf(stderr, "lil bench kernels: unknown or incomplete option '%s'\n", argv[optind - 1]); return 2;
    }
  }
  ko.iters = iters ? (uint32_t)iters : ko.quick ? 3 : 20;
  ko.ncols = (uint32_t)ncols;
  ko.mv.workgroup_size = (uint32_t)wg;
  ko.mv.rows_per_group = (uint32_t)rows;
  if (ko.mv.fuse && ncols != 1) {
    fprintf(stderr, "lil bench kernels: --fuse needs one column (--ncols 1)\n");
    return 2;
  }
  lil_ctx *ctx = NULL;
  lil_error err = {0};
  if (lil_ctx_create(&o, &ctx, &err)) return cli_fail("bench kernels", &err);
  const lil_device_snapshot *s = lil_ctx_snapshot(ctx);
  ko.device_name = s->name;
  lil_copy_result cr;
  lil_status st = lil_measure_copy_bandwidth(ctx, ko.quick ? (8ull << 20) : (1ull << 30), ko.quick ? 3 : 20, &cr, &err);
  int rc = 0;
  if (st) rc = cli_fail("bench kernels", &err);
  if (!rc) {
    if (ko.json)
      printf("{\"bench\": \"kernels\", \"family\": \"copy\", \"device\": \"%s\", \"driver\": \"%s %s\", "
             "\"bytes\": %llu, \"gbps\": %.2f, \"timer\": \"%s\"}\n",
             s->name, s->driver_name, s->driver_info, (unsigned long long)cr.bytes, cr.gbps,
             cr.timed_on_gpu ? "gpu" : "wall");
    else
      printf("device: %s (%s %s)\ncopy bandwidth: %.1f GB/s (%s timer)\n%-22s %16s %5s %10s %10s %10s %8s %9s\n",
             s->name, s->driver_name, s->driver_info, cr.gbps, cr.timed_on_gpu ? "GPU" : "wall-clock", "kernel",
             "out x in", "ncols", "ms", "GB/s", "GFLOP/s", "of copy", "copy GB/s");
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]) && !rc; i++) rc = families[i].run(ctx, &ko, cr.gbps);
  }
  uint32_t vmsgs = lil_ctx_validation_messages(ctx);
  lil_ctx_free(ctx);
  if (rc) return rc;
  return vmsgs ? 3 : 0;
}
