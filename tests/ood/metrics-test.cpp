// OpenOOD metrics: method.md §8.6 vectors and sklearn 1.2.1 goldens (scripts/gen-metrics-goldens.py).
#include <ants/metrics.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

namespace ants {
namespace {

constexpr double kTol = 1e-9;

nlohmann::json metrics_goldens() {
  std::ifstream in(std::string(ANTS_SOURCE_DIR) + "/tests/data/metrics-goldens.json");
  return nlohmann::json::parse(in);
}

// The ROC's inputs as OpenOOD builds them: OOD positive, scored by −conf.
struct OodPositive {
  std::unique_ptr<bool[]> is_ood;
  std::vector<double> neg;
  OodPositive(const std::vector<double>& id, const std::vector<double>& ood) : is_ood(new bool[id.size() + ood.size()]) {
    for (size_t i = 0; i < id.size(); ++i) is_ood[i] = false, neg.push_back(-id[i]);
    for (size_t i = 0; i < ood.size(); ++i) is_ood[id.size() + i] = true, neg.push_back(-ood[i]);
  }
  std::span<const bool> labels() const { return {is_ood.get(), neg.size()}; }
};

TEST(Metrics, SpecVectorM1) {
  const std::vector<double> id{0.9, 0.8, 0.7, 0.6, 0.4}, ood{0.5, 0.3, 0.2, 0.65, 0.1};
  const OodMetrics m = ood_metrics(id, ood);
  EXPECT_NEAR(m.fpr95, 0.40, kTol);
  EXPECT_NEAR(m.fpr95_id_positive, 0.40, kTol);
  EXPECT_NEAR(m.auroc, 0.88, kTol);
  EXPECT_NEAR(m.aupr_in, 0.893095, 1e-6);
  EXPECT_NEAR(m.aupr_out, 0.893095, 1e-6);
  EXPECT_EQ(m.n_id, 5u);
  EXPECT_EQ(m.n_ood, 5u);
  const std::vector<int> pred{0, 1, 0, 3, 4}, label{0, 1, 2, 3, 4};
  EXPECT_NEAR(*accuracy(pred, label), 0.80, kTol);
}

TEST(Metrics, SpecVectorM2TheTwoFpr95ConventionsDiffer) {
  const std::vector<double> id{0.95, 0.93, 0.91, 0.9, 0.88, 0.85, 0.84, 0.8, 0.8, 0.78,
                               0.75, 0.7,  0.66, 0.6, 0.55, 0.5,  0.45, 0.4, 0.3, 0.2};
  const std::vector<double> ood{0.8, 0.6, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05, 0.01};
  const OodMetrics m = ood_metrics(id, ood);
  EXPECT_NEAR(m.fpr95, 0.65, kTol);
  EXPECT_NEAR(m.fpr95_id_positive, 0.40, kTol);
  EXPECT_NEAR(m.auroc, 0.8825, kTol);
  EXPECT_NEAR(m.aupr_in, 0.932022, 1e-6);
  EXPECT_NEAR(m.aupr_out, 0.837761, 1e-6);
}

TEST(Metrics, DropIntermediateDecidesFpr95UnderTies) {
  // 93 OOD below every ID, then four (ID, OOD) ties: 4 % with sklearn's drop, 2 % without.
  std::vector<double> id{1, 2, 3, 4}, ood{1, 2, 3, 4, 50.5, 60.5, 70.5};
  for (int i = 0; i < 96; ++i) id.push_back(10.0 + i);
  for (int i = 0; i < 93; ++i) ood.push_back(-1.0 - i);
  EXPECT_NEAR(ood_metrics(id, ood).fpr95, 0.04, kTol);

  const OodPositive in(id, ood);
  const RocCurve full = roc_curve(in.labels(), in.neg, false);
  size_t first = 0;
  while (full.tpr[first] < 0.95) ++first;
  EXPECT_NEAR(full.fpr[first], 0.02, kTol);
  EXPECT_LT(roc_curve(in.labels(), in.neg, true).fpr.size(), full.fpr.size());
}

TEST(Metrics, EqualsSklearnOnRandomTiedAndDegenerateInputs) {
  const nlohmann::json g = metrics_goldens();
  ASSERT_GE(g["cases"].size(), 10u);
  for (const auto& c : g["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto id = c["id"].get<std::vector<double>>();
    const auto ood = c["ood"].get<std::vector<double>>();
    const OodMetrics m = ood_metrics(id, ood);
    EXPECT_NEAR(m.auroc, c["auroc"].get<double>(), kTol);
    EXPECT_NEAR(m.auroc, c["auroc_sklearn"].get<double>(), kTol);
    EXPECT_NEAR(m.fpr95, c["fpr95"].get<double>(), kTol);
    EXPECT_NEAR(m.fpr95_id_positive, c["fpr95_id_positive"].get<double>(), kTol);
    EXPECT_NEAR(m.aupr_in, c["aupr_in"].get<double>(), kTol);
    EXPECT_NEAR(m.aupr_out, c["aupr_out"].get<double>(), kTol);
  }
}

TEST(Metrics, RocCurveEqualsSklearnPointForPoint) {
  const nlohmann::json g = metrics_goldens();  // kept alive: the loop walks into it
  for (const auto& c : g["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto id = c["id"].get<std::vector<double>>();
    const auto ood = c["ood"].get<std::vector<double>>();
    const OodPositive in(id, ood);
    const RocCurve roc = roc_curve(in.labels(), in.neg);
    const auto fpr = c["roc_fpr"].get<std::vector<double>>(), tpr = c["roc_tpr"].get<std::vector<double>>();
    ASSERT_EQ(roc.fpr.size(), fpr.size());
    for (size_t i = 0; i < fpr.size(); ++i) {
      EXPECT_NEAR(roc.fpr[i], fpr[i], kTol);
      EXPECT_NEAR(roc.tpr[i], tpr[i], kTol);
    }
  }
}

TEST(Metrics, RejectsEmptySetsAndNonFiniteScores) {
  const std::vector<double> some{0.5, 0.6}, none;
  EXPECT_THROW(ood_metrics(none, some), Error);
  EXPECT_THROW(ood_metrics(some, none), Error);
  const std::vector<double> with_nan{0.5, std::nan("")};
  EXPECT_THROW(ood_metrics(with_nan, some), Error);
  EXPECT_FALSE(accuracy(std::span<const int>(), std::span<const int>()).has_value());
}

TEST(Metrics, ThresholdAtTprKeepsAtLeastTheShareOfIdScores) {
  const std::vector<double> s{0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 1.0, 0.6, 0.4, 0.8};
  const TprThreshold t80 = threshold_at_tpr(s, 0.8);
  EXPECT_DOUBLE_EQ(t80.threshold, 0.3);  // the 8 largest are ≥ 0.3
  EXPECT_EQ(t80.kept, 8u);
  EXPECT_EQ(t80.n, 10u);
  EXPECT_DOUBLE_EQ(threshold_at_tpr(s, 0.95).threshold, 0.1);  // 9.5 rounds up to all 10
  EXPECT_DOUBLE_EQ(threshold_at_tpr(s, 0.0).threshold, 1.0);   // at least one is kept
  const std::vector<double> ties{0.5, 1.0, 0.5, 0.5};
  const TprThreshold t = threshold_at_tpr(ties, 0.5);
  EXPECT_DOUBLE_EQ(t.threshold, 0.5);
  EXPECT_EQ(t.kept, 4u);  // ties at the threshold are all kept
  EXPECT_THROW(threshold_at_tpr(std::vector<double>{}, 0.9), Error);
  EXPECT_THROW(threshold_at_tpr(s, 1.5), Error);
}

}  // namespace
}  // namespace ants
