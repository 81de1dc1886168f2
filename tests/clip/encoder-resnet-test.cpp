// The ModifiedResNet vision tower (OpenAI's RN50 family) against open_clip's own PyTorch model:
// tests/data/resnet-goldens.json, made by scripts/gen-resnet-goldens.py from the random rn-tiny
// model that ants writes (every kind of block: identity and downsample shortcuts, strided and
// unstrided stages, a 2x2 attention pool).
#include <gtest/gtest.h>

#include <ants/clip.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "clip/encoder.h"
#include "clip/model-weights.h"
#include "clip/safetensors.h"
#include "core/error.h"
#include "core/file-util.h"
#include "test-paths.h"
#include "test-util.h"

namespace ants::clip {
namespace {

using nlohmann::json;

json resnet_goldens() { return test::read_json(std::filesystem::path(ANTS_SOURCE_DIR) / "tests/data/resnet-goldens.json"); }

std::filesystem::path write_rn_tiny(uint64_t seed = 7) {
  const auto dir = test::temp_dir() / "rn-tiny";
  write_random_model(dir, {RandomArch::rn_tiny, "open_clip", TensorDtype::f32, seed});
  return dir;
}

// gen-resnet-goldens.py's pixels(i, size), in the same order of operations.
std::vector<float> golden_pixels(int i, int size) {
  std::vector<float> px(3 * static_cast<size_t>(size) * size);
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < size; ++y) {
      for (int x = 0; x < size; ++x) {
        const double v = 1.8 * std::sin(0.37 * x * (i + 1) + 0.23 * y + 1.3 * c + i) * std::cos(0.05 * (x - y) * (i + 2));
        px[(static_cast<size_t>(c) * size + y) * size + x] = static_cast<float>(v);
      }
    }
  }
  return px;
}

TEST(ResNetEncoder, TheRandomModelIsTheOneTheGoldensCameFrom) {
  const json g = resnet_goldens();
  SafetensorsFile st(write_rn_tiny() / "open_clip_model.safetensors");
  for (const auto& [name, sum] : g["tensor_sums"].items()) {
    const TensorView* t = st.find(name);
    ASSERT_NE(t, nullptr) << name;
    const std::vector<float> v = t->to_f32();
    double got = 0;
    for (float x : v) got += x;
    EXPECT_NEAR(got, sum.get<double>(), 1e-9 * (1 + std::fabs(sum.get<double>()))) << name << ": regenerate the goldens";
  }
}

TEST(ResNetEncoder, ImagesMatchOpenClip) {
  const json g = resnet_goldens();
  ModelWeights w = load_model_weights(write_rn_tiny(), DType::f32, nullptr);
  ASSERT_TRUE(w.vision.resnet);
  const int size = g["image_size"].get<int>(), D = w.info.embed_dim;
  std::vector<float> pixels;
  for (const auto& im : g["images"]) {
    auto px = golden_pixels(im["index"].get<int>(), size);
    pixels.insert(pixels.end(), px.begin(), px.end());
  }
  const size_t n = g["images"].size();
  Encoder enc(w);
  std::vector<float> batch(n * D), one(D);
  enc.encode_images(pixels.data(), static_cast<int>(n), batch.data());
  for (size_t i = 0; i < n; ++i) {
    const auto ref = g["images"][i]["embedding"].get<std::vector<float>>();
    const std::vector<float> got(batch.begin() + i * D, batch.begin() + (i + 1) * D);
    EXPECT_GE(test::cosine(got, ref), 0.99999) << "image " << i;
    EXPECT_NEAR(test::norm(got), 1.0, 1e-5);
    // The same image alone, bit for bit: an embedding never depends on its batch.
    enc.encode_images(pixels.data() + i * 3 * size * size, 1, one.data());
    EXPECT_EQ(one, got) << "image " << i << " alone";
  }
}

TEST(ResNetEncoder, TextMatchesOpenClip) {
  const json g = resnet_goldens();
  ModelWeights w = load_model_weights(write_rn_tiny(), DType::f32, nullptr);
  Encoder enc(w);
  std::vector<std::vector<int32_t>> ids;
  for (const auto& t : g["texts"]) ids.push_back(t["ids"].get<std::vector<int32_t>>());
  std::vector<float> out(ids.size() * w.info.embed_dim);
  enc.encode_tokens(ids, 49407, out.data());
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto ref = g["texts"][i]["embedding"].get<std::vector<float>>();
    const std::vector<float> got(out.begin() + i * w.info.embed_dim, out.begin() + (i + 1) * w.info.embed_dim);
    EXPECT_GE(test::cosine(got, ref), 0.99999) << g["texts"][i]["text"];
  }
}

