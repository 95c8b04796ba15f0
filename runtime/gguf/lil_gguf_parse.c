/* GGUF parsing and validation over a byte image. Layout (little-endian):
 *   header: "GGUF", u32 version (2 or 3), u64 tensor_count, u64 kv_count
 *   kv_count x { string key, u32 value_type, value }
 *   tensor_count x { string name, u32 n_dims, u64 ne[n_dims], u32 ggml_type, u64 offset }
 *   padding to general.alignment (default 32), then the data section; tensor offsets are relative
 *   to it and multiples of the alignment.
 * A string is a u64 byte length then the bytes (no NUL). An array is u32 element type, u64 count,
 * then the elements. Every read is bounds-checked and every size computed with checked arithmetic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_gguf_internal.h"

typedef struct cursor {
  const uint8_t *p;
  uint64_t size;
  uint64_t pos; /* invariant: pos <= size */
  char what[192]; /* "key 'general.name' (#3)", prefixes messages */
  lil_error *err;
} cursor;

static unsigned long long ull(uint64_t v) { return (unsigned long long)v; }

static lil_status need(cursor *c, uint64_t n, const char *field) {
  if (n <= c->size - c->pos) return LIL_OK;
  return lil_error_set(c->err, LIL_ERR_FORMAT,
                       "%s: %s at offset %llu needs %llu bytes but the file ends at %llu", c->what,
                       field, ull(c->pos), ull(n), ull(c->size));
}

static lil_status read_u32(cursor *c, const char *field, uint32_t *v) {
  lil_status st = need(c, 4, field);
  if (st) return st;
  memcpy(v, c->p + c->pos, 4);
  c->pos += 4;
  return LIL_OK;
}

static lil_status read_u64(cursor *c, const char *field, uint64_t *v) {
  lil_status st = need(c, 8, field);
  if (st) return st;
  memcpy(v, c->p + c->pos, 8);
  c->pos += 8;
  return LIL_OK;
}

/* A length-prefixed string; max_len 0 = no limit beyond the file. */
static lil_status read_string(cursor *c, const char *field, uint64_t max_len, const uint8_t **s,
                              uint64_t *len) {
  uint64_t at = c->pos;
  lil_status st = read_u64(c, field, len);
  if (st) return st;
  if (max_len && *len > max_len)
    return lil_error_set(c->err, LIL_ERR_FORMAT,
                         "%s: %s length %llu at offset %llu exceeds the limit of %llu bytes", c->what,
                         field, ull(*len), ull(at), ull(max_len));
  if (*len > c->size - c->pos)
    return lil_error_set(c->err, LIL_ERR_FORMAT,
                         "%s: %s length %llu at offset %llu runs past the end of the file (%llu bytes left)",
                         c->what, field, ull(*len), ull(at), ull(c->size - c->pos));
  *s = c->p + c->pos;
  c->pos += *len;
  return LIL_OK;
}

/* NUL-terminated copy of a name; names containing NUL or other control bytes are rejected (names
 * appear in error messages, which must stay one line; found by fuzz/fuzz_gguf.c). */
static lil_status copy_name(cursor *c, const char *field, const uint8_t *s, uint64_t len,
                            uint64_t at, char **out) {
  if (memchr(s, 0, (size_t)len))
    return lil_error_set(c->err, LIL_ERR_FORMAT, "%s: %s at offset %llu contains a NUL byte", c->what,
                         field, ull(at));
  for (uint64_t i = 0; i < len; i++)
    if (s[i] < 0x20 || s[i] == 0x7f)
      return lil_error_set(c->err, LIL_ERR_FORMAT, "%s: %s at offset %llu contains the control byte 0x%02x",
                           c->what, field, ull(at), s[i]);
  char *n = malloc((size_t)len + 1);
  if (!n) return lil_error_set(c->err, LIL_ERR_OUT_OF_MEMORY, "%s: cannot copy %s", c->what, field);
  memcpy(n, s, (size_t)len);
  n[len] = 0;
  *out = n;
  return LIL_OK;
}

static const char *const type_names[] = {"u8",  "i8",     "u16",  "i16", "u32", "i32", "f32",
                                         "bool", "string", "array", "u64", "i64", "f64"};

const char *lil_gguf_type_name(uint32_t t) {
  return t < sizeof(type_names) / sizeof(type_names[0]) ? type_names[t] : "unknown";
}

uint32_t lil_gguf_scalar_size(uint32_t t) {
  static const uint8_t sizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
  return t < sizeof(sizes) ? sizes[t] : 0;
}

