/* Constant-cost compressed size of a growing stream: streaming deflate + copy-and-finish. */
#include "guardian_meter.h"

#include <stdlib.h>
#include <string.h>

#include "lil_guardian.h"

/* The copy made at each measurement allocates the same ~260 KiB every time; a reused arena
 * keeps that out of malloc (which would otherwise trim and re-fault the heap every check). */
#define ARENA_CAP (512u << 10)

static voidpf meter_alloc(voidpf opaque, uInt items, uInt size) {
  gd_meter *m = opaque;
  size_t n = ((size_t)items * size + 63) & ~(size_t)63;
  if (m->copying && m->arena && m->arena_used + n <= m->arena_cap) {
    void *p = m->arena + m->arena_used;
    m->arena_used += n;
    return p;
  }
  return malloc(n);
}

static void meter_free(voidpf opaque, voidpf p) {
  gd_meter *m = opaque;
  unsigned char *c = p;
  if (m->arena && c >= m->arena && c < m->arena + m->arena_cap) return;
  free(p);
}

lil_status gd_meter_init(gd_meter *m, int level, lil_error *err) {
  memset(&m->zs, 0, sizeof(m->zs));
  m->live = false;
  m->in_bytes = m->out_bytes = 0;
  m->copying = false;
  m->arena_cap = ARENA_CAP;
  m->arena_used = 0;
  m->arena = malloc(m->arena_cap);
  if (!m->arena) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "guardian: out of memory for the deflate arena");
  m->zs.zalloc = meter_alloc;
  m->zs.zfree = meter_free;
  m->zs.opaque = m;
  int rc = deflateInit2(&m->zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  if (rc == Z_MEM_ERROR) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "guardian: deflateInit2: out of memory");
  if (rc != Z_OK) return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian: deflateInit2(level %d) failed: %d", level, rc);
  m->live = true;
  return LIL_OK;
}

/* Runs deflate on zs until its input is consumed (flush Z_NO_FLUSH) or the stream ends
 * (Z_FINISH); counts the output into *out. */
static lil_status pump(z_stream *zs, unsigned char *buf, size_t cap, int flush, uint64_t *out, lil_error *err) {
  for (;;) {
    zs->next_out = buf;
    zs->avail_out = (uInt)cap;
    int rc = deflate(zs, flush);
    *out += cap - zs->avail_out;
    if (rc == Z_STREAM_END) return LIL_OK;
    if (rc != Z_OK && rc != Z_BUF_ERROR) return lil_error_set(err, LIL_ERR_FORMAT, "guardian: deflate failed: %d", rc);
    if (flush == Z_NO_FLUSH && zs->avail_in == 0 && zs->avail_out != 0) return LIL_OK;
    if (rc == Z_BUF_ERROR && zs->avail_out != 0)
      return lil_error_set(err, LIL_ERR_FORMAT, "guardian: deflate made no progress");
  }
}

lil_status gd_meter_add(gd_meter *m, const void *data, size_t n, lil_error *err) {
  const unsigned char *p = data;
  while (n > 0) {
    size_t chunk = n > (1u << 30) ? (1u << 30) : n;
    m->zs.next_in = (Bytef *)(uintptr_t)p;
    m->zs.avail_in = (uInt)chunk;
    lil_status st = pump(&m->zs, m->scratch, sizeof(m->scratch), Z_NO_FLUSH, &m->out_bytes, err);
    if (st) return st;
    m->in_bytes += chunk;
    p += chunk;
    n -= chunk;
  }
  return LIL_OK;
}

lil_status gd_meter_size(gd_meter *m, uint64_t *size, lil_error *err) {
  z_stream copy;
  m->copying = true;
  m->arena_used = 0;
  int rc = deflateCopy(&copy, &m->zs);
  m->copying = false;
  if (rc == Z_MEM_ERROR) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "guardian: deflateCopy: out of memory");
  if (rc != Z_OK) return lil_error_set(err, LIL_ERR_FORMAT, "guardian: deflateCopy failed: %d", rc);
  copy.next_in = NULL;
  copy.avail_in = 0;
  uint64_t tail = 0;
  lil_status st = pump(&copy, m->scratch, sizeof(m->scratch), Z_FINISH, &tail, err);
  deflateEnd(&copy);
  m->arena_used = 0;
  if (st) return st;
  *size = m->out_bytes + tail;
  return LIL_OK;
}

void gd_meter_end(gd_meter *m) {
  if (m->live) deflateEnd(&m->zs);
  m->live = false;
  free(m->arena);
  m->arena = NULL;
}

lil_status lil_guardian_deflate_size(const void *data, size_t n, int level, uint64_t *size, lil_error *err) {
  if (!size || (!data && n)) return lil_error_set(err, LIL_ERR_INVALID_ARG, "lil_guardian_deflate_size: NULL argument");
  z_stream zs;
  memset(&zs, 0, sizeof(zs));
  int rc = deflateInit2(&zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  if (rc != Z_OK) return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian: deflateInit2(level %d) failed: %d", level, rc);
  unsigned char buf[16384];
  uint64_t out = 0;
  lil_status st = LIL_OK;
  const unsigned char *p = data;
  while (n > (1u << 30) && !st) {
    zs.next_in = (Bytef *)(uintptr_t)p;
    zs.avail_in = 1u << 30;
    st = pump(&zs, buf, sizeof(buf), Z_NO_FLUSH, &out, err);
    p += 1u << 30;
    n -= 1u << 30;
  }
  if (!st) {
    zs.next_in = (Bytef *)(uintptr_t)p;
    zs.avail_in = (uInt)n;
    st = pump(&zs, buf, sizeof(buf), Z_FINISH, &out, err);
  }
  deflateEnd(&zs);
  if (!st) *size = out;
  return st;
}
