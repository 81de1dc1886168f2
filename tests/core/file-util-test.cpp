#include "core/file-util.h"

#include <ants/error.h>
#include <gtest/gtest.h>

#include "test-paths.h"

namespace ants::core {
namespace {

TEST(FileUtil, AtomicWriteCreatesParentsAndReplaces) {
  const auto path = test::temp_dir() / "a/b/c.txt";
  write_file_atomic(path, "first");
  write_file_atomic(path, "second");
  EXPECT_EQ(read_file(path), "second");
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(path.parent_path())) {
    (void)e;
    ++n;
  }
  EXPECT_EQ(n, 1);  // no temporary left behind
}

TEST(FileUtil, MissingFileErrorNamesIt) {
  try {
    read_file("/nonexistent/x.bin");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.bin"), std::string::npos);
  }
}

}  // namespace
}  // namespace ants::core
