// ants/negatives.h — the text banks of the OOD detectors: ID class lists, the NegLabel WordNet
// corpus, the NegLabel negative-label selection (method.md §3.1–§3.2) and fixed negative-prompt files.
//
// Layouts: every embedding matrix is row-major float32, one L2-normalised row per prompt, `dim`
// (= ClipInfo::embed_dim) columns; row i belongs to prompts[i]. All results are returned by value
// and owned by the caller.
//
// Caching: encoding the ~70,000 NegLabel candidates is the slow part of building a bank, so
// select_neglabel_bank() and read_negatives_file() keep what they computed in the cache
// (ants/cache.h).
//
// Threading: the functions are reentrant; they run the model on its own thread count
// (ClipParams::n_threads). Progress callbacks are called on the calling thread.
//
// Errors: ants::Error with a one-line message naming the file and the cause. Nothing is printed:
// warnings are returned to the caller.
#pragma once

#include <ants/cache.h>
#include <ants/callbacks.h>
#include <ants/clip.h>
#include <ants/error.h>
#include <ants/export.h>
#include <ants/matrix.h>
#include <ants/text-model.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ants {

// Prompts and their CLIP text embeddings: features.row(i) belongs to prompts[i].
struct TextBank {
  std::vector<std::string> prompts;  // exactly the texts that were encoded
  FeatureMatrix features;            // prompts.size() rows

  size_t size() const { return prompts.size(); }
};

// The ID class names of a text file: UTF-8, one name per line; outer whitespace (and CR) is
// stripped; blank lines and lines starting with '#' are skipped; a UTF-8 byte-order mark is
// ignored. A name that occurs twice is two distinct classes (ImageNet-1k has two `missile` and two
// `sunglasses`): each repeat adds a warning "FILE:LINE: ..." to `warnings` (when given) and is
// kept. Throws ants::Error(io) when the file cannot be read, Error(format) when it has no names.
ANTS_API std::vector<std::string> read_class_list(const std::filesystem::path& path,
                                         std::vector<std::string>* warnings = nullptr);

// `tmpl` with its "{}" replaced by `name`, e.g. ("The nice {}.", "tench") -> "The nice tench.".
// Throws ants::Error(invalid_argument) unless `tmpl` contains exactly one "{}".
ANTS_API std::string apply_template(std::string_view tmpl, std::string_view name);

// A fixed negative bank (`--negatives FILE`): one already-templated prompt per line, used as-is
// (only a trailing CR is removed); lines that are blank or start with '#' are skipped, and a tab
// and anything after it are ignored, so `ants negatives --scores` output reads back too.
// Throws ants::Error(io) when the file cannot be read, Error(format) when it has no prompts.
// Cache warnings go to `warnings` when given.
ANTS_API TextBank read_negatives_file(const TextModel& model, const std::filesystem::path& path,
                                      const CacheOptions& cache = {}, const ProgressFn& progress = {},
                                      std::vector<std::string>* warnings = nullptr, int text_batch = 256);

// How many words survive each step of method.md §3.1 (the reference's counts with the built-in corpus
// and the 1000 ImageNet names: 13,467 → 13,091 → 13,082 → 11,453 adjectives and
// 65,988 → 58,546 → 58,101 nouns).
struct NegLabelCorpusCounts {
  size_t adj_lines = 0, noun_lines = 0;    // lines read
  size_t adj_unique = 0, noun_unique = 0;  // after de-duplication within each part of speech
  size_t adj_not_id = 0, noun_not_id = 0;  // after dropping names equal to an ID class name
  size_t adjectives = 0, nouns = 0;        // candidates: adjectives that are also nouns dropped
};

// The NegLabel candidate words (method.md §3.1), in a deterministic order: first occurrence, reading
// the files in byte-wise sorted name order (the reference's Python set has a hash-random order,
// which only matters for ties).
struct NegLabelCorpus {
  std::vector<std::string> adjectives;
  std::vector<std::string> nouns;
  NegLabelCorpusCounts counts;
};

// Reads the corpus as the reference does: every regular file of `dir` whose name starts with
// "adj" (adjectives) or "noun" (nouns) and ends in "txt"; each file's content is split on '\n'
// and the last piece dropped (so a file without a final newline loses its last line, and lines
// are not stripped); then de-duplication per part of speech, names exactly equal to one of
// `id_classes` dropped, and adjectives that are also nouns dropped. An empty `dir` means the
// built-in copy of the NegLabel WordNet lists (data/neglabel-wordnet, compiled into libants).
// Throws ants::Error(io) when `dir` or a file cannot be read, Error(format) when `dir` has no
// such file.
ANTS_API NegLabelCorpus load_neglabel_corpus(const std::filesystem::path& dir, const std::vector<std::string>& id_classes);

