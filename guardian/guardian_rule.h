/* Internal: the stopping rules. A rule maps the gain series to the threshold for its last gain. */
#ifndef LIL_GUARDIAN_RULE_H
#define LIL_GUARDIAN_RULE_H

#include <stdbool.h>
#include <stddef.h>

#include "lil_guardian.h"

/* Threshold that checks[n-1].gain is compared with (stop when gain < threshold).
 * paper:    t.
 * relative: max(t, ratio * median(gain of the first min(n, K) checks)).
 * loop:     max(t, loop_ratio * max(gain of the first min(n, K) checks)). */
double gd_rule_threshold(const lil_guardian_opts *o, const lil_guardian_check *checks, size_t n);
/* Whether checks[n-1] (threshold and share filled in) is low: gain < threshold, and for the loop
 * rule also the mean share of the last two windows (the one window at the first check) >= o->share,
 * or their mean digits-masked share >= o->share_digits. */
bool gd_rule_is_low(const lil_guardian_opts *o, const lil_guardian_check *checks, size_t n);

#endif
