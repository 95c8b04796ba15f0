/* Fault injection for tests (lil_ctx_set_faults, $LIL_FAULT_ALLOC, $LIL_FAULT_DEVICE_LOST) and the
 * handling of a lost device: once a queue operation returns VK_ERROR_DEVICE_LOST (real or
 * injected), every later submit of the context fails at once with a message saying so. The
 * counters live in the context: no global state. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

static lil_status parse_nth(const char *name, uint32_t *out, lil_error *err) {
  const char *v = getenv(name);
  *out = 0;
  if (!v || !*v) return LIL_OK;
  char *end;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  if (*end || errno || n > UINT32_MAX || v[0] == '-')
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "$%s='%s': expected a count N >= 0 (fail the Nth call; 0: off)",
                         name, v);
  *out = (uint32_t)n;
  return LIL_OK;
}

lil_status lil_vk_faults_from_env(lil_ctx *ctx, lil_error *err) {
  lil_status st = parse_nth("LIL_FAULT_ALLOC", &ctx->fault_alloc, err);
  if (!st) st = parse_nth("LIL_FAULT_DEVICE_LOST", &ctx->fault_lost, err);
  return st;
}

void lil_ctx_set_faults(lil_ctx *ctx, uint32_t alloc_nth, uint32_t lost_nth) {
  ctx->fault_alloc = alloc_nth;
  ctx->fault_lost = lost_nth;
  ctx->n_allocs = ctx->n_waits = 0;
  ctx->lost = 0;
}

uint32_t lil_ctx_alloc_count(const lil_ctx *ctx) { return ctx->n_allocs; }
uint32_t lil_ctx_wait_count(const lil_ctx *ctx) { return ctx->n_waits; }
int lil_ctx_device_lost(const lil_ctx *ctx) { return ctx->lost; }

VkResult lil_vk_fault_alloc(lil_ctx *ctx) {
  ctx->n_allocs++;
  return ctx->fault_alloc && ctx->n_allocs == ctx->fault_alloc ? VK_ERROR_OUT_OF_DEVICE_MEMORY : VK_SUCCESS;
}

lil_status lil_vk_check_alloc(VkResult r, VkResult injected, const char *what, lil_error *err) {
  lil_status st = lil_vk_check(r, what, err);
  if (st && injected != VK_SUCCESS) lil_error_set(err, st, "%s failed: %s, injected by the fault hook", what,
                                                  lil_vk_result_name(r));
  return st;
}

lil_status lil_vk_check_lost(lil_ctx *ctx, const char *what, lil_error *err) {
  if (!ctx->lost) return LIL_OK;
  return lil_error_set(err, LIL_ERR_VULKAN, "%s: the device '%s' was lost earlier (VK_ERROR_DEVICE_LOST); "
                       "nothing more can run on this context", what, ctx->snap.name);
}

lil_status lil_vk_check_wait(lil_ctx *ctx, VkResult r, const char *what, lil_error *err) {
  /* the wait itself ran (the fence is signalled): an injected loss leaves Vulkan consistent */
  ctx->n_waits++;
  int injected = r == VK_SUCCESS && ctx->fault_lost && ctx->n_waits == ctx->fault_lost;
  if (injected) r = VK_ERROR_DEVICE_LOST;
  if (r == VK_ERROR_DEVICE_LOST) {
    ctx->lost = 1;
    return lil_error_set(err, LIL_ERR_VULKAN,
                         "%s: the device '%s' was lost (VK_ERROR_DEVICE_LOST%s): a driver reset, a GPU hang or "
                         "the device removed; results of this step are gone",
                         what, ctx->snap.name, injected ? ", injected by the fault hook" : "");
  }
  return lil_vk_check(r, what, err);
}
