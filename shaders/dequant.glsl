// Decoding of GGUF weight blocks from a uint-word view of a weight buffer.
//
// Include contract: before #include "dequant.glsl" define
//   DQ_WORD(i)  an expression reading uint word i (byte 4*i) of the weight buffer, and
//   one of WTYPE_F32, WTYPE_F16, WTYPE_BF16, WTYPE_Q8_0, WTYPE_Q4_0, WTYPE_Q4_K, WTYPE_Q6_K.
// Optionally DQ_VEC4(i) reading uvec4 i (byte 16*i) for 16-byte loads (default: 4 words).
// The buffer must hold whole words past the last byte read (lil_weight pads parts to 16 bytes).
// Byte offsets are uint (a binding is < 4 GiB); rows start at row * row_bytes from the binding.
//
// Two interfaces:
//  * element access (any kernel): dq_elem(row_byte, c) -> element c of the row starting at byte
//    row_byte; dq_vec4(row_byte, c) -> elements c..c+3 (c % 4 == 0, c + 3 < cols);
//    dq_vec8(row_byte, c, lo, hi) -> elements c..c+7 (c % 8 == 0, c + 7 < cols) with fewer loads
//    than two dq_vec4; dq_load8(row_byte, c, cols, v) -> the same into float v[8], zero at or past
//    cols (no byte past the row is read); dq_row_bytes(cols) -> bytes per row (packed GGUF rows).
//  * units (the matvec's coalesced path): a row is cut into units of DQ_UNIT_ELEMS elements that
//    consecutive threads load from consecutive bytes (several threads per quantized block).
//    dq_load_unit(row_byte, u) loads unit u (u < dq_units(cols)); dq_unit_vec4(w, v) decodes its
//    v-th group of 4 consecutive elements (v < DQ_NV, unroll so v is constant), which start at
//    column dq_unit_col(u, v). For float types units need 16-byte aligned rows: cols % DQ_UNIT_ELEMS
//    == 0 (dq_units_ok); quantized types always qualify.
#ifndef LIL_DEQUANT_GLSL
#define LIL_DEQUANT_GLSL

#ifndef DQ_VEC4
#define DQ_VEC4(i) uvec4(DQ_WORD(4u * (i)), DQ_WORD(4u * (i) + 1u), DQ_WORD(4u * (i) + 2u), DQ_WORD(4u * (i) + 3u))
#endif

// 4 bytes at any byte offset (one word when 4-aligned, else two).
uint dq_u32(uint b) {
  uint w = b >> 2u;
  if ((b & 3u) == 0u) return DQ_WORD(w);
  uint s = (b & 3u) * 8u;
  return (DQ_WORD(w) >> s) | (DQ_WORD(w + 1u) << (32u - s));
}
// 8 bytes at any byte offset.
uvec2 dq_u64(uint b) {
  uint w = b >> 2u;
  if ((b & 3u) == 0u) return uvec2(DQ_WORD(w), DQ_WORD(w + 1u));
  uint s = (b & 3u) * 8u;
  uint w0 = DQ_WORD(w), w1 = DQ_WORD(w + 1u), w2 = DQ_WORD(w + 2u);
  return uvec2((w0 >> s) | (w1 << (32u - s)), (w1 >> s) | (w2 << (32u - s)));
}
// 16 bytes at any byte offset.
uvec4 dq_u128(uint b) {
  uint w = b >> 2u;
  if ((b & 3u) == 0u) return uvec4(DQ_WORD(w), DQ_WORD(w + 1u), DQ_WORD(w + 2u), DQ_WORD(w + 3u));
  uint s = (b & 3u) * 8u;
  uint w0 = DQ_WORD(w), w1 = DQ_WORD(w + 1u), w2 = DQ_WORD(w + 2u), w3 = DQ_WORD(w + 3u), w4 = DQ_WORD(w + 4u);
  return (uvec4(w0, w1, w2, w3) >> s) | (uvec4(w1, w2, w3, w4) << (32u - s));
}
uint dq_u16(uint b) { return (DQ_WORD(b >> 2u) >> ((b & 2u) * 8u)) & 0xffffu; }
uint dq_u8(uint b) { return (DQ_WORD(b >> 2u) >> ((b & 3u) * 8u)) & 0xffu; }
float dq_half(uint b) { return unpackHalf2x16(dq_u16(b)).x; }
// The four bytes of w as signed / unsigned integers.
vec4 dq_s8x4(uint w) { return vec4(ivec4(uvec4(w) << uvec4(24u, 16u, 8u, 0u)) >> 24); }
vec4 dq_nib_lo(uint w) { return vec4((uvec4(w) >> uvec4(0u, 8u, 16u, 24u)) & 15u); }
vec4 dq_nib_hi(uint w) { return vec4((uvec4(w) >> uvec4(4u, 12u, 20u, 28u)) & 15u); }
vec2 dq_bf16x2(uint w) { return vec2(uintBitsToFloat(w << 16u), uintBitsToFloat(w & 0xffff0000u)); }

