/* The Guardian as `lil eval` attaches it to a generation: the --guardian option's spec and the
 * detokenizer the monitor measures the text with (the same as `lil run`'s, whose static copies
 * fuzz/fuzz_cli_run.c reaches by including cmd_run.c). */
#ifndef LIL_CLI_GUARDIAN_SPEC_H
#define LIL_CLI_GUARDIAN_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "lil_guardian.h"
#include "lil_guardian_monitor.h"

/* "f=250,t=20,action=answer" -> options (f = every, t = threshold); s is cut up in place and must
 * outlive the options (inject= points into it). */
lil_status cli_guardian_spec_parse(char *s, lil_guardian_opts *o, lil_error *err);
/* A lil_guardian_detokenize_fn; user is the const lil_tokenizer *. */
lil_status cli_guardian_detok(void *user, const int32_t *ids, size_t n, lil_guardian_text *out, lil_error *err);

#endif
