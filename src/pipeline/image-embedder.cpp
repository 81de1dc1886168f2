// Image embeddings through the on-disk cache: an image is encoded once per model, precision and
// preprocessing, so evaluations rescore the ID set for every OOD set without running CLIP again.
// Each image is read once; reading, hashing, the cache look-up and decoding of the next forward
// pass run on a background thread while the model encodes the current one.
#include <ants/embed.h>

#include <cstdio>
#include <future>

#include "core/error.h"
#include "core/hash.h"
#include "core/embedding-cache.h"

namespace ants {

namespace {

std::string preprocess_key(const ImageEmbedOptions& o) {
  const PreprocessParams& p = o.preprocess;
  char buf[256];
  std::snprintf(buf, sizeof buf, ":%d/%d:%.9g,%.9g,%.9g:%.9g,%.9g,%.9g", p.resize_size, p.crop_size, p.mean[0],
                p.mean[1], p.mean[2], p.std[0], p.std[1], p.std[2]);
  return o.preprocess_name + buf;
}

// What one forward pass needs, made off the model's thread.
struct PreparedBatch {
  std::vector<ImageEmbedding> results;  // errors and cache hits filled in; the rest pending
  std::vector<std::string> keys;        // cache key per image ("" when not cached)
  std::vector<size_t> to_encode;        // positions whose pixels are in `pixels`, in order
  std::vector<float> pixels;
  std::vector<std::string> warnings;
  std::vector<std::string> not_cached;
  size_t hits = 0;
};

class Embedder {
 public:
  Embedder(const ClipModel& model, const ImageEmbedOptions& o)
      : model_(model), opt_(o), cache_(o.cache), dim_(model.info().embed_dim) {
    if (cache_.enabled()) key_prefix_ = model.fingerprint() + "|image|" + preprocess_key(o) + "|";
  }

