// Weight loads for the prefill matmul: 8 consecutive elements of one weight row, decoded to f32
// from a uint-word view of the binding (no 8/16-bit storage needed).
// Needs: a readonly buffer array `uint wq[]`, the macro WTYPE_* and the row length `cols`.
// Row r of the binding starts at byte r * row_bytes (GGUF rows are packed back to back).

uint wl_u8(uint b) { return (wq[b >> 2] >> ((b & 3u) * 8u)) & 0xFFu; }
// b must be even (every GGUF block is an even number of bytes, so halves never straddle words).
uint wl_u16(uint b) { return (wq[b >> 2] >> ((b & 2u) * 8u)) & 0xFFFFu; }
float wl_f16(uint b) { return unpackHalf2x16(wl_u16(b)).x; }
int wl_i8(uint b) { return int(wl_u8(b) << 24) >> 24; }

uint wl_row_bytes(uint cols) {
#if defined(WTYPE_F32)
  return cols * 4u;
#elif defined(WTYPE_F16) || defined(WTYPE_BF16)
  return cols * 2u;
#elif defined(WTYPE_Q8_0)
  return (cols / 32u) * 34u;
#elif defined(WTYPE_Q4_0)
  return (cols / 32u) * 18u;
#elif defined(WTYPE_Q4_K)
  return (cols / 256u) * 144u;
#elif defined(WTYPE_Q6_K)
  return (cols / 256u) * 210u;
#else
#error "define one WTYPE_*"
#endif
}

// v[i] = W[r][k0 + i], 0 past the end of the row. k0 is a multiple of 8.
void wl_load8(uint r, uint k0, uint cols, out float v[8]) {
#if defined(WTYPE_F32) || defined(WTYPE_F16) || defined(WTYPE_BF16)
  uint e = r * cols + k0;
  for (uint i = 0; i < 8u; i++) {
    float x = 0.0;
    if (k0 + i < cols) {
#if defined(WTYPE_F32)
      x = uintBitsToFloat(wq[e + i]);
#elif defined(WTYPE_F16)
      x = unpackHalf2x16(wq[(e + i) >> 1] >> (((e + i) & 1u) * 16u)).x;
#else
      x = uintBitsToFloat(((wq[(e + i) >> 1] >> (((e + i) & 1u) * 16u)) & 0xFFFFu) << 16);
#endif
    }
    v[i] = x;
  }
#else
  if (k0 >= cols) {
    for (uint i = 0; i < 8u; i++) v[i] = 0.0;
    return;
  }
  uint rb = r * wl_row_bytes(cols);
#if defined(WTYPE_Q8_0)
  uint base = rb + (k0 / 32u) * 34u;
  float d = wl_f16(base);
  uint q = base + 2u + (k0 % 32u);
  for (uint i = 0; i < 8u; i++) v[i] = d * float(wl_i8(q + i));
#elif defined(WTYPE_Q4_0)
  uint base = rb + (k0 / 32u) * 18u;
  float d = wl_f16(base);
  uint j0 = k0 % 32u;
  uint q = base + 2u + (j0 & 15u);
  uint sh = j0 >= 16u ? 4u : 0u;
  for (uint i = 0; i < 8u; i++) v[i] = d * (float((wl_u8(q + i) >> sh) & 15u) - 8.0);
#elif defined(WTYPE_Q4_K)
  uint base = rb + (k0 / 256u) * 144u;
  uint e0 = k0 % 256u;
  uint sub = e0 / 32u;
  float d = wl_f16(base), dmin = wl_f16(base + 2u);
  uint s = base + 4u;
  uint sc, mn;
  if (sub < 4u) {
    sc = wl_u8(s + sub) & 63u;
    mn = wl_u8(s + sub + 4u) & 63u;
  } else {
    sc = (wl_u8(s + sub + 4u) & 15u) | ((wl_u8(s + sub - 4u) >> 6) << 4);
    mn = (wl_u8(s + sub + 4u) >> 4) | ((wl_u8(s + sub) >> 6) << 4);
  }
  float ds = d * float(sc), dm = dmin * float(mn);
  uint q = base + 16u + (e0 / 64u) * 32u + (e0 % 32u);
  uint sh = (sub & 1u) * 4u;
  for (uint i = 0; i < 8u; i++) v[i] = ds * float((wl_u8(q + i) >> sh) & 15u) - dm;
#elif defined(WTYPE_Q6_K)
  uint base = rb + (k0 / 256u) * 210u;
  uint e0 = k0 % 256u;
  uint h = e0 / 128u, rr = e0 % 128u;
  uint quarter = rr / 32u, l0 = rr % 32u;
  float d = wl_f16(base + 208u) * float(wl_i8(base + 192u + 8u * h + l0 / 16u + quarter * 2u));
  uint ql = base + 64u * h + l0 + (quarter & 1u) * 32u;
  uint qh = base + 128u + 32u * h + l0;
  uint sl = (quarter >> 1) * 4u, shh = quarter * 2u;
  for (uint i = 0; i < 8u; i++) {
    uint q6 = ((wl_u8(ql + i) >> sl) & 15u) | (((wl_u8(qh + i) >> shh) & 3u) << 4);
    v[i] = d * (float(q6) - 32.0);
  }
#endif
#endif
}
