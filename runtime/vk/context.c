/* Context: loads Vulkan through volk, creates the instance (validation layer when asked), reads a
 * snapshot of every device, plans, selects and creates the chosen device. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"
#include "vk_khr_coopmat.h"

#define VALIDATION_LAYER "VK_LAYER_KHRONOS_validation"

lil_status lil_vk_check(VkResult r, const char *what, lil_error *err) {
  if (r == VK_SUCCESS) return LIL_OK;
  lil_status st = (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY) ? LIL_ERR_OUT_OF_MEMORY
                                                                                            : LIL_ERR_VULKAN;
  return lil_error_set(err, st, "%s failed: %s", what, lil_vk_result_name(r));
}

const char *lil_vk_result_name(VkResult r) {
  switch (r) {
  case VK_SUCCESS: return "VK_SUCCESS";
  case VK_NOT_READY: return "VK_NOT_READY";
  case VK_TIMEOUT: return "VK_TIMEOUT";
  case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY";
  case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
  case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
  case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
  case VK_ERROR_LAYER_NOT_PRESENT: return "VK_ERROR_LAYER_NOT_PRESENT";
  case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT";
  case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT";
  case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER";
  case VK_ERROR_TOO_MANY_OBJECTS: return "VK_ERROR_TOO_MANY_OBJECTS";
  case VK_ERROR_OUT_OF_POOL_MEMORY: return "VK_ERROR_OUT_OF_POOL_MEMORY";
  default: return "VkResult error";
  }
}

void lil_ctx_options_default(lil_ctx_options *o) {
  memset(o, 0, sizeof(*o));
  o->validation = -1;
  o->pipeline_cache = 1;
  o->pipeline_stats = -1;
  o->matvec_x8 = -1;
  o->matvec_x8_inline = -1;
}

int lil_matvec_x8_wanted(const lil_ctx_options *o) {
  if (o && o->matvec_x8 >= 0) return o->matvec_x8 == 2 ? -1 : o->matvec_x8 > 0;
  const char *v = getenv("LIL_MATVEC_X8");
  /* automatic unless set: on the H100 the inline x8 path made llama-8b Q4_0 decode 8.6% faster
   * (266.9 vs 245.7 tok/s) and qwen3-0.6b Q8_0 3% slower (711.9 vs 735.5), session 13,
   * docs/benchmarks.md: the automatic choice takes it for Q4_0 only */
  return v && !strcmp(v, "1") ? 1 : v && !strcmp(v, "0") ? 0 : -1;
}

void lil_plan_matvec_x8(lil_device_plan *p, const lil_device_snapshot *s, const lil_ctx_options *o) {
  int want = lil_matvec_x8_wanted(o), inl = o && o->matvec_x8_inline >= 0 ? o->matvec_x8_inline : -1;
  if (inl < 0) {
    const char *v = getenv("LIL_X8_INLINE");
    inl = v && !strcmp(v, "0") ? 0 : v && !strcmp(v, "all") ? 2 : 1;
  }
  if (inl > 2) inl = 2;
  p->matvec_x8_inline = (uint32_t)inl;
  p->use_matvec_x8 = p->use_int_dot && (want > 0 || (want < 0 && inl && (s->integer_dot_accel & 1u)));
  p->matvec_x8_q4_0_only = p->use_matvec_x8 && want < 0;
  /* $LIL_MATVEC_Q16=ROWS[,SUBGROUPS]: the quantized matvecs' launch shape (tuning); rows 1..8,
   * subgroups 1..8, anything else leaves the shape automatic */
  const char *q = getenv("LIL_MATVEC_Q16");
  unsigned r = 0, g = 0;
  p->matvec_q16_rows = p->matvec_q16_subgroups = 0;
  if (q && sscanf(q, "%u,%u", &r, &g) >= 1) {
    if (r >= 1 && r <= 8) p->matvec_q16_rows = r;
    if (g >= 1 && g <= 8) p->matvec_q16_subgroups = g;
  }
  /* $LIL_MATVEC_X8I_TARGET=N (1..1048576): the inline-x8 matvecs' target subgroups per dispatch */
  q = getenv("LIL_MATVEC_X8I_TARGET");
  unsigned t = 0;
  p->matvec_x8i_target = q && sscanf(q, "%u", &t) == 1 && t >= 1 && t <= (1u << 20) ? t : LIL_X8I_TARGET_DEFAULT;
}

