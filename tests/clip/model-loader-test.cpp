// Loading both checkpoint layouts and all tensor dtypes, and rejecting corrupted files with a
// one-line error that names the file and the cause (run under ASan in CI: no crash, no OOB read).
#include <ants/error.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/cpu.h"
#include "clip/encoder.h"
#include "clip/model-weights.h"
#include "core/file-util.h"
#include "test-paths.h"
#include "test-util.h"

namespace ants::clip {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A safetensors file split into its header JSON and data buffer, to corrupt and re-join.
struct RawSafetensors {
  json header;
  std::string data;

  static RawSafetensors read(const fs::path& p) {
    std::string all = core::read_file(p);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(all[static_cast<size_t>(i)]);
    return {json::parse(all.substr(8, n)), all.substr(8 + n)};
  }
  std::string bytes(std::string header_text = "") const {
    if (header_text.empty()) header_text = header.dump();
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((header_text.size() >> (8 * i)) & 0xff);
    return out + header_text + data;
  }
};

class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir();
    for (const char* f : {"config.json", "model.safetensors"}) fs::copy_file(test::tiny_model_dir() / f, dir_ / f);
    raw_ = RawSafetensors::read(dir_ / "model.safetensors");
  }
  void write_weights(const std::string& bytes) { core::write_file_atomic(dir_ / "model.safetensors", bytes); }
  // Loading must fail with ants::Error whose one-line message names `file` and contains `cause`.
  void expect_error(const std::string& file, const std::string& cause) {
    try {
      load_model_weights(dir_, DType::f32, nullptr);
      ADD_FAILURE() << "loaded a corrupted model (expected: " << cause << ")";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(file), std::string::npos) << msg;
      EXPECT_NE(msg.find(cause), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
  }
  std::string weights_file() const { return (dir_ / "model.safetensors").string(); }

  fs::path dir_;
  RawSafetensors raw_;
};

TEST_F(LoaderTest, ReadsTinyHfModel) {
  ModelWeights w = load_model_weights(dir_, DType::f32, nullptr);
  EXPECT_EQ(w.info.layout, "hf");
  EXPECT_EQ(w.info.weights_dtype, "F32");
  EXPECT_EQ(w.info.embed_dim, 24);
  EXPECT_EQ(w.info.image_size, 32);
  EXPECT_EQ(w.info.patch_size, 8);
  EXPECT_EQ(w.info.context_length, 77);
  EXPECT_EQ(w.info.vision.width, 64);
  EXPECT_EQ(w.info.vision.heads, 4);
  EXPECT_EQ(w.info.vision.mlp_width, 256);
  EXPECT_EQ(w.info.text.width, 32);
  EXPECT_EQ(w.info.text.layers, 2);
  EXPECT_EQ(w.info.vision.act, "quick_gelu");
  const json e = test::tiny_expected();
  EXPECT_NEAR(w.info.logit_scale, e["logit_scale_exp"].get<double>(), 1e-3);
}

TEST_F(LoaderTest, TruncatedFile) {
  write_weights(raw_.bytes().substr(0, raw_.bytes().size() - 1000));
  expect_error(weights_file(), "outside the data");
}

TEST_F(LoaderTest, FileShorterThanHeaderLength) {
  write_weights("\x10\x00\x00");
  expect_error(weights_file(), "too short");
}

TEST_F(LoaderTest, HeaderLargerThanFile) {
  std::string b = raw_.bytes();
  b[6] = 0x7f;  // header length ~2^55
  write_weights(b);
  expect_error(weights_file(), "larger than the file");
}

