// Image decoding to 8-bit RGB, matching PIL 9.x's Image.open(f).convert("RGB").
//
// libjpeg and libpng report fatal errors through longjmp. Every function that calls setjmp
// below keeps its state in a struct owned by the caller and holds no object with a destructor,
// so the jump never skips a C++ destructor.
#include <ants/image.h>

#include <csetjmp>
#include <cstdio>
#include <array>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <jpeglib.h>
// jerror.h after jpeglib.h: it needs its types.
#include <jerror.h>
#include <png.h>
#include <webp/decode.h>

#include "core/error.h"
#include "core/file-util.h"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#endif
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_BMP
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#include <stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace ants {

namespace {

using core::fail;

// Judged from the header, before any pixel is decoded (a decompression bomb costs nothing).
ImageRGB8 new_image(uint64_t width, uint64_t height, const std::string& name, uint64_t max_pixels) {
  if (width == 0 || height == 0) fail(ErrorCode::format, name, "image has zero width or height");
  if (width > kMaxPixelsLimit || height > kMaxPixelsLimit || width * height > std::min(max_pixels, kMaxPixelsLimit)) {
    fail(ErrorCode::unsupported, name,
         "image too large (" + std::to_string(width) + "x" + std::to_string(height) + " pixels, limit " +
             std::to_string(std::min(max_pixels, kMaxPixelsLimit)) + ": --max-pixels)");
  }
  ImageRGB8 img;
  img.width = static_cast<int>(width);
  img.height = static_cast<int>(height);
  img.data.resize(width * height * 3);
  return img;
}

// ---------------------------------------------------------------------------------------------
// JPEG

constexpr const char* kTruncatedJpeg = "truncated JPEG data";

struct JpegError {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

struct JpegDecoder {
  jpeg_decompress_struct cinfo{};
  JpegError err{};
  bool created = false;
  JpegDecoder() = default;
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;
  ~JpegDecoder() {
    if (created) jpeg_destroy_decompress(&cinfo);
  }
};

[[noreturn]] void jpeg_on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// PIL ignores libjpeg's warnings, except that running out of data ("image file is truncated")
// is an error there, so it is one here too.
void jpeg_on_message(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    auto* err = reinterpret_cast<JpegError*>(cinfo->err);
    std::snprintf(err->message, sizeof(err->message), "%s", kTruncatedJpeg);
    std::longjmp(err->jump, 1);
  }
}

bool jpeg_read_header_guarded(JpegDecoder& d, const uint8_t* data, size_t size) {
  d.cinfo.err = jpeg_std_error(&d.err.pub);
  d.err.pub.error_exit = jpeg_on_error;
  d.err.pub.emit_message = jpeg_on_message;
  if (setjmp(d.err.jump)) return false;
  jpeg_create_decompress(&d.cinfo);
  d.created = true;
  jpeg_mem_src(&d.cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&d.cinfo, TRUE);
  return true;
}

// PIL's cmyk2rgb on its Adobe-inverted ("CMYK;I") samples: with c = 255 - C and k = 255 - K,
// nk = 255 - k is the stored K and each channel is nk - nk * c / 255 (PIL's MULDIV255).
inline uint8_t cmyk_channel(int stored, int stored_k) {
  const int tmp = (255 - stored) * stored_k + 128;
  const int v = stored_k - (((tmp >> 8) + tmp) >> 8);
  return static_cast<uint8_t>(v <= 0 ? 0 : v < 256 ? v : 255);
}

void jpeg_row_to_rgb(const uint8_t* in, int components, int width, uint8_t* out) {
  if (components == 4) {
    for (int x = 0; x < width; ++x, in += 4, out += 3) {
      for (int c = 0; c < 3; ++c) out[c] = cmyk_channel(in[c], in[3]);
    }
  } else if (components == 1) {
    for (int x = width - 1; x >= 0; --x) {  // in == out: expand in place from the end
      const uint8_t g = in[x];
      out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = g;
    }
  }
}

// Decodes into `out` (width * height * 3); `scratch` holds one CMYK row.
bool jpeg_decode_guarded(JpegDecoder& d, uint8_t* out, uint8_t* scratch) {
  if (setjmp(d.err.jump)) return false;
  jpeg_start_decompress(&d.cinfo);
  const int width = static_cast<int>(d.cinfo.output_width);
  const int comps = d.cinfo.output_components;
  while (d.cinfo.output_scanline < d.cinfo.output_height) {
    uint8_t* row = out + static_cast<size_t>(d.cinfo.output_scanline) * width * 3;
    JSAMPROW target = comps == 4 ? scratch : row;
    jpeg_read_scanlines(&d.cinfo, &target, 1);
    if (comps != 3) jpeg_row_to_rgb(target, comps, width, row);
  }
  jpeg_finish_decompress(&d.cinfo);
  return true;
}

[[noreturn]] void fail_jpeg(const JpegDecoder& d, const std::string& name) {
  const std::string msg = d.err.message;
  fail(ErrorCode::format, name, msg == kTruncatedJpeg ? msg : "corrupt JPEG data: " + msg);
}

ImageRGB8 decode_jpeg(std::span<const uint8_t> bytes, const std::string& name, uint64_t max_pixels) {
  JpegDecoder d;
  if (!jpeg_read_header_guarded(d, bytes.data(), bytes.size())) fail_jpeg(d, name);
  // PIL's mode follows the component count (L, RGB, CMYK) and libjpeg converts to it.
  switch (d.cinfo.num_components) {
    case 1: d.cinfo.out_color_space = JCS_GRAYSCALE; break;
    case 3: d.cinfo.out_color_space = JCS_RGB; break;
    case 4: d.cinfo.out_color_space = JCS_CMYK; break;
    default:
      fail(ErrorCode::unsupported, name,
           "JPEG with " + std::to_string(d.cinfo.num_components) + " components is not supported");
  }
  ImageRGB8 img = new_image(d.cinfo.image_width, d.cinfo.image_height, name, max_pixels);
  std::vector<uint8_t> scratch(d.cinfo.num_components == 4 ? static_cast<size_t>(img.width) * 4 : 0);
  if (!jpeg_decode_guarded(d, img.data.data(), scratch.data())) fail_jpeg(d, name);
  return img;
}

// ---------------------------------------------------------------------------------------------
// PNG

constexpr const char* kTruncatedPng = "truncated PNG data";

struct PngDecoder {
  png_structp png = nullptr;
  png_infop info = nullptr;
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
  int stored_depth = 0;  // bit depth in the file; libpng reports 8 once it unpacks sub-byte samples
  char message[256] = {};
  PngDecoder() = default;
  PngDecoder(const PngDecoder&) = delete;
  PngDecoder& operator=(const PngDecoder&) = delete;
  ~PngDecoder() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

[[noreturn]] void png_on_error(png_structp png, png_const_charp msg) {
  auto* d = static_cast<PngDecoder*>(png_get_error_ptr(png));
  std::snprintf(d->message, sizeof(d->message), "%s", msg);
  png_longjmp(png, 1);
}

void png_on_warning(png_structp, png_const_charp) {}

constexpr png_alloc_size_t kMaxPngChunkBytes = 8u << 20;

void png_read_memory(png_structp png, png_bytep out, size_t length) {
  auto* d = static_cast<PngDecoder*>(png_get_io_ptr(png));
  if (length > d->size - d->pos) png_error(png, kTruncatedPng);
  std::memcpy(out, d->data + d->pos, length);
  d->pos += length;
}

// Reads the header and sets up the transforms: samples stay as stored (no palette or tRNS
// expansion, no 16-bit stripping) except that sub-byte samples are unpacked to one per byte.
bool png_read_header_guarded(PngDecoder& d) {
  if (setjmp(png_jmpbuf(d.png))) return false;
  png_set_read_fn(d.png, &d, png_read_memory);
  // Metadata chunks carry nothing convert("RGB") uses, and libpng allocates a text chunk's
  // declared length (up to 2^31 bytes) before it finds the file too short: a 239-byte PNG cost
  // 1.7 GB and 1.2 s (found by fuzzing). They are skipped unread, and any other chunk that libpng
  // keeps in memory is capped.
  static constexpr png_byte kMetadata[] = "iCCP\0iTXt\0tEXt\0zTXt\0sPLT\0eXIf\0tIME\0pCAL\0sCAL\0hIST";
  png_set_keep_unknown_chunks(d.png, PNG_HANDLE_CHUNK_NEVER, kMetadata, sizeof kMetadata / 5);
  png_set_chunk_malloc_max(d.png, kMaxPngChunkBytes);
  png_read_info(d.png, d.info);
  d.stored_depth = png_get_bit_depth(d.png, d.info);
  if (d.stored_depth < 8) png_set_packing(d.png);
  png_set_interlace_handling(d.png);
  png_read_update_info(d.png, d.info);
  return true;
}

bool png_read_image_guarded(PngDecoder& d, png_bytepp rows) {
  if (setjmp(png_jmpbuf(d.png))) return false;
  png_read_image(d.png, rows);
  return true;
}

// How one stored sample becomes 8 bits: sub-byte gray is scaled by bit replication (PIL's
// L;1/L;2/L;4), 16-bit is round(v / 257) (ants' rule; PIL keeps the high byte or clips).
struct PngSampleReader {
  int bit_depth;
  int gray_scale;  // multiplier for sub-byte gray, 1 otherwise
  uint8_t operator()(const uint8_t* row, size_t index) const {
    if (bit_depth == 16) {
      const unsigned v = (unsigned{row[2 * index]} << 8) | row[2 * index + 1];
      return static_cast<uint8_t>((v + 128) / 257);
    }
    return static_cast<uint8_t>(row[index] * gray_scale);
  }
};

// PIL fills palette entries the file does not define with a gray ramp (ImagingPaletteNew).
std::array<std::array<uint8_t, 3>, 256> png_palette(const PngDecoder& d) {
  std::array<std::array<uint8_t, 3>, 256> table{};
  for (int i = 0; i < 256; ++i) table[i] = {uint8_t(i), uint8_t(i), uint8_t(i)};
  png_colorp plte = nullptr;
  int count = 0;
  if (png_get_PLTE(d.png, d.info, &plte, &count) != 0) {
    for (int i = 0; i < count && i < 256; ++i) table[i] = {plte[i].red, plte[i].green, plte[i].blue};
  }
  return table;
}

void png_rows_to_rgb(const PngDecoder& d, const std::vector<png_bytep>& rows, ImageRGB8& img) {
  const int color_type = png_get_color_type(d.png, d.info);
  const int depth = d.stored_depth;
  const int channels = png_get_channels(d.png, d.info);
  const bool gray = (color_type & PNG_COLOR_MASK_COLOR) == 0;
  const PngSampleReader sample{depth, gray && depth < 8 ? 255 / ((1 << depth) - 1) : 1};
  const auto palette = color_type == PNG_COLOR_TYPE_PALETTE ? png_palette(d) : decltype(png_palette(d)){};
  for (int y = 0; y < img.height; ++y) {
    const uint8_t* row = rows[y];
    uint8_t* out = img.data.data() + static_cast<size_t>(y) * img.width * 3;
    for (size_t x = 0; x < static_cast<size_t>(img.width); ++x, out += 3) {
      const size_t first = x * channels;
      if (color_type == PNG_COLOR_TYPE_PALETTE) {
        std::memcpy(out, palette[row[x]].data(), 3);
      } else if (gray) {
        out[0] = out[1] = out[2] = sample(row, first);
      } else {
        for (int c = 0; c < 3; ++c) out[c] = sample(row, first + c);
      }
    }
  }
}

ImageRGB8 decode_png(std::span<const uint8_t> bytes, const std::string& name, uint64_t max_pixels) {
  PngDecoder d;
  d.data = bytes.data();
  d.size = bytes.size();
  d.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &d, png_on_error, png_on_warning);
  if (d.png) d.info = png_create_info_struct(d.png);
  if (!d.png || !d.info) fail(ErrorCode::internal, name, "cannot create a PNG decoder (out of memory)");
  auto failed = [&] {
    const std::string msg = d.message;
    fail(ErrorCode::format, name, msg == kTruncatedPng ? msg : "corrupt PNG data: " + msg);
  };
  if (!png_read_header_guarded(d)) failed();
  ImageRGB8 img = new_image(png_get_image_width(d.png, d.info), png_get_image_height(d.png, d.info), name, max_pixels);
  const size_t row_bytes = png_get_rowbytes(d.png, d.info);
  std::vector<uint8_t> pixels(row_bytes * img.height);
  std::vector<png_bytep> rows(img.height);
  for (int y = 0; y < img.height; ++y) rows[y] = pixels.data() + row_bytes * y;
  if (!png_read_image_guarded(d, rows.data())) failed();
  png_rows_to_rgb(d, rows, img);
  return img;
}

// ---------------------------------------------------------------------------------------------
// WebP and BMP

ImageRGB8 decode_webp(std::span<const uint8_t> bytes, const std::string& name, uint64_t max_pixels) {
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config)) fail(ErrorCode::internal, name, "libwebp version mismatch");
  VP8StatusCode status = WebPGetFeatures(bytes.data(), bytes.size(), &config.input);
  if (status == VP8_STATUS_NOT_ENOUGH_DATA) fail(ErrorCode::format, name, "truncated WebP data");
  if (status != VP8_STATUS_OK) fail(ErrorCode::format, name, "corrupt WebP data");
  if (config.input.has_animation) fail(ErrorCode::unsupported, name, "animated WebP is not supported");
  ImageRGB8 img = new_image(config.input.width, config.input.height, name, max_pixels);
  config.output.colorspace = MODE_RGB;  // alpha dropped, as convert("RGB") does
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = img.data.data();
  config.output.u.RGBA.stride = img.width * 3;
  config.output.u.RGBA.size = img.data.size();
  status = WebPDecode(bytes.data(), bytes.size(), &config);
  WebPFreeDecBuffer(&config.output);
  if (status == VP8_STATUS_NOT_ENOUGH_DATA) fail(ErrorCode::format, name, "truncated WebP data");
  if (status != VP8_STATUS_OK) {
    fail(ErrorCode::format, name, "corrupt WebP data (libwebp status " + std::to_string(status) + ")");
  }
  return img;
}