/* Whether the physical device offers a device extension. */
static int has_device_extension(VkPhysicalDevice pd, const char *name) {
  uint32_t n = 0;
  if (vkEnumerateDeviceExtensionProperties(pd, NULL, &n, NULL) != VK_SUCCESS || n == 0) return 0;
  VkExtensionProperties *e = calloc(n, sizeof(*e));
  int found = 0;
  if (e && vkEnumerateDeviceExtensionProperties(pd, NULL, &n, e) == VK_SUCCESS)
    for (uint32_t i = 0; i < n && !found; i++) found = !strcmp(e[i].extensionName, name);
  free(e);
  return found;
}

static VKAPI_ATTR VkBool32 VKAPI_CALL on_validation(VkDebugUtilsMessageSeverityFlagBitsEXT sev,
                                                    VkDebugUtilsMessageTypeFlagsEXT type,
                                                    const VkDebugUtilsMessengerCallbackDataEXT *data, void *user) {
  (void)type;
  lil_ctx *ctx = user;
  if (sev >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
    __atomic_add_fetch(&ctx->validation_messages, 1, __ATOMIC_RELAXED);
    fprintf(stderr, "lil: validation: %s\n", data->pMessage);
  }
  return VK_FALSE;
}

/* Opens the Vulkan loader (the system one or opts->loader / $LIL_VULKAN_LOADER). */
static lil_status load_vulkan(const lil_ctx_options *o, lil_error *err) {
  const char *path = o && o->loader ? o->loader : getenv("LIL_VULKAN_LOADER");
  if (path) {
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib)
      return lil_error_set(err, LIL_ERR_NO_LOADER, "cannot open the Vulkan loader '%s' (install libvulkan1)", path);
    PFN_vkGetInstanceProcAddr gipa = (PFN_vkGetInstanceProcAddr)(uintptr_t)dlsym(lib, "vkGetInstanceProcAddr");
    if (!gipa)
      return lil_error_set(err, LIL_ERR_NO_LOADER, "'%s' is not a Vulkan loader (no vkGetInstanceProcAddr)", path);
    volkInitializeCustom(gipa);
    return LIL_OK;
  }
  if (volkInitialize() != VK_SUCCESS)
    return lil_error_set(err, LIL_ERR_NO_LOADER,
                         "the Vulkan loader (libvulkan.so.1) was not found: install libvulkan1 and a driver "
                         "(mesa-vulkan-drivers provides lavapipe)");
  return LIL_OK;
}

static int want_validation(const lil_ctx_options *o) {
  if (o && o->validation >= 0) return o->validation;
  const char *v = getenv("LIL_VALIDATE");
  return v && *v && strcmp(v, "0") != 0;
}

