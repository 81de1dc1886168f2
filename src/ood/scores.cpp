// The stateless baselines: MCM, NegLabel and CSP (its own bank, NegLabel's grouped score).
#include <algorithm>
#include <cmath>

#include "ood/grouped-score.h"
#include "ood/logits.h"

namespace ants {

ZeroShot zero_shot(const FeatureMatrix& images, const FeatureMatrix& id_texts, float logit_scale) {
  std::vector<float> logits;
  ood::compute_logits(images, id_texts, logit_scale, logits);
  const size_t n = id_texts.rows;
  ZeroShot out{std::vector<int>(images.rows, 0), std::vector<float>(images.rows, 0.f)};
  for (size_t i = 0; i < images.rows && n > 0; ++i) {
    const float* z = &logits[i * n];
    const size_t best = static_cast<size_t>(std::max_element(z, z + n) - z);
    double sum = 0;
    for (size_t c = 0; c < n; ++c) sum += std::exp(static_cast<double>(z[c] - z[best]));
    out.pred[i] = static_cast<int>(best);
    out.prob[i] = static_cast<float>(1.0 / sum);  // the top class's exp(0) over the sum
  }
  return out;
}

std::vector<float> mcm_scores(const FeatureMatrix& images, const FeatureMatrix& id_texts, float logit_scale) {
  return zero_shot(images, id_texts, logit_scale).prob;
}

std::vector<float> neglabel_scores(const FeatureMatrix& images, const FeatureMatrix& id_texts,
                                   const FeatureMatrix& negatives, float logit_scale, size_t group_size,
                                   std::vector<int>* preds, bool permute) {
  return ood::grouped_scores(images, id_texts, negatives, logit_scale,
                             ood::make_grouping(negatives.rows, group_size, permute), preds);
}

namespace ood {

std::vector<float> grouped_scores(const FeatureMatrix& images, const FeatureMatrix& id_texts,
                                  const FeatureMatrix& negatives, float logit_scale, const Grouping& g,
                                  std::vector<int>* preds) {
  std::vector<float> id_logits, neg_logits;
  compute_logits(images, id_texts, logit_scale, id_logits);
  compute_logits(images, negatives, logit_scale, neg_logits);
  const size_t n = id_texts.rows, m = negatives.rows;
  std::vector<float> out(images.rows);
  if (preds) preds->assign(images.rows, 0);
  std::vector<double> exps;
  for (size_t i = 0; i < images.rows && n > 0; ++i) {
    const float* z = &id_logits[i * n];
    if (preds) (*preds)[i] = static_cast<int>(std::max_element(z, z + n) - z);
    const double a = shifted_exponentials(z, n, &neg_logits[i * m], m, exps);
    out[i] = static_cast<float>(grouped_id_mass(a, exps.data(), m, g));
  }
  return out;
}

}  // namespace ood

}  // namespace ants
