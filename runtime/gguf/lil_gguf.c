/* GGUF reader: opening (mmap or a memory image), closing, and typed access to metadata and
 * tensors. Parsing and validation live in lil_gguf_parse.c. */
#include "lil_gguf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lil_gguf_internal.h"

static unsigned long long ull(uint64_t v) { return (unsigned long long)v; }

static lil_status finish_open(lil_gguf *g, lil_gguf **out, lil_error *err) {
  lil_error local = {0};
  lil_error *e = err ? err : &local;
  lil_status st = lil_gguf_parse(g, e);
  if (st) {
    lil_error_prefix(e, "%s", g->label);
    lil_gguf_close(g);
    return st;
  }
  *out = g;
  return LIL_OK;
}

static lil_gguf *new_handle(const char *label) {
  lil_gguf *g = calloc(1, sizeof(*g));
  if (!g) return NULL;
  g->fd = -1;
  g->label = strdup(label ? label : "(memory)");
  if (!g->label) {
    free(g);
    return NULL;
  }
  return g;
}

lil_status lil_gguf_open_memory(const void *data, size_t size, const char *label, lil_gguf **out,
                                lil_error *err) {
  if (!out || (!data && size))
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "lil_gguf_open_memory: NULL argument");
  *out = NULL;
  lil_gguf *g = new_handle(label);
  if (!g) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "%s: cannot allocate a GGUF handle", label);
  static const uint8_t empty[1];
  g->data = data ? data : empty;
  g->size = size;
  return finish_open(g, out, err);
}

lil_status lil_gguf_open(const char *path, lil_gguf **out, lil_error *err) {
  if (!path || !out) return lil_error_set(err, LIL_ERR_INVALID_ARG, "lil_gguf_open: NULL argument");
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return lil_error_set(err, LIL_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    int e = errno;
    close(fd);
    return lil_error_set(err, LIL_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
  }
  if (!S_ISREG(sb.st_mode)) {
    close(fd);
    return lil_error_set(err, LIL_ERR_IO, "%s: not a regular file", path);
  }
  lil_gguf *g = new_handle(path);
  if (!g) {
    close(fd);
    return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "%s: cannot allocate a GGUF handle", path);
  }
  g->size = (uint64_t)sb.st_size;
  static const uint8_t empty[1];
  g->data = empty;
  if (g->size > 0) {
    void *m = mmap(NULL, (size_t)g->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      int e = errno;
      close(fd);
      lil_gguf_close(g);
      return lil_error_set(err, LIL_ERR_IO, "%s: cannot map %llu bytes: %s", path, ull((uint64_t)sb.st_size),
                           strerror(e));
    }
    g->map = m;
    g->map_size = g->size;
    g->data = m;
  }
  g->fd = fd;
  g->mtime_s = (int64_t)sb.st_mtim.tv_sec;
  g->mtime_ns = (int64_t)sb.st_mtim.tv_nsec;
  return finish_open(g, out, err);
}

void lil_gguf_close(lil_gguf *g) {
  if (!g) return;
  if (g->kv)
    for (uint64_t i = 0; i < g->n_kv; i++) {
      free(g->kv[i].key);
      free(g->kv[i].str_offsets);
    }
  if (g->tensors)
    for (uint64_t i = 0; i < g->n_tensors; i++) free((char *)g->tensors[i].name);
  free(g->kv);
  free(g->tensors);
  lil_name_index_free(&g->key_index);
  lil_name_index_free(&g->tensor_index);
  if (g->map) munmap(g->map, (size_t)g->map_size);
  if (g->fd >= 0) close(g->fd);
  free(g->label);
  free(g);
}

lil_status lil_gguf_check_unchanged(const lil_gguf *g, lil_error *err) {
  if (g->fd < 0) return LIL_OK;
  struct stat sb;
  if (fstat(g->fd, &sb) != 0) return lil_error_set(err, LIL_ERR_IO, "%s: cannot stat: %s", g->label, strerror(errno));
  if ((uint64_t)sb.st_size != g->size)
    return lil_error_set(err, LIL_ERR_IO, "%s: the file changed while it was being read (%llu bytes, now %llu)",
                         g->label, ull(g->size), ull((uint64_t)sb.st_size));
  if ((int64_t)sb.st_mtim.tv_sec != g->mtime_s || (int64_t)sb.st_mtim.tv_nsec != g->mtime_ns)
    return lil_error_set(err, LIL_ERR_IO, "%s: the file changed while it was being read (it was modified in place)",
                         g->label);
  return LIL_OK;
}

