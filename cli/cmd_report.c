/* lil report: the results of `lil bench suite` from any number of files (one machine each, one or
 * several devices per file) side by side: a Markdown table of each result's value and its ratio to
 * the device's own copy bandwidth, and a bar chart of those ratios (SVG). Files of another suite
 * version are refused: their items or ratios may mean something else. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_commands.h"
#include "cli_report.h"
#include "cli_suite.h"

static void usage(FILE *f) {
  fprintf(f, "usage: lil report A.json [B.json ...] [--md OUT.md] [--svg OUT.svg]\n"
             "Puts the results of `lil bench suite` (suite version %d) of every device in the files side by\n"
             "side: each result's value and, in parentheses, its ratio to that device's own copy bandwidth\n"
             "(matvec, attention: fraction of copy; decode: fraction of the weight-bytes / copy floor;\n"
             "prefill: tok/s per GB/s of copy).\n"
             "  --md OUT.md    write the Markdown table to OUT.md (default: stdout)\n"
             "  --svg OUT.svg  also draw the ratios as a bar chart\n",
          LIL_SUITE_VERSION);
}

static const char *str(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : "";
}

static double num(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_number(v) ? json_number_value(v) : 0;
}

/* Loads one suite file into the report; 0 with a one-line message on stderr when it is not one. */
static int load(report *rp, const char *path, json_t **keep) {
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  if (!root) {
    if (je.line <= 0) fprintf(stderr, "lil report: %s: %s\n", path, je.text);
    else fprintf(stderr, "lil report: %s:%d: not JSON: %s\n", path, je.line, je.text);
    return 0;
  }
  *keep = root;
  json_t *ver = json_object_get(root, "suite_version"), *devs = json_object_get(root, "devices");
  if (!json_is_object(root) || strcmp(str(root, "suite"), "lil bench suite") || !json_is_integer(ver) ||
      !json_is_array(devs)) {
    fprintf(stderr, "lil report: %s: not a `lil bench suite` result (no suite, suite_version, devices)\n", path);
    return 0;
  }
  if (json_integer_value(ver) != LIL_SUITE_VERSION) {
    fprintf(stderr, "lil report: %s: suite version %lld, this lil reports version %d: run the same lil's "
                    "`lil bench suite` on every machine\n",
            path, (long long)json_integer_value(ver), LIL_SUITE_VERSION);
    return 0;
  }
  if (!json_array_size(devs)) {
    fprintf(stderr, "lil report: %s: no devices in the file\n", path);
    return 0;
  }
  size_t di;
  json_t *dev;
  json_array_foreach(devs, di, dev) {
    json_t *res = json_object_get(dev, "results");
    if (!json_is_object(dev) || !json_is_array(res) || !*str(dev, "device")) {
      fprintf(stderr, "lil report: %s: device %zu has no name or results\n", path, di);
      return 0;
    }
    if (rp->n_dev == REPORT_MAX_DEVICES) {
      fprintf(stderr, "lil report: %s: more than %d devices in all\n", path, REPORT_MAX_DEVICES);
      return 0;
    }
    report_device *d = &rp->dev[rp->n_dev++];
    memset(d, 0, sizeof(*d));
    d->json = dev;
    d->file = path;
    d->size = str(root, "size");
    d->lil_version = str(root, "lil_version");
    d->incomplete = json_is_false(json_object_get(root, "complete"));
    snprintf(d->label, sizeof(d->label), "%s", str(dev, "device"));
    for (int k = 0, dup = 1; k < rp->n_dev - 1; k++)
      if (!strcmp(rp->dev[k].label, str(dev, "device")))
        snprintf(d->label, sizeof(d->label), "%s #%d", str(dev, "device"), ++dup);
    size_t i;
    json_t *r;
    json_array_foreach(res, i, r) {
      const char *id = str(r, "id");
      if (!*id || !json_is_number(json_object_get(r, "value"))) {
        fprintf(stderr, "lil report: %s: device '%s', result %zu: no id or value\n", path, d->label, i);
        return 0;
      }
      int row = report_row(rp, id, str(r, "unit"), str(r, "vs_copy_unit"));
      if (row < 0) {
        fprintf(stderr, "lil report: %s: more than %d results in all\n", path, REPORT_MAX_ROWS);
        return 0;
      }
      rp->cell[row][rp->n_dev - 1] = (report_cell){1, num(r, "value"), num(r, "vs_copy"), 0};
    }
    json_array_foreach(json_object_get(dev, "skipped"), i, r) {
      int row = report_row(rp, str(r, "id"), "", "");
      if (row >= 0 && !rp->cell[row][rp->n_dev - 1].present) rp->cell[row][rp->n_dev - 1].skipped = 1;
    }
  }
  return 1;
}

int report_row(report *rp, const char *id, const char *unit, const char *vs_unit) {
  for (int i = 0; i < rp->n_rows; i++)
    if (!strcmp(rp->rows[i].id, id)) {
      if (!rp->rows[i].unit[0] && *unit) snprintf(rp->rows[i].unit, sizeof(rp->rows[i].unit), "%s", unit);
      if (!rp->rows[i].vs_unit[0] && *vs_unit)
        snprintf(rp->rows[i].vs_unit, sizeof(rp->rows[i].vs_unit), "%s", vs_unit);
      return i;
    }
  if (rp->n_rows == REPORT_MAX_ROWS) return -1;
  report_rowinfo *r = &rp->rows[rp->n_rows];
  snprintf(r->id, sizeof(r->id), "%s", id);
  snprintf(r->unit, sizeof(r->unit), "%s", unit);
  snprintf(r->vs_unit, sizeof(r->vs_unit), "%s", vs_unit);
  return rp->n_rows++;
}

