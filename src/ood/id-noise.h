// Fig. 7a's robustness check: ID class names mixed into the ENS labels the MLLM returned, as if
// the MLLM had described ID images.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ants::ood {

// Replaces round(share · labels.size()) labels (halves away from zero, ood::round_count), at positions drawn
// without replacement, by class names drawn uniformly with replacement. The draws come from an
// MT19937 seeded with seed_seq{seed (low, high 32 bits), draw (low, high)}, so each batch of
// labels of a stream (`draw` = its index) gets its own reproducible draws. `class_names` must not
// be empty; `share` is clamped to [0, 1].
void inject_id_noise(std::vector<std::string>& labels, const std::vector<std::string>& class_names, double share,
                     uint64_t seed, uint64_t draw);

}  // namespace ants::ood
