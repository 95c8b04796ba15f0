#version 450
// Decode matvec for Q8_0 / Q4_0 / Q4_K / Q6_K weights read through 16-bit storage
// (plan.use_storage16), one weight part per dispatch:
//   y[n][y_base + r] (+)= sum_c W[r][c] * x[n][c]   (n < ncols).
// Q8_0 blocks are 17 uint16 (d, 32 int8), Q4_0 blocks 9 uint16 (d, 32 nibbles), Q6_K super-blocks
// 105 uint16 (ql, qh, scales, d), so every block starts 2-byte aligned and is read with plain
// 16-bit loads (no funnel shifts, no dq_unit). Q4_K super-blocks are 144 bytes = 9 uvec4 (parts
// and rows start 16-byte aligned), so Q4_K is read as uvec4: 2 loads per 32 elements instead of 13
// 16-bit ones.
//
// Shape: a workgroup computes NROWS consecutive rows (compile-time, as is NCOLS: every register
// array below has a #define size and is indexed only by fully unrolled loops). TPB threads share
// one block, each a fixed slice (Q8_0 / Q4_0: 4 x 8 elements; Q4_K / Q6_K: 8 x 32 elements); the
// WG threads walk the row's blocks (thread t takes block t / TPB + k * WG / TPB), UNROLL blocks per
// thread in flight per row, all loads issued before use. x (F32, small, cached) is read as vec4
// from global. Reduction: subgroupAdd, then (only when the workgroup has more than one subgroup)
// one shared-memory slot per subgroup.
// NCOLS is the variant's column capacity; pc.ncols <= NCOLS columns are real (the others read
// column 0 and are not written). Workgroups beyond 65535 continue in the y dimension.
// FUSE (specialization constant; one column only) transforms x as it is read, saving the
// dispatch (and the memory pass) that would have produced it:
//   1 (RMSNorm):  y[r] = inversesqrt(sum_c x[c]^2 / cols + eps) * sum_c W[r][c] * (x[c] * aux[c]):
//                 aux = the norm weight; every workgroup reads all of x once, so it sums the squares
//                 as it goes and reduces them with the dot products;
//   2 (SwiGLU):   x[c] -> silu(x[c]) * aux[c] (x = gate, aux = up).
// GLU (specialization constant; one column, no accumulate) pairs gate and up rows in a workgroup
// and writes their SwiGLU instead of both: rows r < NROWS / 2 are rows row0 + r of W (gate),
// rows r >= NROWS / 2 the rows pc.glu_up + row0 + r - NROWS / 2 (up), and
//   y[row0 + r] = silu(g) * u   (g, u after FUSE's row scale),
// pc.rows counting the outputs; so the down projection reads silu(gate) * up once instead of every
// one of its workgroups computing it again (FUSE 2).
//
// Per type: TPB, BLOCK_UNITS (block size in elements of the weight array), XBLOCK (vec4s of x per
// block), UNROLL, RAW (one thread's slice of one block, as loaded), load_raw(block offset, part)
// and process(block, part, raw[NROWS]) (decode + multiply-add into acc).
#extension GL_EXT_shader_16bit_storage : require
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_arithmetic : require
layout(local_size_x_id = 0) in;

