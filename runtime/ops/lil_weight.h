/* A 2-D GGUF weight tensor on the device: rows = ne[1] (output features), cols = ne[0] (input
 * features), row-major rows of lil_type_row_bytes(type, cols) bytes, stored in one or more parts
 * so that no binding exceeds the plan's max_binding (nor an allocation its max_block). Parts split
 * at row boundaries; each part is its own WEIGHTS buffer starting at offset 0 (so every binding
 * offset is aligned), padded to a multiple of 16 bytes. Ops record one dispatch per part. */
#ifndef LIL_WEIGHT_H
#define LIL_WEIGHT_H

#include <stdint.h>

#include "lil_ggml_types.h"
#include "lil_vk.h"

#define LIL_WEIGHT_MAX_PARTS 64

typedef struct lil_weight_part {
  lil_buffer *buf;
  uint64_t offset;    /* byte offset of the part's first row in buf (256-aligned; 0 here) */
  uint64_t bytes;     /* n_rows * row_bytes */
  uint32_t first_row; /* index of the part's first row in the tensor */
  uint32_t n_rows;
} lil_weight_part;

typedef struct lil_weight {
  uint32_t type; /* lil_ggml_type */
  uint32_t rows, cols;
  uint64_t row_bytes;
  uint32_t n_parts;
  lil_weight_part parts[LIL_WEIGHT_MAX_PARTS];
  int view; /* 1: made by lil_weight_view; its buffers belong to another weight */
} lil_weight;

typedef struct lil_weight_options {
  uint64_t max_part_bytes; /* 0: the plan's limits; tests force small parts with this */
  const char *name;        /* buffer name for messages (NULL: "weight") */
} lil_weight_options;

/* Creates W (rows x cols of type) and uploads rows * row_bytes bytes from host (NULL: leave
 * uninitialized). opts may be NULL. *out is malloc'ed; free with lil_weight_free. */
lil_status lil_weight_create(lil_ctx *ctx, uint32_t type, uint32_t rows, uint32_t cols, const void *host,
                             const lil_weight_options *opts, lil_weight **out, lil_error *err);
/* Uploads rows [first_row, first_row + n_rows) from host (n_rows * row_bytes bytes). */
lil_status lil_weight_upload_rows(lil_weight *w, uint32_t first_row, uint32_t n_rows, const void *host,
                                  lil_error *err);
void lil_weight_free(lil_weight *w);
/* Rows [first_row, first_row + n_rows) of w as a weight of their own, sharing w's memory (one part
 * at a non-zero offset; w must outlive it; lil_weight_free frees only the view). The rows must lie
 * in one part of w and start at a byte offset that is a multiple of 256 (any device's storage
 * buffer offset alignment): else LIL_ERR_INVALID_ARG. Decode concatenates weights that read the
 * same input (Q/K/V, gate/up) into one matvec; the prefill reads them through views. */
lil_status lil_weight_view(const lil_weight *w, uint32_t first_row, uint32_t n_rows, lil_weight **out,
                           lil_error *err);
/* Bytes of the tensor's data (rows * row_bytes). */
uint64_t lil_weight_bytes(const lil_weight *w);

#endif
