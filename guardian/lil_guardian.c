/* The Guardian core: feeds output to the meter, runs a check every f tokens, applies the rule. */
#include "lil_guardian.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guardian_meter.h"
#include "guardian_ngram.h"
#include "guardian_rule.h"
#include "guardian_utf8.h"

struct lil_guardian {
  lil_guardian_opts o;
  char *inject;          /* owned copy of o.inject */
  gd_meter meter;
  gd_ngram ngram;        /* loop rule only (bits NULL otherwise) */
  gd_ngram ngram_digits; /* loop rule: the same with digits masked */
  unsigned char tail[4]; /* held-back incomplete UTF-8 sequence */
  size_t tail_n;
  bool output_started;
  uint64_t tokens, next_check, bytes, prev_size;
  lil_guardian_check *checks;
  uint32_t n_checks, cap_checks;
  uint32_t low_run; /* consecutive checks under the threshold */
  bool stopped;
  uint64_t stop_position;
  uint64_t cpu_ns;
};

static uint64_t thread_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

lil_status lil_guardian_create(const lil_guardian_opts *o, lil_guardian **out, lil_error *err) {
  if (!out) return lil_error_set(err, LIL_ERR_INVALID_ARG, "lil_guardian_create: NULL output");
  *out = NULL;
  lil_status st = lil_guardian_opts_validate(o, err);
  if (st) return st;
  lil_guardian *g = calloc(1, sizeof(*g));
  if (!g) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "lil_guardian_create: out of memory");
  g->o = *o;
  g->inject = strdup(o->inject ? o->inject : "");
  if (!g->inject) {
    free(g);
    return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "lil_guardian_create: out of memory");
  }
  g->o.inject = g->inject;
  if ((st = gd_meter_init(&g->meter, o->level, err)) || (st = gd_meter_size(&g->meter, &g->prev_size, err))) {
    lil_guardian_free(g);
    return st;
  }
  if (o->rule == LIL_GUARDIAN_RULE_LOOP &&
      ((st = gd_ngram_init(&g->ngram, false, err)) || (st = gd_ngram_init(&g->ngram_digits, true, err)))) {
    lil_guardian_free(g);
    return st;
  }
  g->next_check = o->every;
  *out = g;
  return LIL_OK;
}

void lil_guardian_free(lil_guardian *g) {
  if (!g) return;
  gd_meter_end(&g->meter);
  gd_ngram_end(&g->ngram);
  gd_ngram_end(&g->ngram_digits);
  free(g->checks);
  free(g->inject);
  free(g);
}

static lil_status set_prompt(lil_guardian *g, const void *p, size_t n, lil_error *err) {
  if (g->output_started || g->tokens)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian: the prompt must be set before any output");
  if (!g->o.include_prompt || n == 0) return LIL_OK;
  uint64_t t0 = thread_ns();
  lil_status st = gd_meter_add(&g->meter, p, n, err);
  if (!st) st = gd_meter_size(&g->meter, &g->prev_size, err);
  g->bytes += n;
  g->cpu_ns += thread_ns() - t0;
  return st;
}

lil_status lil_guardian_set_prompt_text(lil_guardian *g, const char *text, size_t n, lil_error *err) {
  if (!g || (!text && n)) return lil_error_set(err, LIL_ERR_INVALID_ARG, "lil_guardian_set_prompt_text: NULL argument");
  if (g->o.measure != LIL_GUARDIAN_MEASURE_TEXT)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian: text prompt given but the guardian measures token ids");
  return set_prompt(g, text, n, err);
}

static size_t ids_to_bytes(const int32_t *ids, size_t n, unsigned char *out) {
  for (size_t i = 0; i < n; i++) {
    uint32_t v = (uint32_t)ids[i];
    out[4 * i] = (unsigned char)v;
    out[4 * i + 1] = (unsigned char)(v >> 8);
    out[4 * i + 2] = (unsigned char)(v >> 16);
    out[4 * i + 3] = (unsigned char)(v >> 24);
  }
  return 4 * n;
}

