// ants/tokenizer.h — the original OpenAI CLIP byte-level BPE tokenizer.
//
// Behaviour equals `clip.simple_tokenizer.SimpleTokenizer` (with ftfy 6.1's `fix_text` on text
// without mojibake): ftfy's character fixes (curly quotes, ligatures, fullwidth forms, control
// characters, C1 controls as Windows-1252, line separators, one HTML unescape, NFC), then
// html-unescape twice, whitespace collapsed and stripped, Unicode lower-casing, CLIP's split
// pattern and byte-level BPE. Mojibake repair is not done.
//
// Thread safety: a Tokenizer is immutable after construction; encode() may be called from any
// number of threads at once.
#pragma once

#include <ants/export.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ants {

class ANTS_API Tokenizer {
 public:
  static constexpr int kDefaultContext = 77;

  // vocab.json (token string -> id) + merges.txt (first line a "#version" header), as in a
  // Hugging Face CLIP directory. Throws ants::Error naming the file on a missing/malformed file.
  static std::unique_ptr<Tokenizer> from_hf_files(const std::filesystem::path& vocab_json,
                                                  const std::filesystem::path& merges_txt);
  // The original CLIP merge list (bpe_simple_vocab_16e6.txt.gz layout), gzip-compressed bytes.
  static std::unique_ptr<Tokenizer> from_bpe_gz(const std::filesystem::path& bpe_gz);
  // The copy of bpe_simple_vocab_16e6.txt.gz compiled into the library.
  static std::unique_ptr<Tokenizer> builtin();
  // vocab.json + merges.txt from `model_dir` when both exist, otherwise builtin().
  static std::unique_ptr<Tokenizer> for_model_dir(const std::filesystem::path& model_dir);
  // The files for_model_dir reads from `model_dir`: {vocab.json, merges.txt}, or none (built-in).
  static std::vector<std::filesystem::path> model_files(const std::filesystem::path& model_dir);

  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // <|startoftext|> ids... <|endoftext|>, no padding. If longer than `context`, the first
  // context-1 ids are kept and <|endoftext|> is put last (so the result has `context` ids).
  std::vector<int32_t> encode(std::string_view utf8_text, int context = kDefaultContext) const;
  // BPE ids of the cleaned text without start/end tokens and without truncation.
  std::vector<int32_t> encode_raw(std::string_view utf8_text) const;

  int32_t sot_id() const;
  int32_t eot_id() const;
  int32_t vocab_size() const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The text normalisation CLIP applies before splitting: ftfy fixes (see above), html-unescape
// twice, whitespace collapsed to single spaces, stripped, lower-cased. UTF-8 in, UTF-8 out;
// invalid UTF-8 bytes are replaced by U+FFFD as Python's decode(errors="replace") does.
ANTS_API std::string clip_clean_text(std::string_view utf8_text);

}  // namespace ants
