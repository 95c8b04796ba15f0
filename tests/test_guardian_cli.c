/* `lil guardian` as a process: JSON output on healthy and looping records, exit codes and
 * one-line messages on bad options and bad input. Runs $LIL_GUARDIAN_CLI. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guardian_corpus.h"

static char dir[] = "/tmp/lil_guardian_cli_XXXXXX";
static char out[1 << 20];
static size_t healthy_len;

/* Runs the CLI with args (shell words); captures stdout (stderr: 0), stderr (1); returns the exit
 * code. */
static int run(const char *args, int want_stderr) {
  char cmd[8192];
  snprintf(cmd, sizeof(cmd), "'%s' guardian %s%s", getenv("LIL_GUARDIAN_CLI"), args,
           want_stderr ? " 2>&1 >/dev/null" : " 2>/dev/null");
  FILE *p = popen(cmd, "r");
  ck_assert_ptr_nonnull(p);
  size_t n = fread(out, 1, sizeof(out) - 1, p);
  out[n] = 0;
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *path(const char *name) {
  static char buf[4][512];
  static int i;
  i = (i + 1) % 4;
  snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
  return buf[i];
}

static void write_file(const char *name, const char *s) {
  FILE *f = fopen(path(name), "w");
  ck_assert_ptr_nonnull(f);
  fputs(s, f);
  fclose(f);
}

static void setup(void) {
  ck_assert_ptr_nonnull(mkdtemp(dir));
  gc_pieces math = gc_load("math500_test_ori_BudgetThinker.jsonl", "solution");
  gc_buf healthy = {0}, loop = {0};
  gc_fill(&healthy, &math, 0, 40000);
  healthy_len = healthy.len;
  gc_fill(&loop, &math, 100, 8000);
  gc_loop(&loop, math.s[3], 40000, 0, NULL);
  json_t *r0 = json_pack("{s:s,s:s}", "output", healthy.data, "prompt", "Solve these.");
  json_t *r1 = json_pack("{s:s,s:s}", "output", loop.data, "prompt", "Solve these.");
  char *l0 = json_dumps(r0, JSON_COMPACT), *l1 = json_dumps(r1, JSON_COMPACT);
  FILE *f = fopen(path("runs.jsonl"), "w");
  fprintf(f, "%s\n%s\n", l0, l1);
  fclose(f);
  f = fopen(path("bad.jsonl"), "w");
  fprintf(f, "%s\n{\"output\": \"x\"\n", l0);
  fclose(f);
  f = fopen(path("nofield.jsonl"), "w");
  fprintf(f, "%s\n%s\n{\"text\": \"x\"}\n", l0, l1);
  fclose(f);
  write_file("loop.txt", loop.data);
  free(l0);
  free(l1);
  json_decref(r0);
  json_decref(r1);
  gc_buf_free(&healthy);
  gc_buf_free(&loop);
  gc_pieces_free(&math);
}

static void teardown(void) {
  const char *names[] = {"runs.jsonl", "bad.jsonl", "nofield.jsonl", "loop.txt", "plot.svg"};
  for (size_t i = 0; i < 5; i++) unlink(path(names[i]));
  rmdir(dir);
}

START_TEST(test_json_output) {
  char args[1024];
  snprintf(args, sizeof(args), "--json '%s'", path("runs.jsonl"));
  ck_assert_int_eq(run(args, 0), 0);
  char *line2 = strchr(out, '\n');
  ck_assert_ptr_nonnull(line2);
  json_error_t je;
  json_t *a = json_loadb(out, (size_t)(line2 - out), 0, &je), *b = json_loads(line2 + 1, 0, &je);
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(b);
  ck_assert_int_eq(json_integer_value(json_object_get(a, "record")), 0);
  ck_assert_int_eq(json_integer_value(json_object_get(a, "tokens")), (healthy_len + 3) / 4);
  ck_assert(json_is_false(json_object_get(a, "stopped")));
  ck_assert(json_is_null(json_object_get(a, "stop_at")));
  ck_assert_int_eq(json_array_size(json_object_get(a, "gains")), (healthy_len + 3) / 4 / 250);
  ck_assert_int_eq(json_integer_value(json_object_get(b, "record")), 1);
  ck_assert(json_is_true(json_object_get(b, "stopped")));
  json_int_t at = json_integer_value(json_object_get(b, "stop_at"));
  ck_assert_int_gt(at, 2000);
  ck_assert_int_le(at, 3000);
  ck_assert_int_eq(json_array_size(json_object_get(b, "gains")), (size_t)at / 250);
  ck_assert_str_eq(json_string_value(json_object_get(b, "rule")), "loop");
  ck_assert_int_eq(json_array_size(json_object_get(b, "shares")), (size_t)at / 250);
  json_decref(a);
  json_decref(b);
}
END_TEST

START_TEST(test_text_output_and_svg) {
  char args[1024];
  snprintf(args, sizeof(args), "--rule paper -f 200 --svg '%s' '%s'", path("plot.svg"), path("loop.txt"));
  ck_assert_int_eq(run(args, 0), 0);
  ck_assert_ptr_nonnull(strstr(out, "rule paper: stops at "));
  ck_assert_ptr_nonnull(strstr(out, "saves "));
  char *svg = test_read_file(path("plot.svg"), NULL);
  ck_assert_ptr_nonnull(svg);
  ck_assert_ptr_nonnull(strstr(svg, "<svg"));
  ck_assert_ptr_nonnull(strstr(svg, "stop at "));
  ck_assert_ptr_nonnull(strstr(svg, "</svg>"));
  free(svg);
  snprintf(args, sizeof(args), "--jsonl --include-prompt --json '%s'", path("runs.jsonl"));
  ck_assert_int_eq(run(args, 0), 0);
}
END_TEST

/* --eval on the committed fixture (tests/data/guardian/eval_fixture.jsonl: 4 healthy finished-correct
 * runs, 1 finished wrong, 1 cut healthy run, 5 loops): every rule stops every loop, no healthy run,
 * and finds the answer before the stop; the tokens saved are checked to the token. */
START_TEST(test_eval_fixture) {
  char args[1024];
  const char *fixture = test_source_path("tests/data/guardian/eval_fixture.jsonl");
  snprintf(args, sizeof(args), "--eval --json '%s'", fixture);
  ck_assert_int_eq(run(args, 0), 0);
  json_error_t je;
  json_t *top = json_loads(out, 0, &je);
  ck_assert_msg(top != NULL, "%s", je.text);
  ck_assert_int_eq(json_integer_value(json_object_get(top, "records")), 11);
  json_t *rules = json_object_get(top, "rules");
  ck_assert_int_eq(json_array_size(rules), 3);
  static const struct {
    const char *name;
    json_int_t saved;
  } want[] = {{"paper", 3573}, {"relative", 4323}, {"loop", 3823}};
  for (size_t i = 0; i < 3; i++) {
    json_t *r = json_array_get(rules, i);
    ck_assert_str_eq(json_string_value(json_object_get(r, "rule")), want[i].name);
    json_t *loop = json_object_get(r, "loop"), *fc = json_object_get(r, "finished_correct");
    json_t *un = json_object_get(r, "unfinished"), *fo = json_object_get(r, "finished_other");
    ck_assert_int_eq(json_integer_value(json_object_get(loop, "runs")), 5);
    ck_assert_int_eq(json_integer_value(json_object_get(loop, "stopped")), 5);
    ck_assert_int_eq(json_integer_value(json_object_get(un, "runs")), 6);
    ck_assert_int_eq(json_integer_value(json_object_get(un, "stopped")), 5);
    ck_assert_int_eq(json_integer_value(json_object_get(fc, "runs")), 4);
    ck_assert_int_eq(json_integer_value(json_object_get(fc, "stopped")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(fo, "runs")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(fo, "stopped")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "tokens")), 25447);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "tokens_saved")), want[i].saved);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "tokens_saved_finished_correct")), 0);
    json_t *ans = json_object_get(r, "answer");
    ck_assert_int_eq(json_integer_value(json_object_get(ans, "stopped_with_answer")), 5);
    ck_assert_int_eq(json_integer_value(json_object_get(ans, "answer_before_stop")), 5);
  }
  json_decref(top);
  /* the split filter and the table */
  snprintf(args, sizeof(args), "--eval --split eval --rules loop '%s'", fixture);
  ck_assert_int_eq(run(args, 0), 0);
  ck_assert_ptr_nonnull(strstr(out, "4 runs, split eval (loop 2, unfinished 2, finished-correct 2, finished-other 0)"));
  ck_assert_ptr_nonnull(strstr(out, "loops stopped"));
  ck_assert_ptr_nonnull(strstr(out, "\nloop "));
  ck_assert_ptr_null(strstr(out, "\npaper "));
  /* errors */
  snprintf(args, sizeof(args), "--eval --rules paper,fancy '%s'", fixture);
  ck_assert_int_eq(run(args, 1), 2);
  ck_assert_ptr_nonnull(strstr(out, "--rules: option rule: 'fancy' is not one of paper, relative, loop"));
  snprintf(args, sizeof(args), "--eval --split nosuch '%s'", fixture);
  ck_assert_int_eq(run(args, 1), 1);
  ck_assert_ptr_nonnull(strstr(out, "no records in split nosuch"));
  snprintf(args, sizeof(args), "--eval --text-field output '%s'", path("runs.jsonl"));
  ck_assert_int_eq(run(args, 1), 1);
  ck_assert_ptr_nonnull(strstr(out, "runs.jsonl:1: record has no boolean field 'finished' (--finished-field)"));
  snprintf(args, sizeof(args), "--eval '%s'", path("runs.jsonl"));
  ck_assert_int_eq(run(args, 1), 1);
  ck_assert_ptr_nonnull(strstr(out, "runs.jsonl:1: record has no string field 'text' (--text-field)"));
  snprintf(args, sizeof(args), "--eval --correct-field text '%s'", fixture);
  ck_assert_int_eq(run(args, 1), 1);
  ck_assert_ptr_nonnull(strstr(out, "eval_fixture.jsonl:1: field 'text' or 'loop' is neither true, false nor null"));
}
END_TEST

