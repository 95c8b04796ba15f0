/* lil eval: the Lil trade-off on a model and a problem set. Every prompt is generated (greedy) under
 * every attention policy asked for, once without and once with the Guardian; per run: tokens
 * generated, finished (end-of-generation token) or not, decode time and time per token, the peak
 * KV memory, where the Guardian stopped and the tokens that saved against the same policy without
 * it, and, where the prompts carry an answer, whether the output's answer matches. JSON Lines (one
 * object per run, then one per policy x Guardian summary) and a table. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_commands.h"
#include "cli_guardian_spec.h"
#include "cli_util.h"
#include "cli_text.h"
#include "eval_prompts.h"
#include "lil_attention.h"
#include "lil_chat.h"
#include "lil_generate.h"
#include "lil_model.h"
#include "lil_model_config.h"
#include "lil_tokenizer.h"
#include "lil_utf8.h"
#include "lil_vk.h"

#define EVAL_MAX_POLICIES 8

typedef struct eval_opts {
  const char *model, *prompts, *device, *guardian, *json_out;
  uint64_t limit, max_tokens, budget;
  lil_attn_policy_kind policies[EVAL_MAX_POLICIES];
  int n_policies, chat;
} eval_opts;

typedef struct eval_sum { /* one policy x guardian */
  uint32_t runs, finished, stops, with_answer, correct;
  uint64_t tokens, steps, saved, kv_peak;
  double decode_s;
} eval_sum;

typedef struct eval_run {
  uint64_t tokens, kv_peak, steps, guardian_pos;
  int finished, fired;
  double decode_s;
  char *text;
  size_t text_len, text_cap;
  lil_session *sess;
} eval_run;

static void usage(FILE *f) {
  fprintf(f, "usage: lil eval [-m MODEL] [--prompts FILE.jsonl[.gz]] [--sparse P1,P2,...] [--budget N]\n"
             "                [--guardian K=V,...] [-n N] [--limit N] [--chat] [--json OUT.jsonl] [--device SEL]\n"
             "Generates every prompt (greedy) under each attention policy, without and with the Guardian, and\n"
             "reports per run and per policy: tokens generated, finished or not, decode time, time per token,\n"
             "peak KV memory, the Guardian's stop position and the tokens it saved (against the same policy\n"
             "without it), and the accuracy where the prompts carry an answer.\n"
             "  -m, --model FILE     GGUF model (default: the bundled stories260K.gguf)\n"
             "  --prompts FILE       JSON Lines, plain or .gz, with \"prompt\", \"question\" or \"problem\" and an\n"
             "                       optional \"answer\" (GSM8K's \"#### N\" too) or \"solution\" with \\boxed{}\n"
             "                       (default: the bundled GSM8K test set)\n"
             "  --limit N            the first N prompts (default 3; 0: all)\n"
             "  --sparse LIST        policies: dense, window, quest, h2o, raas (default dense)\n"
             "  --budget N           tokens of KV a sparse policy keeps or reads (default 2048)\n"
             "  --guardian SPEC      the Guardian's options for the runs with it (as lil run --guardian,\n"
             "                       e.g. f=64,t=20; default: its defaults)\n"
             "  -n, --max-tokens N   tokens per run at most (default 256; less where the context ends)\n"
             "  --chat               wrap each prompt in the model's chat template\n"
             "  --json OUT           write the JSON Lines to OUT ('-': stdout, then the table goes to stderr)\n"
             "  --device SEL         Vulkan device (index or name substring)\n");
}

static int parse_policies(const char *s, eval_opts *o) {
  char *dup = strdup(s), *save = NULL;
  o->n_policies = 0;
  int ok = dup != NULL;
  for (char *t = ok ? strtok_r(dup, ",", &save) : NULL; t && ok; t = strtok_r(NULL, ",", &save)) {
    lil_error e = {0};
    if (o->n_policies == EVAL_MAX_POLICIES) {
      fprintf(stderr, "lil eval: --sparse: at most %d policies\n", EVAL_MAX_POLICIES);
      ok = 0;
    } else if (lil_attn_policy_parse(t, &o->policies[o->n_policies], &e)) {
      fprintf(stderr, "lil eval: --sparse: %s\n", e.msg);
      ok = 0;
    } else {
      o->n_policies++;
    }
  }
  free(dup);
  if (ok && !o->n_policies) fprintf(stderr, "lil eval: --sparse: no policy given\n");
  return ok && o->n_policies;
}

