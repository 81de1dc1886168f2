#include "pipeline/csv-reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "pipeline/json-reader.h"

namespace ants::pipeline {

std::optional<size_t> CsvHeader::find(const std::string& name) const {
  const auto it = index.find(name);
  return it == index.end() ? std::nullopt : std::optional<size_t>(it->second);
}

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  skip_blank_lines();
  if (pos_ >= text_.size()) return false;
  record_line_ = line_;
  for (;;) {
    std::string& f = fields.emplace_back();
    if (pos_ < text_.size() && text_[pos_] == '"')
      read_quoted(f);
    else
      read_unquoted(f);
    if (pos_ >= text_.size()) return true;
    if (text_[pos_] == ',') {
      ++pos_;
      continue;
    }
    if (text_.substr(pos_, 2) == "\r\n") ++pos_;
    if (text_[pos_] != '\n') fail("text after a closing quote");
    ++pos_;
    ++line_;
    return true;
  }
}

void CsvReader::skip_blank_lines() {
  while (pos_ < text_.size() && (text_[pos_] == '\n' || text_.substr(pos_, 2) == "\r\n")) {
    pos_ += text_[pos_] == '\n' ? 1 : 2;
    ++line_;
  }
}

// From the opening quote to just after the closing one.
void CsvReader::read_quoted(std::string& field) {
  ++pos_;
  for (;;) {
    const size_t q = text_.find('"', pos_);
    if (q == std::string_view::npos) fail("unterminated quoted field");
    line_ += static_cast<size_t>(std::count(text_.begin() + static_cast<ptrdiff_t>(pos_),
                                            text_.begin() + static_cast<ptrdiff_t>(q), '\n'));
    field.append(text_.substr(pos_, q - pos_));
    pos_ = q + 1;
    if (pos_ >= text_.size() || text_[pos_] != '"') return;
    field += '"';  // "" inside quotes
    ++pos_;
  }
}

// Up to the next comma or line end; the CR of a CRLF is not part of the field.
void CsvReader::read_unquoted(std::string& field) {
  const size_t end = std::min(text_.find_first_of(",\n\"", pos_), text_.size());
  if (end < text_.size() && text_[end] == '"') fail("a quote inside an unquoted field");
  field.assign(text_.substr(pos_, end - pos_));
  pos_ = end;
  if (!field.empty() && field.back() == '\r' && (pos_ == text_.size() || text_[pos_] == '\n')) field.pop_back();
}

CsvHeader CsvReader::header(std::span<const char* const> required) {
  std::vector<std::string> names;
  if (!next(names)) fail("empty file (expected a header line)");
  CsvHeader h;
  for (size_t i = 0; i < names.size(); ++i) h.index.emplace(names[i], i);
  for (const char* name : required)
    if (!h.index.count(name)) fail(std::string("the header has no '") + name + "' column");
  h.fields = names.size();
  return h;
}

void CsvReader::check_fields(const std::vector<std::string>& fields, const CsvHeader& header) const {
  if (fields.size() != header.fields)
    fail(std::to_string(fields.size()) + " fields, the header has " + std::to_string(header.fields));
}

void CsvReader::fail(const std::string& what) const {
  malformed(file_.string() + ":" + std::to_string(record_line_), what);
}

int64_t CsvReader::integer(const std::string& field, const char* column) const {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (ec != std::errc() || end != field.data() + field.size() || field.empty())
    fail(std::string("'") + column + "' is not an integer: '" + field + "'");
  return v;
}

double CsvReader::finite(const std::string& field, const char* column) const {
  double v = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (ec != std::errc() || end != field.data() + field.size() || field.empty() || !std::isfinite(v))
    fail(std::string("'") + column + "' is not a finite number: '" + field + "'");
  return v;
}

}  // namespace ants::pipeline