static lil_status create_instance(lil_ctx *ctx, const lil_ctx_options *o, lil_error *err) {
  lil_status st = load_vulkan(o, err);
  if (st) return st;
  int validate = want_validation(o);
  const char *layers[1] = {VALIDATION_LAYER};
  const char *exts[2];
  uint32_t n_exts = 0;
  uint32_t n_avail = 0;
  vkEnumerateInstanceExtensionProperties(NULL, &n_avail, NULL);
  VkExtensionProperties *avail = calloc(n_avail ? n_avail : 1, sizeof(*avail));
  vkEnumerateInstanceExtensionProperties(NULL, &n_avail, avail);
  int portability = 0;
  for (uint32_t i = 0; i < n_avail; i++)
    if (!strcmp(avail[i].extensionName, VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME)) portability = 1;
  free(avail);
  if (portability) exts[n_exts++] = VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME;
  if (validate) {
    uint32_t n_layers = 0;
    vkEnumerateInstanceLayerProperties(&n_layers, NULL);
    VkLayerProperties *lp = calloc(n_layers ? n_layers : 1, sizeof(*lp));
    vkEnumerateInstanceLayerProperties(&n_layers, lp);
    int found = 0;
    for (uint32_t i = 0; i < n_layers; i++)
      if (!strcmp(lp[i].layerName, VALIDATION_LAYER)) found = 1;
    free(lp);
    if (!found)
      return lil_error_set(err, LIL_ERR_UNSUPPORTED,
                           "validation requested (LIL_VALIDATE=1) but %s is not installed "
                           "(apt-get install vulkan-validationlayers)",
                           VALIDATION_LAYER);
    exts[n_exts++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
  }
  VkApplicationInfo app = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                           .pApplicationName = "lil",
                           .pEngineName = "lil",
                           .apiVersion = VK_API_VERSION_1_3};
  VkDebugUtilsMessengerCreateInfoEXT dbg = {
      .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
      .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
      .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
      .pfnUserCallback = on_validation,
      .pUserData = ctx};
  VkInstanceCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                             .pNext = validate ? &dbg : NULL,
                             .flags = portability ? VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR : 0,
                             .pApplicationInfo = &app,
                             .enabledLayerCount = validate ? 1 : 0,
                             .ppEnabledLayerNames = layers,
                             .enabledExtensionCount = n_exts,
                             .ppEnabledExtensionNames = exts};
  VkResult r = vkCreateInstance(&ci, NULL, &ctx->instance);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
    return lil_error_set(err, LIL_ERR_NO_DEVICE,
                         "no Vulkan driver found (vkCreateInstance: VK_ERROR_INCOMPATIBLE_DRIVER); "
                         "lavapipe: apt-get install mesa-vulkan-drivers");
  if ((st = lil_vk_check(r, "vkCreateInstance", err))) return st;
  volkLoadInstanceOnly(ctx->instance);
  if (validate) {
    r = vkCreateDebugUtilsMessengerEXT(ctx->instance, &dbg, NULL, &ctx->messenger);
    if ((st = lil_vk_check(r, "vkCreateDebugUtilsMessengerEXT", err))) return st;
  }
  return LIL_OK;
}

/* Snapshots and plans of every physical device of ctx->instance. */
static lil_status snapshot_all(lil_ctx *ctx, const char *disable_list, const lil_ctx_options *o, VkPhysicalDevice **pds,
                               lil_device_snapshot **snaps, lil_device_plan **plans, uint32_t *n, lil_error *err) {
  lil_disable dis;
  lil_status st = lil_disable_parse(disable_list, &dis, err);
  if (st) return st;
  uint32_t count = 0;
  VkResult r = vkEnumeratePhysicalDevices(ctx->instance, &count, NULL);
  if ((st = lil_vk_check(r, "vkEnumeratePhysicalDevices", err))) return st;
  *pds = calloc(count ? count : 1, sizeof(**pds));
  *snaps = calloc(count ? count : 1, sizeof(**snaps));
  *plans = calloc(count ? count : 1, sizeof(**plans));
  if (!*pds || !*snaps || !*plans) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "device snapshots");
  vkEnumeratePhysicalDevices(ctx->instance, &count, *pds);
  for (uint32_t i = 0; i < count; i++) {
    lil_vk_snapshot(ctx->instance, (*pds)[i], dis.coopmat ? 0 : dis.coopmat_nv ? 2 : 1, &(*snaps)[i]);
    lil_plan_device(&(*snaps)[i], &dis, &(*plans)[i]);
    lil_plan_matvec_x8(&(*plans)[i], &(*snaps)[i], o);
  }
  *n = count;
  return LIL_OK;
}

