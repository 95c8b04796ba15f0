#version 450
// Decode matvec with 8-bit activations and integer dot products (opt-in: LIL_MATVEC_X8=1, plan
// use_int_dot), one weight part per dispatch:
//   y[n][y_base + r] (+)= sum_c W[r][c] * x[n][c]   (n < ncols)
// with x already quantized by quantize_x8.comp into blocks of 32: x[c] ~ d_b * q[c] (int8), and
// s_b = d_b * sum(q) per block. Four int8 x int8 products per instruction (OpSDot, packed 4x8-bit
// format; SPV_KHR_integer_dot_product through GL_EXT_spirv_intrinsics, since Debian's glslc has no
// GL_EXT_integer_dot_product). Weight nibbles / bytes are used as they are stored (4-bit fields 0..15
// and 6-bit fields 0..63 are non-negative int8); their offsets (Q4_0: 8, Q4_K: mins, Q6_K: 32) are
// applied through sums of the activations: s_b (per block of 32) or an SDot with 0x01010101
// (per 8 elements, Q6_K).
//
// Launch shape and structure as matvec_q16.comp (weights read through 16-bit storage, NROWS rows
// per workgroup, NCOLS column capacity, TPB threads per block each a fixed slice, UNROLL blocks in
// flight, subgroupAdd + shared-memory reduction); only the x side and the arithmetic differ.
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_EXT_spirv_intrinsics : require
layout(local_size_x_id = 0) in;

// OpSDot (4450) with PackedVectorFormat4x8Bit (0): capabilities DotProduct (6019),
// DotProductInput4x8BitPacked (6018)
spirv_instruction(extensions = ["SPV_KHR_integer_dot_product"], capabilities = [6019, 6018], id = 4450)
int sdot4(uint a, uint b, spirv_literal int fmt);
#define DOT4(a, b) sdot4((a), (b), 0)

#ifndef NROWS
#define NROWS 2u
#endif
#ifndef NCOLS
#define NCOLS 1u
#endif

#if defined(WTYPE_Q4_K)
layout(std430, set = 0, binding = 0) readonly buffer W { uvec4 w4[]; };
#else
layout(std430, set = 0, binding = 0) readonly buffer W { uint16_t w16[]; };
#endif
// quantized x: 8 words of int8 per block of 32, then (d, s) per block from vec2 index ds_base
layout(std430, set = 0, binding = 1) readonly buffer XQ { uint xq[]; };
layout(std430, set = 0, binding = 1) readonly buffer XD { vec2 xd[]; };
layout(std430, set = 0, binding = 2) buffer Y { float y[]; };
layout(push_constant) uniform Push {
  uint rows;       // rows of this part
  uint row_units;  // row bytes / 2 (Q4_K: / 16): row stride in elements of the weight array
  uint nb;         // weight blocks per row
  uint y_base;     // index in y of this part's first row
  uint y_stride;   // floats between the columns of y
  uint xb_stride;  // blocks of 32 between the columns of x (cols / 32)
  uint accumulate; // 1: y += W x
  uint ncols;      // real columns (1..NCOLS)
  uint ds_base;    // vec2 index of the (d, s) of block 0 of column 0
  uint glu_up;     // GLU: the first up row
} pc;
// SCALE_IN: every output times the float rscale of binding 3 (1 / rms(x) of an x quantized by a
// matvec's FINALIZE epilogue, matvec_q16.comp); GLU: gate / up row pairs, y = silu(g) * u, as in
// matvec_q16.comp (one column, no accumulate)
layout(constant_id = 1) const uint SCALE_IN = 0u;
layout(constant_id = 2) const uint GLU = 0u;
layout(std430, set = 0, binding = 3) readonly buffer FC { uint fcnt; float rscale; };

const uint WG = gl_WorkGroupSize.x;
const uint NP = NROWS * NCOLS;
shared float red[((WG + 3u) / 4u) * NP]; // one slot per subgroup (subgroups have >= 4 invocations)

float acc[NROWS][NCOLS];
uint xc[NCOLS]; // index of the first block of 32 of column n of x
#define RED_STRIDE NP
#include "matvec_glu.glsl"

#if !defined(WTYPE_Q4_K)
uint ld32(uint o) { return uint(w16[o]) | (uint(w16[o + 1u]) << 16u); }
#endif

