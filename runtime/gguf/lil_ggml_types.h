/* Tensor element types as GGUF stores them (ggml type ids) and their block layouts. */
#ifndef LIL_GGML_TYPES_H
#define LIL_GGML_TYPES_H

#include <stdint.h>

typedef enum lil_ggml_type {
  LIL_TYPE_F32 = 0,
  LIL_TYPE_F16 = 1,
  LIL_TYPE_Q4_0 = 2,
  LIL_TYPE_Q4_1 = 3,
  LIL_TYPE_Q5_0 = 6,
  LIL_TYPE_Q5_1 = 7,
  LIL_TYPE_Q8_0 = 8,
  LIL_TYPE_Q8_1 = 9,
  LIL_TYPE_Q2_K = 10,
  LIL_TYPE_Q3_K = 11,
  LIL_TYPE_Q4_K = 12,
  LIL_TYPE_Q5_K = 13,
  LIL_TYPE_Q6_K = 14,
  LIL_TYPE_Q8_K = 15,
  LIL_TYPE_BF16 = 30,
  LIL_TYPE_COUNT_MAX = 40,
} lil_ggml_type;

/* Block layouts (bytes): Q8_0 = f16 d + 32 int8; Q4_0 = f16 d + 16 bytes of nibbles (element j in
 * the low nibble of byte j, element j+16 in the high nibble); Q4_K = f16 d, f16 dmin, 12 bytes of
 * packed 6-bit scales/mins, 128 bytes of nibbles (256 elements); Q6_K = 128 bytes ql, 64 bytes qh,
 * 16 int8 scales, f16 d (256 elements). */
#define LIL_QK8_0 32
#define LIL_QK4_0 32
#define LIL_QK_K 256

typedef struct lil_type_info {
  const char *name;       /* "Q4_K" */
  uint32_t block_elems;   /* elements per block (1 for F32/F16/BF16) */
  uint32_t block_bytes;   /* bytes per block */
  uint32_t supported;     /* lil has kernels for it */
} lil_type_info;

/* NULL for an unknown type id. */
const lil_type_info *lil_type_get(uint32_t type);
/* Bytes of a row of n elements, or 0 if n is not a multiple of the block size. */
uint64_t lil_type_row_bytes(uint32_t type, uint64_t n);

#endif
