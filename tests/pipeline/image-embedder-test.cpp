// Cached image embeddings: equal to fresh ones, bad files keep their error, damaged entries recomputed.
#include <ants/pipeline.h>
#include <gtest/gtest.h>

#include "pipeline-fixture.h"

namespace ants {
namespace {

namespace fs = std::filesystem;

TEST_F(PipelineModel, CachedEmbeddingsEqualFreshOnesAndBadFilesKeepTheirError) {
  std::vector<std::string> files{id_[0].file, ood_.back().file, id_[1].file};
  ImageEmbedOptions o = eval_options().features;
  EmbedReport first_report, again_report, other_report;
  const auto first = embed_image_files(*model_, files, o, {}, &first_report);
  EXPECT_EQ(first_report.cache_hits, 0u);
  const auto again = embed_image_files(*model_, files, o, {}, &again_report);
  EXPECT_EQ(again_report.cache_hits, 2u);
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again[0].embedding, first[0].embedding);
  EXPECT_EQ(again[2].embedding, first[2].embedding);
  EXPECT_NE(again[0].embedding, again[2].embedding);
  EXPECT_NE(again[1].error.find("broken.png"), std::string::npos);
  o.preprocess_name = "clip";  // another preprocessing is another key
  embed_image_files(*model_, files, o, {}, &other_report);
  EXPECT_EQ(other_report.cache_hits, 0u);
}


TEST_F(PipelineModel, ACorruptImageCacheEntryIsRecomputedAndRewritten) {
  const std::vector<std::string> files{id_[0].file, id_[1].file};
  const ImageEmbedOptions o = eval_options().features;
  const auto first = embed_image_files(*model_, files, o);
  const fs::path entry = fs::directory_iterator(dir_ / "cache" / "image-embeddings")->path();
  std::string bytes = core::read_file(entry);
  bytes[bytes.size() - 16 - 3] ^= 0x01;  // inside the embedding, just before the checksum
  core::write_file_atomic(entry, bytes);
  EmbedReport again_report, third_report;
  const auto again = embed_image_files(*model_, files, o, {}, &again_report);
  EXPECT_EQ(again_report.cache_hits, 1u);
  EXPECT_EQ(again_report.warnings.size(), 1u);  // the damaged entry is named, then recomputed
  for (size_t i = 0; i < files.size(); ++i) EXPECT_EQ(again[i].embedding, first[i].embedding) << i;
  embed_image_files(*model_, files, o, {}, &third_report);
  EXPECT_EQ(third_report.cache_hits, 2u);
}


// A cache that cannot be written warns once per image: the first 20 say why, one line counts
// the rest, and every image is still embedded.
TEST_F(PipelineModel, CacheWarningsAreCappedAndEveryImageIsStillEmbedded) {
  ImageEmbedOptions o = eval_options().features;
  o.cache.dir = dir_ / "not-a-directory";
  core::write_file_atomic(o.cache.dir, "a file where the cache directory should be");
  const auto files = ood_then_id_files();
  ASSERT_GT(files.size(), 21u);
  EmbedReport report;
  const auto out = embed_image_files(*model_, files, o, {}, &report);
  size_t embedded = 0;
  for (const auto& r : out) embedded += r.error.empty();
  EXPECT_EQ(embedded, files.size() - 1);  // all but broken.png
  ASSERT_EQ(report.warnings.size(), 21u);
  EXPECT_NE(report.warnings.back().find("more image-cache warnings"), std::string::npos) << report.warnings.back();
}

// An image whose preprocessing fails leaves no trace in its batch: the next ones keep their own rows.
TEST_F(PipelineModel, AnImageThatFailsPreprocessingDoesNotShiftTheOthers) {
  const ImageEmbedOptions o = eval_options().features;
  const auto alone = embed_image_files(*model_, {id_[0].file, id_[1].file}, o);
  const auto got = embed_images(*model_, {ImageRef::decoded(ImageRGB8{}, "empty"), ImageRef::file(id_[0].file),
                                          ImageRef::file(id_[1].file)}, o);
  EXPECT_EQ(got[0].error.rfind("empty: ", 0), 0u) << got[0].error;
  EXPECT_EQ(got[1].embedding, alone[0].embedding);
  EXPECT_EQ(got[2].embedding, alone[1].embedding);
}

// Pixels handed over as an array embed as the file they were decoded from (no second decode).
TEST_F(PipelineModel, DecodedPixelsEmbedAsTheirFile) {
  const ImageEmbedOptions o = eval_options().features;
  const std::string file = id_[0].file;
  const ImageRef pixels = ImageRef::decoded(decode_image_file(file), "array 0");
  const auto got = embed_images(*model_, {pixels, ImageRef::file(file)}, o);
  ASSERT_TRUE(got[0].error.empty()) << got[0].error;
  EXPECT_EQ(got[0].file, "array 0");
  EXPECT_EQ(got[0].embedding, got[1].embedding);
  EmbedReport again;
  EXPECT_EQ(embed_images(*model_, {pixels}, o, {}, &again)[0].embedding, got[0].embedding);
  EXPECT_EQ(again.cache_hits, 1u);  // cached under the pixels' own identity
}

// A limit on pixels turns larger images (files or arrays) into error rows; the rest are embedded.
TEST_F(PipelineModel, ImagesOverMaxPixelsAreErrorRows) {
  ImageEmbedOptions o = eval_options().features;
  o.cache.enabled = false;
  const ImageRGB8 pixels = decode_image_file(id_[0].file);
  o.max_pixels = static_cast<uint64_t>(pixels.width) * static_cast<uint64_t>(pixels.height) - 1;
  const auto got = embed_images(*model_, {ImageRef::file(id_[0].file), ImageRef::decoded(pixels, "array 0")}, o);
  for (const auto& r : got) EXPECT_NE(r.error.find("--max-pixels"), std::string::npos) << r.error;
  o.max_pixels += 1;
  for (const auto& r : embed_images(*model_, {ImageRef::file(id_[0].file), ImageRef::decoded(pixels, "array 0")}, o))
    EXPECT_TRUE(r.error.empty()) << r.error;
}

}  // namespace
}  // namespace ants