#if defined(WTYPE_Q8_0) || defined(WTYPE_Q4_0)
#define TPB 4u
#if defined(WTYPE_Q8_0)
// 17 uint16: d, 32 int8. Part p: bytes 8p..8p+7 = elements 8p.. = x words 2p, 2p + 1.
#define BLOCK_UNITS 17u
#define UNROLL 2u
#define RAW uvec3
RAW load_raw(uint o, uint part) {
  uint q = o + 1u + 4u * part;
  return uvec3(uint(w16[o]), ld32(q), ld32(q + 2u));
}
#define XA(part) (2u * (part))
#define XB(part) (2u * (part) + 1u)
#define WA(raw) (raw).y
#define WB(raw) (raw).z
#define OFFSET 0.0
#else
// 9 uint16: d, 16 bytes: low nibbles = elements 0..15, high = 16..31. Part p: bytes 4p..4p+3 ->
// elements 4p.. (low, x word p) and 16 + 4p.. (high, x word 4 + p).
#define BLOCK_UNITS 9u
#define UNROLL 4u
#define RAW uvec2
RAW load_raw(uint o, uint part) { return uvec2(uint(w16[o]), ld32(o + 1u + 2u * part)); }
#define XA(part) (part)
#define XB(part) ((part) + 4u)
#define WA(raw) ((raw).y & 0x0f0f0f0fu)
#define WB(raw) (((raw).y >> 4u) & 0x0f0f0f0fu)
// sum (q - 8) x over the block = d_x idot - 8 s; each of the TPB = 4 parts takes 2 s
#define OFFSET 2.0
#endif

void process(uint blk, uint part, RAW raw[NROWS]) {
  float d[NROWS];
  [[unroll]] for (uint r = 0u; r < NROWS; r++) d[r] = unpackHalf2x16(raw[r].x).x;
  [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
    uint xo = xc[n] + blk;
    uint xa = xq[8u * xo + XA(part)], xb = xq[8u * xo + XB(part)];
    vec2 ds = xd[pc.ds_base + xo];
    [[unroll]] for (uint r = 0u; r < NROWS; r++) {
      int i = DOT4(WA(raw[r]), xa) + DOT4(WB(raw[r]), xb);
      acc[r][n] += d[r] * (ds.x * float(i) - OFFSET * ds.y);
    }
  }
}

#elif defined(WTYPE_Q4_K)
// 144-byte super-block = 9 uvec4: [0] = d, dmin (f16), 12 bytes of 6-bit scales/mins; [1..8] = 4
// chunks of 32 qs bytes, chunk c: low nibbles = sub-block 2c (elements 64c + l), high = 2c + 1
// (64c + 32 + l). Thread part p: chunk c = p / 2, half h = p % 2 -> uvec4 [1 + p] = 16 bytes =
// elements 16h + i (i < 16) of sub-blocks 2c (low) and 2c + 1 (high) = x words 4h..4h + 3 of x
// blocks 8 blk + 2c and 8 blk + 2c + 1. A sub-block j contributes
//   d sc_j d_x idot_j - dmin m_j s_j,
// the min term split over the two parts sharing the sub-block (half each).
#define TPB 8u
#define BLOCK_UNITS 9u
#define UNROLL 2u
struct RAW {
  uvec4 hdr;
  uvec4 qs;
};
RAW load_raw(uint o, uint part) { return RAW(w4[o], w4[o + 1u + part]); }

// (d sc0, d sc1, dmin m0 / 2, dmin m1 / 2) of sub-blocks 2c, 2c + 1, c = part / 2
vec4 q4k_scales(uvec4 hdr, uint part) {
  uint c = part >> 1u, s = 16u * (c & 1u);
  uint a = hdr.y >> s, b = hdr.z >> s, e = hdr.w >> s;
  uint sc = c < 2u ? a & 0x3f3fu : (e & 0x0f0fu) | ((a >> 2u) & 0x3030u);
  uint mn = c < 2u ? b & 0x3f3fu : ((e >> 4u) & 0x0f0fu) | ((b >> 2u) & 0x3030u);
  vec4 q = vec4(uvec4(sc, sc >> 8u, mn, mn >> 8u) & 0xffu);
  vec2 dm = unpackHalf2x16(hdr.x);
  return vec4(dm.x * q.xy, 0.5 * dm.y * q.zw);
}

