/* Reads a lil_device_snapshot from a VkPhysicalDevice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"
#include "vk_khr_coopmat.h"

static int has_ext(const VkExtensionProperties *e, uint32_t n, const char *name) {
  for (uint32_t i = 0; i < n; i++)
    if (!strcmp(e[i].extensionName, name)) return 1;
  return 0;
}

/* Whether the device lists the matrix shape the kernels use: 16 x 16 x 16, f16 A and B, f32 C and
 * result, subgroup scope (the feature bit queried with it). */
static uint32_t khr_coopmat_f16(VkInstance inst, VkPhysicalDevice pd) {
  VkPhysicalDeviceCooperativeMatrixFeaturesKHR cf = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR};
  VkPhysicalDeviceFeatures2 f2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &cf};
  vkGetPhysicalDeviceFeatures2(pd, &f2);
  PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR props =
      (PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR)(uintptr_t)vkGetInstanceProcAddr(
          inst, "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR");
  uint32_t n = 0, found = 0;
  if (!cf.cooperativeMatrix || !props || props(pd, &n, NULL) != VK_SUCCESS || !n) return 0;
  VkCooperativeMatrixPropertiesKHR *p = calloc(n, sizeof(*p));
  if (!p) return 0;
  for (uint32_t i = 0; i < n; i++) p[i].sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR;
  if (props(pd, &n, p) == VK_SUCCESS)
    for (uint32_t i = 0; i < n && !found; i++)
      found = p[i].MSize == 16 && p[i].NSize == 16 && p[i].KSize == 16 && p[i].AType == VK_COMPONENT_TYPE_FLOAT16_NV &&
              p[i].BType == VK_COMPONENT_TYPE_FLOAT16_NV && p[i].CType == VK_COMPONENT_TYPE_FLOAT32_NV &&
              p[i].ResultType == VK_COMPONENT_TYPE_FLOAT32_NV && p[i].scope == VK_SCOPE_SUBGROUP_NV &&
              !p[i].saturatingAccumulation;
  free(p);
  return found;
}

