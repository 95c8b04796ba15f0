/* Tokenizer pieces that need no reference vocabulary: UTF-8 helpers, toy vocabularies built in a
 * GGUF image (merge order rules, byte fallback), creation errors, chat formats. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_chat.h"
#include "lil_gguf.h"
#include "lil_gguf_writer.h"
#include "lil_tokenizer.h"
#include "lil_unicode.h"
#include "test_common.h"

START_TEST(test_utf8) {
  size_t off = 99;
  ck_assert(lil_utf8_validate("", 0, &off));
  ck_assert(lil_utf8_validate("h\xC3\xA9llo \xE4\xB8\xAD \xF0\x9F\xA6\x99", 15, &off));
  ck_assert(!lil_utf8_validate("\x80", 1, &off) && off == 0);
  ck_assert(!lil_utf8_validate("ab\xE0\x80\x80", 5, &off) && off == 2);      /* overlong */
  ck_assert(!lil_utf8_validate("abc\xED\xBF\xBF", 6, &off) && off == 3);     /* surrogate */
  ck_assert(!lil_utf8_validate("\xF4\x90\x80\x80", 4, &off) && off == 0);    /* > U+10FFFF */
  ck_assert(!lil_utf8_validate("a\xF0\x9F\xA6", 4, &off) && off == 1);       /* truncated */
  ck_assert(!lil_utf8_validate("a\xC3\xA9\xC3", 4, &off) && off == 3);
  ck_assert(!lil_utf8_validate("\xFE", 1, NULL));
  char b[4];
  uint32_t cp;
  static const uint32_t cps[] = {0, 0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF};
  for (size_t i = 0; i < 8; i++) {
    size_t n = lil_utf8_encode(cps[i], b);
    ck_assert(lil_utf8_validate(b, n, NULL));
    ck_assert_uint_eq(lil_utf8_decode(b, n, &cp), n);
    ck_assert_uint_eq(cp, cps[i]);
  }
  ck_assert_uint_eq(lil_utf8_decode("\xC3", 1, &cp), 1);
  ck_assert_uint_eq(cp, 0xFFFD);
  ck_assert_uint_eq(lil_utf8_incomplete_tail("ab", 2), 0);
  ck_assert_uint_eq(lil_utf8_incomplete_tail("a\xF0", 2), 1);
  ck_assert_uint_eq(lil_utf8_incomplete_tail("a\xF0\x9F\xA6", 4), 3);
  ck_assert_uint_eq(lil_utf8_incomplete_tail("a\xF0\x9F\xA6\x99", 5), 0);
  ck_assert_uint_eq(lil_utf8_incomplete_tail("\xC3\xA9", 2), 0);
  ck_assert_uint_eq(lil_utf8_incomplete_tail("\xE4\xB8", 2), 2);
}
END_TEST

START_TEST(test_unicode_flags) {
  ck_assert_uint_eq(lil_unicode_flags('a'), LIL_UNI_LETTER);
  ck_assert_uint_eq(lil_unicode_flags('5'), LIL_UNI_NUMBER);
  ck_assert_uint_eq(lil_unicode_flags('\n'), LIL_UNI_SPACE);
  ck_assert_uint_eq(lil_unicode_flags('!'), 0);
  ck_assert_uint_eq(lil_unicode_flags(0xE9), LIL_UNI_LETTER);    /* é */
  ck_assert_uint_eq(lil_unicode_flags(0x4E2D), LIL_UNI_LETTER);  /* 中 */
  ck_assert_uint_eq(lil_unicode_flags(0xBD), LIL_UNI_NUMBER);    /* ½ */
  ck_assert_uint_eq(lil_unicode_flags(0x0663), LIL_UNI_NUMBER);  /* Arabic-Indic 3 */
  ck_assert_uint_eq(lil_unicode_flags(0x3000), LIL_UNI_SPACE);
  ck_assert_uint_eq(lil_unicode_flags(0xA0), LIL_UNI_SPACE);
  ck_assert_uint_eq(lil_unicode_flags(0x200D), 0);               /* ZWJ */
  ck_assert_uint_eq(lil_unicode_flags(0x1F600), 0);              /* emoji */
  ck_assert_uint_eq(lil_unicode_flags(0x0301), 0);               /* combining mark */
  ck_assert_str_eq(lil_unicode_version, "14.0.0");
}
END_TEST

/* A GGUF image with the given tokenizer keys; NULL arrays are left out. */
typedef struct toy {
  const char *model, *pre;
  const char *const *tokens;
  size_t n_tokens;
  const float *scores;
  size_t n_scores;
  const int32_t *types;
  const char *const *merges;
  size_t n_merges;
  int64_t bos;
  int add_space_prefix; /* -1: absent */
} toy;