const char *report_fmt(char *b, size_t n, double v) {
  double a = v < 0 ? -v : v;
  if (a >= 1000 && a < 1e12) snprintf(b, n, "%.0f", v);
  else if (a >= 0.001 || a == 0) snprintf(b, n, "%.4g", v);
  else snprintf(b, n, "%.2e", v);
  return b;
}

static void write_md(const report *rp, FILE *f) {
  fprintf(f, "# lil bench suite (version %d): %d device%s\n\n", LIL_SUITE_VERSION, rp->n_dev, rp->n_dev == 1 ? "" : "s");
  fprintf(f, "| device | driver | Vulkan | copy GB/s | lil | size | file |\n|---|---|---|---:|---|---|---|\n");
  for (int d = 0; d < rp->n_dev; d++) {
    json_t *j = rp->dev[d].json;
    fprintf(f, "| %s | %s %s | %s | %.1f | %s | %s | %s |\n", rp->dev[d].label, str(j, "driver"),
            str(j, "driver_info"), str(j, "api_version"), num(j, "copy_gbps"), rp->dev[d].lil_version,
            rp->dev[d].size, rp->dev[d].file);
  }
  for (int d = 1; d < rp->n_dev; d++)
    if (strcmp(rp->dev[d].size, rp->dev[0].size)) {
      fprintf(f, "\nNote: the files mix suite sizes (%s, %s): the shapes of the rows differ.\n", rp->dev[0].size,
              rp->dev[d].size);
      break;
    }
  for (int d = 0; d < rp->n_dev; d++)
    if (rp->dev[d].incomplete && (d == 0 || strcmp(rp->dev[d].file, rp->dev[d - 1].file)))
      fprintf(f, "\nNote: %s is incomplete (the suite was cut short after its last device here).\n", rp->dev[d].file);
  fprintf(f, "\nEach cell: the value and, in parentheses, its ratio to the device's own copy bandwidth.\n\n");
  fprintf(f, "| result | unit | ratio |");
  for (int d = 0; d < rp->n_dev; d++) fprintf(f, " %s |", rp->dev[d].label);
  fprintf(f, "\n|---|---|---|");
  for (int d = 0; d < rp->n_dev; d++) fprintf(f, "---:|");
  fprintf(f, "\n");
  for (int r = 0; r < rp->n_rows; r++) {
    fprintf(f, "| %s | %s | %s |", rp->rows[r].id, rp->rows[r].unit, rp->rows[r].vs_unit);
    for (int d = 0; d < rp->n_dev; d++) {
      const report_cell *c = &rp->cell[r][d];
      char b1[32], b2[32];
      if (c->present) fprintf(f, " %s (%s) |", report_fmt(b1, sizeof(b1), c->value), report_fmt(b2, sizeof(b2), c->vs_copy));
      else fprintf(f, " %s |", c->skipped ? "skipped" : "-");
    }
    fprintf(f, "\n");
  }
  int any = 0;
  for (int d = 0; d < rp->n_dev; d++) {
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(rp->dev[d].json, "skipped"), i, s) {
      if (!any++) fprintf(f, "\nSkipped:\n");
      fprintf(f, "- %s, %s: %s\n", rp->dev[d].label, str(s, "id"), str(s, "note"));
    }
  }
}

int cmd_report(int argc, char **argv) {
  static const struct option opts[] = {{"md", required_argument, 0, 'm'}, {"svg", required_argument, 0, 's'},
                                       {"help", no_argument, 0, 'h'},      {0, 0, 0, 0}};
  const char *md = NULL, *svg = NULL;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'm': md = optarg; break;
    case 's': svg = optarg; break;
    case 'h': usage(stdout); return 0;
    default: fprintf(stderr, "lil report: unknown or incomplete option '%s'\n", argv[optind - 1]); return 2;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "lil report: no result files (see lil report --help)\n");
    return 2;
  }
  int nfiles = argc - optind, rc = 0;
  json_t **docs = calloc((size_t)nfiles, sizeof(json_t *));
  report *rp = calloc(1, sizeof(report));
  if (!docs || !rp) {
    fprintf(stderr, "lil report: out of memory\n");
    rc = 1;
  }
  for (int i = 0; !rc && i < nfiles; i++)
    if (!load(rp, argv[optind + i], &docs[i])) rc = 1;
  if (!rc) {
    FILE *f = md ? fopen(md, "w") : stdout;
    if (!f) {
      fprintf(stderr, "lil report: %s: cannot write: %s\n", md, strerror(errno));
      rc = 1;
    } else {
      write_md(rp, f);
      if (md && fclose(f)) {
        fprintf(stderr, "lil report: %s: write failed\n", md);
        rc = 1;
      }
    }
  }
  if (!rc && svg && report_write_svg(rp, svg)) rc = 1;
  for (int i = 0; docs && i < nfiles; i++) json_decref(docs[i]);
  free(docs);
  free(rp);
  return rc;
}
