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
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