// The raw projection output (what prompt ensembles average): open_clip's encode_text norms, and
// the public API's unnormalised rows are its unit rows times those norms.
TEST(ResNetEncoder, RawTextFeaturesHaveOpenClipsNorms) {
  const json g = resnet_goldens();
  const auto dir = write_rn_tiny();
  ModelWeights w = load_model_weights(dir, DType::f32, nullptr);
  Encoder enc(w);
  const int D = w.info.embed_dim;
  std::vector<std::vector<int32_t>> ids;
  for (const auto& t : g["texts"]) ids.push_back(t["ids"].get<std::vector<int32_t>>());
  std::vector<float> raw(ids.size() * D);
  enc.encode_tokens(ids, 49407, raw.data(), /*normalize=*/false);
  for (size_t i = 0; i < ids.size(); ++i) {
    double n = 0;
    for (int d = 0; d < D; ++d) n += static_cast<double>(raw[i * D + d]) * raw[i * D + d];
    EXPECT_NEAR(std::sqrt(n), g["texts"][i]["raw_norm"].get<double>(), 1e-4 * g["texts"][i]["raw_norm"].get<double>())
        << g["texts"][i]["text"];
  }
  ClipParams params = clip_default_params();
  params.precision = Precision::fp32;
  auto model = ClipModel::load(dir, params);
  std::vector<std::string> texts;
  for (const auto& t : g["texts"]) texts.push_back(t["text"]);
  const FeatureMatrix unit = model->encode_texts(texts, 3), rows = model->encode_texts_unnormalized(texts, 3);
  for (size_t i = 0; i < texts.size(); ++i) {
    const double norm = g["texts"][i]["raw_norm"].get<double>();
    for (int d = 0; d < D; ++d) EXPECT_NEAR(rows.row(i)[d], unit.row(i)[d] * norm, 1e-4 * norm) << texts[i];
  }
}

TEST(ResNetEncoder, LoaderDescribesTheTower) {
  std::vector<std::string> warnings;
  ModelWeights w = load_model_weights(write_rn_tiny(), DType::f32, &warnings);
  EXPECT_TRUE(warnings.empty()) << warnings.front();  // num_batches_tracked is a known buffer
  EXPECT_EQ(w.info.vision_arch, "modified_resnet");
  EXPECT_EQ(w.info.vision_stages, (std::vector<int>{2, 1, 1, 1}));
  EXPECT_EQ(w.info.vision.width, 16);
  EXPECT_EQ(w.info.vision.heads, 8);  // 32 * width / head_width 64
  EXPECT_EQ(w.info.image_size, 64);
  EXPECT_EQ(w.info.embed_dim, 32);
  EXPECT_EQ(w.info.patch_size, 0);
  // Parameters as PyTorch counts them: BatchNorm running statistics are buffers.
  int64_t stats = 0;
  SafetensorsFile st(w.info.weights_file);
  for (const auto& [name, t] : st.tensors()) {
    if (name.ends_with(".running_mean") || name.ends_with(".running_var")) stats += t.numel();
  }
  EXPECT_GT(stats, 0);
  EXPECT_EQ(w.info.n_params + stats + 1, [&] {  // + 1: logit_scale is a parameter ants does not use
    int64_t all = 0;
    for (const auto& [name, t] : st.tensors()) {
      if (!name.ends_with("num_batches_tracked")) all += t.numel();
    }
    return all;
  }());
  // Stage 1's first block has a downsample (16 -> 64 channels), its second does not; stages 2-4 stride 2.
  ASSERT_EQ(w.vision.resnet->blocks.size(), 5u);
  EXPECT_GT(w.vision.resnet->blocks[0].down.in(), 0);
  EXPECT_EQ(w.vision.resnet->blocks[1].down.in(), 0);
  EXPECT_EQ(w.vision.resnet->blocks[2].stride, 2);
}

TEST(ResNetEncoder, ConfigThatDisagreesWithTheWeightsIsRefused) {
  const auto dir = write_rn_tiny();
  const auto cfg = dir / "open_clip_config.json";
  json j = test::read_json(cfg);
  j["model_cfg"]["vision_cfg"]["layers"] = {2, 1, 1, 2};
  core::write_file_atomic(cfg, j.dump());
  try {
    load_model_weights(dir, DType::f32, nullptr);
    FAIL() << "loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("visual.layer4."), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("open_clip_config.json"), std::string::npos) << e.what();
  }
  j["model_cfg"]["vision_cfg"]["layers"] = {2, 1, 1};
  core::write_file_atomic(cfg, j.dump());
  EXPECT_THROW(load_model_weights(dir, DType::f32, nullptr), Error);
}

TEST(ResNetEncoder, HuggingFaceLayoutHasNoResNet) {
  EXPECT_THROW(write_random_model(test::temp_dir() / "x", {RandomArch::rn_tiny, "hf", TensorDtype::f32, 7}), Error);
}

}  // namespace
}  // namespace ants::clip
