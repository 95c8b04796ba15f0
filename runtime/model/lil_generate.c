/* The generation loop (see lil_generate.h). */
#include "lil_generate.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *lil_stop_reason_name(lil_stop_reason r) {
  static const char *const names[] = {"eog", "limit", "context", "guardian", "callback", "interrupted"};
  return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void lil_generate_result_free(lil_generate_result *r) {
  free(r->ids);
  r->ids = NULL;
  r->n_ids = 0;
}

typedef struct gen {
  const lil_tokenizer *tok;
  const lil_generate_params *p;
  lil_generate_result *r;
  size_t cap;
  char pending[8]; /* incomplete UTF-8 tail */
  size_t n_pending;
} gen;

/* Appends id, streams its text; returns non-zero when a callback asks to stop. */
static int emit(gen *g, int32_t id, lil_error *err, lil_status *st) {
  if (g->r->n_ids == g->cap) {
    size_t cap = g->cap ? g->cap * 2 : 256;
    int32_t *ids = realloc(g->r->ids, cap * sizeof(int32_t));
    if (!ids) {
      *st = lil_error_set(err, LIL_ERR_OUT_OF_MEMORY, "out of host memory");
      return 1;
    }
    g->r->ids = ids;
    g->cap = cap;
  }
  g->r->ids[g->r->n_ids++] = id;
  if (g->p->monitor) lil_guardian_monitor_push(g->p->monitor, id);
  if (g->p->on_token && g->p->on_token(g->p->user, id)) return 1;
  if (!g->p->on_text || lil_token_type_of(g->tok, id) == LIL_TOKEN_CONTROL) return 0;
  const char *piece;
  size_t len;
  if ((*st = lil_token_piece(g->tok, id, &piece, &len, err))) return 1;
  char buf[256];
  const char *text = piece;
  size_t n = len;
  if (g->n_pending) { /* join the held-back bytes with the new piece */
    if (g->n_pending + len > sizeof(buf)) {
      if (g->p->on_text(g->p->user, g->pending, g->n_pending)) return 1;
    } else {
      memcpy(buf, g->pending, g->n_pending);
      memcpy(buf + g->n_pending, piece, len);
      text = buf;
      n = g->n_pending + len;
    }
    g->n_pending = 0;
  }
  size_t tail = lil_utf8_incomplete_tail(text, n);
  memcpy(g->pending, text + n - tail, tail);
  g->n_pending = tail;
  return n > tail ? g->p->on_text(g->p->user, text, n - tail) : 0;
}

lil_status lil_generate(lil_session *s, const lil_tokenizer *tok, const int32_t *prompt, uint32_t n_prompt,
                        const lil_generate_params *p, lil_generate_result *r, lil_error *err) {
  memset(r, 0, sizeof(*r));
  r->n_prompt = n_prompt;
  gen g = {.tok = tok, .p = p, .r = r};
  if (p->cancel && *p->cancel) { /* interrupted before the prompt pass: nothing generated */
    r->stop = LIL_STOP_INTERRUPTED;
    return LIL_OK;
  }
  double t0 = now_s();
  int32_t cur;
  lil_status st = lil_session_prefill(s, prompt, n_prompt, &cur, err);
  if (st) return st;
  r->prefill_s = r->ttft_s = now_s() - t0;
  int32_t *forced = NULL;
  size_t n_forced = 0, i_forced = 0;
  uint64_t limit = p->max_tokens ? p->max_tokens : UINT64_MAX;
  int is_forced = 0;
  for (;;) {
    if (!is_forced && lil_token_is_eog(tok, cur)) {
      r->stop = LIL_STOP_EOG;
      break;
    }
    if (emit(&g, cur, err, &st)) {
      r->stop = LIL_STOP_CALLBACK;
      break;
    }
    if (r->n_ids >= limit) {
      r->stop = r->guardian_fired ? LIL_STOP_GUARDIAN : LIL_STOP_LIMIT;
      break;
    }
    lil_guardian_decision d;
    if (p->monitor && !r->guardian_fired && lil_guardian_monitor_should_stop(p->monitor, &d)) {
      r->guardian_fired = 1;
      r->decision = d;
      if (d.action != LIL_GUARDIAN_ACTION_ANSWER) {
        r->stop = LIL_STOP_GUARDIAN;
        break;
      }
      size_t n_inj = 0;
      r->answer_at = r->n_ids;
      if (d.inject && (st = lil_tokenize(tok, d.inject, strlen(d.inject), 0, 1, &forced, &n_inj, err))) break;
      n_forced = n_inj;
      uint64_t new_limit = r->n_ids + n_forced + d.max_new_tokens;
      if (new_limit < limit) limit = new_limit;
    }
    if (lil_session_length(s) >= lil_session_n_ctx(s)) {
      r->stop = LIL_STOP_CONTEXT;
      break;
    }
    if (p->cancel && *p->cancel) {
      r->stop = LIL_STOP_INTERRUPTED;
      break;
    }
    int32_t next;
    double ts = now_s();
    if ((st = lil_session_step(s, cur, &next, err))) break;
    r->decode_s += now_s() - ts;
    r->n_steps++;
    is_forced = i_forced < n_forced;
    cur = is_forced ? forced[i_forced++] : next;
  }
  free(forced);
  if (!st && g.n_pending && p->on_text) p->on_text(p->user, g.pending, g.n_pending); /* flush a broken tail */
  if (st) lil_generate_result_free(r);
  return st;
}
