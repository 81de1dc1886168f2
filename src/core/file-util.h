// Whole-file reads and atomic writes, used by every module that touches the disk.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace ants::core {

// Throws ants::Error(io) naming the file.
std::string read_file(const std::filesystem::path& path);
// Writes to a temporary file in the same directory, then renames it over `path`, so readers
// never see a half-written file. Creates the parent directory.
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

}  // namespace ants::core
