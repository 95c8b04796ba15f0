#include "lil_status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

lil_status lil_error_set(lil_error *err, lil_status st, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    err->status = st;
  }
  return st;
}

lil_status lil_error_prefix(lil_error *err, const char *fmt, ...) {
  if (!err) return LIL_ERR_INVALID_ARG;
  char head[256], old[sizeof(err->msg)];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(head, sizeof(head), fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof(old));
  snprintf(err->msg, sizeof(err->msg), "%s: %s", head, old);
  return err->status;
}

const char *lil_status_name(lil_status st) {
  switch (st) {
  case LIL_OK: return "ok";
  case LIL_ERR_INVALID_ARG: return "invalid argument";
  case LIL_ERR_NO_LOADER: return "no Vulkan loader";
  case LIL_ERR_NO_DEVICE: return "no Vulkan device";
  case LIL_ERR_VULKAN: return "Vulkan error";
  case LIL_ERR_OUT_OF_MEMORY: return "out of memory";
  case LIL_ERR_IO: return "I/O error";
  case LIL_ERR_FORMAT: return "bad format";
  case LIL_ERR_UNSUPPORTED: return "unsupported";
  case LIL_ERR_RANGE: return "out of range";
  }
  return "unknown status";
}

const char *lil_printable(const char *s, size_t len, char *buf) {
  size_t o = 0, n = len < 64 ? len : 64;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7f) o += (size_t)snprintf(buf + o, LIL_PRINTABLE_CAP - o, "\\x%02x", c);
    else buf[o++] = (char)c;
  }
  if (len > n) memcpy(buf + o, "...", 3), o += 3;
  buf[o] = 0;
  return buf;
}
