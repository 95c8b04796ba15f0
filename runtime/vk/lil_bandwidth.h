/* The device's copy bandwidth (bytes read + written per second), measured in-run. */
#ifndef LIL_BANDWIDTH_H
#define LIL_BANDWIDTH_H

#include "lil_vk.h"

typedef struct lil_copy_result {
  uint64_t bytes;      /* buffer size copied per dispatch */
  uint32_t iters;      /* dispatches per timed replay */
  double ms_per_copy;  /* best replay / iters */
  double gbps;         /* 2 * bytes / time, in GB/s (1e9) */
  int timed_on_gpu;    /* 1: GPU timestamps, 0: wall clock */
  double wall_ms;
} lil_copy_result;

/* bytes is clamped to the largest binding. Needs a context created with profile=1 for GPU
 * timestamps (falls back to wall clock). */
lil_status lil_measure_copy_bandwidth(lil_ctx *ctx, uint64_t bytes, uint32_t iters, lil_copy_result *out,
                                      lil_error *err);

#endif
