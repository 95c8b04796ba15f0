/* lil's Vulkan core: context (instance + chosen device), buffers by role, kernels (compute
 * pipelines from embedded SPIR-V), and sequences (recorded dispatches replayed many times).
 *
 * Conventions every shader follows:
 *   - descriptor set 0, bindings 0..n-1, all storage buffers (std430);
 *   - workgroup size from specialization constant 0 (layout(local_size_x_id = 0) in;),
 *     other specialization constants from id 1 up;
 *   - push constants <= 128 bytes (LIL_MAX_PUSH).
 * The layer knows nothing of transformers. */
#ifndef LIL_VK_H
#define LIL_VK_H

#include <stddef.h>
#include <stdint.h>

#include "lil_device_plan.h"
#include "lil_status.h"

#define LIL_MAX_BINDINGS 16
#define LIL_MAX_PUSH 128
#define LIL_MAX_SPEC 8

typedef struct lil_ctx lil_ctx;
typedef struct lil_buffer lil_buffer;
typedef struct lil_kernel lil_kernel;
typedef struct lil_seq lil_seq;

/* ---- context ---------------------------------------------------------------------------- */

typedef struct lil_ctx_options {
  const char *device;    /* "N" (index) or a name substring; NULL: $LIL_DEVICE, else the default */
  const char *disable;   /* "fp16,coopmat,subgroup,..."; NULL: $LIL_DISABLE */
  int validation;        /* 1 on, 0 off, -1: on when $LIL_VALIDATE=1 */
  int profile;           /* per-dispatch timestamps in sequences */
  int pipeline_cache;    /* 1 on (default when options are NULL), 0 off */
  const char *cache_dir; /* NULL: $XDG_CACHE_HOME/lil or ~/.cache/lil */
  const char *loader;    /* NULL: the system loader; a path to test the no-loader error */
  int pipeline_stats;    /* 1: print the driver's statistics of every pipeline created (register
                          * count, spills, ... via VK_KHR_pipeline_executable_properties) to stderr;
                          * -1: when $LIL_PIPELINE_STATS=1 */
  int matvec_x8;         /* decode matvec with 8-bit activations / integer dot products where the
                          * plan has use_int_dot (plan.use_matvec_x8): 1 on, 0 off, 2 automatic
                          * (see lil_plan_matvec_x8), -1: from $LIL_MATVEC_X8 (1 on, 0 off,
                          * unset or "auto" automatic) */
  int matvec_x8_inline;  /* the x8 matvec quantizes x itself (no quantize_x8 dispatch;
                          * plan.matvec_x8_inline): 1 on for Q8_0 / Q4_0, 2 also Q4_K / Q6_K (not
                          * measured yet), 0 off (a separate quantization, as before), -1: from
                          * $LIL_X8_INLINE (0 off, "all" 2, else 1) */
} lil_ctx_options;

void lil_ctx_options_default(lil_ctx_options *o);
/* Whether o (NULL: defaults) asks for the integer-dot matvec: 1 (o->matvec_x8 = 1 or
 * $LIL_MATVEC_X8=1), 0 (o->matvec_x8 = 0 or $LIL_MATVEC_X8=0), else -1 automatic. */
int lil_matvec_x8_wanted(const lil_ctx_options *o);
/* Sets p->use_matvec_x8 and p->matvec_x8_inline after planning (s: the device's snapshot) from o
 * (NULL: defaults): asked for (1) where p->use_int_dot; automatic (-1) where p->use_int_dot, the
 * 4x8-bit signed dot product is accelerated (s->integer_dot_accel bit 0) and the quantization is
 * inline (a separate quantize dispatch per matvec input made the x8 path slower end to end on
 * small models), for Q4_0 weights only (p->matvec_x8_q4_0_only). */
void lil_plan_matvec_x8(lil_device_plan *p, const lil_device_snapshot *s, const lil_ctx_options *o);
lil_status lil_ctx_create(const lil_ctx_options *o, lil_ctx **out, lil_error *err);
void lil_ctx_free(lil_ctx *ctx);
const lil_device_plan *lil_ctx_plan(const lil_ctx *ctx);
/* Storage buffers a kernel may bind on this device: LIL_MAX_BINDINGS, or fewer where the device's
 * per-stage / per-set limits are lower (a kernel wanting more fails at lil_kernel_get). */
