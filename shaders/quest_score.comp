#version 450
// Quest page scores: for each page of the head's list, the upper bound of q.k inside the page,
// sum_i max(q_i * max_i, q_i * min_i), combined over the G query heads of the KV head by MAX.
// Threads: lane over pages, c over 16-byte chunks of the min/max rows. Grid: (ceil(cap / L), nh).
#extension GL_GOOGLE_include_directive : require
#include "attn_common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint D = 128;
layout(constant_id = 2) const uint G = 1;
layout(std430, set = 0, binding = 0) readonly buffer Q { float q[]; };
layout(std430, set = 0, binding = 1) readonly buffer MM { uvec4 minmax[]; };
layout(std430, set = 0, binding = 2) readonly buffer Table { uint table[]; };
layout(std430, set = 0, binding = 3) readonly buffer Count { uint count[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Scores { float scores[]; };
layout(push_constant) uniform Push { uint cap, h0; } pc;

const uint C = D / EPC;
const uint WG = gl_WorkGroupSize.x;
const uint L = WG / C;
shared float red[L * G * C];

void main() {
  uint h = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
  uint lane = tid / C, c = tid % C;
  uint n = count[h];
  uint lp = gl_WorkGroupID.x * L + lane;
  if (gl_WorkGroupID.x * L >= n) return;  // uniform per workgroup
  bool valid = lane < L && lp < n;
  float lo[EPC], hi[EPC];
  if (valid) {
    uint page = table[h * pc.cap + lp];
    unpack_chunk(minmax[page * 2 * C + c], lo);
    unpack_chunk(minmax[page * 2 * C + C + c], hi);
  }
  uint qh0 = (pc.h0 + h) * G;
  for (uint g = 0; g < G; g++) {
    float s = 0.0;
    if (valid)
      for (uint e = 0; e < EPC; e++) {
        float x = q[(qh0 + g) * D + c * EPC + e];
        s += max(x * lo[e], x * hi[e]);
      }
    if (lane < L) red[(lane * G + g) * C + c] = s;
  }
  barrier();
  if (tid < L) {
    uint p = gl_WorkGroupID.x * L + tid;
    if (p < n) {
      float best = 0.0;
      for (uint g = 0; g < G; g++) {
        float s = 0.0;
        for (uint k = 0; k < C; k++) s += red[(tid * G + g) * C + k];
        best = g == 0 ? s : max(best, s);
      }
      scores[h * pc.cap + p] = best;
    }
  }
}
