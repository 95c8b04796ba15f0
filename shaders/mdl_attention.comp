#version 450
// Private to runtime/model: dense causal attention over an F32 cache; one workgroup per (query
// head, token). Token t (position params[0] + t) attends to cache positions 0..params[0] + t.
// Online softmax over blocks of workgroup-size positions; head_dim <= 256.
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer Qb { float Q[]; };
layout(std430, binding = 1) readonly buffer Kb { float K[]; };
layout(std430, binding = 2) readonly buffer Vb { float V[]; };
layout(std430, binding = 3) writeonly buffer Ob { float O[]; };
layout(std430, binding = 4) readonly buffer Pb { uint params[]; };
layout(push_constant) uniform P { uint n_head, group, d, dv, kvd, kvdv; float scale; } pc;
shared float q[256];
shared float s[256];
shared float stat[2];
void main() {
  uint h = gl_WorkGroupID.x, t = gl_WorkGroupID.y, lid = gl_LocalInvocationID.x, wg = gl_WorkGroupSize.x;
  uint kh = h / pc.group, n = params[0] + t + 1u;
  for (uint i = lid; i < pc.d; i += wg) q[i] = Q[(t * pc.n_head + h) * pc.d + i];
  float acc[4] = float[4](0.0, 0.0, 0.0, 0.0);
  float m = -1.0 / 0.0, l = 0.0;
  barrier();
  for (uint b0 = 0; b0 < n; b0 += wg) {
    uint p = b0 + lid;
    float sc = -1.0 / 0.0;
    if (p < n) {
      sc = 0.0;
      for (uint i = 0; i < pc.d; i++) sc += q[i] * K[p * pc.kvd + kh * pc.d + i];
      sc *= pc.scale;
    }
    s[lid] = sc;
    barrier();
    if (lid == 0) {
      float bm = m;
      for (uint j = 0; j < wg; j++) bm = max(bm, s[j]);
      stat[0] = bm;
    }
    barrier();
    float nm = stat[0], corr = exp(m - nm);
    uint nb = min(wg, n - b0);
    for (uint k = 0; k < 4; k++) acc[k] *= corr;
    l *= corr;
    for (uint j = 0; j < nb; j++) {
      float w = exp(s[j] - nm);
      l += w;
      for (uint k = 0; k < 4; k++) {
        uint i = lid + k * wg;
        if (i < pc.dv) acc[k] += w * V[(b0 + j) * pc.kvdv + kh * pc.dv + i];
      }
    }
    m = nm;
    barrier();
  }
  for (uint k = 0; k < 4; k++) {
    uint i = lid + k * wg;
    if (i < pc.dv) O[(t * pc.n_head + h) * pc.dv + i] = acc[k] / l;
  }
}
