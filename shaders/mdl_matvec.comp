#version 450
// Private to runtime/model: y[t][row_base + r] (+)= sum_c W[r][c] x[t][c] (+ b[row_base + r]).
// One workgroup per (row, token). Correct and simple, not fast (the matvec/matmul branches are).
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer Wb { uint W[]; };
layout(std430, binding = 1) readonly buffer Xb { float X[]; };
layout(std430, binding = 2) buffer Yb { float Y[]; };
layout(std430, binding = 3) readonly buffer Bb { float B[]; };
layout(push_constant) uniform P { uint cols, row_bytes, row0, row_base, x_stride, y_stride, flags, x_off; } pc;
#include "mdl_weight.glsl"
shared float red[256];
void main() {
  uint r = pc.row0 + gl_WorkGroupID.x, t = gl_WorkGroupID.y, lid = gl_LocalInvocationID.x;
  uint rb = r * pc.row_bytes, xo = pc.x_off + t * pc.x_stride;
  float acc = 0.0;
  for (uint c = lid; c < pc.cols; c += gl_WorkGroupSize.x) acc += mdl_wload(rb, c) * X[xo + c];
  red[lid] = acc;
  barrier();
  for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
    if (lid < s) red[lid] += red[lid + s];
    barrier();
  }
  if (lid == 0) {
    uint o = t * pc.y_stride + pc.row_base + r;
    float v = red[0];
    if ((pc.flags & 2u) != 0u) v += B[pc.row_base + r];
    if ((pc.flags & 1u) != 0u) v += Y[o];
    Y[o] = v;
  }
}
