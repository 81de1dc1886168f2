// CSP's candidate pool (Chen et al., NeurIPS 2024; docs/method.md §11): WordNet nouns, and
// "conjugated" adjectives, each joined to a property-carrier word drawn at random ("wooden scene"),
// read from the NegLabel corpus files. Strings only; csp-bank.cpp embeds and selects.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ood/corpus.h"

namespace ants::ood {

// The reference's prompt sets: the noun (and ID class) ensemble, the carrier words an adjective
// is joined to, and the ensemble each conjugated adjective is embedded with.
const std::vector<std::string>& csp_noun_templates();
const std::vector<std::string>& csp_carrier_templates();
const std::vector<std::string>& csp_adjective_templates();

// Each word with every template, word-major: the prompts of one ensemble per word.
std::vector<std::string> ensemble_prompts(const std::vector<std::string>& templates, const std::vector<std::string>& words);

struct CspPool {
  std::vector<std::string> nouns;       // the words
  std::vector<std::string> adjectives;  // the conjugated labels, e.g. "wooden scene"
  // Every noun with each noun template (noun-major); every conjugated adjective with each
  // adjective template: the texts whose raw features are averaged per candidate.
  std::vector<std::string> prompts_of_nouns() const;
  std::vector<std::string> prompts_of_adjectives() const;
};

// The reference's loop over `files` (given in the order to read them), skipping the names in
// `exclude` and files whose name before the first '.' is neither "adj" nor "noun": each line
// ('\n'-terminated, or the last one) with '_' replaced by ' ' and outer ASCII whitespace stripped
// is a word; a word seen before in any file is skipped (one set for both parts of speech); a noun
// is kept as is; an adjective takes the carrier template random.choice picks from a Python RNG
// seeded with `seed`, one draw per new adjective in reading order. ID class names are not
// removed (the reference's default).
CspPool build_csp_pool(const std::vector<CorpusFile>& files, const std::vector<std::string>& exclude, uint32_t seed);

}  // namespace ants::ood
