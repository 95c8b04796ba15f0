/* Sequences: dispatches and copies recorded once into one or more command buffers (at most
 * max_dispatches_per_submit commands each, so no submit runs long enough to trip a driver
 * watchdog) and replayed by lil_seq_run. Barriers are exact: one is recorded only before a command
 * whose buffer ranges conflict (read-after-write, write-after-read, write-after-write) with a
 * command since the previous barrier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

#define SETS_PER_POOL 256
#define MAX_QUERIES 8192

typedef struct access {
  VkBuffer buf;
  uint64_t begin, end;
  int write;
} access;

#define DEVICE_STAGES (VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT)

struct lil_seq {
  lil_ctx *ctx;
  VkCommandPool pool;
  VkCommandBuffer *cmds;
  uint32_t n_cmds, cap_cmds;
  int open;      /* current command buffer is recording */
  int finished;  /* recording ended; replay only */
  uint32_t in_chunk, n_commands;
  VkFence fence;
  int in_flight;
  VkDescriptorPool *dpools;
  uint32_t n_dpools, sets_left;
  access *pending;
  uint32_t n_pending, cap_pending;
  uint32_t n_barriers; /* recorded between commands (dependent steps - 1) */
  /* profiling */
  VkQueryPool qpool;
  uint32_t n_queries;
  uint32_t *cmd_query;   /* per command: its end query (UINT32_MAX: untimed) */
  uint32_t *cmd_prev;    /* per command: the query before it */
  char **labels;
  uint32_t cap_labels;
  lil_seq_timing *timings;
  uint32_t n_timings;
  double gpu_ms;
  int total_only; /* timestamps only where the sequence's chunks begin and end */
  int chunk_xfer; /* the open command buffer has recorded a transfer */
};

lil_status lil_seq_create(lil_ctx *ctx, lil_seq **out, lil_error *err) {
  *out = NULL;
  lil_seq *s = calloc(1, sizeof(*s));
  if (!s) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "sequence");
  s->ctx = ctx;
  VkCommandPoolCreateInfo cpi = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                 .queueFamilyIndex = ctx->plan.queue_family};
  VkResult inj = lil_vk_fault_alloc(ctx);
  lil_status st = lil_vk_check_alloc(inj ? inj : vkCreateCommandPool(ctx->device, &cpi, NULL, &s->pool), inj,
                                     "vkCreateCommandPool", err);
  VkFenceCreateInfo fci = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  if (!st && !(inj = lil_vk_fault_alloc(ctx)))
    st = lil_vk_check(vkCreateFence(ctx->device, &fci, NULL, &s->fence), "vkCreateFence", err);
  else if (!st)
    st = lil_vk_check_alloc(inj, inj, "vkCreateFence", err);
  if (!st && ctx->profile && ctx->plan.use_timestamps) {
    VkQueryPoolCreateInfo qci = {
        .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO, .queryType = VK_QUERY_TYPE_TIMESTAMP, .queryCount = MAX_QUERIES};
    st = lil_vk_check(vkCreateQueryPool(ctx->device, &qci, NULL, &s->qpool), "vkCreateQueryPool", err);
  }
  if (st) {
    lil_seq_free(s);
    return st;
  }
  *out = s;
  return LIL_OK;
}

static void drop_recording(lil_seq *s) {
  lil_ctx *ctx = s->ctx;
  if (s->n_cmds) vkFreeCommandBuffers(ctx->device, s->pool, s->n_cmds, s->cmds);
  s->n_cmds = 0;
  for (uint32_t i = 0; i < s->n_dpools; i++) vkDestroyDescriptorPool(ctx->device, s->dpools[i], NULL);
  s->n_dpools = 0;
  s->sets_left = 0;
  for (uint32_t i = 0; i < s->n_commands; i++) free(s->labels[i]);
  s->n_commands = s->in_chunk = s->n_pending = s->n_queries = s->n_timings = s->n_barriers = 0;
  s->open = s->finished = 0;
  s->gpu_ms = 0;
}

