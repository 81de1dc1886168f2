// The names of methods, fusion modes and rules as users type them, and the authors' presets:
// one parser per name so that the CLI, Python and the server accept exactly the same words.
#include <ants/scorer.h>

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
    {"ants", Method::ants}, {"neglabel", Method::neglabel}, {"mcm", Method::mcm}};
constexpr std::pair<const char*, FusionMode> kModes[] = {
    {"ada", FusionMode::ada}, {"far_only", FusionMode::far_only}, {"near_only", FusionMode::near_only}};
constexpr std::pair<const char*, ThresholdRule> kThresholdRules[] = {{"head", ThresholdRule::head},
                                                                     {"paper", ThresholdRule::paper}};
constexpr std::pair<const char*, LambdaRule> kLambdaRules[] = {{"head", LambdaRule::head}, {"paper", LambdaRule::paper}};

}  // namespace

Method parse_method(const std::string& name) { return parse_name(name, "--method", kMethods); }
const char* method_name(Method m) { return name_of(m, kMethods); }
FusionMode parse_fusion_mode(const std::string& name) { return parse_name(name, "--mode", kModes); }
const char* fusion_mode_name(FusionMode m) { return name_of(m, kModes); }
ThresholdRule parse_threshold_rule(const std::string& name) {
  return parse_name(name, "--threshold-rule", kThresholdRules);
}
const char* threshold_rule_name(ThresholdRule r) { return name_of(r, kThresholdRules); }
LambdaRule parse_lambda_rule(const std::string& name) { return parse_name(name, "--lambda-rule", kLambdaRules); }
const char* lambda_rule_name(LambdaRule r) { return name_of(r, kLambdaRules); }

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
