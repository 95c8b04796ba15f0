/* JSON form of a device snapshot and plan: `lil devices --json` writes it, tests read recorded
 * snapshots back (tests/data/snapshot_*.json). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_device_plan.h"

#define U32_FIELDS(X)                                                                                            \
  X(vendor_id) X(device_id) X(kind) X(api_version) X(driver_version) X(subgroup_size) X(subgroup_ops)           \
  X(subgroup_stages) X(min_subgroup_size) X(max_subgroup_size) X(subgroup_size_control) X(shader_float16)       \
  X(shader_int8) X(storage_16bit) X(storage_8bit) X(integer_dot) X(coopmat_nv) X(coopmat_khr)                   \
  X(memory_budget_ext) X(timestamps) X(timestamp_valid_bits) X(max_shared_memory) X(max_workgroup_invocations)   \
  X(max_workgroup_size_x) X(max_push_constants) X(max_compute_workgroup_count_x) X(compute_queue_family)        \
  X(compute_queue_timestamp_bits)

static json_t *plan_json(const lil_device_plan *p) {
  json_t *o = json_object();
  json_object_set_new(o, "usable", json_boolean(p->usable));
  if (!p->usable) json_object_set_new(o, "reason", json_string(p->reason));
  json_object_set_new(o, "rank", json_integer(p->rank));
#define B(f) json_object_set_new(o, #f, json_boolean(p->f));
  B(use_fp16) B(use_int8) B(use_storage16) B(use_storage8) B(use_subgroup_arith) B(use_coopmat_nv)
  B(use_coopmat_khr) B(use_int_dot) B(use_timestamps) B(use_memory_budget) B(use_matvec_x8) B(matvec_x8_q4_0_only)
#undef B
#define I(f) json_object_set_new(o, #f, json_integer((json_int_t)p->f));
  I(subgroup_size) I(workgroup_size) I(matvec_workgroup_size) I(matvec_rows_per_group) I(shared_memory)
  I(max_binding) I(max_block) I(max_dispatches_per_submit) I(device_local_bytes) I(matvec_x8_inline)
  I(matvec_q16_rows) I(matvec_q16_subgroups) I(matvec_x8i_target) I(coopmat_subgroup_size)
#undef I
  return o;
}

char *lil_snapshot_to_json(const lil_device_snapshot *s, const lil_device_plan *p) {
  json_t *o = json_object();
  json_object_set_new(o, "name", json_string(s->name));
  json_object_set_new(o, "driver_name", json_string(s->driver_name));
  json_object_set_new(o, "driver_info", json_string(s->driver_info));
  json_object_set_new(o, "vendor", json_string(lil_vendor_name(s->vendor_id)));
  json_object_set_new(o, "type", json_string(lil_device_kind_name(s->kind)));
  char api[32];
  snprintf(api, sizeof(api), "%u.%u.%u", s->api_version >> 22, (s->api_version >> 12) & 0x3ff,
           s->api_version & 0xfff);
  json_object_set_new(o, "vulkan", json_string(api));
  char uuid[33];
  for (int i = 0; i < 16; i++) snprintf(uuid + 2 * i, 3, "%02x", s->uuid[i]);
  json_object_set_new(o, "uuid", json_string(uuid));
#define X(f) json_object_set_new(o, #f, json_integer((json_int_t)s->f));
  U32_FIELDS(X)
#undef X
  json_object_set_new(o, "vulkan_memory_model", json_integer(s->vulkan_memory_model));
  json_object_set_new(o, "integer_dot_accel", json_integer(s->integer_dot_accel));
  json_object_set_new(o, "coopmat_khr_f16", json_integer(s->coopmat_khr_f16));
  json_object_set_new(o, "required_subgroup_stages", json_integer(s->required_subgroup_stages));
  json_object_set_new(o, "max_workgroup_subgroups", json_integer(s->max_workgroup_subgroups));
  json_object_set_new(o, "timestamp_period", json_real(s->timestamp_period));
  json_object_set_new(o, "max_storage_buffer_range", json_integer((json_int_t)s->max_storage_buffer_range));
  json_object_set_new(o, "max_memory_allocation_size", json_integer((json_int_t)s->max_memory_allocation_size));
  json_t *heaps = json_array();
  for (uint32_t i = 0; i < s->n_heaps && i < LIL_MAX_HEAPS; i++) {
    json_t *h = json_object();
    json_object_set_new(h, "size", json_integer((json_int_t)s->heaps[i].size));
    json_object_set_new(h, "budget", json_integer((json_int_t)s->heaps[i].budget));
    json_object_set_new(h, "device_local", json_boolean(s->heaps[i].device_local));
    json_array_append_new(heaps, h);
  }
  json_object_set_new(o, "heaps", heaps);
  json_t *types = json_array();
  for (uint32_t i = 0; i < s->n_types && i < LIL_MAX_MEM_TYPES; i++) {
    json_t *t = json_object();
    json_object_set_new(t, "flags", json_integer(s->types[i].flags));
    json_object_set_new(t, "heap", json_integer(s->types[i].heap));
    json_array_append_new(types, t);
  }
  json_object_set_new(o, "memory_types", types);
  if (p) json_object_set_new(o, "plan", plan_json(p));
  char *out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(o);
  return out;
}

static int get_u64(json_t *o, const char *k, uint64_t *v) {
  json_t *x = json_object_get(o, k);
  if (!json_is_integer(x)) return 0;
  *v = (uint64_t)json_integer_value(x);
  return 1;
}

lil_status lil_snapshot_from_json(const char *text, lil_device_snapshot *s, lil_error *err) {
  json_error_t je;
  json_t *o = json_loads(text, 0, &je);
  if (!o) return lil_error_set(err, LIL_ERR_FORMAT, "snapshot JSON line %d: %s", je.line, je.text);
  memset(s, 0, sizeof(*s));
  lil_status st = LIL_OK;
  const char *name = json_string_value(json_object_get(o, "name"));
  if (!name) {
    st = lil_error_set(err, LIL_ERR_FORMAT, "snapshot JSON: missing string 'name'");
    goto done;
  }
  snprintf(s->name, sizeof(s->name), "%s", name);
  const char *dn = json_string_value(json_object_get(o, "driver_name"));
  const char *di = json_string_value(json_object_get(o, "driver_info"));
  if (dn) snprintf(s->driver_name, sizeof(s->driver_name), "%s", dn);
  if (di) snprintf(s->driver_info, sizeof(s->driver_info), "%s", di);
  const char *uuid = json_string_value(json_object_get(o, "uuid"));
  for (int i = 0; uuid && i < 16 && uuid[2 * i] && uuid[2 * i + 1]; i++) {
    unsigned b;
    if (sscanf(uuid + 2 * i, "%2x", &b) == 1) s->uuid[i] = (uint8_t)b;
  }
  uint64_t v;
#define X(f)                                                                                                     \
  if (!get_u64(o, #f, &v)) {                                                                                     \
    st = lil_error_set(err, LIL_ERR_FORMAT, "snapshot JSON '%s': missing integer '%s'", s->name, #f);           \
    goto done;                                                                                                   \
  }                                                                                                              \
  s->f = (uint32_t)v;
  U32_FIELDS(X)
#undef X
  s->timestamp_period = (float)json_number_value(json_object_get(o, "timestamp_period"));
  /* optional (older recordings lack it): Vulkan 1.2 core feature present on every snapshot we have */
  s->vulkan_memory_model = get_u64(o, "vulkan_memory_model", &v) ? (uint32_t)v : 3;
  /* optional (newer field): unknown = not accelerated */
  s->integer_dot_accel = get_u64(o, "integer_dot_accel", &v) ? (uint32_t)v : 0;
  /* optional (newer field): unknown = the KHR shape not listed (or not probed) */
  s->coopmat_khr_f16 = get_u64(o, "coopmat_khr_f16", &v) ? (uint32_t)v : 0;
  /* optional (newer fields): unknown = no subgroup size can be required */
  s->required_subgroup_stages = get_u64(o, "required_subgroup_stages", &v) ? (uint32_t)v : 0;
  s->max_workgroup_subgroups = get_u64(o, "max_workgroup_subgroups", &v) ? (uint32_t)v : 0;
  get_u64(o, "max_storage_buffer_range", &s->max_storage_buffer_range);
  get_u64(o, "max_memory_allocation_size", &s->max_memory_allocation_size);
  json_t *heaps = json_object_get(o, "heaps"), *types = json_object_get(o, "memory_types");
  size_t i;
  json_t *e;
  json_array_foreach(heaps, i, e) {
    if (i >= LIL_MAX_HEAPS) break;
    get_u64(e, "size", &s->heaps[i].size);
    get_u64(e, "budget", &s->heaps[i].budget);
    s->heaps[i].device_local = json_is_true(json_object_get(e, "device_local"));
    s->n_heaps = (uint32_t)i + 1;
  }
  json_array_foreach(types, i, e) {
    if (i >= LIL_MAX_MEM_TYPES) break;
    get_u64(e, "flags", &v);
    s->types[i].flags = (uint32_t)v;
    get_u64(e, "heap", &v);
    s->types[i].heap = (uint32_t)v;
    s->n_types = (uint32_t)i + 1;
  }
done:
  json_decref(o);
  return st;
}
