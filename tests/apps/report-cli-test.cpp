// `ants report DIR`: remakes report.html from an eval output directory and prints its path.
#include <gtest/gtest.h>

#include "cli-runner.h"
#include "core/file-util.h"
#include "test-paths.h"

namespace ants {
namespace {

namespace fs = std::filesystem;
using test::run_cli;

fs::path eval_dir() {
  const fs::path d = test::temp_dir() / "out";
  core::write_file_atomic(d / "metrics.json", R"({"method": "neglabel", "mode": "ada", "seeds": [3],
    "sets": [{"name": "tex", "split": "far", "mean": {"auroc": 75, "fpr95": 50, "fpr95_id_positive": 50,
      "aupr_in": 80, "aupr_out": 70, "acc": null}}], "splits": []})");
  core::write_file_atomic(d / "scores.csv",
                          "set,seed,file,label,pred,score\ntex,3,a.png,0,0,0.9\ntex,3,b.png,-1,0,0.5\n"
                          "tex,3,c.png,0,0,0.4\ntex,3,d.png,-1,0,0.1\n");
  core::write_file_atomic(d / "trace.csv", "set,seed,batch,gamma,lambda\ntex,3,1,0,0\n");
  core::write_file_atomic(d / "negatives.json", "[]");
  core::write_file_atomic(d / "run.json", R"({"method": "neglabel", "mode": "ada", "mllm": null})");
  return d;
}

TEST(ReportCli, WritesTheReportAndPrintsItsPath) {
  if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
  const fs::path d = eval_dir();
  const auto r = run_cli({"report", d.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, (d / "report.html").string() + "\n");
  const std::string html = core::read_file(d / "report.html");
  EXPECT_NE(html.find("<title>tex: AUROC 75.00 %</title>"), std::string::npos);
}

TEST(ReportCli, MalformedInputFailsNamingTheFile) {
  if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
  const fs::path d = eval_dir();
  core::write_file_atomic(d / "scores.csv", "set,seed,file,label,pred,score\ntex,3,a.png,0,0,high\n");
  const auto r = run_cli({"report", d.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find((d / "scores.csv").string() + ":2: 'score' is not a finite number"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_FALSE(fs::exists(d / "report.html"));
}

TEST(ReportCli, MissingDirectoryIsAUsageError) {
  if (test::cli_path().empty()) GTEST_SKIP() << "CLI not built";
  const auto r = run_cli({"report", (test::temp_dir() / "nope").string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ants