// X8_INLINE (variants matvecx8i_*, plan.use_matvec_x8 with matvec_x8_inline; Q4_K / Q6_K with
// matvec_x8_inline = 2): the
// integer-dot arithmetic of matvec_x8.comp without its separate quantize_x8 dispatch. Each thread
// quantizes the 8 x values of its slice (already transformed by FUSE) to int8 with their own scale,
//   d_x = max|x_i| / 127, q_i = roundEven(x_i / d_x),
// shared by the NROWS rows, and multiplies them 4 at a time (OpSDot) with the weight bytes /
// nibbles as stored: per row and slice d_w d_x (sdot(w0, q0) + sdot(w1, q1) - offset sum q)
// (Q4_0 offset 8, sum q by an SDot with 0x01010101; Q8_0 none). The x side costs ~1 instruction per
// weight at 4 rows; the decode of the weights is 2 SDots per 8 instead of 8 FMAs and the nibble
// arithmetic. Error: each x within d_x / 2 of its value (|y - Wx| <= sum |w| d_x / 2), the
// 8-element scale making it at most that of quantize_x8's 32-element blocks.
#ifdef X8_INLINE
#extension GL_EXT_spirv_intrinsics : require
// OpSDot (4450), PackedVectorFormat4x8Bit (0); capabilities DotProduct (6019),
// DotProductInput4x8BitPacked (6018) (as matvec_x8.comp)
spirv_instruction(extensions = ["SPV_KHR_integer_dot_product"], capabilities = [6019, 6018], id = 4450)
int sdot4(uint a, uint b, spirv_literal int fmt);
#define DOT4(a, b) sdot4((a), (b), 0)
#endif

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
layout(std430, set = 0, binding = 1) readonly buffer X { vec4 xv[]; };
layout(std430, set = 0, binding = 2) buffer Y { float y[]; };
layout(std430, set = 0, binding = 3) readonly buffer AUX { vec4 aux[]; }; // FUSE: norm weight or up
layout(constant_id = 1) const uint FUSE = 0u; // 0 none, 1 RMSNorm (weight aux), 2 SwiGLU (up aux)
layout(constant_id = 2) const uint GLU = 0u;  // 1: gate / up row pairs, y = silu(gate) * up
// FIN (one column, one weight part, y of a multiple of 32 rows): after y is written, the last
// workgroup to arrive (counter cnt) quantizes y * aux (aux = the next RMSNorm's weight) in blocks of
// 32 (x8_block.glsl, as quantize_x8.comp) (int8 words, then (d, s) pairs from vec2 index fin_ds), stores
// inversesqrt(mean(y^2) + eps) in rscale and resets the counter: the x of the next matvecs,
// quantized once (matvec_x8.comp reads it).
// (variants *_fin: -DFINALIZE; bindings 4 and 5 exist only there)
#ifdef FINALIZE
#include "x8_block.glsl"
const uint FIN = 1u;
layout(std430, set = 0, binding = 2) coherent buffer YC { float yc[]; }; // y, as FIN reads it back
layout(std430, set = 0, binding = 4) writeonly buffer FQ { uint fq[]; };
layout(std430, set = 0, binding = 4) writeonly buffer FD { vec2 fd[]; };
layout(std430, set = 0, binding = 5) coherent buffer FC { uint cnt; float rscale; };
shared bool s_last;
#else
const uint FIN = 0u;
#endif
layout(push_constant) uniform Push {
  uint rows;       // rows of this part
  uint row_units;  // row bytes / 2 (Q4_K: / 16): row stride in elements of the weight array
  uint nb;         // blocks per row
  uint y_base;     // index in y of this part's first row
  uint y_stride;   // floats between the columns of y
  uint x_stride4;  // vec4s between the columns of x
  uint accumulate; // 1: y += W x
  uint ncols;      // real columns (1..NCOLS)
  float eps;       // FUSE 1
  uint glu_up;     // GLU: the first up row (gate row r pairs with up row glu_up + r)
  uint fin_ds;     // FIN: vec2 index of the (d, s) pair of block 0
} pc;

const uint WG = gl_WorkGroupSize.x;
const uint NP = NROWS * NCOLS;
const uint NPS = NP + 1u; // the dot products and the sum of squares (FUSE 1)
shared float red[((WG + 3u) / 4u) * NPS]; // one slot per subgroup (subgroups have >= 4 invocations)

float acc[NROWS][NCOLS];
uint xc[NCOLS]; // vec4 index of column n of x
#define RED_STRIDE NPS
#include "matvec_glu.glsl"
float ssq = 0.0; // FUSE 1: this thread's share of sum x^2 (column 0)

// x as the kernel uses it (vec4 i of column n; FUSE needs one column, so i is the vec4 index in x)
vec4 xload(uint i, uint n) {
  vec4 v = xv[i];
  if (FUSE == 1u) {
    if (n == 0u) ssq += dot(v, v);
    return v * aux[i];
  }
  if (FUSE == 2u) return v / (1.0 + exp(-v)) * aux[i];
  return v;
}

