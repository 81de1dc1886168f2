// Resize and preprocessing against PIL's Image.resize(BICUBIC) and torchvision 0.14's
// Resize/CenterCrop/ToTensor/Normalize (goldens from scripts/gen-image-goldens.py), and against
// the tiny CLIP fixture's reference pixels.
#include <ants/error.h>
#include <ants/image.h>
#include <gtest/gtest.h>

#include <iostream>
#include <thread>

#include "clip/image-test-util.h"
#include "test-paths.h"

namespace ants::test {
namespace {

TEST(ImageResize, MatchesPilBicubicByteForByte) {
  const auto& cases = image_goldens()["resize"];
  ASSERT_GE(cases.size(), 8u);
  for (const auto& c : cases) {
    const ImageRGB8 src = decode_image_file(image_data_dir() / c["file"].get<std::string>());
    const int w = c["width"], h = c["height"];
    SCOPED_TRACE(std::to_string(src.width) + "x" + std::to_string(src.height) + " -> " + std::to_string(w) + "x" +
                 std::to_string(h));
    const ImageRGB8 out = resize_bicubic(src, w, h);
    EXPECT_EQ(out.width, w);
    EXPECT_EQ(out.height, h);
    EXPECT_EQ(count_byte_diffs(out.data, read_bytes(image_data_dir() / c["rgb"].get<std::string>()), "resize"), 0u);
  }
}

TEST(ImageResize, RejectsInvalidSizes) {
  const ImageRGB8 src = decode_image_file(image_data_dir() / "gray2.png");
  for (auto [w, h] : {std::pair{0, 5}, {5, 0}, {-1, 3}, {1 << 20, 1 << 20}}) {
    try {
      resize_bicubic(src, w, h);
      ADD_FAILURE() << w << "x" << h << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
    }
  }
  ImageRGB8 broken = src;
  broken.data.pop_back();
  EXPECT_THROW(resize_bicubic(broken, 4, 4), Error);
}

// OpenMP inside, several callers outside: results must not depend on either.
TEST(ImageResize, ConcurrentCallsGiveTheSameResult) {
  const ImageRGB8 big = resize_bicubic(decode_image_file(image_data_dir() / "photo.jpg"), 640, 480);
  const ImageRGB8 want = resize_bicubic(big, 298, 224);
  std::vector<ImageRGB8> got(4);
  std::vector<std::thread> threads;
  for (auto& g : got) threads.emplace_back([&] { g = resize_bicubic(big, 298, 224); });
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g.data, want.data);
}

PreprocessParams params_of(const nlohmann::json& c) {
  PreprocessParams p;
  p.resize_size = c["resize"];
  p.crop_size = c["crop"];
  for (int i = 0; i < 3; ++i) {
    p.mean[i] = c["mean"][i].get<float>();
    p.std[i] = c["std"][i].get<float>();
  }
  return p;
}

TEST(ImagePreprocess, MatchesTorchvisionGoldens) {
  const auto& cases = image_goldens()["preprocess"];
  ASSERT_GE(cases.size(), 10u);
  double worst = 0;
  for (const auto& c : cases) {
    const std::string file = c["file"];
    SCOPED_TRACE(file + " resize " + std::to_string(c["resize"].get<int>()) + " crop " +
                 std::to_string(c["crop"].get<int>()));
    const auto got = preprocess(decode_image_file(image_data_dir() / file), params_of(c));
    const auto want = read_f32(image_data_dir() / c["pixels"].get<std::string>());
    const double diff = max_abs_diff(got, want);
    EXPECT_LE(diff, 1e-6);
    worst = std::max(worst, diff);
  }
  std::cout << "[ preprocess vs torchvision: max abs diff " << worst << " ]\n";
}

// The float tensor would be 600 KB, so the golden is torchvision's 224x224 uint8 crop; the
// generator asserted torchvision's floats equal (v / 255 - mean) / std of that crop in float32.
TEST(ImagePreprocess, OpenOodPresetOnPhotoMatchesTorchvision) {
  const auto& c = image_goldens()["openood"];
  const PreprocessParams p = preprocess_params_openood(224);
  ASSERT_EQ(p.resize_size, c["resize"].get<int>());
  ASSERT_EQ(p.crop_size, c["crop"].get<int>());
  const auto got = preprocess(decode_image_file(image_data_dir() / c["file"].get<std::string>()), p);
  const ImageRGB8 crop = decode_image_file(image_data_dir() / c["crop_png"].get<std::string>());
  ASSERT_EQ(crop.width, 224);
  std::vector<float> want(got.size());
  for (int ch = 0; ch < 3; ++ch) {
    for (size_t i = 0; i < 224 * 224; ++i) {
      want[ch * 224 * 224 + i] = (static_cast<float>(crop.data[i * 3 + ch]) / 255.0f - p.mean[ch]) / p.std[ch];
    }
  }
  EXPECT_EQ(max_abs_diff(got, want), 0.0);
}

TEST(ImagePreprocess, ClipTinyFixturePixels) {
  const auto dir = shared_dir() / "testdata/clip-tiny";
  const auto expected = read_json(dir / "expected.json");
  ASSERT_GE(expected["images"].size(), 1u);
  const PreprocessParams p = preprocess_params_clip(32);
  double worst = 0;
  for (const auto& im : expected["images"]) {
    const std::string file = im["file"];
    SCOPED_TRACE(file);
    ASSERT_EQ(im["pixels_shape"], nlohmann::json::array({3, 32, 32}));
    const auto got = preprocess(decode_image_file(dir / file), p);
    const auto want = read_f32(dir / im["pixels_file"].get<std::string>());
    EXPECT_GE(cosine(got, want), 0.99999);
    const double diff = max_abs_diff(got, want);
    EXPECT_LE(diff, 1e-6);
    worst = std::max(worst, diff);
  }
  std::cout << "[ clip-tiny pixels: max abs diff " << worst << " ]\n";
}

TEST(ImagePreprocess, Presets) {
  const PreprocessParams defaults;
  const PreprocessParams clip = preprocess_params_clip(224);
  EXPECT_EQ(clip.resize_size, 224);
  EXPECT_EQ(clip.crop_size, 224);
  EXPECT_EQ(clip.mean, defaults.mean);
  EXPECT_EQ(clip.std, defaults.std);
  EXPECT_EQ(preprocess_params_openood(224).resize_size, 256);
  EXPECT_EQ(preprocess_params_openood(336).resize_size, 384);
  EXPECT_EQ(preprocess_params_openood(336).crop_size, 336);
  EXPECT_THROW(preprocess_params_clip(0), Error);
  EXPECT_THROW(preprocess_params_openood(-224), Error);
}

TEST(ImagePreprocess, RejectsBadArguments) {
  const ImageRGB8 img = decode_image_file(image_data_dir() / "gray2.png");
  std::vector<float> out(3 * 16 * 16);
  PreprocessParams p = preprocess_params_clip(16);
  p.std[1] = 0.0f;
  EXPECT_THROW(preprocess_image(img, p, out.data()), Error);
  p = preprocess_params_clip(16);
  p.resize_size = 0;
  EXPECT_THROW(preprocess_image(img, p, out.data()), Error);
  EXPECT_THROW(preprocess_image(ImageRGB8{}, preprocess_params_clip(16), out.data()), Error);
  ImageRGB8 sliver;  // 1 x 20000 -> 16 x 320000: too many pixels to resize
  sliver.width = 1;
  sliver.height = 20000;
  sliver.data.assign(3 * 20000, 0);
  p = preprocess_params_clip(16);
  p.resize_size = 4096;
  EXPECT_THROW(preprocess_image(sliver, p, out.data()), Error);
}

}  // namespace
}  // namespace ants::test
