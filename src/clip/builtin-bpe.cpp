#include "clip/builtin-bpe.h"

// .incbin keeps the 1.3 MB file out of the C++ front end and the build free of a generator
// step; the symbols are hidden so that libants does not export them.
// clang-format off
__asm__(
    ".pushsection .rodata.ants_bpe_gz,\"a\",@progbits\n"
    ".balign 16\n"
    ".globl ants_bpe_gz_begin\n"
    ".hidden ants_bpe_gz_begin\n"
    "ants_bpe_gz_begin:\n"
    ".incbin \"" ANTS_BPE_GZ_PATH "\"\n"
    ".globl ants_bpe_gz_end\n"
    ".hidden ants_bpe_gz_end\n"
    "ants_bpe_gz_end:\n"
    ".popsection\n");
// clang-format on

extern "C" {
__attribute__((visibility("hidden"))) extern const char ants_bpe_gz_begin[];
__attribute__((visibility("hidden"))) extern const char ants_bpe_gz_end[];
}

namespace ants::clip {

std::string_view builtin_bpe_gz() {
  return {ants_bpe_gz_begin, static_cast<size_t>(ants_bpe_gz_end - ants_bpe_gz_begin)};
}

}  // namespace ants::clip
