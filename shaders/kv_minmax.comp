#version 450
// Quest metadata: element-wise min and max of the valid keys of each page touched by this step's
// append (logical pages (append_base + first)/P .. (append_base + first + n_tokens - 1)/P of each head). Recomputed
// from the page (P rows) so a prefill of many tokens into one page needs no atomics. Stored in the
// KV type (the min/max of F16 keys are exact F16 values): per page [min row D][max row D].
// Grid: (max pages touched, nh).
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer KP { uint kpool[]; };
layout(std430, set = 0, binding = 1) readonly buffer Table { uint table[]; };
layout(std430, set = 0, binding = 2) readonly buffer Base { uint append_base[]; };
layout(std430, set = 0, binding = 3) readonly buffer Mask { uint mask[]; };  // by segment-local page
layout(std430, set = 0, binding = 4) buffer MM { uint minmax[]; };
layout(push_constant) uniform Push { uint D, P, cap, n_tokens, first; } pc;

void main() {
  uint h = gl_WorkGroupID.y;
  uint b = append_base[h] + pc.first;
  uint lp = b / pc.P + gl_WorkGroupID.x, last = (b + pc.n_tokens - 1) / pc.P;
  if (lp > last) return;
  uint page = table[h * pc.cap + lp];
  uint m = mask[page];
#ifdef KV_F32
  for (uint d = gl_LocalInvocationID.x; d < pc.D; d += gl_WorkGroupSize.x) {
    float lo = 0.0, hi = 0.0;
    bool any = false;
    for (uint s = 0; s < pc.P; s++) {
      if ((m & (1u << s)) == 0) continue;
      float x = uintBitsToFloat(kpool[(page * pc.P + s) * pc.D + d]);
      lo = any ? min(lo, x) : x;
      hi = any ? max(hi, x) : x;
      any = true;
    }
    minmax[page * 2 * pc.D + d] = floatBitsToUint(lo);
    minmax[page * 2 * pc.D + pc.D + d] = floatBitsToUint(hi);
  }
#else
  uint W = pc.D / 2;
  for (uint w = gl_LocalInvocationID.x; w < W; w += gl_WorkGroupSize.x) {
    vec2 lo = vec2(0.0), hi = vec2(0.0);
    bool any = false;
    for (uint s = 0; s < pc.P; s++) {
      if ((m & (1u << s)) == 0) continue;
      vec2 x = unpackHalf2x16(kpool[(page * pc.P + s) * W + w]);
      lo = any ? min(lo, x) : x;
      hi = any ? max(hi, x) : x;
      any = true;
    }
    minmax[page * 2 * W + w] = packHalf2x16(lo);
    minmax[page * 2 * W + W + w] = packHalf2x16(hi);
  }
#endif
}
