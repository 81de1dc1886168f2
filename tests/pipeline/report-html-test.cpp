// report.html: made from the files of an eval output directory; every section, one ROC and one
// histogram per OOD set, every input string escaped, nothing fetched from outside, a clean error
// naming the file for each missing or malformed input, and (where Debian's chromium is
// installed) rendered headless with its headings in the DOM and a non-blank screenshot.
#include "pipeline/report-html.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>

#include "core/file-util.h"
#include "test-paths.h"

namespace ants {
namespace {

namespace fs = std::filesystem;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The text of <section id='ID'> ... </section>, or "" when absent.
std::string section(const std::string& html, const std::string& id) {
  const size_t b = html.find("<section id='" + id + "'>");
  if (b == std::string::npos) return "";
  return html.substr(b, html.find("</section>", b) - b);
}

std::string fixed2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// The points of the first <polyline class='CLS' points='...'> in `svg` as (x, y) pixels.
std::vector<std::pair<double, double>> polyline(const std::string& svg, const std::string& cls) {
  const std::string tag = "<polyline class='" + cls + "' points='";
  const size_t b = svg.find(tag);
  if (b == std::string::npos) return {};
  const std::string pts = svg.substr(b + tag.size(), svg.find('\'', b + tag.size()) - b - tag.size());
  std::vector<std::pair<double, double>> v;
  for (size_t at = 0; at < pts.size();) {
    double x = 0, y = 0;
    int used = 0;
    if (std::sscanf(pts.c_str() + at, "%lf,%lf%n", &x, &y, &used) != 2) break;
    v.emplace_back(x, y);
    at += static_cast<size_t>(used) + 1;
  }
  return v;
}

const std::string kNastyFile = "we<ird>&\"name\",x.png";
const std::string kNastyFileHtml = "we&lt;ird&gt;&amp;&quot;name&quot;,x.png";
const std::string kFarSet = "inat, \"big\" <&> ü";
const std::string kFarSetHtml = "inat, &quot;big&quot; &lt;&amp;&gt; ü";

// An eval of two OOD sets over two seeds, written by the real writer (write_eval_outputs), which
// calls write_report_html last.
EvalResult make_eval(std::vector<OodSet>& sets) {
  sets = {{"ssb_hard", "near", {}}, {kFarSet, "far", {}}};
  EvalResult r;
  r.images = 0;
  for (size_t s = 0; s < sets.size(); ++s) {
    for (uint32_t seed : {0u, 1u}) {
      SetRun run;
      run.set = sets[s].name;
      run.seed = seed;
      std::mt19937 rng(static_cast<uint32_t>(17 * s + seed));
      std::normal_distribution<float> id_score(0.60f, 0.08f), ood_score(s == 0 ? 0.52f : 0.40f, 0.08f);
      std::vector<double> id, ood;
      std::vector<int> pred, label;
      for (int i = 0; i < 100; ++i) {
        const bool is_ood = i % 3 == 0;
        LabeledImage img;
        img.file = i == 4 ? kNastyFile : i == 5 ? "line\nbreak.png" : (is_ood ? "ood/" : "id/") + std::to_string(i) + ".png";
        img.label = is_ood ? kOodLabel : s == 0 ? i % 4 : kUnknownIdLabel;
        ScoredImage sc;
        sc.file = img.file;
        sc.pred = static_cast<int>(rng() % 4);
        sc.score = is_ood ? ood_score(rng) : id_score(rng);
        (is_ood ? ood : id).push_back(sc.score);
        if (img.label >= 0) pred.push_back(sc.pred), label.push_back(img.label);
        run.order.push_back(img);
        run.scores.push_back(sc);
      }
      run.metrics = ood_metrics(id, ood);
      if (!label.empty()) run.acc = accuracy(pred, label);
      for (int b = 1; b <= 8; ++b) {
        BatchTrace t;
        t.stats.batches = b;
        t.stats.gamma = b < 3 ? 0.f : 0.2f + 0.01f * static_cast<float>(b);
        t.stats.lambda = 0.1f * static_cast<float>(b) / 8;
        t.stats.far_rows = 10u * static_cast<size_t>(b);
        t.stats.near_rows = static_cast<size_t>(b);
        t.stats.ens_updates = b / 2;
        t.stats.vsnl_updates = b / 3;
        if (b == 2 && s == 0 && seed == 0)
          for (int k = 0; k < 250; ++k) t.new_far.push_back("far label " + std::to_string(k));
        if (b == 3 && seed == 0) t.new_near = {"<script>alert(1)</script> wolf", "chat «noir» & co"};
        if (seed == 1) t.new_far = {"seed-one-only"};
        run.trace.push_back(t);
      }
      r.runs.push_back(run);
    }
  }
  r.images = 200;
  r.embed_s = 1.5;
  r.score_s = 0.5;
  for (const auto& run : r.runs) r.scored += run.scores.size();
  r.failed.push_back({"bad/" + kNastyFile, {}, "bad/" + kNastyFile + ": not an image"});
  return r;
}

class ReportHtml : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(test::temp_dir() / "out");
    std::vector<OodSet> sets;
    const EvalResult r = make_eval(sets);
    EvalOptions eo;
    eo.seeds = {0, 1};
    eo.batch = 16;
    EvalRunInfo info;
    info.run_json = R"({"ants_version": "0.1.0", "model": {"dir": "models/ü<clip>", "hash": "abc123"},
      "precision": "bf16", "mllm": {"requests": 10, "failures": 2, "last_error": "timeout <x> & \"y\"",
      "degraded": true, "cache_hits": 3}})";
    info.warnings = {"a warning with ü & <b>"};
    write_eval_outputs(*dir_, r, sets, eo, info);
    html_ = new std::string(core::read_file(*dir_ / "report.html"));
    metrics_ = new nlohmann::json(nlohmann::json::parse(core::read_file(*dir_ / "metrics.json")));
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete html_;
    delete metrics_;
  }
  static fs::path* dir_;
  static std::string* html_;
  static nlohmann::json* metrics_;
};
fs::path* ReportHtml::dir_ = nullptr;
std::string* ReportHtml::html_ = nullptr;
nlohmann::json* ReportHtml::metrics_ = nullptr;

