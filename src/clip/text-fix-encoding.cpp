#include "clip/text-fix-encoding.h"

#define PCRE2_CODE_UNIT_WIDTH 0
#include <pcre2.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "clip/text-clean.h"
#include "core/error.h"

namespace ants::clip {

namespace {

#include "clip/ftfy-encoding.inc"

constexpr char32_t kUndefined = 0xFFFFFFFF;
constexpr size_t kNumCharmaps = std::size(kCharmapNames);
constexpr size_t kLatin1 = 0, kSloppyWindows1252 = 1;

// ---------------------------------------------------------------------------------------------
// PCRE2 for ftfy's patterns: 8-bit code units for its bytes patterns, 32-bit for its text ones.
// Both are compiled without UTF, so a class is a plain set of code unit values, as generated.

struct Pcre8 {
  using Str = std::string;
  using View = std::string_view;
  using Code = pcre2_code_8;
  using Data = pcre2_match_data_8;
  static Code* compile(const char* pattern, int* err, PCRE2_SIZE* at) {
    return pcre2_compile_8(reinterpret_cast<PCRE2_SPTR8>(pattern), PCRE2_ZERO_TERMINATED, 0, err, at, nullptr);
  }
  static void jit(Code* code) { pcre2_jit_compile_8(code, PCRE2_JIT_COMPLETE); }
  static void free(Code* code) { pcre2_code_free_8(code); }
  static Data* data(const Code* code) { return pcre2_match_data_create_from_pattern_8(code, nullptr); }
  static void free(Data* data) { pcre2_match_data_free_8(data); }
  static int match(const Code* code, View s, size_t from, Data* data, uint32_t options);
  static const PCRE2_SIZE* ovector(Data* data) { return pcre2_get_ovector_pointer_8(data); }
};

struct Pcre32 {
  using Str = std::u32string;
  using View = std::u32string_view;
  using Code = pcre2_code_32;
  using Data = pcre2_match_data_32;
  static Code* compile(const char* pattern, int* err, PCRE2_SIZE* at) {
    const std::u32string wide(pattern, pattern + std::char_traits<char>::length(pattern));
    return pcre2_compile_32(reinterpret_cast<PCRE2_SPTR32>(wide.data()), wide.size(), 0, err, at, nullptr);
  }
  static void jit(Code* code) { pcre2_jit_compile_32(code, PCRE2_JIT_COMPLETE); }
  static void free(Code* code) { pcre2_code_free_32(code); }
  static Data* data(const Code* code) { return pcre2_match_data_create_from_pattern_32(code, nullptr); }
  static void free(Data* data) { pcre2_match_data_free_32(data); }
  static int match(const Code* code, View s, size_t from, Data* data, uint32_t options);
  static const PCRE2_SIZE* ovector(Data* data) { return pcre2_get_ovector_pointer_32(data); }
};

// Python's re has no backtracking limits; a long run of mojibake repeats UTF8_DETECTOR_RE's group
// once per character pair, so the interpreter gets no match or depth limit either (its heap
// grows as it needs).
pcre2_match_context_8* unlimited_context_8() {
  static pcre2_match_context_8* context = [] {
    auto* c = pcre2_match_context_create_8(nullptr);
    pcre2_set_match_limit_8(c, std::numeric_limits<uint32_t>::max());
    pcre2_set_depth_limit_8(c, std::numeric_limits<uint32_t>::max());
    return c;
  }();
  return context;
}

pcre2_match_context_32* unlimited_context_32() {
  static pcre2_match_context_32* context = [] {
    auto* c = pcre2_match_context_create_32(nullptr);
    pcre2_set_match_limit_32(c, std::numeric_limits<uint32_t>::max());
    pcre2_set_depth_limit_32(c, std::numeric_limits<uint32_t>::max());
    return c;
  }();
  return context;
}

int Pcre8::match(const Code* code, View s, size_t from, Data* data, uint32_t options) {
  return pcre2_match_8(code, reinterpret_cast<PCRE2_SPTR8>(s.data()), s.size(), from, options, data,
                       unlimited_context_8());
}

int Pcre32::match(const Code* code, View s, size_t from, Data* data, uint32_t options) {
  return pcre2_match_32(code, reinterpret_cast<PCRE2_SPTR32>(s.data()), s.size(), from, options, data,
                        unlimited_context_32());
}

template <class P>
class Regex {
 public:
  using Str = typename P::Str;
  using View = typename P::View;
  struct Span {
    size_t begin, end;
  };

  explicit Regex(const char* pattern) {
    int err = 0;
    PCRE2_SIZE at = 0;
    code_ = P::compile(pattern, &err, &at);
    if (code_ == nullptr) {
      core::fail(ErrorCode::internal, "ftfy-encoding.inc", "pattern does not compile at offset " + std::to_string(at));
    }
    P::jit(code_);  // optional: without JIT the interpreter matches the same
  }
  ~Regex() { P::free(code_); }
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // re.search(s): whether there is a match.
  bool search(View s) const { return find(s, 0, MatchData(P::data(code_), &P::free).get()).has_value(); }

