#version 450
// Element-wise F32 ops over n elements (grid-stride loop):
//   OP_ADD:      y[i] += x[i]          (residual add)
//   OP_ADD_BIAS: y[i] += x[i % cols]   (bias broadcast over the rows of a [n / cols][cols] y)
//   OP_SCALE:    y[i] *= s
layout(local_size_x_id = 0) in;
layout(std430, set = 0, binding = 0) buffer Y { float y[]; };
#if defined(OP_ADD) || defined(OP_ADD_BIAS)
layout(std430, set = 0, binding = 1) readonly buffer X { float x[]; };
#endif
layout(push_constant) uniform Push { uint n; float s; uint cols; } pc;

void main() {
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
#if defined(OP_ADD)
    y[i] += x[i];
#elif defined(OP_ADD_BIAS)
    y[i] += x[i % pc.cols];
#else
    y[i] *= pc.s;
#endif
  }
}