void lil_vk_snapshot(VkInstance inst, VkPhysicalDevice pd, int probe_khr, lil_device_snapshot *s) {
  memset(s, 0, sizeof(*s));
  uint32_t n_ext = 0;
  vkEnumerateDeviceExtensionProperties(pd, NULL, &n_ext, NULL);
  VkExtensionProperties *ext = calloc(n_ext ? n_ext : 1, sizeof(*ext));
  vkEnumerateDeviceExtensionProperties(pd, NULL, &n_ext, ext);

  VkPhysicalDeviceProperties base;
  vkGetPhysicalDeviceProperties(pd, &base);
  int v12 = VK_API_VERSION_MINOR(base.apiVersion) >= 2 || VK_API_VERSION_MAJOR(base.apiVersion) > 1;
  int v13 = VK_API_VERSION_MINOR(base.apiVersion) >= 3 || VK_API_VERSION_MAJOR(base.apiVersion) > 1;

  VkPhysicalDeviceSubgroupProperties sub = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceIDProperties idp = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES, .pNext = &sub};
  VkPhysicalDeviceDriverProperties drv = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
  VkPhysicalDeviceSubgroupSizeControlProperties ssc = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES};
  VkPhysicalDeviceProperties2 props = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &idp};
  if (v12) {
    drv.pNext = props.pNext;
    props.pNext = &drv;
  }
  if (v13 || has_ext(ext, n_ext, VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME)) {
    ssc.pNext = props.pNext;
    props.pNext = &ssc;
  }
  VkPhysicalDeviceShaderIntegerDotProductProperties idot = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_PROPERTIES};
  if (v13 || has_ext(ext, n_ext, VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME)) {
    idot.pNext = props.pNext;
    props.pNext = &idot;
  }
  vkGetPhysicalDeviceProperties2(pd, &props);

  VkPhysicalDeviceVulkan11Features f11 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  VkPhysicalDeviceVulkan12Features f12 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceVulkan13Features f13 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
  VkPhysicalDeviceFeatures2 feats = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  if (v12) {
    f11.pNext = &f12;
    feats.pNext = &f11;
    if (v13) f12.pNext = &f13;
  }
  vkGetPhysicalDeviceFeatures2(pd, &feats);

  const VkPhysicalDeviceLimits *lim = &base.limits;
  snprintf(s->name, sizeof(s->name), "%s", base.deviceName);
  if (v12) {
    snprintf(s->driver_name, sizeof(s->driver_name), "%s", drv.driverName);
    snprintf(s->driver_info, sizeof(s->driver_info), "%s", drv.driverInfo);
  }
  s->vendor_id = base.vendorID;
  s->device_id = base.deviceID;
  s->kind = (uint32_t)base.deviceType;
  s->api_version = base.apiVersion;
  s->driver_version = base.driverVersion;
  memcpy(s->uuid, idp.deviceUUID, 16);
  memcpy(s->pipeline_cache_uuid, base.pipelineCacheUUID, 16);
  s->subgroup_size = sub.subgroupSize;
  s->subgroup_ops = sub.supportedOperations;
  s->subgroup_stages = sub.supportedStages;
  s->min_subgroup_size = ssc.minSubgroupSize ? ssc.minSubgroupSize : sub.subgroupSize;
  s->max_subgroup_size = ssc.maxSubgroupSize ? ssc.maxSubgroupSize : sub.subgroupSize;
  s->subgroup_size_control = v13 ? f13.subgroupSizeControl && f13.computeFullSubgroups : 0;
  s->required_subgroup_stages = ssc.requiredSubgroupSizeStages;
  s->max_workgroup_subgroups = ssc.maxComputeWorkgroupSubgroups;
  s->shader_float16 = f12.shaderFloat16;
  s->shader_int8 = f12.shaderInt8;
  s->vulkan_memory_model = f12.vulkanMemoryModel | (f12.vulkanMemoryModelDeviceScope ? 2u : 0u);
  s->storage_16bit = f11.storageBuffer16BitAccess;
  s->storage_8bit = f12.storageBuffer8BitAccess;
  s->integer_dot = v13 ? (uint32_t)f13.shaderIntegerDotProduct
                       : (uint32_t)has_ext(ext, n_ext, VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);
  s->integer_dot_accel = (idot.integerDotProduct4x8BitPackedSignedAccelerated ? 1u : 0u) |
                         (idot.integerDotProduct4x8BitPackedMixedSignednessAccelerated ? 2u : 0u) |
                         (idot.integerDotProduct4x8BitPackedUnsignedAccelerated ? 4u : 0u);
  s->coopmat_nv = has_ext(ext, n_ext, VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);
  s->coopmat_khr = has_ext(ext, n_ext, VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME);
  s->coopmat_khr_f16 = (probe_khr == 2 || (probe_khr == 1 && !s->coopmat_nv)) && s->coopmat_khr &&
                       khr_coopmat_f16(inst, pd);
  s->memory_budget_ext = has_ext(ext, n_ext, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  s->timestamps = lim->timestampComputeAndGraphics;
  s->timestamp_period = lim->timestampPeriod;
  s->max_storage_buffer_range = lim->maxStorageBufferRange;
  s->max_shared_memory = lim->maxComputeSharedMemorySize;
  s->max_workgroup_invocations = lim->maxComputeWorkGroupInvocations;
  s->max_workgroup_size_x = lim->maxComputeWorkGroupSize[0];
  s->max_compute_workgroup_count_x = lim->maxComputeWorkGroupCount[0];
  s->max_push_constants = lim->maxPushConstantsSize;

  VkPhysicalDeviceMaintenance3Properties m3 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
  VkPhysicalDeviceProperties2 p2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &m3};
  vkGetPhysicalDeviceProperties2(pd, &p2);
  s->max_memory_allocation_size = m3.maxMemoryAllocationSize;

  VkPhysicalDeviceMemoryBudgetPropertiesEXT budget = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT};
  VkPhysicalDeviceMemoryProperties2 mem = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2};
  if (s->memory_budget_ext) mem.pNext = &budget;
  vkGetPhysicalDeviceMemoryProperties2(pd, &mem);
  s->n_heaps = mem.memoryProperties.memoryHeapCount;
  for (uint32_t i = 0; i < s->n_heaps && i < LIL_MAX_HEAPS; i++) {
    s->heaps[i].size = mem.memoryProperties.memoryHeaps[i].size;
    s->heaps[i].budget = s->memory_budget_ext ? budget.heapBudget[i] : 0;
    s->heaps[i].device_local = !!(mem.memoryProperties.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT);
  }
  s->n_types = mem.memoryProperties.memoryTypeCount;
  for (uint32_t i = 0; i < s->n_types && i < LIL_MAX_MEM_TYPES; i++) {
    s->types[i].flags = mem.memoryProperties.memoryTypes[i].propertyFlags;
    s->types[i].heap = mem.memoryProperties.memoryTypes[i].heapIndex;
  }

  uint32_t nq = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, NULL);
  VkQueueFamilyProperties *q = calloc(nq ? nq : 1, sizeof(*q));
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, q);
  s->compute_queue_family = UINT32_MAX;
  for (uint32_t i = 0; i < nq; i++) { /* prefer a compute queue that also does graphics (the main one) */
    if (!(q[i].queueFlags & VK_QUEUE_COMPUTE_BIT)) continue;
    if (s->compute_queue_family == UINT32_MAX || (q[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) {
      if (s->compute_queue_family != UINT32_MAX && (q[s->compute_queue_family].queueFlags & VK_QUEUE_GRAPHICS_BIT))
        continue;
      s->compute_queue_family = i;
      s->compute_queue_timestamp_bits = q[i].timestampValidBits;
    }
  }
  s->timestamp_valid_bits = s->compute_queue_timestamp_bits;
  free(q);
  free(ext);
}
