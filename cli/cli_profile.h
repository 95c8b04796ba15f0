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

#endif
