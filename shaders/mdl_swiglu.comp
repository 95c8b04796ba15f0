#version 450
// Private to runtime/model: g[i] = silu(g[i]) * u[i] for i < n (grid-stride).
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) buffer Gb { float G[]; };
layout(std430, binding = 1) readonly buffer Ub { float U[]; };
layout(push_constant) uniform P { uint n; } pc;
void main() {
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
    float g = G[i];
    G[i] = g / (1.0 + exp(-g)) * U[i];
  }
}
