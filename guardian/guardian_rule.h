/* Internal: the stopping rules. A rule maps the gain series to the threshold for its last gain. */
#ifndef LIL_GUARDIAN_RULE_H
#define LIL_GUARDIAN_RULE_H

#include <stddef.h>

#include "lil_guardian.h"

/* Threshold that checks[n-1].gain is compared with (stop when gain < threshold).
 * paper:    t.
 * relative: max(t, ratio * median(gain of the first min(n, K) checks)). */
double gd_rule_threshold(const lil_guardian_opts *o, const lil_guardian_check *checks, size_t n);

#endif
