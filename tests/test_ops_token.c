/* Argmax and seeded sampling on the GPU against CPU references: ids written to out, to the ring
 * (count word + slot step % capacity) and to next_ids; lowest index wins ties; GPU and CPU sampling
 * (lil_sampling_ref.c, same RNG) pick the same token for fixed seeds on random well-separated logits
 * (distinct values 20/n_vocab apart, so no float ties); temperature 0 and top-k 1 give the argmax;
 * the sampled frequencies of a small vocabulary match softmax(logits / T) within 5 sigma. Exact
 * comparisons: ids are integers. */
#include <math.h>
#include <string.h>

#include "lil_ops_token.h"
#include "test_ops_util.h"

#define POISON 0x7fc0deadu

typedef struct token_bufs {
  lil_buffer *params, *out, *ring, *next, *scratch, *logits;
  lil_binding ring_b, next_b;
  lil_token_out o;
} token_bufs;

static void bufs_create(lil_ctx *ctx, token_bufs *t, uint32_t n_vocab, uint32_t n_rows, uint64_t scratch_bytes,
                        uint32_t cap) {
  memset(t, 0, sizeof(*t));
  t->params = test_buffer(ctx, LIL_MEM_READBACK, 16);
  t->out = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 64 * 4);
  t->ring = test_buffer(ctx, LIL_MEM_READBACK, (1 + cap) * 4);
  t->next = test_buffer(ctx, LIL_MEM_ACTIVATIONS, 64 * 4);
  t->scratch = test_buffer(ctx, LIL_MEM_ACTIVATIONS, scratch_bytes);
  t->logits = test_buffer(ctx, LIL_MEM_ACTIVATIONS, (uint64_t)n_vocab * n_rows * 4);
  test_poison(t->out);
  test_poison(t->next);
  test_poison(t->scratch);
  uint32_t *r = lil_buffer_host(t->ring);
  r[0] = 0;
  for (uint32_t i = 1; i <= cap; i++) r[i] = POISON;
  t->ring_b = tb(t->ring);
  t->next_b = tb(t->next);
  t->o = (lil_token_out){.params = tb(t->params), .step_index = 2, .out = tb(t->out), .out_index = 5,
                         .ring = &t->ring_b, .ring_capacity = cap, .next_ids = &t->next_b, .next_index = 1};
}

static void bufs_free(token_bufs *t) {
  lil_buffer_free(t->params), lil_buffer_free(t->out), lil_buffer_free(t->ring);
  lil_buffer_free(t->next), lil_buffer_free(t->scratch), lil_buffer_free(t->logits);
}

static void set_step(token_bufs *t, uint32_t step) {
  uint32_t *p = lil_buffer_host(t->params);
  p[0] = 1111, p[1] = 2222, p[2] = step, p[3] = 3333;
}

/* Checks out[5 + t], next[1 + t], ring slots and count for the ids of rows 0..n-1 at this step. */
static void check_dest(token_bufs *t, const uint32_t *want, uint32_t n, uint32_t step, uint32_t cap) {
  uint32_t out[64], next[64];
  test_download(t->out, out, sizeof(out));
  test_download(t->next, next, sizeof(next));
  const uint32_t *ring = lil_buffer_host(t->ring);
  for (uint32_t r = 0; r < n; r++) {
    ck_assert_msg(out[5 + r] == want[r], "out row %u: got %u want %u", r, out[5 + r], want[r]);
    ck_assert_msg(next[1 + r] == want[r], "next row %u: got %u want %u", r, next[1 + r], want[r]);
    ck_assert_msg(ring[1 + (step + r) % cap] == want[r], "ring slot of step %u: got %u want %u", step + r,
                  ring[1 + (step + r) % cap], want[r]);
  }
  ck_assert_uint_eq(out[4], POISON);
  ck_assert_uint_eq(out[5 + n], POISON);
  ck_assert_uint_eq(next[0], POISON);
  ck_assert_uint_eq(next[1 + n], POISON);
  ck_assert_uint_eq(ring[0], step + n);
}

