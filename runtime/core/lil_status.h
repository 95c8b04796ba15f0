/* Status codes and error messages shared by every lil library. */
#ifndef LIL_STATUS_H
#define LIL_STATUS_H

#include <stddef.h>

typedef enum lil_status {
  LIL_OK = 0,
  LIL_ERR_INVALID_ARG,   /* a caller passed a bad value */
  LIL_ERR_NO_LOADER,     /* the Vulkan loader could not be opened */
  LIL_ERR_NO_DEVICE,     /* no (matching) Vulkan device */
  LIL_ERR_VULKAN,        /* a Vulkan call failed */
  LIL_ERR_OUT_OF_MEMORY, /* host or device allocation failed */
  LIL_ERR_IO,            /* file system */
  LIL_ERR_FORMAT,        /* malformed input file or data */
  LIL_ERR_UNSUPPORTED,   /* valid but not supported (type, architecture, feature) */
  LIL_ERR_RANGE,         /* value out of range (prompt longer than context, ...) */
} lil_status;

/* Every fallible call takes an optional lil_error* that receives a one-line message
 * saying what failed and where. */
typedef struct lil_error {
  lil_status status;
  char msg[512];
} lil_error;

/* Sets err (if not NULL) and returns st. printf-style message. */
lil_status lil_error_set(lil_error *err, lil_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefixes an existing message with context: "ctx: old message". Returns err->status. */
lil_status lil_error_prefix(lil_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *lil_status_name(lil_status st);

/* Text from a file (s[0..len), not NUL-terminated) made fit for a one-line message: control bytes,
 * DEL and NUL as \xNN, at most 64 bytes of s (then "..."). buf: LIL_PRINTABLE_CAP bytes; returns it. */
#define LIL_PRINTABLE_CAP 264
const char *lil_printable(const char *s, size_t len, char *buf);

#endif
