/* Internal structures of the Vulkan core (not part of the public API). */
#ifndef LIL_VK_INTERNAL_H
#define LIL_VK_INTERNAL_H

#include <pthread.h>
#include <volk.h>

#include "lil_vk.h"

typedef struct kernel_entry {
  lil_kernel_desc desc;
  lil_kernel *kernel;
} kernel_entry;

struct lil_kernel {
  VkPipeline pipeline;
  char name[64];
  uint32_t n_bindings, push_size;
};

struct lil_ctx {
  VkInstance instance;
  VkDebugUtilsMessengerEXT messenger;
  VkPhysicalDevice phys;
  VkDevice device;
  VkQueue queue;
  lil_device_snapshot snap;
  lil_device_plan plan;
  uint32_t validation_messages; /* atomic via __atomic builtins */
  int profile;
  int pipeline_stats; /* VK_KHR_pipeline_executable_properties enabled: statistics printed per pipeline */
  /* one descriptor layout convention: max_bindings (<= LIL_MAX_BINDINGS) storage buffers, 128 bytes push */
  uint32_t max_bindings;
  VkDescriptorSetLayout set_layout;
  VkPipelineLayout pipeline_layout;
  VkPipelineCache pipeline_cache;
  char cache_path[1024];
  kernel_entry *kernels;
  uint32_t n_kernels, cap_kernels;
  /* transfers (upload/download/fill) */
  VkCommandPool transfer_pool;
  VkCommandBuffer transfer_cmd;
  VkFence transfer_fence;
  pthread_mutex_t queue_lock;
  uint64_t device_bytes, device_bytes_peak;
  uint64_t role_bytes[3]; /* by lil_mem_role (readback included), and the buffers alive */
  uint32_t n_buffers;
  /* fault injection (fault.c): fail the fault_alloc-th buffer allocation / report the
   * fault_lost-th queue wait as VK_ERROR_DEVICE_LOST (0: off); lost: a loss was seen */
  uint32_t fault_alloc, fault_lost, n_allocs, n_waits;
  int lost;
};

struct lil_buffer {
  lil_ctx *ctx;
  VkBuffer buffer;
  VkDeviceMemory memory;
  uint64_t size;
  lil_mem_role role;
  void *host;
  char name[48];
};

lil_status lil_vk_check(VkResult r, const char *what, lil_error *err);
const char *lil_vk_result_name(VkResult r);
/* Finds a memory type among type_bits whose flags include want (and prefer). UINT32_MAX: none. */
uint32_t lil_vk_find_memory_type(const lil_device_snapshot *s, uint32_t type_bits, uint32_t want,
                                 uint32_t prefer);
/* Snapshot of a physical device (needs the instance functions loaded). probe_khr: whether to query
 * VK_KHR_cooperative_matrix's feature and shapes (coopmat_khr_f16) where the device lists it: 0
 * never, 1 where it lacks VK_NV_cooperative_matrix, 2 always. Only where the KHR path could be
 * chosen: the validation layers of Vulkan 1.3.239 (Debian 12) reject the query's structures. */
void lil_vk_snapshot(VkInstance inst, VkPhysicalDevice pd, int probe_khr, lil_device_snapshot *s);
/* Fault injection and lost devices (fault.c). */
lil_status lil_vk_faults_from_env(lil_ctx *ctx, lil_error *err);
/* Counts an allocation (buffer memory, command pool or buffer, fence, descriptor pool or set);
 * VK_ERROR_OUT_OF_DEVICE_MEMORY when it is the one to fail, which the caller then reports instead of
 * making the call:  VkResult inj = lil_vk_fault_alloc(ctx);
 *                   st = lil_vk_check_alloc(inj ? inj : vkAllocate...(...), inj, "vkAllocate...", err); */
VkResult lil_vk_fault_alloc(lil_ctx *ctx);
lil_status lil_vk_check_alloc(VkResult r, VkResult injected, const char *what, lil_error *err);
/* Error when the device was lost earlier (what: the operation refused). */
lil_status lil_vk_check_lost(lil_ctx *ctx, const char *what, lil_error *err);
/* lil_vk_check for the result of a queue wait: counts it, injects the configured loss, and marks
 * the context lost on VK_ERROR_DEVICE_LOST. */
lil_status lil_vk_check_wait(lil_ctx *ctx, VkResult r, const char *what, lil_error *err);
/* Pipeline cache persistence. */
void lil_pipeline_cache_open(lil_ctx *ctx, const char *dir);
void lil_pipeline_cache_save(lil_ctx *ctx);
void lil_kernels_free(lil_ctx *ctx);
/* Blocking one-shot command buffer on the transfer pool. */
lil_status lil_transfer_begin(lil_ctx *ctx, VkCommandBuffer *cmd, lil_error *err);
lil_status lil_transfer_end(lil_ctx *ctx, lil_error *err);

#endif
