/* `lil guardian --eval FILE.jsonl`: replays each rule over labelled runs and counts, per class of
 * run, how many it would stop, the tokens it would save, and whether the reference answer was
 * already in the text before the stop (the offline check of the `answer` action). */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_guardian.h"
#include "cli_jsonl.h"
#include "lil_guardian.h"

#define EVAL_MAX_RULES 8

typedef struct class_count {
  long n, stopped;
} class_count;

typedef struct rule_result {
  lil_guardian_opts o;
  class_count loop, unfinished, fin_correct, fin_other;
  unsigned long long tokens, saved, saved_loop, saved_fin_correct;
  long answer_runs;   /* stopped runs whose text contains the reference answer */
  long answer_before; /* of those, the answer occurs before the stop */
} rule_result;

/* A label: true/false, or -1 when the field is absent or null. Anything else is an error. */
static int label(json_t *rec, const char *field, int *out) {
  json_t *v = json_object_get(rec, field);
  if (!v || json_is_null(v)) *out = -1;
  else if (json_is_boolean(v)) *out = json_is_true(v);
  else return -1;
  return 0;
}

/* The reference answer as text: a string, or a number printed plainly; "" if none. */
static void answer_text(json_t *rec, const char *field, char *buf, size_t cap) {
  json_t *v = field ? json_object_get(rec, field) : NULL;
  buf[0] = 0;
  if (json_is_string(v)) snprintf(buf, cap, "%s", json_string_value(v));
  else if (json_is_integer(v)) snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
  else if (json_is_real(v)) snprintf(buf, cap, "%g", json_real_value(v));
  /* GSM8K-style references end in "#### N": the answer is N */
  char *h = strstr(buf, "####");
  if (h) memmove(buf, h + 4, strlen(h + 4) + 1);
  size_t a = 0, b = strlen(buf);
  while (a < b && isspace((unsigned char)buf[a])) a++;
  while (b > a && isspace((unsigned char)buf[b - 1])) b--;
  memmove(buf, buf + a, b - a);
  buf[b - a] = 0;
}

/* First byte offset of `ans` in text[0..n) as a whole token (no letter or digit right before or
 * after it), or n if none. */
static size_t find_answer(const char *text, size_t n, const char *ans) {
  size_t k = strlen(ans);
  if (!k || k > n) return n;
  for (size_t i = 0; i + k <= n; i++) {
    if (memcmp(text + i, ans, k)) continue;
    bool before = i > 0 && isalnum((unsigned char)text[i - 1]);
    bool after = i + k < n && isalnum((unsigned char)text[i + k]);
    if (!before && !after) return i;
  }
  return n;
}

static int parse_rules(const guardian_eval_cfg *c, rule_result *r, int *n_rules) {
  char buf[256];
  snprintf(buf, sizeof(buf), "%s", c->rules);
  int n = 0;
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (n == EVAL_MAX_RULES) {
      fprintf(stderr, "lil guardian: --rules: at most %d rules\n", EVAL_MAX_RULES);
      return 2;
    }
    lil_error err = {0};
    memset(&r[n], 0, sizeof(r[n]));
    r[n].o = *c->base;
    if (lil_guardian_opts_set(&r[n].o, "rule", tok, &err)) {
      fprintf(stderr, "lil guardian: --rules: %s\n", err.msg);
      return 2;
    }
    n++;
  }
  if (!n) {
    fprintf(stderr, "lil guardian: --rules: no rule given\n");
    return 2;
  }
  *n_rules = n;
  return 0;
}

static void count(class_count *cc, bool stopped) {
  cc->n++;
  cc->stopped += stopped;
}

