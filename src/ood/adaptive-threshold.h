// The negative-image mining threshold γ (method.md §4.3), in the HEAD rule and the paper's Eq. 5–6.
#pragma once

#include <array>
#include <vector>

namespace ants::ood {

struct ThresholdResult {
  float gamma = 0;               // the next candidate threshold
  double upper = 1.0;            // u: the histogram-jump edge (HEAD rule only)
  std::array<int, 10> counts{};  // histogram of the history on [0, 1] (HEAD rule only)
};

// HEAD: float32 history, 10 bins on [0, 1], u = the edge after the first largest jump between
// neighbouring bins, γ = the η-percentile (linear, NumPy's) of the history below u (all of it if
// none is). `history` must not be empty.
ThresholdResult adaptive_threshold(const std::vector<float>& history, double eta);

// Paper Eq. 5–6: of the scores below γ0, the fraction η with the lowest scores are the negative
// images and γ* is the largest of them. Returns `gamma0` unchanged when none is below it.
float paper_threshold(const std::vector<float>& history, double eta, float gamma0);

// NumPy's percentile(values, 100·q) with linear interpolation; `values` is sorted in place.
double percentile_linear(std::vector<float>& values, double q);

}  // namespace ants::ood
