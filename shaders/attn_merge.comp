#version 450
// Merges the split partials of flash-decoding with log-sum-exp: out = sum_s e^(m_s - M) O_s / L,
// L = sum_s e^(m_s - M) l_s, and writes lse = M + log(L) (used by h2o's score accumulation).
// Grid: (n_qheads). Threads over D.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Part { float part[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float outv[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Lse { float lse[]; };
layout(push_constant) uniform Push { uint D, n_splits, n_qheads, ml_off; } pc;

void main() {
  uint qh = gl_WorkGroupID.x;
  float M = -1.0e30;
  for (uint s = 0; s < pc.n_splits; s++) M = max(M, part[pc.ml_off + (s * pc.n_qheads + qh) * 2]);
  float Lsum = 0.0;
  for (uint s = 0; s < pc.n_splits; s++) {
    uint i = pc.ml_off + (s * pc.n_qheads + qh) * 2;
    Lsum += exp(part[i] - M) * part[i + 1];
  }
  for (uint d = gl_LocalInvocationID.x; d < pc.D; d += gl_WorkGroupSize.x) {
    float o = 0.0;
    for (uint s = 0; s < pc.n_splits; s++)
      o += exp(part[pc.ml_off + (s * pc.n_qheads + qh) * 2] - M) * part[(s * pc.n_qheads + qh) * pc.D + d];
    outv[qh * pc.D + d] = o / Lsum;
  }
  if (gl_LocalInvocationID.x == 0) lse[qh] = M + log(Lsum);
}
