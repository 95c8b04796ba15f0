/* Per-dispatch GPU timings summed by kernel label (lil run --profile, lil bench decode --profile). */
#include "cli_profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_ms_desc(const void *a, const void *b) {
  double x = ((const cli_kernel_time *)a)->ms, y = ((const cli_kernel_time *)b)->ms;
  return x < y ? 1 : x > y ? -1 : 0;
}

static uint32_t find(const cli_kernel_time *out, uint32_t na, const char *l) {
  uint32_t j = 0;
  while (j < na && strncmp(out[j].label, l, sizeof(out[j].label) - 1)) j++; /* labels kept to 95 chars */
  return j;
}

uint32_t cli_profile_by_label(const lil_seq_timing *t, uint32_t n, cli_kernel_time *out, uint32_t cap,
                              double *total_ms) {
  uint32_t na = 0;
  *total_ms = 0;
  for (uint32_t i = 0; i < n && cap > 0; i++) {
    const char *l = t[i].label ? t[i].label : "?";
    uint32_t j = find(out, na, l);
    if (j == na && na >= cap - 1) j = find(out, na, l = "(others)"); /* the last entry: the rest */
    if (j == na) {
      snprintf(out[na].label, sizeof(out[na].label), "%s", l);
      out[na].ms = 0;
      out[na].count = 0;
      na++;
    }
    out[j].ms += t[i].ms;
    out[j].count++;
    *total_ms += t[i].ms;
  }
  qsort(out, na, sizeof(out[0]), by_ms_desc);
  return na;
}
