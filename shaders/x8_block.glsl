// One block of 32 activations quantized for the integer-dot matvecs (matvec_x8.comp reads it):
//   q[32] = roundEven(v * 127 / amax) (int8, |q| <= 127), d = amax / 127, s = d * sum(q)
// (amax = max |v| of the block; a zero block gives d = 0, q = 0, s = 0). w[i] packs q[4i..4i+3],
// byte 0 first. Used by quantize_x8.comp and matvec_q16.comp's FINALIZE epilogue.
void x8_quantize_block(vec4 v[8], out uint w[8], out vec2 ds) {
  float amax = 0.0;
  [[unroll]] for (uint i = 0u; i < 8u; i++) {
    vec4 a = abs(v[i]);
    amax = max(amax, max(max(a.x, a.y), max(a.z, a.w)));
  }
  float d = amax / 127.0;
  float id = amax > 0.0 ? 127.0 / amax : 0.0;
  int sum = 0;
  [[unroll]] for (uint i = 0u; i < 8u; i++) {
    ivec4 q = ivec4(roundEven(v[i] * id));
    sum += q.x + q.y + q.z + q.w;
    uvec4 b = uvec4(q) & 0xffu;
    w[i] = b.x | (b.y << 8u) | (b.z << 16u) | (b.w << 24u);
  }
  ds = vec2(d, d * float(sum));
}
