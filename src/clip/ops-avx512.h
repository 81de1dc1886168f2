// AVX-512 row kernels behind ops.h; call only when core::cpu_has_avx512() (ops.cpp dispatches).
#pragma once

#include <cstdint>

namespace ants::clip::avx512 {

void softmax_rows(const float* scores, int n_mats, int rows, int cols, bool causal, void* out, bool bf16);
void layer_norm(const float* x, int rows, int width, const float* g, const float* b, float eps, void* y, bool bf16);
void to_bf16(const float* x, int64_t n, uint16_t* y);

}  // namespace ants::clip::avx512