// The header is read into memory whole, so its length is capped (100 MiB; a CLIP header is a few
// tens of KB). A sparse file makes the over-long header without writing 100 MiB.
TEST_F(LoaderTest, HeaderOverTheCapIsRefusedBeforeItIsRead) {
  const uint64_t n = (100ull << 20) + 1;
  std::string b(8, '\0');
  for (int i = 0; i < 8; ++i) b[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  write_weights(b);
  fs::resize_file(weights_file(), 8 + n + 16);
  expect_error(weights_file(), "implausibly large");
}

TEST_F(LoaderTest, HeaderNotJson) {
  write_weights(raw_.bytes("{\"a\": [1, 2"));
  expect_error(weights_file(), "not a valid JSON");
}

TEST_F(LoaderTest, MissingTensor) {
  raw_.header.erase("text_model.final_layer_norm.bias");
  write_weights(raw_.bytes());
  expect_error(weights_file(), "missing tensor 'text_model.final_layer_norm.bias'");
}

TEST_F(LoaderTest, WrongShape) {
  auto& t = raw_.header["vision_model.encoder.layers.1.mlp.fc2.weight"];
  t["shape"] = {256, 64};  // transposed: same byte count, wrong layout
  write_weights(raw_.bytes());
  expect_error(weights_file(), "'vision_model.encoder.layers.1.mlp.fc2.weight' has shape [256,64], expected [64,256]");
}

TEST_F(LoaderTest, UnsupportedDtype) {
  raw_.header["text_model.encoder.layers.0.layer_norm1.weight"]["dtype"] = "I32";
  write_weights(raw_.bytes());
  expect_error(weights_file(), "unsupported dtype I32");
}

TEST_F(LoaderTest, ByteSizeDisagreesWithShape) {
  raw_.header["logit_scale"]["dtype"] = "F64";  // 4 bytes of data, F64 needs 8
  write_weights(raw_.bytes());
  expect_error(weights_file(), "shape and dtype need 8");
}

TEST_F(LoaderTest, OverlappingTensors) {
  auto& a = raw_.header["text_model.final_layer_norm.weight"];
  auto& b = raw_.header["text_model.final_layer_norm.bias"];
  b["data_offsets"] = a["data_offsets"];
  write_weights(raw_.bytes());
  expect_error(weights_file(), "overlap");
}

TEST_F(LoaderTest, DuplicateTensorName) {
  std::string text = raw_.header.dump();
  const std::string entry = "\"logit_scale\":" + raw_.header["logit_scale"].dump();
  text.insert(1, entry + ",");
  write_weights(raw_.bytes(text));
  expect_error(weights_file(), "duplicate tensor 'logit_scale'");
}

TEST_F(LoaderTest, OffsetsBeginAfterEnd) {
  auto& off = raw_.header["text_model.final_layer_norm.bias"]["data_offsets"];
  off = {off[1].get<uint64_t>(), off[0].get<uint64_t>()};
  write_weights(raw_.bytes());
  expect_error(weights_file(), "begin after end");
}

TEST_F(LoaderTest, InconsistentConfig) {
  json cfg = test::read_json(dir_ / "config.json");
  cfg["vision_config"]["hidden_size"] = 128;
  core::write_file_atomic(dir_ / "config.json", cfg.dump());
  expect_error((dir_ / "config.json").string(), "inconsistent config: vision width is 128 but the weights have 64");
}

TEST_F(LoaderTest, HeadsMustDivideWidth) {
  json cfg = test::read_json(dir_ / "config.json");
  cfg["text_config"]["num_attention_heads"] = 3;
  core::write_file_atomic(dir_ / "config.json", cfg.dump());
  expect_error((dir_ / "config.json").string(), "not divisible by 3 heads");
}

TEST_F(LoaderTest, ConfigNotJson) {
  core::write_file_atomic(dir_ / "config.json", "{\"model_type\": ");
  expect_error((dir_ / "config.json").string(), "not a valid JSON object");
}

TEST_F(LoaderTest, UnsupportedActivation) {
  json cfg = test::read_json(dir_ / "config.json");
  cfg["vision_config"]["hidden_act"] = "relu";
  core::write_file_atomic(dir_ / "config.json", cfg.dump());
  expect_error((dir_ / "config.json").string(), "hidden_act 'relu' is not supported");
}

TEST_F(LoaderTest, NoModelInDirectory) {
  fs::remove(dir_ / "model.safetensors");
  expect_error(dir_.string(), "no model found");
}

// A weight that is NaN or Inf would make every embedding NaN: refused by name. A buffer that
// holds -inf by design (a causal attn_mask) is not a weight and is not checked.
TEST_F(LoaderTest, NonFiniteWeightsAreRefusedByName) {
  const std::string name = "vision_model.encoder.layers.0.mlp.fc1.bias";
  const uint64_t at = raw_.header[name]["data_offsets"][0].get<uint64_t>() + 4 * 3;  // element 3 (F32)
  for (const float bad : {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity()}) {
    RawSafetensors r = raw_;
    std::memcpy(r.data.data() + at, &bad, 4);
    write_weights(r.bytes());
    expect_error(weights_file(), "tensor '" + name + "' holds " + (std::isnan(bad) ? "NaN" : "Inf") + " (element 3)");
  }
  RawSafetensors r = raw_;
  const uint64_t end = r.data.size();
  const float minus_inf = -std::numeric_limits<float>::infinity();
  r.data.append(reinterpret_cast<const char*>(&minus_inf), 4);
  r.header["text_model.attn_mask"] = {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {end, end + 4}}};
  write_weights(r.bytes());
  EXPECT_NO_THROW(load_model_weights(dir_, DType::f32, nullptr));
}