static lil_status create_device(lil_ctx *ctx, lil_error *err) {
  const lil_device_plan *p = &ctx->plan;
  float prio = 1.0f;
  VkDeviceQueueCreateInfo qci = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                 .queueFamilyIndex = p->queue_family,
                                 .queueCount = 1,
                                 .pQueuePriorities = &prio};
  const char *exts[6];
  uint32_t n_exts = 0;
  VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR pexec = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR,
      .pipelineExecutableInfo = VK_TRUE};
  VkPhysicalDeviceCooperativeMatrixFeaturesNV coop = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV, .cooperativeMatrix = VK_TRUE};
  VkPhysicalDeviceCooperativeMatrixFeaturesKHR coop_khr = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR, .cooperativeMatrix = VK_TRUE};
  VkPhysicalDeviceVulkan11Features f11 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES,
                                          .storageBuffer16BitAccess = p->use_storage16};
  VkPhysicalDeviceVulkan12Features f12 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
                                          .pNext = &f11,
                                          .shaderFloat16 = p->use_fp16,
                                          .shaderInt8 = p->use_int8,
                                          .storageBuffer8BitAccess = p->use_storage8,
                                          .vulkanMemoryModel = (p->use_vulkan_memory_model & 1) != 0,
                                          .vulkanMemoryModelDeviceScope = (p->use_vulkan_memory_model & 2) != 0};
  VkPhysicalDeviceVulkan13Features f13 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES,
                                          .subgroupSizeControl = p->use_subgroup_size_control,
                                          .computeFullSubgroups = p->use_subgroup_size_control,
                                          .shaderIntegerDotProduct = p->use_int_dot};
  VkPhysicalDeviceShaderIntegerDotProductFeatures idot = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES,
      .shaderIntegerDotProduct = VK_TRUE};
  void *chain = &f12;
  uint32_t minor = VK_API_VERSION_MINOR(ctx->snap.api_version);
  if (minor >= 3) {
    f13.pNext = chain;
    chain = &f13;
  } else if (p->use_int_dot) { /* Vulkan 1.2 with VK_KHR_shader_integer_dot_product */
    exts[n_exts++] = VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME;
    idot.pNext = chain;
    chain = &idot;
  }
  if (p->use_coopmat_nv) {
    exts[n_exts++] = VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME;
    coop.pNext = chain;
    chain = &coop;
  } else if (p->use_coopmat_khr) {
    exts[n_exts++] = VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME;
    coop_khr.pNext = chain;
    chain = &coop_khr;
  }
  if (p->use_memory_budget) exts[n_exts++] = VK_EXT_MEMORY_BUDGET_EXTENSION_NAME;
  if (ctx->pipeline_stats) {
    if (has_device_extension(ctx->phys, VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME)) {
      exts[n_exts++] = VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME;
      pexec.pNext = chain;
      chain = &pexec;
    } else {
      fprintf(stderr, "lil: pipeline statistics requested, but '%s' lacks %s\n", ctx->snap.name,
              VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME);
      ctx->pipeline_stats = 0;
    }
  }
  VkPhysicalDeviceFeatures2 feats = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = chain};
  VkDeviceCreateInfo dci = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                            .pNext = &feats,
                            .queueCreateInfoCount = 1,
                            .pQueueCreateInfos = &qci,
                            .enabledExtensionCount = n_exts,
                            .ppEnabledExtensionNames = exts};
  lil_status st = lil_vk_check(vkCreateDevice(ctx->phys, &dci, NULL, &ctx->device), "vkCreateDevice", err);
  if (st) return lil_error_prefix(err, "device '%s'", ctx->snap.name);
  volkLoadDevice(ctx->device);
  vkGetDeviceQueue(ctx->device, p->queue_family, 0, &ctx->queue);

  VkPhysicalDeviceProperties props;
  vkGetPhysicalDeviceProperties(ctx->phys, &props);
  ctx->max_bindings = LIL_MAX_BINDINGS;
  if (props.limits.maxPerStageDescriptorStorageBuffers < ctx->max_bindings)
    ctx->max_bindings = props.limits.maxPerStageDescriptorStorageBuffers;
  if (props.limits.maxDescriptorSetStorageBuffers < ctx->max_bindings)
    ctx->max_bindings = props.limits.maxDescriptorSetStorageBuffers;
  VkDescriptorSetLayoutBinding b[LIL_MAX_BINDINGS];
  for (uint32_t i = 0; i < ctx->max_bindings; i++)
    b[i] = (VkDescriptorSetLayoutBinding){.binding = i,
                                          .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                          .descriptorCount = 1,
                                          .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT};
  VkDescriptorSetLayoutCreateInfo lci = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
                                         .bindingCount = ctx->max_bindings,
                                         .pBindings = b};
  if ((st = lil_vk_check(vkCreateDescriptorSetLayout(ctx->device, &lci, NULL, &ctx->set_layout),
                         "vkCreateDescriptorSetLayout", err)))
    return st;
  VkPushConstantRange pcr = {.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .offset = 0, .size = LIL_MAX_PUSH};
  VkPipelineLayoutCreateInfo plci = {.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                     .setLayoutCount = 1,
                                     .pSetLayouts = &ctx->set_layout,
                                     .pushConstantRangeCount = 1,
                                     .pPushConstantRanges = &pcr};
  if ((st = lil_vk_check(vkCreatePipelineLayout(ctx->device, &plci, NULL, &ctx->pipeline_layout),
                         "vkCreatePipelineLayout", err)))
    return st;
  VkCommandPoolCreateInfo cpi = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                 .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
                                 .queueFamilyIndex = p->queue_family};
  if ((st = lil_vk_check(vkCreateCommandPool(ctx->device, &cpi, NULL, &ctx->transfer_pool), "vkCreateCommandPool",
                         err)))
    return st;
  VkCommandBufferAllocateInfo cai = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                     .commandPool = ctx->transfer_pool,
                                     .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                     .commandBufferCount = 1};
  if ((st = lil_vk_check(vkAllocateCommandBuffers(ctx->device, &cai, &ctx->transfer_cmd), "vkAllocateCommandBuffers",
                         err)))
    return st;
  VkFenceCreateInfo fci = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  return lil_vk_check(vkCreateFence(ctx->device, &fci, NULL, &ctx->transfer_fence), "vkCreateFence", err);
}

