// Prompt embedding through the on-disk cache, shared by negative-prompt files and the NegLabel
// candidates.
#pragma once

#include <ants/negatives.h>

#include <string>
#include <vector>

#include "core/embedding-cache.h"

namespace ants::ood {

// The embedding cache for texts of `model`: disabled when the model has no fingerprint (its
// outputs have no identity to key them by).
core::EmbeddingCache text_cache(const TextModel& model, const CacheOptions& options);

// model.encode_texts, or the cached embeddings of exactly these prompts under this model and precision.
// `hit` (when given) tells which; cache problems become `warnings`.
TextBank embed_prompts_cached(const TextModel& model, const std::vector<std::string>& prompts,
                              const core::EmbeddingCache& cache, const ProgressFn& progress, int batch,
                              std::vector<std::string>& warnings, bool* hit = nullptr);

// Prompt ensembles: `prompts` holds labels.size() consecutive runs of `per` prompts; row i is the
// mean of run i's raw features (TextModel::encode_texts_unnormalized), L2-normalised, and
// prompts[i] of the result is labels[i]. Cached like embed_prompts_cached.
TextBank embed_ensembles_cached(const TextModel& model, const std::vector<std::string>& prompts, size_t per,
                                const std::vector<std::string>& labels, const core::EmbeddingCache& cache,
                                const ProgressFn& progress, int batch, std::vector<std::string>& warnings,
                                bool* hit = nullptr);

}  // namespace ants::ood
