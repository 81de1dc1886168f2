#include "core/file-envelope.h"

#include <cstring>

#include "core/byte-reader.h"
#include "core/error.h"
#include "core/file-util.h"
#include "core/hash.h"

namespace ants::core {

namespace {

using nlohmann::json;
constexpr size_t kMagicBytes = 8;
constexpr size_t kChecksumBytes = 16;

void check_magic(const EnvelopeFormat& f) {
  if (f.magic.size() != kMagicBytes) fail(ErrorCode::internal, f.what, "file magic must be 8 bytes");
}

template <typename T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

json parse_head(std::string_view text, const EnvelopeFormat& f, const std::string& where) {
  json head = json::parse(text, nullptr, false);
  if (head.is_discarded() || !head.is_object())
    fail(ErrorCode::format, where, std::string(f.what) + " head is not a JSON object (corrupt file)");
  return head;
}

// `c` is past the version. The checksum is the last 16 bytes whatever the lengths say, so it is
// checked first: a damaged length is then reported as damage, not as a confusing size.
Envelope read_checked(ByteReader c, const EnvelopeFormat& f, const std::string& where) {
  const std::string what(f.what);
  if (c.left() < 8 + 8 + kChecksumBytes) fail(ErrorCode::format, where, what + " is truncated");
  const std::string_view body = c.bytes.substr(0, c.bytes.size() - kChecksumBytes);
  Hash128 stored;
  std::memcpy(&stored.high, body.data() + body.size(), 8);
  std::memcpy(&stored.low, body.data() + body.size() + 8, 8);
  if (hash_bytes(body) != stored)
    fail(ErrorCode::format, where, what + " checksum mismatch (the file is truncated or corrupt)");
  c.bytes = body;
  Envelope e{f.version, {}, {}};
  uint64_t head_len = 0, payload_len = 0;
  std::string_view head;
  if (!c.get(head_len) || !c.take(head_len, head) || !c.get(payload_len) || !c.take(payload_len, e.payload) ||
      c.left() != 0) {
    fail(ErrorCode::format, where, what + " lengths do not match the file size");
  }
  e.head = parse_head(head, f, where);
  return e;
}

Envelope read_unchecked(ByteReader c, const EnvelopeFormat& f, const std::string& where) {
  Envelope e{f.unchecked_version, {}, {}};
  uint64_t head_len = 0;
  std::string_view head;
  if (!c.get(head_len) || !c.take(head_len, head))
    fail(ErrorCode::format, where, std::string(f.what) + " is truncated");
  e.head = parse_head(head, f, where);
  e.payload = c.bytes.substr(c.pos);
  return e;
}

}  // namespace

std::string encode_envelope(const EnvelopeFormat& f, const json& head, std::string_view payload) {
  check_magic(f);
  const std::string text = head.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out(f.magic);
  out.reserve(kMagicBytes + 4 + 8 + text.size() + 8 + payload.size() + kChecksumBytes);
  put(out, f.version);
  put(out, static_cast<uint64_t>(text.size()));
  out += text;
  put(out, static_cast<uint64_t>(payload.size()));
  out += payload;
  const Hash128 sum = hash_bytes(out);
  put(out, sum.high);
  put(out, sum.low);
  return out;
}

void write_envelope(const std::filesystem::path& path, const EnvelopeFormat& f, const json& head,
                    std::string_view payload) {
  write_file_atomic(path, encode_envelope(f, head, payload));
}

std::optional<uint32_t> envelope_version(std::string_view bytes, const EnvelopeFormat& f) {
  ByteReader c{bytes, kMagicBytes};
  uint32_t version = 0;
  if (bytes.substr(0, kMagicBytes) != f.magic || !c.get(version)) return std::nullopt;
  return version;
}

Envelope decode_envelope(std::string_view bytes, const EnvelopeFormat& f, const std::string& where) {
  check_magic(f);
  const std::string what(f.what);
  if (bytes.substr(0, kMagicBytes) != f.magic) fail(ErrorCode::format, where, "not an ants " + what + " file");
  ByteReader c{bytes, kMagicBytes};
  uint32_t version = 0;
  if (!c.get(version)) fail(ErrorCode::format, where, what + " is truncated");
  if (version == f.version) return read_checked(c, f, where);
  if (f.unchecked_version != 0 && version == f.unchecked_version) return read_unchecked(c, f, where);
  fail(ErrorCode::unsupported, where,
       what + " version " + std::to_string(version) + ", expected " + std::to_string(f.version));
}

}  // namespace ants::core
