#include "pipeline/report-sections.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "pipeline/eval-schema.h"
#include "pipeline/html-text.h"
#include "pipeline/json-reader.h"

namespace ants::pipeline::report {

namespace {

using nlohmann::json;

constexpr size_t kMaxLabelsShown = 200;

// A JSON scalar or array as text: strings verbatim, numbers compactly, arrays comma-joined.
std::string plain(const json& v) {
  if (v.is_null()) return "–";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v.get<double>());
    return buf;
  }
  if (v.is_array()) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ", ") + plain(e);
    return s.empty() ? "–" : s;
  }
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

// ---------------------------------------------------------------------------------------------
// Summary

std::string kv_row(const std::string& key, const std::string& value_html) {
  return "<tr><th>" + esc(key) + "</th><td>" + value_html + "</td></tr>\n";
}

// The model directory with its hash, weights and parameter count under it, when recorded.
std::string model_row(const JsonReader& r, const json& model) {
  if (!model.is_object()) return kv_row("model", esc(plain(model)));
  std::string v = model.contains("dir") ? esc(plain(model["dir"])) : "–";
  for (const char* extra : {"hash", "weights", "params"})
    if (r.find(model, extra)) v += "<br><span class='sub'>" + std::string(extra) + ": " + esc(plain(model[extra])) + "</span>";
  return kv_row("model", v);
}

std::string sets_row(const MetricsFile& m) {
  size_t near = 0, far = 0;
  for (const auto& set : m.sets) near += set.split == "near", far += set.split == "far";
  return kv_row("OOD sets", std::to_string(m.sets.size()) + " (" + std::to_string(near) + " near, " +
                                std::to_string(far) + " far)");
}

// Total time (split into embedding and scoring) and throughput.
std::string timing_rows(const JsonReader& r, const json& run) {
  const json* t = r.find(run, "timings");
  if (!t) return kv_row("total time", "–");
  r.object(*t, "timings");
  const auto total = r.number(*t, "total_s", "timings"), embed = r.number(*t, "embed_s", "timings"),
             score = r.number(*t, "score_s", "timings"), rate = r.number(*t, "images_per_s", "timings");
  std::string time = "–";
  if (total) {
    time = fixed(*total, 2) + " s";
    if (embed && score) time += " (embedding " + fixed(*embed, 2) + " s, scoring " + fixed(*score, 2) + " s)";
  }
  return kv_row("total time", time) + kv_row("throughput", rate ? fixed(*rate, 1) + " scored images/s" : "–");
}

// The MLLM's request counts, or "not used".
std::string mllm_row(const JsonReader& r, const json& run) {
  const json* mllm = r.find(run, "mllm");
  if (!mllm) return kv_row("MLLM", "not used");
  r.object(*mllm, "mllm");
  std::string v;
  const std::pair<const char*, const char*> counts[] = {
      {"requests", "requests"}, {"failures", "failures"}, {"retries", "retries"},
      {"cache_hits", "cache hits"}, {"replay_hits", "replay hits"}};
  for (const auto& [key, text] : counts)
    if (const auto n = r.number(*mllm, key, "mllm")) v += (v.empty() ? "" : ", ") + fixed(*n, 0) + " " + text;
  if (mllm->value("degraded", false)) v += (v.empty() ? "" : "; ") + std::string("degraded");
  return kv_row("MLLM", v.empty() ? "–" : esc(v));
}

