// safetensors reading (validated, zero-copy views into a memory map) and writing.
//
// Format: 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape,
// data_offsets: [begin, end]}, "__metadata__": {...}}, then the data buffer; offsets are
// relative to the buffer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/mapped-file.h"

namespace ants::clip {

enum class Dtype { f32, f16, bf16, f64, i64, i32, i16, i8, u8, boolean };

const char* dtype_name(Dtype d);
size_t dtype_size(Dtype d);

struct TensorView {
  std::string name;
  Dtype dtype = Dtype::f32;
  std::vector<int64_t> shape;
  size_t offset = 0;  // absolute offset of the first byte in the file
  std::span<const uint8_t> bytes;

  int64_t numel() const;
  // Converts a floating-point tensor (F32/F16/BF16/F64) to float32.
  std::vector<float> to_f32() const;
  void to_f32(float* out) const;
};

// Maps `path` and validates the header completely: header length within the file, JSON
// well-formed, no duplicate names, known dtypes, non-negative shapes, byte size equal to
// numel * dtype size (overflow-checked), offsets inside the data buffer and not overlapping.
// Throws ants::Error(format) naming the file on the first problem.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return file_->path(); }
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const TensorView* find(const std::string& name) const;
  // Frees the file pages behind `t` once it has been converted.
  void release(const TensorView& t) const { file_->release(t.offset, t.bytes.size()); }

 private:
  std::unique_ptr<core::MappedFile> file_;
  std::map<std::string, TensorView> tensors_;
};

struct TensorToWrite {
  std::string name;
  Dtype dtype = Dtype::f32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;  // numel * dtype_size bytes, little-endian
};

// Writes tensors in the given order (atomically: temp file + rename).
void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors);

}  // namespace ants::clip
