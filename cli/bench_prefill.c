/* lil bench prefill: the batched prompt pass of a model at several prompt lengths: tokens per
 * second (wall clock of lil_session_prefill, best of --iters after a warm-up pass that compiles the
 * pipelines and records the sequence) and where the GPU time goes (attention, matrix products,
 * the rest), from a timestamp after every dispatch. Those timestamps add a drain per dispatch, so
 * the shares come from a separate profiled pass and the tok/s from unprofiled ones.
 * Prompts are random token ids (the speed does not depend on the text). */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_bench.h"
#include "cli_profile.h"
#include "cli_util.h"
#include "lil_model.h"
#include "lil_model_config.h"
#include "lil_vk.h"

#define MAX_LENGTHS 16
#define MAX_KERNELS 64 /* distinct labels listed by --profile (the rest summed into "(others)") */

typedef struct prefill_row {
  uint32_t tokens;
  double wall_ms, gpu_ms, attn_ms, matmul_ms, other_ms;
  uint32_t dispatches;
  cli_kernel_time kernels[MAX_KERNELS + 1]; /* --profile: GPU time per label, largest first */
  uint32_t n_kernels;
} prefill_row;

static void usage(FILE *f) {
  fprintf(f, "usage: lil bench prefill [options]\n"
             "The batched prompt pass at each prompt length: tokens per second (best wall-clock pass\n"
             "after a warm-up) and the share of GPU time in attention (KV append + prefill attention),\n"
             "matrix products and the rest (from a profiled pass: a timestamp after every dispatch).\n"
             "  -m, --model FILE    GGUF model (default: the bundled stories260K.gguf)\n"
             "  --lengths LIST      prompt lengths in tokens (default 128,512,4096; each at most the\n"
             "                      context the model allows)\n"
             "  --iters N           timed passes per length (default 3)\n"
             "  --device SEL        Vulkan device (index or name substring)\n"
             "  --profile           also the profiled pass's GPU time per kernel (label: shader, and\n"
             "                      for matrix products the weight's rows x cols), largest first\n"
             "  --json              one JSON object on stdout\n");
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int parse_lengths(const char *s, uint32_t *out, uint32_t *n) {
  *n = 0;
  char *dup = strdup(s), *save = NULL;
  int ok = dup != NULL;
  for (char *t = ok ? strtok_r(dup, ",", &save) : NULL; t && ok; t = strtok_r(NULL, ",", &save)) {
    uint64_t v;
    if (*n == MAX_LENGTHS) {
      fprintf(stderr, "lil bench prefill: --lengths: at most %d lengths\n", MAX_LENGTHS);
      ok = 0;
    } else if (!cli_parse_u64("bench prefill", "--lengths", t, 2, 1u << 20, &v)) {
      ok = 0;
    } else {
      out[(*n)++] = (uint32_t)v;
    }
  }
  free(dup);
  return ok && *n > 0;
}

/* Attention: the KV append and the prefill attention kernels; matrix products: every matmul. */
static void split_timings(lil_session *s, prefill_row *r) {
  const lil_seq_timing *t;
  uint32_t n = lil_session_prefill_timings(s, &t);
  r->dispatches = n;
  for (uint32_t i = 0; i < n; i++) {
    const char *l = t[i].label ? t[i].label : "";
    if (!strncmp(l, "attn", 4) || !strncmp(l, "kv_", 3)) r->attn_ms += t[i].ms;
    else if (!strncmp(l, "matmul", 6)) r->matmul_ms += t[i].ms;
    else r->other_ms += t[i].ms;
  }
  r->n_kernels = cli_profile_by_label(t, n, r->kernels, MAX_KERNELS + 1, &r->gpu_ms);
}

/* One prompt length: a warm-up pass, iters timed passes, one profiled pass. */
static lil_status bench_length(lil_model *m, lil_model *mp, uint32_t len, uint32_t iters, uint32_t n_vocab,
                               prefill_row *r, lil_error *err) {
  memset(r, 0, sizeof(*r));
  r->tokens = len;
  int32_t *ids = malloc((size_t)len * sizeof(int32_t));
  if (!ids) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "bench prefill: %u token ids", len);
  uint64_t x = 0x9e3779b97f4a7c15ull ^ len;
  for (uint32_t i = 0; i < len; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    ids[i] = (int32_t)(x % n_vocab);
  }
  lil_session_options so;
  lil_session_options_default(&so);
  so.n_ctx = len + 1, so.max_prompt = len;
  lil_session *s = NULL, *sp = NULL;
  int32_t next;
  lil_status st = lil_session_create(m, &so, &s, err);
  for (uint32_t i = 0; i <= iters && !st; i++) {
    if ((st = lil_session_reset(s, err))) break;
    double t0 = now_ms();
    st = lil_session_prefill(s, ids, len, &next, err);
    double ms = now_ms() - t0;
    if (i > 0 && (r->wall_ms == 0 || ms < r->wall_ms)) r->wall_ms = ms; /* pass 0 warms up */
  }
  lil_session_free(s);
  if (!st) st = lil_session_create(mp, &so, &sp, err);
  for (int i = 0; i < 2 && !st; i++) { /* the second profiled pass is the one read */
    if (!(st = lil_session_reset(sp, err))) st = lil_session_prefill(sp, ids, len, &next, err);
  }
  if (!st) split_timings(sp, r);
  lil_session_free(sp);
  free(ids);
  return st;
}

