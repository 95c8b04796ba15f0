// Writing a chosen token id (argmax / sampling final passes). The includer declares, before including,
// bindings params / out_ids / ring / next_ids (uint arrays) and a push block `pc` with the fields
// step_index, out_index, out_at_step, ring_capacity, has_next, next_index.
//   step        = params[step_index] + row            (row: which logits row of the batch)
//   out_ids[out_index + row + (out_at_step ? params[step_index] : 0)] = id
//   ring (ring_capacity > 0): ring[1 + step % ring_capacity] = id, then ring[0] = max(ring[0], step+1)
//                             (word 0 counts the tokens produced; the host zeroes it at the start)
//   next_ids (has_next):      next_ids[next_index + row] = id   (the next step's embedding input)

uint lil_pcg(uint v) {
  uint state = v * 747796405u + 2891336453u;
  uint word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

#ifndef NO_WRITE_TOKEN
void write_token(uint row, uint id) {
  uint step0 = params[pc.step_index];
  uint step = step0 + row;
  out_ids[pc.out_index + row + (pc.out_at_step != 0 ? step0 : 0u)] = id;
  if (pc.has_next != 0) next_ids[pc.next_index + row] = id;
  if (pc.ring_capacity != 0) {
    ring[1 + step % pc.ring_capacity] = id;
    memoryBarrierBuffer();
    atomicMax(ring[0], step + 1);
  }
}
#endif

// Ordered key of a float: larger float <=> larger key; NaN -> 0 (below -inf).
uint float_key(float f) {
  if (isnan(f)) return 0u;
  uint u = floatBitsToUint(f);
  return (u & 0x80000000u) != 0u ? ~u : (u | 0x80000000u);
}
float key_float(uint k) {
  if (k == 0u) return uintBitsToFloat(0x7fc00000u);
  return uintBitsToFloat((k & 0x80000000u) != 0u ? (k & 0x7fffffffu) : ~k);
}
