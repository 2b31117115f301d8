#include "core/analysis/Spectrum.h"

#include <ATen/ATen.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/util/Error.h"

namespace strata {

namespace {

struct Prepared {
  at::Tensor Z;  // [T, D] float64
  std::int64_t zeroRows = 0;
};

at::Tensor toDouble(const FloatArray& A, const char* what) {
  if (A.shape.size() != 2 || A.numel() != FloatArray::countOf(A.shape))
    throw Error("analysis.bad_shape", std::string(what) + ": expected a 2-D array");
  if (A.dim(0) < 1 || A.dim(1) < 1)
    throw Error("analysis.bad_shape", std::string(what) + ": empty array");
  // from_blob does not copy; .to(kDouble) does, so the const input is never written.
  return at::from_blob(const_cast<float*>(A.data.data()), {A.dim(0), A.dim(1)}, at::kFloat)
      .to(at::kDouble);
}

// information_flow's normalize(): subtract the mean over rows, divide rows by their L2 norm.
// Rows left at exactly zero stay zero (the reference divides 0 by 0).
Prepared prepare(const FloatArray& A, bool preprocess, const char* what) {
  Prepared p;
  p.Z = toDouble(A, what);
  if (!preprocess) return p;
  p.Z = p.Z - p.Z.mean(0, /*keepdim=*/true);
  at::Tensor norms = p.Z.norm(2, {1}, /*keepdim=*/true);
  at::Tensor zero = norms.eq(0.0);
  p.zeroRows = zero.sum().item<std::int64_t>();
  p.Z = p.Z / at::where(zero, at::ones_like(norms), norms);
  return p;
}

void addZeroRowWarning(MetricResult& r, std::int64_t zeroRows) {
  if (zeroRows > 0)
    r.warnings.push_back(std::to_string(zeroRows) +
                         " row(s) equal to the mean are zero after preprocessing and carry no "
                         "weight");
}

const char* normalisationName(EntropyNormalisation n) {
  switch (n) {
    case EntropyNormalisation::MaxEntropy:
      return "maxEntropy";
    case EntropyNormalisation::LogN:
      return "logN";
    case EntropyNormalisation::LogD:
      return "logD";
    case EntropyNormalisation::LogNLogD:
      return "logNlogD";
    case EntropyNormalisation::Raw:
      return "raw";
  }
  return "raw";
}

MetricResult matrixEntropy(const FloatArray& A, const EntropyOptions& o, const char* metric) {
  if (!std::isfinite(o.alpha) || o.alpha < 0.0)
    throw Error(
        "analysis.bad_parameter",
        std::string(metric) + ": alpha must be finite and >= 0, got " + std::to_string(o.alpha));
  Prepared p = prepare(A, o.preprocess, metric);
  const std::int64_t T = p.Z.size(0), D = p.Z.size(1);
  at::Tensor K = T <= D ? at::matmul(p.Z, p.Z.t()) : at::matmul(p.Z.t(), p.Z);
  if (o.clampGram) K = K.clamp_min(0.0);
  const double trace = K.trace().item<double>();
  if (!(trace > 0.0))
    throw Error("analysis.degenerate", std::string(metric) +
                                           ": the Gram matrix has zero trace (all rows zero" +
                                           (o.preprocess ? " after removing the mean" : "") + ")");
  K = K / trace;
  at::Tensor ev = at::linalg_eigvalsh(K);
  const double tol = static_cast<double>(K.size(0)) * DBL_EPSILON * ev.abs().max().item<double>();
  ev = ev.masked_select(ev.gt(tol));
  ev = ev / ev.sum();
  double H = 0.0;
  if (o.alpha == 1.0) {
    H = -(ev * ev.log()).sum().item<double>();
  } else {
    H = std::log(ev.pow(o.alpha).sum().item<double>()) / (1.0 - o.alpha);
  }
  H = std::max(H, 0.0);  // -0 and round-off below zero for a rank-1 Gram

  const double logN = std::log(static_cast<double>(T)), logD = std::log(static_cast<double>(D));
  double divisor = 1.0;
  switch (o.normalisation) {
    case EntropyNormalisation::MaxEntropy:
      divisor = std::min(logN, logD);
      break;
    case EntropyNormalisation::LogN:
      divisor = logN;
      break;
    case EntropyNormalisation::LogD:
      divisor = logD;
      break;
    case EntropyNormalisation::LogNLogD:
      divisor = logN * logD;
      break;
    case EntropyNormalisation::Raw:
      break;
  }
  if (!(divisor > 0.0))
    throw Error("analysis.degenerate", std::string(metric) + ": normalisation '" +
                                           normalisationName(o.normalisation) +
                                           "' divides by log 1 = 0 (one row or one column)");

  MetricResult r;
  r.metric = metric;
  r.variant = normalisationName(o.normalisation);
  r.value = H / divisor;
  r.parameters = {{"alpha", o.alpha},
                  {"preprocess", o.preprocess ? 1.0 : 0.0},
                  {"clamp", o.clampGram ? 1.0 : 0.0},
                  {"rows", static_cast<double>(T)},
                  {"cols", static_cast<double>(D)},
                  {"gram_size", static_cast<double>(K.size(0))},
                  {"eigenvalues", static_cast<double>(ev.numel())},
                  {"zero_rows", static_cast<double>(p.zeroRows)}};
  addZeroRowWarning(r, p.zeroRows);
  return r;
}

}  // namespace

MetricResult promptEntropy(const FloatArray& Z, const EntropyOptions& options) {
  return matrixEntropy(Z, options, "spectrum.prompt_entropy");
}

MetricResult datasetEntropy(const FloatArray& X, const EntropyOptions& options) {
  return matrixEntropy(X, options, "spectrum.dataset_entropy");
}

MetricResult effectiveRank(const FloatArray& Z, EffectiveRankInput input) {
  const bool pre = input == EffectiveRankInput::Preprocessed;
  Prepared p = prepare(Z, pre, "spectrum.effective_rank");
  const std::int64_t T = p.Z.size(0), D = p.Z.size(1);
  at::Tensor s = at::linalg_svdvals(p.Z);
  const double smax = s.max().item<double>();
  if (!(smax > 0.0))
    throw Error("analysis.degenerate", "spectrum.effective_rank: all singular values are zero");
  const double tol = static_cast<double>(std::max(T, D)) * DBL_EPSILON * smax;
  s = s.masked_select(s.gt(tol));
  at::Tensor q = s / s.sum();
  const double H = -(q * q.log()).sum().item<double>();

  MetricResult r;
  r.metric = "spectrum.effective_rank";
  r.variant = pre ? "preprocessed" : "raw";
  r.value = std::exp(std::max(H, 0.0));
  r.parameters = {{"rows", static_cast<double>(T)},
                  {"cols", static_cast<double>(D)},
                  {"singular_values", static_cast<double>(s.numel())},
                  {"zero_rows", static_cast<double>(p.zeroRows)}};
  addZeroRowWarning(r, p.zeroRows);
  return r;
}

}  // namespace strata
