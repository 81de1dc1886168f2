#include "core/cache-dir.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace ants::core {
namespace {

// Sets or clears environment variables for one test and restores them afterwards.
class EnvGuard {
 public:
  ~EnvGuard() {
    for (auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  void set(const std::string& name, const char* value) {
    const char* old = std::getenv(name.c_str());
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    if (value) {
      ::setenv(name.c_str(), value, 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(CacheDir, AntsCacheDirWins) {
  EnvGuard env;
  env.set("ANTS_CACHE_DIR", "/tmp/ants-override");
  env.set("XDG_CACHE_HOME", "/tmp/xdg");
  env.set("HOME", "/home/someone");
  EXPECT_EQ(default_cache_dir(), "/tmp/ants-override");
}

TEST(CacheDir, XdgCacheHomeThenHome) {
  EnvGuard env;
  env.set("ANTS_CACHE_DIR", nullptr);
  env.set("XDG_CACHE_HOME", "/tmp/xdg");
  env.set("HOME", "/home/someone");
  EXPECT_EQ(default_cache_dir(), "/tmp/xdg/ants");
  env.set("XDG_CACHE_HOME", "relative/dir");  // the XDG spec: ignore relative paths
  EXPECT_EQ(default_cache_dir(), "/home/someone/.cache/ants");
  env.set("XDG_CACHE_HOME", nullptr);
  EXPECT_EQ(default_cache_dir(), "/home/someone/.cache/ants");
}

TEST(CacheDir, EmptyWithoutAnyVariable) {
  EnvGuard env;
  env.set("ANTS_CACHE_DIR", "");
  env.set("XDG_CACHE_HOME", nullptr);
  env.set("HOME", nullptr);
  EXPECT_TRUE(default_cache_dir().empty());
}

}  // namespace
}  // namespace ants::core