static lil_status toy_tokenizer(const toy *t, lil_tokenizer **tok, lil_error *e) {
  lil_gguf_writer *w;
  ck_assert_int_eq(lil_gguf_writer_create(3, &w, NULL), LIL_OK);
  if (t->model) ck_assert_int_eq(lil_gguf_writer_add_string(w, "tokenizer.ggml.model", t->model, NULL), LIL_OK);
  if (t->pre) ck_assert_int_eq(lil_gguf_writer_add_string(w, "tokenizer.ggml.pre", t->pre, NULL), LIL_OK);
  if (t->tokens) ck_assert_int_eq(lil_gguf_writer_add_str_array(w, "tokenizer.ggml.tokens", t->n_tokens, t->tokens, NULL), LIL_OK);
  if (t->scores) ck_assert_int_eq(lil_gguf_writer_add_array(w, "tokenizer.ggml.scores", LIL_GGUF_FLOAT32, t->n_scores, t->scores, NULL), LIL_OK);
  if (t->types) ck_assert_int_eq(lil_gguf_writer_add_array(w, "tokenizer.ggml.token_type", LIL_GGUF_INT32, t->n_tokens, t->types, NULL), LIL_OK);
  if (t->merges) ck_assert_int_eq(lil_gguf_writer_add_str_array(w, "tokenizer.ggml.merges", t->n_merges, t->merges, NULL), LIL_OK);
  if (t->bos >= 0) ck_assert_int_eq(lil_gguf_writer_add_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)t->bos, NULL), LIL_OK);
  if (t->add_space_prefix >= 0) ck_assert_int_eq(lil_gguf_writer_add_bool(w, "tokenizer.ggml.add_space_prefix", t->add_space_prefix, NULL), LIL_OK);
  void *img;
  size_t size;
  ck_assert_int_eq(lil_gguf_writer_to_memory(w, &img, &size, NULL), LIL_OK);
  lil_gguf_writer_free(w);
  lil_gguf *g;
  lil_error ge = {0};
  ck_assert_msg(lil_gguf_open_memory(img, size, "toy.gguf", &g, &ge) == LIL_OK, "%s", ge.msg);
  lil_status st = lil_tokenizer_create_from_gguf(g, tok, e);
  lil_gguf_close(g); /* the tokenizer keeps copies */
  free(img);
  return st;
}

