/* Kernels: compute pipelines from the embedded SPIR-V with specialization constants, created on
 * first use and cached by the context. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_shaders.h"
#include "vk_internal.h"

/* Prints the driver's statistics of a pipeline's executables (one line per executable). */
static void print_pipeline_stats(lil_ctx *ctx, VkPipeline pipeline, const lil_kernel_desc *d) {
  VkPipelineInfoKHR pi = {.sType = VK_STRUCTURE_TYPE_PIPELINE_INFO_KHR, .pipeline = pipeline};
  uint32_t n_exec = 0;
  if (vkGetPipelineExecutablePropertiesKHR(ctx->device, &pi, &n_exec, NULL) != VK_SUCCESS) return;
  for (uint32_t e = 0; e < n_exec; e++) {
    VkPipelineExecutableInfoKHR ei = {.sType = VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_INFO_KHR,
                                      .pipeline = pipeline, .executableIndex = e};
    uint32_t n = 0;
    if (vkGetPipelineExecutableStatisticsKHR(ctx->device, &ei, &n, NULL) != VK_SUCCESS || n == 0) continue;
    VkPipelineExecutableStatisticKHR *st = calloc(n, sizeof(*st));
    if (!st) return;
    for (uint32_t i = 0; i < n; i++) st[i].sType = VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_STATISTIC_KHR;
    if (vkGetPipelineExecutableStatisticsKHR(ctx->device, &ei, &n, st) == VK_SUCCESS) {
      fprintf(stderr, "pipeline %s", d->shader);
      for (uint32_t i = 0; i < d->n_spec; i++) fprintf(stderr, "%cs%u=%u", i ? ',' : ' ', i, d->spec[i]);
      for (uint32_t i = 0; i < n; i++) {
        fprintf(stderr, " | %s=", st[i].name);
        switch (st[i].format) {
        case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_BOOL32_KHR: fprintf(stderr, "%u", st[i].value.b32); break;
        case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_INT64_KHR: fprintf(stderr, "%lld", (long long)st[i].value.i64); break;
        case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_UINT64_KHR:
          fprintf(stderr, "%llu", (unsigned long long)st[i].value.u64);
          break;
        case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_FLOAT64_KHR: fprintf(stderr, "%g", st[i].value.f64); break;
        default: fprintf(stderr, "?"); break;
        }
      }
      fprintf(stderr, "\n");
    }
    free(st);
  }
}

/* Whether a module declares the CooperativeMatrixNV capability (the capabilities open a module). */
static int declares_nv_coopmat(const lil_shader_blob *b) {
  const uint32_t *w = b->code, n = (uint32_t)(b->size / 4);
  for (uint32_t i = 5; i < n && (w[i] >> 16);) {
    uint32_t op = w[i] & 0xffffu, len = w[i] >> 16;
    if (op != 17 /* OpCapability */) break;
    if (i + 1 < n && w[i + 1] == 5357 /* CooperativeMatrixNV */) return 1;
    i += len;
  }
  return 0;
}

static int same_desc(const lil_kernel_desc *a, const lil_kernel_desc *b) {
  return !strcmp(a->shader, b->shader) && a->n_bindings == b->n_bindings && a->push_size == b->push_size &&
         a->subgroup_size == b->subgroup_size && a->n_spec == b->n_spec &&
         !memcmp(a->spec, b->spec, a->n_spec * sizeof(uint32_t));
}

