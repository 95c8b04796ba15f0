/* Tokenizers on the four reference vocabularies (llama-spm, llama-bpe, qwen2, gpt-2): every line of
 * every .out file, round trips, BOS, special tokens, EOG, pieces, speed. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lil_gguf.h"
#include "lil_tokenizer.h"
#include "test_common.h"

static const char *const vocabs[] = {"llama-spm", "llama-bpe", "qwen2", "gpt-2"};
#define N_VOCABS 4

typedef struct loaded {
  lil_gguf *g;
  lil_tokenizer *tok;
} loaded;

static loaded load(const char *name) {
  char rel[256];
  snprintf(rel, sizeof(rel), "ggml-vocab-%s.gguf", name);
  loaded l = {0};
  lil_error e = {0};
  ck_assert_msg(lil_gguf_open(test_data_path(rel), &l.g, &e) == LIL_OK, "%s", e.msg);
  ck_assert_msg(lil_tokenizer_create_from_gguf(l.g, &l.tok, &e) == LIL_OK, "%s: %s", name, e.msg);
  return l;
}

static void unload(loaded *l) {
  lil_tokenizer_free(l->tok);
  lil_gguf_close(l->g);
}

static size_t tokenize_ok(const lil_tokenizer *tok, const char *s, size_t len, int bos, int special, int32_t **ids) {
  size_t n = 0;
  lil_error e = {0};
  ck_assert_msg(lil_tokenize(tok, s, len, bos, special, ids, &n, &e) == LIL_OK, "%s", e.msg);
  return n;
}

static char *detok_ok(const lil_tokenizer *tok, const int32_t *ids, size_t n, int flags, size_t *len) {
  char *s = NULL;
  lil_error e = {0};
  ck_assert_msg(lil_detokenize(tok, ids, n, flags, &s, len, &e) == LIL_OK, "%s", e.msg);
  return s;
}

/* Parses one .out line into ids; returns the count. */
static size_t parse_ids(const char *line, size_t len, int32_t *ids, size_t cap) {
  size_t n = 0, i = 0;
  while (i < len) {
    while (i < len && line[i] == ' ') i++;
    if (i >= len) break;
    long v = 0;
    while (i < len && line[i] >= '0' && line[i] <= '9') v = v * 10 + (line[i++] - '0');
    ck_assert(n < cap);
    ids[n++] = (int32_t)v;
    while (i < len && line[i] != ' ') i++;
  }
  return n;
}

START_TEST(test_vocab_reference) {
  const char *name = vocabs[_i];
  loaded l = load(name);
  char rel[256];
  snprintf(rel, sizeof(rel), "tests/data/tokenizer/ggml-vocab-%s.gguf.inp", name);
  size_t inp_len, out_len;
  char *inp = test_read_file(test_source_path(rel), &inp_len);
  snprintf(rel, sizeof(rel), "tests/data/tokenizer/ggml-vocab-%s.gguf.out", name);
  char *out = test_read_file(test_source_path(rel), &out_len);
  ck_assert(inp && out);
  static const char sep[] = "\n__ggml_vocab_test__\n";
  const size_t sep_len = sizeof(sep) - 1;
  const char *p = inp, *o = out;
  int total = 0, pass = 0, round_trip = 0;
  for (;;) {
    const char *end = strstr(p, sep);
    if (!end) break;
    const char *oe = strchr(o, '\n');
    ck_assert_msg(oe, "%s: .out has fewer lines than .inp strings", name);
    int32_t want[1024];
    size_t nw = parse_ids(o, (size_t)(oe - o), want, 1024);
    int32_t *got;
    size_t ng = tokenize_ok(l.tok, p, (size_t)(end - p), 0, 0, &got);
    total++;
    if (ng == nw && (!ng || !memcmp(got, want, ng * sizeof(int32_t)))) {
      pass++;
    } else {
      fprintf(stderr, "%s: string %d (%.*s): got", name, total, (int)(end - p), p);
      for (size_t i = 0; i < ng; i++) fprintf(stderr, " %d", got[i]);
      fprintf(stderr, "\n   want %.*s\n", (int)(oe - o), o);
    }
    /* Detokenizing ours and the reference ids gives the same text; for byte-level BPE that is the
     * input itself, for SentencePiece the input once the added leading space is dropped. */
    size_t la, lb;
    char *a = detok_ok(l.tok, got, ng, LIL_DETOK_STRIP_SPACE, &la);
    char *b = detok_ok(l.tok, want, nw, LIL_DETOK_STRIP_SPACE, &lb);
    ck_assert_msg(la == lb && !memcmp(a, b, la), "%s: string %d detokenizes differently", name, total);
    if (la == (size_t)(end - p) && !memcmp(a, p, la)) round_trip++;
    free(a);
    free(b);
    free(got);
    p = end + sep_len;
    o = oe + 1;
  }
  fprintf(stderr, "%s: %d/%d reference lines reproduced, %d/%d exact text round trips\n", name, pass, total, round_trip, total);
  ck_assert_int_eq(total, 46);
  ck_assert_int_eq(pass, total);
  ck_assert_int_eq(round_trip, total);
  free(inp);
  free(out);
  unload(&l);
}
END_TEST

