/* GGUF writer: builds metadata and tensors in memory, then emits a GGUF v2/v3 image to memory or a
 * file. Used by tests (tiny models, hostile files) and tools. Keys are written in insertion order;
 * tensors' data are placed in insertion order, each at the next multiple of the alignment.
 * The writer does not reject duplicate keys or names: tests use that to build bad files. */
#ifndef LIL_GGUF_WRITER_H
#define LIL_GGUF_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "lil_gguf.h"
#include "lil_status.h"

typedef struct lil_gguf_writer lil_gguf_writer;

/* version: 2 or 3 (the layout is the same for little-endian files). */
lil_status lil_gguf_writer_create(uint32_t version, lil_gguf_writer **out, lil_error *err);
void lil_gguf_writer_free(lil_gguf_writer *w);

/* Adds general.alignment (u32) and uses it for the data section. Must precede any tensor. */
lil_status lil_gguf_writer_set_alignment(lil_gguf_writer *w, uint32_t alignment, lil_error *err);

/* Scalars: value points at one value of the given (non-string, non-array) type. */
lil_status lil_gguf_writer_add_scalar(lil_gguf_writer *w, const char *key, lil_gguf_type type,
                                      const void *value, lil_error *err);
lil_status lil_gguf_writer_add_u32(lil_gguf_writer *w, const char *key, uint32_t v, lil_error *err);
lil_status lil_gguf_writer_add_i32(lil_gguf_writer *w, const char *key, int32_t v, lil_error *err);
lil_status lil_gguf_writer_add_u64(lil_gguf_writer *w, const char *key, uint64_t v, lil_error *err);
lil_status lil_gguf_writer_add_f32(lil_gguf_writer *w, const char *key, float v, lil_error *err);
lil_status lil_gguf_writer_add_bool(lil_gguf_writer *w, const char *key, int v, lil_error *err);
lil_status lil_gguf_writer_add_string(lil_gguf_writer *w, const char *key, const char *s, lil_error *err);
/* String with explicit length (may contain any bytes). */
lil_status lil_gguf_writer_add_string_n(lil_gguf_writer *w, const char *key, const char *s, uint64_t len,
                                        lil_error *err);
/* Array of count packed scalars of elem_type. */
lil_status lil_gguf_writer_add_array(lil_gguf_writer *w, const char *key, lil_gguf_type elem_type,
                                     uint64_t count, const void *data, lil_error *err);
lil_status lil_gguf_writer_add_str_array(lil_gguf_writer *w, const char *key, uint64_t count,
                                         const char *const *strs, lil_error *err);
/* A key whose value type and value bytes are written verbatim (tests: nested arrays, hostile
 * lengths). */
lil_status lil_gguf_writer_add_raw_kv(lil_gguf_writer *w, const char *key, uint32_t type, const void *value,
                                      size_t value_bytes, lil_error *err);

/* A tensor: ne[0] is the contiguous dimension; its byte size follows from the type table. data may
 * be NULL (zeros). */
lil_status lil_gguf_writer_add_tensor(lil_gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                                      const uint64_t *ne, const void *data, lil_error *err);
/* A tensor info written verbatim (no data, no checks), for hostile files. */
lil_status lil_gguf_writer_add_tensor_raw(lil_gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                                          const uint64_t *ne, uint64_t offset, lil_error *err);
/* Appends n zero bytes to the data section (room for raw tensors). */
lil_status lil_gguf_writer_add_data_padding(lil_gguf_writer *w, size_t n, lil_error *err);

/* The whole image, malloc'ed (free() it). */
lil_status lil_gguf_writer_to_memory(const lil_gguf_writer *w, void **data, size_t *size, lil_error *err);
lil_status lil_gguf_writer_write_file(const lil_gguf_writer *w, const char *path, lil_error *err);

#endif