struct NegLabelOptions {
  int count = 10000;                                // M, the bank size (≥ 1, ≤ the candidates)
  std::string id_template = "The nice {}.";
  std::string noun_template = "The nice {}.";
  std::string adj_template = "This is a {} photo.";
  double quantile = 0.95;                           // q_w = ascending similarities[floor(quantile·N)]
  std::filesystem::path corpus_dir;                 // empty = the built-in corpus
  CacheOptions cache;
  int text_batch = 256;                             // texts per forward pass
};

struct NegLabelBank {
  // Selected adjectives in ascending q, then selected nouns in ascending q (method.md §3.2 step 5);
  // prompts are the templated texts, e.g. "This is a wooden photo.", "The nice tench.".
  TextBank bank;
  std::vector<float> q;              // bank.size() quantile similarities, one per row
  size_t n_adjectives = 0;           // rows [0, n_adjectives) are adjectives, the rest nouns
  NegLabelCorpusCounts counts;
  bool cache_hit = false;            // the whole bank came from the cache
  bool candidates_cached = false;    // the candidate embeddings came from the cache
  std::vector<std::string> warnings; // e.g. a corrupt cache file that was recomputed
};

// The NegLabel bank of method.md §3.2 for the ID classes `classes` (as read_class_list returns them):
// encodes the ID prompts and every candidate with its template, computes for each candidate the
// element floor(quantile·N) of its ascending cosine similarities to the N ID prompts (q), splits
// count into M_adj = floor(count·|A|/(|A|+|W|)) adjectives and M_noun = count − M_adj nouns,
// and keeps the smallest q of each part of speech (ties in corpus order). The bank rows are the
// candidates' own embeddings (re-encoding the same prompts would give the same rows). Every
// de-duplicated corpus word is encoded, before the ID names are dropped, so that the cached
// candidate embeddings serve any class list. `progress` counts the texts encoded: the ID prompts
// and, unless cached, the candidates.
// Throws ants::Error(invalid_argument) for an empty class list, a bad template, a quantile outside
// [0, 1] or a count outside [1, |A|+|W|]; corpus errors as load_neglabel_corpus.
ANTS_API NegLabelBank select_neglabel_bank(const TextModel& model, const std::vector<std::string>& classes,
                                           const NegLabelOptions& options = {}, const ProgressFn& progress = {});

// CSP, the conjugated semantic pool (Chen et al., NeurIPS 2024; docs/method.md §11), as its
// authors' `CLIPScalableClassifier` builds it (MengyuanChen21/NeurIPS2024-CSP at 3a7bdab):
// ID classes and nouns are 8-prompt ensembles, each adjective is joined to a carrier word drawn
// by Python's random (seeded) and embedded as a 4-prompt ensemble; ensembles average the raw
// text features, then normalise.
struct CspOptions {
  double ratio = 0.15;           // neg_topk: the share of each part of speech kept, in (0, 1]
  double percentile = 0.95;      // torch.quantile (linear) of a candidate's ID similarities
  double max_similarity = 0.95;  // a candidate above this cosine to any ID class counts as 1.0
  uint32_t seed = 0;             // random.seed for the carrier words
  int groups = 100;              // ngroup: the score's groups of negative columns
  // txt_exclude: corpus file names left out (the reference's ImageNet configuration).
  std::vector<std::string> exclude{"noun.person.txt", "noun.quantity.txt", "noun.group.txt", "adj.pert.txt"};
};

struct CspBank {
  TextBank ids;   // one ensembled row per ID class; prompts are the class names
  // floor(ratio·nouns) nouns in ascending similarity, then floor(ratio·adjectives) conjugated
  // adjectives the same way; prompts are the labels ("tench", "wooden scene").
  TextBank bank;
  std::vector<float> similarity;  // per bank row: its quantile similarity (1 when above max_similarity)
  size_t n_nouns = 0;             // rows [0, n_nouns) are nouns
  size_t pool_nouns = 0, pool_adjectives = 0;  // the candidates before selection
  bool pool_cached = false;       // the candidates' embeddings came from the cache
  std::vector<std::string> warnings;
};

// The CSP bank for `classes`: reads the corpus (`corpus_dir`; empty = the built-in NegLabel
// WordNet lists) in byte-wise file-name order (the reference's os.listdir order is the file
// system's), embeds the pool (cached: the candidates depend on the model, corpus, exclusions and
// seed, not on the classes) and selects per part of speech. `model` must give raw features
// (TextModel::encode_texts_unnormalized). `progress` counts the texts encoded.
// Throws ants::Error(invalid_argument) for an empty class list, options out of range or an empty
// selection; Error(unsupported) for a model without raw features; corpus errors as
// load_neglabel_corpus.
ANTS_API CspBank select_csp_bank(const TextModel& model, const std::vector<std::string>& classes,
                                 const CspOptions& options, const std::filesystem::path& corpus_dir = {},
                                 const CacheOptions& cache = {}, int text_batch = 256,
                                 const ProgressFn& progress = {});

}  // namespace ants