lil_status lil_kernel_get(lil_ctx *ctx, const lil_kernel_desc *d, lil_kernel **out, lil_error *err) {
  *out = NULL;
  for (uint32_t i = 0; i < ctx->n_kernels; i++)
    if (same_desc(&ctx->kernels[i].desc, d)) {
      *out = ctx->kernels[i].kernel;
      return LIL_OK;
    }
  if (d->n_bindings > ctx->max_bindings || d->push_size > LIL_MAX_PUSH || d->n_spec > LIL_MAX_SPEC)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "kernel '%s': %u bindings / %u push bytes / %u constants over the limits",
                         d->shader, d->n_bindings, d->push_size, d->n_spec);
  const lil_shader_blob *blob = lil_shader_find(d->shader);
  if (!blob) return lil_error_set(err, LIL_ERR_INVALID_ARG, "kernel '%s': no such embedded shader", d->shader);
  const char *key = blob->name; /* (static storage) the name asked for: the cache's key */
  const int coop = declares_nv_coopmat(blob);
  uint32_t sg = d->subgroup_size ? d->subgroup_size : coop ? ctx->plan.coopmat_subgroup_size : 0;
  if (sg) {
    const lil_device_snapshot *s = &ctx->snap;
    uint32_t wg = d->n_spec ? d->spec[0] : 0;
    if (lil_plan_required_subgroup(s, sg) != sg)
      return lil_error_set(err, LIL_ERR_UNSUPPORTED, "kernel '%s': subgroups of %u lanes cannot be required here "
                           "(subgroup size control %s, sizes %u..%u)", d->shader, sg,
                           s->subgroup_size_control ? "on" : "off", s->min_subgroup_size, s->max_subgroup_size);
    if (!wg || wg % sg || (s->max_workgroup_subgroups && wg / sg > s->max_workgroup_subgroups))
      return lil_error_set(err, LIL_ERR_INVALID_ARG, "kernel '%s': workgroup of %u is not 1..%u full subgroups of %u",
                           d->shader, wg, s->max_workgroup_subgroups, sg);
  }
  if (ctx->plan.use_coopmat_khr && coop) { /* its build-time KHR translation */
    char khr[96];
    snprintf(khr, sizeof(khr), "%s_khr", d->shader);
    blob = lil_shader_find(khr);
    if (!blob)
      return lil_error_set(err, LIL_ERR_UNSUPPORTED,
                           "kernel '%s': no VK_KHR_cooperative_matrix translation of this variant "
                           "(shaders/spirv_nv_to_khr.py refuses it)", d->shader);
  }
  if (d->n_spec > 0 && (d->spec[0] == 0 || d->spec[0] > ctx->snap.max_workgroup_invocations))
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "kernel '%s': workgroup size %u outside 1..%u", d->shader,
                         d->spec[0], ctx->snap.max_workgroup_invocations);
  VkShaderModuleCreateInfo smci = {
      .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, .codeSize = blob->size, .pCode = blob->code};
  VkShaderModule mod;
  lil_status st = lil_vk_check(vkCreateShaderModule(ctx->device, &smci, NULL, &mod), "vkCreateShaderModule", err);
  if (st) return lil_error_prefix(err, "kernel '%s'", d->shader);
  VkSpecializationMapEntry map[LIL_MAX_SPEC];
  for (uint32_t i = 0; i < d->n_spec; i++)
    map[i] = (VkSpecializationMapEntry){.constantID = i, .offset = i * 4, .size = 4};
  VkSpecializationInfo si = {
      .mapEntryCount = d->n_spec, .pMapEntries = map, .dataSize = d->n_spec * 4, .pData = d->spec};
  VkPipelineShaderStageRequiredSubgroupSizeCreateInfo rss = {
      .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO, .requiredSubgroupSize = sg};
  VkComputePipelineCreateInfo ci = {
      .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
      .stage = {.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                .pNext = sg ? &rss : NULL,
                .flags = sg ? VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT : 0,
                .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                .module = mod,
                .pName = "main",
                .pSpecializationInfo = d->n_spec ? &si : NULL},
      .layout = ctx->pipeline_layout};
  if (ctx->pipeline_stats) ci.flags |= VK_PIPELINE_CREATE_CAPTURE_STATISTICS_BIT_KHR;
  lil_kernel *k = calloc(1, sizeof(*k));
  if (!k) {
    vkDestroyShaderModule(ctx->device, mod, NULL);
    return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "kernel '%s'", d->shader);
  }
  st = lil_vk_check(vkCreateComputePipelines(ctx->device, ctx->pipeline_cache, 1, &ci, NULL, &k->pipeline),
                    "vkCreateComputePipelines", err);
  vkDestroyShaderModule(ctx->device, mod, NULL);
  if (st) {
    free(k);
    return lil_error_prefix(err, "kernel '%s'", d->shader);
  }
  if (ctx->pipeline_stats) print_pipeline_stats(ctx, k->pipeline, d);
  snprintf(k->name, sizeof(k->name), "%s", blob->name); /* (NAME_khr where translated) */
  k->n_bindings = d->n_bindings;
  k->push_size = d->push_size;
  if (ctx->n_kernels == ctx->cap_kernels) {
    uint32_t cap = ctx->cap_kernels ? ctx->cap_kernels * 2 : 32;
    kernel_entry *e = realloc(ctx->kernels, cap * sizeof(*e));
    if (!e) {
      vkDestroyPipeline(ctx->device, k->pipeline, NULL);
      free(k);
      return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "kernel table");
    }
    ctx->kernels = e;
    ctx->cap_kernels = cap;
  }
  kernel_entry *e = &ctx->kernels[ctx->n_kernels++];
  e->desc = *d;
  e->desc.shader = key;
  e->kernel = k;
  *out = k;
  return LIL_OK;
}

void lil_kernels_free(lil_ctx *ctx) {
  for (uint32_t i = 0; i < ctx->n_kernels; i++) {
    vkDestroyPipeline(ctx->device, ctx->kernels[i].kernel->pipeline, NULL);
    free(ctx->kernels[i].kernel);
  }
  free(ctx->kernels);
  ctx->kernels = NULL;
  ctx->n_kernels = ctx->cap_kernels = 0;
}
