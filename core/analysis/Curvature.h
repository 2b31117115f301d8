#pragma once
// Curvature of a discrete path: the turning angle between consecutive steps.
//
// Trajectory curvature across tokens (one input, one layer, Z [T, D]): steps v_t = z_{t+1} - z_t,
// angle_t = arccos(clamp(cos(v_t, v_{t+1}), -1, 1)), curvature = mean angle (radians).
//  - AngleVariant::Hosseini (default): Hosseini & Fedorenko 2023 / Henaff et al. 2019, angles in
//    [0, pi].
//  - AngleVariant::Skean: Skean et al. 2025 (`information_flow`, compute_curvature), cosine of
//    |v_t . v_{t+1}|, angles in [0, pi/2] (a reversal counts as straight).
// Depth-path curvature (Strata's own measure, not from a paper): the same angle formula on a
// token's residual-stream path h_0[t], h_1[t], ..., h_L[t] across layers, per token, then the
// mean over tokens.
//
// Zero-length steps (two equal consecutive points) leave the angles on either side undefined:
// those angles are skipped (not averaged, NaN in the per-angle vectors) and counted in
// parameters "zero_steps" and "skipped_angles" with a warning. Information_flow instead counts
// such an angle as 0; Strata follows METRICS.md. Sums are accumulated in float64.
// Definitions: METRICS.md, "Curvature". Pure functions; safe to call from any thread.
#include <vector>

#include "core/analysis/MetricResult.h"
#include "core/util/FloatArray.h"

namespace strata {

enum class AngleVariant { Hosseini, Skean };

struct TrajectoryCurvature {
  /// metric "curvature.trajectory", variant "hosseini" or "skean"; value = mean defined angle in
  /// radians; parameters: points, dims, angles (defined), zero_steps, skipped_angles.
  MetricResult summary;
  /// [T - 2]: angles[t] is the turn at point t + 1 (between steps t and t + 1); NaN marks an
  /// angle left undefined by a zero-length step (see above).
  std::vector<double> angles;
};

/// Turning angles of the token trajectory Z [T, D]. Throws strata::Error
/// "analysis.bad_shape" when Z is not 2-D, "analysis.too_few_points" when T < 3, and
/// "analysis.degenerate" when every angle is undefined (all steps zero-length).
TrajectoryCurvature trajectoryCurvature(const FloatArray& Z,
                                        AngleVariant variant = AngleVariant::Hosseini);

struct DepthPathCurvature {
  /// metric "curvature.depth_path"; value = mean over tokens of the per-token curvature (tokens
  /// with no defined angle excluded, counted in "undefined_tokens"); parameters: layers, tokens,
  /// dims, zero_steps, skipped_angles, undefined_tokens.
  MetricResult summary;
  /// [T]: mean defined angle of each token's path across layers; NaN when the token's path has
  /// no defined angle.
  std::vector<double> perToken;
  /// [T, L - 1] row-major: angle at layer l + 1 of token t's path; NaN where undefined.
  std::vector<double> angles;
};

/// Depth-path curvature from layers[l] = h_l [T, D], l = 0..L (all the same shape, L + 1 >= 3).
/// Throws strata::Error "analysis.bad_shape", "analysis.too_few_points" (fewer than 3 layers or
/// no token) or "analysis.degenerate" (no token has a defined angle).
DepthPathCurvature depthPathCurvature(const std::vector<FloatArray>& layers,
                                      AngleVariant variant = AngleVariant::Hosseini);

}  // namespace strata
