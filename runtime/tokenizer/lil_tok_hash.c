/* Open-addressing hash maps for the tokenizer. */
#include "lil_tok_hash.h"

#include <stdlib.h>
#include <string.h>

static size_t capacity_for(size_t n) {
  size_t cap = 16;
  while (cap < 2 * n + 1) cap <<= 1;
  return cap;
}

static uint64_t hash_bytes(const char *s, size_t len) {
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, then a final mix */
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ull;
  }
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  return h ^ (h >> 32);
}

static uint64_t hash_u64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

int lil_strmap_init(lil_strmap *m, size_t n, const char *arena, const uint32_t *offs,
                    const uint32_t *lens) {
  size_t cap = capacity_for(n);
  m->slots = malloc(cap * sizeof(*m->slots));
  if (!m->slots) return 0;
  memset(m->slots, 0xFF, cap * sizeof(*m->slots));
  m->mask = cap - 1;
  m->arena = arena;
  m->offs = offs;
  m->lens = lens;
  return 1;
}

void lil_strmap_free(lil_strmap *m) {
  free(m->slots);
  m->slots = NULL;
}

static int key_eq(const lil_strmap *m, int32_t id, const char *s, size_t len) {
  return m->lens[id] == len && memcmp(m->arena + m->offs[id], s, len) == 0;
}

void lil_strmap_put(lil_strmap *m, int32_t id) {
  const char *s = m->arena + m->offs[id];
  size_t len = m->lens[id];
  for (size_t i = hash_bytes(s, len) & m->mask;; i = (i + 1) & m->mask) {
    if (m->slots[i] < 0 || key_eq(m, m->slots[i], s, len)) {
      m->slots[i] = id;
      return;
    }
  }
}

int32_t lil_strmap_get(const lil_strmap *m, const char *s, size_t len) {
  for (size_t i = hash_bytes(s, len) & m->mask;; i = (i + 1) & m->mask) {
    int32_t id = m->slots[i];
    if (id < 0) return -1;
    if (key_eq(m, id, s, len)) return id;
  }
}

int lil_pairmap_init(lil_pairmap *m, size_t n) {
  size_t cap = capacity_for(n);
  m->keys = malloc(cap * sizeof(*m->keys));
  m->rank = malloc(cap * sizeof(*m->rank));
  m->merged = malloc(cap * sizeof(*m->merged));
  m->mask = cap - 1;
  if (!m->keys || !m->rank || !m->merged) {
    lil_pairmap_free(m);
    return 0;
  }
  memset(m->keys, 0xFF, cap * sizeof(*m->keys));
  return 1;
}

void lil_pairmap_free(lil_pairmap *m) {
  free(m->keys);
  free(m->rank);
  free(m->merged);
  m->keys = NULL;
  m->rank = m->merged = NULL;
}

static uint64_t pair_key(int32_t left, int32_t right) {
  return ((uint64_t)(uint32_t)left << 32) | (uint32_t)right;
}

void lil_pairmap_put(lil_pairmap *m, int32_t left, int32_t right, int32_t rank, int32_t merged) {
  uint64_t k = pair_key(left, right);
  for (size_t i = hash_u64(k) & m->mask;; i = (i + 1) & m->mask) {
    if (m->keys[i] == k) return; /* first rank wins */
    if (m->keys[i] == UINT64_MAX) {
      m->keys[i] = k;
      m->rank[i] = rank;
      m->merged[i] = merged;
      return;
    }
  }
}

int lil_pairmap_get(const lil_pairmap *m, int32_t left, int32_t right, int32_t *rank,
                    int32_t *merged) {
  uint64_t k = pair_key(left, right);
  for (size_t i = hash_u64(k) & m->mask;; i = (i + 1) & m->mask) {
    if (m->keys[i] == UINT64_MAX) return 0;
    if (m->keys[i] == k) {
      *rank = m->rank[i];
      *merged = m->merged[i];
      return 1;
    }
  }
}
