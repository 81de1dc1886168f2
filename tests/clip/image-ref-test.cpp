// Image handles: a file and its bytes in memory are the same image.
#include <ants/error.h>
#include <ants/image.h>
#include <gtest/gtest.h>

#include <fstream>

#include "test-paths.h"

namespace ants {
namespace {

TEST(ImageRef, AFileAndItsBytesHaveOneIdentity) {
  const auto path = test::temp_dir() / "a.bin";
  std::ofstream(path, std::ios::binary) << "some encoded bytes";
  const ImageRef file = ImageRef::file(path), memory = ImageRef::memory("some encoded bytes", "upload");
  EXPECT_EQ(file.name, path.string());
  EXPECT_EQ(file.read(), "some encoded bytes");
  EXPECT_EQ(memory.read(), "some encoded bytes");
  EXPECT_EQ(file.content_hash(), memory.content_hash());
  EXPECT_EQ(file.content_hash().size(), 32u);
  EXPECT_NE(ImageRef::memory("other bytes", "x").content_hash(), memory.content_hash());
  ImageRef known = ImageRef::file(path);
  known.hash = "0123";
  EXPECT_EQ(known.content_hash(), "0123");  // a known hash is not recomputed
}

TEST(ImageRef, AMissingFileOrAnEmptyHandleIsAnIoErrorNamingIt) {
  const ImageRef missing = ImageRef::file(test::temp_dir() / "missing.png");
  try {
    missing.read();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_NE(std::string(e.what()).find("missing.png"), std::string::npos) << e.what();
  }
  ImageRef empty;
  empty.name = "upload-7";
  EXPECT_THROW(empty.read(), Error);
  EXPECT_THROW(empty.content_hash(), Error);
}

}  // namespace
}  // namespace ants
