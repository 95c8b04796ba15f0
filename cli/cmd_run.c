/* lil run: generate text with a GGUF model on the GPU (see usage()). */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_guardian_spec.h"
#include "cli_commands.h"
#include "cli_profile.h"
#include "cli_util.h"
#include "cli_text.h"
#include "lil_chat.h"
#include "lil_generate.h"
#include "lil_guardian_monitor.h"
#include "lil_model.h"
#include "lil_tokenizer.h"
#include "lil_vk.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: lil run [-m MODEL.gguf] [-p PROMPT | -f FILE] [-n N] [options]\n\n"
          "Generates text, streamed to stdout; a summary goes to stderr.\n\n"
          "  -m, --model FILE     GGUF model (default: the bundled stories260K.gguf)\n"
          "  -p, --prompt TEXT    prompt (default: generate from BOS alone)\n"
          "  -f, --file FILE      read the prompt from FILE\n"
          "  -n, --n-predict N    generate at most N tokens (default: until end of text or context full)\n"
          "  -c, --ctx-size N     context length (default: min(training context, 4096))\n"
          "      --temp T         sampling temperature (default 0: greedy)\n"
          "      --top-k K        keep the K most probable tokens (0: off)\n"
          "      --top-p P        nucleus sampling (1: off)\n"
          "      --min-p P        drop tokens below P times the most probable (0: off)\n"
          "      --seed S         random seed (default 0)\n"
          "      --device SEL     Vulkan device index or name substring\n"
          "      --chat, -cnv     format the prompt with the model's chat template (one turn)\n"
          "      --system TEXT    system prompt for --chat\n"
          "      --no-bos         do not add BOS\n"
          "      --sparse POLICY  attention policy: dense (default) | window | quest | h2o | raas\n"
          "      --budget N       tokens of KV a sparse policy keeps or reads (default 2048)\n"
          "      --page-size P    tokens per KV page, 1..32 (default 16)\n"
          "      --sink N         window: first tokens always kept (default 4)\n"
          "      --recent N       h2o: recent tokens always kept (default budget/2)\n"
          "      --dense-layers N quest: first layers kept dense (default 2)\n"
          "      --kv-type T      KV cache type: f16 (default) | f32\n"
          "      --matvec-x8      decode matvecs of Q8_0/Q4_0 (Q4_K/Q6_K with LIL_X8_INLINE=0) weights with 8-bit\n"
          "                       activations and integer dot products (activations rounded per 8 elements:\n"
          "                       not bit-identical to the F32 path). Default: Q4_0 weights only, where the\n"
          "                       device accelerates integer dot products; LIL_MATVEC_X8=0 turns it off\n"
          "      --no-fuse        decode: RMSNorm, SwiGLU and the q/k norm + RoPE as their own dispatches\n"
          "                       (default: fused into the matvecs that read them and the KV append)\n"
          "      --guardian[=K=V,...]  stop repetition (f=250,t=20,patience=1,action=stop|answer,...)\n"
          "      --json           print one JSON object (ids, text, stats, stop reason) instead of text\n"
          "      --verbose        model and device details on stderr\n"
          "      --profile        GPU time per kernel of one decode step (table on stderr)\n"
          "      --warmup         run the prompt pass and a few decode steps once, unmeasured, before the\n"
          "                       measured run (pipelines, command buffers and buffers warm, the cache\n"
          "                       emptied again), as llama.cpp's harnesses do\n"
          "  -h, --help           this help\n");
}

enum { O_TEMP = 256, O_TOPK, O_TOPP, O_MINP, O_SEED, O_DEVICE, O_CHAT, O_SYSTEM, O_NOBOS, O_SPARSE, O_GUARD, O_JSON,
       O_VERBOSE, O_PROFILE, O_BUDGET, O_PAGE, O_SINK, O_RECENT, O_DENSE_LAYERS, O_KV_TYPE, O_MATVEC_X8, O_NO_FUSE, O_WARMUP };