  PreparedBatch prepare(const std::vector<ImageRef>& images, size_t first, size_t count) const {
    PreparedBatch b;
    const PreprocessParams& pp = opt_.preprocess;
    const size_t per_image = 3 * static_cast<size_t>(pp.crop_size) * pp.crop_size;
    b.results.resize(count);
    b.keys.resize(count);
    for (size_t i = 0; i < count; ++i) {
      const ImageRef& ref = images[first + i];
      ImageEmbedding& r = b.results[i];
      r.file = ref.name;
      try {
        // Decoded pixels are used as they are; encoded images are read once, for hash and decoder.
        const std::string bytes = ref.pixels ? std::string() : ref.read();
        if (cache_.enabled()) {
          b.keys[i] = key_prefix_ + (ref.pixels ? ref.content_hash() : core::hash_bytes(bytes).hex());
          if (load_cached(b.keys[i], r, b.warnings)) {
            ++b.hits;
            continue;
          }
        }
        if (ref.pixels && static_cast<uint64_t>(ref.pixels->width) * static_cast<uint64_t>(ref.pixels->height) > opt_.max_pixels)
          core::fail(ErrorCode::unsupported, ref.name, "image too large (limit " + std::to_string(opt_.max_pixels) + " pixels: --max-pixels)");
        const ImageRGB8 img = ref.pixels ? ImageRGB8{} : decode_image_memory(
            {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, ref.name, opt_.max_pixels);
        if (opt_.require_cached) {  // decoded, so an unreadable image stays an ordinary error row
          b.not_cached.push_back(ref.name);
          r.error = ref.name + ": not in the embedding cache (required)";
          continue;
        }
        b.pixels.resize(b.pixels.size() + per_image);
        preprocess_image(ref.pixels ? *ref.pixels : img, pp, b.pixels.data() + b.pixels.size() - per_image);
        b.to_encode.push_back(i);
      } catch (const std::exception& e) {  // one bad image never stops the batch
        const std::string why = e.what();  // decoding errors name the image already
        r.error = why.starts_with(ref.name) ? why : ref.name + ": " + why;
        b.pixels.resize(b.to_encode.size() * per_image);  // drop a slot its preprocessing left half-made
      }
    }
    return b;
  }

  void encode(PreparedBatch& b) const {
    std::vector<float> out(b.to_encode.size() * static_cast<size_t>(dim_));
    model_.encode_images(b.pixels.data(), static_cast<int>(b.to_encode.size()), out.data());
    for (size_t j = 0; j < b.to_encode.size(); ++j) {
      const size_t i = b.to_encode[j];
      b.results[i].embedding.assign(out.begin() + j * dim_, out.begin() + (j + 1) * dim_);
      if (b.keys[i].empty()) continue;
      core::CacheEntry entry;
      entry.texts = {b.keys[i]};
      entry.dim = dim_;
      entry.embeddings = b.results[i].embedding;
      cache_.store(core::CacheKind::image, b.keys[i], entry, b.warnings);
    }
  }

 private:
  bool load_cached(const std::string& key, ImageEmbedding& r, std::vector<std::string>& warnings) const {
    auto e = cache_.load(core::CacheKind::image, key, warnings);
    if (!e || e->dim != dim_ || e->embeddings.size() != static_cast<size_t>(dim_)) return false;
    r.embedding = std::move(e->embeddings);
    return true;
  }

  const ClipModel& model_;
  const ImageEmbedOptions& opt_;
  const core::EmbeddingCache cache_;
  const int dim_;
  std::string key_prefix_;
};

// A read-only cache directory gives one warning per image: the first ones say why, a count says
// how many more.
constexpr size_t kMaxWarnings = 20;

void add_warnings(std::vector<std::string>& to, const std::vector<std::string>& from, size_t& dropped) {
  for (const auto& w : from) {
    if (to.size() < kMaxWarnings) to.push_back(w);
    else ++dropped;
  }
}

void check_options(const ClipModel& model, const ImageEmbedOptions& o) {
  if (o.infer_batch <= 0) core::fail(ErrorCode::invalid_argument, "infer batch", "must be positive");
  if (o.require_cached && !o.cache.enabled)
    core::fail(ErrorCode::invalid_argument, "require cached", "needs the embedding cache (not --no-cache)");
  if (o.preprocess.crop_size != model.info().image_size) {
    core::fail(ErrorCode::invalid_argument, "preprocess",
               "crop size " + std::to_string(o.preprocess.crop_size) + " differs from the model's image size " +
                   std::to_string(model.info().image_size));
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

ImageEmbedOptions image_embed_options(const ClipModel& model, const std::string& preset, int infer_batch,
                                      const CacheOptions& cache) {
  ImageEmbedOptions o;
  o.infer_batch = infer_batch;
  o.preprocess = preprocess_preset(model, preset);
  o.preprocess_name = preset;
  o.cache = cache;
  return o;
}

std::vector<ImageEmbedding> embed_images(const ClipModel& model, const std::vector<ImageRef>& images,
                                         const ImageEmbedOptions& options, const ProgressFn& progress,
                                         EmbedReport* report, const CancelFn& cancel) {
  check_options(model, options);
  const Embedder embedder(model, options);
  const size_t batch = static_cast<size_t>(options.infer_batch), n = images.size();
  auto launch = [&](size_t first) {
    return std::async(std::launch::async, [&embedder, &images, first, batch, n] {
      return embedder.prepare(images, first, std::min(batch, n - first));
    });
  };
  std::vector<ImageEmbedding> out;
  out.reserve(n);
  EmbedReport local;
  EmbedReport& rep = report ? *report : local;
  size_t dropped = 0;
  std::future<PreparedBatch> next;
  if (n > 0) next = launch(0);
  for (size_t first = 0; first < n; first += batch) {
    PreparedBatch cur = next.get();
    if (cancel && cancel()) {
      rep.cancelled = true;
      break;
    }
    if (first + batch < n) next = launch(first + batch);
    embedder.encode(cur);
    rep.cache_hits += cur.hits;
    rep.not_cached.insert(rep.not_cached.end(), cur.not_cached.begin(), cur.not_cached.end());
    add_warnings(rep.warnings, cur.warnings, dropped);
    for (auto& r : cur.results) out.push_back(std::move(r));
    if (progress) progress(out.size(), n);
  }
  if (dropped > 0) rep.warnings.push_back("... and " + std::to_string(dropped) + " more image-cache warnings");
  for (size_t i = out.size(); i < n; ++i) out.push_back({images[i].name, {}, images[i].name + ": cancelled"});
  return out;
}

std::vector<ImageEmbedding> embed_image_files(const ClipModel& model, const std::vector<std::string>& files,
                                              const ImageEmbedOptions& options, const ProgressFn& progress,
                                              EmbedReport* report, const CancelFn& cancel) {
  std::vector<ImageRef> refs;
  refs.reserve(files.size());
  for (const auto& f : files) refs.push_back(ImageRef::file(f));
  return embed_images(model, refs, options, progress, report, cancel);
}

}  // namespace ants
