/* Text written into the CLI's output formats: JSON strings (valid UTF-8 only) and SVG / XML text. */
#ifndef LIL_CLI_TEXT_H
#define LIL_CLI_TEXT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* s[0..len) as a JSON string; invalid UTF-8 (a model can emit any byte) becomes U+FFFD. Never
 * NULL (an empty string when memory runs out). */
json_t *cli_json_text(const char *s, size_t len);
/* Writes s with <, >, & and " escaped for XML text and attribute values. */
void cli_xml_escape(FILE *f, const char *s);

#endif