// Bytes to floats without integer conversions (quarter rate on NVIDIA): 0x4B000000 | b is the
// float 2^23 + b (b < 2^23); one FADD removes the offset (and a bias folded into it).
#define U2F(b) uintBitsToFloat((b) | 0x4B000000u)
#define SHIFTS4 uvec4(0u, 8u, 16u, 24u)
// Weight fields without any per-element offset subtraction: a field f of B bits moved to the top
// of the mantissa of 1.0 (one shift, one and-or) is the float 1 + f / 2^B, exactly; then
//   sum_i (1 + f_i / 2^B) x_i = sum_i x_i + 2^-B sum_i f_i x_i,
// so sum_i f_i x_i = 2^B (dot - sum x), and the sum of x (per column) is shared by all the rows.
// The four fields of a word (bytes 0..3 of w) moved to the top of the mantissa with literal
// shifts (left for fields below the target bit, right above), so the SPIR-V has no branch:
#define ONE_F 0x3F800000u
#define MASK4 0x00780000u // 4-bit fields at bits 19..22: 1 + f / 16
#define MASK6 0x007E0000u // 6-bit fields at bits 17..22: 1 + f / 64
#define MASK8 0x007F8000u // 8-bit fields at bits 15..22: 1 + f / 256
#define AS_FIELDS(v, mask) uintBitsToFloat(((v) & (mask)) | ONE_F)
// Both nibbles of each byte from one shifted word (4 shifts for 8 fields, not 8): byte k moved so
// its high nibble sits at bits 19..22 (1 + f / 16) and its low nibble at bits 15..18: 1 + f / 256,
// so sum_i f_i x_i = 256 (dot - sum x) for the low nibbles. The lower field position costs
// precision in that subtraction (4 bits more than at 19..22, as Q8_0's fields at 15..22): 1-3e-6
// of sum |w x| against the CPU reference (measured on lavapipe), inside the tests' 3e-5.
#define MASK4L 0x00078000u // 4-bit fields at bits 15..18: 1 + f / 256
void nibbles_pair(uint w, out vec4 lo, out vec4 hi) {
  uvec4 v = uvec4(w << 15u, w << 7u, w >> 1u, w >> 9u);
  lo = AS_FIELDS(v, MASK4L);
  hi = AS_FIELDS(v, MASK4);
}
vec4 bytes4(uint w) { return AS_FIELDS(uvec4(w << 15u, w << 7u, w >> 1u, w >> 9u), MASK8); }      // bits 8k..8k+7
vec4 sixes4(uint w) { return AS_FIELDS(uvec4(w << 17u, w << 9u, w << 1u, w >> 7u), MASK6); }      // bits 8k..8k+5

#ifdef X8_INLINE
// v (|v| <= 127.0) rounded to the nearest integer, as 4 int8 bytes: adding 1.5 * 2^23 leaves
// roundEven(v) in the low mantissa bits (the add is correctly rounded; a fused multiply-add with
// the scaling is exact before its one rounding), whose low byte is its two's complement.
uint pack_q8(vec4 v) {
  uvec4 b = floatBitsToUint(v + 12582912.0) & 0xffu;
  return b.x | (b.y << 8u) | (b.z << 16u) | (b.w << 24u);
}
// A small int (|i| < 2^22) as float without an integer conversion (quarter rate on NVIDIA).
float i2f(int i) { return uintBitsToFloat(uint(i + 0x4B400000)) - 12582912.0; }
// 1 / max |v| * 127 and max |v| / 127 of the values whose absolute maximum is m (0, 0 for m = 0)
vec2 x8_scales(float amax) { return amax > 0.0 ? vec2(127.0 / amax, amax * (1.0 / 127.0)) : vec2(0.0); }
float vmax(vec4 v) { return max(max(v.x, v.y), max(v.z, v.w)); }
#endif