typedef struct run_opts {
  const char *model, *prompt, *file, *device, *system, *guardian;
  uint64_t n_predict, n_ctx;
  lil_sampling sampling;
  lil_attn_policy policy;
  uint32_t page_size;
  lil_kv_type kv_type;
  int chat, no_bos, json, verbose, profile, use_guardian, matvec_x8, no_fuse, warmup;
  const volatile sig_atomic_t *cancel; /* set by the SIGINT handler cmd_run installs */
} run_opts;

typedef struct out_state {
  int json;
  char *text;
  size_t len, cap;
} out_state;

/* Progress of a prompt streamed through decode steps (h2o prompts beyond the budget): a line on a
 * terminal's stderr, rewritten every 16 tokens, ended when the prompt is done. */
static void on_prompt_progress(void *user, uint32_t done, uint32_t total) {
  (void)user;
  if (done % 16 && done != total) return;
  fprintf(stderr, "\rlil run: prompt %u/%u tokens (streamed through decode steps)%s", done, total,
          done == total ? "\n" : "");
  fflush(stderr);
}

static int on_text(void *user, const char *bytes, size_t len) {
  out_state *o = user;
  if (!o->json) {
    fwrite(bytes, 1, len, stdout);
    fflush(stdout);
  }
  if (o->len + len + 1 > o->cap) {
    size_t cap = (o->cap + len + 1) * 2;
    char *t = realloc(o->text, cap);
    if (!t) return 1;
    o->text = t;
    o->cap = cap;
  }
  memcpy(o->text + o->len, bytes, len);
  o->len += len;
  o->text[o->len] = 0;
  return 0;
}

static char *read_file(const char *path, size_t *len, lil_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    lil_error_set(err, LIL_ERR_IO, "cannot open prompt file '%s'", path);
    return NULL;
  }
  size_t cap = 4096, n = 0;
  char *b = malloc(cap);
  while (b) {
    n += fread(b + n, 1, cap - n - 1, f);
    if (n < cap - 1) break;
    char *nb = realloc(b, cap * 2);
    if (!nb) free(b);
    b = nb;
    cap *= 2;
  }
  fclose(f);
  if (!b) lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "out of memory reading '%s'", path);
  else b[n] = 0, *len = n;
  return b;
}

