// Parity of the vision and text towers with the independent PyTorch reference in
// ../shared/testdata/clip-tiny/expected.json, fed the reference's own token ids and pixels so
// that a failure here points at the transformer, not the tokenizer or the image pipeline.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/cpu.h"
#include "clip/encoder.h"
#include "clip/model-weights.h"
#include "test-paths.h"
#include "test-util.h"

namespace ants::clip {
namespace {

using nlohmann::json;

class EncoderParity : public ::testing::TestWithParam<DType> {
 protected:
  void SetUp() override {
    if (GetParam() == DType::bf16 && !core::cpu_has_bf16_compute()) GTEST_SKIP() << "no bf16 kernels on this CPU (no AVX-512)";
  }
};

TEST_P(EncoderParity, TextMatchesReference) {
  const json e = test::tiny_expected();
  ModelWeights w = load_model_weights(test::tiny_model_dir(), GetParam(), nullptr);
  Encoder enc(w);
  const double min_cos = GetParam() == DType::f32 ? e["tolerance"]["text_cosine_min"].get<double>() : 0.999;
  std::vector<std::vector<int32_t>> ids;
  for (const auto& t : e["texts"]) ids.push_back(t["ids_in_context"].get<std::vector<int32_t>>());
  std::vector<float> out(ids.size() * w.info.embed_dim);
  enc.encode_tokens(ids, 49407, out.data());  // one batch of mixed lengths
  for (size_t i = 0; i < ids.size(); ++i) {
    auto ref = e["texts"][i]["embedding"].get<std::vector<float>>();
    std::vector<float> got(out.begin() + i * w.info.embed_dim, out.begin() + (i + 1) * w.info.embed_dim);
    EXPECT_GE(test::cosine(got, ref), min_cos) << e["texts"][i]["text"];
    EXPECT_NEAR(test::norm(got), 1.0, 1e-5);
  }
}

TEST_P(EncoderParity, ImagesMatchReference) {
  const json e = test::tiny_expected();
  ModelWeights w = load_model_weights(test::tiny_model_dir(), GetParam(), nullptr);
  Encoder enc(w);
  const double min_cos = GetParam() == DType::f32 ? e["tolerance"]["pixels_cosine_min"].get<double>() : 0.999;
  const size_t n = e["images"].size(), per = 3 * 32 * 32;
  std::vector<float> pixels;
  for (const auto& im : e["images"]) {
    auto px = test::read_f32(test::shared_dir() / "testdata/clip-tiny" / im["pixels_file"].get<std::string>());
    ASSERT_EQ(px.size(), per);
    pixels.insert(pixels.end(), px.begin(), px.end());
  }
  std::vector<float> out(n * w.info.embed_dim);
  enc.encode_images(pixels.data(), static_cast<int>(n), out.data());
  for (size_t i = 0; i < n; ++i) {
    auto ref = e["images"][i]["embedding"].get<std::vector<float>>();
    std::vector<float> got(out.begin() + i * w.info.embed_dim, out.begin() + (i + 1) * w.info.embed_dim);
    EXPECT_GE(test::cosine(got, ref), min_cos) << e["images"][i]["file"];
  }
}

TEST_P(EncoderParity, BatchingDoesNotChangeResults) {
  ModelWeights w = load_model_weights(test::tiny_model_dir(), GetParam(), nullptr);
  Encoder enc(w);
  std::vector<std::vector<int32_t>> ids = {{49406, 320, 49407}, {49406, 320, 1125, 539, 320, 2368, 269, 49407}};
  std::vector<float> both(2 * w.info.embed_dim), one(w.info.embed_dim);
  enc.encode_tokens(ids, 49407, both.data());
  enc.encode_tokens({ids[0]}, 49407, one.data());
  // The short text alone runs 3 positions, in the batch 8: the causal mask must make it equal.
  EXPECT_GE(test::cosine(one, std::vector<float>(both.begin(), both.begin() + w.info.embed_dim)), 0.99999);
}

INSTANTIATE_TEST_SUITE_P(Precisions, EncoderParity, ::testing::Values(DType::f32, DType::bf16),
                         [](const auto& p) { return p.param == DType::f32 ? "fp32" : "bf16"; });

}  // namespace
}  // namespace ants::clip
