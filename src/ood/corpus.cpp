#include "ood/corpus.h"

#include <algorithm>
#include <charconv>
#include <unordered_set>

#include "core/error.h"
#include "core/file-util.h"
#include "ood/builtin-corpus.h"

namespace ants::ood {

namespace {

namespace fs = std::filesystem;

enum class Pos { adjective, noun, none };

// The reference's test: name.startswith('adj'|'noun') and name.endswith('txt').
Pos pos_of(std::string_view name) {
  if (!name.ends_with("txt")) return Pos::none;
  if (name.starts_with("adj")) return Pos::adjective;
  if (name.starts_with("noun")) return Pos::noun;
  return Pos::none;
}

// Python's content.split('\n')[:-1].
void append_lines(std::string_view content, std::vector<std::string>& out) {
  size_t start = 0;
  for (size_t nl; (nl = content.find('\n', start)) != std::string_view::npos; start = nl + 1) {
    out.emplace_back(content.substr(start, nl - start));
  }
}

std::vector<std::string> unique_in_order(const std::vector<std::string>& words) {
  std::unordered_set<std::string_view> seen;
  std::vector<std::string> out;
  for (const auto& w : words) {
    if (seen.insert(w).second) out.push_back(w);
  }
  return out;
}

std::vector<std::string> without(const std::vector<std::string>& words, const std::vector<std::string>& drop) {
  const std::unordered_set<std::string_view> banned(drop.begin(), drop.end());
  std::vector<std::string> out;
  for (const auto& w : words) {
    if (!banned.contains(w)) out.push_back(w);
  }
  return out;
}

std::string_view next_line(std::string_view pack, size_t& pos, std::string_view where) {
  const size_t nl = pack.find('\n', pos);
  if (nl == std::string_view::npos) core::fail(ErrorCode::format, where, "truncated corpus pack");
  std::string_view line = pack.substr(pos, nl - pos);
  pos = nl + 1;
  return line;
}

}  // namespace

std::vector<CorpusFile> unpack_corpus(std::string_view pack, std::string_view where) {
  size_t pos = 0;
  if (next_line(pack, pos, where) != "ANTSPACK1") core::fail(ErrorCode::format, where, "not a corpus pack");
  std::vector<CorpusFile> files;
  while (pos < pack.size()) {
    CorpusFile f;
    f.name = next_line(pack, pos, where);
    const std::string_view size_text = next_line(pack, pos, where);
    size_t size = 0;
    auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size);
    if (ec != std::errc() || end != size_text.data() + size_text.size() || size > pack.size() - pos) {
      core::fail(ErrorCode::format, where, "bad size for '" + f.name + "' in corpus pack");
    }
    f.content = pack.substr(pos, size);
    pos += size;
    files.push_back(std::move(f));
  }
  return files;
}

std::vector<CorpusFile> read_corpus_files(const fs::path& dir) {
  std::vector<CorpusFile> files;
  if (dir.empty()) {
    files = unpack_corpus(builtin_corpus_pack(), "built-in NegLabel corpus");
  } else {
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) core::fail(ErrorCode::io, dir.string(), "cannot read corpus directory: " + ec.message());
    for (const auto& entry : it) {
      const std::string name = entry.path().filename().string();
      if (pos_of(name) == Pos::none || !entry.is_regular_file()) continue;
      files.push_back({name, core::read_file(entry.path())});
    }
    if (files.empty()) {
      core::fail(ErrorCode::format, dir.string(), "no corpus files (names starting with 'adj' or 'noun' and ending in 'txt')");
    }
  }
  std::sort(files.begin(), files.end(), [](const CorpusFile& a, const CorpusFile& b) { return a.name < b.name; });
  return files;
}

core::Hash128 corpus_hash(const std::vector<CorpusFile>& files) {
  core::Hasher h;
  h.add(std::string_view("neglabel-corpus")).add(static_cast<uint64_t>(files.size()));
  for (const auto& f : files) h.add(f.name).add(f.content);
  return h.digest();
}

CorpusWords unique_corpus_words(const std::vector<CorpusFile>& files) {
  CorpusWords w;
  for (const auto& f : files) {
    const Pos pos = pos_of(f.name);
    if (pos != Pos::none) append_lines(f.content, pos == Pos::adjective ? w.adjectives : w.nouns);
  }
  w.adj_lines = w.adjectives.size();
  w.noun_lines = w.nouns.size();
  w.adjectives = unique_in_order(w.adjectives);
  w.nouns = unique_in_order(w.nouns);
  return w;
}

NegLabelCorpus filter_corpus_words(const CorpusWords& words, const std::vector<std::string>& id_classes) {
  NegLabelCorpus c;
  auto& n = c.counts;
  n.adj_lines = words.adj_lines;
  n.noun_lines = words.noun_lines;
  n.adj_unique = words.adjectives.size();
  n.noun_unique = words.nouns.size();
  const std::vector<std::string> adj = without(words.adjectives, id_classes);
  c.nouns = without(words.nouns, id_classes);
  n.adj_not_id = adj.size();
  n.noun_not_id = c.nouns.size();
  c.adjectives = without(adj, c.nouns);  // "remain the noun only"
  n.adjectives = c.adjectives.size();
  n.nouns = c.nouns.size();
  return c;
}

NegLabelCorpus parse_neglabel_corpus(const std::vector<CorpusFile>& files, const std::vector<std::string>& id_classes) {
  return filter_corpus_words(unique_corpus_words(files), id_classes);
}

}  // namespace ants::ood

namespace ants {

NegLabelCorpus load_neglabel_corpus(const std::filesystem::path& dir, const std::vector<std::string>& id_classes) {
  return ood::parse_neglabel_corpus(ood::read_corpus_files(dir), id_classes);
}

}  // namespace ants
