#version 450
// Strided 2-D copy of F32 rows: for r < rows, c < cols
//   dst[dst_off + (row0 + r) * dst_stride + c] = src[src_off + r * src_stride + c]
// row0 = row_base[row_index] when has_row_base (a uint32 binding: e.g. the KV-cache position of the
// first token, per-step dynamic), else 0. Offsets and strides in elements of each side.
// TO_F16: dst holds F16 packed two per uint (packHalf2x16, low half = even element); cols, dst_off and
// dst_stride must then be even (the ops layer checks) so that every uint is written by one invocation.
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) readonly buffer Src { float src[]; };
#ifdef TO_F16
layout(std430, set = 0, binding = 1) writeonly buffer Dst { uint dst[]; };
#else
layout(std430, set = 0, binding = 1) writeonly buffer Dst { float dst[]; };
#endif
layout(std430, set = 0, binding = 2) readonly buffer RowBase { uint row_base[]; };
layout(push_constant) uniform Push {
  uint rows, cols, src_off, src_stride, dst_off, dst_stride, has_row_base, row_index;
} pc;

void main() {
  uint r = gl_GlobalInvocationID.y + gl_GlobalInvocationID.z * gl_NumWorkGroups.y;
  if (r >= pc.rows) return;
  uint row0 = pc.has_row_base != 0 ? row_base[pc.row_index] : 0u;
  uint s = pc.src_off + r * pc.src_stride;
  uint d = pc.dst_off + (row0 + r) * pc.dst_stride;
#ifdef TO_F16
  uint c = 2 * gl_GlobalInvocationID.x;
  if (c >= pc.cols) return;
  dst[(d + c) / 2] = packHalf2x16(vec2(src[s + c], src[s + c + 1]));
#else
  uint c = gl_GlobalInvocationID.x;
  if (c >= pc.cols) return;
  dst[d + c] = src[s + c];
#endif
}