/* One record: every rule over the same tokenization. */
static int eval_record(const guardian_eval_cfg *c, rule_result *r, int n_rules, const char *path, long lineno,
                       json_t *rec) {
  json_t *tv = json_object_get(rec, c->text_field);
  if (!json_is_string(tv)) {
    fprintf(stderr, "lil guardian: %s:%ld: record has no string field '%s' (--text-field)\n", path, lineno,
            c->text_field);
    return 1;
  }
  int finished, correct, loop;
  if (label(rec, c->finished_field, &finished) || finished < 0) {
    fprintf(stderr, "lil guardian: %s:%ld: record has no boolean field '%s' (--finished-field)\n", path, lineno,
            c->finished_field);
    return 1;
  }
  if (label(rec, c->correct_field, &correct) || label(rec, c->loop_field, &loop)) {
    fprintf(stderr, "lil guardian: %s:%ld: field '%s' or '%s' is neither true, false nor null\n", path, lineno,
            c->correct_field, c->loop_field);
    return 1;
  }
  if (loop < 0) loop = !finished; /* no loop label: every unfinished run counts as looping */
  const char *text = json_string_value(tv);
  size_t n = json_string_length(tv);
  char ans[256];
  answer_text(rec, c->answer_field, ans, sizeof(ans));
  size_t ans_at = ans[0] ? find_answer(text, n, ans) : n;
  size_t *ends = NULL;
  size_t tokens = c->token_ends(c->token_user, text, n, &ends);
  if (n && !tokens) {
    fprintf(stderr, "lil guardian: %s:%ld: tokenization failed\n", path, lineno);
    return 1;
  }
  int rc = 0;
  for (int i = 0; i < n_rules && !rc; i++) {
    lil_guardian *g;
    char msg[600];
    if (guardian_replay(&r[i].o, text, n, ends, tokens, NULL, 0, &g, msg, sizeof(msg))) {
      fprintf(stderr, "lil guardian: %s:%ld: %s\n", path, lineno, msg);
      rc = 1;
      break;
    }
    lil_guardian_stats s;
    lil_guardian_get_stats(g, &s);
    bool stop = s.stopped;
    unsigned long long saved = stop ? (unsigned long long)(tokens - s.stop_position) : 0;
    r[i].tokens += tokens;
    r[i].saved += saved;
    if (loop) {
      count(&r[i].loop, stop);
      r[i].saved_loop += saved;
    }
    if (!finished) count(&r[i].unfinished, stop);
    else if (correct == 1) {
      count(&r[i].fin_correct, stop);
      r[i].saved_fin_correct += saved;
    } else count(&r[i].fin_other, stop);
    if (stop && ans_at < n) {
      size_t stop_byte = s.stop_position ? ends[s.stop_position - 1] : 0;
      r[i].answer_runs++;
      r[i].answer_before += ans_at + strlen(ans) <= stop_byte;
    }
    lil_guardian_free(g);
  }
  free(ends);
  return rc;
}

static double pct(long a, long b) { return b ? 100.0 * (double)a / (double)b : 0.0; }

static json_t *class_json(const class_count *cc) {
  return json_pack("{s:I,s:I,s:f}", "runs", (json_int_t)cc->n, "stopped", (json_int_t)cc->stopped, "share",
                   cc->n ? (double)cc->stopped / (double)cc->n : 0.0);
}