void lil_seq_free(lil_seq *s) {
  if (!s) return;
  lil_ctx *ctx = s->ctx;
  if (s->in_flight) vkWaitForFences(ctx->device, 1, &s->fence, VK_TRUE, UINT64_MAX);
  drop_recording(s);
  if (s->qpool) vkDestroyQueryPool(ctx->device, s->qpool, NULL);
  if (s->fence) vkDestroyFence(ctx->device, s->fence, NULL);
  if (s->pool) vkDestroyCommandPool(ctx->device, s->pool, NULL);
  free(s->cmds);
  free(s->dpools);
  free(s->pending);
  free(s->labels);
  free(s->cmd_query);
  free(s->cmd_prev);
  free(s->timings);
  free(s);
}

void lil_seq_reset(lil_seq *s) {
  if (s->in_flight) {
    vkWaitForFences(s->ctx->device, 1, &s->fence, VK_TRUE, UINT64_MAX);
    s->in_flight = 0;
  }
  drop_recording(s);
}

uint32_t lil_seq_dispatch_count(const lil_seq *s) { return s->n_commands; }
uint32_t lil_seq_barrier_count(const lil_seq *s) { return s->n_barriers; }

static void full_barrier(VkCommandBuffer cmd, VkPipelineStageFlags dst_stage, VkAccessFlags dst_access) {
  VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                        .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                        .dstAccessMask = dst_access};
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT, dst_stage, 0, 1,
                       &mb, 0, NULL, 0, NULL);
}

#define DEVICE_ACCESS                                                                                              \
  (VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT)

static lil_status end_chunk(lil_seq *s, int last, lil_error *err) {
  VkCommandBuffer cmd = s->cmds[s->n_cmds - 1];
  if (s->qpool && s->total_only && s->n_queries < MAX_QUERIES)
    vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, s->qpool, s->n_queries++);
  if (last) full_barrier(cmd, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
  s->open = 0;
  return lil_vk_check(vkEndCommandBuffer(cmd), "vkEndCommandBuffer", err);
}

static lil_status ensure_open(lil_seq *s, lil_error *err) {
  lil_status st;
  if (s->finished)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "sequence already ran: lil_seq_reset() before recording again");
  if (s->open && s->in_chunk < s->ctx->plan.max_dispatches_per_submit) return LIL_OK;
  if (s->open && (st = end_chunk(s, 0, err))) return st;
  if (s->n_cmds == s->cap_cmds) {
    uint32_t cap = s->cap_cmds ? s->cap_cmds * 2 : 4;
    VkCommandBuffer *c = realloc(s->cmds, cap * sizeof(*c));
    if (!c) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "sequence command buffers");
    s->cmds = c;
    s->cap_cmds = cap;
  }
  VkCommandBufferAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                    .commandPool = s->pool,
                                    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                    .commandBufferCount = 1};
  VkCommandBuffer cmd;
  VkResult inj = lil_vk_fault_alloc(s->ctx);
  if ((st = lil_vk_check_alloc(inj ? inj : vkAllocateCommandBuffers(s->ctx->device, &ai, &cmd), inj,
                               "vkAllocateCommandBuffers", err)))
    return st;
  s->cmds[s->n_cmds++] = cmd;
  VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  if ((st = lil_vk_check(vkBeginCommandBuffer(cmd, &bi), "vkBeginCommandBuffer", err))) return st;
  /* Work of earlier submits (previous chunk, previous replay, transfers) happens-before this one. */
  full_barrier(cmd, DEVICE_STAGES, DEVICE_ACCESS);
  if (s->qpool) {
    if (s->n_cmds == 1) vkCmdResetQueryPool(cmd, s->qpool, 0, MAX_QUERIES);
    if (s->n_queries < MAX_QUERIES) vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, s->qpool, s->n_queries++);
  }
  s->open = 1;
  s->in_chunk = 0;
  s->n_pending = 0;
  s->chunk_xfer = 0;
  return LIL_OK;
}

