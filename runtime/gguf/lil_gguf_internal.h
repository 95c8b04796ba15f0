/* Private to the GGUF reader: the handle's layout, shared by the parser (lil_gguf_parse.c) and the
 * accessors (lil_gguf.c). Nothing here is part of the public API. */
#ifndef LIL_GGUF_INTERNAL_H
#define LIL_GGUF_INTERNAL_H

#include <stdint.h>

#include "lil_gguf.h"
#include "lil_name_index.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the GGUF reader assumes a little-endian host"
#endif

#define LIL_GGUF_HEADER_BYTES 24u
#define LIL_GGUF_DEFAULT_ALIGNMENT 32u
#define LIL_GGUF_MAX_KEY_LEN 65535u   /* spec: keys are at most 2^16-1 bytes */
#define LIL_GGUF_MAX_NAME_LEN 64u     /* spec: tensor names are at most 64 bytes */
#define LIL_GGUF_MAX_DIMS 4u
#define LIL_GGUF_MAX_ARRAY_DEPTH 8u   /* arrays of arrays: nesting accepted (and skipped) up to this */

typedef struct lil_gguf_kv {
  char *key;              /* NUL-terminated copy */
  uint64_t key_offset;    /* file offset of the key's length prefix */
  lil_gguf_type type;
  const uint8_t *value;   /* scalars: the value; strings: the length prefix; arrays: unused */
  /* Arrays only. */
  lil_gguf_type elem_type;
  uint64_t count;
  const uint8_t *elems;   /* first element (for strings: its length prefix) */
  uint64_t *str_offsets;  /* string arrays: offset of each element's length prefix from elems */
} lil_gguf_kv;

struct lil_gguf {
  char *label;            /* path or caller label, prefixes every message */
  const uint8_t *data;
  uint64_t size;
  void *map;              /* mmap base (NULL for memory images) */
  uint64_t map_size;
  int fd;                 /* the mapped file, kept open to notice changes (-1 for memory images) */
  int64_t mtime_s, mtime_ns; /* its modification time when opened */
  uint32_t version;
  uint32_t alignment;
  uint64_t data_start;    /* file offset of the tensor data section */
  uint64_t n_kv;
  lil_gguf_kv *kv;
  uint64_t n_tensors;
  lil_gguf_tensor *tensors;
  lil_name_index key_index;
  lil_name_index tensor_index;
};

/* Parses and validates g->data[0..g->size). On failure the message is not yet prefixed with the
 * label; partially built tables are released by lil_gguf_close. */
lil_status lil_gguf_parse(lil_gguf *g, lil_error *err);

/* Bytes of one scalar value of type t, 0 for STRING/ARRAY/unknown. */
uint32_t lil_gguf_scalar_size(uint32_t t);

#endif
