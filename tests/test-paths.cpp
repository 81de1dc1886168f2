#include "test-paths.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace ants::test {
std::filesystem::path shared_dir() { return ANTS_SHARED_DIR; }
std::filesystem::path tiny_model_dir() { return shared_dir() / "testdata/clip-tiny/model"; }

std::filesystem::path temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "ants";
  auto dir = std::filesystem::temp_directory_path() /
             ("ants-test-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}
std::string cli_path() { return ANTS_CLI_PATH; }
}  // namespace ants::test
