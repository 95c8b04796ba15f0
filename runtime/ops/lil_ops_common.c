#include "lil_ggml_types.h"
#include "lil_ops_internal.h"

uint32_t lil_ops_wg(const lil_ctx *ctx) {
  const lil_device_plan *p = lil_ctx_plan(ctx);
  uint32_t want = p->workgroup_size ? p->workgroup_size : 64;
  uint32_t wg = 1;
  while (wg * 2 <= want && wg * 2 <= 1024) wg *= 2;
  if (p->subgroup_size && wg < p->subgroup_size) wg = p->subgroup_size;
  return wg;
}

lil_status lil_ops_kernel(lil_ctx *ctx, const char *shader, uint32_t n_bindings, uint32_t push_size, uint32_t wg,
                          lil_kernel **out, lil_error *err) {
  lil_kernel_desc d = {.shader = shader, .n_bindings = n_bindings, .push_size = push_size, .n_spec = 1, .spec = {wg}};
  return lil_kernel_get(ctx, &d, out, err);
}

void lil_ops_split(uint32_t n, uint32_t *a, uint32_t *b) {
  *a = n < 65535 ? n : 65535;
  *b = *a ? (n + *a - 1) / *a : 0;
}

const char *lil_ops_type_suffix(uint32_t type) {
  switch (type) {
  case LIL_TYPE_F32: return "f32";
  case LIL_TYPE_F16: return "f16";
  case LIL_TYPE_BF16: return "bf16";
  case LIL_TYPE_Q8_0: return "q8_0";
  case LIL_TYPE_Q4_0: return "q4_0";
  case LIL_TYPE_Q4_K: return "q4_k";
  case LIL_TYPE_Q6_K: return "q6_k";
  default: return NULL;
  }
}
