#version 450
// Private to runtime/model: picks the next token from logits[off .. off + n) and writes it to
// ids[0] and ring[params[1] % ring_size] (params[1] = the step counter). One workgroup.
// Default: argmax (first index on ties). -DSAMPLE: temperature, top-k, top-p, min-p, then a draw
// with a counter-based random number from (seed, step): the same seed gives the same tokens.
// Thresholds are found by bisection (no sort): top-k keeps logits >= the k-th largest value (ties
// kept), top-p the smallest set of most probable tokens whose mass >= top_p, min-p tokens with
// p >= min_p * p_max.
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer Lb { float L[]; };
layout(std430, binding = 1) buffer Ib { uint ids[]; };
layout(std430, binding = 2) buffer Rb { uint ring[]; };
layout(std430, binding = 3) readonly buffer Pb { uint params[]; };
layout(push_constant) uniform P {
  uint n, ring_size, off, top_k;
  float inv_temp, top_p, min_p;
  uint seed_lo, seed_hi;
} pc;
shared float rf[256];
shared uint ri[256];

float wg_sum(float v) {
  uint lid = gl_LocalInvocationID.x;
  barrier();
  rf[lid] = v;
  barrier();
  for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
    if (lid < s) rf[lid] += rf[lid + s];
    barrier();
  }
  return rf[0];
}

void main() {
  uint lid = gl_LocalInvocationID.x, wg = gl_WorkGroupSize.x;
  // argmax: local best (lowest index on ties), then a tree that keeps the lower index on ties
  float bv = -1.0 / 0.0;
  uint bi = 0xffffffffu;
  for (uint i = lid; i < pc.n; i += wg) {
    float v = L[pc.off + i];
    if (v > bv || bi == 0xffffffffu) { bv = v; bi = i; }
  }
  rf[lid] = bv;
  ri[lid] = bi;
  barrier();
  for (uint s = wg / 2; s > 0; s >>= 1) {
    if (lid < s) {
      float ov = rf[lid + s];
      uint oi = ri[lid + s];
      if (oi != 0xffffffffu && (ri[lid] == 0xffffffffu || ov > rf[lid] || (ov == rf[lid] && oi < ri[lid]))) {
        rf[lid] = ov;
        ri[lid] = oi;
      }
    }
    barrier();
  }
  uint best = ri[0];
  float mx = rf[0];
#ifdef SAMPLE
  // z_i = (l_i - max) / T <= 0, p_i = exp(z_i) (unnormalized, p_max = 1)
  float zmin = 0.0;
  for (uint i = lid; i < pc.n; i += wg) zmin = min(zmin, (L[pc.off + i] - mx) * pc.inv_temp);
  barrier();
  rf[lid] = zmin;
  barrier();
  for (uint s = wg / 2; s > 0; s >>= 1) {
    if (lid < s) rf[lid] = min(rf[lid], rf[lid + s]);
    barrier();
  }
  zmin = rf[0];
  float tk = zmin; // top-k threshold on z
  if (pc.top_k > 0u && pc.top_k < pc.n) {
    float lo = zmin, hi = 0.0; // count(z >= lo) >= k always
    for (int it = 0; it < 40; it++) {
      float mid = 0.5 * (lo + hi);
      float c = 0.0;
      for (uint i = lid; i < pc.n; i += wg) c += (L[pc.off + i] - mx) * pc.inv_temp >= mid ? 1.0 : 0.0;
      if (wg_sum(c) >= float(pc.top_k)) lo = mid; else hi = mid;
    }
    tk = lo;
  }
  float pt = pc.min_p; // probability threshold: max(min-p, top-p)
  if (pc.top_p < 1.0) {
    float tot = 0.0;
    for (uint i = lid; i < pc.n; i += wg) {
      float z = (L[pc.off + i] - mx) * pc.inv_temp;
      tot += z >= tk ? exp(z) : 0.0;
    }
    tot = wg_sum(tot);
    float lo = 0.0, hi = 1.0; // mass(p >= lo) >= top_p * tot always
    for (int it = 0; it < 40; it++) {
      float mid = 0.5 * (lo + hi);
      float c = 0.0;
      for (uint i = lid; i < pc.n; i += wg) {
        float z = (L[pc.off + i] - mx) * pc.inv_temp, p = exp(z);
        c += z >= tk && p >= mid ? p : 0.0;
      }
      if (wg_sum(c) >= pc.top_p * tot) lo = mid; else hi = mid;
    }
    pt = max(pt, lo);
  }
  // contiguous chunks per thread so the draw follows index order
  uint chunk = (pc.n + wg - 1) / wg, b = lid * chunk, e = min(pc.n, b + chunk);
  float part = 0.0;
  for (uint i = b; i < e; i++) {
    float z = (L[pc.off + i] - mx) * pc.inv_temp, p = exp(z);
    part += z >= tk && p >= pt ? p : 0.0;
  }
  barrier();
  rf[lid] = part;
  barrier();
  if (lid == 0) {
    float tot = 0.0;
    for (uint j = 0; j < wg; j++) tot += rf[j];
    // PCG-style hash of (seed, step)
    uint h = pc.seed_lo ^ (params[1] * 0x9E3779B9u) ^ (pc.seed_hi * 0x85EBCA6Bu);
    for (int r = 0; r < 3; r++) {
      h = h * 747796405u + 2891336453u;
      h = ((h >> ((h >> 28u) + 4u)) ^ h) * 277803737u;
      h = (h >> 22u) ^ h;
    }
    float u = float(h >> 8) * (1.0 / 16777216.0) * tot;
    uint pick = best;
    float acc = 0.0;
    bool done = false;
    for (uint j = 0; j < wg && !done; j++) {
      if (acc + rf[j] <= u && j + 1 < wg) { acc += rf[j]; continue; }
      uint jb = j * chunk, je = min(pc.n, jb + chunk);
      for (uint i = jb; i < je; i++) {
        float z = (L[pc.off + i] - mx) * pc.inv_temp, p = exp(z);
        if (z >= tk && p >= pt) {
          pick = i;
          acc += p;
          if (acc > u) { done = true; break; }
        }
      }
      done = true;
    }
    ri[0] = pick;
  }
  barrier();
  best = ri[0];
#endif
  if (lid == 0) {
    ids[0] = best;
    ring[params[1] % pc.ring_size] = best;
  }
}
