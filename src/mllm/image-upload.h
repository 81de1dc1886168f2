// Images as the server receives them: decoded, downscaled, re-encoded as JPEG, base64 data URL.
// The original bytes are never sent (EXIF, size).
#pragma once

#include <ants/image.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace ants::mllm {

// Standard base64 with padding.
std::string base64_encode(std::span<const uint8_t> bytes);

// The image scaled (PIL bicubic, aspect kept, never enlarged) so its longer side is at most
// `max_side`.
ImageRGB8 fit_longer_side(const ImageRGB8& image, int max_side);

// "data:image/jpeg;base64,..." of `image` fitted to `max_side`. Throws ants::Error naming the image.
std::string image_data_url(const ImageRef& image, int max_side, int quality);
std::string image_data_url(const ImageRGB8& image, int max_side, int quality);

// The black 28x28 placeholder the reference sends with every VSNL prompt (method.md §5.2).
const std::string& placeholder_data_url();

}  // namespace ants::mllm
