#include "core/cpu.h"

#include <cpuid.h>
#include <omp.h>

#include <thread>

namespace ants::core {

namespace {
bool cpuid_bit(unsigned leaf, unsigned sub, int reg, int bit) {
  unsigned r[4] = {0, 0, 0, 0};
  if (!__get_cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3])) return false;
  return (r[reg] >> bit) & 1u;
}
}  // namespace

bool cpu_has_amx() { return cpuid_bit(7, 0, 3, 22); }                       // EDX bit 22: AMX-BF16
bool cpu_has_bf16_dot() { return cpuid_bit(7, 1, 0, 5) || cpu_has_amx(); }  // EAX bit 5: AVX512_BF16

bool cpu_has_avx512() {
  static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  return ok;
}

bool cpu_has_bf16_compute() { return cpu_has_avx512() || cpu_has_bf16_dot(); }

int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void set_compute_threads(int n) { omp_set_num_threads(n > 0 ? n : hardware_threads()); }

}  // namespace ants::core
