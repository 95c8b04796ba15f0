/* Weights split into parts at row boundaries (see lil_weight.h). */
#include "lil_weight.h"

#include <stdio.h>
#include <stdlib.h>

uint64_t lil_weight_bytes(const lil_weight *w) { return (uint64_t)w->rows * w->row_bytes; }

void lil_weight_free(lil_weight *w) {
  if (!w) return;
  for (uint32_t i = 0; i < w->n_parts && !w->view; i++) lil_buffer_free(w->parts[i].buf);
  free(w);
}

lil_status lil_weight_view(const lil_weight *w, uint32_t first_row, uint32_t n_rows, lil_weight **out,
                           lil_error *err) {
  *out = NULL;
  if (!n_rows || (uint64_t)first_row + n_rows > w->rows)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "weight view: rows %u+%u of %u", first_row, n_rows, w->rows);
  for (uint32_t i = 0; i < w->n_parts; i++) {
    const lil_weight_part *pt = &w->parts[i];
    if (first_row < pt->first_row || first_row >= pt->first_row + pt->n_rows) continue;
    if (first_row + n_rows > pt->first_row + pt->n_rows)
      return lil_error_set(err, LIL_ERR_INVALID_ARG, "weight view: rows %u+%u cross a part boundary", first_row,
                           n_rows);
    uint64_t off = pt->offset + (uint64_t)(first_row - pt->first_row) * w->row_bytes;
    if (off % 256)
      return lil_error_set(err, LIL_ERR_INVALID_ARG, "weight view: rows from %u start at byte %llu, not 256-aligned",
                           first_row, (unsigned long long)off);
    lil_weight *v = calloc(1, sizeof(*v));
    if (!v) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "weight view");
    v->type = w->type;
    v->rows = n_rows;
    v->cols = w->cols;
    v->row_bytes = w->row_bytes;
    v->n_parts = 1;
    v->view = 1;
    v->parts[0] = (lil_weight_part){pt->buf, off, (uint64_t)n_rows * w->row_bytes, 0, n_rows};
    *out = v;
    return LIL_OK;
  }
  return lil_error_set(err, LIL_ERR_INVALID_ARG, "weight view: row %u in no part", first_row);
}

lil_status lil_weight_create(lil_ctx *ctx, uint32_t type, uint32_t rows, uint32_t cols, const void *host,
                             const lil_weight_options *opts, lil_weight **out, lil_error *err) {
  *out = NULL;
  const lil_type_info *ti = lil_type_get(type);
  const char *name = opts && opts->name ? opts->name : "weight";
  if (!ti) return lil_error_set(err, LIL_ERR_UNSUPPORTED, "weight '%s': unknown type %u", name, type);
  uint64_t row_bytes = lil_type_row_bytes(type, cols);
  if (!rows || !row_bytes)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "weight '%s': bad shape %u x %u for %s (block %u)", name, rows,
                         cols, ti->name, ti->block_elems);
  const lil_device_plan *p = lil_ctx_plan(ctx);
  uint64_t limit = p->max_binding < p->max_block ? p->max_binding : p->max_block;
  if (opts && opts->max_part_bytes && opts->max_part_bytes < limit) limit = opts->max_part_bytes;
  limit &= ~(uint64_t)15; /* parts are padded to 16 bytes */
  uint64_t rows_per_part = limit / row_bytes;
  if (rows_per_part == 0)
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "weight '%s': one row (%llu bytes) exceeds the part limit %llu",
                         name, (unsigned long long)row_bytes, (unsigned long long)limit);
  uint64_t n_parts = (rows + rows_per_part - 1) / rows_per_part;
  if (n_parts > LIL_WEIGHT_MAX_PARTS)
    return lil_error_set(err, LIL_ERR_UNSUPPORTED, "weight '%s': %llu parts needed (max %d)", name,
                         (unsigned long long)n_parts, LIL_WEIGHT_MAX_PARTS);
  lil_weight *w = calloc(1, sizeof(*w));
  if (!w) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "weight '%s'", name);
  w->type = type;
  w->rows = rows;
  w->cols = cols;
  w->row_bytes = row_bytes;
  lil_status st = LIL_OK;
  for (uint32_t i = 0; i < n_parts && !st; i++) {
    lil_weight_part *pt = &w->parts[i];
    pt->first_row = (uint32_t)(i * rows_per_part);
    pt->n_rows = (uint32_t)(rows - pt->first_row < rows_per_part ? rows - pt->first_row : rows_per_part);
    pt->bytes = pt->n_rows * row_bytes;
    pt->offset = 0;
    char bname[96];
    snprintf(bname, sizeof(bname), "%s[%u]", name, i);
    /* padded to 16 bytes: shaders read whole words past a row's last (2-byte aligned) byte */
    st = lil_buffer_create(ctx, LIL_MEM_WEIGHTS, (pt->bytes + 15) & ~(uint64_t)15, bname, &pt->buf, err);
    if (!st) w->n_parts = i + 1;
  }
  if (!st && host) st = lil_weight_upload_rows(w, 0, rows, host, err);
  if (st) {
    lil_weight_free(w);
    return st;
  }
  *out = w;
  return LIL_OK;
}

lil_status lil_weight_upload_rows(lil_weight *w, uint32_t first_row, uint32_t n_rows, const void *host,
                                  lil_error *err) {
  if ((uint64_t)first_row + n_rows > w->rows)
    return lil_error_set(err, LIL_ERR_RANGE, "weight upload: rows %u+%u past %u", first_row, n_rows, w->rows);
  const uint8_t *src = host;
  for (uint32_t i = 0; i < w->n_parts; i++) {
    lil_weight_part *pt = &w->parts[i];
    uint32_t a = first_row > pt->first_row ? first_row : pt->first_row;
    uint32_t b = first_row + n_rows < pt->first_row + pt->n_rows ? first_row + n_rows : pt->first_row + pt->n_rows;
    if (a >= b) continue;
    lil_status st = lil_buffer_upload(pt->buf, pt->offset + (uint64_t)(a - pt->first_row) * w->row_bytes,
                                      src + (uint64_t)(a - first_row) * w->row_bytes,
                                      (uint64_t)(b - a) * w->row_bytes, err);
    if (st) return st;
  }
  return LIL_OK;
}
