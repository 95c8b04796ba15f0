/* Buffers by role, each in its own memory block (<= the plan's max_block), and blocking transfers
 * through a staging buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

#define STAGING_CHUNK (64ull << 20)

static void fmt_bytes(uint64_t n, char *buf, size_t len) {
  if (n >= (1ull << 30)) snprintf(buf, len, "%.2f GiB", (double)n / (double)(1ull << 30));
  else if (n >= (1ull << 20)) snprintf(buf, len, "%.2f MiB", (double)n / (double)(1ull << 20));
  else snprintf(buf, len, "%llu bytes", (unsigned long long)n);
}

static const char *role_name(lil_mem_role r) {
  switch (r) {
  case LIL_MEM_WEIGHTS: return "weights";
  case LIL_MEM_ACTIVATIONS: return "activations";
  case LIL_MEM_READBACK: return "readback";
  }
  return "?";
}

lil_status lil_buffer_create(lil_ctx *ctx, lil_mem_role role, uint64_t size, const char *name, lil_buffer **out,
                             lil_error *err) {
  *out = NULL;
  char sz[32], heap_sz[32];
  fmt_bytes(size, sz, sizeof(sz));
  const char *label = name ? name : role_name(role);
  if (size == 0) return lil_error_set(err, LIL_ERR_INVALID_ARG, "buffer '%s': size 0", label);
  if (size > ctx->plan.max_block)
    return lil_error_set(err, LIL_ERR_INVALID_ARG,
                         "buffer '%s': %s exceeds the largest allocation lil makes on '%s' (%llu bytes); split it",
                         label, sz, ctx->snap.name, (unsigned long long)ctx->plan.max_block);
  uint32_t type = role == LIL_MEM_READBACK ? ctx->plan.mem_readback
                  : role == LIL_MEM_WEIGHTS ? ctx->plan.mem_weights
                                            : ctx->plan.mem_activations;
  uint32_t heap = ctx->snap.types[type].heap;
  fmt_bytes(ctx->snap.heaps[heap].size, heap_sz, sizeof(heap_sz));
  lil_buffer *b = calloc(1, sizeof(*b));
  if (!b) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "buffer '%s': host allocation", label);
  b->ctx = ctx;
  b->size = size;
  b->role = role;
  snprintf(b->name, sizeof(b->name), "%s", label);
  VkBufferCreateInfo bci = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                            .size = size,
                            .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                                     VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                            .sharingMode = VK_SHARING_MODE_EXCLUSIVE};
  VkResult r = vkCreateBuffer(ctx->device, &bci, NULL, &b->buffer);
  if (r != VK_SUCCESS) {
    free(b);
    return lil_error_set(err, r == VK_ERROR_OUT_OF_DEVICE_MEMORY ? LIL_ERR_OUT_OF_MEMORY : LIL_ERR_VULKAN,
                         "buffer '%s' (%s): vkCreateBuffer: %s", label, sz, lil_vk_result_name(r));
  }
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(ctx->device, b->buffer, &req);
  if (!(req.memoryTypeBits & (1u << type))) {
    /* fall back to any type with the same properties the buffer accepts */
    uint32_t want = ctx->snap.types[type].flags &
                    (VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                     VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    type = lil_vk_find_memory_type(&ctx->snap, req.memoryTypeBits, want, 0);
  }
  if (type == UINT32_MAX) {
    vkDestroyBuffer(ctx->device, b->buffer, NULL);
    free(b);
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "buffer '%s': no memory type for role %s", label,
                         role_name(role));
  }
  VkMemoryAllocateInfo mai = {
      .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, .allocationSize = req.size, .memoryTypeIndex = type};
  VkResult injected = lil_vk_fault_alloc(ctx);
  r = injected != VK_SUCCESS ? injected : vkAllocateMemory(ctx->device, &mai, NULL, &b->memory);
  if (r != VK_SUCCESS) {
    vkDestroyBuffer(ctx->device, b->buffer, NULL);
    free(b);
    return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY,
                         "allocating %s for '%s' (%s) on heap %u (%s%s) of '%s' failed: %s%s (in use by lil: %llu "
                         "bytes)",
                         sz, label, role_name(role), heap, heap_sz,
                         ctx->snap.heaps[heap].device_local ? ", device-local" : ", host", ctx->snap.name,
                         lil_vk_result_name(r), injected != VK_SUCCESS ? ", injected by the fault hook" : "",
                         (unsigned long long)ctx->device_bytes);
  }
  vkBindBufferMemory(ctx->device, b->buffer, b->memory, 0);
  if (role == LIL_MEM_READBACK) {
    r = vkMapMemory(ctx->device, b->memory, 0, VK_WHOLE_SIZE, 0, &b->host);
    if (r != VK_SUCCESS) {
      lil_buffer_free(b);
      return lil_error_set(err, LIL_ERR_VULKAN, "buffer '%s': vkMapMemory: %s", label, lil_vk_result_name(r));
    }
  } else {
    ctx->device_bytes += req.size;
    if (ctx->device_bytes > ctx->device_bytes_peak) ctx->device_bytes_peak = ctx->device_bytes;
  }
  ctx->role_bytes[role] += req.size;
  ctx->n_buffers++;
  *out = b;
  return LIL_OK;
}

