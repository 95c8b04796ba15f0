// Shared helpers of the attention kernels: K/V rows are read as uvec4 words (16-byte loads).
// KV_F32: a uvec4 holds 4 floats; otherwise (F16) 8 halfs.
#ifdef KV_F32
#define EPC 4
void unpack_chunk(uvec4 w, out float e[EPC]) {
  e[0] = uintBitsToFloat(w.x); e[1] = uintBitsToFloat(w.y);
  e[2] = uintBitsToFloat(w.z); e[3] = uintBitsToFloat(w.w);
}
uvec4 pack_chunk(float e[EPC]) { return floatBitsToUint(vec4(e[0], e[1], e[2], e[3])); }
#else
#define EPC 8
void unpack_chunk(uvec4 w, out float e[EPC]) {
  vec2 a = unpackHalf2x16(w.x), b = unpackHalf2x16(w.y), c = unpackHalf2x16(w.z), d = unpackHalf2x16(w.w);
  e[0] = a.x; e[1] = a.y; e[2] = b.x; e[3] = b.y; e[4] = c.x; e[5] = c.y; e[6] = d.x; e[7] = d.y;
}
uvec4 pack_chunk(float e[EPC]) {
  return uvec4(packHalf2x16(vec2(e[0], e[1])), packHalf2x16(vec2(e[2], e[3])), packHalf2x16(vec2(e[4], e[5])),
               packHalf2x16(vec2(e[6], e[7])));
}
#endif
// Scores of masked-out slots; every real score is far above it.
#define NEG_SCORE (-3.0e38)
#define M_INIT (-1.0e30)
