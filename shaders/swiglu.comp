#version 450
// SwiGLU: out[t][i] = silu(gate[t][i]) * up[t][i], silu(x) = x / (1 + exp(-x)), i < ff.
// gate row t at gate[g_off + t * g_stride], up at up[u_off + t * u_stride], out at out[t * o_stride]
// (floats). The fused form binds one [n][2*ff] buffer as gate (offset 0) and up (offset ff).
// OUT_F16: out is f16 (pairs packed in uints, o_stride in halves; ff and o_stride even), one pair
// per invocation: the down projection's tensor-core input written directly.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer G { float gate[]; };
layout(std430, set = 0, binding = 1) readonly buffer U { float up[]; };
#ifdef OUT_F16
layout(std430, set = 0, binding = 2) writeonly buffer O { uint out2[]; };
#else
layout(std430, set = 0, binding = 2) writeonly buffer O { float outv[]; };
#endif
layout(push_constant) uniform Push { uint n_tokens, ff, g_off, g_stride, u_off, u_stride, o_stride; } pc;

float silu_mul(float g, float u) { return g / (1.0 + exp(-g)) * u; }

void main() {
  uint i = gl_GlobalInvocationID.x;
  uint t = gl_GlobalInvocationID.y + gl_GlobalInvocationID.z * gl_NumWorkGroups.y;
#ifdef OUT_F16
  if (2u * i >= pc.ff || t >= pc.n_tokens) return;
  uint gi = pc.g_off + t * pc.g_stride + 2u * i, ui = pc.u_off + t * pc.u_stride + 2u * i;
  out2[(t * pc.o_stride) / 2u + i] = packHalf2x16(vec2(silu_mul(gate[gi], up[ui]), silu_mul(gate[gi + 1u], up[ui + 1u])));
#else
  if (i >= pc.ff || t >= pc.n_tokens) return;
  float g = gate[pc.g_off + t * pc.g_stride + i];
  float u = up[pc.u_off + t * pc.u_stride + i];
  outv[t * pc.o_stride + i] = silu_mul(g, u);
#endif
}