void lil_buffer_free(lil_buffer *b) {
  if (!b) return;
  lil_ctx *ctx = b->ctx;
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(ctx->device, b->buffer, &req);
  if (b->role != LIL_MEM_READBACK) ctx->device_bytes -= req.size;
  ctx->role_bytes[b->role] -= req.size;
  ctx->n_buffers--;
  if (b->host) vkUnmapMemory(ctx->device, b->memory);
  vkDestroyBuffer(ctx->device, b->buffer, NULL);
  vkFreeMemory(ctx->device, b->memory, NULL);
  free(b);
}

uint64_t lil_buffer_size(const lil_buffer *b) { return b->size; }
void *lil_buffer_host(lil_buffer *b) { return b->host; }

uint32_t lil_vk_find_memory_type(const lil_device_snapshot *s, uint32_t bits, uint32_t want, uint32_t prefer) {
  uint32_t best = UINT32_MAX;
  for (uint32_t i = 0; i < s->n_types; i++) {
    if (!(bits & (1u << i)) || (s->types[i].flags & want) != want) continue;
    if (best == UINT32_MAX || ((s->types[i].flags & prefer) == prefer && (s->types[best].flags & prefer) != prefer))
      best = i;
  }
  return best;
}

uint64_t lil_max_rows_per_binding(const lil_ctx *ctx, uint64_t row_bytes) {
  return row_bytes ? ctx->plan.max_binding / row_bytes : 0;
}

lil_status lil_transfer_begin(lil_ctx *ctx, VkCommandBuffer *cmd, lil_error *err) {
  lil_status lost = lil_vk_check_lost(ctx, "transfer", err);
  if (lost) return lost;
  pthread_mutex_lock(&ctx->queue_lock);
  vkResetCommandBuffer(ctx->transfer_cmd, 0);
  VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                 .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
  lil_status st = lil_vk_check(vkBeginCommandBuffer(ctx->transfer_cmd, &bi), "vkBeginCommandBuffer", err);
  if (st) {
    pthread_mutex_unlock(&ctx->queue_lock);
    return st;
  }
  /* earlier device work (any sequence) before this transfer */
  VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                        .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                        .dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT};
  vkCmdPipelineBarrier(ctx->transfer_cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &mb, 0, NULL, 0, NULL);
  *cmd = ctx->transfer_cmd;
  return LIL_OK;
}

lil_status lil_transfer_end(lil_ctx *ctx, lil_error *err) {
  VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                        .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
                        .dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_SHADER_READ_BIT |
                                         VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT};
  vkCmdPipelineBarrier(ctx->transfer_cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT |
                           VK_PIPELINE_STAGE_TRANSFER_BIT,
                       0, 1, &mb, 0, NULL, 0, NULL);
  lil_status st = lil_vk_check(vkEndCommandBuffer(ctx->transfer_cmd), "vkEndCommandBuffer", err);
  if (!st) {
    VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1,
                       .pCommandBuffers = &ctx->transfer_cmd};
    vkResetFences(ctx->device, 1, &ctx->transfer_fence);
    VkResult r = vkQueueSubmit(ctx->queue, 1, &si, ctx->transfer_fence);
    st = r == VK_ERROR_DEVICE_LOST ? lil_vk_check_wait(ctx, r, "vkQueueSubmit (transfer)", err)
                                   : lil_vk_check(r, "vkQueueSubmit (transfer)", err);
    if (!st)
      st = lil_vk_check_wait(ctx, vkWaitForFences(ctx->device, 1, &ctx->transfer_fence, VK_TRUE, UINT64_MAX),
                             "vkWaitForFences (transfer)", err);
  }
  pthread_mutex_unlock(&ctx->queue_lock);
  return st;
}

