// ants/error.h — the one error type every public ants function reports failures with.
//
// Contract: a public ants function either succeeds or throws ants::Error; it never lets a
// std::bad_alloc-free library exception of another type escape, never aborts the process on bad
// input, and never prints. Error::what() is a single line that names the file (or argument) and
// the cause, e.g. "model.safetensors: tensor 'visual_projection' has shape [24,64], expected
// [64,24]".
#pragma once

#include <ants/export.h>

#include <stdexcept>
#include <string>

namespace ants {

enum class ErrorCode {
  invalid_argument,  // a caller-supplied value is out of range or inconsistent
  io,                // a file cannot be opened or read
  format,            // a file is readable but malformed (corrupt, truncated, wrong shape)
  unsupported,       // well-formed input that ants does not handle (dtype, layout, codec)
  internal,          // a broken invariant inside ants (a bug)
};

class ANTS_API Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace ants
