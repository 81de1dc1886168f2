#include "ood/adaptive-threshold.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace ants::ood {
namespace {

// Edges k·0.1 in double, as NumPy builds them (e_3 = 0.30000000000000004).
double edge(int k) { return k * 0.1; }

int bin_of(double x) {
  int k = std::min(static_cast<int>(x * 10), 9);
  while (k > 0 && x < edge(k)) --k;
  while (k < 9 && x >= edge(k + 1)) ++k;
  return k;
}

}  // namespace

double percentile_linear(std::vector<float>& values, double q) {
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  const double t = pos - static_cast<double>(lo);
  const double a = values[lo], b = values[hi];
  // NumPy's _lerp: the two-sided form keeps the result monotone in t.
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

ThresholdResult adaptive_threshold(const std::vector<float>& history, double eta) {
  ThresholdResult r;
  for (float x : history)
    if (x >= 0.f && x <= 1.f) ++r.counts[static_cast<size_t>(bin_of(x))];
  int best = -1, j = 0;
  for (int k = 0; k < 9; ++k) {
    const int d = std::abs(r.counts[static_cast<size_t>(k + 1)] - r.counts[static_cast<size_t>(k)]);
    if (d > best) best = d, j = k;
  }
  r.upper = edge(j + 1);
  std::vector<float> low;
  for (float x : history)
    if (x < r.upper) low.push_back(x);
  if (low.empty()) low = history;
  r.gamma = static_cast<float>(percentile_linear(low, eta));
  return r;
}

float paper_threshold(const std::vector<float>& history, double eta, float gamma0) {
  std::vector<float> below;
  for (float x : history)
    if (x < gamma0) below.push_back(x);
  if (below.empty()) return gamma0;
  std::sort(below.begin(), below.end());
  const size_t keep = std::max<size_t>(1, static_cast<size_t>(std::floor(eta * static_cast<double>(below.size()))));
  return below[keep - 1];
}

}  // namespace ants::ood
