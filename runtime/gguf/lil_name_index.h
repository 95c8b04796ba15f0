/* A small open-addressing hash index from NUL-terminated names to positions in a caller-owned
 * table. Used by the GGUF reader for O(1) key/tensor lookup and duplicate detection. */
#ifndef LIL_NAME_INDEX_H
#define LIL_NAME_INDEX_H

#include <stdint.h>

#include "lil_status.h"

typedef struct lil_name_index_slot {
  const char *name; /* NULL = empty; not owned */
  uint64_t hash;
  uint64_t pos;
} lil_name_index_slot;

typedef struct lil_name_index {
  lil_name_index_slot *slots;
  uint64_t mask; /* capacity - 1 */
} lil_name_index;

/* Room for up to n names. */
lil_status lil_name_index_init(lil_name_index *ix, uint64_t n, lil_error *err);
void lil_name_index_free(lil_name_index *ix);
/* Inserts name -> pos. Returns 1 when inserted, 0 when the name was already present (*prev then
 * receives the existing position). The index must have been sized for all inserts. */
int lil_name_index_insert(lil_name_index *ix, const char *name, uint64_t pos, uint64_t *prev);
/* Position of name, or -1. */
int64_t lil_name_index_find(const lil_name_index *ix, const char *name);

#endif
