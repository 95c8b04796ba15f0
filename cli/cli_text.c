#include "cli_text.h"

#include <stdint.h>
#include <stdlib.h>

#include "lil_utf8.h"

json_t *cli_json_text(const char *s, size_t len) {
  char *buf = malloc(len * 3 + 1); /* an invalid byte (1) becomes U+FFFD (3) */
  if (!buf) return json_string("");
  size_t o = 0;
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    i += lil_utf8_decode(s + i, len - i, &cp);
    o += lil_utf8_encode(cp, buf + o);
  }
  json_t *j = json_stringn(buf, o);
  free(buf);
  return j ? j : json_string("");
}

void cli_xml_escape(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '<') fputs("&lt;", f);
    else if (*s == '>') fputs("&gt;", f);
    else if (*s == '&') fputs("&amp;", f);
    else if (*s == '"') fputs("&quot;", f);
    else fputc(*s, f);
  }
}
