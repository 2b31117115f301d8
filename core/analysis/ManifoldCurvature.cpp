#include "core/analysis/ManifoldCurvature.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <tuple>

#include "core/analysis/Neighbours.h"
#include "core/util/Error.h"

namespace strata {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kBlockBytes = 256.0 * 1024 * 1024;

at::Tensor toDouble(const FloatArray& A) {
  return at::from_blob(const_cast<float*>(A.data.data()), A.shape, at::kFloat).to(at::kDouble);
}

struct Accumulated {
  std::vector<double> perPoint;
  std::int64_t skipped = 0;
  std::int64_t zeroDistanceRows = 0;               // points with a neighbour equal to themselves
  double keptNormals = 0.0, droppedNormals = 0.0;  // sums over used points
};

// The CAML fit on a block of neighbourhoods: x [B, D], nb [B, K, D] (float64). Writes per-point
// mean |kappa| (NaN when skipped) to out[0..B).
void fitBlock(const at::Tensor& x, const at::Tensor& nb, std::int64_t d, Accumulated& acc,
              std::int64_t offset) {
  const std::int64_t B = nb.size(0), K = nb.size(1), D = nb.size(2);
  const std::int64_t r = std::min(K, D), m = r - d, q = d * (d + 1) / 2;
  const at::Tensor Y = nb - x.unsqueeze(1);  // [B, K, D]
  acc.zeroDistanceRows += Y.abs().amax(2).eq(0.0).any(1).sum().item<std::int64_t>();
  // Weyl: rounding the inputs to float32 moves every singular value of Y by at most ||E||_F,
  // |E_ij| <= FLT_EPSILON / 2 * (|x_j| + |n_ij|).
  const at::Tensor noise =
      (nb.abs() + x.abs().unsqueeze(1)).pow(2).sum({1, 2}).sqrt() * (FLT_EPSILON / 2.0);
  // Left singular vectors and values of Y from its K x K Gram matrix: a batched product and a
  // small eigenproblem instead of an SVD of K x D (several times faster when D >> K). Squaring
  // costs precision only below sqrt(K eps) sigma_max, inside the tolerance below.
  auto [lambda, V] = at::linalg_eigh(at::matmul(Y, Y.transpose(1, 2)));
  const at::Tensor S = lambda.flip({1}).narrow(1, 0, r).clamp_min(0.0).sqrt();  // [B, r]
  const at::Tensor U = V.flip({2}).narrow(2, 0, r);                             // [B, K, r]
  const at::Tensor smax = S.select(1, 0);
  const at::Tensor tol =
      at::maximum(4.0 * noise, smax * (4.0 * std::sqrt(static_cast<double>(K) * DBL_EPSILON)));
  const at::Tensor usable = S.select(1, d - 1).gt(tol) & smax.gt(0.0);  // [B]
  // Scale coordinates to unit rms so the pseudo-inverse sees columns of comparable size;
  // f = a.u + u^T H u / 2 in scaled units gives H' = s H.
  const at::Tensor scale =
      at::where(usable, smax / std::sqrt(static_cast<double>(K)), at::ones_like(smax));
  const at::Tensor C = U * (S / scale.unsqueeze(1)).unsqueeze(1);  // [B, K, r]
  const at::Tensor u = C.narrow(2, 0, d);                          // [B, K, d]
  const at::Tensor f = C.narrow(2, d, m);                          // [B, K, m]

  std::vector<std::int64_t> ti, tj, upper, lower;
  std::vector<double> w;
  for (std::int64_t i = 0; i < d; ++i)
    for (std::int64_t j = i; j < d; ++j) {
      ti.push_back(i);
      tj.push_back(j);
      upper.push_back(i * d + j);
      lower.push_back(j * d + i);
      w.push_back(i == j ? 0.5 : 1.0);
    }
  auto longs = [](const std::vector<std::int64_t>& v) {
    return at::tensor(at::ArrayRef<std::int64_t>(v), at::kLong);
  };
  const at::Tensor weights = at::tensor(at::ArrayRef<double>(w), at::kDouble);
  const at::Tensor uu = u.index_select(2, longs(ti)) * u.index_select(2, longs(tj)) * weights;
  const at::Tensor psi = at::cat({u, uu}, 2);  // [B, K, d + q]
  // Least squares by complete orthogonal factorisation (LAPACK gelsy): the pseudo-inverse
  // solution of CAML, minimum-norm when underdetermined, at a fraction of an SVD's cost.
  const at::Tensor coef = std::get<0>(at::linalg_lstsq(psi, f, c10::nullopt, "gelsy"));
  const at::Tensor quad = coef.narrow(1, d, q).transpose(1, 2).contiguous();  // [B, m, q]
  at::Tensor H = at::zeros({B, m, d * d}, quad.options());
  H.index_copy_(2, longs(upper), quad);
  H.index_copy_(2, longs(lower), quad);
  const at::Tensor kappa = at::linalg_eigvalsh(H.view({B, m, d, d})) / scale.view({B, 1, 1});

  const at::Tensor keep = S.narrow(1, d, m).gt(tol.unsqueeze(1));  // [B, m]
  const at::Tensor keepCount = keep.sum(1).to(at::kDouble);        // [B]
  const at::Tensor absSum = (kappa.abs() * keep.unsqueeze(2).to(at::kDouble)).sum({1, 2});
  const at::Tensor perPoint =
      at::where(keepCount.gt(0), absSum / (keepCount * static_cast<double>(d)).clamp_min(1.0),
                at::zeros_like(absSum));

  const auto usableA = usable.contiguous();
  const auto pp = perPoint.contiguous();
  const auto kc = keepCount.contiguous();
  const bool* us = usableA.data_ptr<bool>();
  const double* pv = pp.data_ptr<double>();
  const double* kv = kc.data_ptr<double>();
  for (std::int64_t b = 0; b < B; ++b) {
    double& dst = acc.perPoint[static_cast<std::size_t>(offset + b)];
    if (!us[b]) {
      dst = kNaN;
      ++acc.skipped;
      continue;
    }
    dst = pv[b];
    acc.keptNormals += kv[b];
    acc.droppedNormals += static_cast<double>(m) - kv[b];
  }
}

// Runs the fit over all N points in blocks; gather(b0, b1) returns the neighbourhoods
// [b1 - b0, K, D] of rows b0..b1 - 1 in float64.
ManifoldCurvature run(const at::Tensor& X, std::int64_t K, std::int64_t d,
                      const std::function<at::Tensor(std::int64_t, std::int64_t)>& gather,
                      const char* variant) {
  const std::int64_t N = X.size(0), D = X.size(1);
  ManifoldCurvature out;
  MetricResult& res = out.summary;
  res.metric = "curvature.mapc";
  res.variant = variant;
  const std::int64_t q = d * (d + 1) / 2;
  res.parameters = {{"k", static_cast<double>(K)},
                    {"tangent_dim", static_cast<double>(d)},
                    {"points", static_cast<double>(N)},
                    {"underdetermined", K < d + q ? 1.0 : 0.0}};
  if (d >= D) {
    // The manifold fills the space: no normal direction, curvature 0 (as CAML).
    out.perPoint.assign(static_cast<std::size_t>(N), 0.0);
    res.value = 0.0;
    res.parameters["points_used"] = static_cast<double>(N);
    res.parameters["skipped_points"] = 0.0;
    res.parameters["normal_directions"] = 0.0;
    res.parameters["dropped_normal_directions"] = 0.0;
    res.parameters["zero_distance_rows"] = 0.0;
    res.warnings.push_back("tangent dimension " + std::to_string(d) + " >= ambient dimension " +
                           std::to_string(D) + ": no normal direction, MAPC = 0");
    return out;
  }
  if (K < d + q)
    res.warnings.push_back("k = " + std::to_string(K) + " < " + std::to_string(d + q) +
                           " unknowns: quadratic fit underdetermined, minimum-norm solution "
                           "(as CAML), MAPC biased low");

  const std::int64_t r = std::min(K, D), m = r - d;
  const double perPointBytes =
      8.0 * static_cast<double>(4 * K * D + 3 * K * (d + q) + 2 * m * d * d + K * K + 8 * r);
  const std::int64_t block =
      std::clamp<std::int64_t>(static_cast<std::int64_t>(kBlockBytes / perPointBytes), 1, N);
  Accumulated acc;
  acc.perPoint.assign(static_cast<std::size_t>(N), kNaN);
  for (std::int64_t b0 = 0; b0 < N; b0 += block) {
    const std::int64_t b1 = std::min(N, b0 + block);
    fitBlock(X.narrow(0, b0, b1 - b0), gather(b0, b1), d, acc, b0);
  }

  const std::int64_t used = N - acc.skipped;
  if (used == 0)
    throw Error("analysis.degenerate",
                "MAPC: no point has neighbours spanning " + std::to_string(d) + " dimensions");
  double sum = 0.0, sum2 = 0.0;
  for (double v : acc.perPoint)
    if (!std::isnan(v)) sum += v, sum2 += v * v;
  const double n = static_cast<double>(used);
  res.value = sum / n;
  const double var = used > 1 ? std::max(0.0, (sum2 - sum * sum / n) / (n - 1.0)) : 0.0;
  res.error = std::sqrt(var / n);
  res.parameters["points_used"] = n;
  res.parameters["skipped_points"] = static_cast<double>(acc.skipped);
  res.parameters["normal_directions"] = acc.keptNormals / n;
  res.parameters["dropped_normal_directions"] = acc.droppedNormals / n;
  res.parameters["zero_distance_rows"] = static_cast<double>(acc.zeroDistanceRows);
  if (acc.zeroDistanceRows > 0)
    res.warnings.push_back(std::to_string(acc.zeroDistanceRows) +
                           " point(s) have a duplicate among their neighbours (distance 0)");
  if (acc.skipped > 0)
    res.warnings.push_back(std::to_string(acc.skipped) +
                           " point(s) skipped: neighbours do not "
                           "span the tangent dimension (duplicates or collinear points)");
  if (acc.droppedNormals > 0.0)
    res.warnings.push_back("normal directions at float32 rounding level left out (mean " +
                           std::to_string(acc.droppedNormals / n) + " per point)");
  out.perPoint = std::move(acc.perPoint);
  return out;
}

void checkDims(const FloatArray& X, int tangentDim) {
  if (X.shape.size() != 2 || X.numel() != FloatArray::countOf(X.shape) || X.dim(1) < 1)
    throw Error("analysis.bad_shape", "MAPC: expected a 2-D array [N, D]");
  if (tangentDim < 1)
    throw Error("analysis.bad_parameter",
                "MAPC: tangent dimension must be >= 1, got " + std::to_string(tangentDim));
}

}  // namespace

