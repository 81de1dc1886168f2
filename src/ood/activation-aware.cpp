#include "ood/activation-aware.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "ood/grouped-score.h"

namespace ants::ood {
namespace {

// n · population variance, in double.
double scaled_variance(const std::vector<double>& v) {
  if (v.empty()) return 0;
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double s = 0;
  for (double x : v) s += (x - mean) * (x - mean);
  return s;
}

// Softmax probabilities of the bank columns of one image, over ID + every bank column.
void bank_probabilities(const float* id, size_t n_id, const float* bank, size_t rows, std::vector<double>& p) {
  double z = shifted_exponentials(id, n_id, bank, rows, p);
  for (double x : p) z += x;
  for (double& x : p) x /= z;
}

}  // namespace

float activation_threshold(const std::vector<float>& scores) {
  std::vector<float> sorted = scores;
  std::sort(sorted.begin(), sorted.end());
  float best_t = sorted[(sorted.size() - 1) / 2];
  double best = std::numeric_limits<double>::infinity();
  std::vector<double> lo, hi;
  for (int k = 0; k < 100; ++k) {
    const float t = static_cast<float>(k * 0.01);
    lo.clear();
    hi.clear();
    for (float s : scores) (s >= t ? hi : lo).push_back(s);
    if (lo.empty() || hi.empty()) continue;
    const double w = (scaled_variance(lo) + scaled_variance(hi)) / static_cast<double>(scores.size());
    if (w < best) best = w, best_t = t;
  }
  return best_t;
}

double cumulative_id_mass(const float* id_logits, size_t n_id, const float* neg_logits, size_t rows, size_t step) {
  float m = -INFINITY;
  for (size_t i = 0; i < n_id; ++i) m = std::max(m, id_logits[i]);
  for (size_t i = 0; i < rows; ++i) m = std::max(m, neg_logits[i]);
  double a = 0;
  for (size_t i = 0; i < n_id; ++i) a += std::exp(static_cast<double>(id_logits[i] - m));
  double cum = 0, total = 0;
  size_t ends = 0;
  for (size_t i = 0; i < rows; ++i) {
    cum += std::exp(static_cast<double>(neg_logits[i] - m));
    if ((i + 1) % step == 0 || i + 1 == rows) total += a / (a + cum), ++ends;
  }
  return ends ? total / static_cast<double>(ends) : 1.0;
}

bool activation_rescore(const std::vector<float>& id_logits, size_t n_id, const std::vector<float>& bank_logits,
                        size_t rows, const std::vector<float>& far, const ActivationParams& params,
                        std::vector<float>& out) {
  const double hi_cut = params.threshold + params.gap * (1.0 - params.threshold);
  const double lo_cut = params.threshold - params.gap * params.threshold;
  const size_t b = far.size();
  std::vector<double> low_mean(rows, 0.0), high_mean(rows, 0.0), p;
  size_t n_low = 0, n_high = 0;
  for (size_t i = 0; i < b; ++i) {
    const bool high = far[i] > hi_cut, low = far[i] < lo_cut;
    if (!high && !low) continue;
    bank_probabilities(&id_logits[i * n_id], n_id, &bank_logits[i * rows], rows, p);
    auto& acc = high ? high_mean : low_mean;
    for (size_t j = 0; j < rows; ++j) acc[j] += p[j];
    ++(high ? n_high : n_low);
  }
  if (n_low == 0 || n_high == 0) return false;
  std::vector<double> relevance(rows);
  for (size_t j = 0; j < rows; ++j)
    relevance[j] = low_mean[j] / static_cast<double>(n_low) - high_mean[j] / static_cast<double>(n_high);
  std::vector<size_t> rank(rows);
  std::iota(rank.begin(), rank.end(), size_t{0});
  const size_t k = std::min(params.max_negatives, rows);
  std::partial_sort(rank.begin(), rank.begin() + static_cast<std::ptrdiff_t>(k), rank.end(),
                    [&](size_t x, size_t y) { return relevance[x] > relevance[y] || (relevance[x] == relevance[y] && x < y); });
  std::vector<float> selected(k);
  out.resize(b);
  for (size_t i = 0; i < b; ++i) {
    for (size_t j = 0; j < k; ++j) selected[j] = bank_logits[i * rows + rank[j]];
    out[i] = static_cast<float>(cumulative_id_mass(&id_logits[i * n_id], n_id, selected.data(), k, params.step));
  }
  return true;
}

}  // namespace ants::ood
