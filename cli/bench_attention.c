/* lil bench attention: decode attention of one layer over growing contexts, for dense and each
 * sparse policy: GPU time of attention (split kernel + merge), of selection (quest/raas scoring and
 * top-k, h2o accumulation and victim) and of the per-step bookkeeping (update + append + min/max),
 * the K/V bytes the attention reads and their rate as a fraction of the copy bandwidth measured in
 * the same run, and the KV memory in use.
 * Per-dispatch timestamps (the columns above) each cost the GPU a drain, so the step is also timed
 * whole (two timestamps), and its update + append alone: their difference is what attention and
 * selection add to a decode step (the "step" line and the *_nots JSON fields).
 * The evicting policies (window, h2o, raas) hold at most their budget, so at context C their cache
 * is emulated by a prompt of min(C, budget) tokens (raas: protected prompt pages) followed by
 * eviction steps: their per-step cost depends on the cached tokens only. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_bench.h"
#include "cli_util.h"
#include "lil_attention.h"
#include "lil_bandwidth.h"

typedef struct bench_opts {
  uint32_t heads, kv_heads, head_dim, page, budget, sink, recent, splits, iters;
  lil_kv_type kvt;
  uint32_t contexts[32], n_contexts;
  int policies[5], n_policies;
  int json, kernels, quick;
} bench_opts;

typedef struct bench_row {
  double attn_ms, select_ms, book_ms, total_ms;
  /* without per-dispatch timestamps: the whole step, and its update + append alone */
  double step_ms, book_alone_ms;
  uint64_t attn_bytes, part_bytes, select_bytes, kv_bytes;
  uint32_t cached, attended;
  uint32_t n_kernels;
  char variant[128];
  char kernel_label[32][24];
  double kernel_ms[32]; /* best time of each dispatch of the step */
} bench_row;

static void usage(FILE *f) {
  fprintf(f, "usage: lil bench attention [options]\n"
             "Decode attention of one layer per context length, dense and each policy: GPU time of\n"
             "attention (decode + merge) and selection from a timestamp after every dispatch, and a\n"
             "'step' line: the whole step timed without them, minus its update + append alone.\n"
             "  --contexts LIST   e.g. 1024,4096,32768 (default 1024..131072, powers of 2)\n"
             "  --policies LIST   dense,window,quest,h2o,raas (default all)\n"
             "  --budget N        sparse budget in tokens (default 2048)\n"
             "  --page-size N     tokens per page (default 16)\n"
             "  --sink N / --recent N   window sink (4) / h2o recent (budget/2)\n"
             "  --heads N --kv-heads N --head-dim N   shape (default Qwen3-0.6B: 16, 8, 128)\n"
             "  --f32             F32 K/V (default F16)\n"
             "  --splits N        decode splits per KV head (default auto)\n"
             "  --iters N         timed steps (default 20)\n"
             "  --kernels         also print each dispatch's best time\n"
             "  --quick           tiny shapes for lavapipe\n"
             "  --device SEL --json\n");
}

static int parse_list(const char *s, uint32_t *out, uint32_t max, uint32_t *n) {
  *n = 0;
  char *dup = strdup(s), *save = NULL;
  for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    uint64_t v;
    if (*n == max || !cli_parse_u64("bench attention", "--contexts", t, 1, 1u << 24, &v)) {
      free(dup);
      return 0;
    }
    out[(*n)++] = (uint32_t)v;
  }
  free(dup);
  return *n > 0;
}

static int parse_policies(const char *s, bench_opts *o) {
  o->n_policies = 0;
  char *dup = strdup(s), *save = NULL;
  for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    lil_attn_policy_kind k;
    lil_error err = {0};
    if (o->n_policies == 5 || lil_attn_policy_parse(t, &k, &err)) {
      fprintf(stderr, "lil bench attention: %s\n", err.msg[0] ? err.msg : "too many policies");
      free(dup);
      return 0;
    }
    o->policies[o->n_policies++] = (int)k;
  }
  free(dup);
  return o->n_policies > 0;
}

