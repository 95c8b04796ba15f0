/* UTF-8 validation, decoding and encoding. */
#include "lil_utf8.h"

size_t lil_utf8_seq_len(unsigned char c) {
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if (c >= 0xE0 && c <= 0xEF) return 3;
  if (c >= 0xF0 && c <= 0xF4) return 4;
  return 1;
}

/* Strict decode of one sequence; returns its length, or 0 when invalid (or truncated). */
static size_t decode_strict(const unsigned char *s, size_t len, uint32_t *cp) {
  unsigned char c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n = lil_utf8_seq_len(c);
  if (n == 1 || n > len) return 0;
  uint32_t v = c & (0x7F >> n);
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < min_cp[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

int lil_utf8_validate(const char *text, size_t len, size_t *bad_offset) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = 0;
  while (i < len) {
    if (s[i] < 0x80) {
      i++;
      continue;
    }
    uint32_t cp;
    size_t n = decode_strict(s + i, len - i, &cp);
    if (!n) {
      if (bad_offset) *bad_offset = i;
      return 0;
    }
    i += n;
  }
  return 1;
}

size_t lil_utf8_decode(const char *s, size_t len, uint32_t *cp) {
  size_t n = decode_strict((const unsigned char *)s, len, cp);
  if (!n) {
    *cp = 0xFFFD;
    return 1;
  }
  return n;
}

size_t lil_utf8_encode(uint32_t cp, char *out) {
  unsigned char *o = (unsigned char *)out;
  if (cp < 0x80) {
    o[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (unsigned char)(0xC0 | (cp >> 6));
    o[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (unsigned char)(0xE0 | (cp >> 12));
    o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (unsigned char)(0xF0 | (cp >> 18));
  o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (unsigned char)(0x80 | (cp & 0x3F));
  return 4;
}

size_t lil_utf8_incomplete_tail(const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  /* Walk back over at most 3 continuation bytes to the lead byte. */
  size_t k = 0;
  while (k < 3 && k < len && (u[len - 1 - k] & 0xC0) == 0x80) k++;
  if (k == len) return 0;
  unsigned char lead = u[len - 1 - k];
  size_t need = lil_utf8_seq_len(lead);
  if (need > 1 && k + 1 < need) return k + 1;
  return 0;
}