static lil_status check_value_type(cursor *c, uint32_t t, uint64_t at, const char *field) {
  if (t <= LIL_GGUF_FLOAT64) return LIL_OK;
  return lil_error_set(c->err, LIL_ERR_FORMAT, "%s: unknown %s %u at offset %llu", c->what, field, t,
                       ull(at));
}

static lil_status parse_value(cursor *c, uint32_t type, uint32_t depth, lil_gguf_kv *kv);

/* Array body after its value type: u32 element type, u64 count, elements. kv may be NULL (nested
 * arrays are validated and skipped). */
static lil_status parse_array(cursor *c, uint32_t depth, lil_gguf_kv *kv) {
  uint32_t et;
  uint64_t n, at = c->pos;
  lil_status st = read_u32(c, "array element type", &et);
  if (st || (st = check_value_type(c, et, at, "array element type"))) return st;
  at = c->pos;
  if ((st = read_u64(c, "array length", &n))) return st;
  uint64_t left = c->size - c->pos;
  uint32_t es = lil_gguf_scalar_size(et);
  uint64_t min_elem = es ? es : et == LIL_GGUF_STRING ? 8 : 12;
  if (n > left / min_elem)
    return lil_error_set(c->err, LIL_ERR_FORMAT,
                         "%s: array length %llu at offset %llu cannot fit: %llu elements of type %s need "
                         "at least %llu bytes each, only %llu bytes left",
                         c->what, ull(n), ull(at), ull(n), lil_gguf_type_name(et), ull(min_elem),
                         ull(left));
  if (kv) {
    kv->elem_type = (lil_gguf_type)et;
    kv->count = n;
    kv->elems = c->p + c->pos;
  }
  if (es) {
    c->pos += n * es;
    return LIL_OK;
  }
  if (et == LIL_GGUF_ARRAY) {
    if (depth + 1 >= LIL_GGUF_MAX_ARRAY_DEPTH)
      return lil_error_set(c->err, LIL_ERR_FORMAT, "%s: arrays nested deeper than %u at offset %llu",
                           c->what, LIL_GGUF_MAX_ARRAY_DEPTH, ull(at));
    for (uint64_t i = 0; i < n; i++)
      if ((st = parse_value(c, LIL_GGUF_ARRAY, depth + 1, NULL))) return st;
    return LIL_OK;
  }
  /* Strings: index each element when the array belongs to a key. */
  uint64_t base = c->pos;
  if (kv && n) {
    kv->str_offsets = malloc((size_t)n * sizeof(uint64_t));
    if (!kv->str_offsets)
      return lil_error_set(c->err, LIL_ERR_OUT_OF_MEMORY, "%s: cannot index %llu strings", c->what,
                           ull(n));
  }
  for (uint64_t i = 0; i < n; i++) {
    const uint8_t *s;
    uint64_t len;
    if (kv) kv->str_offsets[i] = c->pos - base;
    if ((st = read_string(c, "array string", 0, &s, &len))) return st;
  }
  return LIL_OK;
}

static lil_status parse_value(cursor *c, uint32_t type, uint32_t depth, lil_gguf_kv *kv) {
  if (type == LIL_GGUF_ARRAY) return parse_array(c, depth, kv);
  if (kv) kv->value = c->p + c->pos;
  if (type == LIL_GGUF_STRING) {
    const uint8_t *s;
    uint64_t len;
    return read_string(c, "string value", 0, &s, &len);
  }
  uint32_t sz = lil_gguf_scalar_size(type);
  lil_status st = need(c, sz, "value");
  if (st) return st;
  c->pos += sz;
  return LIL_OK;
}

static lil_status parse_kvs(lil_gguf *g, cursor *c) {
  lil_status st;
  for (uint64_t i = 0; i < g->n_kv; i++) {
    lil_gguf_kv *kv = &g->kv[i];
    const uint8_t *s;
    uint64_t len, prev;
    uint32_t type;
    kv->key_offset = c->pos;
    snprintf(c->what, sizeof(c->what), "key #%llu", ull(i));
    if ((st = read_string(c, "key", LIL_GGUF_MAX_KEY_LEN, &s, &len))) return st;
    if ((st = copy_name(c, "key", s, len, kv->key_offset, &kv->key))) return st;
    snprintf(c->what, sizeof(c->what), "key '%.120s' (#%llu)", kv->key, ull(i));
    if (!lil_name_index_insert(&g->key_index, kv->key, i, &prev))
      return lil_error_set(c->err, LIL_ERR_FORMAT, "%s at offset %llu: duplicate key (first defined as #%llu)",
                           c->what, ull(kv->key_offset), ull(prev));
    uint64_t at = c->pos;
    if ((st = read_u32(c, "value type", &type)) || (st = check_value_type(c, type, at, "value type")))
      return st;
    kv->type = (lil_gguf_type)type;
    if ((st = parse_value(c, type, 0, kv))) return st;
  }
  return LIL_OK;
}