ManifoldCurvature manifoldCurvature(const FloatArray& X, int tangentDim,
                                    const ManifoldCurvatureOptions& options) {
  checkDims(X, tangentDim);
  const std::int64_t N = X.dim(0), d = tangentDim;
  std::vector<std::string> warnings;
  std::int64_t K = options.k;
  if (K == 0) {
    K = std::max(2 * d, d * (d + 3) / 2 + 1);
    if (K > N - 1) {
      warnings.push_back("default k = " + std::to_string(K) +
                         " capped at N - 1 = " + std::to_string(N - 1));
      K = N - 1;
    }
  }
  if (K <= d || K >= N)
    throw Error("analysis.bad_parameter",
                "MAPC: need tangent dimension < k < N, got d = " + std::to_string(d) +
                    ", k = " + std::to_string(K) + ", N = " + std::to_string(N));
  const Neighbours nb = nearestNeighbours(X, static_cast<int>(K));
  const at::Tensor Xd = toDouble(X);
  const at::Tensor index =
      at::from_blob(const_cast<std::int64_t*>(nb.index.data()), {N, K}, at::kLong);
  auto gather = [&](std::int64_t b0, std::int64_t b1) {
    const at::Tensor rows = index.narrow(0, b0, b1 - b0).reshape({-1});
    return Xd.index_select(0, rows).view({b1 - b0, K, Xd.size(1)});
  };
  ManifoldCurvature out = run(Xd, K, d, gather, "caml.knn");
  out.summary.warnings.insert(out.summary.warnings.begin(), warnings.begin(), warnings.end());
  return out;
}

