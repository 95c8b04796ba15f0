/* Guardian options: defaults, parsing one option from text, validation. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lil_guardian.h"

void lil_guardian_opts_default(lil_guardian_opts *o) {
  memset(o, 0, sizeof(*o));
  o->every = 250;
  o->threshold = 20;
  o->patience = 1;
  o->min_tokens = 0;
  o->level = 6;
  o->rule = LIL_GUARDIAN_RULE_LOOP;
  o->ratio = 0.2;
  o->baseline_checks = 4;
  o->loop_ratio = 0.5;
  o->share = 0.6;
  o->share_digits = 0.95;
  o->measure = LIL_GUARDIAN_MEASURE_TEXT;
  o->include_prompt = false;
  o->action = LIL_GUARDIAN_ACTION_STOP;
  o->inject = "\n</think>\n\n";
  o->answer_tokens = 128;
}

const char *lil_guardian_rule_name(lil_guardian_rule r) {
  switch (r) {
  case LIL_GUARDIAN_RULE_RELATIVE: return "relative";
  case LIL_GUARDIAN_RULE_PAPER: return "paper";
  case LIL_GUARDIAN_RULE_LOOP: return "loop";
  }
  return "unknown";
}

static lil_status parse_u32(const char *key, const char *v, uint32_t lo, uint32_t hi, uint32_t *out, lil_error *err) {
  char *end = NULL;
  errno = 0;
  if (!v || !*v || *v == '-' || *v == '+')
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "option %s: '%s' is not a whole number", key, v ? v : "");
  unsigned long long x = strtoull(v, &end, 10);
  if (*end) return lil_error_set(err, LIL_ERR_INVALID_ARG, "option %s: '%s' is not a whole number", key, v);
  if (errno == ERANGE || x < lo || x > hi)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "option %s: %s is out of range [%u, %u]", key, v, lo, hi);
  *out = (uint32_t)x;
  return LIL_OK;
}

static lil_status parse_bool(const char *key, const char *v, bool *out, lil_error *err) {
  if (v && (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes"))) *out = true;
  else if (v && (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no"))) *out = false;
  else return lil_error_set(err, LIL_ERR_INVALID_ARG, "option %s: '%s' is not a boolean (true|false)", key, v ? v : "");
  return LIL_OK;
}

lil_status lil_guardian_opts_set(lil_guardian_opts *o, const char *key, const char *v, lil_error *err) {
  if (!o || !key) return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian option: NULL argument");
  uint32_t u = 0;
  lil_status st;
  if (!strcmp(key, "every")) {
    if ((st = parse_u32(key, v, 1, 1u << 24, &u, err))) return st;
    o->every = u;
  } else if (!strcmp(key, "threshold")) {
    if ((st = parse_u32(key, v, 0, 1u << 24, &u, err))) return st;
    o->threshold = u;
  } else if (!strcmp(key, "patience")) {
    if ((st = parse_u32(key, v, 1, 1000, &u, err))) return st;
    o->patience = u;
  } else if (!strcmp(key, "min-tokens")) {
    if ((st = parse_u32(key, v, 0, UINT32_MAX, &u, err))) return st;
    o->min_tokens = u;
  } else if (!strcmp(key, "level")) {
    if ((st = parse_u32(key, v, 1, 9, &u, err))) return st;
    o->level = (int)u;
  } else if (!strcmp(key, "baseline-checks")) {
    if ((st = parse_u32(key, v, 1, 64, &u, err))) return st;
    o->baseline_checks = u;
  } else if (!strcmp(key, "answer-tokens")) {
    if ((st = parse_u32(key, v, 0, 1u << 24, &u, err))) return st;
    o->answer_tokens = u;
  } else if (!strcmp(key, "ratio") || !strcmp(key, "loop-ratio") || !strcmp(key, "share") ||
             !strcmp(key, "share-digits")) {
    char *end = NULL;
    double x = v ? strtod(v, &end) : NAN;
    if (!v || !*v || *end || !(x >= 0.0 && x <= 1.0))
      return lil_error_set(err, LIL_ERR_INVALID_ARG, "option %s: '%s' is not a number in [0, 1]", key, v ? v : "");
    if (!strcmp(key, "ratio")) o->ratio = x;
    else if (!strcmp(key, "share")) o->share = x;
    else if (!strcmp(key, "share-digits")) o->share_digits = x;
    else o->loop_ratio = x;
  } else if (!strcmp(key, "rule")) {
    if (v && !strcmp(v, "paper")) o->rule = LIL_GUARDIAN_RULE_PAPER;
    else if (v && !strcmp(v, "relative")) o->rule = LIL_GUARDIAN_RULE_RELATIVE;
    else if (v && !strcmp(v, "loop")) o->rule = LIL_GUARDIAN_RULE_LOOP;
    else return lil_error_set(err, LIL_ERR_INVALID_ARG, "option rule: '%s' is not one of paper, relative, loop", v ? v : "");
  } else if (!strcmp(key, "measure")) {
    if (v && !strcmp(v, "text")) o->measure = LIL_GUARDIAN_MEASURE_TEXT;
    else if (v && !strcmp(v, "ids")) o->measure = LIL_GUARDIAN_MEASURE_IDS;
    else return lil_error_set(err, LIL_ERR_INVALID_ARG, "option measure: '%s' is not one of text, ids", v ? v : "");
  } else if (!strcmp(key, "action")) {
    if (v && !strcmp(v, "stop")) o->action = LIL_GUARDIAN_ACTION_STOP;
    else if (v && !strcmp(v, "answer")) o->action = LIL_GUARDIAN_ACTION_ANSWER;
    else return lil_error_set(err, LIL_ERR_INVALID_ARG, "option action: '%s' is not one of stop, answer", v ? v : "");
  } else if (!strcmp(key, "include-prompt")) {
    return parse_bool(key, v, &o->include_prompt, err);
  } else if (!strcmp(key, "inject")) {
    if (!v) return lil_error_set(err, LIL_ERR_INVALID_ARG, "option inject: missing string");
    o->inject = v;
  } else {
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "unknown guardian option '%s'", key);
  }
  return LIL_OK;
}

lil_status lil_guardian_opts_validate(const lil_guardian_opts *o, lil_error *err) {
  if (!o) return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian options: NULL");
  if (o->every == 0) return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian options: every must be >= 1");
  if (o->patience == 0) return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian options: patience must be >= 1");
  if (o->level < 1 || o->level > 9)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian options: level %d is out of range [1, 9]", o->level);
  if (o->rule != LIL_GUARDIAN_RULE_RELATIVE && o->rule != LIL_GUARDIAN_RULE_PAPER && o->rule != LIL_GUARDIAN_RULE_LOOP)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian options: unknown rule %d", (int)o->rule);
  if (!(o->ratio >= 0.0 && o->ratio <= 1.0))
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian options: ratio %g is out of range [0, 1]", o->ratio);
  if (!(o->loop_ratio >= 0.0 && o->loop_ratio <= 1.0))
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian options: loop-ratio %g is out of range [0, 1]", o->loop_ratio);
  if (!(o->share >= 0.0 && o->share <= 1.0))
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian options: share %g is out of range [0, 1]", o->share);
  if (!(o->share_digits >= 0.0 && o->share_digits <= 1.0))
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian options: share-digits %g is out of range [0, 1]", o->share_digits);
  if (o->baseline_checks < 1 || o->baseline_checks > 64)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian options: baseline-checks %u is out of range [1, 64]", o->baseline_checks);
  if (o->measure != LIL_GUARDIAN_MEASURE_TEXT && o->measure != LIL_GUARDIAN_MEASURE_IDS)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian options: unknown measure %d", (int)o->measure);
  if (o->action != LIL_GUARDIAN_ACTION_STOP && o->action != LIL_GUARDIAN_ACTION_ANSWER)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian options: unknown action %d", (int)o->action);
  if (o->action == LIL_GUARDIAN_ACTION_ANSWER && !o->inject)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian options: action answer needs an inject string");
  return LIL_OK;
}