static uint32_t argmax_ref(const float *l, uint32_t n) {
  uint32_t best = 0;
  for (uint32_t j = 1; j < n; j++)
    if (!isnan(l[j]) && (isnan(l[best]) || l[j] > l[best])) best = j;
  return best;
}

START_TEST(test_argmax) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_create();
  lil_error err = {0};
  static const uint32_t vocabs[] = {1, 7, 5003, 32001};
  static const uint32_t rows[] = {1, 3};
  const uint32_t cap = 5;
  for (int vi = 0; vi < 4; vi++)
    for (int ri = 0; ri < 2; ri++) {
      uint32_t nv = vocabs[vi], n = rows[ri];
      token_bufs t;
      bufs_create(ctx, &t, nv, n, lil_op_argmax_scratch_bytes(ctx, nv, n), cap);
      lil_seq *s = test_seq(ctx);
      TEST_OK(lil_op_argmax(ctx, s, tb(t.logits), nv, n, 0, tb(t.scratch), &t.o, &err));
      /* replay the same recording for three steps with new logits, as decoding does */
      for (uint32_t step = 3; step < 3 + 3 * n; step += n) {
        float *l = test_rand_floats(&rng, (size_t)nv * n, -10.0f, 10.0f);
        uint32_t want[3];
        for (uint32_t r = 0; r < n; r++) {
          float *lr = l + (size_t)r * nv;
          if (nv > 2) lr[test_rand_u32(&rng) % nv] = NAN;
          if (r == 1 && nv > 10) { /* a tie at the top: the lower index wins */
            uint32_t a = test_rand_u32(&rng) % nv, b = test_rand_u32(&rng) % nv;
            lr[a] = lr[b] = 11.0f;
          }
          if (r == 2) /* all -inf but one NaN: index 0 (the NaN ranks lowest) */
            for (uint32_t j = 0; j < nv; j++) lr[j] = j == 0 && nv > 1 ? NAN : -INFINITY;
          want[r] = argmax_ref(lr, nv);
          if (r == 2) want[r] = nv > 1 ? 1 : 0;
        }
        test_upload(t.logits, l, (size_t)nv * n * 4);
        set_step(&t, step);
        lil_error e2 = {0};
        ck_assert_msg(lil_seq_run(s, &e2) == LIL_OK, "run: %s", e2.msg);
        check_dest(&t, want, n, step, cap);
        free(l);
      }
      lil_seq_free(s);
      bufs_free(&t);
    }
  test_ctx_free(ctx);
}
END_TEST

/* Distinct logits 20/nv apart in a random order. */
static float *separated_logits(uint64_t *rng, uint32_t nv) {
  float *l = malloc((size_t)nv * 4);
  uint32_t *perm = malloc((size_t)nv * 4);
  for (uint32_t j = 0; j < nv; j++) perm[j] = j;
  for (uint32_t j = nv - 1; j > 0; j--) {
    uint32_t k = test_rand_u32(rng) % (j + 1), tmp = perm[j];
    perm[j] = perm[k], perm[k] = tmp;
  }
  for (uint32_t j = 0; j < nv; j++) l[j] = (float)perm[j] * (20.0f / (float)nv) - 10.0f;
  free(perm);
  return l;
}

