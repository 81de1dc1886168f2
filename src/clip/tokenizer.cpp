#include <ants/tokenizer.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "clip/builtin-bpe.h"
#include "clip/text-clean.h"
#include "core/error.h"
#include "core/file-util.h"

namespace ants {

using core::fail;

namespace {

// simple_tokenizer keeps merges[1:49152-256-2+1] (and Hugging Face's CLIPTokenizer the same
// slice of merges.txt), so that the vocabulary is 49408 tokens.
constexpr size_t kMaxMerges = 49152 - 256 - 2;
constexpr std::string_view kSot = "<|startoftext|>";
constexpr std::string_view kEot = "<|endoftext|>";

using Vocab = std::unordered_map<std::string, int32_t>;
using MergeList = std::vector<std::pair<std::string, std::string>>;

// bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the other 68 bytes for
// U+0100.. in byte order. The order of byte_order() is also the order of the first 256 ids.
bool is_printable_byte(int b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE; }

std::array<uint8_t, 256> byte_order() {
  std::array<uint8_t, 256> order{};
  size_t n = 0;
  for (int b = 0; b < 256; ++b) {
    if (is_printable_byte(b)) order[n++] = static_cast<uint8_t>(b);
  }
  for (int b = 0; b < 256; ++b) {
    if (!is_printable_byte(b)) order[n++] = static_cast<uint8_t>(b);
  }
  return order;
}

std::array<std::string, 256> byte_symbols() {
  std::array<std::string, 256> symbols;
  char32_t next = 0x100;
  for (uint8_t b : byte_order()) clip::append_utf8(is_printable_byte(b) ? b : next++, symbols[b]);
  return symbols;
}

// A token quoted for a one-line error message.
std::string printable_token(std::string_view token) {
  std::string out = "'";
  for (char c : token) out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  return out + "'";
}

// A merge list line: exactly two whitespace-separated symbols (Python's str.split()).
std::pair<std::string, std::string> parse_merge(std::string_view line, const std::string& where, size_t line_no) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t j = i;
    while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
    if (j > i) parts.push_back(line.substr(i, j - i));
    i = j;
  }
  if (parts.size() != 2) {
    fail(ErrorCode::format, where, "line " + std::to_string(line_no) + ": expected two symbols separated by a space");
  }
  return {std::string(parts[0]), std::string(parts[1])};
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (true) {
    const size_t nl = text.find('\n', pos);
    lines.push_back(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    if (nl == std::string_view::npos) return lines;
    pos = nl + 1;
  }
}

// Lines [1, 1 + kMaxMerges) of the file, as both readers slice them.
MergeList parse_merges(std::string_view text, const std::string& where) {
  const auto lines = split_lines(text);
  MergeList merges;
  for (size_t i = 1; i < lines.size() && merges.size() < kMaxMerges; ++i) {
    merges.push_back(parse_merge(lines[i], where, i + 1));
  }
  return merges;
}

std::string inflate_gzip(std::string_view gz, const std::string& where) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) fail(ErrorCode::internal, where, "zlib inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  std::array<char, 1 << 16> buf{};
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf.data());
    zs.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf.data(), buf.size() - zs.avail_out);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) break;  // truncated
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) fail(ErrorCode::format, where, "not a valid, complete gzip stream");
  return out;
}

Vocab parse_vocab_json(const std::filesystem::path& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(core::read_file(path));
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::format, path.string(), e.what());
  }
  if (!j.is_object()) fail(ErrorCode::format, path.string(), "expected a JSON object of token -> id");
  Vocab vocab;
  for (const auto& [token, id] : j.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX) {
      fail(ErrorCode::format, path.string(), "token " + printable_token(token) + " has no valid integer id");
    }
    vocab[token] = id.get<int32_t>();
  }
  return vocab;
}

}  // namespace

struct Tokenizer::Impl {
  struct Merge {
    int32_t rank;
    int32_t id;
  };
  std::array<int32_t, 256> byte_id{};      // byte -> its symbol
  std::array<int32_t, 256> byte_end_id{};  // byte -> its symbol + "</w>"
  std::unordered_map<uint64_t, Merge> merges;
  int32_t sot = 0, eot = 0, vocab_size = 0;

  static uint64_t key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  static std::unique_ptr<Impl> build(const Vocab& vocab, const MergeList& merges, const std::string& where);
  static std::unique_ptr<Impl> from_merge_text(std::string_view text, const std::string& where);
  void bpe(std::string_view bytes, std::vector<int32_t>& out) const;
};

