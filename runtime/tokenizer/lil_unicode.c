/* Code point flags: ASCII table, binary search over the generated ranges for the rest. */
#include "lil_unicode.h"

static unsigned ascii_flags(uint32_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return LIL_UNI_LETTER;
  if (c >= '0' && c <= '9') return LIL_UNI_NUMBER;
  if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return LIL_UNI_SPACE;
  return 0;
}

unsigned lil_unicode_flags(uint32_t cp) {
  if (cp < 0x80) return ascii_flags(cp);
  uint32_t lo = 0, hi = lil_unicode_range_count;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    uint32_t first = lil_unicode_ranges[mid][0] & 0xFFFFFF, last = lil_unicode_ranges[mid][1];
    if (cp < first)
      hi = mid;
    else if (cp > last)
      lo = mid + 1;
    else
      return lil_unicode_ranges[mid][0] >> 24;
  }
  return 0;
}
