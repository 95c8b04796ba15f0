/* Internal state of lil_attention (shared by the attention sources and the white-box tests).
 *
 * Device state buffer (uint32 words, regions aligned to 64 words = 256 bytes, the largest
 * minStorageBufferOffsetAlignment Vulkan allows):
 *   header   [0] = position of the current step (raas stamps)
 *   per segment: table [nh * cap] (list entry -> segment-local page), count [nh], append_base [nh],
 *                mask / emask / ts [nh * cap] (by segment-local page), acc [nh * cap * P] (float)
 * A segment is (layer, KV heads h0..h0+nh-1): its K and V pools are one buffer each (split so no
 * binding exceeds max_binding). Segment-local page of local page j of head h: (h - h0) * cap + j.
 * The host owns every word except ts (raas stamps) and acc (h2o scores); it writes its changes into
 * a host-visible update list that the attn_update kernel applies at the start of each step. */
#ifndef LIL_ATTN_INTERNAL_H
#define LIL_ATTN_INTERNAL_H

#include "lil_attention.h"

#define ATT_NONE 0xffffffffu
#define ATT_ALIGN_WORDS 64u

typedef struct kv_list { /* one (layer, KV head) */
  uint32_t n;            /* list entries (pages) */
  uint32_t *page;        /* [cap] entry -> local page j */
  uint32_t *entry;       /* [cap] local page j -> entry (ATT_NONE: free) */
  uint32_t *mask;        /* [cap] valid slots by local page (mirror of the device mask) */
  uint32_t *emask;       /* [cap] h2o: evictable slots */
  uint32_t *first_pos;   /* [cap] position of slot 0 (in-order policies) */
  uint32_t *slot_pos;    /* [cap * P] h2o: position held by each slot */
  uint32_t *free_pages;  /* stack of free local pages */
  uint32_t n_free;
  uint32_t fill;         /* slots used in the tail page (entry n-1) */
  uint32_t n_valid;      /* valid tokens */
  uint32_t *blk;         /* window: block pos / P -> local page (ATT_NONE: evicted / none) */
  uint32_t evicted_upto; /* window: positions in [sink, evicted_upto) are evicted */
  uint32_t *ring;        /* h2o: location (j * P + slot) of position p at p % (recent + 1) */
  uint32_t victim;       /* h2o: logical slot index; raas: list entry (from the last step) */
  uint32_t n_protected;  /* raas: prompt pages */
} kv_list;

/* The position held by slot s of local page j (P slots a page). */
static inline uint32_t kv_slot_position(const kv_list *l, uint32_t P, uint32_t j, uint32_t s) {
  return l->slot_pos ? l->slot_pos[j * P + s] : l->first_pos[j] + s;
}

typedef struct kv_segment {
  uint32_t layer, h0, nh;
  lil_buffer *k, *v, *minmax;
  uint64_t table, count, base, mask, emask, ts, acc; /* word offsets in the state buffer */
  uint64_t scratch;                                  /* float offset in the h2o score scratch */
  uint64_t victim;                                   /* word offset in the victim buffer */
} kv_segment;