static void expect_error(const char *args, int code, const char *needle) {
  ck_assert_int_eq(run(args, 1), code);
  ck_assert_msg(strstr(out, needle) != NULL, "'%s' not in '%s'", needle, out);
  char *nl = strchr(out, '\n');
  ck_assert_msg(nl && nl[1] == 0, "not one line: '%s'", out); /* exactly one line */
}

START_TEST(test_errors) {
  char args[1024];
  expect_error("--frobnicate x.txt", 2, "unknown option '--frobnicate'");
  expect_error("-f 0 x.txt", 2, "--every: option every: 0 is out of range");
  expect_error("--level 11 x.txt", 2, "--level");
  expect_error("--rule fancy x.txt", 2, "not one of paper, relative, loop");
  expect_error("--share 2 x.txt", 2, "--share: option share: '2' is not a number in [0, 1]");
  expect_error("--threshold", 2, "needs a value");
  expect_error("-m missing-model.gguf x.txt", 1, "missing-model.gguf");
  expect_error("", 2, "no input file");
  snprintf(args, sizeof(args), "'%s'", path("missing.txt"));
  expect_error(args, 1, "cannot open");
  snprintf(args, sizeof(args), "'%s'", path("bad.jsonl"));
  expect_error(args, 1, "bad.jsonl:2: invalid JSON");
  snprintf(args, sizeof(args), "'%s'", path("nofield.jsonl"));
  ck_assert_int_eq(run(args, 1), 1);
  ck_assert_ptr_nonnull(strstr(out, "nofield.jsonl:3: record has no string field 'output'"));
  snprintf(args, sizeof(args), "--field text --json '%s'", path("runs.jsonl"));
  expect_error(args, 1, "runs.jsonl:1: record has no string field 'text'");
  ck_assert_int_eq(run("--help", 0), 0);
  ck_assert_ptr_nonnull(strstr(out, "usage: lil guardian"));
}
END_TEST

int main(void) {
  if (!getenv("LIL_GUARDIAN_CLI")) {
    fprintf(stderr, "LIL_GUARDIAN_CLI is not set\n");
    return EXIT_FAILURE;
  }
  Suite *s = suite_create("guardian_cli");
  TCase *tc = tcase_create("cli");
  tcase_add_unchecked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_json_output);
  tcase_add_test(tc, test_text_output_and_svg);
  tcase_add_test(tc, test_errors);
  tcase_add_test(tc, test_eval_fixture);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
