/* CPU references of RMSNorm and RoPE shared by the ops and attention suites. */
#ifndef TEST_ROPE_REF_H
#define TEST_ROPE_REF_H

#include <stdint.h>

#include "lil_ops_basic.h"

/* y = x / rms(x) * w per row of dim (in double). */
void rmsnorm_ref(const float *x, const float *w, float *y, uint32_t rows, uint32_t dim, double eps);

/* RoPE in place on v [n][p->token_stride] (heads p->n_heads of p->head_dim): the float angle formed
 * with the documented formula (lil_rope_theta_scale, i float multiplications), the rotation in
 * double. *theta_max: the largest angle used. */
void rope_ref(float *v, const uint32_t *pos, const float *ff, uint32_t n, const lil_rope_params *p, float *theta_max);

/* One side (q or k) of the fused q/k transform: per-head rmsnorm (w NULL: none), then rope_ref.
 * *mag: the largest |x0| + |x1| of a rope input pair (after the norm). */
void qk_side_ref(float *v, const float *w, const uint32_t *pos, const float *ff, uint32_t n, const lil_rope_params *p,
                 double eps, float *theta_max, double *mag);

#endif
