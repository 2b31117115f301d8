#include "core/analysis/Curvature.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "core/util/Error.h"

namespace strata {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const char* variantName(AngleVariant v) {
  return v == AngleVariant::Skean ? "skean" : "hosseini";
}

struct PathAngles {
  std::vector<double> angles;  // [P - 2], NaN where undefined
  std::int64_t zeroSteps = 0;
  std::int64_t skipped = 0;
};

// Turning angles of the path through points[0..P-1] (each D floats). O(P D), one step vector
// alive at a time; differences and dot products in float64 (the difference of two floats is
// exact in double, so a zero step is exactly two equal points).
PathAngles pathAngles(const std::vector<const float*>& points, std::int64_t D, AngleVariant v) {
  const std::size_t P = points.size();
  PathAngles out;
  out.angles.assign(P - 2, kNaN);
  std::vector<double> prev(static_cast<std::size_t>(D)), cur(static_cast<std::size_t>(D));
  auto step = [&](std::size_t t, std::vector<double>& s) {
    double n2 = 0.0;
    for (std::int64_t j = 0; j < D; ++j) {
      const double d = static_cast<double>(points[t + 1][j]) - static_cast<double>(points[t][j]);
      s[static_cast<std::size_t>(j)] = d;
      n2 += d * d;
    }
    return n2;
  };
  double prevNorm2 = step(0, prev);
  if (prevNorm2 == 0.0) ++out.zeroSteps;
  for (std::size_t t = 1; t + 1 < P; ++t) {
    const double curNorm2 = step(t, cur);
    if (curNorm2 == 0.0) ++out.zeroSteps;
    if (prevNorm2 > 0.0 && curNorm2 > 0.0) {
      double dot = 0.0;
      for (std::int64_t j = 0; j < D; ++j)
        dot += prev[static_cast<std::size_t>(j)] * cur[static_cast<std::size_t>(j)];
      if (v == AngleVariant::Skean) dot = std::abs(dot);
      const double c = std::clamp(dot / std::sqrt(prevNorm2 * curNorm2), -1.0, 1.0);
      out.angles[t - 1] = std::acos(c);
    } else {
      ++out.skipped;
    }
    std::swap(prev, cur);
    prevNorm2 = curNorm2;
  }
  return out;
}

void addZeroStepWarning(MetricResult& r, std::int64_t zeroSteps, std::int64_t skipped) {
  if (zeroSteps == 0) return;
  r.warnings.push_back(std::to_string(zeroSteps) +
                       " zero-length step(s) (equal consecutive points): " +
                       std::to_string(skipped) + " angle(s) undefined and skipped");
}

}  // namespace

TrajectoryCurvature trajectoryCurvature(const FloatArray& Z, AngleVariant variant) {
  if (Z.shape.size() != 2 || Z.numel() != FloatArray::countOf(Z.shape))
    throw Error("analysis.bad_shape", "trajectory curvature: expected a 2-D array [T, D]");
  const std::int64_t T = Z.dim(0), D = Z.dim(1);
  if (T < 3)
    throw Error("analysis.too_few_points",
                "trajectory curvature: needs at least 3 points, got " + std::to_string(T));
  std::vector<const float*> points(static_cast<std::size_t>(T));
  for (std::int64_t t = 0; t < T; ++t)
    points[static_cast<std::size_t>(t)] = Z.data.data() + t * D;
  PathAngles pa = pathAngles(points, D, variant);

  TrajectoryCurvature out;
  MetricResult& r = out.summary;
  r.metric = "curvature.trajectory";
  r.variant = variantName(variant);
  double sum = 0.0;
  std::int64_t n = 0;
  for (double a : pa.angles)
    if (!std::isnan(a)) sum += a, ++n;
  if (n == 0)
    throw Error("analysis.degenerate",
                "trajectory curvature: every step is zero-length, no angle is defined");
  r.value = sum / static_cast<double>(n);
  r.parameters = {{"points", static_cast<double>(T)},
                  {"dims", static_cast<double>(D)},
                  {"angles", static_cast<double>(n)},
                  {"zero_steps", static_cast<double>(pa.zeroSteps)},
                  {"skipped_angles", static_cast<double>(pa.skipped)}};
  addZeroStepWarning(r, pa.zeroSteps, pa.skipped);
  out.angles = std::move(pa.angles);
  return out;
}

DepthPathCurvature depthPathCurvature(const std::vector<FloatArray>& layers, AngleVariant variant) {
  const std::int64_t P = static_cast<std::int64_t>(layers.size());
  if (P < 3)
    throw Error(
        "analysis.too_few_points",
        "depth-path curvature: needs at least 3 layers (h_0, h_1, h_2), got " + std::to_string(P));
  const FloatArray& first = layers.front();
  if (first.shape.size() != 2 || first.numel() != FloatArray::countOf(first.shape))
    throw Error("analysis.bad_shape", "depth-path curvature: expected 2-D layers [T, D]");
  for (std::size_t l = 1; l < layers.size(); ++l)
    if (layers[l].shape != first.shape || layers[l].numel() != first.numel())
      throw Error("analysis.bad_shape", "depth-path curvature: layer " + std::to_string(l) +
                                            " does not have the shape of layer 0");
  const std::int64_t T = first.dim(0), D = first.dim(1);
  if (T < 1) throw Error("analysis.too_few_points", "depth-path curvature: no token");

  DepthPathCurvature out;
  out.perToken.assign(static_cast<std::size_t>(T), kNaN);
  out.angles.reserve(static_cast<std::size_t>(T * (P - 2)));
  std::int64_t zeroSteps = 0, skipped = 0, undefinedTokens = 0, tokens = 0;
  double total = 0.0;
  std::vector<const float*> points(static_cast<std::size_t>(P));
  for (std::int64_t t = 0; t < T; ++t) {
    for (std::int64_t l = 0; l < P; ++l)
      points[static_cast<std::size_t>(l)] = layers[static_cast<std::size_t>(l)].data.data() + t * D;
    PathAngles pa = pathAngles(points, D, variant);
    zeroSteps += pa.zeroSteps;
    skipped += pa.skipped;
    double sum = 0.0;
    std::int64_t n = 0;
    for (double a : pa.angles)
      if (!std::isnan(a)) sum += a, ++n;
    if (n > 0) {
      const double mean = sum / static_cast<double>(n);
      out.perToken[static_cast<std::size_t>(t)] = mean;
      total += mean;
      ++tokens;
    } else {
      ++undefinedTokens;
    }
    out.angles.insert(out.angles.end(), pa.angles.begin(), pa.angles.end());
  }
  if (tokens == 0)
    throw Error("analysis.degenerate",
                "depth-path curvature: every token's path has only zero-length steps");

  MetricResult& r = out.summary;
  r.metric = "curvature.depth_path";
  r.variant = variantName(variant);
  r.value = total / static_cast<double>(tokens);
  r.parameters = {{"layers", static_cast<double>(P)},
                  {"tokens", static_cast<double>(T)},
                  {"dims", static_cast<double>(D)},
                  {"zero_steps", static_cast<double>(zeroSteps)},
                  {"skipped_angles", static_cast<double>(skipped)},
                  {"undefined_tokens", static_cast<double>(undefinedTokens)}};
  addZeroStepWarning(r, zeroSteps, skipped);
  if (undefinedTokens > 0)
    r.warnings.push_back(std::to_string(undefinedTokens) +
                         " token(s) with no defined angle excluded from the mean");
  return out;
}

}  // namespace strata