/* Records a barrier if any of the new accesses conflicts with a pending one, then adds them. */
static lil_status track(lil_seq *s, const access *acc, uint32_t n, int xfer, lil_error *err) {
  int conflict = 0;
  for (uint32_t i = 0; i < n && !conflict; i++)
    for (uint32_t j = 0; j < s->n_pending && !conflict; j++) {
      const access *p = &s->pending[j];
      if (p->buf == acc[i].buf && p->begin < acc[i].end && acc[i].begin < p->end && (p->write || acc[i].write))
        conflict = 1;
    }
  if (conflict) {
    /* Between two dispatches of a command buffer that has recorded no transfer, only compute work
     * is waited for (the second scope keeps transfers: a later copy may read what came before). */
    VkCommandBuffer cmd = s->cmds[s->n_cmds - 1];
    if (s->ctx->plan.use_narrow_barriers && !s->chunk_xfer && !xfer) {
      VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                            .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
                            .dstAccessMask = DEVICE_ACCESS};
      vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, DEVICE_STAGES, 0, 1, &mb, 0, NULL, 0, NULL);
    } else {
      full_barrier(cmd, DEVICE_STAGES, DEVICE_ACCESS);
    }
    s->n_pending = 0;
    s->n_barriers++;
  }
  if (s->n_pending + n > s->cap_pending) {
    uint32_t cap = (s->n_pending + n) * 2;
    access *p = realloc(s->pending, cap * sizeof(*p));
    if (!p) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "sequence access tracking");
    s->pending = p;
    s->cap_pending = cap;
  }
  memcpy(s->pending + s->n_pending, acc, n * sizeof(*acc));
  s->n_pending += n;
  if (xfer) s->chunk_xfer = 1;
  return LIL_OK;
}

static lil_status note_command(lil_seq *s, const char *label, lil_error *err) {
  if (s->n_commands == s->cap_labels) {
    uint32_t cap = s->cap_labels ? s->cap_labels * 2 : 64;
    char **l = realloc(s->labels, cap * sizeof(*l));
    uint32_t *q = realloc(s->cmd_query, cap * sizeof(*q));
    uint32_t *pq = realloc(s->cmd_prev, cap * sizeof(*pq));
    if (l) s->labels = l;
    if (q) s->cmd_query = q;
    if (pq) s->cmd_prev = pq;
    if (!l || !q || !pq) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "sequence labels");
    s->cap_labels = cap;
  }
  uint32_t i = s->n_commands++;
  s->labels[i] = strdup(label ? label : "?");
  s->cmd_query[i] = UINT32_MAX;
  if (s->qpool && !s->total_only && s->n_queries < MAX_QUERIES) {
    s->cmd_prev[i] = s->n_queries - 1;
    s->cmd_query[i] = s->n_queries;
    vkCmdWriteTimestamp(s->cmds[s->n_cmds - 1], VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, s->qpool, s->n_queries++);
  }
  s->in_chunk++;
  return LIL_OK;
}

static lil_status alloc_set(lil_seq *s, VkDescriptorSet *set, lil_error *err) {
  lil_ctx *ctx = s->ctx;
  lil_status st;
  if (s->sets_left == 0) {
    VkDescriptorPoolSize ps = {.type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                               .descriptorCount = SETS_PER_POOL * ctx->max_bindings};
    VkDescriptorPoolCreateInfo pci = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
                                      .maxSets = SETS_PER_POOL,
                                      .poolSizeCount = 1,
                                      .pPoolSizes = &ps};
    VkDescriptorPool pool;
    VkResult inj = lil_vk_fault_alloc(ctx);
    if ((st = lil_vk_check_alloc(inj ? inj : vkCreateDescriptorPool(ctx->device, &pci, NULL, &pool), inj,
                                 "vkCreateDescriptorPool", err)))
      return st;
    VkDescriptorPool *p = realloc(s->dpools, (s->n_dpools + 1) * sizeof(*p));
    if (!p) {
      vkDestroyDescriptorPool(ctx->device, pool, NULL);
      return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "descriptor pools");
    }
    s->dpools = p;
    s->dpools[s->n_dpools++] = pool;
    s->sets_left = SETS_PER_POOL;
  }
  VkDescriptorSetAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                    .descriptorPool = s->dpools[s->n_dpools - 1],
                                    .descriptorSetCount = 1,
                                    .pSetLayouts = &ctx->set_layout};
  s->sets_left--;
  VkResult inj = lil_vk_fault_alloc(ctx);
  return lil_vk_check_alloc(inj ? inj : vkAllocateDescriptorSets(ctx->device, &ai, set), inj,
                            "vkAllocateDescriptorSets", err);
}