static void fill_random(float *x, uint64_t n, uint64_t *s) {
  for (uint64_t i = 0; i < n; i++) {
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    x[i] = (float)((*s >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
  }
}

static lil_status make_random(lil_ctx *ctx, uint64_t floats, uint64_t *rng, lil_buffer **b, lil_error *err) {
  float *h = malloc(floats * 4);
  if (!h) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "bench buffer");
  fill_random(h, floats, rng);
  lil_status st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, floats * 4, "bench", b, err);
  if (!st) st = lil_buffer_upload(*b, 0, h, floats * 4, err);
  free(h);
  return st;
}

static int is_label(const char *l, const char *const *names) {
  for (; *names; names++)
    if (!strcmp(l, *names)) return 1;
  return 0;
}

/* One (policy, context) measurement. */
static lil_status bench_one(lil_ctx *ctx, const bench_opts *o, lil_attn_policy_kind kind, uint32_t context,
                            bench_row *row, lil_error *err) {
  memset(row, 0, sizeof(*row));
  int evicting = kind == LIL_ATTN_WINDOW || kind == LIL_ATTN_H2O || kind == LIL_ATTN_RAAS;
  uint32_t cap = kind == LIL_ATTN_H2O ? o->budget - 1 : o->budget; /* h2o: the prompt must be shorter */
  uint32_t fill = evicting && context > cap ? cap : context, warm = 4;
  lil_attention_config c;
  lil_attention_config_default(&c);
  c.n_layers = 1, c.n_heads = o->heads, c.n_kv_heads = o->kv_heads, c.head_dim = o->head_dim;
  c.max_ctx = context + 2 * (warm + o->iters) + 1, c.max_prompt = fill, c.page_size = o->page, c.kv_type = o->kvt;
  c.n_splits = o->splits;
  c.policy.kind = kind, c.policy.budget = o->budget, c.policy.sink = o->sink, c.policy.recent = o->recent;
  c.policy.dense_layers = 0;
  lil_attention *att = NULL;
  lil_buffer *q = NULL, *k = NULL, *v = NULL, *out = NULL, *ck = NULL, *cv = NULL;
  lil_seq *pre = NULL, *step = NULL, *whole = NULL, *book = NULL;
  uint64_t rng = 0x9e3779b97f4a7c15ull ^ context;
  uint32_t H = o->kv_heads, D = o->head_dim, NH = o->heads;
  uint32_t chunk = fill < 4096 ? fill : 4096;
  lil_status st = lil_attention_create(ctx, &c, &att, err);
  if (!st) snprintf(row->variant, sizeof(row->variant), "%s", lil_attention_variant(att));
  if (!st) st = make_random(ctx, (uint64_t)NH * D, &rng, &q, err);
  if (!st) st = make_random(ctx, (uint64_t)H * D, &rng, &k, err);
  if (!st) st = make_random(ctx, (uint64_t)H * D, &rng, &v, err);
  if (!st) st = lil_buffer_create(ctx, LIL_MEM_ACTIVATIONS, (uint64_t)NH * D * 4, "bench-out", &out, err);
  if (!st) st = make_random(ctx, (uint64_t)chunk * H * D, &rng, &ck, err);
  if (!st) st = make_random(ctx, (uint64_t)chunk * H * D, &rng, &cv, err);
  if (!st) st = lil_seq_create(ctx, &pre, err);
  if (!st) st = lil_seq_create(ctx, &step, err);
  if (!st) st = lil_seq_create(ctx, &whole, err);
  if (!st) st = lil_seq_create(ctx, &book, err);
  if (!st) st = lil_seq_time_total_only(whole, err);
  if (!st) st = lil_seq_time_total_only(book, err);
  /* the context: the prompt's K/V appended in chunks (repeated random rows) */
  if (!st) st = lil_attention_begin_prefill(att, 0, fill, err);
  for (uint32_t f = 0; f < fill && !st; f += chunk) {
    uint32_t m = fill - f < chunk ? fill - f : chunk;
    lil_binding bk = {ck, 0, (uint64_t)m * H * D * 4}, bv = {cv, 0, (uint64_t)m * H * D * 4};
    st = lil_attention_record_append(att, pre, 0, bk, bv, m, f, err);
  }
  if (!st) st = lil_seq_run(pre, err);
  if (!st) st = lil_attention_end_prefill(att, err);
  lil_binding bq = {q, 0, 0}, bk = {k, 0, 0}, bv = {v, 0, 0}, bo = {out, 0, 0};
  if (!st) st = lil_attention_record_decode(att, step, 0, bq, bk, bv, bo, err);
  if (!st) st = lil_attention_record_decode(att, whole, 0, bq, bk, bv, bo, err);
  /* the step's update + append alone: the same slot and values again, so replaying it after the
   * whole step changes nothing */
  if (!st) st = lil_attention_record_append(att, book, 0, bk, bv, 1, 0, err);
  row->step_ms = row->book_alone_ms = INFINITY;
  static const char *const attn_l[] = {"attn_decode", "attn_merge", NULL};
  static const char *const sel_l[] = {"quest_score", "page_topk", "quest_select", "h2o_update", NULL};
  double best[4] = {INFINITY, INFINITY, INFINITY, INFINITY};
  /* the GPU idled while the host built the context: bring its clocks up before timing */
  if (!st && !o->quick) st = lil_gpu_warm_up(ctx, LIL_BENCH_WARM_MS, err);
  for (uint32_t it = 0; it < warm + o->iters && !st; it++) {
    st = lil_attention_begin_step(att, lil_attention_length(att), err);
    if (!st) st = lil_seq_run(step, err);
    if (!st) st = lil_attention_end_step(att, err);
    if (!st) st = lil_attention_begin_step(att, lil_attention_length(att), err);
    if (!st) st = lil_seq_run(whole, err);
    double w_ms = lil_seq_gpu_ms(whole);
    if (!st) st = lil_seq_run(book, err);
    if (!st) st = lil_attention_end_step(att, err);
    if (st || it < warm) continue;
    if (w_ms < row->step_ms) row->step_ms = w_ms;
    if (lil_seq_gpu_ms(book) < row->book_alone_ms) row->book_alone_ms = lil_seq_gpu_ms(book);
    const lil_seq_timing *t;
    uint32_t n = lil_seq_timings(step, &t);
    double a = 0, s = 0, b = 0;
    if (it == warm) row->n_kernels = n < 32 ? n : 32;
    for (uint32_t i = 0; i < row->n_kernels && i < n; i++) {
      if (it == warm || t[i].ms < row->kernel_ms[i]) row->kernel_ms[i] = t[i].ms;
      snprintf(row->kernel_label[i], sizeof(row->kernel_label[i]), "%s", t[i].label);
    }
    for (uint32_t i = 0; i < n; i++) {
      if (is_label(t[i].label, attn_l)) a += t[i].ms;
      else if (is_label(t[i].label, sel_l)) s += t[i].ms;
      else b += t[i].ms;
    }
    double tot = lil_seq_gpu_ms(step);
    if (a < best[0]) best[0] = a;
    if (s < best[1]) best[1] = s;
    if (b < best[2]) best[2] = b;
    if (tot < best[3]) best[3] = tot;
  }
  if (!st) {
    row->attn_ms = best[0], row->select_ms = best[1], row->book_ms = best[2], row->total_ms = best[3];
    uint64_t es = o->kvt == LIL_KV_F32 ? 4 : 2;
    uint32_t kpages = o->budget / o->page ? o->budget / o->page : 1;
    for (uint32_t h = 0; h < H; h++) {
      uint32_t cached = lil_attention_cached_tokens(att, 0, h), pages = lil_attention_cached_pages(att, 0, h);
      uint32_t attended = cached;
      if (kind == LIL_ATTN_QUEST && pages > kpages) attended = kpages * o->page;
      row->cached += cached;
      row->attended += attended;
      if (kind == LIL_ATTN_QUEST || kind == LIL_ATTN_RAAS) row->select_bytes += (uint64_t)pages * 2 * D * es;
      uint32_t att_pages = kind == LIL_ATTN_QUEST && pages > kpages ? kpages : pages;
      /* split partials: unnormalized output + (max, sum) of each working split, written and read */
      row->part_bytes += 2ull * lil_attention_active_splits(att, att_pages) * (NH / H) * (D + 2) * 4;
    }
    /* K and V of the attended tokens, q, out, partials */
    row->attn_bytes = (uint64_t)row->attended * D * es * 2 + 2ull * NH * D * 4 + row->part_bytes;
    row->cached /= H;
    row->attended /= H;
    row->kv_bytes = lil_attention_kv_bytes(att);
  }
  lil_seq_free(pre);
  lil_seq_free(step);
  lil_seq_free(whole);
  lil_seq_free(book);
  lil_buffer_free(q), lil_buffer_free(k), lil_buffer_free(v), lil_buffer_free(out), lil_buffer_free(ck);
  lil_buffer_free(cv);
  lil_attention_free(att);
  return st;
}

