/* lil eval's answer extraction and comparison, and its problem-set reader on the field names of
 * the benchmark files (cli/eval_prompts.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../cli/eval_prompts.h"
#include "test_common.h"

static void extract_is(const char *text, const char *want) {
  char *got = eval_extract_answer(text, strlen(text));
  if (!want) ck_assert_msg(got == NULL, "'%s' -> '%s', expected none", text, got);
  else ck_assert_msg(got && !strcmp(got, want), "'%s' -> '%s', expected '%s'", text, got ? got : "(none)", want);
  free(got);
}

START_TEST(test_extract) {
  extract_is("so x = 4 and \\boxed{\\frac{1}{2}} or \\boxed{7}.", "7");
  extract_is("\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}", "\\left( 3, \\frac{\\pi}{2} \\right)");
  extract_is("\\boxed{unclosed 12", "12"); /* unbalanced: no box, the last number */
  extract_is("She makes 9 * 2 = $18 every day.\n#### 18\n", "18");
  extract_is("1 apple, 2 pears, then 3,500 and -4.25 left", "-4.25");
  extract_is("no numbers here", NULL);
  extract_is("", NULL);
}
END_TEST

START_TEST(test_match) {
  ck_assert(eval_answers_match("18", "18"));
  ck_assert(eval_answers_match("18.0", "18"));
  ck_assert(eval_answers_match("$1,000", "1000"));
  ck_assert(eval_answers_match(" 3. ", "3"));
  ck_assert(eval_answers_match("\\frac{1}{2}", "\\frac{1}{2}"));
  ck_assert(eval_answers_match("\\frac { 1 } { 2 }", "\\frac{1}{2}"));
  ck_assert(!eval_answers_match("17", "18"));
  ck_assert(!eval_answers_match(NULL, "18"));
  ck_assert(!eval_answers_match("18", NULL));
  ck_assert(!eval_answers_match("", ""));
}
END_TEST

/* The three field layouts of the benchmark files, plain and gzip, and the errors. */
START_TEST(test_load) {
  char dir[] = "/tmp/lil-evalp-XXXXXX", p[96], q[96];
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(p, sizeof(p), "%s/p.jsonl", dir);
  FILE *f = fopen(p, "w");
  ck_assert_ptr_nonnull(f);
  fputs("{\"prompt\": \"AIME?\", \"answer\": 70}\n\n"
        "{\"question\": \"GSM?\", \"answer\": \"9 * 2 = 18\\n#### 18\"}\n"
        "{\"problem\": \"MATH?\", \"solution\": \"so \\\\boxed{\\\\frac{1}{2}}\", \"level\": 2}\n"
        "{\"problem\": \"no answer\"}",
        f);
  fclose(f);
  snprintf(q, sizeof(q), "%s/p.jsonl.gz", dir);
  gzFile g = gzopen(q, "wb");
  ck_assert_ptr_nonnull(g);
  gzputs(g, "{\"question\": \"zipped\", \"answer\": \"#### 5\"}\n");
  gzclose(g);
  eval_prompt *ps = NULL;
  uint32_t n = 0;
  ck_assert(eval_prompts_load(p, 0, &ps, &n));
  ck_assert_uint_eq(n, 4);
  ck_assert_str_eq(ps[0].text, "AIME?");
  ck_assert_str_eq(ps[0].answer, "70");
  ck_assert_str_eq(ps[1].answer, "18");
  ck_assert_int_eq(ps[1].line, 3);
  ck_assert_str_eq(ps[2].answer, "\\frac{1}{2}");
  ck_assert_ptr_null(ps[3].answer);
  eval_prompts_free(ps, n);
  ck_assert(eval_prompts_load(p, 2, &ps, &n));
  ck_assert_uint_eq(n, 2);
  eval_prompts_free(ps, n);
  ck_assert(eval_prompts_load(q, 0, &ps, &n));
  ck_assert_uint_eq(n, 1);
  ck_assert_str_eq(ps[0].text, "zipped");
  ck_assert_str_eq(ps[0].answer, "5");
  eval_prompts_free(ps, n);
  /* errors: a record without text, bad JSON, an empty file, a missing file */
  f = fopen(p, "w");
  fputs("{\"prompt\": \"ok\"}\n{\"text\": \"x\"}\n", f);
  fclose(f);
  ck_assert(!eval_prompts_load(p, 0, &ps, &n));
  ck_assert_ptr_null(ps);
  f = fopen(p, "w");
  fputs("{\"prompt\": \"ok\"\n", f);
  fclose(f);
  ck_assert(!eval_prompts_load(p, 0, &ps, &n));
  f = fopen(p, "w");
  fclose(f);
  ck_assert(!eval_prompts_load(p, 0, &ps, &n));
  remove(p);
  ck_assert(!eval_prompts_load(p, 0, &ps, &n));
  remove(q);
  rmdir(dir);
}
END_TEST

int main(void) {
  Suite *s = suite_create("eval_answers");
  TCase *tc = tcase_create("eval");
  tcase_add_test(tc, test_extract);
  tcase_add_test(tc, test_match);
  tcase_add_test(tc, test_load);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