struct lil_attention {
  lil_ctx *ctx;
  lil_attention_config cfg;
  uint32_t G, P, cap, budget_pages, recent, n_splits, esize;
  uint32_t n_lists, n_segs, segs_per_layer;
  kv_list *lists; /* [layer * n_kv_heads + h] */
  kv_segment *segs;
  uint32_t *seg_of; /* [layer * n_kv_heads + h] -> segment */
  uint64_t state_words, scratch_floats, victim_words;
  lil_buffer *state;   /* device: tables, masks, ... */
  lil_buffer *sel;     /* device: quest selection, same layout as state (table, count regions) */
  lil_buffer *qscore;  /* device: quest page scores, same layout as state (table region) */
  lil_buffer *part;    /* device: split partials, (max, sum), lse, arrival counters (see part_*) */
  lil_buffer *plse;    /* device: prefill lse [max_prompt * n_heads] */
  lil_buffer *scratch; /* device: h2o raw scores */
  lil_buffer *updates; /* host-visible: update list */
  lil_buffer *victims; /* host-visible: per-head victims */
  lil_buffer *dummy;   /* small device buffer for unused bindings */
  uint64_t upd_cap;    /* pairs */
  uint32_t *upd_at;    /* [state_words] pair index + 1 of the word in the current list (0: none) */
  uint32_t *dirty;     /* [n_lists * cap] dirty flags: bit 0 mask, bit 1 emask */
  uint64_t *dirty_list; /* list * cap + j of dirty pages */
  uint64_t n_dirty;
  uint32_t len;        /* tokens seen */
  uint32_t in_prefill; /* tokens of the open prefill (0: none) */
  uint32_t prompt_len; /* raas: pages starting before it are protected */
  int in_step;
  uint64_t pages_in_use;
  /* part buffer layout (floats / words): O [S][n_heads][D] at 0, (max, sum) [S][n_heads] at
   * part_ml, decode lse [n_heads] at part_lse, arrival counters [n_kv_heads] (fused merge) at
   * part_arr; the last two 256-byte aligned */
  uint64_t part_ml, part_lse, part_arr;
  /* kernel variants (chosen at creation; $LIL_QUEST_SELECT, $LIL_ATTN_MERGE) */
  int fused_select;           /* quest/raas: quest_select (score + top-k in one dispatch) */
  uint32_t sel_wg, sel_ppb;   /* its workgroup size and pages per workgroup */
  int fused_merge;            /* decode: merge in the last split (no attn_merge dispatch) */
  int tree_merge;             /* separate merge: attn_merge_tree (else attn_merge) */
  uint32_t merge_wg, merge_qpw; /* attn_merge_tree: workgroup size, output quads per workgroup */
  int fused_minmax;           /* decode append: Quest min/max in kv_append (no kv_minmax dispatch) */
  int unfused_qk;             /* $LIL_ATTN_QK=separate: record_decode_qk records qk_norm_rope apart */
  int append_qk;              /* $LIL_ATTN_QK=append: the transform in kv_append, never in attn_decode */
  int prefill_cm;             /* prefill without earlier context on tensor cores (attn_prefill_cm_d*);
                               * $LIL_ATTN_PREFILL=scalar turns it off */
  uint32_t prefill_nw, prefill_kt; /* its subgroups per workgroup and keys per staged tile
                                    * ($LIL_ATTN_PREFILL=wNkT) */
  int prefill_cache;          /* ... reading K / V from the f16 paged cache (dense / quest, F16 KV;
                               * $LIL_ATTN_PREFILL=wNkTc), else from the F32 inputs */
  int prefill_pf;             /* ... with the next K / V tile prefetched into registers */
  int prefill_reg;            /* ... with the softmax in registers (NVIDIA's accumulator layout, checked) */
  int sel_splits_env;         /* $LIL_ATTN_SEL_SPLITS: -1 unset (auto), 0 off, else the count */
  char variant[128];          /* description for benchmarks */
};

/* Bookkeeping (attn_book.c). */
lil_status att_lists_init(lil_attention *att, lil_error *err);
void att_lists_free(lil_attention *att);
/* Queues state[word] = value for the next replay (a word queued twice keeps one pair, the last
 * value: the update kernel applies pairs in no particular order). */
lil_status att_update(lil_attention *att, uint64_t word, uint32_t value, lil_error *err);
/* Empties the update list (after the replay that applied it). */
void att_updates_clear(lil_attention *att);
/* Emits the current mask/emask of every page marked dirty, then clears the marks. */
lil_status att_flush_dirty(lil_attention *att, lil_error *err);
lil_status att_book_prefill(lil_attention *att, uint32_t n, lil_error *err);
lil_status att_book_end_prefill(lil_attention *att, lil_error *err);
lil_status att_book_step(lil_attention *att, uint32_t pos, lil_error *err);
lil_status att_book_end_step(lil_attention *att, lil_error *err);
/* Kernel variants and their shapes (attn_record.c): fills fused_select, sel_wg, sel_ppb,
 * fused_merge and variant from the device and the environment. */
void att_choose_variants(lil_attention *att);
/* Splits of the decode over quest's selection (<= n_splits; $LIL_ATTN_SEL_SPLITS). */
uint32_t att_sel_splits(const lil_attention *att);

/* Positions of the valid cached tokens of (layer, h) from the host mirror, in list order (entry,
 * slot); returns their number (at most max). For tests and the reference. */
uint32_t att_cached_positions(const lil_attention *att, uint32_t layer, uint32_t h, uint32_t *pos,
                              uint32_t max);

#endif
