/* The device plan: a pure function of a device snapshot and the kill-switches. */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_device_plan.h"

/* Vulkan constants used here (kept local so this file needs no Vulkan header). */
#define MEM_DEVICE_LOCAL 0x1u
#define MEM_HOST_VISIBLE 0x2u
#define MEM_HOST_COHERENT 0x4u
#define MEM_HOST_CACHED 0x8u
#define SUBGROUP_ARITHMETIC 0x4u
#define SUBGROUP_BASIC 0x1u
#define STAGE_COMPUTE 0x20u
#define ONE_GIB (1ull << 30)

static const struct {
  const char *name;
  size_t off;
} disable_names[] = {
    {"fp16", offsetof(lil_disable, fp16)},         {"int8", offsetof(lil_disable, int8)},
    {"storage16", offsetof(lil_disable, storage16)}, {"storage8", offsetof(lil_disable, storage8)},
    {"subgroup", offsetof(lil_disable, subgroup)}, {"coopmat", offsetof(lil_disable, coopmat)},
    {"coopnv", offsetof(lil_disable, coopmat_nv)},
    {"intdot", offsetof(lil_disable, int_dot)},    {"timestamps", offsetof(lil_disable, timestamps)},
    {"budget", offsetof(lil_disable, memory_budget)}, {"narrowbarrier", offsetof(lil_disable, narrow_barrier)},
};

lil_status lil_disable_parse(const char *list, lil_disable *d, lil_error *err) {
  memset(d, 0, sizeof(*d));
  if (!list) return LIL_OK;
  const char *p = list;
  while (*p) {
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    int found = n == 0;
    for (size_t i = 0; i < sizeof(disable_names) / sizeof(disable_names[0]) && !found; i++) {
      if (strlen(disable_names[i].name) == n && !strncmp(disable_names[i].name, p, n)) {
        *(uint32_t *)((char *)d + disable_names[i].off) = 1;
        found = 1;
      }
    }
    if (!found)
      return lil_error_set(err, LIL_ERR_INVALID_ARG,
                           "LIL_DISABLE: unknown switch '%.*s' (known: fp16,int8,storage16,storage8,"
                           "subgroup,coopmat,coopnv,intdot,timestamps,budget,narrowbarrier)",
                           (int)n, p);
    p += n;
    if (*p == ',') p++;
  }
  return LIL_OK;
}

static uint32_t find_type(const lil_device_snapshot *s, uint32_t want, uint32_t prefer, uint32_t avoid) {
  uint32_t best = UINT32_MAX;
  int best_score = -1;
  for (uint32_t i = 0; i < s->n_types && i < LIL_MAX_MEM_TYPES; i++) {
    uint32_t f = s->types[i].flags;
    if ((f & want) != want) continue;
    int score = 1 + ((f & prefer) == prefer ? 4 : 0) + ((f & avoid) ? 0 : 2);
    if (score > best_score) {
      best_score = score;
      best = i;
    }
  }
  return best;
}

static uint32_t clamp_u32(uint32_t v, uint32_t lo, uint32_t hi) { return v < lo ? lo : v > hi ? hi : v; }

uint32_t lil_plan_required_subgroup(const lil_device_snapshot *s, uint32_t size) {
  int ok = s->subgroup_size_control && (s->required_subgroup_stages & STAGE_COMPUTE) && size &&
           !(size & (size - 1)) && s->min_subgroup_size <= size && size <= s->max_subgroup_size;
  return ok ? size : 0;
}

