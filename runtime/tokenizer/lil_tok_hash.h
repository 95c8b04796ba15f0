/* Small open-addressing hash maps (linear probing, power-of-two capacity, load <= 1/2) used by
 * the tokenizer: token text -> id, and merge pair (left id, right id) -> (rank, merged id). */
#ifndef LIL_TOK_HASH_H
#define LIL_TOK_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Token text -> id. Keys are not copied: slot i's key is arena[offs[id] .. offs[id] + lens[id]). */
typedef struct lil_strmap {
  int32_t *slots; /* -1 = empty */
  size_t mask;
  const char *arena;
  const uint32_t *offs, *lens;
} lil_strmap;

/* Capacity for n keys; arena/offs/lens describe the keys. Returns 0 on allocation failure. */
int lil_strmap_init(lil_strmap *m, size_t n, const char *arena, const uint32_t *offs,
                    const uint32_t *lens);
void lil_strmap_free(lil_strmap *m);
/* Inserts id under its own text; a later id with the same text replaces the earlier one. */
void lil_strmap_put(lil_strmap *m, int32_t id);
/* id of s[0..len), or -1. */
int32_t lil_strmap_get(const lil_strmap *m, const char *s, size_t len);

typedef struct lil_pairmap {
  uint64_t *keys; /* UINT64_MAX = empty */
  int32_t *rank, *merged;
  size_t mask;
} lil_pairmap;

int lil_pairmap_init(lil_pairmap *m, size_t n);
void lil_pairmap_free(lil_pairmap *m);
/* Keeps the first (lowest) rank when a pair repeats. */
void lil_pairmap_put(lil_pairmap *m, int32_t left, int32_t right, int32_t rank, int32_t merged);
/* Returns 1 and fills rank/merged when the pair is present. */
int lil_pairmap_get(const lil_pairmap *m, int32_t left, int32_t right, int32_t *rank,
                    int32_t *merged);

#endif
