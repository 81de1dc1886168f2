// encode_jpeg: a baseline 4:2:0 JPEG that decodes back close to the input.
#include <ants/error.h>
#include <ants/image.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "clip/image-test-util.h"

namespace ants::test {
namespace {

double mean_abs_diff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += std::abs(int(a[i]) - int(b[i]));
  return s / static_cast<double>(a.size());
}

// Sampling factors (Hi << 4 | Vi) of the components in the SOF marker; empty if none.
std::vector<int> sof_sampling(const std::vector<uint8_t>& jpg, int* sof_type) {
  for (size_t i = 2; i + 10 < jpg.size();) {
    if (jpg[i] != 0xFF) break;
    const int marker = jpg[i + 1];
    const size_t len = (size_t{jpg[i + 2]} << 8) | jpg[i + 3];
    if (marker >= 0xC0 && marker <= 0xC2) {
      *sof_type = marker;
      std::vector<int> f;
      for (int c = 0; c < jpg[i + 9] && i + 11 + 3 * c < jpg.size(); ++c) f.push_back(jpg[i + 11 + 3 * c]);
      return f;
    }
    i += 2 + len;
  }
  return {};
}

TEST(ImageEncode, RoundTripIsCloseAndBaseline420) {
  const ImageRGB8 src = decode_image_file(image_data_dir() / "photo.jpg");
  for (int quality : {95, 75}) {
    SCOPED_TRACE(quality);
    const auto jpg = encode_jpeg(src, quality);
    ASSERT_GT(jpg.size(), 100u);
    EXPECT_EQ(jpg[0], 0xFF);
    EXPECT_EQ(jpg[1], 0xD8);
    EXPECT_EQ(jpg[jpg.size() - 2], 0xFF);
    EXPECT_EQ(jpg.back(), 0xD9);
    int sof = 0;
    EXPECT_EQ(sof_sampling(jpg, &sof), (std::vector<int>{0x22, 0x11, 0x11}));
    EXPECT_EQ(sof, 0xC0);  // baseline
    const ImageRGB8 back = decode_image_memory(jpg, "encoded");
    ASSERT_EQ(back.width, src.width);
    ASSERT_EQ(back.height, src.height);
    EXPECT_LT(mean_abs_diff(back.data, src.data), quality == 95 ? 2.0 : 4.0);
  }
  EXPECT_LT(encode_jpeg(src, 30).size(), encode_jpeg(src, 95).size());
}

TEST(ImageEncode, RejectsBadArguments) {
  const ImageRGB8 src = decode_image_file(image_data_dir() / "gray2.png");
  EXPECT_THROW(encode_jpeg(src, 0), Error);
  EXPECT_THROW(encode_jpeg(src, 101), Error);
  EXPECT_THROW(encode_jpeg(ImageRGB8{}, 90), Error);
  ImageRGB8 broken = src;
  broken.data.resize(5);
  EXPECT_THROW(encode_jpeg(broken, 90), Error);
}

}  // namespace
}  // namespace ants::test
