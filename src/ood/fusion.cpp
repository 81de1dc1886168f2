#include "ood/fusion.h"

#include <cmath>
#include <limits>

namespace ants::ood {

double fusion_weight(double far_mean, double near_mean, LambdaRule rule) {
  double a = 1.0 - far_mean, b = 1.0 - near_mean;
  if (rule == LambdaRule::log) {
    a = std::log1p(a), b = std::log1p(b);
  } else if (rule == LambdaRule::exp) {
    // e^a / (e^a + e^b) = 1 / (1 + e^(b − a)): no overflow, and never a zero denominator.
    return 1.0 / (1.0 + std::exp(b - a));
  }
  if (std::abs(a + b) < std::numeric_limits<float>::epsilon()) return 0.5;
  return a / (a + b);
}

}  // namespace ants::ood
