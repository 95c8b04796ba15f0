#version 450
// Appends n_tokens K and V rows (F32 input, after RoPE) of the KV heads [h0, h0+nh) of one layer to
// the paged cache. Token t of head h goes to logical slot append_base[h] + t of the head's page
// list: page table[(h)*cap + slot / P], slot % P. The host fills append_base and the tables.
// Grid: (n_tokens, nh). Threads over the row.
// MINMAX (one token per step, quest/raas): the Quest min/max of the touched page is recomputed here
// too (as kv_minmax.comp does, one dispatch less): each thread covers the same elements of the
// page's rows that it wrote of the new row, so it uses its own new value and reads only rows
// written by earlier dispatches (no visibility question inside the workgroup). Needs n_tokens = 1.
// QK (decode, one token): the layer's q/k transform is done here too (one dispatch less than
// qk_norm_rope.comp before the append): each K row is normalized per head (when k_has_norm) and
// rotated (RoPE) in shared memory before it is stored, and n_q more workgroups (grid y = nh + n_q)
// transform the step's Q heads in place. The math is qk_norm_rope.comp's, element for element.
#extension GL_GOOGLE_include_directive : require
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
#ifdef QK
layout(std430, set = 0, binding = 8) buffer Qb { float qbuf[]; };  // [n_q][D], transformed in place
layout(std430, set = 0, binding = 9) readonly buffer QW { float q_norm[]; };
layout(std430, set = 0, binding = 10) readonly buffer KW { float k_norm[]; };
layout(std430, set = 0, binding = 11) readonly buffer Pos { uint positions[]; };
layout(std430, set = 0, binding = 12) readonly buffer FF { float freq_factors[]; };
#endif
layout(push_constant) uniform Push {
  uint D, P, cap, row_stride;  // row_stride: floats per token in k/v input (n_kv_heads * D)
  uint h0;                     // first KV head of the segment (input column offset h0 * D)
  uint first;                  // input row t is token first + t of the step's append
#ifdef QK
  uint n_q, rot_dim, neox, has_ff, q_has_norm, k_has_norm;
  float theta_scale, freq_scale, eps;
#endif
} pc;

#ifdef QK
#include "ops_reduce.glsl"
#include "rope_common.glsl"
shared float row_s[512];  // the transformed row (head_dim <= 512, checked on the host)

// row_s = rope(norm(src row)); Q rows (is_q) are read from qbuf at base, K rows from kin at base.
// Called in uniform control flow; row_s is complete and visible to the workgroup on return.
void transform_row(bool is_q, uint base, uint pos) {
  uint lid = gl_LocalInvocationID.x, wsz = gl_WorkGroupSize.x;
  bool norm = is_q ? pc.q_has_norm != 0 : pc.k_has_norm != 0;
  float acc = 0.0;
  for (uint i = lid; i < pc.D; i += wsz) {
    float v = is_q ? qbuf[base + i] : kin[base + i];
    row_s[i] = v;
    acc += v * v;
  }
  float ss = wg_sum(acc);  // its barriers also publish row_s
  if (norm) {
    float inv = inversesqrt(ss / float(pc.D) + pc.eps);
    for (uint i = lid; i < pc.D; i += wsz) row_s[i] = row_s[i] * inv * (is_q ? q_norm[i] : k_norm[i]);
  }
  barrier();
  uint half_rot = pc.rot_dim / 2;
  bool has_ff = pc.has_ff != 0;
  for (uint i = lid; i < half_rot; i += wsz) {
    uint a = pc.neox != 0 ? i : 2 * i;
    uint b = pc.neox != 0 ? i + half_rot : 2 * i + 1;
    vec2 cs = rope_cos_sin(pos, i, pc.theta_scale, has_ff, has_ff ? freq_factors[i] : 1.0, pc.freq_scale);
    vec2 y = rope_rotate(row_s[a], row_s[b], cs);
    row_s[a] = y.x;
    row_s[b] = y.y;
  }
  barrier();
}
#endif

void main() {
  uint t = gl_WorkGroupID.x, h = gl_WorkGroupID.y;
#ifdef QK
  uint pos = positions[pc.first + t];
  if (h >= gl_NumWorkGroups.y - pc.n_q) {  // a Q head: transform in place (uniform branch)
    uint qb = (h - (gl_NumWorkGroups.y - pc.n_q)) * pc.D;
    transform_row(true, qb, pos);
    for (uint i = gl_LocalInvocationID.x; i < pc.D; i += gl_WorkGroupSize.x) qbuf[qb + i] = row_s[i];
    return;
  }
#endif
  uint ls = append_base[h] + pc.first + t;
  uint page = table[h * pc.cap + ls / pc.P];
  uint row = page * pc.P + ls % pc.P;
  uint src = t * pc.row_stride + (pc.h0 + h) * pc.D;
#ifdef MINMAX
  uint m = mask[page], slot = ls % pc.P;
#endif
#ifdef QK
  transform_row(false, src, pos);
#define KIN(i) row_s[(i) - src]
#else
#define KIN(i) kin[i]
#endif
#ifdef KV_F32
  for (uint d = gl_LocalInvocationID.x; d < pc.D; d += gl_WorkGroupSize.x) {
    kpool[row * pc.D + d] = floatBitsToUint(KIN(src + d));
    vpool[row * pc.D + d] = floatBitsToUint(vin[src + d]);
#ifdef MINMAX
    float lo = 0.0, hi = 0.0;
    bool any = false;
    for (uint s = 0; s < pc.P; s++) {
      if ((m & (1u << s)) == 0) continue;
      float x = s == slot ? KIN(src + d) : uintBitsToFloat(kpool[(page * pc.P + s) * pc.D + d]);
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
    uint kw = packHalf2x16(vec2(KIN(src + 2 * w), KIN(src + 2 * w + 1)));
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
