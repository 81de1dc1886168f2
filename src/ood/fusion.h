// The adaptive fusion weight of method.md §4.9 and the weight functions of Table 9.
#pragma once

#include <ants/detector.h>

namespace ants::ood {

// λ from the mean far and near scores, with a = 1 − far_mean and b = 1 − near_mean:
// head and paper (fractional): a / (a + b); log: ln(1+a) / (ln(1+a) + ln(1+b)); exp: e^a / (e^a + e^b).
// 0.5 when the denominator is within float32 epsilon of zero: a stream whose far scores sit lower
// (more OOD found) trusts ENS more. `rule` must not be LambdaRule::fixed.
double fusion_weight(double far_mean, double near_mean, LambdaRule rule = LambdaRule::head);

}  // namespace ants::ood