#if defined(WTYPE_Q8_0) || defined(WTYPE_Q4_0)
#define TPB 4u
#define XBLOCK 8u
#if defined(WTYPE_Q8_0)
#define BLOCK_UNITS 17u
#define UNROLL 2u
#define RAW uvec3 // d, int8 x 4, int8 x 4 (8 consecutive elements from 8 * part)
RAW load_raw(uint o, uint part) {
  uint q = o + 1u + 4u * part;
  return uvec3(uint(w16[o]), uint(w16[q]) | (uint(w16[q + 1u]) << 16u),
               uint(w16[q + 2u]) | (uint(w16[q + 3u]) << 16u));
}
// q + 128 (sign bit flipped) as 1 + (q + 128) / 256: sum q x = 256 dot - 384 sum x (both halves)
#define FIELD_SCALE_A 256.0
#define FIELD_BIAS_A 384.0
#define FIELD_SCALE_B 256.0
#define FIELD_BIAS_B 384.0
// vec4 index (within the block's 8) of the first and second group of 4 elements
#define XA(part) (2u * (part))
#define XB(part) (2u * (part) + 1u)
void decode(RAW raw, out float d, out vec4 wa, out vec4 wb) {
  d = unpackHalf2x16(raw.x).x;
  wa = bytes4(raw.y ^ 0x80808080u);
  wb = bytes4(raw.z ^ 0x80808080u);
}
#else
#define BLOCK_UNITS 9u
#define UNROLL 4u
#define RAW uvec2 // d, bytes 4*part..4*part+3: low nibbles = elements 4p.., high = 16+4p..
RAW load_raw(uint o, uint part) {
  uint q = o + 1u + 2u * part;
  return uvec2(uint(w16[o]), uint(w16[q]) | (uint(w16[q + 1u]) << 16u));
}
#define XA(part) (part)
#define XB(part) ((part) + 4u)
// low nibble q as 1 + q / 256: sum (q - 8) x = 256 dot - 264 sum x; high nibble as 1 + q / 16:
// 16 dot - 24 sum x
#define FIELD_SCALE_A 256.0
#define FIELD_BIAS_A 264.0
#define FIELD_SCALE_B 16.0
#define FIELD_BIAS_B 24.0
void decode(RAW raw, out float d, out vec4 wa, out vec4 wb) {
  d = unpackHalf2x16(raw.x).x;
  nibbles_pair(raw.y, wa, wb);
}
#endif

#ifdef X8_INLINE
void process(uint blk, uint part, RAW raw[NROWS]) {
  float d[NROWS];
  [[unroll]] for (uint r = 0u; r < NROWS; r++) d[r] = unpackHalf2x16(raw[r].x).x;
  uint xo = blk * XBLOCK;
  [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
    vec4 xa = xload(xc[n] + xo + XA(part), n), xb = xload(xc[n] + xo + XB(part), n);
    vec4 m = max(abs(xa), abs(xb));
    float amax = max(max(m.x, m.y), max(m.z, m.w));
    float id = amax > 0.0 ? 127.0 / amax : 0.0, dx = amax * (1.0 / 127.0);
    uint qa = pack_q8(xa * id), qb = pack_q8(xb * id);
#if defined(WTYPE_Q4_0)
    int off = 8 * (DOT4(qa, 0x01010101u) + DOT4(qb, 0x01010101u));
#endif
    [[unroll]] for (uint r = 0u; r < NROWS; r++) {
#if defined(WTYPE_Q8_0)
      int i = DOT4(raw[r].y, qa) + DOT4(raw[r].z, qb);
#else
      int i = DOT4(raw[r].y & 0x0f0f0f0fu, qa) + DOT4((raw[r].y >> 4u) & 0x0f0f0f0fu, qb) - off;
#endif
      acc[r][n] += (d[r] * dx) * i2f(i);
    }
  }
}
#else
// Adds block blk of the NROWS rows (already loaded) to acc.
void process(uint blk, uint part, RAW raw[NROWS]) {
  float d[NROWS];
  vec4 wa[NROWS], wb[NROWS];
  [[unroll]] for (uint r = 0u; r < NROWS; r++) decode(raw[r], d[r], wa[r], wb[r]);
  uint xo = blk * XBLOCK;
  [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
    vec4 xa = xload(xc[n] + xo + XA(part), n), xb = xload(xc[n] + xo + XB(part), n);
    float sx = FIELD_BIAS_A * dot(xa, vec4(1.0)) + FIELD_BIAS_B * dot(xb, vec4(1.0));
    [[unroll]] for (uint r = 0u; r < NROWS; r++)
      acc[r][n] += d[r] * (FIELD_SCALE_A * dot(wa[r], xa) + FIELD_SCALE_B * dot(wb[r], xb) - sx);
  }
}
#endif // X8_INLINE

#elif defined(WTYPE_Q4_K)
// 144-byte super-block = 9 uvec4: [0] = d, dmin (f16), 12 bytes of 6-bit scales/mins; [1..8] = 4
// chunks of 32 qs bytes, chunk c: low nibbles = sub-block 2c (elements 64c + l), high = 2c + 1
// (64c + 32 + l). Thread part p: chunk c = p / 2, half h = p % 2 -> uvec4 [1 + p] = 16 bytes =
// elements 64c + 16h + i (low) and 64c + 32 + 16h + i (high), i < 16; scales/mins of sub-blocks
// 2c, 2c + 1 from the header, min terms applied once per slice through sum(x).
#define TPB 8u
#define XBLOCK 64u
#define BLOCK_UNITS 9u
#define UNROLL 2u
struct RAW {
  uvec4 hdr;
  uvec4 qs;
};
RAW load_raw(uint o, uint part) { return RAW(w4[o], w4[o + 1u + part]); }