std::unique_ptr<Tokenizer::Impl> Tokenizer::Impl::build(const Vocab& vocab, const MergeList& merges,
                                                        const std::string& where) {
  auto impl = std::make_unique<Impl>();
  auto id_of = [&](const std::string& token) {
    const auto it = vocab.find(token);
    if (it == vocab.end()) fail(ErrorCode::format, where, "vocabulary has no token " + printable_token(token));
    return it->second;
  };
  const auto symbols = byte_symbols();
  for (int b = 0; b < 256; ++b) {
    impl->byte_id[b] = id_of(symbols[b]);
    impl->byte_end_id[b] = id_of(symbols[b] + "</w>");
  }
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [a, b] = merges[rank];
    // Later duplicates win, as in dict(zip(merges, range(len(merges)))).
    impl->merges[key(id_of(a), id_of(b))] = Merge{static_cast<int32_t>(rank), id_of(a + b)};
  }
  impl->sot = id_of(std::string(kSot));
  impl->eot = id_of(std::string(kEot));
  for (const auto& [token, id] : vocab) impl->vocab_size = std::max(impl->vocab_size, id + 1);
  return impl;
}

// SimpleTokenizer.bpe on ids, in O(n log n): Python merges, round after round, every
// non-overlapping occurrence (left to right) of the lowest-ranked adjacent pair. Here the word is a
// linked list of symbols and the positions of candidate pairs wait in buckets by rank (an ordered
// map: few distinct ranks, hot in cache); a round takes the lowest rank's bucket (one rank is one
// pair), merges its still-valid positions in order, and only then offers the pairs the merges
// made, exactly as Python's next min() would see them. A 10 MB word costs seconds, not the hours
// of rescanning the word after every merge.
void Tokenizer::Impl::bpe(std::string_view bytes, std::vector<int32_t>& out) const {
  const uint32_t n = static_cast<uint32_t>(bytes.size());  // words are bounded by the text limit
  if (n == 0) return;
  constexpr uint32_t kNone = UINT32_MAX;
  std::vector<int32_t> sym(n);
  std::vector<uint32_t> prev(n), next(n);  // kNone: no neighbour
  for (uint32_t i = 0; i < n; ++i) {
    const auto b = static_cast<uint8_t>(bytes[i]);
    sym[i] = i + 1 == n ? byte_end_id[b] : byte_id[b];
    prev[i] = i == 0 ? kNone : i - 1;
    next[i] = i + 1 == n ? kNone : i + 1;
  }
  std::map<int32_t, std::vector<uint32_t>> waiting;  // rank -> positions of its pair
  const auto rank_at = [&](uint32_t at) -> const Merge* {
    if (at == kNone || next[at] == kNone) return nullptr;
    const auto it = merges.find(key(sym[at], sym[next[at]]));
    return it == merges.end() ? nullptr : &it->second;
  };
  const auto offer = [&](uint32_t at) {
    if (const Merge* m = rank_at(at)) waiting[m->rank].push_back(at);
  };
  for (uint32_t i = 0; i + 1 < n; ++i) offer(i);
  std::vector<uint32_t> merged_at;
  while (!waiting.empty()) {
    const int32_t rank = waiting.begin()->first;
    std::vector<uint32_t> round = std::move(waiting.begin()->second);
    waiting.erase(waiting.begin());
    std::sort(round.begin(), round.end());  // offered at different rounds: restore word order
    merged_at.clear();
    for (const uint32_t at : round) {
      const Merge* m = sym[at] < 0 ? nullptr : rank_at(at);
      if (m == nullptr || m->rank != rank) continue;  // overlapped by a merge of this round, or gone
      const uint32_t r = next[at];
      sym[at] = m->id;
      sym[r] = -1;  // removed
      next[at] = next[r];
      if (next[r] != kNone) prev[next[r]] = at;
      merged_at.push_back(at);
    }
    for (const uint32_t at : merged_at) {
      if (sym[at] < 0) continue;
      offer(prev[at]);
      offer(at);
    }
  }
  for (uint32_t i = 0; i != kNone; i = next[i]) out.push_back(sym[i]);
}

