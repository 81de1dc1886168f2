#include "pipeline/ablation-report.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "pipeline/html-text.h"
#include "pipeline/report-html.h"

namespace ants::pipeline {
namespace {

using nlohmann::json;
using report::esc;
using report::fixed;

struct Column {
  std::string group;  // "nearood", a set name, ...
  const char* kind;   // "splits" or "sets"
  const char* key;    // "fpr95", "auroc"
  bool higher_is_better;
};

// The entry named `group` of variant `v`'s metrics[kind], or nullptr.
const json* entry(const json& v, const Column& c) {
  const json* list = v.contains("metrics") && v["metrics"].contains(c.kind) ? &v["metrics"][c.kind] : nullptr;
  if (!list || !list->is_array()) return nullptr;
  for (const auto& e : *list)
    if (e.is_object() && e.value("name", "") == c.group) return &e;
  return nullptr;
}

std::optional<double> value(const json& v, const Column& c, const char* part) {
  const json* e = entry(v, c);
  if (!e || !e->contains(part) || !(*e)[part].contains(c.key) || !(*e)[part][c.key].is_number()) return std::nullopt;
  return (*e)[part][c.key].get<double>();
}

std::string group_heading(const std::string& g) {
  return g == "nearood" ? "near-OOD" : g == "farood" ? "far-OOD" : g;
}

// Rows = variants, two columns (FPR95 ↓, AUROC ↑) per group; the best mean of a column is marked.
std::string table(const json& variants, const std::vector<std::string>& groups, const char* kind) {
  std::vector<Column> cols;
  for (const auto& g : groups) {
    cols.push_back({g, kind, "fpr95", false});
    cols.push_back({g, kind, "auroc", true});
  }
  std::vector<std::optional<double>> best(cols.size());
  for (size_t c = 0; c < cols.size(); ++c) {
    for (const auto& v : variants) {
      const auto m = value(v, cols[c], "mean");
      if (m && (!best[c] || (cols[c].higher_is_better ? *m > *best[c] : *m < *best[c]))) best[c] = m;
    }
  }
  std::string h = "<table class='metrics ablation'>\n<thead><tr><th class='l' rowspan='2'>Variant</th>";
  for (const auto& g : groups) h += "<th colspan='2'>" + esc(group_heading(g)) + "</th>";
  h += "</tr>\n<tr>";
  for (size_t g = 0; g < groups.size(); ++g) h += "<th>FPR@95&nbsp;↓</th><th>AUROC&nbsp;↑</th>";
  h += "</tr></thead>\n<tbody>\n";
  for (const auto& v : variants) {
    h += "<tr><td class='l'>" + esc(v.value("name", "?")) + "</td>";
    for (size_t c = 0; c < cols.size(); ++c) {
      const auto m = value(v, cols[c], "mean"), sd = value(v, cols[c], "std");
      if (!m) {
        h += "<td class='na'>–</td>";
        continue;
      }
      h += std::string(best[c] && *m == *best[c] ? "<td class='best'>" : "<td>") + fixed(*m, 2);
      if (sd) h += "<span class='sd'> ± " + fixed(*sd, 2) + "</span>";
      h += "</td>";
    }
    h += "</tr>\n";
  }
  return h + "</tbody></table>\n";
}

// The names of metrics[kind] of the first variant that has them, in order.
std::vector<std::string> groups_of(const json& variants, const char* kind) {
  std::vector<std::string> out;
  for (const auto& v : variants) {
    if (!v.contains("metrics") || !v["metrics"].contains(kind) || !v["metrics"][kind].is_array()) continue;
    for (const auto& e : v["metrics"][kind])
      if (e.is_object() && e.contains("name") && e["name"].is_string()) out.push_back(e["name"].get<std::string>());
    if (!out.empty()) break;
  }
  return out;
}

std::string summary(const json& grid) {
  const auto row = [](const std::string& k, const std::string& v) { return "<tr><th>" + esc(k) + "</th><td>" + v + "</td></tr>\n"; };
  std::string h = "<table class='kv'>\n";
  h += row("grid", grid.contains("table") && grid["table"].is_string() ? esc(grid["table"].get<std::string>()) : "a grid file");
  h += row("reference settings", grid.value("reference", false) ? "yes (fp32, reference MLLM parsing)" : "no");
  if (grid.contains("seeds")) h += row("seeds", esc(grid["seeds"].dump()));
  h += row("variants", std::to_string(grid["variants"].size()));
  if (grid.contains("timings") && grid["timings"].contains("total_s") && grid["timings"]["total_s"].is_number())
    h += row("total time", fixed(grid["timings"]["total_s"].get<double>(), 1) + " s");
  return h + "</table>\n";
}

std::string variant_list(const json& variants) {
  std::string h = "<table class='kv'>\n<thead><tr><th>Variant</th><th>Options</th><th>Time</th></tr></thead>\n";
  for (const auto& v : variants) {
    const std::string name = v.value("name", "?");
    std::string options;
    if (v.contains("options") && v["options"].is_object())
      for (const auto& [k, val] : v["options"].items()) options += (options.empty() ? "" : ", ") + k + " " + (val.is_string() ? val.get<std::string>() : val.dump());
    std::string time;
    if (v.contains("timings") && v["timings"].is_object()) {
      const auto& t = v["timings"];
      if (t.contains("embed_s") && t["embed_s"].is_number() && t.contains("score_s") && t["score_s"].is_number())
        time = "embedding " + fixed(t["embed_s"].get<double>(), 1) + " s, scoring " + fixed(t["score_s"].get<double>(), 1) + " s";
    }
    h += "<tr><td><a href='variants/" + esc(name) + "/report.html'>" + esc(name) + "</a></td><td>" +
         esc(options.empty() ? "(the base options)" : options) + "</td><td>" + esc(time) + "</td></tr>\n";
  }
  return h + "</table>\n";
}

}  // namespace

std::string ablation_report_html(const json& grid) {
  const json& variants = grid["variants"];
  std::string h = html_section("summary", "Summary", summary(grid));
  auto splits = groups_of(variants, "splits");  // the paper's order: near-OOD, then far-OOD
  std::stable_sort(splits.begin(), splits.end(), [](const std::string& a, const std::string& b) {
    return (a == "nearood") > (b == "nearood");
  });
  h += html_section("table", "Variants by split",
               report::note("Mean over seeds (± sample std), in percent; the best value of each column is marked.") +
                   (splits.empty() ? report::note("No near/far split.") : table(variants, splits, "splits")));
  h += html_section("sets", "Variants by OOD set", table(variants, groups_of(variants, "sets"), "sets"));
  h += html_section("variants", "Variants", variant_list(variants));
  return html_page("ants ablation report",
                   "<a href='#summary'>Summary</a><a href='#table'>By split</a><a href='#sets'>By set</a>"
                   "<a href='#variants'>Variants</a>",
                   h);
}

}  // namespace ants::pipeline
