#include "lil_ggml_types.h"

#include <stddef.h>

static const lil_type_info infos[LIL_TYPE_COUNT_MAX] = {
    [LIL_TYPE_F32] = {"F32", 1, 4, 1},
    [LIL_TYPE_F16] = {"F16", 1, 2, 1},
    [LIL_TYPE_Q4_0] = {"Q4_0", 32, 18, 1},
    [LIL_TYPE_Q4_1] = {"Q4_1", 32, 20, 0},
    [LIL_TYPE_Q5_0] = {"Q5_0", 32, 22, 0},
    [LIL_TYPE_Q5_1] = {"Q5_1", 32, 24, 0},
    [LIL_TYPE_Q8_0] = {"Q8_0", 32, 34, 1},
    [LIL_TYPE_Q8_1] = {"Q8_1", 32, 36, 0},
    [LIL_TYPE_Q2_K] = {"Q2_K", 256, 84, 0},
    [LIL_TYPE_Q3_K] = {"Q3_K", 256, 110, 0},
    [LIL_TYPE_Q4_K] = {"Q4_K", 256, 144, 1},
    [LIL_TYPE_Q5_K] = {"Q5_K", 256, 176, 0},
    [LIL_TYPE_Q6_K] = {"Q6_K", 256, 210, 1},
    [LIL_TYPE_Q8_K] = {"Q8_K", 256, 292, 0},
    [LIL_TYPE_BF16] = {"BF16", 1, 2, 1},
};

const lil_type_info *lil_type_get(uint32_t type) {
  if (type >= LIL_TYPE_COUNT_MAX || infos[type].name == NULL) return NULL;
  return &infos[type];
}

uint64_t lil_type_row_bytes(uint32_t type, uint64_t n) {
  const lil_type_info *t = lil_type_get(type);
  if (!t || n % t->block_elems) return 0;
  return n / t->block_elems * t->block_bytes;
}
