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
