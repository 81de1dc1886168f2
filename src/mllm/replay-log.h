// The project's one record/replay format for MLLM answers: JSONL, one line per call,
//   {"kind": "describe" | "similar" | "envision", "key": "<call key>", "model": "<model>", "answer": "<raw text>"}
// matched by key (not by order), so a recorded run replays without a server.
#pragma once

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ants::mllm {

class ReplayLog {
 public:
  // Reads every line of `path`. Throws Error(io) when unreadable, Error(format) naming the file
  // and line for a line that is not such an object. Later lines win for a repeated key.
  explicit ReplayLog(const std::filesystem::path& path);
  std::optional<std::string> find(const std::string& key) const;
  // The model named in the file when all its lines name the same one, else empty.
  const std::string& only_model() const { return only_model_; }
  size_t size() const { return answers_.size(); }

 private:
  std::unordered_map<std::string, std::string> answers_;
  std::string only_model_;
};

class RecordLog {
 public:
  // Appends to `path` (created with its directory). Throws Error(io) naming the file.
  explicit RecordLog(const std::filesystem::path& path);
  ~RecordLog();
  RecordLog(const RecordLog&) = delete;
  RecordLog& operator=(const RecordLog&) = delete;
  // Thread-safe; each line is flushed as it is written. Returns false on a write error.
  bool append(std::string_view kind, std::string_view key, std::string_view model, std::string_view answer);

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  std::mutex mu_;
};

}  // namespace ants::mllm