TEST_F(ReportHtml, HasEverySectionAndOneRocAndHistogramPerSet) {
  const std::string& html = *html_;
  ASSERT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* id : {"summary", "metrics", "roc", "histograms", "trace", "negatives", "warnings"}) {
    const std::string s = section(html, id);
    ASSERT_FALSE(s.empty()) << id;
    EXPECT_NE(s.find("<h2>"), std::string::npos) << id;
  }
  const std::string roc = section(html, "roc"), hist = section(html, "histograms"), trace = section(html, "trace");
  EXPECT_EQ(count(roc, "<svg"), 2u);
  EXPECT_EQ(count(roc, "<polyline class='roc'"), 2u);
  EXPECT_EQ(count(hist, "<svg"), 2u);
  EXPECT_EQ(count(hist, "<path class='bars id'"), 2u);
  EXPECT_EQ(count(hist, "<path class='bars ood'"), 2u);
  EXPECT_EQ(count(trace, "<polyline class='gamma'"), 2u);
  EXPECT_EQ(count(trace, "<polyline class='lambda'"), 2u);
  EXPECT_EQ(count(html, "<svg"), 6u);
  EXPECT_EQ(count(html, "</svg>"), 6u);
  for (const char* set : {"ssb_hard", "inat, &quot;big&quot;"}) {
    EXPECT_NE(roc.find(set), std::string::npos) << set;
    EXPECT_NE(hist.find(set), std::string::npos) << set;
    EXPECT_NE(trace.find(set), std::string::npos) << set;
  }
}

