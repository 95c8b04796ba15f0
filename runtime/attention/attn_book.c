/* Host bookkeeping of the paged KV cache: per (layer, KV head) page lists, free lists, slot masks,
 * and each policy's per-step decisions (which slot the new token takes, what is evicted). Every
 * change of a device-visible word is queued in the host-visible update list (att_update), applied
 * on the GPU by attn_update at the start of the next replay. */
#include <stdlib.h>
#include <string.h>

#include "attn_internal.h"

#define L_OF(att, li) (&(att)->lists[li])

static kv_segment *seg_of(lil_attention *att, uint32_t li) { return &att->segs[att->seg_of[li]]; }
static uint32_t local_head(lil_attention *att, uint32_t li) {
  return li % att->cfg.n_kv_heads - seg_of(att, li)->h0;
}
/* Segment-local page id of local page j (the value stored in the device table). */
static uint32_t dev_page(lil_attention *att, uint32_t li, uint32_t j) { return local_head(att, li) * att->cap + j; }

lil_status att_lists_init(lil_attention *att, lil_error *err) {
  uint32_t cap = att->cap, P = att->P;
  att->lists = calloc(att->n_lists, sizeof(kv_list));
  att->dirty = calloc((uint64_t)att->n_lists * cap, sizeof(uint32_t));
  att->dirty_list = malloc((uint64_t)att->n_lists * cap * sizeof(uint64_t));
  if (!att->lists || !att->dirty || !att->dirty_list) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "attention lists");
  lil_attn_policy_kind k = att->cfg.policy.kind;
  uint32_t blocks = (att->cfg.max_ctx + P - 1) / P;
  for (uint32_t i = 0; i < att->n_lists; i++) {
    kv_list *l = &att->lists[i];
    l->page = malloc(cap * sizeof(uint32_t));
    l->entry = malloc(cap * sizeof(uint32_t));
    l->mask = calloc(cap, sizeof(uint32_t));
    l->first_pos = calloc(cap, sizeof(uint32_t));
    l->free_pages = malloc(cap * sizeof(uint32_t));
    if (!l->page || !l->entry || !l->mask || !l->first_pos || !l->free_pages)
      return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "attention lists");
    for (uint32_t j = 0; j < cap; j++) {
      l->entry[j] = ATT_NONE;
      l->free_pages[j] = cap - 1 - j; /* pops 0, 1, 2, ... */
    }
    l->n_free = cap;
    l->victim = ATT_NONE;
    l->evicted_upto = att->cfg.policy.sink;
    if (k == LIL_ATTN_H2O) {
      l->emask = calloc(cap, sizeof(uint32_t));
      l->slot_pos = calloc((uint64_t)cap * P, sizeof(uint32_t));
      l->ring = calloc(att->recent + 1, sizeof(uint32_t));
      if (!l->emask || !l->slot_pos || !l->ring) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "attention lists");
    }
    if (k == LIL_ATTN_WINDOW) {
      l->blk = malloc(blocks * sizeof(uint32_t));
      if (!l->blk) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "attention lists");
      for (uint32_t b = 0; b < blocks; b++) l->blk[b] = ATT_NONE;
    }
  }
  return LIL_OK;
}

void att_lists_free(lil_attention *att) {
  for (uint32_t i = 0; att->lists && i < att->n_lists; i++) {
    kv_list *l = &att->lists[i];
    free(l->page);
    free(l->entry);
    free(l->mask);
    free(l->emask);
    free(l->first_pos);
    free(l->slot_pos);
    free(l->free_pages);
    free(l->blk);
    free(l->ring);
  }
  free(att->lists);
  free(att->dirty);
  free(att->dirty_list);
}

/* The attn_update kernel applies the pairs in parallel (no order), so a word appears at most once in
 * a list: a second write of the same word replaces the value of the first pair (last write wins,
 * as on the host). upd_at[word] = pair index + 1 while the word is in the current list. */
lil_status att_update(lil_attention *att, uint64_t word, uint32_t value, lil_error *err) {
  uint32_t *u = lil_buffer_host(att->updates);
  if (att->upd_at[word]) {
    u[5 + 2 * (att->upd_at[word] - 1)] = value;
    return LIL_OK;
  }
  if (u[0] >= att->upd_cap)
    return lil_error_set(err, LIL_ERR_RANGE, "attention: more than %llu table updates in one step (prefill longer "
                                             "than max_prompt?)", (unsigned long long)att->upd_cap);
  u[4 + 2 * u[0]] = (uint32_t)word;
  u[5 + 2 * u[0]] = value;
  u[0]++;
  att->upd_at[word] = u[0];
  return LIL_OK;
}