static int parse(int argc, char **argv, run_opts *o) {
  static const struct option opts[] = {
      {"model", required_argument, 0, 'm'}, {"prompt", required_argument, 0, 'p'},
      {"file", required_argument, 0, 'f'}, {"n-predict", required_argument, 0, 'n'},
      {"ctx-size", required_argument, 0, 'c'}, {"temp", required_argument, 0, O_TEMP},
      {"top-k", required_argument, 0, O_TOPK}, {"top-p", required_argument, 0, O_TOPP},
      {"min-p", required_argument, 0, O_MINP}, {"seed", required_argument, 0, O_SEED},
      {"device", required_argument, 0, O_DEVICE}, {"chat", no_argument, 0, O_CHAT},
      {"cnv", no_argument, 0, O_CHAT}, {"system", required_argument, 0, O_SYSTEM},
      {"no-bos", no_argument, 0, O_NOBOS}, {"sparse", required_argument, 0, O_SPARSE},
      {"guardian", optional_argument, 0, O_GUARD}, {"json", no_argument, 0, O_JSON},
      {"verbose", no_argument, 0, O_VERBOSE}, {"profile", no_argument, 0, O_PROFILE},
      {"budget", required_argument, 0, O_BUDGET}, {"page-size", required_argument, 0, O_PAGE},
      {"sink", required_argument, 0, O_SINK}, {"recent", required_argument, 0, O_RECENT},
      {"dense-layers", required_argument, 0, O_DENSE_LAYERS}, {"kv-type", required_argument, 0, O_KV_TYPE},
      {"matvec-x8", no_argument, 0, O_MATVEC_X8},
      {"no-fuse", no_argument, 0, O_NO_FUSE}, {"warmup", no_argument, 0, O_WARMUP},
      {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  int c;
  double d;
  uint64_t u;
  optind = 0; /* full getopt reset (state of a cluster like -hx): parse may run again in one process */
  opterr = 0;
  while ((c = getopt_long_only(argc, argv, "m:p:f:n:c:h", opts, NULL)) != -1) {
    switch (c) {
    case 'm': o->model = optarg; break;
    case 'p': o->prompt = optarg; break;
    case 'f': o->file = optarg; break;
    case 'n': if (!cli_parse_u64("run", "-n", optarg, 1, 1u << 30, &o->n_predict)) return 2; break;
    case 'c': if (!cli_parse_u64("run", "-c", optarg, 1, 1u << 24, &o->n_ctx)) return 2; break;
    case O_TEMP: if (!cli_parse_double("run", "--temp", optarg, 0, 100, &d)) return 2; o->sampling.temp = (float)d; break;
    case O_TOPK: if (!cli_parse_u64("run", "--top-k", optarg, 0, 1u << 30, &u)) return 2; o->sampling.top_k = (uint32_t)u; break;
    case O_TOPP: if (!cli_parse_double("run", "--top-p", optarg, 0, 1, &d)) return 2; o->sampling.top_p = (float)d; break;
    case O_MINP: if (!cli_parse_double("run", "--min-p", optarg, 0, 1, &d)) return 2; o->sampling.min_p = (float)d; break;
    case O_SEED: if (!cli_parse_u64("run", "--seed", optarg, 0, UINT64_MAX, &o->sampling.seed)) return 2; break;
    case O_DEVICE: o->device = optarg; break;
    case O_CHAT: o->chat = 1; break;
    case O_SYSTEM: o->system = optarg; break;
    case O_NOBOS: o->no_bos = 1; break;
    case O_SPARSE: {
      lil_error e = {0};
      if (lil_attn_policy_parse(optarg, &o->policy.kind, &e)) {
        fprintf(stderr, "lil run: --sparse: %s\n", e.msg);
        return 2;
      }
      break;
    }
    case O_BUDGET: if (!cli_parse_u64("run", "--budget", optarg, 1, 1u << 24, &u)) return 2; o->policy.budget = (uint32_t)u; break;
    case O_PAGE: if (!cli_parse_u64("run", "--page-size", optarg, 1, 32, &u)) return 2; o->page_size = (uint32_t)u; break;
    case O_SINK: if (!cli_parse_u64("run", "--sink", optarg, 0, 1u << 24, &u)) return 2; o->policy.sink = (uint32_t)u; break;
    case O_RECENT: if (!cli_parse_u64("run", "--recent", optarg, 0, 1u << 24, &u)) return 2; o->policy.recent = (uint32_t)u; break;
    case O_DENSE_LAYERS:
      if (!cli_parse_u64("run", "--dense-layers", optarg, 0, 1u << 16, &u)) return 2;
      o->policy.dense_layers = (uint32_t)u;
      break;
    case O_MATVEC_X8: o->matvec_x8 = 1; break;
    case O_NO_FUSE: o->no_fuse = 1; break;
    case O_WARMUP: o->warmup = 1; break;
    case O_KV_TYPE:
      if (strcmp(optarg, "f16") && strcmp(optarg, "f32")) {
        fprintf(stderr, "lil run: --kv-type '%s' is not one of f16, f32\n", optarg);
        return 2;
      }
      o->kv_type = strcmp(optarg, "f16") ? LIL_KV_F32 : LIL_KV_F16;
      break;
    case O_GUARD: /* --guardian=SPEC or --guardian SPEC (a next argument with '=' in it) */
      o->use_guardian = 1;
      o->guardian = optarg;
      if (!optarg && optind < argc && argv[optind][0] != '-' && strchr(argv[optind], '=')) o->guardian = argv[optind++];
      break;
    case O_JSON: o->json = 1; break;
    case O_VERBOSE: o->verbose = 1; break;
    case O_PROFILE: o->profile = 1; break;
    case 'h': usage(stdout); return 0;
    default:
      fprintf(stderr, "lil run: unknown or incomplete option '%s' (see lil run --help)\n", argv[optind - 1]);
      return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "lil run: unexpected argument '%s' (use -p for the prompt)\n", argv[optind]);
    return 2;
  }
  if (o->prompt && o->file) {
    fprintf(stderr, "lil run: give -p or -f, not both\n");
    return 2;
  }
  return -1;
}

typedef struct run_state {
  lil_ctx *ctx;
  lil_model *model;
  lil_tokenizer *tok;
  lil_session *sess;
  lil_guardian_monitor *mon;
  char *text, *chat, *guardian_spec; /* the spec outlives the monitor (inject= points into it) */
  int32_t *ids;
  size_t n_ids;
  out_state out;
  lil_generate_result res;
  lil_guardian_monitor_report grep; /* after generation, when the guardian ran */
  int have_grep;
} run_state;

static void run_free(run_state *r) {
  lil_generate_result_free(&r->res);
  lil_guardian_monitor_free(r->mon);
  lil_session_free(r->sess);
  lil_tokenizer_free(r->tok);
  lil_model_free(r->model);
  lil_ctx_free(r->ctx);
  free(r->text);
  free(r->chat);
  free(r->guardian_spec);
  free(r->ids);
  free(r->out.text);
}

static json_t *ids_json(const int32_t *ids, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(a, json_integer(ids[i]));
  return a;
}

static lil_status build_prompt(run_state *r, const run_opts *o, lil_error *err) {
  const char *text = o->prompt ? o->prompt : "";
  size_t len = strlen(text);
  lil_status st;
  if (o->file) {
    if (!(r->text = read_file(o->file, &len, err))) return err->status;
    text = r->text;
  }
  size_t bad;
  if (!lil_utf8_validate(text, len, &bad))
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "the prompt is not valid UTF-8 (byte %zu)", bad);
  if (o->chat) {
    lil_chat_format f = lil_chat_format_from_gguf(lil_model_gguf(r->model));
    if (f == LIL_CHAT_UNKNOWN)
      return lil_error_set(err, LIL_ERR_UNSUPPORTED, "--chat: the model has no chat template lil knows");
    size_t need;
    if ((st = lil_chat_apply(f, o->system, text, 1, NULL, 0, &need, err))) return st;
    if (!(r->chat = malloc(need + 1))) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "out of memory");
    if ((st = lil_chat_apply(f, o->system, text, 1, r->chat, need + 1, &need, err))) return st;
    text = r->chat;
    len = need;
  }
  int add_bos = !o->no_bos && lil_tokenizer_add_bos(r->tok);
  if ((st = lil_tokenize(r->tok, text, len, add_bos, o->chat, &r->ids, &r->n_ids, err))) return st;
  if (!r->n_ids) return lil_error_set(err, LIL_ERR_INVALID_ARG, "empty prompt (no text and no BOS)");
  if (!o->json && !o->chat) on_text(&r->out, text, len); /* echo the prompt, then the continuation */
  r->out.len = 0;
  return LIL_OK;
}

