// The names users type for methods, modes and rules, and the authors' presets.
#include <ants/scorer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

namespace ants {
namespace {

TEST(MethodNames, EveryNameRoundTrips) {
  for (const char* m : {"ants", "neglabel", "mcm"}) EXPECT_STREQ(method_name(parse_method(m)), m);
  for (const char* m : {"ada", "far_only", "near_only"}) EXPECT_STREQ(fusion_mode_name(parse_fusion_mode(m)), m);
  for (const char* r : {"head", "paper", "fixed"}) EXPECT_STREQ(threshold_rule_name(parse_threshold_rule(r)), r);
  for (const char* r : {"head", "paper", "log", "exp", "fixed:0.5", "fixed:0.25", "fixed:1"}) {
    DetectorOptions o;
    set_lambda_rule(o, r);
    EXPECT_EQ(lambda_rule_spec(o), r);
  }
  for (const char* r : {"top:40", "top:0", "ratio:0.08", "ratio:1", "all"}) {
    DetectorOptions o;
    set_near_select(o, r);
    EXPECT_EQ(near_select_spec(o), r);
  }
}

TEST(MethodNames, RulesWithAValueSetItAndRefuseBadOnes) {
  DetectorOptions o;
  EXPECT_EQ(lambda_rule_spec(o), "head");
  EXPECT_EQ(near_select_spec(o), "top:40");  // HEAD's default
  set_lambda_rule(o, "fixed:0.3");
  EXPECT_EQ(o.lambda_rule, LambdaRule::fixed);
  EXPECT_EQ(o.lambda_fixed, 0.3);
  set_near_select(o, "ratio:0.08");
  EXPECT_EQ(o.near_select, NearSelect::ratio);
  EXPECT_EQ(o.near_ratio, 0.08);
  set_near_select(o, "top:7");
  EXPECT_EQ(o.near_select, NearSelect::top);
  EXPECT_EQ(o.similar_limit, 7u);
  for (const char* bad : {"fixed", "fixed:", "fixed:1.5", "fixed:-0.1", "fixed:0.5x", "fixed:nan", "frac", "Head"})
    EXPECT_THROW(set_lambda_rule(o, bad), Error) << bad;
  for (const char* bad : {"top", "top:-1", "top:4.5", "ratio:0", "ratio:1.2", "ratio:x", "every", "all:3"})
    EXPECT_THROW(set_near_select(o, bad), Error) << bad;
  try {
    set_near_select(o, "ratio:2");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--near-select"), std::string::npos) << e.what();
  }
}

TEST(MethodNames, AnUnknownNameNamesTheOptionAndTheAcceptedValues) {
  try {
    parse_fusion_mode("far");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("--mode"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ada, far_only, near_only"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_method("ANTS"), Error);
  EXPECT_THROW(detector_preset("paper"), Error);
}

// Options by the names Python and grid files use: each reaches its field; bad ones name the option.
TEST(MethodNames, ScorerOptionsByName) {
  ScorerOptions o;
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"method", "neglabel"}, {"mode", "far_only"}, {"eta", "0.25"}, {"ens_updates", "3"},
           {"near_select", "ratio:0.1"}, {"lambda_rule", "exp"}, {"threshold_rule", "fixed"},
           {"ens_id_noise", "0.2"}, {"mllm_caption_only", "true"}, {"no_permute", "true"}, {"count", "500"},
           {"near_template", "a {}"}})
    set_scorer_option(o, name, value);
  EXPECT_EQ(o.method, Method::neglabel);
  EXPECT_EQ(o.detector.mode, FusionMode::far_only);
  EXPECT_EQ(o.detector.eta, 0.25f);
  EXPECT_EQ(o.detector.ens_stop_step, 3);
  EXPECT_EQ(o.detector.near_select, NearSelect::ratio);
  EXPECT_EQ(o.detector.lambda_rule, LambdaRule::exp);
  EXPECT_EQ(o.detector.threshold_rule, ThresholdRule::fixed);
  EXPECT_EQ(o.detector.ens_id_noise, 0.2);
  EXPECT_TRUE(o.detector.caption_only);
  EXPECT_FALSE(o.detector.permute);
  EXPECT_EQ(o.neglabel.count, 500);
  EXPECT_EQ(o.detector.near_template, "a {}");
  const auto names = scorer_option_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "near_top"), names.end());
  for (const auto& [name, value, where] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"eta", "half", "eta: 'half' is not a number"}, {"ens_updates", "2.5", "ens_updates: '2.5'"},
           {"no_permute", "yes", "no_permute: 'yes' is not true or false"}, {"speed", "1", "speed: no such option"},
           {"lambda_rule", "fixed:3", "--lambda-rule"}, {"near_top", "-1", "near_top"}}) {
    try {
      set_scorer_option(o, name, value);
      ADD_FAILURE() << name << " = " << value << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
    }
  }
}

TEST(MethodNames, PresetsSetTheAuthorsSettingsButKeepExplicitChoices) {
  DetectorOptions far;
  apply_preset(detector_preset("paper-far"), far);
  EXPECT_EQ(far.mode, FusionMode::far_only);
  EXPECT_EQ(far.ens_stop_step, 10);
  EXPECT_TRUE(far.activation_aware);
  EXPECT_EQ(far.activation_count, 500u);
  EXPECT_EQ(far.near_start_batch, DetectorOptions{}.near_start_batch);

  DetectorOptions near;
  near.ens_stop_step = 3;
  apply_preset(detector_preset("paper-near"), near, {"ens_stop_step"});
  EXPECT_EQ(near.mode, FusionMode::near_only);
  EXPECT_EQ(near.near_start_batch, 1);
  EXPECT_EQ(near.ens_stop_step, 3);  // given by the user
  EXPECT_FALSE(near.activation_aware);
  EXPECT_EQ(preset_names(), (std::vector<std::string>{"paper-far", "paper-near"}));
}

}  // namespace
}  // namespace ants