ManifoldCurvature manifoldCurvature(const FloatArray& X, const FloatArray& neighbourhoods,
                                    int tangentDim) {
  checkDims(X, tangentDim);
  const std::int64_t N = X.dim(0), D = X.dim(1), d = tangentDim;
  if (neighbourhoods.shape.size() != 3 || neighbourhoods.dim(0) != N ||
      neighbourhoods.dim(2) != D ||
      neighbourhoods.numel() != FloatArray::countOf(neighbourhoods.shape))
    throw Error("analysis.bad_shape", "MAPC: neighbourhoods must be [N, K, D] matching X [N, D]");
  const std::int64_t K = neighbourhoods.dim(1);
  if (K <= d)
    throw Error("analysis.bad_parameter",
                "MAPC: need more neighbours than the tangent "
                "dimension, got K = " +
                    std::to_string(K) + ", d = " + std::to_string(d));
  const at::Tensor Xd = toDouble(X);
  const at::Tensor nbf = at::from_blob(const_cast<float*>(neighbourhoods.data.data()),
                                       neighbourhoods.shape, at::kFloat);
  auto gather = [&](std::int64_t b0, std::int64_t b1) {
    return nbf.narrow(0, b0, b1 - b0).to(at::kDouble);
  };
  return run(Xd, K, d, gather, "caml.given");
}

}  // namespace strata