// The detector options of run.json's setup that differ from HEAD's (the paper's ablations), so
// that a report says which variant it shows; none for a default run.
std::string variant_row(const JsonReader& r, const json& run) {
  std::string v;
  const auto add = [&](const std::string& text) { v += (v.empty() ? "" : ", ") + text; };
  if (const json* p = r.find(run, "prompts"); p && p->is_object()) {
    for (const char* kind : {"ens", "vsnl"})
      if (p->contains(kind) && (*p)[kind] != "default") add(std::string(kind == std::string("ens") ? "ENS" : "VSNL") + " prompt " + plain((*p)[kind]));
  }
  const json* setup = r.find(run, "setup");
  for (const auto& [name, label] : {std::pair{"adaneg", "AdaNeg"}, std::pair{"csp", "CSP"}, std::pair{"eoe", "EOE"}}) {
    if (const json* a = setup && setup->is_object() ? r.find(*setup, name) : nullptr; a && a->is_object()) {
      for (const auto& [key, value] : a->items())
        if (key != "labels_hash") add(std::string(label) + " " + key + " " + plain(value));
    }
  }
  const json* d = setup && setup->is_object() ? r.find(*setup, "detector") : nullptr;
  if (!d || !d->is_object()) return v.empty() ? "" : kv_row("variant", esc(v));
  for (const char* key : {"threshold_rule", "lambda_rule"})
    if (d->contains(key) && (*d)[key] != "head") add(std::string(key) + " " + plain((*d)[key]));
  if (d->contains("near_select")) add("near_select " + plain((*d)["near_select"]));
  if (d->contains("ens_id_noise")) add("ENS ID noise " + plain((*d)["ens_id_noise"]));
  if (d->contains("caption_only") && (*d)["caption_only"] == true) add("captioner-only MLLM (no VSNL)");
  return v.empty() ? "" : kv_row("variant", esc(v));
}

// ---------------------------------------------------------------------------------------------
// Metrics

std::string metric_headings() {
  std::string s;
  for (const schema::Metric& m : schema::kMetrics) {
    s += m.description ? std::string("<th title='") + m.description + "'>" : std::string("<th>");
    s += std::string(m.heading) + "&nbsp;" + (m.higher_is_better ? "↑" : "↓") + "</th>";
  }
  return s;
}

std::string metric_cell(const MetricValues& mean, const std::optional<MetricValues>& sd, const char* key) {
  const auto& m = mean.at(key);
  if (!m) return "<td class='na'>–</td>";
  std::string s = "<td>" + fixed(*m, 2);
  if (sd && sd->at(key)) s += "<span class='sd'> ± " + fixed(*sd->at(key), 2) + "</span>";
  return s + "</td>";
}

std::string metric_cells(const MetricValues& mean, const std::optional<MetricValues>& sd) {
  std::string s;
  for (const schema::Metric& m : schema::kMetrics) s += metric_cell(mean, sd, m.key);
  return s;
}

std::string metrics_table(const MetricsFile& m) {
  std::string s = "<table class='metrics'><thead><tr><th class='l'>OOD set</th><th class='l'>split</th>"
                  "<th>ID / OOD images</th>" + metric_headings() + "</tr></thead><tbody>\n";
  auto count = [](const std::optional<double>& v) { return v ? fixed(*v, 0) : std::string("–"); };
  for (const auto& r : m.sets)
    s += "<tr><td class='l'>" + esc(r.name) + "</td><td class='l'>" + esc(r.split.empty() ? "–" : r.split) + "</td><td>" +
         count(r.n_id) + " / " + count(r.n_ood) + "</td>" + metric_cells(r.mean, r.sd) + "</tr>\n";
  for (const auto& r : m.splits)
    s += "<tr class='split'><td class='l'>" + esc(r.name) + "</td><td class='l'>mean</td><td></td>" +
         metric_cells(r.mean, r.sd) + "</tr>\n";
  return s + "</tbody></table>\n";
}

std::string metrics_note(const MetricsFile& m) {
  const bool seeds_shown = std::any_of(m.sets.begin(), m.sets.end(), [](const MetricsRow& r) { return r.sd.has_value(); });
  std::string seeds;
  for (int64_t seed : m.seeds) seeds += (seeds.empty() ? "" : ", ") + std::to_string(seed);
  return note("Percent, two decimals" +
              std::string(seeds_shown ? "; mean ± sample standard deviation over seeds " + seeds
                                      : seeds.empty() ? "" : "; seed " + seeds) +
              ". Split rows are the plain mean over the split's sets. ↑ higher is better, ↓ lower is better.");
}

