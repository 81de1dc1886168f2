#include "clip/model-config.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file-util.h"

namespace ants::clip {

using core::fail;
using nlohmann::json;

namespace {

// Reads an optional positive integer; a present key of the wrong type is an error.
std::optional<int> opt_int(const json& obj, const char* key, const std::string& where) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return std::nullopt;
  const json& v = obj[key];
  if (!v.is_number_integer() || v.get<int64_t>() <= 0 || v.get<int64_t>() > (1 << 24)) {
    fail(ErrorCode::format, where, std::string("'") + key + "' must be a positive integer");
  }
  return v.get<int>();
}

std::string normalise_act(const std::string& act, const std::string& where) {
  if (act == "quick_gelu") return act;
  if (act == "gelu") return act;
  if (act == "gelu_new" || act == "gelu_pytorch_tanh" || act == "gelu_fast") return "gelu_tanh";
  fail(ErrorCode::unsupported, where, "hidden_act '" + act + "' is not supported");
}

std::array<float, 3> read_triple(const json& v, const char* key, const std::string& where) {
  if (!v.is_array() || v.size() != 3) fail(ErrorCode::format, where, std::string("'") + key + "' must be 3 numbers");
  std::array<float, 3> out{};
  for (size_t i = 0; i < 3; ++i) {
    if (!v[i].is_number()) fail(ErrorCode::format, where, std::string("'") + key + "' must be 3 numbers");
    out[i] = v[i].get<float>();
  }
  return out;
}

// A ModifiedResNet's blocks per stage: four positive integers.
std::vector<int> read_stages(const json& v, const std::string& where) {
  std::vector<int> out;
  for (const json& x : v) {
    if (!x.is_number_integer() || x.get<int64_t>() <= 0 || x.get<int64_t>() > 4096) break;
    out.push_back(x.get<int>());
  }
  if (out.size() != 4 || v.size() != 4) fail(ErrorCode::format, where, "vision_cfg 'layers' must be a number or 4 positive integers (a ResNet)");
  return out;
}

json parse_json_file(const std::filesystem::path& path) {
  json j = json::parse(core::read_file(path), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) fail(ErrorCode::format, path.string(), "not a valid JSON object");
  return j;
}

void read_hf_tower(const json& cfg, const std::string& where, TowerHints* t) {
  t->width = opt_int(cfg, "hidden_size", where);
  t->layers = opt_int(cfg, "num_hidden_layers", where);
  t->heads = opt_int(cfg, "num_attention_heads", where);
  t->mlp_width = opt_int(cfg, "intermediate_size", where);
  if (cfg.contains("hidden_act")) {
    if (!cfg["hidden_act"].is_string()) fail(ErrorCode::format, where, "'hidden_act' must be a string");
    t->act = normalise_act(cfg["hidden_act"].get<std::string>(), where);
  }
  if (cfg.contains("layer_norm_eps") && cfg["layer_norm_eps"].is_number()) t->ln_eps = cfg["layer_norm_eps"].get<double>();
}

ConfigHints read_hf(const ModelFiles& files) {
  const std::string where = files.config.string();
  json j = parse_json_file(files.config);
  const bool is_clip = j.value("model_type", std::string()) == "clip" ||
                       (j.contains("architectures") && j["architectures"].dump().find("CLIP") != std::string::npos);
  if (!is_clip) fail(ErrorCode::unsupported, where, "not a CLIP config (model_type 'clip' / CLIPModel expected)");
  ConfigHints h;
  const json vision = j.value("vision_config", json::object());
  const json text = j.value("text_config", json::object());
  read_hf_tower(vision, where, &h.vision);
  read_hf_tower(text, where, &h.text);
  h.embed_dim = opt_int(j, "projection_dim", where);
  h.image_size = opt_int(vision, "image_size", where);
  h.patch_size = opt_int(vision, "patch_size", where);
  h.context_length = opt_int(text, "max_position_embeddings", where);
  h.vocab_size = opt_int(text, "vocab_size", where);
  // Optional preprocessor_config.json carries the normalisation constants.
  auto pre = files.dir / "preprocessor_config.json";
  if (std::filesystem::exists(pre)) {
    json p = parse_json_file(pre);
    if (p.contains("image_mean")) h.mean = read_triple(p["image_mean"], "image_mean", pre.string());
    if (p.contains("image_std")) h.std = read_triple(p["image_std"], "image_std", pre.string());
  }
  return h;
}

ConfigHints read_open_clip(const ModelFiles& files) {
  const std::string where = files.config.string();
  json j = parse_json_file(files.config);
  const json cfg = j.contains("model_cfg") ? j["model_cfg"] : j;
  if (!cfg.is_object()) fail(ErrorCode::format, where, "'model_cfg' must be an object");
  const json vision = cfg.value("vision_cfg", json::object());
  const json text = cfg.value("text_cfg", json::object());
  if (vision.contains("timm_model_name")) fail(ErrorCode::unsupported, where, "timm vision towers are not supported");
  if (text.contains("hf_model_name")) fail(ErrorCode::unsupported, where, "Hugging Face text towers are not supported");
  ConfigHints h;
  h.vision.width = opt_int(vision, "width", where);
  if (vision.contains("layers") && vision["layers"].is_array()) {
    h.resnet_layers = read_stages(vision["layers"], where);
  } else {
    h.vision.layers = opt_int(vision, "layers", where);
  }
  h.vision_head_width = opt_int(vision, "head_width", where);
  h.text.width = opt_int(text, "width", where);
  h.text.layers = opt_int(text, "layers", where);
  h.text.heads = opt_int(text, "heads", where);
  h.embed_dim = opt_int(cfg, "embed_dim", where);
  h.image_size = opt_int(vision, "image_size", where);
  h.patch_size = opt_int(vision, "patch_size", where);
  h.context_length = opt_int(text, "context_length", where);
  h.vocab_size = opt_int(text, "vocab_size", where);
  const bool quick = cfg.value("quick_gelu", false);
  h.vision.act = h.text.act = quick ? "quick_gelu" : "gelu";
  if (!h.text.heads) h.text.heads = 8;  // open_clip's CLIPTextCfg default
  if (j.contains("preprocess_cfg")) {
    const json& p = j["preprocess_cfg"];
    if (p.contains("mean")) h.mean = read_triple(p["mean"], "mean", where);
    if (p.contains("std")) h.std = read_triple(p["std"], "std", where);
  }
  return h;
}

}  // namespace

ModelFiles find_model_files(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) fail(ErrorCode::io, dir.string(), "model directory does not exist");
  ModelFiles f;
  f.dir = dir;
  if (fs::exists(dir / "config.json") && fs::exists(dir / "model.safetensors")) {
    f.layout = Layout::hf;
    f.config = dir / "config.json";
    f.weights = dir / "model.safetensors";
    return f;
  }
  if (fs::exists(dir / "open_clip_config.json") && fs::exists(dir / "open_clip_model.safetensors")) {
    f.layout = Layout::open_clip;
    f.config = dir / "open_clip_config.json";
    f.weights = dir / "open_clip_model.safetensors";
    return f;
  }
  fail(ErrorCode::io, dir.string(),
       "no model found (need config.json + model.safetensors, or open_clip_config.json + "
       "open_clip_model.safetensors)");
}

ConfigHints read_model_config(const ModelFiles& files) {
  return files.layout == Layout::hf ? read_hf(files) : read_open_clip(files);
}

}  // namespace ants::clip

