/* lil bench: benchmark families. Speed lives here, never in tests; results are ratios to the copy
 * bandwidth measured in the same run. */
#include <stdio.h>
#include <string.h>

#include "cli_bench.h"
#include "cli_commands.h"
#include "cli_guardian.h"

static const struct {
  const char *name;
  const char *summary;
  int (*main)(int argc, char **argv);
} benches[] = {
    {"copy", "copy bandwidth of the device (the ceiling for every kernel)", bench_copy},
    {"guardian", "cost of one Guardian check at 1k..128k generated tokens", bench_guardian},
    {"kernels", "per-kernel time, GB/s and fraction of copy bandwidth (matvec, ...)", bench_kernels},
    {"attention", "decode attention per layer over context lengths, dense and sparse policies", bench_attention},
    {"decode", "batch-1 decode of a model: tok/s against the weight-bytes / copy-bandwidth floor", bench_decode},
    {"prefill", "prompt pass of a model per prompt length: tok/s, attention vs matmul share", bench_prefill},
    {"suite", "the comparison suite of one or every device, for `lil report` (JSON)", bench_suite},
};
#define N_BENCHES (sizeof(benches) / sizeof(benches[0]))

static void usage(FILE *f) {
  fprintf(f, "usage: lil bench WHAT [options]   (lil bench WHAT --help for each)\n");
  for (size_t i = 0; i < N_BENCHES; i++) fprintf(f, "  %-10s %s\n", benches[i].name, benches[i].summary);
}

int cmd_bench(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < N_BENCHES; i++)
    if (!strcmp(argv[1], benches[i].name)) return benches[i].main(argc - 1, argv + 1);
  fprintf(stderr, "lil bench: unknown benchmark '%s' (see lil bench --help)\n", argv[1]);
  return 2;
}