START_TEST(test_sample_matches_reference) {
  uint64_t rng = test_seed();
  lil_ctx *ctx = test_ctx_create();
  lil_error err = {0};
  static const lil_sampling_params sps[] = {
      {0.8f, 40, 0.9f, 0.05f}, {1.0f, 0, 1.0f, 0.0f}, {1.5f, 256, 0.95f, 0.0f},
      {0.7f, 7, 1.0f, 0.1f},   {0.0f, 0, 0.9f, 0.0f}, {2.0f, 1, 1.0f, 0.0f}, {5.0f, 100, 0.5f, 0.01f}};
  static const uint32_t vocabs[] = {7, 5003, 32001};
  const uint32_t cap = 4, n = 3;
  uint32_t differ = 0;
  for (size_t c = 0; c < sizeof(sps) / sizeof(sps[0]); c++)
    for (int vi = 0; vi < 3; vi++) {
      uint32_t nv = vocabs[vi];
      if (nv == 32001 && c % 2) continue; /* keep it small */
      uint64_t seed = ((uint64_t)test_rand_u32(&rng) << 32) | test_rand_u32(&rng);
      token_bufs t;
      bufs_create(ctx, &t, nv, n, lil_op_sample_scratch_bytes(ctx, nv, n, &sps[c]), cap);
      lil_seq *s = test_seq(ctx);
      TEST_OK(lil_op_sample(ctx, s, tb(t.logits), nv, n, 0, tb(t.scratch), &sps[c], seed, &t.o, &err));
      for (uint32_t step = 0; step < 2 * n; step += n) {
        float *l = malloc((size_t)nv * n * 4);
        for (uint32_t r = 0; r < n; r++) {
          float *one = separated_logits(&rng, nv);
          memcpy(l + (size_t)r * nv, one, (size_t)nv * 4);
          free(one);
        }
        uint32_t want[3];
        for (uint32_t r = 0; r < n; r++) {
          want[r] = lil_sample_ref(l + (size_t)r * nv, nv, &sps[c], seed, step + r);
          if (sps[c].temperature <= 0 || sps[c].top_k == 1) ck_assert_uint_eq(want[r], argmax_ref(l + (size_t)r * nv, nv));
        }
        test_upload(t.logits, l, (size_t)nv * n * 4);
        set_step(&t, step);
        lil_error e2 = {0};
        ck_assert_msg(lil_seq_run(s, &e2) == LIL_OK, "run: %s", e2.msg);
        check_dest(&t, want, n, step, cap);
        for (uint32_t r = 0; r < n; r++) differ += want[r] != argmax_ref(l + (size_t)r * nv, nv);
        free(l);
      }
      lil_seq_free(s);
      bufs_free(&t);
    }
  ck_assert_msg(differ > 5, "sampling almost always returned the argmax (%u non-argmax picks)", differ);
  test_ctx_free(ctx);
}
END_TEST

START_TEST(test_sample_ties_and_greedy) {
  lil_ctx *ctx = test_ctx_create();
  lil_error err = {0};
  const uint32_t nv = 5003, cap = 4;
  float *l = malloc(nv * 4);
  for (uint32_t j = 0; j < nv; j++) l[j] = (float)(j % 97) * 0.01f;
  l[4000] = l[1234] = l[3000] = 5.0f; /* three-way tie at the top */
  static const lil_sampling_params sps[] = {{0.0f, 0, 1.0f, 0.0f}, {1.0f, 1, 1.0f, 0.0f}, {1e-6f, 50, 1.0f, 0.0f}};
  for (int c = 0; c < 3; c++) {
    token_bufs t;
    bufs_create(ctx, &t, nv, 1, lil_op_sample_scratch_bytes(ctx, nv, 1, &sps[c]), cap);
    test_upload(t.logits, l, nv * 4);
    set_step(&t, 9);
    lil_seq *s = test_seq(ctx);
    TEST_OK(lil_op_sample(ctx, s, tb(t.logits), nv, 1, 0, tb(t.scratch), &sps[c], 42, &t.o, &err));
    test_run_free(s);
    /* temperature 1e-6 is not greedy by definition, but only the tied top survives exp(): each of the
     * three has probability 1/3, so the draw may pick any of them */
    uint32_t want = 1234;
    if (c == 2) want = lil_sample_ref(l, nv, &sps[c], 42, 9);
    ck_assert_uint_eq(lil_sample_ref(l, nv, &sps[c], 42, 9), want);
    if (c == 2) ck_assert(want == 1234 || want == 3000 || want == 4000);
    uint32_t w[1] = {want};
    check_dest(&t, w, 1, 9, cap);
    bufs_free(&t);
  }
  free(l);
  test_ctx_free(ctx);
}
END_TEST

