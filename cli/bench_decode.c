/* lil bench decode: batch-1 decode speed of a model against its memory-bandwidth floor. After a
 * prompt of --prompt random tokens and a few warm-up steps, --tokens decode steps are timed (wall
 * clock, the best of --iters runs). A decode step reads every weight once, so its floor is
 * weight bytes / copy bandwidth, the copy bandwidth measured in the same run (a profiled context of
 * its own, so that the decode step carries no per-dispatch timestamps). Also: dispatches and
 * dependent steps (barriers + 1) per token, the cost docs/benchmarks.md puts at ~4.4 us each.
 * --profile: one more step in a profiled context of its own (a timestamp after every dispatch), its
 * GPU time per kernel label. --gpu-span: the timed steps also carry two timestamps each (first and
 * last command), so the wall time per token splits into the GPU's span and the rest (submission,
 * the wait's wake-up, the host's work between steps: what overlapping steps could hide). */
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
#include "lil_attention.h"
#include "lil_bandwidth.h"
#include "lil_model.h"
#include "lil_model_config.h"
#include "lil_vk.h"

static void usage(FILE *f) {
  fprintf(f, "usage: lil bench decode [options]\n"
             "Batch-1 decode: tokens per second after a prompt, against the floor of weight bytes /\n"
             "copy bandwidth (measured in the same run), and the dispatches and dependent steps of\n"
             "one token.\n"
             "  -m, --model FILE    GGUF model (default: the bundled stories260K.gguf)\n"
             "  --prompt N          context before timing, random tokens (default 512)\n"
             "  --tokens N          timed decode steps per run (default 128)\n"
             "  --iters N           runs; the best is reported (default 3)\n"
             "  --device SEL        Vulkan device (index or name substring)\n"
             "  --profile           also one step's GPU time per kernel (a profiled context of its\n"
             "                      own; the timestamps between dispatches include their launch gaps)\n"
             "  --gpu-span          also each timed step's GPU time, first command to last (two\n"
             "                      timestamps per step), and the wall time per token outside it\n"
             "  --json              one JSON object on stdout\n");
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

/* Copy bandwidth from a short-lived profiled context (GPU timestamps). */
static lil_status measure_copy(const char *device, double *gbps, lil_error *err) {
  lil_ctx_options co;
  lil_ctx_options_default(&co);
  co.device = device, co.profile = 1;
  lil_ctx *ctx = NULL;
  lil_copy_result cr = {0};
  lil_status st = lil_ctx_create(&co, &ctx, err);
  int cpu = !st && lil_ctx_snapshot(ctx)->kind == LIL_DEVICE_CPU;
  if (!st) st = lil_measure_copy_bandwidth(ctx, cpu ? 16u << 20 : 512u << 20, cpu ? 3 : 20, &cr, err);
  *gbps = cr.gbps;
  lil_ctx_free(ctx);
  return st;
}

/* --profile: the model in a profiled context of its own, the prompt, two steps; the second step's
 * per-dispatch GPU times summed by label into *out (allocated; *n entries), the context's
 * validation messages in *vmsgs. */
static lil_status profile_step(const char *device, const char *model, const lil_session_options *so,
                               const int32_t *ids, uint32_t prompt, cli_kernel_time **out, uint32_t *n,
                               uint32_t *n_timed, double *total_ms, uint32_t *vmsgs, lil_error *err) {
  lil_ctx_options co;
  lil_ctx_options_default(&co);
  co.device = device, co.profile = 1;
  lil_ctx *ctx = NULL;
  lil_model *m = NULL;
  lil_session *s = NULL;
  lil_status st = lil_ctx_create(&co, &ctx, err);
  if (!st) st = lil_model_load(ctx, model, NULL, &m, err);
  if (!st) st = lil_session_create(m, so, &s, err);
  int32_t next;
  if (!st) st = lil_session_prefill(s, ids, prompt, &next, err);
  for (int i = 0; i < 2 && !st; i++) st = lil_session_step(s, next, &next, err);
  const lil_seq_timing *t = NULL;
  uint32_t nt = st ? 0 : lil_session_step_timings(s, &t);
  if (!st && !nt) st = lil_error_set(err, LIL_ERR_UNSUPPORTED, "--profile: the device gives no GPU timestamps");
  *out = st ? NULL : calloc(nt, sizeof(**out));
  if (!st && !*out) st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "--profile: %u timings", nt);
  if (!st) {
    *n = cli_profile_by_label(t, nt, *out, nt, total_ms);
    *n_timed = nt;
  }
  *vmsgs = ctx ? lil_ctx_validation_messages(ctx) : 0;
  lil_session_free(s);
  lil_model_free(m);
  lil_ctx_free(ctx);
  return st;
}