TEST_F(ReportHtml, EscapesEveryStringFromTheInputs) {
  const std::string& html = *html_;
  EXPECT_NE(html.find(kFarSetHtml), std::string::npos);
  EXPECT_EQ(html.find("<&>"), std::string::npos);
  EXPECT_NE(section(html, "warnings").find("bad/" + kNastyFileHtml + ": not an image"), std::string::npos);
  EXPECT_EQ(html.find("<ird>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; wolf"), std::string::npos);
  EXPECT_NE(html.find("chat «noir» &amp; co"), std::string::npos);
  EXPECT_NE(html.find("timeout &lt;x&gt; &amp; &quot;y&quot;"), std::string::npos);
  EXPECT_NE(html.find("a warning with ü &amp; &lt;b&gt;"), std::string::npos);
  EXPECT_NE(html.find("models/ü&lt;clip&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
}

TEST_F(ReportHtml, IsSelfContained) {
  const std::string& html = *html_;
  for (const char* ref : {"http://", "https://", "<script", "<link", "<img", "<iframe", "@import", "url(", "src="})
    EXPECT_EQ(html.find(ref), std::string::npos) << ref;
  EXPECT_NE(html.find("<meta charset='utf-8'>"), std::string::npos);
  EXPECT_NE(html.find("<style>"), std::string::npos);
}

TEST_F(ReportHtml, SummaryHasRunFacts) {
  const std::string s = section(*html_, "summary");
  for (const char* fact : {"0.1.0", "abc123", "bf16", "ants / ada", "0, 1", ">200", "2.00 s", "200.0 scored images/s",
                           "10 requests", "2 failures", "3 cache hits", "degraded", "1 near, 1 far"})
    EXPECT_NE(s.find(fact), std::string::npos) << fact;
}

TEST_F(ReportHtml, MetricsTableShowsMeanAndStdPerSetAndSplit) {
  const std::string s = section(*html_, "metrics");
  for (const auto& set : (*metrics_)["sets"]) {
    for (const char* k : {"auroc", "fpr95", "fpr95_id_positive", "aupr_in", "aupr_out"})
      EXPECT_NE(s.find(fixed2(set["mean"][k].get<double>()) + "<span class='sd'> ± " + fixed2(set["std"][k].get<double>())),
                std::string::npos)
          << set["name"] << " " << k;
  }
  const auto& near = (*metrics_)["sets"][0];
  EXPECT_NE(s.find(fixed2(near["mean"]["acc"].get<double>())), std::string::npos);
  EXPECT_NE(s.find("<td class='na'>–</td>"), std::string::npos);  // the far set has no ID labels: no ACC
  EXPECT_NE(s.find("nearood"), std::string::npos);
  EXPECT_NE(s.find("farood"), std::string::npos);
  EXPECT_NE(s.find("66 / 34"), std::string::npos);  // ID / OOD images
  EXPECT_NE(s.find("Per seed"), std::string::npos);
  // Per-seed rows: 2 sets × 2 seeds.
  EXPECT_EQ(count(s.substr(s.find("Per seed")), "<tr><td class='l'>"), 4u);
}

TEST_F(ReportHtml, RocIsTheFirstSeedsCurveFromCornerToCorner) {
  const std::string roc = section(*html_, "roc");
  for (const auto& set : (*metrics_)["sets"]) {
    const double auroc0 = set["per_seed"][0]["auroc"].get<double>();
    ASSERT_EQ(set["per_seed"][0]["seed"], 0);
    const std::string name = set["name"];
    const std::string title = (name == kFarSet ? kFarSetHtml : name) + ": AUROC " + fixed2(auroc0) + " %";
    const size_t at = roc.find("<title>" + title + "</title>");
    ASSERT_NE(at, std::string::npos) << title;
    const auto pts = polyline(roc.substr(at), "roc");
    ASSERT_GE(pts.size(), 3u);
    // Pixels: x = 52 + 294·FPR, y = 310 − 268·TPR; from (0, 0) to (1, 1), never going back.
    EXPECT_EQ(pts.front(), std::make_pair(52.0, 310.0));
    EXPECT_EQ(pts.back(), std::make_pair(346.0, 42.0));
    for (size_t i = 1; i < pts.size(); ++i) {
      EXPECT_GE(pts[i].first, pts[i - 1].first);
      EXPECT_LE(pts[i].second, pts[i - 1].second);
    }
  }
}

TEST_F(ReportHtml, NegativesShowTheFirstSeedCappedAt200) {
  const std::string s = section(*html_, "negatives");
  EXPECT_NE(s.find("ENS (far) labels: 250"), std::string::npos);
  EXPECT_NE(s.find("the first 200 of 250"), std::string::npos);
  EXPECT_NE(s.find("far label 199 <span class='batch'>batch 2</span>"), std::string::npos);
  EXPECT_EQ(s.find("far label 200"), std::string::npos);
  EXPECT_NE(s.find("wolf <span class='batch'>batch 3</span>"), std::string::npos);
  EXPECT_EQ(s.find("seed-one-only"), std::string::npos);
  EXPECT_EQ(count(s, "<li>"), 200u + 2u + 2u);  // far of set 1, near of both sets
}

TEST_F(ReportHtml, WarningsListMllmProblemsSkippedImagesAndOthers) {
  const std::string s = section(*html_, "warnings");
  EXPECT_NE(s.find("2 failed requests of 10"), std::string::npos);
  EXPECT_NE(s.find("MLLM degraded"), std::string::npos);
  EXPECT_NE(s.find("1 unreadable image skipped"), std::string::npos);
  EXPECT_NE(s.find("<td>bad/" + kNastyFileHtml + "</td>"), std::string::npos);
  EXPECT_EQ(s.find("none"), std::string::npos);
}

TEST_F(ReportHtml, RemakingGivesTheSameBytes) {
  const fs::path copy = test::temp_dir() / "copy";
  fs::copy(*dir_, copy, fs::copy_options::recursive);
  fs::remove(copy / "report.html");
  pipeline::write_report_html(copy);
  EXPECT_EQ(core::read_file(copy / "report.html"), *html_);
}

// A PNG's width from its IHDR chunk.
uint32_t png_width(const std::string& png) {
  if (png.size() < 24 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return 0;
  const auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(png[i])); };
  return b(16) << 24 | b(17) << 16 | b(18) << 8 | b(19);
}

TEST_F(ReportHtml, RendersInHeadlessChromium) {
  const char* chromium = "/usr/bin/chromium";
  if (!fs::exists(chromium)) GTEST_SKIP() << "Debian's chromium is not installed (scripts/setup.sh installs it)";
  const fs::path tmp = test::temp_dir(), png = tmp / "report.png", dom = tmp / "dom.html";
  const std::string url = "file://" + (*dir_ / "report.html").string();
  // Each run gets its own profile, and HOME/XDG dirs in the temp dir (so nothing lands in the
  // user's home or, after a test that set a relative XDG_CACHE_HOME, in the working directory);
  // --no-sandbox because tests may run as root.
  const std::string env = "env HOME=" + tmp.string() + " XDG_CACHE_HOME=" + (tmp / "cache").string() +
                          " XDG_CONFIG_HOME=" + (tmp / "config").string() + " ";
  const auto run = [&](const std::string& profile, const std::string& args) {
    const std::string cmd = env + "timeout 60 " + std::string(chromium) +
                            " --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run"
                            " --user-data-dir=" + (tmp / profile).string() + " " + args + " 2>/dev/null";
    return std::system(cmd.c_str());
  };
  // The URL holds a quote and a space-free path: quote it for the shell.
  const std::string quoted_url = "'" + url + "'";
  ASSERT_EQ(run("p1", "--window-size=1200,3000 --screenshot=" + png.string() + " " + quoted_url + " >/dev/null"), 0);
  ASSERT_EQ(run("p2", "--dump-dom " + quoted_url + " > " + dom.string()), 0);
  const std::string shot = core::read_file(png);
  EXPECT_EQ(png_width(shot), 1200u);
  EXPECT_GT(shot.size(), 40000u);  // charts and tables, not a blank page
  const std::string rendered = core::read_file(dom);
  for (const char* heading : {"<h2>Summary</h2>", "<h2>Metrics</h2>", "<h2>ROC curves</h2>", "<h2>Score histograms</h2>",
                              "<h2>Adaptive threshold γ and fusion weight λ</h2>", "<h2>Mined negative labels</h2>",
                              "<h2>Warnings</h2>"})
    EXPECT_NE(rendered.find(heading), std::string::npos) << heading;
  EXPECT_EQ(count(rendered, "<svg"), 6u);
  // The set name came through as text: Chromium re-serialises it with only <, > and & escaped.
  EXPECT_NE(rendered.find("inat, \"big\" &lt;&amp;&gt; ü"), std::string::npos);
}

// ---- hand-written inputs: the smallest valid directory, then one change at a time ----

const char* const kMetricsJson = R"({"method": "ants", "mode": "ada", "seeds": [0],
 "sets": [{"name": "s", "split": "far", "n_id": 2, "n_ood": 2,
   "mean": {"auroc": 100, "fpr95": 0, "fpr95_id_positive": 0, "aupr_in": 100, "aupr_out": 100, "acc": null},
   "per_seed": [{"seed": 0, "auroc": 100, "fpr95": 0, "fpr95_id_positive": 0, "aupr_in": 100, "aupr_out": 100, "acc": null}]}],
 "splits": [{"name": "farood", "mean": {"auroc": 100, "fpr95": 0, "fpr95_id_positive": 0, "aupr_in": 100, "aupr_out": 100, "acc": null}}]})";
