// OpenOOD v1.5 metrics (openood/evaluators/metrics.py) on sklearn 1.2's curves, method.md §6.1.
#include <ants/metrics.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <string>

namespace ants {

namespace {

// sklearn's _binary_clf_curve: cumulative (false, true) positive counts at each distinct score,
// thresholds descending. Counts stay integers so the drop rule's second differences are exact.
struct ClfCurve {
  std::vector<long long> fps, tps;
};

ClfCurve binary_clf_curve(std::span<const bool> positive, std::span<const double> score) {
  std::vector<size_t> order(score.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] > score[b]; });
  ClfCurve c;
  long long tp = 0, fp = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    positive[order[k]] ? ++tp : ++fp;
    if (k + 1 == order.size() || score[order[k + 1]] != score[order[k]]) {
      c.fps.push_back(fp);
      c.tps.push_back(tp);
    }
  }
  return c;
}

void drop_collinear(ClfCurve& c) {
  const size_t n = c.fps.size();
  if (n <= 2) return;
  ClfCurve kept;
  for (size_t i = 0; i < n; ++i) {
    const bool inner_collinear = i > 0 && i + 1 < n && c.fps[i + 1] - 2 * c.fps[i] + c.fps[i - 1] == 0 &&
                                 c.tps[i + 1] - 2 * c.tps[i] + c.tps[i - 1] == 0;
    if (inner_collinear) continue;
    kept.fps.push_back(c.fps[i]);
    kept.tps.push_back(c.tps[i]);
  }
  c = std::move(kept);
}

// numpy.trapz(y, x), as sklearn.metrics.auc uses it; the sign makes the area positive for a
// curve whose x runs downwards (the PR curve).
double trapezoid_area(const std::vector<double>& x, const std::vector<double>& y) {
  double area = 0;
  for (size_t i = 0; i + 1 < x.size(); ++i) area += (x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2.0;
  return std::abs(area);
}

// sklearn's precision_recall_curve (full curve, plus recall 0 / precision 1) under metrics.auc.
double aupr(std::span<const bool> positive, std::span<const double> score) {
  const ClfCurve c = binary_clf_curve(positive, score);
  const double p = static_cast<double>(c.tps.back());
  std::vector<double> precision, recall;
  for (size_t i = c.tps.size(); i-- > 0;) {
    const double tp = static_cast<double>(c.tps[i]);
    precision.push_back(tp / (tp + static_cast<double>(c.fps[i])));
    recall.push_back(tp / p);
  }
  precision.push_back(1.0);
  recall.push_back(0.0);
  return trapezoid_area(recall, precision);
}

// OpenOOD: fpr_list[argmax(tpr_list >= level)].
double fpr_at_tpr(const RocCurve& roc, double level) {
  for (size_t i = 0; i < roc.tpr.size(); ++i)
    if (roc.tpr[i] >= level) return roc.fpr[i];
  return roc.fpr.back();
}

void check_scores(std::span<const double> scores, const char* what) {
  if (scores.empty()) throw Error(ErrorCode::invalid_argument, std::string("metrics: no ") + what + " scores");
  for (double s : scores)
    if (!std::isfinite(s))
      throw Error(ErrorCode::invalid_argument, std::string("metrics: a ") + what + " score is not finite");
}

}  // namespace

RocCurve roc_curve(std::span<const bool> positive, std::span<const double> score, bool drop_intermediate) {
  if (positive.size() != score.size() || score.empty())
    throw Error(ErrorCode::invalid_argument, "roc_curve: labels and scores must be non-empty and of equal length");
  ClfCurve c = binary_clf_curve(positive, score);
  if (drop_intermediate) drop_collinear(c);
  const double p = static_cast<double>(c.tps.back()), n = static_cast<double>(c.fps.back());
  RocCurve roc;
  roc.fpr.push_back(0.0);
  roc.tpr.push_back(0.0);
  for (size_t i = 0; i < c.fps.size(); ++i) {
    roc.fpr.push_back(static_cast<double>(c.fps[i]) / n);
    roc.tpr.push_back(static_cast<double>(c.tps[i]) / p);
  }
  return roc;
}

OodMetrics ood_metrics(std::span<const double> id_scores, std::span<const double> ood_scores) {
  check_scores(id_scores, "ID");
  check_scores(ood_scores, "OOD");
  // OpenOOD's arrays: OOD is the positive class of the ROC, scored by −conf.
  const size_t n = id_scores.size() + ood_scores.size();
  std::vector<double> conf(n), neg_conf(n);
  std::copy(id_scores.begin(), id_scores.end(), conf.begin());
  std::copy(ood_scores.begin(), ood_scores.end(), conf.begin() + static_cast<std::ptrdiff_t>(id_scores.size()));
  std::unique_ptr<bool[]> is_ood(new bool[n]), is_id(new bool[n]);
  for (size_t i = 0; i < n; ++i) {
    is_ood[i] = i >= id_scores.size();
    is_id[i] = !is_ood[i];
    neg_conf[i] = -conf[i];
  }
  const std::span<const bool> ood_span(is_ood.get(), n), id_span(is_id.get(), n);

  OodMetrics m;
  m.n_id = id_scores.size();
  m.n_ood = ood_scores.size();
  const RocCurve roc = roc_curve(ood_span, neg_conf);
  m.auroc = trapezoid_area(roc.fpr, roc.tpr);
  m.fpr95 = fpr_at_tpr(roc, 0.95);
  m.fpr95_id_positive = fpr_at_tpr(roc_curve(id_span, conf), 0.95);
  m.aupr_in = aupr(id_span, conf);
  m.aupr_out = aupr(ood_span, neg_conf);
  return m;
}

std::optional<double> accuracy(std::span<const int> pred, std::span<const int> label) {
  if (pred.size() != label.size())
    throw Error(ErrorCode::invalid_argument, "accuracy: predictions and labels differ in length");
  if (pred.empty()) return std::nullopt;
  size_t correct = 0;
  for (size_t i = 0; i < pred.size(); ++i) correct += pred[i] == label[i];
  return static_cast<double>(correct) / static_cast<double>(pred.size());
}

TprThreshold threshold_at_tpr(std::span<const double> id_scores, double tpr) {
  if (id_scores.empty()) throw Error(ErrorCode::invalid_argument, "threshold_at_tpr: no scores");
  if (!(tpr >= 0 && tpr <= 1)) throw Error(ErrorCode::invalid_argument, "threshold_at_tpr: tpr must be in [0, 1]");
  std::vector<double> sorted(id_scores.begin(), id_scores.end());
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  // The largest threshold that keeps at least `tpr` of the scores (score ≥ threshold = ID); the
  // epsilon keeps tpr·n that is an integer up to rounding from asking for one score more.
  const size_t keep = static_cast<size_t>(std::ceil(tpr * static_cast<double>(n) - 1e-9));
  TprThreshold t;
  t.threshold = sorted[n - std::max<size_t>(keep, 1)];
  t.kept = static_cast<size_t>(sorted.end() - std::lower_bound(sorted.begin(), sorted.end(), t.threshold));
  t.n = n;
  return t;
}

}  // namespace ants
