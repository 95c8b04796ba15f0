#version 450
// Rotary position embedding, in place on Q or K laid out [n_tokens][n_heads][head_dim] (token t at
// data[t * token_stride], head h at + h * head_dim). For pair i < rot_dim/2 of every head:
//   inv_freq_i = theta_scale^i           (theta_scale = base^(-2/rot_dim), computed on the host;
//                                         the power by i float multiplications: exact IEEE ops)
//   theta      = float(pos) * inv_freq_i  [/ freq_factors[i] when HAS_FF] * freq_scale
//   normal: (x[2i], x[2i+1]) rotated;  neox: (x[i], x[i + rot_dim/2]) rotated
// Elements at rot_dim.. are untouched. pos = positions[t] (a uint32 binding, per-token dynamic).
// sin/cos take an argument reduced to [-pi, pi] (Cody-Waite), since Vulkan only bounds their error
// on that range.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) buffer Data { float data[]; };
layout(std430, set = 0, binding = 1) readonly buffer Pos { uint positions[]; };
layout(std430, set = 0, binding = 2) readonly buffer FF { float freq_factors[]; };
layout(push_constant) uniform Push {
  uint n_tokens, n_heads, head_dim, rot_dim, token_stride, neox, has_ff;
  float theta_scale, freq_scale;
} pc;

void main() {
  uint half_rot = pc.rot_dim / 2;
  uint j = gl_GlobalInvocationID.x; // pair index over heads
  uint t = gl_GlobalInvocationID.y + gl_GlobalInvocationID.z * gl_NumWorkGroups.y;
  if (j >= pc.n_heads * half_rot || t >= pc.n_tokens) return;
  uint h = j / half_rot, i = j % half_rot;
  float inv_freq = 1.0;
  for (uint k = 0; k < i; k++) inv_freq *= pc.theta_scale;
  float theta = float(positions[t]) * inv_freq;
  if (pc.has_ff != 0) theta = theta / freq_factors[i];
  theta = theta * pc.freq_scale;
  // reduce to [-pi, pi]: r = theta - k * 2pi, 2pi = C1 + ... + C5 where C1..C4 have 6 significant bits,
  // so k * Ci is exact for k < 2^18 (theta < 1.6e6) and every step is an exact or tiny-error
  // subtraction; no fma needed (some drivers split fma into mul + add).
  const float INV_2PI = 0.15915494309189535;
  precise float kq = floor(theta * INV_2PI + 0.5);
  precise float r = theta - kq * 6.25;
  r = r - kq * 0.0322265625;
  r = r - kq * 0.000946044921875;
  r = r - kq * 1.2636184692382812e-05;
  r = r - kq * 6.357301884918343e-08;
  float c = cos(r), s = sin(r);
  uint base = t * pc.token_stride + h * pc.head_dim;
  uint a = pc.neox != 0 ? base + i : base + 2 * i;
  uint b = pc.neox != 0 ? base + i + half_rot : base + 2 * i + 1;
  float x0 = data[a], x1 = data[b];
  data[a] = x0 * c - x1 * s;
  data[b] = x0 * s + x1 * c;
}