static const char *resolve_cache_dir(const lil_ctx_options *o, char *buf, size_t n) {
  if (o && o->cache_dir) return o->cache_dir;
  const char *x = getenv("XDG_CACHE_HOME");
  if (x && *x) {
    snprintf(buf, n, "%s/lil", x);
    return buf;
  }
  const char *h = getenv("HOME");
  if (!h || !*h) return NULL;
  snprintf(buf, n, "%s/.cache/lil", h);
  return buf;
}

lil_status lil_ctx_create(const lil_ctx_options *opts, lil_ctx **out, lil_error *err) {
  lil_ctx_options defaults;
  lil_ctx_options_default(&defaults);
  const lil_ctx_options *o = opts ? opts : &defaults;
  *out = NULL;
  lil_ctx *ctx = calloc(1, sizeof(*ctx));
  if (!ctx) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "lil_ctx");
  pthread_mutex_init(&ctx->queue_lock, NULL);
  ctx->profile = o->profile;
  if (o->pipeline_stats >= 0) {
    ctx->pipeline_stats = o->pipeline_stats > 0;
  } else {
    const char *ps = getenv("LIL_PIPELINE_STATS");
    ctx->pipeline_stats = ps && !strcmp(ps, "1");
  }
  VkPhysicalDevice *pds = NULL;
  lil_device_snapshot *snaps = NULL;
  lil_device_plan *plans = NULL;
  uint32_t n = 0, idx = 0;
  lil_status st = lil_vk_faults_from_env(ctx, err);
  if (!st) st = create_instance(ctx, o, err);
  const char *disable = o->disable ? o->disable : getenv("LIL_DISABLE");
  if (!st) st = snapshot_all(ctx, disable, o, &pds, &snaps, &plans, &n, err);
  if (!st) st = lil_plan_select(snaps, plans, n, o->device ? o->device : getenv("LIL_DEVICE"), &idx, err);
  if (!st) {
    ctx->phys = pds[idx];
    ctx->snap = snaps[idx];
    ctx->plan = plans[idx];
    st = create_device(ctx, err);
  }
  free(pds);
  free(snaps);
  free(plans);
  if (!st) {
    char buf[1024];
    const char *dir = o->pipeline_cache ? resolve_cache_dir(o, buf, sizeof(buf)) : NULL;
    lil_pipeline_cache_open(ctx, dir);
  }
  if (st) {
    lil_ctx_free(ctx);
    return st;
  }
  *out = ctx;
  return LIL_OK;
}