START_TEST(test_metadata) {
  loaded spm = load("llama-spm"), l3 = load("llama-bpe"), qw = load("qwen2"), g2 = load("gpt-2");
  ck_assert_int_eq(lil_tokenizer_model_of(spm.tok), LIL_TOKENIZER_SPM);
  ck_assert_int_eq(lil_tokenizer_pre(l3.tok), LIL_PRE_LLAMA3);
  ck_assert_int_eq(lil_tokenizer_pre(qw.tok), LIL_PRE_QWEN2);
  ck_assert_int_eq(lil_tokenizer_pre(g2.tok), LIL_PRE_GPT2);
  ck_assert_uint_eq(lil_tokenizer_vocab_size(spm.tok), 32000);
  ck_assert_uint_eq(lil_tokenizer_vocab_size(l3.tok), 128256);
  ck_assert_uint_eq(lil_tokenizer_vocab_size(qw.tok), 151936);
  ck_assert_uint_eq(lil_tokenizer_vocab_size(g2.tok), 50257);
  ck_assert_int_eq(lil_token_bos(spm.tok), 1);
  ck_assert_int_eq(lil_token_eos(spm.tok), 2);
  ck_assert_int_eq(lil_token_bos(l3.tok), 128000);
  ck_assert(lil_tokenizer_add_bos(spm.tok));
  ck_assert(lil_tokenizer_add_bos(l3.tok));
  ck_assert(!lil_tokenizer_add_bos(qw.tok));
  ck_assert(!lil_tokenizer_add_bos(g2.tok));
  /* EOG: eos plus the chat end markers found by text. */
  ck_assert(lil_token_is_eog(spm.tok, 2));
  ck_assert(!lil_token_is_eog(spm.tok, 1));
  ck_assert(lil_token_is_eog(l3.tok, 128001));
  ck_assert(lil_token_is_eog(l3.tok, 128009)); /* <|eot_id|> */
  ck_assert(!lil_token_is_eog(l3.tok, 128006));
  ck_assert(lil_token_is_eog(qw.tok, 151643));
  ck_assert(lil_token_is_eog(qw.tok, 151645)); /* <|im_end|> */
  ck_assert(!lil_token_is_eog(qw.tok, 151644));
  ck_assert(lil_token_is_eog(g2.tok, 50256));
  ck_assert_int_eq(lil_token_type_of(spm.tok, 0), LIL_TOKEN_UNKNOWN);
  ck_assert_int_eq(lil_token_type_of(spm.tok, 1), LIL_TOKEN_CONTROL);
  ck_assert_int_eq(lil_token_type_of(spm.tok, 13), LIL_TOKEN_BYTE);
  ck_assert_int_eq(lil_token_type_of(qw.tok, 151700), LIL_TOKEN_USER_DEFINED);
  ck_assert_int_eq(lil_token_type_of(qw.tok, -1), LIL_TOKEN_UNDEFINED);
  ck_assert_int_eq(lil_token_find(qw.tok, "<|im_start|>", 12), 151644);
  ck_assert_int_eq(lil_token_find(qw.tok, "no such token at all", 20), -1);
  unload(&spm), unload(&l3), unload(&qw), unload(&g2);
}
END_TEST

static void expect_ids(const lil_tokenizer *tok, const char *s, int bos, int special, const int32_t *want, size_t nw) {
  int32_t *got;
  size_t ng = tokenize_ok(tok, s, strlen(s), bos, special, &got);
  int same = ng == nw;
  for (size_t i = 0; same && i < ng; i++) same = got[i] == want[i];
  if (!same) {
    fprintf(stderr, "'%s' bos=%d special=%d: got", s, bos, special);
    for (size_t i = 0; i < ng; i++) fprintf(stderr, " %d", got[i]);
    fprintf(stderr, "\n");
  }
  free(got);
  ck_assert_msg(same, "'%s': unexpected ids", s);
}