  // re.sub(replace, s) with a function of the matched text. ftfy's patterns never match empty.
  template <class Fn>
  Str substitute(const Str& s, Fn replace) const {
    const MatchData data(P::data(code_), &P::free);
    Str out;
    size_t pos = 0;
    for (auto m = find(s, 0, data.get()); m; m = find(s, pos, data.get())) {
      if (m->end == m->begin) core::fail(ErrorCode::internal, "ftfy", "a pattern matched empty text");
      out.append(s, pos, m->begin - pos);
      out += replace(s.substr(m->begin, m->end - m->begin));
      pos = m->end;
    }
    out.append(s, pos);
    return out;
  }

 private:
  using MatchData = std::unique_ptr<typename P::Data, void (*)(typename P::Data*)>;

  // The leftmost match at or after `from` (the text before it is seen by lookbehinds).
  std::optional<Span> find(View s, size_t from, typename P::Data* data) const {
    int rc = P::match(code_, s, from, data, 0);
    // The JIT's stack is small; the interpreter keeps its backtracking on the heap.
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) rc = P::match(code_, s, from, data, PCRE2_NO_JIT);
    if (rc == PCRE2_ERROR_NOMATCH) return std::nullopt;
    if (rc < 0) core::fail(ErrorCode::internal, "ftfy", "regular expression failed (PCRE2 error " + std::to_string(rc) + ")");
    const PCRE2_SIZE* ov = P::ovector(data);
    return Span{ov[0], ov[1]};
  }

  typename P::Code* code_ = nullptr;
};

const Regex<Pcre32>& badness_re() {
  static const Regex<Pcre32> re(kBadnessPattern);
  return re;
}
const Regex<Pcre32>& utf8_detector_re() {
  static const Regex<Pcre32> re(kUtf8DetectorPattern);
  return re;
}
const Regex<Pcre8>& altered_utf8_re() {
  static const Regex<Pcre8> re(kAlteredUtf8Pattern);
  return re;
}
const Regex<Pcre8>& lossy_utf8_re() {
  static const Regex<Pcre8> re(kLossyUtf8Pattern);
  return re;
}
const Regex<Pcre8>& a_grave_word_re() {
  static const Regex<Pcre8> re(kAGraveWordPattern);
  return re;
}

// ---------------------------------------------------------------------------------------------
// Single-byte codecs

// Code point -> byte of each CHARMAP_ENCODINGS codec (what str.encode(encoding) uses).
const std::unordered_map<char32_t, unsigned char>& charmap_encoder(size_t encoding) {
  static const auto encoders = [] {
    std::vector<std::unordered_map<char32_t, unsigned char>> maps(kNumCharmaps);
    for (size_t e = 0; e < kNumCharmaps; ++e) {
      for (int b = 0; b < 256; ++b) maps[e].emplace(kCharmapTables[e][b], static_cast<unsigned char>(b));
    }
    return maps;
  }();
  return encoders[encoding];
}

// possible_encoding() and text.encode(encoding) in one: nullopt when a character has no byte.
std::optional<std::string> charmap_encode(std::u32string_view text, size_t encoding) {
  const auto& encoder = charmap_encoder(encoding);
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    const auto it = encoder.find(c);
    if (it == encoder.end()) return std::nullopt;
    out += static_cast<char>(it->second);
  }
  return out;
}

bool is_sloppy(size_t encoding) { return std::string_view(kCharmapNames[encoding]).rfind("sloppy", 0) == 0; }

