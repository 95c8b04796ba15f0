/* CPU references of RMSNorm and RoPE shared by the ops and attention suites (test_rope_ref.h). */
#include "test_rope_ref.h"

#include <math.h>
#include <stddef.h>

void rmsnorm_ref(const float *x, const float *w, float *y, uint32_t rows, uint32_t dim, double eps) {
  for (uint32_t r = 0; r < rows; r++) {
    double ss = 0;
    for (uint32_t i = 0; i < dim; i++) ss += (double)x[r * dim + i] * x[r * dim + i];
    double inv = 1.0 / sqrt(ss / dim + eps);
    for (uint32_t i = 0; i < dim; i++) y[r * dim + i] = (float)(x[r * dim + i] * inv * w[i]);
  }
}

void rope_ref(float *v, const uint32_t *pos, const float *ff, uint32_t n, const lil_rope_params *p, float *theta_max) {
  uint32_t rot = p->rot_dim ? p->rot_dim : p->head_dim, half = rot / 2;
  float ts = lil_rope_theta_scale(p->base, rot), fs = 1.0f / (p->linear_factor > 0 ? p->linear_factor : 1.0f);
  *theta_max = 0;
  for (uint32_t t = 0; t < n; t++)
    for (uint32_t h = 0; h < p->n_heads; h++)
      for (uint32_t i = 0; i < half; i++) {
        float inv = 1.0f;
        for (uint32_t k = 0; k < i; k++) inv *= ts;
        float theta = (float)pos[t] * inv;
        if (ff) theta = theta / ff[i];
        theta = theta * fs;
        if (theta > *theta_max) *theta_max = theta;
        float *b = v + (size_t)t * p->token_stride + (size_t)h * p->head_dim;
        uint32_t a = p->mode == LIL_ROPE_NEOX ? i : 2 * i, c = p->mode == LIL_ROPE_NEOX ? i + half : 2 * i + 1;
        double x0 = b[a], x1 = b[c], cs = cos((double)theta), sn = sin((double)theta);
        b[a] = (float)(x0 * cs - x1 * sn);
        b[c] = (float)(x0 * sn + x1 * cs);
      }
}

void qk_side_ref(float *v, const float *w, const uint32_t *pos, const float *ff, uint32_t n, const lil_rope_params *p,
                 double eps, float *theta_max, double *mag) {
  *mag = 0;
  for (uint32_t t = 0; t < n; t++)
    for (uint32_t h = 0; h < p->n_heads; h++) {
      float *r = v + (size_t)t * p->token_stride + (size_t)h * p->head_dim;
      if (w) rmsnorm_ref(r, w, r, 1, p->head_dim, eps);
      for (uint32_t i = 0; i < p->head_dim; i++)
        if (2 * fabs(r[i]) > *mag) *mag = 2 * fabs(r[i]);
    }
  rope_ref(v, pos, ff, n, p, theta_max);
}

