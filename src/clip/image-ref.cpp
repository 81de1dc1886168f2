// Image handles: files or in-memory encoded bytes, read and hashed the same way.
#include <ants/image.h>

#include "core/error.h"
#include "core/file-util.h"
#include "core/hash.h"

namespace ants {

ImageRef::ImageRef(const std::filesystem::path& p) : name(p.string()), path(p) {}

ImageRef ImageRef::file(const std::filesystem::path& path) { return ImageRef(path); }

ImageRef ImageRef::memory(std::string bytes, std::string name) {
  ImageRef r;
  r.name = std::move(name);
  r.bytes = std::make_shared<const std::string>(std::move(bytes));
  return r;
}

ImageRef ImageRef::decoded(ImageRGB8 image, std::string name) {
  ImageRef r;
  r.name = std::move(name);
  r.pixels = std::make_shared<const ImageRGB8>(std::move(image));
  return r;
}

std::string ImageRef::read() const {
  if (bytes) return *bytes;
  if (pixels) return encode_png(*pixels);
  if (path.empty()) core::fail(ErrorCode::io, name.empty() ? "image" : name, "no bytes and no file to read them from");
  return core::read_file(path);
}

std::string ImageRef::content_hash() const {
  if (!hash.empty()) return hash;
  if (bytes) return core::hash_bytes(*bytes).hex();
  if (pixels) {
    // The size is part of the identity: the same bytes at another width are another image.
    const std::string_view data(reinterpret_cast<const char*>(pixels->data.data()), pixels->data.size());
    return core::Hasher().add("rgb8").add(uint64_t(pixels->width)).add(uint64_t(pixels->height)).add(data).digest().hex();
  }
  if (path.empty()) core::fail(ErrorCode::io, name.empty() ? "image" : name, "no bytes and no file to read them from");
  return core::hash_file(path).hex();
}

}  // namespace ants
