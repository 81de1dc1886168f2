// Pieces of embedding-cache keys: what identifies a model's outputs and a list of texts.
#pragma once

#include <ants/clip.h>

#include <string>
#include <vector>

namespace ants::ood {

// The part of every key that identifies what the model computes: content hashes of its weights,
// config and tokenizer files, and the compute precision.
std::string model_cache_key(const ClipModel& model);
// Order-sensitive hash of a list of texts, as hex.
std::string texts_hash(const std::vector<std::string>& texts);

}  // namespace ants::ood
