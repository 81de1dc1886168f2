// Files compiled into libants with .incbin: no generated C++ source, no generator step, and
// hidden symbols so that the library does not export them. PATH is a string literal (a define
// set by CMake, which also lists the file in OBJECT_DEPENDS).
#pragma once

#include <cstddef>
#include <string_view>

// At namespace scope: defines SYM_begin / SYM_end around the bytes of PATH.
#define ANTS_EMBED_FILE(SYM, PATH)                                                               \
  __asm__(".pushsection .rodata." #SYM ",\"a\",@progbits\n"                                      \
          ".balign 16\n"                                                                         \
          ".globl " #SYM "_begin\n"                                                              \
          ".hidden " #SYM "_begin\n" #SYM "_begin:\n"                                            \
          ".incbin \"" PATH "\"\n"                                                               \
          ".globl " #SYM "_end\n"                                                                \
          ".hidden " #SYM "_end\n" #SYM "_end:\n"                                                \
          ".popsection\n");                                                                      \
  extern "C" __attribute__((visibility("hidden"))) const char SYM##_begin[];                    \
  extern "C" __attribute__((visibility("hidden"))) const char SYM##_end[]

// The embedded bytes of SYM.
#define ANTS_EMBEDDED_BYTES(SYM) \
  std::string_view(SYM##_begin, static_cast<std::size_t>(SYM##_end - SYM##_begin))
