// The public API end to end (file -> decode -> preprocess -> embedding; text -> tokens ->
// embedding) against every image and text of the shared PyTorch reference.
#include <ants/clip.h>
#include <ants/embed.h>
#include <gtest/gtest.h>

#include "core/cpu.h"
#include "test-paths.h"
#include "test-util.h"

namespace ants {
namespace {

using nlohmann::json;


std::unique_ptr<ClipModel> load(Precision p) {
  ClipParams params = clip_default_params();
  params.precision = p;
  return ClipModel::load(test::tiny_model_dir(), params);
}

TEST(ClipModel, EveryReferenceImageFromFile) {
  const json e = test::tiny_expected();
  auto model = load(Precision::fp32);
  std::vector<std::string> files;
  for (const auto& im : e["images"]) files.push_back((test::shared_dir() / "testdata/clip-tiny" / im["file"].get<std::string>()).string());
  ImageEmbedOptions options;
  options.infer_batch = 3;  // several batches, the last one partial
  options.preprocess = model->preprocess_params();
  options.cache.enabled = false;
  const auto results = embed_image_files(*model, files, options);
  ASSERT_EQ(results.size(), files.size());
  for (size_t i = 0; i < results.size(); ++i) {
    const ImageEmbedding& r = results[i];
    ASSERT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.file, files[i]);
    const bool jpeg = r.file.ends_with(".jpg");
    const double min_cos = e["tolerance"][jpeg ? "jpeg_cosine_min" : "png_cosine_min"].get<double>();
    EXPECT_GE(test::cosine(r.embedding, e["images"][i]["embedding"].get<std::vector<float>>()), min_cos) << r.file;
  }
}

TEST(ClipModel, EveryReferenceTextFromString) {
  const json e = test::tiny_expected();
  auto model = load(Precision::fp32);
  std::vector<std::string> texts;
  for (const auto& t : e["texts"]) texts.push_back(t["text"]);
  const FeatureMatrix out = model->encode_texts(texts, 4);
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<float> got = out.row_vector(i);
    EXPECT_GE(test::cosine(got, e["texts"][i]["embedding"].get<std::vector<float>>()), e["tolerance"]["text_cosine_min"].get<double>())
        << texts[i];
  }
}

// On a CPU without AVX-512 oneDNN has no bf16 kernels: asking for bf16 is a clear error.
TEST(ClipModel, Bf16WithoutKernelsIsAClearError) {
  if (core::cpu_has_bf16_compute()) GTEST_SKIP() << "this CPU runs bf16";
  try {
    load(Precision::bf16);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("precision bf16"), std::string::npos) << e.what();
  }
}

TEST(ClipModel, Bf16IsCloseToFp32) {
  if (!core::cpu_has_bf16_compute()) GTEST_SKIP() << "no bf16 kernels on this CPU (no AVX-512)";
  auto fp32 = load(Precision::fp32), bf16 = load(Precision::bf16);
  const std::vector<std::string> texts = {"a photo of a cat.", "The nice goldfish.", "an unidentified object"};
  EXPECT_GE(test::cosine(fp32->encode_texts(texts).data, bf16->encode_texts(texts).data), 0.999);
}

TEST(ClipModel, TooLongTextIsTruncatedNotRejected) {
  auto model = load(Precision::fp32);
  std::string text;
  for (int i = 0; i < 100; ++i) text += "word ";
  EXPECT_EQ(model->tokenizer().encode(text).size(), 77u);
  EXPECT_EQ(model->encode_texts({text}).data.size(), static_cast<size_t>(model->info().embed_dim));
}

TEST(ClipModel, BadTokenIdsAreRejected) {
  auto model = load(Precision::fp32);
  std::vector<float> out(static_cast<size_t>(model->info().embed_dim));
  EXPECT_THROW(model->encode_tokens({{49406, 60000, 49407}}, out.data()), Error);
  EXPECT_THROW(model->encode_tokens({{}}, out.data()), Error);
}

}  // namespace
}  // namespace ants
