/* Benchmarks of `lil bench`. Each takes argv starting at its own name. */
#ifndef LIL_CLI_BENCH_H
#define LIL_CLI_BENCH_H

int bench_copy(int argc, char **argv);
int bench_attention(int argc, char **argv);

#endif
