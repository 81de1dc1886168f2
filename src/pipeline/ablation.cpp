// ants ablate: variants of the scorer's options, each one eval over the same streams, put side by
// side in grid.json, grid.csv and report.html.
#include <ants/ablation.h>
#include <ants/mllm-client.h>

#include <chrono>
#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file-util.h"
#include "pipeline/ablation-report.h"
#include "pipeline/csv.h"
#include "pipeline/eval-schema.h"
#include "pipeline/json-reader.h"

namespace ants {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

using Options = std::vector<std::pair<std::string, std::string>>;

// Table 3's rows A–F and Table 9's weight functions (docs/method.md §4.3, §4.6, §4.9).
const std::vector<std::pair<std::string, std::vector<AblationVariant>>>& tables() {
  static const std::vector<std::pair<std::string, std::vector<AblationVariant>>> t{
      {"paper-3",
       {{"A-fixed-gamma", {{"mode", "far_only"}, {"threshold_rule", "fixed"}, {"lambda_rule", "head"}}},
        {"B-ens", {{"mode", "far_only"}, {"threshold_rule", "head"}, {"lambda_rule", "head"}}},
        {"C-vsnl-all-classes",
         {{"mode", "near_only"}, {"threshold_rule", "head"}, {"lambda_rule", "head"}, {"near_select", "all"}}},
        {"D-vsnl", {{"mode", "near_only"}, {"threshold_rule", "head"}, {"lambda_rule", "head"}}},
        {"E-fixed-lambda", {{"mode", "ada"}, {"threshold_rule", "head"}, {"lambda_rule", "fixed:0.5"}}},
        {"F-ants", {{"mode", "ada"}, {"threshold_rule", "head"}, {"lambda_rule", "head"}}}}},
      {"paper-9",
       {{"fractional", {{"mode", "ada"}, {"threshold_rule", "head"}, {"lambda_rule", "paper"}}},
        {"logarithmic", {{"mode", "ada"}, {"threshold_rule", "head"}, {"lambda_rule", "log"}}},
        {"exponential", {{"mode", "ada"}, {"threshold_rule", "head"}, {"lambda_rule", "exp"}}}}},
  };
  return t;
}

void check_name(const std::string& name, const std::string& where) {
  const bool ok = !name.empty() && name != "." && name != ".." &&
                  name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
                      std::string::npos;
  if (!ok)
    core::fail(ErrorCode::invalid_argument, where,
               "variant name '" + name + "' must be letters, digits, '.', '_' or '-' (it names a directory)");
}

// A grid option's JSON value as set_scorer_option's text.
std::string option_text(const json& v, const fs::path& file, const std::string& where) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  pipeline::malformed(file, where + ": an option value must be a string, a number or a boolean");
}

ScorerOptions variant_options(const ScorerOptions& base, const AblationVariant& v) {
  const auto names = [&](const char* n) {
    return std::any_of(v.options.begin(), v.options.end(), [&](const auto& o) { return o.first == n; });
  };
  if (names("near_top") && names("near_select"))
    core::fail(ErrorCode::invalid_argument, "variant '" + v.name + "'", "near_top and near_select: give one");
  ScorerOptions o = base;
  try {
    set_scorer_options(o, v.options);
  } catch (const Error& e) {
    core::fail(ErrorCode::invalid_argument, "variant '" + v.name + "'", e.what());
  }
  return o;
}

json options_json(const Options& options) {
  json j = json::object();
  for (const auto& [name, value] : options) j[name] = value;
  return j;
}

struct VariantRun {
  json metrics;
  double embed_s = 0, score_s = 0;
  bool failed_images = false;
};

// `now` less what `before` had counted: one variant's share of a shared client's counters.
MllmStats counted_since(const MllmStats& before, MllmStats now) {
  now.calls -= before.calls;
  now.requests -= before.requests;
  now.retries -= before.retries;
  now.failures -= before.failures;
  now.cache_hits -= before.cache_hits;
  now.replay_hits -= before.replay_hits;
  now.late_answers -= before.late_answers;
  now.breaker_trips -= before.breaker_trips;
  return now;
}

VariantRun run_variant(const AblationInput& in, const AblationVariant& v, OodScorer& scorer, size_t index, size_t n,
                       const fs::path& out_dir, const AblationProgress& progress) {
  const auto* client = dynamic_cast<const MllmClient*>(in.mllm);
  const MllmStats before = client ? client->stats() : MllmStats{};
  const EvalResult r = run_eval(*in.model, scorer, in.id_images, in.ood_sets, in.eval,
                                [&](const std::string& stage, size_t done, size_t total) {
                                  if (progress) progress(index, n, v.name, stage, done, total);
                                });
  EvalFacts facts = in.facts;
  facts.mode = fusion_mode_name(variant_options(in.base, v).detector.mode);
  if (client) facts.mllm_stats = counted_since(before, client->stats());
  EvalRunInfo info = eval_run_info(*in.model, scorer, facts);
  info.warnings.insert(info.warnings.end(), r.warnings.begin(), r.warnings.end());
  VariantRun run;
  run.metrics = json::parse(write_eval_outputs(out_dir / "variants" / v.name, r, in.ood_sets, in.eval, info));
  run.embed_s = r.embed_s;
  run.score_s = r.score_s;
  run.failed_images = !r.failed.empty();
  return run;
}

