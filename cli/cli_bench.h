/* Benchmarks of `lil bench`. Each takes argv starting at its own name. */
#ifndef LIL_CLI_BENCH_H
#define LIL_CLI_BENCH_H

int bench_copy(int argc, char **argv);
int bench_kernels(int argc, char **argv);

/* The matmul family of `lil bench kernels` (cli/bench_matmul.c). */
#include <stdint.h>
typedef struct lil_ctx lil_ctx;
int bench_kernels_matmul(lil_ctx *ctx, double copy_gbps, int json, int quick, const char *filter, uint32_t iters,
                         const char *device_name);
int bench_attention(int argc, char **argv);
int bench_prefill(int argc, char **argv);
int bench_decode(int argc, char **argv);
int bench_suite(int argc, char **argv);

#endif