static int parse(int argc, char **argv, eval_opts *o) {
  enum { O_PROMPTS = 256, O_SPARSE, O_BUDGET, O_GUARD, O_LIMIT, O_CHAT, O_JSON, O_DEVICE };
  static const struct option opts[] = {
      {"model", required_argument, 0, 'm'},      {"prompts", required_argument, 0, O_PROMPTS},
      {"sparse", required_argument, 0, O_SPARSE}, {"budget", required_argument, 0, O_BUDGET},
      {"guardian", required_argument, 0, O_GUARD}, {"max-tokens", required_argument, 0, 'n'},
      {"limit", required_argument, 0, O_LIMIT},   {"chat", no_argument, 0, O_CHAT},
      {"json", required_argument, 0, O_JSON},     {"device", required_argument, 0, O_DEVICE},
      {"help", no_argument, 0, 'h'},              {0, 0, 0, 0}};
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "m:n:h", opts, NULL)) != -1) {
    switch (c) {
    case 'm': o->model = optarg; break;
    case O_PROMPTS: o->prompts = optarg; break;
    case O_SPARSE: if (!parse_policies(optarg, o)) return 2; break;
    case O_BUDGET: if (!cli_parse_u64("eval", "--budget", optarg, 1, 1u << 24, &o->budget)) return 2; break;
    case O_GUARD: o->guardian = optarg; break;
    case 'n': if (!cli_parse_u64("eval", "--max-tokens", optarg, 1, 1u << 24, &o->max_tokens)) return 2; break;
    case O_LIMIT: if (!cli_parse_u64("eval", "--limit", optarg, 0, 1u << 24, &o->limit)) return 2; break;
    case O_CHAT: o->chat = 1; break;
    case O_JSON: o->json_out = optarg; break;
    case O_DEVICE: o->device = optarg; break;
    case 'h': usage(stdout); return 0;
    default: fprintf(stderr, "lil eval: unknown or incomplete option '%s'\n", argv[optind - 1]); return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "lil eval: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  return -1;
}

static int on_text(void *user, const char *bytes, size_t len) {
  eval_run *r = user;
  if (r->text_len + len + 1 > r->text_cap) {
    size_t nc = (r->text_len + len + 1) * 2;
    char *nb = realloc(r->text, nc);
    if (!nb) return 1;
    r->text = nb, r->text_cap = nc;
  }
  memcpy(r->text + r->text_len, bytes, len);
  r->text_len += len;
  r->text[r->text_len] = 0;
  return 0;
}

static int on_token(void *user, int32_t id) {
  (void)id;
  eval_run *r = user;
  uint64_t kv = lil_session_kv_bytes(r->sess);
  if (kv > r->kv_peak) r->kv_peak = kv;
  return 0;
}

/* One generation of prompt ids under the policy, with or without the Guardian. */
static lil_status run_one(lil_model *m, const lil_tokenizer *tok, const int32_t *ids, uint32_t n_ids,
                          uint32_t max_new, const lil_attn_policy *pol, const char *gspec, eval_run *r, lil_error *err) {
  lil_session_options so;
  lil_session_options_default(&so);
  so.n_ctx = n_ids + max_new + 1;
  so.policy = *pol;
  so.max_prompt = n_ids;
  lil_guardian_monitor *mon = NULL;
  char *spec = NULL;
  lil_generate_result g;
  memset(&g, 0, sizeof(g));
  lil_status st = lil_session_create(m, &so, &r->sess, err);
  if (!st && gspec) {
    lil_guardian_monitor_config mc;
    lil_guardian_monitor_config_default(&mc);
    if (!(spec = strdup(gspec))) st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "out of memory");
    if (!st) st = cli_guardian_spec_parse(spec, &mc.opts, err);
    mc.detokenize = cli_guardian_detok;
    mc.user = (void *)tok;
    if (!st) st = lil_guardian_monitor_create(&mc, &mon, err);
  }
  lil_generate_params gp = {.max_tokens = max_new, .on_text = on_text, .on_token = on_token, .user = r, .monitor = mon};
  if (!st) st = lil_generate(r->sess, tok, ids, n_ids, &gp, &g, err);
  if (!st && mon) st = lil_guardian_monitor_finish(mon, NULL, err); /* the guardian thread's errors */
  if (!st) {
    r->tokens = g.n_ids, r->steps = g.n_steps, r->decode_s = g.decode_s;
    r->finished = g.stop == LIL_STOP_EOG;
    r->fired = g.guardian_fired;
    r->guardian_pos = g.guardian_fired ? g.decision.position : 0;
    uint64_t kv = lil_session_kv_bytes(r->sess);
    if (kv > r->kv_peak) r->kv_peak = kv;
  }
  lil_generate_result_free(&g);
  lil_guardian_monitor_free(mon);
  free(spec);
  lil_session_free(r->sess);
  r->sess = NULL;
  return st;
}