void lil_plan_device(const lil_device_snapshot *s, const lil_disable *dis, lil_device_plan *p) {
  lil_disable none = {0};
  const lil_disable *d = dis ? dis : &none;
  memset(p, 0, sizeof(*p));
  p->usable = 1;
  switch (s->kind) {
  case LIL_DEVICE_DISCRETE: p->rank = 400; break;
  case LIL_DEVICE_INTEGRATED: p->rank = 300; break;
  case LIL_DEVICE_VIRTUAL: p->rank = 200; break;
  case LIL_DEVICE_CPU: p->rank = 100; break;
  default: p->rank = 50; break;
  }
  uint32_t major = s->api_version >> 22, minor = (s->api_version >> 12) & 0x3ff;
  if (major < 1 || (major == 1 && minor < 2)) {
    p->usable = 0;
    snprintf(p->reason, sizeof(p->reason), "Vulkan %u.%u < 1.2", major, minor);
  } else if (s->compute_queue_family == UINT32_MAX) {
    p->usable = 0;
    snprintf(p->reason, sizeof(p->reason), "no compute queue");
  } else if (!(s->subgroup_ops & SUBGROUP_BASIC) || !(s->subgroup_stages & STAGE_COMPUTE)) {
    p->usable = 0;
    snprintf(p->reason, sizeof(p->reason), "no subgroup operations in compute shaders");
  }
  if (!p->usable) p->rank = -1;
  p->queue_family = s->compute_queue_family;

  p->use_fp16 = s->shader_float16 && !d->fp16;
  p->use_int8 = s->shader_int8 && !d->int8;
  p->use_storage16 = s->storage_16bit && !d->storage16;
  p->use_storage8 = s->storage_8bit && !d->storage8;
  p->use_subgroup_arith = (s->subgroup_ops & SUBGROUP_ARITHMETIC) && (s->subgroup_stages & STAGE_COMPUTE) &&
                          !d->subgroup;
  /* cooperative matrices: the NV extension where the device has it (the kernels were measured
   * there), else the KHR one with the kernels' shape (their SPIR-V translated at build time);
   * LIL_DISABLE=coopnv takes the KHR path where a device has both */
  p->use_coopmat_nv = s->coopmat_nv && p->use_fp16 && p->use_storage16 && !d->coopmat && !d->coopmat_nv;
  p->use_coopmat_khr = !p->use_coopmat_nv && s->coopmat_khr_f16 && p->use_fp16 && p->use_storage16 && !d->coopmat;
  p->use_int_dot = s->integer_dot && !d->int_dot;
  p->use_timestamps = s->timestamps && s->compute_queue_timestamp_bits > 0 && s->timestamp_period > 0 &&
                      !d->timestamps;
  p->use_memory_budget = s->memory_budget_ext && !d->memory_budget;
  p->use_subgroup_size_control = s->subgroup_size_control;
  p->use_vulkan_memory_model = s->vulkan_memory_model;
  p->use_narrow_barriers = !d->narrow_barrier;
  /* the cooperative-matrix kernels use the Vulkan memory model and subgroups of 32 */
  if (!(s->vulkan_memory_model & 1)) p->use_coopmat_nv = p->use_coopmat_khr = 0;
  p->coopmat_subgroup_size = lil_plan_required_subgroup(s, 32);
  if (s->subgroup_size == 32) p->coopmat_subgroup_size = 0;
  else if (!p->coopmat_subgroup_size) p->use_coopmat_nv = p->use_coopmat_khr = 0;

  p->subgroup_size = s->subgroup_size ? s->subgroup_size : 1;
  uint32_t max_inv = s->max_workgroup_invocations ? s->max_workgroup_invocations : 128;
  uint32_t max_x = s->max_workgroup_size_x ? s->max_workgroup_size_x : 128;
  uint32_t wg_cap = max_inv < max_x ? max_inv : max_x;
  if (wg_cap > 1024) wg_cap = 1024;
  int cpu = s->kind == LIL_DEVICE_CPU;
  p->workgroup_size = clamp_u32(cpu ? 64 : 256, p->subgroup_size, wg_cap);
  /* Decode matvec (the generic kernel: F32 / F16 / BF16): one subgroup-multiple workgroup per few
   * rows. On GPUs a workgroup of 4 subgroups covering 2 rows keeps enough loads in flight (the op
   * takes 4 rows for vocabulary-sized matrices, lil_ops_matvec.c); on CPU devices fewer, larger
   * rows per group. */
  p->matvec_workgroup_size = clamp_u32(cpu ? 32 : p->subgroup_size * 4, p->subgroup_size, wg_cap);
  p->matvec_rows_per_group = cpu ? 4 : 2;
  p->shared_memory = s->max_shared_memory;

  uint64_t range = s->max_storage_buffer_range ? s->max_storage_buffer_range : (128ull << 20);
  uint64_t alloc = s->max_memory_allocation_size ? s->max_memory_allocation_size : ONE_GIB;
  p->max_block = alloc < ONE_GIB ? alloc : ONE_GIB;
  p->max_binding = range < p->max_block ? range : p->max_block;
  p->max_binding &= ~(uint64_t)255; /* keep split offsets aligned */
  p->max_dispatches_per_submit = 1024;

  for (uint32_t i = 0; i < s->n_heaps && i < LIL_MAX_HEAPS; i++) {
    if (!s->heaps[i].device_local && s->kind != LIL_DEVICE_CPU) continue;
    uint64_t v = (p->use_memory_budget && s->heaps[i].budget) ? s->heaps[i].budget : s->heaps[i].size;
    if (v > p->device_local_bytes) p->device_local_bytes = v;
  }
  p->mem_weights = find_type(s, MEM_DEVICE_LOCAL, 0, MEM_HOST_VISIBLE);
  if (p->mem_weights == UINT32_MAX) p->mem_weights = find_type(s, 0, 0, 0);
  p->mem_activations = p->mem_weights;
  p->mem_readback = find_type(s, MEM_HOST_VISIBLE | MEM_HOST_COHERENT, MEM_HOST_CACHED, 0);
  if (p->usable && (p->mem_weights == UINT32_MAX || p->mem_readback == UINT32_MAX)) {
    p->usable = 0;
    p->rank = -1;
    snprintf(p->reason, sizeof(p->reason), "no suitable memory types");
  }
}

