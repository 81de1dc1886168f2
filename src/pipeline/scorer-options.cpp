// Scorer options by the names users type: the CLI's long options without "--", dashes as
// underscores. One table serves Python's keyword arguments and `ants ablate`'s grid files.
#include <ants/scorer.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>

#include "core/error.h"

namespace ants {
namespace {

using Setter = std::function<void(ScorerOptions&, const std::string&)>;

[[noreturn]] void bad_value(const std::string& name, const std::string& value, const char* want) {
  core::fail(ErrorCode::invalid_argument, name, "'" + value + "' is not " + want);
}

template <typename T>
T parse_value(const std::string& name, const std::string& value) {
  if constexpr (std::is_same_v<T, bool>) {
    if (value == "true" || value == "1") return true;
    if (value == "false" || value == "0") return false;
    bad_value(name, value, "true or false");
  } else if constexpr (std::is_same_v<T, std::string>) {
    return value;
  } else {
    T out{};
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (ec != std::errc() || end != value.data() + value.size())
      bad_value(name, value, std::is_integral_v<T> ? (std::is_unsigned_v<T> ? "a count" : "an integer") : "a number");
    return out;
  }
}

template <typename T>
Setter detector(T DetectorOptions::*member) {
  return [member](ScorerOptions& o, const std::string& v) { o.detector.*member = parse_value<T>("", v); };
}

template <typename T>
Setter adaneg(T AdaNegOptions::*member) {
  return [member](ScorerOptions& o, const std::string& v) { o.adaneg.*member = parse_value<T>("", v); };
}

template <typename T>
Setter csp(T CspOptions::*member) {
  return [member](ScorerOptions& o, const std::string& v) { o.csp.*member = parse_value<T>("", v); };
}

// "a,b,c" (empty: none).
std::vector<std::string> comma_list(const std::string& v) {
  std::vector<std::string> out;
  for (size_t start = 0; start <= v.size() && !v.empty();) {
    const size_t comma = std::min(v.find(',', start), v.size());
    if (comma > start) out.push_back(v.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> table{
      {"method", [](ScorerOptions& o, const std::string& v) { o.method = parse_method(v); }},
      {"mode", [](ScorerOptions& o, const std::string& v) { o.detector.mode = parse_fusion_mode(v); }},
      {"eta", detector(&DetectorOptions::eta)},
      {"gamma0", detector(&DetectorOptions::gamma0)},
      {"ens_updates", detector(&DetectorOptions::ens_stop_step)},
      {"min_candidates", detector(&DetectorOptions::min_candidates)},
      {"queue_cap", detector(&DetectorOptions::queue_cap)},
      {"groups", detector(&DetectorOptions::group_num)},
      {"near_start", detector(&DetectorOptions::near_start_batch)},
      {"near_interval", detector(&DetectorOptions::near_interval)},
      {"near_top", detector(&DetectorOptions::similar_limit)},
      {"near_select", [](ScorerOptions& o, const std::string& v) { set_near_select(o.detector, v); }},
      {"balance_repeats", detector(&DetectorOptions::balance_repeats)},
      {"near_template", detector(&DetectorOptions::near_template)},
      {"activation_aware", detector(&DetectorOptions::activation_aware)},
      {"activation_count", detector(&DetectorOptions::activation_count)},
      {"activation_step", detector(&DetectorOptions::activation_step)},
      {"activation_gap", detector(&DetectorOptions::activation_gap)},
      {"activation_history", detector(&DetectorOptions::activation_history)},
      {"neglabel_init", detector(&DetectorOptions::neglabel_init)},
      {"no_permute", [](ScorerOptions& o, const std::string& v) { o.detector.permute = !parse_value<bool>("", v); }},
      {"threshold_rule",
       [](ScorerOptions& o, const std::string& v) { o.detector.threshold_rule = parse_threshold_rule(v); }},
      {"lambda_rule", [](ScorerOptions& o, const std::string& v) { set_lambda_rule(o.detector, v); }},
      {"ens_id_noise", detector(&DetectorOptions::ens_id_noise)},
      {"mllm_caption_only", detector(&DetectorOptions::caption_only)},
      {"adaneg_thres", adaneg(&AdaNegOptions::thres)},
      {"adaneg_gap", adaneg(&AdaNegOptions::gap)},
      {"adaneg_memory", adaneg(&AdaNegOptions::memory)},
      {"adaneg_lambda", adaneg(&AdaNegOptions::lambda)},
      {"adaneg_beta", adaneg(&AdaNegOptions::beta)},
      {"adaneg_groups", adaneg(&AdaNegOptions::groups)},
      {"adaneg_samada", adaneg(&AdaNegOptions::samada)},
      {"adaneg_score", [](ScorerOptions& o, const std::string& v) { o.adaneg.score = parse_adaneg_score(v); }},
      {"csp_ratio", csp(&CspOptions::ratio)},
      {"csp_percentile", csp(&CspOptions::percentile)},
      {"csp_max_sim", csp(&CspOptions::max_similarity)},
      {"csp_seed", csp(&CspOptions::seed)},
      {"csp_groups", csp(&CspOptions::groups)},
      {"csp_exclude", [](ScorerOptions& o, const std::string& v) { o.csp.exclude = comma_list(v); }},
      {"eoe_task", [](ScorerOptions& o, const std::string& v) { o.eoe.task = parse_eoe_task(v); }},
      {"eoe_count", [](ScorerOptions& o, const std::string& v) { o.eoe.count = parse_value<int>("", v); }},
      {"eoe_beta", [](ScorerOptions& o, const std::string& v) { o.eoe.beta = parse_value<double>("", v); }},
      {"eoe_tau", [](ScorerOptions& o, const std::string& v) { o.eoe.tau = parse_value<double>("", v); }},
      {"eoe_logits",
       [](ScorerOptions& o, const std::string& v) {
         if (v != "scaled" && v != "cosine") bad_value("", v, "scaled or cosine");
         o.eoe.cosine_logits = v == "cosine";
       }},
      {"eoe_template", [](ScorerOptions& o, const std::string& v) { o.eoe.prompt_template = v; }},
      {"eoe_preset", [](ScorerOptions& o, const std::string& v) { apply_eoe_preset(o.eoe, v); }},
      {"count", [](ScorerOptions& o, const std::string& v) { o.neglabel.count = parse_value<int>("", v); }},
      {"corpus", [](ScorerOptions& o, const std::string& v) { o.neglabel.corpus_dir = v; }},
      {"text_batch", [](ScorerOptions& o, const std::string& v) { o.neglabel.text_batch = parse_value<int>("", v); }},
      {"cache_dir", [](ScorerOptions& o, const std::string& v) { o.neglabel.cache.dir = v; }},
      {"no_cache", [](ScorerOptions& o, const std::string& v) { o.neglabel.cache.enabled = !parse_value<bool>("", v); }},
  };
  return table;
}

}  // namespace

std::vector<std::string> scorer_option_names() {
  std::vector<std::string> names;
  for (const auto& [name, set] : setters()) names.push_back(name);
  return names;
}

void set_scorer_options(ScorerOptions& options, const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [name, value] : values)
    if (name == "eoe_preset") set_scorer_option(options, name, value);
  for (const auto& [name, value] : values)
    if (name != "eoe_preset") set_scorer_option(options, name, value);
}

void set_scorer_option(ScorerOptions& options, const std::string& name, const std::string& value) {
  const auto it = setters().find(name);
  if (it == setters().end()) core::fail(ErrorCode::invalid_argument, name, "no such option");
  try {
    it->second(options, value);
  } catch (const Error& e) {  // the rule parsers name their "--option"; the plain values do not
    const std::string what = e.what();
    if (what.rfind("--", 0) == 0) throw;
    core::fail(ErrorCode::invalid_argument, name, what);
  }
}

}  // namespace ants
