/* Device snapshot (plain data read from a VkPhysicalDevice, or from a recorded JSON file) and the
 * device plan: a pure function of the snapshot and the kill-switches, computed before any VkDevice
 * exists, so selection and feature use are unit-tested without hardware. */
#ifndef LIL_DEVICE_PLAN_H
#define LIL_DEVICE_PLAN_H

#include <stdint.h>

#include "lil_status.h"

#define LIL_MAX_HEAPS 16
#define LIL_MAX_MEM_TYPES 32
/* the inline-x8 matvecs' default target of subgroups per dispatch (plan.matvec_x8i_target) */
#define LIL_X8I_TARGET_DEFAULT 4096u

typedef enum lil_device_kind { /* VkPhysicalDeviceType values */
  LIL_DEVICE_OTHER = 0,
  LIL_DEVICE_INTEGRATED = 1,
  LIL_DEVICE_DISCRETE = 2,
  LIL_DEVICE_VIRTUAL = 3,
  LIL_DEVICE_CPU = 4,
} lil_device_kind;

typedef struct lil_device_snapshot {
  char name[256];
  char driver_name[64];
  char driver_info[128];
  uint32_t vendor_id, device_id, kind, api_version, driver_version;
  uint8_t uuid[16];                /* deviceUUID */
  uint8_t pipeline_cache_uuid[16]; /* pipelineCacheUUID (the cache header's) */
  /* subgroups */
  uint32_t subgroup_size, subgroup_ops, subgroup_stages;
  uint32_t min_subgroup_size, max_subgroup_size, subgroup_size_control;
  /* requiredSubgroupSizeStages (bit 0x20: compute) and maxComputeWorkgroupSubgroups (0: unknown) */
  uint32_t required_subgroup_stages, max_workgroup_subgroups;
  /* features */
  uint32_t shader_float16, shader_int8, storage_16bit, storage_8bit, integer_dot;
  /* integerDotProduct4x8BitPacked*Accelerated: bit 0 signed, bit 1 mixed signedness, bit 2 unsigned */
  uint32_t integer_dot_accel;
  uint32_t coopmat_nv, coopmat_khr, memory_budget_ext;
  /* VK_KHR_cooperative_matrix's feature and a 16x16x16 f16 x f16 + f32 subgroup shape (the kernels') */
  uint32_t coopmat_khr_f16;
  uint32_t vulkan_memory_model; /* bit 0: vulkanMemoryModel, bit 1: its device scope (coopmat shaders) */
  uint32_t timestamps, timestamp_valid_bits;
  float timestamp_period;
  /* limits */
  uint64_t max_storage_buffer_range, max_memory_allocation_size;
  uint32_t max_shared_memory, max_workgroup_invocations, max_workgroup_size_x, max_push_constants;
  uint32_t max_compute_workgroup_count_x;
  /* memory */
  uint32_t n_heaps, n_types;
  struct {
    uint64_t size, budget; /* budget 0 when VK_EXT_memory_budget is absent */
    uint32_t device_local;
  } heaps[LIL_MAX_HEAPS];
  struct {
    uint32_t flags; /* VkMemoryPropertyFlags */
    uint32_t heap;
  } types[LIL_MAX_MEM_TYPES];
  uint32_t compute_queue_family; /* UINT32_MAX: none */
  uint32_t compute_queue_timestamp_bits;
} lil_device_snapshot;

/* Kill-switches for optional paths ($LIL_DISABLE=fp16,coopmat,...). */
typedef struct lil_disable {
  uint32_t fp16, int8, storage16, storage8, subgroup, coopmat, int_dot, timestamps, memory_budget, narrow_barrier;
  uint32_t coopmat_nv; /* "coopnv": the NV cooperative-matrix path off (a device with both takes KHR) */
} lil_disable;

/* Parses "fp16,coopmat" into d. Unknown names are an error naming the name. */
lil_status lil_disable_parse(const char *list, lil_disable *d, lil_error *err);

