/* `lil guardian` and `lil bench guardian`: the Guardian on text files, and its cost per check. */
#ifndef LIL_CLI_GUARDIAN_H
#define LIL_CLI_GUARDIAN_H

#include <stddef.h>

/* Token boundaries of a text: returns the number of tokens and sets *ends (malloc'ed) to the byte
 * offset where each token ends; 0 tokens with *ends NULL on error. The default counts 4 bytes per
 * token; a real tokenizer (`-m MODEL`) plugs in here. */
typedef size_t (*lil_token_ends_fn)(void *user, const char *text, size_t n, size_t **ends);
size_t lil_token_ends_4bytes(void *user, const char *text, size_t n, size_t **ends);
/* The real tokenizer of a model (user = the lil_tokenizer from lil_token_model_open). */
size_t lil_token_ends_model(void *user, const char *text, size_t n, size_t **ends);
/* Opens MODEL's tokenizer; 0 on success, else -1 with a message in msg. */
int lil_token_model_open(const char *path, void **tok, void **gguf, char *msg, size_t cap);
void lil_token_model_close(void *tok, void *gguf);

struct lil_guardian;
struct lil_guardian_opts;
/* Replays a guardian with options o over text (n bytes, `tokens` tokens ending at ends[]), one
 * check window at a time, until it stops or the text ends. On success *out holds the guardian
 * (free it; its stats describe the run) and 0 is returned; else 1 with a message in msg. */
int guardian_replay(const struct lil_guardian_opts *o, const char *text, size_t n, const size_t *ends, size_t tokens,
                    const char *prompt, size_t prompt_n, struct lil_guardian **out, char *msg, size_t cap);

/* `lil guardian --eval FILE.jsonl`: per rule, which labelled runs would be stopped (guardian_eval.c). */
typedef struct guardian_eval_cfg {
  const struct lil_guardian_opts *base; /* options shared by all rules (the rule is replaced) */
  const char *rules;                    /* comma-separated rule names */
  const char *text_field, *finished_field, *correct_field, *loop_field, *answer_field;
  const char *split_field, *split; /* only records whose split_field equals split (split NULL: all) */
  int json;
  lil_token_ends_fn token_ends;
  void *token_user;
} guardian_eval_cfg;
int guardian_eval(const guardian_eval_cfg *c, const char *path);

int cmd_guardian(int argc, char **argv);   /* argv[0] is "guardian" */
int bench_guardian(int argc, char **argv); /* argv[0] is "guardian" (from `lil bench guardian`) */

#endif
