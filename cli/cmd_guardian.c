/* `lil guardian [options] FILE...`: where the Guardian would stop on existing outputs. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_guardian.h"
#include "cli_jsonl.h"
#include "guardian_svg.h"
#include "lil_guardian.h"

typedef struct run_cfg {
  lil_guardian_opts o;
  bool jsonl, json, include_prompt;
  const char *field, *prompt_field, *svg;
  bool svg_done;
  lil_token_ends_fn token_ends;
  void *token_user;
} run_cfg;

static void usage(FILE *f) {
  fprintf(f,
          "usage: lil guardian [options] FILE...\n"
          "Replays the Guardian (early stopping on compressed-size plateaus) over finished outputs:\n"
          "plain text, or JSON Lines (one output per record) when FILE ends in .jsonl or --jsonl.\n"
          "Tokens are approximated as 4 bytes each unless -m MODEL gives a tokenizer.\n\n"
          "  -f, --every N          tokens between checks (250)\n"
          "  -t, --threshold N      bytes of compressed growth per check (20)\n"
          "      --patience N       consecutive low checks to stop (1)\n"
          "      --min-tokens N     no stop before N tokens (0)\n"
          "      --rule R           loop (default: gain < loop-ratio x largest early gain, and the last two\n"
          "                         windows mostly made of 16-byte n-grams seen before), relative, or\n"
          "                         paper (gain < t)\n"
          "      --ratio X          relative rule: fraction of the early median gain (0.2)\n"
          "      --loop-ratio X     loop rule: fraction of the largest of the first K gains (0.5)\n"
          "      --share X          loop rule: least mean share of repeated n-grams, last two windows (0.6)\n"
          "      --share-digits X   loop rule: the same with digits masked (0.95)\n"
          "      --baseline-checks K  relative and loop rules: early gains are the first K checks' (4)\n"
          "      --level N          zlib level 1-9 (6)\n"
          "      --jsonl            read JSON Lines whatever the file name\n"
          "      --field NAME       JSON field holding the output (output)\n"
          "      --include-prompt   compress the prompt as context (JSON Lines only)\n"
          "      --prompt-field N   JSON field holding the prompt (prompt)\n"
          "      --json             one JSON object per record: file, record, rule, tokens, stopped,\n"
          "                         stop_at, gains (and shares, shares_digits with the loop rule)\n"
          "      --svg OUT.svg      plot of the first record of the first file\n"
          "  -m MODEL               count tokens with MODEL's tokenizer (default: 4 bytes a token)\n"
          "\nEvaluation on labelled runs (JSON Lines), one table (or with --json one object) per file:\n"
          "      --eval             per rule: share of looping, unfinished, finished-correct and other\n"
          "                         finished runs stopped, tokens saved, answer present before the stop\n"
          "      --rules LIST       rules to compare (paper,relative,loop)\n"
          "      --text-field N     output text (text)\n"
          "      --finished-field N true when the run ended on its own (finished)\n"
          "      --correct-field N  true/false/null: the final answer was right (correct)\n"
          "      --loop-field N     true/false; absent: every unfinished run counts as looping (loop)\n"
          "      --answer-field N   reference answer, string or number (answer)\n"
          "      --split V          only records whose --split-field N (split) equals V\n"
          "  -h, --help             this help\n");
}

size_t lil_token_ends_4bytes(void *user, const char *text, size_t n, size_t **ends) {
  (void)user;
  (void)text;
  size_t k = (n + 3) / 4;
  *ends = malloc((k ? k : 1) * sizeof(size_t));
  if (!*ends) return 0;
  for (size_t i = 0; i < k; i++) (*ends)[i] = (i + 1) * 4 < n ? (i + 1) * 4 : n;
  return k;
}

int guardian_replay(const lil_guardian_opts *o, const char *text, size_t n, const size_t *ends, size_t tokens,
                    const char *prompt, size_t prompt_n, lil_guardian **out, char *msg, size_t cap) {
  lil_guardian *g = NULL;
  lil_error err = {0};
  *out = NULL;
  if (tokens && ends[tokens - 1] > n) {
    snprintf(msg, cap, "token ends past the text (%zu > %zu bytes)", ends[tokens - 1], n);
    return 1;
  }
  if (lil_guardian_create(o, &g, &err) || (prompt && lil_guardian_set_prompt_text(g, prompt, prompt_n, &err))) {
    snprintf(msg, cap, "%s", err.msg);
    if (g) lil_guardian_free(g);
    return 1;
  }
  size_t done_tok = 0, done_byte = 0;
  while (done_tok + o->every <= tokens) {
    size_t end = ends[done_tok + o->every - 1];
    lil_guardian_decision d;
    if (lil_guardian_add_text(g, text + done_byte, end - done_byte, o->every, &d, &err)) {
      snprintf(msg, cap, "%s", err.msg);
      lil_guardian_free(g);
      return 1;
    }
    done_tok += o->every;
    done_byte = end;
    if (d.stop) break;
  }
  *out = g;
  return 0;
}

/* Runs the guardian over one output and prints the result. Returns 0, or 1 on error. */
static int run_one(run_cfg *c, const char *file, long record, const char *text, size_t n, const char *prompt,
                   size_t prompt_n) {
  lil_guardian *g;
  size_t *ends = NULL;
  size_t tokens = c->token_ends(c->token_user, text, n, &ends);
  if (n && !tokens) {
    fprintf(stderr, "lil guardian: %s: tokenization failed\n", file);
    return 1;
  }
  char msg[600];
  int bad = guardian_replay(&c->o, text, n, ends, tokens, prompt, prompt_n, &g, msg, sizeof(msg));
  free(ends);
  if (bad) {
    fprintf(stderr, "lil guardian: %s: %s\n", file, msg);
    return 1;
  }
  lil_guardian_stats s;
  lil_guardian_get_stats(g, &s);
  if (c->json) {
    json_t *o = json_object(), *gains = json_array();
    for (uint32_t i = 0; i < s.n_checks; i++) json_array_append_new(gains, json_integer(s.checks[i].gain));
    json_object_set_new(o, "file", json_string(file));
    json_object_set_new(o, "record", json_integer(record < 0 ? 0 : record));
    json_object_set_new(o, "rule", json_string(lil_guardian_rule_name(c->o.rule)));
    json_object_set_new(o, "tokens", json_integer((json_int_t)tokens));
    json_object_set_new(o, "stopped", json_boolean(s.stopped));
    json_object_set_new(o, "stop_at", s.stopped ? json_integer((json_int_t)s.stop_position) : json_null());
    json_object_set_new(o, "gains", gains);
    if (c->o.rule == LIL_GUARDIAN_RULE_LOOP) { /* the loop rule's second signal, one per check */
      json_t *shares = json_array();
      for (uint32_t i = 0; i < s.n_checks; i++) json_array_append_new(shares, json_real(s.checks[i].share));
      json_object_set_new(o, "shares", shares);
      json_t *digits = json_array();
      for (uint32_t i = 0; i < s.n_checks; i++) json_array_append_new(digits, json_real(s.checks[i].share_digits));
      json_object_set_new(o, "shares_digits", digits);
    }
    char *line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (line) printf("%s\n", line);
    free(line);
    json_decref(o);
  } else {
    if (record >= 0) printf("%s record %ld: ", file, record);
    else printf("%s: ", file);
    printf("%zu tokens, %u checks, rule %s: ", tokens, s.n_checks, lil_guardian_rule_name(c->o.rule));
    if (s.stopped)
      printf("stops at %llu tokens, saves %llu tokens (%.1f%%)\n", (unsigned long long)s.stop_position,
             (unsigned long long)(tokens - s.stop_position), 100.0 * (double)(tokens - s.stop_position) / (double)tokens);
    else printf("no stop\n");
    printf("  gains:");
    for (uint32_t i = 0; i < s.n_checks; i++) printf(" %lld", (long long)s.checks[i].gain);
    printf("\n  threshold at the last check: %.1f bytes; guardian CPU %.3f ms\n",
           s.n_checks ? s.checks[s.n_checks - 1].threshold : (double)c->o.threshold, (double)s.cpu_ns / 1e6);
  }
  int rc = 0;
  if (c->svg && !c->svg_done) {
    c->svg_done = true;
    FILE *f = fopen(c->svg, "w");
    if (!f) {
      fprintf(stderr, "lil guardian: cannot write '%s': %s\n", c->svg, strerror(errno));
      rc = 1;
    } else {
      char title[512];
      snprintf(title, sizeof(title), "%s%s%ld: Guardian, rule %s, every %u", file, record >= 0 ? " record " : "",
               record >= 0 ? record : 0L, lil_guardian_rule_name(c->o.rule), c->o.every);
      guardian_svg_write(f, title, &s, (unsigned long long)tokens);
      if (fclose(f)) rc = 1;
    }
  }
  lil_guardian_free(g);
  return rc;
}

