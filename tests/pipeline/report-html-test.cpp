// report.html: self-contained, every section present, names escaped, and (where Debian's
// chromium is installed) rendered headless with its headings in the DOM.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>

#include "core/file-util.h"
#include "ood/fake-mllm.h"
#include "test-paths.h"

#include <ants/pipeline.h>

namespace ants {
namespace {

namespace fs = std::filesystem;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class ReportHtml : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ClipParams p = clip_default_params();
    p.precision = Precision::fp32;
    auto model = ClipModel::load(test::tiny_model_dir(), p);
    dir_ = new fs::path(test::temp_dir());
    const fs::path images = *dir_ / "images";
    auto id = write_demo_images(images, 16, 16);
    // A nasty file name must come out escaped.
    fs::rename(images / "ood" / "0003.bmp", images / "ood" / "a<b>&\"c'.bmp");
    core::write_file_atomic(images / "ood" / "broken.png", "garbage");
    std::vector<LabeledImage> ood;
    for (const auto& f : collect_image_files({(images / "ood").string()})) ood.push_back({f, kOodLabel});
    test::FakeMllm mllm;
    mllm.describe_fn = [](const fs::path&, const std::string&) { return std::string("<script>alert(1)</script> & co"); };
    ScorerOptions so;
    so.neglabel.count = 200;
    so.neglabel.cache.dir = test::shared_text_cache();  // NegLabel candidates: setup, not under test
    so.detector.min_candidates = 3;
    so.detector.near_start_batch = 2;
    so.detector.near_interval = 2;
    OodScorer scorer(*model, demo_class_names(), so, &mllm);
    EvalOptions eo;
    eo.seeds = {0, 1};
    eo.batch = 8;
    eo.features.preprocess = preprocess_preset(*model, "clip");
    eo.features.cache.enabled = false;
    const std::vector<OodSet> sets{{"textures", "far", ood}, {"again", "near", ood}};
    const EvalResult r = run_eval(*model, scorer, id, sets, eo);
    EvalRunInfo info;
    info.run_json = R"({"model": {"dir": "tiny"}, "mllm": {"failures": 2, "degraded": true, "last_error": "timeout <x>"}})";
    info.warnings = {"a warning"};
    write_eval_outputs(*dir_ / "out", r, sets, eo, info);
  }
  static void TearDownTestSuite() { delete dir_; }
  static fs::path* dir_;
};
fs::path* ReportHtml::dir_ = nullptr;

TEST_F(ReportHtml, HasEverySectionAChartPerSetAndEscapesWhatItQuotes) {
  const std::string html = core::read_file(*dir_ / "out" / "report.html");
  for (const char* id : {"summary", "metrics", "roc", "histograms", "trace", "negatives", "warnings"})
    EXPECT_NE(html.find(std::string("<section id=") + id + ">"), std::string::npos) << id;
  EXPECT_EQ(count(html, "ROC, AUROC"), 4u);  // <title> and heading text of 2 sets
  EXPECT_EQ(count(html, "<svg"), 6u);        // ROC, histogram, trace for 2 sets
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), std::string::npos);
  EXPECT_NE(html.find("broken.png"), std::string::npos);
  EXPECT_NE(html.find("degraded"), std::string::npos);
  EXPECT_NE(html.find("timeout &lt;x&gt;"), std::string::npos);
  EXPECT_NE(html.find("nearood"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);  // nothing to fetch
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

TEST_F(ReportHtml, RendersInHeadlessChromium) {
  const char* chromium = "/usr/bin/chromium";
  if (!fs::exists(chromium)) GTEST_SKIP() << "Debian's chromium is not installed (scripts/setup.sh installs it)";
  const fs::path html = *dir_ / "out" / "report.html", png = *dir_ / "report.png", dom = *dir_ / "dom.html";
  const std::string flags = " --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir=" +
                            (*dir_ / "chromium").string() + " ";
  const std::string shot = std::string(chromium) + flags + "--window-size=1200,2400 --screenshot=" + png.string() +
                           " file://" + html.string() + " >/dev/null 2>&1";
  const std::string dump = std::string(chromium) + flags + "--dump-dom file://" + html.string() + " > " + dom.string() +
                           " 2>/dev/null";
  ASSERT_EQ(std::system(shot.c_str()), 0);
  ASSERT_EQ(std::system(dump.c_str()), 0);
  EXPECT_GT(fs::file_size(png), 20000u);  // a rendered page, not a blank one
  const std::string rendered = core::read_file(dom);
  for (const char* heading : {"Summary", "Metrics", "ROC curves", "Score histograms", "Mined negative labels", "Warnings"})
    EXPECT_NE(rendered.find(heading), std::string::npos) << heading;
  EXPECT_NE(rendered.find("<polyline"), std::string::npos);
}

}  // namespace
}  // namespace ants
