/* Host-side simulation of the KV-cache bookkeeping over thousands of steps (no kernels run): the
 * GPU's eviction victims are simulated (a random valid candidate), every update list is applied to
 * a host replica of the device state, and after each step the replica must match the host mirror
 * (tables, counts, masks, append slot), the policy's invariants must hold, and memory must stay
 * within the budget. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attn_internal.h"
#include "test_common.h"
#include "test_vk_common.h"

/* Check records every passing ck_assert (a write per call): hot loops test with these instead. */
#define REQ(c) do { if (!(c)) ck_abort_msg("line %d: %s", __LINE__, #c); } while (0)
#define REQ_EQ(a, b) do { unsigned long long a_ = (a), b_ = (b); if (a_ != b_) ck_abort_msg("line %d: %s = %llu != %s = %llu", __LINE__, #a, a_, #b, b_); } while (0)

/* The GPU applies the pairs in parallel, in no order: a word must not appear twice in a list. */
static void apply_updates(lil_attention *a, uint32_t *replica) {
  const uint32_t *u = lil_buffer_host(a->updates);
  uint8_t *seen = calloc(a->state_words, 1);
  for (uint32_t i = 0; i < u[0]; i++) {
    REQ(u[4 + 2 * i] < a->state_words);
    REQ(!seen[u[4 + 2 * i]]);
    seen[u[4 + 2 * i]] = 1;
    replica[u[4 + 2 * i]] = u[5 + 2 * i];
  }
  free(seen);
}

static void check_list(lil_attention *a, const uint32_t *rep, uint32_t li, uint32_t pos) {
  kv_list *l = &a->lists[li];
  kv_segment *s = &a->segs[a->seg_of[li]];
  uint32_t hl = li % a->cfg.n_kv_heads - s->h0, P = a->P;
  REQ_EQ(rep[s->count + hl], l->n);
  REQ_EQ(l->n + l->n_free, a->cap);
  uint32_t valid = 0;
  for (uint32_t e = 0; e < l->n; e++) {
    uint32_t j = l->page[e];
    REQ_EQ(l->entry[j], e);
    REQ_EQ(rep[s->table + hl * a->cap + e], hl * a->cap + j);
    REQ_EQ(rep[s->mask + hl * a->cap + j], l->mask[j]);
    if (l->emask) REQ_EQ(rep[s->emask + hl * a->cap + j], l->emask[j]);
    REQ(l->mask[j] != 0 || e == l->n - 1 || a->cfg.policy.kind == LIL_ATTN_H2O);
    valid += (uint32_t)__builtin_popcount(l->mask[j]);
  }
  REQ_EQ(valid, l->n_valid);
  /* the append slot holds the newest position */
  uint32_t b = rep[s->base + hl], j = l->page[b / P];
  REQ(l->mask[j] & (1u << (b % P)));
  REQ_EQ(kv_slot_position(l, P, j, b % P), pos);
}