void process(uint blk, uint part, RAW raw[NROWS]) {
  vec4 f[NROWS];
  [[unroll]] for (uint r = 0u; r < NROWS; r++) f[r] = q4k_scales(raw[r].hdr, part);
  uint x0 = 8u * blk + 2u * (part >> 1u), w0 = 4u * (part & 1u);
  [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
    uint bl = xc[n] + x0, bh = bl + 1u;
    uvec4 xl = uvec4(xq[8u * bl + w0], xq[8u * bl + w0 + 1u], xq[8u * bl + w0 + 2u], xq[8u * bl + w0 + 3u]);
    uvec4 xh = uvec4(xq[8u * bh + w0], xq[8u * bh + w0 + 1u], xq[8u * bh + w0 + 2u], xq[8u * bh + w0 + 3u]);
    vec2 dl = xd[pc.ds_base + bl], dh = xd[pc.ds_base + bh];
    [[unroll]] for (uint r = 0u; r < NROWS; r++) {
      int il = 0, ih = 0;
      [[unroll]] for (uint i = 0u; i < 4u; i++) {
        uint w = raw[r].qs[i];
        il += DOT4(w & 0x0f0f0f0fu, xl[i]);
        ih += DOT4((w >> 4u) & 0x0f0f0f0fu, xh[i]);
      }
      acc[r][n] += f[r].x * dl.x * float(il) + f[r].y * dh.x * float(ih) - f[r].z * dl.y - f[r].w * dh.y;
    }
  }
}

#elif defined(WTYPE_Q6_K)
// 210-byte super-block = 105 uint16: ql[128] (u16 0..63), qh[64] (64..95), 16 int8 scales
// (96..103), f16 d (104). Element e = 128h + 32g + l (g < 4, l < 32): 4 low bits from ql byte
// 64h + 32(g & 1) + l (nibble g >> 1), 2 high bits from qh byte 32h + l (bits 2g), scale byte e / 16.
// Thread part s: h = s / 4, l0 = 8 (s % 4) -> 8 elements 128h + 32g + l0 + i (i < 8) per g = x words
// l0 / 4, l0 / 4 + 1 of x block 8 blk + 4h + g, one scale each (byte 8h + 2g + l0 / 16). q is 0..63
// (a non-negative int8); sum (q - 32) x = d_x (idot - 32 sum qx), sum qx by an SDot with 0x01010101.
#define TPB 8u
#define BLOCK_UNITS 105u
#define UNROLL 2u
struct RAW {
  uvec4 ql; // 4 bytes at 64h + l0, + 4, then at 64h + 32 + l0, + 4
  uvec4 qs; // qh 4 bytes at 32h + l0, + 4; scale u16 pairs (g 0, 1), (g 2, 3)
  uint d;
};
RAW load_raw(uint o, uint part) {
  uint h = part >> 2u, l2 = 4u * (part & 3u); // l0 / 2
  uint a = o + 32u * h + l2, q = o + 64u + 16u * h + l2, s = o + 96u + 4u * h;
  return RAW(uvec4(ld32(a), ld32(a + 2u), ld32(a + 16u), ld32(a + 18u)),
             uvec4(ld32(q), ld32(q + 2u), ld32(s), ld32(s + 2u)), uint(w16[o + 104u]));
}

void process(uint blk, uint part, RAW raw[NROWS]) {
  vec4 f[NROWS];
  uint q[NROWS][4][2];
  uint bs = 8u * ((part & 3u) >> 1u); // l0 / 16 selects the low or high byte of each scale u16
  [[unroll]] for (uint r = 0u; r < NROWS; r++) {
    uint s01 = raw[r].qs.z >> bs, s23 = raw[r].qs.w >> bs;
    ivec4 sc = (ivec4(uvec4(s01, s01 >> 16u, s23, s23 >> 16u) << 24u)) >> 24; // int8 scales
    f[r] = unpackHalf2x16(raw[r].d).x * vec4(sc);
    [[unroll]] for (uint g = 0u; g < 4u; g++)
      [[unroll]] for (uint j = 0u; j < 2u; j++) {
        uint l = raw[r].ql[2u * (g & 1u) + j], qh = raw[r].qs[j];
        q[r][g][j] = ((l >> (4u * (g >> 1u))) & 0x0f0f0f0fu) | (((qh >> (2u * g)) & 0x03030303u) << 4u);
      }
  }
  uint x0 = 8u * blk + 4u * (part >> 2u), w0 = 2u * (part & 3u);
  [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
    uint xw[4][2];
    vec4 dx, sx; // d_x and 32 sum qx of the 8 elements per g
    [[unroll]] for (uint g = 0u; g < 4u; g++) {
      uint b = xc[n] + x0 + g;
      xw[g][0] = xq[8u * b + w0];
      xw[g][1] = xq[8u * b + w0 + 1u];
      dx[g] = xd[pc.ds_base + b].x;
      sx[g] = float(32 * (DOT4(xw[g][0], 0x01010101u) + DOT4(xw[g][1], 0x01010101u)));
    }
    [[unroll]] for (uint r = 0u; r < NROWS; r++) {
      vec4 p;
      [[unroll]] for (uint g = 0u; g < 4u; g++) p[g] = float(DOT4(q[r][g][0], xw[g][0]) + DOT4(q[r][g][1], xw[g][1]));
      acc[r][n] += dot(f[r] * dx, p - sx);
    }
  }
}