// bytes.decode("utf-8"), strict: nullopt where Python raises UnicodeDecodeError. With
// `variants`, bytes.decode("utf-8-variants") (ftfy.bad_codecs.utf8_variants), which also takes
// Java's C0 80 for U+0000 and CESU-8 surrogate pairs. Its patterns end their sequences with
// `([\x80-\xbf]|$)`, and Python's `$` also matches before a final newline, so a last byte '\n'
// completes a sequence too (and is consumed by it).
std::optional<std::u32string> decode_utf8(std::string_view bytes, bool variants) {
  auto at = [&](size_t i, unsigned lo, unsigned hi) {
    return i < bytes.size() && static_cast<unsigned char>(bytes[i]) >= lo && static_cast<unsigned char>(bytes[i]) <= hi;
  };
  auto last_or_continuation = [&](size_t i) { return at(i, 0x80, 0xBF) || (i + 1 == bytes.size() && bytes[i] == '\n'); };
  std::u32string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    if (variants && at(i, 0xC0, 0xC0) && (at(i + 1, 0x80, 0x80) || (i + 2 == bytes.size() && bytes[i + 1] == '\n'))) {
      out += U'\0';
      i += 2;
    } else if (variants && at(i, 0xED, 0xED) && at(i + 1, 0xA0, 0xAF) && at(i + 2, 0x80, 0xBF) &&
               at(i + 3, 0xED, 0xED) && at(i + 4, 0xB0, 0xBF) && last_or_continuation(i + 5)) {
      auto u = [&](size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(bytes[i + k])); };
      out += ((u(1) & 0x0F) << 16) + ((u(2) & 0x3F) << 10) + ((u(4) & 0x0F) << 6) + (u(5) & 0x3F) + 0x10000;
      i += 6;
    } else {
      char32_t cp = 0;
      const size_t n = utf8_sequence(bytes, i, &cp);
      if (n == 0) return std::nullopt;
      out += cp;
      i += n;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// ftfy.fixes transcoders

// restore_byte_a0: b"\xc3 " as a word is "à " (with its exceptions), and spaces inside otherwise
// valid-looking UTF-8 were once A0 bytes.
std::string restore_byte_a0(const std::string& bytes) {
  const std::string a_grave = a_grave_word_re().substitute(bytes, [](const std::string&) { return std::string("\xc3\xa0 "); });
  return altered_utf8_re().substitute(a_grave, [](std::string match) {
    std::replace(match.begin(), match.end(), ' ', '\xa0');
    return match;
  });
}

// replace_lossy_sequences: UTF-8 sequences that lost a byte to U+FFFD (encoded as 1A by the
// sloppy codecs) become the UTF-8 of U+FFFD.
std::string replace_lossy_sequences(const std::string& bytes) {
  return lossy_utf8_re().substitute(bytes, [](const std::string&) { return std::string("\xef\xbf\xbd"); });
}

// decode_inconsistent_utf8: fixes UTF-8-looking runs inside text that is not mojibake as a whole.
std::u32string decode_inconsistent_utf8(const std::u32string& text) {
  return utf8_detector_re().substitute(text, [&](const std::u32string& run) {
    return run.size() < text.size() && ftfy_is_bad(run) ? ftfy_fix_encoding(run) : run;
  });
}

// strict windows-1252 of latin-1 bytes: nullopt on its five undefined bytes.
std::optional<std::u32string> latin1_as_windows_1252(std::u32string_view text) {
  std::u32string out;
  for (char32_t c : text) {
    const char32_t w = kWindows1252[c];  // text is known to be latin-1 here
    if (w == kUndefined) return std::nullopt;
    out += w;
  }
  return out;
}

bool is_ascii(std::u32string_view text) {
  return std::all_of(text.begin(), text.end(), [](char32_t c) { return c < 0x80; });
}

bool has_c1(std::u32string_view text) {
  return std::any_of(text.begin(), text.end(), [](char32_t c) { return c >= 0x80 && c <= 0x9F; });
}

// UTF-8 mis-decoded as one of the single-byte encodings, re-encoded and decoded as it was meant.
std::optional<std::u32string> redecode_as_utf8(std::u32string_view text) {
  for (size_t e = 0; e < kNumCharmaps; ++e) {
    std::optional<std::string> bytes = charmap_encode(text, e);
    if (!bytes) continue;
    if (altered_utf8_re().search(*bytes)) *bytes = restore_byte_a0(*bytes);
    if (is_sloppy(e)) *bytes = replace_lossy_sequences(*bytes);
    const bool variants = bytes->find_first_of("\xed\xc0") != std::string::npos;
    std::optional<std::u32string> decoded = decode_utf8(*bytes, variants);
    if (decoded) return decoded;
  }
  return std::nullopt;
}

// ftfy's _fix_encoding_one_step_and_explain, without the explanation.
std::u32string fix_encoding_one_step(const std::u32string& text) {
  if (text.empty() || is_ascii(text) || !ftfy_is_bad(text)) return text;
  if (std::optional<std::u32string> fixed = redecode_as_utf8(text)) return *fixed;
  if (utf8_detector_re().search(text)) {
    std::u32string fixed = decode_inconsistent_utf8(text);
    if (fixed != text) return fixed;
  }
  // ftfy then asks whether "windows-1252" is among the possible encodings, which it never is
  // (its list holds "sloppy-windows-1252"), so latin-1 text is always re-read as windows-1252.
  if (charmap_encode(text, kLatin1)) {
    std::optional<std::u32string> fixed = latin1_as_windows_1252(text);
    if (fixed && *fixed != text) return *fixed;
  }
  if (has_c1(text)) {
    std::u32string fixed(text);
    std::transform(fixed.begin(), fixed.end(), fixed.begin(), fix_c1_control);
    return fixed;
  }
  return text;
}

}  // namespace

bool ftfy_is_bad(std::u32string_view text) { return badness_re().search(text); }

char32_t fix_c1_control(char32_t c) { return c >= 0x80 && c <= 0x9F ? kCharmapTables[kSloppyWindows1252][c] : c; }

std::u32string ftfy_fix_encoding(std::u32string_view text) {
  std::u32string current(text);
  while (true) {
    std::u32string fixed = fix_encoding_one_step(current);
    if (fixed == current) return fixed;
    current = std::move(fixed);
  }
}

}  // namespace ants::clip