// Only with more than one seed: otherwise the main table already shows the one run.
std::string per_seed_table(const MetricsFile& m) {
  const bool per_seed = std::any_of(m.sets.begin(), m.sets.end(), [](const MetricsRow& r) { return r.per_seed.size() > 1; });
  if (!per_seed) return "";
  std::string s = "<h3>Per seed</h3><table class='metrics'><thead><tr><th class='l'>OOD set</th><th>seed</th>" +
                  metric_headings() + "</tr></thead><tbody>\n";
  for (const auto& r : m.sets)
    for (const auto& [seed, values] : r.per_seed)
      s += "<tr><td class='l'>" + esc(r.name) + "</td><td>" + std::to_string(seed) + "</td>" +
           metric_cells(values, std::nullopt) + "</tr>\n";
  return s + "</tbody></table>\n";
}

// ---------------------------------------------------------------------------------------------
// Negatives and warnings

std::string label_list(const char* heading, const std::vector<MinedLabel>& labels) {
  std::string s = "<div><h4>" + std::string(heading) + ": " + std::to_string(labels.size()) + "</h4>";
  if (labels.empty()) return s + note("none") + "</div>";
  if (labels.size() > kMaxLabelsShown)
    s += note("the first " + std::to_string(kMaxLabelsShown) + " of " + std::to_string(labels.size()));
  s += "<ol class='labels'>";
  for (size_t i = 0; i < labels.size() && i < kMaxLabelsShown; ++i)
    s += "<li>" + esc(labels[i].label) + " <span class='batch'>batch " + std::to_string(labels[i].batch) + "</span></li>";
  return s + "</ol></div>";
}

// Failed requests (with the last error) and an open circuit breaker.
std::string mllm_warnings(const JsonReader& r, const json& run) {
  const json* mllm = r.find(run, "mllm");
  if (!mllm) return "";
  r.object(*mllm, "mllm");
  const auto failures = r.number(*mllm, "failures", "mllm"), requests = r.number(*mllm, "requests", "mllm");
  const std::string last = r.string(*mllm, "last_error", "mllm", false);
  const bool degraded = mllm->contains("degraded") && (*mllm)["degraded"].is_boolean() && (*mllm)["degraded"].get<bool>();
  std::string items;
  if (failures && *failures > 0)
    items += "<li>MLLM: " + fixed(*failures, 0) + " failed requests" +
             (requests && *requests >= *failures ? " of " + fixed(*requests, 0) : std::string()) +
             (last.empty() ? "" : "; last error: <q>" + esc(last) + "</q>") + "</li>\n";
  if (degraded) items += "<li>MLLM degraded: the circuit breaker was open at the end of the run, so ANTS ran without fresh answers.</li>\n";
  return items;
}

std::string listed_warnings(const JsonReader& r, const json& run) {
  const json* warnings = r.find(run, "warnings");
  if (!warnings) return "";
  std::string items;
  for (size_t i = 0; i < r.array(*warnings, "warnings").size(); ++i) {
    if (!(*warnings)[i].is_string()) r.fail(indexed("warnings", i), "expected a string");
    items += "<li>" + esc((*warnings)[i].get<std::string>()) + "</li>\n";
  }
  return items;
}

// The unreadable images, as one item with a table of file and error.
std::string skipped_images(const JsonReader& r, const json& run) {
  const json* list = r.find(run, "skipped");
  if (!list) return "";
  std::string rows;
  size_t n = 0;
  for (size_t i = 0; i < r.array(*list, "skipped").size(); ++i) {
    const std::string w = indexed("skipped", i);
    const json& f = r.object((*list)[i], w);
    rows += "<tr><td>" + esc(r.string(f, "file", w, true)) + "</td><td>" + esc(r.string(f, "error", w, false)) + "</td></tr>\n";
    ++n;
  }
  if (!n) return "";
  return "<li>" + std::to_string(n) + " unreadable image" + (n == 1 ? "" : "s") +
         " skipped (not scored, not counted in the metrics):<table class='skipped'><thead><tr><th>file</th><th>error</th>"
         "</tr></thead><tbody>\n" + rows + "</tbody></table></li>\n";
}

}  // namespace

