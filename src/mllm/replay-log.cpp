#include "mllm/replay-log.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/file-util.h"

namespace ants::mllm {

using nlohmann::json;

ReplayLog::ReplayLog(const std::filesystem::path& path) {
  const std::string text = core::read_file(path);
  bool mixed = false, seen_model = false;
  size_t line_no = 0, start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const json j = json::parse(line, nullptr, false);
    const auto where = path.string() + ":" + std::to_string(line_no);
    if (!j.is_object() || !j.contains("key") || !j["key"].is_string() || !j.contains("answer") || !j["answer"].is_string())
      core::fail(ErrorCode::format, where, "not a replay line {\"kind\", \"key\", \"answer\"}");
    answers_[j["key"].get<std::string>()] = j["answer"].get<std::string>();
    const std::string model = j.value("model", "");
    if (!seen_model) only_model_ = model, seen_model = true;
    else if (model != only_model_) mixed = true;
  }
  if (mixed) only_model_.clear();
}

std::optional<std::string> ReplayLog::find(const std::string& key) const {
  const auto it = answers_.find(key);
  if (it == answers_.end()) return std::nullopt;
  return it->second;
}

RecordLog::RecordLog(const std::filesystem::path& path) : path_(path) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  file_ = std::fopen(path.c_str(), "ab");
  if (file_ == nullptr) core::fail(ErrorCode::io, path.string(), std::string("cannot open for appending: ") + std::strerror(errno));
}

RecordLog::~RecordLog() {
  if (file_ != nullptr) std::fclose(file_);
}

bool RecordLog::append(std::string_view kind, std::string_view key, std::string_view model, std::string_view answer) {
  const json j = {{"kind", kind}, {"key", key}, {"model", model}, {"answer", answer}};
  std::string line = j.dump(-1, ' ', false, json::error_handler_t::replace);
  line.push_back('\n');
  std::lock_guard lock(mu_);
  return std::fwrite(line.data(), 1, line.size(), file_) == line.size() && std::fflush(file_) == 0;
}

}  // namespace ants::mllm