uint32_t lil_gguf_version(const lil_gguf *g) { return g->version; }
uint64_t lil_gguf_file_size(const lil_gguf *g) { return g->size; }
uint32_t lil_gguf_alignment(const lil_gguf *g) { return g->alignment; }
uint64_t lil_gguf_data_offset(const lil_gguf *g) { return g->data_start; }
const char *lil_gguf_label(const lil_gguf *g) { return g->label; }

int64_t lil_gguf_find_key(const lil_gguf *g, const char *key) {
  return lil_name_index_find(&g->key_index, key);
}
uint64_t lil_gguf_key_count(const lil_gguf *g) { return g->n_kv; }
const char *lil_gguf_key_name(const lil_gguf *g, uint64_t i) { return i < g->n_kv ? g->kv[i].key : NULL; }
lil_gguf_type lil_gguf_key_type(const lil_gguf *g, uint64_t i) {
  return i < g->n_kv ? g->kv[i].type : (lil_gguf_type)-1;
}
lil_gguf_type lil_gguf_key_array_type(const lil_gguf *g, uint64_t i) {
  return i < g->n_kv && g->kv[i].type == LIL_GGUF_ARRAY ? g->kv[i].elem_type : (lil_gguf_type)-1;
}

static lil_status lookup(const lil_gguf *g, const char *key, const lil_gguf_kv **kv, lil_error *err) {
  int64_t i = key ? lil_gguf_find_key(g, key) : -1;
  if (i < 0)
    return lil_error_set(err, LIL_ERR_FORMAT, "%s: missing key '%s'", g->label, key ? key : "(null)");
  *kv = &g->kv[i];
  return LIL_OK;
}

static lil_status wrong_type(const lil_gguf *g, const lil_gguf_kv *kv, const char *expected, lil_error *err) {
  return lil_error_set(err, LIL_ERR_FORMAT, "%s: key '%s' at offset %llu has type %s, expected %s", g->label,
                       kv->key, ull(kv->key_offset), lil_gguf_type_name(kv->type), expected);
}

/* Integer value of kv as (negative?, magnitude-carrying u64 / i64). */
static int get_int(const lil_gguf_kv *kv, int *neg, uint64_t *u, int64_t *s) {
  const uint8_t *p = kv->value;
  union { uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32; uint64_t u64; int64_t i64; } v;
  uint32_t sz = lil_gguf_scalar_size(kv->type);
  if (!sz || kv->type == LIL_GGUF_FLOAT32 || kv->type == LIL_GGUF_FLOAT64 || kv->type == LIL_GGUF_BOOL) return 0;
  memcpy(&v, p, sz);
  switch (kv->type) {
  case LIL_GGUF_UINT8: *s = v.u8; break;
  case LIL_GGUF_INT8: *s = v.i8; break;
  case LIL_GGUF_UINT16: *s = v.u16; break;
  case LIL_GGUF_INT16: *s = v.i16; break;
  case LIL_GGUF_UINT32: *s = v.u32; break;
  case LIL_GGUF_INT32: *s = v.i32; break;
  case LIL_GGUF_INT64: *s = v.i64; break;
  case LIL_GGUF_UINT64:
    *u = v.u64;
    *neg = 0;
    *s = v.u64 > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v.u64;
    return v.u64 > (uint64_t)INT64_MAX ? 2 : 1; /* 2: does not fit in int64 */
  default: return 0;
  }
  *neg = *s < 0;
  *u = (uint64_t)*s;
  return 1;
}

static lil_status get_unsigned(const lil_gguf *g, const char *key, uint64_t max, uint64_t *out, lil_error *err) {
  const lil_gguf_kv *kv = NULL;
  lil_status st = lookup(g, key, &kv, err);
  if (st) return st;
  int neg = 0;
  uint64_t u = 0;
  int64_t s = 0;
  if (!get_int(kv, &neg, &u, &s)) return wrong_type(g, kv, "an integer", err);
  if (neg || u > max)
    return lil_error_set(err, LIL_ERR_RANGE, "%s: key '%s' value %lld is out of range 0..%llu", g->label, key,
                         neg ? (long long)s : (long long)u, ull(max));
  *out = u;
  return LIL_OK;
}

lil_status lil_gguf_get_u32(const lil_gguf *g, const char *key, uint32_t *out, lil_error *err) {
  uint64_t v = 0;
  lil_status st = get_unsigned(g, key, UINT32_MAX, &v, err);
  if (!st) *out = (uint32_t)v;
  return st;
}

