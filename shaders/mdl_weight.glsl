// Private to runtime/model (minimal kernels until the ops branches land): element e of a weight
// row that starts at byte `rb` of W (uint words). WTYPE_F32 | WTYPE_F16 | WTYPE_BF16 | WTYPE_Q8_0.
uint mdl_byte(uint b) { return (W[b >> 2] >> (8u * (b & 3u))) & 0xffu; }
uint mdl_u16(uint b) { return mdl_byte(b) | (mdl_byte(b + 1u) << 8u); }
float mdl_wload(uint rb, uint e) {
#if defined(WTYPE_F32)
  return uintBitsToFloat(W[(rb >> 2) + e]);
#elif defined(WTYPE_F16)
  return unpackHalf2x16(mdl_u16(rb + 2u * e)).x;
#elif defined(WTYPE_BF16)
  return uintBitsToFloat(mdl_u16(rb + 2u * e) << 16u);
#elif defined(WTYPE_Q8_0)
  uint blk = rb + (e >> 5) * 34u;
  float d = unpackHalf2x16(mdl_u16(blk)).x;
  uint q = mdl_byte(blk + 2u + (e & 31u));
  return d * float(int(q << 24) >> 24);
#else
#error WTYPE_* not defined
#endif
}
