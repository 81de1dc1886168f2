// ants/files.h — writing result files so that readers never see half of one.
#pragma once

#include <ants/export.h>

#include <filesystem>
#include <string_view>

namespace ants {

// Writes to a temporary file in the same directory, then renames it over `path`; creates the
// parent directory. Throws Error(io) naming the file.
ANTS_API void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

}  // namespace ants