lil_status lil_seq_dispatch(lil_seq *s, lil_kernel *k, const lil_binding *b, uint32_t nb, uint32_t write_mask,
                            const void *push, uint32_t push_size, uint32_t gx, uint32_t gy, uint32_t gz,
                            const char *label, lil_error *err) {
  lil_ctx *ctx = s->ctx;
  if (nb != k->n_bindings || push_size != k->push_size)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "dispatch of '%s': %u bindings / %u push bytes, kernel wants %u / %u",
                         k->name, nb, push_size, k->n_bindings, k->push_size);
  if (gx == 0 || gy == 0 || gz == 0) return LIL_OK; /* nothing to do */
  uint32_t maxg = ctx->snap.max_compute_workgroup_count_x ? ctx->snap.max_compute_workgroup_count_x : 65535;
  if (gx > maxg || gy > 65535 || gz > 65535)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "dispatch of '%s': %ux%ux%u workgroups over the device limit",
                         k->name, gx, gy, gz);
  access acc[LIL_MAX_BINDINGS];
  VkDescriptorBufferInfo info[LIL_MAX_BINDINGS];
  VkWriteDescriptorSet w[LIL_MAX_BINDINGS];
  for (uint32_t i = 0; i < nb; i++) {
    lil_buffer *buf = b[i].buf;
    if (!buf) return lil_error_set(err, LIL_ERR_INVALID_ARG, "dispatch of '%s': binding %u is NULL", k->name, i);
    uint64_t range = b[i].range ? b[i].range : buf->size - b[i].offset;
    if (b[i].offset > buf->size || range > buf->size - b[i].offset)
      return lil_error_set(err, LIL_ERR_RANGE, "dispatch of '%s': binding %u range %llu+%llu past buffer '%s' (%llu)",
                           k->name, i, (unsigned long long)b[i].offset, (unsigned long long)range, buf->name,
                           (unsigned long long)buf->size);
    if (range > ctx->plan.max_binding)
      return lil_error_set(err, LIL_ERR_RANGE,
                           "dispatch of '%s': binding %u of '%s' is %llu bytes, over maxStorageBufferRange %llu "
                           "(split it)",
                           k->name, i, buf->name, (unsigned long long)range, (unsigned long long)ctx->plan.max_binding);
    acc[i] = (access){buf->buffer, b[i].offset, b[i].offset + range, (int)((write_mask >> i) & 1)};
    info[i] = (VkDescriptorBufferInfo){.buffer = buf->buffer, .offset = b[i].offset, .range = range};
    w[i] = (VkWriteDescriptorSet){.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                                  .dstBinding = i,
                                  .descriptorCount = 1,
                                  .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                  .pBufferInfo = &info[i]};
  }
  lil_status st = ensure_open(s, err);
  VkDescriptorSet set;
  if (!st) st = alloc_set(s, &set, err);
  if (st) return lil_error_prefix(err, "recording '%s'", label ? label : k->name);
  for (uint32_t i = 0; i < nb; i++) w[i].dstSet = set;
  vkUpdateDescriptorSets(ctx->device, nb, w, 0, NULL);
  if ((st = track(s, acc, nb, 0, err))) return st;
  VkCommandBuffer cmd = s->cmds[s->n_cmds - 1];
  vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, k->pipeline);
  vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, ctx->pipeline_layout, 0, 1, &set, 0, NULL);
  if (push_size) vkCmdPushConstants(cmd, ctx->pipeline_layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_size, push);
  vkCmdDispatch(cmd, gx, gy, gz);
  return note_command(s, label ? label : k->name, err);
}

lil_status lil_seq_copy(lil_seq *s, lil_buffer *src, uint64_t so, lil_buffer *dst, uint64_t dof, uint64_t n,
                        lil_error *err) {
  if (so > src->size || n > src->size - so || dof > dst->size || n > dst->size - dof)
    return lil_error_set(err, LIL_ERR_RANGE, "copy '%s' -> '%s' of %llu bytes out of range", src->name, dst->name,
                         (unsigned long long)n);
  if (n == 0) return LIL_OK;
  lil_status st = ensure_open(s, err);
  if (st) return st;
  access acc[2] = {{src->buffer, so, so + n, 0}, {dst->buffer, dof, dof + n, 1}};
  if ((st = track(s, acc, 2, 1, err))) return st;
  VkBufferCopy c = {.srcOffset = so, .dstOffset = dof, .size = n};
  vkCmdCopyBuffer(s->cmds[s->n_cmds - 1], src->buffer, dst->buffer, 1, &c);
  return note_command(s, "copy", err);
}

