#include "ood/builtin-corpus.h"

// .incbin as in clip/builtin-bpe.cpp: no generated C++ source, and hidden symbols so that libants
// does not export them.
// clang-format off
__asm__(
    ".pushsection .rodata.ants_corpus_pack,\"a\",@progbits\n"
    ".balign 16\n"
    ".globl ants_corpus_pack_begin\n"
    ".hidden ants_corpus_pack_begin\n"
    "ants_corpus_pack_begin:\n"
    ".incbin \"" ANTS_CORPUS_PACK_PATH "\"\n"
    ".globl ants_corpus_pack_end\n"
    ".hidden ants_corpus_pack_end\n"
    "ants_corpus_pack_end:\n"
    ".popsection\n");
// clang-format on

extern "C" {
__attribute__((visibility("hidden"))) extern const char ants_corpus_pack_begin[];
__attribute__((visibility("hidden"))) extern const char ants_corpus_pack_end[];
}

namespace ants::ood {

std::string_view builtin_corpus_pack() {
  return {ants_corpus_pack_begin, static_cast<size_t>(ants_corpus_pack_end - ants_corpus_pack_begin)};
}

}  // namespace ants::ood
