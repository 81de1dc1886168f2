// Element-wise and row-wise transformer kernels around the matrix products (OpenMP-parallel).
#pragma once

#include <cstdint>

#include "linalg/matmul.h"

namespace ants::clip {

// y[r] = (x[r] - mean) / sqrt(var + eps) * g + b for `rows` rows of `width`; float32 math,
// y written as y_type (y may alias x when both are float32).
void layer_norm(const float* x, int rows, int width, const float* g, const float* b, float eps, void* y,
                DType y_type);

// Row softmax of float32 scores laid out as n_mats matrices of rows x cols. With `causal`, row r
// of each matrix only sees columns 0..r (the rest become 0). Output written as out_type.
void softmax_rows(const float* scores, int n_mats, int rows, int cols, bool causal, void* out, DType out_type);

// qkv: [batch * tokens, 3 * width] rows (q | k | v, heads of width/heads each) ->
// q, k, v: [batch, heads, tokens, width/heads] each, element type t.
void split_heads(const void* qkv, int batch, int tokens, int width, int heads, DType t, void* q, void* k, void* v);

// float32 -> bfloat16 (round to nearest even) or a plain copy for float32.
void convert_f32(const float* x, int64_t n, void* y, DType y_type);

// Scales each row of x[rows, width] to unit L2 norm (a zero row stays zero).
void l2_normalize_rows(float* x, int rows, int width);

}  // namespace ants::clip
