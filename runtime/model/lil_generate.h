/* The generation loop: prefill, then one replayed decode step per token, until an end-of-generation
 * token, the token limit, a full context, the Guardian, or the caller says stop. Streams text
 * (UTF-8 sequences split across tokens are held back until complete) and reports each token. */
#ifndef LIL_GENERATE_H
#define LIL_GENERATE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "lil_guardian_monitor.h"
#include "lil_model.h"
#include "lil_tokenizer.h"

typedef enum lil_stop_reason {
  LIL_STOP_EOG,      /* the model produced an end-of-generation token */
  LIL_STOP_LIMIT,    /* max_tokens generated */
  LIL_STOP_CONTEXT,  /* context full */
  LIL_STOP_GUARDIAN, /* the Guardian stopped it (action stop, or the answer budget ran out) */
  LIL_STOP_CALLBACK, /* a callback returned non-zero */
  LIL_STOP_INTERRUPTED, /* *cancel became non-zero (e.g. set by the caller's SIGINT handler) */
} lil_stop_reason;

/* "eog", "limit", "context", "guardian", "callback", "interrupted" */
const char *lil_stop_reason_name(lil_stop_reason r);

typedef struct lil_generate_params {
  uint32_t max_tokens; /* 0: no limit */
  /* Complete UTF-8 text as it is generated (control tokens left out); non-zero return stops. */
  int (*on_text)(void *user, const char *bytes, size_t len);
  /* Every generated token (forced ones included); non-zero return stops. */
  int (*on_token)(void *user, int32_t id);
  void *user;
  /* Optional Guardian monitor (own ring): each token is pushed, the stop flag read every step.
   * action=answer: the decision's inject text is tokenized and forced, then up to
   * max_new_tokens more tokens are generated. */
  lil_guardian_monitor *monitor;
  /* Optional cancel flag, owned by the caller: read before the prompt pass and before every decode
   * step; once non-zero, generation stops there (LIL_STOP_INTERRUPTED) with the tokens so far. A
   * signal handler may set it (volatile sig_atomic_t); the library installs no handler. */
  const volatile sig_atomic_t *cancel;
} lil_generate_params;

typedef struct lil_generate_result {
  int32_t *ids; /* generated ids (malloc'ed; lil_generate_result_free) */
  size_t n_ids;
  uint32_t n_prompt;
  lil_stop_reason stop;
  double prefill_s, decode_s, ttft_s; /* seconds */
  uint32_t n_steps;                  /* decode steps run */
  int guardian_fired;
  lil_guardian_decision decision;    /* when guardian_fired */
  size_t answer_at;                  /* action answer: ids before the injected tokens */
} lil_generate_result;

void lil_generate_result_free(lil_generate_result *r);
/* Runs the prompt (n_prompt >= 1 tokens) then generates. */
lil_status lil_generate(lil_session *s, const lil_tokenizer *tok, const int32_t *prompt, uint32_t n_prompt,
                        const lil_generate_params *p, lil_generate_result *r, lil_error *err);

#endif