lil_status lil_guardian_set_prompt_ids(lil_guardian *g, const int32_t *ids, size_t n, lil_error *err) {
  if (!g || (!ids && n)) return lil_error_set(err, LIL_ERR_INVALID_ARG, "lil_guardian_set_prompt_ids: NULL argument");
  if (g->o.measure != LIL_GUARDIAN_MEASURE_IDS)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian: token-id prompt given but the guardian measures text");
  unsigned char buf[4096];
  for (size_t i = 0; i < n; i += 1024) {
    size_t k = n - i < 1024 ? n - i : 1024;
    lil_status st = set_prompt(g, buf, ids_to_bytes(ids + i, k, buf), err);
    if (st) return st;
  }
  return LIL_OK;
}

uint64_t lil_guardian_next_check(const lil_guardian *g) { return g ? g->next_check : 0; }

static void fill_decision(const lil_guardian *g, bool checked, lil_guardian_decision *d) {
  if (!d) return;
  memset(d, 0, sizeof(*d));
  d->checked = checked;
  d->stop = g->stopped;
  d->reason = g->stopped ? LIL_GUARDIAN_REASON_PLATEAU : LIL_GUARDIAN_REASON_NONE;
  d->action = g->o.action;
  d->inject = g->o.action == LIL_GUARDIAN_ACTION_ANSWER ? g->inject : NULL;
  d->max_new_tokens = g->o.action == LIL_GUARDIAN_ACTION_ANSWER ? g->o.answer_tokens : 0;
  if (g->n_checks) {
    const lil_guardian_check *c = &g->checks[g->n_checks - 1];
    d->position = c->position;
    d->check = g->n_checks;
    d->size = c->size;
    d->gain = c->gain;
    d->threshold = c->threshold;
    d->share = c->share;
    d->share_digits = c->share_digits;
  }
}

/* Generated output (not the prompt): the meter, and the n-gram history of the loop rule. */
static lil_status add_output(lil_guardian *g, const void *p, size_t n, lil_error *err) {
  if (g->ngram.bits) {
    gd_ngram_add(&g->ngram, p, n);
    gd_ngram_add(&g->ngram_digits, p, n);
  }
  return gd_meter_add(&g->meter, p, n, err);
}

static lil_status run_check(lil_guardian *g, lil_error *err) {
  uint64_t size;
  lil_status st = gd_meter_size(&g->meter, &size, err);
  if (st) return st;
  if (g->n_checks == g->cap_checks) {
    uint32_t cap = g->cap_checks ? 2 * g->cap_checks : 64;
    lil_guardian_check *c = realloc(g->checks, cap * sizeof(*c));
    if (!c) return lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "guardian: out of memory for check %u", g->n_checks + 1);
    g->checks = c;
    g->cap_checks = cap;
  }
  lil_guardian_check *c = &g->checks[g->n_checks++];
  c->position = g->tokens;
  c->size = size;
  c->gain = (int64_t)size - (int64_t)g->prev_size;
  c->threshold = gd_rule_threshold(&g->o, g->checks, g->n_checks);
  c->share = g->ngram.bits ? gd_ngram_take_share(&g->ngram) : -1.0;
  c->share_digits = g->ngram.bits ? gd_ngram_take_share(&g->ngram_digits) : -1.0;
  g->prev_size = size;
  g->low_run = gd_rule_is_low(&g->o, g->checks, g->n_checks) ? g->low_run + 1 : 0;
  if (g->low_run >= g->o.patience && g->tokens >= g->o.min_tokens) {
    g->stopped = true;
    g->stop_position = g->tokens;
  }
  g->next_check = (g->tokens / g->o.every + 1) * g->o.every;
  return LIL_OK;
}