const char* const kScoresCsv =
    "set,seed,file,label,pred,score\ns,0,a.png,0,0,0.9\ns,0,\"b,\"\"q\"\".png\",1,1,0.8\ns,0,c.png,-1,0,0.2\ns,0,d.png,-1,1,0.1\n";
const char* const kTraceCsv =
    "set,seed,batch,gamma,lambda,far_rows,near_rows,ens_updates,vsnl_updates\ns,0,1,0,0.5,3,0,1,0\ns,0,2,0.1,0.5,3,1,1,1\n";
const char* const kNegativesJson = R"([{"set": "s", "seed": 0, "far": [{"label": "x", "batch": 1}], "near": []}])";
const char* const kRunJson = R"({"method": "ants", "mode": "ada", "seeds": [0], "images": 4,
 "timings": {"total_s": 1, "embed_s": 0.5, "score_s": 0.5, "images_per_s": 4}, "mllm": null, "skipped": [], "warnings": []})";

fs::path minimal_dir() {
  const fs::path d = test::temp_dir() / "min";
  core::write_file_atomic(d / "metrics.json", kMetricsJson);
  core::write_file_atomic(d / "scores.csv", kScoresCsv);
  core::write_file_atomic(d / "trace.csv", kTraceCsv);
  core::write_file_atomic(d / "negatives.json", kNegativesJson);
  core::write_file_atomic(d / "run.json", kRunJson);
  return d;
}

