#include "core/cache-dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

namespace ants::core {
namespace {

// Sets or clears environment variables for one test and restores them afterwards: each variable
// gets back the value it had before the guard first touched it, however often it was set since.
class EnvGuard {
 public:
  EnvGuard() = default;
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;
  ~EnvGuard() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      const auto& [name, value] = *it;
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  void set(const std::string& name, const char* value) {
    const bool seen = std::any_of(saved_.begin(), saved_.end(), [&name](const auto& s) { return s.first == name; });
    if (!seen) {
      const char* old = std::getenv(name.c_str());
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    }
    if (value) {
      ::setenv(name.c_str(), value, 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;  // first values, in order
};

// The whole environment as sorted NAME=value lines.
std::vector<std::string> environment() {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) out.emplace_back(*e);
  std::sort(out.begin(), out.end());
  return out;
}

// Every test checks that its guard left the environment exactly as it found it (the guard is a
// local of the test body, so it is gone when TearDown runs).
class CacheDir : public ::testing::Test {
 protected:
  void SetUp() override { before_ = environment(); }
  void TearDown() override { EXPECT_EQ(environment(), before_) << "EnvGuard did not restore the environment"; }

 private:
  std::vector<std::string> before_;
};

TEST_F(CacheDir, EnvGuardRestoresTheValueBeforeItsFirstSet) {
  EnvGuard outer;
  outer.set("ANTS_ENV_GUARD_TEST", "original");
  {
    EnvGuard inner;
    inner.set("ANTS_ENV_GUARD_TEST", "first");
    inner.set("ANTS_ENV_GUARD_TEST", nullptr);
    inner.set("ANTS_ENV_GUARD_TEST", "last");
  }
  ASSERT_NE(std::getenv("ANTS_ENV_GUARD_TEST"), nullptr);
  EXPECT_STREQ(std::getenv("ANTS_ENV_GUARD_TEST"), "original");
}

TEST_F(CacheDir, AntsCacheDirWins) {
  EnvGuard env;
  env.set("ANTS_CACHE_DIR", "/tmp/ants-override");
  env.set("XDG_CACHE_HOME", "/tmp/xdg");
  env.set("HOME", "/home/someone");
  EXPECT_EQ(default_cache_dir(), "/tmp/ants-override");
}

TEST_F(CacheDir, XdgCacheHomeThenHome) {
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

TEST_F(CacheDir, EmptyWithoutAnyVariable) {
  EnvGuard env;
  env.set("ANTS_CACHE_DIR", "");
  env.set("XDG_CACHE_HOME", nullptr);
  env.set("HOME", nullptr);
  EXPECT_TRUE(default_cache_dir().empty());
}

}  // namespace
}  // namespace ants::core
