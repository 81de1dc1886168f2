// Checked reading of a CSV input file (RFC 4180): every malformed record or field is an
// ants::Error (format) whose message starts with "<file>:<line>".
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ants::pipeline {

// A header line's columns.
struct CsvHeader {
  std::map<std::string, size_t> index;  // by name; the first of equal names
  size_t fields = 0;                    // the field count every record must have

  std::optional<size_t> find(const std::string& name) const;
};

// Records: fields separated by commas, optionally double-quoted (with "" for a quote, and
// commas and line breaks allowed inside); records end at \n or \r\n.
class CsvReader {
 public:
  // `text` must outlive the reader; `file` names it in errors.
  CsvReader(std::string_view text, std::filesystem::path file) : text_(text), file_(std::move(file)) {}

  // The next record into `fields`; false at the end of the text. Blank lines are skipped.
  bool next(std::vector<std::string>& fields);

  // The first record as a header, which must name every column in `required`.
  CsvHeader header(std::span<const char* const> required);
  // A record whose field count differs from the header's is an error.
  void check_fields(const std::vector<std::string>& fields, const CsvHeader& header) const;

  // An error at the line where the last record read starts.
  [[noreturn]] void fail(const std::string& what) const;
  int64_t integer(const std::string& field, const char* column) const;
  double finite(const std::string& field, const char* column) const;

 private:
  void skip_blank_lines();
  void read_quoted(std::string& field);
  void read_unquoted(std::string& field);

  std::string_view text_;
  std::filesystem::path file_;
  size_t pos_ = 0, line_ = 1, record_line_ = 1;
};

}  // namespace ants::pipeline
