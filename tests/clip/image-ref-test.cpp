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

// An array handed over by a front end: used without decoding, read as lossless PNG.
TEST(ImageRef, DecodedPixelsReadAsPngAndAreIdentifiedBySizeAndData) {
  ImageRGB8 img{3, 2, {}};
  for (int i = 0; i < 18; ++i) img.data.push_back(static_cast<uint8_t>(i * 13));
  const ImageRef ref = ImageRef::decoded(img, "array 0");
  EXPECT_EQ(ref.name, "array 0");
  const std::string png = ref.read();
  const ImageRGB8 back = decode_image_memory({reinterpret_cast<const uint8_t*>(png.data()), png.size()}, "png");
  EXPECT_EQ(back.width, 3);
  EXPECT_EQ(back.height, 2);
  EXPECT_EQ(back.data, img.data);
  EXPECT_EQ(ref.content_hash(), ImageRef::decoded(img, "other name").content_hash());
  const ImageRGB8 transposed{2, 3, img.data};  // the same bytes at another size
  EXPECT_NE(ImageRef::decoded(transposed, "t").content_hash(), ref.content_hash());
  EXPECT_THROW(encode_png(ImageRGB8{4, 4, {1, 2, 3}}), Error);
}

}  // namespace
}  // namespace ants
