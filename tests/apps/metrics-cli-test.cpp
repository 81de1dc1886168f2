// `ants metrics`: score files in, one JSON object of percent metrics out.
#include <gtest/gtest.h>

#include "cli-runner.h"
#include "core/file-util.h"
#include "test-paths.h"

namespace ants {
namespace {

namespace fs = std::filesystem;
using test::run_cli;

std::string write_scores(const std::string& name, const std::string& text) {
  const fs::path path = test::temp_dir() / name;
  core::write_file_atomic(path, text);
  return path.string();
}

TEST(MetricsCli, PrintsSpecVectorM2InPercent) {
  if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
  const auto id = write_scores("id.txt",
                               "# ID scores\n0.95\n0.93\n0.91\n0.9\n0.88\n0.85\n0.84\n0.8\n0.8\n0.78\n\n"
                               "0.75\n0.7\n0.66\n0.6\n0.55\n0.5\n0.45\n0.4\n0.3\n0.2\n");
  const auto ood = write_scores("ood.txt", "0.8\n0.6\n0.35\n0.3\n0.25\n  0.2\r\n0.15\n0.1\n0.05\n1e-2\n");
  const auto r = run_cli({"metrics", "--id", id, "--ood", ood});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = r.json_lines();
  ASSERT_EQ(lines.size(), 1u);
  const auto& j = lines[0];
  EXPECT_NEAR(j["fpr95"].get<double>(), 65.0, 1e-9);
  EXPECT_NEAR(j["fpr95_id_positive"].get<double>(), 40.0, 1e-9);
  EXPECT_NEAR(j["auroc"].get<double>(), 88.25, 1e-9);
  EXPECT_NEAR(j["aupr_in"].get<double>(), 93.2022, 1e-4);
  EXPECT_NEAR(j["aupr_out"].get<double>(), 83.7761, 1e-4);
  EXPECT_EQ(j["n_id"].get<int>(), 20);
  EXPECT_EQ(j["n_ood"].get<int>(), 10);
}

TEST(MetricsCli, NamesFileAndLineOfABadScore) {
  if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
  const auto id = write_scores("id.txt", "0.9\n# note\n0.8x\n");
  const auto ood = write_scores("ood.txt", "0.1\n");
  const auto r = run_cli({"metrics", "--id", id, "--ood", ood});
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find(id + ":3: not a finite number: '0.8x'"), std::string::npos) << r.err;
}

TEST(MetricsCli, RefusesAnEmptySetAndAMissingFile) {
  if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
  const auto id = write_scores("id.txt", "0.9\n");
  const auto empty = write_scores("ood.txt", "# nothing\n\n");
  auto r = run_cli({"metrics", "--id", id, "--ood", empty});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find(empty + ": no scores"), std::string::npos) << r.err;
  r = run_cli({"metrics", "--id", id, "--ood", empty + ".missing"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
  EXPECT_NE(run_cli({"metrics", "--id", id, "--ood", "nan-file"}).code, 0);
}

}  // namespace
}  // namespace ants
