/* On-disk pipeline cache, one file per device UUID and driver version under the user's cache
 * directory. A corrupt, truncated or foreign file is ignored (and replaced on exit). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vk_internal.h"

#define HEADER_BYTES 32 /* VkPipelineCacheHeaderVersionOne */

static void mkdir_p(const char *dir) {
  char buf[1024];
  snprintf(buf, sizeof(buf), "%s", dir);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    mkdir(buf, 0755);
    *p = '/';
  }
  mkdir(buf, 0755);
}

/* Checks the header the Vulkan spec defines against this device. */
static int header_matches(const lil_ctx *ctx, const unsigned char *d, size_t n) {
  if (n < HEADER_BYTES) return 0;
  uint32_t len, ver, vendor, device;
  memcpy(&len, d, 4);
  memcpy(&ver, d + 4, 4);
  memcpy(&vendor, d + 8, 4);
  memcpy(&device, d + 12, 4);
  return len == HEADER_BYTES && ver == VK_PIPELINE_CACHE_HEADER_VERSION_ONE && vendor == ctx->snap.vendor_id &&
         device == ctx->snap.device_id && !memcmp(d + 16, ctx->snap.pipeline_cache_uuid, 16);
}

void lil_pipeline_cache_open(lil_ctx *ctx, const char *dir) {
  ctx->cache_path[0] = 0;
  void *data = NULL;
  size_t size = 0;
  if (dir) {
    char uuid[33];
    for (int i = 0; i < 16; i++) snprintf(uuid + 2 * i, 3, "%02x", ctx->snap.uuid[i]);
    snprintf(ctx->cache_path, sizeof(ctx->cache_path), "%s/pipelines-%s-%08x.bin", dir, uuid,
             ctx->snap.driver_version);
    FILE *f = fopen(ctx->cache_path, "rb");
    if (f) {
      if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n > 0 && n < (256l << 20)) {
          data = malloc((size_t)n);
          fseek(f, 0, SEEK_SET);
          if (data && fread(data, 1, (size_t)n, f) == (size_t)n) size = (size_t)n;
        }
      }
      fclose(f);
      if (size && !header_matches(ctx, data, size)) {
        fprintf(stderr, "lil: ignoring pipeline cache %s (corrupt or from another device/driver)\n",
                ctx->cache_path);
        size = 0;
      }
    }
  }
  VkPipelineCacheCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
                                  .initialDataSize = size,
                                  .pInitialData = size ? data : NULL};
  if (vkCreatePipelineCache(ctx->device, &ci, NULL, &ctx->pipeline_cache) != VK_SUCCESS) {
    ci.initialDataSize = 0;
    ci.pInitialData = NULL;
    if (vkCreatePipelineCache(ctx->device, &ci, NULL, &ctx->pipeline_cache) != VK_SUCCESS)
      ctx->pipeline_cache = VK_NULL_HANDLE;
  }
  free(data);
}

void lil_pipeline_cache_save(lil_ctx *ctx) {
  if (!ctx->pipeline_cache || !ctx->cache_path[0] || ctx->n_kernels == 0) return;
  size_t n = 0;
  if (vkGetPipelineCacheData(ctx->device, ctx->pipeline_cache, &n, NULL) != VK_SUCCESS || n == 0) return;
  void *data = malloc(n);
  if (!data) return;
  if (vkGetPipelineCacheData(ctx->device, ctx->pipeline_cache, &n, data) == VK_SUCCESS) {
    char dir[1024], tmp[1100];
    snprintf(dir, sizeof(dir), "%s", ctx->cache_path);
    char *slash = strrchr(dir, '/');
    if (slash) {
      *slash = 0;
      mkdir_p(dir);
    }
    /* written to a temporary file, then renamed over the old one: a reader never sees a partial
     * file, and a failed write (read-only directory, full disk) leaves the old cache intact */
    snprintf(tmp, sizeof(tmp), "%s.tmp%d", ctx->cache_path, (int)getpid());
    errno = 0;
    FILE *f = fopen(tmp, "wb");
    int ok = f != NULL, e = errno;
    if (f) {
      ok = fwrite(data, 1, n, f) == n && fflush(f) == 0;
      if (!ok) e = errno;
      if (fclose(f) != 0 && ok) ok = 0, e = errno;
      if (ok && rename(tmp, ctx->cache_path) != 0) ok = 0, e = errno;
      if (!ok) remove(tmp);
    }
    if (!ok)
      fprintf(stderr, "lil: cannot save the pipeline cache %s: %s (the next run compiles its pipelines again)\n",
              ctx->cache_path, e ? strerror(e) : "write failed");
  }
  free(data);
}

const char *lil_ctx_pipeline_cache_path(const lil_ctx *ctx) { return ctx->cache_path; }
