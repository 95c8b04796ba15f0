/* Per-dispatch GPU timings (a profiled context's sequence) summed by kernel label. */
#ifndef LIL_CLI_PROFILE_H
#define LIL_CLI_PROFILE_H
#include <stdint.h>

#include "lil_vk.h"

typedef struct cli_kernel_time {
  char label[96];
  double ms;
  uint32_t count;
} cli_kernel_time;

/* Sums the n timings of t by label into out (at most cap entries; labels past cap - 1 distinct
 * ones are summed into a last "(others)" entry), largest time first. Returns the entries written
 * and sets *total_ms to the sum of all timings. */
uint32_t cli_profile_by_label(const lil_seq_timing *t, uint32_t n, cli_kernel_time *out, uint32_t cap,
                              double *total_ms);

/* The weight bytes one dispatch labelled "<matvec shader>[+...] ROWSxCOLS" reads (the decode
 * matvecs' profile labels: the type from the shader name, e.g. matvecx8i_q4_0_r4_c1 28672x4096),
 * or 0 for other labels. */
uint64_t cli_profile_weight_bytes(const char *label);

#endif