uint32_t read_le(std::span<const uint8_t> bytes, size_t at, int size) {
  uint32_t v = 0;
  for (int i = size - 1; i >= 0; --i) v = (v << 8) | bytes[at + i];
  return v;
}

// stb_image reads missing pixel bytes as zeros; PIL says "image file is truncated". Only the
// uncompressed layouts (BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS) have a known size.
bool bmp_pixels_truncated(std::span<const uint8_t> bytes) {
  if (bytes.size() < 30) return false;  // stb reports the short header itself
  const uint32_t header = read_le(bytes, 14, 4);
  const bool core = header == 12;
  if (!core && (header < 40 || bytes.size() < 34)) return false;
  const uint64_t width = core ? read_le(bytes, 18, 2) : read_le(bytes, 18, 4);
  const uint64_t rows = core ? read_le(bytes, 20, 2) : read_le(bytes, 22, 4);
  const int64_t signed_rows = core ? rows : static_cast<int32_t>(rows);  // negative: top-down
  const uint64_t height = static_cast<uint64_t>(signed_rows < 0 ? -signed_rows : signed_rows);
  const uint64_t bpp = read_le(bytes, core ? 24 : 28, 2);
  const uint32_t compression = core ? 0 : read_le(bytes, 30, 4);
  if (compression != 0 && compression != 3 && compression != 6) return false;
  const uint64_t row_bytes = (width * bpp + 31) / 32 * 4;
  return read_le(bytes, 10, 4) + row_bytes * height > bytes.size();
}

