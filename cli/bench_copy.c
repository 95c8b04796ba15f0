/* lil bench copy: the device's copy bandwidth (bytes read + written). */
#include <getopt.h>
#include <stdio.h>

#include "cli_bench.h"
#include "cli_util.h"
#include "lil_bandwidth.h"

static void usage(FILE *f) {
  fprintf(f, "usage: lil bench copy [--size MIB] [--iters N] [--device SEL] [--json]\n"
             "Copies a buffer with a vec4 shader and reports GB/s (bytes read + written).\n"
             "  --size MIB   buffer size (default 1024, clamped to the device's largest binding)\n"
             "  --iters N    copies per timed replay (default 20)\n");
}

int bench_copy(int argc, char **argv) {
  static const struct option opts[] = {{"size", required_argument, 0, 's'}, {"iters", required_argument, 0, 'i'},
                                       {"device", required_argument, 0, 'd'}, {"json", no_argument, 0, 'j'},
                                       {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
  uint64_t mib = 1024, iters = 20;
  int json = 0, c;
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  o.profile = 1;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "s:i:d:jh", opts, NULL)) != -1) {
    switch (c) {
    case 's': if (!cli_parse_u64("bench copy", "--size", optarg, 1, 1 << 16, &mib)) return 2; break;
    case 'i': if (!cli_parse_u64("bench copy", "--iters", optarg, 1, 10000, &iters)) return 2; break;
    case 'd': o.device = optarg; break;
    case 'j': json = 1; break;
    case 'h': usage(stdout); return 0;
    default: fprintf(stderr, "lil bench copy: unknown or incomplete option '%s'\n", argv[optind - 1]); return 2;
    }
  }
  lil_ctx *ctx = NULL;
  lil_error err = {0};
  if (lil_ctx_create(&o, &ctx, &err)) return cli_fail("bench copy", &err);
  lil_copy_result r;
  lil_status st = lil_measure_copy_bandwidth(ctx, mib << 20, (uint32_t)iters, &r, &err);
  const lil_device_snapshot *s = lil_ctx_snapshot(ctx);
  if (!st) {
    if (json)
      printf("{\"bench\": \"copy\", \"device\": \"%s\", \"driver\": \"%s %s\", \"bytes\": %llu, \"iters\": %u, "
             "\"ms_per_copy\": %.4f, \"gbps\": %.1f, \"timer\": \"%s\"}\n",
             s->name, s->driver_name, s->driver_info, (unsigned long long)r.bytes, r.iters, r.ms_per_copy, r.gbps,
             r.timed_on_gpu ? "gpu" : "wall");
    else
      printf("device: %s (%s %s)\ncopy %.1f MiB x %u: %.4f ms per copy, %.1f GB/s (read + write, %s timer)\n",
             s->name, s->driver_name, s->driver_info, (double)r.bytes / (1 << 20), r.iters, r.ms_per_copy, r.gbps,
             r.timed_on_gpu ? "GPU" : "wall-clock");
  }
  uint32_t vmsgs = lil_ctx_validation_messages(ctx);
  lil_ctx_free(ctx);
  if (st) return cli_fail("bench copy", &err);
  return vmsgs ? 3 : 0;
}
