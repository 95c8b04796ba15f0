#version 450
// Causal prefill attention on tensor cores (GL_NV_cooperative_matrix, fp16 x fp16 -> fp32): flash
// attention over the contiguous F32 Q, K, V of a prompt (no earlier context): token i attends to
// tokens 0..i. Same bindings, push constants and results as attn_prefill.comp (output and
// log-sum-exp per row); Q, K, V and the probabilities are rounded to f16 for the products, the
// softmax and the output accumulate in f32.
//
// Work split: a query block is 16 tokens of one query head; block b of KV head h is token block
// b / G, head h * G + b % G (G query heads per KV head). A workgroup has NW subgroups of 32, one
// block each (blocks NW * x' .. NW * x' + NW - 1, x' counted from the last so that the longest rows
// start first); the subgroups share each tile of BC keys (K and V converted to f16 once into shared
// memory) and skip the products of tiles past their last token.
// Per tile and subgroup: S = Q K^T (16 x BC, accumulators stored to shared memory), the online
// softmax by two lanes per row (exp2: Q is pre-scaled by scale * log2(e)), P (f16) and the
// rescale factors to shared memory, then O = O / (1 / alpha) + P V. The rescale is a component-wise
// division of the accumulators by a matrix whose row r holds 1 / alpha_r (GL_NV_cooperative_matrix
// has component-wise division but no component-wise product). Compiled without spirv-opt (-O0):
// glslang 12's optimizer crashes on cooperative-matrix arithmetic.
// Needs: subgroup size 32, subgroup shuffle, HD % 16 == 0 (a -D define, one variant each).
// Bindings: 0 = Q [n][n_heads][HD], 1 = K, 2 = V [n][n_kv_heads][HD], 3 = Out like Q, 4 = Lse [n][n_heads].
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_control_flow_attributes : require

#ifndef HD
#error "attn_prefill_cm.comp: define HD (head dimension, multiple of 16)"
#endif
#ifndef NW
#define NW 4
#endif
#define BC 32u             // keys per tile
#define FD (HD / 16u)      // 16-wide column blocks of a head
#define SKV (HD / 8u + 1u) // shared row stride of Q / K / V tiles in uvec4 (8 halves; +8 halves against bank conflicts)
#define SPS 5u             // shared row stride of P in uvec4 (BC + 8 halves)
#define NT (NW * 32u)