static lil_status run(run_state *r, const run_opts *o, lil_error *err) {
  char path[PATH_MAX];
  const char *model = cli_model_path(o->model, path, sizeof(path), err);
  if (!model) return err->status;
  lil_ctx_options co;
  lil_ctx_options_default(&co);
  co.device = o->device;
  co.profile = o->profile;
  if (o->matvec_x8) co.matvec_x8 = 1;
  lil_status st = lil_ctx_create(&co, &r->ctx, err);
  if (!st) st = lil_model_load(r->ctx, model, NULL, &r->model, err);
  if (!st) st = lil_tokenizer_create_from_gguf(lil_model_gguf(r->model), &r->tok, err);
  if (st) return st;
  const lil_model_config *c = lil_model_get_config(r->model);
  if (o->verbose)
    fprintf(stderr, "model: %s, %s, %u layers, embd %u, heads %u/%u x %u, ff %u, vocab %u; weights %.1f MiB in %.2f s\n",
            model, lil_arch_name(c->arch), c->n_layer, c->n_embd, c->n_head, c->n_head_kv, c->head_dim, c->n_ff,
            c->n_vocab, lil_model_weight_bytes(r->model) / 1048576.0, lil_model_upload_seconds(r->model));
  if ((st = build_prompt(r, o, err))) return st;
  lil_session_options so;
  lil_session_options_default(&so);
  so.n_ctx = (uint32_t)o->n_ctx;
  so.sampling = o->sampling;
  if (!o->sampling.top_p) so.sampling.top_p = 1.0f;
  so.policy = o->policy;
  so.max_prompt = (uint32_t)r->n_ids; /* the prompt is known: the KV pool of evicting policies stays bounded */
  so.page_size = o->page_size;
  so.kv_type = o->kv_type;
  so.unfused_decode = o->no_fuse;
  if (!o->json && isatty(STDERR_FILENO)) so.prompt_progress = on_prompt_progress;
  if ((st = lil_session_create(r->model, &so, &r->sess, err))) return st;
  if (r->n_ids > lil_session_n_ctx(r->sess))
    return lil_error_set(err, LIL_ERR_RANGE, "prompt is %zu tokens, context is %u", r->n_ids, lil_session_n_ctx(r->sess));
  if (o->use_guardian) {
    lil_guardian_monitor_config mc;
    lil_guardian_monitor_config_default(&mc);
    if (!(r->guardian_spec = strdup(o->guardian ? o->guardian : "")))
      return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "out of memory");
    if ((st = cli_guardian_spec_parse(r->guardian_spec, &mc.opts, err))) return st;
    mc.detokenize = cli_guardian_detok;
    mc.user = r->tok;
    if ((st = lil_guardian_monitor_create(&mc, &r->mon, err))) return st;
  }
  if (o->warmup) { /* one unmeasured prompt pass and decode steps (as many as fit), then an empty cache again */
    int32_t next;
    st = lil_session_prefill(r->sess, r->ids, (uint32_t)r->n_ids, &next, err);
    for (int i = 0; i < 4 && !st && lil_session_length(r->sess) < lil_session_n_ctx(r->sess); i++)
      st = lil_session_step(r->sess, next, &next, err);
    if (st || (st = lil_session_reset(r->sess, err))) return lil_error_prefix(err, "--warmup");
  }
  lil_generate_params gp = {
      .max_tokens = (uint32_t)o->n_predict, .on_text = on_text, .user = &r->out, .monitor = r->mon, .cancel = o->cancel};
  if ((st = lil_generate(r->sess, r->tok, r->ids, (uint32_t)r->n_ids, &gp, &r->res, err))) return st;
  if (r->mon) {
    if ((st = lil_guardian_monitor_finish(r->mon, &r->grep, err))) return st;
    r->have_grep = 1;
  }
  return LIL_OK;
}