static void report(const guardian_eval_cfg *c, const char *path, long records, const rule_result *r, int n_rules) {
  if (c->json) {
    json_t *rules = json_array();
    for (int i = 0; i < n_rules; i++) {
      json_t *o = json_object();
      json_object_set_new(o, "rule", json_string(lil_guardian_rule_name(r[i].o.rule)));
      json_object_set_new(o, "loop", class_json(&r[i].loop));
      json_object_set_new(o, "unfinished", class_json(&r[i].unfinished));
      json_object_set_new(o, "finished_correct", class_json(&r[i].fin_correct));
      json_object_set_new(o, "finished_other", class_json(&r[i].fin_other));
      json_object_set_new(o, "tokens", json_integer((json_int_t)r[i].tokens));
      json_object_set_new(o, "tokens_saved", json_integer((json_int_t)r[i].saved));
      json_object_set_new(o, "tokens_saved_loop", json_integer((json_int_t)r[i].saved_loop));
      json_object_set_new(o, "tokens_saved_finished_correct", json_integer((json_int_t)r[i].saved_fin_correct));
      json_object_set_new(o, "answer", json_pack("{s:I,s:I}", "stopped_with_answer", (json_int_t)r[i].answer_runs,
                                                 "answer_before_stop", (json_int_t)r[i].answer_before));
      json_array_append_new(rules, o);
    }
    json_t *top = json_pack("{s:s,s:I,s:s?,s:o}", "file", path, "records", (json_int_t)records, "split", c->split,
                            "rules", rules);
    char *line = json_dumps(top, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (line) printf("%s\n", line);
    free(line);
    json_decref(top);
    return;
  }
  printf("%s: %ld runs%s%s (loop %ld, unfinished %ld, finished-correct %ld, finished-other %ld)\n", path, records,
         c->split ? ", split " : "", c->split ? c->split : "", r[0].loop.n, r[0].unfinished.n, r[0].fin_correct.n,
         r[0].fin_other.n);
  printf("%-9s %14s %14s %18s %16s %14s %16s\n", "rule", "loops stopped", "unfin. stopped", "fin-correct stopped",
         "fin-other stop.", "tokens saved", "answer <= stop");
  for (int i = 0; i < n_rules; i++) {
    char a[32], b[32], cc[32], d[32], e[32], f[32];
    snprintf(a, sizeof(a), "%.1f%% (%ld)", pct(r[i].loop.stopped, r[i].loop.n), r[i].loop.stopped);
    snprintf(b, sizeof(b), "%.1f%% (%ld)", pct(r[i].unfinished.stopped, r[i].unfinished.n), r[i].unfinished.stopped);
    snprintf(cc, sizeof(cc), "%.2f%% (%ld)", pct(r[i].fin_correct.stopped, r[i].fin_correct.n), r[i].fin_correct.stopped);
    snprintf(d, sizeof(d), "%.2f%% (%ld)", pct(r[i].fin_other.stopped, r[i].fin_other.n), r[i].fin_other.stopped);
    snprintf(e, sizeof(e), "%.1f%%", r[i].tokens ? 100.0 * (double)r[i].saved / (double)r[i].tokens : 0.0);
    snprintf(f, sizeof(f), "%ld/%ld", r[i].answer_before, r[i].answer_runs);
    printf("%-9s %14s %14s %18s %16s %14s %16s\n", lil_guardian_rule_name(r[i].o.rule), a, b, cc, d, e, f);
  }
}

int guardian_eval(const guardian_eval_cfg *c, const char *path) {
  rule_result r[EVAL_MAX_RULES];
  int n_rules = 0, rc = parse_rules(c, r, &n_rules);
  if (rc) return rc;
  cli_jsonl in;
  if (!cli_jsonl_open(&in, "guardian", path)) return 1;
  long records = 0;
  int got;
  json_t *j;
  while (!rc && (got = cli_jsonl_next(&in, &j)) != 0) {
    if (got < 0) {
      rc = 1;
      break;
    }
    long lineno = in.lineno;
    json_t *sp = c->split ? json_object_get(j, c->split_field) : NULL;
    if (c->split && !json_is_string(sp)) {
      fprintf(stderr, "lil guardian: %s:%ld: record has no string field '%s' (--split-field)\n", path, lineno,
              c->split_field);
      rc = 1;
    } else if (!c->split || !strcmp(json_string_value(sp), c->split)) {
      rc = eval_record(c, r, n_rules, path, lineno, j);
      records++;
    }
    json_decref(j);
  }
  cli_jsonl_close(&in);
  if (!rc && !records) {
    fprintf(stderr, "lil guardian: %s: no records%s%s\n", path, c->split ? " in split " : "", c->split ? c->split : "");
    rc = 1;
  }
  if (!rc) report(c, path, records, r, n_rules);
  return rc;
}
