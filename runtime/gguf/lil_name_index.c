#include "lil_name_index.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_name(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
  return h;
}

lil_status lil_name_index_init(lil_name_index *ix, uint64_t n, lil_error *err) {
  uint64_t cap = 16;
  while (cap < 2 * n) {
    if (cap > (UINT64_MAX >> 2) / sizeof(lil_name_index_slot))
      return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "name index for %llu entries is too large",
                           (unsigned long long)n);
    cap <<= 1;
  }
  ix->slots = calloc((size_t)cap, sizeof(*ix->slots));
  if (!ix->slots)
    return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "cannot allocate a name index for %llu entries",
                         (unsigned long long)n);
  ix->mask = cap - 1;
  return LIL_OK;
}

void lil_name_index_free(lil_name_index *ix) {
  free(ix->slots);
  ix->slots = NULL;
  ix->mask = 0;
}

int lil_name_index_insert(lil_name_index *ix, const char *name, uint64_t pos, uint64_t *prev) {
  uint64_t h = hash_name(name);
  for (uint64_t i = h & ix->mask;; i = (i + 1) & ix->mask) {
    lil_name_index_slot *s = &ix->slots[i];
    if (!s->name) {
      s->name = name;
      s->hash = h;
      s->pos = pos;
      return 1;
    }
    if (s->hash == h && strcmp(s->name, name) == 0) {
      if (prev) *prev = s->pos;
      return 0;
    }
  }
}

int64_t lil_name_index_find(const lil_name_index *ix, const char *name) {
  if (!ix->slots || !name) return -1;
  uint64_t h = hash_name(name);
  for (uint64_t i = h & ix->mask;; i = (i + 1) & ix->mask) {
    const lil_name_index_slot *s = &ix->slots[i];
    if (!s->name) return -1;
    if (s->hash == h && strcmp(s->name, name) == 0) return (int64_t)s->pos;
  }
}