static void emit(FILE *jf, json_t *o) {
  if (jf) {
    char *t = json_dumps(o, JSON_COMPACT);
    if (t) fprintf(jf, "%s\n", t);
    free(t);
  }
  json_decref(o);
}

/* Tokens of prompt i (chat-wrapped with --chat), BOS as the tokenizer wants. */
static lil_status prompt_ids(lil_model *m, const lil_tokenizer *tok, const eval_opts *o, const char *text,
                             int32_t **ids, size_t *n, lil_error *err) {
  char *chat = NULL;
  size_t len = strlen(text), bad;
  if (!lil_utf8_validate(text, len, &bad))
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "the prompt is not valid UTF-8 (byte %zu)", bad);
  lil_status st = LIL_OK;
  if (o->chat) {
    lil_chat_format f = lil_chat_format_from_gguf(lil_model_gguf(m));
    size_t need;
    if (f == LIL_CHAT_UNKNOWN) return lil_error_set(err, LIL_ERR_UNSUPPORTED, "--chat: the model has no chat template lil knows");
    if ((st = lil_chat_apply(f, NULL, text, 1, NULL, 0, &need, err))) return st;
    if (!(chat = malloc(need + 1))) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "out of memory");
    if (!(st = lil_chat_apply(f, NULL, text, 1, chat, need + 1, &need, err))) text = chat, len = need;
  }
  if (!st) st = lil_tokenize(tok, text, len, lil_tokenizer_add_bos(tok), o->chat, ids, n, err);
  free(chat);
  return st;
}