static lil_status check_range(const lil_buffer *b, uint64_t off, uint64_t n, const char *what, lil_error *err) {
  if (off > b->size || n > b->size - off)
    return lil_error_set(err, LIL_ERR_RANGE, "%s of buffer '%s': range %llu+%llu past its size %llu", what, b->name,
                         (unsigned long long)off, (unsigned long long)n, (unsigned long long)b->size);
  return LIL_OK;
}

/* Moves n bytes between host memory and b through a staging buffer; to_device selects direction. */
static lil_status staged_copy(lil_buffer *b, uint64_t off, void *host, uint64_t n, int to_device, lil_error *err) {
  lil_ctx *ctx = b->ctx;
  uint64_t chunk = n < STAGING_CHUNK ? n : STAGING_CHUNK;
  lil_buffer *stage = NULL;
  lil_status st = lil_buffer_create(ctx, LIL_MEM_READBACK, chunk, "staging", &stage, err);
  if (st) return st;
  for (uint64_t done = 0; done < n && !st; done += chunk) {
    uint64_t len = n - done < chunk ? n - done : chunk;
    if (to_device) memcpy(stage->host, (char *)host + done, len);
    VkCommandBuffer cmd;
    if ((st = lil_transfer_begin(ctx, &cmd, err))) break;
    VkBufferCopy c = {.srcOffset = to_device ? 0 : off + done, .dstOffset = to_device ? off + done : 0, .size = len};
    if (to_device) vkCmdCopyBuffer(cmd, stage->buffer, b->buffer, 1, &c);
    else vkCmdCopyBuffer(cmd, b->buffer, stage->buffer, 1, &c);
    if ((st = lil_transfer_end(ctx, err))) break;
    if (!to_device) memcpy((char *)host + done, stage->host, len);
  }
  lil_buffer_free(stage);
  return st;
}

lil_status lil_buffer_upload(lil_buffer *b, uint64_t off, const void *src, uint64_t n, lil_error *err) {
  lil_status st = check_range(b, off, n, "upload", err);
  if (st || n == 0) return st;
  if (b->host) {
    memcpy((char *)b->host + off, src, n);
    return LIL_OK;
  }
  return staged_copy(b, off, (void *)(uintptr_t)src, n, 1, err);
}

lil_status lil_buffer_download(lil_buffer *b, uint64_t off, void *dst, uint64_t n, lil_error *err) {
  lil_status st = check_range(b, off, n, "download", err);
  if (st || n == 0) return st;
  if (b->host) {
    memcpy(dst, (char *)b->host + off, n);
    return LIL_OK;
  }
  return staged_copy(b, off, dst, n, 0, err);
}

lil_status lil_buffer_fill(lil_buffer *b, uint64_t off, uint64_t n, uint32_t pattern, lil_error *err) {
  lil_status st = check_range(b, off, n, "fill", err);
  if (st || n == 0) return st;
  if ((off | n) & 3) return lil_error_set(err, LIL_ERR_INVALID_ARG, "fill of '%s': offset and size must be multiples of 4", b->name);
  if (b->host) {
    uint32_t *p = (uint32_t *)((char *)b->host + off);
    for (uint64_t i = 0; i < n / 4; i++) p[i] = pattern;
    return LIL_OK;
  }
  VkCommandBuffer cmd;
  if ((st = lil_transfer_begin(b->ctx, &cmd, err))) return st;
  vkCmdFillBuffer(cmd, b->buffer, off, n, pattern);
  return lil_transfer_end(b->ctx, err);
}
