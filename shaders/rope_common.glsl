// The RoPE angle and rotation shared by rope.comp and qk_norm_rope.comp. For pair i of a head at
// position pos:
//   inv_freq_i = theta_scale^i           (theta_scale = base^(-2/rot_dim), computed on the host;
//                                         the power by i float multiplications: exact IEEE ops)
//   theta      = float(pos) * inv_freq_i  [/ ff when has_ff] * freq_scale
// sin/cos take an argument reduced to [-pi, pi] (Cody-Waite), since Vulkan only bounds their error
// on that range. Returns (cos, sin).
vec2 rope_cos_sin(uint pos, uint i, float theta_scale, bool has_ff, float ff, float freq_scale) {
  float inv_freq = 1.0;
  for (uint k = 0; k < i; k++) inv_freq *= theta_scale;
  float theta = float(pos) * inv_freq;
  if (has_ff) theta = theta / ff;
  theta = theta * freq_scale;
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
  return vec2(cos(r), sin(r));
}

// (x0, x1) rotated by the angle whose (cos, sin) is cs.
vec2 rope_rotate(float x0, float x1, vec2 cs) { return vec2(x0 * cs.x - x1 * cs.y, x0 * cs.y + x1 * cs.x); }