// grid.csv: one row per variant and set or split, the mean and std of every metric.
std::string grid_csv(const json& grid) {
  std::string csv = "variant,name,kind";
  for (const auto& m : pipeline::schema::kMetrics) csv.append(",").append(m.key).append(",").append(m.key).append("_std");
  csv += '\n';
  for (const auto& v : grid["variants"]) {
    for (const auto& [kind, row_kind] : {std::pair{"sets", "set"}, std::pair{"splits", "split"}}) {
      for (const auto& s : v["metrics"][kind]) {
        if (s.is_null()) continue;
        csv.append(csv_field(v["name"].get<std::string>())).append(",").append(csv_field(s["name"].get<std::string>()));
        csv.append(",").append(row_kind);
        for (const auto& m : pipeline::schema::kMetrics) {
          for (const char* part : {"mean", "std"}) {
            csv += ',';
            if (s.contains(part) && s[part].contains(m.key) && s[part][m.key].is_number()) csv.append(s[part][m.key].dump());
          }
        }
        csv += '\n';
      }
    }
  }
  return csv;
}

}  // namespace

std::vector<std::string> ablation_table_names() {
  std::vector<std::string> names;
  for (const auto& [name, variants] : tables()) names.push_back(name);
  return names;
}

std::vector<AblationVariant> ablation_table(const std::string& name) {
  for (const auto& [table, variants] : tables())
    if (table == name) return variants;
  core::fail(ErrorCode::invalid_argument, "--table", "unknown table '" + name + "' (paper-3, paper-9)");
}

std::vector<AblationVariant> read_ablation_grid(const fs::path& file) {
  const json doc = pipeline::read_json(file);
  // The same document with its objects in file order: options apply in the order written.
  const auto ordered = nlohmann::ordered_json::parse(core::read_file(file));
  const pipeline::JsonReader r(file);
  const json& list = r.array(r.required(r.object(doc, ""), "variants", ""), "variants");
  if (list.empty()) pipeline::malformed(file, "variants: the grid has no variant");
  std::vector<AblationVariant> variants;
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = pipeline::indexed("variants", i);
    AblationVariant v;
    v.name = r.string(r.object(list[i], where), "name", where, true);
    check_name(v.name, file.string() + ": " + where);
    if (!names.insert(v.name).second) pipeline::malformed(file, where + ": variant '" + v.name + "' is named twice");
    if (const json* options = r.find(list[i], "options")) {
      r.object(*options, where + ".options");
      for (const auto& [key, value] : ordered["variants"][i]["options"].items())
        v.options.emplace_back(key, option_text(json(value), file, where + ".options." + key));
    }
    variant_options(ScorerOptions{}, v);  // an unknown option or bad value fails now, naming it
    variants.push_back(std::move(v));
  }
  return variants;
}

AblationPlan plan_ablation(AblationInput input, std::vector<AblationVariant> variants) {
  if (input.model == nullptr) core::fail(ErrorCode::invalid_argument, "ablate", "no model");
  if (variants.empty()) core::fail(ErrorCode::invalid_argument, "ablate", "no variants");
  std::set<std::string> names;
  for (const auto& v : variants) {
    check_name(v.name, "ablate");
    if (!names.insert(v.name).second) core::fail(ErrorCode::invalid_argument, "ablate", "variant '" + v.name + "' is named twice");
  }
  AblationPlan plan{std::move(input), std::move(variants), {}};
  for (const auto& v : plan.variants) {
    const ScorerOptions options = variant_options(plan.input.base, v);
    try {
      plan.scorers.push_back(std::make_unique<OodScorer>(*plan.input.model, plan.input.classes, options, plan.input.mllm));
    } catch (const Error& e) {
      throw Error(e.code(), "variant '" + v.name + "': " + e.what());
    }
  }
  return plan;
}

std::string run_ablation(AblationPlan& plan, const fs::path& out_dir, const AblationProgress& progress) {
  const AblationInput& in = plan.input;
  const auto& variants = plan.variants;
  const auto t0 = std::chrono::steady_clock::now();
  json grid{{"table", in.table.empty() ? json(nullptr) : json(in.table)},
            {"reference", in.facts.reference},
            {"seeds", in.eval.seeds},
            {"variants", json::array()}};
  bool failed_images = false;
  for (size_t i = 0; i < variants.size(); ++i) {
    const VariantRun run = run_variant(in, variants[i], *plan.scorers[i], i, variants.size(), out_dir, progress);
    failed_images |= run.failed_images;
    grid["variants"].push_back({{"name", variants[i].name},
                                {"options", options_json(variants[i].options)},
                                {"metrics", run.metrics},
                                {"timings", {{"embed_s", run.embed_s}, {"score_s", run.score_s}}}});
  }
  grid["skipped_images"] = failed_images;
  grid["timings"] = {{"total_s", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()}};
  const std::string text = grid.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  core::write_file_atomic(out_dir / "grid.json", text);
  core::write_file_atomic(out_dir / "grid.csv", grid_csv(grid));
  core::write_file_atomic(out_dir / "report.html", pipeline::ablation_report_html(grid));
  return text;
}

}  // namespace ants
