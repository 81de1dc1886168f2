#include "ood/adaneg.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "ood/grouped-score.h"
#include "ood/logits.h"

namespace ants::ood {

namespace {

// Grouped ID mass of each row of logits [n, n_id + K].
std::vector<double> grouped_scores(const std::vector<float>& logits, size_t n, size_t n_id, size_t k, const Grouping& g) {
  std::vector<double> out(n), neg_exp;
  const size_t width = n_id + k;
  for (size_t i = 0; i < n; ++i) {
    const float* row = logits.data() + i * width;
    const double a = shifted_exponentials(row, n_id, row + n_id, k, neg_exp);
    out[i] = grouped_id_mass(a, neg_exp.data(), k, g);
  }
  return out;
}

size_t argmax(const float* x, size_t n) { return static_cast<size_t>(std::max_element(x, x + n) - x); }

// Entropy of softmax(x) as the reference computes it, in float32: −Σ p·log(p + 1e-8). In float32
// a confident prediction's p = 1 term is exactly 0 (1 + 1e-8 rounds to 1), so the entropy stays
// ≥ 0 and tiny; in double it would be about −1e-8, and an admission rule that compares entropies
// with the memory's zero slots would then evict where the reference keeps.
float entropy(const float* x, size_t n) {
  const float m = *std::max_element(x, x + n);
  std::vector<float> e(n);
  float z = 0;
  for (size_t i = 0; i < n; ++i) z += (e[i] = std::exp(x[i] - m));
  float h = 0;
  for (size_t i = 0; i < n; ++i) {
    const float p = e[i] / z;
    h -= p * std::log(p + 1e-8f);
  }
  return h;
}

// softmax over a row, as doubles.
std::vector<double> softmax(const float* x, size_t n) {
  const float m = *std::max_element(x, x + n);
  std::vector<double> p(n);
  double z = 0;
  for (size_t i = 0; i < n; ++i) z += (p[i] = std::exp(static_cast<double>(x[i] - m)));
  for (double& v : p) v /= z;
  return p;
}

void normalise(std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += static_cast<double>(x) * x;
  const double n = std::sqrt(s);
  if (n > 0) {
    for (float& x : v) x = static_cast<float>(x / n);
  }
}

}  // namespace

AdaNegDetector::AdaNegDetector(FeatureMatrix id_text, FeatureMatrix negatives, float logit_scale, AdaNegOptions options,
                               bool permute)
    : n_id_(id_text.rows), scale_(logit_scale), opt_(options), permute_(permute) {
  if (id_text.rows == 0 || id_text.dim != negatives.dim) {
    core::fail(ErrorCode::invalid_argument, "adaneg", "needs ID classes and negatives of the same width");
  }
  if (opt_.groups < 1 || negatives.rows < static_cast<size_t>(opt_.groups)) {
    core::fail(ErrorCode::invalid_argument, "adaneg",
               "needs at least as many negatives (" + std::to_string(negatives.rows) + ") as groups (" + std::to_string(opt_.groups) + ")");
  }
  if (opt_.memory < 1 || opt_.memory > 4096) core::fail(ErrorCode::invalid_argument, "adaneg", "memory must be in 1..4096");
  text_ = std::move(id_text);
  text_.rows += negatives.rows;
  text_.data.insert(text_.data.end(), negatives.data.begin(), negatives.data.end());
  memory_.resize(text_.rows);
}

void AdaNegDetector::reset() {
  for (auto& m : memory_) m.clear();
  batches_ = images_ = 0;
}

// A label's memory holds memory − 1 images (the reference counts its text slot). Once full, an
// image replaces the stored one of highest entropy (the last of equal ones) if its own entropy
// is lower than that.
void AdaNegDetector::admit(size_t label, const float* image, float h) {
  auto& slots = memory_[label];
  const size_t capacity = static_cast<size_t>(opt_.memory - 1);
  if (slots.size() < capacity) {
    slots.push_back({std::vector<float>(image, image + text_.dim), h});
    return;
  }
  if (slots.empty()) return;
  size_t worst = 0;
  for (size_t s = 1; s < slots.size(); ++s) {
    if (slots[s].entropy >= slots[worst].entropy) worst = s;
  }
  if (h < slots[worst].entropy) slots[worst] = {std::vector<float>(image, image + text_.dim), h};
}

void AdaNegDetector::admit_batch(const FeatureMatrix& images, const std::vector<float>& vanilla, const std::vector<double>& conf) {
  const size_t width = text_.rows, k = width - n_id_;
  const double id_gate = opt_.thres + opt_.gap * (1 - opt_.thres), neg_gate = opt_.thres - opt_.gap * opt_.thres;
  for (size_t i = 0; i < images.rows; ++i) {
    const float* row = vanilla.data() + i * width;
    if (conf[i] > id_gate) admit(argmax(row, n_id_), images.row(i), entropy(row, n_id_));
  }
  for (size_t i = 0; i < images.rows; ++i) {
    const float* row = vanilla.data() + i * width + n_id_;
    if (conf[i] < neg_gate) admit(n_id_ + argmax(row, k), images.row(i), entropy(row, k));
  }
}

// The logits under the proxies: a label without images keeps its text feature's column.
std::vector<float> AdaNegDetector::adaptive_logits(const FeatureMatrix& images, const std::vector<float>& vanilla) const {
  std::vector<float> out = vanilla;
  if (opt_.samada) {
    samada_columns(images, out);
    return out;
  }
  std::vector<uint32_t> labels;
  FeatureMatrix proxies;
  proxies.dim = text_.dim;
  for (size_t l = 0; l < memory_.size(); ++l) {
    if (memory_[l].empty()) continue;
    std::vector<float> p = text_.row_vector(l);
    for (const Slot& s : memory_[l]) {
      for (int d = 0; d < text_.dim; ++d) p[static_cast<size_t>(d)] += s.feature[static_cast<size_t>(d)];
    }
    normalise(p);
    proxies.data.insert(proxies.data.end(), p.begin(), p.end());
    labels.push_back(static_cast<uint32_t>(l));
  }
  if (labels.empty()) return out;
  // Zero rows up to a multiple of 256: a product of a new shape costs oneDNN a kernel compilation,
  // and the number of labels with images changes with nearly every batch.
  proxies.rows = (labels.size() + 255) / 256 * 256;
  proxies.data.resize(proxies.rows * static_cast<size_t>(proxies.dim), 0.f);
  std::vector<float> cols;
  compute_logits(images, proxies, scale_, cols);
  for (size_t i = 0; i < images.rows; ++i) {
    for (size_t j = 0; j < labels.size(); ++j) out[i * text_.rows + labels[j]] = cols[i * proxies.rows + j];
  }
  return out;
}

// samada: per image, each slot s (text first) weighted by w_s = exp(−β(1 − cos(slot, x))); the
// proxy Σ w_s·slot_s is renormalised, so the column is s·(Σ w_s a_s) / √(wᵀGw), G the slots' Gram.
// A label holds at most `memory` slots: plain dot products, labels in parallel (each writes its
// own column).
void AdaNegDetector::samada_columns(const FeatureMatrix& images, std::vector<float>& out) const {
  const double beta = static_cast<int>(opt_.beta);
  const size_t dim = static_cast<size_t>(text_.dim);
  const auto dot = [dim](const float* a, const float* b) {
    double s = 0;
    for (size_t d = 0; d < dim; ++d) s += static_cast<double>(a[d]) * b[d];
    return s;
  };
#pragma omp parallel for schedule(dynamic, 16)
  for (size_t l = 0; l < memory_.size(); ++l) {
    if (memory_[l].empty()) continue;
    std::vector<const float*> slots{text_.row(l)};
    for (const Slot& s : memory_[l]) slots.push_back(s.feature.data());
    const size_t m = slots.size();
    std::vector<double> gram(m * m), w(m);
    for (size_t s = 0; s < m; ++s) {
      for (size_t t = 0; t < m; ++t) gram[s * m + t] = dot(slots[s], slots[t]);
    }
    for (size_t i = 0; i < images.rows; ++i) {
      double num = 0, den = 0;
      for (size_t s = 0; s < m; ++s) {
        const double a = dot(images.row(i), slots[s]);
        w[s] = std::exp(-beta * (1 - a));
        num += w[s] * a;
      }
      for (size_t s = 0; s < m; ++s) {
        for (size_t t = 0; t < m; ++t) den += w[s] * w[t] * gram[s * m + t];
      }
      out[i * text_.rows + l] = static_cast<float>(scale_ * num / std::sqrt(den));
    }
  }
}

std::vector<AdaNegResult> AdaNegDetector::update(const FeatureMatrix& images) {
  const size_t n = images.rows, width = text_.rows, k = width - n_id_;
  std::vector<float> vanilla;
  compute_logits(images, text_, scale_, vanilla);
  const Grouping g = make_grouping_of(k, static_cast<size_t>(opt_.groups), permute_);
  const std::vector<double> conf_vanilla = grouped_scores(vanilla, n, n_id_, k, g);
  admit_batch(images, vanilla, conf_vanilla);
  const std::vector<float> adaptive = adaptive_logits(images, vanilla);
  const std::vector<double> conf_adaptive = grouped_scores(adaptive, n, n_id_, k, g);
  std::vector<AdaNegResult> out(n);
  for (size_t i = 0; i < n; ++i) {
    const std::vector<double> pv = softmax(vanilla.data() + i * width, width), pa = softmax(adaptive.data() + i * width, width);
    size_t best = 0;
    for (size_t c = 1; c < n_id_; ++c) {
      if (pv[c] + opt_.lambda * pa[c] > pv[best] + opt_.lambda * pa[best]) best = c;
    }
    AdaNegResult& r = out[i];
    r.pred = static_cast<int>(best);
    double id_mass = 0;
    for (size_t c = 0; c < n_id_; ++c) id_mass += pv[c];
    r.prob = pv[best] / id_mass;
    r.vanilla = conf_vanilla[i];
    r.adaptive = conf_adaptive[i];
    switch (opt_.score) {
      case AdaNegScore::combine: r.score = r.adaptive + r.vanilla * opt_.lambda; break;
      case AdaNegScore::adaonly: r.score = r.adaptive; break;
      case AdaNegScore::vanillaonly: r.score = r.vanilla; break;
      case AdaNegScore::multiply: r.score = r.adaptive * r.vanilla; break;
    }
  }
  ++batches_;
  images_ += static_cast<int64_t>(n);
  return out;
}

size_t AdaNegDetector::images_held() const {
  size_t n = 0;
  for (const auto& m : memory_) n += m.size();
  return n;
}

size_t AdaNegDetector::labels_with_images() const {
  return static_cast<size_t>(std::count_if(memory_.begin(), memory_.end(), [](const auto& m) { return !m.empty(); }));
}

size_t AdaNegDetector::full_labels() const {
  const size_t capacity = static_cast<size_t>(opt_.memory - 1);
  return static_cast<size_t>(std::count_if(memory_.begin(), memory_.end(), [&](const auto& m) { return capacity > 0 && m.size() == capacity; }));
}

}  // namespace ants::ood
