// Byte strings in JSON without loss. JSON text is UTF-8, but file paths (and texts derived from
// them) are arbitrary bytes on Linux: a snapshot must give back exactly the path it was given,
// and writing one must never throw on a stray byte.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace ants::core {

// Valid UTF-8 stays a plain JSON string (readable, and what files before this encoding hold);
// anything else becomes {"hex": "<two lowercase digits per byte>"}.
nlohmann::json bytes_to_json(std::string_view bytes);
// The inverse; nullopt for anything bytes_to_json does not produce.
std::optional<std::string> bytes_from_json(const nlohmann::json& j);

}  // namespace ants::core