// (256 d sc0, 16 d sc1, 256 d sc0 + dmin m0, 16 d sc1 + dmin m1) of sub-blocks 2c, 2c + 1, c = part / 2:
// with nibbles decoded as 1 + q / S (S = 256 for the low nibbles, 16 for the high ones:
// nibbles_pair; dot = sum x + sum q x / S), a sub-block contributes
// d sc sum q x - dmin m sum x = S d sc dot - (S d sc + dmin m) sum x.
vec4 q4k_scales(uvec4 hdr, uint part) {
  uint c = part >> 1u, s = 16u * (c & 1u);
  // 16-bit pairs of scale bytes 2k.., 4 + 2k.., 8 + 2k.. (k = c & 1)
  uint a = hdr.y >> s, b = hdr.z >> s, e = hdr.w >> s;
  // c < 2: 6 low bits of a (scales) and b (mins); c >= 2: 4 bits from e, 2 high bits of a / b
  uint sc = c < 2u ? a & 0x3f3fu : (e & 0x0f0fu) | ((a >> 2u) & 0x3030u);
  uint mn = c < 2u ? b & 0x3f3fu : ((e >> 4u) & 0x0f0fu) | ((b >> 2u) & 0x3030u);
  vec4 q = U2F(uvec4(sc, sc >> 8u, mn, mn >> 8u) & 0xffu) - 8388608.0;
  vec2 dm = unpackHalf2x16(hdr.x);
  vec2 s16 = vec2(256.0, 16.0) * dm.x * q.xy;
  return vec4(s16, s16 + dm.y * q.zw);
}

#ifdef X8_INLINE
// X8_INLINE: (d sc0, d sc1, dmin m0, dmin m1) of sub-blocks 2c, 2c + 1, c = part / 2. The thread's
// 16 x values of each sub-block are quantized with their own scale (dl, dh); a sub-block adds
// d sc d_x sdot(q_w, q_x) - dmin m d_x sum q_x (the min term through the quantized x too, so the
// error is that of the rounded x against the dequantized weights).
vec4 q4k_scales_x8(uvec4 hdr, uint part) {
  uint c = part >> 1u, s = 16u * (c & 1u);
  uint a = hdr.y >> s, b = hdr.z >> s, e = hdr.w >> s;
  uint sc = c < 2u ? a & 0x3f3fu : (e & 0x0f0fu) | ((a >> 2u) & 0x3030u);
  uint mn = c < 2u ? b & 0x3f3fu : ((e >> 4u) & 0x0f0fu) | ((b >> 2u) & 0x3030u);
  vec4 q = U2F(uvec4(sc, sc >> 8u, mn, mn >> 8u) & 0xffu) - 8388608.0;
  vec2 dm = unpackHalf2x16(hdr.x);
  return vec4(dm.x * q.xy, dm.y * q.zw);
}