#else
#error "matvec_x8.comp: define WTYPE_Q8_0, WTYPE_Q4_0, WTYPE_Q4_K or WTYPE_Q6_K"
#endif

void main() {
  uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  const uint HR = GLU != 0u ? NROWS / 2u : NROWS; // outputs per workgroup
  uint row0 = group * HR;
  if (row0 >= pc.rows) return; // uniform over the workgroup
  uint tid = gl_LocalInvocationID.x;
  uint part = tid % TPB, step = WG / TPB;
  uint rb[NROWS];
  [[unroll]] for (uint r = 0u; r < NROWS; r++)
    rb[r] = (min(row0 + r % HR, pc.rows - 1u) + (r >= HR ? pc.glu_up : 0u)) * pc.row_units;
  [[unroll]] for (uint n = 0u; n < NCOLS; n++) xc[n] = min(n, pc.ncols - 1u) * pc.xb_stride;
  [[unroll]] for (uint r = 0u; r < NROWS; r++)
    [[unroll]] for (uint n = 0u; n < NCOLS; n++) acc[r][n] = 0.0;

  // threads past the last whole group of TPB (WG not a multiple of TPB) take no block
  uint b = tid < step * TPB ? tid / TPB : pc.nb;
  for (; b + (UNROLL - 1u) * step < pc.nb; b += UNROLL * step) {
    RAW raw[UNROLL][NROWS];
    [[unroll]] for (uint u = 0u; u < UNROLL; u++)
      [[unroll]] for (uint r = 0u; r < NROWS; r++) raw[u][r] = load_raw(rb[r] + (b + u * step) * BLOCK_UNITS, part);
    [[unroll]] for (uint u = 0u; u < UNROLL; u++) process(b + u * step, part, raw[u]);
  }
  for (; b < pc.nb; b += step) {
    RAW raw[NROWS];
    [[unroll]] for (uint r = 0u; r < NROWS; r++) raw[r] = load_raw(rb[r] + b * BLOCK_UNITS, part);
    process(b, part, raw);
  }

  bool one = gl_NumSubgroups == 1u;
  float scale = SCALE_IN != 0u ? rscale : 1.0;
  if (GLU != 0u) { // column 0 only: the pairs' sums, then silu(g) * u
    glu_store(tid, row0, HR, scale, one);
    return;
  }
  [[unroll]] for (uint r = 0u; r < NROWS; r++)
    [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
      float s = subgroupAdd(acc[r][n]) * scale;
      if (gl_SubgroupInvocationID == 0u) {
        if (!one) {
          red[gl_SubgroupID * NP + r * NCOLS + n] = s;
        } else if (row0 + r < pc.rows && n < pc.ncols) {
          uint o = n * pc.y_stride + pc.y_base + row0 + r;
          y[o] = pc.accumulate != 0u ? y[o] + s : s;
        }
      }
    }
  if (one) return; // uniform
  barrier();
  for (uint i = tid; i < NP; i += WG) {
    float s = 0.0;
    for (uint g = 0u; g < gl_NumSubgroups; g++) s += red[g * NP + i];
    uint r = i / NCOLS, n = i % NCOLS;
    if (row0 + r < pc.rows && n < pc.ncols) {
      uint o = n * pc.y_stride + pc.y_base + row0 + r;
      y[o] = pc.accumulate != 0u ? y[o] + s : s;
    }
  }
}
