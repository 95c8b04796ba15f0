#version 450
// Merges the split partials of flash-decoding with log-sum-exp: out = sum_s e^(m_s - M) O_s / L,
// L = sum_s e^(m_s - M) l_s, and writes lse = M + log(L) (used by h2o's score accumulation).
// Splits with l_s = 0 (empty) are skipped (their O_s is not written).
// Grid: (n_qheads, ceil(D / DT)). Threads: DT output elements x (WG / DT) slices of the splits.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Part { float part[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float outv[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Lse { float lse[]; };
layout(push_constant) uniform Push { uint D, n_splits, n_qheads, ml_off; } pc;

const uint WG = gl_WorkGroupSize.x;
const uint DT = 32;
const uint NSL = WG / DT;
shared float s_r[WG];
shared float s_o[WG];

void main() {
  uint qh = gl_WorkGroupID.x, tid = gl_LocalInvocationID.x;
  // M and L: threads over the splits, tree reductions
  float mx = -1.0e30;
  for (uint s = tid; s < pc.n_splits; s += WG) mx = max(mx, part[pc.ml_off + (s * pc.n_qheads + qh) * 2]);
  s_r[tid] = mx;
  barrier();
  for (uint o = WG / 2; o > 0; o >>= 1) {
    if (tid < o) s_r[tid] = max(s_r[tid], s_r[tid + o]);
    barrier();
  }
  float M = s_r[0];
  barrier();
  float ls = 0.0;
  for (uint s = tid; s < pc.n_splits; s += WG) {
    uint i = pc.ml_off + (s * pc.n_qheads + qh) * 2;
    ls += exp(part[i] - M) * part[i + 1];
  }
  s_r[tid] = ls;
  barrier();
  for (uint o = WG / 2; o > 0; o >>= 1) {
    if (tid < o) s_r[tid] += s_r[tid + o];
    barrier();
  }
  float Lsum = s_r[0];
  // output: element d, splits slice, slice + NSL, ...
  uint d = gl_WorkGroupID.y * DT + tid % DT, slice = tid / DT;
  float o = 0.0;
  if (d < pc.D)
    for (uint s = slice; s < pc.n_splits; s += NSL) {
      uint i = pc.ml_off + (s * pc.n_qheads + qh) * 2;
      float l = part[i + 1];
      if (l > 0.0) o += exp(part[i] - M) * part[(s * pc.n_qheads + qh) * pc.D + d];
    }
  s_o[tid] = o;
  barrier();
  if (tid < DT && d < pc.D) {
    float t = 0.0;
    for (uint x = 0; x < NSL; x++) t += s_o[x * DT + tid];
    outv[qh * pc.D + d] = t / Lsum;
  }
  if (tid == 0 && gl_WorkGroupID.y == 0) lse[qh] = M + log(Lsum);
}
