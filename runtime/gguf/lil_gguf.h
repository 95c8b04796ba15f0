/* GGUF v2/v3 reader (mmap). Everything is validated at open: magic, version, counts against the
 * file size, string/array lengths, offset/size overflow, tensor data inside the file and aligned,
 * dimensions consistent with the type's block size. Errors name what, which key or tensor, and the
 * byte offset. */
#ifndef LIL_GGUF_H
#define LIL_GGUF_H

#include <stddef.h>
#include <stdint.h>

#include "lil_ggml_types.h"
#include "lil_status.h"

typedef enum lil_gguf_type {
  LIL_GGUF_UINT8 = 0, LIL_GGUF_INT8 = 1, LIL_GGUF_UINT16 = 2, LIL_GGUF_INT16 = 3,
  LIL_GGUF_UINT32 = 4, LIL_GGUF_INT32 = 5, LIL_GGUF_FLOAT32 = 6, LIL_GGUF_BOOL = 7,
  LIL_GGUF_STRING = 8, LIL_GGUF_ARRAY = 9, LIL_GGUF_UINT64 = 10, LIL_GGUF_INT64 = 11,
  LIL_GGUF_FLOAT64 = 12,
} lil_gguf_type;

typedef struct lil_gguf lil_gguf;

typedef struct lil_gguf_tensor {
  const char *name;     /* NUL-terminated copy */
  uint32_t type;        /* lil_ggml_type */
  uint32_t n_dims;
  uint64_t ne[4];       /* ne[0] is the contiguous (row) dimension; unused dims are 1 */
  uint64_t offset;      /* from the start of the data section */
  uint64_t size;        /* bytes */
  const void *data;     /* into the mapping */
} lil_gguf_tensor;

lil_status lil_gguf_open(const char *path, lil_gguf **out, lil_error *err);
/* Same checks over a caller-owned memory image (tests, fuzzing); data must outlive the handle. */
lil_status lil_gguf_open_memory(const void *data, size_t size, const char *label, lil_gguf **out,
                                lil_error *err);
void lil_gguf_close(lil_gguf *g);

uint32_t lil_gguf_version(const lil_gguf *g);
uint64_t lil_gguf_file_size(const lil_gguf *g);
/* Tensor data alignment (general.alignment, default 32) and file offset of the data section. */
uint32_t lil_gguf_alignment(const lil_gguf *g);
uint64_t lil_gguf_data_offset(const lil_gguf *g);
/* The path or label given at open; every message from this handle starts with it. */
const char *lil_gguf_label(const lil_gguf *g);
/* A mapped file (lil_gguf_open) is read in place: LIL_ERR_IO when it was truncated, extended or
 * modified in place since it was opened (reading a truncated map would crash with SIGBUS, a
 * modified one would give mixed data). Replacing it by rename is safe: the open file stays. Memory
 * images: always LIL_OK. */
lil_status lil_gguf_check_unchanged(const lil_gguf *g, lil_error *err);
/* Name of a metadata value type ("u32", "string", ...). */
const char *lil_gguf_type_name(uint32_t t);

/* Metadata. find returns -1 when absent. Getters accept any integer type whose value fits, and
 * fail with a message naming the key when absent, of the wrong type or out of range. */
int64_t lil_gguf_find_key(const lil_gguf *g, const char *key);
uint64_t lil_gguf_key_count(const lil_gguf *g);
const char *lil_gguf_key_name(const lil_gguf *g, uint64_t i);
lil_gguf_type lil_gguf_key_type(const lil_gguf *g, uint64_t i);
/* Element type of the i-th key when it is an array (arrays of arrays report LIL_GGUF_ARRAY: their
 * nested contents are validated but not indexed), else (lil_gguf_type)-1. */
lil_gguf_type lil_gguf_key_array_type(const lil_gguf *g, uint64_t i);
lil_status lil_gguf_get_u32(const lil_gguf *g, const char *key, uint32_t *out, lil_error *err);
lil_status lil_gguf_get_u64(const lil_gguf *g, const char *key, uint64_t *out, lil_error *err);
lil_status lil_gguf_get_i64(const lil_gguf *g, const char *key, int64_t *out, lil_error *err);
lil_status lil_gguf_get_f32(const lil_gguf *g, const char *key, float *out, lil_error *err);
lil_status lil_gguf_get_bool(const lil_gguf *g, const char *key, int *out, lil_error *err);
/* String values are not NUL-terminated in the file: (ptr, len) into the mapping. */
lil_status lil_gguf_get_str(const lil_gguf *g, const char *key, const char **s, uint64_t *len,
                            lil_error *err);
/* Arrays: element type and count; numeric arrays are packed little-endian at *data. */
lil_status lil_gguf_get_array(const lil_gguf *g, const char *key, lil_gguf_type *elem_type,
                              uint64_t *count, const void **data, lil_error *err);
/* i-th string of a string array, O(1) (an index is built at open). */
lil_status lil_gguf_get_array_str(const lil_gguf *g, const char *key, uint64_t i, const char **s,
                                  uint64_t *len, lil_error *err);

/* Tensors. */
uint64_t lil_gguf_tensor_count(const lil_gguf *g);
const lil_gguf_tensor *lil_gguf_tensor_at(const lil_gguf *g, uint64_t i);
const lil_gguf_tensor *lil_gguf_find_tensor(const lil_gguf *g, const char *name);

#endif
