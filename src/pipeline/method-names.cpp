// The names of methods, fusion modes and rules as users type them, and the authors' presets:
// one parser per name so that the CLI, Python and the server accept exactly the same words.
#include <ants/scorer.h>

#include <charconv>
#include <cmath>

#include "core/error.h"

namespace ants {

namespace {

template <typename E, size_t N>
E parse_name(const std::string& name, const char* option, const std::pair<const char*, E> (&table)[N]) {
  std::string accepted;
  for (const auto& [word, value] : table) {
    if (name == word) return value;
    accepted += (accepted.empty() ? "" : ", ") + std::string(word);
  }
  core::fail(ErrorCode::invalid_argument, option, "unknown value '" + name + "' (" + accepted + ")");
}

template <typename E, size_t N>
const char* name_of(E value, const std::pair<const char*, E> (&table)[N]) {
  for (const auto& [word, v] : table)
    if (v == value) return word;
  return "?";
}

constexpr std::pair<const char*, Method> kMethods[] = {
    {"ants", Method::ants}, {"neglabel", Method::neglabel}, {"mcm", Method::mcm}, {"adaneg", Method::adaneg}, {"csp", Method::csp},
    {"eoe", Method::eoe}};
constexpr std::pair<const char*, EoeTask> kEoeTasks[] = {{"far", EoeTask::far}, {"near", EoeTask::near}};
constexpr std::pair<const char*, AdaNegScore> kAdaNegScores[] = {{"combine", AdaNegScore::combine},
                                                                 {"adaonly", AdaNegScore::adaonly},
                                                                 {"vanillaonly", AdaNegScore::vanillaonly},
                                                                 {"multiply", AdaNegScore::multiply}};
constexpr std::pair<const char*, FusionMode> kModes[] = {
    {"ada", FusionMode::ada}, {"far_only", FusionMode::far_only}, {"near_only", FusionMode::near_only}};
constexpr std::pair<const char*, ThresholdRule> kThresholdRules[] = {
    {"head", ThresholdRule::head}, {"paper", ThresholdRule::paper}, {"fixed", ThresholdRule::fixed}};
constexpr std::pair<const char*, LambdaRule> kLambdaRules[] = {
    {"head", LambdaRule::head}, {"paper", LambdaRule::paper}, {"log", LambdaRule::log}, {"exp", LambdaRule::exp}};

// The number after "word:" in `spec`, or nullopt when `spec` does not start with it.
std::optional<std::string_view> argument_of(std::string_view spec, std::string_view word) {
  if (spec.size() <= word.size() || spec.substr(0, word.size()) != word || spec[word.size()] != ':') return std::nullopt;
  return spec.substr(word.size() + 1);
}

template <typename T>
T parse_number(std::string_view text, const char* option, const std::string& spec) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    core::fail(ErrorCode::invalid_argument, option, "'" + spec + "': '" + std::string(text) + "' is not a number");
  return value;
}

std::string number_text(double x) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, x).ptr;  // shortest round trip: 0.5, 0.08
  return std::string(buf, end);
}

}  // namespace

