// The SQLite answer cache: call key -> raw answer text. WAL mode with a busy timeout, so several
// ants runs can share one file, except on a network filesystem (NFS, Lustre, GPFS, SMB, ...),
// where WAL's shared memory does not reach across hosts: there one process at a time has the file,
// and another is refused with a message saying to give each task its own cache. Thread-safe (one
// connection behind a mutex).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ants::mllm {

// The name of a network (or FUSE) filesystem by its statfs f_type, else nullptr.
const char* network_filesystem_name(int64_t statfs_magic);
// That of the filesystem `path` is (or would be created) on.
const char* network_filesystem_of(const std::filesystem::path& path);

class AnswerCache {
 public:
  // Opens or creates `path` (and its directory). Throws Error(io) naming the file.
  // `network_fs` names the filesystem when the caller knows it is a network one (tests); by
  // default the file's filesystem is asked.
  explicit AnswerCache(const std::filesystem::path& path, const char* network_fs = nullptr);
  ~AnswerCache();
  AnswerCache(const AnswerCache&) = delete;
  AnswerCache& operator=(const AnswerCache&) = delete;

  // Never throw: a cache that fails to read or write is a miss / a lost entry, and the error is
  // kept for last_error().
  std::optional<std::string> get(std::string_view key);
  void put(std::string_view key, std::string_view kind, std::string_view model, std::string_view answer);
  std::string last_error() const;
  const std::filesystem::path& path() const;
  // The network filesystem the file is on ("nfs", ...), or nullptr.
  const char* network_filesystem() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ants::mllm
