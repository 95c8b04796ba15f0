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
// start first); the subgroups share each staged tile of KT keys (K and V converted to f16 once into
// shared memory), processed as KT / 32 sub-tiles of BC = 32 keys, and skip the products of
// sub-tiles past their last token.
// Per sub-tile and subgroup: S = Q K^T (16 x BC, accumulators stored to the subgroup's scratch),
// the online softmax by two lanes per row (exp2: Q is pre-scaled by scale * log2(e)), P (f16) and
// the rescale factors written over S in the same scratch, then O = O / (1 / alpha) + P V. The
// rescale is a component-wise division of the accumulators by a matrix whose row r holds
// 1 / alpha_r (GL_NV_cooperative_matrix has component-wise division but no component-wise
// product). Compiled without spirv-opt (-O0): glslang 12's optimizer crashes on cooperative-matrix
// arithmetic.
// With -DREGSM the softmax stays in registers: S is masked, exponentiated and converted to the f16
// P operand element by element, the row maxima and sums are reduced over the 4 lanes that hold a
// row, and O is rescaled element-wise (no scratch round trip, no division); the element -> row
// mapping is read from a row-index matrix at the start and checked (see the probe in main).
// With -DPF the next tile's K / V are loaded into registers (global loads in flight) while the
// current tile's products run, then written to shared memory after the next barrier.
// Needs: subgroup size 32, subgroup shuffle, HD % 16 == 0, KT % 32 == 0 (-D defines HD, NW_, KT_;
// one variant each); shared memory: the larger of the Q staging (NW * 16 rows) and the K / V tiles
// (+ the NW scratches without REGSM), 34 KiB for w8k32 and, REGSM only, w8k64 at HD 128.
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
#ifndef NW_
#define NW_ 4
#endif
#ifndef KT_
#define KT_ 32
#endif
#define NW uint(NW_) // subgroups per workgroup
#define KT uint(KT_) // keys per staged tile
#define BC 32u             // keys per sub-tile
#define FD (HD / 16u)      // 16-wide column blocks of a head
#define SKV (HD / 8u + 1u) // shared row stride of Q / K / V tiles in uvec4 (8 halves; +8 halves against bank conflicts)
#define NT (NW * 32u)
// shared memory, uvec4: the K tile (KT rows), the V tile (KT rows), then per subgroup a scratch of
// 16 x BC floats (S; then P as 16 x BC halves in its first half and the 16 x 16 matrix of 1 / alpha
// in its second). Q is staged at the start over all of it (NW * 16 rows).
#define SCR (16u * BC / 4u)   // uvec4 per subgroup scratch
#ifdef REGSM
// the softmax in registers uses the scratch only before the first tile (the layout probe) and after
// the last (the output, behind a barrier): it overlaps the K / V tiles (w8k64 then fits in 48 KiB)
#define SCR0 0u
#define SH_TILES (2u * KT * SKV > NW * SCR ? 2u * KT * SKV : NW * SCR)
#else
#define SCR0 (2u * KT * SKV)  // first scratch
#define SH_TILES (SCR0 + NW * SCR)
#endif
#define SH_Q (NW * 16u * SKV)
#if KT_ % 32 != 0
#error "attn_prefill_cm.comp: KT must be a multiple of 32"
#endif