namespace {

// One character of a case-insensitive literal: the regex module folds 'S' and U+017F (long s)
// to 's'; the other letters of the pattern have only their ASCII upper case.
bool folds_to(char32_t c, char p) {
  if (c == static_cast<char32_t>(p)) return true;
  if (p >= 'a' && p <= 'z' && c == static_cast<char32_t>(p - 'a' + 'A')) return true;
  return p == 's' && c == 0x17F;
}

size_t match_literal(std::u32string_view text, size_t i, std::string_view lit) {
  if (text.size() - i < lit.size()) return 0;
  for (size_t k = 0; k < lit.size(); ++k) {
    if (!folds_to(text[i + k], lit[k])) return 0;
  }
  return lit.size();
}

bool is_other(char32_t c) {
  // U+0345 case-folds to a Greek letter, so under IGNORECASE it is in no class at all.
  return !clip::is_regex_space(c) && !clip::is_letter(c) && !clip::is_number(c) && c != 0x345;
}

// The length of the match of CLIP's pattern at text[i], 0 where no alternative matches.
size_t match_token(std::u32string_view text, size_t i) {
  static constexpr std::string_view kLiterals[] = {
      "<|startoftext|>", "<|endoftext|>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
  for (std::string_view lit : kLiterals) {
    if (const size_t n = match_literal(text, i, lit)) return n;
  }
  size_t j = i;
  while (j < text.size() && clip::is_letter(text[j])) ++j;
  if (j > i) return j - i;
  if (clip::is_number(text[i])) return 1;
  while (j < text.size() && is_other(text[j])) ++j;
  return j - i;
}

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::from_hf_files(const std::filesystem::path& vocab_json,
                                                    const std::filesystem::path& merges_txt) {
  const Vocab vocab = parse_vocab_json(vocab_json);
  const std::string text = core::read_file(merges_txt);
  if (text.rfind("#version", 0) != 0)
    fail(ErrorCode::format, merges_txt.string(), "first line is not a #version header");
  // Hugging Face strips the file before splitting it into lines.
  const size_t end = text.find_last_not_of(" \t\r\n\f\v");
  const MergeList merges = parse_merges(std::string_view(text).substr(0, end + 1), merges_txt.string());
  return std::unique_ptr<Tokenizer>(new Tokenizer(Impl::build(vocab, merges, vocab_json.string())));
}

// SimpleTokenizer.__init__: bytes, bytes + "</w>", one token per merge, then the two specials.
std::unique_ptr<Tokenizer::Impl> Tokenizer::Impl::from_merge_text(std::string_view text, const std::string& where) {
  const MergeList merges = parse_merges(text, where);
  const auto symbols = byte_symbols();
  const auto order = byte_order();
  std::vector<std::string> tokens;
  for (uint8_t b : order) tokens.push_back(symbols[b]);
  for (uint8_t b : order) tokens.push_back(symbols[b] + "</w>");
  for (const auto& [a, b] : merges) tokens.push_back(a + b);
  tokens.emplace_back(kSot);
  tokens.emplace_back(kEot);
  Vocab vocab;
  for (size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = static_cast<int32_t>(i);
  return build(vocab, merges, where);
}

std::unique_ptr<Tokenizer> Tokenizer::from_bpe_gz(const std::filesystem::path& bpe_gz) {
  const std::string text = inflate_gzip(core::read_file(bpe_gz), bpe_gz.string());
  return std::unique_ptr<Tokenizer>(new Tokenizer(Impl::from_merge_text(text, bpe_gz.string())));
}

std::unique_ptr<Tokenizer> Tokenizer::builtin() {
  const std::string where = "built-in bpe_simple_vocab_16e6.txt.gz";
  const std::string text = inflate_gzip(clip::builtin_bpe_gz(), where);
  return std::unique_ptr<Tokenizer>(new Tokenizer(Impl::from_merge_text(text, where)));
}

std::vector<std::filesystem::path> Tokenizer::model_files(const std::filesystem::path& model_dir) {
  const auto vocab = model_dir / "vocab.json";
  const auto merges = model_dir / "merges.txt";
  std::error_code ec;
  if (std::filesystem::exists(vocab, ec) && std::filesystem::exists(merges, ec)) return {vocab, merges};
  return {};
}

std::unique_ptr<Tokenizer> Tokenizer::for_model_dir(const std::filesystem::path& model_dir) {
  const auto files = model_files(model_dir);
  return files.empty() ? builtin() : from_hf_files(files[0], files[1]);
}

std::vector<int32_t> Tokenizer::encode_raw(std::string_view utf8_text) const {
  const std::u32string text = clip::clean_text(utf8_text);
  std::vector<int32_t> ids;
  for (size_t i = 0; i < text.size();) {
    const size_t n = match_token(text, i);
    if (n == 0) {
      ++i;
      continue;
    }
    const std::string token = clip::encode_utf8(std::u32string_view(text).substr(i, n));
    i += n;
    // Only the exact special strings are in SimpleTokenizer's cache; "<|ſtartoftext|>" is BPE'd.
    if (token == kSot || token == kEot) {
      ids.push_back(token == kSot ? impl_->sot : impl_->eot);
    } else {
      impl_->bpe(token, ids);
    }
  }
  return ids;
}

std::vector<int32_t> Tokenizer::encode(std::string_view utf8_text, int context) const {
  if (context < 1) fail(ErrorCode::invalid_argument, "Tokenizer::encode", "context must be at least 1");
  std::vector<int32_t> ids{impl_->sot};
  const auto raw = encode_raw(utf8_text);
  ids.insert(ids.end(), raw.begin(), raw.end());
  ids.push_back(impl_->eot);
  if (ids.size() > static_cast<size_t>(context)) {
    ids.resize(static_cast<size_t>(context));
    ids.back() = impl_->eot;
  }
  return ids;
}

int32_t Tokenizer::sot_id() const { return impl_->sot; }
int32_t Tokenizer::eot_id() const { return impl_->eot; }
int32_t Tokenizer::vocab_size() const { return impl_->vocab_size; }

}  // namespace ants
