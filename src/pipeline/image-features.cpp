// Image embeddings through the on-disk cache: an image is encoded once per model, precision and
// preprocessing; evaluations rescore the ID set for every OOD set without running CLIP again.
#include <ants/embed.h>
#include <ants/pipeline.h>

#include <cstdio>

#include "core/hash.h"
#include "ood/cache-key.h"
#include "ood/embedding-cache.h"

namespace ants {

namespace {

std::string preprocess_key(const ImageFeatureOptions& o) {
  const PreprocessParams& p = o.preprocess;
  char buf[256];
  std::snprintf(buf, sizeof buf, ":%d/%d:%.9g,%.9g,%.9g:%.9g,%.9g,%.9g", p.resize_size, p.crop_size, p.mean[0],
                p.mean[1], p.mean[2], p.std[0], p.std[1], p.std[2]);
  return o.preprocess_name + buf;
}

// Empty when the file cannot be hashed (the embedder then reports why it cannot be read).
std::string image_key(const std::string& model_key, const std::string& pre_key, const std::string& file) {
  try {
    return model_key + "|image|" + pre_key + "|" + core::hash_file(file).hex();
  } catch (const Error&) {
    return {};
  }
}

}  // namespace

PreprocessParams preprocess_preset(const ClipModel& model, const std::string& preset) {
  PreprocessParams p = model.preprocess_params();
  if (preset == "openood") {
    p.resize_size = preprocess_params_openood(model.info().image_size).resize_size;
  } else if (preset != "clip") {
    throw Error(ErrorCode::invalid_argument, "--preprocess: unknown preset '" + preset + "' (clip, openood)");
  }
  return p;
}

std::vector<ImageEmbedding> embed_images_cached(const ClipModel& model, const std::vector<std::string>& files,
                                                const ImageFeatureOptions& options, const ImageProgress& progress,
                                                size_t* cache_hits) {
  const ood::EmbeddingCache cache(options.cache);
  std::vector<ImageEmbedding> out(files.size());
  std::vector<std::string> keys(files.size()), missing;
  std::vector<size_t> missing_at;
  std::vector<std::string> warnings;  // a damaged entry is simply recomputed
  const std::string model_key = cache.enabled() ? ood::model_cache_key(model) : "";
  const std::string pre_key = preprocess_key(options);
  size_t hits = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    out[i].file = files[i];
    if (cache.enabled()) keys[i] = image_key(model_key, pre_key, files[i]);
    if (!keys[i].empty()) {
      if (auto e = cache.load(ood::CacheKind::image, keys[i], warnings); e && e->dim == model.info().embed_dim) {
        out[i].embedding = std::move(e->embeddings);
        ++hits;
        continue;
      }
    }
    missing.push_back(files[i]);
    missing_at.push_back(i);
  }
  if (progress && hits > 0) progress(hits, files.size());
  EmbedImagesParams params;
  params.batch = options.infer_batch;
  params.preprocess = options.preprocess;
  embed_image_files(model, missing, params, [&](size_t j, const ImageEmbedding& r) {
    const size_t i = missing_at[j];
    out[i] = r;
    out[i].file = files[i];
    if (r.error.empty() && !keys[i].empty()) {
      ood::CacheEntry entry;
      entry.texts = {keys[i]};
      entry.dim = model.info().embed_dim;
      entry.embeddings = r.embedding;
      cache.store(ood::CacheKind::image, keys[i], entry, warnings);
    }
    if (progress) progress(hits + j + 1, files.size());
  });
  if (cache_hits) *cache_hits = hits;
  return out;
}

}  // namespace ants
