/* lil_error: messages, prefixes and status names. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lil_status.h"
#include "test_common.h"

START_TEST(test_set_and_prefix) {
  lil_error e = {0};
  ck_assert_int_eq(lil_error_set(&e, LIL_ERR_FORMAT, "tensor %s at offset %d", "blk.0", 42), LIL_ERR_FORMAT);
  ck_assert_str_eq(e.msg, "tensor blk.0 at offset 42");
  ck_assert_int_eq(lil_error_prefix(&e, "model.gguf"), LIL_ERR_FORMAT);
  ck_assert_str_eq(e.msg, "model.gguf: tensor blk.0 at offset 42");
  ck_assert_int_eq(lil_error_set(NULL, LIL_ERR_IO, "ignored"), LIL_ERR_IO);
}
END_TEST

/* Text from files in messages: control bytes escaped, long text cut (found by fuzz/fuzz_gguf.c). */
START_TEST(test_printable) {
  char b[LIL_PRINTABLE_CAP];
  ck_assert_str_eq(lil_printable("llama", 5, b), "llama");
  ck_assert_str_eq(lil_printable("a\nb\x7f\0c", 6, b), "a\\x0ab\\x7f\\x00c");
  char big[200];
  memset(big, '\n', sizeof(big));
  lil_printable(big, sizeof(big), b);
  ck_assert_uint_eq(strlen(b), 64 * 4 + 3);
  ck_assert_ptr_null(strchr(b, '\n'));
  ck_assert_str_eq(b + 64 * 4, "...");
}
END_TEST

START_TEST(test_names) {
  for (int s = LIL_OK; s <= LIL_ERR_RANGE; s++) ck_assert(strcmp(lil_status_name((lil_status)s), "unknown status") != 0);
  ck_assert_str_eq(lil_status_name((lil_status)999), "unknown status");
}
END_TEST

int main(void) {
  Suite *s = suite_create("status");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_set_and_prefix);
  tcase_add_test(tc, test_names);
  tcase_add_test(tc, test_printable);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