/* --profile: the last decode step's GPU time per kernel, aggregated by label. */
static void profile_table(const run_state *r) {
  const lil_seq_timing *t;
  uint32_t n = lil_session_step_timings(r->sess, &t);
  if (!n) {
    fprintf(stderr, "profile: no GPU timings (no decode step ran, or the device has no timestamps)\n");
    return;
  }
  cli_kernel_time *a = calloc(n, sizeof(*a));
  if (!a) return;
  double total = 0;
  uint32_t na = cli_profile_by_label(t, n, a, n, &total);
  fprintf(stderr, "profile: one decode step, %u dispatches, %.3f ms of kernel time\n", n, total);
  fprintf(stderr, "  %-20s %6s %10s %6s\n", "kernel", "count", "ms", "%");
  for (uint32_t i = 0; i < na; i++)
    fprintf(stderr, "  %-20s %6u %10.4f %5.1f%%\n", a[i].label, a[i].count, a[i].ms,
            total > 0 ? 100.0 * a[i].ms / total : 0.0);
  free(a);
}

static void report(run_state *r, const run_opts *o) {
  lil_generate_result *g = &r->res;
  double pre_tps = g->prefill_s > 0 ? g->n_prompt / g->prefill_s : 0;
  double dec_tps = g->decode_s > 0 ? g->n_steps / g->decode_s : 0;
  uint64_t peak = lil_ctx_device_bytes_peak(r->ctx), kv = lil_session_kv_bytes(r->sess);
  const char *stop = lil_stop_reason_name(g->stop);
  /* tokens the run would still have produced: up to -n, else until the context is full */
  uint64_t cap = o->n_predict ? o->n_predict : lil_session_n_ctx(r->sess) - g->n_prompt + 1;
  uint64_t saved = cap > g->n_ids ? cap - g->n_ids : 0;
  if (o->json) {
    json_t *j = json_object();
    json_object_set_new(j, "prompt_ids", ids_json(r->ids, r->n_ids));
    json_object_set_new(j, "ids", ids_json(g->ids, g->n_ids));
    json_object_set_new(j, "text", cli_json_text(r->out.text ? r->out.text : "", r->out.len));
    json_object_set_new(j, "stop", json_string(stop));
    json_t *s = json_object();
    json_object_set_new(s, "prompt_tokens", json_integer(g->n_prompt));
    json_object_set_new(s, "generated_tokens", json_integer((json_int_t)g->n_ids));
    json_object_set_new(s, "prefill_tok_s", json_real(pre_tps));
    json_object_set_new(s, "decode_tok_s", json_real(dec_tps));
    json_object_set_new(s, "ttft_ms", json_real(g->ttft_s * 1e3));
    json_object_set_new(s, "peak_device_bytes", json_integer((json_int_t)peak));
    json_object_set_new(s, "kv_bytes", json_integer((json_int_t)kv));
    json_object_set_new(s, "n_ctx", json_integer(lil_session_n_ctx(r->sess)));
    json_object_set_new(j, "stats", s);
    json_object_set_new(s, "kv_capacity_bytes", json_integer((json_int_t)lil_session_kv_capacity_bytes(r->sess)));
    json_object_set_new(s, "attention", json_string(lil_attn_policy_name(o->policy.kind)));
    /* true when the integer-dot decode matvec is on (--matvec-x8, or automatic where the device
     * accelerates integer dot products) */
    json_object_set_new(s, "matvec_x8", json_boolean(lil_ctx_plan(r->ctx)->use_matvec_x8 != 0));
    /* commands of the decode step replayed per token (fewer with the fused RMSNorm / SwiGLU) */
    json_object_set_new(s, "step_dispatches", json_integer((json_int_t)lil_session_step_dispatches(r->sess)));
    if (g->guardian_fired) {
      json_object_set_new(j, "guardian_position", json_integer((json_int_t)g->decision.position));
      json_t *gj = json_object();
      json_object_set_new(gj, "reason", json_string("plateau"));
      json_object_set_new(gj, "action", json_string(g->decision.action == LIL_GUARDIAN_ACTION_ANSWER ? "answer" : "stop"));
      json_object_set_new(gj, "position", json_integer((json_int_t)g->decision.position));
      json_object_set_new(gj, "check", json_integer(g->decision.check));
      if (r->have_grep) json_object_set_new(gj, "published_at", json_integer((json_int_t)r->grep.published_at));
      json_object_set_new(gj, "stopped_at", json_integer((json_int_t)g->n_ids));
      if (g->decision.action == LIL_GUARDIAN_ACTION_ANSWER)
        json_object_set_new(gj, "answer_at", json_integer((json_int_t)g->answer_at));
      json_object_set_new(gj, "tokens_saved", json_integer((json_int_t)saved));
      json_object_set_new(j, "guardian", gj);
    }
    if (r->have_grep) {
      const lil_guardian_stats *gs = &r->grep.stats;
      json_t *st = json_object(), *gains = json_array();
      for (uint32_t i = 0; i < gs->n_checks; i++) json_array_append_new(gains, json_integer(gs->checks[i].gain));
      json_object_set_new(st, "checks", json_integer(gs->n_checks));
      json_object_set_new(st, "gains", gains);
      json_object_set_new(st, "cpu_ms", json_real((double)gs->cpu_ns * 1e-6));
      json_object_set_new(st, "thread_cpu_ms", json_real((double)r->grep.thread_cpu_ns * 1e-6));
      json_object_set_new(j, "guardian_stats", st);
    }
    char *txt = json_dumps(j, JSON_COMPACT);
    if (txt) puts(txt);
    free(txt);
    json_decref(j);
  } else {
    putchar('\n');
    fflush(stdout);
  }
  if (g->stop == LIL_STOP_INTERRUPTED) fprintf(stderr, "lil run: interrupted (SIGINT) after %zu tokens\n", g->n_ids);
  if (g->stop == LIL_STOP_CONTEXT) fprintf(stderr, "lil run: context full at %u tokens\n", lil_session_n_ctx(r->sess));
  if (g->guardian_fired) {
    if (g->decision.action == LIL_GUARDIAN_ACTION_ANSWER)
      fprintf(stderr, "lil run: guardian: repetition at token %llu (check %u), answer injected",
              (unsigned long long)g->decision.position, g->decision.check);
    else
      fprintf(stderr, "lil run: guardian stopped the repetition at token %llu (check %u)",
              (unsigned long long)g->decision.position, g->decision.check);
    if (r->have_grep) fprintf(stderr, ", flag raised at %llu", (unsigned long long)r->grep.published_at);
    fprintf(stderr, "; generation ended at %zu tokens, %llu tokens saved\n", g->n_ids, (unsigned long long)saved);
  }
  if (r->have_grep) { /* every run with the guardian: its checks and CPU cost */
    const lil_guardian_stats *gs = &r->grep.stats;
    fprintf(stderr, "lil run: guardian: %u checks, %.3f ms CPU in checks (%.3f ms guardian thread), %s\n",
            gs->n_checks, (double)gs->cpu_ns * 1e-6, (double)r->grep.thread_cpu_ns * 1e-6,
            g->guardian_fired ? "stopped" : "no plateau");
    if (o->verbose)
      for (uint32_t i = 0; i < gs->n_checks; i++)
        fprintf(stderr, "  check %u at %llu tokens: compressed %llu bytes, gain %lld (threshold %.1f)\n", i + 1,
                (unsigned long long)gs->checks[i].position, (unsigned long long)gs->checks[i].size,
                (long long)gs->checks[i].gain, gs->checks[i].threshold);
  }
  fprintf(stderr,
          "prompt %u tokens, generated %zu tokens (stop: %s); prefill %.1f tok/s, decode %.1f tok/s, "
          "first token %.1f ms; peak device memory %.1f MiB, KV %.3f MiB in use (%s attention, %.3f MiB pool)\n",
          g->n_prompt, g->n_ids, stop, pre_tps, dec_tps, g->ttft_s * 1e3, peak / 1048576.0, kv / 1048576.0,
          lil_attn_policy_name(o->policy.kind), lil_session_kv_capacity_bytes(r->sess) / 1048576.0);
  if (o->verbose) /* what $LIL_FAULT_ALLOC / $LIL_FAULT_DEVICE_LOST count (docs/reliability.md) */
    fprintf(stderr, "lil run: %u allocations (buffers, Vulkan objects), %u queue waits\n", lil_ctx_alloc_count(r->ctx),
            lil_ctx_wait_count(r->ctx));
  if (o->profile) profile_table(r);
}

