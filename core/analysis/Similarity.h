#pragma once
// Representation similarity by centred kernel alignment (METRICS.md, "Similarity between
// layers and models"), between two point clouds with the same N rows (the same inputs):
// two layers of one model, or one layer each of two models. Widths may differ.
//
// - Linear CKA (Kornblith et al. 2019, "Similarity of neural network representations
//   revisited"): columns centred, ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F).
// - Debiased CKA: the same ratio with every HSIC replaced by the unbiased U-statistic
//   estimator of Song et al. 2007, as in the Google code (`cka_lib.py`,
//   `feature_space_linear_cka(debiased=True)` / `_debiased_dot_product_similarity_helper`,
//   vendored by Ecco as `svcca_lib/cka_lib.py`):
//     HSIC_u(X, Y) = <Xc^T Yc>_F^2 - n/(n-2) r_X . r_Y + |X|^2 |Y|^2 / ((n-1)(n-2)),
//   r_X = squared row norms of the centred X, |X|^2 = their sum. It removes the positive
//   bias of plain CKA when D is large compared to N (independent random matrices give ~0).
//
// Computed in float64. A layer with D > N is first reduced to N columns by a QR
// decomposition (Z Q = R^T), which leaves every quantity above unchanged; one pair then
// costs N D_x D_y in feature space. The matrix helpers switch to the Gram form (one N^2 D
// Gram per layer, N^2 per pair) when that is cheaper overall and the Grams fit in 1 GiB.
// Thread-safe: pure functions.
#include <string>
#include <vector>

#include "core/analysis/MetricResult.h"
#include "core/util/FloatArray.h"

namespace strata {

enum class CkaVariant { Linear, Debiased };

/// CKA between X [N, D_x] and Y [N, D_y]. metric "similarity.cka", variant "linear" or
/// "debiased". A representation with zero variance (or a non-positive debiased
/// self-HSIC) makes CKA undefined: the value is 0 and a warning says why.
/// Throws strata::Error("analysis.bad_shape") on non-2-D input or different N, and
/// ("analysis.too_few_points") for N < 2 (linear) or N < 4 (debiased).
MetricResult cka(const FloatArray& X, const FloatArray& Y, CkaVariant variant = CkaVariant::Linear);

struct SimilarityMatrix {
  FloatArray values;                  ///< [A, B] float32 CKA values
  std::vector<std::string> warnings;  ///< one per undefined entry, naming the layers
};

/// Layer x layer CKA of one model: layers[l] is [N, D_l]; returns a symmetric [L, L].
SimilarityMatrix ckaMatrix(const std::vector<FloatArray>& layers,
                           CkaVariant variant = CkaVariant::Linear);

/// Model A x model B: a[i] is [N, D_i], b[j] is [N, D_j] (same N inputs); returns
/// [A, B] with entry (i, j) = CKA(a[i], b[j]).
SimilarityMatrix ckaMatrix(const std::vector<FloatArray>& a, const std::vector<FloatArray>& b,
                           CkaVariant variant = CkaVariant::Linear);

}  // namespace strata
