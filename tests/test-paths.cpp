#include "test-paths.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace ants::test {
std::filesystem::path shared_dir() { return ANTS_SHARED_DIR; }
std::filesystem::path tiny_model_dir() { return shared_dir() / "testdata/clip-tiny/model"; }

namespace {
// Every directory temp_dir() made, removed when the test program ends.
class TempDirs : public ::testing::Environment {
 public:
  static TempDirs& instance() {
    static TempDirs* dirs = [] {
      auto* d = new TempDirs;
      ::testing::AddGlobalTestEnvironment(d);  // gtest owns it from here
      return d;
    }();
    return *dirs;
  }
  // True the first time a path is seen: a test that asks twice gets the same, unemptied directory.
  bool add(const std::filesystem::path& p) {
    if (std::find(paths_.begin(), paths_.end(), p) != paths_.end()) return false;
    paths_.push_back(p);
    return true;
  }
  void TearDown() override {
    std::error_code ec;
    for (const auto& p : paths_) std::filesystem::remove_all(p, ec);
  }

 private:
  std::vector<std::filesystem::path> paths_;
};
}  // namespace

std::filesystem::path temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "ants";
  auto dir = std::filesystem::temp_directory_path() /
             ("ants-test-" + std::to_string(::getpid()) + "-" + name);
  if (TempDirs::instance().add(dir)) std::filesystem::remove_all(dir);  // a stale one from a crash
  std::filesystem::create_directories(dir);
  return dir;
}
std::filesystem::path shared_text_cache() {
  const std::filesystem::path dir = ANTS_TEST_CACHE_DIR;
  std::filesystem::create_directories(dir);
  return dir;
}
std::string cli_path() { return ANTS_CLI_PATH; }
}  // namespace ants::test
