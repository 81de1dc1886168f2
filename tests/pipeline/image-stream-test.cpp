// ImageStream: images pushed one call at a time form the same detector batches as a file list,
// and images held in memory score as their files do.
#include <gtest/gtest.h>

#include "stream-fixture.h"

namespace ants {
namespace {

using test::StreamFixture;

class ImageStreamTest : public StreamFixture {};

std::vector<float> scores_of(const std::vector<ScoredImage>& rows) {
  std::vector<float> out;
  for (const auto& r : rows) out.push_back(r.error.empty() ? r.score : -1.f);
  return out;
}

TEST_F(ImageStreamTest, PushedImagesFormTheBatchesOfTheFileStream) {
  test::FakeMllm m1, m2;
  auto a = scorer(m1), b = scorer(m2);
  std::vector<ScoredImage> by_file;
  FileStreamOptions o;
  o.batch = 8;
  o.embed = embed_options();
  run_file_stream(*model_, *a, files_, o, [&](const std::vector<ScoredImage>& rows) {
    by_file.insert(by_file.end(), rows.begin(), rows.end());
  });
  ImageStream stream(*model_, *b, 8, embed_options());
  std::vector<ScoredImage> pushed;
  for (size_t i = 0; i < files_.size(); i += 3) {  // requests of 3 images, across batch borders
    std::vector<ImageRef> refs;
    for (size_t j = i; j < std::min(files_.size(), i + 3); ++j) refs.push_back(ImageRef::file(files_[j]));
    const auto rows = stream.push(refs);
    EXPECT_EQ(rows.size() % 8, 0u);
    pushed.insert(pushed.end(), rows.begin(), rows.end());
  }
  EXPECT_EQ(stream.waiting(), files_.size() % 8);
  const auto rest = stream.flush();
  pushed.insert(pushed.end(), rest.begin(), rest.end());
  EXPECT_EQ(stream.waiting(), 0u);
  ASSERT_EQ(pushed.size(), by_file.size());
  EXPECT_EQ(scores_of(pushed), scores_of(by_file));
  EXPECT_EQ(m2.describe_files, m1.describe_files);  // the MLLM saw the same candidates
}

TEST_F(ImageStreamTest, ImagesHeldInMemoryScoreAsTheirFiles) {
  test::FakeMllm m1, m2;
  // The fake describes an image by its file name; memory images have none, so both answer alike.
  m1.describe_fn = m2.describe_fn = [](const std::filesystem::path&, const std::string&) {
    return std::optional<std::string>("a thing");
  };
  auto a = scorer(m1), b = scorer(m2);
  std::vector<ImageRef> files, memory;
  for (size_t i = 0; i < 16; ++i) {
    files.push_back(ImageRef::file(files_[i]));
    memory.push_back(ImageRef::memory(core::read_file(files_[i]), "upload-" + std::to_string(i)));
  }
  ImageEmbedOptions fresh = embed_options();
  fresh.cache.enabled = false;  // both decoded and encoded, not one read back from the other's cache
  const auto from_files = ImageStream(*model_, *a, 16, fresh).score_batch(files);
  const auto from_memory = ImageStream(*model_, *b, 16, fresh).score_batch(memory);
  EXPECT_EQ(scores_of(from_memory), scores_of(from_files));
  EXPECT_EQ(from_memory[3].file, "upload-3");
}

TEST_F(ImageStreamTest, AnUnreadableImageInMemoryIsAnErrorRowAndTheOthersAreScored) {
  test::FakeMllm mllm;
  auto s = scorer(mllm);
  const auto rows = ImageStream(*model_, *s, 8, embed_options())
                        .score_batch({ImageRef::memory("garbage", "upload.png"), ImageRef::file(files_[0])});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NE(rows[0].error.find("upload.png"), std::string::npos) << rows[0].error;
  EXPECT_TRUE(rows[1].error.empty()) << rows[1].error;
}

TEST_F(ImageStreamTest, EmbeddingStopsAtTheNextPassWhenCancelled) {
  EmbedReport report;
  int polls = 0;
  const auto out = embed_image_files(*model_, files_, embed_options(), {}, &report, [&] { return ++polls > 2; });
  ASSERT_EQ(out.size(), files_.size());
  EXPECT_TRUE(report.cancelled);
  EXPECT_TRUE(out[0].error.empty());
  EXPECT_NE(out.back().error.find("cancelled"), std::string::npos);
}

}  // namespace
}  // namespace ants
