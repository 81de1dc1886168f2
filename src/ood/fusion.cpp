#include "ood/fusion.h"

#include <cmath>
#include <limits>

namespace ants::ood {

double fusion_weight(double far_mean, double near_mean) {
  const double a = 1.0 - far_mean, b = 1.0 - near_mean;
  if (std::abs(a + b) < std::numeric_limits<float>::epsilon()) return 0.5;
  return a / (a + b);
}

}  // namespace ants::ood