static lil_status parse_alignment(lil_gguf *g, lil_error *err) {
  g->alignment = LIL_GGUF_DEFAULT_ALIGNMENT;
  int64_t i = lil_name_index_find(&g->key_index, "general.alignment");
  if (i < 0) return LIL_OK;
  const lil_gguf_kv *kv = &g->kv[i];
  uint64_t v = 0;
  if (kv->type == LIL_GGUF_UINT32) {
    uint32_t v32;
    memcpy(&v32, kv->value, 4);
    v = v32;
  } else if (kv->type == LIL_GGUF_UINT64) {
    memcpy(&v, kv->value, 8);
  } else {
    return lil_error_set(err, LIL_ERR_FORMAT, "key 'general.alignment' at offset %llu has type %s, expected u32",
                         ull(kv->key_offset), lil_gguf_type_name(kv->type));
  }
  if (v == 0 || (v & (v - 1)) || v > (1u << 30))
    return lil_error_set(err, LIL_ERR_FORMAT,
                         "key 'general.alignment' at offset %llu: alignment %llu is not a power of two "
                         "in 1..2^30",
                         ull(kv->key_offset), ull(v));
  g->alignment = (uint32_t)v;
  return LIL_OK;
}

static lil_status parse_tensor_info(lil_gguf *g, cursor *c, uint64_t i) {
  lil_gguf_tensor *t = &g->tensors[i];
  const uint8_t *s;
  uint64_t len, prev, at = c->pos, n_rows = 1;
  lil_status st;
  snprintf(c->what, sizeof(c->what), "tensor #%llu", ull(i));
  if ((st = read_string(c, "tensor name", LIL_GGUF_MAX_NAME_LEN, &s, &len))) return st;
  char *name = NULL;
  if ((st = copy_name(c, "tensor name", s, len, at, &name))) return st;
  t->name = name;
  snprintf(c->what, sizeof(c->what), "tensor '%s' (#%llu)", name, ull(i));
  if (!lil_name_index_insert(&g->tensor_index, name, i, &prev))
    return lil_error_set(c->err, LIL_ERR_FORMAT, "%s at offset %llu: duplicate tensor name (first defined as #%llu)",
                         c->what, ull(at), ull(prev));
  at = c->pos;
  if ((st = read_u32(c, "n_dims", &t->n_dims))) return st;
  if (t->n_dims < 1 || t->n_dims > LIL_GGUF_MAX_DIMS)
    return lil_error_set(c->err, LIL_ERR_FORMAT, "%s: n_dims %u at offset %llu is not in 1..%u", c->what,
                         t->n_dims, ull(at), LIL_GGUF_MAX_DIMS);
  for (uint32_t d = 0; d < LIL_GGUF_MAX_DIMS; d++) t->ne[d] = 1;
  for (uint32_t d = 0; d < t->n_dims; d++) {
    at = c->pos;
    if ((st = read_u64(c, "dimension", &t->ne[d]))) return st;
    if (t->ne[d] == 0 || t->ne[d] > (uint64_t)INT64_MAX)
      return lil_error_set(c->err, LIL_ERR_FORMAT, "%s: ne[%u] = %llu at offset %llu is not in 1..2^63-1",
                           c->what, d, ull(t->ne[d]), ull(at));
    if (d > 0 && __builtin_mul_overflow(n_rows, t->ne[d], &n_rows))
      return lil_error_set(c->err, LIL_ERR_FORMAT, "%s: element count overflows at offset %llu", c->what, ull(at));
  }
  at = c->pos;
  if ((st = read_u32(c, "type", &t->type))) return st;
  const lil_type_info *ti = lil_type_get(t->type);
  if (!ti)
    return lil_error_set(c->err, LIL_ERR_UNSUPPORTED, "%s: unknown ggml type id %u at offset %llu", c->what,
                         t->type, ull(at));
  if (t->ne[0] % ti->block_elems)
    return lil_error_set(c->err, LIL_ERR_FORMAT,
                         "%s: ne[0] = %llu is not a multiple of the %s block size %u", c->what,
                         ull(t->ne[0]), ti->name, ti->block_elems);
  uint64_t row = lil_type_row_bytes(t->type, t->ne[0]);
  if (__builtin_mul_overflow(row, n_rows, &t->size))
    return lil_error_set(c->err, LIL_ERR_FORMAT, "%s: byte size overflows (%llu rows of %llu bytes)",
                         c->what, ull(n_rows), ull(row));
  return read_u64(c, "data offset", &t->offset);
}