/* 256 rows of the same 7 logits, one draw each (steps 0..255): frequencies near softmax(l / T). */
START_TEST(test_sample_statistics) {
  lil_ctx *ctx = test_ctx_create();
  lil_error err = {0};
  const uint32_t nv = 7, n = 256;
  const float base[7] = {0.0f, 1.0f, 0.5f, -1.0f, 2.0f, 0.2f, -3.0f};
  lil_sampling_params sp = {1.3f, 0, 1.0f, 0.0f};
  float *l = malloc((size_t)nv * n * 4);
  for (uint32_t r = 0; r < n; r++) memcpy(l + (size_t)r * nv, base, sizeof(base));
  lil_buffer *bl = test_floats_buffer(ctx, l, (size_t)nv * n);
  lil_buffer *params = test_buffer(ctx, LIL_MEM_READBACK, 16), *out = test_buffer(ctx, LIL_MEM_ACTIVATIONS, n * 4);
  lil_buffer *scratch = test_buffer(ctx, LIL_MEM_ACTIVATIONS, lil_op_sample_scratch_bytes(ctx, nv, n, &sp));
  memset(lil_buffer_host(params), 0, 16);
  test_poison(out);
  lil_token_out o = {.params = tb(params), .out = tb(out)};
  lil_seq *s = test_seq(ctx);
  TEST_OK(lil_op_sample(ctx, s, tb(bl), nv, n, 0, tb(scratch), &sp, 0x1234567890abcdefull, &o, &err));
  test_run_free(s);
  uint32_t ids[256], hist[7] = {0};
  test_download(out, ids, sizeof(ids));
  for (uint32_t r = 0; r < n; r++) {
    ck_assert_uint_lt(ids[r], nv);
    ck_assert_uint_eq(ids[r], lil_sample_ref(base, nv, &sp, 0x1234567890abcdefull, r));
    hist[ids[r]]++;
  }
  double z = 0;
  for (uint32_t j = 0; j < nv; j++) z += exp(base[j] / 1.3);
  for (uint32_t j = 0; j < nv; j++) {
    double p = exp(base[j] / 1.3) / z, mean = p * n, sd = sqrt(n * p * (1 - p));
    ck_assert_msg(fabs(hist[j] - mean) <= 5 * sd + 1, "token %u drawn %u times, expected %.1f", j, hist[j], mean);
  }
  /* the RNG itself: uniform in [0, 1) */
  double sum = 0;
  for (uint32_t i = 0; i < 100000; i++) {
    float u = lil_sampling_uniform(7, i);
    ck_assert(u >= 0.0f && u < 1.0f);
    sum += u;
  }
  ck_assert_msg(fabs(sum / 100000 - 0.5) < 0.005, "uniform mean %g", sum / 100000);
  lil_buffer_free(bl), lil_buffer_free(params), lil_buffer_free(out), lil_buffer_free(scratch);
  free(l);
  test_ctx_free(ctx);
}
END_TEST

START_TEST(test_token_bad_args) {
  lil_ctx *ctx = test_ctx_create();
  lil_error err = {0};
  token_bufs t;
  bufs_create(ctx, &t, 100, 1, 16, 4);
  lil_seq *s = test_seq(ctx);
  lil_sampling_params sp = {1.0f, 300, 1.0f, 0.0f};
  ck_assert_int_eq(lil_op_sample(ctx, s, tb(t.logits), 100, 1, 0, tb(t.scratch), &sp, 1, &t.o, &err),
                   LIL_ERR_UNSUPPORTED);
  sp.top_k = 10;
  ck_assert_int_eq(lil_op_sample(ctx, s, tb(t.logits), 100, 1, 0, tb(t.scratch), &sp, 1, &t.o, &err), LIL_ERR_RANGE);
  t.o.ring_capacity = 1000; /* ring buffer holds 5 words */
  ck_assert_int_eq(lil_op_argmax(ctx, s, tb(t.logits), 100, 1, 0, tb(t.scratch), &t.o, &err), LIL_ERR_RANGE);
  ck_assert_uint_eq(lil_seq_dispatch_count(s), 0);
  lil_seq_free(s);
  bufs_free(&t);
  test_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *su = suite_create("ops_token");
  TCase *tc = tcase_create("token");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_argmax);
  tcase_add_test(tc, test_sample_matches_reference);
  tcase_add_test(tc, test_sample_ties_and_greedy);
  tcase_add_test(tc, test_sample_statistics);
  tcase_add_test(tc, test_token_bad_args);
  suite_add_tcase(su, tc);
  return test_run_suite(su);
}
