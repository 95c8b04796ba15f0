/* Activation quantization for the integer-dot decode matvec (shaders/quantize_x8.comp); the
 * matvec itself is recorded by lil_op_matvec_cfg (lil_ops_matvec.c). */
#include "lil_ops_internal.h"
#include "lil_ops_matvec.h"
#include "lil_shader_caps.h"

typedef struct quantize_x8_push {
  uint32_t n_blocks, ds_base;
} quantize_x8_push;

uint64_t lil_matvec_x8_ds_offset(uint32_t ncols, uint32_t cols) { return ((uint64_t)ncols * cols + 15) & ~15ull; }

uint64_t lil_matvec_x8_bytes(uint32_t ncols, uint32_t cols) {
  return lil_matvec_x8_ds_offset(ncols, cols) + (uint64_t)ncols * (cols / 32) * 8;
}

static uint64_t range_of(lil_binding b) { return b.range ? b.range : lil_buffer_size(b.buf) - b.offset; }

lil_status lil_op_quantize_x8(lil_ctx *ctx, lil_seq *seq, lil_binding x, uint32_t ncols, uint32_t cols, lil_binding xq,
                              lil_error *err) {
  if (!LIL_GLSLC_HAS_SPIRV_INTRINSICS)
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "quantize_x8: built without GL_EXT_spirv_intrinsics (glslc)");
  if (ncols < 1 || cols < 32 || cols % 32)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "quantize_x8: %u columns of %u (need >= 1 of a multiple of 32)",
                         ncols, cols);
  uint64_t need = lil_matvec_x8_bytes(ncols, cols), ds = lil_matvec_x8_ds_offset(ncols, cols);
  if (!x.buf || !xq.buf || x.offset % 16 || xq.offset % 16 || range_of(x) < (uint64_t)ncols * cols * 4 ||
      range_of(xq) < need)
    return lil_error_set(err, LIL_ERR_INVALID_ARG,
                         "quantize_x8: x (%u x %u floats) or xq (%llu bytes) binding too small or not 16-aligned",
                         ncols, cols, (unsigned long long)need);
  uint64_t blocks = (uint64_t)ncols * (cols / 32);
  if (blocks > UINT32_MAX / 2) return lil_error_set(err, LIL_ERR_INVALID_ARG, "quantize_x8: too many blocks");
  uint32_t wg = lil_ops_wg(ctx);
  lil_kernel *k = NULL;
  lil_status st = lil_ops_kernel(ctx, "quantize_x8", 2, sizeof(quantize_x8_push), wg, &k, err);
  if (st) return st;
  quantize_x8_push pc = {(uint32_t)blocks, (uint32_t)(ds / 8)};
  uint32_t gx, gy;
  lil_ops_split((uint32_t)((blocks + wg - 1) / wg), &gx, &gy);
  lil_binding b[2] = {{x.buf, x.offset, (uint64_t)ncols * cols * 4}, {xq.buf, xq.offset, need}};
  return lil_seq_dispatch(seq, k, b, 2, 1u << 1, &pc, sizeof(pc), gx, gy, 1, "quantize_x8", err);
}