uint32_t lil_ctx_max_bindings(const lil_ctx *ctx);
/* Validation-layer messages (warnings and errors) seen since creation. */
uint32_t lil_ctx_validation_messages(const lil_ctx *ctx);
/* Bytes of device memory currently allocated and the peak so far. */
uint64_t lil_ctx_device_bytes(const lil_ctx *ctx);
uint64_t lil_ctx_device_bytes_peak(const lil_ctx *ctx);
const lil_device_snapshot *lil_ctx_snapshot(const lil_ctx *ctx);
/* Fault injection (tests; docs/reliability.md). From this call on, the alloc_nth-th buffer
 * allocation fails with VK_ERROR_OUT_OF_DEVICE_MEMORY and the lost_nth-th queue wait (a sequence's
 * or a transfer's) reports VK_ERROR_DEVICE_LOST, after which the context refuses further submits
 * (0: off). Resets the counters and a lost state. lil_ctx_create reads the same from
 * $LIL_FAULT_ALLOC and $LIL_FAULT_DEVICE_LOST (counted from the context's creation). */
void lil_ctx_set_faults(lil_ctx *ctx, uint32_t alloc_nth, uint32_t lost_nth);
/* Buffer allocations and queue waits since creation or lil_ctx_set_faults. */
uint32_t lil_ctx_alloc_count(const lil_ctx *ctx);
uint32_t lil_ctx_wait_count(const lil_ctx *ctx);
/* Whether a queue operation reported VK_ERROR_DEVICE_LOST (the context is then unusable). */
int lil_ctx_device_lost(const lil_ctx *ctx);
/* Path of the on-disk pipeline cache file ("" when disabled). */
const char *lil_ctx_pipeline_cache_path(const lil_ctx *ctx);

/* Snapshots of every physical device (for `lil devices`); *out is malloc'ed, free() it. */
lil_status lil_enumerate_devices(const lil_ctx_options *o, lil_device_snapshot **out, uint32_t *count,
                                 uint32_t *default_index, lil_error *err);

/* ---- buffers ---------------------------------------------------------------------------- */

typedef enum lil_mem_role {
  LIL_MEM_WEIGHTS,     /* device-local, written once through a staging buffer */
  LIL_MEM_ACTIVATIONS, /* device-local scratch */
  LIL_MEM_READBACK,    /* host-visible, coherent (readback rings, per-step parameters) */
} lil_mem_role;

/* Bytes allocated now for buffers of a role (readback included, unlike lil_ctx_device_bytes), and
 * the buffers alive: a long run must keep both flat after warm-up. */
uint64_t lil_ctx_role_bytes(const lil_ctx *ctx, lil_mem_role role);
uint32_t lil_ctx_buffer_count(const lil_ctx *ctx);

/* A buffer is one VkBuffer in one memory block; size <= the plan's max_block. Larger tensors are
 * split by the caller (see lil_split_rows). Failure names the size and the heap. */
lil_status lil_buffer_create(lil_ctx *ctx, lil_mem_role role, uint64_t size, const char *name,
                             lil_buffer **out, lil_error *err);
void lil_buffer_free(lil_buffer *b);
uint64_t lil_buffer_size(const lil_buffer *b);
/* Host pointer of a READBACK buffer (persistently mapped), NULL for device-local ones. */
void *lil_buffer_host(lil_buffer *b);
/* Copies through a staging buffer (or memcpy for host-visible ones). Blocking. */
lil_status lil_buffer_upload(lil_buffer *b, uint64_t offset, const void *src, uint64_t n, lil_error *err);
lil_status lil_buffer_download(lil_buffer *b, uint64_t offset, void *dst, uint64_t n, lil_error *err);
/* Fills with a repeated 32-bit pattern (poisoning in tests). Blocking. */
lil_status lil_buffer_fill(lil_buffer *b, uint64_t offset, uint64_t n, uint32_t pattern, lil_error *err);

/* A range of a buffer bound to one binding; range 0 = to the end of the buffer. */
typedef struct lil_binding {
  lil_buffer *buf;
  uint64_t offset;
  uint64_t range;
} lil_binding;

