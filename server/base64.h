// Standard base64 (RFC 4648, with padding) for JSON bodies: images in, float32 embeddings out.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ants::server {

std::string base64_encode(std::string_view bytes);
// nullopt for text that is not base64 (whitespace is skipped; padding is optional).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace ants::server