START_TEST(test_bos_and_special) {
  loaded spm = load("llama-spm"), l3 = load("llama-bpe"), qw = load("qwen2");
  /* SPM: BOS first, space prefix only at the start and after a special token. */
  expect_ids(spm.tok, "Hello world", 1, 0, (int32_t[]){1, 15043, 3186}, 3);
  expect_ids(spm.tok, "Hello world", 0, 0, (int32_t[]){15043, 3186}, 2);
  expect_ids(spm.tok, "", 1, 0, (int32_t[]){1}, 1);
  expect_ids(spm.tok, "<s>Hello</s>", 0, 1, (int32_t[]){1, 15043, 2}, 3);
  /* Llama 3 */
  expect_ids(l3.tok, "Hello world", 1, 0, (int32_t[]){128000, 9906, 1917}, 3);
  expect_ids(l3.tok, "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", 0, 1,
             (int32_t[]){128006, 882, 128007, 271, 13347, 128009}, 6);
  /* Qwen2: control tokens only with parse_special; user-defined ones always. */
  expect_ids(qw.tok, "<|im_start|>user\nHello<|im_end|>", 0, 1, (int32_t[]){151644, 872, 198, 9707, 151645}, 5);
  int32_t *ids;
  size_t n = tokenize_ok(qw.tok, "<|im_start|>", 12, 0, 0, &ids);
  ck_assert_uint_gt(n, 1);
  for (size_t i = 0; i < n; i++) ck_assert_int_ne(ids[i], 151644);
  free(ids);
  expect_ids(qw.tok, "[PAD151700]", 0, 0, (int32_t[]){151700}, 1);
  /* Longest match wins: "<|im_start|>" over any shorter special prefix. */
  expect_ids(qw.tok, "<|im_start|><|im_start|>", 0, 1, (int32_t[]){151644, 151644}, 2);
  unload(&spm), unload(&l3), unload(&qw);
}
END_TEST

START_TEST(test_pieces) {
  loaded spm = load("llama-spm"), g2 = load("gpt-2");
  const char *p;
  size_t len;
  lil_error e = {0};
  ck_assert_int_eq(lil_token_piece(spm.tok, 13, &p, &len, &e), LIL_OK); /* <0x0A> */
  ck_assert_uint_eq(len, 1);
  ck_assert_int_eq(p[0], '\n');
  ck_assert_int_eq(lil_token_piece(spm.tok, 15043, &p, &len, &e), LIL_OK); /* ▁Hello */
  ck_assert_uint_eq(len, 6);
  ck_assert_int_eq(memcmp(p, " Hello", 6), 0);
  ck_assert_int_eq(lil_token_piece(spm.tok, 1, &p, &len, &e), LIL_OK);
  ck_assert_uint_eq(len, 3);
  ck_assert_int_eq(memcmp(p, "<s>", 3), 0);
  ck_assert_int_eq(lil_token_piece(g2.tok, 220, &p, &len, &e), LIL_OK); /* Ġ */
  ck_assert_uint_eq(len, 1);
  ck_assert_int_eq(p[0], ' ');
  ck_assert_int_eq(lil_token_piece(g2.tok, 50257, &p, &len, &e), LIL_ERR_RANGE);
  ck_assert_ptr_nonnull(strstr(e.msg, "50257"));
  ck_assert_int_eq(lil_token_piece(g2.tok, -3, &p, &len, &e), LIL_ERR_RANGE);
  /* Detokenize: control tokens kept or skipped, leading space stripped on request. */
  int32_t ids[] = {1, 15043, 3186, 2};
  size_t n;
  char *s = detok_ok(spm.tok, ids, 4, 0, &n);
  ck_assert_str_eq(s, "<s> Hello world</s>");
  free(s);
  s = detok_ok(spm.tok, ids, 4, LIL_DETOK_SKIP_SPECIAL | LIL_DETOK_STRIP_SPACE, &n);
  ck_assert_str_eq(s, "Hello world");
  free(s);
  int32_t bad[] = {5, 99999};
  ck_assert_int_eq(lil_detokenize(spm.tok, bad, 2, 0, &s, &n, &e), LIL_ERR_RANGE);
  ck_assert_ptr_nonnull(strstr(e.msg, "99999"));
  /* Streaming a multi-byte character byte token by byte token. */
  int32_t *ids2;
  size_t n2 = tokenize_ok(spm.tok, "\xF0\x9F\xA6\x99", 4, 0, 0, &ids2); /* llama emoji: byte fallback */
  char buf[64];
  size_t bl = 0, printed = 0;
  for (size_t i = 0; i < n2; i++) {
    ck_assert_int_eq(lil_token_piece(spm.tok, ids2[i], &p, &len, &e), LIL_OK);
    memcpy(buf + bl, p, len);
    bl += len;
    size_t ready = bl - lil_utf8_incomplete_tail(buf, bl);
    if (i + 1 < n2 && ready > printed) ck_assert_uint_le(ready, 1); /* only the space prefix */
    printed = ready;
  }
  ck_assert_uint_eq(printed, bl);
  ck_assert_int_eq(memcmp(buf + bl - 4, "\xF0\x9F\xA6\x99", 4), 0);
  free(ids2);
  unload(&spm), unload(&g2);
}
END_TEST

