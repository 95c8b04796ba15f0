/* Runs this `lil` executable again as a child process (lil bench suite runs each benchmark that
 * way: one Vulkan context per benchmark, as when run by hand, and a failing benchmark does not end
 * the suite). */
#ifndef LIL_CLI_SPAWN_H
#define LIL_CLI_SPAWN_H

#include <stddef.h>

#include "lil_status.h"

typedef struct cli_child_result {
  int exit_code;   /* the child's exit status; 128 + N when killed by signal N */
  char *out;       /* its stdout, NUL-terminated (free()) */
  char *err_last;  /* the last non-empty line of its stderr, or "" (free()) */
} cli_child_result;

/* args: NULL-terminated, args[0] is the subcommand ("bench"). The child's stderr goes to
 * err_path (kept for the caller to show or remove). */
lil_status cli_run_self(const char *const *args, const char *err_path, cli_child_result *r, lil_error *err);
void cli_child_result_free(cli_child_result *r);

#endif