int bench_attention(int argc, char **argv) {
  static const struct option opts[] = {
      {"contexts", required_argument, 0, 'c'}, {"policies", required_argument, 0, 'p'},
      {"budget", required_argument, 0, 'b'},   {"page-size", required_argument, 0, 'P'},
      {"sink", required_argument, 0, 's'},     {"recent", required_argument, 0, 'r'},
      {"heads", required_argument, 0, 'H'},    {"kv-heads", required_argument, 0, 'K'},
      {"head-dim", required_argument, 0, 'D'}, {"f32", no_argument, 0, 'f'},
      {"splits", required_argument, 0, 'S'},   {"iters", required_argument, 0, 'i'},
      {"quick", no_argument, 0, 'q'},          {"device", required_argument, 0, 'd'},
      {"json", no_argument, 0, 'j'},           {"help", no_argument, 0, 'h'},
      {"kernels", no_argument, 0, 'k'},
      {0, 0, 0, 0}};
  bench_opts o = {.heads = 16, .kv_heads = 8, .head_dim = 128, .page = 16, .budget = 2048, .sink = 4, .iters = 20,
                  .kvt = LIL_KV_F16, .n_policies = 5, .policies = {0, 1, 2, 3, 4}};
  for (uint32_t c = 1024; c <= 131072; c *= 2) o.contexts[o.n_contexts++] = c;
  int quick = 0, set_contexts = 0, c;
  uint64_t v;
  lil_ctx_options co;
  lil_ctx_options_default(&co);
  co.profile = 1;
  optind = 1;
  opterr = 0;
#define U32(field, lo, hi)                                                                                         \
  do {                                                                                                             \
    if (!cli_parse_u64("bench attention", argv[optind - 1], optarg, lo, hi, &v)) return 2;                          \
    o.field = (uint32_t)v;                                                                                         \
  } while (0)
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'c': if (!parse_list(optarg, o.contexts, 32, &o.n_contexts)) return 2; set_contexts = 1; break;
    case 'p': if (!parse_policies(optarg, &o)) return 2; break;
    case 'b': U32(budget, 1, 1u << 24); break;
    case 'P': U32(page, 1, 32); break;
    case 's': U32(sink, 0, 1u << 20); break;
    case 'r': U32(recent, 0, 1u << 24); break;
    case 'H': U32(heads, 1, 256); break;
    case 'K': U32(kv_heads, 1, 256); break;
    case 'D': U32(head_dim, 8, 512); break;
    case 'f': o.kvt = LIL_KV_F32; break;
    case 'S': U32(splits, 1, 1024); break;
    case 'i': U32(iters, 1, 10000); break;
    case 'q': quick = 1, o.quick = 1; break;
    case 'd': co.device = optarg; break;
    case 'j': o.json = 1; break;
    case 'k': o.kernels = 1; break;
    case 'h': usage(stdout); return 0;
    default: fprintf(stderr, "lil bench attention: unknown or incomplete option '%s'\n", argv[optind - 1]); return 2;
    }
  }
  if (quick) {
    o.heads = 4, o.kv_heads = 2, o.head_dim = 64, o.iters = 3;
    if (o.budget == 2048) o.budget = 128;
    if (!set_contexts) o.contexts[0] = 256, o.contexts[1] = 1024, o.n_contexts = 2;
  }
  lil_ctx *ctx = NULL;
  lil_error err = {0};
  if (lil_ctx_create(&co, &ctx, &err)) return cli_fail("bench attention", &err);
  lil_copy_result cr;
  lil_status st = lil_measure_copy_bandwidth(ctx, quick ? 16u << 20 : 1024u << 20, quick ? 3 : 20, &cr, &err);
  const lil_device_snapshot *snap = lil_ctx_snapshot(ctx);
  if (!st && !o.json)
    printf("device: %s (%s)\ncopy bandwidth %.1f GB/s; shape: %u heads, %u KV heads, head_dim %u, %s K/V, page %u, "
           "budget %u\n%-7s %8s %8s %8s %10s %10s %10s %9s %7s %9s  %s\n",
           snap->name, snap->driver_name, cr.gbps, o.heads, o.kv_heads, o.head_dim, o.kvt == LIL_KV_F32 ? "F32" : "F16",
           o.page, o.budget, "policy", "context", "cached", "attended", "attn_us", "select_us", "other_us", "GB/s",
           "of_copy", "kv_MiB", "variant");
  if (!st && o.json)
    printf("{\"bench\": \"attention\", \"device\": \"%s\", \"copy_gbps\": %.1f, \"heads\": %u, \"kv_heads\": %u, "
           "\"head_dim\": %u, \"kv_type\": \"%s\", \"page\": %u, \"budget\": %u, \"rows\": [",
           snap->name, cr.gbps, o.heads, o.kv_heads, o.head_dim, o.kvt == LIL_KV_F32 ? "f32" : "f16", o.page, o.budget);
  int first = 1;
  for (int pi = 0; pi < o.n_policies && !st; pi++)
    for (uint32_t ci = 0; ci < o.n_contexts && !st; ci++) {
      bench_row r;
      lil_attn_policy_kind kind = (lil_attn_policy_kind)o.policies[pi];
      st = bench_one(ctx, &o, kind, o.contexts[ci], &r, &err);
      if (st) break;
      double gbps = r.attn_ms > 0 ? (double)r.attn_bytes / (r.attn_ms * 1e-3) / 1e9 : 0;
      /* attention + selection as the step without per-dispatch timestamps adds them to update + append */
      double as_ms = r.step_ms - r.book_alone_ms;
      double gbps_nots = as_ms > 0 ? (double)(r.attn_bytes + r.select_bytes) / (as_ms * 1e-3) / 1e9 : 0;
      if (o.json)
        printf("%s\n  {\"policy\": \"%s\", \"context\": %u, \"cached_tokens\": %u, \"attended_tokens\": %u, "
               "\"attn_us\": %.2f, \"select_us\": %.2f, \"other_us\": %.2f, \"total_us\": %.2f, \"attn_bytes\": %llu, "
               "\"select_bytes\": %llu, \"gbps\": %.1f, \"fraction_of_copy\": %.3f, \"kv_bytes\": %llu, "
               "\"step_us_nots\": %.2f, \"book_us_nots\": %.2f, \"attn_select_us_nots\": %.2f, "
               "\"fraction_of_copy_nots\": %.3f, \"variant\": \"%s\"}",
               first ? "" : ",", lil_attn_policy_name(kind), o.contexts[ci], r.cached, r.attended, r.attn_ms * 1e3,
               r.select_ms * 1e3, r.book_ms * 1e3, r.total_ms * 1e3, (unsigned long long)r.attn_bytes,
               (unsigned long long)r.select_bytes, gbps, gbps / cr.gbps, (unsigned long long)r.kv_bytes,
               r.step_ms * 1e3, r.book_alone_ms * 1e3, as_ms * 1e3, gbps_nots / cr.gbps, r.variant);
      else
        printf("%-7s %8u %8u %8u %10.2f %10.2f %10.2f %9.1f %7.3f %9.2f  %s\n", lil_attn_policy_name(kind),
               o.contexts[ci], r.cached, r.attended, r.attn_ms * 1e3, r.select_ms * 1e3, r.book_ms * 1e3, gbps,
               gbps / cr.gbps, (double)r.kv_bytes / (1 << 20), r.variant);
      if (!o.json)
        printf("          step %.2f us whole, update+append alone %.2f: attention+selection %.2f us without "
               "per-dispatch timestamps, %.3f of copy\n",
               r.step_ms * 1e3, r.book_alone_ms * 1e3, as_ms * 1e3, gbps_nots / cr.gbps);
      if (o.kernels && !o.json) {
        printf("         ");
        for (uint32_t i = 0; i < r.n_kernels; i++) printf(" %s %.2f", r.kernel_label[i], r.kernel_ms[i] * 1e3);
        printf(" (us)\n");
      }
      fflush(stdout);
      first = 0;
    }
  if (o.json && !st) printf("\n]}\n");
  uint32_t vmsgs = lil_ctx_validation_messages(ctx);
  lil_ctx_free(ctx);
  if (st) return cli_fail("bench attention", &err);
  return vmsgs ? 3 : 0;
}