START_TEST(test_invalid_utf8) {
  loaded l = load(vocabs[_i]);
  static const struct {
    const char *s;
    size_t len, off;
  } cases[] = {{"ab\xC3(", 4, 2}, {"\xFF", 1, 0}, {"ok \xE2\x82", 5, 3}, {"\xC0\xAF", 2, 0},
               {"x\xED\xA0\x80", 4, 1}, {"hello \xF4\x90\x80\x80", 10, 6}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int32_t *ids = (int32_t *)1;
    size_t n = 7;
    lil_error e = {0};
    ck_assert_int_eq(lil_tokenize(l.tok, cases[i].s, cases[i].len, 1, 0, &ids, &n, &e), LIL_ERR_INVALID_ARG);
    char want[64];
    snprintf(want, sizeof(want), "byte offset %zu", cases[i].off);
    ck_assert_msg(strstr(e.msg, want), "case %zu: %s", i, e.msg);
    ck_assert_ptr_null(ids);
    ck_assert_uint_eq(n, 0);
  }
  unload(&l);
}
END_TEST

/* Random valid UTF-8 (ASCII, Latin, CJK, emoji, whitespace runs) round-trips exactly. U+2581 is
 * left out for SentencePiece, where it is the escaped space and reads back as ' '. */
START_TEST(test_random_round_trip) {
  loaded l = load(vocabs[_i]);
  uint64_t st = test_seed() + (uint64_t)_i;
  static const uint32_t pool[] = {' ', ' ', ' ', '\n', '\t', 'a', 'e', 'Z', '7', '\'', '.', 0xE9, 0x439, 0x4E2D, 0x1F600, 0x3000, 0xA0, '<', '|', 0x2581};
  size_t n_pool = sizeof(pool) / sizeof(pool[0]) - (lil_tokenizer_model_of(l.tok) == LIL_TOKENIZER_SPM);
  for (int iter = 0; iter < 200; iter++) {
    char text[512];
    size_t len = 0, n = test_rand_u32(&st) % 100;
    for (size_t i = 0; i < n; i++) len += lil_utf8_encode(pool[test_rand_u32(&st) % n_pool], text + len);
    int32_t *ids;
    size_t ni = tokenize_ok(l.tok, text, len, 1, 0, &ids), lo;
    char *back = detok_ok(l.tok, ids, ni, LIL_DETOK_SKIP_SPECIAL | LIL_DETOK_STRIP_SPACE, &lo);
    ck_assert_msg(lo == len && !memcmp(back, text, len), "%s: round trip failed for '%.*s' -> '%s'", vocabs[_i], (int)len, text, back);
    free(ids);
    free(back);
  }
  unload(&l);
}
END_TEST

START_TEST(test_speed_100k) {
  loaded l = load(vocabs[_i]);
  size_t inp_len;
  char rel[256];
  snprintf(rel, sizeof(rel), "tests/data/tokenizer/ggml-vocab-%s.gguf.inp", vocabs[_i]);
  char *inp = test_read_file(test_source_path(rel), &inp_len);
  ck_assert_ptr_nonnull(inp);
  size_t cap = 100 * 1024 + inp_len + 20000, len = 0;
  char *text = malloc(cap);
  while (len + inp_len <= 100 * 1024) {
    memcpy(text + len, inp, inp_len);
    len += inp_len;
  }
  /* One 20 KB word without spaces too: the merge loop must not be quadratic. */
  memset(text + len, 'a', 20000);
  len += 20000;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int32_t *ids;
  size_t n = tokenize_ok(l.tok, text, len, 1, 0, &ids);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  fprintf(stderr, "%s: %zu bytes -> %zu tokens in %.3f s\n", vocabs[_i], len, n, s);
  ck_assert(n > 1000);
  ck_assert_msg(s < 5.0, "too slow: %.3f s", s); /* well under 1 s in release; slack for sanitizers */
  free(ids);
  free(text);
  free(inp);
  unload(&l);
}
END_TEST

int main(void) {
  Suite *s = suite_create("tokenizer");
  TCase *tc = tcase_create("vocabs");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_vocab_reference, 0, N_VOCABS);
  tcase_add_test(tc, test_metadata);
  tcase_add_test(tc, test_bos_and_special);
  tcase_add_test(tc, test_pieces);
  tcase_add_loop_test(tc, test_invalid_utf8, 0, N_VOCABS);
  tcase_add_loop_test(tc, test_random_round_trip, 0, N_VOCABS);
  tcase_add_loop_test(tc, test_speed_100k, 0, N_VOCABS);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