Method parse_method(const std::string& name) { return parse_name(name, "--method", kMethods); }
const char* method_name(Method m) { return name_of(m, kMethods); }
AdaNegScore parse_adaneg_score(const std::string& name) { return parse_name(name, "--adaneg-score", kAdaNegScores); }
const char* adaneg_score_name(AdaNegScore s) { return name_of(s, kAdaNegScores); }
EoeTask parse_eoe_task(const std::string& name) { return parse_name(name, "--eoe-task", kEoeTasks); }
const char* eoe_task_name(EoeTask t) { return name_of(t, kEoeTasks); }
void apply_eoe_preset(EoeOptions& o, const std::string& name) {
  if (name == "ants") {
    o.beta = 1.0, o.tau = 1.0, o.cosine_logits = false, o.prompt_template = "a photo of a {}.";
  } else if (name == "official") {
    o.beta = 0.25, o.tau = 1.0, o.cosine_logits = true, o.prompt_template = "a photo of a {}";
  } else {
    core::fail(ErrorCode::invalid_argument, "--eoe-preset", "'" + name + "' is not one of: ants, official");
  }
}
FusionMode parse_fusion_mode(const std::string& name) { return parse_name(name, "--mode", kModes); }
const char* fusion_mode_name(FusionMode m) { return name_of(m, kModes); }
ThresholdRule parse_threshold_rule(const std::string& name) {
  return parse_name(name, "--threshold-rule", kThresholdRules);
}
const char* threshold_rule_name(ThresholdRule r) { return name_of(r, kThresholdRules); }
void set_lambda_rule(DetectorOptions& o, const std::string& spec) {
  if (const auto x = argument_of(spec, "fixed")) {
    const double lambda = parse_number<double>(*x, "--lambda-rule", spec);
    if (!(lambda >= 0 && lambda <= 1)) core::fail(ErrorCode::invalid_argument, "--lambda-rule", "'" + spec + "': λ must be in [0, 1]");
    o.lambda_rule = LambdaRule::fixed;
    o.lambda_fixed = lambda;
    return;
  }
  if (spec == "fixed") core::fail(ErrorCode::invalid_argument, "--lambda-rule", "'fixed' needs its λ, e.g. fixed:0.5");
  o.lambda_rule = parse_name(spec, "--lambda-rule", kLambdaRules);
}

std::string lambda_rule_spec(const DetectorOptions& o) {
  if (o.lambda_rule == LambdaRule::fixed) return "fixed:" + number_text(o.lambda_fixed);
  return name_of(o.lambda_rule, kLambdaRules);
}

void set_near_select(DetectorOptions& o, const std::string& spec) {
  const char* option = "--near-select";
  if (const auto k = argument_of(spec, "top")) {
    const long long top = parse_number<long long>(*k, option, spec);
    if (top < 0) core::fail(ErrorCode::invalid_argument, option, "'" + spec + "': K must not be negative");
    o.near_select = NearSelect::top;
    o.similar_limit = static_cast<size_t>(top);
  } else if (const auto d = argument_of(spec, "ratio")) {
    const double ratio = parse_number<double>(*d, option, spec);
    if (!(ratio > 0 && ratio <= 1)) core::fail(ErrorCode::invalid_argument, option, "'" + spec + "': δ must be in (0, 1]");
    o.near_select = NearSelect::ratio;
    o.near_ratio = ratio;
  } else if (spec == "all") {
    o.near_select = NearSelect::all;
  } else {
    core::fail(ErrorCode::invalid_argument, option, "unknown value '" + spec + "' (top:K, ratio:δ, all)");
  }
}

std::string near_select_spec(const DetectorOptions& o) {
  if (o.near_select == NearSelect::ratio) return "ratio:" + number_text(o.near_ratio);
  if (o.near_select == NearSelect::all) return "all";
  return "top:" + std::to_string(o.similar_limit);
}

std::vector<std::string> preset_names() { return {"paper-far", "paper-near"}; }

// The authors' scripts (method.md §7): far-OOD runs use far_only with activation-aware ENS over 500
// negatives and E_max 10; near-OOD runs use near_only with VSNL from the first batch and no ENS.
DetectorPreset detector_preset(const std::string& name) {
  DetectorPreset p;
  if (name == "paper-far") {
    p.mode = FusionMode::far_only;
    p.ens_stop_step = 10;
    p.activation_aware = true;
    p.activation_count = 500;
  } else if (name == "paper-near") {
    p.mode = FusionMode::near_only;
    p.ens_stop_step = 0;
    p.near_start_batch = 1;
  } else {
    core::fail(ErrorCode::invalid_argument, "--preset", "unknown preset '" + name + "' (paper-far, paper-near)");
  }
  return p;
}

void apply_preset(const DetectorPreset& p, DetectorOptions& o, const std::set<std::string>& keep) {
  auto set = [&](const char* field, const auto& value, auto& target) {
    if (value && !keep.contains(field)) target = *value;
  };
  set("mode", p.mode, o.mode);
  set("ens_stop_step", p.ens_stop_step, o.ens_stop_step);
  set("activation_aware", p.activation_aware, o.activation_aware);
  set("activation_count", p.activation_count, o.activation_count);
  set("near_start_batch", p.near_start_batch, o.near_start_batch);
}

}  // namespace ants
