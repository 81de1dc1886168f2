// Checked reading of a JSON input file: every parse error or wrong type is an ants::Error
// (format) whose message starts with the file's path and names the place in the document.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

namespace ants::pipeline {

// "name[i]", the place of an array element in an error message.
std::string indexed(const std::string& name, size_t i);

// A format error: "<file>: <what>".
[[noreturn]] void malformed(const std::filesystem::path& file, const std::string& what);

// The document in `file` (io error when it cannot be read, format error when it is not JSON).
nlohmann::json read_json(const std::filesystem::path& file);

// Checked access to the members of a document read from `file`. `where` names the place in
// the document ("sets[0].mean"; "" for the top level) in the error messages.
class JsonReader {
 public:
  explicit JsonReader(std::filesystem::path file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& what) const;
  const nlohmann::json& object(const nlohmann::json& j, const std::string& where) const;
  const nlohmann::json& array(const nlohmann::json& j, const std::string& where) const;
  // Member `key` of object `j`, or nullptr when absent or null.
  const nlohmann::json* find(const nlohmann::json& j, const char* key) const;
  const nlohmann::json& required(const nlohmann::json& j, const char* key, const std::string& where) const;
  // A string member; "" when it is absent and not required.
  std::string string(const nlohmann::json& j, const char* key, const std::string& where, bool is_required) const;
  std::optional<double> number(const nlohmann::json& j, const char* key, const std::string& where) const;
  // A required member that must be an integer.
  int64_t integer(const nlohmann::json& j, const char* key, const std::string& where) const;

 private:
  std::filesystem::path file_;
};

}  // namespace ants::pipeline
