#version 450
// Private to runtime/model: cache[(params[0] + t) * dim + i] = src[t * dim + i].
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer Sb { float S[]; };
layout(std430, binding = 1) buffer Cb { float C[]; };
layout(std430, binding = 2) readonly buffer Pb { uint params[]; };
layout(push_constant) uniform P { uint dim; } pc;
void main() {
  uint i = gl_GlobalInvocationID.x, t = gl_WorkGroupID.y;
  if (i < pc.dim) C[(params[0] + t) * pc.dim + i] = S[t * pc.dim + i];
}