static void simulate(lil_attn_policy_kind kind, uint32_t P, uint32_t budget, uint32_t prompt, uint32_t steps) {
  lil_ctx *ctx = test_ctx_create();
  lil_attention_config c;
  lil_attention_config_default(&c);
  c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 2, c.head_dim = 16, c.max_ctx = prompt + steps + 1;
  c.max_prompt = prompt, c.page_size = P, c.policy.kind = kind, c.policy.budget = budget;
  c.policy.sink = 4, c.policy.recent = budget / 4;
  lil_attention *a;
  lil_error err = {0};
  ck_assert_msg(!lil_attention_create(ctx, &c, &a, &err), "%s", err.msg);
  uint32_t *rep = calloc(a->state_words, 4), *pos = malloc(c.max_ctx * 4);
  uint64_t rng = test_seed();
  REQ(!lil_attention_begin_prefill(a, 0, prompt, &err));
  apply_updates(a, rep);
  REQ(!lil_attention_end_prefill(a, &err));
  apply_updates(a, rep); /* post-prompt eviction, applied with the first step */
  uint64_t max_bytes = 0;
  for (uint32_t t = 0; t < steps; t++) {
    uint32_t p = prompt + t;
    if (lil_attention_begin_step(a, p, &err)) ck_abort_msg("step %u: %s", t, err.msg);
    apply_updates(a, rep);
    REQ_EQ(rep[0], p);
    for (uint32_t li = 0; li < a->n_lists; li++) {
      check_list(a, rep, li, p);
      kv_list *l = &a->lists[li];
      uint32_t n = att_cached_positions(a, li / 2, li % 2, pos, c.max_ctx);
      REQ_EQ(n, l->n_valid);
      uint8_t *has = calloc(p + 1, 1);
      for (uint32_t i = 0; i < n; i++) {
        REQ(pos[i] <= p);
        REQ(!has[pos[i]]);
        has[pos[i]] = 1;
      }
      REQ(has[p]);
      switch (kind) {
      case LIL_ATTN_DENSE: REQ_EQ(n, p + 1); break;
      case LIL_ATTN_WINDOW:
        for (uint32_t x = 0; x <= p; x++)
          REQ_EQ(has[x], x < 4 || x + (budget - 4) > p);
        break;
      case LIL_ATTN_H2O:
        REQ(n <= budget);
        for (uint32_t x = p + 1 > a->recent ? p + 1 - a->recent : 0; x <= p; x++) REQ(has[x]);
        break;
      case LIL_ATTN_RAAS:
        REQ(l->n - l->n_protected <= a->budget_pages);
        for (uint32_t x = 0; x < prompt; x++) REQ(has[x]);
        break;
      default: break;
      }
      free(has);
      /* simulated GPU victim */
      uint32_t *vict = lil_buffer_host(a->victims);
      kv_segment *s = &a->segs[a->seg_of[li]];
      uint32_t hl = li % 2 - s->h0, choice = ATT_NONE, seen = 0;
      if (kind == LIL_ATTN_H2O) {
        for (uint32_t u = 0; u < l->n * P; u++) {
          uint32_t j = l->page[u / P], bit = 1u << (u % P);
          if ((l->mask[j] & bit) && (l->emask[j] & bit) && test_rand_u32(&rng) % ++seen == 0) choice = u;
        }
      } else if (kind == LIL_ATTN_RAAS) {
        for (uint32_t e = 0; e < l->n; e++)
          if (l->first_pos[l->page[e]] >= a->prompt_len && test_rand_u32(&rng) % ++seen == 0) choice = e;
      }
      vict[s->victim + hl] = choice;
    }
    REQ(!lil_attention_end_step(a, &err));
    if (lil_attention_kv_bytes(a) > max_bytes) max_bytes = lil_attention_kv_bytes(a);
  }
  uint64_t page = 2ull * P * 16 * 2 + (kind == LIL_ATTN_RAAS ? 2 * 16 * 2 : 0);
  uint64_t bound = kind == LIL_ATTN_WINDOW ? ((budget + P - 1) / P + 2) * page
                 : kind == LIL_ATTN_H2O    ? (uint64_t)budget * page
                 : kind == LIL_ATTN_RAAS   ? ((prompt + P - 1) / P + a->budget_pages) * page
                                           : UINT64_MAX;
  ck_assert_msg(max_bytes <= bound * a->n_lists, "%s: %llu bytes > %llu", lil_attn_policy_name(kind),
                (unsigned long long)max_bytes, (unsigned long long)(bound * a->n_lists));
  if (kind == LIL_ATTN_H2O) /* tokens are bounded exactly; pages by the budget */
    for (uint32_t li = 0; li < a->n_lists; li++) REQ_EQ(a->lists[li].n_valid, budget);
  free(rep), free(pos);
  lil_attention_free(a);
  test_ctx_free(ctx);
}

START_TEST(test_book_dense) { simulate(LIL_ATTN_DENSE, 16, 0, 37, 2000); }
END_TEST
START_TEST(test_book_window) {
  simulate(LIL_ATTN_WINDOW, 16, 100, 300, 5000);
  simulate(LIL_ATTN_WINDOW, 4, 33, 7, 5000);
}
END_TEST
START_TEST(test_book_h2o) {
  simulate(LIL_ATTN_H2O, 16, 100, 50, 5000);
  simulate(LIL_ATTN_H2O, 4, 30, 7, 5000);
}
END_TEST
START_TEST(test_book_raas) {
  simulate(LIL_ATTN_RAAS, 16, 64, 50, 5000);
  simulate(LIL_ATTN_RAAS, 4, 16, 7, 5000);
}
END_TEST

Suite *book_suite(void) {
  Suite *s = suite_create("attention_book");
  TCase *t = tcase_create("host");
  tcase_set_timeout(t, 120);
  tcase_add_test(t, test_book_dense);
  tcase_add_test(t, test_book_window);
  tcase_add_test(t, test_book_h2o);
  tcase_add_test(t, test_book_raas);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return test_run_suite(book_suite());
}