layout(local_size_x_id = 0) in; // must be NT
layout(constant_id = 2) const uint G = 1;
layout(std430, set = 0, binding = 0) readonly buffer Q { vec4 q4[]; };
layout(std430, set = 0, binding = 1) readonly buffer K { vec4 k4[]; };
layout(std430, set = 0, binding = 2) readonly buffer V { vec4 v4[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Out { float o[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Lse { float lse[]; };
layout(push_constant) uniform Push {
  uint n, n_kv_heads;
  float scale;
} pc;

#define MA fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define MC fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>

shared uvec4 skv[2u * BC * SKV];   // K tile rows 0..BC-1, V tile after them; Q staging at the start
shared float ss[NW * 16u * BC];    // per subgroup: S (16 x BC, row-major)
shared uvec4 sp[NW * 16u * SPS];   // per subgroup: P (16 x BC f16)
shared float sa[NW * 256u];        // per subgroup: 16 x 16, row r = 1 / alpha_r (then l_r, then output staging)

uvec4 pack8(vec4 lo, vec4 hi) {
  return uvec4(packHalf2x16(lo.xy), packHalf2x16(lo.zw), packHalf2x16(hi.xy), packHalf2x16(hi.zw));
}

// Rows 0..rows-1 of the shared tile at uvec4 s0 from F32 rows: row i is float vec4 index base(i).
// Rows past `valid` are zero.
#define STAGE_ROWS(buf, s0, rows, valid, base, mul)                        \
  for (uint c = gl_LocalInvocationID.x; c < (rows) * (HD / 8u); c += NT) { \
    uint i = c / (HD / 8u), d8 = c % (HD / 8u);                            \
    uvec4 w = uvec4(0u);                                                   \
    if (i < (valid)) {                                                     \
      uint b = (base) + d8 * 2u;                                           \
      w = pack8(buf[b] * (mul), buf[b + 1u] * (mul));                      \
    }                                                                      \
    skv[(s0) + i * SKV + d8] = w;                                          \
  }

void main() {
  const uint t = gl_LocalInvocationID.x, sg = t / 32u, lane = t % 32u;
  const uint h = gl_WorkGroupID.y, nq = pc.n_kv_heads * G;
  const uint n_tb = (pc.n + 15u) / 16u, n_blocks = n_tb * G;
  const uint x = gl_NumWorkGroups.x - 1u - gl_WorkGroupID.x;
  const uint b = x * NW + sg;
  const bool busy = b < n_blocks;
  const uint tb = busy ? b / G : 0u, head = h * G + (busy ? b % G : 0u);
  const uint tok0 = tb * 16u;
  // the workgroup's last token: keys 0..key_end-1 are needed
  const uint b_last = min(x * NW + NW, n_blocks) - 1u;
  const uint key_end = min(pc.n, (b_last / G) * 16u + 16u);
  const float qmul = pc.scale * 1.4426950408889634;

  // Q of every subgroup's block: row sg * 16 + i is token tok0 + i of head `head` (f16, pre-scaled)
  {
    for (uint c = t; c < NW * 16u * (HD / 8u); c += NT) {
      uint r = c / (HD / 8u), d8 = c % (HD / 8u), bb = x * NW + r / 16u;
      uint tok = (bb / G) * 16u + r % 16u;
      uvec4 w = uvec4(0u);
      if (bb < n_blocks && tok < pc.n) {
        uint base = ((tok * nq + h * G + bb % G) * HD) / 4u + d8 * 2u;
        w = pack8(q4[base] * qmul, q4[base + 1u] * qmul);
      }
      skv[r * SKV + d8] = w;
    }
  }
  barrier();
  MA qa[FD];
  [[unroll]] for (uint i = 0; i < FD; i++) coopMatLoadNV(qa[i], skv, sg * 16u * SKV + i * 2u, SKV, false);
  MC acc[FD];
  [[unroll]] for (uint i = 0; i < FD; i++) acc[i] = MC(0.0);
  // this lane's row of the softmax (two lanes per row, BC / 2 keys each)
  const uint row = lane / 2u, half_ = lane % 2u, my_tok = tok0 + row;
  float m = -1.0e30, l = 0.0;
  const float NEG_INF = uintBitsToFloat(0xff800000u);

  for (uint kt = 0; kt < key_end; kt += BC) {
    barrier(); // Q staging read / the previous tile's products done
    STAGE_ROWS(k4, 0u, BC, key_end - kt, ((kt + i) * pc.n_kv_heads + h) * (HD / 4u), 1.0)
    STAGE_ROWS(v4, BC * SKV, BC, key_end - kt, ((kt + i) * pc.n_kv_heads + h) * (HD / 4u), 1.0)
    barrier();
    if (!busy || kt > tok0 + 15u) continue; // every key of the tile is after this block's tokens
    // S = Q K^T, 16 x BC
    [[unroll]] for (uint j = 0; j < BC / 16u; j++) {
      MC s = MC(0.0);
      [[unroll]] for (uint i = 0; i < FD; i++) {
        MA kb;
        coopMatLoadNV(kb, skv, j * 16u * SKV + i * 2u, SKV, true);
        s = coopMatMulAddNV(qa[i], kb, s);
      }
      coopMatStoreNV(s, ss, sg * 16u * BC + j * 16u, BC, false);
    }
    subgroupMemoryBarrierShared();
    subgroupBarrier();
    // online softmax of this lane's BC / 2 scores
    float sv[BC / 2u];
    float mx = NEG_INF;
    [[unroll]] for (uint c = 0; c < BC / 2u; c++) {
      uint key = kt + half_ * (BC / 2u) + c;
      float s = ss[sg * 16u * BC + row * BC + half_ * (BC / 2u) + c];
      sv[c] = key <= my_tok && key < pc.n ? s : NEG_INF;
      mx = max(mx, sv[c]);
    }
    mx = max(mx, subgroupShuffleXor(mx, 1u));
    float m_new = max(m, mx);
    float alpha = exp2(m - m_new), sum = 0.0;
    uint pw[BC / 4u];
    [[unroll]] for (uint c = 0; c < BC / 2u; c += 2u) {
      vec2 p = vec2(exp2(sv[c] - m_new), exp2(sv[c + 1u] - m_new));
      sum += p.x + p.y;
      pw[c / 2u] = packHalf2x16(p);
    }
    sum += subgroupShuffleXor(sum, 1u);
    l = l * alpha + sum;
    m = m_new;
    [[unroll]] for (uint c = 0; c < BC / 16u; c++)
      sp[(sg * 16u + row) * SPS + half_ * (BC / 16u) + c] =
          uvec4(pw[c * 4u], pw[c * 4u + 1u], pw[c * 4u + 2u], pw[c * 4u + 3u]);
    [[unroll]] for (uint c = 0; c < 8u; c++) sa[sg * 256u + row * 16u + half_ * 8u + c] = 1.0 / alpha;
    subgroupMemoryBarrierShared();
    subgroupBarrier();
    // O = O * alpha + P V
    MC ainv;
    coopMatLoadNV(ainv, sa, sg * 256u, 16u, false);
    MA pa[BC / 16u];
    [[unroll]] for (uint j = 0; j < BC / 16u; j++) coopMatLoadNV(pa[j], sp, sg * 16u * SPS + j * 2u, SPS, false);
    [[unroll]] for (uint i = 0; i < FD; i++) {
      acc[i] = acc[i] / ainv;
      [[unroll]] for (uint j = 0; j < BC / 16u; j++) {
        MA vb;
        coopMatLoadNV(vb, skv, BC * SKV + j * 16u * SKV + i * 2u, SKV, false);
        acc[i] = coopMatMulAddNV(pa[j], vb, acc[i]);
      }
    }
    subgroupMemoryBarrierShared();
    subgroupBarrier(); // sa / sp are rewritten by the next tile
  }
  if (!busy) return;
  // O / l, through the subgroup's 16 x 16 staging area, one column block at a time
  [[unroll]] for (uint c = 0; c < 8u; c++) sa[sg * 256u + row * 16u + half_ * 8u + c] = l;
  subgroupMemoryBarrierShared();
  subgroupBarrier();
  MC lm;
  coopMatLoadNV(lm, sa, sg * 256u, 16u, false);
  [[unroll]] for (uint i = 0; i < FD; i++) {
    subgroupBarrier();
    MC r = acc[i] / lm;
    coopMatStoreNV(r, sa, sg * 256u, 16u, false);
    subgroupMemoryBarrierShared();
    subgroupBarrier();
    for (uint e = lane; e < 256u; e += 32u) {
      uint tok = tok0 + e / 16u;
      if (tok < pc.n) o[(tok * nq + head) * HD + i * 16u + e % 16u] = sa[sg * 256u + e];
    }
    subgroupMemoryBarrierShared();
  }
  if (half_ == 0u && my_tok < pc.n) lse[my_tok * nq + head] = (m + log2(l)) * 0.6931471805599453;
}