lil_status lil_gguf_get_u64(const lil_gguf *g, const char *key, uint64_t *out, lil_error *err) {
  return get_unsigned(g, key, UINT64_MAX, out, err);
}

lil_status lil_gguf_get_i64(const lil_gguf *g, const char *key, int64_t *out, lil_error *err) {
  const lil_gguf_kv *kv = NULL;
  lil_status st = lookup(g, key, &kv, err);
  if (st) return st;
  int neg = 0;
  uint64_t u = 0;
  int64_t s = 0;
  int r = get_int(kv, &neg, &u, &s);
  if (!r) return wrong_type(g, kv, "an integer", err);
  if (r == 2)
    return lil_error_set(err, LIL_ERR_RANGE, "%s: key '%s' value %llu does not fit in int64", g->label, key, ull(u));
  *out = s;
  return LIL_OK;
}

lil_status lil_gguf_get_f32(const lil_gguf *g, const char *key, float *out, lil_error *err) {
  const lil_gguf_kv *kv = NULL;
  lil_status st = lookup(g, key, &kv, err);
  if (st) return st;
  if (kv->type == LIL_GGUF_FLOAT32) {
    memcpy(out, kv->value, 4);
  } else if (kv->type == LIL_GGUF_FLOAT64) {
    double d;
    memcpy(&d, kv->value, 8);
    *out = (float)d;
  } else {
    return wrong_type(g, kv, "f32", err);
  }
  return LIL_OK;
}

lil_status lil_gguf_get_bool(const lil_gguf *g, const char *key, int *out, lil_error *err) {
  const lil_gguf_kv *kv = NULL;
  lil_status st = lookup(g, key, &kv, err);
  if (st) return st;
  if (kv->type != LIL_GGUF_BOOL) return wrong_type(g, kv, "bool", err);
  *out = kv->value[0] != 0;
  return LIL_OK;
}

static void read_str_at(const uint8_t *p, const char **s, uint64_t *len) {
  memcpy(len, p, 8);
  *s = (const char *)p + 8;
}

lil_status lil_gguf_get_str(const lil_gguf *g, const char *key, const char **s, uint64_t *len, lil_error *err) {
  const lil_gguf_kv *kv = NULL;
  lil_status st = lookup(g, key, &kv, err);
  if (st) return st;
  if (kv->type != LIL_GGUF_STRING) return wrong_type(g, kv, "string", err);
  read_str_at(kv->value, s, len);
  return LIL_OK;
}

lil_status lil_gguf_get_array(const lil_gguf *g, const char *key, lil_gguf_type *elem_type, uint64_t *count,
                              const void **data, lil_error *err) {
  const lil_gguf_kv *kv = NULL;
  lil_status st = lookup(g, key, &kv, err);
  if (st) return st;
  if (kv->type != LIL_GGUF_ARRAY) return wrong_type(g, kv, "array", err);
  if (elem_type) *elem_type = kv->elem_type;
  if (count) *count = kv->count;
  if (data) *data = kv->elems;
  return LIL_OK;
}

lil_status lil_gguf_get_array_str(const lil_gguf *g, const char *key, uint64_t i, const char **s, uint64_t *len,
                                  lil_error *err) {
  const lil_gguf_kv *kv = NULL;
  lil_status st = lookup(g, key, &kv, err);
  if (st) return st;
  if (kv->type != LIL_GGUF_ARRAY || kv->elem_type != LIL_GGUF_STRING)
    return lil_error_set(err, LIL_ERR_FORMAT, "%s: key '%s' at offset %llu is not an array of strings", g->label,
                         key, ull(kv->key_offset));
  if (i >= kv->count)
    return lil_error_set(err, LIL_ERR_RANGE, "%s: key '%s': index %llu out of range (%llu strings)", g->label, key,
                         ull(i), ull(kv->count));
  read_str_at(kv->elems + kv->str_offsets[i], s, len);
  return LIL_OK;
}

uint64_t lil_gguf_tensor_count(const lil_gguf *g) { return g->n_tensors; }

const lil_gguf_tensor *lil_gguf_tensor_at(const lil_gguf *g, uint64_t i) {
  return i < g->n_tensors ? &g->tensors[i] : NULL;
}

const lil_gguf_tensor *lil_gguf_find_tensor(const lil_gguf *g, const char *name) {
  int64_t i = lil_name_index_find(&g->tensor_index, name);
  return i < 0 ? NULL : &g->tensors[i];
}
