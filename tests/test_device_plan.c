/* The device plan is a pure function: checked on recorded snapshots without hardware. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_device_plan.h"
#include "test_common.h"

static lil_device_snapshot load(const char *name) {
  char rel[128];
  snprintf(rel, sizeof(rel), "tests/data/%s", name);
  char *text = test_read_file(test_source_path(rel), NULL);
  ck_assert_msg(text != NULL, "cannot read %s", rel);
  lil_device_snapshot s;
  lil_error err = {0};
  ck_assert_msg(lil_snapshot_from_json(text, &s, &err) == LIL_OK, "%s", err.msg);
  free(text);
  return s;
}

START_TEST(test_lavapipe_plan) {
  lil_device_snapshot s = load("snapshot_lavapipe.json");
  lil_device_plan p;
  lil_plan_device(&s, NULL, &p);
  ck_assert(p.usable);
  ck_assert_int_eq(p.rank, 100); /* CPU device: last in the default order, but usable */
  ck_assert_uint_eq(p.subgroup_size, 8);
  ck_assert(p.use_subgroup_arith);
  ck_assert(!p.use_coopmat_nv && !p.use_coopmat_khr);
  ck_assert_uint_eq(p.max_binding, 128ull << 20); /* maxStorageBufferRange, not the 1 GiB block */
  ck_assert_uint_eq(p.max_block, 1ull << 30);
  ck_assert(p.use_timestamps);
  ck_assert_uint_ne(p.mem_weights, UINT32_MAX);
  ck_assert_uint_ne(p.mem_readback, UINT32_MAX);
  ck_assert_uint_eq(p.workgroup_size % p.subgroup_size, 0);
}
END_TEST

START_TEST(test_h100_plan) {
  lil_device_snapshot s = load("snapshot_h100.json");
  lil_device_plan p;
  lil_plan_device(&s, NULL, &p);
  ck_assert(p.usable);
  ck_assert_int_eq(p.rank, 400);
  ck_assert_uint_eq(p.subgroup_size, 32);
  ck_assert(p.use_coopmat_nv);
  ck_assert(p.use_memory_budget);
  ck_assert_uint_eq(p.max_block, 1ull << 30); /* never more than 1 GiB per allocation */
  ck_assert_uint_le(p.max_binding, p.max_block);
  /* weights in a device-local type that is not host-visible, readback host-visible + coherent */
  ck_assert_uint_eq(s.types[p.mem_weights].flags & 0x3u, 0x1u);
  ck_assert_uint_eq(s.types[p.mem_readback].flags & 0x6u, 0x6u);
  ck_assert_uint_ge(p.device_local_bytes, 70ull << 30);
  ck_assert_uint_eq(p.matvec_workgroup_size % 32, 0);
  /* kill-switches */
  lil_disable d;
  lil_error err = {0};
  ck_assert_int_eq(lil_disable_parse("coopmat,fp16,budget", &d, &err), LIL_OK);
  lil_plan_device(&s, &d, &p);
  ck_assert(!p.use_coopmat_nv && !p.use_fp16 && !p.use_memory_budget);
  ck_assert_int_eq(lil_disable_parse("coopmat,warp9", &d, &err), LIL_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(err.msg, "warp9"));
}
END_TEST

/* Which cooperative-matrix path: NV where the device has it, else KHR with the kernels' shape;
 * LIL_DISABLE=coopnv takes KHR on a device with both, coopmat neither. */
START_TEST(test_coopmat_path) {
  lil_device_snapshot s = load("snapshot_h100.json"); /* lists both extensions */
  ck_assert(s.coopmat_nv && s.coopmat_khr);
  lil_device_plan p;
  lil_disable d;
  lil_error err = {0};
  s.coopmat_khr_f16 = 1;
  lil_plan_device(&s, NULL, &p);
  ck_assert(p.use_coopmat_nv && !p.use_coopmat_khr);
  ck_assert_int_eq(lil_disable_parse("coopnv", &d, &err), LIL_OK);
  lil_plan_device(&s, &d, &p);
  ck_assert(!p.use_coopmat_nv && p.use_coopmat_khr);
  ck_assert_int_eq(lil_disable_parse("coopnv,coopmat", &d, &err), LIL_OK);
  lil_plan_device(&s, &d, &p);
  ck_assert(!p.use_coopmat_nv && !p.use_coopmat_khr);
  /* a KHR-only device (AMD RDNA3, Intel Arc): KHR when it lists the shape, else neither */
  s.coopmat_nv = 0;
  lil_plan_device(&s, NULL, &p);
  ck_assert(!p.use_coopmat_nv && p.use_coopmat_khr);
  s.coopmat_khr_f16 = 0;
  lil_plan_device(&s, NULL, &p);
  ck_assert(!p.use_coopmat_nv && !p.use_coopmat_khr);
  /* subgroups of 32: required where the default is 64 (RDNA3's wave64), else no cooperative matrices */
  s.coopmat_khr_f16 = 1;
  ck_assert_uint_eq(p.coopmat_subgroup_size, 0); /* (the H100's default is 32) */
  s.subgroup_size = 64, s.min_subgroup_size = 32, s.max_subgroup_size = 64;
  s.subgroup_size_control = 1, s.required_subgroup_stages = 0x20;
  lil_plan_device(&s, NULL, &p);
  ck_assert(p.use_coopmat_khr);
  ck_assert_uint_eq(p.coopmat_subgroup_size, 32);
  s.required_subgroup_stages = 0x1; /* (vertex only) */
  lil_plan_device(&s, NULL, &p);
  ck_assert(!p.use_coopmat_khr && !p.use_coopmat_nv);
  s.required_subgroup_stages = 0x20, s.min_subgroup_size = 64;
  lil_plan_device(&s, NULL, &p);
  ck_assert(!p.use_coopmat_khr);
  ck_assert_uint_eq(lil_plan_required_subgroup(&s, 64), 64);
  ck_assert_uint_eq(lil_plan_required_subgroup(&s, 48), 0);
  s.subgroup_size = 32, s.min_subgroup_size = 32, s.max_subgroup_size = 32;
  /* the kernels need fp16 and the Vulkan memory model */
  ck_assert_int_eq(lil_disable_parse("fp16", &d, &err), LIL_OK);
  lil_plan_device(&s, &d, &p);
  ck_assert(!p.use_coopmat_khr);
  s.vulkan_memory_model = 0;
  lil_plan_device(&s, NULL, &p);
  ck_assert(!p.use_coopmat_khr);
}
END_TEST