int bench_prefill(int argc, char **argv) {
  static const struct option opts[] = {{"model", required_argument, 0, 'm'}, {"lengths", required_argument, 0, 'l'},
                                       {"iters", required_argument, 0, 'i'}, {"device", required_argument, 0, 'd'},
                                       {"json", no_argument, 0, 'j'},        {"help", no_argument, 0, 'h'},
                                       {"profile", no_argument, 0, 'p'},     {0, 0, 0, 0}};
  uint32_t lengths[MAX_LENGTHS] = {128, 512, 4096}, n_lengths = 3;
  uint64_t iters = 3;
  const char *model = NULL, *device = NULL;
  int json = 0, set_lengths = 0, profile = 0, c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "m:", opts, NULL)) != -1) {
    switch (c) {
    case 'm': model = optarg; break;
    case 'l': if (!parse_lengths(optarg, lengths, &n_lengths)) return 2; set_lengths = 1; break;
    case 'i': if (!cli_parse_u64("bench prefill", "--iters", optarg, 1, 1000, &iters)) return 2; break;
    case 'd': device = optarg; break;
    case 'j': json = 1; break;
    case 'p': profile = 1; break;
    case 'h': usage(stdout); return 0;
    default: fprintf(stderr, "lil bench prefill: unknown or incomplete option '%s'\n", argv[optind - 1]); return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "lil bench prefill: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  char path[PATH_MAX];
  lil_error err = {0};
  if (!(model = cli_model_path(model, path, sizeof(path), &err))) return cli_fail("bench prefill", &err);
  /* two contexts on the device: plain (timed passes) and profiled (the shares) */
  lil_ctx_options co, cp;
  lil_ctx_options_default(&co);
  co.device = device;
  cp = co;
  cp.profile = 1;
  lil_ctx *ctx = NULL, *ctxp = NULL;
  lil_model *m = NULL, *mp = NULL;
  lil_status st = lil_ctx_create(&co, &ctx, &err);
  if (!st) st = lil_model_load(ctx, model, NULL, &m, &err);
  if (!st) st = lil_ctx_create(&cp, &ctxp, &err);
  if (!st) st = lil_model_load(ctxp, model, NULL, &mp, &err);
  const lil_model_config *cfg = m ? lil_model_get_config(m) : NULL;
  /* lengths past the model's context: an error when asked for, skipped from the defaults */
  for (uint32_t i = 0; !st && i < n_lengths; i++) {
    if (!cfg->n_ctx_train || lengths[i] < cfg->n_ctx_train) continue;
    if (set_lengths)
      st = lil_error_set(&err, LIL_ERR_INVALID_ARG, "--lengths: %u tokens do not fit the model's context of %u",
                         lengths[i], cfg->n_ctx_train);
    else
      fprintf(stderr, "lil bench prefill: %u tokens skipped (the model's context is %u)\n", lengths[i],
              cfg->n_ctx_train);
    memmove(lengths + i, lengths + i + 1, (n_lengths - i - 1) * sizeof(uint32_t));
    n_lengths--, i--;
  }
  const lil_device_snapshot *snap = ctx ? lil_ctx_snapshot(ctx) : NULL;
  json_t *root = json_object(), *rows = json_array();
  const lil_device_plan *plan = ctx ? lil_ctx_plan(ctx) : NULL;
  const char *coop = !plan ? "none" : plan->use_coopmat_nv ? "nv" : plan->use_coopmat_khr ? "khr" : "none";
  if (!st && !json)
    printf("device: %s (%s), cooperative matrices: %s\nmodel: %s (%u layers, %u heads, %u KV heads, head_dim %u)\n"
           "%8s %10s %10s %8s %8s %8s %10s\n",
           snap->name, snap->driver_name, coop, model, cfg->n_layer, cfg->n_head, cfg->n_head_kv, cfg->head_dim, "tokens",
           "ms", "tok/s", "attn%", "matmul%", "other%", "dispatches");
  for (uint32_t i = 0; !st && i < n_lengths; i++) {
    prefill_row r;
    if ((st = bench_length(m, mp, lengths[i], (uint32_t)iters, cfg->n_vocab, &r, &err))) break;
    double g = r.gpu_ms > 0 ? r.gpu_ms : 1, tps = r.tokens / (r.wall_ms * 1e-3);
    if (json) {
      json_t *o = json_object();
      json_object_set_new(o, "tokens", json_integer(r.tokens));
      json_object_set_new(o, "ms", json_real(r.wall_ms));
      json_object_set_new(o, "tok_per_s", json_real(tps));
      json_object_set_new(o, "profiled_gpu_ms", json_real(r.gpu_ms));
      json_object_set_new(o, "attention_share", json_real(r.attn_ms / g));
      json_object_set_new(o, "matmul_share", json_real(r.matmul_ms / g));
      json_object_set_new(o, "other_share", json_real(r.other_ms / g));
      json_object_set_new(o, "dispatches", json_integer(r.dispatches));
      if (profile) {
        json_t *ks = json_array();
        for (uint32_t k = 0; k < r.n_kernels; k++) {
          json_t *ko = json_object();
          json_object_set_new(ko, "label", json_string(r.kernels[k].label));
          json_object_set_new(ko, "ms", json_real(r.kernels[k].ms));
          json_object_set_new(ko, "count", json_integer(r.kernels[k].count));
          json_object_set_new(ko, "share", json_real(r.kernels[k].ms / g));
          json_array_append_new(ks, ko);
        }
        json_object_set_new(o, "kernels", ks);
      }
      json_array_append_new(rows, o);
    } else {
      printf("%8u %10.2f %10.1f %7.1f%% %7.1f%% %7.1f%% %10u\n", r.tokens, r.wall_ms, tps, 100 * r.attn_ms / g,
             100 * r.matmul_ms / g, 100 * r.other_ms / g, r.dispatches);
      for (uint32_t k = 0; profile && k < r.n_kernels; k++)
        printf("    %-52s %9.3f ms %5.1f%% x%u\n", r.kernels[k].label, r.kernels[k].ms, 100 * r.kernels[k].ms / g,
               r.kernels[k].count);
      fflush(stdout);
    }
  }
  if (!st && json) {
    json_object_set_new(root, "bench", json_string("prefill"));
    json_object_set_new(root, "device", json_string(snap->name));
    json_object_set_new(root, "driver", json_string(snap->driver_name));
    json_object_set_new(root, "coopmat", json_string(coop));
    json_object_set_new(root, "model", json_string(model));
    json_object_set_new(root, "iters", json_integer((json_int_t)iters));
    json_object_set_new(root, "rows", rows);
    rows = NULL;
    char *txt = json_dumps(root, JSON_INDENT(1));
    if (txt) puts(txt);
    free(txt);
  }
  json_decref(rows);
  json_decref(root);
  uint32_t vmsgs = (ctx ? lil_ctx_validation_messages(ctx) : 0) + (ctxp ? lil_ctx_validation_messages(ctxp) : 0);
  lil_model_free(mp);
  lil_model_free(m);
  lil_ctx_free(ctxp);
  lil_ctx_free(ctx);
  if (st) return cli_fail("bench prefill", &err);
  return vmsgs ? 3 : 0;
}
