/* lil eval's problem sets (cli/eval_prompts.c) and its answer checking. */
#ifndef LIL_EVAL_PROMPTS_H
#define LIL_EVAL_PROMPTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct eval_prompt {
  char *text;
  char *answer; /* the reference answer, NULL when the record has none */
  long line;    /* of the file */
} eval_prompt;

/* The first limit (0: all) records of a JSON Lines file, plain or gzip. On failure prints one line
 * "lil eval: FILE[:LINE]: why" and returns 0. */
int eval_prompts_load(const char *path, uint32_t limit, eval_prompt **out, uint32_t *n);
void eval_prompts_free(eval_prompt *p, uint32_t n);
/* The answer a generated text gives (malloc'ed, NULL when none): the last \boxed{...}, else the
 * last "#### X", else the last number. */
char *eval_extract_answer(const char *text, size_t len);
/* 1 when the answers agree: as numbers when both are numbers, else as text without spaces, '$',
 * thousands separators and a trailing '.'. */
int eval_answers_match(const char *got, const char *want);

#endif
