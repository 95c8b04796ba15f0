/* Soak (docs/reliability.md): long generations with each sparse attention policy and the Guardian
 * on; device memory must stay flat after warm-up, host memory must not grow beyond the generated
 * ids and the Guardian's per-check records, and the validation layer must stay silent.
 *
 * Environment: LIL_SOAK_TOKENS (default 600 per policy; the GPU version: 100000),
 * LIL_SOAK_MODEL (default the bundled stories260K), LIL_SOAK_POLICIES (default
 * "window,quest,h2o,raas"), LIL_SOAK_BUDGET (default 64 tokens). One line per policy on stderr:
 * tokens, speed, device memory by role, resident memory. tools/gpu-soak.sh runs the long version. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lil_generate.h"
#include "lil_guardian_monitor.h"
#include "lil_model.h"
#include "lil_tokenizer.h"
#include "test_common.h"
#include "test_vk_common.h"

static uint32_t env_u32(const char *name, uint32_t def) {
  const char *v = getenv(name);
  return v && *v ? (uint32_t)strtoul(v, NULL, 10) : def;
}

static uint64_t rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long pages = 0, res = 0;
  if (f) {
    if (fscanf(f, "%lu %lu", &pages, &res) != 2) res = 0;
    fclose(f);
  }
  return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

typedef struct sampler {
  lil_ctx *ctx;
  uint64_t n, warm, every;
  uint64_t dev_warm, dev_min, dev_max, rss_warm, rss_max;
  uint64_t role_warm[3];
  uint32_t buffers_warm, moved; /* samples where a role's bytes or the buffer count differed */
} sampler;

/* Every generated token: after warm-up, device bytes and resident memory sampled every so often. */
static int on_token(void *user, int32_t id) {
  (void)id;
  sampler *s = user;
  s->n++;
  if (s->n < s->warm || (s->n - s->warm) % s->every) return 0;
  uint64_t dev = lil_ctx_device_bytes(s->ctx), rss = rss_bytes();
  if (s->n == s->warm) {
    s->dev_warm = s->dev_min = s->dev_max = dev;
    s->rss_warm = s->rss_max = rss;
    for (int r = 0; r < 3; r++) s->role_warm[r] = lil_ctx_role_bytes(s->ctx, (lil_mem_role)r);
    s->buffers_warm = lil_ctx_buffer_count(s->ctx);
  }
  for (int r = 0; r < 3; r++) s->moved += lil_ctx_role_bytes(s->ctx, (lil_mem_role)r) != s->role_warm[r];
  s->moved += lil_ctx_buffer_count(s->ctx) != s->buffers_warm;
  if (dev < s->dev_min) s->dev_min = dev;
  if (dev > s->dev_max) s->dev_max = dev;
  if (rss > s->rss_max) s->rss_max = rss;
  return 0;
}

static lil_status detok(void *user, const int32_t *ids, size_t n, lil_guardian_text *out, lil_error *err) {
  for (size_t i = 0; i < n; i++) {
    const char *p;
    size_t len;
    lil_status st = lil_token_piece(user, ids[i], &p, &len, err);
    if (!st) st = lil_guardian_text_append(out, p, len, err);
    if (st) return st;
  }
  return LIL_OK;
}