int lil_plan_choose_default(const lil_device_plan *plans, uint32_t n) {
  int best = -1;
  for (uint32_t i = 0; i < n; i++)
    if (plans[i].usable && (best < 0 || plans[i].rank > plans[best].rank)) best = (int)i;
  return best;
}

static int contains_ci(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (const char *h = hay; *h; h++) {
    size_t i = 0;
    while (i < n && h[i] && tolower((unsigned char)h[i]) == tolower((unsigned char)needle[i])) i++;
    if (i == n) return 1;
  }
  return n == 0;
}

lil_status lil_plan_select(const lil_device_snapshot *snaps, const lil_device_plan *plans, uint32_t n,
                           const char *sel, uint32_t *index, lil_error *err) {
  if (!sel || !*sel) {
    int d = lil_plan_choose_default(plans, n);
    if (d < 0) {
      if (n == 0) return lil_error_set(err, LIL_ERR_NO_DEVICE, "no Vulkan device found (is a driver installed? "
                                       "lavapipe: apt-get install mesa-vulkan-drivers)");
      return lil_error_set(err, LIL_ERR_NO_DEVICE, "no usable Vulkan device: device 0 '%s': %s", snaps[0].name,
                           plans[0].reason);
    }
    *index = (uint32_t)d;
    return LIL_OK;
  }
  char *end = NULL;
  unsigned long v = strtoul(sel, &end, 10);
  if (end && *end == 0 && end != sel) {
    if (v >= n)
      return lil_error_set(err, LIL_ERR_NO_DEVICE, "device %lu requested but only %u device(s) present", v, n);
    if (!plans[v].usable)
      return lil_error_set(err, LIL_ERR_NO_DEVICE, "device %lu '%s' is not usable: %s", v, snaps[v].name,
                           plans[v].reason);
    *index = (uint32_t)v;
    return LIL_OK;
  }
  for (uint32_t i = 0; i < n; i++) {
    if (contains_ci(snaps[i].name, sel)) {
      if (!plans[i].usable)
        return lil_error_set(err, LIL_ERR_NO_DEVICE, "device %u '%s' matches '%s' but is not usable: %s", i,
                             snaps[i].name, sel, plans[i].reason);
      *index = i;
      return LIL_OK;
    }
  }
  return lil_error_set(err, LIL_ERR_NO_DEVICE, "no Vulkan device matches '%s' (%u device(s); see lil devices)", sel,
                       n);
}

const char *lil_device_kind_name(uint32_t kind) {
  switch (kind) {
  case LIL_DEVICE_INTEGRATED: return "integrated";
  case LIL_DEVICE_DISCRETE: return "discrete";
  case LIL_DEVICE_VIRTUAL: return "virtual";
  case LIL_DEVICE_CPU: return "cpu";
  default: return "other";
  }
}

const char *lil_vendor_name(uint32_t vendor_id) {
  switch (vendor_id) {
  case 0x10de: return "NVIDIA";
  case 0x1002: return "AMD";
  case 0x8086: return "Intel";
  case 0x13b5: return "ARM";
  case 0x5143: return "Qualcomm";
  case 0x1010: return "ImgTec";
  case 0x106b: return "Apple";
  case 0x10005: return "Mesa";
  default: return "unknown";
  }
}
