// The NegLabel WordNet word lists (data/neglabel-wordnet), compiled into the library.
#pragma once

#include <string_view>

namespace ants::ood {

// The blob cmake/pack-corpus.cmake writes: "ANTSPACK1\n", then per file in sorted name order
// "<name>\n<size>\n<bytes>".
std::string_view builtin_corpus_pack();

}  // namespace ants::ood