TEST_F(LoaderTest, UnknownTensorIsIgnoredWithWarning) {
  const uint64_t end = raw_.data.size();
  raw_.data.append(12, '\0');
  raw_.header["text_model.extra_buffer"] = {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {end, end + 4}}};
  raw_.header["text_model.embeddings.position_ids"] = {{"dtype", "I64"}, {"shape", {1}}, {"data_offsets", {end + 4, end + 12}}};
  write_weights(raw_.bytes());
  std::vector<std::string> warnings;
  load_model_weights(dir_, DType::f32, &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("text_model.extra_buffer"), std::string::npos);
}

// Embeddings of a model, for fixed token ids and pixels.
std::vector<float> embed_fixed_inputs(const fs::path& dir, DType dtype) {
  ModelWeights w = load_model_weights(dir, dtype, nullptr);
  Encoder enc(w);
  const int D = w.info.embed_dim, S = w.info.image_size;
  std::vector<float> px(3 * S * S);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<float>((i * 37) % 101) / 50.f - 1.f;
  std::vector<float> out(2 * D);
  enc.encode_images(px.data(), 1, out.data());
  enc.encode_tokens({{49406, 320, 1125, 539, 320, 2368, 49407}}, 49407, out.data() + D);
  return out;
}

TEST(RandomModel, OpenClipLayoutEqualsHfLayout) {
  const fs::path dir = test::temp_dir();
  RandomModelParams p;
  p.seed = 7;
  write_random_model(dir / "hf", p);
  p.layout = "open_clip";
  write_random_model(dir / "oc", p);
  ASSERT_TRUE(fs::exists(dir / "oc/open_clip_model.safetensors"));
  ModelWeights oc = load_model_weights(dir / "oc", DType::f32, nullptr);
  EXPECT_EQ(oc.info.layout, "open_clip");
  EXPECT_EQ(oc.info.vision.heads, 4);
  auto a = embed_fixed_inputs(dir / "hf", DType::f32), b = embed_fixed_inputs(dir / "oc", DType::f32);
  EXPECT_GE(test::cosine(a, b), 0.999999);
}

TEST(RandomModel, HalfPrecisionFilesLoad) {
  const fs::path dir = test::temp_dir();
  RandomModelParams p;
  p.seed = 3;
  write_random_model(dir / "f32", p);
  p.dtype = TensorDtype::f16;
  write_random_model(dir / "f16", p);
  p.dtype = TensorDtype::bf16;
  write_random_model(dir / "bf16", p);
  EXPECT_EQ(load_model_weights(dir / "f16", DType::f32, nullptr).info.weights_dtype, "F16");
  auto ref = embed_fixed_inputs(dir / "f32", DType::f32);
  EXPECT_GE(test::cosine(ref, embed_fixed_inputs(dir / "f16", DType::f32)), 0.9999);
  EXPECT_GE(test::cosine(ref, embed_fixed_inputs(dir / "bf16", DType::f32)), 0.999);
}

TEST(RandomModel, Bf16ComputeIsCloseToFp32) {
  if (!core::cpu_has_bf16_compute()) GTEST_SKIP() << "no bf16 kernels on this CPU (no AVX-512)";
  const fs::path dir = test::temp_dir();
  write_random_model(dir, RandomModelParams{});
  EXPECT_GE(test::cosine(embed_fixed_inputs(dir, DType::f32), embed_fixed_inputs(dir, DType::bf16)), 0.999);
}

}  // namespace
}  // namespace ants::clip
