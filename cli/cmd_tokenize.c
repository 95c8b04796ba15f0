/* lil tokenize -m MODEL [--no-bos] [--pieces] [--special] (TEXT... | -f FILE) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_tokenize.h"
#include "lil_gguf.h"
#include "lil_tokenizer.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: lil tokenize -m MODEL [--no-bos] [--pieces] [--special] (TEXT... | -f FILE)\n\n"
          "Prints the token ids of TEXT (words joined by single spaces) or of FILE's bytes, on one line,\n"
          "space separated. The text must be valid UTF-8.\n\n"
          "  -m, --model MODEL  GGUF file whose tokenizer to use (a vocabulary-only GGUF works)\n"
          "  -f, --file FILE    read the text from FILE ('-' for standard input)\n"
          "      --no-bos       do not add BOS (by default BOS is added when the model asks for it)\n"
          "      --pieces       print id:\"piece\" pairs (piece = output bytes, C-escaped)\n"
          "      --special      parse control tokens written in the text (e.g. <|im_start|>)\n"
          "  -h, --help         this help\n");
}

static int fail(const char *what, const char *msg) {
  fprintf(stderr, "lil tokenize: %s%s%s\n", what, *what ? ": " : "", msg);
  return 1;
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap) break;
    char *nb = realloc(buf, cap * 2);
    if (!nb) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = nb;
    cap *= 2;
  }
  int bad = ferror(f);
  if (f != stdin) fclose(f);
  if (bad) {
    free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}

static void print_piece(const char *p, size_t len) {
  putchar('"');
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c == '\n') fputs("\\n", stdout);
    else if (c == '\t') fputs("\\t", stdout);
    else if (c == '\r') fputs("\\r", stdout);
    else if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20 || c == 0x7F) printf("\\x%02X", c);
    else putchar(c);
  }
  putchar('"');
}

/* Joins argv[first..argc) with single spaces. */
static char *join_args(int argc, char **argv, int first, size_t *len) {
  size_t n = 0;
  for (int i = first; i < argc; i++) n += strlen(argv[i]) + 1;
  char *s = malloc(n + 1);
  if (!s) return NULL;
  size_t o = 0;
  for (int i = first; i < argc; i++) {
    if (i > first) s[o++] = ' ';
    size_t l = strlen(argv[i]);
    memcpy(s + o, argv[i], l);
    o += l;
  }
  s[o] = 0;
  *len = o;
  return s;
}

int cmd_tokenize(int argc, char **argv) {
  const char *model = NULL, *file = NULL;
  int no_bos = 0, pieces = 0, special = 0, first_text = argc;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char **val = NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--no-bos")) {
      no_bos = 1;
    } else if (!strcmp(a, "--pieces")) {
      pieces = 1;
    } else if (!strcmp(a, "--special")) {
      special = 1;
    } else if (!strcmp(a, "-m") || !strcmp(a, "--model")) {
      val = &model;
    } else if (!strncmp(a, "--model=", 8)) {
      model = a + 8;
    } else if (!strcmp(a, "-f") || !strcmp(a, "--file")) {
      val = &file;
    } else if (!strncmp(a, "--file=", 7)) {
      file = a + 7;
    } else if (!strcmp(a, "--")) {
      first_text = i + 1;
      break;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "lil tokenize: unknown option '%s' (see lil tokenize --help)\n", a);
      return 2;
    } else {
      first_text = i;
      break;
    }
    if (val) {
      if (i + 1 >= argc) {
        fprintf(stderr, "lil tokenize: %s needs a value (see lil tokenize --help)\n", a);
        return 2;
      }
      *val = argv[++i];
    }
  }
  int has_text = first_text < argc;
  if (!model) {
    fprintf(stderr, "lil tokenize: no model given (-m MODEL; see lil tokenize --help)\n");
    return 2;
  }
  if (has_text == (file != NULL)) {
    fprintf(stderr, "lil tokenize: give either TEXT or -f FILE (see lil tokenize --help)\n");
    return 2;
  }
  lil_error err = {0};
  lil_gguf *g = NULL;
  if (lil_gguf_open(model, &g, &err)) return fail("", err.msg);
  lil_tokenizer *tok = NULL;
  if (lil_tokenizer_create_from_gguf(g, &tok, &err)) {
    lil_gguf_close(g);
    return fail(model, err.msg);
  }
  size_t len = 0;
  char *text = file ? read_all(file, &len) : join_args(argc, argv, first_text, &len);
  int rc = 0;
  if (!text) {
    rc = fail(file ? file : "text", file ? "cannot read the file" : "out of memory");
  } else {
    int32_t *ids = NULL;
    size_t n = 0;
    int add_bos = !no_bos && lil_tokenizer_add_bos(tok);
    if (lil_tokenize(tok, text, len, add_bos, special, &ids, &n, &err)) {
      rc = fail(file ? file : "", err.msg);
    } else {
      for (size_t i = 0; i < n; i++) {
        if (i) putchar(' ');
        printf("%d", ids[i]);
        if (pieces) {
          const char *p;
          size_t pl;
          lil_token_piece(tok, ids[i], &p, &pl, NULL);
          putchar(':');
          print_piece(p, pl);
        }
      }
      putchar('\n');
      if (fflush(stdout)) rc = fail("stdout", "write failed");
    }
    free(ids);
  }
  free(text);
  lil_tokenizer_free(tok);
  lil_gguf_close(g);
  return rc;
}
