// ants/metrics.h — OOD detection metrics exactly as OpenOOD v1.5 computes them (method.md §6.1).
//
// Scores follow the detector's convention: higher = more in-distribution. Every metric is a
// fraction in [0, 1] (percent_metrics gives them in percent, as ants prints them). All functions
// are pure, O(n log n), and thread-safe. Errors: ants::Error (invalid_argument) when a set is
// empty or a score is not finite.
#pragma once

#include <ants/error.h>
#include <ants/export.h>

#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

namespace ants {

// A ROC curve as sklearn's roc_curve returns it: one point per distinct score (thresholds
// descending), starting at (0, 0); with drop_intermediate, points inside an equal-step collinear
// run are dropped (sklearn's default, which OpenOOD keeps).
struct RocCurve {
  std::vector<double> fpr;
  std::vector<double> tpr;
};

// `positive[i]` marks the positive class; `score` is higher for positives.
ANTS_API RocCurve roc_curve(std::span<const bool> positive, std::span<const double> score, bool drop_intermediate = true);

struct OodMetrics {
  double auroc = 0;              // area under the ROC (the same for either positive class)
  double fpr95 = 0;              // OpenOOD: OOD positive, FPR at the first ROC point with TPR ≥ 0.95
  double fpr95_id_positive = 0;  // classic (MCM/NegLabel): OOD kept at the threshold that keeps 95 % of ID
  double aupr_in = 0;            // trapezoid area under the PR curve, ID positive
  double aupr_out = 0;           // the same, OOD positive
  size_t n_id = 0;
  size_t n_ood = 0;
};

// Needs at least one ID and one OOD score.
ANTS_API OodMetrics ood_metrics(std::span<const double> id_scores, std::span<const double> ood_scores);

// A metric in percent under its key, as `ants metrics` prints it and metrics.json stores it.
struct PercentMetric {
  const char* key;
  double value;
};

// The rates of `m` in percent (×100): auroc, fpr95, fpr95_id_positive, aupr_in, aupr_out.
constexpr std::array<PercentMetric, 5> percent_metrics(const OodMetrics& m) {
  return {{{"auroc", 100 * m.auroc},
           {"fpr95", 100 * m.fpr95},
           {"fpr95_id_positive", 100 * m.fpr95_id_positive},
           {"aupr_in", 100 * m.aupr_in},
           {"aupr_out", 100 * m.aupr_out}}};
}

// Share of `pred[i] == label[i]`; nullopt when there are no rows.
ANTS_API std::optional<double> accuracy(std::span<const int> pred, std::span<const int> label);

// The threshold that keeps at least `tpr` of `id_scores` (score ≥ threshold = in-distribution):
// the largest such score. Needs at least one score and tpr in [0, 1].
struct TprThreshold {
  double threshold = 0;
  size_t kept = 0;  // ID scores ≥ threshold
  size_t n = 0;
};
ANTS_API TprThreshold threshold_at_tpr(std::span<const double> id_scores, double tpr);

// A score file of `ants metrics`: one finite number per line; blank lines and lines starting with
// '#' are skipped; surrounding whitespace is ignored. Throws Error(io) when it cannot be read and
// Error(format) naming FILE:LINE for a line that is not a finite number, or when it has none.
ANTS_API std::vector<double> read_score_file(const std::filesystem::path& path);

}  // namespace ants
