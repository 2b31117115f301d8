#pragma once
// Manifold curvature MAPC (mean absolute principal curvature) of a point cloud, after Kaufman &
// Azencot, "Data representations' study of latent image manifolds" (ICML 2023), reference code
// CRLM `CAML/caml.py` (caml_inner_batched), itself after Li's curvature-aware manifold
// learning (arXiv:1706.07167). For each point x with neighbours n_1..n_k:
//  1. SVD of the differences (n_i - x) (not re-centred, as CAML);
//  2. tangent coordinates u = the first d coordinates in the singular basis, normal coordinates
//     f = the remaining min(k, D) - d;
//  3. least-squares fit f ~ B [u; vech(u u^T)] with the diagonal quadratic terms halved, by the
//     pseudo-inverse (minimum-norm when underdetermined, as CAML);
//  4. for each normal direction a symmetric d x d Hessian from the quadratic coefficients; its
//     eigenvalues are the principal curvatures kappa;
//  5. per point: mean |kappa| over its normal directions and eigenvalues; MAPC = mean over points.
// A 2-sphere of radius r gives |kappa| = 1/r, a plane 0.
//
// Neighbourhoods: the k nearest dataset neighbours (default; nearestNeighbours of Neighbours.h)
// or caller-supplied neighbourhoods such as CRLM's synthetic neighbours (images with subsets of
// their smallest singular values zeroed, pushed through the network): manifoldCurvature with an
// explicit [N, K, D] array.
//
// Default k. CAML uses K = 2d for dataset neighbours, which leaves the quadratic fit
// (d + d(d+1)/2 unknowns) underdetermined for every d >= 2 and biases MAPC low (a unit sphere
// gives ~0.71 with d = 2, K = 4). Strata's default is the smallest k that makes the fit
// determined with one spare equation, but never less than CAML's: k = max(2d, d(d+3)/2 + 1)
// (d = 2: 6, d = 10: 66, d = 20: 231), capped at N - 1 with a warning.
//
// Deviation from CAML, documented: normal directions whose singular value is within the float32
// rounding of the input (a rigorous bound, 2 * FLT_EPSILON * ||(|x| + |n_i|)||_F) carry no
// curvature information and are left out; CAML averages them in, which makes a 2-sphere
// zero-padded into R^10 read ~1/(8r) instead of 1/r. Directions above rounding level all count,
// curved or not (as CAML): the same sphere with 1e-5 noise in all 10 coordinates reads ~1/(8r).
// A point whose every normal direction is degenerate is flat to float precision and counts 0.
// A point whose neighbourhood does not span d dimensions (duplicates, collinear neighbours) is
// skipped with a warning. The tangent dimension d is the caller's (CRLM: the layer's rounded
// TwoNN ID); d >= D gives 0 (CAML).
// All linear algebra in float64, batched over points with memory bounded by blocks.
// Definitions: METRICS.md, "Manifold curvature, MAPC". Pure functions; safe from any thread.
#include <vector>

#include "core/analysis/MetricResult.h"
#include "core/util/FloatArray.h"

namespace strata {

struct ManifoldCurvatureOptions {
  int k = 0;  ///< neighbours per point; 0 = default max(2d, d(d+3)/2 + 1)
};

struct ManifoldCurvature {
  /// metric "curvature.mapc", variant "caml.knn" or "caml.given"; value = MAPC; error = standard
  /// error of the per-point values over points; parameters: k, tangent_dim, points,
  /// points_used, skipped_points, normal_directions (mean kept per point),
  /// dropped_normal_directions (mean per point), zero_distance_rows, underdetermined (0/1).
  MetricResult summary;
  /// [N]: mean |kappa| of each point; NaN for a skipped point (degenerate neighbourhood).
  std::vector<double> perPoint;
};

/// MAPC of X [N, D] on k-nearest-neighbour patches with tangent dimension tangentDim. Throws
/// strata::Error "analysis.bad_shape" (not 2-D), "analysis.bad_parameter" (tangentDim < 1,
/// k <= tangentDim, k >= N), "analysis.degenerate" (no point has a usable neighbourhood).
ManifoldCurvature manifoldCurvature(const FloatArray& X, int tangentDim,
                                    const ManifoldCurvatureOptions& options = {});

/// MAPC of X [N, D] with caller-supplied neighbourhoods [N, K, D] (neighbourhoods[i] are the
/// neighbours of row i, e.g. CRLM's synthetic neighbours). Same errors, K in place of k.
ManifoldCurvature manifoldCurvature(const FloatArray& X, const FloatArray& neighbourhoods,
                                    int tangentDim);

}  // namespace strata
