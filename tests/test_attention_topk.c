/* Quest page selection (quest_select.comp, and the quest_score + page_topk pair) against the CPU
 * reference top-k (attn_ref_topk: newest page forced in, ties to the lower list index), with
 * scores set exactly: page size 1, F32 keys, q = (1, 0, ..., 0) per head and every other key
 * element negative, so a page's score is its key's first element bit for bit (the other terms
 * are -0.0). Heavy ties, all-equal scores, -0.0 next to +0.0, scores a few ulps apart (all three
 * radix passes), page counts that are not multiples of the workgroup, budgets larger than the
 * context, lists longer than the shared-memory key cache; every variant ($LIL_QUEST_SELECT). The
 * decode output over the selected pages is checked too (fused merge over many splits).
 * Tolerance: scores exact, selection exact, outputs 2e-3 abs + 2e-3 rel. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attn_internal.h"
#include "attn_ref.h"
#include "test_common.h"
#include "test_vk_common.h"

enum { D = 8 };

/* First key element of token t of head h. */
static float score_value(int mode, uint32_t t, uint32_t h, uint64_t *rng) {
  switch (mode) {
  case 0: return test_rand_uniform(rng, -4.0f, 4.0f);                   /* distinct */
  case 1: return (float)((t * 7 + h * 3 + (uint32_t)(*rng % 3)) % 4); /* heavy ties */
  case 2: return 1.5f;                                                  /* all equal */
  case 3: return (t * 2654435761u + h) % 3 == 0 ? -0.0f : (t % 5 == 0 ? 0.5f : 0.0f); /* -0.0 vs +0.0 */
  default: return 1.0f + (float)((t * 37u + h) % 1000) * 0x1p-23f;   /* ulps apart: all radix passes */
  }
}