layout(local_size_x_id = 0) in; // must be NT
layout(constant_id = 2) const uint G = 1;
layout(std430, set = 0, binding = 0) readonly buffer Q { vec4 q4[]; };
layout(std430, set = 0, binding = 1) readonly buffer K { vec4 k4[]; };
layout(std430, set = 0, binding = 2) readonly buffer V { vec4 v4[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Out { float o[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Lse { float lse[]; };
#ifdef KV_CACHE
// K / V read as f16 from the paged cache the KV append has just written (policies that keep every
// token: logical slot = position), one segment's pools: half the bytes of the F32 inputs and no
// conversion. Grid y: the segment's KV heads; pc.h0 its first head.
layout(std430, set = 0, binding = 5) readonly buffer KP { uvec4 kpool[]; };
layout(std430, set = 0, binding = 6) readonly buffer VP { uvec4 vpool[]; };
layout(std430, set = 0, binding = 7) readonly buffer State { uint state[]; };
#endif
layout(push_constant) uniform Push {
  uint n, n_kv_heads;
  float scale;
  uint P, cap, h0, table_off; // KV_CACHE: page size, pages per list, segment's first head, its table
} pc;

#define MA fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define MC fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>

shared uvec4 sh[SH_TILES > SH_Q ? SH_TILES : SH_Q];

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
    sh[(s0) + i * SKV + d8] = w;                                           \
  }

#ifdef PF
// Prefetch (-DPF): thread t holds chunks t, t + NT, ... (PFN of them) of the KT x HD / 8 uvec4 tile
#define PFN (KT * (HD / 8u) / NT)
// (every compiled shape has KT * HD / 8 a multiple of the workgroup size)
#ifdef KV_CACHE
#define PF_REGS uvec4 pk[PFN], pv[PFN];
#define PF_LOAD(k0)                                                                        \
  [[unroll]] for (uint j = 0; j < PFN; j++) {                                              \
    uint c = t + j * NT, i = c / (HD / 8u), d8 = c % (HD / 8u), key = (k0) + i;            \
    pk[j] = uvec4(0u), pv[j] = uvec4(0u);                                                  \
    if (key < key_end) {                                                                   \
      uint crow = state[pc.table_off + hl * pc.cap + key / pc.P] * pc.P + key % pc.P;      \
      pk[j] = kpool[crow * (HD / 8u) + d8];                                                \
      pv[j] = vpool[crow * (HD / 8u) + d8];                                                \
    }                                                                                      \
  }
#define PF_STORE                                                                           \
  [[unroll]] for (uint j = 0; j < PFN; j++) {                                              \
    uint c = t + j * NT, i = c / (HD / 8u), d8 = c % (HD / 8u);                            \
    sh[i * SKV + d8] = pk[j];                                                              \
    sh[KT * SKV + i * SKV + d8] = pv[j];                                                   \
  }
#else
#define PF_REGS vec4 pk[2u * PFN], pv[2u * PFN];
#define PF_LOAD(k0)                                                                        \
  [[unroll]] for (uint j = 0; j < PFN; j++) {                                              \
    uint c = t + j * NT, i = c / (HD / 8u), d8 = c % (HD / 8u), key = (k0) + i;            \
    pk[2u * j] = pk[2u * j + 1u] = pv[2u * j] = pv[2u * j + 1u] = vec4(0.0);               \
    if (key < key_end) {                                                                   \
      uint bb = (key * pc.n_kv_heads + h) * (HD / 4u) + d8 * 2u;                           \
      pk[2u * j] = k4[bb], pk[2u * j + 1u] = k4[bb + 1u];                                  \
      pv[2u * j] = v4[bb], pv[2u * j + 1u] = v4[bb + 1u];                                  \
    }                                                                                      \
  }
#define PF_STORE                                                                           \
  [[unroll]] for (uint j = 0; j < PFN; j++) {                                              \
    uint c = t + j * NT, i = c / (HD / 8u), d8 = c % (HD / 8u);                            \
    sh[i * SKV + d8] = pack8(pk[2u * j], pk[2u * j + 1u]);                                 \
    sh[KT * SKV + i * SKV + d8] = pack8(pv[2u * j], pv[2u * j + 1u]);                      \
  }
#endif
#endif

void main() {
  const uint t = gl_LocalInvocationID.x, sg = t / 32u, lane = t % 32u;
#ifdef KV_CACHE
  const uint hl = gl_WorkGroupID.y, h = pc.h0 + hl, nq = pc.n_kv_heads * G;
#else
  const uint h = gl_WorkGroupID.y, nq = pc.n_kv_heads * G;
#endif
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
      sh[r * SKV + d8] = w;
    }
  }
  barrier();
  MA qa[FD];
  [[unroll]] for (uint i = 0; i < FD; i++) coopMatLoadNV(qa[i], sh, sg * 16u * SKV + i * 2u, SKV, false);
  MC acc[FD];
  [[unroll]] for (uint i = 0; i < FD; i++) acc[i] = MC(0.0);
  // this lane's row of the softmax (two lanes per row, BC / 2 keys each)
  const uint row = lane / 2u, half_ = lane % 2u, my_tok = tok0 + row;
  float m = -1.0e30, l = 0.0;
  const float NEG_INF = uintBitsToFloat(0xff800000u);

  const uint scr = SCR0 + sg * SCR; // this subgroup's scratch (uvec4)
#ifdef REGSM
  // Which rows and columns this lane's accumulator elements hold: load matrices whose elements
  // are their own row / column index (the element mapping is the same for every matrix of a type).
  // The softmax below needs 8 elements per lane in at most two rows (slot 0: rlo, slot 1: rhi),
  // each row held by one aligned group of 4 lanes (reductions by two shuffles): NVIDIA's layout.
  // Anything else writes NaN (a loud failure, caught by test_attention), never a wrong number.
  barrier(); // every subgroup has its Q: the scratch may overlap the Q staging
  for (uint e = lane; e < 256u; e += 32u) {
    sh[scr + e / 4u] = uvec4(0u); // (written whole below)
  }
  subgroupMemoryBarrierShared();
  subgroupBarrier();
  for (uint e = lane; e < 64u; e += 32u) {
    float r = float(e / 4u), c0 = float((e % 4u) * 4u);
    sh[scr + e] = floatBitsToUint(vec4(r));
    sh[scr + 64u + e] = floatBitsToUint(vec4(c0, c0 + 1.0, c0 + 2.0, c0 + 3.0));
  }
  subgroupMemoryBarrierShared();
  subgroupBarrier();
  MC rid, cid;
  coopMatLoadNV(rid, sh, scr, 4u, false);
  coopMatLoadNV(cid, sh, scr + 64u, 4u, false);
  bool ok = rid.length() == 8;
  uint rlo = 15u, rhi = 0u, himask = 0u, colw0 = 0u, colw1 = 0u;
  if (ok) {
    [[unroll]] for (uint e = 0; e < 8u; e++) {
      uint r = uint(rid[e]);
      rlo = min(rlo, r), rhi = max(rhi, r);
    }
    [[unroll]] for (uint e = 0; e < 8u; e++) {
      uint r = uint(rid[e]), c = uint(cid[e]);
      ok = ok && (r == rlo || r == rhi);
      himask |= (r == rhi && rhi != rlo) ? 1u << e : 0u;
      if (e < 4u) colw0 |= c << (8u * e);
      else colw1 |= c << (8u * (e - 4u));
    }
  }
  ok = ok && subgroupShuffleXor(rlo, 1u) == rlo && subgroupShuffleXor(rlo, 2u) == rlo &&
       subgroupShuffleXor(rhi, 1u) == rhi && subgroupShuffleXor(rhi, 2u) == rhi;
  uint rows_mask = (lane % 4u == 0u) ? (1u << rlo) | (1u << rhi) : 0u;
  uint rows_count = (lane % 4u == 0u) ? (rlo == rhi ? 1u : 2u) : 0u;
  uint all_ok = ok ? 1u : 0u; // subgroup reductions by shuffles (the kernel needs no other subgroup ops)
  [[unroll]] for (uint off = 1u; off < 32u; off *= 2u) {
    all_ok &= subgroupShuffleXor(all_ok, off);
    rows_mask |= subgroupShuffleXor(rows_mask, off);
    rows_count += subgroupShuffleXor(rows_count, off);
  }
  ok = all_ok == 1u && rows_mask == 0xffffu && rows_count == 16u;
  float m0 = -1.0e30, m1 = -1.0e30, l0 = 0.0, l1 = 0.0;
#define COL(e) (((e) < 4u ? (colw0 >> (8u * (e))) : (colw1 >> (8u * ((e) - 4u)))) & 0xffu)
#define HI(e) (((himask >> (e)) & 1u) != 0u)
#endif
#ifdef PF
  // prefetch: the next tile's K / V are loaded into registers while this tile's products run
  PF_REGS
  PF_LOAD(0u)
#endif
  for (uint kt0 = 0; kt0 < key_end; kt0 += KT) {
    barrier(); // Q staging read / the previous tile's products done
#ifdef PF
    PF_STORE
    barrier();
    if (kt0 + KT < key_end) {
      PF_LOAD(kt0 + KT)
    }
#elif defined(KV_CACHE)
    for (uint c = t; c < KT * (HD / 8u); c += NT) {
      uint i = c / (HD / 8u), d8 = c % (HD / 8u), key = kt0 + i;
      uvec4 kw = uvec4(0u), vw = uvec4(0u);
      if (key < key_end) {
        uint crow = state[pc.table_off + hl * pc.cap + key / pc.P] * pc.P + key % pc.P;
        kw = kpool[crow * (HD / 8u) + d8];
        vw = vpool[crow * (HD / 8u) + d8];
      }
      sh[i * SKV + d8] = kw;
      sh[KT * SKV + i * SKV + d8] = vw;
    }
#else
    STAGE_ROWS(k4, 0u, KT, key_end - kt0, ((kt0 + i) * pc.n_kv_heads + h) * (HD / 4u), 1.0)
    STAGE_ROWS(v4, KT * SKV, KT, key_end - kt0, ((kt0 + i) * pc.n_kv_heads + h) * (HD / 4u), 1.0)
#endif
#ifndef PF
    barrier();
#endif
    [[unroll]] for (uint sub = 0; sub < KT / BC; sub++) {
      const uint kt = kt0 + sub * BC, krow = sub * BC; // first key and its row in the staged tiles
      if (!busy || kt > tok0 + 15u || kt >= key_end) break; // every key after this block's tokens
#ifdef REGSM
      // S = Q K^T, 16 x BC, kept in registers; masked, exponentiated and converted to f16 there
      MC sm[BC / 16u];
      [[unroll]] for (uint j = 0; j < BC / 16u; j++) {
        sm[j] = MC(0.0);
        [[unroll]] for (uint i = 0; i < FD; i++) {
          MA kb;
          coopMatLoadNV(kb, sh, (krow + j * 16u) * SKV + i * 2u, SKV, true);
          sm[j] = coopMatMulAddNV(qa[i], kb, sm[j]);
        }
      }
      const bool edge = kt + BC > tok0 + 1u || kt + BC > pc.n; // some key past some row's token
      float x0 = NEG_INF, x1 = NEG_INF;
      [[unroll]] for (uint j = 0; j < BC / 16u; j++) {
        [[unroll]] for (uint e = 0; e < 8u; e++) {
          float v = sm[j][e];
          if (edge) {
            uint key = kt + j * 16u + COL(e), tok = tok0 + (HI(e) ? rhi : rlo);
            v = key <= tok && key < pc.n ? v : NEG_INF;
          }
          sm[j][e] = v;
          if (HI(e)) x1 = max(x1, v);
          else x0 = max(x0, v);
        }
      }
      x0 = max(x0, subgroupShuffleXor(x0, 1u)), x1 = max(x1, subgroupShuffleXor(x1, 1u));
      x0 = max(x0, subgroupShuffleXor(x0, 2u)), x1 = max(x1, subgroupShuffleXor(x1, 2u));
      const float n0 = max(m0, x0), n1 = max(m1, x1);
      const float a0 = exp2(m0 - n0), a1 = exp2(m1 - n1);
      m0 = n0, m1 = n1;
      float s0 = 0.0, s1 = 0.0;
      MA pa[BC / 16u];
      [[unroll]] for (uint j = 0; j < BC / 16u; j++) {
        [[unroll]] for (uint e = 0; e < 8u; e++) {
          float p = exp2(sm[j][e] - (HI(e) ? n1 : n0));
          sm[j][e] = p;
          if (HI(e)) s1 += p;
          else s0 += p;
        }
        pa[j] = MA(sm[j]);
      }
      s0 += subgroupShuffleXor(s0, 1u), s1 += subgroupShuffleXor(s1, 1u);
      s0 += subgroupShuffleXor(s0, 2u), s1 += subgroupShuffleXor(s1, 2u);
      l0 = l0 * a0 + s0, l1 = l1 * a1 + s1;
      // O = O * alpha + P V
      [[unroll]] for (uint i = 0; i < FD; i++) {
        [[unroll]] for (uint e = 0; e < 8u; e++) acc[i][e] *= HI(e) ? a1 : a0;
        [[unroll]] for (uint j = 0; j < BC / 16u; j++) {
          MA vb;
          coopMatLoadNV(vb, sh, KT * SKV + (krow + j * 16u) * SKV + i * 2u, SKV, false);
          acc[i] = coopMatMulAddNV(pa[j], vb, acc[i]);
        }
      }
#else
      // S = Q K^T, 16 x BC, into the scratch (floats, row-major, BC per row)
      [[unroll]] for (uint j = 0; j < BC / 16u; j++) {
        MC s = MC(0.0);
        [[unroll]] for (uint i = 0; i < FD; i++) {
          MA kb;
          coopMatLoadNV(kb, sh, (krow + j * 16u) * SKV + i * 2u, SKV, true);
          s = coopMatMulAddNV(qa[i], kb, s);
        }
        coopMatStoreNV(s, sh, scr + j * 4u, BC / 4u, false);
      }
      subgroupMemoryBarrierShared();
      subgroupBarrier();
      // online softmax of this lane's BC / 2 scores (half a row)
      float sv[BC / 2u];
      float mx = NEG_INF;
      [[unroll]] for (uint c = 0; c < BC / 8u; c++) {
        vec4 s4 = uintBitsToFloat(sh[scr + row * (BC / 4u) + half_ * (BC / 8u) + c]);
        [[unroll]] for (uint e = 0; e < 4u; e++) {
          uint key = kt + half_ * (BC / 2u) + c * 4u + e;
          sv[c * 4u + e] = key <= my_tok && key < pc.n ? s4[e] : NEG_INF;
          mx = max(mx, sv[c * 4u + e]);
        }
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
      subgroupBarrier(); // every lane has read S: P and 1 / alpha go over it
      // P: 16 x BC halves, row stride BC / 8 uvec4, at the scratch start
      [[unroll]] for (uint c = 0; c < BC / 16u; c++)
        sh[scr + row * (BC / 8u) + half_ * (BC / 16u) + c] =
            uvec4(pw[c * 4u], pw[c * 4u + 1u], pw[c * 4u + 2u], pw[c * 4u + 3u]);
      // 1 / alpha: 16 x 16 floats after P (row r: 4 uvec4, this lane writes 2)
      vec4 ia = vec4(1.0 / alpha);
      sh[scr + 2u * BC + row * 4u + half_ * 2u] = floatBitsToUint(ia);
      sh[scr + 2u * BC + row * 4u + half_ * 2u + 1u] = floatBitsToUint(ia);
      subgroupMemoryBarrierShared();
      subgroupBarrier();
      // O = O * alpha + P V
      MC ainv;
      coopMatLoadNV(ainv, sh, scr + 2u * BC, 4u, false);
      MA pa[BC / 16u];
      [[unroll]] for (uint j = 0; j < BC / 16u; j++) coopMatLoadNV(pa[j], sh, scr + j * 2u, BC / 8u, false);
      [[unroll]] for (uint i = 0; i < FD; i++) {
        acc[i] = acc[i] / ainv;
        [[unroll]] for (uint j = 0; j < BC / 16u; j++) {
          MA vb;
          coopMatLoadNV(vb, sh, KT * SKV + (krow + j * 16u) * SKV + i * 2u, SKV, false);
          acc[i] = coopMatMulAddNV(pa[j], vb, acc[i]);
        }
      }
      subgroupMemoryBarrierShared();
      subgroupBarrier(); // the scratch is rewritten by the next sub-tile
#endif
    }
  }
#ifdef REGSM
  barrier(); // every subgroup's products of the last tile done: the scratch overlaps the tiles
#endif
  if (!busy) return;
#ifdef REGSM
  if (!ok) { // an accumulator layout this kernel does not know: NaN, not a wrong number
    for (uint e = lane; e < 16u * HD; e += 32u)
      if (tok0 + e / HD < pc.n) o[((tok0 + e / HD) * nq + head) * HD + e % HD] = uintBitsToFloat(0x7fc00000u);
    if (lane < 16u && tok0 + lane < pc.n) lse[(tok0 + lane) * nq + head] = uintBitsToFloat(0x7fc00000u);
    return;
  }
  // O / l through the subgroup's scratch (16 x 16 floats), one column block at a time
  [[unroll]] for (uint i = 0; i < FD; i++) {
    [[unroll]] for (uint e = 0; e < 8u; e++) acc[i][e] /= HI(e) ? l1 : l0;
    subgroupBarrier();
    coopMatStoreNV(acc[i], sh, scr, 4u, false);
    subgroupMemoryBarrierShared();
    subgroupBarrier();
    for (uint e = lane; e < 64u; e += 32u) {
      uint tok = tok0 + e / 4u;
      if (tok < pc.n) {
        uint o0 = (tok * nq + head) * HD + i * 16u + (e % 4u) * 4u;
        vec4 val = uintBitsToFloat(sh[scr + e]);
        o[o0] = val.x, o[o0 + 1u] = val.y, o[o0 + 2u] = val.z, o[o0 + 3u] = val.w;
      }
    }
    subgroupMemoryBarrierShared();
  }
  if (lane % 4u == 0u) {
    if (tok0 + rlo < pc.n) lse[(tok0 + rlo) * nq + head] = (m0 + log2(l0)) * 0.6931471805599453;
    if (rhi != rlo && tok0 + rhi < pc.n) lse[(tok0 + rhi) * nq + head] = (m1 + log2(l1)) * 0.6931471805599453;
  }
  return;
#endif
  // O / l, through the subgroup's scratch (16 x 16 floats), one column block at a time
  sh[scr + row * 4u + half_ * 2u] = floatBitsToUint(vec4(l));
  sh[scr + row * 4u + half_ * 2u + 1u] = floatBitsToUint(vec4(l));
  subgroupMemoryBarrierShared();
  subgroupBarrier();
  MC lm;
  coopMatLoadNV(lm, sh, scr, 4u, false);
  [[unroll]] for (uint i = 0; i < FD; i++) {
    subgroupBarrier();
    MC r = acc[i] / lm;
    coopMatStoreNV(r, sh, scr + 64u, 4u, false);
    subgroupMemoryBarrierShared();
    subgroupBarrier();
    for (uint e = lane; e < 64u; e += 32u) {
      uint tok = tok0 + e / 4u;
      if (tok < pc.n) {
        uint o0 = (tok * nq + head) * HD + i * 16u + (e % 4u) * 4u;
        vec4 val = uintBitsToFloat(sh[scr + 64u + e]);
        o[o0] = val.x, o[o0 + 1u] = val.y, o[o0 + 2u] = val.z, o[o0 + 3u] = val.w;
      }
    }
    subgroupMemoryBarrierShared();
  }
  if (half_ == 0u && my_tok < pc.n) lse[my_tok * nq + head] = (m + log2(l)) * 0.6931471805599453;
}