int cmd_eval(int argc, char **argv) {
  eval_opts o = {.limit = 3, .max_tokens = 256, .budget = 2048, .n_policies = 1, .policies = {LIL_ATTN_DENSE}};
  int rc = parse(argc, argv, &o);
  if (rc >= 0) return rc;
  char mpath[PATH_MAX], ppath[PATH_MAX];
  lil_error err = {0};
  const char *model = cli_model_path(o.model, mpath, sizeof(mpath), &err);
  if (!model) return cli_fail("eval", &err);
  const char *prompts = o.prompts ? o.prompts : cli_asset_path("benchmarks/gsm8k_test.jsonl.gz", ppath, sizeof(ppath));
  if (!prompts) {
    fprintf(stderr, "lil eval: no --prompts given and the bundled benchmarks/gsm8k_test.jsonl.gz was not found\n");
    return 1;
  }
  if (o.guardian) { /* the spec, checked before any model is loaded */
    lil_guardian_opts go;
    char *spec = strdup(o.guardian);
    lil_status st = spec ? cli_guardian_spec_parse(spec, &go, &err) : lil_error_set(&err, LIL_ERR_OUT_OF_MEMORY, "out of memory");
    free(spec);
    if (st) return cli_fail("eval", &err);
  }
  eval_prompt *ps = NULL;
  uint32_t np = 0;
  if (!eval_prompts_load(prompts, (uint32_t)o.limit, &ps, &np)) return 2;
  FILE *jf = NULL, *tf = stdout;
  if (o.json_out && !strcmp(o.json_out, "-")) jf = stdout, tf = stderr;
  else if (o.json_out && !(jf = fopen(o.json_out, "w"))) {
    fprintf(stderr, "lil eval: %s: cannot write: %s\n", o.json_out, strerror(errno));
    eval_prompts_free(ps, np);
    return 1;
  }
  lil_ctx_options co;
  lil_ctx_options_default(&co);
  co.device = o.device;
  lil_ctx *ctx = NULL;
  lil_model *m = NULL;
  lil_tokenizer *tok = NULL;
  lil_status st = lil_ctx_create(&co, &ctx, &err);
  if (!st) st = lil_model_load(ctx, model, NULL, &m, &err);
  if (!st) st = lil_tokenizer_create_from_gguf(lil_model_gguf(m), &tok, &err);
  const lil_model_config *cfg = m ? lil_model_get_config(m) : NULL;
  uint32_t n_ctx_max = cfg && cfg->n_ctx_train ? cfg->n_ctx_train : 1u << 20;
  const char *gspec = o.guardian ? o.guardian : "";
  eval_sum sums[EVAL_MAX_POLICIES][2];
  memset(sums, 0, sizeof(sums));
  for (uint32_t i = 0; !st && i < np; i++) {
    int32_t *ids = NULL;
    size_t n_ids = 0;
    if ((st = prompt_ids(m, tok, &o, ps[i].text, &ids, &n_ids, &err))) break;
    if (n_ids + 2 > n_ctx_max) {
      json_t *j = json_object();
      json_object_set_new(j, "prompt", json_integer(i));
      json_object_set_new(j, "line", json_integer(ps[i].line));
      json_object_set_new(j, "skipped", json_sprintf("prompt of %zu tokens, the model's context is %u", n_ids, n_ctx_max));
      fprintf(stderr, "lil eval: prompt %u skipped: %zu tokens, the model's context is %u\n", i, n_ids, n_ctx_max);
      emit(jf, j);
      free(ids);
      continue;
    }
    uint32_t max_new = (uint32_t)o.max_tokens;
    if (n_ids + max_new + 1 > n_ctx_max) max_new = n_ctx_max - (uint32_t)n_ids - 1;
    for (int pi = 0; !st && pi < o.n_policies; pi++) {
      lil_session_options dso;
      lil_session_options_default(&dso);
      lil_attn_policy pol = dso.policy;
      pol.kind = o.policies[pi];
      pol.budget = (uint32_t)o.budget;
      uint64_t base_tokens = 0;
      for (int gi = 0; gi < 2 && !st; gi++) {
        eval_run r;
        memset(&r, 0, sizeof(r));
        fprintf(stderr, "lil eval: prompt %u/%u, %s%s\n", i + 1, np, lil_attn_policy_name(pol.kind),
                gi ? " + guardian" : "");
        st = run_one(m, tok, ids, (uint32_t)n_ids, max_new, &pol, gi ? gspec : NULL, &r, &err);
        if (st) {
          free(r.text);
          break;
        }
        if (!gi) base_tokens = r.tokens;
        uint64_t saved = gi && base_tokens > r.tokens ? base_tokens - r.tokens : 0;
        char *got = r.text ? eval_extract_answer(r.text, r.text_len) : NULL;
        int correct = ps[i].answer && eval_answers_match(got, ps[i].answer);
        eval_sum *s = &sums[pi][gi];
        s->runs++, s->finished += r.finished, s->stops += r.fired, s->tokens += r.tokens, s->steps += r.steps;
        s->saved += saved, s->decode_s += r.decode_s;
        if (r.kv_peak > s->kv_peak) s->kv_peak = r.kv_peak;
        if (ps[i].answer) s->with_answer++, s->correct += correct;
        json_t *j = json_object();
        json_object_set_new(j, "prompt", json_integer(i));
        json_object_set_new(j, "line", json_integer(ps[i].line));
        json_object_set_new(j, "policy", json_string(lil_attn_policy_name(pol.kind)));
        json_object_set_new(j, "budget", pol.kind == LIL_ATTN_DENSE ? json_null() : json_integer((json_int_t)o.budget));
        json_object_set_new(j, "guardian", json_boolean(gi));
        json_object_set_new(j, "prompt_tokens", json_integer((json_int_t)n_ids));
        json_object_set_new(j, "max_tokens", json_integer(max_new));
        json_object_set_new(j, "tokens", json_integer((json_int_t)r.tokens));
        json_object_set_new(j, "finished", json_boolean(r.finished));
        json_object_set_new(j, "decode_s", json_real(r.decode_s));
        json_object_set_new(j, "ms_per_token", r.steps ? json_real(1e3 * r.decode_s / r.steps) : json_null());
        json_object_set_new(j, "kv_peak_bytes", json_integer((json_int_t)r.kv_peak));
        json_object_set_new(j, "guardian_stop", r.fired ? json_integer((json_int_t)r.guardian_pos) : json_null());
        json_object_set_new(j, "tokens_saved", gi ? json_integer((json_int_t)saved) : json_null());
        json_object_set_new(j, "answer", ps[i].answer ? json_string(ps[i].answer) : json_null());
        json_object_set_new(j, "output_answer", got ? cli_json_text(got, strlen(got)) : json_null());
        json_object_set_new(j, "correct", ps[i].answer ? json_boolean(correct) : json_null());
        json_object_set_new(j, "text", cli_json_text(r.text ? r.text : "", r.text_len));
        emit(jf, j);
        free(got);
        free(r.text);
      }
    }
    free(ids);
  }
  if (!st) {
    fprintf(tf, "model: %s; prompts: %s (%u); at most %llu tokens per run\n", model, prompts, np,
            (unsigned long long)o.max_tokens);
    fprintf(tf, "%-8s %-8s %5s %8s %8s %9s %9s %8s %6s %7s %9s\n", "policy", "guardian", "runs", "tokens", "finished",
            "decode_s", "ms/token", "kv_MiB", "stops", "saved", "accuracy");
    for (int pi = 0; pi < o.n_policies; pi++)
      for (int gi = 0; gi < 2; gi++) {
        const eval_sum *s = &sums[pi][gi];
        char acc[32] = "-";
        if (s->with_answer) snprintf(acc, sizeof(acc), "%u/%u", s->correct, s->with_answer);
        fprintf(tf, "%-8s %-8s %5u %8llu %8u %9.3f %9.3f %8.3f %6u %7llu %9s\n", lil_attn_policy_name(o.policies[pi]),
                gi ? "yes" : "no", s->runs, (unsigned long long)s->tokens, s->finished, s->decode_s,
                s->steps ? 1e3 * s->decode_s / s->steps : 0.0, s->kv_peak / 1048576.0, s->stops,
                (unsigned long long)s->saved, acc);
        json_t *j = json_object();
        json_object_set_new(j, "summary", json_true());
        json_object_set_new(j, "policy", json_string(lil_attn_policy_name(o.policies[pi])));
        json_object_set_new(j, "guardian", json_boolean(gi));
        json_object_set_new(j, "runs", json_integer(s->runs));
        json_object_set_new(j, "tokens", json_integer((json_int_t)s->tokens));
        json_object_set_new(j, "finished", json_integer(s->finished));
        json_object_set_new(j, "decode_s", json_real(s->decode_s));
        json_object_set_new(j, "ms_per_token", s->steps ? json_real(1e3 * s->decode_s / s->steps) : json_null());
        json_object_set_new(j, "kv_peak_bytes", json_integer((json_int_t)s->kv_peak));
        json_object_set_new(j, "guardian_stops", json_integer(s->stops));
        json_object_set_new(j, "tokens_saved", json_integer((json_int_t)s->saved));
        json_object_set_new(j, "with_answer", json_integer(s->with_answer));
        json_object_set_new(j, "correct", json_integer(s->correct));
        json_object_set_new(j, "accuracy", s->with_answer ? json_real((double)s->correct / s->with_answer) : json_null());
        emit(jf, j);
      }
  }
  uint32_t vmsgs = ctx ? lil_ctx_validation_messages(ctx) : 0;
  if (jf && jf != stdout && fclose(jf) && !st) st = lil_error_set(&err, LIL_ERR_IO, "%s: write failed", o.json_out);
  lil_tokenizer_free(tok);
  lil_model_free(m);
  lil_ctx_free(ctx);
  eval_prompts_free(ps, np);
  if (st) return cli_fail("eval", &err);
  return vmsgs ? 3 : 0;
}
