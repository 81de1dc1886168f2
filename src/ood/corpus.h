// The NegLabel corpus files and their parsing (method.md §3.1); load_neglabel_corpus in
// <ants/negatives.h> is read_corpus_files + parse_neglabel_corpus.
#pragma once

#include <ants/negatives.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/hash.h"

namespace ants::ood {

struct CorpusFile {
  std::string name;  // file name without directory, e.g. "adj.all.txt"
  std::string content;
};

// The "adj*txt" / "noun*txt" regular files of `dir` (empty = the built-in pack), sorted by name.
std::vector<CorpusFile> read_corpus_files(const std::filesystem::path& dir);
// Unpacks a blob in the builtin_corpus_pack() format; `where` names it in errors.
std::vector<CorpusFile> unpack_corpus(std::string_view pack, std::string_view where);
// Identifies a corpus by its file names and contents (a directory holding the built-in files
// hashes like the built-in corpus).
core::Hash128 corpus_hash(const std::vector<CorpusFile>& files);
// The de-duplicated words of each part of speech (method.md §3.1 up to the set step), in order of
// first occurrence, with the raw line counts. Independent of the ID classes, so their embeddings
// can be cached once for every class list.
struct CorpusWords {
  std::vector<std::string> adjectives, nouns;
  size_t adj_lines = 0, noun_lines = 0;
};
CorpusWords unique_corpus_words(const std::vector<CorpusFile>& files);
// The rest of method.md §3.1: names equal to an ID class dropped, then adjectives that are nouns.
// The results are subsequences of `words`.
NegLabelCorpus filter_corpus_words(const CorpusWords& words, const std::vector<std::string>& id_classes);
// unique_corpus_words + filter_corpus_words.
NegLabelCorpus parse_neglabel_corpus(const std::vector<CorpusFile>& files, const std::vector<std::string>& id_classes);

}  // namespace ants::ood
