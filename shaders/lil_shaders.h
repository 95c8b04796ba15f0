/* Embedded SPIR-V of the compute shaders (generated at build time from the shaders/ folder). */
#ifndef LIL_SHADERS_H
#define LIL_SHADERS_H
#include <stddef.h>
#include <stdint.h>

typedef struct lil_shader_blob {
  const char *name;     /* variant name, e.g. "matvec_q4_0" */
  const uint32_t *code; /* SPIR-V words */
  size_t size;          /* bytes */
} lil_shader_blob;

/* Returns the variant called name, or NULL. */
const lil_shader_blob *lil_shader_find(const char *name);
size_t lil_shader_count(void);
const lil_shader_blob *lil_shader_at(size_t i);
#endif
