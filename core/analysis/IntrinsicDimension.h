#pragma once
// Intrinsic dimension of a point cloud X [N, D] (one row per point), as defined in
// METRICS.md "Intrinsic dimension":
//  - twoNN: TwoNN (Facco et al. 2017, Sci. Rep. 7:12140). Variants:
//      Dadapy (default; dadapy/id_estimation.py compute_id_2NN): sorted log(mu), first
//        floor(fraction N) kept, y_i = -log(1 - i/N), i = 1..n_eff, least squares through 0;
//      Skdim (skdim/id/_TwoNN.py): also drops points with r1 == r2; F_emp = arange(n)/n
//        (starts at 0), first floor(N (1 - discard_fraction)) values, fit through 0;
//      ML: d = (N - 1) / sum(log mu).
//    Points with r1 = 0 (duplicates) are removed first and reported in `warnings`.
//  - mle: Levina & Bickel 2004 with k neighbours, m_i = (k - 1) / sum_{j<k} log(R_k / R_j)
//    (k - 2 when unbiased), combined by the MacKay & Ghahramani harmonic mean (default),
//    mean or median (as skdim/id/_MLE.py). Points with a zero distance among their k
//    neighbours are removed with a warning.
//  - participationRatio: (sum lambda)^2 / sum lambda^2 of the covariance eigenvalues
//    (real-valued, not truncated).
//  - pcId: smallest number of principal components whose cumulative explained variance
//    reaches `threshold` (default 0.9).
// Error bars (all metrics, off by default): the points are split at random (seeded) into
// `subsets` disjoint parts, the metric is computed on each; `error` is the standard error of
// their mean (sample standard deviation / sqrt(subsets)), which estimates the spread of the
// full-N estimate. `value` is always the estimate on all N points. The subset mean is
// returned in parameters["error.subset_mean"].
// Everything is computed in float64 on exact neighbour distances (core/analysis/Neighbours.h).
// Throws strata::Error: id.bad_input (not 2-D, empty, bad options), id.too_few_points.
// Thread-safe: pure functions.
#include <cstdint>

#include "core/analysis/MetricResult.h"
#include "core/analysis/Neighbours.h"
#include "core/util/FloatArray.h"

namespace strata {

struct ErrorBarOptions {
  int subsets = 0;             ///< number of disjoint random subsets; 0 = no error bar, else >= 2
  std::uint64_t seed = 12345;  ///< seeds the random split
};

enum class TwoNNVariant { Dadapy, Skdim, ML };

struct TwoNNOptions {
  TwoNNVariant variant = TwoNNVariant::Dadapy;
  double fraction = 0.9;         ///< Dadapy: fraction of the sorted mu values kept
  double discardFraction = 0.1;  ///< Skdim: fraction of the largest mu values discarded
  ErrorBarOptions errorBar;
};

enum class MleCombination { Harmonic, Mean, Median };

struct MleOptions {
  int k = 20;
  MleCombination combination = MleCombination::Harmonic;
  bool unbiased = false;  ///< k - 2 instead of k - 1 in the numerator
  ErrorBarOptions errorBar;
};

struct PcaOptions {
  double threshold = 0.9;  ///< pcId: explained-variance fraction to reach
  ErrorBarOptions errorBar;
};

/// metric "id.twonn", variant "dadapy" | "skdim" | "ml".
MetricResult twoNN(const FloatArray& X, const TwoNNOptions& options = {});
/// TwoNN from precomputed neighbours (k >= 2; only the first two are used). No error bar.
MetricResult twoNN(const Neighbours& nn, const TwoNNOptions& options = {});

/// metric "id.mle", variant "harmonic" | "mean" | "median" (+ "-unbiased").
MetricResult mle(const FloatArray& X, const MleOptions& options = {});
/// MLE from precomputed neighbours (nn.k >= options.k; the first k are used). No error bar.
MetricResult mle(const Neighbours& nn, const MleOptions& options = {});

/// metric "id.pr" (participation ratio), variant "covariance".
MetricResult participationRatio(const FloatArray& X, const PcaOptions& options = {});
/// metric "id.pcid", variant "explained-variance"; parameters["threshold"].
MetricResult pcId(const FloatArray& X, const PcaOptions& options = {});

const char* variantName(TwoNNVariant v);
const char* combinationName(MleCombination c);

}  // namespace strata