/* Largest number of rows of row_bytes each that fit in one binding. */
uint64_t lil_max_rows_per_binding(const lil_ctx *ctx, uint64_t row_bytes);

/* ---- kernels ---------------------------------------------------------------------------- */

typedef struct lil_kernel_desc {
  const char *shader;          /* embedded variant name, e.g. "copy_vec4" */
  uint32_t n_bindings;         /* storage buffers 0..n-1 */
  uint32_t push_size;          /* bytes, <= LIL_MAX_PUSH */
  uint32_t n_spec;             /* specialization constants 0..n_spec-1 (0 = workgroup size) */
  uint32_t spec[LIL_MAX_SPEC];
  /* 0: the driver's subgroup size; else subgroups of exactly this many lanes, all full (subgroup size
   * control; the workgroup size spec[0] a multiple of it). Cooperative-matrix modules get the plan's
   * coopmat_subgroup_size when this is 0. */
  uint32_t subgroup_size;
} lil_kernel_desc;

/* Returns the pipeline for desc, creating it on first use (owned and cached by ctx). */
lil_status lil_kernel_get(lil_ctx *ctx, const lil_kernel_desc *desc, lil_kernel **out, lil_error *err);

/* ---- sequences -------------------------------------------------------------------------- */

/* A sequence records dispatches and copies once; lil_seq_run replays them. Barriers are inserted
 * exactly where a later command reads or writes a range that an earlier one wrote (or writes one
 * that an earlier one read). Long sequences are split into several submits (the plan's
 * max_dispatches_per_submit) so no driver watchdog fires. */
lil_status lil_seq_create(lil_ctx *ctx, lil_seq **out, lil_error *err);
void lil_seq_free(lil_seq *s);
/* Drops what was recorded; the next command starts a new recording. */
void lil_seq_reset(lil_seq *s);

/* write_mask: bit i set when binding i is written (others are read-only). */
lil_status lil_seq_dispatch(lil_seq *s, lil_kernel *k, const lil_binding *bindings, uint32_t n_bindings,
                            uint32_t write_mask, const void *push, uint32_t push_size, uint32_t groups_x,
                            uint32_t groups_y, uint32_t groups_z, const char *label, lil_error *err);
lil_status lil_seq_copy(lil_seq *s, lil_buffer *src, uint64_t src_off, lil_buffer *dst, uint64_t dst_off,
                        uint64_t n, lil_error *err);
/* Ends recording (if open), submits and waits. */
lil_status lil_seq_run(lil_seq *s, lil_error *err);
/* Asynchronous form: submit, then wait. lil_seq_run == submit + wait. */
lil_status lil_seq_submit(lil_seq *s, lil_error *err);
lil_status lil_seq_wait(lil_seq *s, lil_error *err);
uint32_t lil_seq_dispatch_count(const lil_seq *s);
/* Barriers recorded between the commands (a command waits for conflicting earlier ones): the
 * sequence runs as barriers + 1 dependent steps. */
uint32_t lil_seq_barrier_count(const lil_seq *s);

/* Profiling (ctx created with profile=1): the last run's per-dispatch GPU time. */
typedef struct lil_seq_timing {
  const char *label;
  double ms;
} lil_seq_timing;
/* Returns the number of timings (one per dispatch/copy) of the last run, 0 when not profiling. */
uint32_t lil_seq_timings(const lil_seq *s, const lil_seq_timing **out);
/* Total GPU time of the last run from first to last timestamp, in ms (0 when not profiling). */
double lil_seq_gpu_ms(const lil_seq *s);
/* Times only the whole sequence (call before recording): no timestamp after each dispatch. A
 * timestamp at the bottom of the pipe waits for the work before it, so per-dispatch timing keeps
 * independent dispatches from overlapping and adds a drain to each; benchmarks of throughput use
 * this mode. lil_seq_timings then returns 0 entries. */
lil_status lil_seq_time_total_only(lil_seq *s, lil_error *err);
/* Label of recorded command i (dispatch or copy), NULL past the end. */
const char *lil_seq_label(const lil_seq *s, uint32_t i);

#endif
