// The one framing of ants' own binary files (detector snapshots, `detect --state` files,
// embedding-cache entries): a JSON head that describes the payload, the payload, and a checksum,
// so a damaged file is reported (or is a cache miss) instead of resuming from garbage.
//
// Layout (integers in host byte order like the float payloads; the files are local to one machine):
//   char[8] magic | u32 version | u64 H | H bytes: head, a JSON object (UTF-8)
//   | u64 P | P bytes: payload | u64 high, u64 low: XXH3-128 of every byte before them
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace ants::core {

struct EnvelopeFormat {
  std::string_view magic;  // 8 bytes
  uint32_t version = 0;    // the version written
  // Non-zero: the version of the layout before envelopes, still read so existing files stay
  // usable: magic | u32 version | u64 H | H bytes of JSON | the payload up to the end of the
  // file, without a checksum.
  uint32_t unchecked_version = 0;
  std::string_view what;  // what the file is, in messages ("snapshot")
};

struct Envelope {
  uint32_t version = 0;
  nlohmann::json head;       // always an object
  std::string_view payload;  // points into the bytes given to decode_envelope
};

// The head is dumped with invalid UTF-8 replaced, so encoding never throws on a stray byte;
// strings that must round-trip byte-exactly go through core/json-bytes.h first.
std::string encode_envelope(const EnvelopeFormat& format, const nlohmann::json& head, std::string_view payload);
// encode_envelope, written atomically (core::write_file_atomic).
void write_envelope(const std::filesystem::path& path, const EnvelopeFormat& format, const nlohmann::json& head,
                    std::string_view payload);
// The version of a file of this format (its magic), or nullopt for another kind of file.
std::optional<uint32_t> envelope_version(std::string_view bytes, const EnvelopeFormat& format);

// Throws Error(format) "WHERE: ..." for another magic, lengths that do not fit the bytes, a checksum
// mismatch or a head that is not a JSON object, and Error(unsupported) for another version.
// Nothing is allocated from a stored length.
Envelope decode_envelope(std::string_view bytes, const EnvelopeFormat& format, const std::string& where);

}  // namespace ants::core
