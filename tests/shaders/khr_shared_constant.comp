#version 450
// For test_spirv_khr.py: one constant matrix used as both the A and the B operand (the translator
// must give each use its own KHR-typed copy), a loaded A, a stored accumulator and its length.
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define MA fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define MC fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>
layout(local_size_x = 32) in;
layout(set = 0, binding = 0) buffer Out { float y[]; };
layout(set = 0, binding = 1) buffer In { float16_t x[]; };
void main() {
  MA a;
  coopMatLoadNV(a, x, 0, 16, false);
  MC acc = MC(0.0);
  acc = coopMatMulAddNV(MA(1.0), MA(1.0), acc);
  acc = coopMatMulAddNV(a, MA(1.0), acc);
  coopMatStoreNV(acc, y, 0, 16, true);
  y[256 + gl_LocalInvocationID.x] = float(acc.length());
}
