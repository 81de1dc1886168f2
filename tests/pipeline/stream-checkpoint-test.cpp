// Stream checkpoints: resume equals an uninterrupted stream, refusals name what differs, old layouts read, damage detected.
#include <ants/pipeline.h>
#include <gtest/gtest.h>

#include "pipeline-fixture.h"

namespace ants {
namespace {

namespace fs = std::filesystem;

TEST_F(PipelineModel, ACheckpointResumesWithTheScoresOfAnUninterruptedStream) {
  const auto files = ood_then_id_files();
  const ImageEmbedOptions features = eval_options().features;
  const auto all = embed_image_files(*model_, files, features);
  constexpr size_t kBatch = 8, kStop = 24;

  test::FakeMllm m1, m2, m3, m4;
  OodScorer whole(*model_, demo_class_names(), scorer_options(), &m1);
  const auto want = score_from(whole, all, 0, kBatch);

  OodScorer before(*model_, demo_class_names(), scorer_options(), &m2);
  const std::vector<ImageEmbedding> head(all.begin(), all.begin() + kStop);
  score_from(before, head, 0, kBatch);
  ASSERT_FALSE(m2.describe_files.empty());  // the detector state is not the initial one
  const fs::path state = dir_ / "stream.state";
  const std::string setup = stream_setup(before, features, kBatch, files);
  save_checkpoint(state, {setup, kStop, 1234, R"({"batches": 3, "labels": ["a"]})"}, before);

  OodScorer after(*model_, demo_class_names(), scorer_options(), &m3);
  const auto at = load_checkpoint(state, stream_setup(after, features, kBatch, files), after);
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(at->consumed, kStop);
  EXPECT_EQ(at->output_bytes, 1234u);
  EXPECT_EQ(nlohmann::json::parse(at->extra), nlohmann::json::parse(R"({"batches": 3, "labels": ["a"]})"));  // kept as is
  const auto rest = score_from(after, all, kStop, kBatch);
  EXPECT_EQ(rest, std::vector<float>(want.begin() + kStop, want.end()));

  OodScorer fresh(*model_, demo_class_names(), scorer_options(), &m4);  // without the state: other scores
  EXPECT_NE(score_from(fresh, all, kStop, kBatch), rest);
}


TEST_F(PipelineModel, ACheckpointOfAnotherSetupIsRefusedNamingWhatDiffers) {
  const auto files = files_of(id_);
  const ImageEmbedOptions features = eval_options().features;
  test::FakeMllm mllm;
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), &mllm);
  const fs::path state = dir_ / "stream.state";
  EXPECT_FALSE(load_checkpoint(state, stream_setup(scorer, features, 8, files), scorer).has_value());
  save_checkpoint(state, {stream_setup(scorer, features, 8, files), 8, 0, {}}, scorer);
  const auto refused = [&](OodScorer& other, size_t batch, const std::vector<std::string>& list) -> std::string {
    try {
      load_checkpoint(state, stream_setup(other, features, batch, list), other);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
      return e.what();
    }
    return "accepted";
  };
  EXPECT_NE(refused(scorer, 16, files).find("another batch size"), std::string::npos);
  EXPECT_NE(refused(scorer, 8, {files.begin(), files.end() - 1}).find("another list of inputs"), std::string::npos);
  ScorerOptions o = scorer_options();
  o.detector.mode = FusionMode::far_only;
  OodScorer far(*model_, demo_class_names(), o, &mllm);
  EXPECT_NE(refused(far, 8, files).find("another detector options"), std::string::npos);
  o = scorer_options();
  o.method = Method::neglabel;
  OodScorer nl(*model_, demo_class_names(), o, nullptr);
  EXPECT_NE(refused(nl, 8, files).find("another method"), std::string::npos);
  std::string bytes = core::read_file(state);
  core::write_file_atomic(state, bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(load_checkpoint(state, stream_setup(scorer, features, 8, files), scorer), Error);
  core::write_file_atomic(state, "not a state");
  EXPECT_THROW(load_checkpoint(state, stream_setup(scorer, features, 8, files), scorer), Error);
}


TEST_F(PipelineModel, StatelessMethodsCheckpointTheirPositionOnly) {
  ScorerOptions o = scorer_options();
  o.method = Method::mcm;
  OodScorer scorer(*model_, demo_class_names(), o, nullptr);
  const auto files = files_of(id_);
  const std::string setup = stream_setup(scorer, eval_options().features, 8, files);
  save_checkpoint(dir_ / "mcm.state", {setup, 16, 0, {}}, scorer);
  const auto at = load_checkpoint(dir_ / "mcm.state", setup, scorer);
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(at->consumed, 16u);
}

TEST_F(PipelineModel, ACheckpointOfVersion1ResumesLikeTheCurrentOne) {
  const auto files = ood_then_id_files();
  const ImageEmbedOptions features = eval_options().features;
  const auto all = embed_image_files(*model_, files, features);
  constexpr size_t kBatch = 8, kStop = 24;
  test::FakeMllm m1, m2, m3;
  OodScorer before(*model_, demo_class_names(), scorer_options(), &m1);
  score_from(before, {all.begin(), all.begin() + kStop}, 0, kBatch);
  const std::string setup = stream_setup(before, features, kBatch, files);
  const fs::path state = dir_ / "stream.state", old = dir_ / "old.state";
  save_checkpoint(state, {setup, kStop, 1234, {}}, before);
  core::write_file_atomic(old, version1_of("ANTSSTRM", core::read_file(state)));

  OodScorer from_new(*model_, demo_class_names(), scorer_options(), &m2);
  OodScorer from_old(*model_, demo_class_names(), scorer_options(), &m3);
  ASSERT_TRUE(load_checkpoint(state, stream_setup(from_new, features, kBatch, files), from_new));
  const auto at = load_checkpoint(old, stream_setup(from_old, features, kBatch, files), from_old);
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(at->consumed, kStop);
  EXPECT_EQ(at->output_bytes, 1234u);
  EXPECT_EQ(score_from(from_old, all, kStop, kBatch), score_from(from_new, all, kStop, kBatch));
}


TEST_F(PipelineModel, ACheckpointWithAFlippedByteIsAFormatErrorNamingTheFile) {
  const auto files = files_of(ood_);
  const ImageEmbedOptions features = eval_options().features;
  test::FakeMllm mllm;
  OodScorer scorer(*model_, demo_class_names(), scorer_options(), &mllm);
  score_from(scorer, embed_image_files(*model_, files, features), 0, 8);
  const fs::path state = dir_ / "stream.state";
  const std::string setup = stream_setup(scorer, features, 8, files);
  save_checkpoint(state, {setup, files.size(), 0, {}}, scorer);
  std::string bytes = core::read_file(state);
  bytes[bytes.size() - 16 - 100] ^= 0x01;  // inside the payload: the detector snapshot
  core::write_file_atomic(state, bytes);
  try {
    load_checkpoint(state, setup, scorer);
    ADD_FAILURE() << "a corrupt state file was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format);
    EXPECT_TRUE(std::string(e.what()).starts_with(state.string() + ": ")) << e.what();
  }
}


}  // namespace
}  // namespace ants
