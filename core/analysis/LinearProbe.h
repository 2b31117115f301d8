#pragma once
// Linear-probe accuracy of a labelled point cloud (METRICS.md, "Labelled data"): multinomial
// logistic regression with an L2 penalty, k-fold cross-validated, reported as the mean
// accuracy over folds with its standard error (sample standard deviation over folds /
// sqrt(k)).
//
// Model and objective (the convention of scikit-learn's LogisticRegression with
// multi_class="multinomial", penalty="l2", so results are comparable with it): one weight
// vector and one unpenalised bias per class, minimise
//   C * sum_i cross_entropy(softmax(W^T x_i + b), y_i) + 0.5 ||W||_F^2,
// implemented as the same problem divided by C n. Features are standardised with the
// training fold's mean and population standard deviation (a zero deviation is replaced by
// 1, as StandardScaler does); the test fold uses the training statistics.
// Optimiser: full-batch L-BFGS (history 10, backtracking Armijo line search) in float64,
// deterministic, stopped after maxIterations or when max |gradient| < tolerance; a fold
// that stops on the iteration cap adds a warning.
// Folds: stratified by default (each class's rows shuffled with the seed, then dealt to the
// folds in turn, continuing across classes), or a plain seeded shuffle, or given
// explicitly. Shuffles use mt19937_64 with a portable bounded draw: the same seed gives
// the same folds everywhere. Thread-safe: pure functions.
#include <cstdint>
#include <vector>

#include "core/analysis/MetricResult.h"
#include "core/util/FloatArray.h"

namespace strata {

struct LinearProbeOptions {
  int folds = 5;
  double C = 1.0;           ///< inverse L2 strength, scikit-learn's convention
  int maxIterations = 500;  ///< L-BFGS iteration cap per fold
  double tolerance = 1e-6;  ///< stop when max |gradient| of the scaled objective is below
  std::uint64_t seed = 0;
  bool stratified = true;
  bool standardize = true;
  /// Explicit fold of each row (values 0..k-1, all present); when non-empty it overrides
  /// folds/seed/stratified.
  std::vector<int> foldOf;
};

/// Fold index (0..k-1) of each row, as linearProbe() assigns them when foldOf is empty.
/// Throws strata::Error("analysis.bad_argument") for k < 2 or k > N.
std::vector<int> probeFolds(const std::vector<std::int64_t>& labels, int k, std::uint64_t seed,
                            bool stratified = true);

/// Cross-validated accuracy of a linear probe on X [N, D] with integer labels (any values;
/// the distinct ones are the classes). metric "labels.linear_probe", variant
/// "multinomial-l2"; value = mean fold accuracy, error = its standard error; parameters
/// hold folds, C, classes, the iteration cap and "fold{i}.accuracy" for each fold.
/// Throws strata::Error("analysis.bad_shape") for mismatched sizes and
/// ("analysis.too_few_classes") for fewer than 2 classes.
MetricResult linearProbe(const FloatArray& X, const std::vector<std::int64_t>& labels,
                         const LinearProbeOptions& options = {});

/// The probe on every layer, all with the same folds (layers[l] is [N, D_l]).
std::vector<MetricResult> linearProbePerLayer(const std::vector<FloatArray>& layers,
                                              const std::vector<std::int64_t>& labels,
                                              const LinearProbeOptions& options = {});

}  // namespace strata
