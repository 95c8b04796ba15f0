/* Builds healthy and looping texts for the Guardian tests and the detector study. */
#include "guardian_corpus.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"

static void die(const char *what, const char *where) {
  fprintf(stderr, "guardian_corpus: %s: %s\n", what, where);
  abort();
}

void gc_buf_add(gc_buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) die("out of memory", "gc_buf_add");
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = 0;
}

void gc_buf_free(gc_buf *b) {
  free(b->data);
  memset(b, 0, sizeof(*b));
}

static void pieces_add(gc_pieces *p, char *s) {
  char **v = realloc(p->s, (p->n + 1) * sizeof(*v));
  if (!v) die("out of memory", "pieces_add");
  p->s = v;
  p->s[p->n++] = s;
}

gc_pieces gc_load(const char *file, const char *field) {
  const char *path = test_data_path(file);
  FILE *f = fopen(path, "r");
  if (!f) die("cannot open", path);
  gc_pieces p = {0};
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    json_error_t je;
    json_t *j = json_loads(line, 0, &je);
    const char *s = j ? json_string_value(json_object_get(j, field)) : NULL;
    if (!s) die("record without the string field", field);
    char *copy = strdup(s);
    if (!copy) die("out of memory", "gc_load");
    pieces_add(&p, copy);
    json_decref(j);
  }
  free(line);
  fclose(f);
  if (!p.n) die("no records", path);
  return p;
}

gc_pieces gc_equations(const gc_pieces *src) {
  gc_pieces p = {0};
  for (size_t i = 0; i < src->n; i++) {
    gc_buf b = {0};
    const char *s = src->s[i];
    while (*s) {
      const char *open = NULL, *close = NULL;
      if (s[0] == '$') {
        open = s + 1;
        close = strchr(open, '$');
      } else if (s[0] == '\\' && s[1] == '[') {
        open = s + 2;
        close = strstr(open, "\\]");
      }
      if (open && close) {
        gc_buf_add(&b, open, (size_t)(close - open));
        gc_buf_add(&b, "\n", 1);
        s = close + (s[0] == '$' ? 1 : 2);
      } else {
        s++;
      }
    }
    if (b.len > 20) pieces_add(&p, b.data);
    else gc_buf_free(&b);
  }
  return p;
}

gc_pieces gc_code(void) {
  static const char *dirs[] = {"guardian", "runtime/core", "tests", "cli"};
  gc_pieces p = {0};
  for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", test_source_path(dirs[d]));
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
      size_t l = strlen(names[i]->d_name);
      if (l > 2 && !strcmp(names[i]->d_name + l - 2, ".c")) {
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        char *s = test_read_file(path, NULL);
        if (s) pieces_add(&p, s);
      }
      free(names[i]);
    }
    free(names);
  }
  if (!p.n) die("no C sources found under", test_source_path("."));
  return p;
}

void gc_pieces_free(gc_pieces *p) {
  for (size_t i = 0; i < p->n; i++) free(p->s[i]);
  free(p->s);
  memset(p, 0, sizeof(*p));
}

void gc_fill(gc_buf *b, const gc_pieces *p, size_t start, size_t target) {
  for (size_t i = start; b->len < target; i++) {
    const char *s = p->s[i % p->n];
    gc_buf_add(b, s, strlen(s));
    gc_buf_add(b, "\n\n", 2);
  }
}

static uint32_t rnd(uint64_t *s) { return test_rand_u32(s); }

static const char *const wait_phrases[] = {
    "Wait, let me re-check this. ", "Hmm, let me verify that again. ", "Wait, that doesn't seem right. ",
    "Let me double-check the calculation. ", "Actually, let me reconsider. ",
};
static const char *const swaps[][2] = {
    {"So ", "Thus "}, {"Therefore", "Hence"}, {"we ", "I "}, {"the ", "this "}, {"is ", "equals "},
};

/* One edited copy of para: numbers replaced with probability 1/4, phrases and swaps if edits=2. */
static void edited_copy(gc_buf *b, const char *para, int edits, uint64_t *seed) {
  const char *s = para;
  while (*s) {
    if (edits >= 1 && *s >= '0' && *s <= '9') {
      const char *e = s;
      while (*e >= '0' && *e <= '9') e++;
      if (rnd(seed) % 4 == 0) {
        char num[24];
        int k = snprintf(num, sizeof(num), "%u", rnd(seed) % 1000);
        gc_buf_add(b, num, (size_t)k);
      } else {
        gc_buf_add(b, s, (size_t)(e - s));
      }
      s = e;
      continue;
    }
    if (edits >= 2 && s != para && (s[-1] == '.' || s[-1] == '\n') && *s == ' ' && rnd(seed) % 4 == 0) {
      const char *w = wait_phrases[rnd(seed) % 5];
      gc_buf_add(b, " ", 1);
      gc_buf_add(b, w, strlen(w) - 1);
    }
    if (edits >= 2 && rnd(seed) % 8 == 0) {
      const char *const *sw = swaps[rnd(seed) % 5];
      size_t l = strlen(sw[0]);
      if (!strncmp(s, sw[0], l)) {
        gc_buf_add(b, sw[1], strlen(sw[1]));
        s += l;
        continue;
      }
    }
    gc_buf_add(b, s, 1);
    s++;
  }
}

void gc_loop(gc_buf *b, const char *para, size_t target, int edits, uint64_t *seed) {
  while (b->len < target) {
    if (edits == 0) gc_buf_add(b, para, strlen(para));
    else edited_copy(b, para, edits, seed);
    gc_buf_add(b, "\n\n", 2);
  }
}

uint64_t gc_run(const lil_guardian_opts *o, const char *text, size_t len, size_t bpt, lil_guardian_check **checks_out,
                size_t *n_checks) {
  lil_guardian *g = NULL;
  lil_error err = {0};
  if (lil_guardian_create(o, &g, &err)) die("lil_guardian_create", err.msg);
  size_t step = (size_t)o->every * bpt;
  uint64_t stop = 0;
  for (size_t off = 0; off + step <= len; off += step) {
    lil_guardian_decision d;
    if (lil_guardian_add_text(g, text + off, step, o->every, &d, &err)) die("lil_guardian_add_text", err.msg);
    if (d.stop) {
      stop = d.position;
      break;
    }
  }
  lil_guardian_stats st;
  lil_guardian_get_stats(g, &st);
  if (checks_out) {
    *checks_out = malloc((st.n_checks + 1) * sizeof(lil_guardian_check));
    if (!*checks_out) die("out of memory", "gc_run");
    memcpy(*checks_out, st.checks, st.n_checks * sizeof(lil_guardian_check));
    *n_checks = st.n_checks;
  }
  lil_guardian_free(g);
  return stop;
}