void att_updates_clear(lil_attention *att) {
  uint32_t *u = lil_buffer_host(att->updates);
  for (uint32_t i = 0; i < u[0]; i++) att->upd_at[u[4 + 2 * i]] = 0;
  u[0] = 0;
}

static void mark_dirty(lil_attention *att, uint32_t li, uint32_t j, uint32_t bits) {
  uint64_t i = (uint64_t)li * att->cap + j;
  if (!att->dirty[i]) att->dirty_list[att->n_dirty++] = i;
  att->dirty[i] |= bits;
}

lil_status att_flush_dirty(lil_attention *att, lil_error *err) {
  lil_status st = LIL_OK;
  for (uint64_t k = 0; k < att->n_dirty && !st; k++) {
    uint64_t i = att->dirty_list[k];
    uint32_t li = (uint32_t)(i / att->cap), j = (uint32_t)(i % att->cap);
    kv_segment *s = seg_of(att, li);
    kv_list *l = L_OF(att, li);
    uint64_t dp = dev_page(att, li, j);
    if (att->dirty[i] & 1) st = att_update(att, s->mask + dp, l->mask[j], err);
    if (!st && (att->dirty[i] & 2)) st = att_update(att, s->emask + dp, l->emask[j], err);
    att->dirty[i] = 0;
  }
  att->n_dirty = 0;
  return st;
}

static lil_status set_table(lil_attention *att, uint32_t li, uint32_t e, lil_error *err) {
  kv_segment *s = seg_of(att, li);
  uint32_t hl = local_head(att, li);
  return att_update(att, s->table + (uint64_t)hl * att->cap + e, dev_page(att, li, L_OF(att, li)->page[e]), err);
}

static lil_status set_count(lil_attention *att, uint32_t li, lil_error *err) {
  return att_update(att, seg_of(att, li)->count + local_head(att, li), L_OF(att, li)->n, err);
}

static lil_status alloc_page(lil_attention *att, uint32_t li, uint32_t first_pos, lil_error *err) {
  kv_list *l = L_OF(att, li);
  if (!l->n_free)
    return lil_error_set(err, LIL_ERR_RANGE, "attention: KV pages of layer %u head %u exhausted (%u pages)",
                         li / att->cfg.n_kv_heads, li % att->cfg.n_kv_heads, att->cap);
  uint32_t j = l->free_pages[--l->n_free], e = l->n++;
  l->page[e] = j;
  l->entry[j] = e;
  l->mask[j] = 0;
  l->first_pos[j] = first_pos;
  l->fill = 0;
  att->pages_in_use++;
  lil_status st = set_table(att, li, e, err);
  if (!st) st = set_count(att, li, err);
  if (!st && att->cfg.policy.kind == LIL_ATTN_RAAS)
    st = att_update(att, seg_of(att, li)->ts + dev_page(att, li, j), first_pos, err);
  return st;
}

/* Removes list entry e, keeping the tail (the page being filled) the last entry. */
static lil_status remove_entry(lil_attention *att, uint32_t li, uint32_t e, lil_error *err) {
  kv_list *l = L_OF(att, li);
  uint32_t j = l->page[e], last = l->n - 1;
  lil_status st = LIL_OK;
  if (e < last) {
    if (e < last - 1) {
      l->page[e] = l->page[last - 1];
      l->entry[l->page[e]] = e;
      st = set_table(att, li, e, err);
    }
    l->page[last - 1] = l->page[last];
    l->entry[l->page[last - 1]] = last - 1;
    if (!st) st = set_table(att, li, last - 1, err);
  } else {
    l->fill = att->P; /* the tail itself went: the next token opens a page */
  }
  l->n--;
  l->entry[j] = ATT_NONE;
  l->free_pages[l->n_free++] = j;
  l->n_valid -= (uint32_t)__builtin_popcount(l->mask[j]);
  l->mask[j] = 0;
  if (l->emask) l->emask[j] = 0;
  mark_dirty(att, li, j, l->emask ? 3 : 1);
  att->pages_in_use--;
  return st ? st : set_count(att, li, err);
}

