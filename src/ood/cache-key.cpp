#include "ood/cache-key.h"

#include <filesystem>

#include "core/hash.h"

namespace ants::ood {

namespace fs = std::filesystem;

std::string model_cache_key(const ClipModel& model) {
  const ClipInfo& info = model.info();
  const fs::path dir = info.weights_file.parent_path();
  const fs::path config = dir / (info.layout == "hf" ? "config.json" : "open_clip_config.json");
  const fs::path vocab = dir / "vocab.json", merges = dir / "merges.txt";
  std::error_code ec;
  // Tokenizer::for_model_dir's rule: the model's own vocab + merges, else the built-in BPE.
  const bool own_bpe = fs::exists(vocab, ec) && fs::exists(merges, ec);
  std::string key = "weights=" + core::hash_file_memo(info.weights_file).hex() + "\n";
  key += "config=" + core::hash_file_memo(config).hex() + "\n";
  key += "tokenizer=";
  key += own_bpe ? core::hash_file_memo(vocab).hex() + "+" + core::hash_file_memo(merges).hex() : "builtin";
  key += "\nprecision=";
  key += precision_name(model.params().precision);
  key += "\n";
  return key;
}

std::string texts_hash(const std::vector<std::string>& texts) {
  core::Hasher h;
  h.add(static_cast<uint64_t>(texts.size()));
  for (const auto& t : texts) h.add(t);
  return h.digest().hex();
}

}  // namespace ants::ood
