/* Internal: where a byte string stops being whole UTF-8 codepoints. */
#ifndef LIL_GUARDIAN_UTF8_H
#define LIL_GUARDIAN_UTF8_H

#include <stddef.h>

/* Number of bytes (0..3) at the end of s[0..n) that form the start of a multi-byte UTF-8
 * sequence still missing continuation bytes. Invalid bytes are not held back. */
size_t gd_utf8_incomplete_tail(const unsigned char *s, size_t n);

#endif
