/* Incomplete UTF-8 tail detection (the text of a window may end mid-codepoint). */
#include "guardian_utf8.h"

static size_t seq_len(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0; /* ASCII, continuation byte or invalid lead */
}

size_t gd_utf8_incomplete_tail(const unsigned char *s, size_t n) {
  /* Walk back over at most 3 continuation bytes to the lead byte. */
  size_t k = 0;
  while (k < 3 && k < n && (s[n - 1 - k] & 0xC0) == 0x80) k++;
  if (k == n) return 0;
  size_t need = seq_len(s[n - 1 - k]);
  if (need == 0) return 0;
  return (k + 1 < need) ? k + 1 : 0;
}
