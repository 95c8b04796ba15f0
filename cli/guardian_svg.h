/* Hand-written SVG plot of one Guardian run: compressed size and gain against tokens, the
 * threshold and the stop point. */
#ifndef LIL_GUARDIAN_SVG_H
#define LIL_GUARDIAN_SVG_H

#include <stdio.h>

#include "lil_guardian.h"

void guardian_svg_write(FILE *f, const char *title, const lil_guardian_stats *s, unsigned long long tokens);

#endif