// Q4_K: 6-bit (scale, min) of sub-block j from the 12 packed bytes starting at byte sb.
uvec2 dq_q4k_scale_min(uint sb, uint j) {
  if (j < 4u) return uvec2(dq_u8(sb + j) & 63u, dq_u8(sb + j + 4u) & 63u);
  uint hi = dq_u8(sb + j + 4u);
  return uvec2((hi & 15u) | ((dq_u8(sb + j - 4u) >> 6u) << 4u), (hi >> 4u) | ((dq_u8(sb + j) >> 6u) << 4u));
}
// Same from the block's first 16 bytes already loaded (scales in hdr.yzw).
uint dq_hdr_byte(uvec4 hdr, uint i) { return (hdr[1u + (i >> 2u)] >> ((i & 3u) * 8u)) & 0xffu; }
uvec2 dq_q4k_scale_min_hdr(uvec4 hdr, uint j) {
  if (j < 4u) return uvec2(dq_hdr_byte(hdr, j) & 63u, dq_hdr_byte(hdr, j + 4u) & 63u);
  uint hi = dq_hdr_byte(hdr, j + 4u);
  return uvec2((hi & 15u) | ((dq_hdr_byte(hdr, j - 4u) >> 6u) << 4u),
               (hi >> 4u) | ((dq_hdr_byte(hdr, j) >> 6u) << 4u));
}

struct dq_unit {
  uvec4 a;
  uvec4 b;
  vec4 f;
};

#if defined(WTYPE_F32)
#define DQ_BLOCK_ELEMS 1u
#define DQ_BLOCK_BYTES 4u
#define DQ_UNIT_ELEMS 4u
#define DQ_NV 1u
uint dq_units(uint cols) { return cols / 4u; }
bool dq_units_ok(uint cols) { return (cols & 3u) == 0u; }
float dq_elem(uint rb, uint c) { return uintBitsToFloat(DQ_WORD((rb >> 2u) + c)); }
vec4 dq_vec4(uint rb, uint c) {
  uint w = (rb >> 2u) + c;
  return uintBitsToFloat(uvec4(DQ_WORD(w), DQ_WORD(w + 1u), DQ_WORD(w + 2u), DQ_WORD(w + 3u)));
}
void dq_vec8(uint rb, uint c, out vec4 lo, out vec4 hi) {
  lo = dq_vec4(rb, c);
  hi = dq_vec4(rb, c + 4u);
}
dq_unit dq_load_unit(uint rb, uint u) { return dq_unit(DQ_VEC4((rb >> 4u) + u), uvec4(0u), vec4(0.0)); }
vec4 dq_unit_vec4(dq_unit w, uint v) { return uintBitsToFloat(w.a); }
uint dq_unit_col(uint u, uint v) { return 4u * u; }

#elif defined(WTYPE_F16) || defined(WTYPE_BF16)
#define DQ_BLOCK_ELEMS 1u
#define DQ_BLOCK_BYTES 2u
#define DQ_UNIT_ELEMS 8u
#define DQ_NV 2u
#ifdef WTYPE_F16
vec2 dq_pair(uint w) { return unpackHalf2x16(w); }
float dq_elem(uint rb, uint c) { return dq_half(rb + 2u * c); }
#else
vec2 dq_pair(uint w) { return dq_bf16x2(w); }
float dq_elem(uint rb, uint c) { return uintBitsToFloat(dq_u16(rb + 2u * c) << 16u); }
#endif
uint dq_units(uint cols) { return cols / 8u; }
bool dq_units_ok(uint cols) { return (cols & 7u) == 0u; }
vec4 dq_vec4(uint rb, uint c) {
  uvec2 q = dq_u64(rb + 2u * c);
  return vec4(dq_pair(q.x), dq_pair(q.y));
}
void dq_vec8(uint rb, uint c, out vec4 lo, out vec4 hi) {
  uvec4 q = dq_u128(rb + 2u * c);
  lo = vec4(dq_pair(q.x), dq_pair(q.y));
  hi = vec4(dq_pair(q.z), dq_pair(q.w));
}
dq_unit dq_load_unit(uint rb, uint u) { return dq_unit(DQ_VEC4((rb >> 4u) + u), uvec4(0u), vec4(0.0)); }
vec4 dq_unit_vec4(dq_unit w, uint v) { return vec4(dq_pair(w.a[2u * v]), dq_pair(w.a[2u * v + 1u])); }
uint dq_unit_col(uint u, uint v) { return 8u * u + 4u * v; }