// AdaNeg has no γ or λ: its trace section draws the images its memories hold; a trace.csv of an
// earlier version (no memory columns) still draws γ and λ.
TEST(ReportHtmlInputs, AdaNegTraceShowsItsMemories) {
  const fs::path d = minimal_dir();
  std::string run = kRunJson;
  run.replace(run.find("\"ants\""), 6, "\"adaneg\"");
  core::write_file_atomic(d / "run.json", run);
  core::write_file_atomic(d / "trace.csv",
                          "set,seed,batch,gamma,lambda,far_rows,near_rows,ens_updates,vsnl_updates,memory_labels,memory_images\n"
                          "s,0,1,0,0,0,0,0,0,2,3\ns,0,2,0,0,0,0,0,0,4,17\n");
  pipeline::write_report_html(d);
  const std::string trace = section(core::read_file(d / "report.html"), "trace");
  EXPECT_NE(trace.find("Memories over the stream"), std::string::npos);
  EXPECT_NE(trace.find("17 images in the memories of 4 labels"), std::string::npos) << trace;
  EXPECT_EQ(trace.find("λ (fusion weight)"), std::string::npos);

  core::write_file_atomic(d / "trace.csv", kTraceCsv);  // an AdaNeg eval of the earlier layout
  pipeline::write_report_html(d);
  const std::string old = section(core::read_file(d / "report.html"), "trace");
  EXPECT_NE(old.find("Adaptive threshold γ and fusion weight λ"), std::string::npos);
  EXPECT_NE(old.find("λ (fusion weight)"), std::string::npos);
}

TEST(ReportHtmlInputs, SeparableScoresGiveTheUpperLeftCorner) {
  const fs::path d = minimal_dir();
  pipeline::write_report_html(d);
  const std::string html = core::read_file(d / "report.html");
  const std::string roc = section(html, "roc");
  EXPECT_NE(roc.find("<title>s: AUROC 100.00 %</title>"), std::string::npos);
  const auto pts = polyline(roc, "roc");
  ASSERT_GE(pts.size(), 3u);
  EXPECT_EQ(pts.front(), std::make_pair(52.0, 310.0));
  EXPECT_EQ(pts.back(), std::make_pair(346.0, 42.0));
  for (const auto& [x, y] : pts) EXPECT_TRUE(x == 52.0 || y == 42.0) << x << "," << y;  // up the left, then along the top
  EXPECT_NE(section(html, "warnings").find("<p class='none'>none</p>"), std::string::npos);
  EXPECT_NE(section(html, "summary").find("not used"), std::string::npos);  // "mllm": null
  EXPECT_EQ(count(section(html, "metrics"), "<span class='sd'>"), 0u);       // one seed: no ±
}

