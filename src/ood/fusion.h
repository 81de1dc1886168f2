// The adaptive fusion weight of method.md §4.9.
#pragma once

namespace ants::ood {

// λ = (1 − far_mean) / ((1 − far_mean) + (1 − near_mean)), or 0.5 when the denominator is within
// float32 epsilon of zero: a stream whose far scores sit lower (more OOD found) trusts ENS more.
double fusion_weight(double far_mean, double near_mean);

}  // namespace ants::ood
