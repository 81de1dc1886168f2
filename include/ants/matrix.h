// ants/matrix.h — the one matrix type of the API: row-major float32 feature rows.
//
// Every embedding ants computes or consumes (CLIP image and text features, negative banks,
// cached embeddings) is a FeatureMatrix: `rows` rows of `dim` floats, row i at data[i·dim].
// CLIP features are L2-normalised rows.
#pragma once

#include <cstddef>
#include <vector>

namespace ants {

struct FeatureMatrix {
  size_t rows = 0;
  int dim = 0;
  std::vector<float> data;  // rows × dim

  const float* row(size_t i) const { return data.data() + i * static_cast<size_t>(dim); }
  float* row(size_t i) { return data.data() + i * static_cast<size_t>(dim); }
  std::vector<float> row_vector(size_t i) const { return {row(i), row(i) + dim}; }
};

}  // namespace ants
