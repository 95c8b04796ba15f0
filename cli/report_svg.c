/* lil report --svg: one group of horizontal bars per result, one bar per device, each bar the
 * result's ratio to that device's copy bandwidth, scaled to the longest bar of its group (the
 * units of the groups differ); the value and the ratio are written beside each bar. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli_report.h"
#include "cli_text.h"

int report_write_svg(const report *rp, const char *path) {
  static const char *const colours[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
                                        "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "lil report: %s: cannot write: %s\n", path, strerror(errno));
    return 1;
  }
  const int label_w = 300, bar_w = 420, bar_h = 12, width = label_w + bar_w + 200, top = 40 + 16 * rp->n_dev;
  int group_h = rp->n_dev * (bar_h + 2) + 10, height = top + rp->n_rows * group_h + 10;
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
             "font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
             "<text x=\"10\" y=\"18\" font-size=\"14\">lil bench suite: each result as a ratio to the device's copy "
             "bandwidth (bars scaled per result)</text>\n",
          width, height);
  for (int d = 0; d < rp->n_dev; d++) {
    fprintf(f, "<rect x=\"10\" y=\"%d\" width=\"12\" height=\"10\" fill=\"%s\"/><text x=\"28\" y=\"%d\">", 28 + 16 * d,
            colours[d % 10], 37 + 16 * d);
    cli_xml_escape(f, rp->dev[d].label);
    fprintf(f, "</text>\n");
  }
  for (int r = 0; r < rp->n_rows; r++) {
    int y = top + r * group_h;
    double max = 0;
    for (int d = 0; d < rp->n_dev; d++)
      if (rp->cell[r][d].present && rp->cell[r][d].vs_copy > max) max = rp->cell[r][d].vs_copy;
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 8, y + bar_h);
    cli_xml_escape(f, rp->rows[r].id);
    fprintf(f, "</text>\n");
    for (int d = 0; d < rp->n_dev; d++) {
      const report_cell *c = &rp->cell[r][d];
      int by = y + d * (bar_h + 2);
      if (!c->present) {
        fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#888\">%s</text>\n", label_w, by + bar_h - 2,
                c->skipped ? "skipped" : "-");
        continue;
      }
      double w = max > 0 && c->vs_copy > 0 ? bar_w * c->vs_copy / max : 0;
      fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", label_w, by, w, bar_h,
              colours[d % 10]);
      char b1[32], b2[32];
      fprintf(f, "<text x=\"%.1f\" y=\"%d\">%s ", label_w + w + 4, by + bar_h - 2, report_fmt(b1, sizeof(b1), c->value));
      cli_xml_escape(f, rp->rows[r].unit);
      fprintf(f, " (%s)</text>\n", report_fmt(b2, sizeof(b2), c->vs_copy));
    }
  }
  fprintf(f, "</svg>\n");
  if (fclose(f)) {
    fprintf(stderr, "lil report: %s: write failed\n", path);
    return 1;
  }
  return 0;
}