static void soak(lil_ctx *ctx, lil_model *m, lil_tokenizer *tok, lil_attn_policy_kind kind, uint32_t tokens,
                 uint32_t budget) {
  lil_error e = {0};
  lil_session_options so;
  lil_session_options_default(&so);
  so.n_ctx = tokens + 16;
  so.policy.kind = kind;
  so.policy.budget = budget;
  so.policy.recent = budget / 2;
  so.max_prompt = 8;
  lil_session *s = NULL;
  ck_assert_msg(lil_session_create(m, &so, &s, &e) == LIL_OK, "%s: %s", lil_attn_policy_name(kind), e.msg);
  /* the Guardian checks every 250 tokens but may not stop the run (min-tokens past its end) */
  lil_guardian_monitor_config mc;
  lil_guardian_monitor_config_default(&mc);
  char min_tokens[32];
  snprintf(min_tokens, sizeof(min_tokens), "%u", tokens + 1);
  ck_assert_int_eq(lil_guardian_opts_set(&mc.opts, "min-tokens", min_tokens, &e), LIL_OK);
  mc.detokenize = detok;
  mc.user = tok;
  lil_guardian_monitor *mon = NULL;
  ck_assert_msg(lil_guardian_monitor_create(&mc, &mon, &e) == LIL_OK, "%s", e.msg);
  uint64_t warm = tokens / 10 > budget + 64 ? tokens / 10 : budget + 64; /* past the first evictions */
  sampler smp = {.ctx = ctx, .warm = warm < tokens ? warm : tokens, .every = 64};
  lil_generate_params gp = {.max_tokens = tokens, .on_token = on_token, .user = &smp, .monitor = mon};
  lil_generate_result r;
  const int32_t prompt[4] = {1, 403, 407, 261};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  ck_assert_msg(lil_generate(s, tok, prompt, 4, &gp, &r, &e) == LIL_OK, "%s: %s", lil_attn_policy_name(kind), e.msg);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  lil_guardian_monitor_report rep;
  ck_assert_msg(lil_guardian_monitor_finish(mon, &rep, &e) == LIL_OK, "guardian: %s", e.msg);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
  fprintf(stderr,
          "soak %-6s: %zu tokens in %.1f s (%.0f tok/s), stop %s; device %llu bytes after warm-up (%llu tokens), "
          "min %llu max %llu; by role: weights %llu, activations %llu, readback %llu, %u buffers; (KV pool %llu, "
          "in use %llu); resident %.1f -> %.1f MiB; guardian %u checks, max backlog %llu tokens\n",
          lil_attn_policy_name(kind), r.n_ids, secs, r.n_ids / secs, lil_stop_reason_name(r.stop),
          (unsigned long long)smp.dev_warm, (unsigned long long)smp.warm, (unsigned long long)smp.dev_min,
          (unsigned long long)smp.dev_max, (unsigned long long)smp.role_warm[LIL_MEM_WEIGHTS],
          (unsigned long long)smp.role_warm[LIL_MEM_ACTIVATIONS], (unsigned long long)smp.role_warm[LIL_MEM_READBACK],
          smp.buffers_warm, (unsigned long long)lil_session_kv_capacity_bytes(s),
          (unsigned long long)lil_session_kv_bytes(s), smp.rss_warm / 1048576.0, smp.rss_max / 1048576.0,
          rep.stats.n_checks, (unsigned long long)rep.max_backlog);
  ck_assert_uint_eq(r.n_ids, tokens);
  ck_assert_msg(r.stop == LIL_STOP_LIMIT, "stop %s", lil_stop_reason_name(r.stop));
  ck_assert_uint_ge(rep.stats.n_checks, tokens / 250 - 1);
  ck_assert_msg(smp.dev_min == smp.dev_max, "%s: device memory moved after warm-up: %llu..%llu bytes",
                lil_attn_policy_name(kind), (unsigned long long)smp.dev_min, (unsigned long long)smp.dev_max);
  ck_assert_msg(smp.moved == 0, "%s: memory by role or the buffer count moved after warm-up (%u samples)",
                lil_attn_policy_name(kind), smp.moved);
  if (kind != LIL_ATTN_QUEST) /* evicting policies: the cache in use stays within the pool of the budget */
    ck_assert_uint_le(lil_session_kv_bytes(s), lil_session_kv_capacity_bytes(s));
  /* host: the ids (4 bytes a token, doubled by realloc) and the Guardian's records; 4 MiB of slack
   * for the allocator and the driver */
  uint64_t allowed = 4ull * 1048576 + 8ull * (tokens - smp.warm) + 256ull * (tokens / 250 + 1);
  ck_assert_msg(smp.rss_max - smp.rss_warm <= allowed, "%s: resident memory grew by %llu bytes (allowed %llu)",
                lil_attn_policy_name(kind), (unsigned long long)(smp.rss_max - smp.rss_warm),
                (unsigned long long)allowed);
  lil_generate_result_free(&r);
  lil_guardian_monitor_free(mon);
  lil_session_free(s);
}

START_TEST(test_soak_policies) {
  uint32_t tokens = env_u32("LIL_SOAK_TOKENS", 600), budget = env_u32("LIL_SOAK_BUDGET", 64);
  const char *model = getenv("LIL_SOAK_MODEL");
  char policies[128];
  snprintf(policies, sizeof(policies), "%s", getenv("LIL_SOAK_POLICIES") ? getenv("LIL_SOAK_POLICIES")
                                                                           : "window,quest,h2o,raas");
  lil_ctx *ctx = test_ctx_create();
  lil_error e = {0};
  lil_model *m = NULL;
  lil_model_options mo;
  lil_model_options_default(&mo);
  mo.progress = 0;
  ck_assert_msg(lil_model_load(ctx, model && *model ? model : test_source_path("assets/stories260K.gguf"), &mo, &m,
                               &e) == LIL_OK, "%s", e.msg);
  lil_tokenizer *tok = NULL;
  ck_assert_msg(lil_tokenizer_create_from_gguf(lil_model_gguf(m), &tok, &e) == LIL_OK, "%s", e.msg);
  char *save = NULL;
  for (char *p = strtok_r(policies, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
    lil_attn_policy_kind kind;
    ck_assert_msg(lil_attn_policy_parse(p, &kind, &e) == LIL_OK, "LIL_SOAK_POLICIES: %s", e.msg);
    soak(ctx, m, tok, kind, tokens, budget);
  }
  lil_tokenizer_free(tok);
  lil_model_free(m);
  test_ctx_free(ctx); /* fails on any validation message */
}
END_TEST

int main(void) {
  Suite *s = suite_create("soak");
  TCase *tc = tcase_create("soak");
  tcase_set_timeout(tc, 0); /* CK_DEFAULT_TIMEOUT / meson's timeout bound it */
  tcase_add_test(tc, test_soak_policies);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
