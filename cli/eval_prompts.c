/* Problem sets of lil eval: JSON Lines, plain or gzip (zlib reads both), as the benchmark files
 * are: the text under "prompt" (AIME), "question" (GSM8K) or "problem" (MATH-500); the reference
 * answer under "answer" (a number, a string, or GSM8K's worked solution ending in "#### N"), else
 * the last \boxed{} of "solution". */
#include "eval_prompts.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* The next line (without the newline) in *buf; 0 at the end of the file, -1 on a read error. */
static int read_line(gzFile g, char **buf, size_t *cap) {
  size_t n = 0;
  for (;;) {
    if (*cap - n < 2) {
      size_t nc = *cap ? *cap * 2 : 4096;
      char *nb = realloc(*buf, nc);
      if (!nb) return -1;
      *buf = nb, *cap = nc;
    }
    if (!gzgets(g, *buf + n, (int)(*cap - n > 1u << 30 ? 1u << 30 : *cap - n))) {
      int e;
      gzerror(g, &e);
      if (e != Z_OK && e != Z_BUF_ERROR) return -1;
      (*buf)[n] = 0;
      return n > 0;
    }
    n += strlen(*buf + n);
    if (n && (*buf)[n - 1] == '\n') {
      (*buf)[--n] = 0;
      return 1;
    }
    if (gzeof(g)) return 1;
  }
}

/* "... #### 18" -> "18"; otherwise a copy; without surrounding white space. */
static char *gsm8k_final(const char *s) {
  const char *h = NULL;
  for (const char *p = strstr(s, "####"); p; p = strstr(p + 4, "####")) h = p + 4;
  if (h) s = h;
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1])) n--;
  char *r = malloc(n + 1);
  if (r) memcpy(r, s, n), r[n] = 0;
  return r;
}

static char *answer_of(json_t *o) {
  json_t *a = json_object_get(o, "answer");
  char b[64];
  if (json_is_integer(a)) {
    snprintf(b, sizeof(b), "%lld", (long long)json_integer_value(a));
    return strdup(b);
  }
  if (json_is_real(a)) {
    snprintf(b, sizeof(b), "%.17g", json_real_value(a));
    return strdup(b);
  }
  if (json_is_string(a)) return gsm8k_final(json_string_value(a));
  json_t *sol = json_object_get(o, "solution");
  if (json_is_string(sol)) return eval_extract_answer(json_string_value(sol), strlen(json_string_value(sol)));
  return NULL;
}

int eval_prompts_load(const char *path, uint32_t limit, eval_prompt **out, uint32_t *n) {
  *out = NULL, *n = 0;
  gzFile g = gzopen(path, "rb");
  if (!g) {
    fprintf(stderr, "lil eval: cannot open '%s': %s\n", path, errno ? strerror(errno) : "out of memory");
    return 0;
  }
  char *line = NULL;
  size_t cap = 0, cap_p = 0;
  long lineno = 0;
  int ok = 1, r;
  while (ok && (!limit || *n < limit) && (r = read_line(g, &line, &cap)) != 0) {
    lineno++;
    if (r < 0) {
      fprintf(stderr, "lil eval: %s:%ld: read error (a damaged gzip file?)\n", path, lineno);
      ok = 0;
      break;
    }
    char *t = line;
    while (isspace((unsigned char)*t)) t++;
    if (!*t) continue;
    json_error_t je;
    json_t *o = json_loads(t, 0, &je);
    if (!json_is_object(o)) {
      fprintf(stderr, "lil eval: %s:%ld: %s%s\n", path, lineno, o ? "not a JSON object" : "invalid JSON: ",
              o ? "" : je.text);
      json_decref(o);
      ok = 0;
      break;
    }
    json_t *p = json_object_get(o, "prompt");
    if (!json_is_string(p)) p = json_object_get(o, "question");
    if (!json_is_string(p)) p = json_object_get(o, "problem");
    if (!json_is_string(p)) {
      fprintf(stderr, "lil eval: %s:%ld: no \"prompt\", \"question\" or \"problem\" text\n", path, lineno);
      json_decref(o);
      ok = 0;
      break;
    }
    if (*n == cap_p) {
      size_t nc = cap_p ? cap_p * 2 : 16;
      eval_prompt *np = realloc(*out, nc * sizeof(**out));
      if (!np) {
        fprintf(stderr, "lil eval: out of memory reading '%s'\n", path);
        json_decref(o);
        ok = 0;
        break;
      }
      *out = np, cap_p = nc;
    }
    eval_prompt *e = &(*out)[*n];
    e->text = strdup(json_string_value(p));
    e->answer = answer_of(o);
    e->line = lineno;
    (*n)++;
    json_decref(o);
    if (!e->text) {
      fprintf(stderr, "lil eval: out of memory reading '%s'\n", path);
      ok = 0;
    }
  }
  free(line);
  gzclose(g);
  if (ok && !*n) {
    fprintf(stderr, "lil eval: %s: no prompts\n", path);
    ok = 0;
  }
  if (!ok) {
    eval_prompts_free(*out, *n);
    *out = NULL, *n = 0;
  }
  return ok;
}