static char *read_all(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len + 65536 > cap) {
      cap = cap ? 2 * cap : 131072;
      char *p = realloc(buf, cap);
      if (!p) break;
      buf = p;
    }
    size_t k = fread(buf + len, 1, cap - len, f);
    len += k;
    if (k == 0) break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    errno = EIO;
    return NULL;
  }
  *n = len;
  return buf;
}

static int run_jsonl(run_cfg *c, const char *path) {
  cli_jsonl in;
  if (!cli_jsonl_open(&in, "guardian", path)) return 1;
  long record = 0;
  int rc = 0, got;
  json_t *j;
  while (!rc && (got = cli_jsonl_next(&in, &j)) != 0) {
    if (got < 0) {
      rc = 1;
      break;
    }
    long lineno = in.lineno;
    json_t *out = json_object_get(j, c->field);
    json_t *pr = c->include_prompt ? json_object_get(j, c->prompt_field) : NULL;
    if (!json_is_string(out)) {
      fprintf(stderr, "lil guardian: %s:%ld: record has no string field '%s'\n", path, lineno, c->field);
      rc = 1;
    } else if (c->include_prompt && !json_is_string(pr)) {
      fprintf(stderr, "lil guardian: %s:%ld: record has no string field '%s' (--prompt-field)\n", path, lineno,
              c->prompt_field);
      rc = 1;
    } else {
      rc = run_one(c, path, record++, json_string_value(out), json_string_length(out), pr ? json_string_value(pr) : NULL,
                   pr ? json_string_length(pr) : 0);
    }
    json_decref(j);
  }
  cli_jsonl_close(&in);
  return rc;
}

