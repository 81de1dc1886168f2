#include <ants/negatives.h>
#include <gtest/gtest.h>

#include "core/file-util.h"
#include "test-paths.h"
#include "test-util.h"

namespace ants {
namespace {

// A bank of `prompts` as encoded by the model (what the prompt cache stores).
TextBank embed_bank_prompts(const ClipModel& m, const std::vector<std::string>& prompts, const ProgressFn& progress = {},
                       int batch = 256) {
  return TextBank{prompts, m.encode_texts(prompts, batch, progress)};
}

const ClipModel& tiny_model() {
  static const auto model = ClipModel::load(test::tiny_model_dir(), ClipParams{Precision::fp32, 2});
  return *model;
}

std::vector<float> row(const TextBank& b, size_t i) { return {b.features.row(i), b.features.row(i) + b.features.dim}; }

TEST(EmbedPrompts, KeepsInputOrderAndReportsProgress) {
  std::vector<std::string> prompts;
  for (int i = 0; i < 40; ++i) prompts.push_back("The nice " + std::string(static_cast<size_t>(i % 7) + 1, 'a') + " thing " + std::to_string(i) + ".");
  std::vector<size_t> seen;
  const TextBank bank = embed_bank_prompts(tiny_model(), prompts, [&](size_t done, size_t total) {
    EXPECT_EQ(total, prompts.size());
    seen.push_back(done);
  }, 16);
  ASSERT_EQ(bank.size(), prompts.size());
  EXPECT_EQ(bank.prompts, prompts);
  EXPECT_EQ(bank.features.dim, tiny_model().info().embed_dim);
  EXPECT_EQ(seen, (std::vector<size_t>{16, 32, 40}));
  const FeatureMatrix ref = tiny_model().encode_texts(prompts);
  for (size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_NEAR(test::norm(row(bank, i)), 1.0, 1e-5);
    EXPECT_GE(test::cosine(row(bank, i), ref.row_vector(i)), 0.99999) << i;
  }
  EXPECT_THROW(embed_bank_prompts(tiny_model(), prompts, {}, 0), Error);
  EXPECT_EQ(embed_bank_prompts(tiny_model(), {}).size(), 0u);
}

TEST(NegativesFile, ReadsPromptsAsIsAndCachesThem) {
  const auto path = test::temp_dir() / "negatives.txt";
  core::write_file_atomic(path, "# fixed bank\nThe nice tench.\r\n\n   \nThis is a wooden photo.\t0.25\n  the nice  car\n");
  const CacheOptions cache{true, test::temp_dir() / "cache"};
  std::vector<std::string> warnings;
  const TextBank bank = read_negatives_file(tiny_model(), path, cache, {}, &warnings);
  EXPECT_EQ(bank.prompts, (std::vector<std::string>{"The nice tench.", "This is a wooden photo.", "  the nice  car"}));
  EXPECT_TRUE(warnings.empty());
  const TextBank direct = embed_bank_prompts(tiny_model(), bank.prompts);
  for (size_t i = 0; i < bank.size(); ++i) EXPECT_GE(test::cosine(row(bank, i), row(direct, i)), 0.99999);
  ASSERT_EQ(std::distance(std::filesystem::directory_iterator(cache.dir / "text-embeddings"), {}), 1);
  size_t calls = 0;
  const TextBank again = read_negatives_file(tiny_model(), path, cache, [&](size_t, size_t) { ++calls; }, &warnings);
  EXPECT_EQ(calls, 0u);  // served from the cache: nothing encoded
  EXPECT_EQ(again.prompts, bank.prompts);
  EXPECT_EQ(again.features.data, bank.features.data);
}

TEST(NegativesFile, ReleasedNegLabelListLoads) {
  const TextBank bank = read_negatives_file(tiny_model(), test::shared_dir() / "data/neglabel_selected_in1k_10k.txt",
                                            CacheOptions{false, {}});
  EXPECT_EQ(bank.size(), 10499u);
  EXPECT_EQ(bank.features.data.size(), bank.size() * static_cast<size_t>(bank.features.dim));
}

TEST(NegativesFile, EmptyOrMissingFileIsAnError) {
  const auto path = test::temp_dir() / "empty-negatives.txt";
  core::write_file_atomic(path, "# nothing\n\n");
  try {
    read_negatives_file(tiny_model(), path, CacheOptions{false, {}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format);
    EXPECT_NE(std::string(e.what()).find("empty-negatives.txt: no prompts"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_negatives_file(tiny_model(), "/nonexistent/neg.txt", CacheOptions{false, {}}), Error);
}

}  // namespace
}  // namespace ants