/* The h2o location bookkeeping of the token at pos placed in (j, slot). */
static lil_status h2o_place(lil_attention *att, uint32_t li, uint32_t j, uint32_t slot, uint32_t pos, lil_error *err) {
  kv_list *l = L_OF(att, li);
  uint32_t P = att->P, R = att->recent;
  l->slot_pos[j * P + slot] = pos;
  l->emask[j] &= ~(1u << slot);
  mark_dirty(att, li, j, 2);
  if (R == 0) {
    l->emask[j] |= 1u << slot;
  } else {
    if (pos >= R) {
      uint32_t loc = l->ring[(pos - R) % (R + 1)], jj = loc / P;
      if (l->mask[jj] & (1u << (loc % P))) {
        l->emask[jj] |= 1u << (loc % P);
        mark_dirty(att, li, jj, 2);
      }
    }
    l->ring[pos % (R + 1)] = j * P + slot;
  }
  kv_segment *s = seg_of(att, li);
  return att_update(att, s->acc + (uint64_t)dev_page(att, li, j) * P + slot, 0, err); /* 0.0f */
}

/* Appends the token at pos after the last one (opening a page when the tail is full); *logical
 * receives its logical slot index (entry * P + slot). */
static lil_status append_in_order(lil_attention *att, uint32_t li, uint32_t pos, uint32_t *logical, lil_error *err) {
  kv_list *l = L_OF(att, li);
  lil_status st;
  if (l->n == 0 || l->fill == att->P)
    if ((st = alloc_page(att, li, pos, err))) return st;
  uint32_t e = l->n - 1, j = l->page[e], slot = l->fill++;
  l->mask[j] |= 1u << slot;
  mark_dirty(att, li, j, 1);
  l->n_valid++;
  *logical = e * att->P + slot;
  if (l->blk) l->blk[pos / att->P] = j;
  if (l->slot_pos) return h2o_place(att, li, j, slot, pos, err);
  return LIL_OK;
}

/* Window: evicts positions in [sink, last + 1 - (budget - sink)). */
static lil_status window_trim(lil_attention *att, uint32_t li, uint32_t last, lil_error *err) {
  kv_list *l = L_OF(att, li);
  uint32_t sink = att->cfg.policy.sink, keep = att->cfg.policy.budget - sink, P = att->P;
  if (last + 1 <= keep) return LIL_OK;
  uint32_t end = last + 1 - keep;
  lil_status st = LIL_OK;
  for (uint32_t x = l->evicted_upto; x < end && !st; x++) {
    uint32_t j = l->blk[x / P];
    if (j == ATT_NONE || !(l->mask[j] & (1u << (x % P)))) continue;
    l->mask[j] &= ~(1u << (x % P));
    l->n_valid--;
    mark_dirty(att, li, j, 1);
    if (!l->mask[j]) {
      l->blk[x / P] = ATT_NONE;
      st = remove_entry(att, li, l->entry[j], err);
    }
  }
  if (end > l->evicted_upto) l->evicted_upto = end;
  return st;
}

static lil_status set_base(lil_attention *att, uint32_t li, uint32_t logical, lil_error *err) {
  return att_update(att, seg_of(att, li)->base + local_head(att, li), logical, err);
}

lil_status att_book_prefill(lil_attention *att, uint32_t n, lil_error *err) {
  lil_status st = LIL_OK;
  /* h2o evicts with scores the GPU accumulates during decode: the first decode step must still fit */
  if (att->cfg.policy.kind == LIL_ATTN_H2O && att->len + n >= att->cfg.policy.budget)
    return lil_error_set(err, LIL_ERR_UNSUPPORTED,
                         "attention: h2o prefill of %u tokens must be shorter than the budget %u (a session "
                         "streams the rest of a longer prompt through decode steps)",
                         att->len + n, att->cfg.policy.budget);
  for (uint32_t li = 0; li < att->n_lists && !st; li++) {
    uint32_t first = 0, lg;
    for (uint32_t t = 0; t < n && !st; t++) {
      st = append_in_order(att, li, att->len + t, &lg, err);
      if (t == 0) first = lg;
    }
    if (!st) st = set_base(att, li, first, err);
  }
  if (!st) st = att_update(att, 0, att->len, err);
  return st ? st : att_flush_dirty(att, err);
}

