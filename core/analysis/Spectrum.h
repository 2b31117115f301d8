#pragma once
// Spectral measures of one representation: prompt entropy, dataset entropy, effective rank.
//
// Prompt entropy (Skean et al. 2025, `information_flow`, experiments/utils/metrics/
// metric_functions.py: normalize, compute_entropy, entropy_normalization; matrix-based Renyi
// entropy of Giraldo et al. 2015 as in `repitl` matrixAlphaEntropy):
//  1. preprocess Z [T, D] (option, default on): subtract the token mean, L2-normalise rows;
//  2. Gram K = Z Z^T when T <= D, else Z^T Z (the smaller side);
//  3. clamp K element-wise to >= 0 (option, default on: a quirk of the reference code, kept so
//     that numbers reproduce; it can make K indefinite, whose negative eigenvalues are dropped);
//  4. K /= trace(K); eigenvalues lambda > 0, renormalised to sum 1;
//  5. H_alpha = log(sum lambda^alpha) / (1 - alpha); alpha = 1 gives -sum lambda log lambda;
//  6. divided by min(log T, log D) ("maxEntropy", default) or by log T, log D, log T log D, or
//     not at all ("raw"): the names of information_flow's entropy_normalization.
// Dataset entropy: the same computation on the pooled dataset X [N, D] (one row per input).
// Effective rank (Roy & Vetterli 2007): exp(-sum p_i log p_i), p_i = sigma_i / sum sigma over the
// singular values (not their squares), on the same preprocessed Z by default so that it is
// comparable with prompt entropy, or on Z as given (EffectiveRankInput::Raw).
//
// Everything after reading the floats runs in float64. "lambda > 0" and "sigma > 0" use the
// numerical-rank tolerance n * DBL_EPSILON * max (as numpy.linalg.matrix_rank), so round-off
// eigenvalues of a rank-deficient matrix are not counted; against repitl's strict > 0 this
// changes results by < 1e-12 for alpha >= 1. Rows that preprocessing leaves at zero (a token
// equal to the mean) stay zero and are reported in a warning (the reference code yields NaN).
// Definitions: METRICS.md, "Information / spectrum". Pure functions; safe from any thread.
#include "core/analysis/MetricResult.h"
#include "core/util/FloatArray.h"

namespace strata {

enum class EntropyNormalisation {
  MaxEntropy,  ///< / min(log rows, log cols) (default; information_flow "maxEntropy")
  LogN,        ///< / log rows
  LogD,        ///< / log cols
  LogNLogD,    ///< / (log rows * log cols)
  Raw,         ///< nats, not normalised
};

struct EntropyOptions {
  double alpha = 1.0;      ///< Renyi order, >= 0; 1 = Shannon (von Neumann)
  bool preprocess = true;  ///< subtract the row mean, L2-normalise rows
  bool clampGram = true;   ///< clamp the Gram matrix element-wise to >= 0 (reference quirk)
  EntropyNormalisation normalisation = EntropyNormalisation::MaxEntropy;
};

/// Prompt entropy of Z [T, D] (one input at one layer). Metric "spectrum.prompt_entropy",
/// variant = the normalisation name ("maxEntropy", "logN", "logD", "logNlogD", "raw");
/// parameters: alpha, preprocess, clamp, rows, cols, gram_size, eigenvalues (kept),
/// zero_rows. Throws strata::Error "analysis.bad_shape" (not 2-D), "analysis.bad_parameter"
/// (alpha < 0 or not finite), "analysis.degenerate" (the Gram matrix has zero trace, e.g. one
/// token after preprocessing, or the normalisation divides by log 1 = 0).
MetricResult promptEntropy(const FloatArray& Z, const EntropyOptions& options = {});

/// Dataset entropy of pooled representations X [N, D] (one row per input): the same
/// computation as promptEntropy, metric "spectrum.dataset_entropy".
MetricResult datasetEntropy(const FloatArray& X, const EntropyOptions& options = {});

enum class EffectiveRankInput {
  Preprocessed,  ///< token mean removed, rows L2-normalised (default)
  Raw,           ///< Z as given
};

/// Effective rank of Z [T, D] in [1, min(T, D)]. Metric "spectrum.effective_rank", variant
/// "preprocessed" or "raw"; parameters: rows, cols, singular_values (kept), zero_rows. Throws
/// strata::Error "analysis.bad_shape" or "analysis.degenerate" (all singular values zero).
MetricResult effectiveRank(const FloatArray& Z,
                           EffectiveRankInput input = EffectiveRankInput::Preprocessed);

}  // namespace strata
