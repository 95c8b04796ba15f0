/* JSON Lines input of the CLI (cli_jsonl.h). */
#include "cli_jsonl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

int cli_jsonl_open(cli_jsonl *r, const char *cmd, const char *path) {
  memset(r, 0, sizeof(*r));
  r->cmd = cmd, r->path = path;
  r->f = fopen(path, "r");
  if (!r->f) fprintf(stderr, "lil %s: cannot open '%s': %s\n", cmd, path, strerror(errno));
  return r->f != NULL;
}

int cli_jsonl_next(cli_jsonl *r, json_t **obj) {
  *obj = NULL;
  ssize_t len;
  while ((len = getline(&r->line, &r->cap, r->f)) >= 0) {
    r->lineno++;
    size_t k = (size_t)len;
    while (k && (r->line[k - 1] == '\n' || r->line[k - 1] == '\r' || r->line[k - 1] == ' ')) k--;
    if (k == 0) continue;
    json_error_t je;
    json_t *j = json_loadb(r->line, k, 0, &je);
    if (!j || !json_is_object(j)) {
      fprintf(stderr, "lil %s: %s:%ld: invalid JSON: %s\n", r->cmd, r->path, r->lineno, j ? "not an object" : je.text);
      json_decref(j);
      return -1;
    }
    *obj = j;
    return 1;
  }
  return 0;
}

void cli_jsonl_close(cli_jsonl *r) {
  free(r->line);
  if (r->f) fclose(r->f);
  memset(r, 0, sizeof(*r));
}
