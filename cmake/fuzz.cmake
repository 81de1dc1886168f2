# The libFuzzer build (-DANTS_FUZZ=ON, CXX=clang++): every object carries ASan + UBSan and
# libFuzzer's coverage instrumentation; the targets in tests/fuzz link libFuzzer's main.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "ANTS_FUZZ needs clang (libFuzzer): configure with CC=clang CXX=clang++")
endif()
# Debian's oneDNN links GNU OpenMP: clang must use the same runtime, not LLVM's libomp, or the
# process would hold two OpenMP runtimes.
find_library(ANTS_GOMP_LIBRARY NAMES gomp libgomp.so.1 REQUIRED)
set(OpenMP_CXX_FLAGS "-fopenmp=libgomp" CACHE STRING "OpenMP flags of the fuzz build")
set(OpenMP_CXX_LIB_NAMES "gomp" CACHE STRING "OpenMP libraries of the fuzz build")
set(OpenMP_gomp_LIBRARY "${ANTS_GOMP_LIBRARY}" CACHE FILEPATH "GNU OpenMP")

function(ants_fuzz_instrument target)
  target_compile_options(${target} INTERFACE -O1 -g -fsanitize=fuzzer-no-link,address,undefined
    -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(${target} INTERFACE -fsanitize=address,undefined)
endfunction()
