#include "clip/safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/dtype.h"
#include "core/error.h"
#include "core/file-util.h"

namespace ants::clip {

using core::fail;
using nlohmann::json;

namespace {

struct DtypeEntry {
  const char* name;
  Dtype dtype;
  size_t size;
};
constexpr DtypeEntry kDtypes[] = {
    {"F32", Dtype::f32, 4}, {"F16", Dtype::f16, 2}, {"BF16", Dtype::bf16, 2},
    {"F64", Dtype::f64, 8}, {"I64", Dtype::i64, 8}, {"I32", Dtype::i32, 4},
    {"I16", Dtype::i16, 2}, {"I8", Dtype::i8, 1},   {"U8", Dtype::u8, 1},
    {"BOOL", Dtype::boolean, 1},
};

constexpr uint64_t kMaxHeader = 100ull << 20;  // a CLIP header is a few tens of KB

const DtypeEntry* find_dtype(const std::string& name) {
  for (const auto& e : kDtypes) {
    if (name == e.name) return &e;
  }
  return nullptr;
}

// Parses the header JSON, failing on duplicate top-level keys (nlohmann would keep the last).
json parse_header(const std::string& where, std::string_view text) {
  std::set<std::string> seen;
  std::string duplicate;
  json::parser_callback_t cb = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!seen.insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  json header = json::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) {
    fail(ErrorCode::format, where, "header is not a valid JSON object");
  }
  if (!duplicate.empty()) fail(ErrorCode::format, where, "duplicate tensor '" + duplicate + "'");
  return header;
}

std::vector<int64_t> parse_shape(const std::string& where, const std::string& name, const json& j) {
  if (!j.is_array()) fail(ErrorCode::format, where, "tensor '" + name + "': shape is not an array");
  std::vector<int64_t> shape;
  for (const auto& d : j) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0) {
      fail(ErrorCode::format, where, "tensor '" + name + "': bad dimension in shape");
    }
    shape.push_back(d.get<int64_t>());
  }
  return shape;
}

// numel * elem_size, or nothing on overflow.
bool checked_bytes(const std::vector<int64_t>& shape, size_t elem, uint64_t* out) {
  uint64_t n = elem;
  for (int64_t d : shape) {
    if (__builtin_mul_overflow(n, static_cast<uint64_t>(d), &n) || n > (uint64_t{1} << 62)) return false;
  }
  *out = n;
  return true;
}

TensorView parse_entry(const std::string& where, const std::string& name, const json& e,
                       std::span<const uint8_t> data, size_t data_start) {
  auto bad = [&](const std::string& why) { fail(ErrorCode::format, where, "tensor '" + name + "': " + why); };
  if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets")) {
    bad("entry needs dtype, shape and data_offsets");
  }
  if (!e["dtype"].is_string()) bad("dtype is not a string");
  const auto* dt = find_dtype(e["dtype"].get<std::string>());
  if (dt == nullptr) bad("unknown dtype " + e["dtype"].get<std::string>());
  TensorView t;
  t.name = name;
  t.dtype = dt->dtype;
  t.shape = parse_shape(where, name, e["shape"]);
  const json& off = e["data_offsets"];
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned()) {
    bad("data_offsets must be two non-negative integers");
  }
  const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
  if (begin > end) bad("data_offsets begin after end");
  if (end > data.size()) {
    bad("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
        ") outside the data (" + std::to_string(data.size()) + " bytes; file truncated?)");
  }
  uint64_t want = 0;
  if (!checked_bytes(t.shape, dt->size, &want)) bad("shape too large");
  if (want != end - begin) {
    bad("has " + std::to_string(end - begin) + " bytes, shape and dtype need " + std::to_string(want));
  }
  t.bytes = data.subspan(begin, end - begin);
  t.offset = data_start + begin;
  return t;
}

void check_overlaps(const std::string& where, const std::map<std::string, TensorView>& tensors) {
  std::vector<const TensorView*> order;
  for (const auto& [name, t] : tensors) {
    if (!t.bytes.empty()) order.push_back(&t);
  }
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < order.size(); ++i) {
    if (order[i]->offset < order[i - 1]->offset + order[i - 1]->bytes.size()) {
      fail(ErrorCode::format, where,
           "tensors '" + order[i - 1]->name + "' and '" + order[i]->name + "' overlap");
    }
  }
}

}  // namespace

const char* dtype_name(Dtype d) {
  for (const auto& e : kDtypes) {
    if (e.dtype == d) return e.name;
  }
  return "?";
}

size_t dtype_size(Dtype d) {
  for (const auto& e : kDtypes) {
    if (e.dtype == d) return e.size;
  }
  return 0;
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

void TensorView::to_f32(float* out) const {
  const size_t n = static_cast<size_t>(numel());
  const uint8_t* p = bytes.data();
  switch (dtype) {
    case Dtype::f32:
      std::memcpy(out, p, n * 4);
      return;
    case Dtype::f16:
    case Dtype::bf16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = dtype == Dtype::f16 ? core::f16_to_f32(h) : core::bf16_to_f32(h);
      }
      return;
    case Dtype::f64:
      for (size_t i = 0; i < n; ++i) {
        double v;
        std::memcpy(&v, p + 8 * i, 8);
        out[i] = static_cast<float>(v);
      }
      return;
    default:
      fail(ErrorCode::unsupported, name, std::string("dtype ") + dtype_name(dtype) + " is not a float type");
  }
}

std::vector<float> TensorView::to_f32() const {
  std::vector<float> out(static_cast<size_t>(numel()));
  to_f32(out.data());
  return out;
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path)
    : file_(std::make_unique<core::MappedFile>(path)) {
  const std::string where = path.string();
  auto all = file_->bytes();
  if (all.size() < 8) fail(ErrorCode::format, where, "file too short for a safetensors header (truncated?)");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | all[static_cast<size_t>(i)];
  if (n > all.size() - 8) {
    fail(ErrorCode::format, where, "header length " + std::to_string(n) + " is larger than the file (" +
                                       std::to_string(all.size()) + " bytes)");
  }
  if (n > kMaxHeader) fail(ErrorCode::format, where, "header length " + std::to_string(n) + " is implausibly large");
  std::string_view text(reinterpret_cast<const char*>(all.data() + 8), n);
  json header = parse_header(where, text);
  auto data = all.subspan(8 + n);
  for (auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    tensors_.emplace(name, parse_entry(where, name, entry, data, 8 + n));
  }
  check_overlaps(where, tensors_);
}

const TensorView* SafetensorsFile::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors) {
  json header = json::object();
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    header[t.name] = {{"dtype", dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keep the data 8-byte aligned
  std::string blob;
  blob.reserve(8 + text.size() + offset);
  for (int i = 0; i < 8; ++i) blob.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xff));
  blob += text;
  for (const auto& t : tensors) blob.append(reinterpret_cast<const char*>(t.data.data()), t.data.size());
  core::write_file_atomic(path, blob);
}

}  // namespace ants::clip
