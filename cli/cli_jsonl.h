/* JSON Lines input of the CLI (lil guardian's records and --eval runs): one JSON object per
 * non-empty line, errors naming the file and line. */
#ifndef LIL_CLI_JSONL_H
#define LIL_CLI_JSONL_H

#include <jansson.h>
#include <stdio.h>

typedef struct cli_jsonl {
  FILE *f;
  const char *cmd, *path;
  char *line;
  size_t cap;
  long lineno; /* of the object last returned */
} cli_jsonl;

/* Opens path for reading; on failure prints "lil CMD: cannot open 'PATH': reason" and returns 0. */
int cli_jsonl_open(cli_jsonl *r, const char *cmd, const char *path);
/* The next non-empty line as a JSON object in *obj (the caller decrefs it): 1; end of file: 0; a
 * line that is not a JSON object: -1 after printing "lil CMD: PATH:LINE: invalid JSON: reason". */
int cli_jsonl_next(cli_jsonl *r, json_t **obj);
void cli_jsonl_close(cli_jsonl *r);

#endif
