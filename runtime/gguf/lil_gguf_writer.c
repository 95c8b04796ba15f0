#include "lil_gguf_writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct wbuf {
  uint8_t *p;
  size_t n, cap;
  int failed;
} wbuf;

struct lil_gguf_writer {
  uint32_t version;
  uint32_t alignment;
  uint64_t n_kv, n_tensors;
  wbuf kv, info, data;
};

static void put(wbuf *b, const void *src, size_t n) {
  if (b->failed || !n) return; /* n == 0: p may still be NULL (memcpy / memset need a pointer) */
  if (n > b->cap - b->n) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->n < n) {
      if (cap > SIZE_MAX / 2) {
        b->failed = 1;
        return;
      }
      cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
      b->failed = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  if (src)
    memcpy(b->p + b->n, src, n);
  else
    memset(b->p + b->n, 0, n);
  b->n += n;
}

static void put_u32(wbuf *b, uint32_t v) { put(b, &v, 4); }
static void put_u64(wbuf *b, uint64_t v) { put(b, &v, 8); }
static void put_str(wbuf *b, const char *s, uint64_t len) {
  put_u64(b, len);
  put(b, s, (size_t)len);
}

static lil_status check(const wbuf *b, lil_error *err) {
  return b->failed ? lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "GGUF writer: out of memory") : LIL_OK;
}

lil_status lil_gguf_writer_create(uint32_t version, lil_gguf_writer **out, lil_error *err) {
  if (!out || (version != 2 && version != 3))
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "GGUF writer: version %u (need 2 or 3)", version);
  *out = calloc(1, sizeof(**out));
  if (!*out) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "GGUF writer: out of memory");
  (*out)->version = version;
  (*out)->alignment = 32;
  return LIL_OK;
}

void lil_gguf_writer_free(lil_gguf_writer *w) {
  if (!w) return;
  free(w->kv.p);
  free(w->info.p);
  free(w->data.p);
  free(w);
}

static void begin_kv(lil_gguf_writer *w, const char *key, uint32_t type) {
  put_str(&w->kv, key, strlen(key));
  put_u32(&w->kv, type);
  w->n_kv++;
}

lil_status lil_gguf_writer_set_alignment(lil_gguf_writer *w, uint32_t alignment, lil_error *err) {
  if (!alignment || (alignment & (alignment - 1)) || w->n_tensors)
    return lil_error_set(err, LIL_ERR_INVALID_ARG,
                         "GGUF writer: alignment %u must be a power of two and precede tensors", alignment);
  w->alignment = alignment;
  return lil_gguf_writer_add_u32(w, "general.alignment", alignment, err);
}

static uint32_t scalar_size(lil_gguf_type t) {
  static const uint8_t sizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
  return (unsigned)t < sizeof(sizes) ? sizes[t] : 0;
}

lil_status lil_gguf_writer_add_scalar(lil_gguf_writer *w, const char *key, lil_gguf_type type, const void *value,
                                      lil_error *err) {
  uint32_t sz = scalar_size(type);
  if (!sz || !key || !value)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "GGUF writer: key '%s': type %d is not a scalar",
                         key ? key : "(null)", (int)type);
  begin_kv(w, key, type);
  put(&w->kv, value, sz);
  return check(&w->kv, err);
}

lil_status lil_gguf_writer_add_u32(lil_gguf_writer *w, const char *key, uint32_t v, lil_error *err) {
  return lil_gguf_writer_add_scalar(w, key, LIL_GGUF_UINT32, &v, err);
}
lil_status lil_gguf_writer_add_i32(lil_gguf_writer *w, const char *key, int32_t v, lil_error *err) {
  return lil_gguf_writer_add_scalar(w, key, LIL_GGUF_INT32, &v, err);
}
lil_status lil_gguf_writer_add_u64(lil_gguf_writer *w, const char *key, uint64_t v, lil_error *err) {
  return lil_gguf_writer_add_scalar(w, key, LIL_GGUF_UINT64, &v, err);
}
lil_status lil_gguf_writer_add_f32(lil_gguf_writer *w, const char *key, float v, lil_error *err) {
  return lil_gguf_writer_add_scalar(w, key, LIL_GGUF_FLOAT32, &v, err);
}
lil_status lil_gguf_writer_add_bool(lil_gguf_writer *w, const char *key, int v, lil_error *err) {
  uint8_t b = v ? 1 : 0;
  return lil_gguf_writer_add_scalar(w, key, LIL_GGUF_BOOL, &b, err);
}

lil_status lil_gguf_writer_add_string_n(lil_gguf_writer *w, const char *key, const char *s, uint64_t len,
                                        lil_error *err) {
  begin_kv(w, key, LIL_GGUF_STRING);
  put_str(&w->kv, s, len);
  return check(&w->kv, err);
}

lil_status lil_gguf_writer_add_string(lil_gguf_writer *w, const char *key, const char *s, lil_error *err) {
  return lil_gguf_writer_add_string_n(w, key, s, strlen(s), err);
}