#elif defined(WTYPE_Q8_0)
// 4 threads per block, 8 elements (8 bytes of qs) each.
#define DQ_BLOCK_ELEMS 32u
#define DQ_BLOCK_BYTES 34u
#define DQ_UNIT_ELEMS 8u
#define DQ_NV 2u
uint dq_units(uint cols) { return cols / 8u; }
bool dq_units_ok(uint cols) { return true; }
float dq_elem(uint rb, uint c) {
  uint base = rb + (c >> 5u) * 34u;
  return dq_half(base) * float(int(dq_u8(base + 2u + (c & 31u)) << 24u) >> 24);
}
vec4 dq_vec4(uint rb, uint c) {
  uint base = rb + (c >> 5u) * 34u;
  return dq_half(base) * dq_s8x4(dq_u32(base + 2u + (c & 31u)));
}
void dq_vec8(uint rb, uint c, out vec4 lo, out vec4 hi) {
  uint base = rb + (c >> 5u) * 34u;
  float d = dq_half(base);
  uvec2 q = dq_u64(base + 2u + (c & 31u));
  lo = d * dq_s8x4(q.x);
  hi = d * dq_s8x4(q.y);
}
dq_unit dq_load_unit(uint rb, uint u) {
  uint base = rb + (u >> 2u) * 34u;
  return dq_unit(uvec4(dq_u64(base + 2u + 8u * (u & 3u)), 0u, 0u), uvec4(0u), vec4(dq_half(base)));
}
vec4 dq_unit_vec4(dq_unit w, uint v) { return w.f.x * dq_s8x4(w.a[v]); }
uint dq_unit_col(uint u, uint v) { return 8u * u + 4u * v; }

#elif defined(WTYPE_Q4_0)
// 2 threads per block, 8 bytes of qs (16 elements) each.
#define DQ_BLOCK_ELEMS 32u
#define DQ_BLOCK_BYTES 18u
#define DQ_UNIT_ELEMS 16u
#define DQ_NV 4u
uint dq_units(uint cols) { return cols / 16u; }
bool dq_units_ok(uint cols) { return true; }
float dq_elem(uint rb, uint c) {
  uint base = rb + (c >> 5u) * 18u, e = c & 31u;
  uint q = (dq_u8(base + 2u + (e & 15u)) >> ((e >> 4u) * 4u)) & 15u;
  return dq_half(base) * (float(q) - 8.0);
}
vec4 dq_vec4(uint rb, uint c) {
  uint base = rb + (c >> 5u) * 18u, e = c & 31u;
  uint w = dq_u32(base + 2u + (e & 15u));
  return dq_half(base) * ((e < 16u ? dq_nib_lo(w) : dq_nib_hi(w)) - 8.0);
}
void dq_vec8(uint rb, uint c, out vec4 lo, out vec4 hi) {
  uint base = rb + (c >> 5u) * 18u, e = c & 31u;
  float d = dq_half(base);
  uvec2 q = dq_u64(base + 2u + (e & 15u));
  lo = d * ((e < 16u ? dq_nib_lo(q.x) : dq_nib_hi(q.x)) - 8.0);
  hi = d * ((e < 16u ? dq_nib_lo(q.y) : dq_nib_hi(q.y)) - 8.0);
}
dq_unit dq_load_unit(uint rb, uint u) {
  uint base = rb + (u >> 1u) * 18u;
  float d = dq_half(base);
  return dq_unit(uvec4(dq_u64(base + 2u + 8u * (u & 1u)), 0u, 0u), uvec4(0u), vec4(d, -8.0 * d, 0.0, 0.0));
}
vec4 dq_unit_vec4(dq_unit w, uint v) {
  vec4 q = v < 2u ? dq_nib_lo(w.a[v & 1u]) : dq_nib_hi(w.a[v & 1u]);
  return q * w.f.x + w.f.y;
}
uint dq_unit_col(uint u, uint v) { return 32u * (u >> 1u) + 8u * (u & 1u) + 4u * (v & 1u) + 16u * (v >> 1u); }

