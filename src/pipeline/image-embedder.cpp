#include <ants/embed.h>

#include <future>

#include "core/error.h"

namespace ants {

namespace {

struct PreparedBatch {
  size_t first = 0;
  std::vector<ImageEmbedding> results;  // errors filled in; embeddings pending
  std::vector<size_t> ok;               // positions in `results` whose pixels are in `pixels`
  std::vector<float> pixels;
};

PreparedBatch prepare(const std::vector<std::string>& files, size_t first, size_t count, const PreprocessParams& pp) {
  PreparedBatch b;
  b.first = first;
  const size_t per_image = 3 * static_cast<size_t>(pp.crop_size) * pp.crop_size;
  b.pixels.reserve(count * per_image);
  for (size_t i = 0; i < count; ++i) {
    ImageEmbedding r;
    r.file = files[first + i];
    try {
      ImageRGB8 img = decode_image_file(r.file);
      b.pixels.resize(b.pixels.size() + per_image);
      preprocess_image(img, pp, b.pixels.data() + b.pixels.size() - per_image);
      b.ok.push_back(i);
    } catch (const std::exception& e) {  // one bad file never stops the batch
      r.error = e.what();
    }
    b.results.push_back(std::move(r));
  }
  return b;
}

}  // namespace

void embed_image_files(const ClipModel& model, const std::vector<std::string>& files, const EmbedImagesParams& params,
                       const std::function<void(size_t, const ImageEmbedding&)>& on_result) {
  if (params.batch <= 0) core::fail(ErrorCode::invalid_argument, "batch", "must be positive");
  if (params.preprocess.crop_size != model.info().image_size) {
    core::fail(ErrorCode::invalid_argument, "preprocess",
               "crop size " + std::to_string(params.preprocess.crop_size) + " differs from the model's image size " +
                   std::to_string(model.info().image_size));
  }
  const size_t batch = static_cast<size_t>(params.batch);
  const int D = model.info().embed_dim;
  auto launch = [&](size_t first) {
    return std::async(std::launch::async, prepare, std::cref(files), first, std::min(batch, files.size() - first),
                      std::cref(params.preprocess));
  };
  std::future<PreparedBatch> next;
  if (!files.empty()) next = launch(0);
  std::vector<float> out;
  for (size_t first = 0; first < files.size(); first += batch) {
    PreparedBatch cur = next.get();
    if (first + batch < files.size()) next = launch(first + batch);
    out.resize(cur.ok.size() * static_cast<size_t>(D));
    model.encode_images(cur.pixels.data(), static_cast<int>(cur.ok.size()), out.data());
    for (size_t j = 0; j < cur.ok.size(); ++j) {
      cur.results[cur.ok[j]].embedding.assign(out.begin() + j * D, out.begin() + (j + 1) * D);
    }
    for (size_t i = 0; i < cur.results.size(); ++i) on_result(cur.first + i, cur.results[i]);
  }
}

}  // namespace ants
