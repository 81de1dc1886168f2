// The CLIP tokenizer against ids made by the real openai/CLIP simple_tokenizer.py (goldens from
// scripts/gen-tokenizer-goldens.py, and the tiny model's expected.json).
#include <ants/error.h>
#include <ants/tokenizer.h>
#include <gtest/gtest.h>

#include <climits>
#include <algorithm>
#include <random>
#include <map>
#include <fstream>
#include <functional>
#include <thread>

#include "base64.h"
#include "test-paths.h"
#include "test-util.h"

namespace ants {
namespace {

struct Golden {
  std::string description, input;
  std::vector<int32_t> ids, ids_in_context;
};

const std::vector<Golden>& goldens() {
  static const std::vector<Golden> cases = [] {
    std::vector<Golden> out;
    const auto j = test::read_json(std::filesystem::path(ANTS_SOURCE_DIR) / "tests/data/tokenizer-goldens.json");
    for (const auto& c : j["cases"]) {
      out.push_back({c["description"], server::base64_decode(c["input_base64"].get<std::string>()).value(), c["ids"], c["ids_in_context"]});
    }
    return out;
  }();
  return cases;
}

const Tokenizer& hf() {
  static const auto tok =
      Tokenizer::from_hf_files(test::tiny_model_dir() / "vocab.json", test::tiny_model_dir() / "merges.txt");
  return *tok;
}

const Tokenizer& builtin() {
  static const auto tok = Tokenizer::builtin();
  return *tok;
}

void expect_goldens(const Tokenizer& tok) {
  ASSERT_GE(goldens().size(), 80u);
  for (const auto& g : goldens()) {
    EXPECT_EQ(tok.encode_raw(g.input), g.ids) << g.description;
    EXPECT_EQ(tok.encode(g.input), g.ids_in_context) << g.description;
  }
}

void expect_tiny_model_texts(const Tokenizer& tok) {
  const auto expected = test::tiny_expected();
  ASSERT_FALSE(expected["texts"].empty());
  for (const auto& t : expected["texts"]) {
    const std::string text = t["text"];
    EXPECT_EQ(tok.encode(text, INT_MAX), t["ids"].get<std::vector<int32_t>>()) << text;
    EXPECT_EQ(tok.encode(text), t["ids_in_context"].get<std::vector<int32_t>>()) << text;
  }
}

TEST(Tokenizer, HfFilesMatchExpectedJson) { expect_tiny_model_texts(hf()); }
TEST(Tokenizer, BuiltinMatchesExpectedJson) { expect_tiny_model_texts(builtin()); }
TEST(Tokenizer, HfFilesMatchGoldens) { expect_goldens(hf()); }
TEST(Tokenizer, BuiltinMatchesGoldens) { expect_goldens(builtin()); }

TEST(Tokenizer, BpeGzFileMatchesGoldens) {
  const auto tok = Tokenizer::from_bpe_gz(std::filesystem::path(ANTS_SOURCE_DIR) / "data/bpe_simple_vocab_16e6.txt.gz");
  expect_goldens(*tok);
}

TEST(Tokenizer, SpecialIdsAgreeAcrossSources) {
  const auto expected = test::tiny_expected();
  const auto ids = expected["texts"][0]["ids"].get<std::vector<int32_t>>();
  for (const Tokenizer* tok : {&hf(), &builtin()}) {
    EXPECT_EQ(tok->sot_id(), ids.front());
    EXPECT_EQ(tok->eot_id(), ids.back());
    EXPECT_EQ(tok->vocab_size(), tok->eot_id() + 1);
  }
}

TEST(Tokenizer, ForModelDirPicksFiles) {
  const auto from_dir = Tokenizer::for_model_dir(test::tiny_model_dir());
  const auto fallback = Tokenizer::for_model_dir(test::temp_dir());
  for (const auto& g : goldens()) {
    EXPECT_EQ(from_dir->encode_raw(g.input), g.ids) << g.description;
    EXPECT_EQ(fallback->encode_raw(g.input), g.ids) << g.description;
  }
}

// The truncation rule of clip.tokenize(truncate=True), applied to the reference ids.
TEST(Tokenizer, TruncatesToContextWithEndToken) {
  const auto& tok = hf();
  for (const auto& g : goldens()) {
    for (int context : {1, 2, 5, 16}) {
      std::vector<int32_t> want{tok.sot_id()};
      want.insert(want.end(), g.ids.begin(), g.ids.end());
      want.push_back(tok.eot_id());
      if (want.size() > static_cast<size_t>(context)) {
        want.resize(static_cast<size_t>(context));
        want.back() = tok.eot_id();
      }
      EXPECT_EQ(tok.encode(g.input, context), want) << g.description << " context " << context;
    }
  }
  EXPECT_THROW(tok.encode("x", 0), Error);
}

TEST(Tokenizer, EncodeIsThreadSafe) {
  const auto& tok = builtin();
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (const auto& g : goldens()) failures[t] += tok.encode(g.input) != g.ids_in_context;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

// ------------------------------------------------------------------------------------------
// Errors name the file.

void write(const std::filesystem::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void expect_tokenizer_error(const std::function<void()>& fn, ErrorCode code, const std::string& name) {
  try {
    fn();
    ADD_FAILURE() << "no error, expected one naming " << name;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
}

TEST(TokenizerErrors, MissingVocabJson) {
  const auto dir = test::temp_dir();
  write(dir / "merges.txt", "#version: 0.2\n");
  expect_tokenizer_error([&] { Tokenizer::from_hf_files(dir / "vocab.json", dir / "merges.txt"); }, ErrorCode::io,
               (dir / "vocab.json").string());
}

TEST(TokenizerErrors, MissingMergesTxt) {
  const auto dir = test::temp_dir();
  std::filesystem::copy_file(test::tiny_model_dir() / "vocab.json", dir / "vocab.json");
  expect_tokenizer_error([&] { Tokenizer::from_hf_files(dir / "vocab.json", dir / "merges.txt"); }, ErrorCode::io,
               (dir / "merges.txt").string());
}

TEST(TokenizerErrors, MalformedVocabJson) {
  const auto dir = test::temp_dir();
  std::filesystem::copy_file(test::tiny_model_dir() / "merges.txt", dir / "merges.txt");
  for (const std::string bad : {"{\"a\": 1,", "[1, 2]", "{\"a\": \"one\"}", "{\"a\": -1}"}) {
    write(dir / "vocab.json", bad);
    expect_tokenizer_error([&] { Tokenizer::from_hf_files(dir / "vocab.json", dir / "merges.txt"); }, ErrorCode::format,
                 (dir / "vocab.json").string());
  }
}

TEST(TokenizerErrors, MergesWithBadLine) {
  const auto dir = test::temp_dir();
  std::filesystem::copy_file(test::tiny_model_dir() / "vocab.json", dir / "vocab.json");
  std::string merges = read_bytes(test::tiny_model_dir() / "merges.txt");
  const size_t third_line = merges.find('\n', merges.find('\n') + 1) + 1;
  write(dir / "merges.txt", merges.substr(0, third_line) + "onlyonesymbol\n" + merges.substr(third_line));
  expect_tokenizer_error([&] { Tokenizer::from_hf_files(dir / "vocab.json", dir / "merges.txt"); }, ErrorCode::format,
               (dir / "merges.txt").string() + ": line 3");
  write(dir / "merges.txt", "i n\n");
  expect_tokenizer_error([&] { Tokenizer::from_hf_files(dir / "vocab.json", dir / "merges.txt"); }, ErrorCode::format,
               (dir / "merges.txt").string());
}

TEST(TokenizerErrors, MergeWithoutVocabEntry) {
  const auto dir = test::temp_dir();
  std::filesystem::copy_file(test::tiny_model_dir() / "vocab.json", dir / "vocab.json");
  write(dir / "merges.txt", "#version: 0.2\ni n\nq zzz\n");
  expect_tokenizer_error([&] { Tokenizer::from_hf_files(dir / "vocab.json", dir / "merges.txt"); }, ErrorCode::format,
               (dir / "vocab.json").string());
}

TEST(TokenizerErrors, CorruptBpeGz) {
  const auto dir = test::temp_dir();
  write(dir / "bpe.txt.gz", "not gzip at all");
  expect_tokenizer_error([&] { Tokenizer::from_bpe_gz(dir / "bpe.txt.gz"); }, ErrorCode::format, (dir / "bpe.txt.gz").string());
  const std::string gz = read_bytes(std::filesystem::path(ANTS_SOURCE_DIR) / "data/bpe_simple_vocab_16e6.txt.gz");
  write(dir / "truncated.gz", gz.substr(0, gz.size() / 2));
  expect_tokenizer_error([&] { Tokenizer::from_bpe_gz(dir / "truncated.gz"); }, ErrorCode::format,
               (dir / "truncated.gz").string());
  expect_tokenizer_error([&] { Tokenizer::from_bpe_gz(dir / "missing.gz"); }, ErrorCode::io, (dir / "missing.gz").string());
}

// simple_tokenizer.bpe as written in Python, on strings: round after round, every non-overlapping
// occurrence (left to right) of the lowest-ranked adjacent pair.
std::vector<std::string> python_bpe(const std::string& word, const std::map<std::pair<std::string, std::string>, int>& ranks) {
  std::vector<std::string> w;
  for (size_t i = 0; i < word.size(); ++i) w.push_back(std::string(1, word[i]) + (i + 1 == word.size() ? "</w>" : ""));
  for (;;) {
    const std::pair<std::string, std::string>* best = nullptr;
    int best_rank = INT_MAX;
    for (size_t i = 0; i + 1 < w.size(); ++i) {
      const auto it = ranks.find({w[i], w[i + 1]});
      if (it != ranks.end() && it->second < best_rank) best = &it->first, best_rank = it->second;
    }
    if (best == nullptr) break;
    const auto [first, second] = *best;
    std::vector<std::string> merged;
    for (size_t i = 0; i < w.size();) {
      if (w[i] == first && i + 1 < w.size() && w[i + 1] == second) merged.push_back(first + second), i += 2;
      else merged.push_back(w[i++]);
    }
    w = merged;
  }
  return w;
}

// The heap-based BPE merges exactly as Python does, also for merge lists whose ranks are not in
// creation order and for runs of one letter (overlapping pairs), on random words over "abc".
TEST(Tokenizer, BpeMergesInPythonsOrderOnRandomWordsAndMerges) {
  const auto dir = test::temp_dir();
  auto vocab = test::read_json(test::tiny_model_dir() / "vocab.json");
  int next_id = 0;
  for (const auto& [token, id] : vocab.items()) next_id = std::max(next_id, id.get<int>() + 1);
  std::mt19937 rng(7);
  std::vector<std::string> left{"a", "b", "c"}, any{"a", "b", "c", "a</w>", "b</w>", "c</w>"};
  std::vector<std::pair<std::string, std::string>> merges;
  for (const auto& l : left)
    for (const auto& r : any) merges.emplace_back(l, r);
  const size_t first_level = merges.size();
  for (int k = 0; k < 200; ++k) {  // merges of merged symbols, some ranked before their parts exist
    const auto& x = merges[rng() % first_level];
    const auto& y = merges[rng() % first_level];
    if (x.second.ends_with("</w>")) continue;
    merges.emplace_back(x.first + x.second, rng() % 2 ? y.first + y.second : any[rng() % any.size()]);
  }
  std::shuffle(merges.begin(), merges.end(), rng);
  std::string text = "#version: 0.2\n";
  std::map<std::pair<std::string, std::string>, int> ranks;
  for (const auto& [a, b] : merges) {
    if (!vocab.contains(a + b)) vocab[a + b] = next_id++;
    if (!ranks.count({a, b})) ranks[{a, b}] = static_cast<int>(ranks.size());
    else continue;
    text += a + " " + b + "\n";
  }
  write(dir / "vocab.json", vocab.dump());
  write(dir / "merges.txt", text);
  const auto tok = Tokenizer::from_hf_files(dir / "vocab.json", dir / "merges.txt");
  for (int n = 0; n < 2000; ++n) {
    std::string word;
    const size_t len = 1 + rng() % 40;
    const std::string alphabet = n % 4 == 0 ? "a" : "abc";  // every fourth: one letter, all overlaps
    for (size_t i = 0; i < len; ++i) word += alphabet[rng() % alphabet.size()];
    std::vector<int32_t> want;
    for (const auto& token : python_bpe(word, ranks)) want.push_back(vocab.at(token).get<int32_t>());
    ASSERT_EQ(tok->encode_raw(word), want) << word;
  }
}

}  // namespace
}  // namespace ants
