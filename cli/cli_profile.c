/* Per-dispatch GPU timings summed by kernel label (lil run --profile, lil bench decode --profile). */
#include "cli_profile.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lil_ggml_types.h"
#include "lil_quant.h"

static int by_ms_desc(const void *a, const void *b) {
  double x = ((const cli_kernel_time *)a)->ms, y = ((const cli_kernel_time *)b)->ms;
  return x < y ? 1 : x > y ? -1 : 0;
}

static uint32_t find(const cli_kernel_time *out, uint32_t na, const char *l) {
  uint32_t j = 0;
  while (j < na && strncmp(out[j].label, l, sizeof(out[j].label) - 1)) j++; /* labels kept to 95 chars */
  return j;
}

uint32_t cli_profile_by_label(const lil_seq_timing *t, uint32_t n, cli_kernel_time *out, uint32_t cap,
                              double *total_ms) {
  uint32_t na = 0;
  *total_ms = 0;
  for (uint32_t i = 0; i < n && cap > 0; i++) {
    const char *l = t[i].label ? t[i].label : "?";
    uint32_t j = find(out, na, l);
    if (j == na && na >= cap - 1) j = find(out, na, l = "(others)"); /* the last entry: the rest */
    if (j == na) {
      snprintf(out[na].label, sizeof(out[na].label), "%s", l);
      out[na].ms = 0;
      out[na].count = 0;
      na++;
    }
    out[j].ms += t[i].ms;
    out[j].count++;
    *total_ms += t[i].ms;
  }
  qsort(out, na, sizeof(out[0]), by_ms_desc);
  return na;
}

uint64_t cli_profile_weight_bytes(const char *label) {
  static const uint32_t types[] = {LIL_TYPE_F32,  LIL_TYPE_F16,  LIL_TYPE_BF16, LIL_TYPE_Q8_0,
                                   LIL_TYPE_Q4_0, LIL_TYPE_Q4_K, LIL_TYPE_Q6_K};
  const char *sp = label ? strrchr(label, ' ') : NULL;
  unsigned rows = 0, cols = 0;
  char tail = 0;
  if (!sp || strncmp(label, "matvec", 6) || sscanf(sp + 1, "%ux%u%c", &rows, &cols, &tail) != 2) return 0;
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    char name[16] = "_";
    const char *tn = lil_type_get(types[i])->name;
    for (size_t k = 0; tn[k] && k + 2 < sizeof(name); k++) name[k + 1] = (char)tolower((unsigned char)tn[k]);
    size_t n = strlen(name);
    for (const char *p = strstr(label, name); p && p < sp; p = strstr(p + 1, name))
      if (p[n] == '_' || p[n] == '+' || p[n] == ' ') return (uint64_t)rows * lil_type_row_bytes(types[i], cols);
  }
  return 0;
}