/* Feeds text, holding back an incomplete UTF-8 sequence at the end of (tail + text). */
static lil_status feed_text(lil_guardian *g, const unsigned char *p, size_t n, lil_error *err) {
  lil_status st;
  if (n >= 4) {
    if (g->tail_n && (st = add_output(g, g->tail, g->tail_n, err))) return st;
    size_t k = gd_utf8_incomplete_tail(p, n);
    if ((st = add_output(g, p, n - k, err))) return st;
    memcpy(g->tail, p + n - k, k);
    g->tail_n = k;
  } else {
    unsigned char buf[8];
    size_t len = g->tail_n;
    memcpy(buf, g->tail, len);
    memcpy(buf + len, p, n);
    len += n;
    size_t k = gd_utf8_incomplete_tail(buf, len);
    if ((st = add_output(g, buf, len - k, err))) return st;
    memcpy(g->tail, buf + len - k, k);
    g->tail_n = k;
  }
  g->bytes += n;
  return LIL_OK;
}

lil_status lil_guardian_add_text(lil_guardian *g, const char *text, size_t n, size_t n_tokens,
                                 lil_guardian_decision *d, lil_error *err) {
  if (!g || (!text && n)) return lil_error_set(err, LIL_ERR_INVALID_ARG, "lil_guardian_add_text: NULL argument");
  if (g->o.measure != LIL_GUARDIAN_MEASURE_TEXT)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian: text given but the guardian measures token ids");
  if (g->stopped) {
    fill_decision(g, false, d);
    return LIL_OK;
  }
  uint64_t t0 = thread_ns();
  g->output_started = true;
  lil_status st = feed_text(g, (const unsigned char *)text, n, err);
  bool checked = false;
  if (!st) {
    g->tokens += n_tokens;
    if (g->tokens >= g->next_check) {
      st = run_check(g, err);
      checked = true;
    }
  }
  g->cpu_ns += thread_ns() - t0;
  fill_decision(g, checked && !st, d);
  return st;
}

lil_status lil_guardian_add_ids(lil_guardian *g, const int32_t *ids, size_t n, size_t *consumed,
                                lil_guardian_decision *d, lil_error *err) {
  if (consumed) *consumed = 0;
  if (!g || (!ids && n)) return lil_error_set(err, LIL_ERR_INVALID_ARG, "lil_guardian_add_ids: NULL argument");
  if (g->o.measure != LIL_GUARDIAN_MEASURE_IDS)
    return lil_error_set(err, LIL_ERR_INVALID_ARG, "guardian: token ids given but the guardian measures text");
  uint64_t t0 = thread_ns();
  unsigned char buf[4096];
  size_t done = 0;
  bool checked = false;
  lil_status st = LIL_OK;
  g->output_started = true;
  while (done < n && !g->stopped && !st) {
    uint64_t room = g->next_check - g->tokens;
    size_t take = n - done;
    if (take > room) take = (size_t)room;
    if (take > 1024) take = 1024;
    st = add_output(g, buf, ids_to_bytes(ids + done, take, buf), err);
    if (st) break;
    g->bytes += 4 * take;
    g->tokens += take;
    done += take;
    if (g->tokens == g->next_check) {
      st = run_check(g, err);
      checked = true;
    }
  }
  if (consumed) *consumed = done;
  g->cpu_ns += thread_ns() - t0;
  fill_decision(g, checked && !st, d);
  return st;
}

lil_status lil_guardian_flush(lil_guardian *g, lil_error *err) {
  if (!g) return lil_error_set(err, LIL_ERR_INVALID_ARG, "lil_guardian_flush: NULL argument");
  lil_status st = g->tail_n ? add_output(g, g->tail, g->tail_n, err) : LIL_OK;
  g->tail_n = 0;
  return st;
}

void lil_guardian_get_stats(const lil_guardian *g, lil_guardian_stats *s) {
  memset(s, 0, sizeof(*s));
  if (!g) return;
  s->n_checks = g->n_checks;
  s->checks = g->checks;
  s->stopped = g->stopped;
  s->reason = g->stopped ? LIL_GUARDIAN_REASON_PLATEAU : LIL_GUARDIAN_REASON_NONE;
  s->stop_position = g->stop_position;
  s->tokens = g->tokens;
  s->bytes = g->bytes;
  s->cpu_ns = g->cpu_ns;
}
