#include "pipeline/json-reader.h"

#include "core/error.h"
#include "core/file-util.h"

namespace ants::pipeline {

namespace fs = std::filesystem;
using nlohmann::json;

std::string indexed(const std::string& name, size_t i) {
  return std::string(name).append("[").append(std::to_string(i)).append("]");
}

void malformed(const fs::path& file, const std::string& what) { core::fail(ErrorCode::format, file.string(), what); }

json read_json(const fs::path& file) {
  const std::string text = core::read_file(file);
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    // A syntax error, or a number out of range (1e999). The message starts with nlohmann's
    // "[json.exception.parse_error.101] " tag, noise here.
    std::string what = e.what();
    if (const size_t at = what.find("] "); at != std::string::npos) what.erase(0, at + 2);
    malformed(file, "not valid JSON: " + what);
  }
}

void JsonReader::fail(const std::string& where, const std::string& what) const {
  malformed(file_, (where.empty() ? "" : where + ": ") + what);
}

const json& JsonReader::object(const json& j, const std::string& where) const {
  if (!j.is_object()) fail(where, "expected an object");
  return j;
}

const json& JsonReader::array(const json& j, const std::string& where) const {
  if (!j.is_array()) fail(where, "expected an array");
  return j;
}

const json* JsonReader::find(const json& j, const char* key) const {
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

const json& JsonReader::required(const json& j, const char* key, const std::string& where) const {
  const json* v = find(j, key);
  if (!v) fail(where, std::string("'") + key + "' is missing");
  return *v;
}

std::string JsonReader::string(const json& j, const char* key, const std::string& where, bool is_required) const {
  const json* v = is_required ? &required(j, key, where) : find(j, key);
  if (!v) return {};
  if (!v->is_string()) fail(where, std::string("'") + key + "' is not a string");
  return v->get<std::string>();
}

std::optional<double> JsonReader::number(const json& j, const char* key, const std::string& where) const {
  const json* v = find(j, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) fail(where, std::string("'") + key + "' is not a number");
  return v->get<double>();
}

int64_t JsonReader::integer(const json& j, const char* key, const std::string& where) const {
  const json& v = required(j, key, where);
  if (!v.is_number_integer()) fail(where, std::string("'") + key + "' is not an integer");
  return v.get<int64_t>();
}

}  // namespace ants::pipeline
