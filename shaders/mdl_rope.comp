#version 450
// Private to runtime/model: RoPE in place on x[t][head][head_dim] at position params[0] + t.
// normal: pairs (2i, 2i+1); neox: pairs (i, i + n_rot/2); theta = pos * scale * base^(-2i/n_rot)
// / freqs[i] (freqs when has_freqs).
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) buffer Xb { float X[]; };
layout(std430, binding = 1) readonly buffer Pb { uint params[]; };
layout(std430, binding = 2) readonly buffer Fb { float freqs[]; };
layout(push_constant) uniform P { uint n_heads, head_dim, n_rot, neox, has_freqs; float base, scale; } pc;
void main() {
  uint half_rot = pc.n_rot / 2u, j = gl_GlobalInvocationID.x, t = gl_WorkGroupID.y;
  if (j >= pc.n_heads * half_rot) return;
  uint h = j / half_rot, i = j % half_rot;
  float pos = float(params[0] + t) * pc.scale;
  float theta = pos * pow(pc.base, -2.0 * float(i) / float(pc.n_rot));
  if (pc.has_freqs != 0u) theta /= freqs[i];
  uint o = (t * pc.n_heads + h) * pc.head_dim;
  uint i0 = pc.neox != 0u ? i : 2u * i, i1 = pc.neox != 0u ? i + half_rot : 2u * i + 1u;
  float c = cos(theta), s = sin(theta), x0 = X[o + i0], x1 = X[o + i1];
  X[o + i0] = x0 * c - x1 * s;
  X[o + i1] = x0 * s + x1 * c;
}
