// Decoding against PIL's Image.open(f).convert("RGB") (goldens from scripts/gen-image-goldens.py)
// and the error paths: every bad input is an ants::Error naming the file, never a crash.
#include <ants/error.h>
#include <ants/image.h>
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <random>

#include "clip/image-test-util.h"
#include "test-paths.h"

namespace ants::test {
namespace {

TEST(ImageDecode, MatchesPilForEveryGolden) {
  const auto& cases = image_goldens()["decode"];
  ASSERT_GE(cases.size(), 20u);
  for (const auto& c : cases) {
    const std::string file = c["file"];
    SCOPED_TRACE(file);
    const ImageRGB8 img = decode_image_file(image_data_dir() / file);
    EXPECT_EQ(img.width, c["width"].get<int>());
    EXPECT_EQ(img.height, c["height"].get<int>());
    EXPECT_EQ(count_byte_diffs(img.data, read_bytes(image_data_dir() / c["rgb"].get<std::string>()), file), 0u);
  }
}

TEST(ImageDecode, FormatComesFromBytesNotName) {
  const auto dir = temp_dir();
  std::filesystem::copy_file(image_data_dir() / "rgb444.jpg", dir / "photo.png");
  const ImageRGB8 img = decode_image_file(dir / "photo.png");
  EXPECT_EQ(img.data, read_bytes(image_data_dir() / "rgb444.jpg.rgb"));
}

TEST(ImageDecode, MemoryEqualsFile) {
  const auto bytes = read_bytes(image_data_dir() / "palette-trns.png");
  const ImageRGB8 img = decode_image_memory(bytes, "mem");
  EXPECT_EQ(img.data, decode_image_file(image_data_dir() / "palette-trns.png").data);
}

// PIL reads a PNG that lacks only its IEND chunk; so does ants.
TEST(ImageDecode, PngWithoutIendDecodes) {
  const std::string file = image_goldens()["png_without_iend"];
  auto bytes = read_bytes(image_data_dir() / file);
  bytes.resize(bytes.size() - 12);
  EXPECT_EQ(decode_image_memory(bytes, file).data, read_bytes(image_data_dir() / (file + ".rgb")));
}

// Runs `fn`, expecting an ants::Error with `code` whose message starts with `name` and contains
// `cause`.
template <typename Fn>
void expect_decode_error(Fn fn, ErrorCode code, const std::string& name, const std::string& cause) {
  try {
    fn();
    ADD_FAILURE() << name << ": no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.code(), code) << msg;
    EXPECT_EQ(msg.rfind(name + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find(cause), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(ImageDecodeErrors, MissingFile) {
  const auto path = temp_dir() / "no-such.jpg";
  expect_decode_error([&] { decode_image_file(path); }, ErrorCode::io, path.string(), "cannot open");
}

TEST(ImageDecodeErrors, EmptyFile) {
  const auto path = temp_dir() / "empty.png";
  write_bytes(path, {});
  expect_decode_error([&] { decode_image_file(path); }, ErrorCode::format, path.string(), "empty");
}

TEST(ImageDecodeErrors, TextFileNamedJpg) {
  const auto path = temp_dir() / "notes.jpg";
  const std::string text = "this is not an image\n";
  write_bytes(path, {text.begin(), text.end()});
  expect_decode_error([&] { decode_image_file(path); }, ErrorCode::format, path.string(), "not a recognised image");
}

// Cut where the generator checked PIL refuses them: half the file, no EOI marker, mid-header.
TEST(ImageDecodeErrors, TruncatedFilesAreFormatErrors) {
  const auto dir = temp_dir();
  const auto& cases = image_goldens()["truncated"];
  ASSERT_GE(cases.size(), 8u);
  for (const auto& c : cases) {
    const std::string file = c["file"];
    const size_t keep = c["keep"];
    auto bytes = read_bytes(image_data_dir() / file);
    ASSERT_LT(keep, bytes.size());
    bytes.resize(keep);
    const auto path = dir / (std::to_string(keep) + "-" + file);
    write_bytes(path, bytes);
    SCOPED_TRACE(path.string());
    try {
      decode_image_file(path);
      ADD_FAILURE() << "truncated file decoded";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_EQ(e.code(), ErrorCode::format) << msg;
      EXPECT_EQ(msg.rfind(path.string() + ": ", 0), 0u) << msg;
      EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
    }
  }
}

// Found by fuzzing: 239 bytes whose chunk after PLTE declares 1.8 GB of zTXt. libpng allocated
// (and touched) the declared length before finding the file too short: 1.7 GB and 1.2 s for an
// error. Metadata chunks are now skipped unread. Measured in a child process, whose peak RSS is
// its own.
TEST(ImageDecodeErrors, ADeclaredChunkLengthCostsNoMemory) {
  const auto png = std::filesystem::path(ANTS_SOURCE_DIR) / "tests/fuzz/corpus/image-png/regression-ztxt-declared-2gb.png";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    rusage before{};
    getrusage(RUSAGE_SELF, &before);
    int code = 3;
    try {
      decode_image_file(png);
    } catch (const Error& e) {
      code = std::string(e.what()).find("truncated PNG data") != std::string::npos ? 0 : 4;
    }
    rusage after{};
    getrusage(RUSAGE_SELF, &after);
    const long grown_kb = after.ru_maxrss - before.ru_maxrss;
    _exit(code != 0 ? code : grown_kb < 256 * 1024 ? 0 : 5);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "3: decoded, 4: another error, 5: peak RSS grew by 256 MiB or more";
}

std::vector<uint8_t> with_magic(const std::string& magic, size_t garbage, unsigned seed) {
  std::vector<uint8_t> bytes(magic.begin(), magic.end());
  std::mt19937 rng(seed);
  for (size_t i = 0; i < garbage; ++i) bytes.push_back(static_cast<uint8_t>(rng()));
  return bytes;
}

TEST(ImageDecodeErrors, GarbageAfterEachMagicIsAnError) {
  const std::vector<std::string> magics = {
      "", "\xFF\xD8\xFF", std::string("\x89PNG\r\n\x1A\n", 8), "BM", std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)};
  for (size_t m = 0; m < magics.size(); ++m) {
    for (size_t size : {0, 1, 7, 100, 5000}) {
      for (unsigned seed = 0; seed < 4; ++seed) {
        const auto bytes = with_magic(magics[m], size, seed + 17 * m);
        if (bytes.empty()) continue;
        SCOPED_TRACE("magic " + std::to_string(m) + ", " + std::to_string(size) + " bytes, seed " + std::to_string(seed));
        try {
          decode_image_memory(bytes, "junk.bin");
          ADD_FAILURE() << "garbage decoded";
        } catch (const Error& e) {
          EXPECT_EQ(std::string(e.what()).rfind("junk.bin: ", 0), 0u) << e.what();
          EXPECT_TRUE(e.code() == ErrorCode::format || e.code() == ErrorCode::unsupported) << e.what();
        }
      }
    }
  }
}

// Flipping bytes inside real files must give an image or an Error, never a crash (ASan build).
TEST(ImageDecodeErrors, CorruptedRealFilesNeverCrash) {
  std::mt19937 rng(7);
  for (const char* file : {"rgb420.jpg", "progressive.jpg", "cmyk.jpg", "interlaced.png", "palette-trns.png",
                           "lossy.webp", "lossless.webp", "rgb24.bmp", "palette8.bmp"}) {
    const auto original = read_bytes(image_data_dir() / file);
    for (int trial = 0; trial < 40; ++trial) {
      auto bytes = original;
      for (int k = 0; k < 4; ++k) bytes[rng() % bytes.size()] = static_cast<uint8_t>(rng());
      try {
        const ImageRGB8 img = decode_image_memory(bytes, file);
        EXPECT_EQ(img.data.size(), static_cast<size_t>(img.width) * img.height * 3);
      } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()).rfind(std::string(file) + ": ", 0), 0u) << e.what();
      }
    }
  }
}

TEST(ImageDecodeErrors, OtherFormatsAreUnsupported) {
  const std::string gif = "GIF89a\x01\0\x01\0\0\0\0;";
  expect_decode_error([&] { decode_image_memory({reinterpret_cast<const uint8_t*>(gif.data()), gif.size()}, "a.gif"); },
               ErrorCode::unsupported, "a.gif", "GIF");
}

TEST(ImageDecodeErrors, ZeroSizedPngIsRejected) {
  EXPECT_NO_THROW(decode_image_memory(png_with_size(9, 7), "same.png"));  // the CRC fix is right
  expect_decode_error([&] { decode_image_memory(png_with_size(0, 7), "zero.png"); }, ErrorCode::format, "zero.png", "zero");
}

TEST(ImageDecodeErrors, HugeDimensionsAreRejectedBeforeAllocating) {
  // A valid 1x1 BMP header claiming 30000 x 30000 pixels (9e8 > 2^28).
  auto bytes = read_bytes(image_data_dir() / "rgb24.bmp");
  const int32_t big = 30000;
  std::memcpy(&bytes[18], &big, 4);
  std::memcpy(&bytes[22], &big, 4);
  expect_decode_error([&] { decode_image_memory(bytes, "huge.bmp"); }, ErrorCode::unsupported, "huge.bmp", "too large");
  expect_decode_error([&] { decode_image_memory(png_with_size(30000, 30000), "huge.png"); }, ErrorCode::unsupported,
               "huge.png", "too large");
}

// --max-pixels: every format is judged from its header, before any pixel is decoded.
TEST(ImageDecodeErrors, ImagesOverMaxPixelsAreRefusedInEveryFormat) {
  for (const char* file : {"photo.jpg", "rgb16.png", "lossless.webp", "palette8.bmp"}) {
    SCOPED_TRACE(file);
    const ImageRGB8 img = decode_image_file(image_data_dir() / file);
    const uint64_t pixels = static_cast<uint64_t>(img.width) * static_cast<uint64_t>(img.height);
    EXPECT_EQ(decode_image_file(image_data_dir() / file, pixels).data, img.data);
    try {
      decode_image_file(image_data_dir() / file, pixels - 1);
      ADD_FAILURE() << "decoded an image over the limit";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::unsupported);
      const std::string msg = e.what();
      EXPECT_NE(msg.find(file), std::string::npos) << msg;
      EXPECT_NE(msg.find("limit " + std::to_string(pixels - 1)), std::string::npos) << msg;
    }
  }
}

}  // namespace
}  // namespace ants::test