lil_status lil_gguf_writer_add_array(lil_gguf_writer *w, const char *key, lil_gguf_type elem_type, uint64_t count,
                                     const void *data, lil_error *err) {
  uint32_t sz = scalar_size(elem_type);
  if (!sz || (count && !data) || count > SIZE_MAX / sz)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "GGUF writer: key '%s': bad array (type %d, %llu elements)",
                         key, (int)elem_type, (unsigned long long)count);
  begin_kv(w, key, LIL_GGUF_ARRAY);
  put_u32(&w->kv, elem_type);
  put_u64(&w->kv, count);
  put(&w->kv, data, (size_t)(count * sz));
  return check(&w->kv, err);
}

lil_status lil_gguf_writer_add_str_array(lil_gguf_writer *w, const char *key, uint64_t count,
                                         const char *const *strs, lil_error *err) {
  begin_kv(w, key, LIL_GGUF_ARRAY);
  put_u32(&w->kv, LIL_GGUF_STRING);
  put_u64(&w->kv, count);
  for (uint64_t i = 0; i < count; i++) put_str(&w->kv, strs[i], strlen(strs[i]));
  return check(&w->kv, err);
}

lil_status lil_gguf_writer_add_raw_kv(lil_gguf_writer *w, const char *key, uint32_t type, const void *value,
                                      size_t value_bytes, lil_error *err) {
  begin_kv(w, key, type);
  put(&w->kv, value, value_bytes);
  return check(&w->kv, err);
}

static void put_info(lil_gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims, const uint64_t *ne,
                     uint64_t offset) {
  put_str(&w->info, name, strlen(name));
  put_u32(&w->info, n_dims);
  for (uint32_t d = 0; d < n_dims; d++) put_u64(&w->info, ne[d]);
  put_u32(&w->info, type);
  put_u64(&w->info, offset);
  w->n_tensors++;
}

lil_status lil_gguf_writer_add_tensor(lil_gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                                      const uint64_t *ne, const void *data, lil_error *err) {
  uint64_t rows = 1, size;
  if (n_dims < 1 || n_dims > 4)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "GGUF writer: tensor '%s': n_dims %u", name, n_dims);
  for (uint32_t d = 1; d < n_dims; d++)
    if (__builtin_mul_overflow(rows, ne[d], &rows))
      return lil_error_set(err, LIL_ERR_INVALID_ARG, "GGUF writer: tensor '%s': size overflows", name);
  uint64_t row = lil_type_row_bytes(type, ne[0]);
  if (!row || !rows || __builtin_mul_overflow(row, rows, &size) || size > SIZE_MAX / 2)
    return lil_error_set(err, LIL_ERR_INVALID_ARG,
                         "GGUF writer: tensor '%s': bad type %u or shape (ne[0] = %llu)", name, type,
                         (unsigned long long)ne[0]);
  size_t pad = (w->alignment - w->data.n % w->alignment) % w->alignment;
  put(&w->data, NULL, pad);
  put_info(w, name, type, n_dims, ne, w->data.n);
  put(&w->data, data, (size_t)size);
  lil_status st = check(&w->data, err);
  return st ? st : check(&w->info, err);
}

lil_status lil_gguf_writer_add_tensor_raw(lil_gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                                          const uint64_t *ne, uint64_t offset, lil_error *err) {
  put_info(w, name, type, n_dims, ne, offset);
  return check(&w->info, err);
}

lil_status lil_gguf_writer_add_data_padding(lil_gguf_writer *w, size_t n, lil_error *err) {
  put(&w->data, NULL, n);
  return check(&w->data, err);
}

lil_status lil_gguf_writer_to_memory(const lil_gguf_writer *w, void **data, size_t *size, lil_error *err) {
  if (w->kv.failed || w->info.failed || w->data.failed)
    return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "GGUF writer: out of memory");
  wbuf out = {0};
  put(&out, "GGUF", 4);
  put_u32(&out, w->version);
  put_u64(&out, w->n_tensors);
  put_u64(&out, w->n_kv);
  put(&out, w->kv.p, w->kv.n);
  put(&out, w->info.p, w->info.n);
  put(&out, NULL, (w->alignment - out.n % w->alignment) % w->alignment);
  put(&out, w->data.p, w->data.n);
  if (out.failed) {
    free(out.p);
    return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "GGUF writer: out of memory");
  }
  *data = out.p;
  *size = out.n;
  return LIL_OK;
}

lil_status lil_gguf_writer_write_file(const lil_gguf_writer *w, const char *path, lil_error *err) {
  void *data;
  size_t size;
  lil_status st = lil_gguf_writer_to_memory(w, &data, &size, err);
  if (st) return st;
  FILE *f = fopen(path, "wb");
  if (!f) {
    free(data);
    return lil_error_set(err, LIL_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
  }
  size_t n = fwrite(data, 1, size, f);
  int bad = n != size || fclose(f) != 0;
  free(data);
  if (bad) return lil_error_set(err, LIL_ERR_IO, "%s: write failed: %s", path, strerror(errno));
  return LIL_OK;
}
