/* Internal: the compressed size of a growing byte stream at constant cost per measurement.
 *
 * One raw-deflate stream (windowBits -15, memLevel 8, default strategy) takes the bytes as they
 * come with Z_NO_FLUSH (never flushed, so no per-check sync markers); its output is counted and
 * discarded. To measure, the stream state is copied (deflateCopy: window, hash chains and pending
 * symbols, ~260 KiB, independent of the length) and only the copy is finished. The result is
 * byte-for-byte the size of compressing everything in one go (tested), because deflate's output
 * does not depend on how its input was split when no flush is requested. */
#ifndef LIL_GUARDIAN_METER_H
#define LIL_GUARDIAN_METER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "lil_status.h"

typedef struct gd_meter {
  z_stream zs;
  bool live;
  uint64_t in_bytes;
  uint64_t out_bytes; /* bytes the main stream has emitted so far */
  bool copying;       /* allocations go to the arena (deflateCopy of the measurement) */
  unsigned char *arena;
  size_t arena_cap, arena_used;
  unsigned char scratch[32768];
} gd_meter;

lil_status gd_meter_init(gd_meter *m, int level, lil_error *err);
lil_status gd_meter_add(gd_meter *m, const void *data, size_t n, lil_error *err);
/* Size of the raw deflate stream of everything added so far, as if finished now. */
lil_status gd_meter_size(gd_meter *m, uint64_t *size, lil_error *err);
void gd_meter_end(gd_meter *m);

#endif
