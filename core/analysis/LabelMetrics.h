#pragma once
// Class-structure metrics of a labelled point cloud X [N, D] with integer labels
// (METRICS.md, "Labelled data"). Labels may be any integers; the C distinct values are the
// classes. Computed in float64. Thread-safe: pure functions.
//
// Shared definitions (nc-toolbox, `nc_toolbox/statistic.py`, after Papyan, Han & Donoho
// 2020): mu_c = class means, mu_G = mean of all N rows,
//   Sigma_W = (1/N) sum_i (h_i - mu_{c(i)})(h_i - mu_{c(i)})^T,
//   Sigma_B = (1/C) sum_c (mu_c - mu_G)(mu_c - mu_G)^T   (classes unweighted).
//
// Pseudo-inverse tolerance: singular values below rcond * sigma_max are treated as zero,
// rcond = max(D, C) * DBL_EPSILON for Sigma_B and max(D, N + C) * DBL_EPSILON for
// Sigma_T (the numpy `matrix_rank` default for the matrix's factor), so that round-off in
// the null space of a rank-deficient covariance is not inverted. Options can override it.
#include <cstdint>
#include <vector>

#include "core/analysis/MetricResult.h"
#include "core/util/FloatArray.h"

namespace strata {

struct LabelMetricOptions {
  /// Relative pseudo-inverse cut-off; <= 0 selects the default described above.
  double rcond = 0.0;
};

/// NC1 (within-class variability collapse; Papyan et al. 2020, as nc-toolbox):
/// tr(Sigma_W pinv(Sigma_B)) / C. 0 when every class has collapsed to its mean.
/// metric "labels.nc1", variant "papyan". pinv(Sigma_B) via the SVD of the C x D matrix of
/// centred class means (Sigma_B = M^T M / C).
/// Throws strata::Error("analysis.bad_shape") when labels.size() != N or X is not 2-D and
/// ("analysis.too_few_classes") for C < 2.
MetricResult neuralCollapseNC1(const FloatArray& X, const std::vector<std::int64_t>& labels,
                               const LabelMetricOptions& options = {});

/// VCI, variability collapse index (Xu & Liu 2023, "Quantifying the variability collapse
/// of neural networks"): 1 - tr(pinv(Sigma_T) Sigma_B) / min(D, C - 1), with
/// Sigma_T = Sigma_B + Sigma_W (the definitions above). 0 for perfect collapse when the
/// class means span min(D, C - 1) dimensions; near 1 when labels carry no linear
/// information. metric "labels.vci", variant "xu-liu". pinv(Sigma_T) via the SVD of its
/// factor [H_c / sqrt(N); M / sqrt(C)] when N + C <= D, else via the eigendecomposition of
/// Sigma_T itself (its SVD, as Sigma_T is symmetric positive semi-definite).
MetricResult variabilityCollapseIndex(const FloatArray& X, const std::vector<std::int64_t>& labels,
                                      const LabelMetricOptions& options = {});

}  // namespace strata