TEST(ReportHtmlInputs, StatelessMethodWithoutNegativesOrMllm) {
  const fs::path d = minimal_dir();
  core::write_file_atomic(d / "negatives.json", "[]");
  core::write_file_atomic(d / "trace.csv", "set,seed,batch,gamma,lambda\ns,0,1,0,0\ns,0,2,0,0\n");
  core::write_file_atomic(d / "run.json", R"({"method": "mcm", "mode": "ada"})");
  pipeline::write_report_html(d);
  const std::string html = core::read_file(d / "report.html");
  EXPECT_NE(section(html, "negatives").find("No negative labels were mined"), std::string::npos);
  EXPECT_EQ(count(section(html, "trace"), "<polyline class='gamma'"), 1u);
  EXPECT_NE(section(html, "trace").find("mcm keeps them at their defaults"), std::string::npos);
  EXPECT_NE(section(html, "warnings").find("none"), std::string::npos);
}

// A run of one of the paper's ablations says which in its summary; a default run has no such row.
TEST(ReportHtmlInputs, TheSummaryNamesTheAblationVariant) {
  const fs::path d = minimal_dir();
  const auto summary_of = [&](const std::string& detector) {
    core::write_file_atomic(d / "run.json", R"({"method": "ants", "mode": "ada", "setup": {"detector": )" + detector + "}}");
    pipeline::write_report_html(d);
    return section(core::read_file(d / "report.html"), "summary");
  };
  EXPECT_EQ(summary_of(R"({"threshold_rule": "head", "lambda_rule": "head"})").find("variant"), std::string::npos);
  const std::string s = summary_of(R"({"threshold_rule": "fixed", "lambda_rule": "fixed:0.3", "near_select": "ratio:0.08",
                                       "ens_id_noise": 0.25, "caption_only": true})");
  for (const char* fact : {"variant", "threshold_rule fixed", "lambda_rule fixed:0.3", "near_select ratio:0.08",
                           "ENS ID noise 0.25", "captioner-only MLLM (no VSNL)"})
    EXPECT_NE(s.find(fact), std::string::npos) << fact;
  EXPECT_NE(summary_of(R"({"caption_only": "yes", "lambda_rule": 3})").find("lambda_rule 3"), std::string::npos);
  core::write_file_atomic(d / "run.json", R"({"method": "ants", "prompts": {"ens": "short", "vsnl": "default"}})");
  pipeline::write_report_html(d);
  const std::string p = section(core::read_file(d / "report.html"), "summary");
  EXPECT_NE(p.find("ENS prompt short"), std::string::npos) << p;
  EXPECT_EQ(p.find("VSNL prompt"), std::string::npos) << p;
}

TEST(ReportHtmlInputs, TraceAndNegativesMayBeAbsent) {
  const fs::path d = minimal_dir();
  fs::remove(d / "trace.csv");
  fs::remove(d / "negatives.json");
  pipeline::write_report_html(d);
  const std::string html = core::read_file(d / "report.html");
  EXPECT_NE(section(html, "trace").find("trace.csv is absent"), std::string::npos);
  EXPECT_NE(section(html, "negatives").find("negatives.json is absent"), std::string::npos);
  EXPECT_EQ(count(html, "<svg"), 2u);
}

TEST(ReportHtmlInputs, ControlCharactersBecomeReplacementCharacters) {
  const fs::path d = minimal_dir();
  core::write_file_atomic(d / "run.json", R"({"skipped": [{"file": "bad\u0001name\u001b.png", "error": "e"}]})");
  pipeline::write_report_html(d);
  const std::string html = core::read_file(d / "report.html");
  EXPECT_NE(html.find("bad\uFFFDname\uFFFD.png"), std::string::npos);
  EXPECT_EQ(html.find('\x01'), std::string::npos);
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
}

struct Corruption {
  const char* name;
  const char* file;
  const char* contents;  // nullptr: delete the file
  const char* message;   // expected in the error
  ErrorCode code = ErrorCode::format;
};

class ReportHtmlErrors : public ::testing::TestWithParam<Corruption> {};

