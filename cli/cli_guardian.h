/* `lil guardian` and `lil bench guardian`: the Guardian on text files, and its cost per check. */
#ifndef LIL_CLI_GUARDIAN_H
#define LIL_CLI_GUARDIAN_H

#include <stddef.h>

/* Token boundaries of a text: returns the number of tokens and sets *ends (malloc'ed) to the byte
 * offset where each token ends; 0 tokens with *ends NULL on error. The default counts 4 bytes per
 * token; a real tokenizer (`-m MODEL`) plugs in here. */
typedef size_t (*lil_token_ends_fn)(void *user, const char *text, size_t n, size_t **ends);
size_t lil_token_ends_4bytes(void *user, const char *text, size_t n, size_t **ends);

int cmd_guardian(int argc, char **argv);   /* argv[0] is "guardian" */
int bench_guardian(int argc, char **argv); /* argv[0] is "guardian" (from `lil bench guardian`) */

#endif