static int bad_value(const char *opt, lil_error *err) {
  fprintf(stderr, "lil guardian: --%s: %s\n", opt, err->msg);
  return 2;
}

int cmd_guardian(int argc, char **argv) {
  static const struct option longs[] = {
      {"every", required_argument, NULL, 'f'},      {"threshold", required_argument, NULL, 't'},
      {"patience", required_argument, NULL, 'p'},   {"min-tokens", required_argument, NULL, 'n'},
      {"rule", required_argument, NULL, 'r'},       {"ratio", required_argument, NULL, 'R'},
      {"level", required_argument, NULL, 'l'},      {"jsonl", no_argument, NULL, 'J'},
      {"field", required_argument, NULL, 'F'},      {"include-prompt", no_argument, NULL, 'P'},
      {"prompt-field", required_argument, NULL, 'Q'}, {"json", no_argument, NULL, 'j'},
      {"svg", required_argument, NULL, 's'},        {"help", no_argument, NULL, 'h'},
      {"loop-ratio", required_argument, NULL, 'L'}, {"share", required_argument, NULL, 'S'},
      {"baseline-checks", required_argument, NULL, 'K'}, {"eval", no_argument, NULL, 'E'},
      {"share-digits", required_argument, NULL, 'G'},
      {"rules", required_argument, NULL, 'U'},      {"text-field", required_argument, NULL, 'T'},
      {"finished-field", required_argument, NULL, 'D'}, {"correct-field", required_argument, NULL, 'C'},
      {"loop-field", required_argument, NULL, 'O'}, {"answer-field", required_argument, NULL, 'A'},
      {"split-field", required_argument, NULL, 'Y'}, {"split", required_argument, NULL, 'X'},
      {NULL, 0, NULL, 0}};
  static const struct {
    int code;
    const char *key;
  } keyed[] = {{'f', "every"}, {'t', "threshold"}, {'p', "patience"}, {'n', "min-tokens"},
               {'r', "rule"},  {'R', "ratio"},     {'l', "level"},      {'L', "loop-ratio"},
               {'S', "share"}, {'K', "baseline-checks"}, {'G', "share-digits"}};
  run_cfg c = {0};
  lil_guardian_opts_default(&c.o);
  c.field = "output";
  c.prompt_field = "prompt";
  c.token_ends = lil_token_ends_4bytes;
  const char *model_path = NULL;
  bool eval = false;
  guardian_eval_cfg ev = {.rules = "paper,relative,loop", .text_field = "text", .finished_field = "finished",
                          .correct_field = "correct", .loop_field = "loop", .answer_field = "answer",
                          .split_field = "split"};
  optind = 0; /* full getopt reset: cmd_guardian may run more than once in a process */
  opterr = 0;
  int ch;
  while ((ch = getopt_long(argc, argv, ":f:t:m:h", longs, NULL)) != -1) {
    lil_error err = {0};
    bool handled = false;
    for (size_t i = 0; i < sizeof(keyed) / sizeof(keyed[0]); i++)
      if (ch == keyed[i].code) {
        if (lil_guardian_opts_set(&c.o, keyed[i].key, optarg, &err)) return bad_value(keyed[i].key, &err);
        handled = true;
      }
    if (handled) continue;
    switch (ch) {
    case 'J': c.jsonl = true; break;
    case 'F': c.field = optarg; break;
    case 'P': c.include_prompt = true; break;
    case 'Q': c.prompt_field = optarg; break;
    case 'j': c.json = true; break;
    case 's': c.svg = optarg; break;
    case 'h': usage(stdout); return 0;
    case 'm': model_path = optarg; break;
    case 'E': eval = true; break;
    case 'U': ev.rules = optarg; break;
    case 'T': ev.text_field = optarg; break;
    case 'D': ev.finished_field = optarg; break;
    case 'C': ev.correct_field = optarg; break;
    case 'O': ev.loop_field = optarg; break;
    case 'A': ev.answer_field = optarg; break;
    case 'Y': ev.split_field = optarg; break;
    case 'X': ev.split = optarg; break;
    case ':': fprintf(stderr, "lil guardian: option '%s' needs a value\n", argv[optind - 1]); return 2;
    default: fprintf(stderr, "lil guardian: unknown option '%s' (see lil guardian --help)\n", argv[optind - 1]); return 2;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "lil guardian: no input file (see lil guardian --help)\n");
    return 2;
  }
  c.o.include_prompt = c.include_prompt;
  if (eval && (c.include_prompt || c.svg)) {
    fprintf(stderr, "lil guardian: --eval does not take --include-prompt or --svg\n");
    return 2;
  }
  void *tok = NULL, *gguf = NULL;
  if (model_path) {
    char msg[600];
    if (lil_token_model_open(model_path, &tok, &gguf, msg, sizeof(msg))) {
      fprintf(stderr, "lil guardian: %s\n", msg);
      return 1;
    }
    c.token_ends = lil_token_ends_model;
    c.token_user = tok;
  }
  if (eval) {
    ev.base = &c.o;
    ev.json = c.json;
    ev.token_ends = c.token_ends;
    ev.token_user = c.token_user;
    int rc = 0;
    for (int i = optind; i < argc && !rc; i++) rc = guardian_eval(&ev, argv[i]);
    if (tok) lil_token_model_close(tok, gguf);
    return rc;
  }
  for (int i = optind; i < argc; i++) {
    const char *path = argv[i];
    size_t l = strlen(path);
    bool jsonl = c.jsonl || (l > 6 && !strcmp(path + l - 6, ".jsonl"));
    int rc;
    if (jsonl) {
      rc = run_jsonl(&c, path);
    } else if (c.include_prompt) {
      fprintf(stderr, "lil guardian: %s: --include-prompt needs JSON Lines input (a prompt field)\n", path);
      rc = 2;
    } else {
      size_t n = 0;
      char *text = read_all(path, &n);
      if (!text) {
        fprintf(stderr, "lil guardian: cannot open '%s': %s\n", path, strerror(errno));
        if (tok) lil_token_model_close(tok, gguf);
        return 1;
      }
      rc = run_one(&c, path, -1, text, n, NULL, 0);
      free(text);
    }
    if (rc) {
      if (tok) lil_token_model_close(tok, gguf);
      return rc;
    }
  }
  if (tok) lil_token_model_close(tok, gguf);
  return 0;
}
