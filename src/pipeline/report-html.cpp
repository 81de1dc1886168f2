// The report page: the sections in order around the charts, with the page's stylesheet.
#include "pipeline/report-html.h"

#include <string>

#include "core/file-util.h"
#include "pipeline/eval-reader.h"
#include "pipeline/eval-schema.h"
#include "pipeline/html-text.h"
#include "pipeline/json-reader.h"
#include "pipeline/report-charts.h"
#include "pipeline/report-sections.h"

namespace ants::pipeline {

namespace fs = std::filesystem;

namespace {

using report::esc;
using report::note;

constexpr char kStyle[] = R"css(
:root{--id:#1f77b4;--ood:#e6550d;--gamma:#6a3d9a;--lambda:#2ca02c;--muted:#666}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px auto;padding:0 24px;max-width:1280px;color:#1a1a1a;background:#fff}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.3em;margin:1.4em 0 .5em;padding-bottom:.2em;border-bottom:1px solid #ddd}
h3{font-size:1.05em;margin:1em 0 .3em}h4{font-size:.95em;margin:.4em 0}
nav{font-size:.9em;color:var(--muted)}nav a{color:inherit;margin-right:1em}
table{border-collapse:collapse;margin:.4em 0;font-variant-numeric:tabular-nums}
td,th{border:1px solid #d5d5d5;padding:.25em .6em;text-align:right;vertical-align:top}
.metrics td{white-space:nowrap}
th{background:#f4f4f4}.l{text-align:left}tr.split td{background:#fafafa;font-weight:600}
.sd{color:var(--muted);font-weight:normal}.na{color:#aaa;text-align:center}
.kv th,.kv td{text-align:left}.kv th{width:11em}.sub{color:var(--muted);font-size:.9em}
.note{color:var(--muted);font-size:.9em;margin:.3em 0}.none{color:var(--muted)}
.charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;break-inside:avoid}
figcaption{font-size:.82em;color:var(--muted);max-width:420px}
svg{display:block;background:#fff;border:1px solid #eee}
svg text{font-family:inherit;fill:#333}svg .title{font-size:12.5px;text-anchor:middle;font-weight:600}
svg .tick{font-size:10px;text-anchor:middle;fill:#555}svg .tick.y{text-anchor:end}
svg .axis{font-size:11px;text-anchor:middle}svg .legend{font-size:11px}
.grid{stroke:#eee}.frame{fill:none;stroke:#888}polyline{fill:none;stroke-width:1.7;stroke-linejoin:round}
.roc{stroke:var(--id)}.diag,.tpr95{stroke:#aaa;stroke-dasharray:4 3;stroke-width:1}
.bars{stroke-width:1.2;fill-opacity:.32}.bars.id,.key.id{fill:var(--id);stroke:var(--id)}
.bars.ood,.key.ood{fill:var(--ood);stroke:var(--ood)}
polyline.gamma{stroke:var(--gamma)}polyline.lambda{stroke:var(--lambda)}
circle.gamma,.key.gamma{fill:var(--gamma)}circle.lambda,.key.lambda{fill:var(--lambda)}
.negatives{display:flex;flex-wrap:wrap;gap:8px 32px}.negatives>div{flex:1 1 420px;min-width:0}
ol.labels{columns:2 16em;column-gap:2em;margin:.2em 0;padding-left:2.4em;font-size:.9em}
ol.labels li{break-inside:avoid;overflow-wrap:anywhere}.batch{color:var(--muted);font-size:.85em}
.best{font-weight:700;background:#eef6ee}.warnings li{margin:.3em 0}.skipped td,.skipped th{text-align:left;overflow-wrap:anywhere}
@media print{body{margin:0;max-width:none;font-size:11px}nav{display:none}h2{break-after:avoid}svg{border:none}}
@page{margin:12mm}
)css";

std::string charts(const std::string& figures) { return "<div class='charts'>\n" + figures + "</div>\n"; }

std::string head(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
         "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
         "<title>" + esc(title) + "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n";
}

constexpr char kEvalNav[] = "<a href='#summary'>Summary</a><a href='#metrics'>Metrics</a>"
                            "<a href='#roc'>ROC curves</a><a href='#histograms'>Score histograms</a>"
                            "<a href='#trace'>γ and λ</a><a href='#negatives'>Mined negatives</a>"
                            "<a href='#warnings'>Warnings</a>";

std::string trace_note(const std::string& method) {
  if (method == "adaneg-memories")
    return note("Per detector batch, first seed of each OOD set: AdaNeg has no γ or λ; its state is the images "
                "its memories hold.");
  return note(method == "ants" || method.empty()
                  ? "Per detector batch, first seed of each OOD set."
                  : "Per detector batch, first seed of each OOD set (" + method + " keeps them at their defaults).");
}

}  // namespace

std::string report_html(const fs::path& out_dir) {
  const EvalFiles files = read_eval_files(out_dir);
  const std::string method = JsonReader(files.run_file).string(files.run, "method", "", false);
  // AdaNeg's memories when trace.csv has them (an earlier eval's has γ and λ only).
  const bool memories = method == "adaneg" && report::has_memory_trace(files);
  std::string h;
  h += html_section("summary", "Summary", report::summary_section(files));
  h += html_section("metrics", "Metrics", report::metrics_section(files.metrics));
  h += html_section("roc", "ROC curves",
               note("First seed of each OOD set; OOD is the positive class and a threshold on the negated score "
                    "separates them, one point per distinct score.") + charts(report::roc_charts(files)));
  h += html_section("histograms", "Score histograms", charts(report::histogram_charts(files)));
  h += html_section("trace", memories ? "Memories over the stream" : "Adaptive threshold γ and fusion weight λ",
               trace_note(memories ? "adaneg-memories" : method) + charts(report::trace_charts(files)));
  h += html_section("negatives", "Mined negative labels", report::negatives_section(files));
  h += html_section("warnings", "Warnings", report::warnings_section(files));
  return html_page("ants eval report", kEvalNav, h);
}

std::string html_section(const char* id, const std::string& heading, const std::string& body) {
  return "<section id='" + std::string(id) + "'>\n<h2>" + esc(heading) + "</h2>\n" + body + "</section>\n";
}

std::string html_page(const std::string& title, const std::string& nav_html, const std::string& main_html) {
  return head(title) + "<body>\n<header><h1>" + esc(title) + "</h1>\n<nav>" + nav_html + "</nav></header>\n<main>\n" +
         main_html + "</main>\n</body>\n</html>\n";
}

void write_report_html(const fs::path& out_dir) {
  core::write_file_atomic(out_dir / schema::kReportHtml, report_html(out_dir));
}

}  // namespace ants::pipeline
