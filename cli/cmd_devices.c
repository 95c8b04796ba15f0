/* lil devices: every Vulkan device with the plan lil makes for it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli_commands.h"
#include "cli_util.h"
#include "lil_vk.h"

static void usage(FILE *f) {
  fprintf(f, "usage: lil devices [--json] [--device N|NAME]\n"
             "Lists every Vulkan device and the plan lil makes for it; '*' marks the one lil uses.\n"
             "  --json          one JSON array: snapshot, plan and 'default' per device\n"
             "  --device SEL    mark SEL (index or name substring) instead of the default ($LIL_DEVICE)\n");
}

int cmd_devices(int argc, char **argv) {
  static const struct option opts[] = {
      {"json", no_argument, 0, 'j'}, {"device", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  int json = 0, c;
  lil_ctx_options o;
  lil_ctx_options_default(&o);
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "jd:h", opts, NULL)) != -1) {
    switch (c) {
    case 'j': json = 1; break;
    case 'd': o.device = optarg; break;
    case 'h': usage(stdout); return 0;
    default:
      fprintf(stderr, "lil devices: unknown or incomplete option '%s' (see lil devices --help)\n", argv[optind - 1]);
      return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "lil devices: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  lil_device_snapshot *snaps = NULL;
  uint32_t n = 0, def = UINT32_MAX;
  lil_error err = {0};
  lil_status st = lil_enumerate_devices(&o, &snaps, &n, &def, &err);
  if (st) return cli_fail("devices", &err);
  lil_disable dis;
  if (lil_disable_parse(getenv("LIL_DISABLE"), &dis, &err)) {
    free(snaps);
    return cli_fail("devices", &err);
  }
  if (json) printf("[\n");
  else
    printf("   #  %-34s %-10s %-7s %-8s %3s %4s %7s %9s %s\n", "name", "type", "vendor", "vulkan", "sg", "fp16",
           "coopmat", "memory", "driver");
  for (uint32_t i = 0; i < n; i++) {
    lil_device_plan p;
    lil_plan_device(&snaps[i], &dis, &p);
    lil_plan_matvec_x8(&p, &snaps[i], &o);
    if (json) {
      char *j = lil_snapshot_to_json(&snaps[i], &p);
      printf("  {\"index\": %u, \"default\": %s, \"device\": %s}%s\n", i, i == def ? "true" : "false", j,
             i + 1 < n ? "," : "");
      free(j);
      continue;
    }
    char ver[24];
    snprintf(ver, sizeof(ver), "%u.%u.%u", snaps[i].api_version >> 22, (snaps[i].api_version >> 12) & 0x3ff,
             snaps[i].api_version & 0xfff);
    char why[200] = "";
    if (!p.usable) snprintf(why, sizeof(why), "  [unusable: %s]", p.reason);
    printf(" %c %u  %-34.34s %-10s %-7s %-8s %3u %4s %7s %6.1f GiB %s %s%s\n", i == def ? '*' : ' ', i,
           snaps[i].name, lil_device_kind_name(snaps[i].kind), lil_vendor_name(snaps[i].vendor_id), ver, p.subgroup_size,
           p.use_fp16 ? "yes" : "no", p.use_coopmat_nv ? "NV" : p.use_coopmat_khr ? "KHR" : "no",
           (double)p.device_local_bytes / (double)(1ull << 30), snaps[i].driver_name, snaps[i].driver_info,
           why);
  }
  if (json) printf("]\n");
  else if (n == 0) printf("(no Vulkan devices)\n");
  free(snaps);
  return 0;
}
