/* `lil tokenize`: prints the token ids a model's tokenizer gives a text. */
#ifndef LIL_CLI_TOKENIZE_H
#define LIL_CLI_TOKENIZE_H

/* argv[0] is "tokenize". Returns 0 on success, 1 on a runtime error (bad model, unreadable file,
 * invalid UTF-8), 2 on a usage error; errors are one line on stderr. */
int cmd_tokenize(int argc, char **argv);

#endif
