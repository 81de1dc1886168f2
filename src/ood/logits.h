// Image-by-text logits with one GEMM per bank (oneDNN), the only heavy step of OOD scoring.
#pragma once

#include <ants/detector.h>

#include <vector>

namespace ants::ood {

// out[i, j] = scale · images[i] · texts[j] for every image i and text row j (row-major, rows × text.rows).
// Throws Error(invalid_argument) when the widths differ.
void compute_logits(const FeatureMatrix& images, const FeatureMatrix& texts, float scale, std::vector<float>& out);

}  // namespace ants::ood