void process(uint blk, uint part, RAW raw[NROWS]) {
  vec4 f[NROWS];
  [[unroll]] for (uint r = 0u; r < NROWS; r++) f[r] = q4k_scales_x8(raw[r].hdr, part);
  uint xo = blk * XBLOCK + 16u * (part >> 1u) + 4u * (part & 1u);
  [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
    vec4 xl[4], xh[4];
    [[unroll]] for (uint i = 0u; i < 4u; i++) {
      xl[i] = xload(xc[n] + xo + i, n);
      xh[i] = xload(xc[n] + xo + 8u + i, n);
    }
    vec2 sl = x8_scales(vmax(max(max(abs(xl[0]), abs(xl[1])), max(abs(xl[2]), abs(xl[3])))));
    vec2 sh = x8_scales(vmax(max(max(abs(xh[0]), abs(xh[1])), max(abs(xh[2]), abs(xh[3])))));
    uint ql[4], qh[4];
    int suml = 0, sumh = 0;
    [[unroll]] for (uint i = 0u; i < 4u; i++) {
      ql[i] = pack_q8(xl[i] * sl.x);
      qh[i] = pack_q8(xh[i] * sh.x);
      suml += DOT4(ql[i], 0x01010101u);
      sumh += DOT4(qh[i], 0x01010101u);
    }
    vec2 ms = vec2(sl.y * i2f(suml), sh.y * i2f(sumh)); // sum of the quantized x of each half
    [[unroll]] for (uint r = 0u; r < NROWS; r++) {
      int il = 0, ih = 0;
      [[unroll]] for (uint i = 0u; i < 4u; i++) {
        uint w = raw[r].qs[i];
        il += DOT4(w & 0x0f0f0f0fu, ql[i]);
        ih += DOT4((w >> 4u) & 0x0f0f0f0fu, qh[i]);
      }
      acc[r][n] += (f[r].x * sl.y) * i2f(il) + (f[r].y * sh.y) * i2f(ih) - dot(f[r].zw, ms);
    }
  }
}
#else
void process(uint blk, uint part, RAW raw[NROWS]) {
  vec4 f[NROWS], lo[NROWS][4], hi[NROWS][4];
  [[unroll]] for (uint r = 0u; r < NROWS; r++) {
    f[r] = q4k_scales(raw[r].hdr, part);
    [[unroll]] for (uint i = 0u; i < 4u; i++) nibbles_pair(raw[r].qs[i], lo[r][i], hi[r][i]);
  }
  uint xo = blk * XBLOCK + 16u * (part >> 1u) + 4u * (part & 1u);
  [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
    vec4 xl[4], xh[4];
    [[unroll]] for (uint i = 0u; i < 4u; i++) {
      xl[i] = xload(xc[n] + xo + i, n);
      xh[i] = xload(xc[n] + xo + 8u + i, n);
    }
    float sl = dot(xl[0] + xl[1] + xl[2] + xl[3], vec4(1.0));
    float sh = dot(xh[0] + xh[1] + xh[2] + xh[3], vec4(1.0));
    [[unroll]] for (uint r = 0u; r < NROWS; r++) {
      float dl = dot(lo[r][0], xl[0]) + dot(lo[r][1], xl[1]) + dot(lo[r][2], xl[2]) + dot(lo[r][3], xl[3]);
      float dh = dot(hi[r][0], xh[0]) + dot(hi[r][1], xh[1]) + dot(hi[r][2], xh[2]) + dot(hi[r][3], xh[3]);
      acc[r][n] += f[r].x * dl + f[r].y * dh - f[r].z * sl - f[r].w * sh;
    }
  }
}
#endif // X8_INLINE

#elif defined(WTYPE_Q6_K)
// 210-byte super-block = 105 uint16: ql[128] (u16 0..63), qh[64] (64..95), 16 int8 scales
// (96..103), f16 d (104). Element e = 128h + 32g + l (g < 4, l < 32): 4 low bits from ql byte
// 64h + 32(g & 1) + l (nibble g >> 1), 2 high bits from qh byte 32h + l (bits 2g), scale byte e / 16.
// Thread part s: h = s / 4, l0 = 8 (s % 4) -> 32 elements 128h + 32g + l0 + i (i < 8): 8 ql bytes
// at 64h + l0 and at 64h + 32 + l0, 8 qh bytes, the 4 scale bytes 8h + 2g + l0 / 16 (= byte l0 / 16
// of u16 96 + 4h + g), d.
#define TPB 8u
#define XBLOCK 64u
#define BLOCK_UNITS 105u
#define UNROLL 2u
struct RAW {
  uvec4 ql; // 4 bytes at 64h + l0, + 4, then at 64h + 32 + l0, + 4
  uvec4 qs; // qh 4 bytes at 32h + l0, + 4; scale u16 pairs (g 0, 1), (g 2, 3)
  uint d;
};
uint ld32(uint o) { return uint(w16[o]) | (uint(w16[o + 1u]) << 16u); }
RAW load_raw(uint o, uint part) {
  uint h = part >> 2u, l2 = 4u * (part & 3u); // l0 / 2
  uint a = o + 32u * h + l2, q = o + 64u + 16u * h + l2, s = o + 96u + 4u * h;
  return RAW(uvec4(ld32(a), ld32(a + 2u), ld32(a + 16u), ld32(a + 18u)),
             uvec4(ld32(q), ld32(q + 2u), ld32(s), ld32(s + 2u)), uint(w16[o + 104u]));
}

