#version 450
// Private to runtime/model: y[row][i] = x[row][i] / sqrt(mean(x[row]^2) + eps) * w[i]; one
// workgroup per row (a token, or a head for the per-head q/k norm). y may alias x.
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) buffer Xb { float X[]; };
layout(std430, binding = 1) readonly buffer Wb { float Wn[]; };
layout(push_constant) uniform P { uint n; float eps; } pc;
shared float red[256];
void main() {
  uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x, lid = gl_LocalInvocationID.x;
  uint o = row * pc.n;
  float acc = 0.0;
  for (uint i = lid; i < pc.n; i += gl_WorkGroupSize.x) acc += X[o + i] * X[o + i];
  red[lid] = acc;
  barrier();
  for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
    if (lid < s) red[lid] += red[lid + s];
    barrier();
  }
  float sc = inversesqrt(red[0] / float(pc.n) + pc.eps);
  for (uint i = lid; i < pc.n; i += gl_WorkGroupSize.x) X[o + i] = X[o + i] * sc * Wn[i];
}
