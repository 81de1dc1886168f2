// The names users type for methods, modes and rules, and the authors' presets.
#include <ants/scorer.h>
#include <gtest/gtest.h>

namespace ants {
namespace {

TEST(MethodNames, EveryNameRoundTrips) {
  for (const char* m : {"ants", "neglabel", "mcm"}) EXPECT_STREQ(method_name(parse_method(m)), m);
  for (const char* m : {"ada", "far_only", "near_only"}) EXPECT_STREQ(fusion_mode_name(parse_fusion_mode(m)), m);
  for (const char* r : {"head", "paper"}) {
    EXPECT_STREQ(threshold_rule_name(parse_threshold_rule(r)), r);
    EXPECT_STREQ(lambda_rule_name(parse_lambda_rule(r)), r);
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