void eval_prompts_free(eval_prompt *p, uint32_t n) {
  for (uint32_t i = 0; p && i < n; i++) free(p[i].text), free(p[i].answer);
  free(p);
}

/* The contents of the last \boxed{...} (braces balanced), or NULL. */
static char *last_boxed(const char *s, size_t len) {
  const char *best = NULL;
  size_t best_n = 0;
  for (size_t i = 0; i + 7 <= len; i++) {
    if (memcmp(s + i, "\\boxed{", 7)) continue;
    size_t j = i + 7;
    int depth = 1;
    while (j < len && depth) {
      if (s[j] == '{') depth++;
      else if (s[j] == '}') depth--;
      j++;
    }
    if (!depth) best = s + i + 7, best_n = j - 1 - (i + 7);
  }
  if (!best) return NULL;
  char *r = malloc(best_n + 1);
  if (r) memcpy(r, best, best_n), r[best_n] = 0;
  return r;
}

char *eval_extract_answer(const char *s, size_t len) {
  char *b = last_boxed(s, len);
  if (b) return b;
  /* the last "#### X" line, else the last number */
  const char *h = NULL;
  for (size_t i = 0; i + 4 <= len; i++)
    if (!memcmp(s + i, "####", 4)) h = s + i + 4;
  if (h) {
    while (h < s + len && *h == ' ') h++;
    const char *e = h;
    while (e < s + len && *e != '\n') e++;
    char *r = malloc((size_t)(e - h) + 1);
    if (r) memcpy(r, h, (size_t)(e - h)), r[e - h] = 0;
    return r;
  }
  const char *num = NULL;
  size_t num_n = 0;
  for (size_t i = 0; i < len;) {
    if (isdigit((unsigned char)s[i]) || (s[i] == '-' && i + 1 < len && isdigit((unsigned char)s[i + 1]))) {
      size_t j = i + 1;
      while (j < len && (isdigit((unsigned char)s[j]) ||
                         ((s[j] == '.' || s[j] == ',') && j + 1 < len && isdigit((unsigned char)s[j + 1]))))
        j++;
      num = s + i, num_n = j - i;
      i = j;
    } else {
      i++;
    }
  }
  if (!num) return NULL;
  char *r = malloc(num_n + 1);
  if (r) memcpy(r, num, num_n), r[num_n] = 0;
  return r;
}

/* Spaces, '$', thousands separators and a trailing '.' removed; "\text{...}" unwrapped no further. */
static void normalize(const char *s, char *out, size_t n) {
  size_t o = 0;
  for (; *s && o + 1 < n; s++) {
    if (isspace((unsigned char)*s) || *s == '$') continue;
    if (*s == ',' && isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]))
      continue;
    out[o++] = *s;
  }
  while (o && out[o - 1] == '.') o--;
  out[o] = 0;
}

int eval_answers_match(const char *got, const char *want) {
  if (!got || !want) return 0;
  char a[256], b[256];
  normalize(got, a, sizeof(a));
  normalize(want, b, sizeof(b));
  if (!a[0] || !b[0]) return 0;
  char *ea, *eb;
  errno = 0;
  double x = strtod(a, &ea), y = strtod(b, &eb);
  if (!*ea && !*eb && ea != a && eb != b && !errno) return x == y;
  return !strcmp(a, b);
}