#elif defined(WTYPE_Q4_K)
// 8 threads per 144-byte block (16-byte aligned in a row): each loads the 16-byte header
// (broadcast) and 16 bytes of qs = 16 low nibbles (sub-block 2j) + 16 high (sub-block 2j+1).
#define DQ_BLOCK_ELEMS 256u
#define DQ_BLOCK_BYTES 144u
#define DQ_UNIT_ELEMS 32u
#define DQ_NV 8u
uint dq_units(uint cols) { return cols / 32u; }
bool dq_units_ok(uint cols) { return true; }
float dq_elem(uint rb, uint c) {
  uint base = rb + (c >> 8u) * 144u, e = c & 255u;
  uvec2 sm = dq_q4k_scale_min(base + 4u, e >> 5u);
  vec2 dm = unpackHalf2x16(dq_u32(base));
  uint q = (dq_u8(base + 16u + 32u * (e >> 6u) + (e & 31u)) >> (((e >> 5u) & 1u) * 4u)) & 15u;
  return dm.x * float(sm.x) * float(q) - dm.y * float(sm.y);
}
vec4 dq_vec4(uint rb, uint c) {
  uint base = rb + (c >> 8u) * 144u, e = c & 255u;
  uvec2 sm = dq_q4k_scale_min(base + 4u, e >> 5u);
  vec2 dm = unpackHalf2x16(dq_u32(base));
  uint w = dq_u32(base + 16u + 32u * (e >> 6u) + (e & 31u));
  vec4 q = ((e >> 5u) & 1u) != 0u ? dq_nib_hi(w) : dq_nib_lo(w);
  return dm.x * float(sm.x) * q - dm.y * float(sm.y);
}
// Needs rb % 16 == 0 (true for Q4_K rows: 144-byte blocks): the header is one 16-byte load.
void dq_vec8(uint rb, uint c, out vec4 lo, out vec4 hi) {
  uint base = rb + (c >> 8u) * 144u, e = c & 255u;
  uvec4 hdr = DQ_VEC4(base >> 4u);
  uvec2 sm = dq_q4k_scale_min_hdr(hdr, e >> 5u);
  vec2 dm = unpackHalf2x16(hdr.x);
  uvec2 w = dq_u64(base + 16u + 32u * (e >> 6u) + (e & 31u));
  bool odd = ((e >> 5u) & 1u) != 0u;
  float s = dm.x * float(sm.x), m = dm.y * float(sm.y);
  lo = s * (odd ? dq_nib_hi(w.x) : dq_nib_lo(w.x)) - m;
  hi = s * (odd ? dq_nib_hi(w.y) : dq_nib_lo(w.y)) - m;
}
dq_unit dq_load_unit(uint rb, uint u) {
  uint blk16 = (rb >> 4u) + (u >> 3u) * 9u, s = u & 7u;
  uvec4 hdr = DQ_VEC4(blk16);
  uvec4 q = DQ_VEC4(blk16 + 1u + s);
  vec2 dm = unpackHalf2x16(hdr.x);
  uvec2 sm0 = dq_q4k_scale_min_hdr(hdr, 2u * (s >> 1u)), sm1 = dq_q4k_scale_min_hdr(hdr, 2u * (s >> 1u) + 1u);
  return dq_unit(q, uvec4(0u), vec4(dm.x * float(sm0.x), -dm.y * float(sm0.y), dm.x * float(sm1.x), -dm.y * float(sm1.y)));
}
vec4 dq_unit_vec4(dq_unit w, uint v) {
  return v < 4u ? dq_nib_lo(w.a[v]) * w.f.x + w.f.y : dq_nib_hi(w.a[v & 3u]) * w.f.z + w.f.w;
}
uint dq_unit_col(uint u, uint v) {
  uint s = u & 7u;
  return 256u * (u >> 3u) + 64u * (s >> 1u) + 16u * (s & 1u) + (v < 4u ? 4u * v : 32u + 4u * (v - 4u));
}