static void run_case(uint32_t H, uint32_t n, uint32_t budget, int mode, const char *variant) {
  if (variant) setenv("LIL_QUEST_SELECT", variant, 1);
  else unsetenv("LIL_QUEST_SELECT");
  lil_ctx *ctx = test_ctx_create();
  lil_attention_config c;
  lil_attention_config_default(&c);
  c.n_layers = 1, c.n_heads = H, c.n_kv_heads = H, c.head_dim = D, c.max_ctx = n + 2, c.max_prompt = n;
  c.page_size = 1, c.kv_type = LIL_KV_F32;
  c.policy.kind = LIL_ATTN_QUEST, c.policy.budget = budget, c.policy.dense_layers = 0;
  lil_attention *att;
  lil_error err = {0};
  ck_assert_msg(!lil_attention_create(ctx, &c, &att, &err), "create: %s", err.msg);
  uint64_t rng = test_seed() ^ (n * 131u + budget * 7u + (uint64_t)mode);
  uint32_t T = n + 1, row = H * D;
  float *K = malloc((uint64_t)T * row * 4), *V = malloc((uint64_t)T * row * 4), *Q = calloc(row, 4);
  for (uint32_t t = 0; t < T; t++)
    for (uint32_t h = 0; h < H; h++) {
      float *k = K + ((uint64_t)t * H + h) * D;
      k[0] = score_value(mode, t, h, &rng);
      for (uint32_t d = 1; d < D; d++) k[d] = test_rand_uniform(&rng, -1.0f, -0.01f);
      for (uint32_t d = 0; d < D; d++) V[((uint64_t)t * H + h) * D + d] = test_rand_uniform(&rng, -1.0f, 1.0f);
    }
  for (uint32_t h = 0; h < H; h++) Q[h * D] = 1.0f;
  /* the prompt: n tokens appended, no prefill attention */
  lil_buffer *bk = test_buffer(ctx, LIL_MEM_ACTIVATIONS, (uint64_t)T * row * 4);
  lil_buffer *bv = test_buffer(ctx, LIL_MEM_ACTIVATIONS, (uint64_t)T * row * 4);
  lil_buffer *bq = test_buffer(ctx, LIL_MEM_ACTIVATIONS, row * 4), *bo = test_buffer(ctx, LIL_MEM_ACTIVATIONS, row * 4);
  test_upload(bk, K, (uint64_t)T * row * 4), test_upload(bv, V, (uint64_t)T * row * 4), test_upload(bq, Q, row * 4);
  test_poison(bo);
  lil_seq *pre, *step;
  ck_assert(!lil_seq_create(ctx, &pre, &err) && !lil_seq_create(ctx, &step, &err));
  ck_assert_msg(!lil_attention_begin_prefill(att, 0, n, &err), "begin_prefill: %s", err.msg);
  lil_binding pk = {bk, 0, (uint64_t)n * row * 4}, pv = {bv, 0, (uint64_t)n * row * 4};
  ck_assert_msg(!lil_attention_record_append(att, pre, 0, pk, pv, n, 0, &err), "append: %s", err.msg);
  ck_assert_msg(!lil_seq_run(pre, &err), "prefill: %s", err.msg);
  ck_assert(!lil_attention_end_prefill(att, &err));
  /* one decode step: token n (the newest page) */
  lil_binding dq = {bq, 0, row * 4}, dout = {bo, 0, row * 4};
  lil_binding dk = {bk, (uint64_t)n * row * 4, row * 4}, dv = {bv, (uint64_t)n * row * 4, row * 4};
  ck_assert_msg(!lil_attention_record_decode(att, step, 0, dq, dk, dv, dout, &err), "record: %s", err.msg);
  ck_assert_msg(!lil_attention_begin_step(att, n, &err), "begin_step: %s", err.msg);
  ck_assert_msg(!lil_seq_run(step, &err), "step: %s", err.msg);
  uint32_t *sel = malloc(att->state_words * 4);
  float *qsc = malloc(att->state_words * 4), *out = malloc(row * 4), *want = malloc(D * 4), *s = malloc(T * 4);
  uint32_t *ref = malloc(T * 4);
  float *keys = malloc((uint64_t)T * D * 4), *vals = malloc((uint64_t)T * D * 4);
  test_download(att->sel, sel, att->state_words * 4);
  test_download(att->qscore, qsc, att->state_words * 4);
  test_download(bo, out, row * 4);
  for (uint32_t h = 0; h < H; h++) {
    kv_list *kl = &att->lists[h];
    kv_segment *sg = &att->segs[att->seg_of[h]];
    uint32_t hl = h - sg->h0;
    ck_assert_uint_eq(kl->n, T);
    for (uint32_t e = 0; e < T; e++) {
      uint32_t pos = kl->first_pos[kl->page[e]];
      s[e] = K[((uint64_t)pos * H + h) * D];
      float got = qsc[sg->table + (uint64_t)hl * att->cap + e];
      if (e + 1 < T) /* the newest page's score is not used */
        ck_assert_msg(got == s[e], "%s n %u mode %d h %u: score of entry %u %g, want %g", variant ? variant : "default",
                      n, mode, h, e, (double)got, (double)s[e]);
    }
    uint32_t k = attn_ref_topk(s, T, att->budget_pages, ref);
    ck_assert_msg(sel[sg->count + hl] == k, "%s n %u budget %u mode %d h %u: %u selected, want %u",
                  variant ? variant : "default", n, budget, mode, h, sel[sg->count + hl], k);
    for (uint32_t i = 0; i < k; i++) {
      uint32_t got = sel[sg->table + (uint64_t)hl * att->cap + i], exp_page = hl * att->cap + kl->page[ref[i]];
      ck_assert_msg(got == exp_page, "%s n %u budget %u mode %d h %u: selection #%u is page %u, want %u (entry %u)",
                    variant ? variant : "default", n, budget, mode, h, i, got, exp_page, ref[i]);
      uint32_t pos = kl->first_pos[kl->page[ref[i]]];
      memcpy(keys + (uint64_t)i * D, K + ((uint64_t)pos * H + h) * D, D * 4);
      memcpy(vals + (uint64_t)i * D, V + ((uint64_t)pos * H + h) * D, D * 4);
    }
    attn_ref_attend(Q + h * D, keys, vals, k, 1, D, 1.0f / sqrtf((float)D), want, NULL);
    for (uint32_t d = 0; d < D; d++)
      ck_assert_msg(fabsf(out[h * D + d] - want[d]) <= 2e-3f + 2e-3f * fabsf(want[d]),
                    "n %u mode %d h %u: output[%u] %g, want %g", n, mode, h, d, (double)out[h * D + d], (double)want[d]);
  }
  ck_assert(!lil_attention_end_step(att, &err));
  free(sel), free(qsc), free(out), free(want), free(s), free(ref), free(keys), free(vals), free(K), free(V), free(Q);
  lil_seq_free(pre), lil_seq_free(step);
  lil_buffer_free(bk), lil_buffer_free(bv), lil_buffer_free(bq), lil_buffer_free(bo);
  lil_attention_free(att);
  test_ctx_free(ctx);
  unsetenv("LIL_QUEST_SELECT");
}

static const char *variants[] = {NULL, "fused,64,64", "split"};

/* Small lists: budgets above the context, k = pages - 1, k = 1, odd page counts. */
START_TEST(test_topk_small) {
  const char *v = variants[_i];
  run_case(2, 1, 4, 0, v);    /* 2 pages, budget 4 */
  run_case(3, 6, 3, 1, v);    /* 7 pages */
  run_case(2, 32, 8, 2, v);   /* all equal: the newest + the 7 lowest entries */
  run_case(1, 33, 1, 0, v);   /* k = 1: only the newest page */
  run_case(2, 254, 64, 3, v); /* -0.0 / +0.0 ties */
  run_case(1, 300, 300, 4, v); /* k = pages - 1 */
  run_case(2, 300, 400, 1, v); /* budget above the context: every page, in order */
}
END_TEST

/* Long lists: the benchmark's 2048 pages / 128 picks, and more pages than the shared key cache. */
START_TEST(test_topk_long) {
  const char *v = variants[_i];
  run_case(1, 2047, 128, 0, v);
  run_case(2, 999, 128, 1, v);
  run_case(1, 1500, 200, 4, v);
  run_case(1, 6500, 128, 1, v);  /* > KCAP on 32 KiB of shared memory (5632 keys) */
  run_case(1, 6500, 333, 4, v);
}
END_TEST

Suite *topk_suite(void) {
  Suite *s = suite_create("attention_topk");
  TCase *t = tcase_create("gpu");
  tcase_set_timeout(t, 300);
  tcase_add_loop_test(t, test_topk_small, 0, 3);
  tcase_add_loop_test(t, test_topk_long, 0, 3);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(topk_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}
