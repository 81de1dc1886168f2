// ants/image.h — image decoding and CLIP preprocessing, equal to PIL + torchvision.
//
// Decoders: JPEG (libjpeg-turbo with PIL's default settings; RGB, grayscale, CMYK/YCCK), PNG
// (libpng; palette, gray, gray+alpha, RGB, RGBA, 8 and 16 bit), WebP (libwebp), BMP (stb_image).
// The format is detected from the file's bytes, not its name. Everything is converted to RGB
// first, as PIL's convert("RGB") does (palette expanded, alpha dropped, gray replicated, CMYK
// via PIL's formula); 16-bit samples become round(v / 257). No EXIF rotation is applied.
//
// Thread safety: all functions are re-entrant; no global state.
#pragma once

#include <ants/export.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ants {

// 8-bit RGB, row-major HWC: pixel (x, y) channel c is data[(y * width + x) * 3 + c].
struct ImageRGB8 {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> data;
};

// An image the library can name, identify and read again later: a file, encoded bytes held in
// memory (an HTTP upload), or decoded pixels (a front end's array). Detector candidates, MLLM
// requests and snapshots refer to images through it, never by path alone.
struct ANTS_API ImageRef {
  std::string name;                          // display name: the path for files, else the caller's
  std::filesystem::path path;                // where the bytes live, when they are a file
  std::shared_ptr<const std::string> bytes;  // the encoded bytes, when held in memory
  std::shared_ptr<const ImageRGB8> pixels;   // the decoded pixels, when given as such
  std::string hash;                          // content hash when known (content_hash() fills none)

  ImageRef() = default;
  // A file is an image: paths convert implicitly (= file(path)).
  ImageRef(const std::filesystem::path& path);  // NOLINT(google-explicit-constructor)
  static ImageRef file(const std::filesystem::path& path);
  static ImageRef memory(std::string bytes, std::string name);
  // Pixels are used as they are (no decoding); read() gives them PNG-encoded (e.g. for an MLLM).
  static ImageRef decoded(ImageRGB8 pixels, std::string name);
  // The encoded bytes: held ones, the pixels as PNG, else the file's. Throws ants::Error(io)
  // naming the image.
  std::string read() const;
  // XXH3-128 (hex) of the encoded bytes (of the pixel data, with the size, for decoded pixels):
  // the image's identity in caches and MLLM keys; `hash` when set. Throws as read().
  std::string content_hash() const;
};

// The largest image decoded, in pixels (width × height), judged from the header before any
// pixel is decoded: `--max-pixels` of every image command. The default is far above any photo
// (16384 × 16384) and bounds one image's memory at 768 MiB; kMaxPixelsLimit is the most it may be
// raised to.
inline constexpr uint64_t kDefaultMaxPixels = uint64_t{1} << 28;
inline constexpr uint64_t kMaxPixelsLimit = uint64_t{1} << 30;

// Throws ants::Error (code io for unreadable files, format/unsupported for bad or unknown data,
// unsupported for an image over `max_pixels`) whose message starts with `name` (the path for
// decode_image_file).
ANTS_API ImageRGB8 decode_image_file(const std::filesystem::path& path, uint64_t max_pixels = kDefaultMaxPixels);
ANTS_API ImageRGB8 decode_image_memory(std::span<const uint8_t> bytes, const std::string& name,
                                       uint64_t max_pixels = kDefaultMaxPixels);

// Resize to exactly width x height with PIL's antialiased bicubic filter (a = -0.5), using
// PIL's fixed-point 8-bit arithmetic (horizontal pass, then vertical), so the result is
// byte-identical to PIL's Image.resize(..., Image.BICUBIC).
ANTS_API ImageRGB8 resize_bicubic(const ImageRGB8& image, int width, int height);

// Baseline JPEG at `quality` (1..100), 4:2:0, via libjpeg-turbo.
ANTS_API std::vector<uint8_t> encode_jpeg(const ImageRGB8& image, int quality = 90);
// Lossless 8-bit RGB PNG via libpng (decode_image_memory gives the same pixels back).
ANTS_API std::string encode_png(const ImageRGB8& image);

struct PreprocessParams {
  int resize_size = 224;  // shorter side after resizing (torchvision Resize(int))
  int crop_size = 224;    // square centre crop (torchvision CenterCrop)
  std::array<float, 3> mean{0.48145466f, 0.4578275f, 0.40821073f};
  std::array<float, 3> std{0.26862954f, 0.26130258f, 0.27577711f};
};

// CLIP's own pipeline for a model whose input is `image_size` pixels square: resize 224, crop 224.
ANTS_API PreprocessParams preprocess_params_clip(int image_size);
// OpenOOD's evaluation pipeline (ANTS reference): resize 256, crop 224 (scaled for other sizes:
// resize = round(image_size · 8 / 7)).
ANTS_API PreprocessParams preprocess_params_openood(int image_size);

// torchvision Resize(resize_size) (shorter side, longer side truncated as int(size*long/short))
// + CenterCrop(crop_size) (offsets rounded half-to-even as Python's round) + ToTensor +
// Normalize(mean, std). Writes 3 * crop_size * crop_size floats to `out_chw` (planar CHW).
ANTS_API void preprocess_image(const ImageRGB8& image, const PreprocessParams& params, float* out_chw);

}  // namespace ants