/* SIGINT: the first one asks generation to stop at the next token (the output so far and the
 * summary are still printed, exit code 130); SA_RESETHAND restores the default action, so a second
 * one ends the process at once (e.g. during a long model load, which is not interruptible). */
static volatile sig_atomic_t sigint_seen;

static void on_sigint(int sig) {
  (void)sig;
  sigint_seen = 1;
}

int cmd_run(int argc, char **argv) {
  run_opts o = {0};
  o.cancel = &sigint_seen;
  o.sampling.top_p = 1.0f;
  lil_attention_config ac;
  lil_attention_config_default(&ac);
  o.policy = ac.policy;
  int rc = parse(argc, argv, &o);
  if (rc >= 0) return rc;
  run_state r = {0};
  r.out.json = o.json;
  lil_error err = {0};
  struct sigaction sa = {.sa_handler = on_sigint, .sa_flags = SA_RESETHAND | SA_RESTART}, old_sa;
  sigemptyset(&sa.sa_mask);
  sigint_seen = 0;
  sigaction(SIGINT, &sa, &old_sa);
  lil_status st = run(&r, &o, &err);
  if (st) {
    if (!o.json && r.out.len) putchar('\n');
    rc = cli_fail("run", &err);
  } else {
    report(&r, &o);
    rc = r.res.stop == LIL_STOP_INTERRUPTED ? 128 + SIGINT : 0;
  }
  run_free(&r);
  sigaction(SIGINT, &old_sa, NULL);
  return rc;
}