ImageRGB8 decode_bmp(std::span<const uint8_t> bytes, const std::string& name, uint64_t max_pixels) {
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) fail(ErrorCode::unsupported, name, "BMP file too large");
  const int len = static_cast<int>(bytes.size());
  int width = 0, height = 0, comp = 0;
  if (!stbi_info_from_memory(bytes.data(), len, &width, &height, &comp)) {
    fail(ErrorCode::format, name, std::string("corrupt or unsupported BMP data: ") + stbi_failure_reason());
  }
  ImageRGB8 img = new_image(static_cast<uint64_t>(width), static_cast<uint64_t>(height), name, max_pixels);
  if (bmp_pixels_truncated(bytes)) fail(ErrorCode::format, name, "truncated BMP data");
  stbi_uc* pixels = stbi_load_from_memory(bytes.data(), len, &width, &height, &comp, 3);
  if (!pixels) fail(ErrorCode::format, name, std::string("corrupt or unsupported BMP data: ") + stbi_failure_reason());
  std::memcpy(img.data.data(), pixels, img.data.size());
  stbi_image_free(pixels);
  return img;
}

// ---------------------------------------------------------------------------------------------

bool starts_with(std::span<const uint8_t> bytes, std::string_view magic, size_t offset = 0) {
  return bytes.size() >= offset + magic.size() &&
         std::memcmp(bytes.data() + offset, magic.data(), magic.size()) == 0;
}