void lil_ctx_free(lil_ctx *ctx) {
  if (!ctx) return;
  if (ctx->device) {
    vkDeviceWaitIdle(ctx->device);
    lil_pipeline_cache_save(ctx);
    lil_kernels_free(ctx);
    if (ctx->pipeline_cache) vkDestroyPipelineCache(ctx->device, ctx->pipeline_cache, NULL);
    if (ctx->transfer_fence) vkDestroyFence(ctx->device, ctx->transfer_fence, NULL);
    if (ctx->transfer_pool) vkDestroyCommandPool(ctx->device, ctx->transfer_pool, NULL);
    if (ctx->pipeline_layout) vkDestroyPipelineLayout(ctx->device, ctx->pipeline_layout, NULL);
    if (ctx->set_layout) vkDestroyDescriptorSetLayout(ctx->device, ctx->set_layout, NULL);
    vkDestroyDevice(ctx->device, NULL);
  }
  if (ctx->messenger) vkDestroyDebugUtilsMessengerEXT(ctx->instance, ctx->messenger, NULL);
  if (ctx->instance) vkDestroyInstance(ctx->instance, NULL);
  pthread_mutex_destroy(&ctx->queue_lock);
  free(ctx);
}

const lil_device_plan *lil_ctx_plan(const lil_ctx *ctx) { return &ctx->plan; }
uint32_t lil_ctx_max_bindings(const lil_ctx *ctx) { return ctx->max_bindings; }
uint32_t lil_ctx_validation_messages(const lil_ctx *ctx) {
  return __atomic_load_n(&ctx->validation_messages, __ATOMIC_RELAXED);
}
uint64_t lil_ctx_device_bytes(const lil_ctx *ctx) { return ctx->device_bytes; }
uint64_t lil_ctx_device_bytes_peak(const lil_ctx *ctx) { return ctx->device_bytes_peak; }
uint64_t lil_ctx_role_bytes(const lil_ctx *ctx, lil_mem_role role) {
  return (unsigned)role < 3 ? ctx->role_bytes[role] : 0;
}
uint32_t lil_ctx_buffer_count(const lil_ctx *ctx) { return ctx->n_buffers; }
const lil_device_snapshot *lil_ctx_snapshot(const lil_ctx *ctx) { return &ctx->snap; }

lil_status lil_enumerate_devices(const lil_ctx_options *opts, lil_device_snapshot **out, uint32_t *count,
                                 uint32_t *default_index, lil_error *err) {
  lil_ctx_options defaults;
  lil_ctx_options_default(&defaults);
  const lil_ctx_options *o = opts ? opts : &defaults;
  lil_ctx tmp;
  memset(&tmp, 0, sizeof(tmp));
  VkPhysicalDevice *pds = NULL;
  lil_device_plan *plans = NULL;
  *out = NULL;
  *count = 0;
  lil_status st = create_instance(&tmp, o, err);
  const char *disable = o->disable ? o->disable : getenv("LIL_DISABLE");
  if (!st) st = snapshot_all(&tmp, disable, o, &pds, out, &plans, count, err);
  if (!st) {
    uint32_t idx = 0;
    lil_error e2;
    *default_index = lil_plan_select(*out, plans, *count, o->device ? o->device : getenv("LIL_DEVICE"), &idx, &e2)
                         ? UINT32_MAX
                         : idx;
  }
  free(pds);
  free(plans);
  if (tmp.messenger) vkDestroyDebugUtilsMessengerEXT(tmp.instance, tmp.messenger, NULL);
  if (tmp.instance) vkDestroyInstance(tmp.instance, NULL);
  if (st) {
    free(*out);
    *out = NULL;
  }
  return st;
}
