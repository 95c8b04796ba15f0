#version 450
// Appends n_tokens K and V rows (F32 input, after RoPE) of the KV heads [h0, h0+nh) of one layer to
// the paged cache. Token t of head h goes to logical slot append_base[h] + t of the head's page
// list: page table[(h)*cap + slot / P], slot % P. The host fills append_base and the tables.
// Grid: (n_tokens, nh). Threads over the row.
// MINMAX (one token per step, quest/raas): the Quest min/max of the touched page is recomputed here
// too (as kv_minmax.comp does, one dispatch less): each thread covers the same elements of the
// page's rows that it wrote of the new row, so it uses its own new value and reads only rows
// written by earlier dispatches (no visibility question inside the workgroup). Needs n_tokens = 1.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer K { float kin[]; };
layout(std430, set = 0, binding = 1) readonly buffer V { float vin[]; };
layout(std430, set = 0, binding = 2) buffer KP { uint kpool[]; };
layout(std430, set = 0, binding = 3) buffer VP { uint vpool[]; };
layout(std430, set = 0, binding = 4) readonly buffer Table { uint table[]; };  // this segment's lists
layout(std430, set = 0, binding = 5) readonly buffer Base { uint append_base[]; };  // this segment's
#ifdef MINMAX
layout(std430, set = 0, binding = 6) readonly buffer Mask { uint mask[]; };  // by segment-local page
layout(std430, set = 0, binding = 7) buffer MM { uint minmax[]; };
#endif
layout(push_constant) uniform Push {
  uint D, P, cap, row_stride;  // row_stride: floats per token in k/v input (n_kv_heads * D)
  uint h0;                     // first KV head of the segment (input column offset h0 * D)
  uint first;                  // input row t is token first + t of the step's append
} pc;

void main() {
  uint t = gl_WorkGroupID.x, h = gl_WorkGroupID.y;
  uint ls = append_base[h] + pc.first + t;
  uint page = table[h * pc.cap + ls / pc.P];
  uint row = page * pc.P + ls % pc.P;
  uint src = t * pc.row_stride + (pc.h0 + h) * pc.D;
#ifdef MINMAX
  uint m = mask[page], slot = ls % pc.P;
#endif
#ifdef KV_F32
  for (uint d = gl_LocalInvocationID.x; d < pc.D; d += gl_WorkGroupSize.x) {
    kpool[row * pc.D + d] = floatBitsToUint(kin[src + d]);
    vpool[row * pc.D + d] = floatBitsToUint(vin[src + d]);
#ifdef MINMAX
    float lo = 0.0, hi = 0.0;
    bool any = false;
    for (uint s = 0; s < pc.P; s++) {
      if ((m & (1u << s)) == 0) continue;
      float x = s == slot ? kin[src + d] : uintBitsToFloat(kpool[(page * pc.P + s) * pc.D + d]);
      lo = any ? min(lo, x) : x;
      hi = any ? max(hi, x) : x;
      any = true;
    }
    minmax[page * 2 * pc.D + d] = floatBitsToUint(lo);
    minmax[page * 2 * pc.D + pc.D + d] = floatBitsToUint(hi);
#endif
  }
#else
  uint W = pc.D / 2;
  for (uint w = gl_LocalInvocationID.x; w < W; w += gl_WorkGroupSize.x) {
    uint kw = packHalf2x16(vec2(kin[src + 2 * w], kin[src + 2 * w + 1]));
    kpool[row * W + w] = kw;
    vpool[row * W + w] = packHalf2x16(vec2(vin[src + 2 * w], vin[src + 2 * w + 1]));
#ifdef MINMAX
    vec2 lo = vec2(0.0), hi = vec2(0.0);
    bool any = false;
    for (uint s = 0; s < pc.P; s++) {
      if ((m & (1u << s)) == 0) continue;
      vec2 x = unpackHalf2x16(s == slot ? kw : kpool[(page * pc.P + s) * W + w]);
      lo = any ? min(lo, x) : x;
      hi = any ? max(hi, x) : x;
      any = true;
    }
    minmax[page * 2 * W + w] = packHalf2x16(lo);
    minmax[page * 2 * W + W + w] = packHalf2x16(hi);
#endif
  }
#endif
}