const char* other_format(std::span<const uint8_t> bytes) {
  if (starts_with(bytes, "GIF87a") || starts_with(bytes, "GIF89a")) return "GIF";
  using namespace std::literals;
  if (starts_with(bytes, "II*\0"sv) || starts_with(bytes, "MM\0*"sv)) return "TIFF";
  if (starts_with(bytes, "ftyp", 4)) return "HEIF/AVIF";
  return nullptr;
}

}  // namespace

ImageRGB8 decode_image_memory(std::span<const uint8_t> bytes, const std::string& name, uint64_t max_pixels) {
  if (bytes.empty()) fail(ErrorCode::format, name, "empty file");
  if (starts_with(bytes, "\xFF\xD8\xFF")) return decode_jpeg(bytes, name, max_pixels);
  if (starts_with(bytes, "\x89PNG\r\n\x1A\n")) return decode_png(bytes, name, max_pixels);
  if (starts_with(bytes, "RIFF") && starts_with(bytes, "WEBP", 8)) return decode_webp(bytes, name, max_pixels);
  if (starts_with(bytes, "BM")) return decode_bmp(bytes, name, max_pixels);
  if (const char* other = other_format(bytes)) {
    fail(ErrorCode::unsupported, name, std::string(other) + " images are not supported (JPEG, PNG, WebP or BMP)");
  }
  fail(ErrorCode::format, name, "not a recognised image (JPEG, PNG, WebP or BMP expected)");
}

ImageRGB8 decode_image_file(const std::filesystem::path& path, uint64_t max_pixels) {
  const std::string data = core::read_file(path);
  return decode_image_memory({reinterpret_cast<const uint8_t*>(data.data()), data.size()}, path.string(), max_pixels);
}

}  // namespace ants
