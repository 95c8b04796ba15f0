/* SVG plot of a Guardian run (no library: a few polylines and labels). */
#include "guardian_svg.h"
#include "cli_text.h"

#define W 900.0
#define H 420.0
#define L 70.0  /* left margin */
#define R 70.0  /* right margin */
#define T 40.0  /* top margin */
#define B 50.0  /* bottom margin */

void guardian_svg_write(FILE *f, const char *title, const lil_guardian_stats *s, unsigned long long tokens) {
  double xmax = tokens ? (double)tokens : 1.0, smax = 1.0, gmax = 1.0;
  for (uint32_t i = 0; i < s->n_checks; i++) {
    if ((double)s->checks[i].size > smax) smax = (double)s->checks[i].size;
    if ((double)s->checks[i].gain > gmax) gmax = (double)s->checks[i].gain;
    if (s->checks[i].threshold > gmax) gmax = s->checks[i].threshold;
  }
  double pw = W - L - R, ph = H - T - B;
#define X(v) (L + pw * (double)(v) / xmax)
#define YS(v) (T + ph * (1.0 - (double)(v) / smax))
#define YG(v) (T + ph * (1.0 - ((double)(v) < 0 ? 0.0 : (double)(v)) / gmax))
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
  fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<text x=\"%.0f\" y=\"20\" font-size=\"14\">", L);
  cli_xml_escape(f, title);
  fprintf(f, "</text>\n<g stroke=\"black\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", L, T + ph, L + pw, T + ph);
  fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", L, T, L, T + ph);
  fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n", L + pw, T, L + pw, T + ph);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">generated tokens (0 .. %llu)</text>\n", L + pw / 2, H - 15, tokens);
  fprintf(f, "<text x=\"5\" y=\"%.1f\" fill=\"steelblue\">size</text><text x=\"5\" y=\"%.1f\" fill=\"steelblue\">%.0f B</text>\n", T + 10, T + 25, smax);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"darkorange\">gain</text><text x=\"%.1f\" y=\"%.1f\" fill=\"darkorange\">%.0f B</text>\n",
          W - R + 5, T + 10, W - R + 5, T + 25, gmax);
  fprintf(f, "<polyline fill=\"none\" stroke=\"steelblue\" stroke-width=\"2\" points=\"%.1f,%.1f", X(0), YS(0));
  for (uint32_t i = 0; i < s->n_checks; i++) fprintf(f, " %.1f,%.1f", X(s->checks[i].position), YS(s->checks[i].size));
  fprintf(f, "\"/>\n<polyline fill=\"none\" stroke=\"darkorange\" stroke-width=\"1.5\" points=\"");
  for (uint32_t i = 0; i < s->n_checks; i++) fprintf(f, " %.1f,%.1f", X(s->checks[i].position), YG(s->checks[i].gain));
  fprintf(f, "\"/>\n<polyline fill=\"none\" stroke=\"red\" stroke-dasharray=\"6,4\" points=\"");
  for (uint32_t i = 0; i < s->n_checks; i++) fprintf(f, " %.1f,%.1f", X(s->checks[i].position), YG(s->checks[i].threshold));
  fprintf(f, "\"/>\n<text x=\"%.1f\" y=\"%.1f\" fill=\"red\">threshold</text>\n", L + 5, T + ph - 5);
  if (s->stopped) {
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\" stroke-width=\"2\"/>\n", X(s->stop_position), T,
            X(s->stop_position), T + ph);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">stop at %llu</text>\n", X(s->stop_position) + 4, T + 12,
            (unsigned long long)s->stop_position);
  }
  fprintf(f, "</svg>\n");
#undef X
#undef YS
#undef YG
}
