// The SQLite answer cache: call key -> raw answer text. WAL mode with a busy timeout, so several
// ants runs can share one file. Thread-safe (one connection behind a mutex).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ants::mllm {

class AnswerCache {
 public:
  // Opens or creates `path` (and its directory). Throws Error(io) naming the file.
  explicit AnswerCache(const std::filesystem::path& path);
  ~AnswerCache();
  AnswerCache(const AnswerCache&) = delete;
  AnswerCache& operator=(const AnswerCache&) = delete;

  // Never throw: a cache that fails to read or write is a miss / a lost entry, and the error is
  // kept for last_error().
  std::optional<std::string> get(std::string_view key);
  void put(std::string_view key, std::string_view kind, std::string_view model, std::string_view answer);
  std::string last_error() const;
  const std::filesystem::path& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ants::mllm
