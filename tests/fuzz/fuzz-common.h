// What the fuzz targets share: a scratch directory per process, files written into it, the one
// rule every target checks (bad input is rejected with an ants::Error, never a crash, a leak or
// another exception), and checksum resealing so mutations reach the parsers behind a checksum.
#pragma once

#include <ants/error.h>
#include <fuzzer/FuzzedDataProvider.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/hash.h"

namespace ants::fuzz {

namespace fs = std::filesystem;

class ScratchDir {
 public:
  ScratchDir() : dir_(fs::temp_directory_path() / ("ants-fuzz-" + std::to_string(::getpid()))) {
    fs::create_directories(dir_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  const fs::path& path() const { return dir_; }

 private:
  fs::path dir_;
};

inline const fs::path& scratch() {
  static const ScratchDir dir;
  return dir.path();
}

inline fs::path write_file(const fs::path& path, std::string_view data) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(data.data(), static_cast<std::streamsize>(data.size()));
  return path;
}

inline fs::path write_scratch(const std::string& name, std::string_view data) { return write_file(scratch() / name, data); }

inline std::string_view as_view(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs `f`; an ants::Error is the expected answer to bad input. Anything else escapes, and
// libFuzzer reports it as a crash.
template <typename F>
void expect_clean(F&& f) {
  try {
    f();
  } catch (const ants::Error&) {
  }
}

// ants' checked files (core/file-envelope.h) end in an XXH3-128 of everything before them. A
// mutated file almost never matches its checksum, so the targets recompute it for half of the
// inputs: the parsers behind the checksum then see the mutations too.
inline std::string reseal(std::string bytes) {
  constexpr size_t kChecksum = 16;
  if (bytes.size() < kChecksum) return bytes;
  const size_t body = bytes.size() - kChecksum;
  const core::Hash128 sum = core::hash_bytes(std::string_view(bytes).substr(0, body));
  std::memcpy(bytes.data() + body, &sum.high, 8);
  std::memcpy(bytes.data() + body + 8, &sum.low, 8);
  return bytes;
}

// Seeds of targets whose valid inputs only ants itself can make: with ANTS_FUZZ_WRITE_SEEDS=DIR
// set, LLVMFuzzerInitialize writes them there and the process exits (scripts/fuzz.sh seeds).
inline const char* seed_dir() { return std::getenv("ANTS_FUZZ_WRITE_SEEDS"); }

}  // namespace ants::fuzz
