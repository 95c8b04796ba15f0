#version 450
// SwiGLU: out[t][i] = silu(gate[t][i]) * up[t][i], silu(x) = x / (1 + exp(-x)), i < ff.
// gate row t at gate[g_off + t * g_stride], up at up[u_off + t * u_stride], out at out[t * o_stride]
// (floats). The fused form binds one [n][2*ff] buffer as gate (offset 0) and up (offset ff).
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer G { float gate[]; };
layout(std430, set = 0, binding = 1) readonly buffer U { float up[]; };
layout(std430, set = 0, binding = 2) writeonly buffer O { float outv[]; };
layout(push_constant) uniform Push { uint n_tokens, ff, g_off, g_stride, u_off, u_stride, o_stride; } pc;

void main() {
  uint i = gl_GlobalInvocationID.x;
  uint t = gl_GlobalInvocationID.y + gl_GlobalInvocationID.z * gl_NumWorkGroups.y;
  if (i >= pc.ff || t >= pc.n_tokens) return;
  float g = gate[pc.g_off + t * pc.g_stride + i];
  float u = up[pc.u_off + t * pc.u_stride + i];
  outv[t * pc.o_stride + i] = g / (1.0 + exp(-g)) * u;
}
