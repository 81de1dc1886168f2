// What this CPU can do, and how many threads ants uses.
#pragma once

namespace ants::core {

bool cpu_has_bf16_dot();  // AVX512-BF16 or AMX-BF16
bool cpu_has_amx();
// AVX-512 F/BW/DQ/VL, with the OS saving the zmm state.
bool cpu_has_avx512();
// Whether oneDNN can run bf16 matrix products here: it needs AVX-512 (emulating the bf16 dot
// product) or a native one; on AVX2-only CPUs it has no bf16 kernels.
bool cpu_has_bf16_compute();
// Online cores (at least 1).
int hardware_threads();
// Sets the OpenMP team size for the calling thread's parallel regions (oneDNN included);
// n <= 0 means hardware_threads().
void set_compute_threads(int n);

}  // namespace ants::core