#ifdef X8_INLINE
// X8_INLINE: each group g of 8 x values quantized with its own scale d_g (one int8 weight scale
// per group too); per row sum_g d sc_g d_g (sdot(q_w, q_x) - 32 sum q_x), q_w the 6-bit values as
// stored (0..63, a non-negative int8).
void process(uint blk, uint part, RAW raw[NROWS]) {
  vec4 f[NROWS];
  uint q[NROWS][4][2];
  uint bs = 8u * ((part & 3u) >> 1u);
  [[unroll]] for (uint r = 0u; r < NROWS; r++) {
    uint s01 = raw[r].qs.z >> bs, s23 = raw[r].qs.w >> bs;
    vec4 sc = U2F((uvec4(s01, s01 >> 16u, s23, s23 >> 16u) & 0xffu) ^ 0x80u) - 8388736.0;
    f[r] = unpackHalf2x16(raw[r].d).x * sc;
    [[unroll]] for (uint g = 0u; g < 4u; g++)
      [[unroll]] for (uint j = 0u; j < 2u; j++) {
        uint l = raw[r].ql[2u * (g & 1u) + j], qh = raw[r].qs[j];
        q[r][g][j] = ((l >> (4u * (g >> 1u))) & 0x0f0f0f0fu) | (((qh >> (2u * g)) & 0x03030303u) << 4u);
      }
  }
  uint xo = blk * XBLOCK + 32u * (part >> 2u) + 2u * (part & 3u);
  [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
    uint xq[4][2];
    vec4 dx;
    int off[4];
    [[unroll]] for (uint g = 0u; g < 4u; g++) {
      vec4 a = xload(xc[n] + xo + 8u * g, n), b = xload(xc[n] + xo + 8u * g + 1u, n);
      vec2 sg = x8_scales(vmax(max(abs(a), abs(b))));
      xq[g][0] = pack_q8(a * sg.x);
      xq[g][1] = pack_q8(b * sg.x);
      dx[g] = sg.y;
      off[g] = 32 * (DOT4(xq[g][0], 0x01010101u) + DOT4(xq[g][1], 0x01010101u));
    }
    [[unroll]] for (uint r = 0u; r < NROWS; r++) {
      vec4 p;
      [[unroll]] for (uint g = 0u; g < 4u; g++)
        p[g] = i2f(DOT4(q[r][g][0], xq[g][0]) + DOT4(q[r][g][1], xq[g][1]) - off[g]);
      acc[r][n] += dot(f[r] * dx, p);
    }
  }
}
#else
void process(uint blk, uint part, RAW raw[NROWS]) {
  vec4 f[NROWS], v[NROWS][4][2];
  uint bs = 8u * ((part & 3u) >> 1u); // l0 / 16 selects the low or high byte of each scale u16
  [[unroll]] for (uint r = 0u; r < NROWS; r++) {
    uint s01 = raw[r].qs.z >> bs, s23 = raw[r].qs.w >> bs;
    // int8 scales: sign bit flipped -> 2^23 + 128 + sc, one FADD removes the offset
    vec4 sc = U2F((uvec4(s01, s01 >> 16u, s23, s23 >> 16u) & 0xffu) ^ 0x80u) - 8388736.0;
    f[r] = unpackHalf2x16(raw[r].d).x * sc;
    [[unroll]] for (uint g = 0u; g < 4u; g++)
      [[unroll]] for (uint j = 0u; j < 2u; j++) {
        uint l = raw[r].ql[2u * (g & 1u) + j], qh = raw[r].qs[j];
        // 4 elements' 6-bit q at once (byte lanes), then q - 32 as floats
        uint q = ((l >> (4u * (g >> 1u))) & 0x0f0f0f0fu) | (((qh >> (2u * g)) & 0x03030303u) << 4u);
        v[r][g][j] = sixes4(q); // 1 + q / 64: sum (q - 32) x = 64 dot - 96 sum x
      }
  }
  uint xo = blk * XBLOCK + 32u * (part >> 2u) + 2u * (part & 3u);
  [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
    vec4 xg[4][2];
    [[unroll]] for (uint g = 0u; g < 4u; g++)
      [[unroll]] for (uint j = 0u; j < 2u; j++) xg[g][j] = xload(xc[n] + xo + 8u * g + j, n);
    vec4 sg; // 96 x the sum of x of each group of 8
    [[unroll]] for (uint g = 0u; g < 4u; g++) sg[g] = 96.0 * dot(xg[g][0] + xg[g][1], vec4(1.0));
    [[unroll]] for (uint r = 0u; r < NROWS; r++) {
      vec4 p;
      [[unroll]] for (uint g = 0u; g < 4u; g++) p[g] = dot(v[r][g][0], xg[g][0]) + dot(v[r][g][1], xg[g][1]);
      acc[r][n] += dot(f[r], 64.0 * p - sg);
    }
  }
}
#endif // X8_INLINE

