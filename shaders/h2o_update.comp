#version 450
// H2O bookkeeping after the merge: acc[slot] += sum_g exp(s_g - lse_g) for every valid slot of the
// head's pages (s: the raw scaled scores the decode kernel wrote, lse: the merged log-sum-exp, so
// the added values are the normalized attention probabilities), then picks the eviction victim:
// the valid, evictable (not recent) slot with the lowest accumulated score, the lower logical slot
// index (list index * P + slot) on ties; 0xffffffff when none. One workgroup per KV head.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint G = 1;
layout(std430, set = 0, binding = 0) readonly buffer Scores { float scores[]; };
layout(std430, set = 0, binding = 1) readonly buffer Lse { float lse[]; };
layout(std430, set = 0, binding = 2) readonly buffer Table { uint table[]; };
layout(std430, set = 0, binding = 3) readonly buffer Count { uint count[]; };
layout(std430, set = 0, binding = 4) readonly buffer Mask { uint mask[]; };
layout(std430, set = 0, binding = 5) readonly buffer EMask { uint emask[]; };
layout(std430, set = 0, binding = 6) buffer Acc { float acc[]; };
layout(std430, set = 0, binding = 7) buffer Victim { uint victim[]; };
layout(push_constant) uniform Push { uint P, cap, h0; } pc;

const uint WG = gl_WorkGroupSize.x;
shared float s_v[WG];
shared uint s_i[WG];

void main() {
  uint h = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
  uint n = count[h] * pc.P;
  uint qh0 = (pc.h0 + h) * G;
  float best = 0.0;
  uint best_i = 0xffffffffu;
  for (uint u = tid; u < n; u += WG) {
    uint page = table[h * pc.cap + u / pc.P], bit = 1u << (u % pc.P);
    if ((mask[page] & bit) == 0) continue;
    float a = acc[page * pc.P + u % pc.P];
    for (uint g = 0; g < G; g++) a += exp(scores[(h * pc.cap * pc.P + u) * G + g] - lse[qh0 + g]);
    acc[page * pc.P + u % pc.P] = a;
    if ((emask[page] & bit) != 0 && (best_i == 0xffffffffu || a < best)) {
      best = a;
      best_i = u;
    }
  }
  s_v[tid] = best;
  s_i[tid] = best_i;
  barrier();
  if (tid == 0) {
    for (uint t = 1; t < WG; t++) {
      uint i = s_i[t];
      if (i == 0xffffffffu) continue;
      if (best_i == 0xffffffffu || s_v[t] < best || (s_v[t] == best && i < best_i)) {
        best = s_v[t];
        best_i = i;
      }
    }
    victim[h] = best_i;
  }
}
