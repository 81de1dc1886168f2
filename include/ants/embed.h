// ants/embed.h — CLIP image embeddings of many images, decoded ahead of inference and kept in
// the on-disk cache (an image is encoded once per model, precision and preprocessing).
#pragma once

#include <ants/cache.h>
#include <ants/callbacks.h>
#include <ants/clip.h>
#include <ants/export.h>
#include <ants/image.h>

#include <cstddef>
#include <string>
#include <vector>

namespace ants {

struct ImageEmbedding {
  std::string file;             // the image's name (its path for files)
  std::vector<float> embedding; // embed_dim floats, L2-normalised; empty on error
  std::string error;            // one line naming the image and the cause; empty on success
};

struct ImageEmbedOptions {
  int infer_batch = 32;          // images per CLIP forward pass
  PreprocessParams preprocess;   // e.g. model.preprocess_params() or preprocess_preset(model, name)
  std::string preprocess_name;   // part of the cache key ("clip", "openood")
  CacheOptions cache;            // per image: model, precision, preprocessing and content hash
  uint64_t max_pixels = kDefaultMaxPixels;  // larger images are error rows (decoded or given as pixels)
  bool require_cached = false;   // no CLIP work: an image that decodes but has no cache entry is an
                                 // error row and is listed in EmbedReport::not_cached
};

// The model's preprocessing under a preset name: "clip" (resize to the input size, centre crop)
// or "openood" (resize to round(size·8/7), i.e. 256 for 224, then crop). Throws
// Error(invalid_argument) for another name.
ANTS_API PreprocessParams preprocess_preset(const ClipModel& model, const std::string& preset);
// ImageEmbedOptions for a preset name, with the cache options given.
ANTS_API ImageEmbedOptions image_embed_options(const ClipModel& model, const std::string& preset, int infer_batch = 32,
                                               const CacheOptions& cache = {});

// What an embedding call met besides its results.
struct EmbedReport {
  size_t cache_hits = 0;              // images whose embedding came from the cache
  std::vector<std::string> warnings;  // cache problems (a damaged entry is recomputed); the first
                                      // 20, then one line counting the rest
  bool cancelled = false;             // stopped by the cancel hook
  std::vector<std::string> not_cached;  // require_cached: the images with no cache entry, in order
};

// One result per image, in order. Each image is read once (hashed for the cache, decoded on a
// background thread while the model encodes the previous batch). An image that cannot be read
// or decoded yields a result with `error` set; the others are still embedded. `progress` counts
// images. `cancel` is polled between forward passes: images not reached then get the error
// "cancelled". Throws ants::Error only for errors that are not about one image (e.g. a
// preprocessing that does not fit the model).
ANTS_API std::vector<ImageEmbedding> embed_images(const ClipModel& model, const std::vector<ImageRef>& images,
                                                  const ImageEmbedOptions& options, const ProgressFn& progress = {},
                                                  EmbedReport* report = nullptr, const CancelFn& cancel = {});
// The same for files (ImageRef::file of each path).
ANTS_API std::vector<ImageEmbedding> embed_image_files(const ClipModel& model, const std::vector<std::string>& files,
                                                       const ImageEmbedOptions& options, const ProgressFn& progress = {},
                                                       EmbedReport* report = nullptr, const CancelFn& cancel = {});

}  // namespace ants