typedef struct lil_device_plan {
  uint32_t usable;      /* 0: cannot run lil (reason says why) */
  char reason[160];
  int32_t rank;         /* default-selection order: higher first */
  /* paths used */
  uint32_t use_fp16, use_int8, use_storage16, use_storage8;
  uint32_t use_subgroup_arith; /* subgroupAdd/Max in reductions */
  /* cooperative matrices through VK_NV_cooperative_matrix or (the other one off) VK_KHR_cooperative_matrix */
  uint32_t use_coopmat_nv, use_coopmat_khr, use_int_dot, use_timestamps, use_memory_budget;
  uint32_t use_subgroup_size_control;
  /* the cooperative-matrix kernels' subgroups of 32: 0 where the device's subgroups are 32 wide,
   * 32 where they are not but subgroup size control gives 32-wide ones (AMD RDNA3's wave32: its
   * default is 64); without either no cooperative-matrix path is planned */
  uint32_t coopmat_subgroup_size;
  uint32_t use_vulkan_memory_model;
  /* barriers between dependent dispatches wait for compute work only while the command buffer has
   * recorded no transfer (else compute + transfer); LIL_DISABLE=narrowbarrier: always both */
  uint32_t use_narrow_barriers;
  /* decode matvec with 8-bit activations and integer dot products ($LIL_MATVEC_X8 /
   * lil_ctx_options.matvec_x8: on, off, or automatic where the integer dot product is accelerated;
   * set after planning by lil_plan_matvec_x8, only where use_int_dot); matvec_x8_inline: the
   * matvec quantizes x itself (1: Q8_0 / Q4_0, 2: Q4_K / Q6_K too ($LIL_X8_INLINE=all); 0
   * ($LIL_X8_INLINE=0): the separate quantize_x8 dispatch); matvec_x8_q4_0_only: chosen
   * automatically, so only Q4_0 weights take it (measured faster end to end there, slower for Q8_0) */
  uint32_t use_matvec_x8, matvec_x8_inline, matvec_x8_q4_0_only;
  /* launch shape of the quantized decode matvecs (matvec16 / matvecx8 / matvecx8i), for tuning
   * ($LIL_MATVEC_Q16=ROWS[,SUBGROUPS], set by lil_plan_matvec_x8): rows per workgroup and subgroups
   * per workgroup; 0: chosen per weight shape (lil_ops_matvec.c) */
  uint32_t matvec_q16_rows, matvec_q16_subgroups;
  /* subgroups the inline-x8 matvecs aim at per dispatch when choosing their subgroups per workgroup
   * ($LIL_MATVEC_X8I_TARGET=N for tuning, 1: one subgroup per workgroup everywhere; default 4096) */
  uint32_t matvec_x8i_target;
  /* sizes chosen */
  uint32_t subgroup_size;
  uint32_t workgroup_size;          /* default 1-D workgroup for elementwise kernels */
  uint32_t matvec_workgroup_size;   /* workgroup size of the decode matvec */
  uint32_t matvec_rows_per_group;   /* rows of the decode matvec per workgroup */
  uint32_t shared_memory;
  uint64_t max_binding;             /* bytes in one descriptor binding */
  uint64_t max_block;               /* bytes in one memory allocation (<= 1 GiB) */
  uint32_t max_dispatches_per_submit;
  uint64_t device_local_bytes;      /* size (or budget) of the largest device-local heap */
  /* memory type index per role; UINT32_MAX: none */
  uint32_t mem_weights, mem_activations, mem_readback;
  uint32_t queue_family;
} lil_device_plan;

/* Whether the plan has a cooperative-matrix path (NV or KHR: the plan picks at most one, and only
 * with subgroups of 32, by default or required). */
static inline int lil_plan_coopmat(const lil_device_plan *p) { return p->use_coopmat_nv || p->use_coopmat_khr; }

/* size when a compute pipeline can require subgroups of size lanes (subgroup size control with full
 * subgroups, size a power of two within the device's range), else 0. */
uint32_t lil_plan_required_subgroup(const lil_device_snapshot *s, uint32_t size);

/* Pure: the plan for a snapshot under the kill-switches (d may be NULL). */
void lil_plan_device(const lil_device_snapshot *s, const lil_disable *d, lil_device_plan *out);

/* Index of the default device among n plans (highest rank, first on ties); -1 if none usable. */
int lil_plan_choose_default(const lil_device_plan *plans, uint32_t n);
/* Resolves a --device / $LIL_DEVICE selector ("N" or a case-insensitive name substring). */
lil_status lil_plan_select(const lil_device_snapshot *snaps, const lil_device_plan *plans, uint32_t n,
                           const char *selector, uint32_t *index, lil_error *err);

const char *lil_device_kind_name(uint32_t kind);
const char *lil_vendor_name(uint32_t vendor_id);

/* JSON (jansson) round trip of snapshots, used by `lil devices --json` and the recorded
 * snapshots in tests/data. The returned string is malloc'ed. */
char *lil_snapshot_to_json(const lil_device_snapshot *s, const lil_device_plan *p);
lil_status lil_snapshot_from_json(const char *json_text, lil_device_snapshot *s, lil_error *err);

#endif