lil_status att_book_end_prefill(lil_attention *att, lil_error *err) {
  uint32_t n = att->in_prefill;
  att_updates_clear(att);
  att->len += n;
  att->in_prefill = 0;
  if (att->cfg.policy.kind == LIL_ATTN_RAAS) att->prompt_len = att->len;
  lil_status st = LIL_OK;
  for (uint32_t li = 0; li < att->n_lists && !st; li++) {
    kv_list *l = L_OF(att, li);
    switch (att->cfg.policy.kind) {
    case LIL_ATTN_WINDOW: st = window_trim(att, li, att->len - 1, err); break;
    case LIL_ATTN_RAAS: /* prompt pages are protected: never stamped, never evicted */
      for (uint32_t e = 0; e < l->n && !st; e++)
        st = att_update(att, seg_of(att, li)->ts + dev_page(att, li, l->page[e]), ATT_NONE, err);
      l->n_protected = l->n;
      break;
    default: break;
    }
  }
  return st ? st : att_flush_dirty(att, err);
}

static lil_status raas_step(lil_attention *att, uint32_t li, uint32_t pos, uint32_t *logical, lil_error *err) {
  kv_list *l = L_OF(att, li);
  lil_status st;
  if ((l->n == 0 || l->fill == att->P) && l->n - l->n_protected >= att->budget_pages) {
    uint32_t e = l->victim;
    if (e >= l->n || l->first_pos[l->page[e]] < att->prompt_len)
      return lil_error_set(err, LIL_ERR_RANGE, "attention: raas has no evictable page for layer %u head %u (victim %u)",
                           li / att->cfg.n_kv_heads, li % att->cfg.n_kv_heads, e);
    if ((st = remove_entry(att, li, e, err))) return st;
  }
  return append_in_order(att, li, pos, logical, err);
}

static lil_status h2o_step(lil_attention *att, uint32_t li, uint32_t pos, uint32_t *logical, lil_error *err) {
  kv_list *l = L_OF(att, li);
  if (l->n_valid < att->cfg.policy.budget) return append_in_order(att, li, pos, logical, err);
  uint32_t u = l->victim, P = att->P;
  if (u == ATT_NONE || u / P >= l->n || !(l->mask[l->page[u / P]] & (1u << (u % P))))
    return lil_error_set(err, LIL_ERR_RANGE, "attention: h2o has no valid victim for layer %u head %u",
                         li / att->cfg.n_kv_heads, li % att->cfg.n_kv_heads);
  *logical = u;
  return h2o_place(att, li, l->page[u / P], u % P, pos, err);
}

lil_status att_book_step(lil_attention *att, uint32_t pos, lil_error *err) {
  lil_status st = att_update(att, 0, pos, err);
  for (uint32_t li = 0; li < att->n_lists && !st; li++) {
    uint32_t lg = 0;
    switch (att->cfg.policy.kind) {
    case LIL_ATTN_DENSE:
    case LIL_ATTN_QUEST: st = append_in_order(att, li, pos, &lg, err); break;
    case LIL_ATTN_WINDOW:
      st = append_in_order(att, li, pos, &lg, err);
      if (!st) st = window_trim(att, li, pos, err);
      if (!st) lg = (L_OF(att, li)->n - 1) * att->P + L_OF(att, li)->fill - 1; /* the tail may have moved */
      break;
    case LIL_ATTN_H2O: st = h2o_step(att, li, pos, &lg, err); break;
    case LIL_ATTN_RAAS: st = raas_step(att, li, pos, &lg, err); break;
    }
    if (!st) st = set_base(att, li, lg, err);
  }
  return st ? st : att_flush_dirty(att, err);
}

lil_status att_book_end_step(lil_attention *att, lil_error *err) {
  (void)err;
  att_updates_clear(att);
  att->len++;
  lil_attn_policy_kind k = att->cfg.policy.kind;
  if (k != LIL_ATTN_H2O && k != LIL_ATTN_RAAS) return LIL_OK;
  const uint32_t *v = lil_buffer_host(att->victims);
  for (uint32_t li = 0; li < att->n_lists; li++) {
    kv_segment *s = seg_of(att, li);
    L_OF(att, li)->victim = v[s->victim + local_head(att, li)];
  }
  return LIL_OK;
}

uint32_t att_cached_positions(const lil_attention *att, uint32_t layer, uint32_t h, uint32_t *pos, uint32_t max) {
  const kv_list *l = &att->lists[layer * att->cfg.n_kv_heads + h];
  uint32_t n = 0, P = att->P;
  for (uint32_t e = 0; e < l->n; e++) {
    uint32_t j = l->page[e];
    for (uint32_t s = 0; s < P; s++)
      if (l->mask[j] & (1u << s)) {
        if (n < max) pos[n] = kv_slot_position(l, P, j, s);
        n++;
      }
  }
  return n;
}
