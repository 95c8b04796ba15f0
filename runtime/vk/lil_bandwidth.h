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

/* Timing helpers for benchmarks. A GPU left idle (e.g. while the host prepares the next shape)
 * lowers its clocks within a second (the H100 goes from 1980 to 345 MHz), and a few milliseconds of
 * work do not bring them back: a replay timed right after idle measures the power state, not the
 * kernel. lil_seq_time_best replays seq for at least warm_ms of wall time first (the clocks
 * ramp up), then reps more times, and returns the best GPU time of those (ms; wall clock without
 * timestamps). */
lil_status lil_seq_time_best(lil_seq *seq, double warm_ms, uint32_t reps, double *best_ms, lil_error *err);
/* Keeps the GPU busy with copies for about ms of wall time (before timing work that cannot be
 * replayed freely). */
lil_status lil_gpu_warm_up(lil_ctx *ctx, double ms, lil_error *err);
/* Warm-up used by lil's benchmarks. */
#define LIL_BENCH_WARM_MS 300.0

#endif
