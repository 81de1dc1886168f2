// ants/embed.h — embedding many image files with a ClipModel, decoding ahead of inference.
#pragma once

#include <ants/clip.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace ants {

struct ImageEmbedding {
  std::string file;             // as given
  std::vector<float> embedding; // embed_dim floats, L2-normalised; empty on error
  std::string error;            // one line naming the file and the cause; empty on success
};

struct EmbedImagesParams {
  int batch = 32;               // images per forward pass
  PreprocessParams preprocess;  // usually ClipModel::preprocess_params()
};

// Embeds `files` in order. Decoding and preprocessing of the next batch run on a background
// thread while the model encodes the current one. A file that cannot be read or decoded yields a
// result with `error` set; the others are still embedded. on_result is called once per file, in
// input order, from the calling thread. Throws ants::Error only for errors that are not about one
// file (e.g. invalid params).
void embed_image_files(const ClipModel& model, const std::vector<std::string>& files,
                       const EmbedImagesParams& params,
                       const std::function<void(size_t index, const ImageEmbedding&)>& on_result);

}  // namespace ants
