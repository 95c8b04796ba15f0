#version 450
// Merge of the flash-decoding split partials (log-sum-exp), low-latency version of attn_merge.comp:
// out = sum_s e^(m_s - M) O_s / L, L = sum_s e^(m_s - M) l_s, lse = M + log(L). Empty splits
// (l_s = 0; their O_s is not written) are skipped by selects.
// Grid: (n_qheads, ceil(D / 4 / QPW)). Threads: QPW output quads (16 bytes) x NSL = WG / QPW slices
// of the splits; thread = slice * QPW + quad, so the QPW threads of a slice read 16 * QPW contiguous
// bytes of a split's partial. A thread keeps its own (max, sum, output quad) over the splits
// slice, slice + NSL, ...: B splits per batch, all of a batch's loads (the (max, sum) pair and the
// partial) issued before any is used -- one memory round trip per batch, none dependent on another
// -- and online-softmax rescaling between batches. The slices are then combined pairwise with
// log-sum-exp in a shared-memory tree (log2 NSL barriers). WG and QPW are powers of two.
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint QPW = 8;  // output quads per workgroup
layout(std430, set = 0, binding = 0) readonly buffer Part { float part[]; };
layout(std430, set = 0, binding = 0) readonly buffer Part4 { vec4 part4[]; };  // the same, 16 bytes a load
layout(std430, set = 0, binding = 1) writeonly buffer Out { float outv[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Lse { float lse[]; };
layout(push_constant) uniform Push { uint D, n_splits, n_qheads, ml_off; } pc;

const uint WG = gl_WorkGroupSize.x;
const uint NSL = WG / QPW;
const uint B = 8;  // splits per thread per batch
const float M_INIT = -1.0e30;
shared vec4 s_o[WG];
shared vec2 s_ml[WG];

void main() {
  uint qh = gl_WorkGroupID.x, tid = gl_LocalInvocationID.x;
  uint slice = tid / QPW, NQ = pc.D / 4, qd = gl_WorkGroupID.y * QPW + tid % QPW;
  uint qc = min(qd, NQ - 1);  // loads of the quads past D are clamped (results dropped)
  float M = M_INIT, L = 0.0;
  vec4 o = vec4(0.0);
  for (uint s0 = slice; s0 < pc.n_splits; s0 += B * NSL) {
    float m[B], l[B];
    vec4 v[B];
    [[unroll]] for (uint b = 0; b < B; b++) {
      uint s = s0 + b * NSL;
      bool ok = s < pc.n_splits;
      s = ok ? s : s0;
      uint i = pc.ml_off + (s * pc.n_qheads + qh) * 2;
      m[b] = part[i];
      l[b] = ok ? part[i + 1] : 0.0;
      v[b] = part4[(s * pc.n_qheads + qh) * NQ + qc];
    }
    float mx = M;
    [[unroll]] for (uint b = 0; b < B; b++) mx = l[b] > 0.0 ? max(mx, m[b]) : mx;
    float a = exp(M - mx);
    L *= a;
    o *= a;
    [[unroll]] for (uint b = 0; b < B; b++) {
      float w = exp(m[b] - mx);
      L = l[b] > 0.0 ? L + w * l[b] : L;
      o = l[b] > 0.0 ? o + w * v[b] : o;
    }
    M = mx;
  }
  s_o[tid] = o;
  s_ml[tid] = vec2(M, L);
  barrier();
  for (uint st = NSL / 2; st > 0; st >>= 1) {
    if (slice < st) {
      vec2 x = s_ml[tid], y = s_ml[tid + st * QPW];
      float mx = max(x.x, y.x), fx = exp(x.x - mx), fy = exp(y.x - mx);
      s_o[tid] = s_o[tid] * fx + s_o[tid + st * QPW] * fy;
      s_ml[tid] = vec2(mx, x.y * fx + y.y * fy);
    }
    barrier();
  }
  if (slice == 0 && qd < NQ) {
    vec4 r = s_o[tid] / s_ml[tid].y;
    [[unroll]] for (uint e = 0; e < 4; e++) outv[qh * pc.D + qd * 4 + e] = r[e];
  }
  if (tid == 0 && gl_WorkGroupID.y == 0) lse[qh] = s_ml[0].x + log(s_ml[0].y);
}
