/* Small helpers shared by the subcommands. */
#ifndef LIL_CLI_UTIL_H
#define LIL_CLI_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "lil_status.h"

/* Prints "lil: <msg>" on stderr (one line) and returns the exit status for st. */
int cli_fail(const char *cmd, const lil_error *err);
/* Strict number parsing for option values; prints a one-line error and returns 0 on failure. */
int cli_parse_u64(const char *cmd, const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out);
int cli_parse_double(const char *cmd, const char *opt, const char *s, double min, double max, double *out);
/* Exit status for an error status: 1 for runtime failures, 2 for usage/invalid arguments. */
int cli_exit_code(lil_status st);
/* Path of a bundled file or folder, rel under assets/ (e.g. "stories260K.gguf"): the source tree's
 * assets/ seen from the build tree's cli/lil (<exe>/../../assets), else the installed copy
 * (<exe>/../share/lil). Written to buf; NULL when neither is readable. */
const char *cli_asset_path(const char *rel, char *buf, size_t n);
/* 1 when filter is NULL or empty, or a case-insensitive (ASCII) substring of name (bench --filter). */
int cli_name_matches(const char *filter, const char *name);

/* model when given (-m), else the bundled model next to the executable: build tree
 * (<exe>/../../assets) or install (<exe>/../share/lil), written into buf; NULL with err set when
 * neither exists. */
const char *cli_model_path(const char *model, char *buf, size_t n, lil_error *err);

#endif