static lil_status place_tensor(lil_gguf *g, uint64_t i, lil_error *err) {
  lil_gguf_tensor *t = &g->tensors[i];
  uint64_t abs, end;
  if (t->offset % g->alignment)
    return lil_error_set(err, LIL_ERR_FORMAT,
                         "tensor '%s' (#%llu) data offset %llu is not a multiple of the alignment %u",
                         t->name, ull(i), ull(t->offset), g->alignment);
  if (__builtin_add_overflow(g->data_start, t->offset, &abs) || __builtin_add_overflow(abs, t->size, &end))
    return lil_error_set(err, LIL_ERR_FORMAT,
                         "tensor '%s' (#%llu) data offset %llu + size %llu overflows (data section at %llu)",
                         t->name, ull(i), ull(t->offset), ull(t->size), ull(g->data_start));
  if (end > g->size)
    return lil_error_set(err, LIL_ERR_FORMAT,
                         "tensor '%s' (#%llu) data at offset %llu+%llu extends past end of file (size %llu)",
                         t->name, ull(i), ull(abs), ull(t->size), ull(g->size));
  t->data = g->data + abs;
  return LIL_OK;
}

static lil_status parse_header(lil_gguf *g, cursor *c) {
  snprintf(c->what, sizeof(c->what), "header");
  if (g->size < LIL_GGUF_HEADER_BYTES)
    return lil_error_set(c->err, LIL_ERR_FORMAT, "file of %llu bytes is too small for a GGUF header (24 bytes)",
                         ull(g->size));
  if (memcmp(g->data, "GGUF", 4) != 0)
    return lil_error_set(c->err, LIL_ERR_FORMAT,
                         "bad magic %02x %02x %02x %02x at offset 0 (expected \"GGUF\"): not a GGUF file",
                         g->data[0], g->data[1], g->data[2], g->data[3]);
  c->pos = 4;
  read_u32(c, "version", &g->version);
  if (g->version == 1)
    return lil_error_set(c->err, LIL_ERR_UNSUPPORTED,
                         "GGUF version 1 at offset 4 is not supported (only versions 2 and 3)");
  if (g->version != 2 && g->version != 3)
    return lil_error_set(c->err, LIL_ERR_FORMAT, "unknown GGUF version %u at offset 4 (expected 2 or 3%s)",
                         g->version, (g->version & 0xffff) == 0 ? "; a big-endian file?" : "");
  read_u64(c, "tensor count", &g->n_tensors);
  read_u64(c, "kv count", &g->n_kv);
  /* Each kv needs at least 13 bytes (key length, type, 1-byte value), each tensor info 32. */
  uint64_t left = g->size - c->pos;
  if (g->n_kv > left / 13)
    return lil_error_set(c->err, LIL_ERR_FORMAT,
                         "kv count %llu at offset 16 cannot fit in the %llu bytes after the header",
                         ull(g->n_kv), ull(left));
  left -= g->n_kv * 13;
  if (g->n_tensors > left / 32)
    return lil_error_set(c->err, LIL_ERR_FORMAT,
                         "tensor count %llu at offset 8 cannot fit in the file (%llu bytes, %llu kv pairs)",
                         ull(g->n_tensors), ull(g->size), ull(g->n_kv));
  return LIL_OK;
}

lil_status lil_gguf_parse(lil_gguf *g, lil_error *err) {
  cursor c = {.p = g->data, .size = g->size, .err = err};
  lil_status st = parse_header(g, &c);
  if (st) return st;
  g->kv = calloc((size_t)g->n_kv + 1, sizeof(*g->kv));
  g->tensors = calloc((size_t)g->n_tensors + 1, sizeof(*g->tensors));
  if (!g->kv || !g->tensors)
    return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "cannot allocate tables for %llu keys and %llu tensors",
                         ull(g->n_kv), ull(g->n_tensors));
  if ((st = lil_name_index_init(&g->key_index, g->n_kv, err)) ||
      (st = lil_name_index_init(&g->tensor_index, g->n_tensors, err)) || (st = parse_kvs(g, &c)) ||
      (st = parse_alignment(g, err)))
    return st;
  for (uint64_t i = 0; i < g->n_tensors; i++)
    if ((st = parse_tensor_info(g, &c, i))) return st;
  g->data_start = (c.pos + g->alignment - 1) / g->alignment * g->alignment; /* pos <= size: no overflow */
  for (uint64_t i = 0; i < g->n_tensors; i++)
    if ((st = place_tensor(g, i, err))) return st;
  return LIL_OK;
}
