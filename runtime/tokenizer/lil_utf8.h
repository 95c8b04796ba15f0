/* UTF-8 helpers: strict validation (prompts), decoding, encoding, and the incomplete tail of a
 * streamed byte sequence. Strict means: no overlong forms, no surrogates (U+D800..DFFF), nothing
 * above U+10FFFF, no truncated sequences. */
#ifndef LIL_UTF8_H
#define LIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Returns 1 when text[0..len) is valid UTF-8; otherwise 0 and *bad_offset (if not NULL) is the
 * byte offset of the first byte of the first invalid sequence. */
int lil_utf8_validate(const char *text, size_t len, size_t *bad_offset);

/* Decodes one code point at s[0..len) (len > 0). Returns the number of bytes used (1..4) and the
 * code point in *cp. An invalid sequence yields 1 byte and *cp = 0xFFFD. */
size_t lil_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Length of the sequence that lead byte c starts (1..4); 1 for a stray continuation or bad byte. */
size_t lil_utf8_seq_len(unsigned char c);

/* Writes cp (<= 0x10FFFF) to out (room for 4 bytes); returns the byte count. */
size_t lil_utf8_encode(uint32_t cp, char *out);

/* For streaming: how many trailing bytes of s[0..len) form the start of a multi-byte sequence
 * that is not complete yet (0..3). Print s[0..len - tail) now and keep the tail. */
size_t lil_utf8_incomplete_tail(const char *s, size_t len);

#endif