int bench_decode(int argc, char **argv) {
  static const struct option opts[] = {{"model", required_argument, 0, 'm'}, {"prompt", required_argument, 0, 'p'},
                                       {"tokens", required_argument, 0, 't'}, {"iters", required_argument, 0, 'i'},
                                       {"device", required_argument, 0, 'd'}, {"json", no_argument, 0, 'j'},
                                       {"help", no_argument, 0, 'h'},         {"profile", no_argument, 0, 'P'},
                                       {"gpu-span", no_argument, 0, 'S'},     {0, 0, 0, 0}};
  uint64_t prompt = 512, tokens = 128, iters = 3;
  const char *model = NULL, *device = NULL;
  int json = 0, profile = 0, span = 0, c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "m:", opts, NULL)) != -1) {
    switch (c) {
    case 'm': model = optarg; break;
    case 'p': if (!cli_parse_u64("bench decode", "--prompt", optarg, 1, 1u << 20, &prompt)) return 2; break;
    case 't': if (!cli_parse_u64("bench decode", "--tokens", optarg, 1, 1u << 20, &tokens)) return 2; break;
    case 'i': if (!cli_parse_u64("bench decode", "--iters", optarg, 1, 1000, &iters)) return 2; break;
    case 'd': device = optarg; break;
    case 'j': json = 1; break;
    case 'P': profile = 1; break;
    case 'S': span = 1; break;
    case 'h': usage(stdout); return 0;
    default: fprintf(stderr, "lil bench decode: unknown or incomplete option '%s'\n", argv[optind - 1]); return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "lil bench decode: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  char path[PATH_MAX];
  lil_error err = {0};
  if (!(model = cli_model_path(model, path, sizeof(path), &err))) return cli_fail("bench decode", &err);
  double copy_gbps = 0;
  lil_status st = measure_copy(device, &copy_gbps, &err);
  lil_ctx_options co;
  lil_ctx_options_default(&co);
  co.device = device, co.profile = span; /* (span: only the step sequence is timed, total only) */
  lil_ctx *ctx = NULL;
  lil_model *m = NULL;
  lil_session *s = NULL;
  if (!st) st = lil_ctx_create(&co, &ctx, &err);
  if (!st && span && !lil_ctx_plan(ctx)->use_timestamps)
    st = lil_error_set(&err, LIL_ERR_UNSUPPORTED, "--gpu-span: the device gives no GPU timestamps");
  if (!st) st = lil_model_load(ctx, model, NULL, &m, &err);
  const lil_model_config *cfg = m ? lil_model_get_config(m) : NULL;
  const uint32_t warm = 8;
  if (!st && cfg->n_ctx_train && prompt + warm + tokens >= cfg->n_ctx_train)
    st = lil_error_set(&err, LIL_ERR_INVALID_ARG, "--prompt %llu + --tokens %llu do not fit the model's context of %u",
                       (unsigned long long)prompt, (unsigned long long)tokens, cfg->n_ctx_train);
  lil_session_options so;
  lil_session_options_default(&so);
  so.n_ctx = (uint32_t)(prompt + warm + tokens + 1), so.max_prompt = (uint32_t)prompt;
  so.time_steps = span;
  if (!st) st = lil_session_create(m, &so, &s, &err);
  int32_t *ids = st ? NULL : malloc(prompt * sizeof(int32_t));
  if (!st && !ids) st = lil_error_set(&err, LIL_ERR_OUT_OF_MEMORY, "bench decode: %llu token ids",
                                      (unsigned long long)prompt);
  uint64_t x = 0x2545f4914f6cdd1dull;
  for (uint64_t i = 0; ids && i < prompt; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    ids[i] = (int32_t)(x % cfg->n_vocab);
  }
  double best_ms = 0, best_gpu_ms = 0; /* the best run's wall time and its steps' GPU spans (--gpu-span) */
  for (uint64_t it = 0; it < iters && !st; it++) {
    int32_t next;
    if ((st = lil_session_reset(s, &err)) || (st = lil_session_prefill(s, ids, (uint32_t)prompt, &next, &err))) break;
    for (uint32_t i = 0; i < warm && !st; i++) st = lil_session_step(s, next, &next, &err);
    double gpu_ms = 0, t0 = now_ms();
    for (uint64_t i = 0; i < tokens && !st; i++) {
      st = lil_session_step(s, next, &next, &err);
      gpu_ms += lil_session_step_gpu_ms(s);
    }
    double ms = now_ms() - t0;
    if (!st && (best_ms == 0 || ms < best_ms)) best_ms = ms, best_gpu_ms = gpu_ms;
  }
  uint64_t wbytes = st ? 0 : lil_model_weight_bytes(m);
  uint32_t disp = st ? 0 : lil_session_step_dispatches(s), deps = st ? 0 : lil_session_step_barriers(s) + 1;
  char attv[256] = ""; /* the decode attention's variants (splits, kernel shapes): read before --profile frees s */
  if (!st) snprintf(attv, sizeof(attv), "%s", lil_attention_variant(lil_session_attention(s)));
  cli_kernel_time *kt = NULL;
  uint32_t nk = 0, n_timed = 0, pmsgs = 0;
  double prof_ms = 0;
  if (!st && profile) { /* the timed copy of the model freed first: one copy on the device at a time */
    lil_session_free(s), s = NULL;
    lil_model_free(m), m = NULL;
    st = profile_step(device, model, &so, ids, (uint32_t)prompt, &kt, &nk, &n_timed, &prof_ms, &pmsgs, &err);
  }
  if (!st) {
    const lil_device_snapshot *snap = lil_ctx_snapshot(ctx);
    double tps = tokens / (best_ms * 1e-3), floor_tps = copy_gbps * 1e9 / (double)wbytes;
    if (json) {
      json_t *o = json_object();
      json_object_set_new(o, "bench", json_string("decode"));
      json_object_set_new(o, "device", json_string(snap->name));
      json_object_set_new(o, "driver", json_string(snap->driver_name));
      json_object_set_new(o, "model", json_string(model));
      json_object_set_new(o, "weight_bytes", json_integer((json_int_t)wbytes));
      json_object_set_new(o, "copy_gbps", json_real(copy_gbps));
      json_object_set_new(o, "prompt", json_integer((json_int_t)prompt));
      json_object_set_new(o, "tokens", json_integer((json_int_t)tokens));
      json_object_set_new(o, "tok_per_s", json_real(tps));
      json_object_set_new(o, "ms_per_token", json_real(best_ms / tokens));
      json_object_set_new(o, "floor_tok_per_s", json_real(floor_tps));
      json_object_set_new(o, "fraction_of_floor", json_real(tps / floor_tps));
      json_object_set_new(o, "dispatches_per_token", json_integer(disp));
      json_object_set_new(o, "dependent_steps_per_token", json_integer(deps));
      json_object_set_new(o, "attention", json_string(attv));
      if (span) {
        json_object_set_new(o, "gpu_span_ms_per_token", json_real(best_gpu_ms / tokens));
        json_object_set_new(o, "outside_gpu_ms_per_token", json_real((best_ms - best_gpu_ms) / tokens));
      }
      if (profile) {
        json_t *ks = json_array();
        for (uint32_t k = 0; k < nk; k++) {
          json_t *ko = json_object();
          json_object_set_new(ko, "label", json_string(kt[k].label));
          json_object_set_new(ko, "ms", json_real(kt[k].ms));
          json_object_set_new(ko, "count", json_integer(kt[k].count));
          json_object_set_new(ko, "share", json_real(prof_ms > 0 ? kt[k].ms / prof_ms : 0));
          uint64_t wb = cli_profile_weight_bytes(kt[k].label);
          if (wb && kt[k].ms > 0) { /* matvecs: weight bytes per second, launch gaps included */
            double gbps = (double)wb * kt[k].count / (kt[k].ms * 1e-3) / 1e9;
            json_object_set_new(ko, "weight_gbps", json_real(gbps));
            json_object_set_new(ko, "fraction_of_copy", json_real(gbps / copy_gbps));
          }
          json_array_append_new(ks, ko);
        }
        json_object_set_new(o, "profiled_step_ms", json_real(prof_ms));
        json_object_set_new(o, "profiled_dispatches", json_integer(n_timed));
        json_object_set_new(o, "kernels", ks);
      }
      char *txt = json_dumps(o, JSON_INDENT(1));
      if (txt) puts(txt);
      free(txt);
      json_decref(o);
    } else {
      printf("device: %s (%s), copy bandwidth %.1f GB/s\nmodel: %s, %.1f MiB of weights\n"
             "decode after %llu tokens: %.1f tok/s (%.3f ms/token), floor %.1f tok/s: %.1f%% of the floor\n"
             "per token: %u dispatches, %u dependent steps\nattention: %s\n",
             snap->name, snap->driver_name, copy_gbps, model, wbytes / 1048576.0, (unsigned long long)prompt, tps,
             best_ms / tokens, floor_tps, 100 * tps / floor_tps, disp, deps, attv);
      if (span)
        printf("per token: GPU span %.4f ms, outside it %.4f ms (submission, wake-up, host work)\n",
               best_gpu_ms / tokens, (best_ms - best_gpu_ms) / tokens);
      if (profile) {
        printf("profiled step: %u dispatches, %.3f ms of GPU time\n", n_timed, prof_ms);
        for (uint32_t k = 0; k < nk; k++) {
          uint64_t wb = cli_profile_weight_bytes(kt[k].label);
          printf("    %-52s %9.4f ms %5.1f%% x%u", kt[k].label, kt[k].ms, prof_ms > 0 ? 100 * kt[k].ms / prof_ms : 0,
                 kt[k].count);
          if (wb && kt[k].ms > 0)
            printf("  %.1f%% of copy", 100 * (double)wb * kt[k].count / (kt[k].ms * 1e-3) / 1e9 / copy_gbps);
          printf("\n");
        }
      }
    }
  }
  free(kt);
  free(ids);
  uint32_t vmsgs = (ctx ? lil_ctx_validation_messages(ctx) : 0) + pmsgs;
  lil_session_free(s);
  lil_model_free(m);
  lil_ctx_free(ctx);
  if (st) return cli_fail("bench decode", &err);
  return vmsgs ? 3 : 0;
}
