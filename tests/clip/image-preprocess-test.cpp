// Resize and preprocessing against PIL's Image.resize(BICUBIC) and torchvision 0.14's
// Resize/CenterCrop/ToTensor/Normalize (goldens from scripts/gen-image-goldens.py), and against
// the tiny CLIP fixture's reference pixels.
#include <ants/error.h>
#include <ants/image.h>
#include <gtest/gtest.h>

#include <array>
#include <iostream>
#include <random>
#include <thread>

#include "clip/image-resize.h"
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

ImageRGB8 region(const ImageRGB8& img, int x, int y, int w, int h) {
  ImageRGB8 out;
  out.width = w;
  out.height = h;
  for (int r = y; r < y + h; ++r) {
    const auto row = img.data.begin() + (static_cast<ptrdiff_t>(r) * img.width + x) * 3;
    out.data.insert(out.data.end(), row, row + static_cast<ptrdiff_t>(w) * 3);
  }
  return out;
}

ImageRGB8 noise_image(int width, int height, unsigned seed) {
  std::mt19937 rng(seed);
  ImageRGB8 img;
  img.width = width;
  img.height = height;
  img.data.resize(static_cast<size_t>(width) * height * 3);
  for (auto& v : img.data) v = static_cast<uint8_t>(rng());
  return img;
}

// Preprocessing computes only the crop of the resize: every window must be that region of the
// whole resize, byte for byte (up- and downscaling, one axis or both, edges included).
TEST(ImageResize, WindowIsTheSameRegionOfTheWholeResize) {
  const ImageRGB8 src = decode_image_file(image_data_dir() / "photo.jpg");
  for (auto [w, h] : {std::pair{298, 224}, {37, 23}, {src.width, 61}, {83, src.height}, {src.width, src.height}}) {
    const ImageRGB8 whole = resize_bicubic(src, w, h);
    for (auto [x, y, ww, hh] : {std::array{0, 0, w, h}, {w / 3, h / 4, w / 2, h / 2}, {w - 1, h - 1, 1, 1},
                                {0, h / 2, w, h - h / 2}}) {
      SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h) + " window " + std::to_string(x) + "," +
                   std::to_string(y) + " " + std::to_string(ww) + "x" + std::to_string(hh));
      const ImageRGB8 got = resize_bicubic_window(src, w, h, x, y, ww, hh);
      ASSERT_EQ(got.width, ww);
      ASSERT_EQ(got.height, hh);
      EXPECT_EQ(got.data, region(whole, x, y, ww, hh).data);
    }
  }
  EXPECT_THROW(resize_bicubic_window(src, 40, 40, 30, 0, 11, 5), Error);
  EXPECT_THROW(resize_bicubic_window(src, 40, 40, -1, 0, 5, 5), Error);
}

// torchvision resizes the whole elongated image then crops; ants resizes only the crop. Same
// floats; and a thin strip whose whole resize would be ~1 G pixels is scored, not refused.
TEST(ImagePreprocess, ElongatedImagesEqualWholeResizeThenCrop) {
  for (auto [w, h] : {std::pair{5, 4000}, {3000, 7}}) {
    const ImageRGB8 img = noise_image(w, h, 7);
    const PreprocessParams p = preprocess_params_clip(32);
    const int rw = w < h ? 32 : static_cast<int>(32.0 * w / h), rh = w < h ? static_cast<int>(32.0 * h / w) : 32;
    const ImageRGB8 whole = resize_bicubic(img, rw, rh);
    // torchvision's center crop offsets: int(round((size - crop) / 2.0)); both are even here.
    const ImageRGB8 crop = region(whole, (rw - 32) / 2, (rh - 32) / 2, 32, 32);
    std::vector<float> want(3 * 32 * 32);
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 32 * 32; ++i)
        want[c * 1024 + i] = (static_cast<float>(crop.data[i * 3 + c]) / 255.0f - p.mean[c]) / p.std[c];
    EXPECT_EQ(preprocess(img, p), want) << w << "x" << h;
  }
  EXPECT_EQ(preprocess(noise_image(1, 4'000'000, 3), preprocess_params_clip(224)).size(), 3u * 224 * 224);
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
  ImageRGB8 sliver;  // 1 x 600000 -> 4096 x 2.46e9: the resized extent does not fit an int
  sliver.width = 1;
  sliver.height = 600000;
  sliver.data.assign(3 * 600000, 0);
  p = preprocess_params_clip(16);
  p.resize_size = 4096;
  EXPECT_THROW(preprocess_image(sliver, p, out.data()), Error);
}

}  // namespace
}  // namespace ants::test