START_TEST(test_default_order_and_select) {
  lil_device_snapshot s[3] = {load("snapshot_lavapipe.json"), load("snapshot_h100.json"), load("snapshot_lavapipe.json")};
  s[2].kind = LIL_DEVICE_INTEGRATED;
  snprintf(s[2].name, sizeof(s[2].name), "Intel(R) Graphics (fake integrated)");
  lil_device_plan p[3];
  for (int i = 0; i < 3; i++) lil_plan_device(&s[i], NULL, &p[i]);
  ck_assert_int_eq(lil_plan_choose_default(p, 3), 1); /* discrete > integrated > cpu */
  p[1].usable = 0;
  p[1].rank = -1;
  ck_assert_int_eq(lil_plan_choose_default(p, 3), 2);
  lil_plan_device(&s[1], NULL, &p[1]);
  uint32_t idx = 99;
  lil_error err = {0};
  ck_assert_int_eq(lil_plan_select(s, p, 3, NULL, &idx, &err), LIL_OK);
  ck_assert_uint_eq(idx, 1);
  ck_assert_int_eq(lil_plan_select(s, p, 3, "0", &idx, &err), LIL_OK);
  ck_assert_uint_eq(idx, 0);
  ck_assert_int_eq(lil_plan_select(s, p, 3, "intel", &idx, &err), LIL_OK);
  ck_assert_uint_eq(idx, 2);
  ck_assert_int_eq(lil_plan_select(s, p, 3, "h100", &idx, &err), LIL_OK);
  ck_assert_uint_eq(idx, 1);
  ck_assert_int_eq(lil_plan_select(s, p, 3, "3", &idx, &err), LIL_ERR_NO_DEVICE);
  ck_assert_int_eq(lil_plan_select(s, p, 3, "radeon", &idx, &err), LIL_ERR_NO_DEVICE);
  ck_assert_int_eq(lil_plan_select(s, p, 0, NULL, &idx, &err), LIL_ERR_NO_DEVICE);
}
END_TEST

START_TEST(test_unusable) {
  lil_device_snapshot s = load("snapshot_lavapipe.json");
  s.api_version = (1u << 22) | (1u << 12); /* Vulkan 1.1 */
  lil_device_plan p;
  lil_plan_device(&s, NULL, &p);
  ck_assert(!p.usable);
  ck_assert_ptr_nonnull(strstr(p.reason, "1.1"));
  uint32_t idx;
  lil_error err = {0};
  ck_assert_int_eq(lil_plan_select(&s, &p, 1, NULL, &idx, &err), LIL_ERR_NO_DEVICE);
  ck_assert_ptr_nonnull(strstr(err.msg, "1.1"));
  s = load("snapshot_lavapipe.json");
  s.compute_queue_family = UINT32_MAX;
  lil_plan_device(&s, NULL, &p);
  ck_assert(!p.usable);
}
END_TEST

START_TEST(test_json_round_trip) {
  lil_device_snapshot s = load("snapshot_h100.json"), t;
  lil_device_plan p;
  lil_plan_device(&s, NULL, &p);
  char *j = lil_snapshot_to_json(&s, &p);
  lil_error err = {0};
  ck_assert_int_eq(lil_snapshot_from_json(j, &t, &err), LIL_OK);
  free(j);
  ck_assert_str_eq(s.name, t.name);
  ck_assert_uint_eq(s.max_storage_buffer_range, t.max_storage_buffer_range);
  ck_assert_uint_eq(s.n_types, t.n_types);
  ck_assert_uint_eq(s.heaps[0].size, t.heaps[0].size);
  ck_assert_int_eq(lil_snapshot_from_json("{\"name\": \"x\"}", &t, &err), LIL_ERR_FORMAT);
  ck_assert_int_eq(lil_snapshot_from_json("not json", &t, &err), LIL_ERR_FORMAT);
}
END_TEST

int main(void) {
  Suite *s = suite_create("device_plan");
  TCase *tc = tcase_create("plan");
  tcase_add_test(tc, test_lavapipe_plan);
  tcase_add_test(tc, test_h100_plan);
  tcase_add_test(tc, test_coopmat_path);
  tcase_add_test(tc, test_default_order_and_select);
  tcase_add_test(tc, test_unusable);
  tcase_add_test(tc, test_json_round_trip);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
