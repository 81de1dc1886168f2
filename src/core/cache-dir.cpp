#include "core/cache-dir.h"

#include <cstdlib>
#include <string>

namespace ants::core {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

}  // namespace

std::filesystem::path default_cache_dir() {
  if (auto dir = env("ANTS_CACHE_DIR"); !dir.empty()) return dir;
  if (std::filesystem::path xdg = env("XDG_CACHE_HOME"); xdg.is_absolute()) return xdg / "ants";
  if (auto home = env("HOME"); !home.empty()) return std::filesystem::path(home) / ".cache" / "ants";
  return {};
}

}  // namespace ants::core
