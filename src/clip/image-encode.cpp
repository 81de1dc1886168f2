// Baseline JPEG encoding with libjpeg-turbo (used for thumbnails and test fixtures).
//
// libjpeg reports fatal errors through longjmp; the function calling setjmp keeps its state in
// a caller-owned struct and holds no object with a destructor.
#include <ants/image.h>

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <jpeglib.h>

#include "core/error.h"

namespace ants {

namespace {

struct JpegEncoder {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr err{};
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = {};
  bool created = false;
  unsigned char* buffer = nullptr;  // malloc'ed by jpeg_mem_dest
  unsigned long size = 0;
  JpegEncoder() = default;
  JpegEncoder(const JpegEncoder&) = delete;
  JpegEncoder& operator=(const JpegEncoder&) = delete;
  ~JpegEncoder() {
    if (created) jpeg_destroy_compress(&cinfo);
    std::free(buffer);
  }
};

[[noreturn]] void on_error(j_common_ptr cinfo) {
  auto* enc = static_cast<JpegEncoder*>(cinfo->client_data);
  (*cinfo->err->format_message)(cinfo, enc->message);
  std::longjmp(enc->jump, 1);
}

void on_message(j_common_ptr, int) {}

bool encode_guarded(JpegEncoder& e, const ImageRGB8& image, int quality) {
  e.cinfo.err = jpeg_std_error(&e.err);
  e.err.error_exit = on_error;
  e.err.emit_message = on_message;
  e.cinfo.client_data = &e;
  if (setjmp(e.jump)) return false;
  jpeg_create_compress(&e.cinfo);
  e.created = true;
  jpeg_mem_dest(&e.cinfo, &e.buffer, &e.size);
  e.cinfo.image_width = static_cast<JDIMENSION>(image.width);
  e.cinfo.image_height = static_cast<JDIMENSION>(image.height);
  e.cinfo.input_components = 3;
  e.cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&e.cinfo);  // 4:2:0 chroma, Huffman tables from the standard
  jpeg_set_quality(&e.cinfo, quality, TRUE);
  jpeg_start_compress(&e.cinfo, TRUE);
  const size_t stride = static_cast<size_t>(image.width) * 3;
  while (e.cinfo.next_scanline < e.cinfo.image_height) {
    // libjpeg's API takes non-const rows but only reads them.
    JSAMPROW row = const_cast<uint8_t*>(image.data.data()) + e.cinfo.next_scanline * stride;
    jpeg_write_scanlines(&e.cinfo, &row, 1);
  }
  jpeg_finish_compress(&e.cinfo);
  return true;
}

}  // namespace

std::vector<uint8_t> encode_jpeg(const ImageRGB8& image, int quality) {
  if (quality < 1 || quality > 100) {
    core::fail(ErrorCode::invalid_argument, "encode_jpeg", "quality must be in 1..100, got " + std::to_string(quality));
  }
  if (image.width <= 0 || image.height <= 0 || image.width > JPEG_MAX_DIMENSION || image.height > JPEG_MAX_DIMENSION ||
      image.data.size() != static_cast<size_t>(image.width) * image.height * 3) {
    core::fail(ErrorCode::invalid_argument, "encode_jpeg",
               "image of " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                   " pixels is empty, too large for JPEG, or its data size is wrong");
  }
  JpegEncoder e;
  if (!encode_guarded(e, image, quality)) {
    core::fail(ErrorCode::internal, "encode_jpeg", std::string("libjpeg: ") + e.message);
  }
  return std::vector<uint8_t>(e.buffer, e.buffer + e.size);
}

}  // namespace ants
