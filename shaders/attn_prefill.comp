#version 450
// Causal prefill attention (flash-attention tiling, no N x N matrix) over the contiguous F32 Q, K,
// V of the prompt chunk: token i attends to tokens 0..i of the chunk. GQA: a workgroup takes ROWS
// query rows (token, g) of one KV head, so a K/V tile in shared memory serves all G heads.
// Also writes each row's log-sum-exp. Grid: (ceil(n * G / ROWS), KV heads).
// PREFIX (a chunk after earlier context; policies that keep every token, so logical slot =
// position): every row first attends to the pc.prefix cached tokens before the chunk, read from the
// paged cache of one segment (K/V pools, its table and slot masks; F16 unless KV_F32), then to the
// chunk causally. Grid: (ceil(n * G / ROWS), the segment's KV heads); pc.h0 is its first head.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint D = 128;
layout(constant_id = 2) const uint G = 1;
layout(constant_id = 3) const uint ROWS = 16;
layout(constant_id = 4) const uint BK = 16;
layout(std430, set = 0, binding = 0) readonly buffer Q { float q[]; };
layout(std430, set = 0, binding = 1) readonly buffer K { float k[]; };
layout(std430, set = 0, binding = 2) readonly buffer V { float v[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Out { float o[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Lse { float lse[]; };
#ifdef PREFIX
layout(std430, set = 0, binding = 5) readonly buffer KP { uint kpool[]; };  // F16 pairs, or F32 bits
layout(std430, set = 0, binding = 6) readonly buffer VP { uint vpool[]; };
layout(std430, set = 0, binding = 7) readonly buffer State { uint state[]; };  // tables and masks
#endif
layout(push_constant) uniform Push {
  uint n, n_kv_heads;
  float scale;
  uint prefix, P, cap, h0;  // PREFIX: cached tokens before the chunk, page size, pages per list, first head
  uint table_off, mask_off; // PREFIX: word offsets in state of the segment's table [nh][cap] and slot masks
} pc;

const uint WG = gl_WorkGroupSize.x;
const uint PER = (ROWS * D + WG - 1) / WG;
shared float sq[ROWS * D];
shared float sk[BK * D];
shared float sv[BK * D];
shared float ss[ROWS * BK];
shared float s_m[ROWS], s_l[ROWS], s_alpha[ROWS];
shared uint s_ok[BK];  // PREFIX: slot of key j of the tile is cached

float acc[PER];

// One tile of BK keys (already in sk / sv): scores, online softmax, output accumulation. Chunk
// tiles are causal (key kt + j visible to row r when kt + j <= its token); prefix tiles are visible
// to every row where s_ok says the slot is cached.
void attend_tile(uint row0, uint n_rows, uint kt, bool prefix_tile) {
  uint tid = gl_LocalInvocationID.x;
  for (uint p = tid; p < ROWS * BK; p += WG) {
    uint r = p / BK, j = p % BK, key = kt + j, row = row0 + r;
    float s = -3.0e38;
    bool vis = prefix_tile ? s_ok[j] != 0u : key <= row / G;
    if (row < n_rows && vis) {
      s = 0.0;
      for (uint d = 0; d < D; d++) s += sq[r * D + d] * sk[j * D + d];
    }
    ss[p] = s;
  }
  barrier();
  if (tid < ROWS) {
    float mx = -1.0e30;
    for (uint j = 0; j < BK; j++) mx = max(mx, ss[tid * BK + j]);
    float m_old = s_m[tid], m_new = max(m_old, mx);
    float alpha = exp(m_old - m_new), sum = 0.0;
    for (uint j = 0; j < BK; j++) {
      float s = ss[tid * BK + j];
      float p = s > -1.0e38 ? exp(s - m_new) : 0.0;
      ss[tid * BK + j] = p;
      sum += p;
    }
    s_m[tid] = m_new;
    s_l[tid] = s_l[tid] * alpha + sum;
    s_alpha[tid] = alpha;
  }
  barrier();
  for (uint j = 0; j < PER; j++) {
    uint i = tid + j * WG;
    if (i >= ROWS * D) break;
    uint r = i / D, d = i % D;
    float a = acc[j] * s_alpha[r];
    for (uint kk = 0; kk < BK; kk++) a += ss[r * BK + kk] * sv[kk * D + d];
    acc[j] = a;
  }
}

void main() {
  uint hl = gl_WorkGroupID.y, h = pc.h0 + hl, tid = gl_LocalInvocationID.x;
  uint row0 = gl_WorkGroupID.x * ROWS, n_rows = pc.n * G;
  uint nq = pc.n_kv_heads * G;
  for (uint i = tid; i < ROWS * D; i += WG) {
    uint r = row0 + i / D;
    sq[i] = r < n_rows ? q[((r / G) * nq + h * G + r % G) * D + i % D] * pc.scale : 0.0;
  }
  if (tid < ROWS) {
    s_m[tid] = -1.0e30;
    s_l[tid] = 0.0;
  }
  for (uint j = 0; j < PER; j++) acc[j] = 0.0;
#ifdef PREFIX
  for (uint kt = 0; kt < pc.prefix; kt += BK) {
    barrier();
    for (uint i = tid; i < BK * D; i += WG) {
      uint key = kt + i / D, d = i % D;
      float kx = 0.0, vx = 0.0;
      if (key < pc.prefix) {
        uint row = state[pc.table_off + hl * pc.cap + key / pc.P] * pc.P + key % pc.P;
#ifdef KV_F32
        kx = uintBitsToFloat(kpool[row * D + d]);
        vx = uintBitsToFloat(vpool[row * D + d]);
#else
        kx = unpackHalf2x16(kpool[row * (D / 2) + d / 2])[d & 1u];
        vx = unpackHalf2x16(vpool[row * (D / 2) + d / 2])[d & 1u];
#endif
      }
      sk[i] = kx;
      sv[i] = vx;
    }
    if (tid < BK) {
      uint key = kt + tid;
      uint page = key < pc.prefix ? state[pc.table_off + hl * pc.cap + key / pc.P] : 0u;
      s_ok[tid] = key < pc.prefix ? (state[pc.mask_off + page] >> (key % pc.P)) & 1u : 0u;
    }
    barrier();
    attend_tile(row0, n_rows, kt, true);
  }
#endif
  uint last_tok = min(n_rows, row0 + ROWS) - 1;
  last_tok = last_tok / G;
  for (uint kt = 0; kt <= last_tok; kt += BK) {
    barrier();
    for (uint i = tid; i < BK * D; i += WG) {
      uint key = kt + i / D;
      uint src = (key * pc.n_kv_heads + h) * D + i % D;
      sk[i] = key < pc.n ? k[src] : 0.0;
      sv[i] = key < pc.n ? v[src] : 0.0;
    }
    barrier();
    attend_tile(row0, n_rows, kt, false);
  }
  barrier();
  for (uint j = 0; j < PER; j++) {
    uint i = tid + j * WG;
    if (i >= ROWS * D) break;
    uint r = i / D, row = row0 + r;
    if (row < n_rows) o[((row / G) * nq + h * G + row % G) * D + i % D] = acc[j] / s_l[r];
  }
  if (tid < ROWS && row0 + tid < n_rows) {
    uint row = row0 + tid;
    lse[(row / G) * nq + h * G + row % G] = s_m[tid] + log(s_l[tid]);
  }
}