lil_status lil_seq_submit(lil_seq *s, lil_error *err) {
  lil_ctx *ctx = s->ctx;
  lil_status st;
  if (s->in_flight) return lil_error_set(err, LIL_ERR_INVALID_ARG, "sequence submitted twice without a wait");
  if (s->n_commands == 0) return LIL_OK;
  if ((st = lil_vk_check_lost(ctx, "vkQueueSubmit", err))) return st;
  if (s->open && (st = end_chunk(s, 1, err))) return st;
  s->finished = 1;
  pthread_mutex_lock(&ctx->queue_lock);
  vkResetFences(ctx->device, 1, &s->fence);
  /* One submit per chunk: each is bounded work; the last signals the fence. */
  for (uint32_t i = 0; i < s->n_cmds; i++) {
    VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1, .pCommandBuffers = &s->cmds[i]};
    VkResult r = vkQueueSubmit(ctx->queue, 1, &si, i + 1 == s->n_cmds ? s->fence : VK_NULL_HANDLE);
    st = r == VK_ERROR_DEVICE_LOST ? lil_vk_check_wait(ctx, r, "vkQueueSubmit", err) : lil_vk_check(r, "vkQueueSubmit", err);
    if (st) break;
  }
  pthread_mutex_unlock(&ctx->queue_lock);
  if (!st) s->in_flight = 1;
  return st;
}

static void collect_timings(lil_seq *s) {
  lil_ctx *ctx = s->ctx;
  s->n_timings = 0;
  s->gpu_ms = 0;
  if (!s->qpool || s->n_queries == 0) return;
  uint64_t *t = malloc(s->n_queries * sizeof(uint64_t));
  lil_seq_timing *tm = realloc(s->timings, s->n_commands * sizeof(*tm));
  if (!t || !tm) {
    free(t);
    if (tm) s->timings = tm;
    return;
  }
  s->timings = tm;
  if (vkGetQueryPoolResults(ctx->device, s->qpool, 0, s->n_queries, s->n_queries * sizeof(uint64_t), t,
                            sizeof(uint64_t), VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) == VK_SUCCESS) {
    double period = ctx->snap.timestamp_period * 1e-6; /* ns per tick -> ms */
    uint64_t mask = ctx->snap.compute_queue_timestamp_bits >= 64 ? ~0ull
                                                                   : ((1ull << ctx->snap.compute_queue_timestamp_bits) - 1);
    for (uint32_t i = 0; i < s->n_commands; i++) {
      if (s->cmd_query[i] == UINT32_MAX) break;
      uint64_t d = (t[s->cmd_query[i]] - t[s->cmd_prev[i]]) & mask;
      s->timings[s->n_timings++] = (lil_seq_timing){s->labels[i], (double)d * period};
    }
    s->gpu_ms = (double)((t[s->n_queries - 1] - t[0]) & mask) * period;
  }
  free(t);
}

lil_status lil_seq_wait(lil_seq *s, lil_error *err) {
  if (!s->in_flight) return LIL_OK;
  lil_status st = lil_vk_check_wait(s->ctx, vkWaitForFences(s->ctx->device, 1, &s->fence, VK_TRUE, UINT64_MAX),
                                    "vkWaitForFences", err);
  s->in_flight = 0;
  if (!st) collect_timings(s);
  return st;
}

lil_status lil_seq_run(lil_seq *s, lil_error *err) {
  lil_status st = lil_seq_submit(s, err);
  return st ? st : lil_seq_wait(s, err);
}

uint32_t lil_seq_timings(const lil_seq *s, const lil_seq_timing **out) {
  *out = s->timings;
  return s->n_timings;
}

double lil_seq_gpu_ms(const lil_seq *s) { return s->gpu_ms; }

lil_status lil_seq_time_total_only(lil_seq *s, lil_error *err) {
  if (s->n_commands > 0)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "sequence: timing mode set after recording began");
  s->total_only = 1;
  return LIL_OK;
}

const char *lil_seq_label(const lil_seq *s, uint32_t i) { return i < s->n_commands ? s->labels[i] : NULL; }