#else
#error "matvec_q16.comp: define WTYPE_Q8_0, WTYPE_Q4_0, WTYPE_Q4_K or WTYPE_Q6_K"
#endif

#ifdef FINALIZE
void store_y(uint o, float v) { yc[o] = v; }

// FIN: the last of n_groups workgroups quantizes y * aux (see FIN above)
void finalize(uint tid, uint n_groups) {
  memoryBarrierBuffer();
  barrier();
  if (tid == 0u) s_last = atomicAdd(cnt, 1u) == n_groups - 1u;
  barrier();
  if (!s_last) return; // uniform
  memoryBarrierBuffer();
  float ss = 0.0;
  for (uint b = tid; b < pc.rows / 32u; b += WG) {
    vec4 v[8];
    [[unroll]] for (uint i = 0u; i < 8u; i++) {
      uint e = pc.y_base + 32u * b + 4u * i;
      vec4 t = vec4(yc[e], yc[e + 1u], yc[e + 2u], yc[e + 3u]);
      ss += dot(t, t);
      v[i] = t * aux[8u * b + i];
    }
    uint w[8];
    vec2 dsb;
    x8_quantize_block(v, w, dsb);
    [[unroll]] for (uint i = 0u; i < 8u; i++) fq[8u * b + i] = w[i];
    fd[pc.fin_ds + b] = dsb;
  }
  ss = subgroupAdd(ss);
  if (gl_NumSubgroups > 1u) {
    barrier(); // red is free again (every read of it above is done)
    if (gl_SubgroupInvocationID == 0u) red[gl_SubgroupID] = ss;
    barrier();
    ss = 0.0;
    for (uint g = 0u; g < gl_NumSubgroups; g++) ss += red[g];
  }
  if (tid == 0u) {
    rscale = inversesqrt(ss / float(pc.rows) + pc.eps);
    cnt = 0u;
  }
}
#else
void store_y(uint o, float v) { y[o] = v; }
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
  [[unroll]] for (uint n = 0u; n < NCOLS; n++) xc[n] = min(n, pc.ncols - 1u) * pc.x_stride4;
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
  // FUSE 1: the row scale 1 / rms(x) from every thread's sum of squares
  float scale = 1.0;
  if (FUSE == 1u) {
    float ss = subgroupAdd(ssq);
    if (!one) {
      if (gl_SubgroupInvocationID == 0u) red[gl_SubgroupID * NPS + NP] = ss;
      barrier();
      ss = 0.0;
      for (uint g = 0u; g < gl_NumSubgroups; g++) ss += red[g * NPS + NP];
    }
    scale = inversesqrt(ss / float(pc.nb * XBLOCK * 4u) + pc.eps);
  }
  if (GLU != 0u) { // column 0 only: the pairs' sums, then silu(g) * u
    glu_store(tid, row0, HR, scale, one);
    return;
  }
  [[unroll]] for (uint r = 0u; r < NROWS; r++)
    [[unroll]] for (uint n = 0u; n < NCOLS; n++) {
      float s = subgroupAdd(acc[r][n]);
      if (gl_SubgroupInvocationID == 0u) {
        if (!one) {
          red[gl_SubgroupID * NPS + r * NCOLS + n] = s;
        } else if (row0 + r < pc.rows && n < pc.ncols) {
          uint o = n * pc.y_stride + pc.y_base + row0 + r;
          s *= scale;
          store_y(o, pc.accumulate != 0u ? y[o] + s : s);
        }
      }
    }
  if (!one) {
    barrier();
    for (uint i = tid; i < NP; i += WG) {
      float s = 0.0;
      for (uint g = 0u; g < gl_NumSubgroups; g++) s += red[g * NPS + i];
      s *= scale;
      uint r = i / NCOLS, n = i % NCOLS;
      if (row0 + r < pc.rows && n < pc.ncols) {
        uint o = n * pc.y_stride + pc.y_base + row0 + r;
        store_y(o, pc.accumulate != 0u ? y[o] + s : s);
      }
    }
  }
#ifdef FINALIZE
  finalize(tid, (pc.rows + HR - 1u) / HR);
#endif
}