TEST_P(ReportHtmlErrors, NameTheFileAndWriteNothing) {
  const Corruption& c = GetParam();
  const fs::path d = minimal_dir();
  if (c.contents)
    core::write_file_atomic(d / c.file, c.contents);
  else
    fs::remove(d / c.file);
  try {
    pipeline::write_report_html(d);
    FAIL() << "no error for " << c.name;
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find((d / c.file).string()), std::string::npos) << what;
    EXPECT_NE(what.find(c.message), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    EXPECT_EQ(e.code(), c.code) << what;
  }
  EXPECT_FALSE(fs::exists(d / "report.html"));
}

INSTANTIATE_TEST_SUITE_P(
    Report, ReportHtmlErrors,
    ::testing::Values(
        Corruption{"MetricsMissing", "metrics.json", nullptr, "cannot open", ErrorCode::io},
        Corruption{"MetricsNotJson", "metrics.json", "{\"sets\": [", "not valid JSON"},
        // Found by the eval-files fuzz target: a number too large for a double escaped as
        // nlohmann's out_of_range, not as a parse error.
        Corruption{"MetricsNumberOutOfRange", "metrics.json", "{\"sets\": [], \"seeds\": [1e999]}", "not valid JSON"},
        Corruption{"MetricsNoSets", "metrics.json", "{\"seeds\": [0]}", "'sets' is missing"},
        Corruption{"MetricsSetsNotArray", "metrics.json", "{\"sets\": {}}", "sets: expected an array"},
        Corruption{"MetricsValueNotNumber", "metrics.json",
                   R"({"sets": [{"name": "s", "mean": {"auroc": "high"}}]})", "sets[0].mean: 'auroc' is not a number"},
        Corruption{"MetricsSetWithoutName", "metrics.json", R"({"sets": [{"mean": {}}]})", "sets[0]: 'name' is missing"},
        Corruption{"RunMissing", "run.json", nullptr, "cannot open", ErrorCode::io},
        Corruption{"RunNotObject", "run.json", "[]", "expected an object"},
        Corruption{"RunSkippedWithoutFile", "run.json", R"({"skipped": [{"error": "x"}]})", "skipped[0]: 'file' is missing"},
        Corruption{"RunTimingNotNumber", "run.json", R"({"timings": {"total_s": "1"}})", "timings: 'total_s' is not a number"},
        Corruption{"RunMllmNotObject", "run.json", R"({"mllm": 3})", "mllm: expected an object"},
        Corruption{"ScoresMissing", "scores.csv", nullptr, "cannot open", ErrorCode::io},
        Corruption{"ScoresEmpty", "scores.csv", "", "empty file"},
        Corruption{"ScoresNoScoreColumn", "scores.csv", "set,seed,file,label,pred\ns,0,a,0,0\n",
                   "scores.csv:1: the header has no 'score' column"},
        Corruption{"ScoresShortRow", "scores.csv", "set,seed,file,label,pred,score\ns,0,a,0,0,0.5\ns,0,b,0,0\n",
                   "scores.csv:3: 5 fields, the header has 6"},
        Corruption{"ScoresNotFinite", "scores.csv", "set,seed,file,label,pred,score\ns,0,a,0,0,nan\n",
                   "scores.csv:2: 'score' is not a finite number: 'nan'"},
        Corruption{"ScoresBadLabel", "scores.csv", "set,seed,file,label,pred,score\ns,0,a,ood,0,1\n",
                   "scores.csv:2: 'label' is not an integer"},
        Corruption{"ScoresUnterminatedQuote", "scores.csv", "set,seed,file,label,pred,score\ns,0,\"a,0,0,1\n",
                   "scores.csv:2: unterminated quoted field"},
        Corruption{"ScoresStrayQuote", "scores.csv", "set,seed,file,label,pred,score\ns,0,\"a\"b,0,0,1\n",
                   "scores.csv:2: text after a closing quote"},
        Corruption{"TraceBadGamma", "trace.csv", "set,seed,batch,gamma,lambda\ns,0,1,x,0\n",
                   "trace.csv:2: 'gamma' is not a finite number"},
        Corruption{"TraceNoLambda", "trace.csv", "set,seed,batch,gamma\n", "the header has no 'lambda' column"},
        Corruption{"NegativesNotArray", "negatives.json", R"({"set": "s"})", "expected an array"},
        Corruption{"NegativesLabelNotString", "negatives.json", R"([{"set": "s", "seed": 0, "far": [{"label": 1, "batch": 1}]}])",
                   "[0].far[0]: 'label' is not a string"}),
    [](const ::testing::TestParamInfo<Corruption>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace ants