std::string summary_section(const EvalFiles& files) {
  const JsonReader r(files.run_file);
  const json& run = files.run;
  const MetricsFile& m = files.metrics;
  std::string s = "<table class='kv'>\n";
  auto field = [&](const char* key) { return run.contains(key) ? esc(plain(run[key])) : std::string("–"); };
  if (run.contains("ants_version")) s += kv_row("ants version", field("ants_version"));
  if (const json* model = r.find(run, "model")) s += model_row(r, *model);
  const std::string method = r.string(run, "method", "", false), mode = r.string(run, "mode", "", false);
  s += kv_row("method / mode", esc((method.empty() ? m.method : method) + " / " + (mode.empty() ? m.mode : mode)));
  s += variant_row(r, run);
  const bool reference = run.contains("reference") && run["reference"] == true;
  s += kv_row("precision", field("precision") + (reference ? " (--reference: the paper's settings)" : ""));
  s += kv_row("seeds", run.contains("seeds") ? field("seeds") : esc(plain(json(m.seeds))));
  const std::string order = r.string(run, "order", "", false), stream = r.string(run, "stream", "", false);
  if ((!order.empty() && order != "shuffle") || stream == "joint")
    s += kv_row("stream", esc((stream.empty() ? "per-set" : stream) + ", " + (order.empty() ? "shuffle" : order)));
  if (run.contains("ood_ratio") && !run["ood_ratio"].is_null()) s += kv_row("ID:OOD ratio", field("ood_ratio"));
  if (run.contains("batch")) s += kv_row("detector batch", field("batch"));
  s += sets_row(m);
  std::string images = field("images");
  if (const auto hits = r.number(run, "embedding_cache_hits", "")) images += " (" + fixed(*hits, 0) + " embeddings from the cache)";
  s += kv_row("images", images);
  s += timing_rows(r, run);
  s += mllm_row(r, run);
  return s + "</table>\n";
}

std::string metrics_section(const MetricsFile& m) {
  if (m.sets.empty()) return note(std::string(schema::kMetricsJson) + " lists no OOD sets.");
  return metrics_table(m) + metrics_note(m) + per_seed_table(m);
}

std::string negatives_section(const EvalFiles& files) {
  if (!files.negatives) return note(std::string(schema::kNegativesJson) + " is absent.");
  const MetricsFile& m = files.metrics;
  std::string s;
  for (const auto& set : m.sets) {
    const auto* run = files.negatives->first(set.name, m.seeds);
    s += "<h3>" + esc(set.name) + (run ? " <span class='sub'>seed " + std::to_string(run->first) + "</span>" : "") + "</h3>\n";
    if (!run || (run->second.far.empty() && run->second.near.empty())) {
      s += note("No negative labels were mined (MCM and NegLabel mine none; ANTS mines them from MLLM answers).");
      continue;
    }
    s += "<div class='negatives'>" + label_list("ENS (far) labels", run->second.far) +
         label_list("VSNL (near) labels", run->second.near) + "</div>\n";
  }
  return s.empty() ? note("No OOD sets.") : s;
}

std::string warnings_section(const EvalFiles& files) {
  const JsonReader r(files.run_file);
  std::string items = mllm_warnings(r, files.run);  // one statement each: the first bad value is the one named
  items += listed_warnings(r, files.run);
  items += skipped_images(r, files.run);
  return items.empty() ? "<p class='none'>none</p>\n" : "<ul class='warnings'>\n" + items + "</ul>\n";
}

}  // namespace ants::pipeline::report
