/* Helpers shared by the ops files (not public). */
#ifndef LIL_OPS_INTERNAL_H
#define LIL_OPS_INTERNAL_H

#include <stdint.h>

#include "lil_vk.h"

/* The plan's workgroup size rounded down to a power of two in [subgroup_size, 1024] (the reductions
 * need a power of two). */
uint32_t lil_ops_wg(const lil_ctx *ctx);
/* Kernel `shader` with n bindings, push bytes and workgroup size wg as constant 0. */
lil_status lil_ops_kernel(lil_ctx *ctx, const char *shader, uint32_t n_bindings, uint32_t push_size, uint32_t wg,
                          lil_kernel **out, lil_error *err);
/* Splits a count of rows (or tokens) over two grid dimensions: *a <= 65535, *a * *b >= n. */
void lil_ops_split(uint32_t n, uint32_t *a, uint32_t *b);
/* Shader-name suffix of a weight type ("q4_k"), NULL for types without kernels. */
const char *lil_ops_type_suffix(uint32_t type);

#endif
