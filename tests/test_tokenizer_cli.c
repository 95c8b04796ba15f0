/* `lil tokenize` (cli/cmd_tokenize.c, linked in directly until the lil executable is built):
 * output format, options, one-line errors and exit codes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "../cli/cli_tokenize.h"
#include "test_common.h"

typedef struct run_result {
  int rc;
  char out[8192], err[2048];
} run_result;

static void slurp(FILE *f, char *buf, size_t cap) {
  fflush(f);
  rewind(f);
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = 0;
}

/* Runs cmd_tokenize with stdout and stderr captured. */
static void run(run_result *r, int argc, const char **argv) {
  FILE *fo = tmpfile(), *fe = tmpfile();
  ck_assert(fo && fe);
  fflush(stdout);
  fflush(stderr);
  int so = dup(1), se = dup(2);
  dup2(fileno(fo), 1);
  dup2(fileno(fe), 2);
  r->rc = cmd_tokenize(argc, (char **)argv);
  fflush(stdout);
  fflush(stderr);
  dup2(so, 1);
  dup2(se, 2);
  close(so);
  close(se);
  slurp(fo, r->out, sizeof(r->out));
  slurp(fe, r->err, sizeof(r->err));
  fclose(fo);
  fclose(fe);
}

/* argc counted from the list. */
#define RUN(r, ...)                                                                          \
  do {                                                                                       \
    const char *argv_[] = {__VA_ARGS__, NULL};                                               \
    run(r, (int)(sizeof(argv_) / sizeof(argv_[0])) - 1, argv_);                              \
  } while (0)

static int lines(const char *s) {
  int n = 0;
  for (; *s; s++) n += *s == '\n';
  return n;
}

static char model_spm[4096], model_qwen[4096];

static void setup(void) {
  snprintf(model_spm, sizeof(model_spm), "%s", test_data_path("ggml-vocab-llama-spm.gguf"));
  snprintf(model_qwen, sizeof(model_qwen), "%s", test_data_path("ggml-vocab-qwen2.gguf"));
}

START_TEST(test_cli_ids) {
  setup();
  run_result r;
  RUN(&r, "tokenize", "-m", model_spm, "Hello", "world");
  ck_assert_int_eq(r.rc, 0);
  ck_assert_str_eq(r.out, "1 15043 3186\n");
  RUN(&r, "tokenize", "--no-bos", "-m", model_spm, "Hello world");
  ck_assert_str_eq(r.out, "15043 3186\n");
  RUN(&r, "tokenize", "--pieces", "--model", model_spm, "Hi\n");
  ck_assert_int_eq(r.rc, 0);
  ck_assert_str_eq(r.out, "1:\"<s>\" 6324:\" Hi\" 13:\"\\n\"\n");
  RUN(&r, "tokenize", "--special", "-m", model_qwen, "<|im_start|>user");
  ck_assert_str_eq(r.out, "151644 872\n");
  RUN(&r, "tokenize", "-m", model_qwen, "");
  ck_assert_int_eq(r.rc, 0);
  ck_assert_str_eq(r.out, "\n");
}
END_TEST

START_TEST(test_cli_file) {
  setup();
  char path[] = "/tmp/lil-tokenize-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, "Hello world", 11), 11);
  close(fd);
  run_result r;
  RUN(&r, "tokenize", "-m", model_qwen, "-f", path);
  ck_assert_int_eq(r.rc, 0);
  ck_assert_str_eq(r.out, "9707 1879\n");
  /* Invalid UTF-8: one line naming the offset, exit 1. */
  fd = open(path, O_WRONLY | O_TRUNC);
  ck_assert_int_eq(write(fd, "abc\xFF", 4), 4);
  close(fd);
  RUN(&r, "tokenize", "-m", model_qwen, "-f", path);
  ck_assert_int_eq(r.rc, 1);
  ck_assert_str_eq(r.out, "");
  ck_assert_int_eq(lines(r.err), 1);
  ck_assert_ptr_nonnull(strstr(r.err, "invalid UTF-8 at byte offset 3"));
  unlink(path);
  RUN(&r, "tokenize", "-m", model_qwen, "-f", path);
  ck_assert_int_eq(r.rc, 1);
  ck_assert_int_eq(lines(r.err), 1);
  ck_assert_ptr_nonnull(strstr(r.err, "cannot read"));
}
END_TEST

START_TEST(test_cli_errors) {
  setup();
  run_result r;
  RUN(&r, "tokenize", "hello");
  ck_assert_int_eq(r.rc, 2);
  ck_assert_int_eq(lines(r.err), 1);
  ck_assert_ptr_nonnull(strstr(r.err, "no model"));
  RUN(&r, "tokenize", "-m", model_spm);
  ck_assert_int_eq(r.rc, 2);
  ck_assert_int_eq(lines(r.err), 1);
  RUN(&r, "tokenize", "--bogus", "-m", model_spm);
  ck_assert_int_eq(r.rc, 2);
  ck_assert_ptr_nonnull(strstr(r.err, "--bogus"));
  RUN(&r, "tokenize", "-m", "/nonexistent/model.gguf", "hi");
  ck_assert_int_eq(r.rc, 1);
  ck_assert_int_eq(lines(r.err), 1);
  ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent/model.gguf"));
  /* Not a GGUF at all. */
  char path[] = "/tmp/lil-tokenize-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_eq(write(fd, "definitely not a gguf file", 26), 26);
  close(fd);
  RUN(&r, "tokenize", "-m", path, "hi");
  ck_assert_int_eq(r.rc, 1);
  ck_assert_int_eq(lines(r.err), 1);
  unlink(path);
  RUN(&r, "tokenize", "--help");
  ck_assert_int_eq(r.rc, 0);
  ck_assert_ptr_nonnull(strstr(r.out, "usage: lil tokenize"));
}
END_TEST

int main(void) {
  Suite *s = suite_create("tokenizer_cli");
  TCase *tc = tcase_create("cli");
  tcase_add_test(tc, test_cli_ids);
  tcase_add_test(tc, test_cli_file);
  tcase_add_test(tc, test_cli_errors);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
