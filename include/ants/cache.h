// ants/cache.h — where ants keeps what it can always recompute: text embeddings (NegLabel
// candidates, prompt files, finished banks), image embeddings and MLLM answers.
//
// Entries are keyed by the model's file contents, the precision, the preprocessing and every
// input that changes the result. A cache file that cannot be read or is corrupt is ignored with
// a warning and recomputed; failing to write one is a warning too, never an error.
#pragma once

#include <ants/export.h>

#include <filesystem>

namespace ants {

// Where and whether computed embeddings are kept between runs.
struct CacheOptions {
  bool enabled = true;
  std::filesystem::path dir;  // empty = default_cache_dir()
};

// $ANTS_CACHE_DIR; else $XDG_CACHE_HOME/ants (when absolute); else $HOME/.cache/ants; empty
// when none is set (then nothing is cached).
ANTS_API std::filesystem::path default_cache_dir();

}  // namespace ants