#elif defined(WTYPE_Q6_K)
// 8 threads per 210-byte block; thread s: half h = s/4, l0 = 8*(s%4): 8 bytes of ql at l0 and
// at 32 + l0, 8 bytes of qh, 4 scales, d -> 32 elements (4 groups g of 8 at 128h + 32g + l0).
#define DQ_BLOCK_ELEMS 256u
#define DQ_BLOCK_BYTES 210u
#define DQ_UNIT_ELEMS 32u
#define DQ_NV 8u
uint dq_units(uint cols) { return cols / 32u; }
bool dq_units_ok(uint cols) { return true; }
float dq_elem(uint rb, uint c) {
  uint base = rb + (c >> 8u) * 210u, e = c & 255u;
  uint h = e >> 7u, g = (e >> 5u) & 3u, l = e & 31u;
  uint lo = (dq_u8(base + 64u * h + 32u * (g & 1u) + l) >> (4u * (g >> 1u))) & 15u;
  uint hi = (dq_u8(base + 128u + 32u * h + l) >> (2u * g)) & 3u;
  float sc = float(int(dq_u8(base + 192u + (e >> 4u)) << 24u) >> 24);
  return dq_half(base + 208u) * sc * (float(lo | (hi << 4u)) - 32.0);
}
vec4 dq_q6k_group(uint ql, uint qh, uint g) {
  uvec4 lo = (uvec4(ql) >> (uvec4(0u, 8u, 16u, 24u) + 4u * (g >> 1u))) & 15u;
  uvec4 hi = (uvec4(qh) >> (uvec4(0u, 8u, 16u, 24u) + 2u * g)) & 3u;
  return vec4(lo | (hi << 4u)) - 32.0;
}
vec4 dq_vec4(uint rb, uint c) {
  uint base = rb + (c >> 8u) * 210u, e = c & 255u;
  uint h = e >> 7u, g = (e >> 5u) & 3u, l = e & 31u;
  float sc = float(int(dq_u8(base + 192u + (e >> 4u)) << 24u) >> 24);
  return dq_half(base + 208u) * sc *
         dq_q6k_group(dq_u32(base + 64u * h + 32u * (g & 1u) + l), dq_u32(base + 128u + 32u * h + l), g);
}
void dq_vec8(uint rb, uint c, out vec4 lo, out vec4 hi) {
  uint base = rb + (c >> 8u) * 210u, e = c & 255u;
  uint h = e >> 7u, g = (e >> 5u) & 3u, l = e & 31u;
  float ds = dq_half(base + 208u) * float(int(dq_u8(base + 192u + (e >> 4u)) << 24u) >> 24);
  uvec2 ql = dq_u64(base + 64u * h + 32u * (g & 1u) + l), qh = dq_u64(base + 128u + 32u * h + l);
  lo = ds * dq_q6k_group(ql.x, qh.x, g);
  hi = ds * dq_q6k_group(ql.y, qh.y, g);
}
dq_unit dq_load_unit(uint rb, uint u) {
  uint base = rb + (u >> 3u) * 210u, s = u & 7u, h = s >> 2u, l0 = 8u * (s & 3u);
  uvec2 qa = dq_u64(base + 64u * h + l0), qb = dq_u64(base + 64u * h + 32u + l0);
  uvec2 qh = dq_u64(base + 128u + 32u * h + l0);
  uvec2 sc = dq_u64(base + 192u + 8u * h + (l0 >> 4u)); // bytes 0, 2, 4, 6: scales of g = 0..3
  float d = dq_half(base + 208u);
  vec4 f = d * vec4(ivec4(uvec4(sc.x << 24u, sc.x << 8u, sc.y << 24u, sc.y << 8u)) >> 24);
  return dq_unit(uvec4(qa, qb), uvec4(qh, 0u, 0u), f);
}
vec4 dq_unit_vec4(dq_unit w, uint v) {
  uint g = v >> 1u, hf = v & 1u;
  uint ql = (g & 1u) != 0u ? w.a[2u + hf] : w.a[hf];
  return w.f[g] * dq_q6k_group(ql, w.b[hf], g);
}
uint dq_unit_col(uint u, uint v) {
  uint s = u & 7u;
  return 256u * (u >> 3u) + 128u * (s >> 2u) + 8u * (s & 3u) + 32u * (v >> 1u) + 4u * (v & 1u);
}

#else
#error "dequant.glsl: define one of WTYPE_F32, WTYPE_F16, WTYPE_BF16, WTYPE_Q8_0, WTYPE_Q4_0, WTYPE_Q4_K, WTYPE_Q6_K"
#endif

uint dq_row_bytes(uint cols) { return (cols / DQ_BLOCK_ELEMS) * DQ_BLOCK_BYTES; }

// v[i] = element c + i of the row at byte rb (c % 8 == 0); 0 for c + i >= cols, and then nothing
// past the row is read (quantized rows are whole blocks: cols is a multiple of 8).
void dq_load8(uint rb, uint c, uint cols, out float v[8]) {
  if (c + 8u <= cols) {
    vec4 lo, hi;
    dq_vec8(rb, c, lo, hi);
    v = float[8](lo.x, lo.y, lo.z, lo.w, hi.x, hi.y, hi.z, hi.w);
  } else {
    for (uint i = 0u; i < 8u; i++) {
      v[i] = 0.0;
      if (c + i < cols) v[i] = dq_elem(rb, c + i);
    }
  }
}

#endif
