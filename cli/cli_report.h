/* lil report's table of devices x results (cli/cmd_report.c) and its SVG chart (cli/report_svg.c). */
#ifndef LIL_CLI_REPORT_H
#define LIL_CLI_REPORT_H

#include <jansson.h>

#define REPORT_MAX_DEVICES 16
#define REPORT_MAX_ROWS 128

typedef struct report_device {
  json_t *json; /* the device's object in its file (borrowed) */
  const char *file, *size, *lil_version;
  int incomplete; /* the file's "complete" is false: the suite was cut short */
  char label[160]; /* the device name, "#2" ... when names repeat */
} report_device;

typedef struct report_cell {
  int present;
  double value, vs_copy;
  int skipped;
} report_cell;

typedef struct report_rowinfo {
  char id[96], unit[32], vs_unit[64];
} report_rowinfo;

typedef struct report {
  report_device dev[REPORT_MAX_DEVICES];
  int n_dev;
  report_rowinfo rows[REPORT_MAX_ROWS];
  int n_rows;
  report_cell cell[REPORT_MAX_ROWS][REPORT_MAX_DEVICES];
} report;

/* Index of the row with this id, added when new; -1 when the table is full. */
int report_row(report *rp, const char *id, const char *unit, const char *vs_unit);
/* v with 4 significant digits, without exponents for the magnitudes a suite produces; returns b. */
const char *report_fmt(char *b, size_t n, double v);
/* Bar chart of each row's ratios to copy bandwidth, one bar per device; 1 with a message on failure. */
int report_write_svg(const report *rp, const char *path);

#endif