static const char *const spm_tokens[] = {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", "b", "c", "ab", "bc", "\xE2\x96\x81" "a", "<0x78>"};
static const int32_t spm_types[] = {2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 6};

static void expect(const lil_tokenizer *tok, const char *s, const int32_t *want, size_t nw) {
  int32_t *ids;
  size_t n;
  lil_error e = {0};
  ck_assert_msg(lil_tokenize(tok, s, strlen(s), 0, 0, &ids, &n, &e) == LIL_OK, "%s", e.msg);
  int same = n == nw;
  for (size_t i = 0; same && i < n; i++) same = ids[i] == want[i];
  if (!same) {
    fprintf(stderr, "'%s': got", s);
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %d", ids[i]);
    fprintf(stderr, "\n");
  }
  free(ids);
  ck_assert_msg(same, "'%s': unexpected ids", s);
}

START_TEST(test_toy_spm) {
  /* Equal scores for "ab" and "bc": the leftmost pair merges first. */
  float scores[] = {0, 0, 0, -5, -5, -5, -5, -1, -1, -2, 0};
  toy t = {"llama", NULL, spm_tokens, 11, scores, 11, spm_types, NULL, 0, 1, 0};
  lil_tokenizer *tok;
  lil_error e = {0};
  ck_assert_msg(toy_tokenizer(&t, &tok, &e) == LIL_OK, "%s", e.msg);
  expect(tok, "abc", (int32_t[]){7, 6}, 2);
  expect(tok, "xa", (int32_t[]){10, 4}, 2);          /* byte fallback <0x78> */
  expect(tok, "\xC3\xA9", (int32_t[]){0, 0}, 2);     /* no byte tokens for é: unk per byte */
  lil_tokenizer_free(tok);
  /* Now "bc" scores higher; and the space prefix is on by default. */
  scores[8] = -0.5f;
  t.add_space_prefix = -1;
  ck_assert_msg(toy_tokenizer(&t, &tok, &e) == LIL_OK, "%s", e.msg);
  expect(tok, "abc", (int32_t[]){9, 8}, 2); /* "▁abc": ▁a (-2) loses to bc (-0.5), then ▁a + bc */
  expect(tok, "a a", (int32_t[]){9, 9}, 2);
  lil_tokenizer_free(tok);
}
END_TEST

START_TEST(test_toy_bpe) {
  static const char *const tokens[] = {"a", "b", "c", "ab", "bc", "abc", "\xC4\xA0", "\xC4\xA0" "a"};
  static const char *const merges1[] = {"a b", "ab c", "\xC4\xA0 a"};
  static const char *const merges2[] = {"b c", "a bc", "a b"};
  toy t = {"gpt2", "gpt-2", tokens, 8, NULL, 0, NULL, merges1, 3, -1, -1};
  lil_tokenizer *tok;
  lil_error e = {0};
  ck_assert_msg(toy_tokenizer(&t, &tok, &e) == LIL_OK, "%s", e.msg);
  expect(tok, "abc", (int32_t[]){5}, 1);
  expect(tok, "abcb", (int32_t[]){5, 1}, 2);
  expect(tok, "ab a", (int32_t[]){3, 7}, 2);
  lil_tokenizer_free(tok);
  t.merges = merges2;
  ck_assert_msg(toy_tokenizer(&t, &tok, &e) == LIL_OK, "%s", e.msg);
  expect(tok, "abcb", (int32_t[]){5, 1}, 2); /* b c first, then a bc */
  expect(tok, "abab", (int32_t[]){3, 3}, 2);
  expect(tok, "ab a", (int32_t[]){3, 6, 0}, 3); /* no "Ġ a" merge here */
  lil_tokenizer_free(tok);
}
END_TEST

static void expect_error(const toy *t, lil_status want, const char *needle) {
  lil_tokenizer *tok = (lil_tokenizer *)1;
  lil_error e = {0};
  ck_assert_int_eq(toy_tokenizer(t, &tok, &e), want);
  ck_assert_ptr_null(tok);
  ck_assert_msg(strstr(e.msg, needle), "message '%s' lacks '%s'", e.msg, needle);
}

START_TEST(test_create_errors) {
  float scores[11] = {0};
  static const char *const merges[] = {"a b"}, *const bad_merges[] = {"ab"};
  toy t = {NULL, NULL, spm_tokens, 11, scores, 11, spm_types, NULL, 0, -1, -1};
  expect_error(&t, LIL_ERR_FORMAT, "tokenizer.ggml.model: missing");
  t.model = "llama";
  t.tokens = NULL;
  expect_error(&t, LIL_ERR_FORMAT, "tokenizer.ggml.tokens: missing");
  t.tokens = spm_tokens;
  t.n_scores = 10;
  expect_error(&t, LIL_ERR_FORMAT, "tokenizer.ggml.scores: 10 entries for 11 tokens");
  t.n_scores = 11;
  t.bos = 11;
  expect_error(&t, LIL_ERR_FORMAT, "bos_token_id 11 is outside");
  t.bos = -1;
  t.model = "bert";
  expect_error(&t, LIL_ERR_UNSUPPORTED, "'bert' is not supported");
  t.model = "gpt2";
  expect_error(&t, LIL_ERR_FORMAT, "tokenizer.ggml.merges: missing");
  t.merges = merges;
  t.n_merges = 1;
  t.pre = "mystery-bpe";
  expect_error(&t, LIL_ERR_UNSUPPORTED, "'mystery-bpe' is not supported");
  t.pre = "qwen2";
  t.merges = bad_merges;
  expect_error(&t, LIL_ERR_FORMAT, "merge 0 has no ' ' separator");
  lil_tokenizer *tok;
  ck_assert_int_eq(lil_tokenizer_create(NULL, &tok, NULL), LIL_ERR_INVALID_ARG);
}
END_TEST

/* Chat formats against the text each family's official template renders. */
static void expect_chat(lil_chat_format f, const lil_chat_message *m, size_t n, int gen, const char *want) {
  char buf[1024];
  size_t need;
  lil_error e = {0};
  ck_assert_msg(lil_chat_apply_messages(f, m, n, gen, buf, sizeof(buf), &need, &e) == LIL_OK, "%s", e.msg);
  ck_assert_str_eq(buf, want);
  ck_assert_uint_eq(need, strlen(want));
}

#define DS_U "<\xEF\xBD\x9CUser\xEF\xBD\x9C>"
#define DS_A "<\xEF\xBD\x9C" "Assistant\xEF\xBD\x9C>"
#define DS_E "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>"

START_TEST(test_chat_formats) {
  const lil_chat_message one[] = {{"system", "You are helpful."}, {"user", "Hi"}};
  const lil_chat_message multi[] = {{"system", "S"}, {"user", " Hi \n"}, {"assistant", "<think>hmm</think>\n\nHello!"}, {"user", "Bye"}};
  expect_chat(LIL_CHAT_CHATML, one, 2, 1,
              "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  expect_chat(LIL_CHAT_CHATML, one + 1, 1, 0, "<|im_start|>user\nHi<|im_end|>\n");
  expect_chat(LIL_CHAT_LLAMA3, one, 2, 1,
              "<|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
              "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
              "<|start_header_id|>assistant<|end_header_id|>\n\n");
  expect_chat(LIL_CHAT_LLAMA3, multi + 1, 2, 0,
              "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
              "<|start_header_id|>assistant<|end_header_id|>\n\n<think>hmm</think>\n\nHello!<|eot_id|>");
  expect_chat(LIL_CHAT_DEEPSEEK_R1, one, 2, 1, "You are helpful." DS_U "Hi" DS_A "<think>\n");
  expect_chat(LIL_CHAT_DEEPSEEK_R1, multi, 4, 1, "S" DS_U " Hi \n" DS_A "\n\nHello!" DS_E DS_U "Bye" DS_A "<think>\n");
  expect_chat(LIL_CHAT_DEEPSEEK3, one + 1, 1, 1, DS_U "Hi" DS_A);
  expect_chat(LIL_CHAT_PLAIN, one, 2, 1, "You are helpful.\n\nHi");

  char buf[512];
  size_t need;
  lil_error e = {0};
  ck_assert_int_eq(lil_chat_apply(LIL_CHAT_CHATML, NULL, "Hi", 1, NULL, 0, &need, &e), LIL_OK);
  ck_assert_uint_eq(need, strlen("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"));
  ck_assert_int_eq(lil_chat_apply(LIL_CHAT_CHATML, "", "Hi", 1, buf, need, &need, &e), LIL_ERR_RANGE);
  ck_assert_int_eq(lil_chat_apply(LIL_CHAT_CHATML, "", "Hi", 1, buf, need + 1, &need, &e), LIL_OK);
  ck_assert_str_eq(buf, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  ck_assert_int_eq(lil_chat_apply(LIL_CHAT_UNKNOWN, NULL, "Hi", 1, buf, sizeof(buf), &need, &e), LIL_ERR_UNSUPPORTED);
  const lil_chat_message bad[] = {{"tool", "x"}};
  ck_assert_int_eq(lil_chat_apply_messages(LIL_CHAT_CHATML, bad, 1, 0, buf, sizeof(buf), &need, &e), LIL_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(e.msg, "'tool'"));
}
END_TEST

START_TEST(test_chat_detect) {
  ck_assert_int_eq(lil_chat_format_detect(NULL), LIL_CHAT_UNKNOWN);
  ck_assert_int_eq(lil_chat_format_detect("{{ bos_token }}{% for m in messages %}[INST] {{ m.content }} [/INST]{% endfor %}"), LIL_CHAT_UNKNOWN);
  ck_assert_int_eq(lil_chat_format_detect("{{'<|im_start|>' + message['role'] + '\\n'}}"), LIL_CHAT_CHATML);
  ck_assert_int_eq(lil_chat_format_detect("{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' %}"), LIL_CHAT_LLAMA3);
  ck_assert_int_eq(lil_chat_format_detect("{{'" DS_U "' + c}}{% if add_generation_prompt %}{{'" DS_A "<think>\\n'}}{% endif %}"), LIL_CHAT_DEEPSEEK_R1);
  ck_assert_int_eq(lil_chat_format_detect("{{'" DS_U "' + c}}{% if add_generation_prompt %}{{'" DS_A "'}}{% endif %}"), LIL_CHAT_DEEPSEEK3);
  ck_assert_str_eq(lil_chat_format_name(LIL_CHAT_LLAMA3), "llama3");
  /* The Qwen2 vocabulary GGUF carries its template. */
  lil_gguf *g;
  lil_error e = {0};
  ck_assert_msg(lil_gguf_open(test_data_path("ggml-vocab-qwen2.gguf"), &g, &e) == LIL_OK, "%s", e.msg);
  ck_assert_int_eq(lil_chat_format_from_gguf(g), LIL_CHAT_CHATML);
  lil_gguf_close(g);
  ck_assert_msg(lil_gguf_open(test_data_path("ggml-vocab-gpt-2.gguf"), &g, &e) == LIL_OK, "%s", e.msg);
  ck_assert_int_eq(lil_chat_format_from_gguf(g), LIL_CHAT_UNKNOWN);
  lil_gguf_close(g);
}
END_TEST

int main(void) {
  Suite *s = suite_create("tokenizer_misc");
  TCase *tc = tcase_create("misc");
  tcase_add_test(tc, test_utf8);
  tcase_add_test(tc, test_unicode_flags);
  tcase_add_test(tc, test_toy_spm);
  tcase_add_test(tc, test_toy_bpe);
  tcase_add_test(tc, test_create_errors);
  tcase_add_test(tc, test_chat_formats);
  tcase_add_test(tc, test_chat_detect);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
